package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestPatternsAPI chooses the traditional pattern, previews and applies the
// field-driven one, reads the history, with every role and hostile input, on
// both engines.
func TestPatternsAPI(t *testing.T) {
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
		mg, it, cs := mk("経営企画部", hikeshi.KindManagement), mk("情報システム部", hikeshi.KindIT), mk("CSIRT", hikeshi.KindCSIRT)
		_, adminTok := e.userWithToken("pat-admin@example.org", hikeshi.RoleAdmin, "")
		_, mgrTok := e.userWithToken("pat-manager@example.org", hikeshi.RoleManager, mg.ID)
		_, csirtTok := e.userWithToken("pat-csirt@example.org", hikeshi.RoleCSIRT, cs.ID)
		_, memTok := e.userWithToken("pat-member@example.org", hikeshi.RoleMember, it.ID)
		_, roTok := e.userWithToken("pat-auditor@example.org", hikeshi.RoleAuditor, it.ID)

		var none patternsJSON
		e.get("/api/v1/patterns", memTok).want(http.StatusOK).into(&none)
		if none.Current != nil || len(none.History) != 0 {
			t.Fatalf("before any pattern: %+v", none)
		}
		e.get("/api/v1/patterns", "").want(http.StatusUnauthorized)
		var tpls []patternTemplateJSON
		e.get("/api/v1/patterns/templates", memTok).want(http.StatusOK).into(&tpls)
		if len(tpls) != 6 || tpls[3].Key != "it_led" || tpls[3].CSIRTInside != "it" || len(tpls[0].Reasons) == 0 || tpls[0].Trigger != "audit_results" {
			t.Fatalf("templates: %+v", tpls)
		}

		trad := map[string]any{"template": "traditional", "units": []map[string]string{{"kind": "management", "department_id": mg.ID}, {"kind": "it", "department_id": it.ID}}}
		for _, tok := range []string{mgrTok, csirtTok, memTok, roTok} {
			e.do(req{method: "PUT", path: "/api/v1/patterns", token: tok, body: trad}).problem(kindForbidden)
			e.do(req{method: "POST", path: "/api/v1/patterns/preview", token: tok, body: trad}).problem(kindForbidden)
		}
		var applied patternPreviewJSON
		e.do(req{method: "PUT", path: "/api/v1/patterns", token: adminTok, body: trad}).want(http.StatusOK).into(&applied)
		if applied.Pattern.Version != 1 || applied.Pattern.Trigger != "audit_results" || len(applied.Pattern.Matrix) != 10 || len(applied.Moves) != 0 {
			t.Fatalf("applied: %+v", applied)
		}

		// Hostile input, by field.
		cells := func(drop string) []map[string]any {
			var out []map[string]any
			for _, c := range tpls[1].Matrix {
				if c.Activity != drop {
					out = append(out, map[string]any{"activity": c.Activity, "lead": c.Lead, "with": c.With})
				}
			}
			return out
		}
		fdUnits := []map[string]string{{"kind": "management", "department_id": mg.ID}, {"kind": "it", "department_id": it.ID}, {"kind": "csirt", "department_id": cs.ID}}
		for _, c := range []struct {
			body        map[string]any
			field, code string
		}{
			{map[string]any{"template": "<script>alert(1)</script>", "units": fdUnits}, "template", "unknown"},
			{map[string]any{"template": "field_driven", "units": fdUnits, "matrix": cells("improvement")}, "matrix.improvement", "unassigned"},
			{map[string]any{"template": "field_driven", "units": fdUnits, "matrix": append(cells(""), map[string]any{"activity": "rules", "lead": "it"})}, "matrix", "duplicate"},
			{map[string]any{"template": "field_driven", "units": append(fdUnits, map[string]string{"kind": "it", "department_id": cs.ID})}, "units", "duplicate"},
			{map[string]any{"template": "field_driven", "units": []map[string]string{{"kind": "management", "department_id": mg.ID}, {"kind": "it", "department_id": "nope"}, {"kind": "csirt", "department_id": cs.ID}}}, "units.it", "unknown"},
			{map[string]any{"template": "it_led", "units": fdUnits}, "units.csirt", "same_unit"},
		} {
			pr := e.do(req{method: "POST", path: "/api/v1/patterns/preview", token: adminTok, body: c.body}).problem(kindValidation)
			wantField(t, pr, c.field, c.code)
			e.do(req{method: "PUT", path: "/api/v1/patterns", token: adminTok, body: c.body}).problem(kindValidation)
		}
		pr := e.do(req{method: "PUT", path: "/api/v1/patterns", token: adminTok, body: map[string]any{"template": "field_driven", "units": fdUnits, "matrix": cells("improvement")}}).problem(kindValidation)
		if !strings.Contains(pr.Detail+mustJSON(t, pr), "review and improvement of measures") {
			t.Errorf("the refusal does not name the activity: %s", mustJSON(t, pr))
		}
		e.do(req{method: "PUT", path: "/api/v1/patterns", token: adminTok, body: map[string]any{"template": 7}}).want(http.StatusBadRequest)

		fd := map[string]any{"template": "field_driven", "units": fdUnits, "base_version": 1, "note": "<b>現場主体</b>"}
		var pv patternPreviewJSON
		e.do(req{method: "POST", path: "/api/v1/patterns/preview", token: adminTok, body: fd}).want(http.StatusOK).into(&pv)
		if pv.Pattern.Version != 0 || pv.Pattern.Template != "field_driven" || pv.Pattern.Trigger != "incident_results" {
			t.Fatalf("preview: %+v", pv)
		}
		e.do(req{method: "PUT", path: "/api/v1/patterns", token: adminTok, body: fd}).want(http.StatusOK).into(&applied)
		if applied.Pattern.Version != 2 || applied.Pattern.Note != "<b>現場主体</b>" {
			t.Fatalf("applied: %+v", applied)
		}
		e.do(req{method: "PUT", path: "/api/v1/patterns", token: adminTok, body: fd}).problem(kindConflict)

		var got patternsJSON
		e.get("/api/v1/patterns", mgrTok).want(http.StatusOK).into(&got)
		if got.Current == nil || got.Current.Version != 2 || len(got.History) != 2 || got.History[1].Template != "traditional" {
			t.Fatalf("manager reads: %+v", got)
		}
		e.get("/api/v1/patterns", memTok).want(http.StatusOK).into(&got)
		if got.Current == nil || got.Current.Version != 2 || len(got.History) != 0 {
			t.Fatalf("member reads: %+v", got)
		}
	})
}
