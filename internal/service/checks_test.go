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

// fieldCode returns the first field error's field and code.
func fieldCode(err error) (string, string) {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return "", ""
	}
	return ve.Fields[0].Field, ve.Fields[0].Code
}

func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	if f, c := fieldCode(err); f != field || c != code {
		t.Fatalf("got %v (field %q code %q), want field %q code %q", err, f, c, field, code)
	}
}

func wantForbidden(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, hikeshi.ErrForbidden) {
		t.Fatalf("got %v, want forbidden", err)
	}
}

// TestInternalAuditCycle runs one audit through findings and a corrective
// action's effectiveness check, with every role trying its hand.
func TestInternalAuditCycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgr := f.manager(t)
		before := f.auditCount(t)
		admin, manager, csirt, member, other, auditor := actor(f.admin), actor(mgr), actor(f.csirt), actor(f.member), actor(f.other), actor(f.auditor)
		ck := f.svc.Checks

		// Programme: planners only; one per year; bad input named.
		pin := service.ProgrammeInput{Year: 2026, Title: "2026年度 内部監査計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31", Objectives: "適合性の確認"}
		for _, a := range []hikeshi.Actor{csirt, member, auditor} {
			_, err := ck.CreateProgramme(ctx, a, pin)
			wantForbidden(t, err)
		}
		bad := pin
		bad.PeriodEnd = "2026-02-30"
		_, err := ck.CreateProgramme(ctx, manager, bad)
		wantField(t, err, "period_end", "invalid_date")
		bad.PeriodEnd = "2025-03-31"
		_, err = ck.CreateProgramme(ctx, manager, bad)
		wantField(t, err, "period_end", "before_start")
		prog, err := ck.CreateProgramme(ctx, manager, pin)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ck.CreateProgramme(ctx, admin, pin)
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Fatalf("second 2026 programme: %v", err)
		}

		// Audit: the IT department, audited by a sales member.
		ain := service.AuditInput{Title: "情報システム部監査", Scope: "IT運用", DepartmentIDs: []string{f.it.ID},
			Criteria: "ISO/IEC 27001:2022 clauses 4–10, Annex A.5", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-05",
			AuditorIDs: []string{f.member.ID}}
		_, err = ck.CreateAudit(ctx, csirt, prog.ID, ain)
		wantForbidden(t, err)
		_, err = ck.CreateAudit(ctx, auditor, prog.ID, ain)
		wantForbidden(t, err)
		own := ain
		own.AuditorIDs = []string{f.member.ID, f.other.ID}
		_, err = ck.CreateAudit(ctx, manager, prog.ID, own)
		wantField(t, err, "auditor_ids", "own_department")
		var ve *hikeshi.ValidationError
		errors.As(err, &ve)
		if !strings.Contains(ve.Fields[0].Message, "情報システム部") || !strings.Contains(ve.Fields[0].Message, "9.2") {
			t.Errorf("the refusal does not name the department and clause: %q", ve.Fields[0].Message)
		}
		ro := ain
		ro.AuditorIDs = []string{f.auditor.ID}
		_, err = ck.CreateAudit(ctx, manager, prog.ID, ro)
		wantField(t, err, "auditor_ids", "read_only")
		bd := ain
		bd.PlannedStart = "June 1st"
		_, err = ck.CreateAudit(ctx, manager, prog.ID, bd)
		wantField(t, err, "planned_start", "invalid_date")
		bd = ain
		bd.DepartmentIDs = []string{hikeshi.NewID()}
		_, err = ck.CreateAudit(ctx, manager, prog.ID, bd)
		wantField(t, err, "department_ids", "unknown")
		au, err := ck.CreateAudit(ctx, manager, prog.ID, ain)
		if err != nil {
			t.Fatal(err)
		}
		// Editing the plan cannot sneak an own-department auditor in either.
		_, err = ck.UpdateAudit(ctx, admin, au.ID, own)
		wantField(t, err, "auditor_ids", "own_department")

		// Findings: only while in progress, only by the named auditors (and admins).
		fin := service.FindingInput{Type: hikeshi.FindingMajor, Description: "<script>alert(1)</script> パッチ適用の記録がない",
			Requirement: "A.8.8", DepartmentID: f.it.ID}
		_, err = ck.CreateFinding(ctx, member, au.ID, fin)
		wantField(t, err, "status", "not_in_progress")
		_, err = ck.SetAuditStatus(ctx, other, au.ID, hikeshi.AuditInProgress, "")
		wantForbidden(t, err)
		if _, err = ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		for _, a := range []hikeshi.Actor{csirt, manager, other, auditor} {
			_, err = ck.CreateFinding(ctx, a, au.ID, fin)
			wantForbidden(t, err)
		}
		badType := fin
		badType.Type = "catastrophe"
		_, err = ck.CreateFinding(ctx, member, au.ID, badType)
		wantField(t, err, "type", "unknown")
		nc, err := ck.CreateFinding(ctx, member, au.ID, fin)
		if err != nil {
			t.Fatal(err)
		}
		if nc.Description != fin.Description {
			t.Errorf("description changed: %q", nc.Description)
		}
		if _, err = ck.CreateFinding(ctx, admin, au.ID, service.FindingInput{Type: hikeshi.FindingOFI, Description: "手順書の改善",
			DepartmentID: f.it.ID}); err != nil {
			t.Fatal(err)
		}
		fv, err := ck.Finding(ctx, auditor, nc.ID)
		if err != nil || !fv.NeedsAction || fv.CanEdit || fv.CanAddAct {
			t.Fatalf("auditor's view of the nonconformity: %+v, %v", fv, err)
		}

		// Reporting needs the summary; closing needs an action per nonconformity.
		_, err = ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditReported, "")
		wantField(t, err, "report", "required")
		if _, err = ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditReported, "重大な不適合1件"); err != nil {
			t.Fatal(err)
		}
		_, err = ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditClosed, "")
		wantForbidden(t, err)
		_, err = ck.SetAuditStatus(ctx, manager, au.ID, hikeshi.AuditClosed, "")
		wantField(t, err, "status", "actions_missing")

		// Corrective action by the department concerned.
		acin := service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: nc.ID, Title: "パッチ管理の是正",
			RootCause: "手順が未整備", Action: "手順を定め記録する", DepartmentID: f.it.ID, OwnerID: f.other.ID, DueDate: "2026-05-10"}
		_, err = ck.CreateAction(ctx, auditor, acin)
		wantForbidden(t, err)
		_, err = ck.CreateAction(ctx, csirt, service.ActionInput{SourceKind: "lesson", SourceID: nc.ID})
		wantField(t, err, "source_kind", "unknown")
		bad2 := acin
		bad2.DueDate = "2026-13-01"
		_, err = ck.CreateAction(ctx, other, bad2)
		wantField(t, err, "due_date", "invalid_date")
		bad2 = acin
		bad2.OwnerID = f.member.ID
		_, err = ck.CreateAction(ctx, other, bad2)
		wantField(t, err, "owner_id", "not_in_department")
		act, err := ck.CreateAction(ctx, other, acin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = ck.SetAuditStatus(ctx, manager, au.ID, hikeshi.AuditClosed, ""); err != nil {
			t.Fatalf("close the audit once every nonconformity has an action: %v", err)
		}

		// Closing without an effectiveness check is refused with the reason.
		_, err = ck.SetActionStatus(ctx, manager, act.ID, hikeshi.ActionClosed)
		var me *hikeshi.ActionMoveError
		if !errors.As(err, &me) || me.Code != "check_required" || !errors.Is(err, hikeshi.ErrInvalid) {
			t.Fatalf("close without check: %v", err)
		}
		_, err = ck.SetActionStatus(ctx, member, act.ID, hikeshi.ActionInProgress)
		wantForbidden(t, err)
		_, err = ck.SetActionStatus(ctx, auditor, act.ID, hikeshi.ActionInProgress)
		wantForbidden(t, err)
		_, err = ck.RecordEffectiveness(ctx, manager, act.ID, hikeshi.ResultEffective, "記録を確認")
		if !errors.As(err, &me) || me.Code != "not_implemented" {
			t.Fatalf("check before implemented: %v", err)
		}
		if _, err = ck.SetActionStatus(ctx, other, act.ID, hikeshi.ActionInProgress); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(15 * 24 * time.Hour) // past the due date
		v, err := ck.Action(ctx, member, act.ID)
		if err != nil || !v.Action.Overdue(f.clock.Now()) {
			t.Fatalf("the action should be overdue: %v", err)
		}
		if _, err = ck.SetActionStatus(ctx, other, act.ID, hikeshi.ActionImplemented); err != nil {
			t.Fatal(err)
		}
		_, err = ck.SetActionStatus(ctx, manager, act.ID, hikeshi.ActionEffective)
		if !errors.As(err, &me) || me.Code != "use_check" {
			t.Fatalf("effective by hand: %v", err)
		}
		for _, a := range []hikeshi.Actor{other, csirt, auditor, member} {
			_, err = ck.RecordEffectiveness(ctx, a, act.ID, hikeshi.ResultEffective, "見た")
			wantForbidden(t, err)
		}
		_, err = ck.RecordEffectiveness(ctx, manager, act.ID, "maybe", "見た")
		wantField(t, err, "result", "unknown")
		_, err = ck.RecordEffectiveness(ctx, manager, act.ID, hikeshi.ResultEffective, " ")
		wantField(t, err, "note", "required")

		// Ineffective: the action goes back to its owners.
		got, err := ck.RecordEffectiveness(ctx, manager, act.ID, hikeshi.ResultIneffective, "再発した")
		if err != nil || got.Status != hikeshi.ActionIneffective || got.CheckedBy != mgr.ID || got.CheckedAt.IsZero() {
			t.Fatalf("ineffective: %+v, %v", got, err)
		}
		_, err = ck.SetActionStatus(ctx, manager, act.ID, hikeshi.ActionClosed)
		if !errors.As(err, &me) || me.Code != "check_required" {
			t.Fatalf("close an ineffective action: %v", err)
		}
		got, err = ck.SetActionStatus(ctx, other, act.ID, hikeshi.ActionInProgress)
		if err != nil || got.CheckResult != "" || got.CheckedBy != "" {
			t.Fatalf("rework: %+v, %v", got, err)
		}
		if _, err = ck.SetActionStatus(ctx, other, act.ID, hikeshi.ActionImplemented); err != nil {
			t.Fatal(err)
		}
		if _, err = ck.RecordEffectiveness(ctx, admin, act.ID, hikeshi.ResultEffective, "3か月再発なし"); err != nil {
			t.Fatal(err)
		}
		_, err = ck.SetActionStatus(ctx, other, act.ID, hikeshi.ActionClosed)
		wantForbidden(t, err)
		got, err = ck.SetActionStatus(ctx, manager, act.ID, hikeshi.ActionClosed)
		if err != nil || got.Status != hikeshi.ActionClosed || got.ClosedAt.IsZero() {
			t.Fatalf("close: %+v, %v", got, err)
		}
		_, err = ck.UpdateAction(ctx, admin, act.ID, service.ActionPatch{Title: &acin.Title})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Fatalf("edit a closed action: %v", err)
		}

		// Every signed-in role reads everything; anonymous callers nothing.
		for _, a := range []hikeshi.Actor{admin, manager, csirt, member, other, auditor} {
			if as, err := ck.Audits(ctx, a, "", hikeshi.Page{}); err != nil || len(as) != 1 {
				t.Errorf("%s audits: %d, %v", a.Role, len(as), err)
			}
			if fs, err := ck.Findings(ctx, a, au.ID, hikeshi.Page{}); err != nil || len(fs) != 2 {
				t.Errorf("%s findings: %d, %v", a.Role, len(fs), err)
			}
			if as, err := ck.Actions(ctx, a, hikeshi.Page{}); err != nil || len(as) != 1 {
				t.Errorf("%s actions: %d, %v", a.Role, len(as), err)
			}
		}
		if _, err := ck.Audits(ctx, hikeshi.Actor{}, "", hikeshi.Page{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
		if n := f.auditCount(t); n <= before {
			t.Errorf("no audit entries written: %d → %d", before, n)
		}
	})
}

func TestMetrics(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgr := f.manager(t)
		ck := f.svc.Checks
		in := service.MetricInput{Name: "パッチ適用率", MeasureRef: "A.8.8", Unit: "%", Target: "95.0", Comparison: hikeshi.AtLeast,
			Frequency: hikeshi.Monthly, DepartmentID: f.it.ID}
		for _, u := range []hikeshi.User{f.csirt, f.member, f.other, f.auditor} {
			_, err := ck.CreateMetric(ctx, actor(u), in)
			wantForbidden(t, err)
		}
		bad := in
		bad.Target = "0x10"
		_, err := ck.CreateMetric(ctx, actor(mgr), bad)
		wantField(t, err, "target", "invalid_number")
		bad = in
		bad.Comparison = ">"
		_, err = ck.CreateMetric(ctx, actor(mgr), bad)
		wantField(t, err, "comparison", "unknown")
		m, err := ck.CreateMetric(ctx, actor(mgr), in)
		if err != nil || m.Target != "95" {
			t.Fatalf("%+v %v", m, err)
		}
		// The IT member records; sales members and auditors do not.
		for _, u := range []hikeshi.User{f.member, f.auditor} {
			_, err = ck.RecordValue(ctx, actor(u), m.ID, service.ValueInput{Period: "2026-04-30", Value: "97"})
			wantForbidden(t, err)
		}
		_, err = ck.RecordValue(ctx, actor(f.other), m.ID, service.ValueInput{Period: "2026-04-31", Value: "97"})
		wantField(t, err, "period", "invalid_date")
		_, err = ck.RecordValue(ctx, actor(f.other), m.ID, service.ValueInput{Period: "2026-04-30", Value: "NaN"})
		wantField(t, err, "value", "invalid_number")
		if _, err = ck.RecordValue(ctx, actor(f.other), m.ID, service.ValueInput{Period: "2026-05-31", Value: "90.5", Note: "<b>遅延</b>"}); err != nil {
			t.Fatal(err)
		}
		// Recorded later for an earlier period: the latest period still decides.
		if _, err = ck.RecordValue(ctx, actor(f.csirt), m.ID, service.ValueInput{Period: "2026-04-30", Value: "99"}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []hikeshi.User{f.admin, mgr, f.csirt, f.member, f.other, f.auditor} {
			v, err := ck.Metric(ctx, actor(u), m.ID)
			if err != nil || v.Latest == nil || v.Latest.Value != "90.5" || v.Met || len(v.Values) != 2 {
				t.Fatalf("%s: %+v, %v", u.Role, v, err)
			}
		}
		in.Comparison, in.Target = hikeshi.AtMost, "91"
		if _, err = ck.UpdateMetric(ctx, actor(f.admin), m.ID, in); err != nil {
			t.Fatal(err)
		}
		vs, err := ck.Metrics(ctx, actor(f.member), hikeshi.Page{})
		if err != nil || len(vs) != 1 || !vs[0].Met {
			t.Fatalf("met against ≤ 91: %+v %v", vs, err)
		}
	})
}
