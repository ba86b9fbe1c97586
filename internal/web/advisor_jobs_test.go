package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// simForm is the simulation form with the default organisation's numbers.
func simForm() url.Values {
	f := url.Values{"incidents_per_year": {"200"}, "staff.management": {"5"}, "staff.it": {"20"}, "staff.csirt": {"5"},
		"lesson_share": {"0.3"}, "routine.management": {"0.5"}, "routine.it": {"0.6"}, "routine.csirt": {"0"},
		"audit_every_months": {"6"}, "years": {"1"}, "seed": {"42"}}
	for step, mean := range map[string]string{"triage": "1", "contain": "4", "recover": "8", "improve": "16"} {
		f.Set("effort."+step+".mean_hours", mean)
		f.Set("effort."+step+".dist", "lognormal")
		f.Set("effort."+step+".cv", "1")
	}
	return f
}

// TestSimulationFormDistributions (decision 0038): the form offers each
// step's distribution and coefficient of variation with their ranges; a
// choice changes the numbers; a bad or hostile choice and a CV out of range
// are refused beside the field, naming the range, in both languages.
func TestSimulationFormDistributions(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{"member", "auditor"} {
		clearLocale(t, e, who)
	}
	c := e.login("member", "en")
	res := c.get("/patterns/simulate")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, `name="effort.contain.dist"`, `<option value="lognormal" selected>`, `name="effort.contain.cv"`,
		"Containment effort, coefficient of variation", "From 0 to 10.", "Exponential (coefficient of variation 1")
	table := func(body string) string {
		i, j := strings.Index(body, "<tbody>"), strings.LastIndex(body, "</tbody>")
		if i < 0 || j < i {
			t.Fatal("no result table")
		}
		return body[i:j]
	}
	logn := c.post("/patterns/simulate", simForm())
	wantStatus(t, logn, http.StatusOK)
	f := simForm()
	f.Set("effort.contain.dist", "exponential")
	exp := c.post("/patterns/simulate", f)
	wantStatus(t, exp, http.StatusOK)
	wantContains(t, exp, `<option value="exponential" selected>`)
	if table(exp.body) == table(logn.body) {
		t.Error("the distribution chosen did not change the numbers")
	}
	f = simForm()
	f.Set("effort.contain.cv", "0.2")
	if low := c.post("/patterns/simulate", f); table(low.body) == table(logn.body) {
		t.Error("the CV typed did not change the numbers")
	}

	f = simForm()
	f.Set("effort.triage.dist", "<script>alert(1)</script>")
	f.Set("effort.recover.cv", "11")
	f.Set("effort.improve.cv", "NaN")
	res = c.post("/patterns/simulate", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Choose lognormal or exponential.", "Enter a number.")
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Error("script echoed unescaped")
	}
	f.Set("effort.triage.dist", "weibull")
	f.Set("effort.improve.cv", "1")
	ja := e.login("auditor", "ja")
	res = ja.post("/patterns/simulate", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "対数正規分布か指数分布を選んでください。")
	f.Set("effort.triage.dist", "lognormal")
	res = ja.post("/patterns/simulate", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "0 から 10 までの数値を入力してください。", "変動係数")
}

// TestSimulationInBackgroundPage (decision 0038): a run above the web's
// synchronous limit starts in the background and redirects to its page,
// which shows the progress and reloads itself (Refresh header, no script)
// until it shows the result with the form filled from the run's inputs; a
// second run of the same person meanwhile is refused with 429; nobody else
// opens the page; a truly huge run is refused with its estimate.
func TestSimulationInBackgroundPage(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{"csirt", "member"} {
		clearLocale(t, e, who)
	}
	c := e.login("csirt", "en")
	f := simForm()
	// About 32 million events: several seconds on two cores.
	f.Set("incidents_per_year", "1000")
	f.Set("staff.it", "200")
	f.Set("years", "10")
	f.Set("seed", "9")
	res := c.post("/patterns/simulate", f)
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.header.Get("Location")
	if !strings.HasPrefix(loc, "/patterns/simulate/runs/") {
		t.Fatalf("redirected to %q", loc)
	}
	res = c.get(loc)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "The simulation is running", "<progress max=\"100\" value=", "% done", "runs in the background", "Reload now")
	if res.header.Get("Refresh") != "2" {
		t.Errorf("Refresh header %q", res.header.Get("Refresh"))
	}
	if strings.Contains(res.body, "<script>") && !strings.Contains(res.body, `<script src=`) {
		t.Error("the progress page has an inline script")
	}
	again := c.post("/patterns/simulate", f)
	wantStatus(t, again, http.StatusTooManyRequests)
	wantContains(t, again, "A simulation of yours is still running.")
	other := e.login("member", "ja")
	wantStatus(t, other.get(loc), http.StatusNotFound)
	wantStatus(t, c.get("/patterns/simulate/runs/<script>"), http.StatusNotFound)

	var done response
	for range 1200 { // at most two minutes
		done = c.get(loc)
		if done.header.Get("Refresh") == "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantStatus(t, done, http.StatusOK)
	wantContains(t, done, "Seed 9: the same inputs and seed always give these numbers.", "<svg", `name="staff.it"`, `value="200"`)
	if strings.Contains(done.body, "The simulation is running") {
		t.Error("the finished run still shows the progress page")
	}

	// Truly huge: refused with its estimate and the background limit.
	f.Set("staff.it", "1000")
	res = c.post("/patterns/simulate", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "This run is too large for the web", "80000000")
}
