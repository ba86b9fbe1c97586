package hikeshi

import (
	"context"
	"time"
)

// ISMSOverview is where the PDCA cycle stands on one day: what is planned,
// implemented, checked and acted on, and what falls due. It is counted from
// the ISMS's own tables, which stay small (hundreds to a few thousand rows),
// so the counts are exact.
type ISMSOverview struct {
	// Plan: policy documents and the risk register.
	DocumentsApproved, DocumentsInReview, DocumentsDraft int
	DocumentReviewsDue, DocumentReviewsOverdue           int
	ScopeDefined                                         bool
	Risks, RisksHigh, RisksUntreated                     int
	RiskReviewsOverdue, TreatmentsOverdue                int
	RisksAwaitingAcceptance                              int

	// Do: measures and the Statement of Applicability.
	MeasuresPlanned, MeasuresPartial, MeasuresImplemented int
	SoADecided, SoAApplicable, SoAImplemented             int
	AnnexAControls                                        int

	// Check: monitoring and internal audit.
	Metrics, MetricsMet, MetricsMissed, MetricsNoValue int
	AuditsPlanned, AuditsInProgress, AuditsReported    int
	AuditsClosed, AuditsOverdue                        int
	Nonconformities                                    int

	// Act: corrective actions, lessons and management reviews.
	ActionsOpen, ActionsOverdue, ActionsAwaitingCheck int
	ActionsIneffective, ActionsClosed                 int
	LessonsProposed, LessonsWithoutAction             int
	LastManagementReview                              time.Time // zero: none held yet
	ManagementReviewsPlanned                          int

	// Due lists what falls due within DueHorizon or is overdue, soonest
	// first, up to DueLimit items.
	Due []DueItem
}

// DueHorizon is how far ahead the ISMS overview looks for what falls due.
const DueHorizon = 30 * 24 * time.Hour

// DueLimit caps the overview's list of what falls due.
const DueLimit = 25

// DueKind is the kind of thing that falls due in the ISMS.
type DueKind string

// What can fall due.
const (
	DueDocumentReview   DueKind = "document_review"
	DueRiskReview       DueKind = "risk_review"
	DueRiskTreatment    DueKind = "risk_treatment"
	DueAudit            DueKind = "audit"
	DueAction           DueKind = "action"
	DueManagementReview DueKind = "management_review"
)

// DueItem is one thing that falls due: a review, audit, treatment or action.
type DueItem struct {
	Kind    DueKind
	ID      string
	Title   string
	Due     time.Time // for date-only items, midnight UTC of the day
	Overdue bool
}

// ISMSReader reads the ISMS overview.
type ISMSReader interface {
	ISMSOverview(ctx context.Context, now time.Time) (ISMSOverview, error)
}
