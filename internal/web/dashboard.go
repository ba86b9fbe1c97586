package web

// This file holds the UI of IN-5 and IN-6: the two loops on one screen, and the reporting culture.

// registerDashboard mounts the area's pages.
func (h *Handler) registerDashboard(handle handleFunc) {}
