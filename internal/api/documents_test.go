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

// TestDocumentsAPI walks a policy through draft, review, approval and a
// second version, with each role's rights and hostile input, on both engines.
func TestDocumentsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		sales, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		adminToken := e.adminToken
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, sales.ID)
		_, salesMgrToken := e.userWithToken("smgr@example.org", hikeshi.RoleManager, sales.ID)
		itMgr, itMgrToken := e.userWithToken("imgr@example.org", hikeshi.RoleManager, it.ID)
		_, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, it.ID)

		// Hostile and bad input.
		p := e.do(req{method: "POST", path: "/api/v1/isms/documents", token: memberToken, body: map[string]any{
			"kind": "manifesto", "title": "a\nb", "body": strings.Repeat("x", hikeshi.MaxDocumentBodyLen+1)}}).problem(kindValidation)
		wantField(t, p, "kind", "unknown")
		wantField(t, p, "title", "invalid_text")
		wantField(t, p, "body", "too_long")
		p = e.do(req{method: "POST", path: "/api/v1/isms/documents", token: memberToken, body: map[string]any{
			"kind": "rules", "title": "x", "body": "y", "department_id": it.ID}}).problem(kindValidation)
		wantField(t, p, "department_id", "not_own")
		e.do(req{method: "POST", path: "/api/v1/isms/documents", token: memberToken, body: map[string]any{"kind": "rules", "culprit": "x"}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/isms/documents", token: auditorToken, body: map[string]any{
			"kind": "rules", "title": "x", "body": "y"}}).problem(kindForbidden)

		hostile := "# 規程\n\n<script>alert(1)</script>\n[x](javascript:alert(1))\n第1条\n"
		var d documentDetailJSON
		e.do(req{method: "POST", path: "/api/v1/isms/documents", token: memberToken, body: map[string]any{
			"kind": "rules", "title": "情報セキュリティ規程", "body": hostile, "note": "初版"}}).want(http.StatusCreated).into(&d)
		if d.DepartmentID != sales.ID || len(d.Versions) != 1 || d.Versions[0].Status != "draft" || d.Versions[0].Body != hostile {
			t.Fatalf("created %+v", d)
		}
		base := "/api/v1/isms/documents/" + d.ID
		// Drafts: hidden from the CSIRT (not the owner), read by the auditor.
		var seen documentDetailJSON
		e.get(base, csirtToken).want(http.StatusOK).into(&seen)
		if len(seen.Versions) != 0 || !seen.OpenHidden {
			t.Errorf("csirt sees %+v", seen)
		}
		e.get(base+"/versions/1", csirtToken).problem(kindNotFound)
		e.get(base+"/versions/1", auditorToken).want(http.StatusOK)
		e.get(base+"/versions/abc", auditorToken).problem(kindNotFound)

		e.do(req{method: "PUT", path: base + "/draft", token: auditorToken, body: map[string]any{"body": "x"}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: base + "/draft", token: csirtToken, body: map[string]any{"body": "x"}}).problem(kindForbidden)
		e.do(req{method: "POST", path: base + "/approve", token: itMgrToken}).problem(kindConflict) // not in review
		e.do(req{method: "POST", path: base + "/submit", token: memberToken}).want(http.StatusOK)
		e.do(req{method: "POST", path: base + "/approve", token: memberToken}).problem(kindForbidden)
		e.do(req{method: "POST", path: base + "/approve", token: auditorToken}).problem(kindForbidden)
		p = e.do(req{method: "POST", path: base + "/approve", token: itMgrToken, body: map[string]any{"next_review": "2020-01-01"}}).problem(kindValidation)
		wantField(t, p, "next_review", "not_future")
		p = e.do(req{method: "POST", path: base + "/approve", token: itMgrToken, body: map[string]any{"next_review": "soon"}}).problem(kindValidation)
		wantField(t, p, "next_review", "invalid")
		var v1 versionJSON
		e.do(req{method: "POST", path: base + "/approve", token: itMgrToken}).want(http.StatusOK).into(&v1)
		if v1.Status != "approved" || v1.ApprovedBy == nil || *v1.ApprovedBy != itMgr.ID || v1.NextReview == nil || v1.ApprovedAt == nil {
			t.Errorf("approved %+v", v1)
		}
		e.get(base+"/versions/1", csirtToken).want(http.StatusOK)

		// Version 2 by the sales manager: they may not approve it themselves.
		e.do(req{method: "PUT", path: base + "/draft", token: salesMgrToken, body: map[string]any{"body": "# 規程\n\n第1条 改\n第2条\n", "note": "改訂"}}).want(http.StatusOK)
		e.do(req{method: "POST", path: base + "/submit", token: salesMgrToken}).want(http.StatusOK)
		p = e.do(req{method: "POST", path: base + "/approve", token: salesMgrToken}).problem(kindConflict)
		wantField(t, p, "version", "self_approval")
		e.do(req{method: "PUT", path: base + "/draft", token: memberToken, body: map[string]any{"body": "x"}}).problem(kindConflict) // in review
		e.do(req{method: "POST", path: base + "/approve", token: adminToken, body: map[string]any{"next_review": "2099-01-01"}}).problem(kindValidation)
		var v2 versionJSON
		e.do(req{method: "POST", path: base + "/approve", token: adminToken}).want(http.StatusOK).into(&v2)
		e.get(base+"/versions/1", auditorToken).want(http.StatusOK).into(&v1)
		if v1.Status != "superseded" || v2.Status != "approved" || v2.Number != 2 {
			t.Errorf("v1 %s v2 %s", v1.Status, v2.Status)
		}
		var diff diffJSON
		e.get(base+"/diff?from=1&to=2", memberToken).want(http.StatusOK).into(&diff)
		if !strings.Contains(diff.Text, "- 第1条\n") || !strings.Contains(diff.Text, "+ 第1条 改\n") || !diff.Exact {
			t.Errorf("diff %q", diff.Text)
		}
		e.get(base+"/diff?from=1&to=x", memberToken).problem(kindBadRequest)
		e.do(req{method: "PUT", path: base + "/next-review", token: memberToken, body: map[string]any{"next_review": "2030-01-01"}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: base + "/next-review", token: itMgrToken, body: map[string]any{}}).problem(kindValidation)

		// Metadata and the list.
		e.do(req{method: "PATCH", path: base, token: memberToken, body: map[string]any{"title": "情報セキュリティ管理規程"}}).want(http.StatusOK)
		e.do(req{method: "PATCH", path: base, token: memberToken, body: map[string]any{"department_id": it.ID}}).problem(kindForbidden)
		e.do(req{method: "PATCH", path: base, token: auditorToken, body: map[string]any{"title": "x"}}).problem(kindForbidden)
		e.do(req{method: "PATCH", path: base, token: adminToken, body: map[string]any{"kind": nil}}).problem(kindValidation)
		var list struct {
			Items []documentJSON `json:"items"`
		}
		e.get("/api/v1/isms/documents?kind=rules", auditorToken).want(http.StatusOK).into(&list)
		if len(list.Items) != 1 || list.Items[0].Title != "情報セキュリティ管理規程" {
			t.Errorf("list %+v", list.Items)
		}
		e.get("/api/v1/isms/documents?kind=manifesto", auditorToken).problem(kindBadRequest)
		e.get("/api/v1/isms/documents/"+hikeshi.NewID(), auditorToken).problem(kindNotFound)
		e.get("/api/v1/isms/documents", "").problem(kindUnauthenticated)

		// The ISMS scope.
		var sc scopeJSON
		e.get("/api/v1/isms/scope", memberToken).want(http.StatusOK).into(&sc)
		if sc.UpdatedAt != nil || len(sc.Exclusions) != 0 {
			t.Errorf("empty scope %+v", sc)
		}
		scope := map[string]any{"statement": "本社 <script>x</script>", "department_ids": []string{sales.ID, it.ID},
			"exclusions": []map[string]string{{"what": "海外子会社", "why": "別のISMS"}}}
		for _, tok := range []string{memberToken, auditorToken, csirtToken} {
			e.do(req{method: "PUT", path: "/api/v1/isms/scope", token: tok, body: scope}).problem(kindForbidden)
		}
		e.do(req{method: "PUT", path: "/api/v1/isms/scope", token: salesMgrToken, body: scope}).want(http.StatusOK).into(&sc)
		if sc.UpdatedAt == nil || len(sc.DepartmentIDs) != 2 || sc.Exclusions[0].Why != "別のISMS" {
			t.Errorf("saved scope %+v", sc)
		}
		p = e.do(req{method: "PUT", path: "/api/v1/isms/scope", token: adminToken, body: map[string]any{
			"statement": "", "department_ids": []string{"x"}, "exclusions": []map[string]string{{"what": "工場"}}}}).problem(kindValidation)
		wantField(t, p, "statement", "required")
		wantField(t, p, "department_ids", "unknown")
		wantField(t, p, "exclusions[0].why", "required")
		e.do(req{method: "PUT", path: "/api/v1/isms/scope", token: adminToken, body: map[string]any{"statement": "x", "owner": "y"}}).want(http.StatusBadRequest)
		e.get("/api/v1/isms/scope", auditorToken).want(http.StatusOK).into(&sc)
		if !strings.HasPrefix(sc.Statement, "本社") {
			t.Errorf("read scope %+v", sc)
		}

		// Roles and responsibilities.
		role := map[string]any{"text": "運用", "parts": map[string]string{"measures": "A", "incident_response": "R"}}
		for _, tok := range []string{memberToken, auditorToken, csirtToken} {
			e.do(req{method: "PUT", path: "/api/v1/isms/roles/" + it.ID, token: tok, body: role}).problem(kindForbidden)
		}
		var rj responsibilityJSON
		e.do(req{method: "PUT", path: "/api/v1/isms/roles/" + it.ID, token: itMgrToken, body: role}).want(http.StatusOK).into(&rj)
		if rj.Parts["measures"] != "A" || rj.UpdatedAt == nil {
			t.Errorf("role %+v", rj)
		}
		p = e.do(req{method: "PUT", path: "/api/v1/isms/roles/" + sales.ID, token: adminToken, body: map[string]any{
			"parts": map[string]string{"measures": "A", "policy": "Z"}}}).problem(kindValidation)
		wantField(t, p, "parts.measures", "accountable_taken")
		wantField(t, p, "parts.policy", "unknown")
		e.do(req{method: "PUT", path: "/api/v1/isms/roles/" + hikeshi.NewID(), token: adminToken, body: role}).problem(kindNotFound)
		var roles []responsibilityJSON
		e.get("/api/v1/isms/roles", memberToken).want(http.StatusOK).into(&roles)
		if len(roles) != 2 {
			t.Errorf("roles %+v", roles)
		}
	})
}
