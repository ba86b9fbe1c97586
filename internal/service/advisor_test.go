package service_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/sim"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestAdvisorHistoryAndEstimate: the rate comes from the history once it has
// enough incidents over enough days, else from the estimate, else there is
// none and the advice says the data is too thin; staff are counted per
// department kind; every role may ask and nothing is audited.
func TestAdvisorHistoryAndEstimate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		in := service.AdvisorInput{Employees: 200, Staff: sim.Staff{Management: 2, IT: 6, CSIRT: 2}}
		before := f.auditCount(t)

		// No history, no estimate: nothing simulated, said plainly.
		a, err := f.svc.Advisor.Advise(ctx, actor(f.member), in)
		if err != nil {
			t.Fatal(err)
		}
		if a.RateSource != service.RateNone || a.Decided() || len(a.Thin) != 1 || a.Thin[0] != service.ThinNoRate || len(a.Ranked) != 6 {
			t.Fatalf("no rate: %+v", a)
		}
		for _, p := range a.Ranked {
			if p.Simulated || p.Rank != 0 || len(p.Pattern.Reasons) == 0 {
				t.Errorf("no rate: %s simulated %v rank %d", p.Pattern.Key, p.Simulated, p.Rank)
			}
		}
		// Staff prefill: the fixture has users in IT (csirt, other, auditor) and sales; the admin has no department.
		pre, err := f.svc.Advisor.Prefill(ctx, actor(f.auditor))
		if err != nil {
			t.Fatal(err)
		}
		if pre.Staff.IT != 3 || pre.Staff.Management != 0 || pre.Staff.CSIRT != 0 || pre.Users != 5 {
			t.Errorf("prefill staff %+v users %d", pre.Staff, pre.Users)
		}
		// A disabled user is not staff; a CSIRT department counts as CSIRT.
		sys := hikeshi.SystemActor("test")
		if _, err := f.svc.Users.SetDisabled(ctx, sys, f.other.ID, true); err != nil {
			t.Fatal(err)
		}
		team, err := f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindCSIRT})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "c2@example.org", Name: "C2", Role: hikeshi.RoleCSIRT, DepartmentID: team.ID, Password: pw}); err != nil {
			t.Fatal(err)
		}
		if pre, err = f.svc.Advisor.Prefill(ctx, actor(f.auditor)); err != nil || pre.Staff.IT != 2 || pre.Staff.CSIRT != 1 || pre.Users != 5 {
			t.Errorf("prefill after a change: %+v %v", pre, err)
		}
		before = f.auditCount(t)

		// An estimate: used, and the patterns ranked with numbers.
		in.Estimate = 40
		a, err = f.svc.Advisor.Advise(ctx, actor(f.auditor), in)
		if err != nil {
			t.Fatal(err)
		}
		if a.RateSource != service.RateFromEstimate || a.Rate != 40 || a.Profile != hikeshi.SuitsSmallFewIncidents || a.Years != 10 {
			t.Fatalf("estimate: source %s rate %v profile %q years %v", a.RateSource, a.Rate, a.Profile, a.Years)
		}
		checkRanking(t, a)

		// A history of 11 incidents is not enough; 12 over 100 days is, and wins over the estimate.
		for i := range 12 {
			if i == 11 {
				p, err := f.svc.Advisor.Prefill(ctx, actor(f.csirt))
				if err != nil || p.HistoryOK || p.HistoryCount != 11 {
					t.Fatalf("11 incidents: %+v %v", p, err)
				}
			}
			if _, err := f.svc.Incidents.Create(ctx, actor(f.csirt), newIncidentInput(fmt.Sprint("i", i), hikeshi.TLPRed)); err != nil {
				t.Fatal(err)
			}
		}
		if p, _ := f.svc.Advisor.Prefill(ctx, actor(f.csirt)); p.HistoryOK {
			t.Fatalf("a history of one day is not enough: %+v", p)
		}
		f.clock.Advance(100 * 24 * time.Hour)
		a, err = f.svc.Advisor.Advise(ctx, actor(f.member), in)
		if err != nil {
			t.Fatal(err)
		}
		if a.RateSource != service.RateFromHistory || a.Prefill.HistoryCount != 12 || a.Prefill.HistoryDays != 100 || a.Rate != math.Round(12*365/100.0) {
			t.Fatalf("history: %s %+v rate %v", a.RateSource, a.Prefill, a.Rate)
		}
		checkRanking(t, a)
		// A year later the incidents are out of the window.
		f.clock.Advance(300 * 24 * time.Hour)
		if p, _ := f.svc.Advisor.Prefill(ctx, actor(f.csirt)); p.HistoryCount != 0 || p.HistoryOK {
			t.Errorf("after a year: %+v", p)
		}
		if f.auditCount(t) != before+12 {
			t.Error("the advisor wrote to the audit log")
		}
		if _, err := f.svc.Advisor.Advise(ctx, hikeshi.Actor{}, in); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
	})
}

// checkRanking checks the ranking rule on an advice: the order follows the
// saturation groups and the scores, shared ranks are within noise, and the
// score is its parts.
func checkRanking(t *testing.T, a service.Advice) {
	t.Helper()
	if a.Noise < service.AdvisorNoiseFloor {
		t.Errorf("noise %v", a.Noise)
	}
	for i, p := range a.Ranked {
		if !p.Simulated {
			t.Errorf("%s not simulated: %s", p.Pattern.Key, p.NotSimulated)
			continue
		}
		if got := p.ContainPart + p.LeadPart + p.SuitsPart; math.Abs(got-p.Score) > 1e-9 || p.ContainPart < 0 || p.LeadPart < 0 {
			t.Errorf("%s: score %v parts %v %v %v", p.Pattern.Key, p.Score, p.ContainPart, p.LeadPart, p.SuitsPart)
		}
		if p.Result.TimeToContain.N == 0 || len(p.Result.Units) == 0 {
			t.Errorf("%s: no numbers", p.Pattern.Key)
		}
		if i == 0 {
			if p.Rank != 1 {
				t.Errorf("first rank %d", p.Rank)
			}
			continue
		}
		prev := a.Ranked[i-1]
		switch {
		case prev.Saturated && !p.Saturated:
			t.Errorf("%s saturated but before %s", prev.Pattern.Key, p.Pattern.Key)
		case prev.Saturated == p.Saturated && p.Score < prev.Score:
			t.Errorf("%s (%v) after %s (%v)", p.Pattern.Key, p.Score, prev.Pattern.Key, prev.Score)
		case p.Rank == prev.Rank && p.Score-prev.Score >= a.Noise:
			t.Errorf("%s shares a rank with %s but differs by %v", p.Pattern.Key, prev.Pattern.Key, p.Score-prev.Score)
		case p.Rank != prev.Rank && p.Rank != i+1:
			t.Errorf("%s rank %d at %d", p.Pattern.Key, p.Rank, i+1)
		}
	}
	// Audit-gated patterns improve no sooner than the real-time ones.
	lead := map[hikeshi.PatternKey]float64{}
	for _, p := range a.Ranked {
		lead[p.Pattern.Key] = p.Result.ImprovementLeadTime.Median
	}
	if lead[hikeshi.PatternTraditional] <= lead[hikeshi.PatternFieldDriven] {
		t.Errorf("traditional lead %v ≤ field-driven %v", lead[hikeshi.PatternTraditional], lead[hikeshi.PatternFieldDriven])
	}
	tied := 0
	for _, p := range a.Ranked {
		if p.Rank == 1 {
			tied++
		}
	}
	if (tied > 1) != (len(a.Tied) > 1) || (tied > 1 && a.Decided()) {
		t.Errorf("tied %d, Tied %v, decided %v", tied, a.Tied, a.Decided())
	}
}

// TestAdvisorThinAndTied: a tiny estimate simulates too few improvement
// actions to compare and says so; patterns without CSIRT staff are shown
// but not simulated.
func TestAdvisorThinAndTied(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, err := f.svc.Advisor.Advise(ctx, actor(f.member), service.AdvisorInput{Employees: 30, Staff: sim.Staff{Management: 1, IT: 2}, Estimate: 1})
		if err != nil {
			t.Fatal(err)
		}
		if a.Decided() || !contains(a.Thin, service.ThinFewLessons) {
			t.Errorf("a rate of 1 a year decided: %v", a.Thin)
		}
		notSim := map[hikeshi.PatternKey]string{}
		for _, p := range a.Ranked {
			if !p.Simulated {
				notSim[p.Pattern.Key] = p.NotSimulated
			}
		}
		if len(notSim) != 2 || notSim[hikeshi.PatternFieldDriven] != "staff.csirt" || notSim[hikeshi.PatternIndependent] != "staff.csirt" {
			t.Errorf("not simulated without CSIRT staff: %v", notSim)
		}
		if last := a.Ranked[len(a.Ranked)-1]; last.Simulated || last.Rank != 0 {
			t.Errorf("an unsimulated pattern ranks: %+v", last.Pattern.Key)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestAdvisorInputsAndLimits: inputs outside their range name the field and
// the range; a run too large is refused with its estimate; the same seed
// gives the same report; simulations are limited per user.
func TestAdvisorInputsAndLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		fields := func(err error) map[string]string {
			t.Helper()
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, hikeshi.ErrInvalid) {
				t.Fatalf("not a validation error: %v", err)
			}
			out := map[string]string{}
			for _, fe := range ve.Fields {
				out[fe.Field] = fe.Code + ": " + fe.Message
			}
			return out
		}
		_, err := f.svc.Advisor.Advise(ctx, actor(f.member), service.AdvisorInput{Employees: -5, Staff: sim.Staff{Management: 0, IT: 1 << 40, CSIRT: -1}, Estimate: math.NaN()})
		got := fields(err)
		for field, want := range map[string]string{"employees": "out_of_range: employees must be 1–1000000", "staff.management": "out_of_range: staff.management must be 1–1000",
			"staff.it": "out_of_range: staff.it must be 1–1000", "staff.csirt": "out_of_range: staff.csirt must be 0–1000", "estimate": "out_of_range: estimate must be 0–10000000"} {
			if got[field] != want {
				t.Errorf("%s: %q, want %q", field, got[field], want)
			}
		}
		c := sim.DefaultConfig()
		c.Effort.Contain.MeanHours = math.Inf(1)
		_, err = f.svc.Advisor.Simulate(ctx, actor(f.member), c)
		got = fields(err)
		if got["effort.contain.mean_hours"] != "out_of_range: effort.contain.mean_hours must be 0–2000" {
			t.Errorf("inf: %v", got)
		}
		c = sim.DefaultConfig()
		c.IncidentsPerYear = 1_000_000
		_, err = f.svc.Advisor.Simulate(ctx, actor(f.member), c)
		var tl *sim.TooLargeError
		if got := fields(err); got["years"] == "" || !errors.As(err, &tl) || tl.Estimate.Events <= service.SimMaxEvents {
			t.Errorf("too large: %v", err)
		}
		// Deterministic.
		c = sim.DefaultConfig()
		c.Seed = 99
		r1, err := f.svc.Advisor.Simulate(ctx, actor(f.csirt), c)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := f.svc.Advisor.Simulate(ctx, actor(f.csirt), c)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(r1.Report.Results) != fmt.Sprint(r2.Report.Results) || len(r1.Report.Results) != 6 {
			t.Error("the same seed gave different results")
		}
		// Rate limit: the burst is per user; then a wait.
		n := 0
		for ; n < 20; n++ {
			if _, err = f.svc.Advisor.Simulate(ctx, actor(f.auditor), c); err != nil {
				break
			}
		}
		var rl *service.RateLimitError
		if n != service.SimBurst || !errors.As(err, &rl) || !errors.Is(err, hikeshi.ErrRateLimited) || rl.Wait <= 0 {
			t.Errorf("after %d runs: %v", n, err)
		}
		if _, err := f.svc.Advisor.Simulate(ctx, actor(f.member), c); err != nil {
			t.Errorf("another user is limited too: %v", err)
		}
		f.clock.Advance(service.SimRefill)
		if _, err := f.svc.Advisor.Simulate(ctx, actor(f.auditor), c); err != nil {
			t.Errorf("after the refill: %v", err)
		}
	})
}
