package api

// checkRoutes are the operations of IS-4: metrics, the internal audit programme, findings and corrective actions.
func (h *Handler) checkRoutes() []route { return nil }
