package jobs_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"github.com/hikeshi/hikeshi/internal/jobs"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestRiskReminderJob runs the daily risk job through jobs.Set with a fake
// clock on both engines: nothing is due on the first day; once the
// treatment is past due its owners (the department's people, not its
// auditor, and the managers) are reminded once, however often the job runs
// (two workers, the same day); once the review falls due they get a review
// reminder; a re-assessment moves the review and stops further reminders.
func TestRiskReminderJob(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC))
		svc := service.New(db, service.Options{Clock: clock, Argon: service.ArgonParams{Memory: 64, Time: 1, Threads: 1}})
		sys := hikeshi.SystemActor("test")
		it, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		sales, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "Sales", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(email string, role hikeshi.Role, dept string) hikeshi.User {
			u, err := svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: email, Role: role, DepartmentID: dept})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		member := mk("member@example.org", hikeshi.RoleMember, it.ID)
		csirt := mk("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		auditor := mk("auditor@example.org", hikeshi.RoleAuditor, it.ID)
		manager := mk("manager@example.org", hikeshi.RoleManager, sales.ID)
		outsider := mk("sales@example.org", hikeshi.RoleMember, sales.ID)
		a := hikeshi.ActorFor(member, "test")
		r, err := svc.Risks.CreateRisk(ctx, a, service.RiskInput{Title: "漏えい", Scenario: "s",
			Assessment: service.RiskAssessment{Likelihood: 4, Impact: 4}}) // very high: review in 30 days
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Risks.SetTreatment(ctx, a, r.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate,
			DueAt: clock.Now().Add(3 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		log := &logBuf{}
		handlers, periodic := jobs.Set(jobs.Deps{Services: svc, Log: slog.New(slog.NewTextHandler(log, nil))})
		if !slices.Contains(periodic, jobs.Periodic{Kind: service.KindRiskRemind, Every: 24 * time.Hour}) || handlers[service.KindRiskRemind] == nil {
			t.Fatalf("the risk reminder is not a daily job: %+v", periodic)
		}
		r1, r2 := runner(db, clock, "w1", log, handlers), runner(db, clock, "w2", log, handlers)
		r1.Periodic, r2.Periodic = periodic, periodic
		run := func() {
			t.Helper()
			drain(t, r1)
			drain(t, r2)
		}
		kinds := func(u hikeshi.User) []string {
			t.Helper()
			es, err := svc.Risks.Reminders(ctx, hikeshi.ActorFor(u, "test"))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, string(e.Reminder.Kind))
			}
			slices.Sort(out)
			return out
		}
		run()
		if got := kinds(member); len(got) != 0 {
			t.Fatalf("reminded on the first day: %v", got)
		}
		clock.Advance(4 * 24 * time.Hour)
		run()
		run() // the same day again: nothing new
		for _, u := range []hikeshi.User{member, csirt, manager} {
			if got := kinds(u); !slices.Equal(got, []string{"treatment"}) {
				t.Errorf("%s: reminders %v, want one treatment reminder", u.Email, got)
			}
		}
		for _, u := range []hikeshi.User{auditor, outsider} {
			if got := kinds(u); len(got) != 0 {
				t.Errorf("%s was reminded: %v", u.Email, got)
			}
		}
		clock.Advance(24 * time.Hour) // the next day's job runs; the treatment reminder is not repeated
		run()
		if got := kinds(member); !slices.Equal(got, []string{"treatment"}) {
			t.Errorf("the next day: %v", got)
		}
		clock.Advance(26 * 24 * time.Hour) // day 31: the review is due
		run()
		if got := kinds(member); !slices.Equal(got, []string{"review", "treatment"}) {
			t.Errorf("review due: %v", got)
		}
		if !strings.Contains(log.String(), "risk reminders") {
			t.Errorf("log lacks the reminders:\n%s", log.String())
		}
		// Done and re-assessed: nothing more is due.
		if _, err := svc.Risks.SetTreatment(ctx, a, r.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate, Done: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Risks.AssessRisk(ctx, a, r.ID, service.RiskAssessment{Likelihood: 1, Impact: 1}); err != nil {
			t.Fatal(err)
		}
		es, _ := svc.Risks.Reminders(ctx, hikeshi.ActorFor(member, "test"))
		for _, e := range es {
			if err := svc.Risks.DismissReminder(ctx, hikeshi.ActorFor(member, "test"), e.Reminder.ID); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(24 * time.Hour)
		run()
		if got := kinds(member); len(got) != 0 {
			t.Errorf("reminded after the review: %v", got)
		}
	})
}
