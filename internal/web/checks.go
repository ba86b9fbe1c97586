package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IS-4: metrics, the internal audit programme, findings and corrective actions.

// registerChecks mounts the area's pages.
func (h *Handler) registerChecks(handle handleFunc) {
	handle("GET /isms/audits", signedIn, h.auditsList)
	handle("POST /isms/audits/programmes", signedIn, h.auditsProgrammeCreate)
	handle("GET /isms/audit-programmes/{id}", signedIn, h.programmesShow)
	handle("POST /isms/audit-programmes/{id}", signedIn, h.programmesUpdate)
	handle("POST /isms/audit-programmes/{id}/delete", signedIn, h.programmesDelete)
	handle("POST /isms/audits", signedIn, h.auditsCreate)
	handle("GET /isms/audits/{id}", signedIn, h.auditsShow)
	handle("POST /isms/audits/{id}", signedIn, h.auditsUpdate)
	handle("POST /isms/audits/{id}/status", signedIn, h.auditsStatus)
	handle("POST /isms/audits/{id}/delete", signedIn, h.auditsDelete)
	handle("POST /isms/audits/{id}/findings", signedIn, h.auditsFindingCreate)
	handle("GET /isms/findings", signedIn, h.findingsList)
	handle("GET /isms/findings/{id}", signedIn, h.findingsShow)
	handle("POST /isms/findings/{id}", signedIn, h.findingsUpdate)
	handle("POST /isms/findings/{id}/delete", signedIn, h.findingsDelete)
	handle("POST /isms/findings/{id}/actions", signedIn, h.findingsActionCreate)
	handle("GET /isms/actions", signedIn, h.actionsList)
	handle("POST /isms/action-reminders/{id}/dismiss", signedIn, h.actionRemindersDismiss)
	handle("GET /isms/actions/{id}", signedIn, h.actionsShow)
	handle("POST /isms/actions/{id}", signedIn, h.actionsUpdate)
	handle("POST /isms/actions/{id}/status", signedIn, h.actionsStatus)
	handle("POST /isms/actions/{id}/check", signedIn, h.actionsCheck)
	handle("GET /isms/metrics", signedIn, h.metricsList)
	handle("POST /isms/metrics", signedIn, h.metricsCreate)
	handle("GET /isms/metrics/{id}", signedIn, h.metricsShow)
	handle("POST /isms/metrics/{id}", signedIn, h.metricsUpdate)
	handle("POST /isms/metrics/{id}/values", signedIn, h.metricsRecord)
	handle("POST /isms/metrics/{id}/archive", signedIn, h.metricsArchive)
	handle("POST /isms/metrics/{id}/restore", signedIn, h.metricsRestore)
	handle("POST /isms/metrics/{id}/delete", signedIn, h.metricsDelete)
}

const checksPageSize = 50

// Localised names of the area's enumerations.

func (p *page) CheckAuditStatus(s hikeshi.AuditStatus) string {
	return p.T("checks.audit_status." + string(s))
}
func (p *page) CheckFindingType(t hikeshi.FindingType) string {
	return p.T("checks.finding_type." + string(t))
}
func (p *page) CheckActionStatus(s hikeshi.ActionStatus) string {
	return p.T("checks.action_status." + string(s))
}
func (p *page) CheckResult(r hikeshi.EffectivenessResult) string {
	return p.T("checks.result." + string(r))
}
func (p *page) CheckComparison(c hikeshi.Comparison) string {
	return p.T("checks.comparison." + string(c))
}
func (p *page) CheckFrequency(f hikeshi.Frequency) string {
	return p.T("checks.frequency." + string(f))
}

// checkChoices are the organisation's departments and (for those who may
// list them) people, for the forms.
type checkChoices struct {
	Departments []hikeshi.Department
	People      []hikeshi.User
	Measures    []hikeshi.Measure       // the measures in use, for links
	Frameworks  []service.FrameworkInfo // for requirement links
	deptNames   map[string]string
	userNames   map[string]string
}

func (c checkChoices) DeptName(id string) string { return c.deptNames[id] }

// keepMeasure adds the measure a record links to when the choices leave it
// out (it was archived since), so that saving the form keeps the link.
func (c *checkChoices) keepMeasure(m *hikeshi.Measure) {
	if m == nil {
		return
	}
	for _, x := range c.Measures {
		if x.ID == m.ID {
			return
		}
	}
	c.Measures = append(c.Measures, *m)
}
func (c checkChoices) UserName(id string) string { return c.userNames[id] }

func (h *Handler) checkChoices(r *http.Request) (checkChoices, error) {
	a := h.stateOf(r).actor()
	ds, err := h.svc.Departments.List(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return checkChoices{}, err
	}
	c := checkChoices{Departments: ds, deptNames: map[string]string{}, userNames: map[string]string{}}
	for _, d := range ds {
		c.deptNames[d.ID] = d.Name
	}
	if us, err := h.svc.Users.List(r.Context(), a, hikeshi.UserFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}); err == nil {
		for _, u := range us {
			c.userNames[u.ID] = u.Name
			if u.Active() {
				c.People = append(c.People, u)
			}
		}
	} else if !errors.Is(err, hikeshi.ErrForbidden) {
		return checkChoices{}, err
	}
	if c.Measures, err = h.svc.Frameworks.Measures(r.Context(), a, hikeshi.MeasureFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}); err != nil {
		return checkChoices{}, err
	}
	if c.Frameworks, err = h.svc.Frameworks.Frameworks(r.Context(), a); err != nil {
		return checkChoices{}, err
	}
	return c, nil
}

// checkErrors localises a validation error with this area's codes. The
// own-department refusal names the person and the department.
func (h *Handler) checkErrors(r *http.Request, err error, c checkChoices, auditors, depts []string) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		key := "checks.field." + f.Code
		if f.Code == "own_department" {
			msgs[f.Field] = p.T("checks.field.own_department_generic")
			for _, u := range c.People {
				for _, a := range auditors {
					for _, d := range depts {
						if u.ID == a && u.DepartmentID == d {
							msgs[f.Field] = p.T("checks.field.own_department", u.Name, c.deptNames[d])
						}
					}
				}
			}
			continue
		}
		if f.Code == "referenced" {
			// The names follow the service's words after the first colon.
			names := strings.TrimSpace(f.Message[strings.Index(f.Message, ":")+1:])
			msgs[f.Field] = p.T("checks.referenced."+f.Field, names)
			continue
		}
		if h.tr.Has(p.Lang, key) {
			msgs[f.Field] = p.T(key)
		}
	}
	return msgs, true
}

// checkRefused localises a refused change for the page shown again: the
// messages by field and the alert (a refusal of the whole change, such as a
// status move or a deletion, is the alert itself).
func (h *Handler) checkRefused(r *http.Request, err error) (map[string]string, string, bool) {
	p := &page{}
	h.fill(r, p)
	var me *hikeshi.ActionMoveError
	if errors.As(err, &me) {
		return map[string]string{}, p.T("checks.refused." + me.Code), true
	}
	msgs, ok := h.checkErrors(r, err, checkChoices{}, nil, nil)
	if !ok {
		return nil, "", false
	}
	alert := p.T("checks.fix_errors")
	for _, f := range []string{"status", "programme", "audit", "finding", "metric"} {
		if m := msgs[f]; m != "" {
			alert = m
		}
	}
	return msgs, alert, true
}

// checkPost is the shape of the area's one-button changes (status moves,
// checks, archiving, deletions): parse the form, do the change, and go to
// next; a refusal shows the page again through again with the messages.
func (h *Handler) checkPost(w http.ResponseWriter, r *http.Request, do func() (next string, err error),
	again func(status int, msgs map[string]string, alert string) error) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	next, err := do()
	if err != nil {
		msgs, alert, ok := h.checkRefused(r, err)
		if !ok {
			return err
		}
		return again(statusOf(err), msgs, alert)
	}
	return redirect(w, r, next)
}

// ---- audits ----

type programmeForm struct{ Year, Title, PeriodStart, PeriodEnd, Objectives, DepartmentID string }

type auditForm struct {
	ProgrammeID, Title, Scope, Criteria, PlannedStart, PlannedEnd string
	DepartmentIDs, AuditorIDs                                     []string
}

func (f auditForm) HasDept(id string) bool    { return checkHas(f.DepartmentIDs, id) }
func (f auditForm) HasAuditor(id string) bool { return checkHas(f.AuditorIDs, id) }

func checkHas(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

type auditRow struct {
	A         hikeshi.InternalAudit
	Programme string
}

type auditsListView struct {
	page
	checkChoices
	Programmes []hikeshi.AuditProgramme
	Audits     []auditRow
	CanPlan    bool
	PForm      programmeForm
	AForm      auditForm
	PErrors    map[string]string
}

func (v *auditsListView) PErr(f string) string { return v.PErrors[f] }

func (h *Handler) auditsListView(r *http.Request) (*auditsListView, error) {
	a := h.stateOf(r).actor()
	c, err := h.checkChoices(r)
	if err != nil {
		return nil, err
	}
	v := &auditsListView{checkChoices: c, CanPlan: a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager}
	v.Active = "isms"
	if v.Programmes, err = h.svc.Checks.Programmes(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return nil, err
	}
	titles := map[string]string{}
	for _, p := range v.Programmes {
		titles[p.ID] = p.Title
	}
	as, err := h.svc.Checks.Audits(r.Context(), a, "", hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	for _, au := range as {
		v.Audits = append(v.Audits, auditRow{A: au, Programme: titles[au.ProgrammeID]})
	}
	return v, nil
}

func (h *Handler) auditsList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.auditsListView(r)
	if err != nil {
		return err
	}
	h.fill(r, &v.page)
	h.notice(r, &v.page, "checks")
	return h.render(w, r, http.StatusOK, "audits_list", v)
}

func (h *Handler) auditsProgrammeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := programmeForm{Year: trimmed(r, "year"), Title: formValue(r, "title"), PeriodStart: trimmed(r, "period_start"),
		PeriodEnd: trimmed(r, "period_end"), Objectives: formValue(r, "objectives"), DepartmentID: trimmed(r, "department_id")}
	year, convErr := strconv.Atoi(in.Year)
	var err error
	if convErr != nil {
		err = hikeshi.Invalid("year", "out_of_range", "not a year")
	} else {
		_, err = h.svc.Checks.CreateProgramme(r.Context(), h.stateOf(r).actor(), service.ProgrammeInput{Year: year, Title: in.Title,
			PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd, Objectives: in.Objectives, DepartmentID: in.DepartmentID})
	}
	if err != nil {
		v, verr := h.auditsListView(r)
		if verr != nil {
			return verr
		}
		msgs, ok := h.checkErrors(r, err, v.checkChoices, nil, nil)
		if !ok {
			return err
		}
		v.PForm, v.PErrors = in, msgs
		h.fill(r, &v.page)
		v.Alert = v.T("checks.fix_errors")
		return h.render(w, r, statusOf(err), "audits_list", v)
	}
	return redirect(w, r, "/isms/audits?n=programme_created")
}

func (h *Handler) auditsCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := auditForm{ProgrammeID: trimmed(r, "programme_id"), Title: formValue(r, "title"), Scope: formValue(r, "scope"),
		Criteria: formValue(r, "criteria"), PlannedStart: trimmed(r, "planned_start"), PlannedEnd: trimmed(r, "planned_end"),
		DepartmentIDs: r.PostForm["department_ids"], AuditorIDs: r.PostForm["auditor_ids"]}
	au, err := h.svc.Checks.CreateAudit(r.Context(), h.stateOf(r).actor(), in.ProgrammeID, service.AuditInput{Title: in.Title, Scope: in.Scope,
		DepartmentIDs: in.DepartmentIDs, Criteria: in.Criteria, PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd, AuditorIDs: in.AuditorIDs})
	if errors.Is(err, hikeshi.ErrNotFound) {
		err = hikeshi.Invalid("programme_id", "unknown", "no such programme")
	}
	if err != nil {
		v, verr := h.auditsListView(r)
		if verr != nil {
			return verr
		}
		msgs, ok := h.checkErrors(r, err, v.checkChoices, in.AuditorIDs, in.DepartmentIDs)
		if !ok {
			return err
		}
		v.AForm, v.Errors = in, msgs
		h.fill(r, &v.page)
		v.Alert = v.T("checks.fix_errors")
		return h.render(w, r, statusOf(err), "audits_list", v)
	}
	return redirect(w, r, "/isms/audits/"+url.PathEscape(au.ID)+"?n=audit_created")
}

type findingForm struct {
	Type, Description, Requirement, DepartmentID, FrameworkKey, RequirementRef, MeasureID string
}

// readFindingForm reads a finding's form fields.
func readFindingForm(r *http.Request) findingForm {
	return findingForm{Type: trimmed(r, "type"), Description: formValue(r, "description"), Requirement: formValue(r, "requirement"),
		DepartmentID: trimmed(r, "department_id"), FrameworkKey: trimmed(r, "framework_key"), RequirementRef: trimmed(r, "requirement_ref"),
		MeasureID: trimmed(r, "measure_id")}
}

func (f findingForm) input() service.FindingInput {
	return service.FindingInput{Type: hikeshi.FindingType(f.Type), Description: f.Description, Requirement: f.Requirement,
		DepartmentID: f.DepartmentID, FrameworkKey: f.FrameworkKey, RequirementRef: f.RequirementRef, MeasureID: f.MeasureID}
}

type auditShowView struct {
	page
	checkChoices
	V        service.AuditView
	Findings []service.FindingView
	Types    []hikeshi.FindingType
	Report   string
	FForm    findingForm
	AForm    auditForm // the plan as typed
}

func (h *Handler) renderAudit(w http.ResponseWriter, r *http.Request, status int, adjust func(v *auditShowView)) error {
	a := h.stateOf(r).actor()
	id := r.PathValue("id")
	av, err := h.svc.Checks.Audit(r.Context(), a, id)
	if err != nil {
		return err
	}
	c, err := h.checkChoices(r)
	if err != nil {
		return err
	}
	au := av.Audit
	v := &auditShowView{checkChoices: c, V: av, Types: hikeshi.FindingTypes, Report: au.Report, AForm: auditForm{ProgrammeID: au.ProgrammeID,
		Title: au.Title, Scope: au.Scope, Criteria: au.Criteria, PlannedStart: au.PlannedStart, PlannedEnd: au.PlannedEnd,
		DepartmentIDs: au.DepartmentIDs, AuditorIDs: au.AuditorIDs}}
	if v.Findings, err = h.svc.Checks.Findings(r.Context(), a, id, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return err
	}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = av.Audit.Title
	h.notice(r, &v.page, "checks")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "audits_show", v)
}

func (h *Handler) auditsShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderAudit(w, r, http.StatusOK, nil)
}

func (h *Handler) auditsUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := auditForm{Title: formValue(r, "title"), Scope: formValue(r, "scope"), Criteria: formValue(r, "criteria"),
		PlannedStart: trimmed(r, "planned_start"), PlannedEnd: trimmed(r, "planned_end"),
		DepartmentIDs: r.PostForm["department_ids"], AuditorIDs: r.PostForm["auditor_ids"]}
	_, err := h.svc.Checks.UpdateAudit(r.Context(), h.stateOf(r).actor(), id, service.AuditInput{Title: in.Title, Scope: in.Scope,
		DepartmentIDs: in.DepartmentIDs, Criteria: in.Criteria, PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd, AuditorIDs: in.AuditorIDs})
	if err != nil {
		c, cerr := h.checkChoices(r)
		if cerr != nil {
			return cerr
		}
		msgs, ok := h.checkErrors(r, err, c, in.AuditorIDs, in.DepartmentIDs)
		if !ok {
			return err
		}
		return h.renderAudit(w, r, statusOf(err), func(v *auditShowView) {
			in.ProgrammeID = v.V.Audit.ProgrammeID
			v.AForm, v.Errors, v.Alert = in, msgs, v.T("checks.fix_errors")
		})
	}
	return redirect(w, r, "/isms/audits/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) auditsStatus(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return h.checkPost(w, r, func() (string, error) {
		_, err := h.svc.Checks.SetAuditStatus(r.Context(), h.stateOf(r).actor(), id, hikeshi.AuditStatus(formValue(r, "status")), formValue(r, "report"))
		return "/isms/audits/" + url.PathEscape(id) + "?n=saved", err
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderAudit(w, r, status, func(v *auditShowView) { v.Report, v.Errors, v.Alert = formValue(r, "report"), msgs, alert })
	})
}

func (h *Handler) auditsDelete(w http.ResponseWriter, r *http.Request) error {
	return h.checkPost(w, r, func() (string, error) {
		return "/isms/audits?n=audit_deleted", h.svc.Checks.DeleteAudit(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderAudit(w, r, status, func(v *auditShowView) { v.Errors, v.Alert = msgs, alert })
	})
}

func (h *Handler) auditsFindingCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := readFindingForm(r)
	f, err := h.svc.Checks.CreateFinding(r.Context(), h.stateOf(r).actor(), id, in.input())
	if err != nil {
		c, cerr := h.checkChoices(r)
		if cerr != nil {
			return cerr
		}
		msgs, ok := h.checkErrors(r, err, c, nil, nil)
		if !ok {
			return err
		}
		return h.renderAudit(w, r, statusOf(err), func(v *auditShowView) {
			v.FForm, v.Errors, v.Alert = in, msgs, v.T("checks.fix_errors")
			if m := msgs["status"]; m != "" {
				v.Alert = m
			}
		})
	}
	return redirect(w, r, "/isms/audits/"+url.PathEscape(id)+"?n=finding_created#finding-"+f.ID)
}

// ---- findings ----

type findingsListView struct {
	page
	checkChoices
	Findings []service.FindingView
	Next     string
}

func (h *Handler) findingsList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	c, err := h.checkChoices(r)
	if err != nil {
		return err
	}
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	fs, err := h.svc.Checks.Findings(r.Context(), a, "", hikeshi.Page{After: after, Limit: checksPageSize + 1})
	if err != nil {
		return err
	}
	v := &findingsListView{checkChoices: c}
	if len(fs) > checksPageSize {
		fs = fs[:checksPageSize]
		v.Next = fs[len(fs)-1].Finding.ID
	}
	v.Findings = fs
	v.Active = "isms"
	return h.render(w, r, http.StatusOK, "findings_list", v)
}

type actionForm struct{ Title, RootCause, Action, DepartmentID, OwnerID, DueDate string }

type findingShowView struct {
	page
	checkChoices
	V     service.FindingView
	AForm actionForm
	FForm findingForm // the finding as typed in its edit form
	Types []hikeshi.FindingType
	Now   string // today in the viewer's zone
}

func (h *Handler) renderFinding(w http.ResponseWriter, r *http.Request, status int, adjust func(v *findingShowView)) error {
	fv, err := h.svc.Checks.Finding(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := h.checkChoices(r)
	if err != nil {
		return err
	}
	f := fv.Finding
	c.keepMeasure(fv.Measure)
	v := &findingShowView{checkChoices: c, V: fv, AForm: actionForm{DepartmentID: f.DepartmentID}, Types: hikeshi.FindingTypes,
		FForm: findingForm{Type: string(f.Type), Description: f.Description, Requirement: f.Requirement, DepartmentID: f.DepartmentID,
			FrameworkKey: f.RequirementRef.FrameworkKey, RequirementRef: f.RequirementRef.Ref, MeasureID: f.MeasureID}}
	v.Active = "isms"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "checks")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "findings_show", v)
}

func (h *Handler) findingsShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderFinding(w, r, http.StatusOK, nil)
}

func (h *Handler) findingsActionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := actionForm{Title: formValue(r, "title"), RootCause: formValue(r, "root_cause"), Action: formValue(r, "action"),
		DepartmentID: trimmed(r, "department_id"), OwnerID: trimmed(r, "owner_id"), DueDate: trimmed(r, "due_date")}
	a, err := h.svc.Checks.CreateAction(r.Context(), h.stateOf(r).actor(), service.ActionInput{SourceKind: hikeshi.SourceFinding,
		SourceID: r.PathValue("id"), Title: in.Title, RootCause: in.RootCause, Action: in.Action, DepartmentID: in.DepartmentID,
		OwnerID: in.OwnerID, DueDate: in.DueDate})
	if err != nil {
		var ve *hikeshi.ValidationError
		if errors.As(err, &ve) && len(ve.Fields) > 0 && ve.Fields[0].Field == "source_id" {
			return hikeshi.ErrNotFound
		}
		c, cerr := h.checkChoices(r)
		if cerr != nil {
			return cerr
		}
		msgs, ok := h.checkErrors(r, err, c, nil, nil)
		if !ok {
			return err
		}
		return h.renderFinding(w, r, statusOf(err), func(v *findingShowView) {
			v.AForm, v.Errors, v.Alert = in, msgs, v.T("checks.fix_errors")
		})
	}
	return redirect(w, r, "/isms/actions/"+url.PathEscape(a.ID)+"?n=action_created")
}

// ---- corrective actions ----

type actionsListView struct {
	page
	Actions   []service.ActionView
	Reminders []service.ActionReminderEntry // the viewer's overdue actions
	Overdue   bool                          // only overdue actions are listed
	Next      string
	Today     string
	now       func(hikeshi.CorrectiveAction) bool
}

// IsOverdue reports whether the action is overdue today in the viewer's zone.
func (v *actionsListView) IsOverdue(a hikeshi.CorrectiveAction) bool { return v.now(a) }

func (h *Handler) actionsList(w http.ResponseWriter, r *http.Request) error {
	return h.renderActions(w, r, http.StatusOK, nil)
}

func (h *Handler) renderActions(w http.ResponseWriter, r *http.Request, status int, adjust func(v *actionsListView)) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	now := h.clock.Now().In(h.loc)
	v := &actionsListView{Today: now.Format(hikeshi.DateLayout), now: func(x hikeshi.CorrectiveAction) bool { return x.Overdue(now) },
		Overdue: q.Get("overdue") == "1"}
	f := hikeshi.ActionFilter{Page: hikeshi.Page{After: after, Limit: checksPageSize + 1}}
	if v.Overdue {
		f.OverdueOn = v.Today
	}
	as, err := h.svc.Checks.ListActions(r.Context(), a, f)
	if err != nil {
		return err
	}
	if len(as) > checksPageSize {
		as = as[:checksPageSize]
		v.Next = as[len(as)-1].Action.ID
	}
	v.Actions = as
	if v.Reminders, err = h.svc.Checks.ActionReminders(r.Context(), a); err != nil {
		return err
	}
	v.Active = "isms"
	h.fill(r, &v.page)
	if n := q.Get("n"); n != "" && h.tr.Has(v.Lang, "checks.notice."+n) {
		v.Notice = v.T("checks.notice." + n)
	}
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "actions_list", v)
}

func (h *Handler) actionRemindersDismiss(w http.ResponseWriter, r *http.Request) error {
	return h.checkPost(w, r, func() (string, error) {
		return "/isms/actions?n=reminder_dismissed", h.svc.Checks.DismissActionReminder(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderActions(w, r, status, func(v *actionsListView) { v.Alert = alert })
	})
}

type actionShowView struct {
	page
	checkChoices
	V          service.ActionView
	Overdue    bool
	Form       actionForm
	CheckNote  string
	CheckValue string
}

func (h *Handler) renderAction(w http.ResponseWriter, r *http.Request, status int, adjust func(v *actionShowView)) error {
	av, err := h.svc.Checks.Action(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := h.checkChoices(r)
	if err != nil {
		return err
	}
	a := av.Action
	v := &actionShowView{checkChoices: c, V: av, Overdue: a.Overdue(h.clock.Now().In(h.loc)),
		Form: actionForm{Title: a.Title, RootCause: a.RootCause, Action: a.Action, DepartmentID: a.DepartmentID, OwnerID: a.OwnerID, DueDate: a.DueDate}}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = a.Title
	h.notice(r, &v.page, "checks")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "actions_show", v)
}

func (h *Handler) actionsShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderAction(w, r, http.StatusOK, nil)
}

// actionRefused renders the action page again with a refused change's reason.
func (h *Handler) actionRefused(w http.ResponseWriter, r *http.Request, err error, adjust func(v *actionShowView)) error {
	msgs, alert, ok := h.checkRefused(r, err)
	if !ok {
		return err
	}
	return h.renderAction(w, r, statusOf(err), func(v *actionShowView) {
		if adjust != nil {
			adjust(v)
		}
		v.Errors, v.Alert = msgs, alert
	})
}

func (h *Handler) actionsUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := actionForm{Title: formValue(r, "title"), RootCause: formValue(r, "root_cause"), Action: formValue(r, "action"),
		DepartmentID: trimmed(r, "department_id"), OwnerID: trimmed(r, "owner_id"), DueDate: trimmed(r, "due_date")}
	_, err := h.svc.Checks.UpdateAction(r.Context(), h.stateOf(r).actor(), id, service.ActionPatch{Title: &in.Title, RootCause: &in.RootCause,
		Action: &in.Action, DepartmentID: &in.DepartmentID, OwnerID: &in.OwnerID, DueDate: &in.DueDate})
	if err != nil {
		return h.actionRefused(w, r, err, func(v *actionShowView) { v.Form = in })
	}
	return redirect(w, r, "/isms/actions/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) actionsStatus(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return h.checkPost(w, r, func() (string, error) {
		_, err := h.svc.Checks.SetActionStatus(r.Context(), h.stateOf(r).actor(), id, hikeshi.ActionStatus(formValue(r, "status")))
		return "/isms/actions/" + url.PathEscape(id) + "?n=saved", err
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderAction(w, r, status, func(v *actionShowView) { v.Errors, v.Alert = msgs, alert })
	})
}

func (h *Handler) actionsCheck(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return h.checkPost(w, r, func() (string, error) {
		_, err := h.svc.Checks.RecordEffectiveness(r.Context(), h.stateOf(r).actor(), id, hikeshi.EffectivenessResult(formValue(r, "result")),
			formValue(r, "note"))
		return "/isms/actions/" + url.PathEscape(id) + "?n=checked", err
	}, func(status int, msgs map[string]string, alert string) error {
		return h.renderAction(w, r, status, func(v *actionShowView) {
			v.CheckNote, v.CheckValue, v.Errors, v.Alert = formValue(r, "note"), formValue(r, "result"), msgs, alert
		})
	})
}

// ---- metrics ----

type metricForm struct{ Name, MeasureRef, MeasureID, Unit, Target, Comparison, Frequency, DepartmentID string }

// readMetricForm reads a metric's form fields.
func readMetricForm(r *http.Request) metricForm {
	return metricForm{Name: formValue(r, "name"), MeasureRef: formValue(r, "measure_ref"), MeasureID: trimmed(r, "measure_id"), Unit: formValue(r, "unit"),
		Target: trimmed(r, "target"), Comparison: trimmed(r, "comparison"), Frequency: trimmed(r, "frequency"), DepartmentID: trimmed(r, "department_id")}
}

func (f metricForm) input() service.MetricInput {
	return service.MetricInput{Name: f.Name, MeasureRef: f.MeasureRef, MeasureID: f.MeasureID, Unit: f.Unit, Target: f.Target,
		Comparison: hikeshi.Comparison(f.Comparison), Frequency: hikeshi.Frequency(f.Frequency), DepartmentID: f.DepartmentID}
}

type metricsListView struct {
	page
	checkChoices
	Metrics     []service.MetricView
	Next        string
	CanCreate   bool
	Form        metricForm
	Frequencies []hikeshi.Frequency
	Comparisons []hikeshi.Comparison
}

func (h *Handler) metricsListView(r *http.Request) (*metricsListView, error) {
	a := h.stateOf(r).actor()
	c, err := h.checkChoices(r)
	if err != nil {
		return nil, err
	}
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	ms, err := h.svc.Checks.Metrics(r.Context(), a, hikeshi.Page{After: after, Limit: checksPageSize + 1})
	if err != nil {
		return nil, err
	}
	v := &metricsListView{checkChoices: c, CanCreate: a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager,
		Form: metricForm{Comparison: string(hikeshi.AtLeast), Frequency: string(hikeshi.Monthly)}, Frequencies: hikeshi.Frequencies,
		Comparisons: []hikeshi.Comparison{hikeshi.AtLeast, hikeshi.AtMost}}
	if len(ms) > checksPageSize {
		ms = ms[:checksPageSize]
		v.Next = ms[len(ms)-1].Metric.ID
	}
	v.Metrics = ms
	v.Active = "isms"
	return v, nil
}

func (h *Handler) metricsList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.metricsListView(r)
	if err != nil {
		return err
	}
	h.fill(r, &v.page)
	h.notice(r, &v.page, "checks")
	return h.render(w, r, http.StatusOK, "metrics_list", v)
}

func (h *Handler) metricsCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := readMetricForm(r)
	m, err := h.svc.Checks.CreateMetric(r.Context(), h.stateOf(r).actor(), in.input())
	if err != nil {
		v, verr := h.metricsListView(r)
		if verr != nil {
			return verr
		}
		msgs, ok := h.checkErrors(r, err, v.checkChoices, nil, nil)
		if !ok {
			return err
		}
		v.Form, v.Errors = in, msgs
		h.fill(r, &v.page)
		v.Alert = v.T("checks.fix_errors")
		return h.render(w, r, statusOf(err), "metrics_list", v)
	}
	return redirect(w, r, "/isms/metrics/"+url.PathEscape(m.ID)+"?n=metric_created")
}

type metricShowView struct {
	page
	checkChoices
	V                    service.MetricView
	Period, Value, VNote string
	Form                 metricForm // the metric as typed in its edit form
	Frequencies          []hikeshi.Frequency
	Comparisons          []hikeshi.Comparison
}

func (h *Handler) renderMetric(w http.ResponseWriter, r *http.Request, status int, adjust func(v *metricShowView)) error {
	mv, err := h.svc.Checks.Metric(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := h.checkChoices(r)
	if err != nil {
		return err
	}
	m := mv.Metric
	c.keepMeasure(mv.Measure)
	v := &metricShowView{checkChoices: c, V: mv, Period: h.clock.Now().In(h.loc).Format(hikeshi.DateLayout), Frequencies: hikeshi.Frequencies,
		Comparisons: []hikeshi.Comparison{hikeshi.AtLeast, hikeshi.AtMost}, Form: metricForm{Name: m.Name, MeasureRef: m.MeasureRef,
			MeasureID: m.MeasureID, Unit: m.Unit, Target: m.Target, Comparison: string(m.Comparison), Frequency: string(m.Frequency),
			DepartmentID: m.DepartmentID}}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = mv.Metric.Name
	h.notice(r, &v.page, "checks")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "metrics_show", v)
}

func (h *Handler) metricsShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderMetric(w, r, http.StatusOK, nil)
}

func (h *Handler) metricsRecord(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	period, value, note := trimmed(r, "period"), trimmed(r, "value"), formValue(r, "note")
	if _, err := h.svc.Checks.RecordValue(r.Context(), h.stateOf(r).actor(), id, service.ValueInput{Period: period, Value: value, Note: note}); err != nil {
		c, cerr := h.checkChoices(r)
		if cerr != nil {
			return cerr
		}
		msgs, ok := h.checkErrors(r, err, c, nil, nil)
		if !ok {
			return err
		}
		return h.renderMetric(w, r, statusOf(err), func(v *metricShowView) {
			v.Period, v.Value, v.VNote, v.Errors, v.Alert = period, value, note, msgs, v.T("checks.fix_errors")
		})
	}
	return redirect(w, r, "/isms/metrics/"+url.PathEscape(id)+"?n=value_recorded")
}

// CheckTarget is a metric's target in words: "at least 95 %".
func (p *page) CheckTarget(m hikeshi.Metric) string {
	return p.T("checks.target."+string(m.Comparison), m.Target, m.Unit)
}
