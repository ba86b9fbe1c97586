package sim_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/sim"
)

func simulate(t *testing.T, cfg sim.Config, opt sim.Options) sim.Report {
	t.Helper()
	rep, err := sim.Simulate(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func result(t *testing.T, rep sim.Report, k hikeshi.PatternKey) sim.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Pattern == k {
			return r
		}
	}
	t.Fatalf("no result for %s", k)
	return sim.Result{}
}

// busy is a loaded organisation: many incidents for its size.
func busy() sim.Config {
	cfg := sim.DefaultConfig()
	cfg.IncidentsPerYear = 10_000
	cfg.Staff = sim.Staff{Management: 5, IT: 30, CSIRT: 10}
	cfg.Routine.IT = 0.5
	return cfg
}

func TestDeterminism(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.IncidentsPerYear = 2000
	a := simulate(t, cfg, sim.Options{Workers: 1})
	b := simulate(t, cfg, sim.Options{Workers: 4})
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different reports (-1 worker +4 workers):\n%s", diff)
	}
	if len(a.Results) != 6 {
		t.Fatalf("%d results, want one per pattern", len(a.Results))
	}
	for i, r := range a.Results {
		if r.Pattern != hikeshi.PatternKeys()[i] {
			t.Errorf("result %d is %s", i, r.Pattern)
		}
		// Every pattern sees the same incidents and the same lessons.
		if r.Incidents != a.Results[0].Incidents || r.Lessons != a.Results[0].Lessons {
			t.Errorf("%s: %d incidents and %d lessons, traditional %d and %d", r.Pattern,
				r.Incidents, r.Lessons, a.Results[0].Incidents, a.Results[0].Lessons)
		}
		if r.Incidents < 1800 || r.Incidents > 2200 || r.TimeToContain.N != r.Incidents || r.FirstResponse.N != r.Incidents {
			t.Errorf("%s: %d incidents, %d contained, %d first responses; want about 2000 each",
				r.Pattern, r.Incidents, r.TimeToContain.N, r.FirstResponse.N)
		}
		s := r.TimeToContain
		if !(0 < s.Median && s.Median <= s.P90 && s.P90 <= s.Max) {
			t.Errorf("%s: time to contain %+v is not ordered", r.Pattern, s)
		}
	}

	cfg.Seed = 2
	c := simulate(t, cfg, sim.Options{})
	if cmp.Equal(a.Results, c.Results) {
		t.Error("seeds 1 and 2 gave identical results")
	}
	if a.Results[0].TimeToContain.Median == c.Results[0].TimeToContain.Median {
		t.Error("seeds 1 and 2 gave the same median time to contain")
	}
}

// TestAuditGate: under the traditional pattern a lesson waits for the next
// internal audit, so the improvement lead time is of the order of the audit
// cycle and grows with it; under field-driven it is the effort and a little
// queueing.
func TestAuditGate(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Years = 2
	cfg.Patterns = []hikeshi.PatternKey{hikeshi.PatternTraditional, hikeshi.PatternFieldDriven}
	lead := func(months float64) (trad, field sim.Summary) {
		cfg.AuditEveryMonths = months
		rep := simulate(t, cfg, sim.Options{})
		return result(t, rep, hikeshi.PatternTraditional).ImprovementLeadTime, result(t, rep, hikeshi.PatternFieldDriven).ImprovementLeadTime
	}
	trad12, field12 := lead(12)
	trad3, field3 := lead(3)
	month := sim.HoursPerYear / 12.0
	if trad12.N < 50 || trad12.N != field12.N {
		t.Fatalf("lessons: traditional %d, field-driven %d", trad12.N, field12.N)
	}
	if trad12.Median < 4*month || trad12.Median > 9*month {
		t.Errorf("traditional, yearly audit: median lead time %.0f h, want about half a year", trad12.Median)
	}
	if trad3.Median < month || trad3.Median > 3*month {
		t.Errorf("traditional, quarterly audit: median lead time %.0f h, want about a month and a half", trad3.Median)
	}
	if field12.Median > 72 || field12 != field3 {
		t.Errorf("field-driven: median lead time %.0f h (want within days) and depends on the audit cycle: %+v vs %+v",
			field12.Median, field12, field3)
	}
	if !(trad12.Median > trad3.Median && trad3.Median > 10*field3.Median) {
		t.Errorf("median lead times: traditional yearly %.0f h, quarterly %.0f h, field-driven %.0f h", trad12.Median, trad3.Median, field3.Median)
	}
}

// TestRoutineWork: when the CSIRT sits inside the IT department, the IT
// department's routine work competes with incident response. In a small
// organisation with many incidents it holds incidents up (nobody is
// interrupted) and crowds out improvement; with few incidents it makes
// little difference.
func TestRoutineWork(t *testing.T) {
	run := func(incidents, share float64) sim.Result {
		cfg := sim.DefaultConfig()
		cfg.Years = 2
		cfg.IncidentsPerYear = incidents
		cfg.Staff = sim.Staff{Management: 2, IT: 4, CSIRT: 1}
		cfg.Routine.IT = share
		cfg.Patterns = []hikeshi.PatternKey{hikeshi.PatternITLed}
		return simulate(t, cfg, sim.Options{}).Results[0]
	}
	quiet, loaded := run(1200, 0), run(1200, 0.5)
	t.Logf("time to contain p90 %.2f h → %.2f h, median %.2f → %.2f, mean first response %.3f h → %.3f h, lead p90 %.1f → %.1f",
		quiet.TimeToContain.P90, loaded.TimeToContain.P90, quiet.TimeToContain.Median, loaded.TimeToContain.Median, quiet.FirstResponse.Mean, loaded.FirstResponse.Mean, quiet.ImprovementLeadTime.P90, loaded.ImprovementLeadTime.P90)
	if !(loaded.TimeToContain.Median > 1.1*quiet.TimeToContain.Median && loaded.TimeToContain.P90 > quiet.TimeToContain.P90 &&
		loaded.FirstResponse.Mean > 1.5*quiet.FirstResponse.Mean) {
		t.Errorf("many incidents: routine work did not hold incidents up: time to contain median %.2f h → %.2f h, p90 %.2f h → %.2f h, mean first response %.3f h → %.3f h",
			quiet.TimeToContain.Median, loaded.TimeToContain.Median, quiet.TimeToContain.P90, loaded.TimeToContain.P90, quiet.FirstResponse.Mean, loaded.FirstResponse.Mean)
	}
	if loaded.ImprovementLeadTime.P90 < 1.5*quiet.ImprovementLeadTime.P90 {
		t.Errorf("many incidents: improvement lead time p90 %.1f h → %.1f h with routine work", quiet.ImprovementLeadTime.P90, loaded.ImprovementLeadTime.P90)
	}
	it := loaded.Units[1]
	if it.Kinds[0] != hikeshi.KindIT || it.Staff != 5 || it.RoutineShare < 0.35 || it.Utilisation > 1 {
		t.Errorf("IT unit %+v: want 5 staff, routine share about 0.4", it)
	}
	fewQuiet, fewLoaded := run(20, 0), run(20, 0.5)
	if d := fewLoaded.TimeToContain.Median - fewQuiet.TimeToContain.Median; math.Abs(d) > 0.05*fewQuiet.TimeToContain.Median {
		t.Errorf("few incidents: routine work moved the median time to contain from %.2f h to %.2f h", fewQuiet.TimeToContain.Median, fewLoaded.TimeToContain.Median)
	}
}

// TestPatternsDiffer checks the model's plumbing per pattern: who does the
// work shows in the units' shares.
func TestPatternsDiffer(t *testing.T) {
	rep := simulate(t, busy(), sim.Options{})
	share := func(k hikeshi.PatternKey, kind hikeshi.DepartmentKind) sim.UnitResult {
		for _, u := range result(t, rep, k).Units {
			if u.Kinds[0] == kind {
				return u
			}
		}
		t.Fatalf("%s has no unit led by %s", k, kind)
		return sim.UnitResult{}
	}
	for _, tc := range []struct {
		pattern  hikeshi.PatternKey
		kind     hikeshi.DepartmentKind
		incident bool // does incident work
		improve  bool // does improvement work
	}{
		{hikeshi.PatternTraditional, hikeshi.KindManagement, false, true},
		{hikeshi.PatternTraditional, hikeshi.KindIT, true, false},
		{hikeshi.PatternFieldDriven, hikeshi.KindCSIRT, true, false},
		{hikeshi.PatternFieldDriven, hikeshi.KindIT, true, true},
		{hikeshi.PatternIndependent, hikeshi.KindManagement, false, false},
		{hikeshi.PatternManagementLed, hikeshi.KindManagement, true, false},
		{hikeshi.PatternManagementLed, hikeshi.KindIT, false, true},
		{hikeshi.PatternIntegrated, hikeshi.KindManagement, true, true},
	} {
		u := share(tc.pattern, tc.kind)
		if (u.IncidentShare > 0) != tc.incident || (u.ImprovementShare > 0) != tc.improve {
			t.Errorf("%s / %s: incident share %.3f, improvement share %.3f", tc.pattern, tc.kind, u.IncidentShare, u.ImprovementShare)
		}
		if u.Utilisation <= 0 || u.Utilisation > 1 {
			t.Errorf("%s / %s: utilisation %.3f", tc.pattern, tc.kind, u.Utilisation)
		}
	}
	if u := result(t, rep, hikeshi.PatternTraditional).Units[1]; u.Staff != 40 {
		t.Errorf("traditional: the CSIRT's people are not counted in IT: %+v", u)
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		edit func(c *sim.Config)
		want string
	}{
		{func(c *sim.Config) { c.Years = 0 }, "years must be 0.01–10"},
		{func(c *sim.Config) { c.Years = math.NaN() }, "years must be 0.01–10"},
		{func(c *sim.Config) { c.IncidentsPerYear = -1 }, "incidents_per_year must be 0–1e+07"},
		{func(c *sim.Config) { c.IncidentsPerYear = math.Inf(1) }, "incidents_per_year must be 0–1e+07"},
		{func(c *sim.Config) { c.Staff.Management = 0 }, "staff.management must be 1–1000"},
		{func(c *sim.Config) { c.Staff.IT = 1001 }, "staff.it must be 1–1000"},
		{func(c *sim.Config) { c.Staff.CSIRT = -1 }, "staff.csirt must be 0–1000"},
		{func(c *sim.Config) { c.Staff.CSIRT = 1001 }, "staff.csirt must be 0–1000"},
		{func(c *sim.Config) { c.Effort.Contain.Kind = "normal" }, `effort.contain.dist must be exponential or lognormal, not "normal"`},
		{func(c *sim.Config) { c.Effort.Recover.MeanHours = -2 }, "effort.recover.mean_hours must be 0–2000"},
		{func(c *sim.Config) { c.Effort.Improve.CV = 11 }, "effort.improve.cv must be 0–10"},
		{func(c *sim.Config) { c.Effort.Triage.MeanHours = math.NaN() }, "effort.triage.mean_hours must be 0–2000"},
		{func(c *sim.Config) { c.LessonShare = 1.5 }, "lesson_share must be 0–1"},
		{func(c *sim.Config) { c.Routine.IT = 1 }, "routine.it must be 0–0.95"},
		{func(c *sim.Config) { c.Routine.Management = -0.1 }, "routine.management must be 0–0.95"},
		{func(c *sim.Config) { c.Routine.Task.MeanHours = 0 }, "routine.task.mean_hours must be 0.1–200"},
		{func(c *sim.Config) { c.AuditEveryMonths = 0.5 }, "audit_every_months must be 1–24"},
		{func(c *sim.Config) { c.Patterns = []hikeshi.PatternKey{"matrix\x00"} }, `patterns[0] must be one of traditional, field_driven, independent, it_led, management_led, integrated, not "matrix\x00"`},
		{func(c *sim.Config) { c.Patterns = []hikeshi.PatternKey{"it_led", "it_led"} }, "patterns[1] repeats the pattern it_led"},
		{func(c *sim.Config) { c.Staff.CSIRT = 0 }, "staff.csirt must be 1–1000 for the field_driven pattern"},
		{func(c *sim.Config) {
			c.Years, c.IncidentsPerYear = 10, 10_000_000
		}, "would simulate ~600,000,000 incidents (6 patterns); limit 2,000,000"},
		{func(c *sim.Config) {
			c.Years, c.Staff = 10, sim.Staff{Management: 1000, IT: 1000, CSIRT: 1000}
			c.Routine = sim.Routine{Management: 0.9, IT: 0.9, CSIRT: 0.9, Task: sim.Dist{Kind: sim.Exponential, MeanHours: 0.1}}
		}, "would simulate ~28,382,451,732 events (~12,000 incidents and ~14,191,200,000 routine tasks over 6 patterns); limit 20,000,000"},
	} {
		cfg := sim.DefaultConfig()
		tc.edit(&cfg)
		_, err := sim.Simulate(context.Background(), cfg, sim.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("err = %v\nwant   %s…", err, tc.want)
		}
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("%v is not hikeshi.ErrInvalid", err)
		}
	}
	// Without the patterns that need a CSIRT of its own, none is needed.
	cfg := sim.DefaultConfig()
	cfg.Staff.CSIRT = 0
	cfg.Patterns = []hikeshi.PatternKey{hikeshi.PatternTraditional, hikeshi.PatternITLed, hikeshi.PatternManagementLed, hikeshi.PatternIntegrated}
	simulate(t, cfg, sim.Options{})
}

func TestCancel(t *testing.T) {
	cfg := sim.LargeOrganisation(100_000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sim.Simulate(ctx, cfg, sim.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: err = %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var calls int
	var last int64
	_, err := sim.Simulate(ctx, cfg, sim.Options{Progress: func(done, total int64) {
		calls++
		if done < last || total != cfg.Estimate().Events {
			t.Errorf("progress went from %d to %d of %d", last, done, total)
		}
		last = done
		if done > 200_000 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the run: err = %v", err)
	}
	if calls < 2 || last > 1_000_000 {
		t.Errorf("%d progress calls, %d events done: the run did not stop soon after the cancellation", calls, last)
	}
}

func TestEstimate(t *testing.T) {
	cfg := sim.LargeOrganisation(20_000)
	est := cfg.Estimate()
	if est.Patterns != 6 || est.Incidents != 120_000 {
		t.Errorf("estimate %+v", est)
	}
	var events int64
	rep, err := sim.Simulate(context.Background(), cfg, sim.Options{Progress: func(done, _ int64) { events = done }})
	if err != nil {
		t.Fatal(err)
	}
	// The estimate is an upper bound within a factor of two.
	if events > est.Events || 2*events < est.Events {
		t.Errorf("processed %d events, estimated %d", events, est.Events)
	}
	for _, r := range rep.Results {
		if r.Incidents < 19_500 || r.Incidents > 20_500 {
			t.Errorf("%s: %d incidents", r.Pattern, r.Incidents)
		}
	}
}
