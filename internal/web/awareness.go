package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/chart"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IM-4: awareness — /awareness (the campaigns
// sent to me, and for the CSIRT the material and every campaign), the
// material editor, the campaign page with who read and confirmed and the
// effect, and the incident page's section that makes a draft from a closed
// incident in one step. The service decides who sees what.

const awarenessPageSize = 50

// registerAwareness mounts the awareness pages (IM-4).
func (h *Handler) registerAwareness(handle handleFunc) {
	handle("GET /awareness", signedIn, h.awarenessIndex)
	handle("GET /awareness/materials/new", signedIn, h.awarenessMaterialNew)
	handle("POST /awareness/materials", signedIn, h.awarenessMaterialCreate)
	handle("GET /awareness/materials/{id}", signedIn, h.awarenessMaterialShow)
	handle("POST /awareness/materials/{id}", signedIn, h.awarenessMaterialUpdate)
	handle("POST /awareness/materials/{id}/publish", signedIn, h.awarenessMaterialPublish)
	handle("POST /awareness/materials/{id}/campaigns", signedIn, h.awarenessCampaignCreate)
	handle("GET /awareness/campaigns/{id}", signedIn, h.awarenessCampaignShow)
	handle("POST /awareness/campaigns/{id}/confirm", signedIn, h.awarenessCampaignConfirm)
	handle("POST /incidents/{id}/awareness", signedIn, h.awarenessFromIncident)
}

// incidentAwarenessSection is what the incident page shows of the area.
type incidentAwarenessSection struct {
	service.IncidentAwareness
	Shown bool // the reader writes material: the section is shown
}

// loadIncidentAwareness fills the incident page's awareness section.
func (h *Handler) loadIncidentAwareness(r *http.Request, v *incidentView) error {
	a := h.stateOf(r).actor()
	if !service.CanWriteAwareness(a) {
		return nil
	}
	ia, err := h.svc.Awareness.ForIncident(r.Context(), a, v.D.Incident.ID)
	if err != nil {
		return err
	}
	v.Awareness = incidentAwarenessSection{IncidentAwareness: ia, Shown: true}
	return nil
}

// AwarenessTitle is a material's title in the page's language.
func (p *page) AwarenessTitle(c hikeshi.AwarenessContent) string { return c.TitleIn(p.Lang) }

// AwarenessStatusName is the localised name of a material's status.
func (p *page) AwarenessStatusName(s hikeshi.AwarenessStatus) string {
	return p.T("awareness.status." + string(s))
}

// Date is a day in the organisation's zone (2026-05-01).
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	loc := p.loc
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("2006-01-02")
}

// campaignRow is a campaign in a list with its material's title and the
// reader's own state.
type campaignRow struct {
	hikeshi.AwarenessCampaign
	Title     string
	Running   bool
	Read      bool
	Confirmed bool
}

// awarenessIndexView is /awareness.
type awarenessIndexView struct {
	page
	Mine      []campaignRow
	Manage    bool
	Materials []hikeshi.AwarenessMaterial
	Campaigns []campaignRow
	NextURL   string
}

func (h *Handler) campaignRows(r *http.Request, items []service.CampaignItem) []campaignRow {
	now := h.clock.Now()
	lang := h.stateOf(r).lang
	var out []campaignRow
	for _, c := range items {
		row := campaignRow{AwarenessCampaign: c.AwarenessCampaign, Running: c.Running(now), Title: c.Titles.TitleIn(lang)}
		if c.Mine != nil {
			row.Read, row.Confirmed = !c.Mine.ReadAt.IsZero(), !c.Mine.ConfirmedAt.IsZero()
		}
		out = append(out, row)
	}
	return out
}

func (h *Handler) awarenessIndex(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	ctx := r.Context()
	mine, err := h.svc.Awareness.ListCampaignItems(ctx, a, true, hikeshi.AwarenessCampaignFilter{Page: hikeshi.Page{Limit: awarenessPageSize}})
	if err != nil {
		return err
	}
	v := &awarenessIndexView{Manage: service.CanWriteAwareness(a)}
	v.Mine = h.campaignRows(r, mine)
	if v.Manage {
		after := r.URL.Query().Get("after")
		if len(after) > 64 {
			after = ""
		}
		ms, err := h.svc.Awareness.ListMaterials(ctx, a, hikeshi.Page{After: after, Limit: awarenessPageSize + 1})
		if err != nil {
			return err
		}
		if len(ms) > awarenessPageSize {
			ms = ms[:awarenessPageSize]
			v.NextURL = "/awareness?" + url.Values{"after": {ms[len(ms)-1].ID}}.Encode()
		}
		v.Materials = ms
		cs, err := h.svc.Awareness.ListCampaignItems(ctx, a, false, hikeshi.AwarenessCampaignFilter{Page: hikeshi.Page{Limit: awarenessPageSize}})
		if err != nil {
			return err
		}
		v.Campaigns = h.campaignRows(r, cs)
	}
	v.Active = "awareness"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "awareness")
	v.Title = v.T("awareness.title")
	return h.render(w, r, http.StatusOK, "awareness_index", v)
}

// awarenessMaterialView is the material page: the editor of a draft, the
// publish step, the campaign form and the material's campaigns.
type awarenessMaterialView struct {
	page
	ID        string // empty: new material
	M         service.MaterialView
	Form      hikeshi.AwarenessContent
	RSIT      []hikeshi.RSITClass
	Depts     []hikeshi.Department
	Camp      campaignForm
	Campaigns []campaignRow // the material's campaigns (templates/sections/awareness_campaigns.html)
	JAFirst   bool
	Editable  bool
}

// campaignForm is the campaign form's values.
type campaignForm struct {
	All      bool
	Depts    []string
	StartsAt string
	EndsAt   string
}

// Chosen reports whether a department is ticked.
func (c campaignForm) Chosen(id string) bool { return slices.Contains(c.Depts, id) }

func (h *Handler) renderAwarenessMaterial(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *awarenessMaterialView)) error {
	a := h.stateOf(r).actor()
	v := &awarenessMaterialView{ID: id, RSIT: hikeshi.RSIT, Editable: true}
	if id != "" {
		m, err := h.svc.Awareness.GetMaterial(r.Context(), a, id)
		if err != nil {
			return err
		}
		v.M, v.Form, v.Editable = m, m.AwarenessContent, m.CanEdit
		items, err := h.svc.Awareness.ListCampaignItems(r.Context(), a, false, hikeshi.AwarenessCampaignFilter{MaterialID: m.ID,
			Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
		if err != nil {
			return err
		}
		v.Campaigns = h.campaignRows(r, items)
		if m.CanSend {
			ds, err := h.svc.Departments.List(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
			if err != nil {
				return err
			}
			v.Depts = ds
			v.Camp.StartsAt = h.clock.Now().In(h.loc).Format("2006-01-02")
		}
	} else if !service.CanWriteAwareness(a) {
		return hikeshi.ErrNotFound
	}
	v.Active = "awareness"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "awareness")
	v.JAFirst = v.Lang == hikeshi.LocaleJA
	if id == "" {
		v.Title = v.T("awareness.new_material")
	} else {
		v.Title = v.M.TitleIn(v.Lang)
	}
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "awareness_material", v)
}

func (h *Handler) awarenessMaterialNew(w http.ResponseWriter, r *http.Request) error {
	return h.renderAwarenessMaterial(w, r, http.StatusOK, "", nil)
}

func (h *Handler) awarenessMaterialShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderAwarenessMaterial(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func readAwarenessForm(r *http.Request) hikeshi.AwarenessContent {
	return hikeshi.AwarenessContent{TitleJA: formValue(r, "title_ja"), BodyJA: formValue(r, "body_ja"), TitleEN: formValue(r, "title_en"),
		BodyEN: formValue(r, "body_en"), Category: trimmed(r, "category")}
}

// awarenessErrors shows field errors on the material page; false when err
// is no validation error.
func (h *Handler) awarenessErrors(r *http.Request, v *awarenessMaterialView, err error) bool {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	v.Errors = map[string]string{}
	for _, f := range ve.Fields {
		switch {
		case h.tr.Has(v.Lang, "awareness.error."+f.Code):
			v.Errors[f.Field] = v.T("awareness.error." + f.Code)
		default:
			v.Errors[f.Field] = fieldMessage(&v.page, f)
		}
		if strings.HasPrefix(f.Field, "department_ids") {
			v.Errors["department_ids"] = v.Errors[f.Field]
		}
	}
	v.Alert = v.T("awareness.fix_errors")
	return true
}

func (h *Handler) awarenessMaterialCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	in := readAwarenessForm(r)
	m, err := h.svc.Awareness.CreateMaterial(r.Context(), h.stateOf(r).actor(), service.MaterialInput{AwarenessContent: in})
	if err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		return h.renderAwarenessMaterial(w, r, statusOf(err), "", func(v *awarenessMaterialView) {
			v.Form = in
			h.awarenessErrors(r, v, err)
		})
	}
	return redirect(w, r, "/awareness/materials/"+url.PathEscape(m.ID)+"?n=created")
}

func (h *Handler) awarenessMaterialUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := readAwarenessForm(r)
	_, err := h.svc.Awareness.UpdateMaterial(r.Context(), h.stateOf(r).actor(), id, service.MaterialInput{AwarenessContent: in})
	if err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		return h.renderAwarenessMaterial(w, r, statusOf(err), id, func(v *awarenessMaterialView) {
			v.Form = in
			h.awarenessErrors(r, v, err)
		})
	}
	return redirect(w, r, "/awareness/materials/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) awarenessMaterialPublish(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := h.svc.Awareness.PublishMaterial(r.Context(), h.stateOf(r).actor(), id); err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		return h.renderAwarenessMaterial(w, r, statusOf(err), id, func(v *awarenessMaterialView) { h.awarenessErrors(r, v, err) })
	}
	return redirect(w, r, "/awareness/materials/"+url.PathEscape(id)+"?n=published")
}

func (h *Handler) awarenessCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := campaignForm{All: r.PostFormValue("all") == "1", StartsAt: trimmed(r, "starts_at"), EndsAt: trimmed(r, "ends_at")}
	for _, d := range r.PostForm["department_id"] {
		if len(f.Depts) < hikeshi.MaxAwarenessDepts+1 {
			f.Depts = append(f.Depts, strings.TrimSpace(d))
		}
	}
	in := service.CampaignInput{MaterialID: id, DepartmentIDs: f.Depts, All: f.All}
	var v hikeshi.ValidationError
	start, serr := h.parseDay(f.StartsAt)
	if serr != nil || len(f.StartsAt) > 10 {
		v.Add("starts_at", "invalid_time", "not a date")
	}
	end, eerr := h.parseDay(f.EndsAt)
	if eerr != nil || len(f.EndsAt) > 10 {
		v.Add("ends_at", "invalid_time", "not a date")
	}
	now := h.clock.Now()
	if !start.IsZero() && start.Before(now) && now.Sub(start) < 24*time.Hour {
		start = now // today: from now
	}
	if !end.IsZero() {
		end = end.AddDate(0, 0, 1) // the end day is included
	}
	in.StartsAt, in.EndsAt = start, end
	err := v.Err()
	var c hikeshi.AwarenessCampaign
	if err == nil {
		c, err = h.svc.Awareness.CreateCampaign(r.Context(), h.stateOf(r).actor(), in)
	}
	if err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		return h.renderAwarenessMaterial(w, r, statusOf(err), id, func(mv *awarenessMaterialView) {
			f2 := f
			mv.Camp = f2
			h.awarenessErrors(r, mv, err)
		})
	}
	return redirect(w, r, "/awareness/campaigns/"+url.PathEscape(c.ID)+"?n=sent")
}

// awarenessPerson is one row of the per-person table.
type awarenessPerson struct {
	hikeshi.AwarenessRecipient
	Name, Email, Dept string
}

// awarenessFigureRow is one department's figures with its name.
type awarenessFigureRow struct {
	hikeshi.AwarenessFigure
	Dept string
}

// awarenessCampaignView is the campaign page.
type awarenessCampaignView struct {
	page
	V          service.CampaignView
	Title      string
	Body       string
	OtherTitle string
	OtherBody  string
	Running    bool
	Depts      []string // names of the departments it was sent to
	Figures    []awarenessFigureRow
	People     []awarenessPerson
	PeopleNext string
	Effect     *service.AwarenessEffect
	Chart      template.HTML
	EffectRows []effectRow
}

// effectRow is one month of the effect table.
type effectRow struct {
	Month string
	Count int
	After bool
}

func (h *Handler) awarenessCampaignShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderAwarenessCampaign(w, r, http.StatusOK, r.PathValue("id"), true, nil)
}

func (h *Handler) renderAwarenessCampaign(w http.ResponseWriter, r *http.Request, status int, id string, markRead bool, adjust func(v *awarenessCampaignView)) error {
	a := h.stateOf(r).actor()
	ctx := r.Context()
	after := r.URL.Query().Get("people_after")
	cv, err := h.svc.Awareness.GetCampaign(ctx, a, id, after)
	if err != nil {
		return err
	}
	if markRead && cv.Mine != nil && cv.Mine.ReadAt.IsZero() && cv.Started(h.clock.Now()) {
		// Opening the page is reading it.
		rc, err := h.svc.Awareness.MarkRead(ctx, a, id)
		if err != nil {
			return err
		}
		cv.Mine = &rc
	}
	v := &awarenessCampaignView{V: cv, Running: cv.Running(h.clock.Now()), PeopleNext: cv.PeopleNext}
	v.Active = "awareness"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "awareness")
	m := cv.Material
	v.Title, v.Body = m.TitleIn(v.Lang), m.BodyIn(v.Lang)
	other := hikeshi.LocaleEN
	if v.Lang == hikeshi.LocaleEN {
		other = hikeshi.LocaleJA
	}
	v.OtherTitle, v.OtherBody = m.TitleIn(other), m.BodyIn(other)
	v.page.Title = v.Title
	deptName := map[string]string{}
	if len(cv.DepartmentIDs) > 0 || len(cv.Figures) > 0 || len(cv.People) > 0 {
		if ds, err := h.svc.Departments.List(ctx, a, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err == nil {
			for _, d := range ds {
				deptName[d.ID] = d.Name
			}
		}
	}
	name := func(id string) string {
		if id == "" {
			return v.T("awareness.no_department")
		}
		if n, ok := deptName[id]; ok {
			return n
		}
		return "—"
	}
	for _, d := range cv.DepartmentIDs {
		v.Depts = append(v.Depts, name(d))
	}
	for _, f := range cv.Figures {
		v.Figures = append(v.Figures, awarenessFigureRow{AwarenessFigure: f, Dept: name(f.DepartmentID)})
	}
	for _, p := range cv.People {
		row := awarenessPerson{AwarenessRecipient: p, Dept: name(p.DepartmentID)}
		if u, err := h.svc.Users.Get(ctx, a, p.UserID); err == nil {
			row.Name, row.Email = u.Name, u.Email
		}
		v.People = append(v.People, row)
	}
	if cv.SeesEffect {
		e, err := h.svc.Awareness.Effect(ctx, a, id, 0, h.loc)
		if err != nil {
			return err
		}
		v.Effect = &e
		var labels []string
		before := chart.Series{Name: v.T("awareness.effect.before")}
		afterS := chart.Series{Name: v.T("awareness.effect.after")}
		for _, mc := range e.Before {
			labels = append(labels, mc.Month.Format("2006-01"))
			before.Values, afterS.Values = append(before.Values, float64(mc.Count)), append(afterS.Values, 0)
			v.EffectRows = append(v.EffectRows, effectRow{Month: mc.Month.Format("2006-01"), Count: mc.Count})
		}
		for _, mc := range e.After {
			labels = append(labels, mc.Month.Format("2006-01"))
			before.Values, afterS.Values = append(before.Values, 0), append(afterS.Values, float64(mc.Count))
			v.EffectRows = append(v.EffectRows, effectRow{Month: mc.Month.Format("2006-01"), Count: mc.Count, After: true})
		}
		if e.Category != "" {
			v.Chart = chart.Grouped(v.T("awareness.effect.chart_title", v.Category(e.Category)), v.T("awareness.effect.unit"), labels,
				[]chart.Series{before, afterS})
		}
	}
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "awareness_campaign", v)
}

// EffectVerdict is the effect's wording: a verdict only with enough numbers.
func (v *awarenessCampaignView) EffectVerdict() string {
	e := v.Effect
	switch {
	case e == nil:
		return ""
	case e.Category == "":
		return v.T("awareness.effect.no_category")
	case len(e.After) == 0:
		return v.T("awareness.effect.not_started")
	case e.Small:
		return v.T("awareness.effect.small", e.BeforeTotal+e.AfterTotal, hikeshi.AwarenessSmallNumber)
	case e.Complete == 0:
		return v.T("awareness.effect.too_early")
	}
	return v.T("awareness.effect.verdict."+e.Verdict, fmt.Sprintf("%.1f", e.BeforeRate), fmt.Sprintf("%.1f", e.AfterRate))
}

func (h *Handler) awarenessCampaignConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := h.svc.Awareness.Confirm(r.Context(), h.stateOf(r).actor(), id); err != nil {
		return err
	}
	return redirect(w, r, "/awareness/campaigns/"+url.PathEscape(id)+"?n=confirmed")
}

func (h *Handler) awarenessFromIncident(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	m, err := h.svc.Awareness.DraftFromIncident(r.Context(), h.stateOf(r).actor(), id)
	if err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) { v.Alert = v.T("awareness.error.not_closed") })
	}
	return redirect(w, r, "/awareness/materials/"+url.PathEscape(m.ID)+"?n=drafted")
}
