package web

import (
	"net/http"

	"github.com/hikeshi/hikeshi"
)

// ismsView is the ISMS's front page: where the PDCA cycle stands — what is
// planned, implemented, checked and acted on — with each step's areas and
// the list of what falls due.
type ismsView struct {
	page
	O     hikeshi.ISMSOverview
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

// Part returns the PDCA step by key, for the template.
func (v *ismsView) Part(key string) ismsPart {
	for _, p := range v.Parts {
		if p.Key == key {
			return p
		}
	}
	return ismsPart{}
}

// DueHref is the page of a thing that falls due.
func (v *ismsView) DueHref(it hikeshi.DueItem) string {
	switch it.Kind {
	case hikeshi.DueDocumentReview:
		return "/isms/documents/" + it.ID
	case hikeshi.DueRiskReview, hikeshi.DueRiskTreatment:
		return "/isms/risks/" + it.ID
	case hikeshi.DueAudit:
		return "/isms/audits/" + it.ID
	case hikeshi.DueAction:
		return "/isms/actions/" + it.ID
	case hikeshi.DueManagementReview:
		return "/isms/management-reviews/" + it.ID
	}
	return "/isms"
}

// DueWhen is when a thing falls due: a day for audits and actions, which
// are planned by the day, a time for the rest.
func (v *ismsView) DueWhen(it hikeshi.DueItem) string {
	switch it.Kind {
	case hikeshi.DueAudit, hikeshi.DueAction, hikeshi.DueManagementReview:
		return it.Due.Format(hikeshi.DateLayout)
	}
	return v.Time(it.Due)
}

func (h *Handler) ismsIndex(w http.ResponseWriter, r *http.Request) error {
	o, err := h.svc.ISMS.Overview(r.Context(), h.stateOf(r).actor())
	if err != nil {
		return err
	}
	v := &ismsView{O: o, Parts: ismsParts}
	v.Active = "isms"
	h.fill(r, &v.page)
	return h.render(w, r, http.StatusOK, "isms", v)
}
