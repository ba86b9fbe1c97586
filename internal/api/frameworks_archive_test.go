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

// TestFrameworksArchiveAndDeleteAPI archives, restores and deletes measures
// and imported frameworks per role, with the refusals (409) naming the
// references, on both engines.
func TestFrameworksArchiveAndDeleteAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		dept, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		other, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		_, outsiderToken := e.userWithToken("outsider@example.org", hikeshi.RoleMember, other.ID)
		cat, err := hikeshi.ParseCatalog(strings.NewReader(`<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><metadata><title>Own</title></metadata>` +
			`<group id="G"><title>Group</title><control id="C1"><title>One</title></control></group></catalog>`))
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"own", hikeshi.NISTCSF2Key} {
			if _, err := e.svc.Frameworks.Import(ctx, sys, key, key, cat); err != nil {
				t.Fatal(err)
			}
		}
		var m measureJSON
		e.do(req{method: "POST", path: "/api/v1/isms/measures", token: managerToken, body: map[string]any{
			"name": "Backups", "status": "partial", "department_id": dept.ID,
			"requirements": []map[string]string{{"framework": "own", "ref": "C1"}, {"framework": hikeshi.ISO27001Key, "ref": "A.8.13"}}}}).want(http.StatusCreated).into(&m)
		mbase := "/api/v1/isms/measures/" + m.ID

		// Measures: whoever may change them archives; others are refused.
		for _, tok := range []string{auditorToken, outsiderToken} {
			e.do(req{method: "POST", path: mbase + "/archive", token: tok}).problem(kindForbidden)
			e.do(req{method: "DELETE", path: mbase, token: tok}).problem(kindForbidden)
		}
		for _, tok := range []string{memberToken, managerToken, e.adminToken} {
			var got measureJSON
			e.do(req{method: "POST", path: mbase + "/archive", token: tok}).want(http.StatusOK).into(&got)
			if !got.Archived || len(got.Requirements) != 2 {
				t.Errorf("archived %+v", got)
			}
			p := e.do(req{method: "PUT", path: mbase, token: tok, body: map[string]any{"name": "x", "status": "planned", "department_id": dept.ID}}).problem(kindConflict)
			wantField(t, p, "measure", "archived")
			var page listJSON[measureJSON]
			e.get("/api/v1/isms/measures", auditorToken).want(http.StatusOK).into(&page)
			if len(page.Items) != 0 {
				t.Errorf("default list %+v", page.Items)
			}
			e.get("/api/v1/isms/measures?archived=true", auditorToken).want(http.StatusOK).into(&page)
			if len(page.Items) != 1 || !page.Items[0].Archived {
				t.Errorf("list with archived %+v", page.Items)
			}
			e.do(req{method: "POST", path: mbase + "/restore", token: tok}).want(http.StatusOK).into(&got)
			if got.Archived {
				t.Errorf("restored %+v", got)
			}
		}
		e.get("/api/v1/isms/measures?archived=maybe", auditorToken).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.8.13", token: managerToken, body: map[string]any{"applicable": true, "justification": "j", "status": "partial"}}).want(http.StatusOK)
		p := e.do(req{method: "DELETE", path: mbase, token: e.adminToken}).problem(kindConflict)
		wantField(t, p, "measure", "referenced")
		for _, want := range []string{"mapping own C1", "mapping iso27001-2022 A.8.13", "SoA A.8.13"} {
			if !strings.Contains(p.Errors[0].Message, want) {
				t.Errorf("refusal %q does not name %q", p.Errors[0].Message, want)
			}
		}

		// Frameworks: admins only; shipped ones are never deleted.
		for _, tok := range []string{managerToken, memberToken, auditorToken} {
			e.do(req{method: "POST", path: "/api/v1/isms/frameworks/own/archive", token: tok}).problem(kindForbidden)
			e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/own", token: tok}).problem(kindForbidden)
		}
		p = e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/" + hikeshi.ISO27001Key, token: e.adminToken}).problem(kindConflict)
		wantField(t, p, "framework", "builtin")
		p = e.do(req{method: "POST", path: "/api/v1/isms/frameworks/" + hikeshi.ISO27001Key + "/archive", token: e.adminToken}).problem(kindConflict)
		wantField(t, p, "framework", "builtin")
		p = e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/" + hikeshi.NISTCSF2Key, token: e.adminToken}).problem(kindConflict)
		wantField(t, p, "framework", "protected")
		var fw frameworkJSON
		e.do(req{method: "POST", path: "/api/v1/isms/frameworks/" + hikeshi.NISTCSF2Key + "/archive", token: e.adminToken}).want(http.StatusOK).into(&fw)
		if !fw.Archived || fw.Key != hikeshi.NISTCSF2Key {
			t.Errorf("archived %+v", fw)
		}
		var fs []frameworkJSON
		e.get("/api/v1/isms/frameworks", auditorToken).want(http.StatusOK).into(&fs)
		if len(fs) != 3 || fs[1].Key != hikeshi.NISTCSF2Key || !fs[1].Archived || fs[2].Archived {
			t.Errorf("frameworks %+v", fs)
		}
		p = e.do(req{method: "POST", path: "/api/v1/isms/measures", token: managerToken, body: map[string]any{
			"name": "new", "status": "planned", "requirements": []map[string]string{{"framework": hikeshi.NISTCSF2Key, "ref": "C1"}}}}).problem(kindValidation)
		wantField(t, p, "requirements", "archived")
		e.do(req{method: "POST", path: "/api/v1/isms/frameworks/" + hikeshi.NISTCSF2Key + "/restore", token: e.adminToken}).want(http.StatusOK)

		p = e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/own", token: e.adminToken}).problem(kindConflict)
		wantField(t, p, "framework", "referenced")
		if !strings.Contains(p.Errors[0].Message, "Backups") {
			t.Errorf("refusal %q does not name the measure", p.Errors[0].Message)
		}
		// Unmap, then the framework and its requirements go; then the measure too.
		e.do(req{method: "PUT", path: mbase, token: managerToken, body: map[string]any{"name": "Backups", "status": "partial", "department_id": dept.ID}}).want(http.StatusOK)
		e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/own", token: e.adminToken}).want(http.StatusNoContent)
		e.get("/api/v1/isms/frameworks/own/requirements", auditorToken).problem(kindNotFound)
		e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/own", token: e.adminToken}).problem(kindNotFound)
		e.do(req{method: "DELETE", path: "/api/v1/isms/frameworks/..%2F..%2Fetc", token: e.adminToken}).problem(kindNotFound)
		e.do(req{method: "DELETE", path: mbase, token: memberToken}).want(http.StatusNoContent)
		e.get(mbase, auditorToken).problem(kindNotFound)
	})
}
