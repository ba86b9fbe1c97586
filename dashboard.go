package hikeshi

import (
	"context"
	"slices"
	"time"
)

// The dashboard (IN-5, IN-6, decision 0033): the OODA loop's speed and the
// PDCA cycle's state on one screen, the improvement lead time that joins
// them, open regulatory clocks, incident counts, and the reporting culture.
// Every figure covers a period that ends now: the last 30, 90 or 365 days.
// An incident belongs to the period when it was reported in it; a report
// when it arrived in it; an improvement when its action was closed in it.

// DashboardDays are the periods the dashboard offers, in days.
var DashboardDays = []int{30, 90, 365}

// DashboardDefaultDays is the period shown when none is asked for.
const DashboardDefaultDays = 90

// ValidDashboardDays reports whether n is one of DashboardDays.
func ValidDashboardDays(n int) bool { return slices.Contains(DashboardDays, n) }

// ReportingMinReports is the k of the reporting culture's k-anonymity: a
// department's figures are shown only when it filed at least this many
// reports in the period; smaller departments are folded into "other".
const ReportingMinReports = 3

// DashboardIncidentLimit caps the list of incidents behind a number.
const DashboardIncidentLimit = 200

// LoopStep is one step of the OODA loop as the dashboard times it.
type LoopStep string

// The steps, and the whole loop.
const (
	StepTriage        LoopStep = "triage"         // reported → triaged
	StepFirstResponse LoopStep = "first_response" // triaged → first response
	StepContain       LoopStep = "contain"        // first response → contained
	StepRecover       LoopStep = "recover"        // contained → recovered
	StepLoop          LoopStep = "loop"           // reported → contained (the whole loop)
)

// LoopSteps lists the steps in order, the whole loop last.
var LoopSteps = []LoopStep{StepTriage, StepFirstResponse, StepContain, StepRecover, StepLoop}

// Valid reports whether s is a known step.
func (s LoopStep) Valid() bool { return slices.Contains(LoopSteps, s) }

// IncidentTimes are the workflow timestamps of one incident, for timing
// the loop; zero times have not happened yet.
type IncidentTimes struct {
	ID              string
	Priority        Priority
	ReportedAt      time.Time
	TriagedAt       time.Time
	FirstResponseAt time.Time
	ContainedAt     time.Time
	RecoveredAt     time.Time
}

// Step is how long the step took; ok is false until both of its ends have
// happened. A step whose end came before its start (a first response
// recorded before the triage decision, say) counts as zero.
func (t IncidentTimes) Step(s LoopStep) (d time.Duration, ok bool) {
	var from, to time.Time
	switch s {
	case StepTriage:
		from, to = t.ReportedAt, t.TriagedAt
	case StepFirstResponse:
		from, to = t.TriagedAt, t.FirstResponseAt
	case StepContain:
		from, to = t.FirstResponseAt, t.ContainedAt
	case StepRecover:
		from, to = t.ContainedAt, t.RecoveredAt
	case StepLoop:
		from, to = t.ReportedAt, t.ContainedAt
	default:
		return 0, false
	}
	if from.IsZero() || to.IsZero() {
		return 0, false
	}
	return max(0, to.Sub(from)), true
}

// DurationStats are the count, median and 90th percentile of durations.
type DurationStats struct {
	Count       int
	Median, P90 time.Duration
}

// StatsOf computes DurationStats by the nearest-rank method: the p-th
// percentile of n sorted values is the value at rank ⌈p·n/100⌉, so the
// median of an even count is the lower middle value. It sorts a copy.
func StatsOf(ds []time.Duration) DurationStats {
	if len(ds) == 0 {
		return DurationStats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return DurationStats{Count: len(s), Median: s[rank(50, len(s))], P90: s[rank(90, len(s))]}
}

// rank is the zero-based index of the p-th percentile of n values.
func rank(p, n int) int { return max(0, (p*n+99)/100-1) }

// CategoryCount is how many incidents of a category were reported.
type CategoryCount struct {
	Category string
	Count    int
}

// DepartmentCount is how many incidents a department had tasks on. An
// incident counts once for each department with a task on it; DepartmentID
// "" counts the incidents without any task.
type DepartmentCount struct {
	DepartmentID string
	Name         string
	Count        int
}

// ClockCount counts the running clocks of one kind.
type ClockCount struct {
	Kind    ClockKind
	Open    int
	Overdue int
	NextDue time.Time // the earliest due time among them
}

// ReportingGroup counts the reports of one department (DepartmentID ""
// for reports with no signed-in reporter: anonymous ones and those filed
// without an account).
type ReportingGroup struct {
	DepartmentID string
	Name         string
	Reports      int
	Employee     int // filed through the employees' form
	Anonymous    int
	Answered     int // with at least one message from the CSIRT
}

// ReportTimes are one report's times for the reporting culture: no
// identity, only its group and durations.
type ReportTimes struct {
	DepartmentID string
	NoticedAt    time.Time // zero when the reporter did not say
	ReportedAt   time.Time
	AnsweredAt   time.Time // the CSIRT's first message; zero when none
}

// DashboardIncidentFilter selects the incidents behind a number, newest first.
type DashboardIncidentFilter struct {
	From, To     time.Time // reported in [From, To)
	Category     string    // "" = any
	DepartmentID string    // "" = any; DashboardNoDepartment = incidents without tasks
	Priority     Priority  // 0 = any
	Step         LoopStep  // "" = any; else only incidents for which the step was measured
	// SeeRestricted lists TLP:RED and AMBER+STRICT incidents too; without
	// it only those of which ViewerID is a member are listed.
	SeeRestricted bool
	ViewerID      string
	Limit         int
}

// DashboardNoDepartment selects the incidents no department has a task on.
const DashboardNoDepartment = "none"

// DashboardReader is the read side of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
// Each method reads one bounded period; none counts a whole table.
type DashboardReader interface {
	// DashboardIncidentTimes lists the incidents reported in [from, to) with
	// their workflow timestamps, oldest first.
	DashboardIncidentTimes(ctx context.Context, from, to time.Time) ([]IncidentTimes, error)
	// DashboardCategories counts the incidents reported in [from, to) by
	// category, most first.
	DashboardCategories(ctx context.Context, from, to time.Time) ([]CategoryCount, error)
	// DashboardDepartments counts the incidents reported in [from, to) by
	// the departments with tasks on them, most first, then those without tasks.
	DashboardDepartments(ctx context.Context, from, to time.Time) ([]DepartmentCount, error)
	// DashboardClocks counts the running regulatory clocks by kind at now,
	// those with overdue clocks first.
	DashboardClocks(ctx context.Context, now time.Time) ([]ClockCount, error)
	// DashboardReporting counts the reports that arrived in [from, to) by
	// the reporter's department, and lists their times.
	DashboardReporting(ctx context.Context, from, to time.Time) ([]ReportingGroup, []ReportTimes, error)
	// DashboardIncidents lists the incidents behind a number, newest first,
	// filtering those the viewer may not see in the query.
	DashboardIncidents(ctx context.Context, f DashboardIncidentFilter) ([]Incident, error)
}

// DashboardWriter is the write side of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
// The dashboard only reads.
type DashboardWriter interface{}
