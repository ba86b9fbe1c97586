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

// TestVulnerabilitiesAPI records and handles a vulnerability through the
// API on both engines: scores, filters, remediation by the owning
// department, an exception approved by a manager (never by the requester),
// the advisory draft, the disclosure; and refuses hostile input and roles
// that may not read or write.
func TestVulnerabilitiesAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		sales, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "Sales", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		_, csirt := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		_, manager := e.userWithToken("manager@example.org", hikeshi.RoleManager, it.ID)
		_, member := e.userWithToken("member@example.org", hikeshi.RoleMember, sales.ID)
		_, outsider := e.userWithToken("outsider@example.org", hikeshi.RoleMember, it.ID)
		_, auditor := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, it.ID)
		asset, err := e.svc.Risks.CreateAsset(ctx, sys, service.InformationAssetInput{Name: "Portal", Type: hikeshi.AssetTypeSoftware,
			OwnerDepartmentID: sales.ID, Classification: hikeshi.ClassInternal, Confidentiality: 2, Integrity: 2, Availability: 2})
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"cve": "CVE-2026-5555", "title_en": "Injection <script>alert(1)</script>", "description_en": "Text",
			"title_ja": "注入", "description_ja": "説明", "versions": "< 2", "fix": "Update to 2",
			"cvss31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cvss40": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
			"asset_ids": []string{asset.ID}, "references": []map[string]any{{"url": "https://example.com/a", "summary": "Vendor"}}}
		for _, tok := range []string{manager, member, auditor} {
			e.do(req{method: "POST", path: "/api/v1/vulnerabilities", token: tok, body: body}).problem(kindForbidden)
		}
		bad := map[string]any{"cve": "CVE-XX", "title_en": "x", "description_en": "y", "cvss31": "CVSS:3.1/AV:N/AC:Q", "cvss40": "CVSS:4.0/AC:L",
			"severity": "doom", "asset_ids": []string{"nope"}, "references": []map[string]any{{"url": "javascript:alert(1)", "summary": "x"}}}
		p := e.do(req{method: "POST", path: "/api/v1/vulnerabilities", token: csirt, body: bad}).problem(kindValidation)
		wantField(t, p, "cve", "invalid_cve")
		wantField(t, p, "cvss31", "invalid_cvss")
		wantField(t, p, "cvss40", "invalid_cvss")
		wantField(t, p, "severity", "unknown")
		wantField(t, p, "asset_ids[0]", "unknown")
		wantField(t, p, "references[0].url", "invalid_url")
		for _, f := range p.Errors {
			if f.Field == "cvss31" && !strings.Contains(f.Message, "position 18") || f.Field == "cvss40" && !strings.Contains(f.Message, "position 14") {
				t.Errorf("%s without its position: %q", f.Field, f.Message)
			}
		}
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities", token: csirt, body: map[string]any{"title_en": "x", "surprise": 1}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities", token: csirt, body: "not an object"}).want(http.StatusBadRequest)

		var v vulnJSON
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities", token: csirt, body: body}).want(http.StatusCreated).into(&v)
		if v.CVSS31Base == nil || *v.CVSS31Base != 9.8 || v.CVSS40Score == nil || *v.CVSS40Score != 9.3 || v.Severity != "critical" || v.Status != "open" ||
			v.TitleEN != body["title_en"] {
			t.Errorf("created %+v", v)
		}
		var list struct{ Items []vulnJSON }
		e.get("/api/v1/vulnerabilities?severity=critical&status=open", auditor).want(http.StatusOK).into(&list)
		if len(list.Items) != 1 {
			t.Errorf("filtered list %d", len(list.Items))
		}
		list.Items = nil
		e.get("/api/v1/vulnerabilities?severity=low", manager).want(http.StatusOK).into(&list)
		if len(list.Items) != 0 {
			t.Errorf("low list %d", len(list.Items))
		}
		e.get("/api/v1/vulnerabilities?status=nope", csirt).problem(kindValidation)
		e.get("/api/v1/vulnerabilities", member).problem(kindForbidden)
		e.get("/api/v1/vulnerabilities/"+v.ID, member).problem(kindNotFound)
		e.get("/api/v1/vulnerabilities/"+v.ID, "").want(http.StatusUnauthorized)

		// Remediation to the asset's owner department; its member completes it.
		var rs []vulnRemediationJSON
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/remediations", token: csirt}).want(http.StatusCreated).into(&rs)
		if len(rs) != 1 || rs[0].DepartmentID != sales.ID || rs[0].Severity != "critical" {
			t.Fatalf("tasks %+v", rs)
		}
		var minePage struct{ Items []vulnRemediationJSON }
		e.get("/api/v1/vulnerability-remediations?open=true", member).want(http.StatusOK).into(&minePage)
		if mine := minePage.Items; len(mine) != 1 || mine[0].VulnerabilityTitle == "" {
			t.Errorf("member's tasks %+v", minePage)
		}
		e.get("/api/v1/vulnerability-remediations?open=maybe", member).problem(kindBadRequest)
		e.do(req{method: "POST", path: "/api/v1/vulnerability-remediations/" + rs[0].ID + "/complete", token: outsider, body: map[string]any{"note": "x"}}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/vulnerability-remediations/" + rs[0].ID + "/complete", token: member, body: map[string]any{"note": ""}}).problem(kindValidation)

		// An exception: requested by the CSIRT, approved by a manager.
		var ex vulnExceptionJSON
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/exceptions", token: csirt,
			body: map[string]any{"reason": "r", "expires_on": "not a date"}}).problem(kindValidation)
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/exceptions", token: csirt,
			body: map[string]any{"reason": "Fix next month", "expires_on": "2099-01-01"}}).problem(kindValidation) // too far
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/exceptions", token: csirt,
			body: map[string]any{"reason": "Fix next month", "expires_on": e.svc.Vulns.Now().AddDate(0, 1, 0).Format("2006-01-02")}}).want(http.StatusCreated).into(&ex)
		e.do(req{method: "POST", path: "/api/v1/vulnerability-exceptions/" + ex.ID + "/decision", token: csirt, body: map[string]any{"decision": "approve"}}).problem(kindForbidden)
		e.do(req{method: "POST", path: "/api/v1/vulnerability-exceptions/" + ex.ID + "/decision", token: manager, body: map[string]any{"decision": "maybe"}}).problem(kindValidation)
		e.do(req{method: "POST", path: "/api/v1/vulnerability-exceptions/" + ex.ID + "/decision", token: manager, body: map[string]any{"decision": "approve"}}).want(http.StatusOK).into(&ex)
		if ex.Status != "approved" {
			t.Errorf("exception %+v", ex)
		}
		e.get("/api/v1/vulnerabilities/"+v.ID, csirt).want(http.StatusOK).into(&v)
		if v.Status != "accepted" || len(v.Exceptions) != 1 || len(v.Remediations) != 1 || v.Remediations[0].Status != "paused" {
			t.Errorf("after approval %+v", v)
		}
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/status", token: csirt, body: map[string]any{"status": "open"}}).problem(kindConflict)
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/status", token: csirt, body: map[string]any{"status": "in_remediation"}}).want(http.StatusOK)

		// The advisory draft, and links.
		var adv advisoryJSON
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/advisory-draft", token: manager}).problem(kindForbidden)
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/advisory-draft", token: csirt, body: map[string]any{"lang": "ja", "tlp": "CLEAR"}}).
			want(http.StatusCreated).into(&adv)
		if adv.Category != "csaf_security_advisory" || adv.Lang != "ja" || adv.CVSS != body["cvss31"] || len(adv.Products) != 1 || adv.Products[0].Product != "Portal" {
			t.Errorf("draft %+v", adv)
		}
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/incidents", token: csirt, body: map[string]any{"id": "nope"}}).problem(kindValidation)
		e.get("/api/v1/vulnerabilities/"+v.ID, csirt).want(http.StatusOK).into(&v)
		if len(v.Advisories) != 1 || v.Advisories[0].ID != adv.ID {
			t.Errorf("advisory links %+v", v.Advisories)
		}
		var seen, unlinked vulnJSON
		e.get("/api/v1/vulnerabilities/"+v.ID, manager).want(http.StatusOK).into(&seen)
		if len(seen.Advisories) != 0 {
			t.Errorf("the manager sees an unpublished advisory: %+v", seen.Advisories)
		}
		e.do(req{method: "DELETE", path: "/api/v1/vulnerabilities/" + v.ID + "/advisories/" + adv.ID, token: csirt}).want(http.StatusOK).into(&unlinked)
		if len(unlinked.Advisories) != 0 {
			t.Errorf("unlinked %+v", unlinked.Advisories)
		}
		// Disclosure needs an outside report.
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/acknowledge", token: csirt}).problem(kindConflict)
		e.do(req{method: "POST", path: "/api/v1/vulnerabilities/" + v.ID + "/disclosure", token: csirt, body: map[string]any{"status": "published", "publication_date": "soon"}}).problem(kindValidation)
		var pubs []vulnJSON
		e.get("/api/v1/vulnerabilities/publications", auditor).want(http.StatusOK).into(&pubs)
		e.get("/api/v1/vulnerabilities/publications", member).problem(kindForbidden)
		// PUT replaces the words.
		body["title_en"] = "Renamed"
		e.do(req{method: "PUT", path: "/api/v1/vulnerabilities/" + v.ID, token: csirt, body: body}).want(http.StatusOK).into(&v)
		if v.TitleEN != "Renamed" {
			t.Errorf("put %+v", v.TitleEN)
		}
		e.do(req{method: "PUT", path: "/api/v1/vulnerabilities/" + v.ID, token: auditor, body: body}).problem(kindForbidden)
	})
}
