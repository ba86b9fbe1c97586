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

// TestImprovementsAPI chooses a lesson's measures and risks, accepts it (real
// time: no pattern chosen), lists the improvement by measure, and refuses
// hostile input and read-only roles, on both engines.
func TestImprovementsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		dept, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		ca := hikeshi.ActorFor(csirt, "test")
		inc, err := e.svc.Incidents.Create(ctx, ca, service.IncidentInput{Title: "phish", Category: "phishing", Impact: 2, Urgency: 2, TLP: hikeshi.TLPAmber})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery} {
			if _, err := e.svc.Incidents.Transition(ctx, ca, inc.ID, p, ""); err != nil {
				t.Fatal(err)
			}
		}
		l, err := e.svc.Reviews.AddLesson(ctx, ca, inc.ID, service.LessonInput{Text: "教訓", ProposedChange: "MFA", Kind: hikeshi.MeasureTechnical, DepartmentID: dept.ID})
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "認証情報", Status: hikeshi.StatusImplemented,
			Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.17"}}})
		if err != nil {
			t.Fatal(err)
		}

		var li lessonImprovementJSON
		e.get("/api/v1/lessons/"+l.ID+"/improvement", auditorToken).want(http.StatusOK).into(&li)
		if li.CanEdit || len(li.SuggestedMeasures) != 1 || li.SuggestedMeasures[0].ID != m.ID || li.Improvement != nil {
			t.Fatalf("lesson improvement %+v", li)
		}
		path := "/api/v1/lessons/" + l.ID + "/links"
		e.do(req{method: "PUT", path: path, token: auditorToken, body: map[string]any{"measure_ids": []string{m.ID}}}).problem(kindForbidden)
		e.do(req{method: "PUT", path: path, token: managerToken, body: map[string]any{"measure_ids": []string{m.ID}}}).problem(kindForbidden)
		p := e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"measure_ids": []string{"<script>alert(1)</script>"},
			"risk_ids": []string{strings.Repeat("r", 5000)}}}).problem(kindValidation)
		wantField(t, p, "measure_ids", "unknown")
		wantField(t, p, "risk_ids", "unknown")
		e.do(req{method: "PUT", path: path, token: csirtToken, body: `{"measure_ids":"x"}`}).want(http.StatusBadRequest)
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"culprit": "x"}}).want(http.StatusBadRequest)
		var links linksJSON
		e.do(req{method: "PUT", path: path, token: csirtToken, body: map[string]any{"measure_ids": []string{m.ID}}}).want(http.StatusOK).into(&links)
		if len(links.MeasureIDs) != 1 || links.RiskIDs == nil {
			t.Fatalf("links %+v", links)
		}
		e.do(req{method: "PATCH", path: "/api/v1/lessons/" + l.ID, token: csirtToken, body: map[string]any{"status": "accepted"}}).want(http.StatusOK)

		var page struct {
			Items []improvementJSON `json:"items"`
		}
		e.get("/api/v1/improvements?measure_id="+m.ID, auditorToken).want(http.StatusOK).into(&page)
		if len(page.Items) != 1 || page.Items[0].State != "open" || page.Items[0].ActionID == nil || page.Items[0].ReleasedBy != "lesson" ||
			page.Items[0].IncidentNumber != inc.Number || page.Items[0].LeadTimeSecs != nil {
			t.Fatalf("improvements %+v", page.Items)
		}
		e.get("/api/v1/improvements?state=<b>", auditorToken).want(http.StatusBadRequest)
		e.get("/api/v1/improvements?measure_id=x'--", auditorToken).want(http.StatusBadRequest)
		e.get("/api/v1/improvements/lead-times?from=yesterday", auditorToken).want(http.StatusBadRequest)
		var lts []leadTimeJSON
		e.get("/api/v1/improvements/lead-times", auditorToken).want(http.StatusOK).into(&lts)
		if len(lts) != 0 {
			t.Errorf("lead times before anything closed: %+v", lts)
		}
		e.get("/api/v1/risks/"+hikeshi.NewID()+"/reassessment", auditorToken).problem(kindNotFound)
		e.get("/api/v1/improvements", "").want(http.StatusUnauthorized)
	})
}
