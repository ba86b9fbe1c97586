package web

import "net/http"

// This file holds the UI of tasks assigned to departments, the department task inbox and playbooks (IH-5).

// registerTasks mounts the area's pages.
func (h *Handler) registerTasks(handle handleFunc) {}

// incidentTasksSection is what the incident page shows of the area.
type incidentTasksSection struct{}

// loadIncidentTasks fills the area's section of the incident page.
func (h *Handler) loadIncidentTasks(r *http.Request, v *incidentView) error { return nil }
