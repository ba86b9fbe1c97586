package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestAlertQueueQueries: events list newest first by keyset and filters,
// alerts round-trip with observables, labels and raw JSON, a decision is
// recorded once (a second is a conflict), senders and suppression rules
// round-trip and change, on both engines.
func TestAlertQueueQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
		snd := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: "監視 Prometheus", Format: hikeshi.FormatAlertmanager, TokenHash: "aa", TokenHint: "WXYZ",
			Window: time.Hour, CreatedAt: now, UpdatedAt: now}
		sup := hikeshi.AlertSuppression{ID: hikeshi.NewID(), Name: "scanner", Rule: "2024*", Host: "ids-*", Reason: "known scanner",
			ExpiresAt: now.Add(24 * time.Hour), CreatedAt: now, UpdatedAt: now}
		var evs []hikeshi.AlertEvent
		for i, x := range []struct {
			f   hikeshi.AlertFormat
			sev hikeshi.AlertSeverity
		}{{hikeshi.FormatGeneric, hikeshi.SeverityHigh}, {hikeshi.FormatSuricata, hikeshi.SeverityLow}, {hikeshi.FormatGeneric, hikeshi.SeverityCritical}} {
			evs = append(evs, hikeshi.AlertEvent{ID: hikeshi.NewID(), Number: hikeshi.AlertEventNumber(2026, int64(i+1)), GroupKey: "k" + string(rune('a'+i)),
				Title: "<b>event</b>", Format: x.f, Severity: x.sev, Status: hikeshi.EventOpen, Alerts: 1, Occurrences: 2,
				FirstSeen: now, LastSeen: now.Add(time.Minute), CreatedAt: now, UpdatedAt: now})
		}
		al := hikeshi.Alert{ID: hikeshi.NewID(), EventID: evs[0].ID, SenderID: snd.ID, Format: hikeshi.FormatGeneric, Fingerprint: "fp1", Rule: "r",
			Title: "ログイン失敗", Description: "d", Severity: hikeshi.SeverityHigh, Status: hikeshi.AlertFiring, Host: "h",
			Observables: []hikeshi.AlertObservable{{Type: hikeshi.ObservableIP, Value: "192.0.2.1"}}, Labels: map[string]string{"部署": "経理"},
			Raw: []byte(`{"title":"ログイン失敗"}`), OccurredAt: now, FirstSeen: now, LastSeen: now, Count: 2}
		al2 := al
		al2.ID, al2.EventID, al2.Fingerprint, al2.SuppressedBy, al2.Observables, al2.Labels = hikeshi.NewID(), "", "fp2", sup.ID, nil, nil
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateAlertSender(ctx, snd); err != nil {
				return err
			}
			if err := tx.CreateAlertSuppression(ctx, sup); err != nil {
				return err
			}
			return tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{NewEvents: evs, NewAlerts: []hikeshi.Alert{al, al2}})
		}); err != nil {
			t.Fatal(err)
		}

		page, err := db.FindAlertEvents(ctx, hikeshi.AlertEventFilter{Page: hikeshi.Page{Limit: 2}})
		if err != nil || len(page) != 2 || page[0].ID != evs[2].ID || page[1].ID != evs[1].ID {
			t.Fatalf("first page %+v %v", page, err)
		}
		page, err = db.FindAlertEvents(ctx, hikeshi.AlertEventFilter{Page: hikeshi.Page{Limit: 2, After: page[1].ID}})
		if err != nil || len(page) != 1 || page[0].ID != evs[0].ID || page[0].Title != "<b>event</b>" || page[0].Occurrences != 2 {
			t.Fatalf("second page %+v %v", page, err)
		}
		for _, c := range []struct {
			f    hikeshi.AlertEventFilter
			want int
		}{
			{hikeshi.AlertEventFilter{Status: hikeshi.EventOpen}, 3},
			{hikeshi.AlertEventFilter{Status: hikeshi.EventDismissed}, 0},
			{hikeshi.AlertEventFilter{Format: hikeshi.FormatGeneric}, 2},
			{hikeshi.AlertEventFilter{Severity: hikeshi.SeverityLow, Status: hikeshi.EventOpen}, 1},
		} {
			got, err := db.FindAlertEvents(ctx, c.f)
			if err != nil || len(got) != c.want {
				t.Errorf("%+v: %d %v", c.f, len(got), err)
			}
		}

		as, err := db.FindAlerts(ctx, hikeshi.AlertFilter{EventID: evs[0].ID})
		if err != nil || len(as) != 1 {
			t.Fatalf("alerts of event: %+v %v", as, err)
		}
		got := as[0]
		if got.Title != "ログイン失敗" || got.Labels["部署"] != "経理" || len(got.Observables) != 1 || got.Observables[0].Value != "192.0.2.1" ||
			string(got.Raw) != string(al.Raw) || got.Count != 2 || got.SenderID != snd.ID || !got.OccurredAt.Equal(now) {
			t.Errorf("alert %+v", got)
		}
		if as, err = db.FindAlerts(ctx, hikeshi.AlertFilter{Fingerprint: "fp2"}); err != nil || len(as) != 1 || as[0].SuppressedBy != sup.ID || as[0].EventID != "" {
			t.Errorf("by fingerprint %+v %v", as, err)
		}
		if as, err = db.FindAlerts(ctx, hikeshi.AlertFilter{Format: hikeshi.FormatGeneric, Page: hikeshi.Page{Limit: 1}}); err != nil || len(as) != 1 || as[0].ID != al2.ID {
			t.Errorf("by format %+v %v", as, err)
		}
		if _, err := db.FindAlert(ctx, "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing alert: %v", err)
		}

		// A decision is recorded once.
		d := evs[1]
		d.Status, d.Reason, d.DecidedAt, d.UpdatedAt = hikeshi.EventDismissed, "誤検知", now.Add(time.Hour), now.Add(time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DecideAlertEvent(ctx, d) }); err != nil {
			t.Fatal(err)
		}
		e, err := db.FindAlertEvent(ctx, d.ID)
		if err != nil || e.Status != hikeshi.EventDismissed || e.Reason != "誤検知" || !e.DecidedAt.Equal(now.Add(time.Hour)) || e.Alerts != 1 {
			t.Errorf("decided %+v %v", e, err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DecideAlertEvent(ctx, d) })
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("second decision: %v", err)
		}
		d.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DecideAlertEvent(ctx, d) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing event: %v", err)
		}
		if open, _ := db.FindAlertEvents(ctx, hikeshi.AlertEventFilter{Status: hikeshi.EventOpen}); len(open) != 2 {
			t.Errorf("open after dismissal: %d", len(open))
		}

		// Senders and rules.
		snd.Name, snd.TokenHash, snd.TokenHint, snd.Window, snd.DisabledAt = "renamed", "bb", "ABCD", 2*time.Hour, now
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateAlertSender(ctx, snd) }); err != nil {
			t.Fatal(err)
		}
		ss, err := db.FindAlertSenders(ctx)
		if err != nil || len(ss) != 1 || ss[0].Name != "renamed" || ss[0].TokenHash != "bb" || ss[0].Window != 2*time.Hour || !ss[0].DisabledAt.Equal(now) {
			t.Errorf("senders %+v %v", ss, err)
		}
		if _, err := db.FindAlertSender(ctx, "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing sender: %v", err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DisableAlertSuppression(ctx, sup.ID, now) }); err != nil {
			t.Fatal(err)
		}
		rules, err := db.FindAlertSuppressions(ctx, hikeshi.Page{})
		if err != nil || len(rules) != 1 || !rules[0].DisabledAt.Equal(now) || rules[0].Reason != "known scanner" || !rules[0].ExpiresAt.Equal(now.Add(24*time.Hour)) {
			t.Errorf("rules %+v %v", rules, err)
		}
		if r, err := db.FindAlertSuppression(ctx, sup.ID); err != nil || r.Rule != "2024*" {
			t.Errorf("rule %+v %v", r, err)
		}
	})
}
