package web

import (
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/chart"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/sim"
)

// This file holds the UI of IN-3 and IN-4: the pattern advisor and the what-if simulation.
//
// The advisor runs synchronously. A simulation estimated up to
// service.SimMaxEvents (about a second) runs synchronously too; a larger one
// within service.SimBackgroundMaxEvents runs in the background, and its page
// (/patterns/simulate/runs/{id}) shows the progress, reloading itself with
// an HTTP Refresh header (no script), then the result
// (docs/decisions/0034-advisor.md, 0038-routing-isms-work.md).

// registerAdvisor mounts the area's pages.
func (h *Handler) registerAdvisor(handle handleFunc) {
	handle("GET /patterns/advisor", signedIn, h.advisorPage)
	handle("POST /patterns/advisor", signedIn, h.advisorRun)
	handle("GET /patterns/simulate", signedIn, h.simulatePage)
	handle("POST /patterns/simulate", signedIn, h.simulateRun)
	handle("GET /patterns/simulate/runs/{id}", signedIn, h.simulateJob)
}

// ---- shared helpers ----

// advisorNumber formats a number for the pages: at most one decimal.
func advisorNumber(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// Hours writes a duration in hours.
func (p *page) AdvisorHours(x float64) string { return p.T("advisor.hours", advisorNumber(x)) }

// Percent writes a share as a percentage.
func (p *page) AdvisorPercent(x float64) string { return advisorNumber(math.Round(x*1000)/10) + "%" }

// AdvisorPattern is a pattern's name in the page's language.
func (p *page) AdvisorPattern(k hikeshi.PatternKey) string {
	if pt, ok := hikeshi.PatternByKey(k); ok {
		return pt.Name.In(p.Lang)
	}
	return string(k)
}

// AdvisorUnit names a unit of a pattern by its kinds.
func (p *page) AdvisorUnit(kinds []hikeshi.DepartmentKind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = p.Kind(k)
	}
	return strings.Join(names, " + ")
}

// parseNumber reads a form number; ok is false for anything else (NaN and
// infinities included).
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

func parseWhole(s string) (int, bool) {
	x, ok := parseNumber(s)
	if !ok || x != math.Trunc(x) || math.Abs(x) > 1e9 {
		return 0, false
	}
	return int(x), true
}

// advisorErrors words the service's refusal per field in the page's
// language: the range for a number outside it, the estimate for a run too
// large. ok is false when err is no validation error.
func (h *Handler) advisorErrors(r *http.Request, err error) (map[string]string, bool) {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	p := &page{}
	h.fill(r, p)
	var tl *sim.TooLargeError
	errors.As(err, &tl)
	msgs := map[string]string{}
	for _, f := range ve.Fields {
		if _, dup := msgs[f.Field]; dup {
			continue
		}
		switch f.Code {
		case "out_of_range":
			if lo, hi, ok := service.AdvisorRanges(f.Field); ok {
				msgs[f.Field] = p.T("advisor.field.range", advisorNumber(lo), advisorNumber(hi))
				continue
			}
		case "too_large":
			if tl != nil {
				msgs[f.Field] = p.T("advisor.field.too_large", advisorNumber(float64(tl.Estimate.Events)),
					advisorNumber(float64(tl.Estimate.Incidents)), advisorNumber(math.Ceil(service.EstimateSeconds(tl.Estimate))),
					advisorNumber(service.SimBackgroundMaxEvents))
				continue
			}
		}
		msgs[f.Field] = p.T("advisor.field.invalid")
	}
	return msgs, true
}

// advisorAlert shows a refusal that is no field's: too many runs, a run that
// took too long.
func (h *Handler) advisorAlert(p *page, err error) (status int, ok bool) {
	var rl *service.RateLimitError
	switch {
	case errors.As(err, &rl):
		p.Alert = p.T("advisor.rate_limited", int(math.Ceil(max(rl.Wait.Seconds(), 1))))
		return http.StatusTooManyRequests, true
	case errors.As(err, new(*service.SimRunningError)):
		p.Alert = p.T("advisor.sim.running_already")
		return http.StatusTooManyRequests, true
	case errors.Is(err, hikeshi.ErrInvalid):
		p.Alert = p.T("advisor.timeout")
		return http.StatusUnprocessableEntity, true
	}
	return 0, false
}

// ---- the advisor ----

type advisorForm struct {
	Employees, Management, IT, CSIRT, Estimate string
	CSIRTRoutine                               bool
}

type advisorView struct {
	page
	Form    advisorForm
	Prefill service.AdvisorPrefill
	Advice  *service.Advice
	Min     int // service.AdvisorMinHistory
	MinDays int
}

func (h *Handler) advisorView(r *http.Request) (*advisorView, error) {
	pre, err := h.svc.Advisor.Prefill(r.Context(), h.stateOf(r).actor())
	if err != nil {
		return nil, err
	}
	v := &advisorView{Prefill: pre, Min: service.AdvisorMinHistory, MinDays: service.AdvisorMinHistoryDays}
	v.Active = "patterns"
	v.Form = advisorForm{Employees: strconv.Itoa(max(pre.Users, 1)), Management: strconv.Itoa(max(pre.Staff.Management, 1)),
		IT: strconv.Itoa(max(pre.Staff.IT, 1)), CSIRT: strconv.Itoa(pre.Staff.CSIRT)}
	if !pre.HistoryOK && pre.HistoryRate > 0 {
		v.Form.Estimate = advisorNumber(pre.HistoryRate)
	}
	return v, nil
}

func (h *Handler) advisorPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.advisorView(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "advisor", v)
}

func (h *Handler) advisorRun(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	v, err := h.advisorView(r)
	if err != nil {
		return err
	}
	f := advisorForm{Employees: trimmed(r, "employees"), Management: trimmed(r, "staff.management"), IT: trimmed(r, "staff.it"),
		CSIRT: trimmed(r, "staff.csirt"), Estimate: trimmed(r, "estimate"), CSIRTRoutine: r.PostFormValue("csirt_routine") == "1"}
	v.Form = f
	h.fill(r, &v.page)
	in := service.AdvisorInput{CSIRTRoutine: f.CSIRTRoutine}
	bad := map[string]string{}
	for _, x := range []struct {
		field, s string
		dst      *int
	}{{"employees", f.Employees, &in.Employees}, {"staff.management", f.Management, &in.Staff.Management},
		{"staff.it", f.IT, &in.Staff.IT}, {"staff.csirt", f.CSIRT, &in.Staff.CSIRT}} {
		n, ok := parseWhole(x.s)
		if !ok {
			bad[x.field] = v.T("advisor.field.whole")
		}
		*x.dst = n
	}
	if f.Estimate != "" {
		x, ok := parseNumber(f.Estimate)
		if !ok {
			bad["estimate"] = v.T("advisor.field.number")
		}
		in.Estimate = x
	}
	if len(bad) > 0 {
		v.Errors, v.Alert = bad, v.T("advisor.fix_errors")
		return h.render(w, r, http.StatusUnprocessableEntity, "advisor", v)
	}
	a, err := h.svc.Advisor.Advise(r.Context(), h.stateOf(r).actor(), in)
	if err != nil {
		if msgs, ok := h.advisorErrors(r, err); ok {
			v.Errors, v.Alert = msgs, v.T("advisor.fix_errors")
			if m, ok := msgs["years"]; ok { // a run too large: no field of this form
				v.Alert = m
			}
			return h.render(w, r, http.StatusUnprocessableEntity, "advisor", v)
		}
		if status, ok := h.advisorAlert(&v.page, err); ok {
			return h.render(w, r, status, "advisor", v)
		}
		return err
	}
	v.Advice = &a
	return h.render(w, r, http.StatusOK, "advisor", v)
}

// RateSource says where the rate came from, with the numbers.
func (v *advisorView) RateText() string {
	a := v.Advice
	switch a.RateSource {
	case service.RateFromHistory:
		return v.T("advisor.rate.history", advisorNumber(a.Rate), a.Prefill.HistoryCount, a.Prefill.HistoryDays)
	case service.RateFromEstimate:
		return v.T("advisor.rate.estimate", advisorNumber(a.Rate), a.Prefill.HistoryCount, service.AdvisorMinHistory)
	}
	return v.T("advisor.rate.none", a.Prefill.HistoryCount, service.AdvisorMinHistory)
}

// Thin words the reasons the data is too thin.
func (v *advisorView) Thin() []string {
	var out []string
	for _, t := range v.Advice.Thin {
		switch t {
		case service.ThinTied:
			names := make([]string, len(v.Advice.Tied))
			for i, k := range v.Advice.Tied {
				names[i] = v.AdvisorPattern(k)
			}
			out = append(out, v.T("advisor.thin.tied", strings.Join(names, listSep(v.Lang)), advisorNumber(v.Advice.Noise)))
		case service.ThinFewLessons:
			out = append(out, v.T("advisor.thin.few_lessons", service.AdvisorMinLessons))
		default:
			out = append(out, v.T("advisor.thin."+t))
		}
	}
	return out
}

// Best is the recommended pattern's name when the data decides.
func (v *advisorView) Best() string {
	if v.Advice == nil || !v.Advice.Decided() || len(v.Advice.Ranked) == 0 {
		return ""
	}
	return v.Advice.Ranked[0].Pattern.Name.In(v.Lang)
}

// ProfileText names the organisation's profile.
func (v *advisorView) ProfileText() string {
	return v.T("advisor.profile." + cmpOr(string(v.Advice.Profile), "mixed"))
}

// Score formats a score part.
func (v *advisorView) Score(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// Texts writes the paper's texts in the page's language.
func (v *advisorView) Texts(ts []hikeshi.Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.In(v.Lang)
	}
	return out
}

func listSep(l hikeshi.Locale) string {
	if l == hikeshi.LocaleJA {
		return "、"
	}
	return ", "
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ---- the what-if simulation ----

// simFields are the simulation form's numbers: the form name is the
// simulation's field name, so its errors land beside the field.
var simFields = []string{"incidents_per_year", "staff.management", "staff.it", "staff.csirt",
	"effort.triage.mean_hours", "effort.triage.cv", "effort.contain.mean_hours", "effort.contain.cv",
	"effort.recover.mean_hours", "effort.recover.cv", "effort.improve.mean_hours", "effort.improve.cv",
	"lesson_share", "routine.management", "routine.it", "routine.csirt", "audit_every_months", "years", "seed"}

// simDistFields are the form's distribution choices (effort per step).
var simDistFields = []string{"effort.triage.dist", "effort.contain.dist", "effort.recover.dist", "effort.improve.dist"}

// simDistKinds are the distributions a step's effort may follow.
var simDistKinds = []sim.DistKind{sim.Lognormal, sim.Exponential}

// simDist returns the distribution a ".dist" form field sets in c.
func simDist(c *sim.Config, field string) *sim.Dist {
	switch field {
	case "effort.triage.dist":
		return &c.Effort.Triage
	case "effort.contain.dist":
		return &c.Effort.Contain
	case "effort.recover.dist":
		return &c.Effort.Recover
	case "effort.improve.dist":
		return &c.Effort.Improve
	}
	return nil
}

// simTarget returns where a form field goes in c.
func simTarget(c *sim.Config, field string) (f *float64, i *int) {
	switch field {
	case "incidents_per_year":
		return &c.IncidentsPerYear, nil
	case "staff.management":
		return nil, &c.Staff.Management
	case "staff.it":
		return nil, &c.Staff.IT
	case "staff.csirt":
		return nil, &c.Staff.CSIRT
	case "effort.triage.mean_hours":
		return &c.Effort.Triage.MeanHours, nil
	case "effort.contain.mean_hours":
		return &c.Effort.Contain.MeanHours, nil
	case "effort.recover.mean_hours":
		return &c.Effort.Recover.MeanHours, nil
	case "effort.improve.mean_hours":
		return &c.Effort.Improve.MeanHours, nil
	case "effort.triage.cv":
		return &c.Effort.Triage.CV, nil
	case "effort.contain.cv":
		return &c.Effort.Contain.CV, nil
	case "effort.recover.cv":
		return &c.Effort.Recover.CV, nil
	case "effort.improve.cv":
		return &c.Effort.Improve.CV, nil
	case "lesson_share":
		return &c.LessonShare, nil
	case "routine.management":
		return &c.Routine.Management, nil
	case "routine.it":
		return &c.Routine.IT, nil
	case "routine.csirt":
		return &c.Routine.CSIRT, nil
	case "audit_every_months":
		return &c.AuditEveryMonths, nil
	case "years":
		return &c.Years, nil
	}
	return nil, nil
}

type simView struct {
	page
	Values   map[string]string // as typed
	Patterns []hikeshi.PatternKey
	Chosen   map[hikeshi.PatternKey]bool
	Run      *service.SimRun
	Charts   []template.HTML
	Fields   []string
	// DistFields and DistKinds: each step's distribution (a select).
	DistFields []string
	DistKinds  []sim.DistKind
}

// DistFieldOf is the distribution field beside a mean_hours field ("" for
// the other fields): the template puts the choice next to the mean.
func (v *simView) DistFieldOf(f string) string {
	if step, ok := strings.CutSuffix(f, ".mean_hours"); ok && strings.HasPrefix(step, "effort.") {
		return step + ".dist"
	}
	return ""
}

// Range words a field's accepted range ("" when it has none).
func (v *simView) Range(f string) string {
	lo, hi, ok := service.AdvisorRanges(f)
	if !ok {
		return ""
	}
	return v.T("advisor.sim.range", advisorNumber(lo), advisorNumber(hi))
}

// Val is a field's value as typed.
func (v *simView) Val(f string) string { return v.Values[f] }

func (h *Handler) newSimView(c sim.Config) *simView {
	v := &simView{Values: map[string]string{}, Patterns: hikeshi.PatternKeys(), Chosen: map[hikeshi.PatternKey]bool{}, Fields: simFields,
		DistFields: simDistFields, DistKinds: simDistKinds}
	v.Active = "patterns"
	for _, f := range simDistFields {
		v.Values[f] = string(simDist(&c, f).Kind)
	}
	for _, f := range simFields {
		if f == "seed" {
			v.Values[f] = strconv.FormatUint(c.Seed, 10)
			continue
		}
		if x, n := simTarget(&c, f); x != nil {
			v.Values[f] = strconv.FormatFloat(*x, 'g', -1, 64)
		} else if n != nil {
			v.Values[f] = strconv.Itoa(*n)
		}
	}
	for _, k := range c.Patterns {
		v.Chosen[k] = true
	}
	return v
}

func (h *Handler) simulatePage(w http.ResponseWriter, r *http.Request) error {
	c := sim.DefaultConfig()
	if pre, err := h.svc.Advisor.Prefill(r.Context(), h.stateOf(r).actor()); err == nil && pre.HistoryOK {
		c.IncidentsPerYear = pre.HistoryRate
	}
	return h.render(w, r, http.StatusOK, "advisor_simulate", h.newSimView(c))
}

func (h *Handler) simulateRun(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	c := sim.DefaultConfig()
	v := h.newSimView(c)
	h.fill(r, &v.page)
	bad := map[string]string{}
	for _, f := range simFields {
		s := trimmed(r, f)
		v.Values[f] = s
		if f == "seed" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				bad[f] = v.T("advisor.field.seed")
			}
			c.Seed = n
			continue
		}
		x, n := simTarget(&c, f)
		if n != nil {
			i, ok := parseWhole(s)
			if !ok {
				bad[f] = v.T("advisor.field.whole")
			}
			*n = i
			continue
		}
		num, ok := parseNumber(s)
		if !ok {
			bad[f] = v.T("advisor.field.number")
		}
		*x = num
	}
	for _, f := range simDistFields {
		k := sim.DistKind(trimmed(r, f))
		v.Values[f] = string(k)
		if !slices.Contains(simDistKinds, k) {
			bad[f] = v.T("advisor.field.dist")
			continue
		}
		simDist(&c, f).Kind = k
	}
	for _, p := range r.PostForm["patterns"] {
		k := hikeshi.PatternKey(p)
		if !k.Valid() {
			bad["patterns"] = v.T("advisor.field.invalid")
			continue
		}
		if !v.Chosen[k] {
			v.Chosen[k] = true
			c.Patterns = append(c.Patterns, k)
		}
	}
	if len(bad) > 0 {
		v.Errors, v.Alert = bad, v.T("advisor.fix_errors")
		return h.render(w, r, http.StatusUnprocessableEntity, "advisor_simulate", v)
	}
	run, job, err := h.svc.Advisor.SimulateOrStart(r.Context(), h.stateOf(r).actor(), c)
	if err != nil {
		if msgs, ok := h.advisorErrors(r, err); ok {
			for f, m := range msgs {
				if strings.HasPrefix(f, "patterns[") {
					delete(msgs, f)
					msgs["patterns"] = m
				}
			}
			v.Errors, v.Alert = msgs, v.T("advisor.fix_errors")
			return h.render(w, r, http.StatusUnprocessableEntity, "advisor_simulate", v)
		}
		if status, ok := h.advisorAlert(&v.page, err); ok {
			return h.render(w, r, status, "advisor_simulate", v)
		}
		return err
	}
	if job != nil {
		return redirect(w, r, "/patterns/simulate/runs/"+url.PathEscape(job.ID))
	}
	v.Run = run
	v.Charts = simCharts(&v.page, run.Report)
	return h.render(w, r, http.StatusOK, "advisor_simulate", v)
}

// SimRefreshSeconds is how often a running simulation's page reloads.
const SimRefreshSeconds = 2

type simJobView struct {
	page
	Job service.SimJob
}

// simulateJob shows a background simulation: its progress while it runs
// (the page reloads itself every SimRefreshSeconds through the HTTP Refresh
// header, which needs no script), then the result on the simulation page
// with the form filled from its inputs.
func (h *Handler) simulateJob(w http.ResponseWriter, r *http.Request) error {
	job, err := h.svc.Advisor.SimJob(h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !job.Finished {
		v := &simJobView{Job: job}
		v.Active = "patterns"
		h.fill(r, &v.page)
		w.Header().Set("Refresh", strconv.Itoa(SimRefreshSeconds))
		w.Header().Set("Cache-Control", "no-store")
		return h.render(w, r, http.StatusOK, "advisor_simjob", v)
	}
	v := h.newSimView(job.Config)
	h.fill(r, &v.page)
	if job.Err != nil {
		if msgs, ok := h.advisorErrors(r, job.Err); ok {
			v.Errors, v.Alert = msgs, v.T("advisor.fix_errors")
			return h.render(w, r, http.StatusUnprocessableEntity, "advisor_simulate", v)
		}
		if status, ok := h.advisorAlert(&v.page, job.Err); ok {
			return h.render(w, r, status, "advisor_simulate", v)
		}
		return job.Err
	}
	run := job.Run
	v.Run = &run
	v.Charts = simCharts(&v.page, run.Report)
	return h.render(w, r, http.StatusOK, "advisor_simulate", v)
}

// Percent is the job's progress for the page.
func (v *simJobView) Percent() int { return v.Job.Percent() }

// EventsText and SecondsText word the job's estimate.
func (v *simJobView) EventsText() string  { return advisorNumber(float64(v.Job.Estimate.Events)) }
func (v *simJobView) SecondsText() string { return advisorNumber(math.Ceil(v.Job.Seconds)) }

// simCharts draws the results: time to contain and improvement lead time
// (median and p90, grouped by pattern) and each unit's utilisation.
func simCharts(p *page, rep sim.Report) []template.HTML {
	var names []string
	var cm, cp, lm, lp []float64
	var bars []chart.Bar
	for _, r := range rep.Results {
		name := p.AdvisorPattern(r.Pattern)
		names = append(names, name)
		cm, cp = append(cm, r.TimeToContain.Median), append(cp, r.TimeToContain.P90)
		lm, lp = append(lm, r.ImprovementLeadTime.Median), append(lp, r.ImprovementLeadTime.P90)
		for _, u := range r.Units {
			bars = append(bars, chart.Bar{Label: name + " · " + p.AdvisorUnit(u.Kinds), Value: math.Round(u.Utilisation * 100)})
		}
	}
	med, p90 := p.T("advisor.median"), p.T("advisor.p90")
	h := p.T("advisor.unit_hours")
	return []template.HTML{
		chart.Grouped(p.T("advisor.chart.contain"), h, names, []chart.Series{{Name: med, Values: cm}, {Name: p90, Values: cp}}),
		chart.Grouped(p.T("advisor.chart.lead"), h, names, []chart.Series{{Name: med, Values: lm}, {Name: p90, Values: lp}}),
		chart.HBars(p.T("advisor.chart.utilisation"), "%", bars),
	}
}

// Seconds writes a duration in seconds.
func (v *simView) Seconds(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// SeedText is the run's seed.
func (v *simView) SeedText() string { return strconv.FormatUint(v.Run.Report.Config.Seed, 10) }
