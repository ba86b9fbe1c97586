package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestDashboardForEveryRole checks IN-5's visibility: every role reads the
// numbers, restricted incidents are counted for everyone, and the lists
// behind the numbers never name a restricted incident to a role that may
// not see it; department members get no lists at all.
func TestDashboardForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sys := hikeshi.SystemActor("test")
		manager, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "manager@example.org", Name: "Manager",
			Role: hikeshi.RoleManager, DepartmentID: f.sales.ID, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		cs := actor(f.csirt)
		open := f.clock.Now()
		green, err := f.svc.Incidents.Create(ctx, cs, newIncidentInput("見慣れない請求メール", hikeshi.TLPGreen))
		if err != nil {
			t.Fatal(err)
		}
		red, err := f.svc.Incidents.Create(ctx, cs, newIncidentInput("秘密の漏えい調査", hikeshi.TLPRed))
		if err != nil {
			t.Fatal(err)
		}
		// The green incident is triaged after 2h and contained after 5h more.
		f.clock.Advance(2 * time.Hour)
		if _, err := f.svc.Incidents.Transition(ctx, cs, green.ID, hikeshi.PhaseInitialResponse, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(5 * time.Hour)
		if _, err := f.svc.Incidents.Transition(ctx, cs, green.ID, hikeshi.PhaseRecovery, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		_ = open

		roles := map[string]hikeshi.User{"admin": f.admin, "csirt": f.csirt, "manager": manager, "auditor": f.auditor, "member": f.member}
		for name, u := range roles {
			a := actor(u)
			d, err := f.svc.Dashboard.Get(ctx, a, 90)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// Counted for everyone, the RED one included.
			if d.Loop.Incidents != 2 {
				t.Errorf("%s: incidents counted %d, want 2", name, d.Loop.Incidents)
			}
			loop := d.Loop.Step(hikeshi.StepLoop)
			if loop.Count != 1 || loop.Median != 7*time.Hour {
				t.Errorf("%s: whole loop %+v, want one of 7h", name, loop)
			}
			if tr := d.Loop.Step(hikeshi.StepTriage); tr.Count != 1 || tr.Median != 2*time.Hour {
				t.Errorf("%s: triage %+v, want one of 2h", name, tr)
			}
			if len(d.Categories) != 1 || d.Categories[0].Count != 2 {
				t.Errorf("%s: categories %+v", name, d.Categories)
			}
			if want := name != "member"; d.CanListIncidents != want || d.CanListDue != want || d.CanListReports != want {
				t.Errorf("%s: click-through %v %v %v, want %v", name, d.CanListIncidents, d.CanListDue, d.CanListReports, want)
			}

			list, err := f.svc.Dashboard.Incidents(ctx, a, service.DashboardIncidentQuery{Days: 90, Category: "phishing"})
			if name == "member" {
				if !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("member: list behind a number: %v, want forbidden", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var titles []string
			for _, i := range list {
				titles = append(titles, i.Title)
			}
			all := strings.Join(titles, "|")
			if !strings.Contains(all, green.Title) {
				t.Errorf("%s: the green incident is missing: %v", name, titles)
			}
			if seesRed := strings.Contains(all, red.Title); seesRed != (name == "csirt") {
				t.Errorf("%s: RED incident listed = %v", name, seesRed)
			}
		}

		// A month narrows the list; a month outside the period lists nothing.
		month := f.clock.Now().UTC().Format("2006-01")
		if list, err := f.svc.Dashboard.Incidents(ctx, cs, service.DashboardIncidentQuery{Days: 30, Month: month}); err != nil || len(list) != 2 {
			t.Errorf("this month: %d, %v", len(list), err)
		}
		if list, err := f.svc.Dashboard.Incidents(ctx, cs, service.DashboardIncidentQuery{Days: 30, Month: "2020-01"}); err != nil || len(list) != 0 {
			t.Errorf("a month before the period: %d, %v", len(list), err)
		}

		// An admin added to the RED incident sees it in the list.
		if err := f.svc.Incidents.AddMember(ctx, cs, red.ID, f.admin.ID); err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.Dashboard.Incidents(ctx, actor(f.admin), service.DashboardIncidentQuery{Days: 90})
		if err != nil || len(list) != 2 {
			t.Errorf("admin as member: %d incidents, %v", len(list), err)
		}

		// Unauthenticated.
		if _, err := f.svc.Dashboard.Get(ctx, hikeshi.Actor{Role: hikeshi.RoleMember}, 90); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
	})
}

func TestDashboardBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := actor(f.csirt)
		for _, days := range []int{0, -1, 7, 91, 366, 1 << 30} {
			_, err := f.svc.Dashboard.Get(ctx, a, days)
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != "days" || !strings.Contains(ve.Fields[0].Message, "30, 90 or 365") {
				t.Errorf("days %d: %v", days, err)
			}
		}
		bad := []service.DashboardIncidentQuery{
			{Days: 5}, {Days: 90, Priority: 9}, {Days: 90, Priority: -1}, {Days: 90, Step: "<script>"},
			{Days: 90, Category: strings.Repeat("x", 100)}, {Days: 90, Month: "2026-13"}, {Days: 90, Month: "<b>"}, {Days: 90, DepartmentID: strings.Repeat("d", 100)},
		}
		for _, q := range bad {
			if _, err := f.svc.Dashboard.Incidents(ctx, a, q); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("%+v: %v, want invalid", q, err)
			}
		}
		// SQL in a filter is only a value.
		list, err := f.svc.Dashboard.Incidents(ctx, a, service.DashboardIncidentQuery{Days: 30, Category: "' OR '1'='1", DepartmentID: "x' --"})
		if err != nil || len(list) != 0 {
			t.Errorf("hostile filter: %v %v", list, err)
		}
	})
}

// TestDashboardReportingKAnonymity checks IN-6: shares, durations, and a
// department's figures withheld below three reports.
func TestDashboardReportingKAnonymity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		submit := func(u hikeshi.User, anon bool, noticedBefore time.Duration) hikeshi.Report {
			t.Helper()
			a := hikeshi.Actor{Via: "web"}
			if !anon {
				a = actor(u)
			}
			in := service.ReportInput{Source: hikeshi.SourceEmployee, Description: "不審なメールを開いてしまった", Anonymous: anon}
			if noticedBefore > 0 {
				in.NoticedAt = f.clock.Now().Add(-noticedBefore)
			}
			s, err := f.svc.Reports.Submit(ctx, a, in)
			if err != nil {
				t.Fatal(err)
			}
			return s.Report
		}
		// IT: three reports (csirt, other, auditor are in IT); sales: one (member).
		r1 := submit(f.csirt, false, 2*time.Hour)
		submit(f.other, false, 4*time.Hour)
		submit(f.auditor, false, 0)
		submit(f.member, false, time.Hour)
		submit(hikeshi.User{}, true, 3*time.Hour)
		f.clock.Advance(90 * time.Minute)
		if _, err := f.svc.Reports.AddMessage(ctx, actor(f.csirt), r1.ID, "ありがとうございます。確認します。"); err != nil {
			t.Fatal(err)
		}
		d, err := f.svc.Dashboard.Get(ctx, actor(f.member), 30)
		if err != nil {
			t.Fatal(err)
		}
		r := d.Reporting
		if r.Total.Reports != 5 || r.Total.Employee != 5 || r.Total.Anonymous != 1 || r.Total.Answered != 1 {
			t.Errorf("total %+v", r.Total)
		}
		if service.Percent(r.Total.AnonymousShare) != 20 || service.Percent(r.Total.AnsweredShare) != 20 {
			t.Errorf("shares %v %v", r.Total.AnonymousShare, r.Total.AnsweredShare)
		}
		// Noticed → reported: 1h, 2h, 3h, 4h → median (lower) 2h, p90 4h.
		if got := r.Total.NoticeToReport; got.Count != 4 || got.Median != 2*time.Hour || got.P90 != 4*time.Hour {
			t.Errorf("noticed → reported %+v", got)
		}
		if got := r.Total.ReportToAnswer; got.Count != 1 || got.Median != 90*time.Minute {
			t.Errorf("reported → answered %+v", got)
		}
		if len(r.Departments) != 1 || r.Departments[0].DepartmentID != f.it.ID || !r.Departments[0].Shown || r.Departments[0].Reports != 3 {
			t.Fatalf("departments shown: %+v", r.Departments)
		}
		// Sales (1) and the group without a department (1) are folded; 2 < 3 stays withheld.
		if r.Folded != 2 || r.Other.Shown || r.Other.Reports != 2 || r.Other.AnsweredShare != 0 || r.Other.NoticeToReport.Count != 0 {
			t.Errorf("other %+v folded %d", r.Other, r.Folded)
		}
	})
}
