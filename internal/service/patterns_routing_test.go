package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// ismsItems are the ISMS items a routing test creates.
type ismsItems struct {
	risk, ownRisk, namedRisk hikeshi.Risk
	policy, rules            hikeshi.Document
	prog, oldProg            hikeshi.AuditProgramme
	review                   hikeshi.ManagementReview
}

func moveOf(moves []service.PatternMove, id string) (service.PatternMove, bool) {
	for _, m := range moves {
		if m.Item.ID == id {
			return m, true
		}
	}
	return service.PatternMove{}, false
}

// TestPatternRoutesISMSWork (decision 0038): under a pattern, the ISMS items
// no person gave a department go to the unit responsible for their activity
// (risk assessment, basic policy, rules, internal audit, management review),
// are marked routed and audited; a change of pattern previews and moves the
// open ones with an audit entry per item; items a person placed — at
// creation or later — never move; closed ones (a programme whose period
// ended, a closed review) stay.
func TestPatternRoutesISMSWork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgmt, cs := patternOrg(t, f)
		sys := hikeshi.SystemActor("test")
		mgmt2, err := f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "総務部", Kind: hikeshi.KindManagement})
		if err != nil {
			t.Fatal(err)
		}
		admin, mgr := actor(f.admin), f.manager(t)
		ps := f.svc.Patterns
		if _, err := ps.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternTraditional, Units: units(mgmt.ID, f.it.ID, "")}); err != nil {
			t.Fatal(err)
		}
		var x ismsItems
		before := f.auditCount(t)
		risk := func(a hikeshi.Actor, title, dept string) hikeshi.Risk {
			t.Helper()
			r, err := f.svc.Risks.CreateRisk(ctx, a, service.RiskInput{Title: title, Scenario: "s", OwnerDepartmentID: dept,
				Assessment: service.RiskAssessment{Likelihood: 2, Impact: 2}})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		x.risk = risk(admin, "無担当のリスク", "")
		x.ownRisk = risk(actor(f.member), "営業部のリスク", "") // a member's risk is their department's
		x.namedRisk = risk(admin, "指名したリスク", mgmt.ID)
		if x.risk.OwnerDepartmentID != mgmt.ID || x.ownRisk.OwnerDepartmentID != f.sales.ID {
			t.Fatalf("risks placed at %q and %q", x.risk.OwnerDepartmentID, x.ownRisk.OwnerDepartmentID)
		}
		doc := func(kind hikeshi.DocumentKind, title string) (hikeshi.Document, error) {
			return f.svc.Documents.Create(ctx, admin, service.DocumentInput{Kind: kind, Title: title, Body: "本文"})
		}
		if x.policy, err = doc(hikeshi.DocBasicPolicy, "情報セキュリティ基本方針"); err != nil || x.policy.DepartmentID != mgmt.ID {
			t.Fatalf("policy %+v %v", x.policy, err)
		}
		if x.rules, err = doc(hikeshi.DocRules, "情報セキュリティ規程"); err != nil || x.rules.DepartmentID != mgmt.ID {
			t.Fatalf("rules %+v %v", x.rules, err)
		}
		// A procedure has no activity of its own: its owner is named.
		_, err = doc(hikeshi.DocProcedure, "手順")
		wantField(t, err, "department_id", "required")

		pin := service.ProgrammeInput{Year: 2026, Title: "監査計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31"}
		if x.prog, err = f.svc.Checks.CreateProgramme(ctx, actor(mgr), pin); err != nil {
			t.Fatal(err)
		}
		if x.prog.DepartmentID != mgmt.ID || x.prog.RoutedActivity != hikeshi.ActivityInternalAudit {
			t.Fatalf("programme %+v", x.prog)
		}
		old := service.ProgrammeInput{Year: 2025, Title: "昨年度", PeriodStart: "2025-04-01", PeriodEnd: "2026-03-31"}
		if x.oldProg, err = f.svc.Checks.CreateProgramme(ctx, actor(mgr), old); err != nil {
			t.Fatal(err)
		}
		// Hostile department ids are refused by field.
		for _, bad := range []string{"<script>x</script>", strings.Repeat("a", 100), hikeshi.NewID()} {
			p := pin
			p.Year, p.DepartmentID = 2030, bad
			_, err := f.svc.Checks.CreateProgramme(ctx, actor(mgr), p)
			wantField(t, err, "department_id", "unknown")
		}
		if x.review, err = f.svc.Management.CreateReview(ctx, actor(mgr), service.MgmtReviewInput{Title: "MR", PeriodFrom: "2026-04-01",
			PeriodTo: "2026-06-30", MeetingDate: "2026-07-10", ChairID: mgr.ID}); err != nil {
			t.Fatal(err)
		}
		if x.review.DepartmentID != mgmt.ID || x.review.RoutedActivity != hikeshi.ActivityManagementReview {
			t.Fatalf("review %+v", x.review)
		}
		// Creations: 3 risks, 2 documents (with their first versions), 2
		// programmes, 1 review; routed: risk, 2 documents, 2 programmes, review.
		if got := f.auditCount(t) - before; got != 10+6 {
			t.Errorf("%d audit entries for the creations, want 16", got)
		}
		routes, err := f.svc.Audit.List(ctx, admin, hikeshi.AuditFilter{Action: "pattern.route", Limit: 20})
		if err != nil || len(routes) != 6 || !slices.ContainsFunc(routes, func(r hikeshi.AuditRecord) bool {
			return r.EntityID == x.risk.ID && strings.Contains(r.After, `"activity":"risk_assessment"`) && !strings.Contains(r.After, "無担当")
		}) {
			t.Fatalf("route audit: %+v %v", routes, err)
		}

		// Field-driven: risk assessment and rules go to IT.
		fd := service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units(mgmt.ID, f.it.ID, cs.ID)}
		pre, err := ps.Preview(ctx, admin, fd)
		if err != nil {
			t.Fatal(err)
		}
		if len(pre.Moves) != 2 {
			t.Fatalf("moves %+v", pre.Moves)
		}
		for _, c := range []struct {
			id, entity string
			a          hikeshi.Activity
		}{{x.risk.ID, hikeshi.RoutedRisk, hikeshi.ActivityRiskAssessment}, {x.rules.ID, hikeshi.RoutedDocument, hikeshi.ActivityRules}} {
			m, ok := moveOf(pre.Moves, c.id)
			if !ok || m.Item.Entity != c.entity || m.Item.Activity != c.a || m.From != mgmt.ID || m.To != f.it.ID || m.Item.Title == "" || m.Hidden {
				t.Fatalf("move of %s: %+v %v", c.entity, m, ok)
			}
		}
		before = f.auditCount(t)
		if _, err := ps.Apply(ctx, admin, fd); err != nil {
			t.Fatal(err)
		}
		if got := f.auditCount(t) - before; got != 1+2 {
			t.Errorf("%d audit entries for the change, want 3", got)
		}
		if r, _ := f.svc.Risks.Risk(ctx, admin, x.risk.ID); r.Risk.OwnerDepartmentID != f.it.ID {
			t.Errorf("risk owner after the change: %q", r.Risk.OwnerDepartmentID)
		}
		for id, want := range map[string]string{x.ownRisk.ID: f.sales.ID, x.namedRisk.ID: mgmt.ID} {
			if r, _ := f.svc.Risks.Risk(ctx, admin, id); r.Risk.OwnerDepartmentID != want {
				t.Errorf("a risk placed by a person moved to %q", r.Risk.OwnerDepartmentID)
			}
		}
		if d, _ := f.svc.Documents.Get(ctx, admin, x.rules.ID); d.Document.DepartmentID != f.it.ID {
			t.Errorf("rules after the change: %q", d.Document.DepartmentID)
		}

		// A person places the rules and the review: they no longer move.
		itID := f.it.ID
		if _, err := f.svc.Documents.Update(ctx, admin, x.rules.ID, service.DocumentPatch{DepartmentID: &mgmt2.ID}); err != nil {
			t.Fatal(err)
		}
		rin := service.MgmtReviewInput{Title: "MR", PeriodFrom: "2026-04-01", PeriodTo: "2026-06-30", MeetingDate: "2026-07-10", ChairID: mgr.ID}
		// Sending no department keeps the routed one.
		if m, err := f.svc.Management.UpdateReview(ctx, actor(mgr), x.review.ID, rin); err != nil || m.RoutedActivity == "" || m.DepartmentID != mgmt.ID {
			t.Fatalf("update keeping the department: %+v %v", m, err)
		}

		// The management unit moves to 総務部: the open routed items of
		// management's activities follow; the ended programme stays.
		moved := service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units(mgmt2.ID, itID, cs.ID)}
		pre, err = ps.Preview(ctx, admin, moved)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range pre.Moves {
			got = append(got, m.Item.Entity+":"+string(m.Item.Activity))
			if m.From != mgmt.ID || m.To != mgmt2.ID {
				t.Errorf("move %+v", m)
			}
		}
		slices.Sort(got)
		want := []string{"audit_programme:internal_audit", "document:basic_policy", "management_review:management_review"}
		if !slices.Equal(got, want) {
			t.Fatalf("moves %v, want %v", got, want)
		}
		if _, ok := moveOf(pre.Moves, x.oldProg.ID); ok {
			t.Error("a programme whose period ended would move")
		}
		if _, err := ps.Apply(ctx, admin, moved); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.svc.Checks.Programme(ctx, actor(mgr), x.prog.ID); p.DepartmentID != mgmt2.ID || p.RoutedActivity != hikeshi.ActivityInternalAudit {
			t.Errorf("programme after the change: %+v", p)
		}
		if p, _ := f.svc.Checks.Programme(ctx, actor(mgr), x.oldProg.ID); p.DepartmentID != mgmt.ID {
			t.Errorf("ended programme moved: %+v", p)
		}
		recs, err := f.svc.Audit.List(ctx, admin, hikeshi.AuditFilter{Action: "pattern.route", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if r.EntityID == x.review.ID && strings.Contains(r.After, mgmt2.ID) && strings.Contains(r.Before, mgmt.ID) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d route audit entries for the review's move, want 1", n)
		}

		// A person names the review's unit; a closed review never moves anyway.
		rin.DepartmentID = mgmt.ID
		if m, err := f.svc.Management.UpdateReview(ctx, actor(mgr), x.review.ID, rin); err != nil || m.RoutedActivity != "" || m.DepartmentID != mgmt.ID {
			t.Fatalf("update naming the department: %+v %v", m, err)
		}
		rin.DepartmentID = "<b>nope</b>"
		_, err = f.svc.Management.UpdateReview(ctx, actor(mgr), x.review.ID, rin)
		wantField(t, err, "department_id", "unknown")
		pre, err = ps.Preview(ctx, admin, service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units(mgmt.ID, itID, cs.ID)})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pre.Moves {
			if m.Item.ID == x.review.ID || m.Item.ID == x.rules.ID {
				t.Errorf("an item a person placed would move: %+v", m)
			}
		}
	})
}
