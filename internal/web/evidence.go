package web

import "net/http"

// This file holds the UI of observables, affected assets and evidence files of incidents (IH-5).

// registerEvidence mounts the area's pages.
func (h *Handler) registerEvidence(handle handleFunc) {}

// incidentEvidenceSection is what the incident page shows of the area.
type incidentEvidenceSection struct{}

// loadIncidentEvidence fills the area's section of the incident page.
func (h *Handler) loadIncidentEvidence(r *http.Request, v *incidentView) error { return nil }
