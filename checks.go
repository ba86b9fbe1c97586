package hikeshi

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The ISMS's Check (IS-4; ISO/IEC 27001:2022 clauses 9.1, 9.2 and 10.2):
// metrics with targets and recorded values, the internal audit programme,
// audits, their findings and the corrective actions that answer them.
// "Audit" alone means the tamper-evident audit log (audit.go); the types
// here are InternalAudit, AuditProgramme, Finding, CorrectiveAction, Metric.

// DateLayout is a calendar date as stored and exchanged: 2026-05-01.
const DateLayout = "2006-01-02"

// ValidDate reports whether s is a calendar date in DateLayout within the years 2000 to 9999.
func ValidDate(s string) bool {
	t, err := time.Parse(DateLayout, s)
	return err == nil && t.Year() >= 2000 && t.Year() <= 9999
}

// validateDate records a field error unless s is empty (and not required) or a date.
func validateDate(v *ValidationError, field, s string, required bool) {
	switch {
	case s == "" && required:
		v.Add(field, "required", "this field is required")
	case s != "" && !ValidDate(s):
		v.Add(field, "invalid_date", "not a date like 2026-05-01 between the years 2000 and 9999")
	}
}

// Limits of the check area's fields, in characters.
const (
	MaxCheckTitleLen = 200
	MaxCheckTextLen  = 5000
	MaxCheckRefLen   = 100
)

// AuditProgramme is a year's plan of internal audits (clause 9.2.2).
type AuditProgramme struct {
	ID          string
	Year        int
	Title       string
	PeriodStart string // a date
	PeriodEnd   string // a date
	Objectives  string
	// DepartmentID is the unit that owns the programme (the auditing
	// unit); "" = none named. RoutedActivity is ActivityInternalAudit when
	// the organisation's pattern chose it (decision 0038), "" when a person did.
	DepartmentID   string
	RoutedActivity Activity
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks the programme's own fields.
func (p AuditProgramme) Validate() error {
	var v ValidationError
	if p.Year < 2000 || p.Year > 9999 {
		v.Add("year", "out_of_range", "the year must be between 2000 and 9999")
	}
	ValidateText(&v, "title", p.Title, MaxCheckTitleLen, true)
	oneLine(&v, "title", p.Title)
	validateDate(&v, "period_start", p.PeriodStart, true)
	validateDate(&v, "period_end", p.PeriodEnd, true)
	if ValidDate(p.PeriodStart) && ValidDate(p.PeriodEnd) && p.PeriodEnd < p.PeriodStart {
		v.Add("period_end", "before_start", "the period ends before it starts")
	}
	ValidateText(&v, "objectives", p.Objectives, MaxCheckTextLen, false)
	return v.Err()
}

func oneLine(v *ValidationError, field, s string) {
	if strings.ContainsAny(s, "\r\n") {
		v.Add(field, "invalid_text", "this is one line")
	}
}

// AuditStatus is where an internal audit stands.
type AuditStatus string

// The internal audit statuses, in order.
const (
	AuditPlanned    AuditStatus = "planned"
	AuditInProgress AuditStatus = "in_progress"
	AuditReported   AuditStatus = "reported"
	AuditClosed     AuditStatus = "closed"
)

// AuditStatuses lists every internal audit status in workflow order.
var AuditStatuses = []AuditStatus{AuditPlanned, AuditInProgress, AuditReported, AuditClosed}

// Valid reports whether s is a known status.
func (s AuditStatus) Valid() bool {
	for _, v := range AuditStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// auditMoves: forward one step at a time, or one step back before closing.
var auditMoves = map[AuditStatus][]AuditStatus{
	AuditPlanned:    {AuditInProgress},
	AuditInProgress: {AuditPlanned, AuditReported},
	AuditReported:   {AuditInProgress, AuditClosed},
	AuditClosed:     nil,
}

// CanMoveAudit reports whether the status table allows from → to.
func CanMoveAudit(from, to AuditStatus) bool {
	for _, s := range auditMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// InternalAudit is one audit of the programme (clause 9.2).
type InternalAudit struct {
	ID            string
	ProgrammeID   string
	Title         string
	Scope         string
	DepartmentIDs []string // the departments audited
	Criteria      string   // e.g. "ISO/IEC 27001:2022 clauses 4–10, Annex A.5"
	PlannedStart  string   // a date
	PlannedEnd    string   // a date
	AuditorIDs    []string // users; none may belong to an audited department
	Status        AuditStatus
	Report        string // the report summary
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Validate checks the audit's own fields (not the references).
func (a InternalAudit) Validate() error {
	var v ValidationError
	ValidateText(&v, "title", a.Title, MaxCheckTitleLen, true)
	oneLine(&v, "title", a.Title)
	ValidateText(&v, "scope", a.Scope, MaxCheckTextLen, true)
	ValidateText(&v, "criteria", a.Criteria, MaxCheckTextLen, true)
	ValidateText(&v, "report", a.Report, MaxCheckTextLen, false)
	validateDate(&v, "planned_start", a.PlannedStart, true)
	validateDate(&v, "planned_end", a.PlannedEnd, true)
	if ValidDate(a.PlannedStart) && ValidDate(a.PlannedEnd) && a.PlannedEnd < a.PlannedStart {
		v.Add("planned_end", "before_start", "the audit ends before it starts")
	}
	if len(a.DepartmentIDs) == 0 {
		v.Add("department_ids", "required", "name at least one department audited")
	}
	if len(a.AuditorIDs) == 0 {
		v.Add("auditor_ids", "required", "name at least one auditor")
	}
	if !a.Status.Valid() {
		v.Add("status", "unknown", "unknown status")
	}
	return v.Err()
}

// HasAuditor reports whether the user is named as one of the audit's auditors.
func (a InternalAudit) HasAuditor(userID string) bool {
	for _, id := range a.AuditorIDs {
		if userID != "" && id == userID {
			return true
		}
	}
	return false
}

// FindingType is the kind of an audit finding.
type FindingType string

// The finding types.
const (
	FindingMajor       FindingType = "major_nc"    // 重大な不適合
	FindingMinor       FindingType = "minor_nc"    // 軽微な不適合
	FindingObservation FindingType = "observation" // 観察事項
	FindingOFI         FindingType = "ofi"         // 改善の機会
)

// FindingTypes lists every finding type, gravest first.
var FindingTypes = []FindingType{FindingMajor, FindingMinor, FindingObservation, FindingOFI}

// Valid reports whether t is a known type.
func (t FindingType) Valid() bool {
	for _, v := range FindingTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Nonconformity reports whether the finding is a nonconformity, which requires a corrective action.
func (t FindingType) Nonconformity() bool { return t == FindingMajor || t == FindingMinor }

// Finding is one finding of an internal audit.
type Finding struct {
	ID          string
	AuditID     string
	Type        FindingType
	Description string
	Requirement string // a free-text note on the requirement, such as "A.8.8 patch records"
	// RequirementRef links the finding to a framework requirement, checked
	// against the frameworks ({"", ""} = none).
	RequirementRef RequirementRef
	MeasureID      string // the measure concerned, "" = none
	DepartmentID   string // the department concerned
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks the finding's own fields.
func (f Finding) Validate() error {
	var v ValidationError
	if !f.Type.Valid() {
		v.Add("type", "unknown", "type must be major_nc, minor_nc, observation or ofi")
	}
	ValidateText(&v, "description", f.Description, MaxCheckTextLen, true)
	ValidateText(&v, "requirement", f.Requirement, MaxCheckRefLen, false)
	oneLine(&v, "requirement", f.Requirement)
	validateRequirementRef(&v, f.RequirementRef)
	if f.DepartmentID == "" {
		v.Add("department_id", "required", "name the department concerned")
	}
	return v.Err()
}

// validateRequirementRef checks the shape of a requirement link: both parts or
// neither, one line each. Whether the requirement exists is the service's.
func validateRequirementRef(v *ValidationError, r RequirementRef) {
	switch {
	case r.FrameworkKey == "" && r.Ref == "":
	case r.FrameworkKey == "":
		v.Add("framework_key", "required", "choose the framework of the requirement")
	case r.Ref == "":
		v.Add("requirement_ref", "required", "name the requirement, such as A.8.8")
	case !FrameworkKeyValid(r.FrameworkKey):
		v.Add("framework_key", "unknown", "no such framework")
	default:
		ValidateText(v, "requirement_ref", r.Ref, MaxCheckRefLen, true)
		oneLine(v, "requirement_ref", r.Ref)
	}
}

// ActionStatus is where a corrective action stands.
type ActionStatus string

// The corrective action statuses.
const (
	ActionOpen        ActionStatus = "open"
	ActionInProgress  ActionStatus = "in_progress"
	ActionImplemented ActionStatus = "implemented"
	ActionEffective   ActionStatus = "effective"
	ActionIneffective ActionStatus = "ineffective"
	ActionClosed      ActionStatus = "closed"
)

// ActionStatuses lists every status in workflow order.
var ActionStatuses = []ActionStatus{ActionOpen, ActionInProgress, ActionImplemented, ActionEffective, ActionIneffective, ActionClosed}

// Valid reports whether s is a known status.
func (s ActionStatus) Valid() bool {
	for _, v := range ActionStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Active reports whether the action still asks for work (open, in progress, or reworked after an ineffective check).
func (s ActionStatus) Active() bool {
	return s == ActionOpen || s == ActionInProgress || s == ActionIneffective
}

// ActionSourceKind says where a corrective action comes from.
type ActionSourceKind string

// The sources of corrective actions. Findings today; incident lessons and
// management-review decisions create them through the same table later.
const (
	SourceFinding ActionSourceKind = "finding"
	SourceLesson  ActionSourceKind = "lesson"
	SourceReview  ActionSourceKind = "management_review"
)

// Valid reports whether k is a known source kind.
func (k ActionSourceKind) Valid() bool {
	return k == SourceFinding || k == SourceLesson || k == SourceReview
}

// EffectivenessResult is the outcome of an effectiveness check.
type EffectivenessResult string

// The effectiveness results.
const (
	ResultEffective   EffectivenessResult = "effective"
	ResultIneffective EffectivenessResult = "ineffective"
)

// Valid reports whether r is a known result.
func (r EffectivenessResult) Valid() bool { return r == ResultEffective || r == ResultIneffective }

// CorrectiveAction answers a nonconformity (clause 10.2).
type CorrectiveAction struct {
	ID           string
	SourceKind   ActionSourceKind
	SourceID     string
	Title        string
	RootCause    string
	Action       string
	DepartmentID string // the owner department
	OwnerID      string // optional: a person of the department
	DueDate      string // a date
	Status       ActionStatus
	// The last effectiveness check: who, when, the result and the evidence.
	// Recording one is the only way to effective or ineffective; closing
	// requires an effective one. Reworking after an ineffective result
	// clears it (the audit log keeps every check).
	CheckedBy   string
	CheckedAt   time.Time
	CheckResult EffectivenessResult
	CheckNote   string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    time.Time
}

// Overdue reports whether the action is not yet implemented after its due
// date, judged by the calendar date of now in now's location.
func (a CorrectiveAction) Overdue(now time.Time) bool {
	return a.Status.Active() && a.DueDate != "" && now.Format(DateLayout) > a.DueDate
}

// Validate checks the action's own fields.
func (a CorrectiveAction) Validate() error {
	var v ValidationError
	if !a.SourceKind.Valid() {
		v.Add("source_kind", "unknown", "unknown source")
	}
	ValidateText(&v, "title", a.Title, MaxCheckTitleLen, true)
	oneLine(&v, "title", a.Title)
	ValidateText(&v, "root_cause", a.RootCause, MaxCheckTextLen, false)
	ValidateText(&v, "action", a.Action, MaxCheckTextLen, true)
	ValidateText(&v, "check_note", a.CheckNote, MaxCheckTextLen, false)
	validateDate(&v, "due_date", a.DueDate, true)
	if a.DepartmentID == "" {
		v.Add("department_id", "required", "name the owner department")
	}
	return v.Err()
}

// ActionMoveError says why a corrective action's status change was refused.
type ActionMoveError struct {
	From, To ActionStatus
	Code     string // unknown_status, same_status, not_allowed, check_required, use_check
	Reason   string
}

func (e *ActionMoveError) Error() string {
	return fmt.Sprintf("corrective action %s → %s refused: %s", e.From, e.To, e.Reason)
}

// Unwrap makes a refused move an ErrInvalid.
func (e *ActionMoveError) Unwrap() error { return ErrInvalid }

// actionMoves is the status table of moves made by hand. effective and
// ineffective are reached only by recording an effectiveness check; an
// ineffective action is reworked (→ in_progress), never closed.
var actionMoves = map[ActionStatus][]ActionStatus{
	ActionOpen:        {ActionInProgress, ActionImplemented},
	ActionInProgress:  {ActionOpen, ActionImplemented},
	ActionImplemented: {ActionInProgress},
	ActionEffective:   {ActionClosed},
	ActionIneffective: {ActionInProgress},
	ActionClosed:      nil,
}

// CheckActionMove reports whether a corrective action may move from → to by hand.
func CheckActionMove(from, to ActionStatus) error {
	switch {
	case !from.Valid() || !to.Valid():
		return &ActionMoveError{From: from, To: to, Code: "unknown_status", Reason: "unknown status"}
	case from == to:
		return &ActionMoveError{From: from, To: to, Code: "same_status", Reason: "the action already has this status"}
	case to == ActionClosed && from != ActionEffective:
		return &ActionMoveError{From: from, To: to, Code: "check_required",
			Reason: "an action closes only after an effectiveness check found it effective; record the check first"}
	case to == ActionEffective || to == ActionIneffective:
		return &ActionMoveError{From: from, To: to, Code: "use_check",
			Reason: "effective and ineffective are set by recording an effectiveness check"}
	}
	for _, s := range actionMoves[from] {
		if s == to {
			return nil
		}
	}
	return &ActionMoveError{From: from, To: to, Code: "not_allowed", Reason: "the status table does not allow this move"}
}

// AllowedActionMoves lists the statuses an action may move to by hand.
func AllowedActionMoves(from ActionStatus) []ActionStatus {
	var out []ActionStatus
	for _, s := range ActionStatuses {
		if CheckActionMove(from, s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// Comparison is how a metric's value meets its target.
type Comparison string

// The comparisons.
const (
	AtLeast Comparison = "ge" // ≥ target
	AtMost  Comparison = "le" // ≤ target
)

// Valid reports whether c is known.
func (c Comparison) Valid() bool { return c == AtLeast || c == AtMost }

// Frequency is how often a metric is measured.
type Frequency string

// The frequencies.
const (
	Monthly   Frequency = "monthly"
	Quarterly Frequency = "quarterly"
	Yearly    Frequency = "yearly"
)

// Frequencies lists every frequency.
var Frequencies = []Frequency{Monthly, Quarterly, Yearly}

// Valid reports whether f is known.
func (f Frequency) Valid() bool { return f == Monthly || f == Quarterly || f == Yearly }

// Metric is a measurement of a measure's performance (clause 9.1).
type Metric struct {
	ID           string
	Name         string
	MeasureRef   string // a free-text reference, e.g. "A.8.8"; the link is MeasureID
	MeasureID    string // the measure watched, "" = none
	Unit         string
	Target       string // a decimal number
	Comparison   Comparison
	Frequency    Frequency
	DepartmentID string // the owner department
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ArchivedAt   time.Time // zero while in use; archived metrics take no new values
}

// Archived reports whether the metric is archived.
func (m Metric) Archived() bool { return !m.ArchivedAt.IsZero() }

// ParseDecimal reads a finite decimal number as typed ("98.5", "-2").
func ParseDecimal(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	return f, true
}

// CanonicalDecimal writes a decimal number in its shortest form.
func CanonicalDecimal(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Validate checks the metric's own fields.
func (m Metric) Validate() error {
	var v ValidationError
	ValidateText(&v, "name", m.Name, MaxCheckTitleLen, true)
	oneLine(&v, "name", m.Name)
	ValidateText(&v, "measure_ref", m.MeasureRef, MaxCheckRefLen, false)
	oneLine(&v, "measure_ref", m.MeasureRef)
	ValidateText(&v, "unit", m.Unit, MaxCheckRefLen, false)
	oneLine(&v, "unit", m.Unit)
	if _, ok := ParseDecimal(m.Target); !ok {
		v.Add("target", "invalid_number", "the target is a number such as 95 or 99.5")
	}
	if !m.Comparison.Valid() {
		v.Add("comparison", "unknown", "comparison must be ge or le")
	}
	if !m.Frequency.Valid() {
		v.Add("frequency", "unknown", "frequency must be monthly, quarterly or yearly")
	}
	if m.DepartmentID == "" {
		v.Add("department_id", "required", "name the owner department")
	}
	return v.Err()
}

// Met reports whether value meets the metric's target.
func (m Metric) Met(value string) bool {
	x, ok1 := ParseDecimal(value)
	t, ok2 := ParseDecimal(m.Target)
	if !ok1 || !ok2 {
		return false
	}
	if m.Comparison == AtMost {
		return x <= t
	}
	return x >= t
}

// MetricValue is one recorded measurement.
type MetricValue struct {
	ID         string
	MetricID   string
	Period     string // the date the value is for
	Value      string // a decimal number
	Note       string
	RecordedBy string
	RecordedAt time.Time
}

// ActionReminder is an in-app reminder of an overdue corrective action: one
// per (action, due date, user), so moving the due date reminds again.
type ActionReminder struct {
	ID        string
	ActionID  string
	UserID    string
	DueDate   string // the due date that passed
	CreatedAt time.Time
	ReadAt    time.Time
}

// ActionReminderLimit is how many reminders are shown to one person.
const ActionReminderLimit = 200

// ActionFilter selects corrective actions for a list.
type ActionFilter struct {
	// OverdueOn, a date, keeps the actions not yet implemented whose due
	// date is before it ("" = every action).
	OverdueOn string
	Page
}

// CheckReader is the read side of IS-4: metrics, the internal audit programme, findings and corrective actions.
type CheckReader interface {
	FindAuditProgrammeByID(ctx context.Context, id string) (AuditProgramme, error)
	FindAuditProgrammes(ctx context.Context, p Page) ([]AuditProgramme, error)
	FindInternalAuditByID(ctx context.Context, id string) (InternalAudit, error)
	// FindInternalAudits lists audits newest first; programmeID "" lists every programme's.
	FindInternalAudits(ctx context.Context, programmeID string, p Page) ([]InternalAudit, error)
	FindFindingByID(ctx context.Context, id string) (Finding, error)
	// FindFindings lists findings newest first; auditID "" lists every audit's.
	FindFindings(ctx context.Context, auditID string, p Page) ([]Finding, error)
	FindCorrectiveActionByID(ctx context.Context, id string) (CorrectiveAction, error)
	// FindCorrectiveActions lists actions newest first; with a source, only that source's.
	FindCorrectiveActions(ctx context.Context, kind ActionSourceKind, sourceID string, p Page) ([]CorrectiveAction, error)
	FindMetricByID(ctx context.Context, id string) (Metric, error)
	FindMetrics(ctx context.Context, p Page) ([]Metric, error)
	// FindMetricValues lists a metric's values, latest period first.
	FindMetricValues(ctx context.Context, metricID string, p Page) ([]MetricValue, error)
	// FindActions lists corrective actions newest first, filtered.
	FindActions(ctx context.Context, f ActionFilter) ([]CorrectiveAction, error)
	// FindActionReminders lists a user's unread action reminders newest first.
	FindActionReminders(ctx context.Context, userID string, limit int) ([]ActionReminder, error)
}

// CheckWriter is the write side of IS-4: metrics, the internal audit programme, findings and corrective actions.
type CheckWriter interface {
	CreateAuditProgramme(ctx context.Context, p AuditProgramme) error
	UpdateAuditProgramme(ctx context.Context, p AuditProgramme) error
	CreateInternalAudit(ctx context.Context, a InternalAudit) error
	UpdateInternalAudit(ctx context.Context, a InternalAudit) error
	CreateFinding(ctx context.Context, f Finding) error
	UpdateFinding(ctx context.Context, f Finding) error
	CreateCorrectiveAction(ctx context.Context, a CorrectiveAction) error
	UpdateCorrectiveAction(ctx context.Context, a CorrectiveAction) error
	CreateMetric(ctx context.Context, m Metric) error
	UpdateMetric(ctx context.Context, m Metric) error
	CreateMetricValue(ctx context.Context, v MetricValue) error
	// The Delete methods remove one row (ErrNotFound if absent); the
	// service refuses while anything refers to it.
	DeleteAuditProgramme(ctx context.Context, id string) error
	DeleteInternalAudit(ctx context.Context, id string) error
	DeleteFinding(ctx context.Context, id string) error
	DeleteMetric(ctx context.Context, id string) error
	// CreateActionReminder inserts a reminder unless one exists for the same
	// (action, due date, user); it reports whether it inserted.
	CreateActionReminder(ctx context.Context, n ActionReminder) (created bool, err error)
	// MarkActionReminderRead marks a user's reminder read (ErrNotFound if not theirs).
	MarkActionReminderRead(ctx context.Context, id, userID string, at time.Time) error
}
