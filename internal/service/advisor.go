package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/sim"
)

// Advisor is IN-3 and IN-4: the pattern advisor and the what-if simulation.
// It changes nothing (no audit entries); every signed-in role may use it.
// Simulations cost CPU, so they are limited per user and in number at once
// (docs/decisions/0034-advisor.md).
type Advisor struct {
	base

	mu      sync.Mutex
	buckets map[string]*advisorBucket
	running int

	bg simJobs // background simulations (advisor_jobs.go)
}

// The advisor's rules, in one place (the decision record explains them).
const (
	// AdvisorMinHistory is the number of incidents of the last 365 days from
	// which the history, not the user's estimate, gives the incident rate.
	AdvisorMinHistory = 12
	// AdvisorMinHistoryDays: a history younger than a year is annualised
	// from its first incident, if it spans at least this many days.
	AdvisorMinHistoryDays = 90
	// AdvisorTargetIncidents: the advisor simulates enough years (1 to 10)
	// for about this many incidents per pattern.
	AdvisorTargetIncidents = 1000
	// AdvisorMinLessons: fewer simulated improvement actions per pattern
	// than this are too few to compare lead times.
	AdvisorMinLessons = 30
	// AdvisorNoiseFloor is the smallest score difference that separates two
	// patterns; with few simulated lessons the noise is 2/√lessons.
	AdvisorNoiseFloor = 0.1
	// AdvisorSaturated: a unit this busy (share of capacity) cannot keep up.
	AdvisorSaturated = 0.95
	// AdvisorSuitsWeight is what the paper's "suits" is worth in the score.
	AdvisorSuitsWeight = 0.25
	// AdvisorCSIRTRoutine is the share of the CSIRT's capacity routine work
	// takes when the form says the CSIRT also does routine work.
	AdvisorCSIRTRoutine = 0.3
	// AdvisorSeed is the advisor's fixed seed: the same inputs rank the same.
	AdvisorSeed = 1
	// The organisation profiles of the paper, by employees and incidents a
	// year: large with many incidents, small with few.
	AdvisorLargeEmployees, AdvisorLargeIncidents = 1000, 100
	AdvisorSmallEmployees, AdvisorSmallIncidents = 300, 50
	MaxAdvisorEmployees                          = 1_000_000

	// SimMaxEvents refuses, from the web and the API, a run estimated larger
	// (about a second on this machine's two cores); bigger runs belong to
	// "hikeshi bench simulate".
	SimMaxEvents = 8_000_000
	// SimEventsPerSecond is the speed assumed to turn an estimate into
	// seconds (measured: about 14 million a second on two cores).
	SimEventsPerSecond = 10_000_000
	// SimTimeout stops a run that takes longer anyway.
	SimTimeout = 10 * time.Second
	// SimBurst runs at once per user, then one per SimRefill.
	SimBurst  = 6
	SimRefill = 10 * time.Second
	// SimConcurrent runs at most this many simulations at once in total.
	SimConcurrent = 2
)

// RateLimitError refuses a simulation: the user ran too many lately, or the
// server is busy with others. It is an hikeshi.ErrRateLimited.
type RateLimitError struct{ Wait time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many simulations; try again in %d s", int(math.Ceil(e.Wait.Seconds())))
}

// Unwrap makes a RateLimitError an hikeshi.ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return hikeshi.ErrRateLimited }

type advisorBucket struct {
	tokens float64
	last   time.Time
}

// admit takes a token of the actor's bucket and a place among the running
// simulations; done gives the place back.
func (s *Advisor) admit(a hikeshi.Actor) (done func(), err error) {
	key := cmp.Or(a.UserID, "system")
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets == nil {
		s.buckets = map[string]*advisorBucket{}
	}
	if len(s.buckets) > 10_000 { // forget full buckets
		for k, b := range s.buckets {
			if now.Sub(b.last) > SimBurst*SimRefill {
				delete(s.buckets, k)
			}
		}
	}
	b, ok := s.buckets[key]
	if !ok {
		b = &advisorBucket{tokens: SimBurst, last: now}
		s.buckets[key] = b
	}
	b.tokens = min(SimBurst, b.tokens+now.Sub(b.last).Seconds()/SimRefill.Seconds())
	b.last = now
	if s.running >= SimConcurrent {
		return nil, &RateLimitError{Wait: 2 * time.Second}
	}
	if b.tokens < 1 {
		return nil, &RateLimitError{Wait: time.Duration((1 - b.tokens) * float64(SimRefill))}
	}
	b.tokens--
	s.running++
	return func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
	}, nil
}

func requireSignedIn(a hikeshi.Actor) error {
	if a.UserID == "" && !a.IsSystem() {
		return fmt.Errorf("the advisor: %w", hikeshi.ErrUnauthenticated)
	}
	return nil
}

// ---- the prefill ----

// AdvisorPrefill is what the records say, for the advisor's form.
type AdvisorPrefill struct {
	// Incidents of the last 365 days (annualised when the history is
	// younger), and whether that is enough to use.
	HistoryCount int
	HistoryDays  int     // days the history covers, at most 365
	HistoryRate  float64 // incidents a year from the history
	HistoryOK    bool    // HistoryCount >= AdvisorMinHistory over at least AdvisorMinHistoryDays
	// Staff counts active users per department kind.
	Staff sim.Staff
	Users int
}

// Prefill reads the history and the staff for the advisor's form.
func (s *Advisor) Prefill(ctx context.Context, a hikeshi.Actor) (AdvisorPrefill, error) {
	if err := requireSignedIn(a); err != nil {
		return AdvisorPrefill{}, err
	}
	now := s.clock.Now()
	h, err := s.st.AdvisorHistory(ctx, now.AddDate(0, 0, -365))
	if err != nil {
		return AdvisorPrefill{}, err
	}
	p := AdvisorPrefill{HistoryCount: h.IncidentsSince, Users: h.Users,
		Staff: sim.Staff{Management: h.Staff[hikeshi.KindManagement], IT: h.Staff[hikeshi.KindIT], CSIRT: h.Staff[hikeshi.KindCSIRT]}}
	if !h.FirstIncidentAt.IsZero() {
		p.HistoryDays = min(365, max(0, int(now.Sub(h.FirstIncidentAt).Hours()/24)))
	}
	if p.HistoryDays > 0 {
		p.HistoryRate = math.Round(float64(p.HistoryCount) * 365 / float64(p.HistoryDays))
	}
	p.HistoryOK = p.HistoryCount >= AdvisorMinHistory && p.HistoryDays >= AdvisorMinHistoryDays
	return p, nil
}

// ---- the advice ----

// AdvisorInput is the advisor's form.
type AdvisorInput struct {
	Employees    int
	Staff        sim.Staff
	Estimate     float64 // incidents a year, the user's estimate; 0: none
	CSIRTRoutine bool    // the CSIRT also does routine work
}

// RateSource says where the incident rate came from.
type RateSource string

// The sources of the rate.
const (
	RateFromHistory  RateSource = "history"
	RateFromEstimate RateSource = "estimate"
	RateNone         RateSource = "none"
)

// Thin reasons: why the data is too thin to decide.
const (
	ThinNoRate     = "no_rate"     // no history and no estimate
	ThinFewLessons = "few_lessons" // too few improvement actions simulated
	ThinTied       = "tied"        // the first patterns are within noise of each other
	ThinSaturated  = "saturated"   // every pattern saturates a unit
)

// PatternAdvice is one ranked pattern.
type PatternAdvice struct {
	Rank    int // 1 is best; patterns within noise share a rank; 0: not ranked
	Pattern hikeshi.Pattern
	// Simulated is false when the pattern could not be simulated with the
	// staff given (NotSimulated says the field) or no rate is known.
	Simulated    bool
	NotSimulated string
	Result       sim.Result
	Saturated    bool
	// Suits is +1 when the paper says the pattern suits the organisation's
	// profile, -1 when it says it suits the other profile, 0 otherwise.
	Suits int
	// The score's parts: log2 of the ratio to the best p90 time to contain
	// and to the best median improvement lead time, and the suitability.
	ContainPart, LeadPart, SuitsPart, Score float64
}

// Advice is the advisor's answer.
type Advice struct {
	Input      AdvisorInput
	Prefill    AdvisorPrefill
	Rate       float64
	RateSource RateSource
	Profile    hikeshi.Suitability // "" when the organisation is neither
	Years      float64             // the simulated horizon
	Seed       uint64
	Noise      float64
	Ranked     []PatternAdvice
	Thin       []string // reasons the data is too thin to decide; empty: it decides
	Tied       []hikeshi.PatternKey
	Findings   []hikeshi.Text
}

// Decided reports whether the data is enough to recommend the first pattern.
func (a Advice) Decided() bool { return len(a.Thin) == 0 }

// Validate checks the advisor's own inputs; the simulation checks the rest.
func (in AdvisorInput) Validate() error {
	v := &hikeshi.ValidationError{}
	rng := func(field string, ok bool, lo, hi float64) {
		if !ok {
			v.Add(field, "out_of_range", fmt.Sprintf("%s must be %s–%s", field, numText(lo), numText(hi)))
		}
	}
	rng("employees", in.Employees >= 1 && in.Employees <= MaxAdvisorEmployees, 1, MaxAdvisorEmployees)
	rng("staff.management", in.Staff.Management >= 1 && in.Staff.Management <= sim.MaxStaff, 1, sim.MaxStaff)
	rng("staff.it", in.Staff.IT >= 1 && in.Staff.IT <= sim.MaxStaff, 1, sim.MaxStaff)
	rng("staff.csirt", in.Staff.CSIRT >= 0 && in.Staff.CSIRT <= sim.MaxStaff, 0, sim.MaxStaff)
	rng("estimate", in.Estimate >= 0 && in.Estimate <= sim.MaxIncidentsPerYear, 0, sim.MaxIncidentsPerYear)
	return v.Err()
}

func numText(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// AdvisorRanges lists the advisor's own fields' ranges, for the forms.
func AdvisorRanges(field string) (lo, hi float64, ok bool) {
	switch field {
	case "employees":
		return 1, MaxAdvisorEmployees, true
	case "estimate":
		return 0, sim.MaxIncidentsPerYear, true
	}
	return sim.RangeOf(field)
}

// profile is the paper's kind of organisation this one is.
func profile(employees int, rate float64) hikeshi.Suitability {
	switch {
	case employees >= AdvisorLargeEmployees && rate >= AdvisorLargeIncidents:
		return hikeshi.SuitsLargeManyIncidents
	case employees < AdvisorSmallEmployees && rate < AdvisorSmallIncidents:
		return hikeshi.SuitsSmallFewIncidents
	}
	return ""
}

// AdvisorConfig is the simulation the advisor runs for in at rate.
func AdvisorConfig(in AdvisorInput, rate float64) sim.Config {
	c := sim.DefaultConfig()
	c.Seed = AdvisorSeed
	c.IncidentsPerYear = rate
	c.Staff = in.Staff
	if in.CSIRTRoutine {
		c.Routine.CSIRT = AdvisorCSIRTRoutine
	}
	c.Years = 1
	if rate > 0 {
		c.Years = math.Min(sim.MaxYears, math.Max(1, math.Ceil(AdvisorTargetIncidents/rate)))
	}
	return c
}

// Advise ranks the six patterns for the organisation in the input.
//
// The ranking rule: a pattern under which some unit is busier than
// AdvisorSaturated ranks after every other. Within each group the score is
// log2(p90 time to contain ÷ the best p90) + log2(median improvement lead
// time ÷ the best median) − 0.25 when the paper says the pattern suits an
// organisation like this one (+0.25 when it says it suits the other kind);
// lower is better. Patterns whose scores differ by less than the noise
// (max(0.1, 2/√lessons simulated)) share a rank.
func (s *Advisor) Advise(ctx context.Context, a hikeshi.Actor, in AdvisorInput) (Advice, error) {
	if err := requireSignedIn(a); err != nil {
		return Advice{}, err
	}
	if err := in.Validate(); err != nil {
		return Advice{}, err
	}
	pre, err := s.Prefill(ctx, a)
	if err != nil {
		return Advice{}, err
	}
	adv := Advice{Input: in, Prefill: pre, Seed: AdvisorSeed, Findings: hikeshi.PatternFindings()}
	switch {
	case pre.HistoryOK:
		adv.Rate, adv.RateSource = pre.HistoryRate, RateFromHistory
	case in.Estimate > 0:
		adv.Rate, adv.RateSource = in.Estimate, RateFromEstimate
	default:
		adv.RateSource = RateNone
	}
	adv.Profile = profile(in.Employees, adv.Rate)
	for _, p := range hikeshi.Patterns() {
		pa := PatternAdvice{Pattern: p}
		switch {
		case p.Suits == "" || adv.Profile == "":
		case p.Suits == adv.Profile:
			pa.Suits = 1
		default:
			pa.Suits = -1
		}
		pa.SuitsPart = -AdvisorSuitsWeight * float64(pa.Suits)
		adv.Ranked = append(adv.Ranked, pa)
	}
	if adv.RateSource == RateNone {
		adv.Thin = append(adv.Thin, ThinNoRate)
		return adv, nil
	}
	cfg := AdvisorConfig(in, adv.Rate)
	adv.Years = cfg.Years
	// A pattern that needs a unit the staff leave empty (a CSIRT of its own
	// with no one in it) is shown but not simulated.
	var keys []hikeshi.PatternKey
	for i := range adv.Ranked {
		one := cfg
		one.Patterns = []hikeshi.PatternKey{adv.Ranked[i].Pattern.Key}
		var fe *sim.FieldError
		if err := one.Validate(); errors.As(err, &fe) && isStaffField(fe.Field) {
			adv.Ranked[i].NotSimulated = fe.Field
			continue
		} else if err != nil {
			return Advice{}, inputError(err)
		}
		keys = append(keys, adv.Ranked[i].Pattern.Key)
	}
	if len(keys) == 0 {
		return Advice{}, inputError(&sim.FieldError{Field: "staff.csirt", Msg: "staff.csirt must be 1–1000 for every pattern"})
	}
	cfg.Patterns = keys
	rep, err := s.run(ctx, a, cfg)
	if err != nil {
		return Advice{}, err
	}
	byKey := map[hikeshi.PatternKey]sim.Result{}
	lessons := math.MaxInt
	for _, r := range rep.Results {
		byKey[r.Pattern] = r
		lessons = min(lessons, r.ImprovementLeadTime.N)
	}
	adv.Noise = AdvisorNoiseFloor
	if lessons > 0 {
		adv.Noise = math.Max(AdvisorNoiseFloor, 2/math.Sqrt(float64(lessons)))
	}
	bestContain, bestLead := math.Inf(1), math.Inf(1)
	for i := range adv.Ranked {
		pa := &adv.Ranked[i]
		r, ok := byKey[pa.Pattern.Key]
		if !ok {
			continue
		}
		pa.Simulated, pa.Result = true, r
		for _, u := range r.Units {
			pa.Saturated = pa.Saturated || u.Utilisation >= AdvisorSaturated
		}
		bestContain = math.Min(bestContain, math.Max(r.TimeToContain.P90, 0.01))
		bestLead = math.Min(bestLead, math.Max(r.ImprovementLeadTime.Median, 0.01))
	}
	allSaturated := true
	for i := range adv.Ranked {
		pa := &adv.Ranked[i]
		if !pa.Simulated {
			continue
		}
		allSaturated = allSaturated && pa.Saturated
		pa.ContainPart = math.Log2(math.Max(pa.Result.TimeToContain.P90, 0.01) / bestContain)
		pa.LeadPart = math.Log2(math.Max(pa.Result.ImprovementLeadTime.Median, 0.01) / bestLead)
		pa.Score = pa.ContainPart + pa.LeadPart + pa.SuitsPart
	}
	group := func(p PatternAdvice) int {
		switch {
		case !p.Simulated:
			return 2
		case p.Saturated:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(adv.Ranked, func(x, y PatternAdvice) int {
		return cmp.Or(cmp.Compare(group(x), group(y)), cmp.Compare(x.Score, y.Score))
	})
	for i := range adv.Ranked {
		pa := &adv.Ranked[i]
		if !pa.Simulated {
			continue
		}
		pa.Rank = i + 1
		if i > 0 {
			prev := adv.Ranked[i-1]
			if group(prev) == group(*pa) && pa.Score-prev.Score < adv.Noise {
				pa.Rank = prev.Rank
			}
		}
	}
	if lessons < AdvisorMinLessons {
		adv.Thin = append(adv.Thin, ThinFewLessons)
	}
	if allSaturated {
		adv.Thin = append(adv.Thin, ThinSaturated)
	}
	for _, pa := range adv.Ranked {
		if pa.Rank == 1 {
			adv.Tied = append(adv.Tied, pa.Pattern.Key)
		}
	}
	if len(adv.Tied) > 1 {
		adv.Thin = append(adv.Thin, ThinTied)
	}
	return adv, nil
}

func isStaffField(f string) bool { return len(f) > 6 && f[:6] == "staff." }

// ---- the simulation ----

// SimRun is a what-if simulation's outcome.
type SimRun struct {
	Report  sim.Report
	Elapsed time.Duration
	Seconds float64 // the estimate, before the run
}

// EstimateSeconds turns a run's estimate into seconds on this machine.
func EstimateSeconds(e sim.Estimate) float64 { return float64(e.Events) / SimEventsPerSecond }

// Simulate runs the what-if simulation of cfg for the actor: limited per
// user, refused with its estimate when larger than SimMaxEvents, stopped
// after SimTimeout. The same cfg gives the same report.
func (s *Advisor) Simulate(ctx context.Context, a hikeshi.Actor, cfg sim.Config) (SimRun, error) {
	if err := requireSignedIn(a); err != nil {
		return SimRun{}, err
	}
	if err := cfg.Validate(); err != nil {
		return SimRun{}, inputError(err)
	}
	start := time.Now()
	rep, err := s.run(ctx, a, cfg)
	if err != nil {
		return SimRun{}, err
	}
	return SimRun{Report: rep, Elapsed: time.Since(start), Seconds: EstimateSeconds(rep.Estimate)}, nil
}

// run checks the size, takes a place and simulates.
func (s *Advisor) run(ctx context.Context, a hikeshi.Actor, cfg sim.Config) (sim.Report, error) {
	if err := cfg.Validate(); err != nil {
		return sim.Report{}, inputError(err)
	}
	switch est := cfg.Estimate(); {
	case est.Events > SimMaxEvents:
		return sim.Report{}, inputError(&sim.TooLargeError{Estimate: est, Events: true, Limit: SimMaxEvents})
	case est.Incidents > sim.DefaultMaxIncidents:
		return sim.Report{}, inputError(&sim.TooLargeError{Estimate: est, Limit: sim.DefaultMaxIncidents})
	}
	done, err := s.admit(a)
	if err != nil {
		return sim.Report{}, err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, SimTimeout)
	defer cancel()
	rep, err := sim.Simulate(ctx, cfg, sim.Options{MaxEvents: SimMaxEvents})
	if err != nil {
		if ctx.Err() != nil {
			return sim.Report{}, fmt.Errorf("the simulation took longer than %s: %w", SimTimeout, hikeshi.ErrInvalid)
		}
		return sim.Report{}, inputError(err)
	}
	return rep, nil
}

// inputError turns the simulation's refusals into validation errors that
// name the field (the API's 422), joined with the original so that the web
// can word the range or the estimate in its language.
func inputError(err error) error {
	var fe *sim.FieldError
	var tl *sim.TooLargeError
	switch {
	case errors.As(err, &fe):
		code := "invalid"
		if _, _, ok := sim.RangeOf(fe.Field); ok {
			code = "out_of_range"
		}
		return errors.Join(&hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: fe.Field, Code: code, Message: fe.Msg}}}, fe)
	case errors.As(err, &tl):
		msg := fmt.Sprintf("The run is too large: %s (about %.0f s); shorten the horizon, lower the rate or simulate fewer patterns, or run `hikeshi bench simulate` on the server",
			tl.Error(), EstimateSeconds(tl.Estimate))
		return errors.Join(&hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "years", Code: "too_large", Message: msg}}}, tl)
	}
	return err
}
