package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/sim"
)

// maxBenchIncidents bounds --incidents: six patterns of a million incidents
// take a few hundred megabytes and some seconds.
const maxBenchIncidents = 1_000_000

var benchSimulateCmd = &command{
	name:     "bench simulate",
	synopsis: "[--json] [--incidents N] [--seed S]",
	summary:  "time the what-if simulation of a large organisation",
	help: `Simulates one year of a large organisation under all six organisation
patterns and prints how long it took, with each pattern's median and 90th
percentile time to contain and improvement lead time (in hours) and the
utilisation of its units. N incidents arrive in the year (1 to 1000000);
the staff grow with N (per 100,000 incidents: 150 people in management, 420
in IT, 120 in the CSIRT). The patterns run in parallel, up to GOMAXPROCS at
once; every figure but the time depends only on N and S. With --json it
prints one JSON object: incidents (per pattern), patterns, seconds,
gomaxprocs, events, seed and the results. Needs no database.`,
	run: runBenchSimulate,
}

func runBenchSimulate(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	incidents := fs.Int("incidents", 100_000, "incidents in the simulated year, 1 to 1000000")
	seed := fs.Uint64("seed", 1, "the random seed")
	pos, err := config.Parse(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(e.stdout, c, fs)
			return errHelpShown
		}
		var ue *config.UsageError
		if errors.As(err, &ue) {
			return &usageError{cmd: c, fs: fs, msg: ue.Msg}
		}
		return &usageError{cmd: c, fs: fs, msg: err.Error()}
	}
	switch {
	case len(pos) > 0:
		return usage(c, fs, "bench simulate takes no arguments, but got %q", config.Printable(pos[0], 60))
	case *incidents < 1 || *incidents > maxBenchIncidents:
		return usage(c, fs, "--incidents must be 1–%d, not %d", maxBenchIncidents, *incidents)
	}

	cfg := sim.LargeOrganisation(float64(*incidents))
	cfg.Seed = *seed
	est := cfg.Estimate()
	var events int64
	opt := sim.Options{
		// The benchmark's size is bounded by --incidents; the run's own
		// limits (made for requests) would refuse its upper end.
		MaxIncidents: 2 * est.Incidents,
		MaxEvents:    2 * est.Events,
		Progress:     func(done, _ int64) { events = done },
	}
	start := time.Now()
	rep, err := sim.Simulate(e.ctx, cfg, opt)
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("the simulation stopped: %w", err)
	}
	out := benchReport{
		Incidents:  rep.Results[0].Incidents,
		Patterns:   len(rep.Results),
		Seconds:    math.Round(elapsed.Seconds()*1000) / 1000,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Events:     events,
		Seed:       *seed,
	}
	for _, r := range rep.Results {
		out.Results = append(out.Results, benchResultOf(r))
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "simulated one year of %d incidents under %d patterns in %.3f s (GOMAXPROCS %d, %d events, seed %d)\n\n",
		out.Incidents, out.Patterns, out.Seconds, out.GOMAXPROCS, out.Events, out.Seed)
	fmt.Fprintf(e.stdout, "%-15s %9s %16s %20s  %s\n", "pattern", "incidents", "contain p50/p90", "improvement p50/p90", "utilisation")
	for _, r := range out.Results {
		var units []string
		for _, u := range r.Units {
			units = append(units, fmt.Sprintf("%s %.2f", strings.Join(u.Kinds, "+"), u.Utilisation))
		}
		fmt.Fprintf(e.stdout, "%-15s %9d %7.1f/%6.1f h %9.0f/%8.0f h  %s\n", r.Pattern, r.Incidents,
			r.TimeToContain.Median, r.TimeToContain.P90, r.ImprovementLeadTime.Median, r.ImprovementLeadTime.P90,
			strings.Join(units, ", "))
	}
	return nil
}

// benchReport is the JSON of "bench simulate --json".
type benchReport struct {
	Incidents  int           `json:"incidents"` // arrived in the year, the same for every pattern
	Patterns   int           `json:"patterns"`
	Seconds    float64       `json:"seconds"` // wall-clock time of the simulation
	GOMAXPROCS int           `json:"gomaxprocs"`
	Events     int64         `json:"events"` // processed over all patterns
	Seed       uint64        `json:"seed"`
	Results    []benchResult `json:"results"`
}

type benchResult struct {
	Pattern             hikeshi.PatternKey `json:"pattern"`
	Incidents           int                `json:"incidents"`
	Lessons             int                `json:"lessons"`
	FirstResponse       benchSummary       `json:"first_response_hours"`
	TimeToContain       benchSummary       `json:"time_to_contain_hours"`
	ImprovementLeadTime benchSummary       `json:"improvement_lead_time_hours"`
	Units               []benchUnit        `json:"units"`
}

type benchSummary struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Max    float64 `json:"max"`
}

type benchUnit struct {
	Kinds            []string `json:"kinds"`
	Staff            int      `json:"staff"`
	Utilisation      float64  `json:"utilisation"`
	IncidentShare    float64  `json:"incident_share"`
	RoutineShare     float64  `json:"routine_share"`
	ImprovementShare float64  `json:"improvement_share"`
	RoutineWaitHours float64  `json:"routine_wait_hours"`
	Backlog          int      `json:"backlog"`
}

// round4 keeps the JSON readable; the figures are not that precise anyway.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func benchSummaryOf(s sim.Summary) benchSummary {
	return benchSummary{N: s.N, Mean: round4(s.Mean), Median: round4(s.Median), P90: round4(s.P90), Max: round4(s.Max)}
}

func benchResultOf(r sim.Result) benchResult {
	out := benchResult{
		Pattern:             r.Pattern,
		Incidents:           r.Incidents,
		Lessons:             r.Lessons,
		FirstResponse:       benchSummaryOf(r.FirstResponse),
		TimeToContain:       benchSummaryOf(r.TimeToContain),
		ImprovementLeadTime: benchSummaryOf(r.ImprovementLeadTime),
	}
	for _, u := range r.Units {
		var kinds []string
		for _, k := range u.Kinds {
			kinds = append(kinds, string(k))
		}
		out.Units = append(out.Units, benchUnit{
			Kinds: kinds, Staff: u.Staff, Utilisation: round4(u.Utilisation),
			IncidentShare: round4(u.IncidentShare), RoutineShare: round4(u.RoutineShare),
			ImprovementShare: round4(u.ImprovementShare), RoutineWaitHours: round4(u.RoutineWait), Backlog: u.Backlog,
		})
	}
	return out
}
