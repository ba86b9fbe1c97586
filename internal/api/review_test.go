package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestReviewAPI writes, completes and reopens a review, adds and decides
// lessons, refuses closing without a completed review, and lists lessons
// with TLP visibility for each role, on both engines.
func TestReviewAPI(t *testing.T) {
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
		ca := hikeshi.ActorFor(csirt, "test")
		mk := func(title string, tlp hikeshi.TLP) hikeshi.Incident {
			t.Helper()
			time.Sleep(2 * time.Millisecond)
			inc, err := e.svc.Incidents.Create(ctx, ca, service.IncidentInput{Title: title, Category: "phishing", Impact: 2, Urgency: 2, TLP: tlp})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery} {
				if _, err := e.svc.Incidents.Transition(ctx, ca, inc.ID, p, ""); err != nil {
					t.Fatal(err)
				}
			}
			return inc
		}
		inc, red := mk("open", hikeshi.TLPAmber), mk("red", hikeshi.TLPRed)
		base := "/api/v1/incidents/" + inc.ID

		e.get(base+"/review", csirtToken).problem(kindNotFound)
		// Hostile and bad input.
		p := e.do(req{method: "PUT", path: base + "/review", token: csirtToken, body: map[string]any{
			"root_cause": strings.Repeat("x", hikeshi.MaxReviewTextLen+1), "factors": []string{"culprit"}, "participants": []string{"nobody"}}}).problem(kindValidation)
		wantField(t, p, "root_cause", "too_long")
		wantField(t, p, "factors", "unknown")
		wantField(t, p, "participants", "unknown")
		e.do(req{method: "PUT", path: base + "/review", token: csirtToken, body: map[string]any{"culprit": "x"}}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: base + "/review", token: csirtToken, body: `{"factors":"process"}`}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: base + "/review", token: auditorToken, body: map[string]any{"root_cause": "x"}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: "/api/v1/incidents/" + red.ID + "/review", token: managerToken, body: map[string]any{"root_cause": "x"}}).problem(kindNotFound)

		var rv reviewJSON
		e.do(req{method: "PUT", path: base + "/review", token: csirtToken, body: map[string]any{
			"root_cause": "<script>alert(1)</script> 設定", "went_well": "早期の報告", "factors": []string{"technology", "process"},
			"participants": []string{csirt.ID}}}).want(http.StatusOK).into(&rv)
		if rv.Status != "draft" || rv.RootCause != "<script>alert(1)</script> 設定" || len(rv.Factors) != 2 || rv.Factors[0] != "process" ||
			rv.CompletedAt != nil || len(rv.Participants) != 1 {
			t.Errorf("put %+v", rv)
		}
		e.get(base+"/review", managerToken).want(http.StatusOK).into(&rv)
		e.get(base+"/review", memberToken).problem(kindNotFound)

		// Lessons.
		var l1, l2 lessonJSON
		e.do(req{method: "POST", path: base + "/lessons", token: csirtToken, body: map[string]any{
			"text": "添付の検査", "proposed_change": "ゲートウェイ設定", "kind": "technical", "department_id": dept.ID}}).want(http.StatusCreated).into(&l1)
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: base + "/lessons", token: csirtToken, body: map[string]any{
			"text": "訓練", "proposed_change": "年次訓練", "kind": "training"}}).want(http.StatusCreated).into(&l2)
		if l1.Status != "proposed" || l1.ReviewID != rv.ID || l1.DepartmentID == nil || l1.ImprovementActionID != nil {
			t.Errorf("lesson %+v", l1)
		}
		p = e.do(req{method: "POST", path: base + "/lessons", token: csirtToken, body: map[string]any{
			"text": "", "proposed_change": "x", "kind": "blame"}}).problem(kindValidation)
		wantField(t, p, "text", "required")
		wantField(t, p, "kind", "unknown")
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l1.ID, token: csirtToken, body: map[string]any{
			"improvement_action_id": "00000000-0000-0000-0000-000000000000"}}).want(http.StatusBadRequest)
		p = e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l2.ID, token: csirtToken, body: map[string]any{"status": "declined"}}).problem(kindValidation)
		wantField(t, p, "reason", "required")
		var dec lessonJSON
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l2.ID, token: csirtToken, body: map[string]any{"status": "declined", "reason": "既存の訓練で扱う"}}).
			want(http.StatusOK).into(&dec)
		if dec.Status != "declined" || dec.DecidedAt == nil || dec.DecidedBy == nil || *dec.DecidedBy != csirt.ID {
			t.Errorf("declined %+v", dec)
		}
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l1.ID, token: csirtToken, body: `{"department_id":null,"text":"添付の検査を強化"}`}).
			want(http.StatusOK).into(&dec)
		if dec.DepartmentID != nil || dec.Text != "添付の検査を強化" {
			t.Errorf("patched %+v", dec)
		}
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l1.ID, token: managerToken, body: map[string]any{"status": "accepted"}}).problem(kindForbidden)
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l1.ID, token: csirtToken, body: map[string]any{"status": "accepted"}}).want(http.StatusOK)
		var lessons []lessonJSON
		e.get(base+"/lessons", auditorToken).want(http.StatusOK).into(&lessons)
		if len(lessons) != 2 || lessons[0].ID != l1.ID || lessons[0].Status != "accepted" || lessons[0].IncidentNumber != inc.Number {
			t.Errorf("incident lessons %+v", lessons)
		}

		// A lesson on the RED incident, invisible to everyone but the CSIRT.
		var rl lessonJSON
		e.do(req{method: "POST", path: "/api/v1/incidents/" + red.ID + "/lessons", token: csirtToken, body: map[string]any{
			"text": "秘密", "proposed_change": "秘密", "kind": "policy"}}).want(http.StatusCreated).into(&rl)
		e.get("/api/v1/lessons/"+rl.ID, managerToken).problem(kindNotFound)
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + rl.ID, token: e.adminToken, body: map[string]any{"status": "accepted"}}).problem(kindNotFound)
		for _, tc := range []struct {
			name  string
			token string
			n     int
		}{
			{"csirt", csirtToken, 3}, {"admin", e.adminToken, 2}, {"manager", managerToken, 2}, {"auditor", auditorToken, 2},
		} {
			seen := 0
			path := "/api/v1/lessons?limit=1"
			for {
				var page listJSON[lessonJSON]
				e.get(path, tc.token).want(http.StatusOK).into(&page)
				seen += len(page.Items)
				for _, it := range page.Items {
					if it.ID == rl.ID && tc.name != "csirt" {
						t.Errorf("%s sees the RED lesson", tc.name)
					}
				}
				if page.NextCursor == nil {
					break
				}
				path = "/api/v1/lessons?limit=1&cursor=" + *page.NextCursor
			}
			if seen != tc.n {
				t.Errorf("%s lists %d lessons, want %d", tc.name, seen, tc.n)
			}
		}
		var accepted listJSON[lessonJSON]
		e.get("/api/v1/lessons?status=accepted", managerToken).want(http.StatusOK).into(&accepted)
		if len(accepted.Items) != 1 || accepted.Items[0].ID != l1.ID || accepted.Items[0].IncidentNumber != inc.Number {
			t.Errorf("accepted %+v", accepted.Items)
		}
		e.get("/api/v1/lessons?status=maybe", managerToken).want(http.StatusBadRequest)
		e.get("/api/v1/lessons", memberToken).problem(kindForbidden)

		// Closing needs a completed review; completing needs root cause and what to change.
		if _, err := e.svc.Incidents.Transition(ctx, ca, inc.ID, hikeshi.PhaseRecurrencePrevention, ""); err != nil {
			t.Fatal(err)
		}
		p = e.do(req{method: "POST", path: base + "/transitions", token: csirtToken, body: map[string]any{"to": "closed"}}).problem(kindValidation)
		wantField(t, p, "to", "review_required")
		p = e.do(req{method: "POST", path: base + "/review/complete", token: csirtToken}).problem(kindValidation)
		wantField(t, p, "to_change", "required")
		e.do(req{method: "PUT", path: base + "/review", token: csirtToken, body: map[string]any{
			"root_cause": "添付の検査が無効", "to_change": "検査を有効にする"}}).want(http.StatusOK)
		e.do(req{method: "POST", path: base + "/review/complete", token: auditorToken}).problem(kindForbidden)
		e.do(req{method: "POST", path: base + "/review/complete", token: csirtToken}).want(http.StatusOK).into(&rv)
		if rv.Status != "completed" || rv.CompletedAt == nil || rv.CompletedBy == nil || *rv.CompletedBy != csirt.ID || len(rv.Factors) != 0 {
			t.Errorf("completed %+v", rv)
		}
		p = e.do(req{method: "PUT", path: base + "/review", token: csirtToken, body: map[string]any{"root_cause": "x"}}).problem(kindConflict)
		wantField(t, p, "review", "completed")
		e.do(req{method: "POST", path: base + "/review/reopen", token: csirtToken}).want(http.StatusOK).into(&rv)
		if rv.Status != "draft" || rv.CompletedAt != nil {
			t.Errorf("reopened %+v", rv)
		}
		e.do(req{method: "POST", path: base + "/transitions", token: csirtToken, body: map[string]any{"to": "closed"}}).problem(kindValidation)
		p = e.do(req{method: "POST", path: base + "/review/complete", token: csirtToken, body: map[string]any{"root_cause": "x", "factors": []string{"blame"}}}).
			problem(kindValidation)
		wantField(t, p, "factors", "unknown")
		e.do(req{method: "POST", path: base + "/review/complete", token: csirtToken, body: map[string]any{
			"root_cause": "添付の検査が無効", "to_change": "検査を有効にする", "factors": []string{"supplier"}}}).want(http.StatusOK).into(&rv)
		if rv.Status != "completed" || len(rv.Factors) != 1 || rv.Factors[0] != "supplier" {
			t.Errorf("completed with a body %+v", rv)
		}
		var closed incidentJSON
		e.do(req{method: "POST", path: base + "/transitions", token: csirtToken, body: map[string]any{"to": "closed"}}).want(http.StatusOK).into(&closed)
		if closed.Phase != "closed" {
			t.Errorf("closed %+v", closed)
		}
		p = e.do(req{method: "POST", path: base + "/review/reopen", token: csirtToken}).problem(kindConflict)
		wantField(t, p, "review", "incident_closed")
	})
}
