package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestManagementAPI plans, holds, decides and closes a management review
// through the API with every role and hostile input, on both engines.
func TestManagementAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "情報システム部", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		admin, adminTok := e.userWithToken("mr-admin@example.org", hikeshi.RoleAdmin, "")
		mgr, mgrTok := e.userWithToken("mr-manager@example.org", hikeshi.RoleManager, it.ID)
		_, csirtTok := e.userWithToken("mr-csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		itm, memTok := e.userWithToken("mr-member@example.org", hikeshi.RoleMember, it.ID)
		_, roTok := e.userWithToken("mr-auditor@example.org", hikeshi.RoleAuditor, it.ID)

		base := "/api/v1/isms/management-reviews"
		body := map[string]any{"title": "第1回 <script>alert(1)</script>", "period_from": "2020-01-01", "period_to": "2099-12-31",
			"meeting_date": "2026-07-10", "chair_id": mgr.ID, "attendee_ids": []string{admin.ID}, "issues": "法改正", "feedback": "<b>顧客</b>"}
		for _, tok := range []string{csirtTok, memTok, roTok} {
			e.do(req{method: "POST", path: base, token: tok, body: body}).problem(kindForbidden)
		}
		bad := func(k string, v any, field, code string) {
			t.Helper()
			b := map[string]any{}
			for k2, v2 := range body {
				b[k2] = v2
			}
			b[k] = v
			wantField(t, e.do(req{method: "POST", path: base, token: mgrTok, body: b}).problem(kindValidation), field, code)
		}
		bad("period_from", "01/04/2026", "period_from", "invalid_date")
		bad("period_to", "2019-12-31", "period_to", "before_start")
		bad("meeting_date", "2026-02-30", "meeting_date", "invalid_date")
		bad("chair_id", hikeshi.NewID(), "chair_id", "unknown")
		bad("attendee_ids", []string{"not-a-user"}, "attendee_ids", "unknown")
		e.do(req{method: "POST", path: base, token: mgrTok, body: map[string]any{"title": 5}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: base, token: mgrTok, body: map[string]any{"title": "x", "extra": true}}).want(http.StatusBadRequest)

		var m mgmtReviewJSON
		e.do(req{method: "POST", path: base, token: mgrTok, body: body}).want(http.StatusCreated).into(&m)
		if m.Status != "planned" || m.Title != body["title"] || m.InputsLive == nil || !*m.InputsLive || m.Inputs == nil || !m.CanEdit {
			t.Fatalf("created: %+v", m)
		}
		one := base + "/" + m.ID
		// Everyone reads; the list is newest first.
		for _, tok := range []string{adminTok, mgrTok, csirtTok, memTok, roTok} {
			var got mgmtReviewJSON
			e.do(req{method: "GET", path: one, token: tok}).want(http.StatusOK).into(&got)
			if got.ID != m.ID {
				t.Fatalf("read: %+v", got)
			}
		}
		var list struct {
			Items []mgmtReviewJSON `json:"items"`
		}
		e.do(req{method: "GET", path: base, token: roTok}).want(http.StatusOK).into(&list)
		if len(list.Items) != 1 || list.Items[0].Inputs != nil {
			t.Fatalf("list: %+v", list)
		}
		e.do(req{method: "GET", path: base + "/" + hikeshi.NewID(), token: memTok}).want(http.StatusNotFound)

		// Moves: close and decide before held are conflicts; others may not hold.
		e.do(req{method: "POST", path: one + "/close", token: mgrTok}).problem(kindConflict)
		dec := map[string]any{"kind": "resources", "text": "要員を増やす\n予算化", "department_id": it.ID, "owner_id": itm.ID, "due_date": "2026-09-30"}
		e.do(req{method: "POST", path: one + "/decisions", token: mgrTok, body: dec}).problem(kindConflict)
		e.do(req{method: "POST", path: one + "/recompile", token: mgrTok}).want(http.StatusOK)
		for _, tok := range []string{csirtTok, memTok, roTok} {
			e.do(req{method: "POST", path: one + "/hold", token: tok}).problem(kindForbidden)
		}
		var held mgmtReviewJSON
		e.do(req{method: "POST", path: one + "/hold", token: adminTok}).want(http.StatusOK).into(&held)
		if held.Status != "held" || held.InputsLive == nil || *held.InputsLive || held.HeldAt == nil {
			t.Fatalf("held: %+v", held)
		}
		if in := held.Inputs; in == nil || in.CompiledAt.IsZero() || in.From != "2020-01-01" || in.Incidents.ByCategory == nil {
			t.Fatalf("inputs: %+v", held.Inputs)
		}
		e.do(req{method: "POST", path: one + "/hold", token: adminTok}).problem(kindConflict)
		e.do(req{method: "POST", path: one + "/recompile", token: adminTok}).problem(kindConflict)
		frozen := map[string]any{}
		for k, v := range body {
			frozen[k] = v
		}
		frozen["period_to"] = "2098-12-31"
		e.do(req{method: "PUT", path: one, token: mgrTok, body: frozen}).problem(kindConflict)
		frozen["period_to"], frozen["minutes"] = body["period_to"], "議事録"
		var upd mgmtReviewJSON
		e.do(req{method: "PUT", path: one, token: mgrTok, body: frozen}).want(http.StatusOK).into(&upd)
		if upd.Minutes != "議事録" {
			t.Errorf("minutes: %+v", upd)
		}

		// Decisions → corrective actions.
		badDec := map[string]any{"kind": "whim", "text": "x", "department_id": it.ID, "due_date": "2026-09-30"}
		wantField(t, e.do(req{method: "POST", path: one + "/decisions", token: mgrTok, body: badDec}).problem(kindValidation), "kind", "unknown")
		badDec["kind"], badDec["due_date"] = "improvement", "tomorrow"
		wantField(t, e.do(req{method: "POST", path: one + "/decisions", token: mgrTok, body: badDec}).problem(kindValidation), "due_date", "invalid_date")
		badDec["due_date"], badDec["owner_id"] = "2026-09-30", hikeshi.NewID()
		wantField(t, e.do(req{method: "POST", path: one + "/decisions", token: mgrTok, body: badDec}).problem(kindValidation), "owner_id", "unknown")
		e.do(req{method: "POST", path: one + "/decisions", token: roTok, body: dec}).problem(kindForbidden)
		var d mgmtDecisionJSON
		e.do(req{method: "POST", path: one + "/decisions", token: mgrTok, body: dec}).want(http.StatusCreated).into(&d)
		if d.Action.SourceKind != "management_review" || d.Action.SourceID != m.ID || d.Action.Title != "要員を増やす" || d.Action.Status != "open" {
			t.Fatalf("decision: %+v", d)
		}
		var act actionJSON
		e.do(req{method: "GET", path: "/api/v1/isms/actions/" + d.Action.ID, token: roTok}).want(http.StatusOK).into(&act)
		var got mgmtReviewJSON
		e.do(req{method: "GET", path: one, token: memTok}).want(http.StatusOK).into(&got)
		if len(got.Decisions) != 1 || got.Decisions[0].Action.ID != act.ID {
			t.Fatalf("decisions: %+v", got.Decisions)
		}

		var closed mgmtReviewJSON
		e.do(req{method: "POST", path: one + "/close", token: mgrTok}).want(http.StatusOK).into(&closed)
		if closed.Status != "closed" || closed.ClosedAt == nil || closed.CanEdit {
			t.Fatalf("closed: %+v", closed)
		}
		e.do(req{method: "POST", path: one + "/close", token: mgrTok}).problem(kindConflict)
		e.do(req{method: "PUT", path: one, token: mgrTok, body: frozen}).problem(kindConflict)
		e.do(req{method: "POST", path: one + "/decisions", token: mgrTok, body: dec}).problem(kindConflict)
	})
}
