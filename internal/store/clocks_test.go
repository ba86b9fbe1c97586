package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestClocksFactsAndNotifications(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		viewer := mkUser(t, db, "viewer@example.org")
		other := mkUser(t, db, "other@example.org")
		green, red := newIncident(1, t0, hikeshi.TLPGreen), newIncident(2, t0, hikeshi.TLPRed)
		var clocks []hikeshi.IncidentClock
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, inc := range []hikeshi.Incident{green, red} {
				if err := tx.CreateIncident(ctx, inc); err != nil {
					return err
				}
			}
			// Six clocks, two of them with the same due time (ordered by id),
			// one stopped and one withdrawn.
			for i, k := range []hikeshi.ClockKind{hikeshi.ClockTriage, hikeshi.ClockFirstResponse, hikeshi.ClockContainment, hikeshi.ClockGDPR} {
				for _, inc := range []hikeshi.Incident{green, red} {
					c := hikeshi.IncidentClock{ID: hikeshi.NewID(), IncidentID: inc.ID, Kind: k, StartedAt: t0,
						DueAt: t0.Add(time.Duration(i) * time.Hour), CreatedAt: t0, UpdatedAt: t0}
					time.Sleep(2 * time.Millisecond)
					if err := tx.CreateClock(ctx, c); err != nil {
						return err
					}
					clocks = append(clocks, c)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// One kind per incident.
		dup := clocks[0]
		dup.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateClock(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a second triage clock: %v", err)
		}
		stopped, withdrawn := clocks[2], clocks[4] // green first response, green containment
		stopped.StoppedAt, stopped.Reference, stopped.DoneBy, stopped.DoneAt = t0.Add(time.Minute), "参照 <1>", viewer.ID, t0.Add(2*time.Minute)
		withdrawn.WithdrawnAt = t0.Add(time.Minute)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.UpdateClock(ctx, stopped); err != nil {
				return err
			}
			return tx.UpdateClock(ctx, withdrawn)
		}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindClockByID(ctx, stopped.ID)
		if err != nil || !cmp.Equal(got, stopped) {
			t.Errorf("round trip: %s %v", cmp.Diff(stopped, got), err)
		}
		if _, err := db.FindClockByID(ctx, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing clock: %v", err)
		}
		list, err := db.FindIncidentClocks(ctx, green.ID)
		if err != nil || len(list) != 4 || list[0].Kind != hikeshi.ClockTriage || list[3].Kind != hikeshi.ClockGDPR {
			t.Errorf("FindIncidentClocks: %v %v", list, err)
		}

		// The due list: running clocks by (due, id), RED only for members
		// or with SeeRestricted, paged by the cursor.
		ids := func(ds []hikeshi.DueClock) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.Clock.ID)
			}
			return out
		}
		all, err := db.FindDueClocks(ctx, hikeshi.DueFilter{SeeRestricted: true})
		want := []string{clocks[0].ID, clocks[1].ID, clocks[3].ID, clocks[5].ID, clocks[6].ID, clocks[7].ID}
		if err != nil || !cmp.Equal(ids(all), want) {
			t.Errorf("due (all): %v, want %v, %v", ids(all), want, err)
		}
		if all[0].Number != green.Number || all[0].TLP != hikeshi.TLPGreen || all[0].Priority != green.Priority {
			t.Errorf("due item: %+v", all[0])
		}
		seen, err := db.FindDueClocks(ctx, hikeshi.DueFilter{ViewerID: viewer.ID})
		if err != nil || !cmp.Equal(ids(seen), []string{clocks[0].ID, clocks[6].ID}) {
			t.Errorf("due (viewer, not a member): %v %v", ids(seen), err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: red.ID, UserID: viewer.ID, AddedAt: t0})
		}); err != nil {
			t.Fatal(err)
		}
		seen, _ = db.FindDueClocks(ctx, hikeshi.DueFilter{ViewerID: viewer.ID})
		if len(seen) != 6 {
			t.Errorf("due (viewer, member): %v", ids(seen))
		}
		var paged []string
		f := hikeshi.DueFilter{SeeRestricted: true, Limit: 4}
		for range 5 {
			page, err := db.FindDueClocks(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, ids(page)...)
			if len(page) < f.Limit {
				break
			}
			f.AfterDue, f.AfterID = page[len(page)-1].Clock.DueAt, page[len(page)-1].Clock.ID
		}
		if !cmp.Equal(paged, want) {
			t.Errorf("paged due list %v, want %v", paged, want)
		}

		// Facts: none is ErrNotFound; put twice replaces.
		if _, err := db.FindIncidentFacts(ctx, green.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("no facts: %v", err)
		}
		facts := hikeshi.IncidentFacts{IncidentID: green.ID, PersonalData: true, Malicious: true, NIS2: true, AwareAt: t0, UpdatedBy: viewer.ID, UpdatedAt: t0}
		for _, fs := range []hikeshi.IncidentFacts{{IncidentID: green.ID, GDPR: true, UpdatedAt: t0}, facts} {
			if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.PutIncidentFacts(ctx, fs) }); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := db.FindIncidentFacts(ctx, green.ID); err != nil || !cmp.Equal(got, facts) {
			t.Errorf("facts: %s %v", cmp.Diff(facts, got), err)
		}

		// Notifications: once per (clock, stage, due, user).
		n := hikeshi.Notification{ID: hikeshi.NewID(), UserID: viewer.ID, Stage: hikeshi.StageRemind, IncidentID: green.ID,
			ClockID: clocks[0].ID, ClockKind: clocks[0].Kind, DueAt: clocks[0].DueAt, TextKey: "clocks.notification.remind",
			Args: []string{green.Number, "<b>"}, CreatedAt: t0}
		var created []bool
		for _, m := range []hikeshi.Notification{n, {ID: hikeshi.NewID(), UserID: n.UserID, Stage: n.Stage, IncidentID: n.IncidentID,
			ClockID: n.ClockID, ClockKind: n.ClockKind, DueAt: n.DueAt, TextKey: n.TextKey, CreatedAt: t0.Add(time.Second)}} {
			if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
				c, err := tx.CreateNotification(ctx, m)
				created = append(created, c)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if !cmp.Equal(created, []bool{true, false}) {
			t.Errorf("created %v", created)
		}
		later := n
		later.ID, later.DueAt = hikeshi.NewID(), n.DueAt.Add(time.Hour) // a rescheduled clock notifies again
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			c, err := tx.CreateNotification(ctx, later)
			if !c {
				t.Error("a notification for a new due time was not created")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindNotificationByID(ctx, n.ID); err != nil || !cmp.Equal(got, n) {
			t.Errorf("notification: %s %v", cmp.Diff(n, got), err)
		}
		if c, _ := db.CountUnreadNotifications(ctx, viewer.ID, 1); c != 1 {
			t.Errorf("count stops at the limit: %d", c)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkNotificationRead(ctx, n.ID, other.ID, t0) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another user's notification marked read: %v", err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkNotificationRead(ctx, n.ID, viewer.ID, t0.Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		unread, err := db.FindNotifications(ctx, hikeshi.NotificationFilter{UserID: viewer.ID, UnreadOnly: true})
		if err != nil || len(unread) != 1 || unread[0].ID != later.ID {
			t.Errorf("unread: %v %v", unread, err)
		}
		var marked int
		if err := db.InTx(ctx, func(tx hikeshi.Tx) (err error) {
			marked, err = tx.MarkAllNotificationsRead(ctx, viewer.ID, t0)
			return err
		}); err != nil || marked != 1 {
			t.Errorf("mark all: %d %v", marked, err)
		}
		if c, _ := db.CountUnreadNotifications(ctx, viewer.ID, 99); c != 0 {
			t.Errorf("unread after all read: %d", c)
		}
		if l, _ := db.FindNotifications(ctx, hikeshi.NotificationFilter{UserID: other.ID}); len(l) != 0 {
			t.Errorf("another user's list: %v", l)
		}
	})
}

// BenchmarkDueList measures one page of the due list (visibility filtered,
// from a cursor in the middle) over 30,000 running clocks of 10,000 incidents.
func BenchmarkDueList(b *testing.B) {
	db := storetest.NewSQLite(b)
	ctx := context.Background()
	viewer := mkUser(b, db, "viewer@example.org")
	var mid hikeshi.IncidentClock
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		for i := range 10000 {
			tlp := hikeshi.TLPGreen
			if i%5 == 0 {
				tlp = hikeshi.TLPRed
			}
			inc := newIncident(i+1, t0, tlp)
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
			for j, k := range []hikeshi.ClockKind{hikeshi.ClockTriage, hikeshi.ClockFirstResponse, hikeshi.ClockContainment} {
				c := hikeshi.IncidentClock{ID: hikeshi.NewID(), IncidentID: inc.ID, Kind: k, StartedAt: t0,
					DueAt: t0.Add(time.Duration(i*3+j) * time.Minute), CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateClock(ctx, c); err != nil {
					return err
				}
				if i == 5000 && j == 0 {
					mid = c
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		page, err := db.FindDueClocks(ctx, hikeshi.DueFilter{AfterDue: mid.DueAt, AfterID: mid.ID, ViewerID: viewer.ID, Limit: 50})
		if err != nil || len(page) != 50 {
			b.Fatalf("%d, %v", len(page), err)
		}
	}
}
