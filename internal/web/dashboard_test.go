package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// TestDashboardPages draws the dashboard in both languages for every role:
// charts render, numbers link to the incidents behind them (for the roles
// that list incidents), a RED incident is counted but named only to the
// CSIRT, and no reporter is named anywhere.
func TestDashboardPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cs := hikeshi.ActorFor(e.user("csirt"), "test")
	in := func(title string, tlp hikeshi.TLP) service.IncidentInput {
		return service.IncidentInput{Title: title, Summary: "要約", Category: "phishing", Impact: 2, Urgency: 2, TLP: tlp}
	}
	green, err := e.svc.Incidents.Create(ctx, cs, in("緑のフィッシング<b>太字</b>", hikeshi.TLPGreen))
	if err != nil {
		t.Fatal(err)
	}
	red, err := e.svc.Incidents.Create(ctx, cs, in("赤の機密調査ZQX", hikeshi.TLPRed))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3600e9)
	if _, err := e.svc.Incidents.Transition(ctx, cs, green.ID, hikeshi.PhaseInitialResponse, ""); err != nil {
		t.Fatal(err)
	}
	// A report filed by a named member: neither name nor address appears.
	member := e.accounts["member"]
	if _, err := e.svc.Reports.Submit(ctx, hikeshi.ActorFor(e.user("member"), "web"),
		service.ReportInput{Source: hikeshi.SourceEmployee, Description: "USBメモリを拾った"}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"csirt", "manager", "auditor", "admin", "member"} {
		clearLocale(t, e, who)
	}
	linkRe := regexp.MustCompile(`href="(/dashboard/incidents\?[^"]*category=phishing[^"]*)"`)

	for _, c := range []struct {
		who, lang, title string
		links, seesRed   bool
	}{
		{"csirt", "ja", "ダッシュボード", true, true},
		{"csirt", "en", "Dashboard", true, true},
		{"manager", "en", "Dashboard", true, false},
		{"auditor", "ja", "ダッシュボード", true, false},
		{"admin", "en", "Dashboard", true, false},
		{"member", "ja", "ダッシュボード", false, false},
		{"member", "en", "Dashboard", false, false},
	} {
		cl := e.login(c.who, c.lang)
		res := cl.get("/dashboard")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "<title>"+c.title, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"`, `id="dash-steps"`,
			`id="dash-reporting-card"`, `href="/isms"`)
		if strings.Contains(res.body, red.Title) {
			t.Errorf("%s: the dashboard names the RED incident", c.who)
		}
		if c.who != "member" && (strings.Contains(res.body, member.Email) || strings.Contains(res.body, member.Name)) {
			t.Errorf("%s: the dashboard names a reporter", c.who)
		}
		m := linkRe.FindStringSubmatch(res.body)
		if !c.links {
			if strings.Contains(res.body, "/dashboard/incidents?") || strings.Contains(res.body, `href="/due"`) {
				t.Errorf("%s: links to lists the role cannot open", c.who)
			}
			wantStatus(t, cl.get("/dashboard/incidents?days=90"), http.StatusForbidden)
			continue
		}
		if m == nil {
			t.Fatalf("%s %s: no link behind the phishing count:\n%s", c.who, c.lang, res.body)
		}
		wantContains(t, res, "month="+e.clock.Now().UTC().Format("2006-01"), `href="/due"`, "step=loop")
		list := cl.get(html.UnescapeString(m[1]))
		wantStatus(t, list, http.StatusOK)
		wantContains(t, list, "緑のフィッシング&lt;b&gt;太字&lt;/b&gt;", "/incidents/"+green.ID)
		if got := strings.Contains(list.body, red.Title); got != c.seesRed {
			t.Errorf("%s: RED incident listed = %v, want %v", c.who, got, c.seesRed)
		}
		// The period selector keeps the choice.
		wantContains(t, cl.get("/dashboard?days=365"), `<option value="365" selected>`)
	}
}

func TestDashboardHostileQueries(t *testing.T) {
	e := newEnv(t)
	clearLocale(t, e, "csirt")
	cl := e.login("csirt", "en")
	for _, days := range []string{"<script>alert(1)</script>", "7", "-30", "99999999999999999999", "90.5"} {
		res := cl.get("/dashboard?days=" + url.QueryEscape(days))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "30, 90 or 365", `<option value="90" selected>`)
		if strings.Contains(res.body, "<script>alert") {
			t.Error("the days parameter was echoed as markup")
		}
	}
	for _, q := range []string{"days=5", "days=90&priority=abc", "days=90&priority=7", "days=90&step=%3Cscript%3E",
		"days=90&category=" + strings.Repeat("x", 200)} {
		res := cl.get("/dashboard/incidents?" + q)
		wantStatus(t, res, http.StatusUnprocessableEntity)
	}
	res := cl.get("/dashboard/incidents?days=90&category=" + url.QueryEscape(`"><script>alert(1)</script>`) +
		"&department=" + url.QueryEscape("' OR 1=1 --"))
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.body, "<script>alert") {
		t.Error("the category was echoed as markup")
	}
	jaRes := e.login("csirt", "ja").get("/dashboard?days=abc")
	wantStatus(t, jaRes, http.StatusUnprocessableEntity)
	wantContains(t, jaRes, "30日・90日・365日")
}
