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

// TestAdvisorAPI: every role gets the advice and runs the simulation; the
// numbers are the service's, deterministic for a seed; bad and hostile input
// is a 422 naming the field with its range (or a 400 for a wrong type);
// runs too large are refused with the estimate; the rate limit answers 429
// with Retry-After. Every response is checked against the OpenAPI document.
func TestAdvisorAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		it, err := e.svc.Departments.Create(context.Background(), hikeshi.SystemActor("test"), service.DepartmentInput{Name: "情報システム部", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		toks := map[hikeshi.Role]string{hikeshi.RoleAdmin: e.adminToken}
		for _, r := range []hikeshi.Role{hikeshi.RoleCSIRT, hikeshi.RoleManager, hikeshi.RoleMember, hikeshi.RoleAuditor} {
			_, toks[r] = e.userWithToken("adv-"+string(r)+"@example.org", r, it.ID)
		}
		advice := map[string]any{"employees": 2000, "staff": map[string]any{"management": 5, "it": 20, "csirt": 5}, "estimate_incidents_per_year": 300}
		for role, tok := range toks {
			var a adviceJSON
			e.do(req{method: "POST", path: "/api/v1/patterns/advice", token: tok, body: advice}).want(http.StatusOK).into(&a)
			if a.RateSource != "estimate" || a.Rate != 300 || len(a.Ranking) != 6 || a.Ranking[0].Rank != 1 || a.Ranking[0].Result == nil ||
				len(a.Ranking[0].Reasons) == 0 || a.Profile != "large_many_incidents" || a.Seed != 1 {
				t.Fatalf("%s: advice %+v", role, a)
			}
		}
		// Staff absent: from the users (4 in IT); no rate: thin.
		var a adviceJSON
		e.do(req{method: "POST", path: "/api/v1/patterns/advice", token: toks[hikeshi.RoleMember], body: map[string]any{"employees": 10}}).
			want(http.StatusUnprocessableEntity) // management 0 from the users is outside 1–1000
		e.do(req{method: "POST", path: "/api/v1/patterns/advice", token: toks[hikeshi.RoleMember],
			body: map[string]any{"employees": 10, "staff": map[string]any{"management": 1, "it": 2, "csirt": 0}}}).want(http.StatusOK).into(&a)
		if a.Decided || len(a.Thin) != 1 || a.Thin[0] != "no_rate" || a.RateSource != "none" || a.Ranking[0].Result != nil || a.StaffFromUsers.IT != 4 {
			t.Errorf("thin advice %+v", a)
		}

		// The simulation: defaults with a seed; deterministic.
		body := map[string]any{"seed": 7, "incidents_per_year": 150, "effort": map[string]any{"contain": map[string]any{"mean_hours": 2.5}}, "patterns": []string{"independent", "it_led"}}
		var r1, r2 simReportJSON
		e.do(req{method: "POST", path: "/api/v1/patterns/simulate", token: toks[hikeshi.RoleAuditor], body: body}).want(http.StatusOK).into(&r1)
		e.do(req{method: "POST", path: "/api/v1/patterns/simulate", token: toks[hikeshi.RoleAuditor], body: body}).want(http.StatusOK).into(&r2)
		if len(r1.Results) != 2 || r1.Seed != 7 || r1.IncidentsYear != 150 || !r1.Deterministic || r1.Results[0].Pattern != "independent" || r1.Estimate.Events == 0 {
			t.Fatalf("report %+v", r1)
		}
		r1.ElapsedSeconds, r2.ElapsedSeconds = 0, 0
		if mustJSON(t, r1) != mustJSON(t, r2) {
			t.Error("the same seed gave different numbers")
		}
		e.do(req{method: "POST", path: "/api/v1/patterns/simulate", token: toks[hikeshi.RoleCSIRT]}).want(http.StatusOK) // no body: the defaults

		// Bad input: the field and its range.
		tok := toks[hikeshi.RoleManager]
		for _, tc := range []struct {
			path  string
			body  any
			field string
			want  string
		}{
			{"/api/v1/patterns/simulate", map[string]any{"staff": map[string]any{"csirt": 5000}}, "staff.csirt", "0–1000"},
			{"/api/v1/patterns/simulate", map[string]any{"years": -1}, "years", "0.01–10"},
			{"/api/v1/patterns/simulate", map[string]any{"routine": map[string]any{"it": 0.99}}, "routine.it", "0–0.95"},
			{"/api/v1/patterns/simulate", map[string]any{"effort": map[string]any{"triage": map[string]any{"dist": "<script>alert(1)</script>"}}}, "effort.triage.dist", "exponential or lognormal"},
			{"/api/v1/patterns/simulate", map[string]any{"patterns": []string{"<script>"}}, "patterns[0]", "must be one of"},
			{"/api/v1/patterns/simulate", map[string]any{"incidents_per_year": 9_000_000}, "years", "hikeshi bench simulate"},
			{"/api/v1/patterns/advice", map[string]any{"employees": 0, "staff": map[string]any{"management": 1, "it": 1, "csirt": 0}}, "employees", "1–1000000"},
			{"/api/v1/patterns/advice", map[string]any{"employees": 5, "staff": map[string]any{"management": 1, "it": 1e6, "csirt": 0}}, "staff.it", "1–1000"},
			{"/api/v1/patterns/advice", map[string]any{"employees": 5, "staff": map[string]any{"management": 1, "it": 1, "csirt": -3}}, "staff.csirt", "0–1000"},
		} {
			p := e.do(req{method: "POST", path: tc.path, token: tok, body: tc.body}).problem(kindValidation)
			found := false
			for _, f := range p.Errors {
				found = found || (f.Field == tc.field && strings.Contains(f.Message, tc.want))
			}
			if !found {
				t.Errorf("%v: %+v, want %s with %q", tc.body, p.Errors, tc.field, tc.want)
			}
		}
		// Wrong types and hostile bytes: 400 naming the field.
		for _, raw := range []string{`{"years":"NaN"}`, `{"seed":-1}`, `{"years":1e999}`, `{"staff":{"it":"<script>"}}`, `{"incidents_per_year":NaN}`, `{"nope":1}`, `[1]`} {
			if st := e.do(req{method: "POST", path: "/api/v1/patterns/simulate", token: tok, body: raw}).status; st != http.StatusBadRequest {
				t.Errorf("%s: status %d", raw, st)
			}
		}
		if st := e.do(req{method: "POST", path: "/api/v1/patterns/advice", token: tok, body: `{"employees":"many"}`}).status; st != http.StatusBadRequest {
			t.Errorf("advice with a string: %d", st)
		}
		// No token: 401.
		e.do(req{method: "POST", path: "/api/v1/patterns/simulate", body: map[string]any{}}).problem(kindUnauthenticated)

		// The rate limit: 429 with Retry-After.
		var last *resp
		for range service.SimBurst + 2 {
			last = e.do(req{method: "POST", path: "/api/v1/patterns/simulate", token: toks[hikeshi.RoleMember], body: map[string]any{"patterns": []string{"it_led"}}})
			if last.status == http.StatusTooManyRequests {
				break
			}
		}
		last.problem(kindRateLimited)
		if last.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}
