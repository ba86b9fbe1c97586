package hikeshi

import (
	"context"
	"fmt"
	"time"
)

// Incidents (IH-5): the CSIRT's response to something that went wrong. An
// incident has a human number, a phase that moves along an enforced table, a
// TLP 2.0 label that decides who may see it, and an OODA record from which the
// loop count and step durations are derived. The timestamps that later
// metrics need (triaged, first response, contained, recovered, closed) are set
// by the workflow, never typed in.

// Phase is where an incident's handling stands.
type Phase string

// The phases of an incident, in workflow order.
const (
	PhaseDiscovery            Phase = "discovery"             // 発見
	PhaseInitialResponse      Phase = "initial_response"      // 初動対応
	PhaseRecovery             Phase = "recovery"              // 復旧
	PhaseRecurrencePrevention Phase = "recurrence_prevention" // 再発防止
	PhaseClosed               Phase = "closed"                // 完了
)

// Phases lists every phase in workflow order.
var Phases = []Phase{PhaseDiscovery, PhaseInitialResponse, PhaseRecovery, PhaseRecurrencePrevention, PhaseClosed}

func (p Phase) index() int {
	for i, v := range Phases {
		if v == p {
			return i
		}
	}
	return -1
}

// Valid reports whether p is a known phase.
func (p Phase) Valid() bool { return p.index() >= 0 }

// TransitionError says why a phase transition was refused.
type TransitionError struct {
	From, To Phase
	Code     string // stable machine code: unknown_phase, same_phase, skip, reopen_required
	Reason   string // one English sentence; the UI localises Code
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("phase %s → %s refused: %s", e.From, e.To, e.Reason)
}

// Unwrap makes a refused transition an ErrInvalid.
func (e *TransitionError) Unwrap() error { return ErrInvalid }

// CheckTransition is the table of allowed phase moves: forward one step, or
// back one step to reopen work. Leaving closed is refused here with
// reopen_required: only an explicit reopen (see CheckReopen) may do it.
// A nil result means the move is allowed.
func CheckTransition(from, to Phase) error {
	fi, ti := from.index(), to.index()
	switch {
	case fi < 0 || ti < 0:
		return &TransitionError{From: from, To: to, Code: "unknown_phase", Reason: "unknown phase"}
	case fi == ti:
		return &TransitionError{From: from, To: to, Code: "same_phase", Reason: "the incident is already in this phase"}
	case from == PhaseClosed:
		return &TransitionError{From: from, To: to, Code: "reopen_required", Reason: "a closed incident must be reopened explicitly by the CSIRT"}
	case ti == fi+1 || ti == fi-1:
		return nil
	}
	return &TransitionError{From: from, To: to, Code: "skip", Reason: "phases move one step forward or one step back"}
}

// ReopenPhase is the phase a reopened incident returns to.
const ReopenPhase = PhaseRecurrencePrevention

// CheckReopen reports whether an incident in phase from may be reopened.
func CheckReopen(from Phase) error {
	if from != PhaseClosed {
		return &TransitionError{From: from, To: ReopenPhase, Code: "not_closed", Reason: "only a closed incident can be reopened"}
	}
	return nil
}

// AllowedTransitions lists the phases an incident in phase from may move to
// with an ordinary transition, in workflow order.
func AllowedTransitions(from Phase) []Phase {
	var out []Phase
	for _, p := range Phases {
		if CheckTransition(from, p) == nil {
			out = append(out, p)
		}
	}
	return out
}

// Reported folds a report linked to the incident into its first-noticed and
// first-reported times: the earliest of each wins.
func (inc Incident) Reported(noticed, reported time.Time) Incident {
	if !noticed.IsZero() && (inc.NoticedAt.IsZero() || noticed.Before(inc.NoticedAt)) {
		inc.NoticedAt = noticed
	}
	if !reported.IsZero() && (inc.ReportedAt.IsZero() || reported.Before(inc.ReportedAt)) {
		inc.ReportedAt = reported
	}
	return inc
}

// EnterPhase returns inc moved into phase to at time at, with the workflow's
// timestamps set: entering initial response marks it triaged, recovery marks
// it contained, recurrence prevention marks it recovered, closed marks it
// closed. A timestamp once set stays (a step back and forward again keeps the
// first time), except ClosedAt, which a reopen clears. It does not check the
// move; call CheckTransition or CheckReopen first.
func EnterPhase(inc Incident, to Phase, at time.Time) Incident {
	setOnce := func(t *time.Time) {
		if t.IsZero() {
			*t = at
		}
	}
	switch to {
	case PhaseInitialResponse:
		setOnce(&inc.TriagedAt)
	case PhaseRecovery:
		setOnce(&inc.TriagedAt)
		setOnce(&inc.ContainedAt)
	case PhaseRecurrencePrevention:
		setOnce(&inc.TriagedAt)
		setOnce(&inc.ContainedAt)
		setOnce(&inc.RecoveredAt)
	case PhaseClosed:
		inc.ClosedAt = at
	}
	if inc.Phase == PhaseClosed && to != PhaseClosed {
		inc.ClosedAt = time.Time{}
	}
	inc.Phase = to
	inc.UpdatedAt = at
	return inc
}

// TLP is a Traffic Light Protocol 2.0 label (FIRST).
type TLP string

// The TLP 2.0 labels, from least to most restricted.
const (
	TLPClear       TLP = "CLEAR"
	TLPGreen       TLP = "GREEN"
	TLPAmber       TLP = "AMBER"
	TLPAmberStrict TLP = "AMBER+STRICT"
	TLPRed         TLP = "RED"
)

// TLPs lists every label from least to most restricted.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// Valid reports whether t is a TLP 2.0 label.
func (t TLP) Valid() bool {
	for _, v := range TLPs {
		if t == v {
			return true
		}
	}
	return false
}

// Restricted reports whether an incident with this label is visible only to
// the CSIRT and the people explicitly added to it (issue 3, part 7).
func (t TLP) Restricted() bool { return t == TLPRed || t == TLPAmberStrict }

// Colour is the label's TLP 2.0 colour on a black background.
func (t TLP) Colour() string {
	switch t {
	case TLPRed:
		return "#FF2B2B"
	case TLPAmber, TLPAmberStrict:
		return "#FFC000"
	case TLPGreen:
		return "#33FF00"
	}
	return "#FFFFFF"
}

// Level is an impact or urgency from 1 (highest) to 4 (lowest).
type Level int

// Valid reports whether l is within 1–4.
func (l Level) Valid() bool { return l >= 1 && l <= 4 }

// Priority is an incident's priority, 1 (most urgent) to 4.
type Priority int

// PriorityMatrix maps impact (row) × urgency (column), both 1–4, to a priority.
type PriorityMatrix [4][4]Priority

// DefaultPriorityMatrix is the ITIL-style matrix used until an organisation
// configures its own: the priority is the mean of impact and urgency, rounded
// towards the more urgent for a critical impact or urgency.
var DefaultPriorityMatrix = PriorityMatrix{
	{1, 1, 2, 2},
	{1, 2, 2, 3},
	{2, 2, 3, 4},
	{2, 3, 4, 4},
}

// Priority looks up the priority of impact × urgency; 0 when either is out of range.
func (m PriorityMatrix) Priority(impact, urgency Level) Priority {
	if !impact.Valid() || !urgency.Valid() {
		return 0
	}
	return m[impact-1][urgency-1]
}

// DefaultPriority is the default matrix's priority of impact × urgency.
func DefaultPriority(impact, urgency Level) Priority {
	return DefaultPriorityMatrix.Priority(impact, urgency)
}

// Incident is one security incident.
type Incident struct {
	ID       string
	Number   string // human number, e.g. INC-2026-0042
	Title    string
	Summary  string
	Category string // an RSIT type key ("phishing") or class key ("fraud")
	Impact   Level
	Urgency  Level
	Priority Priority
	TLP      TLP
	Phase    Phase
	OwnerID  string // the handler in charge; empty = unassigned

	// Set by the workflow, never typed in.
	NoticedAt       time.Time // when the first reporter noticed it, as they say; zero when no report says
	ReportedAt      time.Time // when it first reached the CSIRT: its earliest report, else its creation
	CreatedAt       time.Time // opened as an incident
	TriagedAt       time.Time // the triage decision that opened it, else entering initial response
	FirstResponseAt time.Time // the first OODA act step
	ContainedAt     time.Time // entered recovery
	RecoveredAt     time.Time // entered recurrence prevention
	ClosedAt        time.Time // closed; cleared by a reopen
	UpdatedAt       time.Time
}

// IncidentMember is a person explicitly added to an incident; for TLP:RED and
// AMBER+STRICT only the CSIRT and members see it.
type IncidentMember struct {
	IncidentID string
	UserID     string
	AddedBy    string
	AddedAt    time.Time
}

// OODAKind is the kind of one step of an OODA loop.
type OODAKind string

// The OODA step kinds, in loop order.
const (
	OODAObserve OODAKind = "observe" // 観察
	OODAOrient  OODAKind = "orient"  // 状況判断
	OODADecide  OODAKind = "decide"  // 意思決定
	OODAAct     OODAKind = "act"     // 行動
)

// OODAKinds lists the step kinds in loop order.
var OODAKinds = []OODAKind{OODAObserve, OODAOrient, OODADecide, OODAAct}

// Valid reports whether k is a known step kind.
func (k OODAKind) Valid() bool {
	return k == OODAObserve || k == OODAOrient || k == OODADecide || k == OODAAct
}

// OODAStep is one step of an incident's OODA record.
type OODAStep struct {
	ID         string
	IncidentID string
	Kind       OODAKind
	Text       string
	AuthorID   string
	At         time.Time
}

// OODAStepStat is a step with what is derived from it.
type OODAStepStat struct {
	Step     OODAStep
	Loop     int           // 1-based loop number
	Duration time.Duration // until the next step; 0 for the last step (still open)
}

// OODALoops derives the loop of every step and each step's duration from
// steps in time order. The first step opens loop 1; each observe that comes
// after an act opens a new loop.
func OODALoops(steps []OODAStep) (stats []OODAStepStat, loops int) {
	seenAct := false
	for i, s := range steps {
		switch {
		case i == 0:
			loops = 1
		case s.Kind == OODAObserve && seenAct:
			loops++
			seenAct = false
		}
		if s.Kind == OODAAct {
			seenAct = true
		}
		st := OODAStepStat{Step: s, Loop: loops}
		if i+1 < len(steps) {
			st.Duration = steps[i+1].At.Sub(s.At)
		}
		stats = append(stats, st)
	}
	return stats, loops
}

// IncidentEventKind is the kind of a timeline entry.
type IncidentEventKind string

// The kinds of timeline entries.
const (
	EventCreated  IncidentEventKind = "created"
	EventPhase    IncidentEventKind = "phase"
	EventReopened IncidentEventKind = "reopened"
	EventNote     IncidentEventKind = "note"
	EventUpdated  IncidentEventKind = "updated"
	EventMember   IncidentEventKind = "member"
	EventOODA     IncidentEventKind = "ooda"
)

// IncidentEvent is one entry of an incident's timeline.
type IncidentEvent struct {
	ID         string
	IncidentID string
	Kind       IncidentEventKind
	FromPhase  Phase // for phase changes
	ToPhase    Phase
	Text       string
	AuthorID   string // empty for the system
	At         time.Time
}

// Limits of incident fields, in characters.
const (
	MaxIncidentTitleLen   = 200
	MaxIncidentTextLen    = 20000 // summary, notes, OODA steps
	IncidentNumberPrefix  = "INC"
	incidentCounterPrefix = "incident-"
)

// IncidentCounter names the counter row that numbers the incidents of a year.
func IncidentCounter(year int) string { return fmt.Sprintf("%s%d", incidentCounterPrefix, year) }

// IncidentNumber formats the human number of the n-th incident of a year.
func IncidentNumber(year int, n int64) string {
	return fmt.Sprintf("%s-%d-%04d", IncidentNumberPrefix, year, n)
}

// IncidentFilter selects incidents. Lists are newest first: Page.After is the
// id of the last incident seen and the next page holds older ones.
type IncidentFilter struct {
	Phase Phase // only incidents in this phase; empty = all
	// SeeRestricted lists TLP:RED and AMBER+STRICT incidents too; without it
	// only those of which ViewerID is a member are listed.
	SeeRestricted bool
	ViewerID      string
	// MemberOnly lists only the incidents ViewerID was explicitly added to.
	MemberOnly bool
	Page
}

// CanHandleIncidents reports whether the actor creates and works incidents:
// the CSIRT and admins.
func (a Actor) CanHandleIncidents() bool { return a.Role == RoleCSIRT || a.Role == RoleAdmin }

// CanListIncidents reports whether the actor may see the incident list at all.
// Department members see their task inbox instead.
func (a Actor) CanListIncidents() bool { return a.CanReadAll() }

// SeesRestrictedIncidents reports whether the actor sees every TLP:RED and
// AMBER+STRICT incident without being a member: the CSIRT only.
func (a Actor) SeesRestrictedIncidents() bool { return a.Role == RoleCSIRT }

// IncidentReader is the read side of incidents (IH-5).
type IncidentReader interface {
	FindIncidentByID(ctx context.Context, id string) (Incident, error)
	// FindIncidents lists incidents newest first (by id), filtering the
	// restricted ones the viewer may not see in the query itself.
	FindIncidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	FindIncidentMembers(ctx context.Context, incidentID string) ([]IncidentMember, error)
	IsIncidentMember(ctx context.Context, incidentID, userID string) (bool, error)
	// FindOODASteps lists an incident's OODA steps in time order.
	FindOODASteps(ctx context.Context, incidentID string, p Page) ([]OODAStep, error)
	// FindIncidentEvents lists an incident's timeline oldest first.
	FindIncidentEvents(ctx context.Context, incidentID string, p Page) ([]IncidentEvent, error)
}

// IncidentWriter is the write side of incidents (IH-5).
type IncidentWriter interface {
	CreateIncident(ctx context.Context, inc Incident) error
	// UpdateIncident writes every field of inc except ID, Number and CreatedAt.
	UpdateIncident(ctx context.Context, inc Incident) error
	// AddIncidentMember adds a member; one already added is ErrConflict.
	AddIncidentMember(ctx context.Context, m IncidentMember) error
	RemoveIncidentMember(ctx context.Context, incidentID, userID string) error
	CreateOODAStep(ctx context.Context, s OODAStep) error
	CreateIncidentEvent(ctx context.Context, e IncidentEvent) error
}
