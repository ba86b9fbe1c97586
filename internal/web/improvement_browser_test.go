package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/browsertest"
)

// improvementText is what one language's run types.
type improvementText struct {
	flow                 flowText
	waitingLesson, fixed [2]string // a lesson's text and proposed change
}

var improvementTexts = []improvementText{
	{flow: flowTexts[0],
		waitingLesson: [2]string{"The laptop's disk was not encrypted.", "Encrypt the disks of all laptops."},
		fixed:         [2]string{"Nobody knew which laptops held customer data.", "Record in the asset inventory which laptops hold personal data."}},
	{flow: flowTexts[1],
		waitingLesson: [2]string{"ノートPCのディスクが暗号化されていなかった。", "全ノートPCのディスクを暗号化する。"},
		fixed:         [2]string{"どのノートPCに顧客情報があるか誰も把握していなかった。", "個人データを保存するノートPCを資産台帳に記録する。"}},
}

// TestBrowserImprovementFollowsThePattern is issue 5's "done when" in a real
// Chromium, in English and Japanese: under the demo's traditional pattern
// an accepted lesson waits for the next audit or review; the administrator
// switches the organisation to the field-driven template (preview, then
// apply); the waiting lesson's improvement action goes to the IT department
// at once, and so does the next lesson's the moment it is accepted; an IT
// member finds both in the corrective actions.
func TestBrowserImprovementFollowsThePattern(t *testing.T) {
	for _, x := range improvementTexts {
		t.Run(string(x.flow.lang), func(t *testing.T) {
			start := time.Now()
			runImprovement(t, x)
			t.Logf("the %s run took %s", x.flow.lang, time.Since(start).Round(time.Millisecond))
		})
	}
}

func runImprovement(t *testing.T, x improvementText) {
	e := newEnv(t)
	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: x.flow.accept})
	f := &flowRun{t: t, e: e, ctx: ctx, x: x.flow, step: browsertest.Stepper(t, ctx, 20*time.Second), eval: browsertest.Evaluator(t, ctx)}
	p := pdcaRun{f}
	shot := func(name string) { browsertest.Screenshot(t, ctx, "improvement-"+string(x.flow.lang)+"-"+name) }
	it := e.user("it")

	// The demo's incident in recovery: the lost laptop.
	incs, err := e.svc.Incidents.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.IncidentFilter{Phase: hikeshi.PhaseRecovery, SeeRestricted: true})
	if err != nil || len(incs) == 0 {
		t.Fatalf("the demo has no incident in recovery: %v", err)
	}
	incPath := "/incidents/" + incs[0].ID

	// lessonItem is the id of the lesson's list item on the incident page.
	lessonItem := func(text string) string {
		t.Helper()
		id := f.eval(fmt.Sprintf(`([...document.querySelectorAll('li[id^="lesson-"]')].find(li => [...li.querySelectorAll(".report-text")].some(p => p.textContent.trim() === %s)) || {}).id || ""`, flowJS(text)))
		if id == "" {
			t.Fatalf("the incident page does not list the lesson %q: %s", text, f.text("main"))
		}
		return id
	}
	addAndAccept := func(l [2]string) string {
		t.Helper()
		p.open(incPath)
		p.post("add a lesson", incPath+"/lessons", map[string]string{"lesson_text": l[0], "lesson_change": l[1],
			"lesson_kind": string(hikeshi.MeasureTechnical)})
		li := lessonItem(l[0])
		lessonID := strings.TrimPrefix(li, "lesson-")
		p.click("accept the lesson", `form[action="/lessons/`+lessonID+`/status"] button[value="accepted"]`)
		return li
	}
	actionOf := func(li string) string {
		t.Helper()
		return f.eval(fmt.Sprintf(`(document.querySelector('#%s a[href^="/isms/actions/"]') || {}).getAttribute?.("href") || ""`, li))
	}

	// 1. Under the traditional pattern an accepted lesson waits.
	csirt := e.accounts["csirt"]
	f.signIn(csirt.Email, csirt.Password)
	waiting := addAndAccept(x.waitingLesson)
	if n := f.count("#" + waiting + " .badge-warn"); n != 1 || actionOf(waiting) != "" {
		t.Fatalf("under the traditional pattern the accepted lesson does not wait: %s", f.text("#"+waiting))
	}
	shot("01-waiting")
	f.signOut()

	// 2. The administrator switches to the field-driven template.
	admin := e.accounts["admin"]
	f.signIn(admin.Email, admin.Password)
	p.open("/patterns")
	p.open("/patterns/edit")
	p.step("choose the field-driven template", chromedp.SetValue(chromedp.ID("pt-load"), string(hikeshi.PatternFieldDriven)))
	p.click("load the template", `form[action="/patterns/edit"] button[type="submit"]`)
	p.click("preview the change", `form[action="/patterns/preview"] button[type="submit"]:not([formaction])`)
	shot("02-preview")
	p.click("apply the pattern", `form[action="/patterns/preview"] button[formaction="/patterns"]`)
	if path := f.path(); path != "/patterns" {
		t.Fatalf("applying the pattern led to %s: %s", path, p.problems())
	}
	f.signOut()

	// 3. The waiting lesson's action went to IT; the next lesson's goes at once.
	f.signIn(csirt.Email, csirt.Password)
	p.open(incPath)
	released := actionOf(waiting)
	if released == "" {
		t.Fatalf("after the switch the waiting lesson has no improvement action: %s", f.text("#"+waiting))
	}
	now := addAndAccept(x.fixed)
	atOnce := actionOf(now)
	if atOnce == "" {
		t.Fatalf("under the field-driven pattern the accepted lesson has no action at once: %s", f.text("#"+now))
	}
	shot("03-improvements")
	f.signOut()

	// 4. An IT member finds both in the corrective actions, owned by IT.
	itAcct := e.accounts["it"]
	f.signIn(itAcct.Email, itAcct.Password)
	p.open("/isms/actions")
	// (The demo's laptop incident is restricted: the actions carry its number, not the lesson's words.)
	for _, href := range []string{released, atOnce} {
		if n := f.count(`main a[href="` + href + `"]`); n == 0 {
			t.Errorf("the IT member's corrective actions do not list %s: %s", href, f.text("main"))
		}
	}
	for _, href := range []string{released, atOnce} {
		p.submit("open "+href, http.StatusOK, chromedp.Navigate(e.srv.URL+href))
		f.wantContains(href, "main dl.facts", e.deptName(it.DepartmentID))
	}
	shot("04-it-actions")
}

// deptName is a department's name.
func (e *env) deptName(id string) string {
	e.t.Helper()
	d, err := e.svc.Departments.Get(context.Background(), hikeshi.SystemActor("test"), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Name
}
