package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// TestImprovementPagesInBothLanguages: the CSIRT chooses a lesson's measures
// (a suggestion from the phishing category) and risks, bad ids are refused
// with what was ticked kept, accepting the lesson opens the improvement
// action (no pattern chosen: real time) shown on the incident, /lessons and
// /improvements, and the measure's history; auditors read without a form.
// Under the demo's traditional pattern the accepted lesson waits; after the
// switch to the field-driven pattern the next one opens at once, for IT.
func TestImprovementPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			for _, who := range []string{"csirt", "auditor"} {
				clearLocale(t, e, who)
			}
			c := e.login("csirt", lang)
			inc := reviewIncident(t, e, "フィッシング", hikeshi.TLPAmber, hikeshi.PhaseRecovery)
			csirt := hikeshi.ActorFor(e.user("csirt"), "test")
			l, err := e.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: "<script>alert(1)</script> 見分けにくい",
				ProposedChange: "MFA", Kind: hikeshi.MeasureTechnical, DepartmentID: e.department("情報システム部").ID})
			if err != nil {
				t.Fatal(err)
			}
			m, err := e.svc.Frameworks.CreateMeasure(ctx, hikeshi.SystemActor("test"), service.MeasureInput{Name: "認証情報の管理 <b>",
				Status: hikeshi.StatusImplemented, Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.17"}}})
			if err != nil {
				t.Fatal(err)
			}
			path := "/lessons/" + l.ID + "/improvement"
			page := c.get(path)
			wantStatus(t, page, http.StatusOK)
			suggested, save, waiting, waitingLabel := "Suggested", "Save measures and risks", "Improvement action", "Awaiting audit or review"
			if lang == "ja" {
				suggested, save, waiting, waitingLabel = "候補", "対策とリスクを保存", "改善処置", "内部監査またはレビュー待ち"
			}
			wantContains(t, page, suggested, save, "A.5.17", "認証情報の管理 &lt;b&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;")
			if strings.Contains(page.body, "<script>alert(1)") {
				t.Error("the lesson's HTML is not escaped")
			}
			bad := c.post(path, url.Values{"measure": {m.ID}, "risk": {"<script>x</script>"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			if !strings.Contains(bad.body, `value="`+m.ID+`" checked`) || !strings.Contains(bad.body, "field-error") {
				t.Error("the refused form does not keep what was ticked or name the field")
			}
			ok := c.post(path, url.Values{"measure": {m.ID}})
			wantStatus(t, ok, http.StatusSeeOther)
			// The demo organisation has the traditional pattern: the accepted lesson waits.
			wantStatus(t, c.post("/lessons/"+l.ID+"/status", url.Values{"status": {"accepted"}, "reason": {""}}), http.StatusSeeOther)
			got, err := e.svc.Reviews.GetLesson(ctx, csirt, l.ID)
			if err != nil || got.ImprovementActionID != "" {
				t.Fatalf("accepted lesson under the traditional pattern %+v %v", got, err)
			}
			wantContains(t, c.get("/incidents/"+inc.ID), waitingLabel)
			wantContains(t, c.get("/lessons"), waitingLabel)
			// Field-driven: the next accepted lesson opens its action at once, for IT.
			it := e.department("情報システム部")
			if _, err := e.svc.Patterns.Apply(ctx, hikeshi.SystemActor("test"), service.PatternInput{Template: hikeshi.PatternFieldDriven,
				Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: e.department("経営企画部").ID, hikeshi.KindIT: it.ID,
					hikeshi.KindCSIRT: e.department("CSIRT").ID}}); err != nil {
				t.Fatal(err)
			}
			l2, err := e.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: "報告窓口を周知する", ProposedChange: "ポスター",
				Kind: hikeshi.MeasureTraining})
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, c.post("/lessons/"+l2.ID+"/status", url.Values{"status": {"accepted"}, "reason": {""}}), http.StatusSeeOther)
			if got, err = e.svc.Reviews.GetLesson(ctx, csirt, l2.ID); err != nil || got.ImprovementActionID == "" {
				t.Fatalf("accepted lesson under the field-driven pattern %+v %v", got, err)
			}
			if a, err := e.svc.Checks.Action(ctx, csirt, got.ImprovementActionID); err != nil || a.Action.DepartmentID != it.ID {
				t.Errorf("the action went to %+v %v, want IT", a.Action.DepartmentID, err)
			}
			if _, err := e.svc.Improvements.SetLinks(ctx, csirt, l2.ID, hikeshi.LessonLinks{MeasureIDs: []string{m.ID}}); err != nil {
				t.Fatal(err)
			}
			wantContains(t, c.get("/incidents/"+inc.ID), "/isms/actions/"+got.ImprovementActionID, waiting)
			wantContains(t, c.get("/lessons"), "/isms/actions/"+got.ImprovementActionID)
			// The action links back to its lesson.
			wantContains(t, c.get("/isms/actions/"+got.ImprovementActionID), "/lessons/"+got.ID+"/improvement")
			wantContains(t, c.get("/improvements?measure="+m.ID), inc.Number, "/isms/actions/"+got.ImprovementActionID, waitingLabel)
			wantStatus(t, c.get("/improvements?state=<script>&measure="+strings.Repeat("x", 100)), http.StatusOK)

			// Auditors read, without the form, and cannot post.
			au := e.login("auditor", lang)
			page = au.get(path)
			wantStatus(t, page, http.StatusOK)
			if strings.Contains(page.body, `name="measure"`) {
				t.Error("the auditor is offered the form")
			}
			wantStatus(t, au.post(path, url.Values{"measure": {m.ID}}), http.StatusForbidden)
			wantContains(t, au.get("/improvements"), inc.Number)
		})
	}
}
