package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestAlertIntakeStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
		snd := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: "s", Format: hikeshi.FormatGeneric, TokenHash: "ab12", TokenHint: "ab12",
			Window: time.Hour, CreatedAt: at, UpdatedAt: at}
		ev := hikeshi.AlertEvent{ID: hikeshi.NewID(), Number: hikeshi.AlertEventNumber(2026, 1), GroupKey: "generic\x1fr\x1fh", Title: "t",
			Format: hikeshi.FormatGeneric, Severity: hikeshi.SeverityLow, Status: hikeshi.EventOpen, Alerts: 1, Occurrences: 1,
			FirstSeen: at, LastSeen: at, CreatedAt: at, UpdatedAt: at}
		old := hikeshi.Alert{ID: hikeshi.NewID(), EventID: ev.ID, SenderID: snd.ID, Format: hikeshi.FormatGeneric, Fingerprint: "fp1", Rule: "r",
			Title: "t", Severity: hikeshi.SeverityLow, Status: hikeshi.AlertFiring, Host: "h", Labels: map[string]string{"k": "v"},
			Observables: []hikeshi.AlertObservable{{Type: hikeshi.ObservableIP, Value: "192.0.2.1"}}, Raw: []byte(`{"x":"\u0000"}`),
			OccurredAt: at, FirstSeen: at, LastSeen: at, Count: 1}
		newer := old
		newer.ID, newer.FirstSeen, newer.LastSeen = hikeshi.NewID(), at.Add(2*time.Hour), at.Add(2*time.Hour)
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateIntakeSender(ctx, snd); err != nil {
				return err
			}
			first, err := tx.ReserveCounter(ctx, hikeshi.AlertEventCounter(2026), 3)
			if err != nil || first != 1 {
				t.Errorf("first reservation %d %v", first, err)
			}
			if first, err = tx.ReserveCounter(ctx, hikeshi.AlertEventCounter(2026), 2); err != nil || first != 4 {
				t.Errorf("second reservation %d %v", first, err)
			}
			if _, err := tx.ReserveCounter(ctx, "x", 0); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("reserve 0: %v", err)
			}
			if _, err := tx.LockIntake(ctx); err != nil {
				return err
			}
			return tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{NewEvents: []hikeshi.AlertEvent{ev}, NewAlerts: []hikeshi.Alert{old, newer}})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindIntakeSender(ctx, "ab12")
		if err != nil || got.ID != snd.ID || got.Window != time.Hour {
			t.Fatalf("sender %+v %v", got, err)
		}
		if _, err := db.FindIntakeSender(ctx, "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown token hash: %v", err)
		}
		heads, err := db.FindIntakeHeads(ctx, []string{"fp1", "fp-none"})
		if err != nil || len(heads) != 1 || heads["fp1"].ID != newer.ID || heads["fp1"].EventNumber != ev.Number {
			t.Fatalf("heads %+v %v", heads, err)
		}
		open, err := db.FindIntakeOpenEvents(ctx, []string{ev.GroupKey, "other"})
		if err != nil || len(open) != 1 || open[ev.GroupKey].ID != ev.ID || open[ev.GroupKey].Severity != hikeshi.SeverityLow {
			t.Fatalf("open events %+v %v", open, err)
		}

		// Repeats, totals and a severity raise; then a repeat of a row that
		// is gone is ErrNotFound and rolls the batch back.
		later := at.Add(3 * time.Hour)
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{
				Bumps:   []hikeshi.AlertBump{{ID: newer.ID, Count: 4, LastSeen: later, Status: hikeshi.AlertResolved}},
				Events:  []hikeshi.AlertEventDelta{{ID: ev.ID, Alerts: 0, Occurrences: 4, LastSeen: later, Severity: hikeshi.SeverityHigh}},
				Senders: []hikeshi.AlertSenderTouch{{ID: snd.ID, At: later}},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.FindIntakeAlerts(ctx, "fp1")
		if err != nil || len(rows) != 2 || rows[0].ID != newer.ID || rows[0].Count != 5 || rows[0].Status != hikeshi.AlertResolved ||
			!rows[0].LastSeen.Equal(later) || rows[1].Count != 1 || rows[1].Labels["k"] != "v" || rows[1].Observables[0].Value != "192.0.2.1" ||
			string(rows[1].Raw) != `{"x":"\u0000"}` {
			t.Fatalf("rows %+v %v", rows, err)
		}
		e, err := db.FindIntakeEvent(ctx, ev.ID)
		if err != nil || e.Occurrences != 5 || e.Alerts != 1 || e.Severity != hikeshi.SeverityHigh || !e.LastSeen.Equal(later) {
			t.Fatalf("event %+v %v", e, err)
		}
		if got, _ := db.FindIntakeSender(ctx, "ab12"); !got.LastAlertAt.Equal(later) {
			t.Errorf("last alert at %v", got.LastAlertAt)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{
				Bumps: []hikeshi.AlertBump{{ID: newer.ID, Count: 1, LastSeen: later, Status: hikeshi.AlertFiring}, {ID: hikeshi.NewID(), Count: 1, LastSeen: later, Status: hikeshi.AlertFiring}},
			})
		})
		if !errors.Is(err, hikeshi.ErrNotFound) {
			t.Fatalf("repeat of a missing row: %v", err)
		}
		if rows, _ := db.FindIntakeAlerts(ctx, "fp1"); rows[0].Count != 5 {
			t.Errorf("the failed batch changed count to %d", rows[0].Count)
		}

		// The benchmark's baseline copies the table and re-inserts the rows.
		n, d, err := db.IntakeBaseline(ctx, snd.ID, 1)
		if err != nil || n != 2 || d <= 0 {
			t.Fatalf("baseline %d %v %v", n, d, err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := db.IntakeBaseline(cancelled, snd.ID, 1); !errors.Is(err, context.Canceled) {
			t.Errorf("baseline with a cancelled context: %v", err)
		}
	})
}

// TestAlertFingerprintKeysCollide checks that the look-ups by fingerprint
// compare the fingerprint, not only its key: a row whose fp_key is another
// fingerprint's (as a 64-bit collision would make it) is never taken for
// that fingerprint's row.
func TestAlertFingerprintKeysCollide(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
		row := func(fp string, seen time.Time) hikeshi.Alert {
			return hikeshi.Alert{ID: hikeshi.NewID(), Format: hikeshi.FormatGeneric, Fingerprint: fp, Title: fp, Severity: hikeshi.SeverityLow,
				Status: hikeshi.AlertFiring, OccurredAt: at, FirstSeen: at, LastSeen: seen, Count: 1}
		}
		mine, other := row("mine", at), row("other", at.Add(time.Hour)) // other is newer: a key-only look-up would pick it
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{NewAlerts: []hikeshi.Alert{mine, other}})
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, "UPDATE alerts SET fp_key = ? WHERE id = ?", store.FingerprintKey("mine"), other.ID); err != nil {
			t.Fatal(err)
		}
		heads, err := db.FindIntakeHeads(ctx, []string{"mine"})
		if err != nil || len(heads) != 1 || heads["mine"].ID != mine.ID {
			t.Errorf("heads of mine: %+v %v", heads, err)
		}
		if heads, err := db.FindIntakeHeads(ctx, []string{"other"}); err != nil || len(heads) != 0 {
			t.Errorf("other's key was changed, so it is not found by it: %+v %v", heads, err)
		}
		if rows, err := db.FindIntakeAlerts(ctx, "mine"); err != nil || len(rows) != 1 || rows[0].ID != mine.ID {
			t.Errorf("rows of mine: %+v %v", rows, err)
		}
		if rows, err := db.FindAlerts(ctx, hikeshi.AlertFilter{Fingerprint: "mine"}); err != nil || len(rows) != 1 || rows[0].ID != mine.ID {
			t.Errorf("alert list by fingerprint: %+v %v", rows, err)
		}
	})
}

// TestMigrationFillsFingerprintKeys stores alerts as a release before
// migration 31 did (no fp_key), migrates, and checks that de-duplication
// finds them by their new keys.
func TestMigrationFillsFingerprintKeys(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opts func(t *testing.T) store.Options
	}{
		{"sqlite", func(t *testing.T) store.Options { return store.Options{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Options { return store.Options{DB: storetest.NewPostgresURL(t)} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts(t)
			old, err := store.OpenAtVersion(ctx, o, 30)
			if err != nil {
				t.Fatal(err)
			}
			at := hikeshi.FormatTime(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
			var ids []string
			// More rows than one page of the migration's step.
			for start := 0; start < 2500; start += 500 {
				var q strings.Builder
				var args []any
				q.WriteString("INSERT INTO alerts (id, format, fingerprint, title, severity, status, occurred_at, first_seen, last_seen) VALUES ")
				for i := start; i < start+500; i++ {
					if i > start {
						q.WriteString(", ")
					}
					q.WriteString("(?, 'generic', ?, 't', 'low', 'firing', ?, ?, ?)")
					id := hikeshi.NewID()
					ids = append(ids, id)
					args = append(args, id, fmt.Sprintf("fp-%d", i), at, at, at)
				}
				if err := old.ExecForTest(ctx, q.String(), args...); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := old.SchemaVersion(ctx); err != nil || v != 30 {
				t.Fatalf("schema version %d %v", v, err)
			}
			old.Close()

			var log bytes.Buffer
			o.Log = slog.New(slog.NewTextHandler(&log, nil))
			db, err := store.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// The operator is told that this migration rewrites rows.
			if l := log.String(); !strings.Contains(l, "rewrites stored rows") || !strings.Contains(l, "migration=0031_alert_fingerprint_keys") ||
				!strings.Contains(l, "from=30 to=31") {
				t.Errorf("migration log:\n%s", l)
			}
			fps := []string{"fp-0", "fp-999", "fp-1000", "fp-2499", "fp-2500"}
			heads, err := db.FindIntakeHeads(ctx, fps)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"fp-0": ids[0], "fp-999": ids[999], "fp-1000": ids[1000], "fp-2499": ids[2499]}
			if len(heads) != len(want) {
				t.Errorf("found %d of %d fingerprints: %+v", len(heads), len(want), heads)
			}
			for fp, id := range want {
				if heads[fp].ID != id {
					t.Errorf("%s: head %q, want %q", fp, heads[fp].ID, id)
				}
			}
		})
	}
}
