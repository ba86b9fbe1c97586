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

// TestIncidentsAPI opens, changes, moves and lists incidents on both engines,
// with TLP visibility for each role.
func TestIncidentsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		manager, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)

		var inc incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "フィッシング <b>", "category": "phishing", "impact": 2, "urgency": 1, "owner_id": csirt.ID,
		}}).want(http.StatusCreated).into(&inc)
		if inc.Phase != "discovery" || inc.Priority != 1 || inc.TLP != "AMBER" || inc.TriagedAt != nil || inc.Number == "" {
			t.Errorf("created %+v", inc)
		}
		var red incidentJSON
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "漏えい", "category": "data-leak", "impact": 1, "urgency": 1, "tlp": "RED",
		}}).want(http.StatusCreated).into(&red)

		// Bad input and unknown fields.
		p := e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "", "category": "culprit", "impact": 9, "urgency": 1}}).problem(kindValidation)
		wantField(t, p, "category", "unknown")
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "x", "category": "phishing", "impact": 1, "urgency": 1, "culprit": "x"}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/incidents", token: managerToken, body: map[string]any{
			"title": "x", "category": "phishing", "impact": 1, "urgency": 1}}).problem(kindForbidden)

		// Visibility by role: RED only for the CSIRT and members.
		count := func(token string) (ids map[string]bool) {
			var l listJSON[incidentJSON]
			e.get("/api/v1/incidents?limit=1", token).want(http.StatusOK).into(&l)
			ids = map[string]bool{}
			for _, i := range l.Items {
				ids[i.ID] = true
			}
			for l.NextCursor != nil {
				var next listJSON[incidentJSON]
				e.get("/api/v1/incidents?limit=1&cursor="+*l.NextCursor, token).want(http.StatusOK).into(&next)
				for _, i := range next.Items {
					ids[i.ID] = true
				}
				l = next
			}
			return ids
		}
		for _, tc := range []struct {
			name      string
			token     string
			open, red bool
		}{
			{"csirt", csirtToken, true, true},
			{"admin", e.adminToken, true, false},
			{"manager", managerToken, true, false},
			{"auditor", auditorToken, true, false},
			{"member", memberToken, false, false},
		} {
			ids := count(tc.token)
			if ids[inc.ID] != tc.open || ids[red.ID] != tc.red {
				t.Errorf("%s sees open=%v red=%v", tc.name, ids[inc.ID], ids[red.ID])
			}
			wantStatus := http.StatusNotFound
			if tc.red {
				wantStatus = http.StatusOK
			}
			e.get("/api/v1/incidents/"+red.ID, tc.token).want(wantStatus)
		}
		e.do(req{method: "POST", path: "/api/v1/incidents/" + red.ID + "/members", token: managerToken,
			body: map[string]any{"user_id": manager.ID}}).want(http.StatusNotFound)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + red.ID + "/members", token: csirtToken,
			body: map[string]any{"user_id": manager.ID}}).want(http.StatusNoContent)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + red.ID + "/members", token: csirtToken,
			body: map[string]any{"user_id": manager.ID}}).problem(kindConflict)
		e.get("/api/v1/incidents/"+red.ID, managerToken).want(http.StatusOK)
		var members []incidentMemberJSON
		e.get("/api/v1/incidents/"+red.ID+"/members", managerToken).want(http.StatusOK).into(&members)
		if len(members) != 1 || members[0].UserID != manager.ID || members[0].AddedBy == nil || *members[0].AddedBy != csirt.ID {
			t.Errorf("members %+v", members)
		}
		e.do(req{method: "DELETE", path: "/api/v1/incidents/" + red.ID + "/members/" + manager.ID, token: csirtToken}).want(http.StatusNoContent)
		e.get("/api/v1/incidents/"+red.ID, managerToken).want(http.StatusNotFound)
		if err := e.svc.Incidents.AddMember(ctx, hikeshi.ActorFor(csirt, "test"), red.ID, manager.ID); err != nil {
			t.Fatal(err)
		}

		// PATCH recomputes the priority; null owner unassigns.
		time.Sleep(2 * time.Millisecond) // timeline ids order by millisecond
		var upd incidentJSON
		e.do(req{method: "PATCH", path: "/api/v1/incidents/" + inc.ID, token: csirtToken, body: `{"impact":4,"urgency":4,"owner_id":null,"title":"改題"}`}).
			want(http.StatusOK).into(&upd)
		if upd.Priority != 4 || upd.OwnerID != nil || upd.Title != "改題" {
			t.Errorf("patched %+v", upd)
		}
		e.do(req{method: "PATCH", path: "/api/v1/incidents/" + inc.ID, token: auditorToken, body: `{"title":"x"}`}).problem(kindForbidden)

		// Transitions: a skip is refused with the reason; a step forward sets the time.
		p = e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/transitions", token: csirtToken,
			body: map[string]any{"to": "closed"}}).problem(kindValidation)
		wantField(t, p, "to", "skip")
		var moved incidentJSON
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/transitions", token: csirtToken,
			body: map[string]any{"to": "initial_response", "note": "初動"}}).want(http.StatusOK).into(&moved)
		if moved.Phase != "initial_response" || moved.TriagedAt == nil {
			t.Errorf("moved %+v", moved)
		}

		// OODA record.
		for _, k := range []string{"observe", "orient", "decide", "act", "observe"} {
			e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/ooda", token: csirtToken,
				body: map[string]any{"kind": k, "text": "記録"}}).want(http.StatusCreated)
		}
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/ooda", token: csirtToken,
			body: map[string]any{"kind": "guess", "text": "x"}}).problem(kindValidation)
		var steps []oodaStepJSON
		e.get("/api/v1/incidents/"+inc.ID+"/ooda", managerToken).want(http.StatusOK).into(&steps)
		if len(steps) != 5 || steps[0].Loop != 1 || steps[4].Loop != 2 {
			t.Errorf("steps %+v", steps)
		}
		e.get("/api/v1/incidents/"+red.ID+"/ooda", auditorToken).want(http.StatusNotFound)
		e.get("/api/v1/incidents?phase=bogus", csirtToken).want(http.StatusBadRequest)
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/notes", token: csirtToken,
			body: map[string]any{"text": "連絡済み"}}).want(http.StatusCreated)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/notes", token: auditorToken,
			body: map[string]any{"text": "x"}}).problem(kindForbidden)
		var events []incidentEventJSON
		e.get("/api/v1/incidents/"+inc.ID+"/events", csirtToken).want(http.StatusOK).into(&events)
		if len(events) < 3 || events[0].Kind != "created" || events[2].Kind != "phase" || events[2].Text != "初動" || events[len(events)-1].Text != "連絡済み" {
			t.Errorf("events %+v", events)
		}
	})
}
