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

// TestChecksAPI runs an internal audit through a nonconformity and its
// corrective action's effectiveness check, and a metric, with every role and
// hostile input, on both engines.
func TestChecksAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		mk := func(name string) hikeshi.Department {
			d, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: name, Kind: hikeshi.KindBusinessUnit})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		it, sales := mk("情報システム部"), mk("営業部")
		_, adminTok := e.userWithToken("chk-admin@example.org", hikeshi.RoleAdmin, "")
		_, mgrTok := e.userWithToken("chk-manager@example.org", hikeshi.RoleManager, sales.ID)
		_, csirtTok := e.userWithToken("chk-csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		aud, audTok := e.userWithToken("chk-member@example.org", hikeshi.RoleMember, sales.ID) // the internal auditor
		itm, itTok := e.userWithToken("chk-it@example.org", hikeshi.RoleMember, it.ID)
		_, roTok := e.userWithToken("chk-auditor@example.org", hikeshi.RoleAuditor, it.ID)

		// Programme.
		prog := map[string]any{"year": 2026, "title": "2026年度", "period_start": "2026-04-01", "period_end": "2027-03-31"}
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: roTok, body: prog}).problem(kindForbidden)
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: itTok, body: prog}).problem(kindForbidden)
		wantField(t, e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: mgrTok, body: map[string]any{
			"year": 2026, "title": "x", "period_start": "01/04/2026", "period_end": "2027-03-31"}}).problem(kindValidation), "period_start", "invalid_date")
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: mgrTok, body: map[string]any{"year": "2026"}}).want(http.StatusBadRequest)
		var p programmeJSON
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: mgrTok, body: prog}).want(http.StatusCreated).into(&p)
		e.do(req{method: "POST", path: "/api/v1/isms/audit-programmes", token: adminTok, body: prog}).problem(kindConflict)

		// Audit: an IT member may not audit IT.
		auditBody := func(auditors ...string) map[string]any {
			return map[string]any{"title": "IT監査", "scope": "運用", "department_ids": []string{it.ID}, "criteria": "ISO/IEC 27001:2022 clauses 4–10, Annex A.5",
				"planned_start": "2026-06-01", "planned_end": "2026-06-03", "auditor_ids": auditors}
		}
		ap := "/api/v1/isms/audit-programmes/" + p.ID + "/audits"
		pr := e.do(req{method: "POST", path: ap, token: mgrTok, body: auditBody(itm.ID)}).problem(kindValidation)
		wantField(t, pr, "auditor_ids", "own_department")
		if !strings.Contains(pr.Detail, "情報システム部") {
			t.Errorf("the refusal does not name the department: %q", pr.Detail)
		}
		e.do(req{method: "POST", path: ap, token: csirtTok, body: auditBody(aud.ID)}).problem(kindForbidden)
		var au internalAuditJSON
		e.do(req{method: "POST", path: ap, token: mgrTok, body: auditBody(aud.ID)}).want(http.StatusCreated).into(&au)
		ab := "/api/v1/isms/audits/" + au.ID
		e.do(req{method: "POST", path: ab + "/status", token: audTok, body: map[string]any{"status": "in_progress"}}).want(http.StatusOK)

		// Findings: unknown type, HTML kept as text, the wrong people refused.
		fb := map[string]any{"type": "major_nc", "description": "<img src=x onerror=alert(1)>", "requirement": "A.8.8", "department_id": it.ID}
		wantField(t, e.do(req{method: "POST", path: ab + "/findings", token: audTok, body: map[string]any{
			"type": "disaster", "description": "x", "department_id": it.ID}}).problem(kindValidation), "type", "unknown")
		for _, tok := range []string{mgrTok, csirtTok, itTok, roTok} {
			e.do(req{method: "POST", path: ab + "/findings", token: tok, body: fb}).problem(kindForbidden)
		}
		var fd findingJSON
		e.do(req{method: "POST", path: ab + "/findings", token: audTok, body: fb}).want(http.StatusCreated).into(&fd)
		if fd.Description != "<img src=x onerror=alert(1)>" || !fd.NeedsAction {
			t.Errorf("finding: %+v", fd)
		}
		e.do(req{method: "POST", path: ab + "/status", token: audTok, body: map[string]any{"status": "reported", "report": "要約"}}).want(http.StatusOK)
		wantField(t, e.do(req{method: "POST", path: ab + "/status", token: mgrTok, body: map[string]any{"status": "closed"}}).problem(kindValidation),
			"status", "actions_missing")

		// Corrective action through its effectiveness check.
		ab2 := map[string]any{"source_kind": "finding", "source_id": fd.ID, "title": "是正", "root_cause": "手順なし", "action": "手順を作る",
			"department_id": it.ID, "due_date": "2026-07-01"}
		e.do(req{method: "POST", path: "/api/v1/isms/actions", token: roTok, body: ab2}).problem(kindForbidden)
		bad := map[string]any{}
		for k, v := range ab2 {
			bad[k] = v
		}
		bad["due_date"] = "2026-07-32"
		wantField(t, e.do(req{method: "POST", path: "/api/v1/isms/actions", token: itTok, body: bad}).problem(kindValidation), "due_date", "invalid_date")
		var act actionJSON
		e.do(req{method: "POST", path: "/api/v1/isms/actions", token: itTok, body: ab2}).want(http.StatusCreated).into(&act)
		acp := "/api/v1/isms/actions/" + act.ID
		wantField(t, e.do(req{method: "POST", path: acp + "/status", token: mgrTok, body: map[string]any{"status": "closed"}}).problem(kindValidation),
			"status", "check_required")
		e.do(req{method: "POST", path: acp + "/status", token: itTok, body: map[string]any{"status": "implemented"}}).want(http.StatusOK)
		e.do(req{method: "POST", path: acp + "/effectiveness", token: itTok, body: map[string]any{"result": "effective", "note": "x"}}).problem(kindForbidden)
		wantField(t, e.do(req{method: "POST", path: acp + "/effectiveness", token: mgrTok, body: map[string]any{"result": "great", "note": "x"}}).problem(kindValidation),
			"result", "unknown")
		e.do(req{method: "POST", path: acp + "/effectiveness", token: mgrTok, body: map[string]any{"result": "effective", "note": "再発なし"}}).want(http.StatusOK).into(&act)
		if act.Check == nil || act.Check.Result != "effective" || act.Status != "effective" {
			t.Fatalf("after the check: %+v", act)
		}
		e.do(req{method: "POST", path: acp + "/status", token: itTok, body: map[string]any{"status": "closed"}}).problem(kindForbidden)
		e.do(req{method: "POST", path: acp + "/status", token: mgrTok, body: map[string]any{"status": "closed"}}).want(http.StatusOK).into(&act)
		if act.Status != "closed" || act.ClosedAt == nil {
			t.Errorf("closed: %+v", act)
		}
		e.do(req{method: "POST", path: ab + "/status", token: mgrTok, body: map[string]any{"status": "closed"}}).want(http.StatusOK)

		// Metrics.
		mb := map[string]any{"name": "パッチ適用率", "measure_ref": "A.8.8", "unit": "%", "target": "95", "comparison": "ge", "frequency": "monthly", "department_id": it.ID}
		e.do(req{method: "POST", path: "/api/v1/isms/metrics", token: itTok, body: mb}).problem(kindForbidden)
		mb["frequency"] = "hourly"
		wantField(t, e.do(req{method: "POST", path: "/api/v1/isms/metrics", token: mgrTok, body: mb}).problem(kindValidation), "frequency", "unknown")
		mb["frequency"] = "monthly"
		var m metricJSON
		e.do(req{method: "POST", path: "/api/v1/isms/metrics", token: mgrTok, body: mb}).want(http.StatusCreated).into(&m)
		e.do(req{method: "POST", path: "/api/v1/isms/metrics/" + m.ID + "/values", token: audTok, body: map[string]any{"period": "2026-05-31", "value": "96"}}).problem(kindForbidden)
		wantField(t, e.do(req{method: "POST", path: "/api/v1/isms/metrics/" + m.ID + "/values", token: itTok,
			body: map[string]any{"period": "2026-05-31", "value": "ninety"}}).problem(kindValidation), "value", "invalid_number")
		e.do(req{method: "POST", path: "/api/v1/isms/metrics/" + m.ID + "/values", token: itTok, body: map[string]any{"period": "2026-05-31", "value": "96"}}).
			want(http.StatusCreated).into(&m)
		if m.Met == nil || !*m.Met || m.Latest.Value != "96" {
			t.Errorf("metric: %+v", m)
		}

		// Every role reads every list.
		for _, tok := range []string{adminTok, mgrTok, csirtTok, audTok, itTok, roTok} {
			for _, path := range []string{"/api/v1/isms/audit-programmes", "/api/v1/isms/audits", "/api/v1/isms/findings?audit_id=" + au.ID,
				"/api/v1/isms/actions", "/api/v1/isms/metrics"} {
				var l struct{ Items []map[string]any }
				e.get(path, tok).want(http.StatusOK).into(&l)
				if len(l.Items) != 1 {
					t.Errorf("%s: %d items", path, len(l.Items))
				}
			}
		}
		e.get("/api/v1/isms/audits?programme_id=nope", adminTok).problem(kindBadRequest)
		e.get("/api/v1/isms/actions/"+hikeshi.NewID(), adminTok).problem(kindNotFound)
	})
}
