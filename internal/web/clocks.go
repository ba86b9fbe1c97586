package web

import "net/http"

// This file holds the UI of service-level and regulatory clocks, the list of everything due and in-app notifications (IH-6).

// registerClocks mounts the area's pages.
func (h *Handler) registerClocks(handle handleFunc) {}

// incidentClocksSection is what the incident page shows of the area.
type incidentClocksSection struct{}

// loadIncidentClocks fills the area's section of the incident page.
func (h *Handler) loadIncidentClocks(r *http.Request, v *incidentView) error { return nil }
