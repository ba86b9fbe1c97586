package api

// alertIntakeRoutes are the operations that receive alerts (IH-3).
func (h *Handler) alertIntakeRoutes() []route { return nil }
