package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IN-1: lessons from incidents that become
// improvement actions on measures and risks, and the improvement lead time.
// /improvements lists them (filtered by state, measure or risk: a measure's
// history of the incidents that changed it); /lessons/{id}/improvement is
// where the reviewer chooses the measures and risks a lesson concerns, with
// suggestions, and sees its improvement. The service decides who sees what.

const improvementsPageSize = 50

// registerImprovements mounts the area's pages.
func (h *Handler) registerImprovements(handle handleFunc) {
	handle("GET /improvements", signedIn, h.improvementList)
	handle("GET /lessons/{id}/improvement", signedIn, h.lessonImprovement)
	handle("POST /lessons/{id}/improvement", signedIn, h.lessonImprovementSave)
}

// ImprovementStateName is the localised name of an improvement's state.
func (p *page) ImprovementStateName(s hikeshi.ImprovementState) string {
	return p.T("improvements.state." + string(s))
}

// ImprovementReleaseName says what opened an improvement's action.
func (p *page) ImprovementReleaseName(by string) string {
	if by == "" {
		return "—"
	}
	return p.T("improvements.released." + by)
}

// LeadTime is an improvement lead time in days and hours.
func (p *page) LeadTime(d time.Duration) string {
	h := int(d / time.Hour)
	return p.T("improvements.lead_time_value", h/24, h%24)
}

// improvementsSection is a list of improvements, on /improvements and as
// the section of a measure's or a risk's page (template
// "measure_improvements"). It carries the page for translations.
type improvementsSection struct {
	*page
	Items     []service.ImprovementView
	MeasureID string
	RiskID    string
	// The risk's re-assessment flag (RiskID set).
	Flagged bool
	Since   time.Time
}

// improvementsFor loads the improvements concerning a measure or a risk,
// for the section on the measure's or risk's page.
func (h *Handler) improvementsFor(r *http.Request, p *page, measureID, riskID string) (improvementsSection, error) {
	a := h.stateOf(r).actor()
	s := improvementsSection{page: p, MeasureID: measureID, RiskID: riskID}
	var err error
	s.Items, err = h.svc.Improvements.List(r.Context(), a, hikeshi.ImprovementFilter{MeasureID: measureID, RiskID: riskID,
		Page: hikeshi.Page{Limit: improvementsPageSize}})
	if err != nil {
		return s, err
	}
	if riskID != "" {
		s.Flagged, s.Since, err = h.svc.Improvements.RiskFlag(r.Context(), a, riskID)
	}
	return s, err
}

// improvementListView is one page of improvements, newest first.
type improvementListView struct {
	page
	Section   improvementsSection
	States    []hikeshi.ImprovementState
	State     string
	Subject   string // the measure's or risk's name when filtered by one
	OlderURL  string
	NewestURL string
}

func (h *Handler) improvementList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	v := &improvementListView{States: []hikeshi.ImprovementState{hikeshi.ImprovementWaiting, hikeshi.ImprovementOpen}, State: q.Get("state")}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = v.T("title.improvements_list")
	after, measure, risk := q.Get("after"), q.Get("measure"), q.Get("risk")
	for _, p := range []*string{&after, &measure, &risk} {
		if len(*p) > 64 {
			*p = ""
		}
	}
	if v.State != "" && !hikeshi.ImprovementState(v.State).Valid() {
		v.State = ""
	}
	if measure != "" {
		m, err := h.svc.Frameworks.Measure(r.Context(), a, measure)
		if err != nil {
			return err
		}
		v.Subject = m.Name
	} else if risk != "" {
		k, err := h.svc.Risks.Risk(r.Context(), a, risk)
		if err != nil {
			return err
		}
		v.Subject = k.Risk.Title
	}
	v.Section = improvementsSection{page: &v.page, MeasureID: measure, RiskID: risk}
	list, err := h.svc.Improvements.List(r.Context(), a, hikeshi.ImprovementFilter{State: hikeshi.ImprovementState(v.State), MeasureID: measure,
		RiskID: risk, Page: hikeshi.Page{After: after, Limit: improvementsPageSize + 1}})
	if err != nil {
		return err
	}
	if risk != "" {
		if v.Section.Flagged, v.Section.Since, err = h.svc.Improvements.RiskFlag(r.Context(), a, risk); err != nil {
			return err
		}
	}
	filter := url.Values{}
	for k, val := range map[string]string{"state": v.State, "measure": measure, "risk": risk} {
		if val != "" {
			filter.Set(k, val)
		}
	}
	if len(list) > improvementsPageSize {
		list = list[:improvementsPageSize]
		older := url.Values{"after": {list[len(list)-1].Improvement.ID}}
		for k := range filter {
			older.Set(k, filter.Get(k))
		}
		v.OlderURL = "/improvements?" + older.Encode()
	}
	if after != "" {
		v.NewestURL = "/improvements"
		if len(filter) > 0 {
			v.NewestURL += "?" + filter.Encode()
		}
	}
	v.Section.Items = list
	return h.render(w, r, http.StatusOK, "improvements_list", v)
}

// choice is a measure or risk offered on the lesson's form.
type choice struct {
	ID        string
	Name      string
	Checked   bool
	Suggested bool
}

// lessonImprovementView is a lesson's improvement page.
type lessonImprovementView struct {
	page
	LI       service.LessonImprovement
	Measures []choice // suggested first
	Risks    []choice
}

// ControlList is the Annex A controls behind the suggestions, comma-separated.
func (v *lessonImprovementView) ControlList() string { return strings.Join(v.LI.Controls, ", ") }

func (h *Handler) renderLessonImprovement(w http.ResponseWriter, r *http.Request, status int, id string, checked *hikeshi.LessonLinks, alter func(*lessonImprovementView)) error {
	li, err := h.svc.Improvements.ForLesson(r.Context(), h.stateOf(r).actor(), id)
	if err != nil {
		return err
	}
	v := &lessonImprovementView{LI: li}
	v.Active = "lessons"
	h.fill(r, &v.page)
	v.Title = v.T("title.improvements_lesson")
	links := li.Links
	if checked != nil {
		links = *checked
	}
	seen := map[string]bool{}
	add := func(list *[]choice, id, name string, suggested bool, chosen []string) {
		if !seen[id] {
			seen[id] = true
			*list = append(*list, choice{ID: id, Name: name, Suggested: suggested, Checked: slices.Contains(chosen, id)})
		}
	}
	for _, m := range li.SuggestedMeasures {
		add(&v.Measures, m.ID, m.Name, true, links.MeasureIDs)
	}
	for _, m := range li.Measures {
		if !m.Archived || slices.Contains(links.MeasureIDs, m.ID) {
			add(&v.Measures, m.ID, m.Name, false, links.MeasureIDs)
		}
	}
	for _, k := range li.SuggestedRisks {
		add(&v.Risks, k.ID, k.Title, true, links.RiskIDs)
	}
	for _, k := range li.Risks {
		add(&v.Risks, k.ID, k.Title, false, links.RiskIDs)
	}
	if alter != nil {
		alter(v)
	}
	return h.render(w, r, status, "improvements_lesson", v)
}

func (h *Handler) lessonImprovement(w http.ResponseWriter, r *http.Request) error {
	var notice string
	if r.URL.Query().Get("m") == "saved" {
		notice = "improvements.saved"
	}
	return h.renderLessonImprovement(w, r, http.StatusOK, r.PathValue("id"), nil, func(v *lessonImprovementView) {
		if notice != "" {
			v.Notice = v.T(notice)
		}
	})
}

func (h *Handler) lessonImprovementSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := hikeshi.LessonLinks{MeasureIDs: r.PostForm["measure"], RiskIDs: r.PostForm["risk"]}
	_, err := h.svc.Improvements.SetLinks(r.Context(), h.stateOf(r).actor(), id, in)
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderLessonImprovement(w, r, statusOf(err), id, &in, func(v *lessonImprovementView) {
			v.Errors = msgs
			v.Alert = v.T("improvements.fix_errors")
			if _, ok := msgs["status"]; ok {
				v.Alert = v.T("improvements.refused.closed")
			}
		})
	}
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/lessons/"+url.PathEscape(id)+"/improvement?m=saved")
}
