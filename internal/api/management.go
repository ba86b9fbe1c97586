package api

// managementRoutes are the operations of IS-5: management reviews.
func (h *Handler) managementRoutes() []route { return nil }
