package web

import "net/http"

// registerAwareness mounts the awareness pages (IM-4).
func (h *Handler) registerAwareness(handle handleFunc) {}

// incidentAwarenessSection is what the incident page shows of the area.
type incidentAwarenessSection struct{}

// loadIncidentAwareness fills the incident page's awareness section.
func (h *Handler) loadIncidentAwareness(r *http.Request, v *incidentView) error { return nil }
