package api

// reportingRoutes are the operations of reporting and disclosure (IH-7).
func (h *Handler) reportingRoutes() []route { return nil }
