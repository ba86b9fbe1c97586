package service

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Dashboard is IN-5 and IN-6: the two loops on one screen, and the reporting culture.
//
// Who sees what (decision 0033): every signed-in role reads every number —
// they are counts and durations, never words of a record. Restricted
// incidents (TLP:RED, AMBER+STRICT) are counted like any other, but the
// lists behind the numbers (Incidents) name only the incidents the viewer
// may see. The Can* fields say which click-throughs a role may follow:
// department members get the numbers without links to incident lists, the
// due list or the reports, which their role cannot open.
type Dashboard struct{ base }

// DashboardData is the dashboard for one period.
type DashboardData struct {
	Days     int
	From, To time.Time

	CanListIncidents bool // the incident lists behind the numbers
	CanListDue       bool // the due list of clocks (/due)
	CanListReports   bool // every report (/reports)

	Loop        LoopSpeed
	ISMS        hikeshi.ISMSOverview
	LeadTime    hikeshi.DurationStats
	Clocks      []hikeshi.ClockCount
	Categories  []hikeshi.CategoryCount
	Departments []hikeshi.DepartmentCount
	Reporting   Reporting
}

// LoopSpeed is the OODA loop's speed over the period.
type LoopSpeed struct {
	Incidents  int         // reported in the period
	Overall    []StepStats // one per hikeshi.LoopSteps
	ByPriority []PriorityStats
	Months     []MonthStats // every calendar month (UTC) the period touches, oldest first
}

// StepStats are the durations of one step.
type StepStats struct {
	Step hikeshi.LoopStep
	hikeshi.DurationStats
}

// PriorityStats are the step durations of one priority's incidents.
type PriorityStats struct {
	Priority  hikeshi.Priority
	Incidents int
	Steps     []StepStats
}

// MonthStats are the step durations of the incidents reported in one month.
type MonthStats struct {
	Month     string // 2026-01
	Incidents int
	Steps     []StepStats
}

// Step returns the stats of one step.
func stepOf(ss []StepStats, s hikeshi.LoopStep) StepStats {
	for _, x := range ss {
		if x.Step == s {
			return x
		}
	}
	return StepStats{Step: s}
}

// Step returns the overall stats of one step.
func (l LoopSpeed) Step(s hikeshi.LoopStep) StepStats { return stepOf(l.Overall, s) }

// Step returns the priority's stats of one step.
func (p PriorityStats) Step(s hikeshi.LoopStep) StepStats { return stepOf(p.Steps, s) }

// Step returns the month's stats of one step.
func (m MonthStats) Step(s hikeshi.LoopStep) StepStats { return stepOf(m.Steps, s) }

// Reporting is the reporting culture over the period (IN-6), without
// names: departments with fewer than hikeshi.ReportingMinReports reports
// are folded into Other, which is itself shown only from that many.
type Reporting struct {
	Total       ReportingFigures
	Departments []ReportingFigures // departments (and the group without one) with enough reports
	Other       ReportingFigures   // the folded groups; Shown false when too few
	Folded      int                // how many groups were folded into Other
}

// ReportingFigures are one group's reporting figures.
type ReportingFigures struct {
	DepartmentID string // "" with NoDepartment or for the total and Other
	Name         string
	NoDepartment bool // reports without a signed-in reporter (anonymous, or filed without an account)
	Shown        bool // enough reports to be shown (k-anonymity)
	Reports      int
	Employee     int
	Anonymous    int
	Answered     int
	// Shares of Reports, 0–1; 0 when there are no reports.
	EmployeeShare, AnonymousShare, AnsweredShare float64
	NoticeToReport                               hikeshi.DurationStats // noticed → reported, where the reporter said when
	ReportToAnswer                               hikeshi.DurationStats // reported → the CSIRT's first message
}

// DashboardIncidentQuery selects the incidents behind a number.
type DashboardIncidentQuery struct {
	Days         int
	Category     string
	DepartmentID string // an id, hikeshi.DashboardNoDepartment, or ""
	Priority     int
	Step         string
	Month        string // 2026-01: only incidents reported in that month (UTC) within the period; "" = the whole period
}

// period checks days and returns [from, now).
func (s *Dashboard) period(days int) (time.Time, time.Time, error) {
	if !hikeshi.ValidDashboardDays(days) {
		return time.Time{}, time.Time{}, hikeshi.Invalid("days", "range", "days must be one of 30, 90 or 365")
	}
	now := s.clock.Now().UTC()
	return now.Add(-time.Duration(days) * 24 * time.Hour), now, nil
}

// Get computes the dashboard for the last days days (one of hikeshi.DashboardDays).
func (s *Dashboard) Get(ctx context.Context, actor hikeshi.Actor, days int) (DashboardData, error) {
	if err := readCheck(actor, "dashboard"); err != nil {
		return DashboardData{}, err
	}
	from, to, err := s.period(days)
	if err != nil {
		return DashboardData{}, err
	}
	d := DashboardData{Days: days, From: from, To: to,
		CanListIncidents: actor.CanListIncidents() || actor.IsSystem(),
		CanListDue:       actor.CanListIncidents() || actor.IsSystem(),
		CanListReports:   actor.CanReadAll() || actor.IsSystem()}
	times, err := s.st.DashboardIncidentTimes(ctx, from, to)
	if err != nil {
		return d, fmt.Errorf("dashboard: %w", err)
	}
	d.Loop = loopSpeed(times, from, to)
	if d.ISMS, err = s.st.ISMSOverview(ctx, to); err != nil {
		return d, fmt.Errorf("dashboard: %w", err)
	}
	leads, err := s.st.FindImprovementLeadTimes(ctx, from, to)
	if err != nil {
		return d, fmt.Errorf("dashboard: lead times: %w", err)
	}
	ds := make([]time.Duration, 0, len(leads))
	for _, l := range leads {
		ds = append(ds, l.LeadTime)
	}
	d.LeadTime = hikeshi.StatsOf(ds)
	if d.Clocks, err = s.st.DashboardClocks(ctx, to); err != nil {
		return d, fmt.Errorf("dashboard: %w", err)
	}
	if d.Categories, err = s.st.DashboardCategories(ctx, from, to); err != nil {
		return d, fmt.Errorf("dashboard: %w", err)
	}
	if d.Departments, err = s.st.DashboardDepartments(ctx, from, to); err != nil {
		return d, fmt.Errorf("dashboard: %w", err)
	}
	groups, rtimes, err := s.st.DashboardReporting(ctx, from, to)
	if err != nil {
		return d, fmt.Errorf("dashboard: %w", err)
	}
	d.Reporting = reporting(groups, rtimes)
	return d, nil
}

// loopSpeed times every step overall, by priority and by month.
func loopSpeed(times []hikeshi.IncidentTimes, from, to time.Time) LoopSpeed {
	stats := func(ts []hikeshi.IncidentTimes) []StepStats {
		out := make([]StepStats, 0, len(hikeshi.LoopSteps))
		for _, st := range hikeshi.LoopSteps {
			var ds []time.Duration
			for _, t := range ts {
				if d, ok := t.Step(st); ok {
					ds = append(ds, d)
				}
			}
			out = append(out, StepStats{Step: st, DurationStats: hikeshi.StatsOf(ds)})
		}
		return out
	}
	l := LoopSpeed{Incidents: len(times), Overall: stats(times)}
	for p := hikeshi.Priority(1); p <= 4; p++ {
		var ts []hikeshi.IncidentTimes
		for _, t := range times {
			if t.Priority == p {
				ts = append(ts, t)
			}
		}
		l.ByPriority = append(l.ByPriority, PriorityStats{Priority: p, Incidents: len(ts), Steps: stats(ts)})
	}
	byMonth := map[string][]hikeshi.IncidentTimes{}
	for _, t := range times {
		m := t.ReportedAt.UTC().Format("2006-01")
		byMonth[m] = append(byMonth[m], t)
	}
	last := to.Add(-time.Nanosecond).UTC()
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(last); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		l.Months = append(l.Months, MonthStats{Month: key, Incidents: len(byMonth[key]), Steps: stats(byMonth[key])})
	}
	return l
}

// reporting computes the figures of every group and applies k-anonymity.
func reporting(groups []hikeshi.ReportingGroup, times []hikeshi.ReportTimes) Reporting {
	byDept := map[string][]hikeshi.ReportTimes{}
	for _, t := range times {
		byDept[t.DepartmentID] = append(byDept[t.DepartmentID], t)
	}
	var r Reporting
	var total, other hikeshi.ReportingGroup
	var otherTimes []hikeshi.ReportTimes
	add := func(into *hikeshi.ReportingGroup, g hikeshi.ReportingGroup) {
		into.Reports += g.Reports
		into.Employee += g.Employee
		into.Anonymous += g.Anonymous
		into.Answered += g.Answered
	}
	for _, g := range groups {
		add(&total, g)
		if g.Reports < hikeshi.ReportingMinReports {
			add(&other, g)
			otherTimes = append(otherTimes, byDept[g.DepartmentID]...)
			r.Folded++
			continue
		}
		f := figures(g, byDept[g.DepartmentID])
		f.DepartmentID, f.Name, f.NoDepartment = g.DepartmentID, g.Name, g.DepartmentID == ""
		r.Departments = append(r.Departments, f)
	}
	r.Total = figures(total, times)
	r.Total.Shown = total.Reports > 0
	r.Other = figures(other, otherTimes)
	if other.Reports < hikeshi.ReportingMinReports {
		r.Other = ReportingFigures{Reports: other.Reports}
	}
	return r
}

// figures turns one group's counts and times into shares and durations.
func figures(g hikeshi.ReportingGroup, times []hikeshi.ReportTimes) ReportingFigures {
	f := ReportingFigures{Shown: g.Reports >= hikeshi.ReportingMinReports, Reports: g.Reports, Employee: g.Employee,
		Anonymous: g.Anonymous, Answered: g.Answered}
	if g.Reports > 0 {
		n := float64(g.Reports)
		f.EmployeeShare, f.AnonymousShare, f.AnsweredShare = float64(g.Employee)/n, float64(g.Anonymous)/n, float64(g.Answered)/n
	}
	var notice, answer []time.Duration
	for _, t := range times {
		if !t.NoticedAt.IsZero() {
			notice = append(notice, max(0, t.ReportedAt.Sub(t.NoticedAt)))
		}
		if !t.AnsweredAt.IsZero() {
			answer = append(answer, max(0, t.AnsweredAt.Sub(t.ReportedAt)))
		}
	}
	f.NoticeToReport, f.ReportToAnswer = hikeshi.StatsOf(notice), hikeshi.StatsOf(answer)
	return f
}

// Percent is a share as a whole percentage, for display.
func Percent(share float64) int { return int(math.Round(share * 100)) }

// Incidents lists the incidents behind a number of the dashboard, newest
// first, at most hikeshi.DashboardIncidentLimit. Only roles that list
// incidents may follow a number; restricted incidents the actor may not see
// are left out in the query (they stay counted on the dashboard).
func (s *Dashboard) Incidents(ctx context.Context, actor hikeshi.Actor, q DashboardIncidentQuery) ([]hikeshi.Incident, error) {
	if err := readCheck(actor, "dashboard incidents"); err != nil {
		return nil, err
	}
	if !actor.CanListIncidents() && !actor.IsSystem() {
		return nil, forbid("dashboard incidents")
	}
	from, to, err := s.period(q.Days)
	if err != nil {
		return nil, err
	}
	var v hikeshi.ValidationError
	if q.Priority < 0 || q.Priority > 4 {
		v.Add("priority", "range", "priority must be 1 to 4")
	}
	if q.Step != "" && !hikeshi.LoopStep(q.Step).Valid() {
		v.Add("step", "unknown", "unknown step")
	}
	if len(q.Category) > 64 {
		v.Add("category", "too_long", "category is too long")
	}
	if len(q.DepartmentID) > 64 {
		v.Add("department", "too_long", "department is too long")
	}
	if q.Month != "" {
		m, err := time.Parse("2006-01", q.Month)
		if err != nil {
			v.Add("month", "invalid", "month must look like 2026-01")
		} else {
			from, to = later(from, m), earlier(to, m.AddDate(0, 1, 0))
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.st.DashboardIncidents(ctx, hikeshi.DashboardIncidentFilter{From: from, To: to, Category: q.Category,
		DepartmentID: q.DepartmentID, Priority: hikeshi.Priority(q.Priority), Step: hikeshi.LoopStep(q.Step),
		SeeRestricted: seesAll(actor), ViewerID: actor.UserID, Limit: hikeshi.DashboardIncidentLimit})
	if err != nil {
		return nil, fmt.Errorf("dashboard incidents: %w", err)
	}
	return list, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Periods lists the periods offered, for the forms.
func (s *Dashboard) Periods() []int { return slices.Clone(hikeshi.DashboardDays) }
