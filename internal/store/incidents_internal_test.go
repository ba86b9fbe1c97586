package store

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestIncidentListPlan checks on SQLite that every form of the incident list
// walks one index in order and stops at the limit: no temporary B-tree for
// the ORDER BY, no full scan of incident_members.
func TestIncidentListPlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, f := range map[string]hikeshi.IncidentFilter{
		"csirt":            {SeeRestricted: true},
		"csirt, next page": {SeeRestricted: true, Page: hikeshi.Page{After: hikeshi.NewID()}},
		"viewer":           {ViewerID: "u"},
		"member only":      {ViewerID: "u", MemberOnly: true},
		"by phase":         {ViewerID: "u", Phase: hikeshi.PhaseRecovery, Page: hikeshi.Page{After: hikeshi.NewID()}},
	} {
		query, args := incidentsQuery(f)
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
		if strings.Contains(all, "TEMP B-TREE") || !strings.Contains(all, "USING") ||
			strings.Contains(all, "SCAN m") {
			t.Errorf("%s: plan %q", name, all)
		}
		t.Logf("%s: %s", name, all)
	}
}
