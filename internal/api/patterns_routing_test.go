package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestProgrammeAndReviewUnitsAPI (decision 0038): under a pattern, an audit
// programme and a management review created without a unit get the one
// responsible for their activity and say so (routed_activity); a unit named
// is a person's choice; a hostile unit is a 422 naming department_id.
func TestProgrammeAndReviewUnitsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		mk := func(name string, k hikeshi.DepartmentKind) hikeshi.Department {
			d, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: name, Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		mg, it := mk("経営企画部", hikeshi.KindManagement), mk("情報システム部", hikeshi.KindIT)
		if _, err := e.svc.Patterns.Apply(ctx, sys, service.PatternInput{Template: hikeshi.PatternTraditional,
			Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mg.ID, hikeshi.KindIT: it.ID}}); err != nil {
			t.Fatal(err)
		}
		mgr, mgrTok := e.userWithToken("rt-manager@example.org", hikeshi.RoleManager, mg.ID)

		prog := map[string]any{"year": 2026, "title": "2026", "period_start": "2026-04-01", "period_end": "2027-03-31"}
		var p programmeJSON
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: mgrTok, body: prog}).want(http.StatusCreated).into(&p)
		if p.DepartmentID == nil || *p.DepartmentID != mg.ID || p.RoutedActivity != "internal_audit" {
			t.Fatalf("routed programme %+v", p)
		}
		prog["department_id"] = "<script>x</script>"
		wantField(t, e.do(req{method: "PUT", path: "/api/v1/isms/audit-programmes/" + p.ID, token: mgrTok, body: prog}).problem(kindValidation),
			"department_id", "unknown")
		prog["department_id"] = it.ID
		e.do(req{method: "PUT", path: "/api/v1/isms/audit-programmes/" + p.ID, token: mgrTok, body: prog}).want(http.StatusOK).into(&p)
		if p.DepartmentID == nil || *p.DepartmentID != it.ID || p.RoutedActivity != "" {
			t.Fatalf("programme with a unit named %+v", p)
		}

		mr := map[string]any{"title": "MR", "period_from": "2026-01-01", "period_to": "2026-03-31", "meeting_date": "2026-04-10", "chair_id": mgr.ID}
		var m mgmtReviewJSON
		e.do(req{method: "POST", path: "/api/v1/isms/management-reviews", token: mgrTok, body: mr}).want(http.StatusCreated).into(&m)
		if m.DepartmentID == nil || *m.DepartmentID != mg.ID || m.RoutedActivity != "management_review" {
			t.Fatalf("routed review %+v", m)
		}
		mr["department_id"] = hikeshi.NewID()
		wantField(t, e.do(req{method: "POST", path: "/api/v1/isms/management-reviews", token: mgrTok, body: mr}).problem(kindValidation),
			"department_id", "unknown")

		// The preview lists a routed risk moving (risk assessment: management → IT under field-driven).
		admin, adminTok := e.userWithToken("rt-admin@example.org", hikeshi.RoleAdmin, "")
		risk, err := e.svc.Risks.CreateRisk(ctx, hikeshi.ActorFor(admin, "test"), service.RiskInput{Title: "r", Scenario: "s",
			Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		if err != nil || risk.OwnerDepartmentID != mg.ID {
			t.Fatalf("risk %+v %v", risk, err)
		}
		cs := mk("CSIRT", hikeshi.KindCSIRT)
		var pre patternPreviewJSON
		e.do(req{method: "POST", path: "/api/v1/patterns/preview", token: adminTok, body: map[string]any{"template": "field_driven",
			"units": []map[string]any{{"kind": "management", "department_id": mg.ID}, {"kind": "it", "department_id": it.ID},
				{"kind": "csirt", "department_id": cs.ID}}}}).want(http.StatusOK).into(&pre)
		found := false
		for _, mv := range pre.Moves {
			if mv.ID == risk.ID && mv.Entity == "risk" && mv.Activity == "risk_assessment" && mv.FromDepartmentID == mg.ID && mv.ToDepartmentID == it.ID {
				found = true
			}
		}
		if !found || pre.Releases == nil {
			t.Fatalf("preview %+v", pre)
		}
	})
}
