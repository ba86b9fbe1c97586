package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestAlertQueueAPI: the queue lists open events, an event shows its alerts
// and draft, promotion opens an incident with the alerts' observables,
// dismissal needs a reason; senders show their token once; suppression
// rules; every role's access; hostile input; on both engines.
func TestAlertQueueAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		defer e.svc.AlertIntake.Close()
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		ca := hikeshi.ActorFor(csirt, "test")
		body := `[{"title":"<img src=x onerror=alert(1)> 不審な通信","rule":"c2","severity":"critical","host":"pc-1",
			"observables":[{"type":"ip","value":"203.0.113.9"}]},{"title":"disk","rule":"disk","severity":"low","host":"db1"}]`
		if _, err := e.svc.AlertIntake.Receive(ctx, service.IntakeSource{Actor: ca}, hikeshi.FormatGeneric, []byte(body)); err != nil {
			t.Fatal(err)
		}

		var events listJSON[alertEventJSON]
		e.get("/api/v1/alert-events?limit=1", csirtToken).want(http.StatusOK).into(&events)
		if len(events.Items) != 1 || events.NextCursor == nil {
			t.Fatalf("first page %+v", events)
		}
		var rest listJSON[alertEventJSON]
		e.get("/api/v1/alert-events?limit=1&cursor="+*events.NextCursor, csirtToken).want(http.StatusOK).into(&rest)
		if len(rest.Items) != 1 || rest.NextCursor != nil {
			t.Fatalf("second page %+v", rest)
		}
		var crit listJSON[alertEventJSON]
		e.get("/api/v1/alert-events?severity=critical&format=generic", auditorToken).want(http.StatusOK).into(&crit)
		if len(crit.Items) != 1 || !strings.Contains(crit.Items[0].Title, "<img") {
			t.Fatalf("critical %+v", crit)
		}
		ev := crit.Items[0]
		for _, tok := range []string{managerToken, memberToken} {
			// A collection exists for everyone but only the CSIRT, admins and
			// auditors may read it (403); its items are 404.
			e.get("/api/v1/alert-events", tok).problem(kindForbidden)
			e.get("/api/v1/alert-events/"+ev.ID, tok).problem(kindNotFound)
			e.get("/api/v1/alert-events/"+ev.ID+"/alerts", tok).problem(kindNotFound)
			e.get("/api/v1/alerts", tok).problem(kindForbidden)
			e.get("/api/v1/alert-senders", tok).problem(kindForbidden)
			e.get("/api/v1/alert-suppressions", tok).problem(kindForbidden)
			e.do(req{method: "POST", path: "/api/v1/alert-events/" + ev.ID + "/dismiss", token: tok, body: map[string]any{"reason": "x"}}).problem(kindNotFound)
		}
		e.get("/api/v1/alert-events?status=closed", csirtToken).problem(kindBadRequest)
		e.get("/api/v1/alert-events?severity=<script>", csirtToken).problem(kindBadRequest)
		e.get("/api/v1/alerts?format=snmp", csirtToken).problem(kindBadRequest)

		var detail alertEventDetailJSON
		e.get("/api/v1/alert-events/"+ev.ID, auditorToken).want(http.StatusOK).into(&detail)
		if detail.CanAct || detail.Draft.Impact != 1 || detail.Draft.Title != ev.Title {
			t.Errorf("detail %+v", detail)
		}
		var alerts listJSON[alertJSON]
		e.get("/api/v1/alert-events/"+ev.ID+"/alerts", csirtToken).want(http.StatusOK).into(&alerts)
		if len(alerts.Items) != 1 || len(alerts.Items[0].Observables) != 1 || !strings.Contains(alerts.Items[0].Raw, "onerror") {
			t.Fatalf("alerts %+v", alerts)
		}
		var byFP listJSON[alertJSON]
		e.get("/api/v1/alerts?fingerprint="+alerts.Items[0].Fingerprint, auditorToken).want(http.StatusOK).into(&byFP)
		if len(byFP.Items) != 1 {
			t.Errorf("by fingerprint %+v", byFP)
		}
		e.get("/api/v1/alerts/"+alerts.Items[0].ID, csirtToken).want(http.StatusOK)
		e.get("/api/v1/alerts?event_id=<script>", csirtToken).problem(kindBadRequest)

		// Decisions.
		dismiss := "/api/v1/alert-events/" + ev.ID + "/dismiss"
		e.do(req{method: "POST", path: dismiss, token: auditorToken, body: map[string]any{"reason": "x"}}).problem(kindForbidden)
		wantField(t, e.do(req{method: "POST", path: dismiss, token: csirtToken, body: map[string]any{"reason": " "}}).problem(kindValidation), "reason", "required")
		promote := "/api/v1/alert-events/" + ev.ID + "/promote"
		wantField(t, e.do(req{method: "POST", path: promote, token: csirtToken, body: map[string]any{"incident": map[string]any{"category": "<script>"}}}).problem(kindValidation), "category", "unknown")
		var promoted alertPromotedJSON
		e.do(req{method: "POST", path: promote, token: csirtToken, body: map[string]any{"note": "C2", "incident": map[string]any{"tlp": "RED"}}}).want(http.StatusOK).into(&promoted)
		if promoted.Event.Status != "promoted" || promoted.Incident.TLP != "RED" || promoted.Event.IncidentID == nil || *promoted.Event.IncidentID != promoted.Incident.ID {
			t.Fatalf("promoted %+v", promoted)
		}
		obs, err := e.svc.Evidence.Observables(ctx, ca, promoted.Incident.ID)
		if err != nil || len(obs) != 1 {
			t.Errorf("observables %+v %v", obs, err)
		}
		e.do(req{method: "POST", path: promote, token: csirtToken}).problem(kindConflict)
		var open listJSON[alertEventJSON]
		e.get("/api/v1/alert-events", csirtToken).want(http.StatusOK).into(&open)
		if len(open.Items) != 1 || open.Items[0].ID == ev.ID {
			t.Fatalf("open after promotion %+v", open)
		}
		var dismissed alertEventJSON
		e.do(req{method: "POST", path: "/api/v1/alert-events/" + open.Items[0].ID + "/dismiss", token: csirtToken, body: map[string]any{"reason": "保守作業"}}).
			want(http.StatusOK).into(&dismissed)
		if dismissed.Status != "dismissed" || dismissed.Reason != "保守作業" {
			t.Errorf("dismissed %+v", dismissed)
		}
		var all listJSON[alertEventJSON]
		e.get("/api/v1/alert-events?status=all", auditorToken).want(http.StatusOK).into(&all)
		if len(all.Items) != 2 {
			t.Errorf("all %+v", all)
		}

		// Senders: admins only; the token once.
		e.do(req{method: "POST", path: "/api/v1/alert-senders", token: csirtToken, body: map[string]any{"name": "x", "format": "generic"}}).problem(kindForbidden)
		wantField(t, e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: map[string]any{"name": "x", "format": "snmp"}}).problem(kindValidation), "format", "unknown")
		wantField(t, e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: map[string]any{"name": "x", "format": "generic", "window_seconds": -5}}).problem(kindValidation), "window", "out_of_range")
		wantField(t, e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: map[string]any{"name": strings.Repeat("長", 5000), "format": "generic"}}).problem(kindValidation), "name", "too_long")
		wantField(t, e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: map[string]any{"name": "a\u0000b", "format": "generic"}}).problem(kindValidation), "name", "invalid_text")
		e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: `{"name":`}).problem(kindMalformedJSON)
		wantField(t, e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: map[string]any{"name": "x", "format": "generic", "window_seconds": "soon"}}).problem(kindBadRequest), "window_seconds", "wrong_type")
		var created alertSenderCreatedJSON
		e.do(req{method: "POST", path: "/api/v1/alert-senders", token: e.adminToken, body: map[string]any{"name": "<b>Prometheus</b>", "format": "alertmanager"}}).
			want(http.StatusCreated).into(&created)
		if !strings.HasPrefix(created.Token, "hka_") || created.WebhookURL != "http://hikeshi.test/api/v1/alerts/alertmanager" || created.TokenHint != created.Token[len(created.Token)-4:] {
			t.Fatalf("created %+v", created)
		}
		var senders []alertSenderJSON
		r := e.get("/api/v1/alert-senders", auditorToken).want(http.StatusOK)
		if strings.Contains(string(r.body), created.Token) {
			t.Error("the list shows the token")
		}
		r.into(&senders)
		if len(senders) != 1 || senders[0].Name != "<b>Prometheus</b>" {
			t.Errorf("senders %+v", senders)
		}
		var rotated alertSenderCreatedJSON
		e.do(req{method: "POST", path: "/api/v1/alert-senders/" + created.ID + "/rotate", token: e.adminToken}).want(http.StatusOK).into(&rotated)
		if rotated.Token == created.Token || rotated.Token == "" {
			t.Error("rotation kept the token")
		}
		var patched alertSenderJSON
		e.do(req{method: "PATCH", path: "/api/v1/alert-senders/" + created.ID, token: e.adminToken, body: map[string]any{"window_seconds": 3600}}).want(http.StatusOK).into(&patched)
		if patched.WindowSeconds != 3600 || patched.Name != "<b>Prometheus</b>" {
			t.Errorf("patched %+v", patched)
		}
		var disabled alertSenderJSON
		e.do(req{method: "POST", path: "/api/v1/alert-senders/" + created.ID + "/disable", token: e.adminToken}).want(http.StatusOK).into(&disabled)
		if !disabled.Disabled {
			t.Error("not disabled")
		}
		e.do(req{method: "POST", path: "/api/v1/alert-senders/" + created.ID + "/enable", token: csirtToken}).problem(kindForbidden)

		// Suppression rules: the CSIRT; auditors read.
		e.do(req{method: "POST", path: "/api/v1/alert-suppressions", token: auditorToken, body: map[string]any{"name": "n", "rule": "x", "reason": "r"}}).problem(kindForbidden)
		wantField(t, e.do(req{method: "POST", path: "/api/v1/alert-suppressions", token: csirtToken, body: map[string]any{"name": "n", "reason": "r"}}).problem(kindValidation), "rule", "required")
		var rule alertSuppressionJSON
		e.do(req{method: "POST", path: "/api/v1/alert-suppressions", token: csirtToken, body: map[string]any{"name": "スキャナ", "host": "SCAN-*",
			"reason": "定期診断", "expires_at": "2099-01-01T00:00:00Z"}}).want(http.StatusCreated).into(&rule)
		if rule.Host != "SCAN-*" || rule.ExpiresAt == nil || rule.Disabled {
			t.Errorf("rule %+v", rule)
		}
		var rules listJSON[alertSuppressionJSON]
		e.get("/api/v1/alert-suppressions", auditorToken).want(http.StatusOK).into(&rules)
		if len(rules.Items) != 1 {
			t.Errorf("rules %+v", rules)
		}
		e.get("/api/v1/alert-suppressions/"+rule.ID, auditorToken).want(http.StatusOK)
		e.do(req{method: "POST", path: "/api/v1/alert-suppressions/" + rule.ID + "/disable", token: csirtToken}).want(http.StatusOK).into(&rule)
		if !rule.Disabled {
			t.Error("rule not disabled")
		}
	})
}
