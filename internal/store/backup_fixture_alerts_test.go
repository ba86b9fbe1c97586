package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillAlerts) }

// fillAlerts fills the alert tables the way users and machines do: an admin
// registers a sender, the CSIRT adds a suppression rule, the sender posts
// alerts (one repeated, one suppressed), and the CSIRT promotes the event.
func fillAlerts(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	admin := hikeshi.ActorFor(f.users[0], "test")
	sender, token, err := f.svc.AlertQueue.CreateSender(ctx, admin, service.SenderInput{Name: "監視サーバー", Format: hikeshi.FormatGeneric, Window: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AlertQueue.CreateSuppression(ctx, f.csirt, service.SuppressionInput{Name: "backup noise", Rule: "backup-*",
		Reason: "nightly backups trip this rule", ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	auth, err := f.svc.AlertIntake.Authenticate(ctx, token)
	if err != nil || auth.ID != sender.ID {
		t.Fatalf("authenticate the new sender: %v", err)
	}
	body := `[{"title":"不審なログイン","rule":"ssh-brute","severity":"high","host":"web-01","observables":[{"type":"ip","value":"203.0.113.7"}],"labels":{"team":"基盤"}},
		{"title":"不審なログイン","rule":"ssh-brute","severity":"high","host":"web-01","observables":[{"type":"ip","value":"203.0.113.7"}],"labels":{"team":"基盤"}},
		{"title":"backup job slow","rule":"backup-slow","severity":"low","host":"db-01"}]`
	res, err := f.svc.AlertIntake.Receive(ctx, service.IntakeSource{Sender: auth, Actor: service.SenderActor(auth)}, hikeshi.FormatGeneric, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 1 || res.Duplicates != 1 || res.Suppressed != 1 || len(res.Events) != 1 {
		t.Fatalf("intake result %+v", res)
	}
	ev, err := f.svc.AlertQueue.Event(ctx, f.csirt, res.Events[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := f.svc.AlertQueue.Alerts(ctx, f.csirt, hikeshi.AlertFilter{EventID: ev.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AlertQueue.Promote(ctx, f.csirt, ev.ID, service.PromoteInput{Incident: service.PromotionDraft(ev, alerts)}); err != nil {
		t.Fatal(err)
	}
}
