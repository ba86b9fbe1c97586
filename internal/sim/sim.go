// Package sim is the what-if simulation of PRODUCT.md IN-4: a deterministic
// discrete-event simulation of an organisation's incident flow under each of
// the seed's organisation patterns (hikeshi.Patterns), so that the pattern
// advisor's recommendation is backed by numbers.
//
// The model, in short (docs/decisions/0030-simulation.md has the reasons):
//
//   - Time is continuous, in hours; a year is 8760 hours. Staff are handlers
//     available around the clock: a unit with c people is c parallel
//     servers.
//   - Incidents arrive as a Poisson process. Each has three phases —
//     triage, containment, recovery — whose durations are drawn from the
//     configured distributions (exponential or lognormal, by mean and
//     coefficient of variation). A share of the closed incidents yields a
//     lesson: an improvement action with its own effort.
//   - The pattern decides where each piece of work goes. Its units
//     (hikeshi.Pattern.Units) become pools of handlers: "the CSIRT inside the
//     IT department" is one pool of IT and CSIRT people. Incident response
//     "X + Y" splits the phases: the CSIRT triages when it takes part, the
//     lead contains, the IT department recovers when it takes part; a unit
//     that holds several consecutive phases keeps the incident with the same
//     handler. Review and improvement of measures goes to its lead's unit.
//   - Routine work (measures, monitoring, policy, audits) arrives per kind
//     of department as a Poisson stream of tasks sized so that it takes
//     Routine.<kind> of that kind's people's capacity. It lands in the unit
//     that holds the kind, so where the CSIRT sits inside the IT department
//     the routine work of IT competes with incident response.
//   - Priority in every unit: incident work first; routine tasks and
//     improvement actions after it, first come first served among them.
//     Nobody is interrupted: an incident that arrives while every handler is
//     busy with routine work waits for the first to finish.
//   - The improvement trigger gates lessons: under audit-results patterns
//     (traditional, integrated) a lesson waits for the next internal audit,
//     every AuditEveryMonths, before its improvement action is queued; under
//     incident-results patterns it is queued when the incident closes.
//   - Arrivals stop at the horizon; the work already there is finished, so
//     every incident and lesson of the horizon is measured.
//
// Every pattern sees the same incidents (same arrival times, efforts and
// lessons, from random streams seeded by Config.Seed), so the differences
// between patterns are the patterns' and not the dice's.
package sim

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hikeshi/hikeshi"
)

// HoursPerYear converts the incident rate and the horizon to hours.
const HoursPerYear = 8760

// hoursPerMonth is a twelfth of a year.
const hoursPerMonth = HoursPerYear / 12.0

// DistKind names a duration distribution.
type DistKind string

// The distributions.
const (
	// Exponential: memoryless; the coefficient of variation is 1 and CV is
	// ignored. The M/M/c validation uses it.
	Exponential DistKind = "exponential"
	// Lognormal: positive and right-skewed like real handling times; the
	// parameters are derived from the mean and CV (σ² = ln(1+CV²),
	// μ = ln(mean) − σ²/2). CV 0 gives the mean every time.
	Lognormal DistKind = "lognormal"
)

// Dist is a distribution of durations, in hours. A mean of 0 means the step
// takes no time.
type Dist struct {
	Kind      DistKind `json:"dist"`
	MeanHours float64  `json:"mean_hours"`
	CV        float64  `json:"cv"` // lognormal only
}

// Staff counts the people of each kind of department.
type Staff struct {
	Management int `json:"management"`
	IT         int `json:"it"`
	CSIRT      int `json:"csirt"`
}

// Effort is how long each piece of incident work takes one handler.
type Effort struct {
	Triage  Dist `json:"triage"`
	Contain Dist `json:"contain"`
	Recover Dist `json:"recover"`
	Improve Dist `json:"improve"` // one improvement action (a lesson applied to the measures)
}

// Routine is the daily work of each kind of department, as the share of its
// people's capacity it takes, and the size of one routine task.
type Routine struct {
	Management float64 `json:"management"` // policy, audit and review work
	IT         float64 `json:"it"`         // measures and monitoring
	CSIRT      float64 `json:"csirt"`      // a CSIRT of its own concentrates on incidents: usually 0
	Task       Dist    `json:"task"`
}

// Config is one simulation's input. The JSON names are the field names of
// the error messages and of ParseConfig.
type Config struct {
	Seed             uint64               `json:"seed"`
	Years            float64              `json:"years"`              // the horizon
	IncidentsPerYear float64              `json:"incidents_per_year"` // the Poisson arrival rate
	Staff            Staff                `json:"staff"`
	Effort           Effort               `json:"effort"`
	LessonShare      float64              `json:"lesson_share"` // share of incidents whose review changes a measure
	Routine          Routine              `json:"routine"`
	AuditEveryMonths float64              `json:"audit_every_months"` // the internal audit cycle that gates lessons
	Patterns         []hikeshi.PatternKey `json:"patterns"`           // empty: all six
}

// DefaultConfig is a mid-sized organisation: 200 incidents a year, 5 people
// in management, 20 in IT, 5 in the CSIRT, audits twice a year.
func DefaultConfig() Config {
	return Config{
		Seed:             1,
		Years:            1,
		IncidentsPerYear: 200,
		Staff:            Staff{Management: 5, IT: 20, CSIRT: 5},
		Effort: Effort{
			Triage:  Dist{Lognormal, 1, 1},
			Contain: Dist{Lognormal, 4, 1.5},
			Recover: Dist{Lognormal, 8, 1.5},
			Improve: Dist{Lognormal, 16, 1},
		},
		LessonShare:      0.3,
		Routine:          Routine{Management: 0.5, IT: 0.6, CSIRT: 0, Task: Dist{Lognormal, 4, 0.5}},
		AuditEveryMonths: 6,
	}
}

// LargeOrganisation is DefaultConfig scaled to n incidents a year, with
// staff in proportion (per 100,000 incidents: 150 in management, 420 in IT,
// 120 in the CSIRT) so that most patterns stay below saturation. It is the
// benchmark's organisation.
func LargeOrganisation(n float64) Config {
	c := DefaultConfig()
	c.IncidentsPerYear = n
	scale := func(per100k float64) int { return max(1, int(math.Ceil(per100k*n/100_000))) }
	c.Staff = Staff{Management: scale(150), IT: scale(420), CSIRT: scale(120)}
	c.Routine.Management, c.Routine.IT = 0.5, 0.5
	return c
}

// Ranges of the inputs. Each is wide enough for any real organisation and
// narrow enough that a typo is caught.
const (
	MinYears, MaxYears         = 0.01, 10
	MaxIncidentsPerYear        = 10_000_000
	MaxStaff                   = 1000
	MaxEffortHours             = 2000 // about a working year
	MaxCV                      = 10
	MaxRoutineShare            = 0.95
	MinTaskHours, MaxTaskHours = 0.1, 200
	MinAuditMonths             = 1
	MaxAuditMonths             = 24
)

// Default limits of one Simulate call: about 20 million events, a few
// seconds on one core, and 2 million incidents over all patterns, about
// 100 bytes of memory each.
const (
	DefaultMaxEvents    = 20_000_000
	DefaultMaxIncidents = 2_000_000
)

// FieldError is an input outside its range.
type FieldError struct {
	Field string // "staff.csirt"
	Msg   string // "staff.csirt must be 0–1000"
}

func (e *FieldError) Error() string { return e.Msg }

// Unwrap makes a FieldError an hikeshi.ErrInvalid.
func (e *FieldError) Unwrap() error { return hikeshi.ErrInvalid }

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func rangeErr(field string, lo, hi float64) error {
	return &FieldError{field, fmt.Sprintf("%s must be %s–%s", field, num(lo), num(hi))}
}

// inRange is false for NaN.
func inRange(x, lo, hi float64) bool { return x >= lo && x <= hi }

// Validate refuses the first input outside its range, naming the field and
// the range. It does not estimate the run's size; Simulate does.
func (c Config) Validate() error {
	if !inRange(c.Years, MinYears, MaxYears) {
		return rangeErr("years", MinYears, MaxYears)
	}
	if !inRange(c.IncidentsPerYear, 0, MaxIncidentsPerYear) {
		return rangeErr("incidents_per_year", 0, MaxIncidentsPerYear)
	}
	if c.Staff.Management < 1 || c.Staff.Management > MaxStaff {
		return rangeErr("staff.management", 1, MaxStaff)
	}
	if c.Staff.IT < 1 || c.Staff.IT > MaxStaff {
		return rangeErr("staff.it", 1, MaxStaff)
	}
	if c.Staff.CSIRT < 0 || c.Staff.CSIRT > MaxStaff {
		return rangeErr("staff.csirt", 0, MaxStaff)
	}
	for _, d := range []struct {
		name string
		d    Dist
	}{{"effort.triage", c.Effort.Triage}, {"effort.contain", c.Effort.Contain},
		{"effort.recover", c.Effort.Recover}, {"effort.improve", c.Effort.Improve}} {
		if err := d.d.validate(d.name, 0, MaxEffortHours); err != nil {
			return err
		}
	}
	if !inRange(c.LessonShare, 0, 1) {
		return rangeErr("lesson_share", 0, 1)
	}
	for _, r := range []struct {
		name string
		x    float64
	}{{"routine.management", c.Routine.Management}, {"routine.it", c.Routine.IT}, {"routine.csirt", c.Routine.CSIRT}} {
		if !inRange(r.x, 0, MaxRoutineShare) {
			return rangeErr(r.name, 0, MaxRoutineShare)
		}
	}
	if err := c.Routine.Task.validate("routine.task", MinTaskHours, MaxTaskHours); err != nil {
		return err
	}
	if !inRange(c.AuditEveryMonths, MinAuditMonths, MaxAuditMonths) {
		return rangeErr("audit_every_months", MinAuditMonths, MaxAuditMonths)
	}
	seen := map[hikeshi.PatternKey]bool{}
	for i, k := range c.Patterns {
		f := "patterns[" + strconv.Itoa(i) + "]"
		switch {
		case !k.Valid():
			return &FieldError{f, fmt.Sprintf("%s must be one of traditional, field_driven, independent, it_led, management_led, integrated, not %s", f, quote(string(k)))}
		case seen[k]:
			return &FieldError{f, fmt.Sprintf("%s repeats the pattern %s", f, k)}
		}
		seen[k] = true
	}
	for _, k := range c.patterns() {
		if _, err := c.plan(k); err != nil {
			return err
		}
	}
	return nil
}

func (d Dist) validate(field string, lo, hi float64) error {
	if d.Kind != Exponential && d.Kind != Lognormal {
		return &FieldError{field + ".dist", fmt.Sprintf("%s.dist must be exponential or lognormal, not %s", field, quote(string(d.Kind)))}
	}
	if !inRange(d.MeanHours, lo, hi) {
		return rangeErr(field+".mean_hours", lo, hi)
	}
	if !inRange(d.CV, 0, MaxCV) {
		return rangeErr(field+".cv", 0, MaxCV)
	}
	return nil
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func (c Config) patterns() []hikeshi.PatternKey {
	if len(c.Patterns) == 0 {
		return hikeshi.PatternKeys()
	}
	return c.Patterns
}

// Estimate is the size of a run, for refusing one that would take too long.
type Estimate struct {
	Patterns     int
	Incidents    int64 // over all patterns
	RoutineTasks int64 // over all patterns
	Events       int64 // an upper estimate of the events to process
}

// Estimate returns the expected size of c's run; c must be valid.
func (c Config) Estimate() Estimate {
	hours := c.Years * HoursPerYear
	p := float64(len(c.patterns()))
	inc := c.IncidentsPerYear * c.Years
	routine := 0.0
	if m := c.Routine.Task.MeanHours; m > 0 {
		load := c.Routine.Management*float64(c.Staff.Management) + c.Routine.IT*float64(c.Staff.IT) + c.Routine.CSIRT*float64(c.Staff.CSIRT)
		routine = load / m * hours
	}
	// An incident is an arrival and up to three completions, a lesson one
	// completion, a routine task an arrival and a completion.
	events := inc*4 + inc*c.LessonShare + routine*2 + hours/(c.AuditEveryMonths*hoursPerMonth) + 2
	return Estimate{Patterns: int(p), Incidents: int64(inc * p), RoutineTasks: int64(routine * p), Events: int64(events * p)}
}

// TooLargeError refuses a run whose estimated size is over a limit: the
// incidents (each kept in memory until the run ends) or the events (time).
type TooLargeError struct {
	Estimate Estimate
	Events   bool // the event limit was hit, not the incident limit
	Limit    int64
}

func (e *TooLargeError) Error() string {
	if !e.Events {
		return fmt.Sprintf("would simulate ~%s incidents (%d patterns); limit %s",
			group(e.Estimate.Incidents), e.Estimate.Patterns, group(e.Limit))
	}
	return fmt.Sprintf("would simulate ~%s events (~%s incidents and ~%s routine tasks over %d patterns); limit %s",
		group(e.Estimate.Events), group(e.Estimate.Incidents), group(e.Estimate.RoutineTasks), e.Estimate.Patterns, group(e.Limit))
}

// Unwrap makes a TooLargeError an hikeshi.ErrInvalid.
func (e *TooLargeError) Unwrap() error { return hikeshi.ErrInvalid }

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Options tune a run without changing its results.
type Options struct {
	// MaxEvents refuses a run whose Estimate().Events is larger; 0 means
	// DefaultMaxEvents.
	MaxEvents int64
	// MaxIncidents refuses a run whose Estimate().Incidents is larger; 0
	// means DefaultMaxIncidents.
	MaxIncidents int64
	// Workers is how many patterns run at once; 0 means GOMAXPROCS. The
	// results do not depend on it.
	Workers int
	// Progress, when set, is called now and then with the events processed
	// so far and the estimate; calls never overlap. done may pass total.
	Progress func(done, total int64)
}

// Summary describes a sample of durations, in hours. Quantiles interpolate
// linearly between order statistics (Hyndman and Fan's type 7). A sample of
// none is all zeros.
type Summary struct {
	N      int
	Mean   float64
	Median float64
	P90    float64
	Max    float64
}

// UnitResult is how one unit of the pattern was used. The shares are of the
// unit's capacity over the horizon and add up to Utilisation.
type UnitResult struct {
	Kinds            []hikeshi.DepartmentKind // the host first
	Staff            int
	Utilisation      float64
	IncidentShare    float64
	RoutineShare     float64
	ImprovementShare float64
	RoutineWait      float64 // mean hours a routine task waited for a handler
	Backlog          int     // tasks waiting for a handler at the horizon
}

// Result is one pattern's outcome.
type Result struct {
	Pattern   hikeshi.PatternKey
	Incidents int // arrived within the horizon
	Lessons   int // improvement actions opened
	// FirstResponse is arrival to a handler starting triage.
	FirstResponse Summary
	// TimeToContain is arrival to the end of containment.
	TimeToContain Summary
	// ImprovementLeadTime is incident closed (recovered) to the
	// improvement action done.
	ImprovementLeadTime Summary
	Units               []UnitResult
}

// Report is a run's outcome, one result per pattern in Config.Patterns order.
type Report struct {
	Config   Config
	Estimate Estimate
	Results  []Result
}

// Simulate validates cfg, refuses a run larger than the limit with its
// estimate, and simulates every pattern, in parallel. It stops early with
// ctx's error when ctx ends. The report depends only on cfg.
func Simulate(ctx context.Context, cfg Config, opt Options) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	est := cfg.Estimate()
	if limit := cmp.Or(max(opt.MaxIncidents, 0), DefaultMaxIncidents); est.Incidents > limit {
		return Report{}, &TooLargeError{Estimate: est, Limit: limit}
	}
	if limit := cmp.Or(max(opt.MaxEvents, 0), DefaultMaxEvents); est.Events > limit {
		return Report{}, &TooLargeError{Estimate: est, Events: true, Limit: limit}
	}
	cfg.Patterns = slices.Clone(cfg.Patterns)
	keys := cfg.patterns()
	plans := make([]plan, len(keys))
	for i, k := range keys {
		p, err := cfg.plan(k)
		if err != nil {
			return Report{}, err
		}
		plans[i] = p
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(keys))

	var done atomic.Int64
	var mu sync.Mutex
	tick := func(n int64) error {
		d := done.Add(n)
		if opt.Progress != nil {
			mu.Lock()
			opt.Progress(d, est.Events)
			mu.Unlock()
		}
		return ctx.Err()
	}
	if err := tick(0); err != nil {
		return Report{}, err
	}

	shared := drawAll(&cfg, len(keys))
	results := make([]Result, len(keys))
	errs := make([]error, len(keys))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(keys) {
					return
				}
				results[i], errs[i] = run(&cfg, &plans[i], shared, tick)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Report{}, err
		}
	}
	return Report{Config: cfg, Estimate: est, Results: results}, nil
}
