package web

// This file holds the UI of IN-1: lessons from incidents that become improvement actions on measures and risks, and the improvement lead time.

// registerImprovements mounts the area's pages.
func (h *Handler) registerImprovements(handle handleFunc) {}
