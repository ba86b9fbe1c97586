package web_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// svgRe finds the inline charts of a page.
var svgRe = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// wellFormedSVG parses one chart with encoding/xml and refuses script,
// foreignObject, style and event attributes.
func wellFormedSVG(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	titles, descs := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		if x, ok := tok.(xml.StartElement); ok {
			switch x.Name.Local {
			case "script", "foreignObject":
				t.Fatalf("a <%s> in a chart", x.Name.Local)
			case "title":
				titles++
			case "desc":
				descs++
			}
			for _, a := range x.Attr {
				if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
					t.Fatalf("a %s attribute in a chart", a.Name.Local)
				}
			}
		}
	}
	if titles == 0 || descs != 1 {
		t.Errorf("chart with %d titles and %d descs: %.200s", titles, descs, svg)
	}
}

// TestAnalysisPages draws /analysis for every role in both languages:
// charts are well-formed SVG with a title and a description, restricted
// incidents are counted but named only to the CSIRT, members get 404 and no
// navigation item, hostile dates are refused with the form shown again, and
// every table downloads as CSV.
func TestAnalysisPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cs := hikeshi.ActorFor(e.user("csirt"), "test")
	in := func(title string, tlp hikeshi.TLP) service.IncidentInput {
		return service.IncidentInput{Title: title, Summary: "要約", Category: "phishing", Impact: 2, Urgency: 2, TLP: tlp}
	}
	green, err := e.svc.Incidents.Create(ctx, cs, in("緑の<b>請求メール</b>QWV", hikeshi.TLPGreen))
	if err != nil {
		t.Fatal(err)
	}
	red, err := e.svc.Incidents.Create(ctx, cs, in("赤の機密調査ZQX", hikeshi.TLPRed))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{green.ID, red.ID} {
		if _, err := e.svc.Evidence.AddObservables(ctx, cs, id, service.ObservablesInput{Values: []string{"203.0.113.99"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []string{"csirt", "manager", "auditor", "admin", "member"} {
		clearLocale(t, e, who)
	}
	for _, c := range []struct {
		who, lang, title string
		seesRed          bool
	}{
		{"csirt", "ja", "イベント分析", true},
		{"csirt", "en", "Event analysis", true},
		{"manager", "ja", "イベント分析", false},
		{"auditor", "en", "Event analysis", false},
		{"admin", "en", "Event analysis", false},
		{"member", "ja", "", false},
	} {
		cl := e.login(c.who, c.lang)
		res := cl.get("/analysis")
		home := cl.get("/")
		if c.who == "member" {
			wantStatus(t, res, http.StatusNotFound)
			if strings.Contains(home.body, `href="/analysis"`) {
				t.Error("member: the navigation links to /analysis")
			}
			wantStatus(t, cl.get("/analysis/export/months"), http.StatusNotFound)
			continue
		}
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(home.body, `href="/analysis"`) {
			t.Errorf("%s: no navigation item", c.who)
		}
		wantContains(t, res, c.title, `id="ana-months"`, `id="ana-patterns-observable"`, `id="ana-times-contain"`, `id="ana-times-contain-definition"`,
			"203[.]0[.]113[.]99", `href="/incidents/`+green.ID+`"`, `/analysis/export/incidents_by_category?from=`)
		if strings.Contains(res.body, "<b>請求メール") {
			t.Errorf("%s: a title is not escaped", c.who)
		}
		if got := strings.Contains(res.body, red.ID) || strings.Contains(res.body, "ZQX"); got != c.seesRed {
			t.Errorf("%s: RED incident named = %v", c.who, got)
		}
		svgs := svgRe.FindAllString(res.body, -1)
		if len(svgs) < 8 {
			t.Errorf("%s: %d charts", c.who, len(svgs))
		}
		for _, s := range svgs {
			wellFormedSVG(t, s)
		}
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(res.body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: an inline script %s", c.who, tag)
			}
		}
	}

	cl := e.login("manager", "en")
	// Hostile and bad dates: 422, the form again with what was typed, each field named.
	for _, q := range []struct{ query, field, typed string }{
		{"?from=%3Cscript%3Ealert(1)%3C/script%3E", "from-error", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"?from=2026-02-30", "from-error", "2026-02-30"},
		{"?from=1970-01-01", "from-error", "1970-01-01"},
		{"?from=2025-03-01&to=2025-02-01", "to-error", "2025-02-01"},
		{"?from=2020-01-01&to=2025-01-01", "to-error", "2020-01-01"},
		{"?from=" + strings.Repeat("9", 5000), "from-error", "99999"},
	} {
		res := cl.get("/analysis" + q.query)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `id="`+q.field+`"`, q.typed)
		if strings.Contains(res.body, "<script>alert") {
			t.Errorf("%s: not escaped", q.query)
		}
	}
	wantStatus(t, cl.get("/analysis/export/incidents_by_category?to=nope"), http.StatusUnprocessableEntity)
	wantStatus(t, cl.get("/analysis/export/..%2F..%2Fetc"), http.StatusNotFound)
	wantStatus(t, cl.get("/analysis/export/nope"), http.StatusNotFound)

	for _, table := range service.AnalysisCSVTables() {
		res := cl.get("/analysis/export/" + table)
		wantStatus(t, res, http.StatusOK)
		if cd := res.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="analysis-`+table+`-`) {
			t.Errorf("%s: Content-Disposition %q", table, cd)
		}
		if !strings.HasPrefix(res.body, "\uFEFF") || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Errorf("%s: no BOM or not CSV: %q", table, res.header.Get("Content-Type"))
		}
		if strings.Contains(res.body, "ZQX") {
			t.Errorf("%s: the RED incident is named to a manager", table)
		}
	}
	res := cl.get("/analysis/export/patterns_observable")
	wantContains(t, res, "203.0.113.99", green.Number)
}
