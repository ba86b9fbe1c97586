package store

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestTriageQueuePlan checks on SQLite that the triage queue walks the
// partial index of waiting reports in order: no temporary B-tree for the
// ORDER BY and no scan of the reports table.
func TestTriageQueuePlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, p := range map[string]hikeshi.Page{
		"first page": {Limit: 50},
		"next page":  {After: hikeshi.NewID(), Limit: 50},
	} {
		query, args := triageQueueQuery(db.d, p)
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
		if strings.Contains(all, "TEMP B-TREE") || !strings.Contains(all, "reports_triage_queue_idx") {
			t.Errorf("%s: plan %q", name, all)
		}
		t.Logf("%s: %s", name, all)
	}
}
