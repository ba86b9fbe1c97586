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

// This file holds the UI of the triage queue of new reports (IH-4), the decisions taken on them, and the priority matrix settings.

// triagePageSize is the number of reports a page of the queue shows.
const triagePageSize = 50

// registerTriage mounts the area's pages.
func (h *Handler) registerTriage(handle handleFunc) {
	handle("GET /triage", signedIn, h.triageQueue)
	handle("GET /triage/settings", signedIn, h.triageSettings)
	handle("POST /triage/settings/matrix", signedIn, h.triageMatrixUpdate)
	handle("POST /triage/settings/taxonomy", signedIn, h.triageTaxonomyUpdate)
	handle("GET /triage/{id}", signedIn, h.triageShow)
	handle("POST /triage/{id}", signedIn, h.triageSubmit)
	handle("POST /incidents/{id}/links", signedIn, h.incidentLink)
	handle("POST /incidents/{id}/merge", signedIn, h.incidentMerge)
}

// TriageAge is how long something has waited, in the largest whole unit.
func (p *page) TriageAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return p.T("triage.age.minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return p.T("triage.age.hours", int(d/time.Hour))
	}
	return p.T("triage.age.days", int(d/(24*time.Hour)))
}

// TriageAction is the localised name of a triage action or decision.
func (p *page) TriageAction(a hikeshi.TriageAction) string { return p.T("triage.action." + string(a)) }

// TriagePolicy is the localised name of a response policy.
func (p *page) TriagePolicy(r hikeshi.ResponsePolicy) string {
	return p.T("triage.policy." + string(r))
}

// triageQueueView is one page of the queue, oldest first.
type triageQueueView struct {
	page
	Items     []hikeshi.TriageQueueItem
	NextURL   string
	OldestURL string
	CanEdit   bool // may change the matrix and taxonomy
}

func (h *Handler) triageQueue(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	items, err := h.svc.Triage.Queue(r.Context(), a, hikeshi.Page{After: after, Limit: triagePageSize + 1})
	if err != nil {
		return err
	}
	v := &triageQueueView{CanEdit: a.CanAnswerReports()}
	if len(items) > triagePageSize {
		items = items[:triagePageSize]
		v.NextURL = "/triage?" + url.Values{"after": {items[len(items)-1].Report.ID}}.Encode()
	}
	if after != "" {
		v.OldestURL = "/triage"
	}
	v.Items, v.Active = items, "triage"
	h.fill(r, &v.page)
	v.Title = v.T("triage.title")
	return h.render(w, r, http.StatusOK, "triage_queue", v)
}

// triageForm is the triage form as typed.
type triageForm struct {
	Category, TLP, OwnerID, Policy, PolicyNote string
	Impact, Urgency                            int
	Decision                                   string
	Title, Incident, DuplicateOf               string
	Reason, Message                            string
}

// triageView is a report's triage page.
type triageView struct {
	page
	V          service.TriageView
	Messages   []hikeshi.ReportMessage // for the shared thread template
	Form       triageForm
	RSIT       []hikeshi.RSITClass
	TLPs       []hikeshi.TLP
	Policies   []hikeshi.ResponsePolicy
	Decisions  []hikeshi.TriageAction
	Owners     []hikeshi.User
	Matrix     hikeshi.PriorityMatrix
	ownerNames map[string]string
}

// Levels are the choices of impact and urgency, highest first.
func (v *triageView) Levels() []hikeshi.Level { return []hikeshi.Level{1, 2, 3, 4} }

// OwnerName is the name of a possible owner, or the id when unknown.
func (v *triageView) OwnerName(id string) string {
	if n, ok := v.ownerNames[id]; ok {
		return n
	}
	return id
}

// Waited is how long the report has waited since it arrived.
func (v *triageView) Waited() time.Duration { return max(0, v.V.Now.Sub(v.V.Report.ReportedAt)) }

// formOf is the form filled from a report's saved triage.
func formOf(t hikeshi.ReportTriage) triageForm {
	f := triageForm{Category: t.Category, TLP: string(t.TLP), OwnerID: t.OwnerID, Policy: string(t.Policy),
		PolicyNote: t.PolicyNote, Impact: int(t.Impact), Urgency: int(t.Urgency)}
	if !t.Classified() {
		f.Category, f.TLP, f.Impact, f.Urgency = "other", string(hikeshi.TLPAmber), 3, 3
	}
	return f
}

func (h *Handler) renderTriage(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *triageView)) error {
	ctx, a := r.Context(), h.stateOf(r).actor()
	tv, err := h.svc.Triage.Get(ctx, a, id)
	if err != nil {
		return err
	}
	tax, err := h.svc.Triage.TaxonomyFor(ctx)
	if err != nil {
		return err
	}
	owners, err := h.svc.Triage.Owners(ctx, a)
	if err != nil {
		return err
	}
	m, err := h.svc.Triage.Matrix(ctx, a)
	if err != nil {
		return err
	}
	v := &triageView{V: tv, Messages: tv.Messages, Form: formOf(tv.Triage), RSIT: categoryChoices(tax, tv.Triage.Category),
		TLPs: hikeshi.TLPs, Policies: hikeshi.ResponsePolicies, Decisions: hikeshi.TriageDecisions, Owners: owners, Matrix: m,
		ownerNames: map[string]string{}}
	for _, u := range owners {
		v.ownerNames[u.ID] = u.Name
	}
	v.Active = "triage"
	h.fill(r, &v.page)
	v.Title = v.T("triage.report_title", tv.Report.Number)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "triage_report", v)
}

// categoryChoices is the taxonomy in use, plus the category a record already
// carries when the organisation has since disabled it.
func categoryChoices(tax hikeshi.Taxonomy, current string) []hikeshi.RSITClass {
	classes := tax.Classes()
	if current == "" || tax.Enabled(current) {
		return classes
	}
	c, t, ok := hikeshi.RSITLookup(current)
	if !ok {
		return classes
	}
	for i := range classes {
		if classes[i].Key == c.Key {
			classes[i].Types = append(classes[i].Types, t)
			return classes
		}
	}
	keep := hikeshi.RSITClass{Key: c.Key, EN: c.EN, JA: c.JA}
	if t.Key != "" {
		keep.Types = []hikeshi.RSITType{t}
	}
	return append(classes, keep)
}

func (h *Handler) triageShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderTriage(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handler) triageSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	num := func(name string) int {
		n, _ := strconv.Atoi(formValue(r, name))
		return n
	}
	f := triageForm{Category: formValue(r, "category"), TLP: formValue(r, "tlp"), OwnerID: formValue(r, "owner_id"),
		Policy: formValue(r, "policy"), PolicyNote: formValue(r, "policy_note"), Impact: num("impact"), Urgency: num("urgency"),
		Decision: formValue(r, "decision"), Title: formValue(r, "title"), Incident: formValue(r, "incident"),
		DuplicateOf: formValue(r, "duplicate_of"), Reason: formValue(r, "reason"), Message: formValue(r, "message")}
	if f.TLP == "" {
		f.TLP = "-" // an empty choice is refused, not defaulted
	}
	ci := service.ClassificationInput{Category: f.Category, Impact: hikeshi.Level(f.Impact), Urgency: hikeshi.Level(f.Urgency),
		TLP: hikeshi.TLP(f.TLP), OwnerID: f.OwnerID, Policy: hikeshi.ResponsePolicy(f.Policy), PolicyNote: f.PolicyNote}
	ctx, a := r.Context(), h.stateOf(r).actor()
	var err error
	var res service.DecisionResult
	if f.Decision == "" {
		_, err = h.svc.Triage.Classify(ctx, a, id, ci)
	} else {
		res, err = h.svc.Triage.Decide(ctx, a, id, service.DecisionInput{Decision: hikeshi.TriageAction(f.Decision), Classification: &ci,
			Title: f.Title, Incident: f.Incident, DuplicateOf: f.DuplicateOf, Reason: f.Reason, Message: f.Message})
	}
	if f.TLP == "-" {
		f.TLP = ""
	}
	if msgs, alert, ok := h.triageErrors(r, err); ok {
		return h.renderTriage(w, r, statusOf(err), id, func(v *triageView) {
			v.Form, v.Errors, v.Alert = f, msgs, alert
			if v.Alert == "" {
				v.Alert = v.T("triage.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	if f.Decision == string(hikeshi.TriageNewIncident) {
		return redirect(w, r, "/incidents/"+url.PathEscape(res.Incident.ID)+"?m=incident_created")
	}
	return redirect(w, r, "/triage/"+url.PathEscape(id)+"?m=saved")
}

// triageErrors turns what a triage form may get wrong into messages beside
// its fields: validation errors, an incident or report named in a field that
// is unknown or not visible, and a report that already has an incident.
func (h *Handler) triageErrors(r *http.Request, err error) (msgs map[string]string, alert string, ok bool) {
	var nf *service.RefNotFoundError
	var has *service.HasIncidentError
	p := &page{}
	h.fill(r, p)
	switch {
	case errors.As(err, &has):
		if has.Number != "" {
			return map[string]string{}, p.T("triage.err.has_incident", has.Number), true
		}
		return map[string]string{}, p.T("triage.err.has_incident_hidden"), true
	case errors.As(err, &nf):
		return map[string]string{nf.Field: p.T("triage.err.not_found")}, "", true
	}
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return nil, "", false
	}
	msgs = map[string]string{}
	for _, fe := range ve.Fields {
		if _, dup := msgs[fe.Field]; dup {
			continue
		}
		switch fe.Code {
		case "out_of_range", "disabled", "not_handler", "same", "cycle", "merged", "shape":
			msgs[fe.Field] = p.T("triage.err." + fe.Code)
		default:
			msgs[fe.Field] = fieldMessage(p, fe)
		}
	}
	return msgs, "", true
}

// triageSettingsView is the page of the priority matrix and the taxonomy in use.
type triageSettingsView struct {
	page
	Matrix   [][]int
	Tax      hikeshi.Taxonomy
	RSIT     []hikeshi.RSITClass
	CanEdit  bool
	Selected map[string]bool // the taxonomy form as typed, when shown again
}

// Levels are the impact and urgency levels, highest first.
func (v *triageSettingsView) Levels() []int { return []int{1, 2, 3, 4} }

// Cell is the matrix's priority at impact i × urgency u (1-based).
func (v *triageSettingsView) Cell(i, u int) int { return v.Matrix[i-1][u-1] }

// On reports whether a taxonomy key is ticked.
func (v *triageSettingsView) On(key string) bool {
	if v.Selected != nil {
		return v.Selected[key]
	}
	return !v.Tax.Disabled[key]
}

func (h *Handler) renderTriageSettings(w http.ResponseWriter, r *http.Request, status int, adjust func(v *triageSettingsView)) error {
	ctx, a := r.Context(), h.stateOf(r).actor()
	m, err := h.svc.Triage.Matrix(ctx, a)
	if err != nil {
		return err
	}
	tax, err := h.svc.Triage.Taxonomy(ctx, a)
	if err != nil {
		return err
	}
	v := &triageSettingsView{Matrix: m.Rows(), Tax: tax, RSIT: hikeshi.RSIT, CanEdit: a.CanAnswerReports()}
	v.Active = "triage"
	h.fill(r, &v.page)
	v.Title = v.T("triage.settings.title")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "triage_settings", v)
}

func (h *Handler) triageSettings(w http.ResponseWriter, r *http.Request) error {
	return h.renderTriageSettings(w, r, http.StatusOK, nil)
}

func (h *Handler) triageMatrixUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	rows := make([][]int, 4)
	for i := range rows {
		rows[i] = make([]int, 4)
		for j := range rows[i] {
			rows[i][j], _ = strconv.Atoi(formValue(r, "m"+strconv.Itoa(i+1)+strconv.Itoa(j+1)))
		}
	}
	_, err := h.svc.Triage.UpdateMatrix(r.Context(), h.stateOf(r).actor(), rows)
	if msgs, alert, ok := h.triageErrors(r, err); ok {
		return h.renderTriageSettings(w, r, statusOf(err), func(v *triageSettingsView) {
			for i := range rows {
				for j := range rows[i] {
					if rows[i][j] < 1 || rows[i][j] > 4 {
						rows[i][j] = 0 // shown as no choice, so the wrong cell stands out
					}
				}
			}
			v.Matrix, v.Errors, v.Alert = rows, msgs, alert
			if v.Alert == "" {
				v.Alert = v.T("triage.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/triage/settings?m=saved")
}

func (h *Handler) triageTaxonomyUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	enabled := r.PostForm["enabled"]
	_, err := h.svc.Triage.UpdateTaxonomy(r.Context(), h.stateOf(r).actor(), enabled)
	if msgs, alert, ok := h.triageErrors(r, err); ok {
		return h.renderTriageSettings(w, r, statusOf(err), func(v *triageSettingsView) {
			v.Selected = map[string]bool{}
			for _, k := range enabled {
				v.Selected[k] = true
			}
			v.Errors, v.Alert = msgs, alert
			if v.Alert == "" {
				v.Alert = v.T("triage.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/triage/settings?m=saved")
}

// incidentTriageSection is what the incident page shows of the area.
type incidentTriageSection struct {
	L      service.IncidentTriage
	Owners []hikeshi.User // the possible owners, for the edit form
	// The link and merge forms' values when shown again.
	LinkRef, LinkNote, MergeRef, MergeNote string
}

// loadIncidentTriage fills the area's section of the incident page.
func (h *Handler) loadIncidentTriage(r *http.Request, v *incidentView) error {
	a := h.stateOf(r).actor()
	l, err := h.svc.Triage.IncidentLinks(r.Context(), a, v.D.Incident.ID)
	if err != nil {
		return err
	}
	v.Triage.L = l
	if v.D.CanHandle {
		if v.Triage.Owners, err = h.ownerChoices(r, v.D.Incident.OwnerID); err != nil {
			return err
		}
		// The edit form offers the categories the organisation uses, and the
		// one the incident carries even if it has since been disabled.
		tax, err := h.svc.Triage.TaxonomyFor(r.Context())
		if err != nil {
			return err
		}
		v.RSIT = categoryChoices(tax, v.D.Incident.Category)
	}
	return nil
}

// ownerChoices lists the people who may own an incident, plus its current
// owner when that person is no longer one of them.
func (h *Handler) ownerChoices(r *http.Request, current string) ([]hikeshi.User, error) {
	a := h.stateOf(r).actor()
	owners, err := h.svc.Triage.Owners(r.Context(), a)
	if err != nil {
		return nil, err
	}
	if current == "" {
		return owners, nil
	}
	for _, u := range owners {
		if u.ID == current {
			return owners, nil
		}
	}
	if u, err := h.svc.Users.Get(r.Context(), a, current); err == nil {
		owners = append(owners, u)
	}
	return owners, nil
}

func (h *Handler) incidentLink(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, ref, note := r.PathValue("id"), strings.TrimSpace(formValue(r, "incident")), formValue(r, "note")
	_, err := h.svc.Triage.LinkIncidents(r.Context(), h.stateOf(r).actor(), id, ref, note)
	if msgs, alert, ok := h.triageErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Triage.LinkRef, v.Triage.LinkNote = ref, note
			v.Errors, v.Alert = prefixKeys("link_", msgs), alert
			if v.Alert == "" {
				v.Alert = v.T("incident.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#triage")
}

func (h *Handler) incidentMerge(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, ref, note := r.PathValue("id"), strings.TrimSpace(formValue(r, "incident")), formValue(r, "note")
	_, err := h.svc.Triage.Merge(r.Context(), h.stateOf(r).actor(), id, ref, note)
	if msgs, alert, ok := h.triageErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Triage.MergeRef, v.Triage.MergeNote = ref, note
			v.Errors, v.Alert = prefixKeys("merge_", msgs), alert
			if v.Alert == "" {
				v.Alert = v.T("incident.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#triage")
}

// prefixKeys renames the fields of the link and merge forms, which share the
// incident page with forms that have fields of the same names.
func prefixKeys(prefix string, msgs map[string]string) map[string]string {
	out := make(map[string]string, len(msgs))
	for k, m := range msgs {
		out[prefix+k] = m
	}
	return out
}
