package api

// analysisRoutes are the operations of event analysis (IM-2).
func (h *Handler) analysisRoutes() []route { return nil }
