package api

// reviewRoutes are the operations of post-incident reviews and lessons (IH-8).
func (h *Handler) reviewRoutes() []route { return nil }
