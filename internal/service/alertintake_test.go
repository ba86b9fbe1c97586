package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// intakeSender stores an alert sender with token and returns it.
func intakeSender(t *testing.T, db *store.DB, now time.Time, name string, f hikeshi.AlertFormat, token string, window time.Duration) hikeshi.AlertSender {
	t.Helper()
	s := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: name, Format: f, TokenHash: service.HashSecret(token),
		TokenHint: token[len(token)-4:], Window: window, CreatedAt: now, UpdatedAt: now}
	if err := db.InTx(context.Background(), func(tx hikeshi.Tx) error { return tx.CreateIntakeSender(context.Background(), s) }); err != nil {
		t.Fatal(err)
	}
	return s
}

func genericAlert(title, rule, host, severity, ip string) string {
	return fmt.Sprintf(`{"title":%q,"rule":%q,"host":%q,"severity":%q,"observables":[{"type":"ip","value":%q}]}`, title, rule, host, severity, ip)
}

func TestAlertIntakeDeduplicatesAndGroups(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		defer f.svc.AlertIntake.Close()
		in := f.svc.AlertIntake
		sender := intakeSender(t, db, f.clock.Now(), "zabbix", hikeshi.FormatGeneric, "hka_test_token_0001", time.Hour)
		src, err := in.Authenticate(ctx, "hka_test_token_0001")
		if err != nil || src.ID != sender.ID {
			t.Fatalf("authenticate: %+v %v", src, err)
		}
		from := service.IntakeSource{Sender: src, Actor: service.SenderActor(src)}
		before := f.auditCount(t)

		a := genericAlert("SSH brute force", "ssh-bf", "web01", "low", "203.0.113.7")
		b := genericAlert("SSH brute force", "ssh-bf", "WEB01", "high", "203.0.113.8") // same group (host case-insensitive), another fingerprint
		c := genericAlert("Disk full", "disk", "db01", "medium", "198.51.100.1")
		res, err := in.Receive(ctx, from, hikeshi.FormatGeneric, []byte("["+a+","+a+","+b+","+c+"]"))
		if err != nil {
			t.Fatal(err)
		}
		year := f.clock.Now().Year()
		if res.Accepted != 3 || res.Duplicates != 1 || res.Suppressed != 0 || len(res.Events) != 2 ||
			!res.Events[0].New || res.Events[0].Number != hikeshi.AlertEventNumber(year, 1) || res.Events[1].Number != hikeshi.AlertEventNumber(year, 2) {
			t.Fatalf("first batch: %+v", res)
		}
		if n := f.auditCount(t); n != before+1 {
			t.Errorf("audit entries %d → %d, want one per batch and sender", before, n)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: sender.ID})
		if len(recs) != 1 || recs[0].Action != "alert.receive" || !strings.Contains(recs[0].After, `"accepted":3`) ||
			strings.Contains(recs[0].After, "hka_test") || strings.Contains(recs[0].After, "SSH") || recs[0].ActorLabel != "alert sender zabbix" {
			t.Errorf("audit %+v", recs)
		}

		fpA := fingerprintOf(t, a)
		rows, err := db.FindIntakeAlerts(ctx, fpA)
		if err != nil || len(rows) != 1 || rows[0].Count != 2 || rows[0].SenderID != sender.ID || rows[0].EventID != res.Events[0].ID {
			t.Fatalf("alert A rows %+v %v", rows, err)
		}
		ev, err := db.FindIntakeEvent(ctx, res.Events[0].ID)
		if err != nil || ev.Alerts != 2 || ev.Occurrences != 3 || ev.Severity != hikeshi.SeverityHigh || ev.Status != hikeshi.EventOpen || ev.Title != "SSH brute force" {
			t.Fatalf("event %+v %v", ev, err)
		}

		// Within the window a repeat raises count and last_seen.
		f.clock.Advance(30 * time.Minute)
		res, err = in.Receive(ctx, from, hikeshi.FormatGeneric, []byte(a))
		if err != nil || res.Accepted != 0 || res.Duplicates != 1 || len(res.Events) != 1 || res.Events[0].ID != ev.ID || res.Events[0].New ||
			res.Events[0].Number != ev.Number {
			t.Fatalf("repeat: %+v %v", res, err)
		}
		rows, _ = db.FindIntakeAlerts(ctx, fpA)
		if len(rows) != 1 || rows[0].Count != 3 || !rows[0].LastSeen.Equal(f.clock.Now()) || rows[0].FirstSeen.Equal(rows[0].LastSeen) {
			t.Fatalf("after repeat %+v", rows)
		}
		// Outside the window it is a new row, in the same open event.
		f.clock.Advance(2 * time.Hour)
		res, err = in.Receive(ctx, from, hikeshi.FormatGeneric, []byte(`{"alerts":[`+a+`]}`))
		if err != nil || res.Accepted != 1 || res.Duplicates != 0 || res.Events[0].ID != ev.ID {
			t.Fatalf("after the window: %+v %v", res, err)
		}
		rows, _ = db.FindIntakeAlerts(ctx, fpA)
		if len(rows) != 2 || rows[0].Count != 1 || rows[1].Count != 3 {
			t.Fatalf("rows after the window %+v", rows)
		}
		ev, _ = db.FindIntakeEvent(ctx, ev.ID)
		if ev.Alerts != 3 || ev.Occurrences != 5 {
			t.Errorf("event after the window %+v", ev)
		}

		// The cache is not needed for correctness: a fresh service (as after a
		// restart) finds the same rows.
		again := service.New(db, service.Options{Clock: f.clock})
		defer again.AlertIntake.Close()
		f.clock.Advance(time.Minute)
		res, err = again.AlertIntake.Receive(ctx, from, hikeshi.FormatGeneric, []byte(a))
		if err != nil || res.Duplicates != 1 || res.Accepted != 0 {
			t.Fatalf("after restart %+v %v", res, err)
		}
		rows, _ = db.FindIntakeAlerts(ctx, fpA)
		if len(rows) != 2 || rows[0].Count != 2 {
			t.Fatalf("rows after restart %+v", rows)
		}

		// Resolved updates the alert's status.
		res, err = in.Receive(ctx, from, hikeshi.FormatGeneric, []byte(strings.TrimSuffix(a, "}")+`,"status":"resolved"}`))
		if err != nil || res.Duplicates != 1 {
			t.Fatalf("resolved %+v %v", res, err)
		}
		rows, _ = db.FindIntakeAlerts(ctx, fpA)
		if rows[0].Status != hikeshi.AlertResolved {
			t.Errorf("status %s, want resolved", rows[0].Status)
		}
	})
}

// fingerprintOf decodes one generic alert and returns its fingerprint.
func fingerprintOf(t *testing.T, body string) string {
	t.Helper()
	as, err := hikeshi.DecodeAlerts(hikeshi.FormatGeneric, []byte(body))
	if err != nil || len(as) != 1 {
		t.Fatalf("decode %s: %v", body, err)
	}
	return as[0].Fingerprint
}

func TestAlertIntakeSuppression(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		defer f.svc.AlertIntake.Close()
		in := f.svc.AlertIntake
		now := f.clock.Now()
		snd := intakeSender(t, db, now, "scanner", hikeshi.FormatGeneric, "hka_test_token_0002", time.Hour)
		from := service.IntakeSource{Sender: snd, Actor: service.SenderActor(snd)}
		rule := hikeshi.AlertSuppression{ID: hikeshi.NewID(), Name: "known scanner", Host: "scan*", Reason: "weekly scan",
			CreatedBy: f.admin.ID, CreatedAt: now, UpdatedAt: now}
		off := hikeshi.AlertSuppression{ID: hikeshi.NewID(), Name: "expired", Rule: "*", Reason: "old",
			ExpiresAt: now.Add(-time.Minute), CreatedBy: f.admin.ID, CreatedAt: now, UpdatedAt: now}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateAlertSuppression(ctx, rule); err != nil {
				return err
			}
			return tx.CreateAlertSuppression(ctx, off)
		}); err != nil {
			t.Fatal(err)
		}
		held := genericAlert("Port scan", "scan", "scanner01", "low", "192.0.2.1")
		kept := genericAlert("Port scan", "scan", "web01", "low", "192.0.2.1")
		res, err := in.Receive(ctx, from, hikeshi.FormatGeneric, []byte("["+held+","+kept+","+held+"]"))
		if err != nil || res.Suppressed != 1 || res.Accepted != 1 || res.Duplicates != 1 || len(res.Events) != 1 {
			t.Fatalf("suppression: %+v %v", res, err)
		}
		rows, _ := db.FindIntakeAlerts(ctx, fingerprintOf(t, held))
		if len(rows) != 1 || rows[0].SuppressedBy != rule.ID || rows[0].EventID != "" || rows[0].Count != 2 {
			t.Fatalf("held-back alert %+v", rows)
		}
		got, err := db.FindAlertSuppression(ctx, rule.ID)
		if err != nil || got.Hits != 1 || !got.LastHitAt.Equal(now) {
			t.Errorf("rule hits %+v %v", got, err)
		}
		if got, _ := db.FindAlertSuppression(ctx, off.ID); got.Hits != 0 {
			t.Errorf("the expired rule counted %d hits", got.Hits)
		}
	})
}

func TestAlertIntakeRefusesBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		defer f.svc.AlertIntake.Close()
		in := f.svc.AlertIntake
		snd := intakeSender(t, db, f.clock.Now(), "generic", hikeshi.FormatGeneric, "hka_test_token_0003", time.Hour)
		from := service.IntakeSource{Sender: snd, Actor: service.SenderActor(snd)}
		good := genericAlert("ok", "r", "h", "low", "192.0.2.1")
		for name, body := range map[string]string{
			"second item bad": "[" + good + `,{"title":"x","severity":"loud"}]`,
			"not json":        "{nope",
			"deep":            strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
			"title missing":   `{"rule":"x","title":""}`,
		} {
			_, err := in.Receive(ctx, from, hikeshi.FormatGeneric, []byte(body))
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Errorf("%s: %v, want a validation error", name, err)
			}
		}
		if rows, _ := db.FindIntakeAlerts(ctx, fingerprintOf(t, good)); len(rows) != 0 {
			t.Errorf("a refused batch stored %d alerts", len(rows))
		}
		// A token is for its own format only.
		if _, err := in.Receive(ctx, from, hikeshi.FormatSuricata, []byte(`{}`)); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("wrong format: %v", err)
		}
		// Unknown and disabled tokens are unauthenticated.
		off := intakeSender(t, db, f.clock.Now(), "off", hikeshi.FormatGeneric, "hka_test_token_0004", time.Hour)
		_ = off
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			off.DisabledAt = f.clock.Now()
			return tx.UpdateAlertSender(ctx, off)
		}); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{"hka_unknown", "hka_test_token_0004", "", strings.Repeat("x", 10000)} {
			if _, err := in.Authenticate(ctx, tok); !errors.Is(err, hikeshi.ErrUnauthenticated) {
				t.Errorf("token %.20q: %v", tok, err)
			}
		}
	})
}

// TestAlertIntakeRoles: a person may post alerts with a personal token only
// as admin or CSIRT; the others are refused and nothing is stored.
func TestAlertIntakeRoles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		defer f.svc.AlertIntake.Close()
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range []hikeshi.User{f.admin, f.csirt, manager, f.member, f.auditor} {
			body := genericAlert("by "+string(u.Role), "manual", "h", "info", fmt.Sprintf("192.0.2.%d", i+1))
			res, err := f.svc.AlertIntake.Receive(ctx, service.IntakeSource{Actor: actor(u)}, hikeshi.FormatGeneric, []byte(body))
			allowed := u.Role == hikeshi.RoleAdmin || u.Role == hikeshi.RoleCSIRT
			if allowed && (err != nil || res.Accepted != 1) {
				t.Errorf("%s: %+v %v", u.Role, res, err)
			}
			if !allowed && !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s: %v, want forbidden", u.Role, err)
			}
			rows, _ := db.FindIntakeAlerts(ctx, fingerprintOf(t, body))
			if len(rows) != map[bool]int{true: 1, false: 0}[allowed] || (allowed && rows[0].SenderID != "") {
				t.Errorf("%s: rows %+v", u.Role, rows)
			}
			if allowed {
				recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: u.ID})
				found := false
				for _, r := range recs {
					found = found || (r.Action == "alert.receive" && r.ActorID == u.ID)
				}
				if !found {
					t.Errorf("%s: no audit entry", u.Role)
				}
			}
		}
	})
}

// TestAlertIntakeConcurrentBursts: many goroutines send at once; every
// acknowledged alert is stored exactly once and repeats are counted.
func TestAlertIntakeConcurrentBursts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		defer f.svc.AlertIntake.Close()
		snd := intakeSender(t, db, f.clock.Now(), "burst", hikeshi.FormatGeneric, "hka_test_token_0005", time.Hour)
		from := service.IntakeSource{Sender: snd, Actor: service.SenderActor(snd)}
		const workers, per = 8, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := map[string]int{}
		for w := range workers {
			wg.Go(func() {
				for i := range per {
					var items []string
					for j := range 10 {
						// Every alert appears twice overall: once from worker w and
						// once from worker (w+1)%workers.
						k := (w*per*10 + i*10 + j) % (workers * per * 10 / 2)
						items = append(items, genericAlert(fmt.Sprintf("alert %d", k), fmt.Sprintf("rule-%d", k%7), fmt.Sprintf("h%d", k%13), "low", fmt.Sprintf("10.0.%d.%d", k/250, k%250)))
					}
					res, err := f.svc.AlertIntake.Receive(ctx, from, hikeshi.FormatGeneric, []byte("["+strings.Join(items, ",")+"]"))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					total["accepted"] += res.Accepted
					total["duplicates"] += res.Duplicates
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		distinct := workers * per * 10 / 2
		if total["accepted"] != distinct || total["duplicates"] != distinct {
			t.Errorf("totals %v, want %d accepted and %d duplicates", total, distinct, distinct)
		}
		for k := range distinct {
			body := genericAlert(fmt.Sprintf("alert %d", k), fmt.Sprintf("rule-%d", k%7), fmt.Sprintf("h%d", k%13), "low", fmt.Sprintf("10.0.%d.%d", k/250, k%250))
			rows, err := db.FindIntakeAlerts(ctx, fingerprintOf(t, body))
			if err != nil || len(rows) != 1 || rows[0].Count != 2 {
				t.Fatalf("alert %d: %+v %v", k, rows, err)
			}
		}
	})
}

// TestAlertIntakeQueueIsBounded: while the writer cannot commit (another
// transaction holds the intake lock), requests queue up to the bound; the
// next one is refused at once with ErrIntakeBusy instead of waiting in
// memory, and the queued ones are committed once the writer can go on.
func TestAlertIntakeQueueIsBounded(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		defer f.svc.AlertIntake.Close()
		snd := intakeSender(t, db, f.clock.Now(), "flood", hikeshi.FormatGeneric, "hka_test_token_0006", time.Hour)
		from := service.IntakeSource{Sender: snd, Actor: service.SenderActor(snd)}
		const per, requests = 10_000, 7
		held, release := make(chan struct{}), make(chan struct{})
		go db.InTx(ctx, func(tx hikeshi.Tx) error {
			if _, err := tx.LockIntake(ctx); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
		<-held
		errs := make(chan error, requests)
		for r := range requests {
			alerts := make([]hikeshi.AlertInput, per)
			for i := range alerts {
				alerts[i] = hikeshi.AlertInput{Format: hikeshi.FormatGeneric, Fingerprint: fmt.Sprintf("flood-%d-%d", r, i),
					Rule: "flood", Title: "flood", Severity: hikeshi.SeverityLow, Status: hikeshi.AlertFiring}
			}
			go func() {
				_, err := f.svc.AlertIntake.Submit(ctx, from, alerts, 0)
				errs <- err
			}()
		}
		busy := 0
		select {
		case err := <-errs:
			if !errors.Is(err, service.ErrIntakeBusy) || !errors.Is(err, hikeshi.ErrRateLimited) {
				t.Fatalf("while the writer is held: %v, want ErrIntakeBusy", err)
			}
			busy++
		case <-time.After(30 * time.Second):
			t.Fatal("no request was refused while the queue was over its bound")
		}
		close(release)
		for range requests - 1 {
			if err := <-errs; errors.Is(err, service.ErrIntakeBusy) {
				busy++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if busy > 2 {
			t.Errorf("%d requests refused, want at most 2 of %d", busy, requests)
		}
		rows, err := db.FindIntakeAlerts(ctx, "flood-0-0")
		if err != nil || len(rows) > 1 {
			t.Fatalf("rows %+v %v", rows, err)
		}
	})
}
