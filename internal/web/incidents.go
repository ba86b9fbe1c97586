package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Incident pages (IH-5): the list, the form that opens an incident, and one
// incident with its phase moves, OODA record, timeline and members. The
// service decides who sees which incident (TLP:RED and AMBER+STRICT only for
// the CSIRT and members) and who may change it.

const incidentsPageSize = 50

// incidentListView is one page of incidents, newest first.
type incidentListView struct {
	page
	Incidents []hikeshi.Incident
	Phases    []hikeshi.Phase
	Phase     string // the filter
	OlderURL  string
	NewestURL string
	CanCreate bool
}

// incidentFormView is the form that opens an incident.
type incidentFormView struct {
	page
	In     service.IncidentInput
	RSIT   []hikeshi.RSITClass
	TLPs   []hikeshi.TLP
	Owners []hikeshi.User // active CSIRT members and admins (triage.go)
}

// Levels are the choices of impact and urgency, highest first.
func (v *incidentFormView) Levels() []hikeshi.Level { return []hikeshi.Level{1, 2, 3, 4} }

// incidentView is one incident.
type incidentView struct {
	page
	D         service.IncidentDetail
	Members   []memberView
	OODAKinds []hikeshi.OODAKind
	Kind      string // the OODA form's values when it is shown again
	Text      string
	Email     string // the member form's value when it is shown again
	Note      string // the note form's value when it is shown again
	Edit      service.IncidentInput
	RSIT      []hikeshi.RSITClass
	TLPs      []hikeshi.TLP

	// Sections owned by other areas, each filled by its own loader and
	// drawn by its template under templates/sections/.
	Tasks     incidentTasksSection
	Evidence  incidentEvidenceSection
	Clocks    incidentClocksSection
	Review    incidentReviewSection
	Triage    incidentTriageSection
	Reporting incidentReportingSection
	Awareness incidentAwarenessSection
}

// memberView is a member of an incident with the name the viewer may see.
type memberView struct {
	UserID string
	Name   string
	Email  string
}

// Levels are the choices of impact and urgency, highest first.
func (v *incidentView) Levels() []hikeshi.Level { return []hikeshi.Level{1, 2, 3, 4} }

// PhaseName is the localised name of a phase.
func (p *page) PhaseName(ph hikeshi.Phase) string { return p.T("incident.phase." + string(ph)) }

// OODA is the localised name of an OODA step kind.
func (p *page) OODA(k hikeshi.OODAKind) string { return p.T("incident.ooda." + string(k)) }

// Category is the localised name of an RSIT category.
func (p *page) Category(key string) string { return hikeshi.RSITLabel(key, p.Lang) }

// RSITName is a class's or type's name in the page's language.
func (p *page) RSITName(en, ja string) string {
	if p.Lang == hikeshi.LocaleJA {
		return ja
	}
	return en
}

// TLPClass is the CSS class that gives a TLP label its TLP 2.0 colours.
func (p *page) TLPClass(t hikeshi.TLP) string {
	return "tlp tlp-" + strings.ToLower(strings.ReplaceAll(string(t), "+", "-"))
}

// Duration formats a step's duration; an open step is a dash.
func (p *page) Duration(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return d.Round(time.Minute).String()
}

// EventText is the localised line of a timeline entry.
func (p *page) EventText(e hikeshi.IncidentEvent) string {
	switch e.Kind {
	case hikeshi.EventPhase, hikeshi.EventReopened:
		return p.T("incident.event."+string(e.Kind), p.PhaseName(e.FromPhase), p.PhaseName(e.ToPhase))
	case hikeshi.EventOODA:
		return p.T("incident.event.ooda", p.OODA(hikeshi.OODAKind(e.Text)))
	}
	return p.T("incident.event." + string(e.Kind))
}

func (h *Handler) incidentList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	v := &incidentListView{Phases: hikeshi.Phases, Phase: q.Get("phase"), CanCreate: a.CanHandleIncidents()}
	v.Active = "incidents"
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	list, err := h.svc.Incidents.List(r.Context(), a, hikeshi.IncidentFilter{Phase: hikeshi.Phase(v.Phase),
		Page: hikeshi.Page{After: after, Limit: incidentsPageSize + 1}})
	if err != nil {
		return err
	}
	filter := url.Values{}
	if v.Phase != "" {
		filter.Set("phase", v.Phase)
	}
	if len(list) > incidentsPageSize {
		list = list[:incidentsPageSize]
		older := url.Values{"after": {list[len(list)-1].ID}}
		if v.Phase != "" {
			older.Set("phase", v.Phase)
		}
		v.OlderURL = "/incidents?" + older.Encode()
	}
	if after != "" {
		v.NewestURL = "/incidents"
		if len(filter) > 0 {
			v.NewestURL += "?" + filter.Encode()
		}
	}
	v.Incidents = list
	return h.render(w, r, http.StatusOK, "incidents", v)
}

func (h *Handler) renderIncidentForm(w http.ResponseWriter, r *http.Request, status int, adjust func(v *incidentFormView)) error {
	if !h.stateOf(r).actor().CanHandleIncidents() {
		return userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	tax, err := h.svc.Triage.TaxonomyFor(r.Context())
	if err != nil {
		return err
	}
	v := &incidentFormView{In: service.IncidentInput{Impact: 3, Urgency: 3, TLP: hikeshi.TLPAmber, Category: "other"},
		RSIT: categoryChoices(tax, ""), TLPs: hikeshi.TLPs}
	v.Active = "incidents"
	owners, err := h.ownerChoices(r, "")
	if err != nil {
		return err
	}
	v.Owners = owners
	h.fill(r, &v.page)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "incident_new", v)
}

func (h *Handler) incidentNew(w http.ResponseWriter, r *http.Request) error {
	return h.renderIncidentForm(w, r, http.StatusOK, nil)
}

func (h *Handler) incidentCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	level := func(name string) hikeshi.Level {
		n, _ := strconv.Atoi(formValue(r, name))
		return hikeshi.Level(n)
	}
	in := service.IncidentInput{Title: formValue(r, "title"), Summary: formValue(r, "summary"), Category: formValue(r, "category"),
		Impact: level("impact"), Urgency: level("urgency"), TLP: hikeshi.TLP(formValue(r, "tlp")), OwnerID: formValue(r, "owner_id")}
	if in.TLP == "" {
		in.TLP = "-" // an empty choice is refused, not defaulted, on the form
	}
	inc, err := h.svc.Incidents.Create(r.Context(), h.stateOf(r).actor(), in)
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderIncidentForm(w, r, statusOf(err), func(v *incidentFormView) {
			v.In, v.Errors, v.Alert = in, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(inc.ID)+"?m=incident_created")
}

func (h *Handler) renderIncident(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *incidentView)) error {
	d, err := h.svc.Incidents.Detail(r.Context(), h.stateOf(r).actor(), id)
	if err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	i := d.Incident
	v := &incidentView{D: d, OODAKinds: hikeshi.OODAKinds, RSIT: hikeshi.RSIT, TLPs: hikeshi.TLPs,
		Edit: service.IncidentInput{Title: i.Title, Summary: i.Summary, Category: i.Category, Impact: i.Impact, Urgency: i.Urgency, TLP: i.TLP, OwnerID: i.OwnerID}}
	for _, m := range d.Members {
		mv := memberView{UserID: m.UserID}
		if u, err := h.svc.Users.Get(r.Context(), a, m.UserID); err == nil {
			mv.Name, mv.Email = u.Name, u.Email
		}
		v.Members = append(v.Members, mv)
	}
	v.Active, v.Title = "incidents", d.Incident.Number
	for _, load := range []func(*http.Request, *incidentView) error{
		h.loadIncidentTriage, h.loadIncidentTasks, h.loadIncidentEvidence, h.loadIncidentClocks, h.loadIncidentReview,
		h.loadIncidentReporting, h.loadIncidentAwareness,
	} {
		if err := load(r, v); err != nil {
			return err
		}
	}
	h.fill(r, &v.page)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "incident", v)
}

func (h *Handler) incidentShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderIncident(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handler) incidentTransition(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, a := r.PathValue("id"), h.stateOf(r).actor()
	var err error
	if formValue(r, "reopen") != "" {
		_, err = h.svc.Incidents.Reopen(r.Context(), a, id, formValue(r, "note"))
	} else {
		_, err = h.svc.Incidents.Transition(r.Context(), a, id, hikeshi.Phase(formValue(r, "to")), formValue(r, "note"))
	}
	var te *hikeshi.TransitionError
	if errors.As(err, &te) {
		return h.renderIncident(w, r, http.StatusUnprocessableEntity, id, func(v *incidentView) {
			v.Alert = v.T("incident.refused." + te.Code)
		})
	}
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Errors, v.Alert = msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) incidentOODA(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, kind, text := r.PathValue("id"), formValue(r, "kind"), formValue(r, "text")
	_, err := h.svc.Incidents.AddOODAStep(r.Context(), h.stateOf(r).actor(), id, hikeshi.OODAKind(kind), text)
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Kind, v.Text, v.Errors, v.Alert = kind, text, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#ooda")
}

func (h *Handler) incidentUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	n := func(name string) *hikeshi.Level {
		v, _ := strconv.Atoi(formValue(r, name))
		l := hikeshi.Level(v)
		return &l
	}
	title, summary, category, tlp := formValue(r, "title"), formValue(r, "summary"), formValue(r, "category"), hikeshi.TLP(formValue(r, "tlp"))
	p := service.IncidentPatch{Title: &title, Summary: &summary, Category: &category, Impact: n("impact"), Urgency: n("urgency"), TLP: &tlp}
	owner, ownerSent := formValue(r, "owner_id"), r.PostForm.Has("owner_id")
	if ownerSent {
		p.OwnerID = &owner // a form without the field leaves the owner as it is
	}
	_, err := h.svc.Incidents.Update(r.Context(), h.stateOf(r).actor(), id, p)
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Edit = service.IncidentInput{Title: title, Summary: summary, Category: category, Impact: *p.Impact, Urgency: *p.Urgency, TLP: tlp, OwnerID: v.Edit.OwnerID}
			if ownerSent {
				v.Edit.OwnerID = owner
			}
			v.Errors, v.Alert = msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) incidentAddMember(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, email, a := r.PathValue("id"), formValue(r, "email"), h.stateOf(r).actor()
	u, err := h.svc.Users.FindByEmail(r.Context(), a, email)
	if errors.Is(err, hikeshi.ErrNotFound) {
		err = hikeshi.Invalid("email", "unknown", "no such user")
	}
	if err == nil {
		err = h.svc.Incidents.AddMember(r.Context(), a, id, u.ID)
	}
	if msgs, ok := h.formErrors(r, err); ok {
		if m, dup := msgs["user_id"]; dup {
			msgs["email"] = m
		}
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Email, v.Errors, v.Alert = email, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#members")
}

func (h *Handler) incidentRemoveMember(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.Incidents.RemoveMember(r.Context(), h.stateOf(r).actor(), id, r.PathValue("user")); err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#members")
}

func (h *Handler) incidentNote(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, text := r.PathValue("id"), formValue(r, "text")
	_, err := h.svc.Incidents.AddNote(r.Context(), h.stateOf(r).actor(), id, text)
	if msgs, ok := h.formErrors(r, err); ok {
		msgs["note_text"] = msgs["text"] // the OODA form has a field named text too
		delete(msgs, "text")
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Note, v.Errors, v.Alert = text, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#timeline")
}
