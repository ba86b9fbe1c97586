package api

// frameworkRoutes are the operations of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
func (h *Handler) frameworkRoutes() []route { return nil }
