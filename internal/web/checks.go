package web

// This file holds the UI of IS-4: metrics, the internal audit programme, findings and corrective actions.

// registerChecks mounts the area's pages.
func (h *Handler) registerChecks(handle handleFunc) {}
