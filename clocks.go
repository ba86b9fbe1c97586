package hikeshi

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Clocks (IH-6): the service-level timers of an incident (time to triage, to
// first response, to containment), whose targets depend on its priority, and
// the regulatory notification clocks that facts about the incident start
// (APPI, GDPR art. 33, NIS2). Every clock's start, due and stop time is
// derived by DeriveClocks from the incident, its facts, the targets and the
// notifications the CSIRT recorded; the stored rows are that derivation kept
// up to date, so that reminder jobs and the list of what is due can read them.

// ClockKind names one clock.
type ClockKind string

// The clock kinds: three service-level timers and six regulatory clocks.
const (
	ClockTriage           ClockKind = "sla_triage"
	ClockFirstResponse    ClockKind = "sla_first_response"
	ClockContainment      ClockKind = "sla_containment"
	ClockAPPIPreliminary  ClockKind = "appi_preliminary"   // 速報: promptly, about 3–5 days
	ClockAPPIFinal        ClockKind = "appi_final"         // 確報: 30 days, 60 for a malicious act
	ClockGDPR             ClockKind = "gdpr_art33"         // 72 hours from awareness
	ClockNIS2EarlyWarning ClockKind = "nis2_early_warning" // 24 hours
	ClockNIS2Notification ClockKind = "nis2_notification"  // 72 hours
	ClockNIS2Final        ClockKind = "nis2_final"         // one month after the notification
)

// ClockKinds lists every kind in display order.
var ClockKinds = []ClockKind{ClockTriage, ClockFirstResponse, ClockContainment, ClockAPPIPreliminary, ClockAPPIFinal,
	ClockGDPR, ClockNIS2EarlyWarning, ClockNIS2Notification, ClockNIS2Final}

// Valid reports whether k is a known kind.
func (k ClockKind) Valid() bool {
	for _, v := range ClockKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Regulatory reports whether k is a notification clock that stops when the
// CSIRT records the notification as done (and not by the workflow).
func (k ClockKind) Regulatory() bool {
	switch k {
	case ClockTriage, ClockFirstResponse, ClockContainment:
		return false
	}
	return k.Valid()
}

// The regulatory periods. APPI's preliminary report is due "promptly", which
// the PPC's guidelines put at about 3–5 days: the clock's due time is the
// outer bound and the reminders come earlier.
const (
	APPIPreliminaryPeriod = 5 * 24 * time.Hour
	APPIFinalPeriod       = 30 * 24 * time.Hour
	APPIFinalMalicious    = 60 * 24 * time.Hour
	GDPRPeriod            = 72 * time.Hour
	NIS2EarlyWarning      = 24 * time.Hour
	NIS2Notification      = 72 * time.Hour
)

// SLATarget is the time allowed for each service-level timer of one priority.
type SLATarget struct {
	Triage        time.Duration
	FirstResponse time.Duration
	Containment   time.Duration
}

// ClockTargets are the service-level targets by priority (index 0 = P1).
type ClockTargets [4]SLATarget

// DefaultClockTargets are the targets until an organisation sets its own:
// P1 15 min / 1 h / 4 h, P2 1 h / 4 h / 24 h, P3 4 h / 24 h / 3 d,
// P4 24 h / 3 d / 10 d (see docs/decisions/0018-clocks-and-reminders.md).
var DefaultClockTargets = ClockTargets{
	{Triage: 15 * time.Minute, FirstResponse: time.Hour, Containment: 4 * time.Hour},
	{Triage: time.Hour, FirstResponse: 4 * time.Hour, Containment: 24 * time.Hour},
	{Triage: 4 * time.Hour, FirstResponse: 24 * time.Hour, Containment: 3 * 24 * time.Hour},
	{Triage: 24 * time.Hour, FirstResponse: 3 * 24 * time.Hour, Containment: 10 * 24 * time.Hour},
}

// MaxSLATarget bounds a configured target.
const MaxSLATarget = 365 * 24 * time.Hour

// For returns the target of a priority; an unknown priority gets P4's.
func (t ClockTargets) For(p Priority) SLATarget {
	if p < 1 || p > 4 {
		p = 4
	}
	return t[p-1]
}

// Validate checks every target: positive, at most a year, and triage and
// first response no later than containment. Fields are named p1.triage etc.
func (t ClockTargets) Validate() error {
	var v ValidationError
	for i, s := range t {
		p := fmt.Sprintf("p%d.", i+1)
		for _, f := range []struct {
			name string
			d    time.Duration
		}{{"triage", s.Triage}, {"first_response", s.FirstResponse}, {"containment", s.Containment}} {
			switch {
			case f.d < time.Minute:
				v.Add(p+f.name, "out_of_range", "a target is at least one minute")
			case f.d > MaxSLATarget:
				v.Add(p+f.name, "out_of_range", "a target is at most 365 days")
			}
		}
		if s.Triage > s.Containment && s.Containment >= time.Minute {
			v.Add(p+"triage", "after_containment", "time to triage cannot be longer than time to containment")
		}
		if s.FirstResponse > s.Containment && s.Containment >= time.Minute {
			v.Add(p+"first_response", "after_containment", "time to first response cannot be longer than time to containment")
		}
	}
	return v.Err()
}

// IncidentFacts are the facts about an incident that start regulatory clocks.
// AwareAt is when the organisation became aware of the breach: a fact (it may
// be earlier than when it was recorded), never in the future.
type IncidentFacts struct {
	IncidentID   string
	PersonalData bool // a personal-data breach reportable under Japan's APPI
	Malicious    bool // the breach was caused by a malicious act (APPI: 60 days)
	GDPR         bool // EU personal data: GDPR art. 33 applies
	NIS2         bool // an essential or important entity under NIS2
	AwareAt      time.Time
	UpdatedBy    string
	UpdatedAt    time.Time
}

// Any reports whether any fact starts a clock.
func (f IncidentFacts) Any() bool { return f.PersonalData || f.GDPR || f.NIS2 }

// ClockSpec is what DeriveClocks says of one clock.
type ClockSpec struct {
	Kind      ClockKind
	StartedAt time.Time
	DueAt     time.Time
	StoppedAt time.Time // zero while running
}

// DeriveClocks computes every clock that applies to inc: the three
// service-level timers from the time it reached the CSIRT (its earliest
// report, else its creation), due by the targets of its priority,
// stopped by the workflow's timestamps (or by closing it: a closed incident
// owes no more service-level steps); and the regulatory clocks its facts
// start from AwareAt. notified holds the time each regulatory clock's
// notification was recorded done; the NIS2 final report is due one month after
// the NIS2 notification and exists only once that is done.
func DeriveClocks(inc Incident, f IncidentFacts, t ClockTargets, notified map[ClockKind]time.Time) []ClockSpec {
	target := t.For(inc.Priority)
	var out []ClockSpec
	sla := func(k ClockKind, d time.Duration, stop time.Time) {
		if stop.IsZero() && !inc.ClosedAt.IsZero() {
			stop = inc.ClosedAt
		}
		start := inc.ReportedAt
		if start.IsZero() {
			start = inc.CreatedAt
		}
		out = append(out, ClockSpec{Kind: k, StartedAt: start, DueAt: start.Add(d), StoppedAt: stop})
	}
	sla(ClockTriage, target.Triage, inc.TriagedAt)
	sla(ClockFirstResponse, target.FirstResponse, inc.FirstResponseAt)
	sla(ClockContainment, target.Containment, inc.ContainedAt)
	if !f.Any() || f.AwareAt.IsZero() {
		return out
	}
	reg := func(k ClockKind, start, due time.Time) {
		out = append(out, ClockSpec{Kind: k, StartedAt: start, DueAt: due, StoppedAt: notified[k]})
	}
	aware := f.AwareAt
	if f.PersonalData {
		reg(ClockAPPIPreliminary, aware, aware.Add(APPIPreliminaryPeriod))
		final := APPIFinalPeriod
		if f.Malicious {
			final = APPIFinalMalicious
		}
		reg(ClockAPPIFinal, aware, aware.Add(final))
	}
	if f.GDPR {
		reg(ClockGDPR, aware, aware.Add(GDPRPeriod))
	}
	if f.NIS2 {
		reg(ClockNIS2EarlyWarning, aware, aware.Add(NIS2EarlyWarning))
		reg(ClockNIS2Notification, aware, aware.Add(NIS2Notification))
		if n := notified[ClockNIS2Notification]; !n.IsZero() {
			reg(ClockNIS2Final, n, n.UTC().AddDate(0, 1, 0))
		}
	}
	return out
}

// ClockStage is a step in a clock's reminders.
type ClockStage string

// The stages: a reminder at three quarters of the interval, one a day before
// due for clocks longer than two days, and an escalation when overdue.
const (
	StageRemind    ClockStage = "remind"
	StageRemindDay ClockStage = "remind_day"
	StageEscalate  ClockStage = "escalate"
)

// ClockAlert is when a stage of a clock fires.
type ClockAlert struct {
	Stage ClockStage
	At    time.Time
}

// ClockAlerts returns the reminder and escalation times of a running clock at
// now: the reminders that are still ahead, or the last one that has passed
// when due is still ahead (so a clock started late still reminds once, not
// twice), and the escalation at due. A stopped clock has none.
func ClockAlerts(c ClockSpec, now time.Time) []ClockAlert {
	if !c.StoppedAt.IsZero() {
		return nil
	}
	interval := c.DueAt.Sub(c.StartedAt)
	var reminders []ClockAlert
	if interval > 0 {
		at := c.StartedAt.Add(interval * 3 / 4).Truncate(time.Second)
		reminders = append(reminders, ClockAlert{StageRemind, at})
		if day := c.DueAt.Add(-24 * time.Hour); interval >= 48*time.Hour && !day.Equal(at) {
			reminders = append(reminders, ClockAlert{StageRemindDay, day})
		}
	}
	sort.Slice(reminders, func(i, j int) bool { return reminders[i].At.Before(reminders[j].At) })
	var out []ClockAlert
	if now.Before(c.DueAt) {
		var lastPast *ClockAlert
		for i, r := range reminders {
			if r.At.After(now) {
				out = append(out, r)
			} else {
				lastPast = &reminders[i]
			}
		}
		if lastPast != nil {
			out = append([]ClockAlert{{lastPast.Stage, now}}, out...)
		}
	}
	return append(out, ClockAlert{StageEscalate, c.DueAt})
}

// IncidentClock is a stored clock of an incident.
type IncidentClock struct {
	ID         string
	IncidentID string
	Kind       ClockKind
	StartedAt  time.Time
	DueAt      time.Time
	StoppedAt  time.Time // zero while running
	// WithdrawnAt is set when the clock no longer applies (a fact was
	// unset); it runs again if the fact comes back.
	WithdrawnAt time.Time
	// For a regulatory clock recorded done: the reference the authority gave
	// (or a note), who recorded it and when. StoppedAt is the notification time.
	Reference string
	DoneBy    string
	DoneAt    time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ClockState is a clock's state at a moment.
type ClockState string

// The states of a clock.
const (
	ClockRunning   ClockState = "running"
	ClockOverdue   ClockState = "overdue"
	ClockMet       ClockState = "met"
	ClockMissed    ClockState = "missed"
	ClockWithdrawn ClockState = "withdrawn"
)

// State is the clock's state at now: running or overdue while it runs, met or
// missed once stopped.
func (c IncidentClock) State(now time.Time) ClockState {
	switch {
	case !c.WithdrawnAt.IsZero():
		return ClockWithdrawn
	case !c.StoppedAt.IsZero() && c.StoppedAt.After(c.DueAt):
		return ClockMissed
	case !c.StoppedAt.IsZero():
		return ClockMet
	case now.After(c.DueAt):
		return ClockOverdue
	}
	return ClockRunning
}

// Running reports whether the clock still runs.
func (c IncidentClock) Running() bool { return c.StoppedAt.IsZero() && c.WithdrawnAt.IsZero() }

// Spec is the clock's derived part.
func (c IncidentClock) Spec() ClockSpec {
	return ClockSpec{Kind: c.Kind, StartedAt: c.StartedAt, DueAt: c.DueAt, StoppedAt: c.StoppedAt}
}

// ClockJobPrefix is the unique-key prefix of every job of one clock, so that
// stopping or rescheduling it cancels them all.
func ClockJobPrefix(clockID string) string { return "clock:" + clockID + ":" }

// ClockJobKey is the unique key of the job of stage for a clock due at due: a
// new due time makes a new key, so a rescheduled clock gets new jobs.
func ClockJobKey(clockID string, stage ClockStage, due time.Time) string {
	return fmt.Sprintf("%s%s:%d", ClockJobPrefix(clockID), stage, due.Unix())
}

// Limits of what is recorded with a done notification.
const MaxClockReferenceLen = 500

// DueClock is a running clock with what the list of everything due shows.
type DueClock struct {
	Clock    IncidentClock
	Number   string
	Title    string
	TLP      TLP
	Priority Priority
	OwnerID  string
}

// DueFilter selects running clocks ordered by (due time, id), after the
// cursor (the last clock's due time and id), with the same visibility rule as
// IncidentFilter.
type DueFilter struct {
	AfterDue      time.Time
	AfterID       string
	SeeRestricted bool
	ViewerID      string
	Limit         int
}

// Notification is an in-app notification for one user. It carries a message
// key and arguments, never words, so it renders in the reader's language and
// says nothing a reader who loses sight of the incident could not know.
type Notification struct {
	ID         string
	UserID     string
	Stage      ClockStage
	IncidentID string
	ClockID    string
	ClockKind  ClockKind
	DueAt      time.Time
	TextKey    string
	Args       []string
	CreatedAt  time.Time
	ReadAt     time.Time
	MailedAt   time.Time
}

// NotificationFilter selects a user's notifications newest first.
type NotificationFilter struct {
	UserID     string
	UnreadOnly bool
	Page
}

// ClockReader is the read side of clocks and notifications (IH-6).
type ClockReader interface {
	FindIncidentFacts(ctx context.Context, incidentID string) (IncidentFacts, error)
	FindClockByID(ctx context.Context, id string) (IncidentClock, error)
	// FindIncidentClocks lists an incident's clocks in kind order.
	FindIncidentClocks(ctx context.Context, incidentID string) ([]IncidentClock, error)
	// FindDueClocks lists running clocks by due time, filtering what the
	// viewer may not see in the query.
	FindDueClocks(ctx context.Context, f DueFilter) ([]DueClock, error)
	FindNotificationByID(ctx context.Context, id string) (Notification, error)
	FindNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error)
	// CountUnreadNotifications counts a user's unread notifications up to limit.
	CountUnreadNotifications(ctx context.Context, userID string, limit int) (int, error)
}

// ClockWriter is the write side of clocks and notifications (IH-6).
type ClockWriter interface {
	PutIncidentFacts(ctx context.Context, f IncidentFacts) error
	CreateClock(ctx context.Context, c IncidentClock) error
	// UpdateClock writes every field of c except ID, IncidentID, Kind and CreatedAt.
	UpdateClock(ctx context.Context, c IncidentClock) error
	// CreateNotification inserts n unless the user already has one for the
	// same clock, stage and due time; created reports which.
	CreateNotification(ctx context.Context, n Notification) (created bool, err error)
	MarkNotificationRead(ctx context.Context, id, userID string, at time.Time) error
	MarkAllNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error)
	MarkNotificationMailed(ctx context.Context, id string, at time.Time) error
}
