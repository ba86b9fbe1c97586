package web

import "net/http"

// This file holds the UI of the post-incident review and its lessons (IH-8).

// registerReview mounts the area's pages.
func (h *Handler) registerReview(handle handleFunc) {}

// incidentReviewSection is what the incident page shows of the area.
type incidentReviewSection struct{}

// loadIncidentReview fills the area's section of the incident page.
func (h *Handler) loadIncidentReview(r *http.Request, v *incidentView) error { return nil }
