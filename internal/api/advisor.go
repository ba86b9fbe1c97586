package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/sim"
)

func init() {
	enums["pattern_key"] = stringsOf(hikeshi.PatternKeys())
	enums["sim_dist"] = []string{string(sim.Exponential), string(sim.Lognormal)}
	enums["advisor_rate_source"] = []string{string(service.RateFromHistory), string(service.RateFromEstimate), string(service.RateNone)}
	enums["advisor_thin"] = []string{service.ThinNoRate, service.ThinFewLessons, service.ThinTied, service.ThinSaturated}
}

// advisorRoutes are the operations of IN-3 and IN-4: the pattern advisor and the what-if simulation.
func (h *Handler) advisorRoutes() []route {
	const limits = " Every signed-in role may call it; nothing is changed. Simulations are limited per user (429 with Retry-After) and a run " +
		"estimated larger than 8,000,000 events is refused (422 on years, code too_large, with the estimate); use `hikeshi bench simulate` for bigger ones."
	return []route{
		{method: post, path: "/patterns/advice", op: "advisePattern", tag: "patterns", summary: "Rank the six organisation patterns for an organisation (IN-3)",
			doc: "The incident rate comes from the history (incidents of the last 365 days, annualised when the history is younger) when there are at least 12 over " +
				"at least 90 days, else from estimate_incidents_per_year; rate_source says which. staff absent: counted from the users per department kind. " +
				"Ranking: a pattern with a unit busier than 95 % ranks after the others; then lower score first, score = log2(p90 time to contain ÷ best) + " +
				"log2(median improvement lead time ÷ best) − 0.25 when the paper says the pattern suits the organisation's profile (+0.25 the other profile); " +
				"scores closer than noise share a rank. thin lists why the data is too thin to decide (empty: decided)." + limits,
			body: adviceInputJSON{}, status: http.StatusOK, resp: adviceJSON{}, handle: h.advise},
		{method: post, path: "/patterns/simulate", op: "simulatePatterns", tag: "patterns", summary: "Run the what-if simulation of the patterns (IN-4)",
			doc: "Every field is optional and overrides the default organisation (200 incidents a year, 5 + 20 + 5 staff, audits every 6 months, seed 1, one year). " +
				"Deterministic: the same input and seed give the same numbers. Durations are hours; shares are 0–1. Bad input is a 422 naming the field with its range." + limits,
			body: simInputJSON{}, optionalBody: true, status: http.StatusOK, resp: simReportJSON{}, handle: h.simulate},
		{method: post, path: "/patterns/simulations", op: "startSimulation", tag: "patterns", summary: "Start the what-if simulation in the background",
			doc: "The same input as simulatePatterns, for runs up to ten times its limit (larger ones are a 422 with the estimate). " +
				"Poll the Location for the progress and the report; it is kept 30 minutes after the run and only you read it. " +
				"One background run per person at a time (else 429).",
			body: simInputJSON{}, optionalBody: true, status: http.StatusCreated, resp: simJobJSON{}, handle: h.startSimulation},
		{method: get, path: "/patterns/simulations/{id}", op: "getSimulation", tag: "patterns", summary: "A background simulation: progress, then the report",
			status: http.StatusOK, resp: simJobJSON{}, handle: h.getSimulation},
	}
}

func init() { enums["sim_job_state"] = []string{"running", "done", "failed"} }

// number, seedNumber (a seed, a whole number 0 – 2⁶⁴−1) and the optional
// inputs numberIn and seedIn are plain float64 and uint64: the OpenAPI
// generator documents them as number and integer (uint64).
type (
	number     = float64
	seedNumber = uint64
	numberIn   = float64
	seedIn     = uint64
)

func clean(x float64) number {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return number(math.Round(x*1000) / 1000)
}

type staffJSON struct {
	Management int `json:"management"`
	IT         int `json:"it"`
	CSIRT      int `json:"csirt"`
}

type adviceInputJSON struct {
	Employees    int        `json:"employees" doc:"People in the organisation, 1–1000000."`
	Staff        *staffJSON `json:"staff,omitempty" doc:"People per unit: management and it 1–1000, csirt 0–1000. Absent: counted from the users."`
	Estimate     number     `json:"estimate_incidents_per_year,omitempty" doc:"Your estimate of incidents a year (a number, 0–10000000), used when the history is too short."`
	CSIRTRoutine bool       `json:"csirt_routine,omitempty" doc:"The CSIRT also does routine work (then 30 % of its capacity)."`
}

type summaryJSON struct {
	N      int    `json:"n"`
	Mean   number `json:"mean" doc:"Hours (a number)."`
	Median number `json:"median" doc:"Hours (a number)."`
	P90    number `json:"p90" doc:"Hours (a number)."`
	Max    number `json:"max" doc:"Hours (a number)."`
}

func toSummary(s sim.Summary) summaryJSON {
	return summaryJSON{N: s.N, Mean: clean(s.Mean), Median: clean(s.Median), P90: clean(s.P90), Max: clean(s.Max)}
}

type unitResultJSON struct {
	Kinds            []string `json:"kinds" doc:"The department kinds of the unit, the host first."`
	Staff            int      `json:"staff"`
	Utilisation      number   `json:"utilisation" doc:"Share of the unit's capacity used, 0–1 (a number)."`
	IncidentShare    number   `json:"incident_share"`
	RoutineShare     number   `json:"routine_share"`
	ImprovementShare number   `json:"improvement_share"`
	RoutineWait      number   `json:"routine_wait" doc:"Mean hours a routine task waited."`
	Backlog          int      `json:"backlog" doc:"Tasks waiting at the horizon."`
}

type simResultJSON struct {
	Pattern             string           `json:"pattern" enum:"pattern_key"`
	Incidents           int              `json:"incidents"`
	Lessons             int              `json:"lessons"`
	FirstResponse       summaryJSON      `json:"first_response"`
	TimeToContain       summaryJSON      `json:"time_to_contain"`
	ImprovementLeadTime summaryJSON      `json:"improvement_lead_time"`
	Units               []unitResultJSON `json:"units"`
}

func toSimResult(r sim.Result) simResultJSON {
	out := simResultJSON{Pattern: string(r.Pattern), Incidents: r.Incidents, Lessons: r.Lessons, FirstResponse: toSummary(r.FirstResponse),
		TimeToContain: toSummary(r.TimeToContain), ImprovementLeadTime: toSummary(r.ImprovementLeadTime), Units: []unitResultJSON{}}
	for _, u := range r.Units {
		out.Units = append(out.Units, unitResultJSON{Kinds: stringsOf(u.Kinds), Staff: u.Staff, Utilisation: clean(u.Utilisation),
			IncidentShare: clean(u.IncidentShare), RoutineShare: clean(u.RoutineShare), ImprovementShare: clean(u.ImprovementShare),
			RoutineWait: clean(u.RoutineWait), Backlog: u.Backlog})
	}
	return out
}

type textJSON struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

type patternAdviceJSON struct {
	Rank         int            `json:"rank" doc:"1 is best; patterns within noise share a rank; 0 when not ranked."`
	Pattern      string         `json:"pattern" enum:"pattern_key"`
	Name         textJSON       `json:"name"`
	Reasons      []textJSON     `json:"reasons" doc:"The paper's remarks on the pattern."`
	Suits        int            `json:"suits" doc:"+1: the paper says it suits an organisation like this; -1: the other kind; 0: says nothing."`
	Simulated    bool           `json:"simulated"`
	NotSimulated string         `json:"not_simulated,omitempty" doc:"The staff field that left a unit of the pattern empty."`
	Saturated    bool           `json:"saturated"`
	Score        number         `json:"score"`
	ContainPart  number         `json:"contain_part"`
	LeadPart     number         `json:"lead_part"`
	SuitsPart    number         `json:"suits_part"`
	Result       *simResultJSON `json:"result" doc:"The simulation's numbers; null when not simulated."`
}

type adviceJSON struct {
	Rate           number              `json:"incidents_per_year" doc:"The rate used (a number)."`
	RateSource     string              `json:"rate_source" enum:"advisor_rate_source"`
	HistoryCount   int                 `json:"history_incidents" doc:"Incidents of the last 365 days."`
	HistoryDays    int                 `json:"history_days"`
	HistoryEnough  bool                `json:"history_enough"`
	Staff          staffJSON           `json:"staff" doc:"The staff simulated."`
	StaffFromUsers staffJSON           `json:"staff_from_users" doc:"Active users per department kind."`
	Profile        string              `json:"profile" doc:"large_many_incidents, small_few_incidents or empty."`
	Years          number              `json:"years" doc:"The simulated horizon."`
	Seed           seedNumber          `json:"seed"`
	Noise          number              `json:"noise"`
	Decided        bool                `json:"decided"`
	Thin           []string            `json:"thin"`
	Tied           []string            `json:"tied"`
	Ranking        []patternAdviceJSON `json:"ranking"`
	Findings       []textJSON          `json:"findings" doc:"The paper's conclusions for every pattern."`
}

func texts(ts []hikeshi.Text) []textJSON {
	out := make([]textJSON, len(ts))
	for i, t := range ts {
		out[i] = textJSON{t.EN, t.JA}
	}
	return out
}

func (h *Handler) advise(c *call) error {
	var in adviceInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	input := service.AdvisorInput{Employees: in.Employees, Estimate: float64(in.Estimate), CSIRTRoutine: in.CSIRTRoutine}
	if in.Staff != nil {
		input.Staff = sim.Staff(*in.Staff)
	} else {
		p, err := h.svc.Advisor.Prefill(c.ctx(), c.actor)
		if err != nil {
			return err
		}
		input.Staff = p.Staff
	}
	a, err := h.svc.Advisor.Advise(c.ctx(), c.actor, input)
	if err != nil {
		return simProblem(err)
	}
	out := adviceJSON{Rate: clean(a.Rate), RateSource: string(a.RateSource), HistoryCount: a.Prefill.HistoryCount, HistoryDays: a.Prefill.HistoryDays,
		HistoryEnough: a.Prefill.HistoryOK, Staff: staffJSON(a.Input.Staff), StaffFromUsers: staffJSON(a.Prefill.Staff), Profile: string(a.Profile),
		Years: clean(a.Years), Seed: seedNumber(a.Seed), Noise: clean(a.Noise), Decided: a.Decided(), Thin: append([]string{}, a.Thin...),
		Tied: stringsOf(a.Tied), Findings: texts(a.Findings), Ranking: []patternAdviceJSON{}}
	if out.Tied == nil {
		out.Tied = []string{}
	}
	for _, p := range a.Ranked {
		pj := patternAdviceJSON{Rank: p.Rank, Pattern: string(p.Pattern.Key), Name: textJSON{p.Pattern.Name.EN, p.Pattern.Name.JA},
			Reasons: texts(p.Pattern.Reasons), Suits: p.Suits, Simulated: p.Simulated, NotSimulated: p.NotSimulated, Saturated: p.Saturated,
			Score: clean(p.Score), ContainPart: clean(p.ContainPart), LeadPart: clean(p.LeadPart), SuitsPart: clean(p.SuitsPart)}
		if p.Simulated {
			r := toSimResult(p.Result)
			pj.Result = &r
		}
		out.Ranking = append(out.Ranking, pj)
	}
	return c.json(http.StatusOK, out)
}

type distJSON struct {
	Dist      string    `json:"dist,omitempty" enum:"sim_dist"`
	MeanHours *numberIn `json:"mean_hours,omitempty" doc:"Hours (a number)."`
	CV        *numberIn `json:"cv,omitempty" doc:"Coefficient of variation, 0–10 (lognormal only)."`
}

type effortJSON struct {
	Triage  *distJSON `json:"triage,omitempty"`
	Contain *distJSON `json:"contain,omitempty"`
	Recover *distJSON `json:"recover,omitempty"`
	Improve *distJSON `json:"improve,omitempty" doc:"One improvement action."`
}

type routineJSON struct {
	Management *numberIn `json:"management,omitempty" doc:"Share of the kind's capacity, 0–0.95."`
	IT         *numberIn `json:"it,omitempty"`
	CSIRT      *numberIn `json:"csirt,omitempty"`
	Task       *distJSON `json:"task,omitempty"`
}

type simStaffJSON struct {
	Management *int `json:"management,omitempty"`
	IT         *int `json:"it,omitempty"`
	CSIRT      *int `json:"csirt,omitempty"`
}

type simInputJSON struct {
	Seed             *seedIn       `json:"seed,omitempty" doc:"0–18446744073709551615; the same seed gives the same numbers."`
	Years            *numberIn     `json:"years,omitempty" doc:"The horizon, 0.01–10."`
	IncidentsPerYear *numberIn     `json:"incidents_per_year,omitempty" doc:"0–10000000."`
	Staff            *simStaffJSON `json:"staff,omitempty"`
	Effort           *effortJSON   `json:"effort,omitempty"`
	LessonShare      *numberIn     `json:"lesson_share,omitempty" doc:"Share of incidents whose review changes a measure, 0–1."`
	Routine          *routineJSON  `json:"routine,omitempty"`
	AuditEveryMonths *numberIn     `json:"audit_every_months,omitempty" doc:"1–24."`
	Patterns         []string      `json:"patterns,omitempty" doc:"Patterns to simulate (pattern keys); absent: all six."`
}

func setNum(dst *float64, v *numberIn) {
	if v != nil {
		*dst = float64(*v)
	}
}

func setDist(dst *sim.Dist, v *distJSON) {
	if v == nil {
		return
	}
	if v.Dist != "" {
		dst.Kind = sim.DistKind(v.Dist)
	}
	setNum(&dst.MeanHours, v.MeanHours)
	setNum(&dst.CV, v.CV)
}

// config lays the input over the default organisation.
func (in simInputJSON) config() sim.Config {
	c := sim.DefaultConfig()
	if in.Seed != nil {
		c.Seed = uint64(*in.Seed)
	}
	setNum(&c.Years, in.Years)
	setNum(&c.IncidentsPerYear, in.IncidentsPerYear)
	if s := in.Staff; s != nil {
		for _, p := range []struct {
			dst *int
			v   *int
		}{{&c.Staff.Management, s.Management}, {&c.Staff.IT, s.IT}, {&c.Staff.CSIRT, s.CSIRT}} {
			if p.v != nil {
				*p.dst = *p.v
			}
		}
	}
	if e := in.Effort; e != nil {
		setDist(&c.Effort.Triage, e.Triage)
		setDist(&c.Effort.Contain, e.Contain)
		setDist(&c.Effort.Recover, e.Recover)
		setDist(&c.Effort.Improve, e.Improve)
	}
	setNum(&c.LessonShare, in.LessonShare)
	if r := in.Routine; r != nil {
		setNum(&c.Routine.Management, r.Management)
		setNum(&c.Routine.IT, r.IT)
		setNum(&c.Routine.CSIRT, r.CSIRT)
		setDist(&c.Routine.Task, r.Task)
	}
	setNum(&c.AuditEveryMonths, in.AuditEveryMonths)
	for _, p := range in.Patterns {
		c.Patterns = append(c.Patterns, hikeshi.PatternKey(p))
	}
	return c
}

type estimateJSON struct {
	Patterns     int    `json:"patterns"`
	Incidents    int64  `json:"incidents" doc:"Over all patterns."`
	RoutineTasks int64  `json:"routine_tasks"`
	Events       int64  `json:"events"`
	Seconds      number `json:"seconds" doc:"The estimate in seconds on this server."`
}

type simReportJSON struct {
	Seed           seedNumber      `json:"seed"`
	Years          number          `json:"years"`
	IncidentsYear  number          `json:"incidents_per_year"`
	Deterministic  bool            `json:"deterministic" doc:"Always true: the same input and seed give the same numbers."`
	Estimate       estimateJSON    `json:"estimate"`
	ElapsedSeconds number          `json:"elapsed_seconds"`
	Results        []simResultJSON `json:"results"`
}

func (h *Handler) simulate(c *call) error {
	var in simInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	run, err := h.svc.Advisor.Simulate(c.ctx(), c.actor, in.config())
	if err != nil {
		return simProblem(err)
	}
	return c.json(http.StatusOK, toSimReport(run))
}

func toEstimate(e sim.Estimate, seconds float64) estimateJSON {
	return estimateJSON{Patterns: e.Patterns, Incidents: e.Incidents, RoutineTasks: e.RoutineTasks, Events: e.Events, Seconds: clean(seconds)}
}

func toSimReport(run service.SimRun) simReportJSON {
	rep := run.Report
	out := simReportJSON{Seed: seedNumber(rep.Config.Seed), Years: clean(rep.Config.Years), IncidentsYear: clean(rep.Config.IncidentsPerYear),
		Deterministic: true, ElapsedSeconds: clean(run.Elapsed.Seconds()), Results: []simResultJSON{}, Estimate: toEstimate(rep.Estimate, run.Seconds)}
	for _, r := range rep.Results {
		out.Results = append(out.Results, toSimResult(r))
	}
	return out
}

// simJobJSON: decision 0038.
type simJobJSON struct {
	ID          string         `json:"id" format:"uuid"`
	State       string         `json:"state" enum:"sim_job_state"`
	Percent     int            `json:"percent" doc:"0–100; 100 only once finished."`
	EventsDone  int64          `json:"events_done"`
	EventsTotal int64          `json:"events_total"`
	Estimate    estimateJSON   `json:"estimate"`
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  *time.Time     `json:"finished_at"`
	Report      *simReportJSON `json:"report" doc:"When done."`
	Error       *problemJSON   `json:"error" doc:"When failed: the problem a synchronous run would have answered."`
}

func toSimJob(j service.SimJob) simJobJSON {
	out := simJobJSON{ID: j.ID, State: "running", Percent: j.Percent(), EventsDone: j.Done, EventsTotal: j.Total,
		Estimate: toEstimate(j.Estimate, j.Seconds), StartedAt: j.Started.UTC(), FinishedAt: timePtr(j.FinishedAt)}
	switch {
	case j.Finished && j.Err != nil:
		out.State = "failed"
		p, _, internal := classify(j.Err)
		if internal {
			p.Detail = "The simulation failed."
		}
		out.Error = &p
	case j.Finished:
		out.State = "done"
		r := toSimReport(j.Run)
		out.Report = &r
	}
	return out
}

func (h *Handler) startSimulation(c *call) error {
	var in simInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	j, err := h.svc.Advisor.StartSimulation(c.actor, in.config())
	if err != nil {
		return simProblem(err)
	}
	return c.created(Prefix+"/patterns/simulations/"+j.ID, toSimJob(j))
}

func (h *Handler) getSimulation(c *call) error {
	j, err := h.svc.Advisor.SimJob(c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toSimJob(j))
}

// simProblem answers a rate-limited run with Retry-After.
func simProblem(err error) error {
	var rl *service.RateLimitError
	if errors.As(err, &rl) {
		e := newError(kindRateLimited, "Too many simulations; try again later.")
		e.header = http.Header{"Retry-After": {fmt.Sprint(int(math.Ceil(max(rl.Wait.Seconds(), 1))))}}
		return e
	}
	var running *service.SimRunningError
	if errors.As(err, &running) {
		e := newError(kindRateLimited, "A simulation of yours is still running: "+Prefix+"/patterns/simulations/"+running.JobID)
		e.header = http.Header{"Retry-After": {"5"}}
		return e
	}
	return err
}
