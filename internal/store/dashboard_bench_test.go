package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// BenchmarkDashboard reads every figure of a 90-day and a 365-day dashboard
// over 20,000 incidents reported over two years (about 2,500 and 10,000 of
// them in the period), each with a task, and 5,000 reports with answers: one
// op is the whole set of store reads behind the page. go test ./internal/store/ -run '^$' -bench BenchmarkDashboard
func BenchmarkDashboard(b *testing.B) {
	benchEngines(b, benchDashboard)
}

// benchEngines runs a benchmark on SQLite and, when HIKESHI_REQUIRE_POSTGRES=1
// asks for it (starting a cluster is slow), on PostgreSQL.
func benchEngines(b *testing.B, bench func(*testing.B, *store.DB)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = storetest.NewSQLite(b)
			} else {
				if !storetest.RequirePostgres() {
					b.Skip("PostgreSQL: set HIKESHI_REQUIRE_POSTGRES=1")
				}
				db = storetest.NewPostgres(b)
			}
			bench(b, db)
		})
	}
}

func benchDashboard(b *testing.B, db *store.DB) {
	ctx := context.Background()
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	depts := make([]string, 10)
	for i := range depts {
		depts[i] = hikeshi.NewID()
	}
	seedRows(b, db, "departments", "id, name, kind, created_at, updated_at", len(depts), func(i int) []any {
		return []any{depts[i], fmt.Sprint("部門", i), "business_unit", now, now}
	})
	users := make([]string, 100)
	for i := range users {
		users[i] = hikeshi.NewID()
	}
	seedRows(b, db, "users", "id, email, name, role, department_id, created_at, updated_at", len(users), func(i int) []any {
		return []any{users[i], fmt.Sprintf("u%d@example.org", i), fmt.Sprint("u", i), "member", depts[i%len(depts)], now, now}
	})
	const n = 20000
	ids := make([]string, n)
	cats := []string{"phishing", "malware", "ddos", "data-leak", "other"}
	tlps := []string{"CLEAR", "GREEN", "AMBER", "RED"}
	seedRows(b, db, "incidents", "id, number, title, category, impact, urgency, priority, tlp, phase, created_at, updated_at, "+
		"reported_at, triaged_at, first_response_at, contained_at, recovered_at", n, func(i int) []any {
		ids[i] = hikeshi.NewID()
		rep := now.Add(-time.Duration(i) * 730 * 24 * time.Hour / n) // two years, half in the period
		h := time.Duration(1+i%7) * time.Hour
		return []any{ids[i], fmt.Sprintf("INC-B-%06d", i), "t", cats[i%len(cats)], 2, 2, 1 + i%4, tlps[i%len(tlps)], "recovery",
			rep, rep, rep, rep.Add(h), rep.Add(2 * h), rep.Add(5 * h), rep.Add(9 * h)}
	})
	seedRows(b, db, "tasks", "id, incident_id, title, department_id, due_sort, status, created_at, updated_at", n, func(i int) []any {
		return []any{hikeshi.NewID(), ids[i], "t", depts[i%len(depts)], "~", "open", now, now}
	})
	const nr = 5000
	rids := make([]string, nr)
	seedRows(b, db, "reports", "id, number, source, status, description, noticed_at, reported_at, anonymous, reporter_user_id, followup_hash, submission_hash, created_at, updated_at",
		nr, func(i int) []any {
			rids[i] = hikeshi.NewID()
			rep := now.Add(-time.Duration(i) * 365 * 24 * time.Hour / nr)
			var user any = users[i%len(users)]
			anon := 0
			if i%5 == 0 {
				user, anon = nil, 1
			}
			return []any{rids[i], fmt.Sprintf("RPT-B-%06d", i), "employee", "closed", "d", rep.Add(-time.Hour), rep, anon, user,
				"f" + rids[i], "s" + rids[i], rep, rep}
		})
	seedRows(b, db, "report_messages", "id, report_id, author, body, created_at", nr, func(i int) []any {
		return []any{hikeshi.NewID(), rids[i], "csirt", "b", now.Add(-time.Duration(i) * 365 * 24 * time.Hour / nr).Add(time.Hour)}
	})
	for _, days := range []int{90, 365} {
		b.Run(fmt.Sprint(days, "days"), func(b *testing.B) {
			from := now.Add(-time.Duration(days) * 24 * time.Hour)
			b.ResetTimer()
			for range b.N {
				times, err := db.DashboardIncidentTimes(ctx, from, now)
				if err != nil || len(times) < days*n/730-10 {
					b.Fatalf("%d %v", len(times), err)
				}
				if _, err := db.DashboardCategories(ctx, from, now); err != nil {
					b.Fatal(err)
				}
				if _, err := db.DashboardDepartments(ctx, from, now); err != nil {
					b.Fatal(err)
				}
				if _, err := db.DashboardClocks(ctx, now); err != nil {
					b.Fatal(err)
				}
				if _, _, err := db.DashboardReporting(ctx, from, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
