package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestClocksAPI sets facts, records a notification, lists what is due with
// TLP visibility per role, changes the targets and reads notifications, on
// both engines, with hostile input refused.
func TestClocksAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		var green, red incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "green <b>", "category": "phishing", "impact": 2, "urgency": 1, "tlp": "GREEN", "owner_id": csirt.ID}}).want(http.StatusCreated).into(&green)
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "red", "category": "phishing", "impact": 1, "urgency": 1, "tlp": "RED"}}).want(http.StatusCreated).into(&red)

		var ic incidentClocksJSON
		e.get("/api/v1/incidents/"+green.ID+"/clocks", managerToken).want(http.StatusOK).into(&ic)
		if len(ic.Clocks) != 3 || ic.Clocks[0].Kind != "sla_triage" || ic.Clocks[0].State != "running" || ic.Clocks[0].TargetSeconds != 15*60 ||
			ic.Facts.AwareAt != nil {
			t.Errorf("green clocks: %+v", ic)
		}
		e.get("/api/v1/incidents/"+red.ID+"/clocks", managerToken).problem(kindNotFound)

		// Facts: hostile input first.
		path := "/api/v1/incidents/" + green.ID + "/facts"
		future := time.Now().Add(time.Hour).Format(time.RFC3339)
		wantField(t, e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"gdpr": true, "aware_at": future}}).problem(kindValidation), "aware_at", "in_future")
		wantField(t, e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"gdpr": true, "aware_at": "yesterday <script>"}}).problem(kindValidation), "aware_at", "invalid_time")
		wantField(t, e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"malicious": true}}).problem(kindValidation), "malicious", "requires_personal_data")
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"gdpr": "yes"}}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"gdpr": true, "culprit": "x"}}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: path, token: managerToken, body: map[string]any{"gdpr": true}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: "/api/v1/incidents/" + red.ID + "/facts", token: managerToken, body: map[string]any{"gdpr": true}}).problem(kindNotFound)
		aware := time.Now().Add(-10 * time.Hour).Truncate(time.Second)
		var facts factsJSON
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"gdpr": true, "nis2": true, "aware_at": aware.Format(time.RFC3339)}}).
			want(http.StatusOK).into(&facts)
		if !facts.GDPR || !facts.NIS2 || facts.AwareAt == nil || !facts.AwareAt.Equal(aware) {
			t.Errorf("facts: %+v", facts)
		}
		e.get("/api/v1/incidents/"+green.ID+"/clocks", csirtToken).want(http.StatusOK).into(&ic)
		var nis2 clockJSON
		for _, c := range ic.Clocks {
			if c.Kind == "nis2_notification" {
				nis2 = c
			}
			if c.Kind == "gdpr_art33" && !c.DueAt.Equal(aware.Add(72*time.Hour)) {
				t.Errorf("GDPR due %v", c.DueAt)
			}
		}
		if nis2.ID == "" || !nis2.Regulatory {
			t.Fatalf("no NIS2 notification clock: %+v", ic.Clocks)
		}
		done := "/api/v1/incidents/" + green.ID + "/clocks/" + nis2.ID + "/done"
		wantField(t, e.do(req{method: "POST", path: done, token: csirtToken, body: map[string]any{"notified_at": future}}).problem(kindValidation), "notified_at", "in_future")
		e.do(req{method: "POST", path: "/api/v1/incidents/" + red.ID + "/clocks/" + nis2.ID + "/done", token: csirtToken}).problem(kindNotFound)
		var stopped clockJSON
		e.do(req{method: "POST", path: done, token: csirtToken, body: map[string]any{"reference": "NCSC-42 <i>"}}).want(http.StatusOK).into(&stopped)
		if stopped.State != "met" || stopped.Reference != "NCSC-42 <i>" || stopped.DoneBy == nil || *stopped.DoneBy != csirt.ID {
			t.Errorf("done: %+v", stopped)
		}
		e.do(req{method: "POST", path: done, token: csirtToken}).problem(kindConflict)

		// The due list by role.
		due := func(token string) map[string]int {
			m := map[string]int{}
			var l listJSON[dueClockJSON]
			e.get("/api/v1/clocks/due?limit=2", token).want(http.StatusOK).into(&l)
			for {
				for _, d := range l.Items {
					m[d.Clock.IncidentID]++
				}
				if l.NextCursor == nil {
					return m
				}
				var next listJSON[dueClockJSON]
				e.get("/api/v1/clocks/due?limit=2&cursor="+*l.NextCursor, token).want(http.StatusOK).into(&next)
				l = next
			}
		}
		// green: 3 SLA + GDPR + NIS2 early warning + NIS2 final = 6 running; red: 3.
		for _, tc := range []struct {
			name   string
			token  string
			green  int
			red    int
			forbid bool
		}{
			{"csirt", csirtToken, 6, 3, false},
			{"admin", e.adminToken, 6, 0, false},
			{"manager", managerToken, 6, 0, false},
			{"auditor", auditorToken, 6, 0, false},
			{"member", memberToken, 0, 0, true},
		} {
			if tc.forbid {
				e.get("/api/v1/clocks/due", tc.token).problem(kindForbidden)
				continue
			}
			if got := due(tc.token); got[green.ID] != tc.green || got[red.ID] != tc.red {
				t.Errorf("%s sees %v", tc.name, got)
			}
		}
		e.get("/api/v1/clocks/due?cursor=bm90LWEtY3Vyc29y", csirtToken).want(http.StatusBadRequest)

		// Targets.
		var tg clockTargetsJSON
		e.get("/api/v1/clocks/targets", auditorToken).want(http.StatusOK).into(&tg)
		if len(tg.Targets) != 4 || tg.Targets[0].Triage != 15 || tg.Targets[3].Containment != 14400 {
			t.Errorf("targets: %+v", tg)
		}
		tg.Targets[0].Triage = 20
		e.do(req{method: "PUT", path: "/api/v1/clocks/targets", token: managerToken, body: tg}).problem(kindForbidden)
		bad := clockTargetsJSON{Targets: append([]slaTargetJSON(nil), tg.Targets...)}
		bad.Targets[1].FirstResponse = -5
		wantField(t, e.do(req{method: "PUT", path: "/api/v1/clocks/targets", token: csirtToken, body: bad}).problem(kindValidation), "p2.first_response", "out_of_range")
		wantField(t, e.do(req{method: "PUT", path: "/api/v1/clocks/targets", token: csirtToken, body: clockTargetsJSON{Targets: tg.Targets[:2]}}).problem(kindValidation), "targets", "invalid")
		var after clockTargetsJSON
		e.do(req{method: "PUT", path: "/api/v1/clocks/targets", token: csirtToken, body: tg}).want(http.StatusOK).into(&after)
		if after.Targets[0].Triage != 20 {
			t.Errorf("targets after: %+v", after)
		}

		// Notifications: an escalation of the green triage clock.
		var tri clockJSON
		e.get("/api/v1/incidents/"+green.ID+"/clocks", csirtToken).want(http.StatusOK).into(&ic)
		tri = ic.Clocks[0]
		if _, err := e.svc.Clocks.Alert(ctx, hikeshi.SystemActor("test"), service.ClockAlertPayload{ClockID: tri.ID, Stage: hikeshi.StageEscalate,
			Due: tri.DueAt.Unix()}, false); err != nil {
			t.Fatal(err)
		}
		var nl listJSON[notificationJSON]
		e.get("/api/v1/notifications?unread=true", csirtToken).want(http.StatusOK).into(&nl)
		if len(nl.Items) != 1 || nl.Items[0].IncidentNumber == nil || *nl.Items[0].IncidentNumber != green.Number || nl.Items[0].Stage != "escalate" {
			t.Fatalf("notifications: %+v", nl)
		}
		e.get("/api/v1/notifications?unread=maybe", csirtToken).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/notifications/" + nl.Items[0].ID + "/read", token: managerToken}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/notifications/" + nl.Items[0].ID + "/read", token: csirtToken}).want(http.StatusNoContent)
		e.get("/api/v1/notifications?unread=true", csirtToken).want(http.StatusOK).into(&nl)
		if len(nl.Items) != 0 {
			t.Errorf("unread after reading: %+v", nl.Items)
		}
		var ra readAllJSON
		e.do(req{method: "POST", path: "/api/v1/notifications/read-all", token: managerToken}).want(http.StatusOK).into(&ra)
		if ra.Count != 1 {
			t.Errorf("manager read-all: %+v", ra)
		}
	})
}
