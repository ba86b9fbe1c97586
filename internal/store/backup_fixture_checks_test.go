package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillChecks) }

// fillChecks fills audit_programmes, internal_audits, findings,
// corrective_actions, metrics, metric_values and action_reminders: an audit
// run to its report with a nonconformity (linked to a measure and an ISO
// requirement) whose corrective action was checked effective and closed, a
// second action long overdue whose owners were reminded (one dismissed),
// and a measure-linked metric with two values, archived.
func fillChecks(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sys := hikeshi.SystemActor("test")
	ck := f.svc.Checks
	auditor := hikeshi.ActorFor(f.users[3], "web") // a member of depts[3]
	p, err := ck.CreateProgramme(ctx, sys, service.ProgrammeInput{Year: 2026, Title: "2026年度 <内部監査>", PeriodStart: "2026-04-01",
		PeriodEnd: "2027-03-31", Objectives: "目的\n二行目"})
	must(err)
	a, err := ck.CreateAudit(ctx, sys, p.ID, service.AuditInput{Title: "監査", Scope: "範囲", DepartmentIDs: []string{f.depts[1].ID, f.depts[0].ID},
		Criteria: "ISO/IEC 27001:2022 4–10", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-02", AuditorIDs: []string{f.users[3].ID}})
	must(err)
	_, err = ck.SetAuditStatus(ctx, auditor, a.ID, hikeshi.AuditInProgress, "")
	must(err)
	ms, err := f.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "脆弱性管理", Status: hikeshi.StatusPartial})
	must(err)
	fd, err := ck.CreateFinding(ctx, auditor, a.ID, service.FindingInput{Type: hikeshi.FindingMinor, Description: "記録なし \"quoted\"",
		Requirement: "A.8.8 パッチ", FrameworkKey: hikeshi.ISO27001Key, RequirementRef: "A.8.8", MeasureID: ms.ID, DepartmentID: f.depts[1].ID})
	must(err)
	_, err = ck.SetAuditStatus(ctx, auditor, a.ID, hikeshi.AuditReported, "要約")
	must(err)
	act, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fd.ID, Title: "是正",
		RootCause: "原因", Action: "処置", DepartmentID: f.depts[1].ID, OwnerID: f.users[1].ID, DueDate: "2026-07-01"})
	must(err)
	for _, s := range []hikeshi.ActionStatus{hikeshi.ActionInProgress, hikeshi.ActionImplemented} {
		_, err = ck.SetActionStatus(ctx, sys, act.ID, s)
		must(err)
	}
	_, err = ck.RecordEffectiveness(ctx, sys, act.ID, hikeshi.ResultEffective, "再発なし")
	must(err)
	_, err = ck.SetActionStatus(ctx, sys, act.ID, hikeshi.ActionClosed)
	must(err)
	late, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fd.ID, Title: "追加の是正",
		Action: "処置", DepartmentID: f.depts[1].ID, OwnerID: f.users[1].ID, DueDate: "2026-01-05"})
	must(err)
	n, err := ck.Remind(ctx, sys, time.UTC)
	must(err)
	if n == 0 {
		t.Fatal("no action reminder")
	}
	rs, err := ck.ActionReminders(ctx, hikeshi.ActorFor(f.users[1], "web"))
	must(err)
	if len(rs) != 1 || rs[0].Action.ID != late.ID {
		t.Fatalf("reminders of the owner: %+v", rs)
	}
	must(ck.DismissActionReminder(ctx, hikeshi.ActorFor(f.users[1], "web"), rs[0].Reminder.ID))
	m, err := ck.CreateMetric(ctx, sys, service.MetricInput{Name: "適用率", MeasureRef: "A.8.8", MeasureID: ms.ID, Unit: "%", Target: "95.5",
		Comparison: hikeshi.AtLeast, Frequency: hikeshi.Quarterly, DepartmentID: f.depts[1].ID})
	must(err)
	for _, v := range []string{"96.25", "-1e-3"} {
		_, err = ck.RecordValue(ctx, sys, m.ID, service.ValueInput{Period: "2026-06-30", Value: v, Note: "測定"})
		must(err)
	}
	_, err = ck.SetMetricArchived(ctx, sys, m.ID, true)
	must(err)
}
