package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/browsertest"
	"github.com/hikeshi/hikeshi/internal/service"
)

// flowText is what one language's run types and expects to read.
type flowText struct {
	lang   hikeshi.Locale
	accept string // the browser's Accept-Language

	// Visible text the pages must show in this language.
	reportHeading, doneHeading, statusHeading string
	triageTitle, tasksInbox, reviewTitle      string
	phaseDiscovery, phaseClosed               string
	taskDone, reviewCompleted, reportClosed   string
	refusedClose                              string // why closing before the review is refused
	csirtAuthor                               string // the thread's label of the CSIRT's messages
	contained, recovered, closed, firstResp   string // labels of the incident's timestamps
	taskCompletedAt                           string // label of the task's completion time
	tasksClosed                               string // why a closed incident offers no task forms

	// What the people of the flow type.
	itName, description, incidentTitle, answer string
	taskTitle, taskDescription, taskNote       string
	oodaAct, phaseNote                         string
	rootCause, wentWell, toChange              string
	lessons                                    [2][2]string // text, proposed change
}

var flowTexts = []flowText{
	{
		lang: hikeshi.LocaleEN, accept: "en-US,en",
		reportHeading: "Something looks wrong? Tell us.", doneHeading: "Thank you — your report has reached the CSIRT",
		statusHeading: "Follow up your report",
		triageTitle:   "Triage", tasksInbox: "Task inbox", reviewTitle: "Post-incident review",
		phaseDiscovery: "Discovery", phaseClosed: "Closed",
		taskDone: "Done", reviewCompleted: "Completed", reportClosed: "Resolved",
		refusedClose: "The incident cannot be closed yet: complete its post-incident review first (root cause and what to change).",
		csirtAuthor:  "CSIRT",
		contained:    "Contained", recovered: "Recovered", closed: "Closed", firstResp: "First response",
		taskCompletedAt: "Completed",
		tasksClosed:     "The incident is closed, so it takes no new tasks. Reopen the incident to add one.",

		itName:          "Taichi Joho (IT)",
		description:     "I opened an Excel file attached to a mail from a supplier and clicked Enable Content. My PC has been slow since.",
		incidentTitle:   "Macro malware from a supplier invoice mail",
		answer:          "Thank you for telling us so quickly. Please leave the PC switched on and off the network; the IT department will come to your desk.",
		taskTitle:       "Isolate and re-image the affected PC",
		taskDescription: "Take the PC off the network, keep a disk image, then re-image it.",
		taskNote:        "PC isolated, disk image kept in the evidence store, re-imaged and handed back.",
		oodaAct:         "Asked the IT department to isolate the PC.",
		phaseNote:       "Moved on after the first response.",
		rootCause:       "Macros in files from outside were allowed to run, and the invoice mail looked genuine.",
		wentWell:        "The employee reported within minutes and the PC was isolated within the hour.",
		toChange:        "Block macros in files from the internet and train the sales team on invoice fraud.",
		lessons: [2][2]string{
			{"Macros from the internet were enabled by default.", "Block macros in files from the internet by group policy."},
			{"The fake invoice mail was hard to tell from a real one.", "Add invoice-fraud examples to the yearly training."},
		},
	},
	{
		lang: hikeshi.LocaleJA, accept: "ja,en",
		reportHeading: "「何かおかしい」と思ったら、教えてください", doneHeading: "ありがとうございます。報告は CSIRT に届きました",
		statusHeading: "報告の状況を確認する",
		triageTitle:   "トリアージ", tasksInbox: "タスク受信箱", reviewTitle: "事後レビュー",
		phaseDiscovery: "発見", phaseClosed: "完了",
		taskDone: "完了", reviewCompleted: "完了", reportClosed: "対応完了",
		refusedClose: "まだ完了にできません。先に事後レビュー（根本原因と変えること）を完了してください。",
		csirtAuthor:  "CSIRT からの回答",
		contained:    "封じ込め", recovered: "復旧", closed: "完了", firstResp: "初動",
		taskCompletedAt: "完了日時",
		tasksClosed:     "インシデントは完了しているため、タスクは追加できません。追加するには、インシデントを再開してください。",

		itName:          "情報 太一 (Taichi Joho)",
		description:     "取引先からのメールに添付された Excel を開き、「コンテンツの有効化」を押しました。それからパソコンの動きが遅いです。",
		incidentTitle:   "取引先を装った請求書メールによるマクロ感染",
		answer:          "すぐにお知らせいただき、ありがとうございます。パソコンは電源を入れたまま LAN ケーブルを抜いてお待ちください。情報システム部が伺います。",
		taskTitle:       "感染した端末の隔離と再イメージ",
		taskDescription: "端末をネットワークから外し、ディスクイメージを保全してから再イメージしてください。",
		taskNote:        "端末を隔離し、ディスクイメージを保全したうえで再イメージして返却しました。",
		oodaAct:         "情報システム部に端末の隔離を依頼した。",
		phaseNote:       "初動を終えたので次へ進める。",
		rootCause:       "外部から届いたファイルのマクロが実行できる設定で、請求書メールも本物に見えた。",
		wentWell:        "社員が数分で報告し、1 時間以内に端末を隔離できた。",
		toChange:        "インターネット由来のファイルのマクロを止め、営業部門に請求書詐欺の研修を行う。",
		lessons: [2][2]string{
			{"インターネット由来のマクロが既定で有効だった。", "グループポリシーでインターネット由来のファイルのマクロを止める。"},
			{"偽の請求書メールは本物と見分けにくかった。", "年次研修に請求書詐欺の例を加える。"},
		},
	},
}

// TestBrowserFlow walks issue 3's whole flow in a real Chromium, once in
// English and once in Japanese: an anonymous employee report → triage →
// incident → a task for the IT department → an IT member completes it →
// containment → recovery → post-incident review with two lessons → closed;
// the reporter then reads the CSIRT's answer with the follow-up code.
// Everything is done through the pages' links, forms and buttons.
func TestBrowserFlow(t *testing.T) {
	for _, x := range flowTexts {
		t.Run(string(x.lang), func(t *testing.T) {
			start := time.Now()
			runFlow(t, x)
			t.Logf("the %s flow took %s", x.lang, time.Since(start).Round(time.Millisecond))
		})
	}
}

// flowRun drives one browser through the flow.
type flowRun struct {
	t    *testing.T
	e    *env
	ctx  context.Context
	x    flowText
	step func(name string, actions ...chromedp.Action[chromedp.Void])
	eval func(expr string) string
}

// flowJS quotes s for JavaScript.
func flowJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// flowLeftKey finds a message key shown instead of its text (a missing translation).
var flowLeftKey = regexp.MustCompile(`\b(?:a11y|common|nav|title|label|error|report|reports|triage|incident|incidents|tasks|evidence|clocks|review|lesson)\.[a-z_]+(?:\.[a-z0-9_]+)*\b`)

// submit runs actions that load a page (a click on a button or a link),
// waits for the page, checks the status of the final document, and checks
// the page with checkPage.
func (f *flowRun) submit(name string, want int, actions ...chromedp.Action[chromedp.Void]) {
	f.t.Helper()
	f.load(name, want, actions...)
	f.checkPage(name)
}

// load is submit without checkPage, for a page that may not be in the run's
// language yet.
func (f *flowRun) load(name string, want int, actions ...chromedp.Action[chromedp.Void]) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		f.t.Fatalf("%s: %v", name, err)
	}
	if int(res.Status) != want {
		f.t.Fatalf("%s: %s answered %d, want %d; alert: %q", name, res.URL, res.Status, want, f.text(".alert"))
	}
	if want < 300 {
		if a := f.text("main .alert"); a != "" {
			f.t.Fatalf("%s: the page shows an alert: %q", name, a)
		}
	}
}

// checkPage checks that the page is in the run's language and shows no
// message key or formatting error instead of text.
func (f *flowRun) checkPage(where string) {
	f.t.Helper()
	if got := f.eval(`document.documentElement.lang`); got != string(f.x.lang) {
		f.t.Errorf("%s: the page's lang is %q, want %q", where, got, f.x.lang)
	}
	body := f.eval(`document.body.innerText`)
	if k := flowLeftKey.FindString(body); k != "" {
		f.t.Errorf("%s: the page shows the message key %q instead of its text", where, k)
	}
	if strings.Contains(body, "%!") {
		f.t.Errorf("%s: the page shows a formatting error: %q", where, body)
	}
}

// text is the trimmed text of the first element sel matches, or "".
func (f *flowRun) text(sel string) string {
	f.t.Helper()
	return f.eval(fmt.Sprintf(`String((document.querySelector(%s) || {}).textContent || "").trim()`, flowJS(sel)))
}

// count is how many elements sel matches.
func (f *flowRun) count(sel string) int {
	f.t.Helper()
	var n int
	fmt.Sscan(f.eval(fmt.Sprintf(`String(document.querySelectorAll(%s).length)`, flowJS(sel))), &n)
	return n
}

func (f *flowRun) wantText(where, sel, want string) {
	f.t.Helper()
	if got := f.text(sel); got != want {
		f.t.Errorf("%s: %s reads %q, want %q", where, sel, got, want)
	}
}

func (f *flowRun) wantContains(where, sel, want string) {
	f.t.Helper()
	if got := f.text(sel); !strings.Contains(got, want) {
		f.t.Errorf("%s: %s reads %q, want it to contain %q", where, sel, got, want)
	}
}

// href is the href of the first link under scope whose text is text, or "".
func (f *flowRun) href(scope, text string) string {
	f.t.Helper()
	return f.eval(fmt.Sprintf(`(() => { const a = [...document.querySelectorAll(%s)].find(a => a.textContent.trim() === %s); return a ? a.getAttribute("href") : ""; })()`,
		flowJS(scope+" a"), flowJS(text)))
}

// fact is the text beside a label in the fact list under scope.
func (f *flowRun) fact(scope, label string) string {
	f.t.Helper()
	return f.eval(fmt.Sprintf(`(() => { const dt = [...document.querySelectorAll(%s)].find(d => d.textContent.trim() === %s); return dt && dt.nextElementSibling ? dt.nextElementSibling.textContent.trim() : "(no such fact)"; })()`,
		flowJS(scope+" dl.facts dt"), flowJS(label)))
}

// incidentFact is the text beside a label in the incident's details.
func (f *flowRun) incidentFact(label string) string {
	f.t.Helper()
	return f.fact("section[aria-labelledby=facts-title]", label)
}

func (f *flowRun) shot(name string) {
	f.t.Helper()
	browsertest.Screenshot(f.t, f.ctx, "flow-"+string(f.x.lang)+"-"+name)
}

func (f *flowRun) path() string {
	f.t.Helper()
	return f.eval(`location.pathname`)
}

// signIn signs in through the sign-in form and makes sure the pages are in
// the run's language.
func (f *flowRun) signIn(email, password string) {
	f.t.Helper()
	f.step("open the sign-in page", chromedp.Navigate(f.e.srv.URL+"/login"), chromedp.WaitVisible(chromedp.ID("email")))
	// A user's saved language may differ from the run's: useLanguage switches.
	f.load("sign in as "+email, http.StatusOK,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
	)
	if p := f.path(); p != "/" {
		f.t.Fatalf("after signing in as %s the page is %s, want /; alert %q", email, p, f.text(".alert"))
	}
	f.useLanguage()
}

// useLanguage switches to the run's language with the header's switch when
// the signed-in user's saved language is another (the demo's CSIRT member
// saved Japanese); the switch saves the choice.
func (f *flowRun) useLanguage() {
	f.t.Helper()
	if f.eval(`document.documentElement.lang`) != string(f.x.lang) {
		f.load("switch the language", http.StatusOK, chromedp.Click(chromedp.CSS(fmt.Sprintf(`.lang-switch button[value="%s"]`, f.x.lang))))
	}
}

// signOut signs out with the header's button.
func (f *flowRun) signOut() {
	f.t.Helper()
	f.submit("sign out", http.StatusOK, chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)))
	if p := f.path(); p != "/login" {
		f.t.Fatalf("after signing out the page is %s, want /login", p)
	}
}

func runFlow(t *testing.T, x flowText) {
	e := newEnv(t)
	bg := context.Background()
	sys := hikeshi.SystemActor("test")

	// The IT department of the demo organisation, and a member of it: the
	// demo's own when it has one, else one added here.
	ds, err := e.svc.Departments.List(bg, sys, hikeshi.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var it hikeshi.Department
	for _, d := range ds {
		if d.Kind == hikeshi.KindIT {
			it = d
		}
	}
	if it.ID == "" {
		t.Fatal("the demo organisation has no IT department")
	}
	var itEmail, itPassword string
	for _, a := range e.accounts {
		if a.Role == hikeshi.RoleMember && a.Department == it.Name {
			itEmail, itPassword = a.Email, a.Password
		}
	}
	if itEmail == "" {
		itEmail, itPassword = "it-member@demo.hikeshi.example", service.GeneratePassword()
		if _, err := e.svc.Users.Create(bg, sys, service.UserInput{Email: itEmail, Name: x.itName, Role: hikeshi.RoleMember,
			DepartmentID: it.ID, Password: itPassword}); err != nil {
			t.Fatal(err)
		}
	}
	csirt := e.accounts["csirt"]

	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: x.accept})
	f := &flowRun{t: t, e: e, ctx: ctx, x: x, step: browsertest.Stepper(t, ctx, 20*time.Second), eval: browsertest.Evaluator(t, ctx)}

	// 1. An employee reports anonymously, without signing in.
	f.step("open the report form", chromedp.Navigate(e.srv.URL+"/report"), chromedp.WaitVisible(chromedp.ID("description")))
	f.checkPage("report form")
	f.wantText("report form", "h1#report-title", x.reportHeading)
	f.step("fill the report",
		chromedp.SetValue(chromedp.ID("description"), x.description),
		chromedp.Click(chromedp.CSS(`input[name="anonymous"]`)),
	)
	f.shot("01-report")
	f.submit("send the report", http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/report"] button[type="submit"]`)))
	f.step("the confirmation", chromedp.WaitVisible(chromedp.ID("followup-code")))
	f.wantText("confirmation", "h1#done-title", x.doneHeading)
	code := f.eval(`document.getElementById("followup-code").value`)
	number := f.text(".facts dd strong")
	if !regexp.MustCompile(`^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$`).MatchString(code) || number == "" {
		t.Fatalf("confirmation: code %q, number %q", code, number)
	}
	f.shot("02-report-done")

	// 2. The CSIRT signs in, works in the run's language and triages the report.
	f.signIn(csirt.Email, csirt.Password)
	f.checkPage("CSIRT's home")
	f.submit("open the triage queue", http.StatusOK, chromedp.Click(chromedp.CSS(`.sidenav a[href="/triage"]`)))
	f.wantText("triage queue", ".page-head h1", x.triageTitle)
	triageHref := f.href("main table", number)
	if !strings.HasPrefix(triageHref, "/triage/") {
		t.Fatalf("the triage queue does not list %s: %s", number, f.text("main"))
	}
	reportID := strings.TrimPrefix(triageHref, "/triage/")
	f.shot("03-triage-queue")
	f.submit("open the report in triage", http.StatusOK, chromedp.Click(chromedp.CSS(`main table a[href="`+triageHref+`"]`)))
	f.wantContains("triage page", ".page-head h1", number)
	f.wantContains("triage page", "main", x.description)
	f.step("classify and decide",
		chromedp.SetValue(chromedp.ID("category"), "infected-system"),
		chromedp.SetValue(chromedp.ID("impact"), "2"),
		chromedp.SetValue(chromedp.ID("urgency"), "1"),
		chromedp.SetValue(chromedp.ID("tlp"), string(hikeshi.TLPAmber)),
		chromedp.SetValue(chromedp.ID("owner_id"), e.user("csirt").ID),
		chromedp.SetValue(chromedp.ID("policy"), string(hikeshi.ResponsePolicies[0])),
		chromedp.Click(chromedp.CSS(`input[name="decision"][value="new_incident"]`)),
		chromedp.SetValue(chromedp.ID("title"), x.incidentTitle),
	)
	f.shot("04-triage-decide")
	f.submit("open an incident from the report", http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="`+triageHref+`"] button[type="submit"]`)))
	incPath := f.path()
	if !strings.HasPrefix(incPath, "/incidents/") {
		t.Fatalf("the decision led to %s, want the new incident", incPath)
	}
	incURL := e.srv.URL + incPath
	f.wantContains("incident", ".page-head h1", x.incidentTitle)
	f.wantText("incident", ".page-head .badge-phase-discovery", x.phaseDiscovery)
	f.wantContains("incident", ".page-head", "TLP:AMBER")

	// The CSIRT answers the reporter on the report's page, reached from the incident.
	f.submit("open the report from the incident", http.StatusOK, chromedp.Click(chromedp.CSS(`main a[href="/reports/`+reportID+`"]`)))
	f.wantContains("report page", ".page-head h1", number)
	f.step("write the answer", chromedp.SetValue(chromedp.ID("body"), x.answer))
	f.submit("answer the reporter", http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/reports/`+reportID+`/messages"] button[type="submit"]`)))
	f.wantContains("report page", "ol.thread", x.answer)
	f.shot("05-report-answered")

	// 3. Back on the incident: a task for the IT department, and the first response.
	f.step("open the incident", chromedp.Navigate(incURL), chromedp.WaitVisible(chromedp.ID("task-title")))
	f.step("fill the task",
		chromedp.SetValue(chromedp.ID("task-title"), x.taskTitle),
		chromedp.SetValue(chromedp.ID("task-description"), x.taskDescription),
		chromedp.SetValue(chromedp.ID("task-department"), it.ID),
	)
	f.submit("add the task", http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="`+incPath+`/tasks"] button[type="submit"]`)))
	taskHref := f.href("section[aria-labelledby=tasks] table", x.taskTitle)
	if !strings.HasPrefix(taskHref, "/tasks/") {
		t.Fatalf("the incident does not list the task: %s", f.text("section[aria-labelledby=tasks]"))
	}
	f.wantContains("tasks section", "tr#task-"+strings.TrimPrefix(taskHref, "/tasks/"), it.Name)
	f.step("record the act step",
		chromedp.SetValue(chromedp.CSS(`form[action="`+incPath+`/ooda"] select[name="kind"]`), string(hikeshi.OODAAct)),
		chromedp.SetValue(chromedp.CSS(`form[action="`+incPath+`/ooda"] textarea[name="text"]`), x.oodaAct),
	)
	f.submit("record the first response", http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="`+incPath+`/ooda"] button[type="submit"]`)))
	f.wantContains("OODA record", "section[aria-labelledby=ooda] table", x.oodaAct)
	if got := f.incidentFact(x.firstResp); got == "—" || got == "(no such fact)" {
		t.Errorf("the first response time reads %q after an act step", got)
	}
	f.shot("06-incident-task-ooda")
	f.signOut()

	// 4. A member of the IT department finds the task in the inbox and completes it.
	e.clock.Advance(40 * time.Minute)
	f.signIn(itEmail, itPassword)
	f.checkPage("IT member's home")
	f.submit("open the task inbox", http.StatusOK, chromedp.Click(chromedp.CSS(`.sidenav a[href="/tasks"]`)))
	f.wantText("task inbox", ".page-head h1", x.tasksInbox)
	if got := f.href("main table", x.taskTitle); got != taskHref {
		t.Fatalf("the IT member's inbox links %q for the task, want %q: %s", got, taskHref, f.text("main"))
	}
	f.shot("07-it-inbox")
	f.submit("open the task", http.StatusOK, chromedp.Click(chromedp.CSS(`main table a[href="`+taskHref+`"]`)))
	f.wantText("task page", ".page-head h1", x.taskTitle)
	f.step("write what was done", chromedp.SetValue(chromedp.ID("note"), x.taskNote))
	f.submit("complete the task", http.StatusOK, chromedp.Click(chromedp.CSS(`button[name="status"][value="done"]`)))
	f.wantText("completed task", ".page-head .badge", x.taskDone)
	f.wantContains("completed task", "dl.facts", x.taskNote)
	if got := f.fact("section[aria-labelledby=task-title]", x.taskCompletedAt); got == "—" || got == "(no such fact)" {
		t.Errorf("the task's completion time reads %q", got)
	}
	f.shot("08-it-task-done")
	f.signOut()

	// 5. The CSIRT contains, recovers, reviews and closes.
	f.signIn(csirt.Email, csirt.Password)
	f.step("open the incident again", chromedp.Navigate(incURL), chromedp.WaitVisible(chromedp.CSS(".page-head h1")))
	f.checkPage("incident")
	if got := f.text("tr#task-" + strings.TrimPrefix(taskHref, "/tasks/")); !strings.Contains(got, x.taskDone) || !strings.Contains(got, x.taskNote) {
		t.Errorf("the incident's task row reads %q, want it done with the note", got)
	}
	for _, to := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery, hikeshi.PhaseRecurrencePrevention} {
		e.clock.Advance(30 * time.Minute)
		f.step("note the move to "+string(to), chromedp.SetValue(chromedp.ID("note"), x.phaseNote))
		f.submit("move to "+string(to), http.StatusOK, chromedp.Click(chromedp.CSS(`button[name="to"][value="`+string(to)+`"]`)))
		if got := f.count(".page-head .badge-phase-" + string(to)); got != 1 {
			t.Fatalf("after the move to %s the heading shows %q", to, f.text(".page-head"))
		}
	}
	for _, label := range []string{x.contained, x.recovered} {
		if got := f.incidentFact(label); got == "—" || got == "(no such fact)" {
			t.Errorf("the incident's %q time reads %q after recovery", label, got)
		}
	}
	if got := f.incidentFact(x.closed); got != "—" {
		t.Errorf("the closed time reads %q before closing", got)
	}

	// Closing before the review is refused, with the reason in the page's language.
	f.submit("close before the review", http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`button[name="to"][value="closed"]`)))
	f.wantText("refused close", "main .alert", x.refusedClose)
	f.checkPage("refused close")
	f.shot("09-close-refused")

	// The review: a draft, two lessons, then completed.
	f.wantText("review", "h2#review", x.reviewTitle)
	f.step("write the review",
		chromedp.SetValue(chromedp.ID("root_cause"), x.rootCause),
		chromedp.SetValue(chromedp.ID("went_well"), x.wentWell),
		chromedp.SetValue(chromedp.ID("to_change"), x.toChange),
		chromedp.Click(chromedp.CSS(`input[name="factor"][value="technology"]`)),
		chromedp.Click(chromedp.CSS(`input[name="factor"][value="skills"]`)),
	)
	if f.count(`input[name="participant"]`) > 0 {
		f.step("tick a participant", chromedp.Click(chromedp.CSS(`input[name="participant"]`)))
	}
	f.submit("save the review", http.StatusOK, chromedp.Click(chromedp.CSS(`button[name="save"]`)))
	if got := f.eval(`document.getElementById("root_cause").value`); got != x.rootCause {
		t.Errorf("the saved root cause reads %q", got)
	}
	kinds := []hikeshi.MeasureKind{hikeshi.MeasureTechnical, hikeshi.MeasureTraining}
	for i, l := range x.lessons {
		f.step(fmt.Sprintf("write lesson %d", i+1),
			chromedp.SetValue(chromedp.ID("lesson_text"), l[0]),
			chromedp.SetValue(chromedp.ID("lesson_change"), l[1]),
			chromedp.SetValue(chromedp.ID("lesson_kind"), string(kinds[i])),
			chromedp.SetValue(chromedp.ID("lesson_department"), it.ID),
		)
		f.submit(fmt.Sprintf("add lesson %d", i+1), http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="`+incPath+`/lessons"] button[type="submit"]`)))
	}
	if n := f.count(`li[id^="lesson-"]`); n != 2 {
		t.Errorf("%d lessons on the incident, want 2", n)
	}
	for _, l := range x.lessons {
		f.wantContains("lessons", "section[aria-labelledby=review]", l[0])
		f.wantContains("lessons", "section[aria-labelledby=review]", l[1])
	}
	f.shot("10-review-draft")
	f.submit("complete the review", http.StatusOK, chromedp.Click(chromedp.CSS(`button[name="complete"]`)))
	f.wantText("completed review", "section[aria-labelledby=review] .badge-ok", x.reviewCompleted)
	f.wantContains("completed review", "section[aria-labelledby=review] dl.facts", x.rootCause)

	e.clock.Advance(time.Hour)
	f.submit("close the incident", http.StatusOK, chromedp.Click(chromedp.CSS(`button[name="to"][value="closed"]`)))
	f.wantText("closed incident", ".page-head .badge-phase-closed", x.phaseClosed)
	for _, label := range []string{x.contained, x.recovered, x.closed} {
		if got := f.incidentFact(label); got == "—" || got == "(no such fact)" {
			t.Errorf("the closed incident's %q time reads %q", label, got)
		}
	}
	contained, recovered, closed := f.incidentFact(x.contained), f.incidentFact(x.recovered), f.incidentFact(x.closed)
	if !(contained < recovered && recovered < closed) {
		t.Errorf("timestamps out of order: contained %s, recovered %s, closed %s", contained, recovered, closed)
	}
	// A closed incident takes no new tasks, so it offers no form for them.
	f.wantText("closed incident", "#tasks-closed", x.tasksClosed)
	if n := f.count(`form[action="` + incPath + `/tasks"], form[action*="/playbooks/"]`); n != 0 {
		t.Errorf("the closed incident still offers %d forms that add tasks", n)
	}
	// Nothing on the incident page is cut off at the desktop width.
	if got := f.eval(`[...document.querySelectorAll("main .table-wrap, main .card")].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => (e.closest("section") || e).getAttribute("aria-labelledby")).join(" ")`); got != "" {
		t.Errorf("parts of the incident page are wider than their box (cut off, scrolling sideways): %s", got)
	}
	f.shot("11-incident-closed")
	inc, err := e.svc.Incidents.Get(bg, sys, strings.TrimPrefix(incPath, "/incidents/"))
	if err != nil {
		t.Fatal(err)
	}
	if inc.Phase != hikeshi.PhaseClosed || inc.ClosedAt.IsZero() || inc.FirstResponseAt.IsZero() {
		t.Errorf("stored incident: phase %s, closed %v, first response %v", inc.Phase, inc.ClosedAt, inc.FirstResponseAt)
	}
	f.signOut()

	// 6. The reporter follows up with the code and reads the CSIRT's answer.
	f.step("open the follow-up page", chromedp.Navigate(e.srv.URL+"/report/status"), chromedp.WaitVisible(chromedp.ID("code")))
	f.checkPage("follow-up form")
	f.wantText("follow-up form", "h1#status-title", x.statusHeading)
	f.step("type the code", chromedp.SendKeys(chromedp.ID("code"), code))
	f.submit("follow up", http.StatusOK, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	f.wantText("report status", "h1#status-title", number)
	f.wantText("report status", "main .facts .badge", x.reportClosed)
	f.wantContains("report status", "ol.thread .thread-csirt", x.answer)
	f.wantContains("report status", "ol.thread .thread-csirt .thread-head strong", x.csirtAuthor)
	f.shot("12-reporter-reads-answer")
}
