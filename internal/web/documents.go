package web

// This file holds the UI of IS-1: versioned policy documents, the ISMS scope and roles per department.

// registerDocuments mounts the area's pages.
func (h *Handler) registerDocuments(handle handleFunc) {}
