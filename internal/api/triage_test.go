package api

import (
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

// TestTriageAPI triages reports through the API on both engines: the queue,
// classification, every decision, the matrix and taxonomy, incident links and
// merges, with the roles that may and may not, and hostile input.
func TestTriageAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		member, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		var reps []service.Submission
		for i, d := range []string{"怪しいメール <script>alert(1)</script>\n二行目", "PC が遅い", "同じメール"} {
			a := hikeshi.Actor{}
			if i == 0 {
				a = hikeshi.ActorFor(member, "test")
			}
			s, err := e.svc.Reports.Submit(ctx, a, service.ReportInput{Description: d})
			if err != nil {
				t.Fatal(err)
			}
			reps = append(reps, s)
			time.Sleep(2 * time.Millisecond)
		}

		// The queue: oldest first, pages by cursor; CSIRT and admins only.
		var page listJSON[triageQueueItemJSON]
		e.get("/api/v1/triage?limit=2", csirtToken).want(http.StatusOK).into(&page)
		if len(page.Items) != 2 || page.Items[0].ID != reps[0].Report.ID || page.NextCursor == nil ||
			page.Items[0].Excerpt != "怪しいメール <script>alert(1)</script>" || page.Items[0].Triage.Category != nil {
			t.Fatalf("first page %+v", page)
		}
		var next listJSON[triageQueueItemJSON]
		e.get("/api/v1/triage?limit=2&cursor="+*page.NextCursor, e.adminToken).want(http.StatusOK).into(&next)
		if len(next.Items) != 1 || next.Items[0].ID != reps[2].Report.ID || next.NextCursor != nil {
			t.Errorf("second page %+v", next)
		}
		e.get("/api/v1/triage?cursor=bogus", csirtToken).problem(kindBadRequest)
		for _, tok := range []string{managerToken, auditorToken, memberToken} {
			e.get("/api/v1/triage", tok).problem(kindForbidden)
		}
		e.get("/api/v1/triage/reports/"+reps[1].Report.ID, managerToken).problem(kindForbidden)
		e.get("/api/v1/triage/reports/"+reps[1].Report.ID, memberToken).problem(kindNotFound)
		e.get("/api/v1/triage/reports/"+hikeshi.NewID(), csirtToken).problem(kindNotFound)

		// Classification: hostile input refused by field; unknown fields refused.
		path := "/api/v1/triage/reports/" + reps[0].Report.ID
		for _, tc := range []struct {
			body  map[string]any
			field string
			code  string
		}{
			{map[string]any{"category": "culprit", "impact": 1, "urgency": 1, "tlp": "RED"}, "category", "unknown"},
			{map[string]any{"category": "phishing", "impact": 0, "urgency": 1, "tlp": "RED"}, "impact", "out_of_range"},
			{map[string]any{"category": "phishing", "impact": 5, "urgency": 1, "tlp": "RED"}, "impact", "out_of_range"},
			{map[string]any{"category": "phishing", "impact": 1, "urgency": 1, "tlp": "WHITE"}, "tlp", "unknown"},
			{map[string]any{"category": "phishing", "impact": 1, "urgency": 1, "tlp": "RED", "owner_id": member.ID}, "owner_id", "not_handler"},
		} {
			p := e.do(req{method: "PUT", path: path, token: csirtToken, body: tc.body}).problem(kindValidation)
			wantField(t, p, tc.field, tc.code)
		}
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"category": "phishing", "impact": 1, "urgency": 1,
			"tlp": "RED", "culprit": "x"}}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: path, token: managerToken, body: map[string]any{"category": "phishing", "impact": 1, "urgency": 1,
			"tlp": "RED"}}).problem(kindForbidden)
		var rt reportTriageJSON
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"category": "phishing", "impact": 2, "urgency": 1,
			"tlp": "AMBER", "owner_id": csirt.ID, "policy": "full_response", "policy_note": "<b>急ぐ</b>"}}).want(http.StatusOK).into(&rt)
		if rt.Report.Status != "in_triage" || *rt.Triage.Priority != 1 || *rt.Triage.Policy != "full_response" || len(rt.History) != 1 ||
			rt.Triage.PolicyNote != "<b>急ぐ</b>" {
			t.Errorf("classified %+v", rt)
		}

		// new_incident, then the same again: 409 naming the incident.
		var res decisionResultJSON
		e.do(req{method: "POST", path: path + "/decisions", token: csirtToken, body: map[string]any{"decision": "new_incident",
			"title": "フィッシング"}}).want(http.StatusCreated).into(&res)
		if res.Incident == nil || res.Incident.Category != "phishing" || res.Incident.TLP != "AMBER" || res.Record.Action != "new_incident" ||
			res.Incident.Summary != reps[0].Report.Description {
			t.Fatalf("decided %+v", res)
		}
		inc := *res.Incident
		p := e.do(req{method: "POST", path: path + "/decisions", token: csirtToken, body: map[string]any{"decision": "new_incident",
			"title": "again"}}).problem(kindConflict)
		if !strings.Contains(p.Detail, inc.Number) {
			t.Errorf("conflict does not name the incident: %+v", p)
		}
		p = e.do(req{method: "POST", path: path + "/decisions", token: csirtToken, body: map[string]any{"decision": "guess"}}).problem(kindValidation)
		wantField(t, p, "decision", "unknown")

		// not_incident with an answer to the reporter; duplicate; attach.
		e.do(req{method: "POST", path: "/api/v1/triage/reports/" + reps[1].Report.ID + "/decisions", token: e.adminToken,
			body: map[string]any{"decision": "not_incident"}}).problem(kindValidation)
		e.do(req{method: "POST", path: "/api/v1/triage/reports/" + reps[1].Report.ID + "/decisions", token: e.adminToken,
			body: map[string]any{"decision": "not_incident", "reason": "故障でした", "message": "ありがとうございました"}}).want(http.StatusCreated).into(&res)
		if res.Record.MessageID == nil || res.Incident != nil {
			t.Errorf("not_incident %+v", res)
		}
		_, msgs, err := e.svc.Reports.FollowUp(ctx, reps[1].FollowUpCode)
		if err != nil || len(msgs) != 1 || msgs[0].Body != "ありがとうございました" {
			t.Errorf("reporter's thread %+v %v", msgs, err)
		}
		e.do(req{method: "POST", path: "/api/v1/triage/reports/" + reps[2].Report.ID + "/decisions", token: csirtToken,
			body: map[string]any{"decision": "duplicate", "duplicate_of": reps[0].Report.Number}}).want(http.StatusCreated)
		e.do(req{method: "POST", path: "/api/v1/triage/reports/" + reps[2].Report.ID + "/decisions", token: csirtToken,
			body: map[string]any{"decision": "attach", "incident": inc.Number}}).want(http.StatusCreated).into(&res)
		if res.Incident == nil || res.Incident.ID != inc.ID {
			t.Errorf("attach %+v", res)
		}
		e.get("/api/v1/triage/reports/"+reps[2].Report.ID, csirtToken).want(http.StatusOK).into(&rt)
		if len(rt.History) != 2 || rt.History[0].Action != "duplicate" || rt.History[1].Action != "attach" || rt.Triage.IncidentID == nil {
			t.Errorf("history %+v", rt)
		}
		var empty listJSON[triageQueueItemJSON]
		e.get("/api/v1/triage", csirtToken).want(http.StatusOK).into(&empty)
		if len(empty.Items) != 0 {
			t.Errorf("decided reports still queued: %+v", empty.Items)
		}

		// A RED incident the admin is not a member of: attaching and linking are 404.
		var red incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "極秘", "category": "data-leak", "impact": 1, "urgency": 1, "tlp": "RED"}}).want(http.StatusCreated).into(&red)
		e.do(req{method: "POST", path: "/api/v1/triage/reports/" + reps[1].Report.ID + "/decisions", token: e.adminToken,
			body: map[string]any{"decision": "attach", "incident": red.Number}}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/links", token: e.adminToken,
			body: map[string]any{"incident": red.ID}}).problem(kindNotFound)

		// Links and merge.
		var other incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "別件", "category": "spam", "impact": 3, "urgency": 3}}).want(http.StatusCreated).into(&other)
		var link incidentLinkJSON
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/links", token: csirtToken,
			body: map[string]any{"incident": red.Number, "note": "同じ送信元"}}).want(http.StatusCreated).into(&link)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + red.ID + "/links", token: csirtToken,
			body: map[string]any{"incident": inc.ID}}).problem(kindConflict)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/links", token: managerToken,
			body: map[string]any{"incident": other.ID}}).problem(kindForbidden)
		var links incidentLinksJSON
		e.get("/api/v1/incidents/"+inc.ID+"/links", managerToken).want(http.StatusOK).into(&links)
		if len(links.Reports) != 2 || len(links.Related) != 0 {
			t.Errorf("manager's view of links %+v", links)
		}
		e.get("/api/v1/incidents/"+inc.ID+"/links", csirtToken).want(http.StatusOK).into(&links)
		if len(links.Related) != 1 || links.Related[0].Incident.ID != red.ID || links.Related[0].Note != "同じ送信元" {
			t.Errorf("csirt's view of links %+v", links)
		}
		var merged incidentMergeJSON
		e.do(req{method: "POST", path: "/api/v1/incidents/" + other.ID + "/merge", token: csirtToken,
			body: map[string]any{"incident": inc.Number, "note": "まとめる"}}).want(http.StatusOK).into(&merged)
		if merged.IncidentID != inc.ID || merged.IntoID != other.ID {
			t.Errorf("merge %+v", merged)
		}
		var closed incidentJSON
		e.get("/api/v1/incidents/"+inc.ID, csirtToken).want(http.StatusOK).into(&closed)
		if closed.Phase != "closed" {
			t.Errorf("merged incident is %s", closed.Phase)
		}
		e.get("/api/v1/incidents/"+other.ID+"/links", csirtToken).want(http.StatusOK).into(&links)
		if len(links.Reports) != 2 || len(links.MergedFrom) != 1 {
			t.Errorf("after merge %+v", links)
		}
		e.do(req{method: "POST", path: "/api/v1/incidents/" + other.ID + "/merge", token: csirtToken,
			body: map[string]any{"incident": inc.ID}}).problem(kindConflict)

		// Matrix and taxonomy.
		var m priorityMatrixJSON
		e.get("/api/v1/triage/matrix", auditorToken).want(http.StatusOK).into(&m)
		if len(m.Matrix) != 4 || m.Matrix[0][0] != 1 {
			t.Errorf("matrix %+v", m)
		}
		e.get("/api/v1/triage/matrix", memberToken).problem(kindForbidden)
		e.do(req{method: "PUT", path: "/api/v1/triage/matrix", token: managerToken, body: map[string]any{"matrix": m.Matrix}}).problem(kindForbidden)
		p = e.do(req{method: "PUT", path: "/api/v1/triage/matrix", token: csirtToken, body: map[string]any{"matrix": [][]int{{1, 2}}}}).problem(kindValidation)
		wantField(t, p, "matrix", "shape")
		p = e.do(req{method: "PUT", path: "/api/v1/triage/matrix", token: csirtToken,
			body: map[string]any{"matrix": [][]int{{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 0}}}}).problem(kindValidation)
		wantField(t, p, "matrix", "out_of_range")
		e.do(req{method: "PUT", path: "/api/v1/triage/matrix", token: e.adminToken,
			body: map[string]any{"matrix": [][]int{{4, 4, 4, 4}, {4, 4, 4, 4}, {4, 4, 4, 4}, {4, 4, 4, 4}}}}).want(http.StatusOK)
		var inc2 incidentJSON
		e.do(req{method: "POST", path: "/api/v1/incidents", token: csirtToken, body: map[string]any{
			"title": "x", "category": "spam", "impact": 1, "urgency": 1}}).want(http.StatusCreated).into(&inc2)
		if inc2.Priority != 4 {
			t.Errorf("a new incident's priority %d ignores the configured matrix", inc2.Priority)
		}
		var tax taxonomyJSON
		e.get("/api/v1/triage/taxonomy", managerToken).want(http.StatusOK).into(&tax)
		if len(tax.Classes) != len(hikeshi.RSIT) || len(tax.Enabled) != len(hikeshi.RSITKeys()) {
			t.Errorf("taxonomy %d classes %d enabled", len(tax.Classes), len(tax.Enabled))
		}
		p = e.do(req{method: "PUT", path: "/api/v1/triage/taxonomy", token: csirtToken, body: map[string]any{"enabled": []string{"<b>"}}}).problem(kindValidation)
		wantField(t, p, "enabled", "unknown")
		e.do(req{method: "PUT", path: "/api/v1/triage/taxonomy", token: csirtToken, body: map[string]any{"enabled": []string{"fraud", "phishing"}}}).
			want(http.StatusOK).into(&tax)
		if len(tax.Enabled) != 2 {
			t.Errorf("enabled %v", tax.Enabled)
		}
		p = e.do(req{method: "PUT", path: "/api/v1/triage/reports/" + reps[1].Report.ID, token: csirtToken, body: map[string]any{
			"category": "spam", "impact": 1, "urgency": 1, "tlp": "GREEN"}}).problem(kindValidation)
		wantField(t, p, "category", "disabled")
	})
}
