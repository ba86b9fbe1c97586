package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
)

// BenchmarkAnalysis reads the analysis of a 12-month period holding 10,000
// incidents (each with a task, an observable and an asset, 1 in 4
// restricted), 5,000 reports and 5,000 alert events with an alert each:
// trends is every count of the page (13 GROUP BY statements), times every
// mean and median (5), patterns every recurring list for a manager (3 kinds).
// go test ./internal/store/ -run '^$' -bench BenchmarkAnalysis
func BenchmarkAnalysis(b *testing.B) {
	benchEngines(b, benchAnalysis)
}

func benchAnalysis(b *testing.B, db *store.DB) {
	ctx := context.Background()
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	from := now.AddDate(-1, 0, 0)
	depts := make([]string, 10)
	for i := range depts {
		depts[i] = hikeshi.NewID()
	}
	seedRows(b, db, "departments", "id, name, kind, created_at, updated_at", len(depts), func(i int) []any {
		return []any{depts[i], fmt.Sprint("部門", i), "business_unit", now, now}
	})
	const n = 10000
	ids := make([]string, n)
	cats := []string{"phishing", "malware", "ddos", "data-leak", "other"}
	tlps := []string{"CLEAR", "GREEN", "AMBER", "RED"}
	seedRows(b, db, "incidents", "id, number, title, category, impact, urgency, priority, tlp, phase, created_at, updated_at, "+
		"reported_at, triaged_at, first_response_at, contained_at, recovered_at", n, func(i int) []any {
		ids[i] = hikeshi.NewID()
		rep := now.Add(-time.Duration(i) * 364 * 24 * time.Hour / n)
		h := time.Duration(1+i%7) * time.Hour
		var rec any = rep.Add(9 * h)
		if i%3 == 0 {
			rec = nil
		}
		return []any{ids[i], fmt.Sprintf("INC-B-%06d", i), "t", cats[i%len(cats)], 2, 2, 1 + i%4, tlps[i%len(tlps)], "recovery",
			rep, rep, rep, rep.Add(h), rep.Add(2 * h), rep.Add(5 * h), rec}
	})
	seedRows(b, db, "tasks", "id, incident_id, title, department_id, due_sort, status, created_at, updated_at", n, func(i int) []any {
		return []any{hikeshi.NewID(), ids[i], "t", depts[i%len(depts)], "~", "open", now, now}
	})
	const nobs = 2000 // each observable in 5 incidents
	obs := make([]string, nobs)
	seedRows(b, db, "observables", "id, type, value, created_at", nobs, func(i int) []any {
		obs[i] = hikeshi.NewID()
		return []any{obs[i], "ip", fmt.Sprintf("10.0.%d.%d", i/256, i%256), now}
	})
	seedRows(b, db, "incident_observables", "id, incident_id, observable_id, added_at", n, func(i int) []any {
		return []any{hikeshi.NewID(), ids[i], obs[i%nobs], now}
	})
	seedRows(b, db, "affected_assets", "id, incident_id, name, kind, identifier, created_at, updated_at", n, func(i int) []any {
		return []any{hikeshi.NewID(), ids[i], "PC", "host", fmt.Sprintf("pc-%04d", i%3000), now, now}
	})
	const nr = 5000
	rids := make([]string, nr)
	seedRows(b, db, "reports", "id, number, source, status, description, reported_at, anonymous, followup_hash, submission_hash, created_at, updated_at",
		nr, func(i int) []any {
			rids[i] = hikeshi.NewID()
			rep := now.Add(-time.Duration(i) * 364 * 24 * time.Hour / nr)
			return []any{rids[i], fmt.Sprintf("RPT-B-%06d", i), "employee", "closed", "d", rep, 1, "f" + rids[i], "s" + rids[i], rep, rep}
		})
	seedRows(b, db, "report_messages", "id, report_id, author, body, created_at", nr, func(i int) []any {
		return []any{hikeshi.NewID(), rids[i], "csirt", "b", now.Add(-time.Duration(i) * 364 * 24 * time.Hour / nr).Add(time.Hour)}
	})
	sender := hikeshi.NewID()
	seedRows(b, db, "alert_senders", "id, name, format, token_hash, window_seconds, created_at, updated_at", 1, func(int) []any {
		return []any{sender, "ids", "suricata", "th", 300, now, now}
	})
	const ne = 5000
	eids := make([]string, ne)
	sev := []string{"critical", "high", "medium", "low", "info"}
	seedRows(b, db, "alert_events", "id, number, group_key, title, format, severity, status, first_seen, last_seen, decided_at, created_at, updated_at",
		ne, func(i int) []any {
			eids[i] = hikeshi.NewID()
			at := now.Add(-time.Duration(i) * 364 * 24 * time.Hour / ne)
			return []any{eids[i], fmt.Sprintf("EVT-B-%06d", i), fmt.Sprint("g", i), "t", "suricata", sev[i%len(sev)], "dismissed", at, at, at.Add(time.Hour), at, at}
		})
	seedRows(b, db, "alerts", "id, event_id, sender_id, format, fingerprint, title, severity, status, observables, occurred_at, first_seen, last_seen",
		ne, func(i int) []any {
			at := now.Add(-time.Duration(i) * 364 * 24 * time.Hour / ne)
			return []any{hikeshi.NewID(), eids[i], sender, "suricata", fmt.Sprint("fp", i), "t", "high", "firing",
				fmt.Sprintf(`[{"type":"ip","value":"10.0.%d.%d"}]`, (i%nobs)/256, i%256), at, at, at}
		})

	b.Run("trends", func(b *testing.B) {
		for range b.N {
			for _, s := range hikeshi.AnalysisSubjects {
				for _, d := range hikeshi.AnalysisDimensions {
					if !s.Applies(d) {
						continue
					}
					rows, err := db.AnalysisCounts(ctx, s, d, from, now)
					if err != nil || len(rows) == 0 {
						b.Fatalf("%s by %s: %d %v", s, d, len(rows), err)
					}
				}
			}
		}
	})
	b.Run("times", func(b *testing.B) {
		for range b.N {
			for _, m := range hikeshi.AnalysisMeasures {
				if _, err := db.AnalysisDurations(ctx, m, from, now); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("patterns", func(b *testing.B) {
		for range b.N {
			for _, k := range hikeshi.AnalysisPatternKinds {
				list, _, err := db.AnalysisPatterns(ctx, hikeshi.AnalysisPatternFilter{Kind: k, From: from, To: now,
					SeeIncidents: true, ViewerID: hikeshi.NewID(), Limit: hikeshi.AnalysisPatternLimit})
				if err != nil || len(list) == 0 {
					b.Fatalf("%s: %d %v", k, len(list), err)
				}
			}
		}
	})
}
