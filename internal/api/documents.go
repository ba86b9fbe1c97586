package api

// documentRoutes are the operations of IS-1: versioned policy documents, the ISMS scope and roles per department.
func (h *Handler) documentRoutes() []route { return nil }
