package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestFrameworksAPI lists frameworks and requirements, creates and replaces
// measures with hostile input, decides SoA lines per role and reads the CSV
// back with encoding/csv, on both engines.
func TestFrameworksAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)

		var fs []frameworkJSON
		e.get("/api/v1/isms/frameworks", memberToken).want(http.StatusOK).into(&fs)
		if len(fs) != 1 || fs[0].Key != hikeshi.ISO27001Key || !fs[0].Builtin {
			t.Errorf("frameworks %+v", fs)
		}
		var reqs []requirementJSON
		e.get("/api/v1/isms/frameworks/"+hikeshi.ISO27001Key+"/requirements", auditorToken).want(http.StatusOK).into(&reqs)
		if len(reqs) != 127 || reqs[0].Ref != "4" || reqs[len(reqs)-1].Ref != "A.8.34" {
			t.Errorf("%d requirements", len(reqs))
		}
		e.get("/api/v1/isms/frameworks/nope/requirements", auditorToken).problem(kindNotFound)
		e.get("/api/v1/isms/frameworks/..%2F/requirements", auditorToken).problem(kindNotFound)

		// Hostile measures.
		p := e.do(req{method: "POST", path: "/api/v1/isms/measures", token: managerToken, body: map[string]any{
			"name": "", "status": "done", "requirements": []map[string]string{{"framework": hikeshi.ISO27001Key, "ref": "A.0"}}}}).problem(kindValidation)
		wantField(t, p, "name", "required")
		wantField(t, p, "status", "unknown")
		wantField(t, p, "requirements", "unknown")
		e.do(req{method: "POST", path: "/api/v1/isms/measures", token: managerToken, body: `{"name":"x","status":"planned","owner":"me"}`}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/isms/measures", token: managerToken, body: `{"name":["x"]}`}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/isms/measures", token: memberToken, body: map[string]any{"name": "x", "status": "planned"}}).problem(kindForbidden)
		e.do(req{method: "POST", path: "/api/v1/isms/measures", token: auditorToken, body: map[string]any{"name": "x", "status": "planned"}}).problem(kindForbidden)

		var m measureJSON
		e.do(req{method: "POST", path: "/api/v1/isms/measures", token: managerToken, body: map[string]any{
			"name": "=HYPERLINK(\"x\") <script>", "status": "partial", "department_id": dept.ID,
			"requirements": []map[string]string{{"framework": hikeshi.ISO27001Key, "ref": "A.5.1"}}}}).want(http.StatusCreated).into(&m)
		// The member is in the owner department: may change it, not move it.
		e.do(req{method: "PUT", path: "/api/v1/isms/measures/" + m.ID, token: memberToken, body: map[string]any{
			"name": m.Name, "status": "implemented", "department_id": dept.ID,
			"requirements": []map[string]string{{"framework": hikeshi.ISO27001Key, "ref": "A.5.1"}}}}).want(http.StatusOK).into(&m)
		if m.Status != "implemented" {
			t.Errorf("measure %+v", m)
		}
		var page listJSON[measureJSON]
		e.get("/api/v1/isms/measures?department_id="+dept.ID, auditorToken).want(http.StatusOK).into(&page)
		if len(page.Items) != 1 || page.Items[0].ID != m.ID {
			t.Errorf("measures %+v", page)
		}
		e.get("/api/v1/isms/measures?department_id=x", auditorToken).want(http.StatusBadRequest)

		// The SoA: managers decide, auditors and members read.
		e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.5.1", token: memberToken, body: map[string]any{"applicable": true, "justification": "x", "status": "planned"}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.5.1", token: auditorToken, body: map[string]any{"applicable": true, "justification": "x", "status": "planned"}}).problem(kindForbidden)
		p = e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.5.1", token: managerToken, body: map[string]any{"applicable": false}}).problem(kindValidation)
		wantField(t, p, "justification", "required")
		e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.9.9", token: managerToken, body: map[string]any{"applicable": false, "justification": "x"}}).problem(kindNotFound)
		var line soaJSON
		e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.5.1", token: managerToken, body: map[string]any{"applicable": true,
			"justification": "方針は \"必須\",\n改行あり", "status": "implemented"}}).want(http.StatusOK).into(&line)
		if !line.Decided || len(line.Measures) != 1 || line.Measures[0] != m.ID {
			t.Errorf("soa line %+v", line)
		}
		e.do(req{method: "PUT", path: "/api/v1/isms/soa/A.7.4", token: managerToken, body: map[string]any{"applicable": false,
			"justification": "-no premises"}}).want(http.StatusOK)
		var soa []soaJSON
		e.get("/api/v1/isms/soa", memberToken).want(http.StatusOK).into(&soa)
		if len(soa) != 93 {
			t.Fatalf("%d soa lines", len(soa))
		}

		r := e.get("/api/v1/isms/soa.csv", auditorToken).want(http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" || !bytes.HasPrefix(r.body, []byte("\uFEFF")) {
			t.Fatalf("Content-Type %q, body starts %q", ct, r.body[:10])
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 94 || strings.Join(rows[0], ",") != strings.Join(service.SoACSVHeader, ",") {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		got := map[string][]string{}
		for _, row := range rows[1:] {
			got[row[0]] = row
		}
		if a := got["A.5.1"]; a[4] != "yes" || a[5] != "方針は \"必須\",\n改行あり" || a[6] != "implemented" || a[7] != "'=HYPERLINK(\"x\") <script>" || a[3] != "情報セキュリティのための方針群" {
			t.Errorf("A.5.1 row %q", a)
		}
		if a := got["A.7.4"]; a[4] != "no" || a[5] != "'-no premises" || a[6] != "not_applicable" {
			t.Errorf("A.7.4 row %q", a)
		}
		if a := got["A.8.34"]; a[4] != "" || a[6] != "" || a[8] != "" {
			t.Errorf("undecided row %q", a)
		}
		e.get("/api/v1/isms/soa.csv", "").want(http.StatusUnauthorized)
	})
}
