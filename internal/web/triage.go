package web

import "net/http"

// This file holds the UI of the triage queue of new reports (IH-4), the decisions taken on them, and the priority matrix settings.

// registerTriage mounts the area's pages.
func (h *Handler) registerTriage(handle handleFunc) {}

// incidentTriageSection is what the incident page shows of the area.
type incidentTriageSection struct{}

// loadIncidentTriage fills the area's section of the incident page.
func (h *Handler) loadIncidentTriage(r *http.Request, v *incidentView) error { return nil }
