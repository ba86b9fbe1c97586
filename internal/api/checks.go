package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["audit_status"] = stringsOf(hikeshi.AuditStatuses)
	enums["finding_type"] = stringsOf(hikeshi.FindingTypes)
	enums["action_status"] = stringsOf(hikeshi.ActionStatuses)
	enums["action_source_kind"] = []string{string(hikeshi.SourceFinding), string(hikeshi.SourceLesson), string(hikeshi.SourceReview)}
	enums["effectiveness_result"] = []string{string(hikeshi.ResultEffective), string(hikeshi.ResultIneffective)}
	enums["metric_comparison"] = []string{string(hikeshi.AtLeast), string(hikeshi.AtMost)}
	enums["metric_frequency"] = stringsOf(hikeshi.Frequencies)
}

// checkRoutes are the operations of IS-4: metrics, the internal audit programme, findings and corrective actions.
func (h *Handler) checkRoutes() []route {
	const who = " Every signed-in role reads; "
	return []route{
		{method: get, path: "/isms/audit-programmes", op: "listAuditProgrammes", tag: "checks", summary: "Internal audit programmes, newest first",
			list: true, status: http.StatusOK, resp: programmeJSON{}, handle: h.listProgrammes},
		{method: post, path: "/isms/audit-programmes", op: "createAuditProgramme", tag: "checks", summary: "Write a year's audit programme (admins, managers)",
			doc: "One programme per year; a second one for the same year is a 409.", body: programmeInputJSON{}, status: http.StatusCreated,
			resp: programmeJSON{}, handle: h.createProgramme},
		{method: get, path: "/isms/audit-programmes/{id}", op: "getAuditProgramme", tag: "checks", summary: "One audit programme",
			status: http.StatusOK, resp: programmeJSON{}, handle: h.getProgramme},
		{method: put, path: "/isms/audit-programmes/{id}", op: "putAuditProgramme", tag: "checks", summary: "Rewrite an audit programme (admins, managers)",
			body: programmeInputJSON{}, status: http.StatusOK, resp: programmeJSON{}, handle: h.putProgramme},
		{method: del, path: "/isms/audit-programmes/{id}", op: "deleteAuditProgramme", tag: "checks", summary: "Delete an audit programme written by mistake (admins, managers)",
			doc: "Refused with a 409 (code referenced) naming its audits while it has any.", status: http.StatusNoContent, handle: h.deleteProgramme},

		{method: get, path: "/isms/audits", op: "listInternalAudits", tag: "checks", summary: "Internal audits, newest first",
			params: []param{{name: "programme_id", typ: "uuid", doc: "Only this programme's audits."}},
			list:   true, status: http.StatusOK, resp: internalAuditJSON{}, handle: h.listAudits},
		{method: post, path: "/isms/audit-programmes/{id}/audits", op: "createInternalAudit", tag: "checks", summary: "Plan an internal audit (admins, managers)",
			doc: "An auditor must not audit their own department (ISO/IEC 27001 clause 9.2): naming one is a 422 on auditor_ids, code own_department, naming the person and the department. " +
				"Users of the read-only auditor role cannot be named (code read_only).",
			body: auditInputJSON{}, status: http.StatusCreated, resp: internalAuditJSON{}, handle: h.createAudit},
		{method: get, path: "/isms/audits/{id}", op: "getInternalAudit", tag: "checks", summary: "One internal audit with what the caller may do",
			status: http.StatusOK, resp: internalAuditJSON{}, handle: h.getAudit},
		{method: put, path: "/isms/audits/{id}", op: "putInternalAudit", tag: "checks", summary: "Change an audit's plan (admins, managers) until it closes",
			body: auditInputJSON{}, status: http.StatusOK, resp: internalAuditJSON{}, handle: h.putAudit},
		{method: del, path: "/isms/audits/{id}", op: "deleteInternalAudit", tag: "checks", summary: "Delete a planned audit without findings (admins, managers)",
			doc:    "An audit with findings is a 409 (code referenced) naming them; one that has started is a 409 (code not_planned): close it instead.",
			status: http.StatusNoContent, handle: h.deleteAudit},
		{method: post, path: "/isms/audits/{id}/status", op: "setInternalAuditStatus", tag: "checks", summary: "Move an audit: planned → in_progress → reported → closed",
			doc:  "The named auditors and planners start and report it (reporting needs the report summary); only admins and managers close it, and only when every nonconformity has a corrective action (else 422, code actions_missing).",
			body: auditStatusJSON{}, status: http.StatusOK, resp: internalAuditJSON{}, handle: h.setAuditStatus},

		{method: get, path: "/isms/findings", op: "listFindings", tag: "checks", summary: "Audit findings, newest first",
			params: []param{{name: "audit_id", typ: "uuid", doc: "Only this audit's findings."}},
			list:   true, status: http.StatusOK, resp: findingJSON{}, handle: h.listFindings},
		{method: post, path: "/isms/audits/{id}/findings", op: "createFinding", tag: "checks", summary: "Record a finding (the audit's named auditors, admins)",
			doc:  "While the audit is in progress. Nonconformities (major_nc, minor_nc) need a corrective action before the audit closes.",
			body: findingInputJSON{}, status: http.StatusCreated, resp: findingJSON{}, handle: h.createFinding},
		{method: get, path: "/isms/findings/{id}", op: "getFinding", tag: "checks", summary: "One finding with its corrective actions",
			status: http.StatusOK, resp: findingJSON{}, handle: h.getFinding},
		{method: put, path: "/isms/findings/{id}", op: "putFinding", tag: "checks", summary: "Correct a finding (the audit's named auditors, admins)",
			body: findingInputJSON{}, status: http.StatusOK, resp: findingJSON{}, handle: h.putFinding},
		{method: del, path: "/isms/findings/{id}", op: "deleteFinding", tag: "checks", summary: "Delete a finding recorded by mistake (the audit's named auditors, admins)",
			doc:    "While the audit is in progress or reported. A finding with corrective actions is a 409 (code referenced) naming them.",
			status: http.StatusNoContent, handle: h.deleteFinding},

		{method: get, path: "/isms/actions", op: "listCorrectiveActions", tag: "checks", summary: "Corrective actions, newest first",
			params: []param{{name: "overdue", typ: "string", doc: "true: only actions not yet implemented whose due date has passed (UTC)."}},
			list:   true, status: http.StatusOK, resp: actionJSON{}, handle: h.listActions},
		{method: post, path: "/isms/actions", op: "createCorrectiveAction", tag: "checks", summary: "Open a corrective action for a finding",
			doc:  "Admins, managers, the finding's audit's auditors and the members of the department concerned. source_kind is finding.",
			body: actionCreateJSON{}, status: http.StatusCreated, resp: actionJSON{}, handle: h.createAction},
		{method: get, path: "/isms/actions/{id}", op: "getCorrectiveAction", tag: "checks", summary: "One corrective action",
			status: http.StatusOK, resp: actionJSON{}, handle: h.getAction},
		{method: put, path: "/isms/actions/{id}", op: "putCorrectiveAction", tag: "checks", summary: "Rewrite a corrective action (its owner department, admins, managers)",
			body: actionInputJSON{}, status: http.StatusOK, resp: actionJSON{}, handle: h.putAction},
		{method: post, path: "/isms/actions/{id}/status", op: "setCorrectiveActionStatus", tag: "checks", summary: "Move a corrective action",
			doc: "open → in_progress or implemented; in_progress → open or implemented; implemented → in_progress; ineffective → in_progress (rework); effective → closed (admins, managers). " +
				"Closing without an effectiveness check that found the action effective is a 422, code check_required.",
			body: actionStatusJSON{}, status: http.StatusOK, resp: actionJSON{}, handle: h.setActionStatus},
		{method: post, path: "/isms/actions/{id}/effectiveness", op: "checkCorrectiveAction", tag: "checks", summary: "Record the effectiveness check (admins, managers)",
			doc:  "On an implemented action. Who and when come from the caller and the clock. effective allows closing; ineffective sends the action back for rework.",
			body: effectivenessJSON{}, status: http.StatusOK, resp: actionJSON{}, handle: h.checkAction},
		{method: get, path: "/isms/action-reminders", op: "listActionReminders", tag: "checks", summary: "The caller's unread reminders of overdue corrective actions, newest first",
			doc:    "Made once per action and due date by the daily job action.remind, for the named owner and the owner department's people.",
			status: http.StatusOK, resp: []actionReminderJSON{}, handle: h.listActionReminders},
		{method: post, path: "/isms/action-reminders/{id}/dismiss", op: "dismissActionReminder", tag: "checks", summary: "Mark one of the caller's action reminders read",
			status: http.StatusNoContent, handle: h.dismissActionReminder},

		{method: get, path: "/isms/metrics", op: "listMetrics", tag: "checks", summary: "Metrics with their latest value against target, newest first",
			list: true, status: http.StatusOK, resp: metricJSON{}, handle: h.listMetrics},
		{method: post, path: "/isms/metrics", op: "createMetric", tag: "checks", summary: "Define a metric (admins, managers)",
			body: metricInputJSON{}, status: http.StatusCreated, resp: metricJSON{}, handle: h.createMetric},
		{method: get, path: "/isms/metrics/{id}", op: "getMetric", tag: "checks", summary: "One metric with its recorded values",
			status: http.StatusOK, resp: metricJSON{}, handle: h.getMetric},
		{method: put, path: "/isms/metrics/{id}", op: "putMetric", tag: "checks", summary: "Rewrite a metric (admins, managers)",
			body: metricInputJSON{}, status: http.StatusOK, resp: metricJSON{}, handle: h.putMetric},
		{method: del, path: "/isms/metrics/{id}", op: "deleteMetric", tag: "checks", summary: "Delete a metric defined by mistake (admins, managers)",
			doc: "A metric with recorded values is a 409 (code referenced) naming them: archive it instead.", status: http.StatusNoContent, handle: h.deleteMetric},
		{method: post, path: "/isms/metrics/{id}/archive", op: "archiveMetric", tag: "checks", summary: "Archive a metric (admins, managers): it keeps its values and takes no new ones",
			status: http.StatusOK, resp: metricJSON{}, handle: h.archiveMetric},
		{method: post, path: "/isms/metrics/{id}/restore", op: "restoreMetric", tag: "checks", summary: "Restore an archived metric (admins, managers)",
			status: http.StatusOK, resp: metricJSON{}, handle: h.restoreMetric},
		{method: post, path: "/isms/metrics/{id}/values", op: "recordMetricValue", tag: "checks", summary: "Record a value (the owner department's members, admins, managers)",
			doc:  who + "the value is a decimal number, the period a date.",
			body: valueInputJSON{}, status: http.StatusCreated, resp: metricJSON{}, handle: h.recordValue},
	}
}

// ---- programmes ----

type programmeJSON struct {
	ID          string `json:"id" format:"uuid"`
	Year        int    `json:"year"`
	Title       string `json:"title"`
	PeriodStart string `json:"period_start" format:"date"`
	PeriodEnd   string `json:"period_end" format:"date"`
	Objectives  string `json:"objectives" doc:"Plain text; never HTML."`
	// DepartmentID and RoutedActivity: decision 0038.
	DepartmentID   *string   `json:"department_id" format:"uuid" doc:"The unit that owns the programme; null when none is named and no pattern is chosen."`
	RoutedActivity string    `json:"routed_activity" doc:"internal_audit when the organisation's pattern chose the department (a pattern change moves it while the programme's period lasts); empty when a person did."`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toProgramme(p hikeshi.AuditProgramme) programmeJSON {
	return programmeJSON{ID: p.ID, Year: p.Year, Title: p.Title, PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd, Objectives: p.Objectives,
		DepartmentID: strPtr(p.DepartmentID), RoutedActivity: string(p.RoutedActivity), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

type programmeInputJSON struct {
	Year        int    `json:"year" doc:"2000 to 9999; one programme per year."`
	Title       string `json:"title"`
	PeriodStart string `json:"period_start" format:"date"`
	PeriodEnd   string `json:"period_end" format:"date"`
	Objectives  string `json:"objectives,omitempty"`
	// DepartmentID: decision 0038.
	DepartmentID string `json:"department_id,omitempty" format:"uuid" doc:"The unit that owns the programme. Omitted on creation: the unit responsible for internal audit under the organisation's pattern; omitted on a change: kept."`
}

func (in programmeInputJSON) input() service.ProgrammeInput {
	return service.ProgrammeInput{Year: in.Year, Title: in.Title, PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd, Objectives: in.Objectives,
		DepartmentID: in.DepartmentID}
}

func (h *Handler) listProgrammes(c *call) error {
	p, err := c.page("audit-programmes", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.AuditProgramme, error) {
		return h.svc.Checks.Programmes(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(v hikeshi.AuditProgramme) string { return v.ID })
	if err != nil {
		return err
	}
	out := make([]programmeJSON, len(items))
	for i, v := range items {
		out[i] = toProgramme(v)
	}
	return writePage(c, "audit-programmes", out, next)
}

func (h *Handler) createProgramme(c *call) error {
	var in programmeInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	p, err := h.svc.Checks.CreateProgramme(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/audit-programmes/"+p.ID, toProgramme(p))
}

func (h *Handler) getProgramme(c *call) error {
	p, err := h.svc.Checks.Programme(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toProgramme(p))
}

func (h *Handler) deleteProgramme(c *call) error {
	if err := h.svc.Checks.DeleteProgramme(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) putProgramme(c *call) error {
	var in programmeInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	p, err := h.svc.Checks.UpdateProgramme(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toProgramme(p))
}

// ---- audits ----

type internalAuditJSON struct {
	ID            string    `json:"id" format:"uuid"`
	ProgrammeID   string    `json:"programme_id" format:"uuid"`
	Title         string    `json:"title"`
	Scope         string    `json:"scope"`
	DepartmentIDs []string  `json:"department_ids" doc:"The departments audited."`
	Criteria      string    `json:"criteria"`
	PlannedStart  string    `json:"planned_start" format:"date"`
	PlannedEnd    string    `json:"planned_end" format:"date"`
	AuditorIDs    []string  `json:"auditor_ids" doc:"The named auditors; none belongs to an audited department."`
	Status        string    `json:"status" enum:"audit_status"`
	Report        string    `json:"report" doc:"The report summary."`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Allowed       []string  `json:"allowed" doc:"The statuses the caller may move the audit to now (single reads only)."`
	CanRecord     bool      `json:"can_record" doc:"Whether the caller may record findings now (single reads only)."`
	Unanswered    *int      `json:"unanswered" doc:"Nonconformities without a corrective action (single reads only; null in lists)."`
}

func toInternalAudit(a hikeshi.InternalAudit) internalAuditJSON {
	out := internalAuditJSON{ID: a.ID, ProgrammeID: a.ProgrammeID, Title: a.Title, Scope: a.Scope, DepartmentIDs: a.DepartmentIDs,
		Criteria: a.Criteria, PlannedStart: a.PlannedStart, PlannedEnd: a.PlannedEnd, AuditorIDs: a.AuditorIDs, Status: string(a.Status),
		Report: a.Report, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(), Allowed: []string{}}
	if out.DepartmentIDs == nil {
		out.DepartmentIDs = []string{}
	}
	if out.AuditorIDs == nil {
		out.AuditorIDs = []string{}
	}
	return out
}

func toInternalAuditView(v service.AuditView) internalAuditJSON {
	out := toInternalAudit(v.Audit)
	out.Allowed, out.CanRecord = stringsOf(v.Allowed), v.CanRecord
	if out.Allowed == nil {
		out.Allowed = []string{}
	}
	n := v.Unanswered
	out.Unanswered = &n
	return out
}

type auditInputJSON struct {
	Title         string   `json:"title"`
	Scope         string   `json:"scope"`
	DepartmentIDs []string `json:"department_ids" doc:"At least one department audited."`
	Criteria      string   `json:"criteria" doc:"e.g. ISO/IEC 27001:2022 clauses 4–10, Annex A.5"`
	PlannedStart  string   `json:"planned_start" format:"date"`
	PlannedEnd    string   `json:"planned_end" format:"date"`
	AuditorIDs    []string `json:"auditor_ids" doc:"At least one user; none of an audited department, none of the auditor role."`
}

func (in auditInputJSON) input() service.AuditInput {
	return service.AuditInput{Title: in.Title, Scope: in.Scope, DepartmentIDs: in.DepartmentIDs, Criteria: in.Criteria,
		PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd, AuditorIDs: in.AuditorIDs}
}

type auditStatusJSON struct {
	Status string `json:"status" enum:"audit_status"`
	Report string `json:"report,omitempty" doc:"The report summary; required (here or before) to move to reported."`
}

func (h *Handler) listAudits(c *call) error {
	p, err := c.page("audits", validID)
	if err != nil {
		return err
	}
	prog := c.param("programme_id")
	if prog != "" && !validID(prog) {
		return fieldError("programme_id", "invalid", "programme_id must be a UUID.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.InternalAudit, error) {
		return h.svc.Checks.Audits(c.ctx(), c.actor, prog, hikeshi.Page{After: after, Limit: n})
	}, func(v hikeshi.InternalAudit) string { return v.ID })
	if err != nil {
		return err
	}
	out := make([]internalAuditJSON, len(items))
	for i, v := range items {
		out[i] = toInternalAudit(v)
	}
	return writePage(c, "audits", out, next)
}

func (h *Handler) createAudit(c *call) error {
	var in auditInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	a, err := h.svc.Checks.CreateAudit(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	v, err := h.svc.Checks.Audit(c.ctx(), c.actor, a.ID)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/audits/"+a.ID, toInternalAuditView(v))
}

func (h *Handler) getAudit(c *call) error {
	v, err := h.svc.Checks.Audit(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toInternalAuditView(v))
}

func (h *Handler) putAudit(c *call) error {
	var in auditInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.UpdateAudit(c.ctx(), c.actor, c.r.PathValue("id"), in.input()); err != nil {
		return err
	}
	return h.getAudit(c)
}

func (h *Handler) deleteAudit(c *call) error {
	if err := h.svc.Checks.DeleteAudit(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) setAuditStatus(c *call) error {
	var in auditStatusJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.SetAuditStatus(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.AuditStatus(in.Status), in.Report); err != nil {
		return err
	}
	return h.getAudit(c)
}

// ---- findings ----

type findingJSON struct {
	ID             string       `json:"id" format:"uuid"`
	AuditID        string       `json:"audit_id" format:"uuid"`
	Type           string       `json:"type" enum:"finding_type"`
	Description    string       `json:"description" doc:"Plain text; never HTML."`
	Requirement    string       `json:"requirement" doc:"A free-text note on the requirement concerned."`
	FrameworkKey   *string      `json:"framework_key" doc:"The framework of the linked requirement, e.g. iso27001-2022; null without a link."`
	RequirementRef *string      `json:"requirement_ref" doc:"The linked requirement, e.g. A.8.8; null without a link."`
	MeasureID      *string      `json:"measure_id" format:"uuid" doc:"The measure concerned; null without a link."`
	DepartmentID   string       `json:"department_id" format:"uuid"`
	NeedsAction    bool         `json:"needs_action" doc:"A nonconformity without a corrective action yet."`
	Actions        []actionJSON `json:"actions" doc:"Its corrective actions."`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

func toFinding(v service.FindingView, now time.Time) findingJSON {
	f := v.Finding
	out := findingJSON{ID: f.ID, AuditID: f.AuditID, Type: string(f.Type), Description: f.Description, Requirement: f.Requirement,
		DepartmentID: f.DepartmentID, NeedsAction: v.NeedsAction, Actions: []actionJSON{}, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(),
		FrameworkKey: strPtr(f.RequirementRef.FrameworkKey), RequirementRef: strPtr(f.RequirementRef.Ref), MeasureID: strPtr(f.MeasureID)}
	for _, a := range v.Actions {
		out.Actions = append(out.Actions, toAction(service.ActionView{Action: a}, now))
	}
	return out
}

type findingInputJSON struct {
	Type           string `json:"type" enum:"finding_type"`
	Description    string `json:"description"`
	Requirement    string `json:"requirement,omitempty" doc:"A free-text note, at most 100 characters, one line."`
	FrameworkKey   string `json:"framework_key,omitempty" doc:"With requirement_ref: links a requirement of this framework (iso27001-2022 or an imported key)."`
	RequirementRef string `json:"requirement_ref,omitempty" doc:"With framework_key: the requirement, e.g. A.8.8 or 9.2; an unknown one is a 422 (code unknown_requirement)."`
	MeasureID      string `json:"measure_id,omitempty" format:"uuid" doc:"The measure concerned; a newly linked measure must not be archived."`
	DepartmentID   string `json:"department_id" format:"uuid" doc:"The department concerned."`
}

func (in findingInputJSON) input() service.FindingInput {
	return service.FindingInput{Type: hikeshi.FindingType(in.Type), Description: in.Description, Requirement: in.Requirement, DepartmentID: in.DepartmentID,
		FrameworkKey: in.FrameworkKey, RequirementRef: in.RequirementRef, MeasureID: in.MeasureID}
}

func (h *Handler) listFindings(c *call) error {
	p, err := c.page("findings", validID)
	if err != nil {
		return err
	}
	audit := c.param("audit_id")
	if audit != "" && !validID(audit) {
		return fieldError("audit_id", "invalid", "audit_id must be a UUID.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.FindingView, error) {
		return h.svc.Checks.Findings(c.ctx(), c.actor, audit, hikeshi.Page{After: after, Limit: n})
	}, func(v service.FindingView) string { return v.Finding.ID })
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]findingJSON, len(items))
	for i, v := range items {
		out[i] = toFinding(v, now)
	}
	return writePage(c, "findings", out, next)
}

func (h *Handler) createFinding(c *call) error {
	var in findingInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	f, err := h.svc.Checks.CreateFinding(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	v, err := h.svc.Checks.Finding(c.ctx(), c.actor, f.ID)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/findings/"+f.ID, toFinding(v, time.Now()))
}

func (h *Handler) getFinding(c *call) error {
	v, err := h.svc.Checks.Finding(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toFinding(v, time.Now()))
}

func (h *Handler) deleteFinding(c *call) error {
	if err := h.svc.Checks.DeleteFinding(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) putFinding(c *call) error {
	var in findingInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.UpdateFinding(c.ctx(), c.actor, c.r.PathValue("id"), in.input()); err != nil {
		return err
	}
	return h.getFinding(c)
}

// ---- corrective actions ----

type effectivenessCheckJSON struct {
	Result    string    `json:"result" enum:"effectiveness_result"`
	Note      string    `json:"note" doc:"The evidence."`
	CheckedBy *string   `json:"checked_by" format:"uuid"`
	CheckedAt time.Time `json:"checked_at"`
}

type actionJSON struct {
	ID           string                  `json:"id" format:"uuid"`
	SourceKind   string                  `json:"source_kind" enum:"action_source_kind"`
	SourceID     string                  `json:"source_id" format:"uuid"`
	Title        string                  `json:"title"`
	RootCause    string                  `json:"root_cause"`
	Action       string                  `json:"action"`
	DepartmentID string                  `json:"department_id" format:"uuid" doc:"The owner department."`
	OwnerID      *string                 `json:"owner_id" format:"uuid"`
	DueDate      string                  `json:"due_date" format:"date"`
	Overdue      bool                    `json:"overdue" doc:"Not yet implemented after its due date (UTC), at the time of the request."`
	Status       string                  `json:"status" enum:"action_status"`
	Check        *effectivenessCheckJSON `json:"effectiveness_check" doc:"The last effectiveness check; null until one is recorded and after rework."`
	CreatedAt    time.Time               `json:"created_at"`
	UpdatedAt    time.Time               `json:"updated_at"`
	ClosedAt     *time.Time              `json:"closed_at"`
	Allowed      []string                `json:"allowed" doc:"The statuses the caller may move the action to now."`
	CanCheck     bool                    `json:"can_check" doc:"Whether the caller may record the effectiveness check now."`
}

func toAction(v service.ActionView, now time.Time) actionJSON {
	a := v.Action
	out := actionJSON{ID: a.ID, SourceKind: string(a.SourceKind), SourceID: a.SourceID, Title: a.Title, RootCause: a.RootCause, Action: a.Action,
		DepartmentID: a.DepartmentID, OwnerID: strPtr(a.OwnerID), DueDate: a.DueDate, Overdue: a.Overdue(now.UTC()), Status: string(a.Status),
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(), ClosedAt: timePtr(a.ClosedAt), Allowed: stringsOf(v.Allowed), CanCheck: v.CanCheck}
	if out.Allowed == nil {
		out.Allowed = []string{}
	}
	if a.CheckResult != "" {
		out.Check = &effectivenessCheckJSON{Result: string(a.CheckResult), Note: a.CheckNote, CheckedBy: strPtr(a.CheckedBy), CheckedAt: a.CheckedAt.UTC()}
	}
	return out
}

type actionInputJSON struct {
	Title        string `json:"title"`
	RootCause    string `json:"root_cause,omitempty"`
	Action       string `json:"action"`
	DepartmentID string `json:"department_id" format:"uuid" doc:"The owner department."`
	OwnerID      string `json:"owner_id,omitempty" format:"uuid" doc:"An active member of the owner department; absent: the department as a whole."`
	DueDate      string `json:"due_date" format:"date"`
}

type actionCreateJSON struct {
	SourceKind   string `json:"source_kind" enum:"action_source_kind" doc:"finding (lessons and management reviews open theirs from their own operations)."`
	SourceID     string `json:"source_id" format:"uuid"`
	Title        string `json:"title"`
	RootCause    string `json:"root_cause,omitempty"`
	Action       string `json:"action"`
	DepartmentID string `json:"department_id" format:"uuid" doc:"The owner department."`
	OwnerID      string `json:"owner_id,omitempty" format:"uuid"`
	DueDate      string `json:"due_date" format:"date"`
}

type actionStatusJSON struct {
	Status string `json:"status" enum:"action_status"`
}

type effectivenessJSON struct {
	Result string `json:"result" enum:"effectiveness_result"`
	Note   string `json:"note" doc:"The evidence the check rests on; required."`
}

// actionMoveProblem turns a refused move into a 422 on status.
func actionMoveProblem(err error, field string) error {
	var me *hikeshi.ActionMoveError
	if errors.As(err, &me) {
		return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: field, Code: me.Code, Message: me.Reason}}}
	}
	return err
}

func (h *Handler) listActions(c *call) error {
	p, err := c.page("actions", validID)
	if err != nil {
		return err
	}
	now := time.Now()
	var f hikeshi.ActionFilter
	switch c.param("overdue") {
	case "", "false":
	case "true":
		f.OverdueOn = now.UTC().Format(hikeshi.DateLayout)
	default:
		return fieldError("overdue", "invalid", "overdue must be true or false.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.ActionView, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Checks.ListActions(c.ctx(), c.actor, f)
	}, func(v service.ActionView) string { return v.Action.ID })
	if err != nil {
		return err
	}
	out := make([]actionJSON, len(items))
	for i, v := range items {
		out[i] = toAction(v, now)
	}
	return writePage(c, "actions", out, next)
}

func (h *Handler) createAction(c *call) error {
	var in actionCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	a, err := h.svc.Checks.CreateAction(c.ctx(), c.actor, service.ActionInput{SourceKind: hikeshi.ActionSourceKind(in.SourceKind), SourceID: in.SourceID,
		Title: in.Title, RootCause: in.RootCause, Action: in.Action, DepartmentID: in.DepartmentID, OwnerID: in.OwnerID, DueDate: in.DueDate})
	if err != nil {
		return err
	}
	v, err := h.svc.Checks.Action(c.ctx(), c.actor, a.ID)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/actions/"+a.ID, toAction(v, time.Now()))
}

func (h *Handler) getAction(c *call) error {
	v, err := h.svc.Checks.Action(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAction(v, time.Now()))
}

func (h *Handler) putAction(c *call) error {
	var in actionInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.UpdateAction(c.ctx(), c.actor, c.r.PathValue("id"), service.ActionPatch{Title: &in.Title, RootCause: &in.RootCause,
		Action: &in.Action, DepartmentID: &in.DepartmentID, OwnerID: &in.OwnerID, DueDate: &in.DueDate}); err != nil {
		return err
	}
	return h.getAction(c)
}

func (h *Handler) setActionStatus(c *call) error {
	var in actionStatusJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.SetActionStatus(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.ActionStatus(in.Status)); err != nil {
		return actionMoveProblem(err, "status")
	}
	return h.getAction(c)
}

func (h *Handler) checkAction(c *call) error {
	var in effectivenessJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.RecordEffectiveness(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.EffectivenessResult(in.Result), in.Note); err != nil {
		return actionMoveProblem(err, "status")
	}
	return h.getAction(c)
}

type actionReminderJSON struct {
	ID          string    `json:"id" format:"uuid"`
	ActionID    string    `json:"action_id" format:"uuid"`
	ActionTitle string    `json:"action_title"`
	DueDate     string    `json:"due_date" format:"date" doc:"The due date that passed."`
	CreatedAt   time.Time `json:"created_at"`
}

func (h *Handler) listActionReminders(c *call) error {
	es, err := h.svc.Checks.ActionReminders(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := make([]actionReminderJSON, len(es))
	for i, e := range es {
		out[i] = actionReminderJSON{ID: e.Reminder.ID, ActionID: e.Action.ID, ActionTitle: e.Action.Title, DueDate: e.Reminder.DueDate,
			CreatedAt: e.Reminder.CreatedAt.UTC()}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) dismissActionReminder(c *call) error {
	if err := h.svc.Checks.DismissActionReminder(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

// ---- metrics ----

type metricValueJSON struct {
	ID         string    `json:"id" format:"uuid"`
	Period     string    `json:"period" format:"date"`
	Value      string    `json:"value" doc:"A decimal number, as a string so that it keeps its digits."`
	Note       string    `json:"note"`
	RecordedBy *string   `json:"recorded_by" format:"uuid"`
	RecordedAt time.Time `json:"recorded_at"`
}

type metricJSON struct {
	ID           string            `json:"id" format:"uuid"`
	Name         string            `json:"name"`
	MeasureRef   string            `json:"measure_ref" doc:"A free-text reference, e.g. A.8.8."`
	MeasureID    *string           `json:"measure_id" format:"uuid" doc:"The measure the metric watches; null without a link."`
	ArchivedAt   *time.Time        `json:"archived_at" doc:"When the metric was archived; null while in use. Archived metrics take no new values."`
	Unit         string            `json:"unit"`
	Target       string            `json:"target" doc:"A decimal number."`
	Comparison   string            `json:"comparison" enum:"metric_comparison" doc:"ge: the value meets the target when ≥ it; le: when ≤ it."`
	Frequency    string            `json:"frequency" enum:"metric_frequency"`
	DepartmentID string            `json:"department_id" format:"uuid" doc:"The owner department."`
	Latest       *metricValueJSON  `json:"latest" doc:"The value of the latest period; null before the first."`
	Met          *bool             `json:"met" doc:"Whether the latest value meets the target; null before the first value."`
	Values       []metricValueJSON `json:"values" doc:"Recorded values, most recently recorded first (single reads; empty in lists)."`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

func toValue(v hikeshi.MetricValue) metricValueJSON {
	return metricValueJSON{ID: v.ID, Period: v.Period, Value: v.Value, Note: v.Note, RecordedBy: strPtr(v.RecordedBy), RecordedAt: v.RecordedAt.UTC()}
}

func toMetric(v service.MetricView) metricJSON {
	m := v.Metric
	out := metricJSON{ID: m.ID, Name: m.Name, MeasureRef: m.MeasureRef, Unit: m.Unit, Target: m.Target, Comparison: string(m.Comparison),
		Frequency: string(m.Frequency), DepartmentID: m.DepartmentID, Values: []metricValueJSON{}, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		MeasureID: strPtr(m.MeasureID), ArchivedAt: timePtr(m.ArchivedAt)}
	if v.Latest != nil {
		l, met := toValue(*v.Latest), v.Met
		out.Latest, out.Met = &l, &met
	}
	for _, x := range v.Values {
		out.Values = append(out.Values, toValue(x))
	}
	return out
}

type metricInputJSON struct {
	Name         string `json:"name"`
	MeasureRef   string `json:"measure_ref,omitempty" doc:"A free-text reference, at most 100 characters."`
	MeasureID    string `json:"measure_id,omitempty" format:"uuid" doc:"The measure the metric watches; a newly linked measure must not be archived."`
	Unit         string `json:"unit,omitempty"`
	Target       string `json:"target" doc:"A decimal number such as 95 or 99.5."`
	Comparison   string `json:"comparison" enum:"metric_comparison"`
	Frequency    string `json:"frequency" enum:"metric_frequency"`
	DepartmentID string `json:"department_id" format:"uuid"`
}

func (in metricInputJSON) input() service.MetricInput {
	return service.MetricInput{Name: in.Name, MeasureRef: in.MeasureRef, MeasureID: in.MeasureID, Unit: in.Unit, Target: in.Target,
		Comparison: hikeshi.Comparison(in.Comparison), Frequency: hikeshi.Frequency(in.Frequency), DepartmentID: in.DepartmentID}
}

type valueInputJSON struct {
	Period string `json:"period" format:"date" doc:"The date the value is for."`
	Value  string `json:"value" doc:"A decimal number."`
	Note   string `json:"note,omitempty"`
}

func (h *Handler) listMetrics(c *call) error {
	p, err := c.page("metrics", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.MetricView, error) {
		return h.svc.Checks.Metrics(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(v service.MetricView) string { return v.Metric.ID })
	if err != nil {
		return err
	}
	out := make([]metricJSON, len(items))
	for i, v := range items {
		out[i] = toMetric(v)
	}
	return writePage(c, "metrics", out, next)
}

func (h *Handler) createMetric(c *call) error {
	var in metricInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Checks.CreateMetric(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	v, err := h.svc.Checks.Metric(c.ctx(), c.actor, m.ID)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/metrics/"+m.ID, toMetric(v))
}

func (h *Handler) getMetric(c *call) error {
	v, err := h.svc.Checks.Metric(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toMetric(v))
}

func (h *Handler) putMetric(c *call) error {
	var in metricInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Checks.UpdateMetric(c.ctx(), c.actor, c.r.PathValue("id"), in.input()); err != nil {
		return err
	}
	return h.getMetric(c)
}

func (h *Handler) deleteMetric(c *call) error {
	if err := h.svc.Checks.DeleteMetric(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) archiveMetric(c *call) error {
	if _, err := h.svc.Checks.SetMetricArchived(c.ctx(), c.actor, c.r.PathValue("id"), true); err != nil {
		return err
	}
	return h.getMetric(c)
}

func (h *Handler) restoreMetric(c *call) error {
	if _, err := h.svc.Checks.SetMetricArchived(c.ctx(), c.actor, c.r.PathValue("id"), false); err != nil {
		return err
	}
	return h.getMetric(c)
}

func (h *Handler) recordValue(c *call) error {
	var in valueInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	if _, err := h.svc.Checks.RecordValue(c.ctx(), c.actor, id, service.ValueInput{Period: in.Period, Value: in.Value, Note: in.Note}); err != nil {
		return err
	}
	v, err := h.svc.Checks.Metric(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/metrics/"+id, toMetric(v))
}
