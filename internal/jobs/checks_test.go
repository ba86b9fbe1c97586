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

// TestActionReminderJob runs the daily corrective-action job through
// jobs.Set with a fake clock on both engines: nothing is due before the due
// date passes in the configured zone; then the named owner and the owner
// department's people (not its auditor, not outsiders) are reminded once,
// however often the job runs (two workers, the next day too); a moved due
// date reminds again once it passes; an implemented action reminds nobody.
func TestActionReminderJob(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tokyo := time.FixedZone("JST", 9*3600)
		// 2026-06-29 16:00 UTC is 01:00 on the due date (30 June) in Tokyo.
		clock := clocktest.New(time.Date(2026, 6, 29, 16, 0, 0, 0, time.UTC))
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
		ck := svc.Checks
		p, err := ck.CreateProgramme(ctx, sys, service.ProgrammeInput{Year: 2026, Title: "p", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := ck.CreateAudit(ctx, sys, p.ID, service.AuditInput{Title: "a", Scope: "s", DepartmentIDs: []string{it.ID}, Criteria: "c",
			PlannedStart: "2026-06-01", PlannedEnd: "2026-06-02", AuditorIDs: []string{outsider.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.SetAuditStatus(ctx, sys, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		fd, err := ck.CreateFinding(ctx, sys, au.ID, service.FindingInput{Type: hikeshi.FindingMajor, Description: "d", DepartmentID: it.ID})
		if err != nil {
			t.Fatal(err)
		}
		act, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fd.ID, Title: "是正",
			Action: "a", DepartmentID: it.ID, OwnerID: csirt.ID, DueDate: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		done, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fd.ID, Title: "済み",
			Action: "a", DepartmentID: it.ID, DueDate: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.SetActionStatus(ctx, sys, done.ID, hikeshi.ActionImplemented); err != nil {
			t.Fatal(err)
		}

		log := &logBuf{}
		handlers, periodic := jobs.Set(jobs.Deps{Services: svc, Log: slog.New(slog.NewTextHandler(log, nil)), Location: tokyo})
		if !slices.Contains(periodic, jobs.Periodic{Kind: service.KindActionRemind, Every: 24 * time.Hour}) || handlers[service.KindActionRemind] == nil {
			t.Fatalf("the action reminder is not a daily job: %+v", periodic)
		}
		r1, r2 := runner(db, clock, "w1", log, handlers), runner(db, clock, "w2", log, handlers)
		r1.Periodic, r2.Periodic = periodic, periodic
		run := func() {
			t.Helper()
			drain(t, r1)
			drain(t, r2)
		}
		titles := func(u hikeshi.User) []string {
			t.Helper()
			es, err := ck.ActionReminders(ctx, hikeshi.ActorFor(u, "test"))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, e.Action.Title+"@"+e.Reminder.DueDate)
			}
			return out
		}
		run()
		if got := titles(member); len(got) != 0 {
			t.Fatalf("reminded on the due date: %v", got)
		}
		clock.Advance(24 * time.Hour) // the next daily run: 01:00 on 1 July in Tokyo, still 30 June in UTC
		run()
		run() // the same day again: nothing new
		for _, u := range []hikeshi.User{member, csirt} {
			if got := titles(u); !slices.Equal(got, []string{"是正@2026-06-30"}) {
				t.Errorf("%s: reminders %v, want one", u.Email, got)
			}
		}
		for _, u := range []hikeshi.User{auditor, manager, outsider} {
			if got := titles(u); len(got) != 0 {
				t.Errorf("%s was reminded: %v", u.Email, got)
			}
		}
		clock.Advance(24 * time.Hour)
		run()
		if got := titles(member); len(got) != 1 {
			t.Errorf("the next day: %v", got)
		}
		if !strings.Contains(log.String(), "corrective action reminders") {
			t.Errorf("log lacks the reminders:\n%s", log.String())
		}
		// The owner moves the due date; once it passes, a new reminder comes.
		es, _ := ck.ActionReminders(ctx, hikeshi.ActorFor(member, "test"))
		if err := ck.DismissActionReminder(ctx, hikeshi.ActorFor(member, "test"), es[0].Reminder.ID); err != nil {
			t.Fatal(err)
		}
		due := "2026-07-05"
		if _, err := ck.UpdateAction(ctx, hikeshi.ActorFor(member, "test"), act.ID, service.ActionPatch{DueDate: &due}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
		run()
		if got := titles(member); len(got) != 0 {
			t.Errorf("reminded before the new date: %v", got)
		}
		clock.Advance(4 * 24 * time.Hour)
		run()
		if got := titles(member); !slices.Equal(got, []string{"是正@2026-07-05"}) {
			t.Errorf("after the new date: %v", got)
		}
		// Implemented: nothing more.
		if _, err := ck.SetActionStatus(ctx, sys, act.ID, hikeshi.ActionImplemented); err != nil {
			t.Fatal(err)
		}
		clock.Advance(5 * 24 * time.Hour)
		run()
		if got := titles(csirt); len(got) != 2 { // the first (never dismissed) and the second
			t.Errorf("csirt after implementing: %v", got)
		}
	})
}
