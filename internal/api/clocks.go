package api

// clockRoutes are the operations of service-level and regulatory clocks and notifications (IH-6).
func (h *Handler) clockRoutes() []route { return nil }
