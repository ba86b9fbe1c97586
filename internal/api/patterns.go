package api

// patternRoutes are the operations of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.
func (h *Handler) patternRoutes() []route { return nil }
