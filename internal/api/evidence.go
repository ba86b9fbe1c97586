package api

// evidenceRoutes are the operations of observables, affected assets and evidence files (IH-5).
func (h *Handler) evidenceRoutes() []route { return nil }
