package store

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestLessonListPlan checks on SQLite that every form of the lessons list
// walks one index in order and stops at the limit: no temporary B-tree for
// the ORDER BY, no full scan of incidents or incident_members.
func TestLessonListPlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, f := range map[string]hikeshi.LessonFilter{
		"csirt":            {SeeRestricted: true},
		"csirt, next page": {SeeRestricted: true, Page: hikeshi.Page{After: hikeshi.NewID()}},
		"viewer":           {ViewerID: "u"},
		"by status":        {ViewerID: "u", Status: hikeshi.LessonAccepted, Page: hikeshi.Page{After: hikeshi.NewID()}},
		"one incident":     {SeeRestricted: true, IncidentID: hikeshi.NewID()},
	} {
		query, args := lessonsQuery(f)
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
			strings.Contains(all, "SCAN m") || strings.Contains(all, "SCAN i") {
			t.Errorf("%s: plan %q", name, all)
		}
		t.Logf("%s: %s", name, all)
	}
}
