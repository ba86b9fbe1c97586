package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestSimulationJobsAPI (decision 0038): a run starts in the background with
// 201 and a Location; its owner polls the progress until the report; nobody
// else reads it; a second run of the same person meanwhile is a 429; a truly
// huge run and bad input are 422s naming the field.
func TestSimulationJobsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d, err := e.svc.Departments.Create(context.Background(), hikeshi.SystemActor("test"), service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		_, tok := e.userWithToken("sj-member@example.org", hikeshi.RoleMember, d.ID)
		_, otherTok := e.userWithToken("sj-other@example.org", hikeshi.RoleAuditor, d.ID)
		// About 32 million events: several seconds.
		body := map[string]any{"incidents_per_year": 1000, "years": 10, "seed": uint64(18446744073709551615),
			"staff": map[string]any{"it": 200}, "effort": map[string]any{"contain": map[string]any{"dist": "exponential", "mean_hours": 3.5}}}
		res := e.do(req{method: "POST", path: "/api/v1/patterns/simulations", token: tok, body: body}).want(http.StatusCreated)
		var j simJobJSON
		res.into(&j)
		loc := res.header.Get("Location")
		if loc != "/api/v1/patterns/simulations/"+j.ID || j.State != "running" || j.EventsTotal < 30_000_000 || j.Report != nil {
			t.Fatalf("started %+v at %q", j, loc)
		}
		p := e.do(req{method: "POST", path: "/api/v1/patterns/simulations", token: tok, body: body}).problem(kindRateLimited)
		if !strings.Contains(p.Detail, j.ID) {
			t.Errorf("the 429 does not point at the running simulation: %+v", p)
		}
		e.do(req{method: "GET", path: loc, token: otherTok}).problem(kindNotFound)
		e.do(req{method: "GET", path: "/api/v1/patterns/simulations/" + hikeshi.NewID(), token: tok}).problem(kindNotFound)
		e.do(req{method: "GET", path: loc}).want(http.StatusUnauthorized)
		for range 1200 {
			e.do(req{method: "GET", path: loc, token: tok}).want(http.StatusOK).into(&j)
			if j.State != "running" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if j.State != "done" || j.Percent != 100 || j.EventsDone != j.EventsTotal || j.Report == nil || len(j.Report.Results) != 6 ||
			j.Report.Seed != 18446744073709551615 || j.FinishedAt == nil {
			t.Fatalf("finished %+v", j)
		}
		huge := map[string]any{"incidents_per_year": 1000, "years": 10, "staff": map[string]any{"it": 1000}}
		wantField(t, e.do(req{method: "POST", path: "/api/v1/patterns/simulations", token: tok, body: huge}).problem(kindValidation), "years", "too_large")
		bad := map[string]any{"effort": map[string]any{"contain": map[string]any{"cv": 11}}}
		wantField(t, e.do(req{method: "POST", path: "/api/v1/patterns/simulations", token: tok, body: bad}).problem(kindValidation), "effort.contain.cv", "out_of_range")
		e.do(req{method: "POST", path: "/api/v1/patterns/simulations", token: tok, body: map[string]any{"years": "<script>"}}).want(http.StatusBadRequest)
	})
}
