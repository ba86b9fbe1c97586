package api

// triageRoutes are the operations of triage of reports and the priority matrix (IH-4).
func (h *Handler) triageRoutes() []route { return nil }
