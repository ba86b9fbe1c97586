package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestDashboardPlans logs (and checks) on SQLite how the dashboard's
// period statements run: a range of incidents_reported_idx, never a scan.
func TestDashboardPlans(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	for name, query := range map[string]string{"times": dashTimesQuery, "categories": dashCategoriesQuery,
		"departments": dashDepartmentsQuery, "no department": dashNoDepartmentQuery} {
		rows, err := db.readers.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, db.d.t(now.AddDate(-1, 0, 0)), db.d.t(now))
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		if strings.Contains(all, "SCAN") || !strings.Contains(all, "incidents_reported_idx") {
			t.Errorf("%s is not bounded by the period: %s", name, all)
		}
		t.Logf("%s: %s", name, all)
	}
}
