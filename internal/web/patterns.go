package web

// This file holds the UI of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.

// registerPatterns mounts the area's pages.
func (h *Handler) registerPatterns(handle handleFunc) {}
