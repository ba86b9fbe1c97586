package hikeshi

import (
	"context"
	"slices"
	"time"
)

// Incident → improvement in real time (IN-1, decision 0032). An accepted
// lesson becomes an Improvement: the record that links it to the measures and
// risks it concerns and to the corrective action (source "lesson") opened
// from it. Under a real-time pattern the action opens when the lesson is
// accepted; under an audit-triggered one the improvement waits until the next
// internal audit is reported or management review held. The improvement lead
// time runs from the incident's close to the action's close (found effective:
// the measure changed).

// ImprovementState is where an improvement stands.
type ImprovementState string

// The states of an improvement.
const (
	// ImprovementWaiting: accepted, waiting for the next internal audit or
	// management review (audit-triggered patterns).
	ImprovementWaiting ImprovementState = "waiting"
	// ImprovementOpen: its corrective action has been opened.
	ImprovementOpen ImprovementState = "open"
)

// Valid reports whether s is a known state.
func (s ImprovementState) Valid() bool { return s == ImprovementWaiting || s == ImprovementOpen }

// Improvement is an accepted lesson on its way to a changed measure.
type Improvement struct {
	ID           string
	LessonID     string
	IncidentID   string
	Category     string // the incident's RSIT category when the lesson was accepted
	DepartmentID string // the routed department once opened, "" while waiting
	State        ImprovementState
	ActionID     string // the corrective action, "" while waiting
	// ReleasedBy says what opened the action: "lesson" (real time),
	// "internal_audit" or "management_review"; "" while waiting.
	ReleasedBy string
	AcceptedAt time.Time
	OpenedAt   time.Time
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Read from the action and the incident, not stored here.
	ActionStatus     ActionStatus
	ActionClosedAt   time.Time
	IncidentClosedAt time.Time
}

// LeadTime is the improvement lead time: incident closed → action closed as
// effective. ok is false until both have happened; a measure changed before
// the incident closed counts as zero.
func (i Improvement) LeadTime() (time.Duration, bool) {
	if i.ActionClosedAt.IsZero() || i.IncidentClosedAt.IsZero() {
		return 0, false
	}
	return max(0, i.ActionClosedAt.Sub(i.IncidentClosedAt)), true
}

// Improvement releases: what opened an improvement's action.
const (
	ReleasedByLesson           = "lesson"
	ReleasedByInternalAudit    = "internal_audit"
	ReleasedByManagementReview = "management_review"
	ReleasedByPatternChange    = "pattern_change" // a switch to a real-time pattern released it
)

// MaxLessonLinks bounds the measures (and, separately, the risks) a lesson names.
const MaxLessonLinks = 50

// LessonLinks are the measures and risks a lesson concerns, chosen by the reviewer.
type LessonLinks struct {
	MeasureIDs []string
	RiskIDs    []string
}

// ImprovementFilter selects improvements, newest first.
type ImprovementFilter struct {
	State     ImprovementState // "" = all
	MeasureID string           // only those linked to this measure
	RiskID    string           // only those linked to this risk
	Page
}

// ImprovementLeadTime is one closed improvement for the dashboard.
type ImprovementLeadTime struct {
	ImprovementID string
	IncidentID    string
	Category      string
	DepartmentID  string // the department the action was routed to
	ClosedAt      time.Time
	LeadTime      time.Duration
}

// CategoryControls is the small table of suggestions (decision 0032): for an
// RSIT class, the ISO/IEC 27001:2022 Annex A controls whose measures a lesson
// of that class typically concerns. A type key is looked up by its class.
var CategoryControls = map[string][]string{
	"abusive-content":              {"A.5.10", "A.6.3", "A.8.23"},
	"malicious-code":               {"A.8.7", "A.8.8", "A.8.16", "A.6.3"},
	"information-gathering":        {"A.8.16", "A.8.20", "A.6.3"},
	"intrusion-attempts":           {"A.8.5", "A.8.8", "A.8.16", "A.8.20"},
	"intrusions":                   {"A.5.15", "A.5.18", "A.8.2", "A.8.5", "A.8.8", "A.8.16"},
	"availability":                 {"A.5.29", "A.5.30", "A.8.6", "A.8.13", "A.8.14", "A.8.9"},
	"information-content-security": {"A.5.12", "A.5.15", "A.8.3", "A.8.12", "A.8.13"},
	"fraud":                        {"A.5.16", "A.5.17", "A.6.3", "A.8.23"},
	"vulnerable":                   {"A.8.8", "A.8.9", "A.8.24", "A.8.20"},
}

// SuggestedControls returns the Annex A controls suggested for an incident
// category (a class or type key), nil for unknown ones.
func SuggestedControls(category string) []string {
	if c, ok := CategoryControls[category]; ok {
		return slices.Clone(c)
	}
	if class, _, ok := RSITLookup(category); ok {
		return slices.Clone(CategoryControls[class.Key])
	}
	return nil
}

// ImprovementReader is the read side of IN-1.
type ImprovementReader interface {
	FindImprovementByLesson(ctx context.Context, lessonID string) (Improvement, error)
	// FindImprovements lists improvements newest first (keyset by id).
	FindImprovements(ctx context.Context, f ImprovementFilter) ([]Improvement, error)
	// FindWaitingImprovements lists waiting improvements oldest first,
	// after the id after ("" = from the start), at most limit.
	FindWaitingImprovements(ctx context.Context, after string, limit int) ([]Improvement, error)
	FindLessonLinks(ctx context.Context, lessonID string) (LessonLinks, error)
	// FindImprovementLeadTimes lists improvements whose action was closed
	// (as effective) in [from, to), with the lead time from the incident's
	// close, the routed department and the incident's category. For the
	// dashboard (IN-5). Only improvements of closed incidents are listed.
	FindImprovementLeadTimes(ctx context.Context, from, to time.Time) ([]ImprovementLeadTime, error)
	// FindRiskReassessSince returns the latest close time of an improvement
	// action linked to the risk (zero if none): the risk is flagged for
	// re-assessment while that is after its AssessedAt.
	FindRiskReassessSince(ctx context.Context, riskID string) (time.Time, error)
}

// ImprovementWriter is the write side of IN-1.
type ImprovementWriter interface {
	CreateImprovement(ctx context.Context, i Improvement) error
	UpdateImprovement(ctx context.Context, i Improvement) error
	// DeleteImprovement removes a waiting improvement (its lesson was reconsidered).
	DeleteImprovement(ctx context.Context, id string) error
	// SetLessonLinks replaces a lesson's measures and risks.
	SetLessonLinks(ctx context.Context, lessonID string, l LessonLinks) error
}
