package web

// registerAnalysis mounts the event analysis pages (IM-2).
func (h *Handler) registerAnalysis(handle handleFunc) {}
