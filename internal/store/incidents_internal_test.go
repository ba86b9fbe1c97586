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
		query, args := incidentsQuery(db.d, f)
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
		// Merging the two streams of a restricted viewer's page sorts at most
		// twice the limit of rows, never the table.
		merged := strings.NewReplacer("SCAN u; USE TEMP B-TREE FOR ORDER BY", "", "SCAN r; USE TEMP B-TREE FOR ORDER BY", "").Replace(all)
		if strings.Contains(merged, "TEMP B-TREE") || !strings.Contains(all, "USING") ||
			strings.Contains(all, "SCAN m") || strings.Contains(all, "incidents_phase_idx (phase=? AND id<") {
			t.Errorf("%s: plan %q", name, all)
		}
		if !f.SeeRestricted && !f.MemberOnly && (!strings.Contains(all, "incidents_unrestricted") ||
			!strings.Contains(all, "SEARCH m USING COVERING INDEX incident_members_user_idx")) {
			t.Errorf("%s: the page is not merged from the unrestricted index and the viewer's memberships: %q", name, all)
		}
		t.Logf("%s: %s", name, all)
	}
}
