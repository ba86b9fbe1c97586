package web

import "net/http"

// registerReporting mounts the pages of reporting and disclosure (IH-7).
func (h *Handler) registerReporting(handle handleFunc) {}

// incidentReportingSection is what the incident page shows of the area.
type incidentReportingSection struct{}

// loadIncidentReporting fills the incident page's reporting section.
func (h *Handler) loadIncidentReporting(r *http.Request, v *incidentView) error { return nil }
