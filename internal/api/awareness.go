package api

// awarenessRoutes are the operations of awareness (IM-4).
func (h *Handler) awarenessRoutes() []route { return nil }
