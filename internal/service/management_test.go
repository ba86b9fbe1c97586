package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func wantConflict(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, hikeshi.ErrConflict) {
		t.Fatalf("got %v, want a conflict", err)
	}
}

// TestManagementReviewCycle plans a review whose inputs appear from the
// period's data without being typed in, holds it (freezing them), records a
// decision that opens a tracked corrective action, and closes it — with every
// role trying its hand and every hostile input refused by name.
func TestManagementReviewCycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgr := f.manager(t)
		admin, manager, csirt, member, auditor := actor(f.admin), actor(mgr), actor(f.csirt), actor(f.member), actor(f.auditor)
		mg, ck := f.svc.Management, f.svc.Checks

		// Data of the period (the clock is 2026-05-01): an audit with a minor
		// nonconformity and an OFI, a metric missing its target, an incident.
		prog, err := ck.CreateProgramme(ctx, manager, service.ProgrammeInput{Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31", Objectives: "適合性の確認"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := ck.CreateAudit(ctx, manager, prog.ID, service.AuditInput{Title: "IT監査", Scope: "IT", DepartmentIDs: []string{f.it.ID},
			Criteria: "27001", PlannedStart: "2026-05-01", PlannedEnd: "2026-05-02", AuditorIDs: []string{f.member.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.SetAuditStatus(ctx, member, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		for _, ty := range []hikeshi.FindingType{hikeshi.FindingMinor, hikeshi.FindingOFI} {
			if _, err := ck.CreateFinding(ctx, member, au.ID, service.FindingInput{Type: ty, Description: "所見 " + string(ty), DepartmentID: f.it.ID}); err != nil {
				t.Fatal(err)
			}
		}
		met, err := ck.CreateMetric(ctx, manager, service.MetricInput{Name: "パッチ適用率", Unit: "%", Target: "95", Comparison: hikeshi.AtLeast,
			Frequency: hikeshi.Monthly, DepartmentID: f.it.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.RecordValue(ctx, manager, met.ID, service.ValueInput{Period: "2026-04-30", Value: "90"}); err != nil {
			t.Fatal(err)
		}
		f.incident(t, "フィッシング", hikeshi.TLPGreen)

		in := service.MgmtReviewInput{Title: "2026年度 第1回 <script>alert(1)</script>", PeriodFrom: "2026-04-01", PeriodTo: "2026-06-30",
			MeetingDate: "2026-07-10", ChairID: mgr.ID, AttendeeIDs: []string{f.admin.ID, f.csirt.ID, f.admin.ID}, Issues: "法改正", Feedback: "<b>顧客</b>"}

		// Who may plan: admins and managers only.
		for _, a := range []hikeshi.Actor{csirt, member, auditor} {
			_, err := mg.CreateReview(ctx, a, in)
			wantForbidden(t, err)
		}
		// Hostile input, named by field.
		for _, c := range []struct {
			mut         func(*service.MgmtReviewInput)
			field, code string
		}{
			{func(i *service.MgmtReviewInput) { i.PeriodFrom = "2026-02-30" }, "period_from", "invalid_date"},
			{func(i *service.MgmtReviewInput) { i.PeriodTo = "2026-03-31" }, "period_to", "before_start"},
			{func(i *service.MgmtReviewInput) { i.MeetingDate = "" }, "meeting_date", "required"},
			{func(i *service.MgmtReviewInput) { i.Title = "" }, "title", "required"},
			{func(i *service.MgmtReviewInput) { i.Title = "a\nb" }, "title", "invalid_text"},
			{func(i *service.MgmtReviewInput) { i.ChairID = "" }, "chair_id", "required"},
			{func(i *service.MgmtReviewInput) { i.ChairID = hikeshi.NewID() }, "chair_id", "unknown"},
			{func(i *service.MgmtReviewInput) { i.ChairID = "'; DROP TABLE users; --" }, "chair_id", "unknown"},
			{func(i *service.MgmtReviewInput) { i.AttendeeIDs = []string{f.admin.ID, "nope"} }, "attendee_ids", "unknown"},
		} {
			bad := in
			c.mut(&bad)
			_, err := mg.CreateReview(ctx, manager, bad)
			wantField(t, err, c.field, c.code)
		}

		before := f.auditCount(t)
		m, err := mg.CreateReview(ctx, manager, in)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != hikeshi.MgmtPlanned || m.Title != in.Title || len(m.AttendeeIDs) != 2 || m.Inputs != nil {
			t.Fatalf("created: %+v", m)
		}
		if n := f.auditCount(t); n != before+1 {
			t.Errorf("audit entries: %d, want %d", n, before+1)
		}

		// Everyone signed in reads it; its inputs are compiled live.
		for _, a := range []hikeshi.Actor{admin, manager, csirt, member, auditor} {
			v, err := mg.Review(ctx, a, m.ID)
			if err != nil {
				t.Fatalf("%s reads: %v", a.Role, err)
			}
			if !v.Live || v.Inputs.Incidents.Opened != 1 || hikeshi.CountOf(v.Inputs.FindingsByType, "minor_nc") != 1 ||
				len(v.Inputs.OFIs) != 1 || v.Inputs.MetricsMissed != 1 || len(v.Inputs.Audits) != 1 || v.Inputs.Audits[0].Findings != 2 ||
				len(v.Inputs.Programmes) != 1 {
				t.Fatalf("%s: live inputs %+v", a.Role, v.Inputs)
			}
			if want := a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager; v.CanHold != want || v.CanEdit != want || v.CanDecide {
				t.Errorf("%s: can hold %v edit %v decide %v", a.Role, v.CanHold, v.CanEdit, v.CanDecide)
			}
		}
		if _, err := mg.Review(ctx, hikeshi.Actor{}, m.ID); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
		if _, err := mg.Review(ctx, member, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		if _, err := mg.Recompile(ctx, manager, m.ID); err != nil {
			t.Errorf("recompile planned: %v", err)
		}
		_, err = mg.Recompile(ctx, auditor, m.ID)
		wantForbidden(t, err)

		// Moves: close before held and decisions before held are refused.
		_, err = mg.Close(ctx, manager, m.ID)
		wantConflict(t, err)
		_, err = mg.AddDecision(ctx, manager, m.ID, service.MgmtDecisionInput{Kind: hikeshi.DecisionImprovement, Text: "x", DepartmentID: f.it.ID, DueDate: "2026-09-30"})
		wantConflict(t, err)
		for _, a := range []hikeshi.Actor{csirt, member, auditor} {
			_, err := mg.Hold(ctx, a, m.ID)
			wantForbidden(t, err)
			_, err = mg.UpdateReview(ctx, a, m.ID, in)
			wantForbidden(t, err)
		}
		// Planned: every field may change.
		upd := in
		upd.Issues = "法改正と組織変更"
		if _, err := mg.UpdateReview(ctx, admin, m.ID, upd); err != nil {
			t.Fatal(err)
		}

		// Hold: the inputs freeze.
		held, err := mg.Hold(ctx, manager, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if held.Status != hikeshi.MgmtHeld || held.Inputs == nil || held.HeldBy != mgr.ID || !held.Inputs.CompiledAt.Equal(f.clock.Now()) {
			t.Fatalf("held: %+v", held)
		}
		_, err = mg.Hold(ctx, manager, m.ID)
		wantConflict(t, err)
		_, err = mg.Recompile(ctx, manager, m.ID)
		wantConflict(t, err)
		f.incident(t, "二件目", hikeshi.TLPGreen) // new data inside the period
		v, err := mg.Review(ctx, member, m.ID)
		if err != nil || v.Live || v.Inputs.Incidents.Opened != 1 {
			t.Fatalf("held review changed with the data: %+v %v", v.Inputs.Incidents, err)
		}
		// Held: the period and the typed inputs are frozen; the minutes are not.
		frozen := upd
		frozen.PeriodTo = "2026-12-31"
		_, err = mg.UpdateReview(ctx, manager, m.ID, frozen)
		wantConflict(t, err)
		frozen = upd
		frozen.Feedback = "changed"
		_, err = mg.UpdateReview(ctx, manager, m.ID, frozen)
		wantConflict(t, err)
		withMinutes := upd
		withMinutes.Minutes = "議事録 <img src=x onerror=alert(1)>"
		if r, err := mg.UpdateReview(ctx, manager, m.ID, withMinutes); err != nil || r.Minutes != withMinutes.Minutes || r.Inputs == nil {
			t.Fatalf("minutes: %+v %v", r, err)
		}

		// Decisions: planners only, validated, each opening a tracked corrective action.
		din := service.MgmtDecisionInput{Kind: hikeshi.DecisionResources, Text: "CSIRT要員を1名増員する\n来期予算で", DepartmentID: f.it.ID,
			OwnerID: f.other.ID, DueDate: "2026-09-30"}
		for _, a := range []hikeshi.Actor{csirt, member, auditor} {
			_, err := mg.AddDecision(ctx, a, m.ID, din)
			wantForbidden(t, err)
		}
		for _, c := range []struct {
			mut         func(*service.MgmtDecisionInput)
			field, code string
		}{
			{func(d *service.MgmtDecisionInput) { d.Kind = "bribe" }, "kind", "unknown"},
			{func(d *service.MgmtDecisionInput) { d.Text = " " }, "text", "required"},
			{func(d *service.MgmtDecisionInput) { d.DueDate = "2026-13-01" }, "due_date", "invalid_date"},
			{func(d *service.MgmtDecisionInput) { d.DepartmentID = hikeshi.NewID() }, "department_id", "unknown"},
			{func(d *service.MgmtDecisionInput) { d.OwnerID = f.member.ID }, "owner_id", "not_in_department"},
			{func(d *service.MgmtDecisionInput) { d.OwnerID = "x" }, "owner_id", "unknown"},
		} {
			bad := din
			c.mut(&bad)
			_, err := mg.AddDecision(ctx, manager, m.ID, bad)
			wantField(t, err, c.field, c.code)
		}
		before = f.auditCount(t)
		dv, err := mg.AddDecision(ctx, manager, m.ID, din)
		if err != nil {
			t.Fatal(err)
		}
		a := dv.Action
		if a.SourceKind != hikeshi.SourceReview || a.SourceID != m.ID || a.Title != "CSIRT要員を1名増員する" || a.Action != din.Text ||
			a.Status != hikeshi.ActionOpen || a.OwnerID != f.other.ID || dv.Decision.ActionID != a.ID {
			t.Fatalf("decision's action: %+v", dv)
		}
		if n := f.auditCount(t); n != before+2 { // the action and the decision
			t.Errorf("audit entries: %d, want %d", n, before+2)
		}
		// The decision shows its action's live status.
		if _, err := ck.SetActionStatus(ctx, actor(f.other), a.ID, hikeshi.ActionInProgress); err != nil {
			t.Fatal(err)
		}
		v, err = mg.Review(ctx, auditor, m.ID)
		if err != nil || len(v.Decisions) != 1 || v.Decisions[0].Action.Status != hikeshi.ActionInProgress || v.CanDecide {
			t.Fatalf("decisions: %+v %v", v.Decisions, err)
		}

		// Close: planners only; then nothing changes.
		_, err = mg.Close(ctx, auditor, m.ID)
		wantForbidden(t, err)
		if c, err := mg.Close(ctx, admin, m.ID); err != nil || c.Status != hikeshi.MgmtClosed || c.ClosedBy != f.admin.ID {
			t.Fatalf("close: %+v %v", c, err)
		}
		_, err = mg.Close(ctx, admin, m.ID)
		wantConflict(t, err)
		_, err = mg.UpdateReview(ctx, admin, m.ID, withMinutes)
		wantConflict(t, err)
		_, err = mg.AddDecision(ctx, admin, m.ID, din)
		wantConflict(t, err)

		// The next review lists this one's decision as an action of a previous review.
		next, err := mg.CreateReview(ctx, admin, service.MgmtReviewInput{Title: "第2回", PeriodFrom: "2026-04-01", PeriodTo: "2026-09-30",
			MeetingDate: "2026-10-10", ChairID: f.admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		nv, err := mg.Review(ctx, member, next.ID)
		if err != nil || nv.Inputs.PrevOpen != 1 || len(nv.Inputs.PrevActions) != 1 || nv.Inputs.PrevActions[0].ID != a.ID {
			t.Fatalf("previous actions: %+v %v", nv.Inputs, err)
		}
		list, err := mg.Reviews(ctx, auditor, hikeshi.Page{Limit: 10})
		if err != nil || len(list) != 2 || list[0].ID != next.ID {
			t.Fatalf("list: %v", err)
		}
	})
}
