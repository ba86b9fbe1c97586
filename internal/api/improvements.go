package api

// improvementRoutes are the operations of IN-1: lessons from incidents that become improvement actions on measures and risks, and the improvement lead time.
func (h *Handler) improvementRoutes() []route { return nil }
