package web

// This file holds the UI of IS-2: the asset inventory and the risk register.

// registerRisks mounts the area's pages.
func (h *Handler) registerRisks(handle handleFunc) {}
