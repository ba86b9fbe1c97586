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

func wantReferenced(t *testing.T, err error, field string, names ...string) {
	t.Helper()
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) || !ve.Conflict || len(ve.Fields) == 0 || ve.Fields[0].Field != field || ve.Fields[0].Code != "referenced" {
		t.Fatalf("got %v, want a 409 on %s, code referenced", err, field)
	}
	for _, n := range names {
		if !strings.Contains(ve.Fields[0].Message, n) {
			t.Errorf("the refusal %q does not name %q", ve.Fields[0].Message, n)
		}
	}
}

// TestChecksLinksAndDeletion links findings and metrics to measures and
// requirements, and deletes programmes, audits, findings and metrics — each
// refused while anything refers to it, naming the references — with every
// role trying; metrics are archived and restored.
func TestChecksLinksAndDeletion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin, manager, csirt, member, other, auditor := actor(f.admin), actor(f.manager(t)), actor(f.csirt), actor(f.member), actor(f.other), actor(f.auditor)
		ck := f.svc.Checks
		sys := hikeshi.SystemActor("test")
		ms, err := f.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "パッチ管理", Status: hikeshi.StatusImplemented})
		if err != nil {
			t.Fatal(err)
		}

		prog, err := ck.CreateProgramme(ctx, manager, service.ProgrammeInput{Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		ain := service.AuditInput{Title: "IT監査 <b>", Scope: "s", DepartmentIDs: []string{f.it.ID}, Criteria: "c", PlannedStart: "2026-06-01",
			PlannedEnd: "2026-06-02", AuditorIDs: []string{f.member.ID}}
		au, err := ck.CreateAudit(ctx, manager, prog.ID, ain)
		if err != nil {
			t.Fatal(err)
		}
		// A programme with an audit is not deleted; the refusal names the audit. Only planners try.
		for _, a := range []hikeshi.Actor{csirt, member, other, auditor} {
			wantForbidden(t, ck.DeleteProgramme(ctx, a, prog.ID))
			wantForbidden(t, ck.DeleteAudit(ctx, a, au.ID))
		}
		wantReferenced(t, ck.DeleteProgramme(ctx, admin, prog.ID), "programme", "IT監査 <b>")

		if _, err := ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		// Links: both parts of a requirement or neither; unknown ones named; measures checked.
		fin := service.FindingInput{Type: hikeshi.FindingMajor, Description: "パッチ記録なし", Requirement: "メモ", DepartmentID: f.it.ID}
		for _, c := range []struct {
			mod         func(*service.FindingInput)
			field, code string
		}{
			{func(in *service.FindingInput) { in.FrameworkKey = hikeshi.ISO27001Key }, "requirement_ref", "required"},
			{func(in *service.FindingInput) { in.RequirementRef = "A.8.8" }, "framework_key", "required"},
			{func(in *service.FindingInput) { in.FrameworkKey, in.RequirementRef = hikeshi.ISO27001Key, "A.99.99" }, "requirement_ref", "unknown_requirement"},
			{func(in *service.FindingInput) { in.FrameworkKey, in.RequirementRef = hikeshi.ISO27001Key, "A.5" }, "requirement_ref", "unknown_requirement"}, // a theme
			{func(in *service.FindingInput) { in.FrameworkKey, in.RequirementRef = "no-such-framework", "1.1" }, "requirement_ref", "unknown_requirement"},
			{func(in *service.FindingInput) { in.FrameworkKey, in.RequirementRef = "../../etc", "1" }, "framework_key", "unknown"},
			{func(in *service.FindingInput) {
				in.FrameworkKey, in.RequirementRef = hikeshi.ISO27001Key, "A.8.8\nA.8.9"
			}, "requirement_ref", "invalid_text"},
			{func(in *service.FindingInput) { in.MeasureID = hikeshi.NewID() }, "measure_id", "unknown"},
			{func(in *service.FindingInput) { in.MeasureID = "' OR 1=1 --" }, "measure_id", "unknown"},
		} {
			in := fin
			c.mod(&in)
			_, err := ck.CreateFinding(ctx, member, au.ID, in)
			wantField(t, err, c.field, c.code)
		}
		in := fin
		in.FrameworkKey, in.RequirementRef, in.MeasureID = hikeshi.ISO27001Key, " A.8.8 ", ms.ID
		nc, err := ck.CreateFinding(ctx, member, au.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		fv, err := ck.Finding(ctx, auditor, nc.ID)
		if err != nil || fv.Measure == nil || fv.Measure.ID != ms.ID || fv.LinkedRequirement == nil || fv.LinkedRequirement.Ref != "A.8.8" ||
			fv.Finding.Requirement != "メモ" {
			t.Fatalf("linked finding: %+v %v", fv, err)
		}
		// Correcting keeps or changes the links; a clause of the built-in framework is a requirement too.
		in.FrameworkKey, in.RequirementRef, in.MeasureID = hikeshi.ISO27001Key, "9.2", ""
		if up, err := ck.UpdateFinding(ctx, member, nc.ID, in); err != nil || up.MeasureID != "" || up.RequirementRef.Ref != "9.2" {
			t.Fatalf("update links: %+v %v", up, err)
		}
		for _, a := range []hikeshi.Actor{manager, csirt, other, auditor} {
			wantForbidden(t, ck.DeleteFinding(ctx, a, nc.ID))
		}

		// An audit with findings is not deleted; the refusal names them.
		wantReferenced(t, ck.DeleteAudit(ctx, manager, au.ID), "audit", "major_nc", "パッチ記録なし")
		// A finding answered by a corrective action is not deleted; the refusal names the action.
		act, err := ck.CreateAction(ctx, manager, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: nc.ID, Title: "パッチ手順の整備",
			Action: "a", DepartmentID: f.it.ID, DueDate: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		wantReferenced(t, ck.DeleteFinding(ctx, member, nc.ID), "finding", "パッチ手順の整備")
		ofi, err := ck.CreateFinding(ctx, admin, au.ID, service.FindingInput{Type: hikeshi.FindingOFI, Description: "誤記", DepartmentID: f.it.ID})
		if err != nil {
			t.Fatal(err)
		}
		before := f.auditCount(t)
		if err := ck.DeleteFinding(ctx, member, ofi.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ck.Finding(ctx, admin, ofi.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted finding: %v", err)
		}
		if f.auditCount(t) != before+1 {
			t.Error("deleting a finding wrote no audit entry")
		}
		if act.Status != hikeshi.ActionOpen {
			t.Errorf("action status %s", act.Status)
		}

		// A started audit without findings is closed, not deleted; a planned one is deleted.
		au2, err := ck.CreateAudit(ctx, manager, prog.ID, ain)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.SetAuditStatus(ctx, member, au2.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		wantField(t, ck.DeleteAudit(ctx, manager, au2.ID), "audit", "not_planned")
		if _, err := ck.SetAuditStatus(ctx, member, au2.ID, hikeshi.AuditPlanned, ""); err != nil {
			t.Fatal(err)
		}
		if err := ck.DeleteAudit(ctx, admin, au2.ID); err != nil {
			t.Fatal(err)
		}
		if err := ck.DeleteAudit(ctx, admin, au2.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleting twice: %v", err)
		}
		// An empty programme is deleted.
		p2, err := ck.CreateProgramme(ctx, admin, service.ProgrammeInput{Year: 2027, Title: "誤り", PeriodStart: "2027-04-01", PeriodEnd: "2028-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		if err := ck.DeleteProgramme(ctx, manager, p2.ID); err != nil {
			t.Fatal(err)
		}

		// Metrics: linked to a measure; delete refused with values (named), archive stops recording, restore resumes.
		metIn := service.MetricInput{Name: "適用率", MeasureID: "nope", Target: "95", Comparison: hikeshi.AtLeast, Frequency: hikeshi.Monthly, DepartmentID: f.it.ID}
		_, err = ck.CreateMetric(ctx, manager, metIn)
		wantField(t, err, "measure_id", "unknown")
		metIn.MeasureID = ms.ID
		m, err := ck.CreateMetric(ctx, manager, metIn)
		if err != nil {
			t.Fatal(err)
		}
		if mv, err := ck.Metric(ctx, member, m.ID); err != nil || mv.Measure == nil || mv.Measure.Name != "パッチ管理" {
			t.Fatalf("metric view: %+v %v", mv, err)
		}
		if _, err := ck.RecordValue(ctx, actor(f.other), m.ID, service.ValueInput{Period: "2026-05-31", Value: "97.5"}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []hikeshi.Actor{csirt, member, other, auditor} {
			wantForbidden(t, ck.DeleteMetric(ctx, a, m.ID))
			_, err := ck.SetMetricArchived(ctx, a, m.ID, true)
			wantForbidden(t, err)
		}
		wantReferenced(t, ck.DeleteMetric(ctx, manager, m.ID), "metric", "2026-05-31 = 97.5")
		if am, err := ck.SetMetricArchived(ctx, manager, m.ID, true); err != nil || !am.Archived() {
			t.Fatalf("archive: %+v %v", am, err)
		}
		before = f.auditCount(t)
		if _, err := ck.SetMetricArchived(ctx, manager, m.ID, true); err != nil || f.auditCount(t) != before {
			t.Errorf("archiving again changed something: %v", err)
		}
		_, err = ck.RecordValue(ctx, other, m.ID, service.ValueInput{Period: "2026-06-30", Value: "1"})
		wantField(t, err, "metric", "archived")
		if mv, _ := ck.Metric(ctx, manager, m.ID); mv.CanRecord {
			t.Error("an archived metric offers recording")
		}
		if _, err := ck.SetMetricArchived(ctx, admin, m.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := ck.RecordValue(ctx, other, m.ID, service.ValueInput{Period: "2026-06-30", Value: "1"}); err != nil {
			t.Fatal(err)
		}
		empty, err := ck.CreateMetric(ctx, admin, service.MetricInput{Name: "誤り", Target: "1", Comparison: hikeshi.AtMost, Frequency: hikeshi.Yearly,
			DepartmentID: f.it.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := ck.DeleteMetric(ctx, manager, empty.ID); err != nil {
			t.Fatal(err)
		}
		// An archived measure is not newly linked; a metric keeps its link when edited; the measure is not deleted under it.
		if _, err := f.svc.Frameworks.SetMeasureArchived(ctx, sys, ms.ID, true); err != nil {
			t.Fatal(err)
		}
		in.MeasureID = ms.ID
		_, err = ck.UpdateFinding(ctx, member, nc.ID, in)
		wantField(t, err, "measure_id", "archived")
		metIn.Name = "適用率（改）"
		if up, err := ck.UpdateMetric(ctx, manager, m.ID, metIn); err != nil || up.MeasureID != ms.ID {
			t.Fatalf("a kept link to an archived measure: %+v %v", up, err)
		}
		if err := f.svc.Frameworks.DeleteMeasure(ctx, sys, ms.ID); err == nil {
			t.Error("a measure a metric links to was deleted")
		}
		// Imported frameworks' requirements are linked; an archived framework's are not newly linked.
		cat, err := hikeshi.ParseCatalog(strings.NewReader(ownCatalog))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Frameworks.Import(ctx, sys, "own", "Own", cat); err != nil {
			t.Fatal(err)
		}
		if _, err := ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditInProgress, ""); err != nil && !errors.Is(err, hikeshi.ErrInvalid) {
			t.Fatal(err)
		}
		own := service.FindingInput{Type: hikeshi.FindingObservation, Description: "o", DepartmentID: f.it.ID, FrameworkKey: "own", RequirementRef: "C1"}
		if _, err := ck.CreateFinding(ctx, member, au.ID, own); err != nil {
			t.Fatal(err)
		}
		own.RequirementRef = "C404"
		_, err = ck.CreateFinding(ctx, member, au.ID, own)
		wantField(t, err, "requirement_ref", "unknown_requirement")
		if _, err := f.svc.Frameworks.SetFrameworkArchived(ctx, sys, "own", true); err != nil {
			t.Fatal(err)
		}
		own.RequirementRef = "C1"
		_, err = ck.CreateFinding(ctx, member, au.ID, own)
		wantField(t, err, "framework_key", "archived")
		// The audit log keeps ids and refs, never the free-text note.
		if _, err := f.svc.Audit.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOverdueActionsAndReminders lists overdue actions and reminds their
// owners once per action and due date, the system only.
func TestOverdueActionsAndReminders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ck := f.svc.Checks
		sys := hikeshi.SystemActor("test")
		mgr := f.manager(t)
		prog, err := ck.CreateProgramme(ctx, sys, service.ProgrammeInput{Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := ck.CreateAudit(ctx, sys, prog.ID, service.AuditInput{Title: "a", Scope: "s", DepartmentIDs: []string{f.it.ID}, Criteria: "c",
			PlannedStart: "2026-05-01", PlannedEnd: "2026-05-02", AuditorIDs: []string{f.member.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.SetAuditStatus(ctx, sys, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		fd, err := ck.CreateFinding(ctx, sys, au.ID, service.FindingInput{Type: hikeshi.FindingMinor, Description: "d", DepartmentID: f.it.ID})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(title, due, owner string) hikeshi.CorrectiveAction {
			a, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fd.ID, Title: title, Action: "a",
				DepartmentID: f.it.ID, OwnerID: owner, DueDate: due})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		late := mk("late", "2026-04-30", f.csirt.ID) // the clock is 2026-05-01 09:00 UTC
		mk("today", "2026-05-01", "")
		done := mk("done", "2026-04-01", "")
		for _, s := range []hikeshi.ActionStatus{hikeshi.ActionInProgress, hikeshi.ActionImplemented} {
			if _, err := ck.SetActionStatus(ctx, sys, done.ID, s); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []hikeshi.User{f.admin, f.csirt, mgr, f.member, f.other, f.auditor} {
			as, err := ck.ListActions(ctx, actor(u), hikeshi.ActionFilter{OverdueOn: "2026-05-01"})
			if err != nil || len(as) != 1 || as[0].Action.ID != late.ID {
				t.Fatalf("%s: overdue %+v %v", u.Role, as, err)
			}
		}
		_, err = ck.ListActions(ctx, actor(f.member), hikeshi.ActionFilter{OverdueOn: "yesterday"})
		wantField(t, err, "overdue_on", "invalid_date")
		if _, err := ck.ListActions(ctx, hikeshi.Actor{}, hikeshi.ActionFilter{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous list: %v", err)
		}

		for _, u := range []hikeshi.User{f.admin, f.csirt, mgr, f.member, f.other, f.auditor} {
			_, err := ck.Remind(ctx, actor(u), time.UTC)
			wantForbidden(t, err)
		}
		n, err := ck.Remind(ctx, sys, time.UTC)
		if err != nil || n != 2 { // the named owner (CSIRT of IT) and IT's member; not IT's auditor
			t.Fatalf("reminders: %d %v", n, err)
		}
		if n, err := ck.Remind(ctx, sys, time.UTC); err != nil || n != 0 {
			t.Fatalf("second run: %d %v", n, err)
		}
		// In Tokyo it is already 18:00 on 1 May: still only the late one.
		if n, err := ck.Remind(ctx, sys, time.FixedZone("JST", 9*3600)); err != nil || n != 0 {
			t.Fatalf("Tokyo: %d %v", n, err)
		}
		for _, c := range []struct {
			u    hikeshi.User
			want int
		}{{f.csirt, 1}, {f.other, 1}, {f.auditor, 0}, {f.member, 0}, {mgr, 0}, {f.admin, 0}} {
			es, err := ck.ActionReminders(ctx, actor(c.u))
			if err != nil || len(es) != c.want {
				t.Errorf("%s: %d reminders (%v), want %d", c.u.Email, len(es), err, c.want)
			}
		}
		es, _ := ck.ActionReminders(ctx, actor(f.csirt))
		if err := ck.DismissActionReminder(ctx, actor(f.other), es[0].Reminder.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("dismissing another's reminder: %v", err)
		}
		if err := ck.DismissActionReminder(ctx, actor(f.csirt), es[0].Reminder.ID); err != nil {
			t.Fatal(err)
		}
		if es, _ := ck.ActionReminders(ctx, actor(f.csirt)); len(es) != 0 {
			t.Errorf("after dismissing: %d", len(es))
		}
		// A new due date that passes reminds again.
		due2 := "2026-05-02"
		if _, err := ck.UpdateAction(ctx, actor(f.csirt), late.ID, service.ActionPatch{DueDate: &due2}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * 24 * time.Hour)
		if n, err := ck.Remind(ctx, sys, time.UTC); err != nil || n != 4 { // late (new date) and today, to both
			t.Fatalf("after the new date: %d %v", n, err)
		}
	})
}
