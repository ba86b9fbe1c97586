package api

// riskRoutes are the operations of IS-2: the asset inventory and the risk register.
func (h *Handler) riskRoutes() []route { return nil }
