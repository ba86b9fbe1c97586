package api

// dashboardRoutes are the operations of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
func (h *Handler) dashboardRoutes() []route { return nil }
