package web

// This file holds the UI of IN-3 and IN-4: the pattern advisor and the what-if simulation.

// registerAdvisor mounts the area's pages.
func (h *Handler) registerAdvisor(handle handleFunc) {}
