package api

// alertQueueRoutes are the operations of the alert queue (IH-3).
func (h *Handler) alertQueueRoutes() []route { return nil }
