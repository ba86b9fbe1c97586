package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func apiAdvisory(tlp string) map[string]any {
	return map[string]any{
		"lang": "en", "title_en": "Bypass in Portal <img src=x>", "body_en": "Update to 3.2.", "title_ja": "Portal の脆弱性", "body_ja": "3.2 に更新してください。",
		"category": "csaf_security_advisory", "tlp": tlp, "cves": []string{"CVE-2026-7777"},
		"cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		"products": []map[string]any{
			{"vendor": "Example", "product": "Portal", "versions": "< 3.2", "status": "known_affected", "remediation": "vendor_fix", "remediation_details": "Update to 3.2"},
			{"vendor": "Example", "product": "Portal", "versions": "3.2", "status": "fixed"},
		},
		"references": []map[string]any{{"url": "https://example.com/a", "summary": "Vendor"}},
	}
}

// TestAdvisoriesAPI writes, reviews and publishes advisories through the
// API, reads their CSAF documents, and refuses hostile input, self-approval
// and roles that may not see or write, on both engines.
func TestAdvisoriesAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		_, csirt := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, csirt2 := e.userWithToken("csirt2@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, member := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		_, auditor := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)

		e.do(req{method: "POST", path: "/api/v1/advisories", token: member, body: apiAdvisory("CLEAR")}).problem(kindForbidden)
		e.do(req{method: "POST", path: "/api/v1/advisories", token: auditor, body: apiAdvisory("CLEAR")}).problem(kindForbidden)
		bad := apiAdvisory("PURPLE")
		bad["cves"] = []string{"CVE-1-1"}
		bad["cvss"] = "CVSS:3.1/AV:N/AC:Z"
		bad["references"] = []map[string]any{{"url": "javascript:alert(1)", "summary": "x"}}
		bad["body_en"] = strings.Repeat("x", hikeshi.MaxAdvisoryBodyLen+1)
		p := e.do(req{method: "POST", path: "/api/v1/advisories", token: csirt, body: bad}).problem(kindValidation)
		wantField(t, p, "tlp", "unknown")
		wantField(t, p, "cves[0]", "invalid_cve")
		wantField(t, p, "cvss", "invalid_cvss")
		wantField(t, p, "references[0].url", "invalid_url")
		wantField(t, p, "body_en", "too_long")
		for _, f := range p.Errors {
			if f.Field == "cvss" && !strings.Contains(f.Message, "position 18") {
				t.Errorf("cvss error without its position: %q", f.Message)
			}
		}
		e.do(req{method: "POST", path: "/api/v1/advisories", token: csirt, body: map[string]any{"culprit": "x"}}).want(http.StatusBadRequest)

		var a advisoryJSON
		e.do(req{method: "POST", path: "/api/v1/advisories", token: csirt, body: apiAdvisory("CLEAR")}).want(http.StatusCreated).into(&a)
		if a.Status != "draft" || a.Revision != 0 || !strings.HasPrefix(a.TrackingID, "ADV-") || a.TitleEN != "Bypass in Portal <img src=x>" {
			t.Fatalf("created %+v", a)
		}
		base := "/api/v1/advisories/" + a.ID
		e.get(base, member).problem(kindNotFound)
		e.do(req{method: "POST", path: base + "/approve", token: csirt2}).problem(kindConflict)
		e.do(req{method: "POST", path: base + "/submit", token: csirt}).want(http.StatusOK)
		p = e.do(req{method: "POST", path: base + "/approve", token: csirt}).problem(kindConflict)
		wantField(t, p, "advisory", "self_approval")
		e.do(req{method: "POST", path: base + "/approve", token: auditor}).problem(kindNotFound)
		e.do(req{method: "POST", path: base + "/approve", token: csirt2}).want(http.StatusOK)
		var rev advisoryRevisionJSON
		e.do(req{method: "POST", path: base + "/publish", token: csirt, body: map[string]any{"summary": "Initial"}}).want(http.StatusCreated).into(&rev)
		if rev.Number != 1 || rev.TLP != "CLEAR" {
			t.Fatalf("revision %+v", rev)
		}
		var got advisoryJSON
		e.get(base, member).want(http.StatusOK).into(&got)
		if got.Status != "published" || len(got.Revisions) != 1 || got.Recipients != nil {
			t.Errorf("member reads %+v", got)
		}
		r := e.get(base+"/csaf", member).want(http.StatusOK)
		var doc hikeshi.CSAFDocument
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Document.Lang != "en" || doc.Document.Tracking.ID != a.TrackingID || doc.Document.Distribution.TLP.Label != "WHITE" {
			t.Errorf("csaf %s", r.body)
		}
		if ps := hikeshi.ValidateCSAF(doc); len(ps) > 0 {
			t.Errorf("csaf fails: %v", ps)
		}
		e.get(base+"/csaf?revision=2", member).problem(kindNotFound)
		e.get(base+"/csaf?revision=x", member).problem(kindBadRequest)

		// RED: CSIRT only.
		var red advisoryJSON
		e.do(req{method: "POST", path: "/api/v1/advisories", token: csirt, body: apiAdvisory("RED")}).want(http.StatusCreated).into(&red)
		e.do(req{method: "POST", path: "/api/v1/advisories/" + red.ID + "/submit", token: csirt}).want(http.StatusOK)
		e.do(req{method: "POST", path: "/api/v1/advisories/" + red.ID + "/approve", token: csirt2}).want(http.StatusOK)
		e.do(req{method: "POST", path: "/api/v1/advisories/" + red.ID + "/publish", token: csirt}).want(http.StatusCreated)
		for _, tok := range []string{member, auditor} {
			e.get("/api/v1/advisories/"+red.ID, tok).problem(kindNotFound)
			e.get("/api/v1/advisories/"+red.ID+"/csaf", tok).problem(kindNotFound)
			var page struct {
				Items []advisoryJSON `json:"items"`
			}
			e.get("/api/v1/advisories", tok).want(http.StatusOK).into(&page)
			if len(page.Items) != 1 || page.Items[0].ID != a.ID {
				t.Errorf("list %+v", page.Items)
			}
		}
		// A change needs a new review; in review it cannot be changed.
		change := apiAdvisory("CLEAR")
		change["body_en"] = "Update to 3.2 or disable the portal."
		e.do(req{method: "PUT", path: base, token: csirt, body: change}).want(http.StatusOK).into(&got)
		if got.Status != "draft" || got.Revision != 1 {
			t.Errorf("after change %+v", got)
		}
		e.do(req{method: "POST", path: base + "/submit", token: csirt}).want(http.StatusOK)
		wantField(t, e.do(req{method: "PUT", path: base, token: csirt, body: change}).problem(kindConflict), "advisory", "in_review")
		e.do(req{method: "POST", path: base + "/return", token: csirt2}).want(http.StatusOK)

		// An incident response without an external reference: refused at submission, naming the CSAF rule.
		ir := apiAdvisory("GREEN")
		ir["category"] = "csaf_security_incident_response"
		delete(ir, "references")
		var irA advisoryJSON
		e.do(req{method: "POST", path: "/api/v1/advisories", token: csirt, body: ir}).want(http.StatusCreated).into(&irA)
		p = e.do(req{method: "POST", path: "/api/v1/advisories/" + irA.ID + "/submit", token: csirt}).problem(kindValidation)
		wantField(t, p, "csaf", "csaf_6_1_27_2")
	})
}
