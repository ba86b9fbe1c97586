package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// dashNow is the end of the dashboard tests' period; dashFrom its start (90 days).
var (
	dashNow  = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	dashFrom = dashNow.Add(-90 * 24 * time.Hour)
)

// dashFixture is a small organisation with incidents, tasks, clocks and
// reports inside and outside the period, whose figures are computed by hand
// in the tests.
type dashFixture struct {
	it, sales        hikeshi.Department
	viewer           hikeshi.User
	a, b, c, d, e, f hikeshi.Incident
}

func loadDashFixture(t testing.TB, db *store.DB) dashFixture {
	t.Helper()
	ctx := context.Background()
	var x dashFixture
	h := time.Hour
	mkInc := func(n int, reported time.Time, prio hikeshi.Priority, cat string, tlp hikeshi.TLP, steps ...time.Duration) hikeshi.Incident {
		inc := newIncident(n, reported, tlp)
		inc.Category, inc.Priority, inc.ReportedAt = cat, prio, reported
		at := []*time.Time{&inc.TriagedAt, &inc.FirstResponseAt, &inc.ContainedAt, &inc.RecoveredAt}
		for i, s := range steps {
			*at[i] = reported.Add(s)
		}
		return inc
	}
	err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		x.it = hikeshi.Department{ID: hikeshi.NewID(), Name: "情報システム部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		x.sales = hikeshi.Department{ID: hikeshi.NewID(), Name: "営業部", Kind: hikeshi.KindBusinessUnit, CreatedAt: t0, UpdatedAt: t0}
		for _, d := range []hikeshi.Department{x.it, x.sales} {
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
		}
		x.viewer = hikeshi.User{ID: hikeshi.NewID(), Email: "viewer@example.org", Name: "Viewer", Role: hikeshi.RoleManager,
			DepartmentID: x.it.ID, CreatedAt: t0, UpdatedAt: t0}
		u2 := hikeshi.User{ID: hikeshi.NewID(), Email: "u2@example.org", Name: "U2", Role: hikeshi.RoleMember,
			DepartmentID: x.it.ID, CreatedAt: t0, UpdatedAt: t0}
		for _, u := range []hikeshi.User{x.viewer, u2} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		// A: triage 1h, first response +2h, contain +6h, recover +24h; loop 9h.
		x.a = mkInc(1, dashNow.Add(-10*24*h), 1, "phishing", hikeshi.TLPClear, 1*h, 3*h, 9*h, 33*h)
		// B (RED): triage 2h, first response +4h, contain +10h; loop 16h.
		x.b = mkInc(2, dashNow.Add(-40*24*h), 2, "phishing", hikeshi.TLPRed, 2*h, 6*h, 16*h)
		// C: triage 30m only.
		x.c = mkInc(3, dashNow.Add(-60*24*h), 1, "ransomware", hikeshi.TLPGreen, 30*time.Minute)
		// D: before the period.
		x.d = mkInc(4, dashNow.Add(-100*24*h), 1, "phishing", hikeshi.TLPClear, 5*h)
		// E: at the period's end, which is exclusive.
		x.e = mkInc(5, dashNow, 1, "phishing", hikeshi.TLPClear, 5*h)
		// F: at the period's start, which is inclusive; not triaged.
		x.f = mkInc(6, dashFrom, 4, "phishing", hikeshi.TLPAmber)
		for _, inc := range []hikeshi.Incident{x.a, x.b, x.c, x.d, x.e, x.f} {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
		}
		task := func(inc hikeshi.Incident, dept string) hikeshi.Task {
			return hikeshi.Task{ID: hikeshi.NewID(), IncidentID: inc.ID, Title: "task", DepartmentID: dept,
				Status: hikeshi.TaskOpen, CreatedAt: t0, UpdatedAt: t0}
		}
		for _, tk := range []hikeshi.Task{task(x.a, x.it.ID), task(x.a, x.it.ID), task(x.b, x.it.ID), task(x.b, x.sales.ID), task(x.d, x.it.ID)} {
			if err := tx.CreateTask(ctx, tk); err != nil {
				return err
			}
		}
		clock := func(inc hikeshi.Incident, k hikeshi.ClockKind, due time.Time, stopped time.Time) hikeshi.IncidentClock {
			return hikeshi.IncidentClock{ID: hikeshi.NewID(), IncidentID: inc.ID, Kind: k, StartedAt: t0, DueAt: due,
				StoppedAt: stopped, CreatedAt: t0, UpdatedAt: t0}
		}
		for _, c := range []hikeshi.IncidentClock{
			clock(x.a, hikeshi.ClockGDPR, dashNow.Add(-h), time.Time{}),                   // overdue
			clock(x.b, hikeshi.ClockGDPR, dashNow.Add(5*h), time.Time{}),                  // running
			clock(x.a, hikeshi.ClockAPPIPreliminary, dashNow.Add(48*h), time.Time{}),      // running
			clock(x.b, hikeshi.ClockNIS2EarlyWarning, dashNow.Add(-h), dashNow.Add(-2*h)), // stopped: not counted
			clock(x.a, hikeshi.ClockTriage, dashNow.Add(-h), time.Time{}),                 // not regulatory
		} {
			if err := tx.CreateClock(ctx, c); err != nil {
				return err
			}
		}
		n := 0
		report := func(at time.Time, src hikeshi.ReportSource, user string, anon bool, noticedBefore time.Duration, answers ...time.Duration) error {
			n++
			r := hikeshi.Report{ID: hikeshi.NewID(), Number: hikeshi.ReportNumber(2026, int64(n)), Source: src, Status: hikeshi.ReportNew,
				Description: "見慣れないメール", ReportedAt: at, Anonymous: anon, ReporterUserID: user,
				FollowUpHash: fmt.Sprintf("f%d", n), SubmissionHash: fmt.Sprintf("s%d", n), CreatedAt: at, UpdatedAt: at}
			if src == hikeshi.SourceExternal {
				r.ContactEmail = "someone@example.com"
			}
			if noticedBefore > 0 {
				r.NoticedAt = at.Add(-noticedBefore)
			}
			if err := tx.CreateReport(ctx, r); err != nil {
				return err
			}
			// The reporter's own message never counts as an answer.
			if err := tx.CreateReportMessage(ctx, hikeshi.ReportMessage{ID: hikeshi.NewID(), ReportID: r.ID, Author: hikeshi.AuthorReporter,
				Body: "追記", CreatedAt: at.Add(time.Minute)}); err != nil {
				return err
			}
			for _, a := range answers {
				if err := tx.CreateReportMessage(ctx, hikeshi.ReportMessage{ID: hikeshi.NewID(), ReportID: r.ID, Author: hikeshi.AuthorCSIRT,
					Body: "確認します", CreatedAt: at.Add(a)}); err != nil {
					return err
				}
			}
			return nil
		}
		for _, err := range []error{
			report(dashNow.Add(-5*24*h), hikeshi.SourceEmployee, x.viewer.ID, false, 2*h, 1*h),
			report(dashNow.Add(-6*24*h), hikeshi.SourceEmployee, x.viewer.ID, false, 0),
			report(dashNow.Add(-7*24*h), hikeshi.SourceEmployee, u2.ID, false, 4*h, 5*h, 3*h),
			report(dashNow.Add(-8*24*h), hikeshi.SourceEmployee, "", true, 1*h),
			report(dashNow.Add(-9*24*h), hikeshi.SourceExternal, "", false, 0),
			report(dashNow.Add(-95*24*h), hikeshi.SourceEmployee, u2.ID, false, 1*h, 1*h), // before the period
		} {
			if err != nil {
				return err
			}
		}
		// The viewer was added to B.
		return tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: x.b.ID, UserID: x.viewer.ID, AddedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestDashboardStoreFigures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		x := loadDashFixture(t, db)
		h := time.Hour

		times, err := db.DashboardIncidentTimes(ctx, dashFrom, dashNow)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tm := range times {
			ids = append(ids, tm.ID)
		}
		// Oldest first; D (before) and E (at the exclusive end) are out.
		if want := []string{x.f.ID, x.c.ID, x.b.ID, x.a.ID}; !slices.Equal(ids, want) {
			t.Fatalf("incidents in the period = %v, want F C B A %v", ids, want)
		}
		stats := func(s hikeshi.LoopStep) hikeshi.DurationStats {
			var ds []time.Duration
			for _, tm := range times {
				if d, ok := tm.Step(s); ok {
					ds = append(ds, d)
				}
			}
			return hikeshi.StatsOf(ds)
		}
		for step, want := range map[hikeshi.LoopStep]hikeshi.DurationStats{
			hikeshi.StepTriage:        {Count: 3, Median: 1 * h, P90: 2 * h}, // 30m, 1h, 2h
			hikeshi.StepFirstResponse: {Count: 2, Median: 2 * h, P90: 4 * h}, // 2h, 4h
			hikeshi.StepContain:       {Count: 2, Median: 6 * h, P90: 10 * h},
			hikeshi.StepRecover:       {Count: 1, Median: 24 * h, P90: 24 * h},
			hikeshi.StepLoop:          {Count: 2, Median: 9 * h, P90: 16 * h},
		} {
			if got := stats(step); got != want {
				t.Errorf("%s: got %+v, want %+v", step, got, want)
			}
		}

		cats, err := db.DashboardCategories(ctx, dashFrom, dashNow)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]hikeshi.CategoryCount{{Category: "phishing", Count: 3}, {Category: "ransomware", Count: 1}}, cats); diff != "" {
			t.Errorf("categories (-want +got):\n%s", diff)
		}
		depts, err := db.DashboardDepartments(ctx, dashFrom, dashNow)
		if err != nil {
			t.Fatal(err)
		}
		wantDepts := []hikeshi.DepartmentCount{{DepartmentID: x.it.ID, Name: x.it.Name, Count: 2},
			{DepartmentID: x.sales.ID, Name: x.sales.Name, Count: 1}, {Count: 2}}
		if diff := cmp.Diff(wantDepts, depts); diff != "" {
			t.Errorf("departments (-want +got):\n%s", diff)
		}

		clocks, err := db.DashboardClocks(ctx, dashNow)
		if err != nil {
			t.Fatal(err)
		}
		wantClocks := []hikeshi.ClockCount{
			{Kind: hikeshi.ClockGDPR, Open: 2, Overdue: 1, NextDue: dashNow.Add(-h)},
			{Kind: hikeshi.ClockAPPIPreliminary, Open: 1, Overdue: 0, NextDue: dashNow.Add(48 * h)},
		}
		if diff := cmp.Diff(wantClocks, clocks); diff != "" {
			t.Errorf("clocks (-want +got):\n%s", diff)
		}

		groups, rtimes, err := db.DashboardReporting(ctx, dashFrom, dashNow)
		if err != nil {
			t.Fatal(err)
		}
		wantGroups := []hikeshi.ReportingGroup{
			{DepartmentID: x.it.ID, Name: x.it.Name, Reports: 3, Employee: 3, Anonymous: 0, Answered: 2},
			{Reports: 2, Employee: 1, Anonymous: 1, Answered: 0},
		}
		if diff := cmp.Diff(wantGroups, groups); diff != "" {
			t.Errorf("reporting groups (-want +got):\n%s", diff)
		}
		if len(rtimes) != 5 {
			t.Fatalf("report times: %d, want 5", len(rtimes))
		}
		var notice, answer []time.Duration
		for _, r := range rtimes {
			if !r.NoticedAt.IsZero() {
				notice = append(notice, r.ReportedAt.Sub(r.NoticedAt))
			}
			if !r.AnsweredAt.IsZero() {
				answer = append(answer, r.AnsweredAt.Sub(r.ReportedAt))
			}
		}
		if got, want := hikeshi.StatsOf(notice), (hikeshi.DurationStats{Count: 3, Median: 2 * h, P90: 4 * h}); got != want {
			t.Errorf("noticed → reported: %+v, want %+v", got, want)
		}
		// The CSIRT's first message counts: 1h and 3h (not 5h).
		if got, want := hikeshi.StatsOf(answer), (hikeshi.DurationStats{Count: 2, Median: 1 * h, P90: 3 * h}); got != want {
			t.Errorf("reported → answered: %+v, want %+v", got, want)
		}
	})
}

func TestDashboardStoreIncidentsBehindNumbers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		x := loadDashFixture(t, db)
		other := mkUser(t, db, "other@example.org")
		list := func(f hikeshi.DashboardIncidentFilter) []string {
			t.Helper()
			f.From, f.To = dashFrom, dashNow
			got, err := db.DashboardIncidents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, i := range got {
				out = append(out, i.Number)
			}
			return out
		}
		num := func(incs ...hikeshi.Incident) []string {
			var out []string
			for _, i := range incs {
				out = append(out, i.Number)
			}
			return out
		}
		cases := []struct {
			name string
			f    hikeshi.DashboardIncidentFilter
			want []string
		}{
			{"all, csirt", hikeshi.DashboardIncidentFilter{SeeRestricted: true}, num(x.a, x.b, x.c, x.f)},
			{"all, member of B", hikeshi.DashboardIncidentFilter{ViewerID: x.viewer.ID}, num(x.a, x.b, x.c, x.f)},
			{"all, not a member", hikeshi.DashboardIncidentFilter{ViewerID: other.ID}, num(x.a, x.c, x.f)},
			{"phishing, not a member", hikeshi.DashboardIncidentFilter{ViewerID: other.ID, Category: "phishing"}, num(x.a, x.f)},
			{"IT, csirt", hikeshi.DashboardIncidentFilter{SeeRestricted: true, DepartmentID: x.it.ID}, num(x.a, x.b)},
			{"sales, not a member", hikeshi.DashboardIncidentFilter{ViewerID: other.ID, DepartmentID: x.sales.ID}, nil},
			{"no department", hikeshi.DashboardIncidentFilter{SeeRestricted: true, DepartmentID: hikeshi.DashboardNoDepartment}, num(x.c, x.f)},
			{"priority 1", hikeshi.DashboardIncidentFilter{SeeRestricted: true, Priority: 1}, num(x.a, x.c)},
			{"loop measured", hikeshi.DashboardIncidentFilter{SeeRestricted: true, Step: hikeshi.StepLoop}, num(x.a, x.b)},
			{"triage measured, not a member", hikeshi.DashboardIncidentFilter{ViewerID: other.ID, Step: hikeshi.StepTriage}, num(x.a, x.c)},
			{"hostile category", hikeshi.DashboardIncidentFilter{SeeRestricted: true, Category: "' OR 1=1 --"}, nil},
		}
		for _, c := range cases {
			if got := list(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
		if _, err := db.DashboardIncidents(ctx, hikeshi.DashboardIncidentFilter{From: dashFrom, To: dashNow, Step: "x"}); err == nil {
			t.Error("an unknown step was accepted")
		}
	})
}

func TestDashboardStoreEmptyPeriod(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		from, to := t0.AddDate(-5, 0, 0), t0.AddDate(-4, 0, 0)
		times, err := db.DashboardIncidentTimes(ctx, from, to)
		if err != nil || len(times) != 0 {
			t.Errorf("times: %v %v", times, err)
		}
		if got := hikeshi.StatsOf(nil); got != (hikeshi.DurationStats{}) {
			t.Errorf("stats of nothing: %+v", got)
		}
		depts, err := db.DashboardDepartments(ctx, from, to)
		if err != nil || len(depts) != 0 {
			t.Errorf("departments: %v %v", depts, err)
		}
		groups, rt, err := db.DashboardReporting(ctx, from, to)
		if err != nil || len(groups) != 0 || len(rt) != 0 {
			t.Errorf("reporting: %v %v %v", groups, rt, err)
		}
	})
}
