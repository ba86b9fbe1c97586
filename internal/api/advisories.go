package api

// advisoryRoutes are the operations of advisories (IM-3).
func (h *Handler) advisoryRoutes() []route { return nil }
