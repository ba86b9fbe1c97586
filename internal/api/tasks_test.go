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

// TestTasksAPI adds, lists, edits and moves tasks, with the TLP-limited
// context of a RED incident for a member of the assigned department, on both
// engines.
func TestTasksAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		depts := map[hikeshi.DepartmentKind]hikeshi.Department{}
		for _, k := range hikeshi.DepartmentKinds {
			d, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "dept " + string(k), Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			depts[k] = d
		}
		sales := depts[hikeshi.KindBusinessUnit]
		_, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, depts[hikeshi.KindCSIRT].ID)
		member, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, sales.ID)
		_, otherToken := e.userWithToken("other@example.org", hikeshi.RoleMember, depts[hikeshi.KindIT].ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, depts[hikeshi.KindIT].ID)

		var red incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "極秘の漏えい", "category": "data-leak", "impact": 1, "urgency": 1, "tlp": "RED"}}).want(http.StatusCreated).into(&red)

		// Hostile and bad input.
		base := "/api/v1/incidents/" + red.ID + "/tasks"
		for _, tc := range []struct {
			body  any
			field string
			code  string
		}{
			{map[string]any{"title": "x", "department_id": sales.ID, "due_at": "2026/05/01"}, "due_at", "invalid_date"},
			{map[string]any{"title": "x", "department_id": sales.ID, "due_at": "tomorrow"}, "due_at", "invalid_date"},
			{map[string]any{"title": strings.Repeat("x", 201), "department_id": sales.ID}, "title", "too_long"},
			{map[string]any{"title": "x", "department_id": hikeshi.NewID()}, "department_id", "unknown"},
			{map[string]any{"title": "x", "department_id": depts[hikeshi.KindIT].ID, "assignee_id": member.ID}, "assignee_id", "not_in_department"},
		} {
			wantField(t, e.do(req{method: "POST", path: base, token: csirtToken, body: tc.body}).problem(kindValidation), tc.field, tc.code)
		}
		e.do(req{method: "POST", path: base, token: csirtToken, body: map[string]any{"title": "x", "department_id": sales.ID, "due_at": 5}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: base, token: csirtToken, body: map[string]any{"title": "x", "department_id": sales.ID, "culprit": "x"}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: base, token: auditorToken, body: map[string]any{"title": "x", "department_id": sales.ID}}).want(http.StatusNotFound)

		var task taskJSON
		e.do(req{method: "POST", path: base, token: csirtToken, body: map[string]any{"title": "顧客リスト <b>確認</b>", "department_id": sales.ID,
			"assignee_id": member.ID, "due_at": "2026-05-01T17:00:00+09:00"}}).want(http.StatusCreated).into(&task)
		if task.Status != "open" || task.DueAt == nil || task.DueAt.Hour() != 8 || task.Incident.Title == nil || !task.CanEdit || task.Title != "顧客リスト <b>確認</b>" {
			t.Errorf("created %+v", task)
		}

		// The member sees the task with the number and TLP, not the title.
		var got taskJSON
		e.get("/api/v1/tasks/"+task.ID, memberToken).want(http.StatusOK).into(&got)
		if !got.Incident.Limited || got.Incident.Title != nil || got.Incident.Phase != nil || got.Incident.Number != red.Number || got.Incident.TLP != "RED" || got.Incident.CanOpen {
			t.Errorf("member's context %+v", got.Incident)
		}
		e.get("/api/v1/incidents/"+red.ID, memberToken).want(http.StatusNotFound)
		e.get("/api/v1/tasks/"+task.ID, otherToken).want(http.StatusNotFound)
		var inbox listJSON[taskJSON]
		e.get("/api/v1/tasks", memberToken).want(http.StatusOK).into(&inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].ID != task.ID {
			t.Errorf("member inbox %+v", inbox)
		}
		e.get("/api/v1/tasks?department_id="+depts[hikeshi.KindIT].ID, memberToken).problem(kindForbidden)
		e.get("/api/v1/tasks", otherToken).want(http.StatusOK).into(&inbox)
		if len(inbox.Items) != 0 {
			t.Errorf("other department's inbox shows %d tasks", len(inbox.Items))
		}
		e.get("/api/v1/tasks?status=finished", csirtToken).want(http.StatusBadRequest)
		e.get("/api/v1/tasks?cursor=bm9wZQ", csirtToken).want(http.StatusBadRequest)
		e.get("/api/v1/tasks?department_id=x%27%20OR%201=1", csirtToken).want(http.StatusBadRequest)

		// Status moves: an illegal one is refused with the reason.
		e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: otherToken, body: map[string]any{"status": "done"}}).want(http.StatusNotFound)
		// The auditor was not added to the RED incident: its task is not theirs to see.
		e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: auditorToken, body: map[string]any{"status": "done"}}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: memberToken, body: map[string]any{"status": "done", "note": "確認済み"}}).
			want(http.StatusOK).into(&got)
		if got.Status != "done" || got.CompletedAt == nil || got.Note != "確認済み" {
			t.Errorf("done %+v", got)
		}
		p := e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: memberToken, body: map[string]any{"status": "in_progress"}}).problem(kindValidation)
		wantField(t, p, "status", "not_allowed")
		e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: memberToken, body: map[string]any{"status": "open"}}).want(http.StatusOK)
		p = e.do(req{method: "POST", path: "/api/v1/tasks/" + task.ID + "/status", token: memberToken, body: map[string]any{"status": "cancelled"}}).problem(kindValidation)
		wantField(t, p, "status", "handlers_only")

		// PATCH: reassign and remove the due date; members may not edit.
		e.do(req{method: "PATCH", path: "/api/v1/tasks/" + task.ID, token: memberToken, body: `{"title":"x"}`}).problem(kindForbidden)
		e.do(req{method: "PATCH", path: "/api/v1/tasks/" + task.ID, token: csirtToken, body: `{"due_at":"31-12-2026"}`}).problem(kindValidation)
		e.do(req{method: "PATCH", path: "/api/v1/tasks/" + task.ID, token: csirtToken,
			body: `{"department_id":"` + depts[hikeshi.KindIT].ID + `","due_at":null}`}).want(http.StatusOK).into(&got)
		if got.DepartmentID != depts[hikeshi.KindIT].ID || got.AssigneeID != nil || got.DueAt != nil {
			t.Errorf("patched %+v", got)
		}
		e.get("/api/v1/tasks/"+task.ID, memberToken).want(http.StatusNotFound)
		var list []taskJSON
		e.get(base, csirtToken).want(http.StatusOK).into(&list)
		if len(list) != 1 {
			t.Errorf("incident tasks %d", len(list))
		}
		e.get(base, memberToken).want(http.StatusNotFound)
	})
}

func TestPlaybooksAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindCSIRT}); err != nil {
			t.Fatal(err)
		}
		_, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, it.ID)
		var inc incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "DDoS", "category": "ddos", "impact": 2, "urgency": 1}}).want(http.StatusCreated).into(&inc)

		var all []playbookJSON
		e.get("/api/v1/playbooks", memberToken).want(http.StatusOK).into(&all)
		if len(all) != len(hikeshi.BuiltinPlaybooks) || all[0].Key != "phishing" || all[0].Name != "Phishing" {
			t.Errorf("playbooks %+v", all)
		}
		var sugg []playbookJSON
		e.get("/api/v1/incidents/"+inc.ID+"/playbooks", csirtToken).want(http.StatusOK).into(&sugg)
		if len(sugg) != 1 || sugg[0].Key != "ddos" {
			t.Errorf("suggestions %+v", sugg)
		}
		// The organisation has no business unit: refused, naming the kind.
		apply := "/api/v1/incidents/" + inc.ID + "/playbooks/ddos/apply"
		p := e.do(req{method: "POST", path: apply, token: csirtToken}).problem(kindValidation)
		wantField(t, p, "departments.business_unit", "no_department")
		if !strings.Contains(mustJSON(t, p), "business_unit") {
			t.Errorf("problem does not name the kind: %+v", p)
		}
		bu, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "営業", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		e.do(req{method: "POST", path: apply, token: csirtToken, body: map[string]any{"departments": map[string]any{"it": bu.ID}}}).problem(kindValidation)
		e.do(req{method: "POST", path: apply, token: csirtToken, body: map[string]any{"departments": map[string]any{"sales": bu.ID}}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: apply, token: csirtToken, body: map[string]any{"locale": "fr"}}).problem(kindValidation)
		e.do(req{method: "POST", path: apply, token: memberToken}).want(http.StatusNotFound)
		var made []taskJSON
		e.do(req{method: "POST", path: apply, token: csirtToken, body: map[string]any{"locale": "ja", "departments": map[string]any{"it": it.ID}}}).
			want(http.StatusCreated).into(&made)
		if len(made) != 5 || made[0].Title != "攻撃であることと通信の傾向を確認する" || made[0].DueAt == nil || made[2].DepartmentID != bu.ID {
			t.Errorf("applied %+v", made)
		}

		// Custom playbooks: create, edit, switch off; built-ins are not edited.
		body := map[string]any{"name": "独自 <b>", "categories": []string{"ddos"}, "tasks": []map[string]any{{"title": "確認", "kind": "it", "due_hours": 2}}}
		e.do(req{method: "POST", path: "/api/v1/playbooks", token: memberToken, body: body}).problem(kindForbidden)
		var pb playbookJSON
		e.do(req{method: "POST", path: "/api/v1/playbooks", token: csirtToken, body: body}).want(http.StatusCreated).into(&pb)
		if pb.BuiltIn || pb.Name != "独自 <b>" || len(pb.Tasks) != 1 {
			t.Errorf("created %+v", pb)
		}
		p = e.do(req{method: "POST", path: "/api/v1/playbooks", token: csirtToken, body: map[string]any{"name": "x", "categories": []string{"culprit"},
			"tasks": []map[string]any{{"title": "t", "kind": "sales", "due_hours": -3}}}}).problem(kindValidation)
		wantField(t, p, "categories", "unknown")
		e.do(req{method: "PATCH", path: "/api/v1/playbooks/ddos", token: csirtToken, body: `{"name":"mine"}`}).problem(kindValidation)
		e.do(req{method: "PATCH", path: "/api/v1/playbooks/ddos", token: csirtToken, body: `{"disabled":true}`}).want(http.StatusOK).into(&pb)
		if !pb.Disabled || !pb.BuiltIn {
			t.Errorf("switched off %+v", pb)
		}
		e.get("/api/v1/incidents/"+inc.ID+"/playbooks", csirtToken).want(http.StatusOK).into(&sugg)
		if len(sugg) != 1 || sugg[0].BuiltIn {
			t.Errorf("suggestions after switching off %+v", sugg)
		}
		var cp playbookJSON
		e.do(req{method: "POST", path: "/api/v1/playbooks/malware/copy", token: csirtToken}).want(http.StatusCreated).into(&cp)
		e.do(req{method: "PATCH", path: "/api/v1/playbooks/" + cp.Key, token: csirtToken, body: `{"name":"改","categories":["ddos"]}`}).want(http.StatusOK).into(&cp)
		if cp.Name != "改" || len(cp.Tasks) != 7 {
			t.Errorf("edited copy %+v", cp)
		}
		e.get("/api/v1/playbooks/nope", csirtToken).want(http.StatusNotFound)
	})
}
