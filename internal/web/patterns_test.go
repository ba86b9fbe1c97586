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

// patternChange is the change form as the edit page fills it for template
// key with the demo departments.
func patternChange(e *env, key string) url.Values {
	tpl, _ := hikeshi.PatternByKey(hikeshi.PatternKey(key))
	f := url.Values{"template": {key}, "base_version": {"1"},
		"units.management": {e.department("経営企画部").ID}, "units.it": {e.department("情報システム部").ID}, "units.csirt": {e.department("CSIRT").ID}}
	for _, a := range hikeshi.Activities() {
		c := tpl.Matrix[a]
		f.Set("lead."+string(a), string(c.Lead))
		for _, w := range c.With {
			f.Add("with."+string(a), string(w))
		}
	}
	return f
}

// TestPatternPages reads the demo organisation's traditional matrix in both
// languages, switches it to the field-driven template through the preview and
// the confirmation (the way the browser test does), refuses hostile input by
// field with what was typed kept, and lets only admins change it.
func TestPatternPages(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{"admin", "member", "auditor", "manager", "csirt"} {
		clearLocale(t, e, who)
	}
	admin := e.login("admin", "en")
	res := admin.get("/patterns")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Organisation pattern", "Template: Traditional · version 1", "経営企画部", "情報システム部",
		"Review and improvement of measures", "<strong>R</strong>", "Internal audit results, every few months to a year",
		"The six templates side by side", "Field-driven", "IT (&#43;CSIRT inside)", "Inside the IT department", `href="/patterns/advisor"`,
		`href="/patterns/simulate"`, `href="/patterns/edit"`, "Large organisations with many incidents", "seed §5.2 (1), table 5",
		"Versions")
	ja := e.login("member", "ja")
	res = ja.get("/patterns")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "組織パターン", "テンプレート：従来型・第1版", "対策の見直し・改善", "内部監査の結果（数か月から1年間隔）", "現場主体型",
		"情報システム部門（CSIRTを含む）", "論文の理由")
	if strings.Contains(res.body, `href="/patterns/edit"`) || strings.Contains(res.body, "版の履歴") {
		t.Error("a member is offered the change form or the history")
	}
	for _, who := range []string{"member", "auditor", "manager", "csirt"} {
		c := e.login(who, "en")
		wantStatus(t, c.get("/patterns"), http.StatusOK)
		wantStatus(t, c.get("/patterns/edit"), http.StatusForbidden)
		wantStatus(t, c.post("/patterns/preview", patternChange(e, "field_driven")), http.StatusForbidden)
		wantStatus(t, c.post("/patterns", patternChange(e, "field_driven")), http.StatusForbidden)
	}

	// Load the field-driven template into the form.
	res = admin.get("/patterns/edit?template=field_driven")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Change the pattern", `name="template" value="field_driven"`, `name="units.csirt"`, `name="lead.improvement"`,
		`name="with.incident_response" value="csirt" checked`, "Preview the change")
	if strings.Contains(res.body, "Apply the pattern") {
		t.Error("apply offered before a preview")
	}
	wantContains(t, admin.get("/patterns/edit?template=<script>"), "Choose one of the six templates.")

	// Hostile input: shown again, named by field, as typed.
	bad := patternChange(e, "field_driven")
	bad.Set("lead.improvement", "")
	bad.Set("note", "<script>alert(1)</script>")
	res = admin.post("/patterns/preview", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "No unit is responsible for Review and improvement of measures.", "&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Error("script echoed unescaped")
	}
	res = ja.get("/patterns") // still version 1
	wantContains(t, res, "第1版")
	jaAdmin := e.login("admin", "ja")
	res = jaAdmin.post("/patterns", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "「対策の見直し・改善」の担当組織がありません。")
	for k, v := range map[string]string{"units.it": hikeshi.NewID(), "template": "<b>nope</b>", "lead.rules": "'; DROP TABLE tasks; --", "base_version": "x"} {
		b := patternChange(e, "field_driven")
		b.Set(k, v)
		wantStatus(t, admin.post("/patterns/preview", b), http.StatusUnprocessableEntity)
	}
	inside := patternChange(e, "it_led")
	res = admin.post("/patterns/preview", inside)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "map both onto the same department")

	// Routed work: a playbook applied without departments sends its
	// incident response steps to IT (traditional); the independent
	// template would move them to the CSIRT.
	ctx, csirt := context.Background(), hikeshi.ActorFor(e.user("csirt"), "test")
	inc, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "Phishing <i>wave</i>", Summary: "s", Category: "phishing",
		Impact: 2, Urgency: 2, TLP: hikeshi.TLPGreen})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := e.svc.Tasks.ApplyPlaybook(ctx, csirt, inc.ID, "phishing", hikeshi.LocaleEN, nil)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := e.svc.Tasks.Playbook(ctx, csirt, "phishing", hikeshi.LocaleEN)
	res = admin.post("/patterns/preview", patternChange(e, "independent"))
	wantStatus(t, res, http.StatusOK)
	for _, st := range pb.Tasks {
		if st.Kind != hikeshi.KindCSIRT {
			continue
		}
		for _, tk := range tasks {
			if tk.Title == st.Title {
				if tk.DepartmentID != e.department("情報システム部").ID {
					t.Errorf("step %q was not routed to IT", st.Title)
				}
				wantContains(t, res, `href="/tasks/`+tk.ID+`"`)
			}
		}
	}
	if strings.Contains(res.body, "No open work moves.") {
		t.Error("the preview lists no moves")
	}

	// Preview, then apply.
	fd := patternChange(e, "field_driven")
	res = admin.post("/patterns/preview", fd)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "Preview", "Open work that will move", "Apply the pattern", `formaction="/patterns"`)
	res = admin.post("/patterns", fd)
	wantStatus(t, res, http.StatusSeeOther)
	res = admin.get(res.header.Get("Location"))
	wantContains(t, res, "The pattern was changed", "Template: Field-driven · version 2", "Incident results, in real time")
	cur, ok, err := e.svc.Patterns.Current(ctx, hikeshi.SystemActor("test"))
	if err != nil || !ok || cur.Template != hikeshi.PatternFieldDriven || cur.Units[hikeshi.KindCSIRT] != e.department("CSIRT").ID {
		t.Fatalf("after apply: %+v %v %v", cur, ok, err)
	}
	// Applying the same form again is a conflict (it was made from version 1).
	res = admin.post("/patterns", fd)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "Someone changed the pattern meanwhile.")
}
