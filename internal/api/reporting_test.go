package api

import (
	"bytes"
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

// TestReportingAPI generates documents, saves a draft, records
// communications (one stopping the APPI preliminary clock), edits templates,
// for every role, on both engines, with hostile input refused.
func TestReportingAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, adminToken := e.userWithToken("admin2@example.org", hikeshi.RoleAdmin, dept.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		var amber, red incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "漏えい <b>", "category": "phishing", "impact": 2, "urgency": 1, "tlp": "AMBER", "owner_id": csirt.ID}}).want(http.StatusCreated).into(&amber)
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "red", "category": "phishing", "impact": 1, "urgency": 1, "tlp": "RED"}}).want(http.StatusCreated).into(&red)
		e.do(req{method: "PUT", path: "/api/v1/incidents/" + amber.ID + "/facts", token: csirtToken, body: map[string]any{"personal_data": true}}).want(http.StatusOK)

		base := "/api/v1/incidents/" + amber.ID
		var ir incidentReportingJSON
		e.get(base+"/reporting", csirtToken).want(http.StatusOK).into(&ir)
		if len(ir.Clocks) != 2 || !ir.CanHandle || len(ir.Documents) != 8 { // internal, APPI ×2, public — two languages each
			t.Errorf("reporting view %+v", ir)
		}
		e.get(base+"/reporting", managerToken).want(http.StatusOK).into(&ir)
		if ir.CanHandle || len(ir.Documents) != 2 {
			t.Errorf("manager's view %+v", ir)
		}
		var doc reportDocumentJSON
		e.get(base+"/reports/internal_report/ja?tz=Asia/Tokyo", managerToken).want(http.StatusOK).into(&doc)
		if !strings.Contains(doc.Markdown, " JST") {
			t.Errorf("times not in Tokyo time: %s", doc.Markdown)
		}
		wantField(t, e.get(base+"/reports/internal_report/ja?tz=../../etc/passwd", managerToken).problem(kindValidation), "tz", "invalid")
		if !strings.Contains(doc.Markdown, "漏えい <b>") || doc.TLP != "AMBER" || doc.Saved {
			t.Errorf("internal report %+v", doc)
		}
		pdf := e.get(base+"/reports/internal_report/en/pdf", auditorToken).want(http.StatusOK)
		if ct := pdf.header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("PDF served as %q", ct)
		}
		if !bytes.HasPrefix(pdf.body, []byte("%PDF-")) {
			t.Errorf("pdf %.20q", pdf.body)
		}
		e.get(base+"/reports/appi_preliminary/ja", managerToken).problem(kindForbidden)
		e.get(base+"/reports/internal_report/ja", memberToken).problem(kindNotFound)
		e.get("/api/v1/incidents/"+red.ID+"/reports/internal_report/ja", adminToken).problem(kindNotFound)
		wantField(t, e.get(base+"/reports/gdpr_art33/ja", csirtToken).problem(kindValidation), "kind", "not_applicable")
		wantField(t, e.get(base+"/reports/nope/xx", csirtToken).problem(kindValidation), "kind", "unknown")

		// A draft, saved and discarded.
		path := base + "/reports/appi_preliminary/ja"
		e.get(path, csirtToken).want(http.StatusOK).into(&doc)
		if !strings.Contains(doc.Markdown, "本人の数") {
			t.Errorf("APPI draft %q", doc.Markdown)
		}
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"markdown": "# 速報 <script>"}}).want(http.StatusOK).into(&doc)
		if !doc.Saved || doc.Markdown != "# 速報 <script>" {
			t.Errorf("saved %+v", doc)
		}
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"markdown": 5}}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"markdown": "x", "blame": "y"}}).want(http.StatusBadRequest)
		wantField(t, e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"markdown": strings.Repeat("a", hikeshi.MaxReportDraftLen+1)}}).problem(kindValidation), "body", "too_long")
		e.do(req{method: "PUT", path: path, token: managerToken, body: map[string]any{"markdown": "x"}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"markdown": ""}}).want(http.StatusOK).into(&doc)
		if doc.Saved {
			t.Error("the discarded draft is still saved")
		}

		// Communications.
		cp := base + "/communications"
		future := time.Now().Add(time.Hour).Format(time.RFC3339)
		wantField(t, e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "press", "channel": "email", "summary": "x", "sent_at": future}}).problem(kindValidation), "sent_at", "in_future")
		wantField(t, e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "press", "channel": "email", "summary": "x", "sent_at": "<script>"}}).problem(kindValidation), "sent_at", "invalid_time")
		wantField(t, e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "aliens", "channel": "email", "summary": "x"}}).problem(kindValidation), "audience", "unknown")
		wantField(t, e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "press", "channel": "email"}}).problem(kindValidation), "summary", "required")
		wantField(t, e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "press", "channel": "email", "summary": "x", "clock_id": red.ID}}).problem(kindValidation), "clock_id", "unknown")
		e.do(req{method: "POST", path: cp, token: auditorToken, body: map[string]any{"audience": "press", "channel": "email", "summary": "x"}}).problem(kindForbidden)
		e.do(req{method: "POST", path: cp, token: csirtToken, body: `{"audience": "press", "channel": "email", "summary": "x"`}).want(http.StatusBadRequest)
		var c1, c2 commJSON
		e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "employees", "channel": "email", "summary": "全社通知 <i>"}}).
			want(http.StatusCreated).into(&c1)
		time.Sleep(2 * time.Millisecond)
		e.do(req{method: "POST", path: cp, token: csirtToken, body: map[string]any{"audience": "regulator", "channel": "web_form", "recipient": "PPC",
			"summary": "速報", "clock_id": ir0(t, e, base, csirtToken), "reference": "PPC-1"}}).want(http.StatusCreated).into(&c2)
		if c2.ClockID == nil || c2.Summary != "速報" {
			t.Errorf("entry %+v", c2)
		}
		var clocks incidentClocksJSON
		e.get(base+"/clocks", csirtToken).want(http.StatusOK).into(&clocks)
		for _, c := range clocks.Clocks {
			if c.ID == *c2.ClockID && (c.State != "met" || c.Reference != "PPC-1") {
				t.Errorf("the clock the message satisfies: %+v", c)
			}
		}
		var list struct {
			Items []commJSON `json:"items"`
			Next  string     `json:"next_cursor"`
		}
		e.get(cp+"?limit=1", managerToken).want(http.StatusOK).into(&list)
		if len(list.Items) != 1 || list.Items[0].ID != c2.ID || list.Next == "" {
			t.Errorf("page 1 %+v", list)
		}
		e.get(cp+"?limit=1&cursor="+list.Next, managerToken).want(http.StatusOK).into(&list)
		if len(list.Items) != 1 || list.Items[0].ID != c1.ID {
			t.Errorf("page 2 %+v", list)
		}
		e.get(cp, memberToken).problem(kindNotFound)
		e.get(cp+"?cursor=zzz", csirtToken).want(http.StatusBadRequest)

		// Templates.
		tp := "/api/v1/report-templates/internal_report/en"
		p := e.do(req{method: "PUT", path: tp, token: csirtToken, body: map[string]any{"body": "# x\n{{.Incident.Title"}}).problem(kindValidation)
		wantField(t, p, "body", "invalid_template")
		wantField(t, e.do(req{method: "PUT", path: tp, token: csirtToken, body: map[string]any{"body": `{{printf "%0999999999d" 1}}`}}).problem(kindValidation), "body", "invalid_template")
		e.do(req{method: "PUT", path: tp, token: managerToken, body: map[string]any{"body": "# x"}}).problem(kindForbidden)
		e.get("/api/v1/report-templates", auditorToken).problem(kindForbidden)
		var tj reportTemplateJSON
		e.do(req{method: "PUT", path: tp, token: adminToken, body: map[string]any{"body": "# {{.Incident.Number}}"}}).want(http.StatusOK).into(&tj)
		if !tj.Custom || tj.Body != "# {{.Incident.Number}}" {
			t.Errorf("template %+v", tj)
		}
		e.get(base+"/reports/internal_report/en", csirtToken).want(http.StatusOK).into(&doc)
		if doc.Markdown != "# "+amber.Number {
			t.Errorf("custom template output %q", doc.Markdown)
		}
		var all []reportTemplateJSON
		e.get("/api/v1/report-templates", csirtToken).want(http.StatusOK).into(&all)
		if len(all) != hikeshi.MaxReportTemplates {
			t.Errorf("%d templates", len(all))
		}
		e.do(req{method: "DELETE", path: tp, token: csirtToken}).want(http.StatusNoContent)
		e.do(req{method: "DELETE", path: "/api/v1/report-templates/x/en", token: csirtToken}).problem(kindNotFound)
	})
}

// ir0 is the id of the APPI preliminary clock of an incident.
func ir0(t *testing.T, e *env, base, token string) string {
	t.Helper()
	var clocks incidentClocksJSON
	e.get(base+"/clocks", token).want(http.StatusOK).into(&clocks)
	for _, c := range clocks.Clocks {
		if c.Kind == "appi_preliminary" {
			return c.ID
		}
	}
	t.Fatal("no APPI preliminary clock")
	return ""
}
