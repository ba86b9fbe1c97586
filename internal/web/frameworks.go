package web

// This file holds the UI of IS-3: frameworks, the measure catalogue and the Statement of Applicability.

// registerFrameworks mounts the area's pages.
func (h *Handler) registerFrameworks(handle handleFunc) {}
