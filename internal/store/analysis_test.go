package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// anaFrom and anaTo bound the analysis tests' period: January to March 2026.
var (
	anaFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	anaTo   = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
)

// anaFixture is a small set of records whose figures the tests compute by hand.
type anaFixture struct {
	dept, other         string
	member, outsider    string // users; member is a member of the RED incident r1
	a, b, r1, r2, early string // incidents
	ev1, ev2            string // alert events
	sender              string
}

func loadAnaFixture(t testing.TB, db *store.DB) anaFixture {
	t.Helper()
	var x anaFixture
	h := time.Hour
	x.dept, x.other = hikeshi.NewID(), hikeshi.NewID()
	seedRows(t, db, "departments", "id, name, kind, created_at, updated_at", 2, func(i int) []any {
		return []any{[]string{x.dept, x.other}[i], []string{"情報システム部", "営業部"}[i], "business_unit", anaFrom, anaFrom}
	})
	x.member, x.outsider = hikeshi.NewID(), hikeshi.NewID()
	seedRows(t, db, "users", "id, email, name, role, department_id, created_at, updated_at", 2, func(i int) []any {
		return []any{[]string{x.member, x.outsider}[i], fmt.Sprintf("ana%d@example.org", i), "u", "manager", x.dept, anaFrom, anaFrom}
	})
	x.a, x.b, x.r1, x.r2, x.early = hikeshi.NewID(), hikeshi.NewID(), hikeshi.NewID(), hikeshi.NewID(), hikeshi.NewID()
	type inc struct {
		id, cat, tlp string
		prio         int
		rep          time.Time
		tri, con     time.Duration // 0 = not reached
	}
	incs := []inc{
		{x.a, "phishing", "CLEAR", 1, time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), 1 * h, 10 * h},
		{x.b, "phishing", "GREEN", 1, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC), 3 * h, 20 * h},
		{x.r1, "malware", "RED", 2, time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), 2 * h, 0},
		{x.r2, "malware", "AMBER+STRICT", 2, time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), 0, 0},
		{x.early, "phishing", "CLEAR", 1, time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC), 1 * h, 1 * h},
	}
	opt := func(base time.Time, d time.Duration) any {
		if d == 0 {
			return nil
		}
		return base.Add(d)
	}
	seedRows(t, db, "incidents", "id, number, title, category, impact, urgency, priority, tlp, phase, created_at, updated_at, reported_at, triaged_at, contained_at",
		len(incs), func(i int) []any {
			c := incs[i]
			return []any{c.id, fmt.Sprintf("INC-A-%d", i), "秘密の件名 " + c.tlp, c.cat, 2, 2, c.prio, c.tlp, "discovery", c.rep, c.rep, c.rep,
				opt(c.rep, c.tri), opt(c.rep, c.con)}
		})
	seedRows(t, db, "incident_members", "id, incident_id, user_id, added_at", 1, func(int) []any {
		return []any{hikeshi.NewID(), x.r1, x.member, anaFrom}
	})
	seedRows(t, db, "tasks", "id, incident_id, title, department_id, due_sort, status, created_at, updated_at", 2, func(i int) []any {
		return []any{hikeshi.NewID(), []string{x.a, x.r1}[i], "t", x.dept, "~", "open", anaFrom, anaFrom}
	})
	// Observables: 1.2.3.4 in a and an alert event; evil.example in r1 and r2 only (restricted);
	// hash in a alone (once: no pattern).
	obs := []string{hikeshi.NewID(), hikeshi.NewID(), hikeshi.NewID()}
	seedRows(t, db, "observables", "id, type, value, created_at", 3, func(i int) []any {
		return []any{obs[i], []string{"ip", "domain", "hash"}[i], []string{"1.2.3.4", "evil.example", "d41d8cd98f00b204e9800998ecf8427e"}[i], anaFrom}
	})
	links := [][2]string{{x.a, obs[0]}, {x.r1, obs[1]}, {x.r2, obs[1]}, {x.a, obs[2]}, {x.early, obs[0]}}
	seedRows(t, db, "incident_observables", "id, incident_id, observable_id, added_at", len(links), func(i int) []any {
		return []any{hikeshi.NewID(), links[i][0], links[i][1], anaFrom}
	})
	// Assets: the same host (identifier differs in case) in a and b.
	seedRows(t, db, "affected_assets", "id, incident_id, name, kind, identifier, created_at, updated_at", 3, func(i int) []any {
		return []any{hikeshi.NewID(), []string{x.a, x.b, x.r1}[i], "PC", "host", []string{"PC-042", "pc-042", "srv-1"}[i], anaFrom, anaFrom}
	})
	// Reports: two by an employee of dept (one linked to b) through the web, one external by mail.
	rep := []string{hikeshi.NewID(), hikeshi.NewID(), hikeshi.NewID()}
	seedRows(t, db, "reports", "id, number, source, channel, status, description, reported_at, anonymous, reporter_user_id, followup_hash, submission_hash, created_at, updated_at",
		3, func(i int) []any {
			at := time.Date(2026, 2, 9+i, 0, 0, 0, 0, time.UTC)
			var user any = x.outsider
			src, ch := "employee", "web"
			if i == 2 {
				user, src, ch = nil, "external", "mail"
			}
			return []any{rep[i], fmt.Sprint("RPT-A-", i), src, ch, "closed", "d", at, 0, user, "f" + rep[i], "s" + rep[i], at, at}
		})
	seedRows(t, db, "report_incidents", "report_id, incident_id, linked_at", 1, func(int) []any {
		return []any{rep[0], x.b, anaFrom}
	})
	seedRows(t, db, "report_triage", "report_id, category, priority", 2, func(i int) []any {
		return []any{rep[i], "phishing", 2}
	})
	// Report 0: CSIRT message after 2h, triage after 1h → 1h. Report 1: message after 4h only → 4h. Report 2: nothing.
	seedRows(t, db, "report_messages", "id, report_id, author, body, created_at", 2, func(i int) []any {
		return []any{hikeshi.NewID(), rep[i], "csirt", "b", time.Date(2026, 2, 9+i, 2+2*i, 0, 0, 0, time.UTC)}
	})
	seedRows(t, db, "triage_decisions", "id, report_id, action, at", 1, func(int) []any {
		return []any{hikeshi.NewID(), rep[0], "classified", time.Date(2026, 2, 9, 1, 0, 0, 0, time.UTC)}
	})
	// Alert events: ev1 (promoted into a, decided after 30m) carries 1.2.3.4; ev2 is open.
	x.sender = hikeshi.NewID()
	seedRows(t, db, "alert_senders", "id, name, format, token_hash, window_seconds, created_at, updated_at", 1, func(int) []any {
		return []any{x.sender, "Suricata 本社", "suricata", "th", 300, anaFrom, anaFrom}
	})
	x.ev1, x.ev2 = hikeshi.NewID(), hikeshi.NewID()
	seedRows(t, db, "alert_events", "id, number, group_key, title, format, severity, status, first_seen, last_seen, incident_id, decided_at, created_at, updated_at",
		2, func(i int) []any {
			at := time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC)
			if i == 0 {
				return []any{x.ev1, "EVT-A-1", "g1", "scan", "suricata", "high", "promoted", at, at, x.a, at.Add(30 * time.Minute), at, at}
			}
			return []any{x.ev2, "EVT-A-2", "g2", "noise", "suricata", "low", "open", at, at, nil, nil, at, at}
		})
	seedRows(t, db, "alerts", "id, event_id, sender_id, format, fingerprint, title, severity, status, observables, occurred_at, first_seen, last_seen",
		3, func(i int) []any {
			at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			ev, o := x.ev1, `[{"type":"ip","value":"1.2.3.4"}]`
			if i == 1 {
				o = `[1, "x", {"value": "1.2.3.4"}, []]`
			}
			if i == 2 {
				ev, o = x.ev2, `{"type":"ip"}`
			}
			return []any{hikeshi.NewID(), ev, x.sender, "suricata", fmt.Sprint("fp", i), "t", "high", "firing", o, at, at, at}
		})
	return x
}

func TestAnalysisCounts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		x := loadAnaFixture(t, db)
		count := func(s hikeshi.AnalysisSubject, d hikeshi.AnalysisDimension) []hikeshi.AnalysisCount {
			t.Helper()
			got, err := db.AnalysisCounts(ctx, s, d, anaFrom, anaTo)
			if err != nil {
				t.Fatalf("%s by %s: %v", s, d, err)
			}
			return got
		}
		c := func(k, l string, n int) hikeshi.AnalysisCount {
			return hikeshi.AnalysisCount{Key: k, Label: l, Count: n}
		}
		want := map[string][]hikeshi.AnalysisCount{
			"incidents/month":      {c("2026-01", "", 1), c("2026-02", "", 2), c("2026-03", "", 1)},
			"incidents/category":   {c("malware", "", 2), c("phishing", "", 2)},
			"incidents/priority":   {c("1", "", 2), c("2", "", 2)},
			"incidents/source":     {c("direct", "", 2), c("alert", "", 1), c("employee:web", "", 1)},
			"incidents/department": {c(x.dept, "情報システム部", 2), c("", "", 2)},
			"reports/month":        {c("2026-02", "", 3)},
			"reports/source":       {c("employee:web", "", 2), c("external:mail", "", 1)},
			"reports/category":     {c("phishing", "", 2), c("", "", 1)},
			"reports/priority":     {c("0", "", 1), c("2", "", 2)},
			"reports/department":   {c(x.dept, "情報システム部", 2), c("", "", 1)},
			"alerts/month":         {c("2026-03", "", 2)},
			"alerts/priority":      {c("high", "", 1), c("low", "", 1)},
			"alerts/source":        {c(x.sender, "Suricata 本社", 2)},
		}
		for key, w := range want {
			var s, d string
			for i := range key {
				if key[i] == '/' {
					s, d = key[:i], key[i+1:]
				}
			}
			if diff := cmp.Diff(w, count(hikeshi.AnalysisSubject(s), hikeshi.AnalysisDimension(d))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", key, diff)
			}
		}
		if _, err := db.AnalysisCounts(ctx, hikeshi.AnalysisAlerts, hikeshi.ByCategory, anaFrom, anaTo); err == nil {
			t.Error("alerts by category: no error")
		}
		if _, err := db.AnalysisCounts(ctx, "x'; DROP TABLE incidents; --", hikeshi.ByMonth, anaFrom, anaTo); err == nil {
			t.Error("an unknown subject: no error")
		}
	})
}

func TestAnalysisDurations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		loadAnaFixture(t, db)
		get := func(m hikeshi.AnalysisMeasure) []hikeshi.AnalysisDurations {
			t.Helper()
			got, err := db.AnalysisDurations(ctx, m, anaFrom, anaTo)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			return got
		}
		hs := func(n float64) float64 { return n * 3600 }
		d := func(g string, items, measured int, mean, median float64) hikeshi.AnalysisDurations {
			return hikeshi.AnalysisDurations{Group: g, Items: items, Measured: measured, Mean: mean, Median: median}
		}
		approx := cmp.Comparer(func(a, b float64) bool { return a-b < 0.5 && b-a < 0.5 })
		want := map[hikeshi.AnalysisMeasure][]hikeshi.AnalysisDurations{
			// a 1h, b 3h, r1 2h, r2 not triaged: median of 1, 2, 3 is 2.
			hikeshi.MeasureAckIncident: {d("*", 4, 3, hs(2), hs(2)), d("1", 2, 2, hs(2), hs(1)), d("2", 2, 1, hs(2), hs(2))},
			hikeshi.MeasureContain:     {d("*", 4, 2, hs(15), hs(10)), d("1", 2, 2, hs(15), hs(10)), d("2", 2, 0, 0, 0)},
			hikeshi.MeasureRecover:     {d("*", 4, 0, 0, 0), d("1", 2, 0, 0, 0), d("2", 2, 0, 0, 0)},
			// report 0: min(message 2h, triage 1h) = 1h; report 1: message 4h; report 2: none.
			hikeshi.MeasureAckReport: {d("*", 3, 2, hs(2.5), hs(1)), d("0", 1, 0, 0, 0), d("2", 2, 2, hs(2.5), hs(1))},
			hikeshi.MeasureAckAlert:  {d("*", 2, 1, 1800, 1800), d("high", 1, 1, 1800, 1800), d("low", 1, 0, 0, 0)},
		}
		for m, w := range want {
			if diff := cmp.Diff(w, get(m), approx); diff != "" {
				t.Errorf("%s (-want +got):\n%s", m, diff)
			}
		}
		if got := get(hikeshi.MeasureRecover)[0].NA(); got != hikeshi.AnalysisNANotReached {
			t.Errorf("recover n/a = %q", got)
		}
		empty, err := db.AnalysisDurations(ctx, hikeshi.MeasureContain, anaTo, anaTo.AddDate(0, 1, 0))
		if err != nil || len(empty) != 0 {
			t.Errorf("an empty period: %v %v", empty, err)
		}
	})
}

func TestAnalysisPatterns(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		x := loadAnaFixture(t, db)
		get := func(k hikeshi.AnalysisPatternKind, f hikeshi.AnalysisPatternFilter) ([]hikeshi.AnalysisPattern, int) {
			t.Helper()
			f.Kind, f.From, f.To = k, anaFrom, anaTo
			got, hidden, err := db.AnalysisPatterns(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			return got, hidden
		}
		csirt := hikeshi.AnalysisPatternFilter{SeeRestricted: true, SeeIncidents: true, SeeAlerts: true}
		manager := hikeshi.AnalysisPatternFilter{SeeIncidents: true, ViewerID: x.outsider}
		member := hikeshi.AnalysisPatternFilter{SeeIncidents: true, ViewerID: x.member}
		ids := func(p hikeshi.AnalysisPattern) []string {
			var out []string
			for _, r := range p.Refs {
				out = append(out, r.ID)
			}
			return out
		}

		obs, hidden := get(hikeshi.PatternObservable, csirt)
		if len(obs) != 2 || hidden != 0 {
			t.Fatalf("csirt observables: %+v hidden %d", obs, hidden)
		}
		// Ordered by how often seen, then the latest: 1.2.3.4 (a + ev1, last 2026-03-01) and evil.example (r1 + r2, last 03-31).
		if obs[0].Value != "evil.example" || obs[0].Incidents != 2 || obs[0].Events != 0 ||
			!obs[0].FirstSeen.Equal(time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)) || !obs[0].LastSeen.Equal(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)) {
			t.Errorf("evil.example: %+v", obs[0])
		}
		if diff := cmp.Diff([]string{x.r2, x.r1}, ids(obs[0])); diff != "" {
			t.Errorf("evil.example refs: %s", diff)
		}
		if obs[1].Value != "1.2.3.4" || obs[1].Type != "ip" || obs[1].Incidents != 1 || obs[1].Events != 1 {
			t.Errorf("1.2.3.4: %+v", obs[1])
		}
		if diff := cmp.Diff([]string{x.ev1, x.a}, ids(obs[1])); diff != "" || !obs[1].Refs[0].Event || obs[1].Refs[0].Number != "EVT-A-1" {
			t.Errorf("1.2.3.4 refs: %s %+v", diff, obs[1].Refs)
		}

		// A manager who is not a member: the restricted pattern is counted, not named; no alert event links.
		obs, hidden = get(hikeshi.PatternObservable, manager)
		if len(obs) != 1 || hidden != 1 || obs[0].Value != "1.2.3.4" {
			t.Fatalf("manager observables: %+v hidden %d", obs, hidden)
		}
		if diff := cmp.Diff([]string{x.a}, ids(obs[0])); diff != "" {
			t.Errorf("manager refs: %s", diff)
		}
		// A member of r1 sees it named, with r1 only.
		obs, hidden = get(hikeshi.PatternObservable, member)
		if len(obs) != 2 || hidden != 0 || obs[0].Value != "evil.example" {
			t.Fatalf("member observables: %+v hidden %d", obs, hidden)
		}
		if diff := cmp.Diff([]string{x.r1}, ids(obs[0])); diff != "" {
			t.Errorf("member refs: %s", diff)
		}
		for _, r := range obs[0].Refs {
			if r.ID == x.r2 {
				t.Error("a restricted incident of which the viewer is not a member is named")
			}
		}

		assets, hidden := get(hikeshi.PatternAsset, manager)
		if len(assets) != 1 || hidden != 0 || assets[0].Value != "pc-042" || assets[0].Type != "host" || assets[0].Incidents != 2 {
			t.Errorf("assets: %+v hidden %d", assets, hidden)
		}
		cats, hidden := get(hikeshi.PatternCategory, manager)
		if len(cats) != 1 || hidden != 1 || cats[0].Value != "phishing" || cats[0].Incidents != 2 {
			t.Errorf("manager categories: %+v hidden %d", cats, hidden)
		}
		cats, _ = get(hikeshi.PatternCategory, csirt)
		if len(cats) != 2 {
			t.Errorf("csirt categories: %+v", cats)
		}
		if _, _, err := db.AnalysisPatterns(ctx, hikeshi.AnalysisPatternFilter{Kind: "nope", From: anaFrom, To: anaTo}); err == nil {
			t.Error("an unknown kind: no error")
		}
	})
}
