package web

import "net/http"

// ismsView is the ISMS's front page: the parts of the PDCA cycle, each a
// link to its area.
type ismsView struct {
	page
	Parts []ismsPart
}

// ismsPart is one part of the PDCA cycle on the ISMS page.
type ismsPart struct {
	Key   string // plan, do, check, act
	Links []ismsLink
}

type ismsLink struct{ Href, Key string }

// ismsParts are the ISMS areas by PDCA step, in the order of ISO/IEC 27001.
var ismsParts = []ismsPart{
	{Key: "plan", Links: []ismsLink{{"/isms/documents", "documents"}, {"/isms/scope", "scope"}, {"/isms/roles", "roles"},
		{"/isms/assets", "assets"}, {"/isms/risks", "risks"}}},
	{Key: "do", Links: []ismsLink{{"/isms/measures", "measures"}, {"/isms/soa", "soa"}, {"/isms/frameworks", "frameworks"}}},
	{Key: "check", Links: []ismsLink{{"/isms/metrics", "metrics"}, {"/isms/audits", "audits"}, {"/isms/findings", "findings"}}},
	{Key: "act", Links: []ismsLink{{"/isms/management-reviews", "management"}, {"/isms/actions", "actions"}, {"/lessons", "lessons"}}},
}

func (h *Handler) ismsIndex(w http.ResponseWriter, r *http.Request) error {
	v := &ismsView{Parts: ismsParts}
	v.Active = "isms"
	h.fill(r, &v.page)
	return h.render(w, r, http.StatusOK, "isms", v)
}
