package hikeshi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Triage (IH-4): the CSIRT looks at every report from people, classifies it
// (RSIT category, impact × urgency → priority through the organisation's
// matrix, TLP 2.0 label, owner, response policy) and decides what it is: a
// new incident, part of an incident already open, not an incident, or a
// duplicate of another report. Every classification and decision is kept
// with its time and author; a decision can be revisited, the history stays.

// ResponsePolicy is how the CSIRT answers a report.
type ResponsePolicy string

// The response policies.
const (
	PolicyFullResponse   ResponsePolicy = "full_response"   // the CSIRT handles it as an incident
	PolicyMonitor        ResponsePolicy = "monitor"         // watch for more signs; no action yet
	PolicyForward        ResponsePolicy = "forward"         // hand over to the party responsible (a department, a vendor, another CSIRT)
	PolicyAdviseReporter ResponsePolicy = "advise_reporter" // tell the reporter what to do
)

// ResponsePolicies lists every policy in display order.
var ResponsePolicies = []ResponsePolicy{PolicyFullResponse, PolicyMonitor, PolicyForward, PolicyAdviseReporter}

// Valid reports whether p is a known policy.
func (p ResponsePolicy) Valid() bool {
	for _, v := range ResponsePolicies {
		if p == v {
			return true
		}
	}
	return false
}

// TriageAction is one entry of a report's triage history: a classification
// saved, or a decision taken.
type TriageAction string

// The triage actions. Classified is not a decision: it records that the
// classification was set; the others decide what the report is.
const (
	TriageClassified  TriageAction = "classified"
	TriageNewIncident TriageAction = "new_incident" // opens an incident from the report
	TriageAttach      TriageAction = "attach"       // the report belongs to an incident already open
	TriageNotIncident TriageAction = "not_incident" // closed with a reason; the reporter is answered
	TriageDuplicate   TriageAction = "duplicate"    // the same as another report
)

// TriageDecisions lists the decisions (every action but classified) in display order.
var TriageDecisions = []TriageAction{TriageNewIncident, TriageAttach, TriageNotIncident, TriageDuplicate}

// TriageActions lists every action.
var TriageActions = append([]TriageAction{TriageClassified}, TriageDecisions...)

// IsDecision reports whether a is one of TriageDecisions.
func (a TriageAction) IsDecision() bool {
	return a == TriageNewIncident || a == TriageAttach || a == TriageNotIncident || a == TriageDuplicate
}

// Valid reports whether a is a known action.
func (a TriageAction) Valid() bool { return a == TriageClassified || a.IsDecision() }

// TriageClassification is what the CSIRT sets on a report before deciding.
type TriageClassification struct {
	Category   string // an RSIT class or type key
	Impact     Level
	Urgency    Level
	Priority   Priority // from impact × urgency through the matrix; never typed in
	TLP        TLP
	OwnerID    string // a CSIRT member or admin; empty = unassigned
	Policy     ResponsePolicy
	PolicyNote string
}

// ReportTriage is the current triage state of one report: its latest
// classification and its latest decision.
type ReportTriage struct {
	ReportID string
	TriageClassification
	Decision      TriageAction // the latest decision; empty while undecided
	DuplicateOfID string       // the report this one duplicates (decision duplicate)
	Reason        string       // why it is not an incident (decision not_incident)
	ClassifiedBy  string
	ClassifiedAt  time.Time
	DecidedBy     string
	DecidedAt     time.Time // zero while undecided
}

// Classified reports whether a classification was saved.
func (t ReportTriage) Classified() bool { return !t.ClassifiedAt.IsZero() }

// TriageRecord is one entry of a report's triage history, with the
// classification as it stood then.
type TriageRecord struct {
	ID       string
	ReportID string
	Action   TriageAction
	TriageClassification
	IncidentID    string // new_incident, attach: the incident
	DuplicateOfID string // duplicate: the original report
	Reason        string // not_incident: why
	MessageID     string // not_incident: the answer written to the reporter, if any
	AuthorID      string
	At            time.Time
}

// ReportIncident links a report to the incident it belongs to. A report
// belongs to at most one incident; an incident may have many reports.
type ReportIncident struct {
	ReportID   string
	IncidentID string
	LinkedBy   string
	LinkedAt   time.Time
}

// IncidentLink relates two incidents, symmetrically, with a note. It is
// stored once, with IncidentID < RelatedID.
type IncidentLink struct {
	ID         string
	IncidentID string
	RelatedID  string
	Note       string
	CreatedBy  string
	CreatedAt  time.Time
}

// Other returns the incident of l that is not id.
func (l IncidentLink) Other(id string) string {
	if l.IncidentID == id {
		return l.RelatedID
	}
	return l.IncidentID
}

// IncidentMerge records that an incident was merged into another: its
// reports moved there and it was closed.
type IncidentMerge struct {
	IncidentID string // the merged (closed) incident
	IntoID     string // the incident it lives on in
	Note       string
	MergedBy   string
	MergedAt   time.Time
}

// TriageQueueItem is a report waiting for triage, with its triage state
// (zero when nothing was saved yet).
type TriageQueueItem struct {
	Report  Report
	Triage  ReportTriage
	Waiting time.Duration // since the report arrived, by the service's clock; not stored
}

// Limits of triage fields, in characters.
const (
	MaxTriageNoteLen = 2000 // policy note, reason, link and merge notes
)

// The settings keys of triage.
const (
	// SettingPriorityMatrix holds the impact × urgency matrix as JSON: four
	// rows (impact 1–4) of four priorities (urgency 1–4).
	SettingPriorityMatrix = "triage.priority_matrix"
	// SettingTaxonomyDisabled holds the RSIT keys the organisation does not
	// use, as a JSON array. Stored as the disabled set so that everything is
	// enabled by default, and keys a later taxonomy adds are too.
	SettingTaxonomyDisabled = "triage.taxonomy_disabled"
)

// ParsePriorityMatrix reads a matrix setting; every cell must be 1–4.
func ParsePriorityMatrix(s string) (PriorityMatrix, error) {
	var rows [][]int
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return PriorityMatrix{}, fmt.Errorf("priority matrix: %w", err)
	}
	return MatrixFromRows(rows)
}

// MatrixFromRows builds a matrix from four rows of four priorities; any
// other shape or a cell outside 1–4 is a ValidationError on field matrix.
func MatrixFromRows(rows [][]int) (PriorityMatrix, error) {
	var m PriorityMatrix
	if len(rows) != 4 {
		return m, Invalid("matrix", "shape", "the matrix has four rows (impact 1–4) of four priorities (urgency 1–4)")
	}
	for i, row := range rows {
		if len(row) != 4 {
			return m, Invalid("matrix", "shape", "the matrix has four rows (impact 1–4) of four priorities (urgency 1–4)")
		}
		for j, p := range row {
			if p < 1 || p > 4 {
				return m, Invalid("matrix", "out_of_range", fmt.Sprintf("impact %d × urgency %d: a priority is 1 to 4", i+1, j+1))
			}
			m[i][j] = Priority(p)
		}
	}
	return m, nil
}

// Rows returns the matrix as four rows of four priorities.
func (m PriorityMatrix) Rows() [][]int {
	out := make([][]int, 4)
	for i := range m {
		out[i] = make([]int, 4)
		for j := range m[i] {
			out[i][j] = int(m[i][j])
		}
	}
	return out
}

// Taxonomy is the set of RSIT keys an organisation does not use. Disabled
// keys are not offered for new classifications; records that carry one keep it.
type Taxonomy struct {
	Disabled map[string]bool
}

// Enabled reports whether a category key may be chosen: it is known, and
// neither it nor its class is disabled.
func (t Taxonomy) Enabled(key string) bool {
	c, _, ok := RSITLookup(key)
	if !ok {
		return false
	}
	return !t.Disabled[key] && !t.Disabled[c.Key]
}

// EnabledKeys lists every key that may be chosen, in taxonomy order.
func (t Taxonomy) EnabledKeys() []string {
	var out []string
	for _, k := range RSITKeys() {
		if t.Enabled(k) {
			out = append(out, k)
		}
	}
	return out
}

// Classes returns the taxonomy with only the enabled classes and types, for
// forms. A class whose own key is disabled is left out with its types.
func (t Taxonomy) Classes() []RSITClass {
	var out []RSITClass
	for _, c := range RSIT {
		if t.Disabled[c.Key] {
			continue
		}
		cc := RSITClass{Key: c.Key, EN: c.EN, JA: c.JA}
		for _, ty := range c.Types {
			if ty.Key == c.Key || !t.Disabled[ty.Key] {
				cc.Types = append(cc.Types, ty)
			}
		}
		out = append(out, cc)
	}
	return out
}

// RSITKeys lists every class and type key once, in taxonomy order (a class,
// then its types; "other" and "test" are both a class and a type).
func RSITKeys() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range RSIT {
		for _, k := range append([]string{c.Key}, typeKeys(c)...) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func typeKeys(c RSITClass) []string {
	out := make([]string, len(c.Types))
	for i, t := range c.Types {
		out[i] = t.Key
	}
	return out
}

// TriageReader is the read side of triage of reports (IH-4).
type TriageReader interface {
	// FindTriageQueue lists the reports in status new or in_triage, oldest
	// first (Page.After is the id of the last report seen), with their triage.
	FindTriageQueue(ctx context.Context, p Page) ([]TriageQueueItem, error)
	// FindReportTriage returns a report's triage; ErrNotFound when none was saved.
	FindReportTriage(ctx context.Context, reportID string) (ReportTriage, error)
	// FindTriageRecords lists a report's triage history oldest first.
	FindTriageRecords(ctx context.Context, reportID string, p Page) ([]TriageRecord, error)
	// FindReportIncident returns the incident link of a report; ErrNotFound when it has none.
	FindReportIncident(ctx context.Context, reportID string) (ReportIncident, error)
	// FindIncidentReports lists the reports linked to an incident, oldest first.
	FindIncidentReports(ctx context.Context, incidentID string, p Page) ([]Report, error)
	// FindIncidentLinks lists the links of an incident, in either direction, oldest first.
	FindIncidentLinks(ctx context.Context, incidentID string) ([]IncidentLink, error)
	// FindIncidentMerge returns the merge of an incident into another; ErrNotFound when not merged.
	FindIncidentMerge(ctx context.Context, incidentID string) (IncidentMerge, error)
	// FindIncidentMergesInto lists the incidents merged into an incident, oldest first.
	FindIncidentMergesInto(ctx context.Context, intoID string) ([]IncidentMerge, error)
	// FindIncidentIDByNumber resolves a human incident number.
	FindIncidentIDByNumber(ctx context.Context, number string) (string, error)
	// FindReportIDByNumber resolves a human report number.
	FindReportIDByNumber(ctx context.Context, number string) (string, error)
}

// TriageWriter is the write side of triage of reports (IH-4).
type TriageWriter interface {
	// PutReportTriage inserts or replaces a report's triage state.
	PutReportTriage(ctx context.Context, t ReportTriage) error
	// CreateTriageRecord appends to a report's triage history.
	CreateTriageRecord(ctx context.Context, r TriageRecord) error
	// CreateReportIncident links a report that has no incident yet; a report
	// linked already is ErrConflict, also against a concurrent transaction.
	CreateReportIncident(ctx context.Context, l ReportIncident) error
	// PutReportIncident links a report to an incident, replacing a link it had.
	PutReportIncident(ctx context.Context, l ReportIncident) error
	// DeleteReportIncident removes a report's incident link; none is ErrNotFound.
	DeleteReportIncident(ctx context.Context, reportID string) error
	// MoveIncidentReports links every report of one incident to another and
	// returns how many moved.
	MoveIncidentReports(ctx context.Context, fromID, toID string, by string, at time.Time) (int, error)
	// CreateIncidentLink relates two incidents; an existing link is ErrConflict.
	CreateIncidentLink(ctx context.Context, l IncidentLink) error
	// CreateIncidentMerge records a merge; an incident merged already is ErrConflict.
	CreateIncidentMerge(ctx context.Context, m IncidentMerge) error
}
