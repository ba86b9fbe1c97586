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

// TestPatternPreviewListsISMSWorkAndReleases (decision 0038): under the demo's
// traditional pattern a risk entered without an owner and a programme
// planned without a unit go to the management department; the preview of a
// switch to the field-driven template lists the risk moving to IT with a
// link, and the lesson waiting for an audit that the switch releases, in both
// languages; the programme and review forms offer the unit, refuse a hostile
// one beside the field and show who chose it.
func TestPatternPreviewListsISMSWorkAndReleases(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, who := range []string{"admin", "manager", "csirt"} {
		clearLocale(t, e, who)
	}
	mg, it := e.department("経営企画部"), e.department("情報システム部")
	adminActor := hikeshi.ActorFor(e.user("admin"), "test")
	risk, err := e.svc.Risks.CreateRisk(ctx, adminActor, service.RiskInput{Title: "Unowned <b>risk</b>", Scenario: "s",
		Assessment: service.RiskAssessment{Likelihood: 2, Impact: 3}})
	if err != nil || risk.OwnerDepartmentID != mg.ID {
		t.Fatalf("risk %+v %v", risk, err)
	}
	inc := reviewIncident(t, e, "フィッシング", hikeshi.TLPAmber, hikeshi.PhaseRecovery)
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	l, err := e.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: "Look-alike <i>login</i> pages\nmore", ProposedChange: "MFA",
		Kind: hikeshi.MeasureTechnical})
	if err != nil {
		t.Fatal(err)
	}
	st := hikeshi.LessonAccepted
	if _, err := e.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: &st}); err != nil {
		t.Fatal(err)
	}

	admin := e.login("admin", "en")
	res := admin.post("/patterns/preview", patternChange(e, "field_driven"))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Risk: ", `href="/isms/risks/`+risk.ID+`"`, "Unowned &lt;b&gt;risk&lt;/b&gt;", "Risk assessment",
		"Improvements released at once", `href="/incidents/`+inc.ID+`"`, inc.Number, "Look-alike &lt;i&gt;login&lt;/i&gt; pages")
	if strings.Contains(res.body, "<b>risk</b>") || strings.Contains(res.body, "<i>login") || strings.Contains(res.body, "more</td>") {
		t.Error("the preview shows raw HTML or more than the lesson's first line")
	}
	ja := e.login("admin", "ja")
	res = ja.post("/patterns/preview", patternChange(e, "field_driven"))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "リスク: ", "直ちに開始される改善", "情報システム部")
	// A switch to the integrated template (audit-triggered too) releases nothing.
	integ := patternChange(e, "integrated")
	for _, k := range []string{"units.management", "units.it", "units.csirt"} {
		integ.Set(k, mg.ID)
	}
	res = admin.post("/patterns/preview", integ)
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.body, "Improvements released at once") {
		t.Error("an audit-triggered pattern would release improvements")
	}
	// Apply: the risk moves, the improvement opens.
	wantStatus(t, admin.post("/patterns", patternChange(e, "field_driven")), http.StatusSeeOther)
	if r, _ := e.svc.Risks.Risk(ctx, adminActor, risk.ID); r.Risk.OwnerDepartmentID != it.ID {
		t.Errorf("the risk stayed at %q", r.Risk.OwnerDepartmentID)
	}
	if got, _ := e.svc.Reviews.GetLesson(ctx, csirt, l.ID); got.ImprovementActionID == "" {
		t.Error("the waiting lesson was not released")
	}

	// The programme form: the unit is offered; left empty, the pattern chooses.
	m := e.login("manager", "en")
	res = m.get("/isms/audits")
	wantContains(t, res, `name="department_id"`, "The unit responsible for internal audit (pattern)")
	form := url.Values{"year": {"2031"}, "title": {"Programme"}, "period_start": {"2031-04-01"}, "period_end": {"2032-03-31"},
		"department_id": {"<script>x</script>"}}
	res = m.post("/isms/audits/programmes", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "field-error")
	if strings.Contains(res.body, "<script>x") {
		t.Error("script echoed unescaped")
	}
	form.Set("department_id", "")
	wantStatus(t, m.post("/isms/audits/programmes", form), http.StatusSeeOther)
	progs, err := e.svc.Checks.Programmes(ctx, adminActor, hikeshi.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var prog hikeshi.AuditProgramme
	for _, p := range progs {
		if p.Year == 2031 {
			prog = p
		}
	}
	if prog.DepartmentID != mg.ID || prog.RoutedActivity != hikeshi.ActivityInternalAudit {
		t.Fatalf("programme %+v", prog)
	}
	res = m.get("/isms/audit-programmes/" + prog.ID)
	wantContains(t, res, "Owner unit", "経営企画部", "chosen by the pattern", "Keep as it is")
	// Naming a unit makes it a person's choice.
	form.Set("department_id", it.ID)
	wantStatus(t, m.post("/isms/audit-programmes/"+prog.ID, form), http.StatusSeeOther)
	if p, _ := e.svc.Checks.Programme(ctx, adminActor, prog.ID); p.DepartmentID != it.ID || p.RoutedActivity != "" {
		t.Fatalf("programme after naming a unit %+v", p)
	}

	// The review form likewise.
	mj := e.login("manager", "ja")
	res = mj.get("/isms/management-reviews")
	wantContains(t, res, "マネジメントレビューを担当する部門（パターンによる）")
	rf := url.Values{"title": {"MR"}, "period_from": {"2031-01-01"}, "period_to": {"2031-03-31"}, "meeting_date": {"2031-04-10"},
		"chair_id": {e.user("manager").ID}, "department_id": {hikeshi.NewID()}}
	res = mj.post("/isms/management-reviews", rf)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "field-error")
	rf.Set("department_id", "")
	res = mj.post("/isms/management-reviews", rf)
	wantStatus(t, res, http.StatusSeeOther)
	res = mj.get(res.header.Get("Location"))
	wantContains(t, res, "準備する部門", "経営企画部", "パターンにより決定")
}
