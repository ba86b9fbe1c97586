package hikeshi

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// The ISMS's Act (IS-5; ISO/IEC 27001:2022 clause 9.3): management reviews.
// A review covers a period; its inputs (clause 9.3.2) are compiled from the
// data of that period — live while the review is planned, frozen as a
// snapshot when it is held — and its decisions (clause 9.3.3) each open a
// tracked corrective action (source management_review).

// MgmtStatus is where a management review stands.
type MgmtStatus string

// The management review statuses, in order.
const (
	MgmtPlanned MgmtStatus = "planned"
	MgmtHeld    MgmtStatus = "held"
	MgmtClosed  MgmtStatus = "closed"
)

// MgmtStatuses lists every status in workflow order.
var MgmtStatuses = []MgmtStatus{MgmtPlanned, MgmtHeld, MgmtClosed}

// Valid reports whether s is a known status.
func (s MgmtStatus) Valid() bool { return s == MgmtPlanned || s == MgmtHeld || s == MgmtClosed }

// CanMoveMgmt reports whether a review may move from → to: planned → held → closed, never back.
func CanMoveMgmt(from, to MgmtStatus) bool {
	return (from == MgmtPlanned && to == MgmtHeld) || (from == MgmtHeld && to == MgmtClosed)
}

// DecisionKind is the kind of a management review output (clause 9.3.3).
type DecisionKind string

// The decision kinds.
const (
	DecisionImprovement DecisionKind = "improvement" // continual improvement opportunities
	DecisionISMSChange  DecisionKind = "isms_change" // any need for changes to the ISMS
	DecisionResources   DecisionKind = "resources"   // resource needs
)

// DecisionKinds lists every decision kind.
var DecisionKinds = []DecisionKind{DecisionImprovement, DecisionISMSChange, DecisionResources}

// Valid reports whether k is known.
func (k DecisionKind) Valid() bool {
	return k == DecisionImprovement || k == DecisionISMSChange || k == DecisionResources
}

// Limits of the management review's fields, in characters.
const (
	MaxMgmtTitleLen = 200
	MaxMgmtTextLen  = 20000
	MaxMgmtPeople   = 100
)

// ManagementReview is one management review.
type ManagementReview struct {
	ID          string
	Title       string
	PeriodFrom  string // a date: the first day the review covers
	PeriodTo    string // a date: the last day it covers
	MeetingDate string // a date
	ChairID     string
	AttendeeIDs []string
	Status      MgmtStatus
	Issues      string // changes in external and internal issues, as typed (9.3.2 b)
	Feedback    string // interested parties' feedback, as typed (9.3.2 d)
	Minutes     string
	// Inputs is the snapshot frozen when the review was held; nil while planned.
	Inputs *ReviewInputs
	// DepartmentID is the unit that prepares the review; "" = none named.
	// RoutedActivity is ActivityManagementReview when the organisation's
	// pattern chose it (decision 0038), "" when a person did.
	DepartmentID   string
	RoutedActivity Activity
	HeldBy         string
	HeldAt         time.Time
	ClosedBy       string
	ClosedAt       time.Time
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks the review's own fields (not the references).
func (m ManagementReview) Validate() error {
	var v ValidationError
	ValidateText(&v, "title", m.Title, MaxMgmtTitleLen, true)
	oneLine(&v, "title", m.Title)
	validateDate(&v, "period_from", m.PeriodFrom, true)
	validateDate(&v, "period_to", m.PeriodTo, true)
	if ValidDate(m.PeriodFrom) && ValidDate(m.PeriodTo) && m.PeriodTo < m.PeriodFrom {
		v.Add("period_to", "before_start", "the period ends before it starts")
	}
	validateDate(&v, "meeting_date", m.MeetingDate, true)
	if m.ChairID == "" {
		v.Add("chair_id", "required", "name the chair")
	}
	if len(m.AttendeeIDs) > MaxMgmtPeople {
		v.Add("attendee_ids", "too_many", "too many attendees")
	}
	ValidateText(&v, "issues", m.Issues, MaxMgmtTextLen, false)
	ValidateText(&v, "feedback", m.Feedback, MaxMgmtTextLen, false)
	ValidateText(&v, "minutes", m.Minutes, MaxMgmtTextLen, false)
	if !m.Status.Valid() {
		v.Add("status", "unknown", "unknown status")
	}
	return v.Err()
}

// PeriodRange is the review's period as instants: [from 00:00 UTC, the day after to 00:00 UTC).
func PeriodRange(from, to string) (time.Time, time.Time, bool) {
	a, err1 := time.Parse(DateLayout, from)
	b, err2 := time.Parse(DateLayout, to)
	if err1 != nil || err2 != nil || b.Before(a) {
		return time.Time{}, time.Time{}, false
	}
	return a.UTC(), b.UTC().AddDate(0, 0, 1), true
}

// MgmtDecision is one output of a management review; it opened a tracked
// corrective action (ActionID) in the same transaction.
type MgmtDecision struct {
	ID           string
	ReviewID     string
	Kind         DecisionKind
	Text         string
	DepartmentID string
	OwnerID      string
	DueDate      string
	ActionID     string
	CreatedBy    string
	CreatedAt    time.Time
}

// Validate checks the decision's own fields.
func (d MgmtDecision) Validate() error {
	var v ValidationError
	if !d.Kind.Valid() {
		v.Add("kind", "unknown", "kind must be improvement, isms_change or resources")
	}
	ValidateText(&v, "text", d.Text, MaxCheckTextLen, true)
	validateDate(&v, "due_date", d.DueDate, true)
	if d.DepartmentID == "" {
		v.Add("department_id", "required", "name the department responsible")
	}
	return v.Err()
}

// DecisionTitle is the corrective action title made from a decision's text:
// its first line, cut to the title limit.
func DecisionTitle(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > MaxCheckTitleLen {
		r := []rune(line)
		line = string(r[:MaxCheckTitleLen-1]) + "…"
	}
	return line
}

// ---- The compiled inputs (clause 9.3.2) ----

// MgmtCount is one key's count, e.g. findings of a type.
type MgmtCount struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// MgmtActionItem is a corrective action as the inputs list it.
type MgmtActionItem struct {
	ID       string       `json:"id"`
	SourceID string       `json:"source_id"`
	Title    string       `json:"title"`
	Status   ActionStatus `json:"status"`
	DueDate  string       `json:"due_date"`
	Overdue  bool         `json:"overdue"`
}

// MgmtDocumentItem is a document version approved or superseded in the period.
type MgmtDocumentItem struct {
	DocumentID string    `json:"document_id"`
	Title      string    `json:"title"`
	Number     int       `json:"number"`
	Status     string    `json:"status"`
	At         time.Time `json:"at"`
}

// MgmtMetricItem is a metric's latest value in the period against its target.
type MgmtMetricItem struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Unit       string     `json:"unit"`
	Target     string     `json:"target"`
	Comparison Comparison `json:"comparison"`
	Value      string     `json:"value"`
	Period     string     `json:"period"`
	Result     string     `json:"result"` // met, missed, no_value
}

// The metric results.
const (
	MetricMet     = "met"
	MetricMissed  = "missed"
	MetricNoValue = "no_value"
)

// MgmtAuditItem is an internal audit of the period with its finding counts.
type MgmtAuditItem struct {
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	Status          AuditStatus `json:"status"`
	PlannedStart    string      `json:"planned_start"`
	PlannedEnd      string      `json:"planned_end"`
	Findings        int         `json:"findings"`
	Nonconformities int         `json:"nonconformities"`
}

// MgmtProgrammeItem is an audit programme overlapping the period, with its objectives.
type MgmtProgrammeItem struct {
	ID         string `json:"id"`
	Year       int    `json:"year"`
	Title      string `json:"title"`
	Objectives string `json:"objectives"`
}

// MgmtRiskItem is a risk as the inputs list it.
type MgmtRiskItem struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Level string    `json:"level"`
	At    time.Time `json:"at"`
}

// MgmtFindingItem is an opportunity for improvement found by an audit.
type MgmtFindingItem struct {
	ID          string `json:"id"`
	AuditID     string `json:"audit_id"`
	Description string `json:"description"`
	Requirement string `json:"requirement"`
}

// MgmtLessonItem is a lesson from an incident review decided in the period.
// The text of a lesson of a TLP:RED or AMBER+STRICT incident is left out
// (Restricted): the review is read by everyone signed in.
type MgmtLessonItem struct {
	ID             string    `json:"id"`
	IncidentID     string    `json:"incident_id"`
	IncidentNumber string    `json:"incident_number"`
	Kind           string    `json:"kind"`
	Status         string    `json:"status"`
	Text           string    `json:"text"`
	Restricted     bool      `json:"restricted"`
	DecidedAt      time.Time `json:"decided_at"`
}

// MgmtIncidentStats are the incident statistics of the period.
type MgmtIncidentStats struct {
	Opened     int         `json:"opened"`
	Closed     int         `json:"closed"`
	Reports    int         `json:"reports"`
	ByCategory []MgmtCount `json:"by_category"`
	ByPriority []MgmtCount `json:"by_priority"`
	// Medians in seconds over the incidents opened in the period where the
	// time is known; nil when none is.
	MedianToTriage  *int64 `json:"median_to_triage_seconds"`
	MedianToContain *int64 `json:"median_to_contain_seconds"`
	TriageSamples   int    `json:"triage_samples"`
	ContainSamples  int    `json:"contain_samples"`
}

// ReviewInputs are the inputs of a management review compiled from the data
// of its period (ISO/IEC 27001:2022 clause 9.3.2). Lists are capped at
// MaxMgmtListItems; counts are not.
type ReviewInputs struct {
	From       string    `json:"from"`
	To         string    `json:"to"`
	CompiledAt time.Time `json:"compiled_at"`

	// (a) status of actions from previous management reviews.
	PrevOpen        int              `json:"prev_open"`
	PrevOverdue     int              `json:"prev_overdue"`
	PrevClosed      int              `json:"prev_closed"`
	PrevIneffective int              `json:"prev_ineffective"`
	PrevActions     []MgmtActionItem `json:"prev_actions"`

	// (b) changes in external and internal issues.
	Documents      []MgmtDocumentItem `json:"documents"`
	ScopeChanged   bool               `json:"scope_changed"`
	ScopeChangedAt time.Time          `json:"scope_changed_at"`

	// (c) nonconformities and corrective actions; monitoring; audits; objectives.
	FindingsByType     []MgmtCount         `json:"findings_by_type"`
	ActionsOpened      int                 `json:"actions_opened"`
	ActionsClosed      int                 `json:"actions_closed"`
	ActionsOverdue     int                 `json:"actions_overdue"`
	ActionsIneffective int                 `json:"actions_ineffective"`
	Metrics            []MgmtMetricItem    `json:"metrics"`
	MetricsMet         int                 `json:"metrics_met"`
	MetricsMissed      int                 `json:"metrics_missed"`
	MetricsNoValue     int                 `json:"metrics_no_value"`
	Audits             []MgmtAuditItem     `json:"audits"`
	Programmes         []MgmtProgrammeItem `json:"programmes"`

	// (e) results of risk assessment and status of risk treatment.
	RisksByLevel      []MgmtCount    `json:"risks_by_level"`
	TreatmentsOverdue int            `json:"treatments_overdue"`
	ReviewsOverdue    int            `json:"reviews_overdue"`
	Acceptances       []MgmtRiskItem `json:"acceptances"`

	// (f) opportunities for improvement.
	OFIs    []MgmtFindingItem `json:"ofis"`
	Lessons []MgmtLessonItem  `json:"lessons"`

	// Hikeshi: incident statistics of the period.
	Incidents MgmtIncidentStats `json:"incidents"`
}

// MaxMgmtListItems caps each list of the compiled inputs.
const MaxMgmtListItems = 200

// Normalize makes every list non-nil (so JSON shows [] rather than null).
func (in *ReviewInputs) Normalize() {
	nz := func(p *[]MgmtCount) {
		if *p == nil {
			*p = []MgmtCount{}
		}
	}
	nz(&in.FindingsByType)
	nz(&in.RisksByLevel)
	nz(&in.Incidents.ByCategory)
	nz(&in.Incidents.ByPriority)
	if in.PrevActions == nil {
		in.PrevActions = []MgmtActionItem{}
	}
	if in.Documents == nil {
		in.Documents = []MgmtDocumentItem{}
	}
	if in.Metrics == nil {
		in.Metrics = []MgmtMetricItem{}
	}
	if in.Audits == nil {
		in.Audits = []MgmtAuditItem{}
	}
	if in.Programmes == nil {
		in.Programmes = []MgmtProgrammeItem{}
	}
	if in.Acceptances == nil {
		in.Acceptances = []MgmtRiskItem{}
	}
	if in.OFIs == nil {
		in.OFIs = []MgmtFindingItem{}
	}
	if in.Lessons == nil {
		in.Lessons = []MgmtLessonItem{}
	}
}

// CountOf returns the count of key in cs (0 when absent).
func CountOf(cs []MgmtCount, key string) int {
	for _, c := range cs {
		if c.Key == key {
			return c.N
		}
	}
	return 0
}

// MedianSeconds returns the median of ds in whole seconds, nil when empty.
func MedianSeconds(ds []time.Duration) *int64 {
	if len(ds) == 0 {
		return nil
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	v := int64(m / time.Second)
	return &v
}

// ManagementReader is the read side of IS-5: management reviews, their inputs compiled from the period and their decisions.
type ManagementReader interface {
	FindManagementReviewByID(ctx context.Context, id string) (ManagementReview, error)
	// FindManagementReviews lists reviews newest first.
	FindManagementReviews(ctx context.Context, p Page) ([]ManagementReview, error)
	// FindMgmtDecisions lists a review's decisions, oldest first.
	FindMgmtDecisions(ctx context.Context, reviewID string) ([]MgmtDecision, error)
	// CompileReviewInputs compiles the inputs of the period from → to (dates)
	// as of now; the actions of review reviewID itself are not "previous".
	CompileReviewInputs(ctx context.Context, reviewID, from, to string, now time.Time) (ReviewInputs, error)
}

// ManagementWriter is the write side of IS-5: management reviews, their inputs compiled from the period and their decisions.
type ManagementWriter interface {
	CreateManagementReview(ctx context.Context, m ManagementReview) error
	UpdateManagementReview(ctx context.Context, m ManagementReview) error
	CreateMgmtDecision(ctx context.Context, d MgmtDecision) error
}
