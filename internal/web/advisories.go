package web

// registerAdvisories mounts the advisories' pages and the CSAF provider's
// public endpoints (IM-3).
func (h *Handler) registerAdvisories(handle handleFunc) {}
