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

// TestChecksLinksAPI links findings and metrics to measures and
// requirements, deletes and archives through the API (refusals name the
// references, 409), lists overdue actions and the caller's reminders, with
// hostile input and the wrong roles, on both engines.
func TestChecksLinksAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "情報システム部", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		sales, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := e.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "パッチ管理", Status: hikeshi.StatusPartial})
		if err != nil {
			t.Fatal(err)
		}
		_, mgrTok := e.userWithToken("l-manager@example.org", hikeshi.RoleManager, sales.ID)
		aud, audTok := e.userWithToken("l-member@example.org", hikeshi.RoleMember, sales.ID)
		itm, itTok := e.userWithToken("l-it@example.org", hikeshi.RoleMember, it.ID)
		_, roTok := e.userWithToken("l-auditor@example.org", hikeshi.RoleAuditor, it.ID)
		_, csirtTok := e.userWithToken("l-csirt@example.org", hikeshi.RoleCSIRT, it.ID)

		var p programmeJSON
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: mgrTok, body: map[string]any{"year": 2026, "title": "計画",
			"period_start": "2026-04-01", "period_end": "2027-03-31"}}).want(http.StatusCreated).into(&p)
		var au internalAuditJSON
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes/" + p.ID + "/audits", token: mgrTok, body: map[string]any{"title": "IT監査",
			"scope": "s", "department_ids": []string{it.ID}, "criteria": "c", "planned_start": "2026-06-01", "planned_end": "2026-06-02",
			"auditor_ids": []string{aud.ID}}}).want(http.StatusCreated).into(&au)
		pp := "/api/v1/isms/audit-programmes/" + p.ID
		for _, tok := range []string{roTok, itTok, csirtTok, audTok} {
			e.do(req{method: "DELETE", path: pp, token: tok}).problem(kindForbidden)
		}
		pr := e.do(req{method: "DELETE", path: pp, token: mgrTok}).problem(kindConflict)
		wantField(t, pr, "programme", "referenced")
		if !strings.Contains(pr.Detail+pr.Errors[0].Message, "IT監査") {
			t.Errorf("the refusal does not name the audit: %+v", pr)
		}
		ab := "/api/v1/isms/audits/" + au.ID
		e.do(req{method: "POST", path: ab + "/status", token: audTok, body: map[string]any{"status": "in_progress"}}).want(http.StatusOK)

		// Findings with links; hostile links refused by field.
		fb := func(mod func(map[string]any)) map[string]any {
			b := map[string]any{"type": "minor_nc", "description": "d", "requirement": "メモ", "department_id": it.ID,
				"framework_key": hikeshi.ISO27001Key, "requirement_ref": "A.8.8", "measure_id": ms.ID}
			if mod != nil {
				mod(b)
			}
			return b
		}
		for _, c := range []struct {
			mod         func(map[string]any)
			field, code string
		}{
			{func(b map[string]any) { b["requirement_ref"] = "A.8.99" }, "requirement_ref", "unknown_requirement"},
			{func(b map[string]any) { delete(b, "framework_key") }, "framework_key", "required"},
			{func(b map[string]any) { b["framework_key"] = "<script>" }, "framework_key", "unknown"},
			{func(b map[string]any) { b["measure_id"] = hikeshi.NewID() }, "measure_id", "unknown"},
			{func(b map[string]any) { b["requirement_ref"] = strings.Repeat("A", 101) }, "requirement_ref", "too_long"},
		} {
			wantField(t, e.do(req{method: "POST", path: ab + "/findings", token: audTok, body: fb(c.mod)}).problem(kindValidation), c.field, c.code)
		}
		e.do(req{method: "POST", path: ab + "/findings", token: audTok, body: fb(func(b map[string]any) { b["measure_id"] = 7 })}).want(http.StatusBadRequest)
		var fd findingJSON
		e.do(req{method: "POST", path: ab + "/findings", token: audTok, body: fb(nil)}).want(http.StatusCreated).into(&fd)
		if fd.MeasureID == nil || *fd.MeasureID != ms.ID || fd.FrameworkKey == nil || *fd.RequirementRef != "A.8.8" || fd.Requirement != "メモ" {
			t.Fatalf("finding links: %+v", fd)
		}
		e.do(req{method: "PUT", path: "/api/v1/isms/findings/" + fd.ID, token: audTok, body: fb(func(b map[string]any) {
			delete(b, "framework_key")
			delete(b, "requirement_ref")
			delete(b, "measure_id")
		})}).want(http.StatusOK).into(&fd)
		if fd.MeasureID != nil || fd.RequirementRef != nil {
			t.Errorf("unlinked: %+v", fd)
		}
		wantField(t, e.do(req{method: "DELETE", path: ab, token: mgrTok}).problem(kindConflict), "audit", "referenced")

		// A finding with an action is kept; the action is overdue and reminded.
		var act actionJSON
		e.do(req{method: "POST", path: "/api/v1/isms/actions", token: itTok, body: map[string]any{"source_kind": "finding", "source_id": fd.ID,
			"title": "手順の整備", "action": "a", "department_id": it.ID, "owner_id": itm.ID, "due_date": "2026-01-05"}}).want(http.StatusCreated).into(&act)
		if !act.Overdue {
			t.Errorf("not overdue: %+v", act)
		}
		for _, tok := range []string{mgrTok, itTok, roTok} {
			e.do(req{method: "DELETE", path: "/api/v1/isms/findings/" + fd.ID, token: tok}).problem(kindForbidden)
		}
		pr = e.do(req{method: "DELETE", path: "/api/v1/isms/findings/" + fd.ID, token: audTok}).problem(kindConflict)
		wantField(t, pr, "finding", "referenced")
		var future actionJSON
		e.do(req{method: "POST", path: "/api/v1/isms/actions", token: itTok, body: map[string]any{"source_kind": "finding", "source_id": fd.ID,
			"title": "将来", "action": "a", "department_id": it.ID, "due_date": "2099-12-31"}}).want(http.StatusCreated).into(&future)
		var l struct{ Items []actionJSON }
		e.get("/api/v1/isms/actions?overdue=true", roTok).want(http.StatusOK).into(&l)
		if len(l.Items) != 1 || l.Items[0].ID != act.ID {
			t.Errorf("overdue list: %+v", l.Items)
		}
		e.get("/api/v1/isms/actions?overdue=false", roTok).want(http.StatusOK).into(&l)
		if len(l.Items) != 2 {
			t.Errorf("full list: %d", len(l.Items))
		}
		e.get("/api/v1/isms/actions?overdue=yes'--", roTok).problem(kindBadRequest)
		if _, err := e.svc.Checks.Remind(ctx, sys, nil); err != nil {
			t.Fatal(err)
		}
		var rs []actionReminderJSON
		e.get("/api/v1/isms/action-reminders", itTok).want(http.StatusOK).into(&rs)
		if len(rs) != 1 || rs[0].ActionID != act.ID || rs[0].DueDate != "2026-01-05" || rs[0].ActionTitle != "手順の整備" {
			t.Fatalf("reminders: %+v", rs)
		}
		e.get("/api/v1/isms/action-reminders", roTok).want(http.StatusOK).into(&rs)
		if len(rs) != 0 {
			t.Errorf("the read-only auditor was reminded: %+v", rs)
		}
		e.do(req{method: "POST", path: "/api/v1/isms/action-reminders/" + rs0(t, e, itTok) + "/dismiss", token: csirtTok}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/isms/action-reminders/" + rs0(t, e, itTok) + "/dismiss", token: itTok}).want(http.StatusNoContent)
		e.get("/api/v1/isms/action-reminders", itTok).want(http.StatusOK).into(&rs)
		if len(rs) != 0 {
			t.Errorf("after dismissing: %+v", rs)
		}

		// Metrics: linked, archive/restore, delete refused with values.
		var m metricJSON
		mb := map[string]any{"name": "適用率", "measure_id": ms.ID, "target": "95", "comparison": "ge", "frequency": "monthly", "department_id": it.ID}
		e.do(req{method: "POST", path: "/api/v1/isms/metrics", token: mgrTok, body: mb}).want(http.StatusCreated).into(&m)
		if m.MeasureID == nil || *m.MeasureID != ms.ID || m.ArchivedAt != nil {
			t.Errorf("metric: %+v", m)
		}
		mp := "/api/v1/isms/metrics/" + m.ID
		e.do(req{method: "POST", path: mp + "/values", token: itTok, body: map[string]any{"period": "2026-05-31", "value": "96"}}).want(http.StatusCreated)
		for _, tok := range []string{itTok, roTok, csirtTok} {
			e.do(req{method: "DELETE", path: mp, token: tok}).problem(kindForbidden)
			e.do(req{method: "POST", path: mp + "/archive", token: tok}).problem(kindForbidden)
		}
		pr = e.do(req{method: "DELETE", path: mp, token: mgrTok}).problem(kindConflict)
		wantField(t, pr, "metric", "referenced")
		e.do(req{method: "POST", path: mp + "/archive", token: mgrTok}).want(http.StatusOK).into(&m)
		if m.ArchivedAt == nil {
			t.Errorf("not archived: %+v", m)
		}
		wantField(t, e.do(req{method: "POST", path: mp + "/values", token: itTok, body: map[string]any{"period": "2026-06-30", "value": "1"}}).
			problem(kindConflict), "metric", "archived")
		e.do(req{method: "POST", path: mp + "/restore", token: mgrTok}).want(http.StatusOK).into(&m)
		if m.ArchivedAt != nil {
			t.Errorf("not restored: %+v", m)
		}
		var m2 metricJSON
		e.do(req{method: "POST", path: "/api/v1/isms/metrics", token: mgrTok, body: mb}).want(http.StatusCreated).into(&m2)
		e.do(req{method: "DELETE", path: "/api/v1/isms/metrics/" + m2.ID, token: mgrTok}).want(http.StatusNoContent)
		e.get("/api/v1/isms/metrics/"+m2.ID, mgrTok).problem(kindNotFound)

		// An empty programme and a planned audit without findings are deleted.
		var p2 programmeJSON
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: mgrTok, body: map[string]any{"year": 2027, "title": "誤り",
			"period_start": "2027-04-01", "period_end": "2028-03-31"}}).want(http.StatusCreated).into(&p2)
		var au2 internalAuditJSON
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes/" + p2.ID + "/audits", token: mgrTok, body: map[string]any{"title": "誤り",
			"scope": "s", "department_ids": []string{it.ID}, "criteria": "c", "planned_start": "2027-06-01", "planned_end": "2027-06-02",
			"auditor_ids": []string{aud.ID}}}).want(http.StatusCreated).into(&au2)
		e.do(req{method: "DELETE", path: "/api/v1/isms/audits/" + au2.ID, token: mgrTok}).want(http.StatusNoContent)
		e.do(req{method: "DELETE", path: "/api/v1/isms/audit-programmes/" + p2.ID, token: mgrTok}).want(http.StatusNoContent)
		e.do(req{method: "DELETE", path: "/api/v1/isms/audit-programmes/" + p2.ID, token: mgrTok}).problem(kindNotFound)
	})
}

// rs0 is the id of the first of the caller's action reminders.
func rs0(t *testing.T, e *env, tok string) string {
	t.Helper()
	var rs []actionReminderJSON
	e.get("/api/v1/isms/action-reminders", tok).want(http.StatusOK).into(&rs)
	if len(rs) == 0 {
		t.Fatal("no reminder")
	}
	return rs[0].ID
}
