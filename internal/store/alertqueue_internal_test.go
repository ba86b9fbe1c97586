package store

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestAlertQueuePlans checks on SQLite that the queue's lists walk an index
// in id order from the cursor and stop at the limit: no temporary B-tree for
// the ORDER BY, whatever the filter.
func TestAlertQueuePlans(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plan := func(query string, args []any) string {
		rows, err := db.readers.QueryContext(ctx, db.d.rebind("EXPLAIN QUERY PLAN "+query), args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	after := hikeshi.Page{After: hikeshi.NewID()}
	for name, c := range map[string]struct {
		f    hikeshi.AlertEventFilter
		want string
	}{
		"open queue":          {hikeshi.AlertEventFilter{Status: hikeshi.EventOpen, Page: after}, "alert_events_status_idx (status=? AND id<?)"},
		"open, critical":      {hikeshi.AlertEventFilter{Status: hikeshi.EventOpen, Severity: hikeshi.SeverityCritical}, "alert_events_status_idx (status=?)"},
		"every status":        {hikeshi.AlertEventFilter{Page: after}, "alert_events"},
		"every status, by ff": {hikeshi.AlertEventFilter{Format: hikeshi.FormatSuricata}, "alert_events"},
	} {
		q, args := alertEventsQuery(c.f)
		p := plan(q, args)
		if strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, c.want) {
			t.Errorf("%s: plan %q", name, p)
		}
		t.Logf("%s: %s", name, p)
	}
	for name, c := range map[string]struct {
		f    hikeshi.AlertFilter
		want string
		sort bool // the rows found are few and sorted
	}{
		"of an event": {hikeshi.AlertFilter{EventID: hikeshi.NewID(), Page: after}, "alerts_event_idx (event_id=? AND id<?)", false},
		"all":         {hikeshi.AlertFilter{Page: after}, "alerts", false},
		// Few rows share a fingerprint: sorting them beats walking every id.
		"of a fingerprint": {hikeshi.AlertFilter{Fingerprint: "x", Page: after}, "alerts_fp_key_idx (fp_key=?)", true},
	} {
		q, args := alertsQuery(db.d, c.f)
		p := plan(q, args)
		if strings.Contains(p, "TEMP B-TREE") != c.sort || !strings.Contains(p, c.want) {
			t.Errorf("%s: plan %q", name, p)
		}
		t.Logf("%s: %s", name, p)
	}
}
