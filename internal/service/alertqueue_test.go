package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// queueFixture is the service fixture with a manager, and alerts received
// through the intake.
type queueFixture struct {
	*fixture
	manager hikeshi.User
}

func newQueueFixture(t *testing.T, db *store.DB) *queueFixture {
	t.Helper()
	f := newFixture(t, db)
	t.Cleanup(f.svc.AlertIntake.Close)
	m, err := f.svc.Users.Create(context.Background(), hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M",
		Role: hikeshi.RoleManager, DepartmentID: f.sales.ID, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return &queueFixture{fixture: f, manager: m}
}

func (f *queueFixture) byRole(r hikeshi.Role) hikeshi.Actor {
	switch r {
	case hikeshi.RoleAdmin:
		return actor(f.admin)
	case hikeshi.RoleCSIRT:
		return actor(f.csirt)
	case hikeshi.RoleManager:
		return actor(f.manager)
	case hikeshi.RoleAuditor:
		return actor(f.auditor)
	}
	return actor(f.member)
}

// receive posts a generic payload as the CSIRT and returns the event of its
// first alert.
func (f *queueFixture) receive(t *testing.T, body string) hikeshi.AlertEvent {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.AlertIntake.Receive(ctx, service.IntakeSource{Actor: actor(f.csirt)}, hikeshi.FormatGeneric, []byte(body)); err != nil {
		t.Fatalf("receive: %v", err)
	}
	evs, err := f.svc.AlertQueue.Events(ctx, actor(f.csirt), hikeshi.AlertEventFilter{Status: hikeshi.EventOpen, Page: hikeshi.Page{Limit: 1}})
	if err != nil || len(evs) == 0 {
		t.Fatalf("no open event: %v", err)
	}
	return evs[0]
}

const queueAlert = `{"title":"<script>alert(1)</script> 不審な通信","rule":"c2-beacon","severity":"high","host":"pc-0042",
	"observables":[{"type":"ip","value":"203.0.113.9"},{"type":"domain","value":"c2.example.net"}],"labels":{"部署":"経理部"}}`

func TestAlertQueueForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newQueueFixture(t, db)
		ev := f.receive(t, queueAlert)
		as, err := f.svc.AlertQueue.Alerts(ctx, actor(f.admin), hikeshi.AlertFilter{EventID: ev.ID})
		if err != nil || len(as) != 1 {
			t.Fatalf("alerts %v %v", as, err)
		}
		sup, err := f.svc.AlertQueue.CreateSuppression(ctx, actor(f.csirt), service.SuppressionInput{Name: "n", Rule: "x", Reason: "r"})
		if err != nil {
			t.Fatal(err)
		}
		snd, _, err := f.svc.AlertQueue.CreateSender(ctx, actor(f.admin), service.SenderInput{Name: "prom", Format: hikeshi.FormatAlertmanager})
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range hikeshi.Roles {
			a := f.byRole(role)
			reads := role == hikeshi.RoleAdmin || role == hikeshi.RoleCSIRT || role == hikeshi.RoleAuditor
			acts := role == hikeshi.RoleAdmin || role == hikeshi.RoleCSIRT
			check := func(what string, err error, allowed bool, denied error) {
				t.Helper()
				if allowed && err != nil {
					t.Errorf("%s %s: %v", role, what, err)
				}
				if !allowed && !errors.Is(err, denied) {
					t.Errorf("%s %s: %v, want %v", role, what, err, denied)
				}
			}
			_, err := f.svc.AlertQueue.Events(ctx, a, hikeshi.AlertEventFilter{})
			check("events", err, reads, hikeshi.ErrNotFound)
			_, err = f.svc.AlertQueue.EventDetail(ctx, a, ev.ID, hikeshi.Page{})
			check("event", err, reads, hikeshi.ErrNotFound)
			_, err = f.svc.AlertQueue.Alerts(ctx, a, hikeshi.AlertFilter{})
			check("alerts", err, reads, hikeshi.ErrNotFound)
			_, err = f.svc.AlertQueue.Alert(ctx, a, as[0].ID)
			check("alert", err, reads, hikeshi.ErrNotFound)
			_, err = f.svc.AlertQueue.Senders(ctx, a)
			check("senders", err, reads, hikeshi.ErrNotFound)
			_, err = f.svc.AlertQueue.Suppressions(ctx, a, hikeshi.Page{})
			check("suppressions", err, reads, hikeshi.ErrNotFound)

			denied := hikeshi.ErrNotFound
			if reads {
				denied = hikeshi.ErrForbidden
			}
			if !acts {
				// Changes are refused before anything is looked at.
				_, err = f.svc.AlertQueue.Dismiss(ctx, a, ev.ID, "noise")
				check("dismiss", err, false, denied)
				_, _, err = f.svc.AlertQueue.Promote(ctx, a, ev.ID, service.PromoteInput{Incident: service.PromotionDraft(ev, as)})
				check("promote", err, false, denied)
				_, err = f.svc.AlertQueue.CreateSuppression(ctx, a, service.SuppressionInput{Name: "n", Rule: "x", Reason: "r"})
				check("create suppression", err, false, denied)
				_, err = f.svc.AlertQueue.DisableSuppression(ctx, a, sup.ID)
				check("disable suppression", err, false, denied)
			}
			_, _, err = f.svc.AlertQueue.CreateSender(ctx, a, service.SenderInput{Name: "s-" + string(role), Format: hikeshi.FormatWazuh})
			check("create sender", err, role == hikeshi.RoleAdmin, denied)
			_, _, err = f.svc.AlertQueue.RotateSender(ctx, a, snd.ID)
			check("rotate sender", err, role == hikeshi.RoleAdmin, denied)
			if acts && role != hikeshi.RoleAdmin {
				if _, _, err := f.svc.AlertQueue.CreateSender(ctx, a, service.SenderInput{Name: "x", Format: hikeshi.FormatWazuh}); !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("csirt creates a sender: %v", err)
				}
			}
		}
		if e, err := f.svc.AlertQueue.Event(ctx, actor(f.csirt), ev.ID); err != nil || e.Status != hikeshi.EventOpen {
			t.Errorf("refused changes changed the event: %+v %v", e, err)
		}
	})
}

func TestAlertQueuePromoteAndDismiss(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newQueueFixture(t, db)
		csirt := actor(f.csirt)
		ev := f.receive(t, queueAlert)
		d, err := f.svc.AlertQueue.EventDetail(ctx, csirt, ev.ID, hikeshi.Page{})
		if err != nil || len(d.Alerts) != 1 || !d.CanAct {
			t.Fatalf("detail %+v %v", d, err)
		}
		if d.Draft.Title != ev.Title || d.Draft.Category != "infected-system" || d.Draft.Impact != 2 || !strings.Contains(d.Draft.Summary, ev.Number) {
			t.Errorf("draft %+v", d.Draft)
		}
		if ad, _ := f.svc.AlertQueue.EventDetail(ctx, actor(f.auditor), ev.ID, hikeshi.Page{}); ad.CanAct {
			t.Error("the auditor may act")
		}

		// Dismissal needs a reason.
		var ve *hikeshi.ValidationError
		if _, err := f.svc.AlertQueue.Dismiss(ctx, csirt, ev.ID, "  "); !errors.As(err, &ve) || ve.Fields[0].Field != "reason" {
			t.Errorf("dismiss without reason: %v", err)
		}
		// A bad promotion is refused whole: nothing changes.
		bad := d.Draft
		bad.Title = ""
		if _, _, err := f.svc.AlertQueue.Promote(ctx, csirt, ev.ID, service.PromoteInput{Incident: bad}); !errors.As(err, &ve) || ve.Fields[0].Field != "title" {
			t.Errorf("promote without title: %v", err)
		}
		if _, _, err := f.svc.AlertQueue.Promote(ctx, csirt, ev.ID, service.PromoteInput{IncidentID: hikeshi.NewID()}); !errors.As(err, &ve) || ve.Fields[0].Field != "incident_id" {
			t.Errorf("attach to a missing incident: %v", err)
		}
		if e, _ := f.svc.AlertQueue.Event(ctx, csirt, ev.ID); e.Status != hikeshi.EventOpen {
			t.Fatalf("refused promotion changed the event: %+v", e)
		}

		before := f.auditCount(t)
		pe, inc, err := f.svc.AlertQueue.Promote(ctx, csirt, ev.ID, service.PromoteInput{Incident: d.Draft, Note: "C2 通信"})
		if err != nil {
			t.Fatal(err)
		}
		if pe.Status != hikeshi.EventPromoted || pe.IncidentID != inc.ID || pe.DecidedBy != f.csirt.ID || !pe.DecidedAt.Equal(f.clock.Now()) || pe.Reason != "C2 通信" {
			t.Errorf("promoted %+v", pe)
		}
		if inc.Title != ev.Title || inc.Category != "infected-system" {
			t.Errorf("incident %+v", inc)
		}
		obs, err := f.svc.Evidence.Observables(ctx, csirt, inc.ID)
		if err != nil || len(obs) != 2 {
			t.Fatalf("observables of the incident: %+v %v", obs, err)
		}
		if got := f.auditCount(t) - before; got < 2 { // incident.create + alert_event.promote
			t.Errorf("%d audit entries", got)
		}
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "alert_event.", Limit: 10})
		if err != nil || len(recs) != 1 || recs[0].EntityID != ev.ID || strings.Contains(recs[0].After, "script") {
			t.Errorf("audit %+v %v", recs, err)
		}
		if _, _, err := f.svc.AlertQueue.Promote(ctx, csirt, ev.ID, service.PromoteInput{Incident: d.Draft}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("second promotion: %v", err)
		}
		if _, err := f.svc.AlertQueue.Dismiss(ctx, csirt, ev.ID, "x"); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("dismiss a promoted event: %v", err)
		}
		if dd, err := f.svc.AlertQueue.EventDetail(ctx, csirt, ev.ID, hikeshi.Page{}); err != nil || dd.Incident == nil || dd.Incident.ID != inc.ID || dd.CanAct {
			t.Errorf("promoted detail %+v %v", dd, err)
		}
		open, _ := f.svc.AlertQueue.Events(ctx, csirt, hikeshi.AlertEventFilter{Status: hikeshi.EventOpen})
		if len(open) != 0 {
			t.Errorf("promoted event still open: %+v", open)
		}

		// The same group again opens a new event; attach it to the incident.
		f.clock.Advance(time.Minute)
		ev2 := f.receive(t, strings.Replace(queueAlert, "203.0.113.9", "203.0.113.10", 1))
		if ev2.ID == ev.ID || ev2.GroupKey != ev.GroupKey {
			t.Fatalf("new event %+v", ev2)
		}
		pe2, inc2, err := f.svc.AlertQueue.Promote(ctx, csirt, ev2.ID, service.PromoteInput{IncidentID: inc.ID})
		if err != nil || inc2.ID != inc.ID || pe2.IncidentID != inc.ID {
			t.Fatalf("attach %+v %v", pe2, err)
		}
		if obs, _ := f.svc.Evidence.Observables(ctx, csirt, inc.ID); len(obs) != 3 {
			t.Errorf("after attaching: %d observables", len(obs))
		}

		// Dismiss a third one.
		f.clock.Advance(time.Minute)
		ev3 := f.receive(t, `{"title":"ディスク警告","rule":"disk","severity":"low"}`)
		de, err := f.svc.AlertQueue.Dismiss(ctx, actor(f.admin), ev3.ID, "  誤検知（保守作業）  ")
		if err != nil || de.Status != hikeshi.EventDismissed || de.Reason != "誤検知（保守作業）" || de.DecidedBy != f.admin.ID {
			t.Fatalf("dismiss %+v %v", de, err)
		}
		if all, _ := f.svc.AlertQueue.Events(ctx, csirt, hikeshi.AlertEventFilter{}); len(all) != 3 {
			t.Errorf("all events: %d", len(all))
		}
		if dis, _ := f.svc.AlertQueue.Events(ctx, csirt, hikeshi.AlertEventFilter{Status: hikeshi.EventDismissed}); len(dis) != 1 || dis[0].ID != ev3.ID {
			t.Errorf("dismissed events: %+v", dis)
		}
		if _, err := f.svc.AlertQueue.Events(ctx, csirt, hikeshi.AlertEventFilter{Status: "closed"}); !errors.As(err, &ve) || ve.Fields[0].Field != "status" {
			t.Errorf("bad filter: %v", err)
		}
	})
}

func TestAlertSenders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newQueueFixture(t, db)
		admin := actor(f.admin)
		snd, token, err := f.svc.AlertQueue.CreateSender(ctx, admin, service.SenderInput{Name: " Prometheus 本番 ", Format: hikeshi.FormatAlertmanager})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if !strings.HasPrefix(token, "hka_") || len(token) != 4+43 || snd.TokenHash != hex.EncodeToString(sum[:]) || snd.TokenHint != token[len(token)-4:] ||
			snd.Name != "Prometheus 本番" || snd.Window != hikeshi.DefaultAlertWindow {
			t.Errorf("sender %+v token %q", snd, token)
		}
		got, err := f.svc.AlertIntake.Authenticate(ctx, token)
		if err != nil || got.ID != snd.ID {
			t.Fatalf("intake does not know the token: %v", err)
		}
		// Tokens and their hashes never reach the audit log.
		recs, _ := f.svc.Audit.List(ctx, admin, hikeshi.AuditFilter{Action: "alert_sender.", Limit: 10})
		if len(recs) != 1 || strings.Contains(recs[0].After, token) || strings.Contains(recs[0].After, snd.TokenHash) {
			t.Errorf("audit %+v", recs)
		}

		rotated, token2, err := f.svc.AlertQueue.RotateSender(ctx, admin, snd.ID)
		if err != nil || token2 == token || rotated.TokenHash == snd.TokenHash {
			t.Fatalf("rotate %v", err)
		}
		f.svc.AlertIntake.ForgetSenders()
		if _, err := f.svc.AlertIntake.Authenticate(ctx, token); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("old token after rotation: %v", err)
		}
		if _, err := f.svc.AlertQueue.DisableSender(ctx, admin, snd.ID, true); err != nil {
			t.Fatal(err)
		}
		f.svc.AlertIntake.ForgetSenders()
		if _, err := f.svc.AlertIntake.Authenticate(ctx, token2); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("token of a disabled sender: %v", err)
		}
		if x, err := f.svc.AlertQueue.DisableSender(ctx, admin, snd.ID, false); err != nil || !x.DisabledAt.IsZero() {
			t.Errorf("enable %+v %v", x, err)
		}
		recs, _ = f.svc.Audit.List(ctx, admin, hikeshi.AuditFilter{Action: "alert_sender.", Limit: 10})
		for _, r := range recs {
			if strings.Contains(r.Before+r.After, token2) || strings.Contains(r.Before+r.After, rotated.TokenHash) {
				t.Errorf("secret in the audit log: %+v", r)
			}
		}

		var ve *hikeshi.ValidationError
		for _, c := range []struct {
			in    service.SenderInput
			field string
		}{
			{service.SenderInput{Name: "", Format: hikeshi.FormatGeneric}, "name"},
			{service.SenderInput{Name: "a\nb", Format: hikeshi.FormatGeneric}, "name"},
			{service.SenderInput{Name: strings.Repeat("x", 101), Format: hikeshi.FormatGeneric}, "name"},
			{service.SenderInput{Name: "x", Format: "snmp"}, "format"},
			{service.SenderInput{Name: "x", Format: hikeshi.FormatGeneric, Window: time.Second}, "window"},
			{service.SenderInput{Name: "x", Format: hikeshi.FormatGeneric, Window: 365 * 24 * time.Hour}, "window"},
		} {
			if _, _, err := f.svc.AlertQueue.CreateSender(ctx, admin, c.in); !errors.As(err, &ve) || ve.Fields[0].Field != c.field {
				t.Errorf("%+v: %v", c.in, err)
			}
		}
		if _, _, err := f.svc.AlertQueue.CreateSender(ctx, admin, service.SenderInput{Name: "prometheus 本番", Format: hikeshi.FormatGeneric}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("taken name: %v", err)
		}
	})
}

func TestAlertSuppressionRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newQueueFixture(t, db)
		csirt := actor(f.csirt)
		r, err := f.svc.AlertQueue.CreateSuppression(ctx, csirt, service.SuppressionInput{Name: "社内スキャナ", Format: hikeshi.FormatGeneric,
			Observable: "192.0.2[.]50", Reason: "脆弱性診断の定期スキャン", ExpiresAt: f.clock.Now().Add(48 * time.Hour)})
		if err != nil || r.Observable != "192.0.2.50" {
			t.Fatalf("%+v %v", r, err)
		}
		// The intake holds back what the rule matches: stored, no event.
		if _, err := f.svc.AlertIntake.Receive(ctx, service.IntakeSource{Actor: csirt}, hikeshi.FormatGeneric,
			[]byte(`{"title":"port scan","observables":[{"type":"ip","value":"192.0.2.50"}]}`)); err != nil {
			t.Fatal(err)
		}
		if evs, _ := f.svc.AlertQueue.Events(ctx, csirt, hikeshi.AlertEventFilter{}); len(evs) != 0 {
			t.Errorf("suppressed alert opened an event: %+v", evs)
		}
		as, _ := f.svc.AlertQueue.Alerts(ctx, csirt, hikeshi.AlertFilter{Format: hikeshi.FormatGeneric})
		if len(as) != 1 || as[0].SuppressedBy != r.ID {
			t.Errorf("alerts %+v", as)
		}
		rules, err := f.svc.AlertQueue.Suppressions(ctx, actor(f.auditor), hikeshi.Page{})
		if err != nil || len(rules) != 1 || rules[0].Hits != 1 {
			t.Errorf("rules %+v %v", rules, err)
		}
		d, err := f.svc.AlertQueue.DisableSuppression(ctx, csirt, r.ID)
		if err != nil || d.DisabledAt.IsZero() {
			t.Errorf("disable %+v %v", d, err)
		}

		var ve *hikeshi.ValidationError
		for _, c := range []struct {
			in    service.SuppressionInput
			field string
		}{
			{service.SuppressionInput{Name: "", Rule: "x", Reason: "r"}, "name"},
			{service.SuppressionInput{Name: "n", Rule: "x"}, "reason"},
			{service.SuppressionInput{Name: "n", Reason: "r"}, "rule"},
			{service.SuppressionInput{Name: "n", Rule: "a\nb", Reason: "r"}, "rule"},
			{service.SuppressionInput{Name: "n", Host: strings.Repeat("h", 501), Reason: "r"}, "host"},
			{service.SuppressionInput{Name: "n", Format: "snmp", Reason: "r"}, "format"},
			{service.SuppressionInput{Name: "n", Rule: "x", Reason: "r", ExpiresAt: f.clock.Now().Add(-time.Hour)}, "expires_at"},
			{service.SuppressionInput{Name: "n", Observable: "\x00", Reason: "r"}, "observable"},
		} {
			if _, err := f.svc.AlertQueue.CreateSuppression(ctx, csirt, c.in); !errors.As(err, &ve) || ve.Fields[0].Field != c.field {
				t.Errorf("%+v: %v", c.in, err)
			}
		}
	})
}
