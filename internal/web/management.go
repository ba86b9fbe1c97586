package web

// This file holds the UI of IS-5: management reviews.

// registerManagement mounts the area's pages.
func (h *Handler) registerManagement(handle handleFunc) {}
