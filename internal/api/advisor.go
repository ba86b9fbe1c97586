package api

// advisorRoutes are the operations of IN-3 and IN-4: the pattern advisor and the what-if simulation.
func (h *Handler) advisorRoutes() []route { return nil }
