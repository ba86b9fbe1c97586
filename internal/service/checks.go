package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Checks is the ISMS's IS-4: metrics, the internal audit programme, findings
// and corrective actions (ISO/IEC 27001:2022 clauses 9.1, 9.2, 10.2).
//
// Who does what (docs/decisions/0025-internal-audit.md):
//   - every signed-in role reads all of it (members too: the check area is
//     the organisation's shared management system and carries no TLP);
//   - admins and managers ("planners") write programmes, plan audits, name
//     auditors, write metrics, close audits, check effectiveness and close
//     corrective actions;
//   - the users named as an audit's auditors record its findings, start it
//     and report it. The auditor role stays read-only everywhere (it is for
//     those who inspect the ISMS, such as certification auditors): a user of
//     that role cannot be named, so no exception to Actor.ReadOnly exists;
//   - the owner department's members (and the named owner) work their
//     corrective actions and record their metrics' values;
//   - admins change everything.
type Checks struct {
	base
	improvements *Improvements // opens waiting improvements when an internal audit is reported (IN-1)
}

// canPlan reports whether the actor plans audits and judges actions.
func canPlan(a hikeshi.Actor) bool {
	return a.IsSystem() || a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager
}

// readCheck refuses anonymous callers.
func readCheck(a hikeshi.Actor, what string) error {
	if a.UserID == "" && !a.IsSystem() {
		return fmt.Errorf("%s: %w", what, hikeshi.ErrUnauthenticated)
	}
	return nil
}

// inDept reports whether a writing actor belongs to the department.
func inDept(a hikeshi.Actor, deptID string) bool {
	return !a.ReadOnly() && a.DepartmentID != "" && a.DepartmentID == deptID
}

// ---- Audit programmes ----

// ProgrammeInput is an audit programme as typed.
type ProgrammeInput struct {
	Year        int
	Title       string
	PeriodStart string
	PeriodEnd   string
	Objectives  string
	// DepartmentID is the unit that owns the programme; "" on creation
	// leaves it to the organisation's pattern (internal audit), on a
	// change keeps the current one.
	DepartmentID string
}

type programmeAudit struct {
	ID           string `json:"id"`
	Year         int    `json:"year"`
	DepartmentID string `json:"department_id,omitempty"`
}

// Programmes lists audit programmes, newest first.
func (s *Checks) Programmes(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]hikeshi.AuditProgramme, error) {
	if err := readCheck(actor, "list audit programmes"); err != nil {
		return nil, err
	}
	return s.st.FindAuditProgrammes(ctx, p)
}

// Programme returns one audit programme.
func (s *Checks) Programme(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AuditProgramme, error) {
	if err := readCheck(actor, "get audit programme"); err != nil {
		return hikeshi.AuditProgramme{}, err
	}
	p, err := s.st.FindAuditProgrammeByID(ctx, id)
	if err != nil {
		return hikeshi.AuditProgramme{}, fmt.Errorf("get audit programme: %w", err)
	}
	return p, nil
}

func trimProgramme(p *hikeshi.AuditProgramme, in ProgrammeInput) {
	p.Year, p.Title, p.PeriodStart, p.PeriodEnd, p.Objectives = in.Year, strings.TrimSpace(in.Title), strings.TrimSpace(in.PeriodStart),
		strings.TrimSpace(in.PeriodEnd), strings.TrimSpace(in.Objectives)
}

// CreateProgramme writes a year's audit programme (admins, managers). One per year.
func (s *Checks) CreateProgramme(ctx context.Context, actor hikeshi.Actor, in ProgrammeInput) (hikeshi.AuditProgramme, error) {
	if !canPlan(actor) {
		return hikeshi.AuditProgramme{}, forbid("write an audit programme")
	}
	now := s.clock.Now()
	p := hikeshi.AuditProgramme{ID: hikeshi.NewID(), CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	trimProgramme(&p, in)
	if err := p.Validate(); err != nil {
		return hikeshi.AuditProgramme{}, err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var err error
		if p.DepartmentID, p.RoutedActivity, err = placeISMS(ctx, tx, "department_id", in.DepartmentID, hikeshi.ActivityInternalAudit); err != nil {
			return err
		}
		if err := tx.CreateAuditProgramme(ctx, p); err != nil {
			if errors.Is(err, hikeshi.ErrConflict) {
				return hikeshi.Conflict("year", "this year already has an audit programme")
			}
			return err
		}
		if err := s.audit(ctx, tx, actor, "audit_programme.create", "audit_programme", p.ID, nil, programmeAudit{p.ID, p.Year, p.DepartmentID}); err != nil {
			return err
		}
		if p.RoutedActivity != "" {
			return s.audit(ctx, tx, actor, "pattern.route", hikeshi.RoutedProgramme, p.ID, nil,
				map[string]any{"department_id": p.DepartmentID, "activity": p.RoutedActivity})
		}
		return nil
	})
	if err != nil {
		return hikeshi.AuditProgramme{}, fmt.Errorf("create audit programme: %w", err)
	}
	return p, nil
}

// UpdateProgramme rewrites an audit programme (admins, managers).
func (s *Checks) UpdateProgramme(ctx context.Context, actor hikeshi.Actor, id string, in ProgrammeInput) (hikeshi.AuditProgramme, error) {
	if !canPlan(actor) {
		return hikeshi.AuditProgramme{}, forbid("change an audit programme")
	}
	var out hikeshi.AuditProgramme
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindAuditProgrammeByID(ctx, id)
		if err != nil {
			return err
		}
		p := before
		trimProgramme(&p, in)
		if err := p.Validate(); err != nil {
			return err
		}
		if p.DepartmentID, p.RoutedActivity, err = replaceISMS(ctx, tx, "department_id", in.DepartmentID, before.DepartmentID, before.RoutedActivity); err != nil {
			return err
		}
		p.UpdatedAt = s.clock.Now()
		if err := tx.UpdateAuditProgramme(ctx, p); err != nil {
			if errors.Is(err, hikeshi.ErrConflict) {
				return hikeshi.Conflict("year", "this year already has an audit programme")
			}
			return err
		}
		out = p
		return s.audit(ctx, tx, actor, "audit_programme.update", "audit_programme", p.ID, programmeAudit{before.ID, before.Year, before.DepartmentID},
			programmeAudit{p.ID, p.Year, p.DepartmentID})
	})
	if err != nil {
		return hikeshi.AuditProgramme{}, fmt.Errorf("update audit programme: %w", err)
	}
	return out, nil
}

// ---- Internal audits ----

// AuditInput is an internal audit as planned.
type AuditInput struct {
	Title         string
	Scope         string
	DepartmentIDs []string
	Criteria      string
	PlannedStart  string
	PlannedEnd    string
	AuditorIDs    []string
}

// AuditView is an internal audit with names and what the viewer may do.
type AuditView struct {
	Audit       hikeshi.InternalAudit
	Programme   hikeshi.AuditProgramme
	Departments []hikeshi.Department // the departments audited
	Auditors    []hikeshi.User       // the named auditors
	CanPlan     bool                 // may edit the plan and close
	CanRecord   bool                 // may record findings now
	Allowed     []hikeshi.AuditStatus
	// Unanswered counts nonconformities without a corrective action: the
	// audit does not close while it is above zero.
	Unanswered int
}

type internalAuditAudit struct {
	ID            string   `json:"id"`
	ProgrammeID   string   `json:"programme_id"`
	DepartmentIDs []string `json:"department_ids"`
	AuditorIDs    []string `json:"auditor_ids"`
	Status        string   `json:"status"`
}

func auditOfInternalAudit(a hikeshi.InternalAudit) internalAuditAudit {
	return internalAuditAudit{ID: a.ID, ProgrammeID: a.ProgrammeID, DepartmentIDs: a.DepartmentIDs, AuditorIDs: a.AuditorIDs, Status: string(a.Status)}
}

// Audits lists internal audits newest first, of one programme or all.
func (s *Checks) Audits(ctx context.Context, actor hikeshi.Actor, programmeID string, p hikeshi.Page) ([]hikeshi.InternalAudit, error) {
	if err := readCheck(actor, "list internal audits"); err != nil {
		return nil, err
	}
	return s.st.FindInternalAudits(ctx, programmeID, p)
}

// Audit returns one internal audit with what the actor may do.
func (s *Checks) Audit(ctx context.Context, actor hikeshi.Actor, id string) (AuditView, error) {
	if err := readCheck(actor, "get internal audit"); err != nil {
		return AuditView{}, err
	}
	a, err := s.st.FindInternalAuditByID(ctx, id)
	if err != nil {
		return AuditView{}, fmt.Errorf("get internal audit: %w", err)
	}
	v := AuditView{Audit: a, CanPlan: canPlan(actor)}
	if v.Programme, err = s.st.FindAuditProgrammeByID(ctx, a.ProgrammeID); err != nil {
		return AuditView{}, fmt.Errorf("get internal audit: %w", err)
	}
	for _, d := range a.DepartmentIDs {
		if dep, err := s.st.FindDepartmentByID(ctx, d); err == nil {
			v.Departments = append(v.Departments, dep)
		}
	}
	for _, u := range a.AuditorIDs {
		if us, err := s.st.FindUserByID(ctx, u); err == nil {
			v.Auditors = append(v.Auditors, us)
		}
	}
	auditor := recordsFindings(actor, a)
	v.CanRecord = auditor && a.Status == hikeshi.AuditInProgress
	for _, to := range hikeshi.AuditStatuses {
		if hikeshi.CanMoveAudit(a.Status, to) && (v.CanPlan || (auditor && to != hikeshi.AuditClosed)) {
			v.Allowed = append(v.Allowed, to)
		}
	}
	if v.Unanswered, err = s.unanswered(ctx, s.st, a.ID); err != nil {
		return AuditView{}, fmt.Errorf("get internal audit: %w", err)
	}
	return v, nil
}

// recordsFindings reports whether the actor records the audit's findings:
// its named auditors, and admins.
func recordsFindings(a hikeshi.Actor, au hikeshi.InternalAudit) bool {
	if a.ReadOnly() {
		return false
	}
	return a.IsSystem() || a.Role == hikeshi.RoleAdmin || au.HasAuditor(a.UserID)
}

// unanswered counts an audit's nonconformities that have no corrective action.
func (s *Checks) unanswered(ctx context.Context, r hikeshi.Reader, auditID string) (int, error) {
	n, p := 0, hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for {
		fs, err := r.FindFindings(ctx, auditID, p)
		if err != nil {
			return 0, err
		}
		for _, f := range fs {
			if !f.Type.Nonconformity() {
				continue
			}
			as, err := r.FindCorrectiveActions(ctx, hikeshi.SourceFinding, f.ID, hikeshi.Page{Limit: 1})
			if err != nil {
				return 0, err
			}
			if len(as) == 0 {
				n++
			}
		}
		if len(fs) < p.Limit {
			return n, nil
		}
		p.After = fs[len(fs)-1].ID
	}
}

// validateAuditRefs checks the departments and auditors of an audit against
// the organisation, and the impartiality of clause 9.2: no auditor audits
// their own department.
func validateAuditRefs(ctx context.Context, r hikeshi.Reader, a hikeshi.InternalAudit) error {
	var v hikeshi.ValidationError
	depts := map[string]hikeshi.Department{}
	for _, id := range a.DepartmentIDs {
		d, err := r.FindDepartmentByID(ctx, id)
		if errors.Is(err, hikeshi.ErrNotFound) {
			v.Add("department_ids", "unknown", "no such department")
			break
		} else if err != nil {
			return err
		}
		depts[id] = d
	}
	for _, id := range a.AuditorIDs {
		u, err := r.FindUserByID(ctx, id)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add("auditor_ids", "unknown", "no such user")
		case err != nil:
			return err
		case !u.Active():
			v.Add("auditor_ids", "disabled", u.Name+"'s account is disabled")
		case u.Role == hikeshi.RoleAuditor:
			v.Add("auditor_ids", "read_only", u.Name+" has the read-only auditor role; internal auditors record findings, so name someone of another role")
		default:
			if d, own := depts[u.DepartmentID]; own {
				v.Add("auditor_ids", "own_department", fmt.Sprintf(
					"%s belongs to %s, which this audit covers: an auditor must not audit their own department (ISO/IEC 27001 clause 9.2, impartiality)",
					u.Name, d.Name))
			}
		}
		if len(v.Fields) > 0 && v.Fields[len(v.Fields)-1].Field == "auditor_ids" {
			break
		}
	}
	return v.Err()
}

// cleanIDs trims, drops empties and duplicates, keeping the order.
func cleanIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(out, id) && !strings.ContainsAny(id, " \t\r\n") {
			out = append(out, id)
		}
	}
	return out
}

func applyAuditInput(a *hikeshi.InternalAudit, in AuditInput) {
	a.Title, a.Scope, a.Criteria = strings.TrimSpace(in.Title), strings.TrimSpace(in.Scope), strings.TrimSpace(in.Criteria)
	a.PlannedStart, a.PlannedEnd = strings.TrimSpace(in.PlannedStart), strings.TrimSpace(in.PlannedEnd)
	a.DepartmentIDs, a.AuditorIDs = cleanIDs(in.DepartmentIDs), cleanIDs(in.AuditorIDs)
}

// CreateAudit plans an internal audit in a programme (admins, managers).
func (s *Checks) CreateAudit(ctx context.Context, actor hikeshi.Actor, programmeID string, in AuditInput) (hikeshi.InternalAudit, error) {
	if !canPlan(actor) {
		return hikeshi.InternalAudit{}, forbid("plan an internal audit")
	}
	var out hikeshi.InternalAudit
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if _, err := tx.FindAuditProgrammeByID(ctx, programmeID); err != nil {
			return err
		}
		now := s.clock.Now()
		a := hikeshi.InternalAudit{ID: hikeshi.NewID(), ProgrammeID: programmeID, Status: hikeshi.AuditPlanned, CreatedBy: actor.UserID,
			CreatedAt: now, UpdatedAt: now}
		applyAuditInput(&a, in)
		if err := a.Validate(); err != nil {
			return err
		}
		if err := validateAuditRefs(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.CreateInternalAudit(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "internal_audit.create", "internal_audit", a.ID, nil, auditOfInternalAudit(a))
	})
	if err != nil {
		return hikeshi.InternalAudit{}, fmt.Errorf("create internal audit: %w", err)
	}
	return out, nil
}

// UpdateAudit changes an audit's plan (admins, managers) until it closes.
func (s *Checks) UpdateAudit(ctx context.Context, actor hikeshi.Actor, id string, in AuditInput) (hikeshi.InternalAudit, error) {
	if !canPlan(actor) {
		return hikeshi.InternalAudit{}, forbid("change an internal audit")
	}
	var out hikeshi.InternalAudit
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindInternalAuditByID(ctx, id)
		if err != nil {
			return err
		}
		if before.Status == hikeshi.AuditClosed {
			return hikeshi.Conflict("status", "the audit is closed")
		}
		a := before
		applyAuditInput(&a, in)
		if err := a.Validate(); err != nil {
			return err
		}
		if err := validateAuditRefs(ctx, tx, a); err != nil {
			return err
		}
		a.UpdatedAt = s.clock.Now()
		if err := tx.UpdateInternalAudit(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "internal_audit.update", "internal_audit", a.ID, auditOfInternalAudit(before), auditOfInternalAudit(a))
	})
	if err != nil {
		return hikeshi.InternalAudit{}, fmt.Errorf("update internal audit: %w", err)
	}
	return out, nil
}

// SetAuditStatus moves an audit along planned → in_progress → reported →
// closed (one step back is allowed before closing). Its named auditors and
// the planners start and report it; reporting needs the report summary
// (given here or already written). Only planners close, and only when every
// nonconformity has a corrective action.
func (s *Checks) SetAuditStatus(ctx context.Context, actor hikeshi.Actor, id string, to hikeshi.AuditStatus, report string) (hikeshi.InternalAudit, error) {
	report = strings.TrimSpace(report)
	var out hikeshi.InternalAudit
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindInternalAuditByID(ctx, id)
		if err != nil {
			return err
		}
		planner, auditor := canPlan(actor), recordsFindings(actor, before)
		if !planner && !auditor {
			return forbid("change an internal audit's status")
		}
		if !to.Valid() {
			return hikeshi.Invalid("status", "unknown", "status must be planned, in_progress, reported or closed")
		}
		if !hikeshi.CanMoveAudit(before.Status, to) {
			return hikeshi.Invalid("status", "not_allowed", fmt.Sprintf("an audit does not move from %s to %s", before.Status, to))
		}
		if to == hikeshi.AuditClosed && !planner {
			return forbid("close an internal audit")
		}
		a := before
		if report != "" {
			a.Report = report
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "report", a.Report, hikeshi.MaxCheckTextLen, to == hikeshi.AuditReported)
		if err := v.Err(); err != nil {
			return err
		}
		if to == hikeshi.AuditClosed {
			n, err := s.unanswered(ctx, tx, a.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return hikeshi.Invalid("status", "actions_missing", fmt.Sprintf(
					"%d nonconformities have no corrective action yet; every nonconformity needs one before the audit closes", n))
			}
		}
		a.Status, a.UpdatedAt = to, s.clock.Now()
		if err := tx.UpdateInternalAudit(ctx, a); err != nil {
			return err
		}
		if to == hikeshi.AuditReported { // IN-1: improvements waiting for an audit open now
			if err := s.improvements.release(ctx, tx, actor, hikeshi.ReleasedByInternalAudit); err != nil {
				return err
			}
		}
		out = a
		return s.audit(ctx, tx, actor, "internal_audit.status", "internal_audit", a.ID, auditOfInternalAudit(before), auditOfInternalAudit(a))
	})
	if err != nil {
		return hikeshi.InternalAudit{}, fmt.Errorf("set internal audit status: %w", err)
	}
	return out, nil
}

// ---- Findings ----

// FindingInput is a finding as recorded.
type FindingInput struct {
	Type         hikeshi.FindingType
	Description  string
	Requirement  string // a free-text note
	DepartmentID string
	// FrameworkKey and RequirementRef link a framework requirement (both or neither).
	FrameworkKey   string
	RequirementRef string
	MeasureID      string // the measure concerned, "" = none
}

func applyFindingInput(f *hikeshi.Finding, in FindingInput) {
	f.Type, f.Description, f.Requirement, f.DepartmentID = in.Type, strings.TrimSpace(in.Description), strings.TrimSpace(in.Requirement), in.DepartmentID
	f.RequirementRef = hikeshi.RequirementRef{FrameworkKey: strings.TrimSpace(in.FrameworkKey), Ref: strings.TrimSpace(in.RequirementRef)}
	f.MeasureID = strings.TrimSpace(in.MeasureID)
}

// FindingView is a finding with names and its corrective actions.
type FindingView struct {
	Finding        hikeshi.Finding
	Audit          hikeshi.InternalAudit
	DepartmentName string
	Actions        []hikeshi.CorrectiveAction
	// NeedsAction: a nonconformity without a corrective action yet.
	NeedsAction bool
	CanEdit     bool // may correct or delete it
	CanAddAct   bool // may create a corrective action for it
	// Measure is the linked measure (nil without one); Requirement the
	// linked requirement's title when it is known.
	Measure           *hikeshi.Measure
	LinkedRequirement *hikeshi.Requirement
}

type findingAudit struct {
	ID             string `json:"id"`
	AuditID        string `json:"audit_id"`
	Type           string `json:"type"`
	FrameworkKey   string `json:"framework_key,omitempty"`
	RequirementRef string `json:"requirement_ref,omitempty"`
	MeasureID      string `json:"measure_id,omitempty"`
	DepartmentID   string `json:"department_id"`
}

// auditOfFinding keeps ids and references, never the words (the free-text
// requirement note included).
func auditOfFinding(f hikeshi.Finding) findingAudit {
	return findingAudit{f.ID, f.AuditID, string(f.Type), f.RequirementRef.FrameworkKey, f.RequirementRef.Ref, f.MeasureID, f.DepartmentID}
}

// Findings lists findings newest first, of one audit or all.
func (s *Checks) Findings(ctx context.Context, actor hikeshi.Actor, auditID string, p hikeshi.Page) ([]FindingView, error) {
	if err := readCheck(actor, "list findings"); err != nil {
		return nil, err
	}
	fs, err := s.st.FindFindings(ctx, auditID, p)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	audits := map[string]hikeshi.InternalAudit{}
	out := make([]FindingView, 0, len(fs))
	for _, f := range fs {
		v, err := s.findingView(ctx, actor, f, audits)
		if err != nil {
			return nil, fmt.Errorf("list findings: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Finding returns one finding with its corrective actions.
func (s *Checks) Finding(ctx context.Context, actor hikeshi.Actor, id string) (FindingView, error) {
	if err := readCheck(actor, "get finding"); err != nil {
		return FindingView{}, err
	}
	f, err := s.st.FindFindingByID(ctx, id)
	if err != nil {
		return FindingView{}, fmt.Errorf("get finding: %w", err)
	}
	v, err := s.findingView(ctx, actor, f, map[string]hikeshi.InternalAudit{})
	if err != nil {
		return FindingView{}, fmt.Errorf("get finding: %w", err)
	}
	return v, nil
}

func (s *Checks) findingView(ctx context.Context, actor hikeshi.Actor, f hikeshi.Finding, audits map[string]hikeshi.InternalAudit) (FindingView, error) {
	a, ok := audits[f.AuditID]
	if !ok {
		var err error
		if a, err = s.st.FindInternalAuditByID(ctx, f.AuditID); err != nil {
			return FindingView{}, err
		}
		audits[f.AuditID] = a
	}
	v := FindingView{Finding: f, Audit: a}
	if d, err := s.st.FindDepartmentByID(ctx, f.DepartmentID); err == nil {
		v.DepartmentName = d.Name
	}
	as, err := s.st.FindCorrectiveActions(ctx, hikeshi.SourceFinding, f.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return FindingView{}, err
	}
	v.Actions = as
	if v.Measure, err = s.linkedMeasure(ctx, f.MeasureID); err != nil {
		return FindingView{}, err
	}
	if f.RequirementRef.Ref != "" {
		q, found, err := findRequirement(ctx, s.st, f.RequirementRef)
		if err != nil {
			return FindingView{}, err
		}
		if found {
			v.LinkedRequirement = &q
		}
	}
	v.NeedsAction = f.Type.Nonconformity() && len(as) == 0
	v.CanEdit = recordsFindings(actor, a) && (a.Status == hikeshi.AuditInProgress || a.Status == hikeshi.AuditReported)
	v.CanAddAct = canAddAction(actor, a, f)
	return v, nil
}

// canAddAction: planners, the audit's auditors and the members of the
// department concerned create corrective actions for a finding.
func canAddAction(actor hikeshi.Actor, a hikeshi.InternalAudit, f hikeshi.Finding) bool {
	return canPlan(actor) || recordsFindings(actor, a) || inDept(actor, f.DepartmentID)
}

// validateFindingRefs checks the department, the measure and the
// requirement a finding names; before is the finding as it was (zero when
// new): a link kept as it was is not checked again for archiving.
func (s *Checks) validateFindingRefs(ctx context.Context, r hikeshi.Reader, f, before hikeshi.Finding) error {
	var v hikeshi.ValidationError
	if _, err := r.FindDepartmentByID(ctx, f.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
		v.Add("department_id", "unknown", "no such department")
	} else if err != nil {
		return err
	}
	if err := checkMeasureLink(ctx, r, &v, f.MeasureID, before.MeasureID); err != nil {
		return err
	}
	if f.RequirementRef.Ref != "" && f.RequirementRef != before.RequirementRef {
		_, found, err := findRequirement(ctx, r, f.RequirementRef)
		switch {
		case err != nil:
			return err
		case !found:
			v.Add("requirement_ref", "unknown_requirement", "the framework has no such requirement")
		case f.RequirementRef.FrameworkKey != hikeshi.ISO27001Key:
			fw, err := r.FindFramework(ctx, f.RequirementRef.FrameworkKey)
			if err != nil {
				return err
			}
			if fw.Archived {
				v.Add("framework_key", "archived", "the framework is archived; link a requirement of one in use")
			}
		}
	}
	return v.Err()
}

// CreateFinding records a finding on an audit in progress (its named auditors, admins).
func (s *Checks) CreateFinding(ctx context.Context, actor hikeshi.Actor, auditID string, in FindingInput) (hikeshi.Finding, error) {
	var out hikeshi.Finding
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := tx.FindInternalAuditByID(ctx, auditID)
		if err != nil {
			return err
		}
		if !recordsFindings(actor, a) {
			return forbid("record a finding (only the audit's named auditors do)")
		}
		if a.Status != hikeshi.AuditInProgress {
			return hikeshi.Invalid("status", "not_in_progress", "findings are recorded while the audit is in progress; start it first")
		}
		now := s.clock.Now()
		f := hikeshi.Finding{ID: hikeshi.NewID(), AuditID: a.ID, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		applyFindingInput(&f, in)
		if err := f.Validate(); err != nil {
			return err
		}
		if err := s.validateFindingRefs(ctx, tx, f, hikeshi.Finding{}); err != nil {
			return err
		}
		if err := tx.CreateFinding(ctx, f); err != nil {
			return err
		}
		out = f
		return s.audit(ctx, tx, actor, "finding.create", "finding", f.ID, nil, auditOfFinding(f))
	})
	if err != nil {
		return hikeshi.Finding{}, fmt.Errorf("create finding: %w", err)
	}
	return out, nil
}

// UpdateFinding corrects a finding until its audit closes (its auditors, admins).
func (s *Checks) UpdateFinding(ctx context.Context, actor hikeshi.Actor, id string, in FindingInput) (hikeshi.Finding, error) {
	var out hikeshi.Finding
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindFindingByID(ctx, id)
		if err != nil {
			return err
		}
		a, err := tx.FindInternalAuditByID(ctx, before.AuditID)
		if err != nil {
			return err
		}
		if !recordsFindings(actor, a) {
			return forbid("change a finding")
		}
		if a.Status != hikeshi.AuditInProgress && a.Status != hikeshi.AuditReported {
			return hikeshi.Invalid("status", "not_in_progress", "findings change while the audit is in progress or reported")
		}
		f := before
		applyFindingInput(&f, in)
		if err := f.Validate(); err != nil {
			return err
		}
		if err := s.validateFindingRefs(ctx, tx, f, before); err != nil {
			return err
		}
		f.UpdatedAt = s.clock.Now()
		if err := tx.UpdateFinding(ctx, f); err != nil {
			return err
		}
		out = f
		return s.audit(ctx, tx, actor, "finding.update", "finding", f.ID, auditOfFinding(before), auditOfFinding(f))
	})
	if err != nil {
		return hikeshi.Finding{}, fmt.Errorf("update finding: %w", err)
	}
	return out, nil
}

// ---- Corrective actions ----

// ActionInput is a corrective action as typed.
type ActionInput struct {
	SourceKind   hikeshi.ActionSourceKind
	SourceID     string
	Title        string
	RootCause    string
	Action       string
	DepartmentID string
	OwnerID      string // "" = the department as a whole
	DueDate      string
}

// ActionView is a corrective action with names and what the viewer may do.
type ActionView struct {
	Action         hikeshi.CorrectiveAction
	Finding        *hikeshi.Finding // the source finding, when it is one
	DepartmentName string
	OwnerName      string
	CheckerName    string
	CanEdit        bool                   // may edit the root cause, action, owner and due date
	CanCheck       bool                   // may record the effectiveness check now
	Allowed        []hikeshi.ActionStatus // the statuses the viewer may move it to now
}

type actionAudit struct {
	ID           string `json:"id"`
	SourceKind   string `json:"source_kind"`
	SourceID     string `json:"source_id"`
	DepartmentID string `json:"department_id"`
	OwnerID      string `json:"owner_id,omitempty"`
	DueDate      string `json:"due_date"`
	Status       string `json:"status"`
	CheckResult  string `json:"check_result,omitempty"`
	CheckedBy    string `json:"checked_by,omitempty"`
}

func auditOfAction(a hikeshi.CorrectiveAction) actionAudit {
	return actionAudit{a.ID, string(a.SourceKind), a.SourceID, a.DepartmentID, a.OwnerID, a.DueDate, string(a.Status), string(a.CheckResult), a.CheckedBy}
}

// worksAction: the owner department's members and the named owner work the action; admins too.
func worksAction(actor hikeshi.Actor, a hikeshi.CorrectiveAction) bool {
	if actor.ReadOnly() {
		return false
	}
	return canPlan(actor) || inDept(actor, a.DepartmentID) || (actor.UserID != "" && actor.UserID == a.OwnerID)
}

// Actions lists corrective actions newest first.
func (s *Checks) Actions(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]ActionView, error) {
	return s.ListActions(ctx, actor, hikeshi.ActionFilter{Page: p})
}

// Action returns one corrective action.
func (s *Checks) Action(ctx context.Context, actor hikeshi.Actor, id string) (ActionView, error) {
	if err := readCheck(actor, "get corrective action"); err != nil {
		return ActionView{}, err
	}
	a, err := s.st.FindCorrectiveActionByID(ctx, id)
	if err != nil {
		return ActionView{}, fmt.Errorf("get corrective action: %w", err)
	}
	v, err := s.actionView(ctx, actor, a)
	if err != nil {
		return ActionView{}, fmt.Errorf("get corrective action: %w", err)
	}
	return v, nil
}

func (s *Checks) actionView(ctx context.Context, actor hikeshi.Actor, a hikeshi.CorrectiveAction) (ActionView, error) {
	v := ActionView{Action: a}
	if a.SourceKind == hikeshi.SourceFinding {
		if f, err := s.st.FindFindingByID(ctx, a.SourceID); err == nil {
			v.Finding = &f
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return ActionView{}, err
		}
	}
	if d, err := s.st.FindDepartmentByID(ctx, a.DepartmentID); err == nil {
		v.DepartmentName = d.Name
	}
	for id, dst := range map[string]*string{a.OwnerID: &v.OwnerName, a.CheckedBy: &v.CheckerName} {
		if id != "" {
			if u, err := s.st.FindUserByID(ctx, id); err == nil {
				*dst = u.Name
			}
		}
	}
	if a.CheckedBy != "" && a.CheckedBy == a.OwnerID {
		v.CheckerName = v.OwnerName
	}
	works := worksAction(actor, a)
	v.CanEdit = works && a.Status != hikeshi.ActionClosed
	v.CanCheck = canPlan(actor) && a.Status == hikeshi.ActionImplemented
	for _, to := range hikeshi.AllowedActionMoves(a.Status) {
		if (to == hikeshi.ActionClosed && canPlan(actor)) || (to != hikeshi.ActionClosed && works) {
			v.Allowed = append(v.Allowed, to)
		}
	}
	return v, nil
}

// validateAction checks an action's references.
func validateActionRefs(ctx context.Context, r hikeshi.Reader, a hikeshi.CorrectiveAction) error {
	var v hikeshi.ValidationError
	if _, err := r.FindDepartmentByID(ctx, a.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
		v.Add("department_id", "unknown", "no such department")
	} else if err != nil {
		return err
	}
	if a.OwnerID != "" {
		u, err := r.FindUserByID(ctx, a.OwnerID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add("owner_id", "unknown", "no such user")
		case err != nil:
			return err
		case !u.Active():
			v.Add("owner_id", "disabled", "the user is disabled")
		case u.DepartmentID != a.DepartmentID:
			v.Add("owner_id", "not_in_department", "the person is not a member of the owner department")
		case u.Role == hikeshi.RoleAuditor:
			v.Add("owner_id", "read_only", "auditors read corrective actions; name someone who works it")
		}
	}
	return v.Err()
}

// CreateAction opens a corrective action for a finding (planners, the
// finding's audit's auditors, the members of the department concerned).
// Incident lessons and management-review decisions will open theirs through
// createAction with their own source kind.
func (s *Checks) CreateAction(ctx context.Context, actor hikeshi.Actor, in ActionInput) (hikeshi.CorrectiveAction, error) {
	var out hikeshi.CorrectiveAction
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if in.SourceKind != hikeshi.SourceFinding {
			return hikeshi.Invalid("source_kind", "unknown", "corrective actions are opened from findings here; lessons and management reviews open theirs from their own pages")
		}
		f, err := tx.FindFindingByID(ctx, in.SourceID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.Invalid("source_id", "unknown", "no such finding")
		} else if err != nil {
			return err
		}
		au, err := tx.FindInternalAuditByID(ctx, f.AuditID)
		if err != nil {
			return err
		}
		if !canAddAction(actor, au, f) {
			return forbid("open a corrective action")
		}
		a, err := s.createAction(ctx, tx, actor, in)
		out = a
		return err
	})
	if err != nil {
		return hikeshi.CorrectiveAction{}, fmt.Errorf("create corrective action: %w", err)
	}
	return out, nil
}

// createAction checks and stores a new corrective action from any source, in tx.
func (s *Checks) createAction(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, in ActionInput) (hikeshi.CorrectiveAction, error) {
	now := s.clock.Now()
	a := hikeshi.CorrectiveAction{ID: hikeshi.NewID(), SourceKind: in.SourceKind, SourceID: in.SourceID, Title: strings.TrimSpace(in.Title),
		RootCause: strings.TrimSpace(in.RootCause), Action: strings.TrimSpace(in.Action), DepartmentID: in.DepartmentID, OwnerID: in.OwnerID,
		DueDate: strings.TrimSpace(in.DueDate), Status: hikeshi.ActionOpen, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	if err := a.Validate(); err != nil {
		return a, err
	}
	if err := validateActionRefs(ctx, tx, a); err != nil {
		return a, err
	}
	if err := tx.CreateCorrectiveAction(ctx, a); err != nil {
		return a, err
	}
	return a, s.audit(ctx, tx, actor, "corrective_action.create", "corrective_action", a.ID, nil, auditOfAction(a))
}

// ActionPatch changes a corrective action; nil fields stay.
type ActionPatch struct {
	Title        *string
	RootCause    *string
	Action       *string
	DepartmentID *string
	OwnerID      *string
	DueDate      *string
}

// changeAction is the one way a stored corrective action changes: it loads
// the action in a transaction, lets change check the actor and return the
// action as it becomes (or an error), and stores it with an audit entry op —
// unless nothing changed. what names the change in errors.
func (s *Checks) changeAction(ctx context.Context, actor hikeshi.Actor, id, what, op string,
	change func(tx hikeshi.Tx, before hikeshi.CorrectiveAction, now time.Time) (hikeshi.CorrectiveAction, error)) (hikeshi.CorrectiveAction, error) {
	var out hikeshi.CorrectiveAction
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindCorrectiveActionByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		a, err := change(tx, before, now)
		if err != nil {
			return err
		}
		if out = a; a == before {
			return nil
		}
		a.UpdatedAt = now
		if err := tx.UpdateCorrectiveAction(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, op, "corrective_action", a.ID, auditOfAction(before), auditOfAction(a))
	})
	if err != nil {
		return hikeshi.CorrectiveAction{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// UpdateAction edits a corrective action until it closes (its workers, planners).
func (s *Checks) UpdateAction(ctx context.Context, actor hikeshi.Actor, id string, p ActionPatch) (hikeshi.CorrectiveAction, error) {
	return s.changeAction(ctx, actor, id, "update corrective action", "corrective_action.update",
		func(tx hikeshi.Tx, before hikeshi.CorrectiveAction, _ time.Time) (hikeshi.CorrectiveAction, error) {
			if !worksAction(actor, before) {
				return before, forbid("change a corrective action")
			}
			if before.Status == hikeshi.ActionClosed {
				return before, hikeshi.Conflict("status", "the corrective action is closed")
			}
			a := before
			set := func(dst *string, src *string) {
				if src != nil {
					*dst = strings.TrimSpace(*src)
				}
			}
			set(&a.Title, p.Title)
			set(&a.RootCause, p.RootCause)
			set(&a.Action, p.Action)
			set(&a.DepartmentID, p.DepartmentID)
			set(&a.OwnerID, p.OwnerID)
			set(&a.DueDate, p.DueDate)
			if p.DepartmentID != nil && p.OwnerID == nil && a.DepartmentID != before.DepartmentID {
				a.OwnerID = ""
			}
			if err := a.Validate(); err != nil {
				return before, err
			}
			return a, validateActionRefs(ctx, tx, a)
		})
}

// SetActionStatus moves a corrective action by hand: its workers start,
// put back, implement and rework it; planners close it, which is refused
// (a *hikeshi.ActionMoveError, code check_required) until an effectiveness
// check found it effective.
func (s *Checks) SetActionStatus(ctx context.Context, actor hikeshi.Actor, id string, to hikeshi.ActionStatus) (hikeshi.CorrectiveAction, error) {
	return s.changeAction(ctx, actor, id, "set corrective action status", "corrective_action.status",
		func(_ hikeshi.Tx, before hikeshi.CorrectiveAction, now time.Time) (hikeshi.CorrectiveAction, error) {
			if !worksAction(actor, before) {
				return before, forbid("change a corrective action's status")
			}
			if err := hikeshi.CheckActionMove(before.Status, to); err != nil {
				return before, err
			}
			if to == hikeshi.ActionClosed && !canPlan(actor) {
				return before, forbid("close a corrective action")
			}
			a := before
			a.Status = to
			switch {
			case to == hikeshi.ActionClosed:
				a.ClosedAt = now
			case before.Status == hikeshi.ActionIneffective:
				// Rework after an ineffective check: the next check starts
				// afresh; the audit log keeps the old one.
				a.CheckedBy, a.CheckedAt, a.CheckResult, a.CheckNote = "", time.Time{}, "", ""
			}
			return a, nil
		})
}

// RecordEffectiveness records the effectiveness check of an implemented
// action (managers, admins): who and when from the actor and the clock, the
// result and the evidence. Effective lets a planner close the action;
// ineffective sends it back to its owners for rework (ineffective →
// in_progress) — the same action is reopened rather than a new one opened,
// so its finding keeps one trail.
func (s *Checks) RecordEffectiveness(ctx context.Context, actor hikeshi.Actor, id string, result hikeshi.EffectivenessResult, note string) (hikeshi.CorrectiveAction, error) {
	note = strings.TrimSpace(note)
	return s.changeAction(ctx, actor, id, "record effectiveness check", "corrective_action.check",
		func(_ hikeshi.Tx, before hikeshi.CorrectiveAction, now time.Time) (hikeshi.CorrectiveAction, error) {
			if !canPlan(actor) {
				return before, forbid("check a corrective action's effectiveness")
			}
			var v hikeshi.ValidationError
			if !result.Valid() {
				v.Add("result", "unknown", "result must be effective or ineffective")
			}
			hikeshi.ValidateText(&v, "note", note, hikeshi.MaxCheckTextLen, true)
			if err := v.Err(); err != nil {
				return before, err
			}
			if before.Status != hikeshi.ActionImplemented {
				return before, &hikeshi.ActionMoveError{From: before.Status, To: hikeshi.ActionStatus(result), Code: "not_implemented",
					Reason: "effectiveness is checked once the action is implemented"}
			}
			a := before
			a.CheckedBy, a.CheckedAt, a.CheckResult, a.CheckNote = actor.UserID, now, result, note
			a.Status = hikeshi.ActionStatus(result)
			return a, nil
		})
}

// ---- Metrics ----

// MetricInput is a metric as typed.
type MetricInput struct {
	Name         string
	MeasureRef   string // a free-text reference
	MeasureID    string // the measure watched, "" = none
	Unit         string
	Target       string
	Comparison   hikeshi.Comparison
	Frequency    hikeshi.Frequency
	DepartmentID string
}

// MetricView is a metric with its latest value against the target.
type MetricView struct {
	Metric         hikeshi.Metric
	DepartmentName string
	Latest         *hikeshi.MetricValue // the value of the latest period
	Met            bool                 // the latest value meets the target
	Values         []hikeshi.MetricValue
	Measure        *hikeshi.Measure // the linked measure, nil without one
	CanEdit        bool             // may edit, archive, restore and delete it
	CanRecord      bool             // may record a value now (never while archived)
}

type metricAudit struct {
	ID           string `json:"id"`
	Target       string `json:"target"`
	Comparison   string `json:"comparison"`
	DepartmentID string `json:"department_id"`
	MeasureID    string `json:"measure_id,omitempty"`
	Archived     bool   `json:"archived,omitempty"`
}

func auditOfMetric(m hikeshi.Metric) metricAudit {
	return metricAudit{m.ID, m.Target, string(m.Comparison), m.DepartmentID, m.MeasureID, m.Archived()}
}

// Metrics lists metrics newest first, each with its latest value.
func (s *Checks) Metrics(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]MetricView, error) {
	if err := readCheck(actor, "list metrics"); err != nil {
		return nil, err
	}
	ms, err := s.st.FindMetrics(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list metrics: %w", err)
	}
	out := make([]MetricView, 0, len(ms))
	for _, m := range ms {
		v, err := s.metricView(ctx, actor, m)
		if err != nil {
			return nil, fmt.Errorf("list metrics: %w", err)
		}
		v.Values = nil
		out = append(out, v)
	}
	return out, nil
}

// Metric returns one metric with its values, most recently recorded first.
func (s *Checks) Metric(ctx context.Context, actor hikeshi.Actor, id string) (MetricView, error) {
	if err := readCheck(actor, "get metric"); err != nil {
		return MetricView{}, err
	}
	m, err := s.st.FindMetricByID(ctx, id)
	if err != nil {
		return MetricView{}, fmt.Errorf("get metric: %w", err)
	}
	v, err := s.metricView(ctx, actor, m)
	if err != nil {
		return MetricView{}, fmt.Errorf("get metric: %w", err)
	}
	return v, nil
}

func (s *Checks) metricView(ctx context.Context, actor hikeshi.Actor, m hikeshi.Metric) (MetricView, error) {
	v := MetricView{Metric: m, CanEdit: canPlan(actor), CanRecord: !m.Archived() && (canPlan(actor) || inDept(actor, m.DepartmentID))}
	if d, err := s.st.FindDepartmentByID(ctx, m.DepartmentID); err == nil {
		v.DepartmentName = d.Name
	}
	var err error
	if v.Measure, err = s.linkedMeasure(ctx, m.MeasureID); err != nil {
		return MetricView{}, err
	}
	vals, err := s.st.FindMetricValues(ctx, m.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return MetricView{}, err
	}
	v.Values = vals
	for i := range vals {
		if v.Latest == nil || vals[i].Period > v.Latest.Period {
			v.Latest = &vals[i]
		}
	}
	if v.Latest != nil {
		v.Met = m.Met(v.Latest.Value)
	}
	return v, nil
}

func applyMetricInput(m *hikeshi.Metric, in MetricInput) {
	m.Name, m.MeasureRef, m.Unit = strings.TrimSpace(in.Name), strings.TrimSpace(in.MeasureRef), strings.TrimSpace(in.Unit)
	m.Target, m.Comparison, m.Frequency, m.DepartmentID = strings.TrimSpace(in.Target), in.Comparison, in.Frequency, in.DepartmentID
	m.MeasureID = strings.TrimSpace(in.MeasureID)
	if f, ok := hikeshi.ParseDecimal(m.Target); ok {
		m.Target = hikeshi.CanonicalDecimal(f)
	}
}

func validateMetricRefs(ctx context.Context, r hikeshi.Reader, m, before hikeshi.Metric) error {
	var v hikeshi.ValidationError
	if _, err := r.FindDepartmentByID(ctx, m.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
		v.Add("department_id", "unknown", "no such department")
	} else if err != nil {
		return err
	}
	if err := checkMeasureLink(ctx, r, &v, m.MeasureID, before.MeasureID); err != nil {
		return err
	}
	return v.Err()
}

// CreateMetric defines a metric (admins, managers).
func (s *Checks) CreateMetric(ctx context.Context, actor hikeshi.Actor, in MetricInput) (hikeshi.Metric, error) {
	if !canPlan(actor) {
		return hikeshi.Metric{}, forbid("define a metric")
	}
	now := s.clock.Now()
	m := hikeshi.Metric{ID: hikeshi.NewID(), CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	applyMetricInput(&m, in)
	if err := m.Validate(); err != nil {
		return hikeshi.Metric{}, err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := validateMetricRefs(ctx, tx, m, hikeshi.Metric{}); err != nil {
			return err
		}
		if err := tx.CreateMetric(ctx, m); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "metric.create", "metric", m.ID, nil, auditOfMetric(m))
	})
	if err != nil {
		return hikeshi.Metric{}, fmt.Errorf("create metric: %w", err)
	}
	return m, nil
}

// UpdateMetric rewrites a metric (admins, managers). Recorded values keep
// their numbers; met or missed is judged against the current target.
func (s *Checks) UpdateMetric(ctx context.Context, actor hikeshi.Actor, id string, in MetricInput) (hikeshi.Metric, error) {
	if !canPlan(actor) {
		return hikeshi.Metric{}, forbid("change a metric")
	}
	var out hikeshi.Metric
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindMetricByID(ctx, id)
		if err != nil {
			return err
		}
		m := before
		applyMetricInput(&m, in)
		if err := m.Validate(); err != nil {
			return err
		}
		if err := validateMetricRefs(ctx, tx, m, before); err != nil {
			return err
		}
		m.UpdatedAt = s.clock.Now()
		if err := tx.UpdateMetric(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, "metric.update", "metric", m.ID, auditOfMetric(before), auditOfMetric(m))
	})
	if err != nil {
		return hikeshi.Metric{}, fmt.Errorf("update metric: %w", err)
	}
	return out, nil
}

// ValueInput is a measurement as typed.
type ValueInput struct {
	Period string
	Value  string
	Note   string
}

// RecordValue records a measurement (the owner department's members, planners).
func (s *Checks) RecordValue(ctx context.Context, actor hikeshi.Actor, metricID string, in ValueInput) (hikeshi.MetricValue, error) {
	var out hikeshi.MetricValue
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := tx.FindMetricByID(ctx, metricID)
		if err != nil {
			return err
		}
		if !canPlan(actor) && !inDept(actor, m.DepartmentID) {
			return forbid("record a metric's value")
		}
		if m.Archived() {
			return &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "metric", Code: "archived",
				Message: "the metric is archived; restore it to record values"}}}
		}
		val := hikeshi.MetricValue{ID: hikeshi.NewID(), MetricID: m.ID, Period: strings.TrimSpace(in.Period), Note: strings.TrimSpace(in.Note),
			RecordedBy: actor.UserID, RecordedAt: s.clock.Now()}
		var v hikeshi.ValidationError
		if !hikeshi.ValidDate(val.Period) {
			v.Add("period", "invalid_date", "the period is a date like 2026-05-01")
		}
		if f, ok := hikeshi.ParseDecimal(in.Value); ok {
			val.Value = hikeshi.CanonicalDecimal(f)
		} else {
			v.Add("value", "invalid_number", "the value is a number such as 95 or 99.5")
		}
		hikeshi.ValidateText(&v, "note", val.Note, hikeshi.MaxCheckTextLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.CreateMetricValue(ctx, val); err != nil {
			return err
		}
		out = val
		return s.audit(ctx, tx, actor, "metric.value", "metric", m.ID, nil, map[string]string{"value_id": val.ID, "period": val.Period, "value": val.Value})
	})
	if err != nil {
		return hikeshi.MetricValue{}, fmt.Errorf("record metric value: %w", err)
	}
	return out, nil
}
