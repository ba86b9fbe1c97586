package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

// TestDueListPlan checks on SQLite that the due list walks the partial
// index of running clocks in (due_at, id) order from the cursor and stops at
// the limit: no temporary B-tree for the ORDER BY, no scan of incidents.
func TestDueListPlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, f := range map[string]hikeshi.DueFilter{
		"csirt":             {SeeRestricted: true},
		"csirt, next page":  {SeeRestricted: true, AfterDue: time.Now(), AfterID: hikeshi.NewID()},
		"viewer, next page": {ViewerID: "u", AfterDue: time.Now(), AfterID: hikeshi.NewID()},
	} {
		query, args := dueQuery(db.d, f)
		rows, err := db.readers.QueryContext(ctx, db.d.rebind("EXPLAIN QUERY PLAN "+query), args...)
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
		if strings.Contains(all, "TEMP B-TREE") || !strings.Contains(all, "incident_clocks_due_idx") || strings.Contains(all, "SCAN i") ||
			(strings.Contains(name, "next page") && !strings.Contains(all, "SEARCH c USING INDEX incident_clocks_due_idx (due_at>?)")) {
			t.Errorf("%s: plan %q", name, all)
		}
		t.Logf("%s: %s", name, all)
	}
}
