package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdvisorPages: every role reads the advisor and the simulation in both
// languages; the advisor ranks the patterns with the paper's reasons and the
// simulation's numbers; the simulation is deterministic for a seed and draws
// its charts; bad and hostile input is refused beside the field, with the
// range, and shown back as text.
func TestAdvisorPages(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{"admin", "csirt", "manager", "member", "auditor"} {
		clearLocale(t, e, who)
	}
	for _, who := range []string{"admin", "csirt", "manager", "member", "auditor"} {
		c := e.login(who, "en")
		res := c.get("/patterns/advisor")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "Pattern advisor", `name="employees"`, "Staff prefilled from the active users")
		res = c.get("/patterns/simulate")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "What-if simulation", `name="effort.contain.mean_hours"`)
	}
	wantStatus(t, e.client("en").get("/patterns/advisor"), http.StatusSeeOther)

	en := e.login("auditor", "en")
	form := url.Values{"employees": {"2000"}, "staff.management": {"5"}, "staff.it": {"20"}, "staff.csirt": {"5"}, "estimate": {"300"}}
	res := en.post("/patterns/advisor", form)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Patterns, best first", "How the ranking works", "Traditional", "Field-driven", "Independent",
		"The CSIRT can concentrate on incidents", "Time to contain", "Improvement lead time", "from your estimate", "large with many incidents")
	if !strings.Contains(res.body, "Recommended:") && !strings.Contains(res.body, "too thin to decide") {
		t.Error("the advice neither recommends nor says the data is too thin")
	}
	// No rate at all: said plainly, nothing simulated.
	noRate := url.Values{"employees": {"50"}, "staff.management": {"1"}, "staff.it": {"2"}, "staff.csirt": {"0"}}
	res = en.post("/patterns/advisor", noRate)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "The data is too thin to decide", "neither enough history nor an estimate")

	// Japanese.
	ja := e.login("member", "ja")
	res = ja.post("/patterns/advisor", form)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "パターン（上位から）", "独立型", "封じ込めまでの時間", "見込みから")
	res = ja.post("/patterns/advisor", url.Values{"employees": {"0"}, "staff.management": {"-1"}, "staff.it": {"NaN"}, "staff.csirt": {"1e400"}, "estimate": {"<script>alert(1)</script>"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "整数を入力してください。", "数値を入力してください。", "&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Error("script echoed unescaped")
	}
	res = ja.post("/patterns/advisor", url.Values{"employees": {"0"}, "staff.management": {"5"}, "staff.it": {"2000"}, "staff.csirt": {"5"}, "estimate": {"99999999999"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "1 から 1000000 までの数値を入力してください。", "1 から 1000 までの数値を入力してください。", "0 から 10000000 までの数値を入力してください。")

	// The simulation: defaults run, charts and table, the seed shown; the same seed the same numbers.
	sim := url.Values{}
	for _, f := range []string{"incidents_per_year", "staff.management", "staff.it", "staff.csirt", "effort.triage.mean_hours", "effort.contain.mean_hours",
		"effort.recover.mean_hours", "effort.improve.mean_hours", "lesson_share", "routine.management", "routine.it", "routine.csirt", "audit_every_months", "years", "seed"} {
		sim.Set(f, map[string]string{"incidents_per_year": "200", "staff.management": "5", "staff.it": "20", "staff.csirt": "5", "effort.triage.mean_hours": "1",
			"effort.contain.mean_hours": "4", "effort.recover.mean_hours": "8", "effort.improve.mean_hours": "16", "lesson_share": "0.3", "routine.management": "0.5",
			"routine.it": "0.6", "routine.csirt": "0", "audit_every_months": "6", "years": "1", "seed": "42"}[f])
	}
	for _, step := range []string{"triage", "contain", "recover", "improve"} {
		sim.Set("effort."+step+".dist", "lognormal")
		sim.Set("effort."+step+".cv", "1")
	}
	c := e.login("csirt", "en")
	res = c.post("/patterns/simulate", sim)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Seed 42: the same inputs and seed always give these numbers.", "<svg", "Time to contain by pattern", "Utilisation per unit", "Integrated")
	table := func(body string) string {
		i, j := strings.Index(body, "<tbody>"), strings.LastIndex(body, "</tbody>")
		return body[i:j]
	}
	again := c.post("/patterns/simulate", sim)
	if table(again.body) != table(res.body) {
		t.Error("the same seed gave different numbers")
	}
	// Japanese errors with the range; a run too large refused with its estimate.
	cj := e.login("admin", "ja")
	bad := url.Values{}
	for k, v := range sim {
		bad[k] = v
	}
	bad.Set("staff.csirt", "1001")
	bad.Set("seed", "-1")
	bad.Set("effort.contain.mean_hours", "NaN")
	res = cj.post("/patterns/simulate", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "0 から 18446744073709551615 までの整数を入力してください。", "数値を入力してください。", "NaN")
	bad = url.Values{}
	for k, v := range sim {
		bad[k] = v
	}
	bad.Set("staff.csirt", "1001")
	res = cj.post("/patterns/simulate", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "0 から 1000 までの数値を入力してください。")
	bad.Set("staff.csirt", "5")
	bad.Set("incidents_per_year", "5000000")
	res = cj.post("/patterns/simulate", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Web で実行するには大きすぎます", "hikeshi bench simulate")
	bad.Set("incidents_per_year", "200")
	bad["patterns"] = []string{"<script>x</script>"}
	res = cj.post("/patterns/simulate", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if strings.Contains(res.body, "<script>x") {
		t.Error("script echoed unescaped")
	}

	// The rate limit: a burst, then 429 with the wait.
	m := e.login("manager", "en")
	var last response
	for range 10 {
		last = m.post("/patterns/simulate", sim)
		if last.status == http.StatusTooManyRequests {
			break
		}
	}
	wantStatus(t, last, http.StatusTooManyRequests)
	wantContains(t, last, "Too many simulations in a short time.")
}
