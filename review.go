package hikeshi

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Post-incident reviews (IH-8), blameless by design. A review asks what in
// the system, the process or the technology allowed the incident — never who
// caused it: there is no person field besides the participants (attendance),
// and the contributing factors describe conditions, not people. Each lesson
// is a record of its own under the review; an accepted lesson is what the
// ISMS side later turns into an improvement action (IN-1), whose id the
// lesson keeps.

// ReviewStatus is where a review stands.
type ReviewStatus string

// The statuses of a review.
const (
	ReviewDraft     ReviewStatus = "draft"
	ReviewCompleted ReviewStatus = "completed"
)

// ReviewStatuses lists every review status in workflow order.
var ReviewStatuses = []ReviewStatus{ReviewDraft, ReviewCompleted}

// Valid reports whether s is a known review status.
func (s ReviewStatus) Valid() bool { return slices.Contains(ReviewStatuses, s) }

// Factor is a contributing factor: a condition that made the incident
// possible or worse. It never names a person.
type Factor string

// The contributing factors.
const (
	FactorProcess       Factor = "process"
	FactorTechnology    Factor = "technology"
	FactorSkills        Factor = "skills" // people's skills and training: a gap in training, not a person
	FactorCommunication Factor = "communication"
	FactorSupplier      Factor = "supplier"
	FactorOther         Factor = "other"
)

// Factors lists every contributing factor in display order.
var Factors = []Factor{FactorProcess, FactorTechnology, FactorSkills, FactorCommunication, FactorSupplier, FactorOther}

// Valid reports whether f is a known factor.
func (f Factor) Valid() bool { return slices.Contains(Factors, f) }

// SortFactors returns fs without duplicates, in display order; unknown
// factors are kept at the end so that validation can name them.
func SortFactors(fs []Factor) []Factor {
	out := make([]Factor, 0, len(fs))
	for _, f := range Factors {
		if slices.Contains(fs, f) {
			out = append(out, f)
		}
	}
	for _, f := range fs {
		if !f.Valid() && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// JoinFactors and SplitFactors convert factors to and from the stored text
// (comma-separated keys; keys never hold a comma).
func JoinFactors(fs []Factor) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = string(f)
	}
	return strings.Join(parts, ",")
}

// SplitFactors is the inverse of JoinFactors.
func SplitFactors(s string) []Factor {
	if s == "" {
		return nil
	}
	var out []Factor
	for _, p := range strings.Split(s, ",") {
		out = append(out, Factor(p))
	}
	return out
}

// Review is the post-incident review of one incident.
type Review struct {
	ID           string
	IncidentID   string
	RootCause    string // what in the system, process or technology allowed it
	WentWell     string
	ToChange     string
	Factors      []Factor
	Participants []string // user ids of those who took part: attendance, not blame
	Status       ReviewStatus
	CompletedAt  time.Time // set by the workflow
	CompletedBy  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ReviewPhase reports whether an incident in phase p may have its review
// written: once it has reached recovery (recurrence prevention is the natural
// phase). A closed incident's review is read-only until it is reopened.
func ReviewPhase(p Phase) bool { return p == PhaseRecovery || p == PhaseRecurrencePrevention }

// ReviewOffered reports whether an incident in phase p shows the review at
// all: from recovery on, closed included.
func ReviewOffered(p Phase) bool { return ReviewPhase(p) || p == PhaseClosed }

// MeasureKind is the kind of measure a lesson suggests; the ISMS side maps it
// to the kind of improvement action it opens.
type MeasureKind string

// The kinds of measure.
const (
	MeasurePolicy       MeasureKind = "policy"
	MeasureProcess      MeasureKind = "process"
	MeasureTechnical    MeasureKind = "technical"
	MeasureTraining     MeasureKind = "training"
	MeasureOrganisation MeasureKind = "organisation"
)

// MeasureKinds lists every kind of measure in display order.
var MeasureKinds = []MeasureKind{MeasurePolicy, MeasureProcess, MeasureTechnical, MeasureTraining, MeasureOrganisation}

// Valid reports whether k is a known kind of measure.
func (k MeasureKind) Valid() bool { return slices.Contains(MeasureKinds, k) }

// LessonStatus is where a lesson stands.
type LessonStatus string

// The statuses of a lesson.
const (
	LessonProposed LessonStatus = "proposed"
	LessonAccepted LessonStatus = "accepted"
	LessonDeclined LessonStatus = "declined"
)

// LessonStatuses lists every lesson status.
var LessonStatuses = []LessonStatus{LessonProposed, LessonAccepted, LessonDeclined}

// Valid reports whether s is a known lesson status.
func (s LessonStatus) Valid() bool { return slices.Contains(LessonStatuses, s) }

// Lesson is one thing learned from an incident and the change it proposes.
type Lesson struct {
	ID             string
	IncidentID     string
	ReviewID       string
	Text           string // what we learned
	ProposedChange string // what to change
	Kind           MeasureKind
	DepartmentID   string // the department it concerns; empty = none in particular
	Status         LessonStatus
	DecisionReason string // why it was declined (or accepted, optionally)
	DecidedBy      string
	DecidedAt      time.Time
	// ImprovementActionID is the ISMS improvement action opened from the
	// lesson (IN-1). Only that workflow sets it; users never edit it.
	ImprovementActionID string
	AuthorID            string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// LessonError says why a lesson's status change was refused.
type LessonError struct {
	From, To LessonStatus
	Code     string // same_status, unknown_status, linked
	Reason   string
}

func (e *LessonError) Error() string {
	return "lesson " + string(e.From) + " → " + string(e.To) + " refused: " + e.Reason
}

// Unwrap makes a refused change an ErrInvalid.
func (e *LessonError) Unwrap() error { return ErrInvalid }

// CheckLessonStatus is the table of a lesson's moves: a proposed lesson is
// accepted or declined; a decided one may go back to proposed (reconsidered)
// or to the other decision, until an improvement action has been opened from
// it. A nil result means the move is allowed.
func CheckLessonStatus(l Lesson, to LessonStatus) error {
	switch {
	case !to.Valid():
		return &LessonError{From: l.Status, To: to, Code: "unknown_status", Reason: "status must be proposed, accepted or declined"}
	case to == l.Status:
		return &LessonError{From: l.Status, To: to, Code: "same_status", Reason: "the lesson already has this status"}
	case l.ImprovementActionID != "":
		return &LessonError{From: l.Status, To: to, Code: "linked", Reason: "an improvement action has been opened from the lesson"}
	}
	return nil
}

// Limits of review fields.
const (
	MaxReviewTextLen      = 20000 // root cause, went well, to change
	MaxLessonTextLen      = 5000  // a lesson's text and proposed change
	MaxLessonReasonLen    = 2000
	MaxReviewParticipants = 100
)

// LessonFilter selects lessons across incidents. Lists are newest first:
// Page.After is the id of the last lesson seen.
type LessonFilter struct {
	Status     LessonStatus // empty = all
	IncidentID string       // only this incident's lessons; empty = all
	// SeeRestricted lists the lessons of TLP:RED and AMBER+STRICT incidents
	// too; without it only those of incidents ViewerID is a member of.
	SeeRestricted bool
	ViewerID      string
	Page
}

// ReviewReader is the read side of post-incident reviews and lessons (IH-8).
type ReviewReader interface {
	// FindReviewByIncident returns an incident's review (ErrNotFound if none).
	FindReviewByIncident(ctx context.Context, incidentID string) (Review, error)
	FindLessonByID(ctx context.Context, id string) (Lesson, error)
	// FindLessons lists lessons newest first, filtering those of restricted
	// incidents the viewer may not see in the query itself.
	FindLessons(ctx context.Context, f LessonFilter) ([]Lesson, error)
}

// ReviewWriter is the write side of post-incident reviews and lessons (IH-8).
type ReviewWriter interface {
	CreateReview(ctx context.Context, r Review) error
	// UpdateReview writes every field of r except ID, IncidentID and
	// CreatedAt, and replaces its participants.
	UpdateReview(ctx context.Context, r Review) error
	CreateLesson(ctx context.Context, l Lesson) error
	// UpdateLesson writes every field of l except ID, IncidentID, ReviewID,
	// AuthorID and CreatedAt.
	UpdateLesson(ctx context.Context, l Lesson) error
}
