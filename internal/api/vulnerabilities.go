package api

// vulnerabilityRoutes are the operations of vulnerability handling (IM-1).
func (h *Handler) vulnerabilityRoutes() []route { return nil }
