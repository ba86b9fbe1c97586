package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/browsertest"
	"github.com/hikeshi/hikeshi/internal/i18n"
)

// pdcaText is what one language's PDCA run types and expects to read.
type pdcaText struct {
	flow flowText // the language, and the page checks of the incident flow

	policyTitle, policyBody        string
	risks                          [2]struct{ title, scenario string }
	justification                  [3]string
	programme, auditTitle, scope   string
	finding, rootCause, fix        string
	checkNote                      string
	reviewTitle, feedback, issues  string
	decision                       string
	approvedBadge, scopeNotDefined string // text the pages show
}

var pdcaTexts = []pdcaText{
	{
		flow:        flowTexts[0],
		policyTitle: "Information security policy",
		policyBody:  "# Purpose\n\nWe protect the information of our customers and staff.\n\n## Commitment\n\n- Comply with the law\n- Improve continually\n",
		risks: [2]struct{ title, scenario string }{
			{"Customer data sent to the wrong recipient", "A salesperson mails a quotation with customer data to the wrong address."},
			{"Ransomware on the file server", "A phishing mail installs ransomware that encrypts the shared drive."},
		},
		justification: [3]string{"Our policy is approved by the board.", "Access rights follow job roles.", "We rent offices in a managed building; physical monitoring is the landlord's."},
		programme:     "Internal audit programme", auditTitle: "IT department audit", scope: "Account management and backups",
		finding:   "Access rights of leavers were not removed for up to three months.",
		rootCause: "HR does not tell IT when someone leaves.", fix: "HR sends a leaver notice to IT on the last day; IT removes access the same day.",
		checkNote:   "Sampled five leavers since the change: all accounts were removed on the last day.",
		reviewTitle: "Management review", feedback: "The works council asked for shorter security training.", issues: "A new subcontracting law applies from April.",
		decision:      "Add a quarterly access review of all privileged accounts.",
		approvedBadge: "Approved",
	},
	{
		flow:        flowTexts[1],
		policyTitle: "情報セキュリティ基本方針",
		policyBody:  "# 目的\n\n当社は、お客様と従業員の情報を守ります。\n\n## 取り組み\n\n- 法令を守る\n- 継続的に改善する\n",
		risks: [2]struct{ title, scenario string }{
			{"顧客情報の誤送信", "営業担当が顧客情報を含む見積書を誤った宛先に送る。"},
			{"ファイルサーバーのランサムウェア感染", "フィッシングメールからランサムウェアが入り、共有ドライブが暗号化される。"},
		},
		justification: [3]string{"基本方針は取締役会で承認している。", "アクセス権は職務に基づいて付与する。", "管理されたビルの貸室を利用しており、物理的な監視はビル管理会社が行う。"},
		programme:     "内部監査計画", auditTitle: "情報システム部の内部監査", scope: "アカウント管理とバックアップ",
		finding:   "退職者のアクセス権が最長 3 か月削除されていなかった。",
		rootCause: "人事部から情報システム部へ退職の連絡がない。", fix: "人事部が最終出社日に退職連絡を送り、情報システム部が当日中に権限を削除する。",
		checkNote:   "変更後の退職者 5 名を抽出し、全員のアカウントが最終日に削除されていることを確認した。",
		reviewTitle: "マネジメントレビュー", feedback: "労働組合から、セキュリティ研修を短くしてほしいとの要望があった。", issues: "4 月から新しい下請法の改正が適用される。",
		decision:      "特権アカウントのアクセス権を四半期ごとに見直す。",
		approvedBadge: "承認済み",
	},
}

// pdcaLeftKey finds an ISMS message key shown instead of its text.
var pdcaLeftKey = regexp.MustCompile(`\b(?:isms|documents|risks|frameworks|checks|management)\.[a-z_]+(?:\.[a-z0-9_]+)*\b`)

// TestBrowserPDCA runs one turn of the ISMS's PDCA cycle in a real Chromium,
// in English and in Japanese (issue 4's "done when"): an administrator drafts
// the basic policy and a manager approves it; the manager assesses two risks
// and decides the applicability of three Annex A controls; an internal audit
// of the IT department by a member of sales finds a major nonconformity; an
// IT member carries out the corrective action, the manager records its
// effectiveness check and closes it; the manager holds a management review
// whose inputs — the audit, the nonconformity, the action, the risks — are
// on the page without anyone typing them, and its decision becomes a tracked
// action; the ISMS page shows where the cycle stands.
func TestBrowserPDCA(t *testing.T) {
	for _, x := range pdcaTexts {
		t.Run(string(x.flow.lang), func(t *testing.T) {
			start := time.Now()
			runPDCA(t, x)
			t.Logf("the %s PDCA cycle took %s", x.flow.lang, time.Since(start).Round(time.Millisecond))
		})
	}
}

// pdcaRun is a flowRun with the ISMS's page check.
type pdcaRun struct{ *flowRun }

func (p pdcaRun) submit(name string, want int, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.flowRun.submit(name, want, actions...)
	if k := pdcaLeftKey.FindString(p.eval(`document.body.innerText`)); k != "" {
		p.t.Errorf("%s: the page shows the message key %q instead of its text", name, k)
	}
}

// problems is what the page says went wrong: its alert and field errors.
func (p pdcaRun) problems() string {
	p.t.Helper()
	return p.eval(`[...document.querySelectorAll(".alert, .field-error")].map(e => e.textContent.trim()).join(" | ")`)
}

// open navigates to a path and checks the page.
func (p pdcaRun) open(path string) {
	p.t.Helper()
	p.submit("open "+path, http.StatusOK, chromedp.Navigate(p.e.srv.URL+path))
}

// post fills fields (id → value) and submits the form whose action is action.
func (p pdcaRun) post(name, action string, fields map[string]string, extra ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	var fill []chromedp.Action[chromedp.Void]
	for id, v := range fields {
		fill = append(fill, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`form[method="post"][action="%s"] [name="%s"]`, action, id)), v))
	}
	fill = append(fill, extra...)
	if len(fill) > 0 {
		p.step("fill: "+name, fill...)
	}
	p.submit(name, http.StatusOK, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[method="post"][action="%s"] button[type="submit"]`, action))))
}

// click submits a form by one of its buttons (a status move).
func (p pdcaRun) click(name, sel string) {
	p.t.Helper()
	p.submit(name, http.StatusOK, chromedp.Click(chromedp.CSS(sel)))
}

func runPDCA(t *testing.T, x pdcaText) {
	e := newEnv(t)
	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: x.flow.accept})
	f := &flowRun{t: t, e: e, ctx: ctx, x: x.flow, step: browsertest.Stepper(t, ctx, 20*time.Second), eval: browsertest.Evaluator(t, ctx)}
	p := pdcaRun{f}
	admin, manager, member, itMember := e.accounts["admin"], e.accounts["manager"], e.accounts["member"], e.accounts["it"]
	it := e.user("it")
	// The demo organisation has begun its ISMS: the counts below are what this run adds.
	before, err := e.svc.ISMS.Overview(context.Background(), hikeshi.SystemActor("test"))
	if err != nil {
		t.Fatal(err)
	}
	b := before
	today := e.clock.Now().In(jst)
	day := func(days int) string { return today.AddDate(0, 0, days).Format(hikeshi.DateLayout) }
	shot := func(name string) { browsertest.Screenshot(t, ctx, "pdca-"+string(x.flow.lang)+"-"+name) }

	// Plan 1: the administrator drafts the basic policy and sends it for review.
	f.signIn(admin.Email, admin.Password)
	p.open("/isms")
	p.open("/isms/documents")
	p.post("draft the policy", "/isms/documents", map[string]string{"kind": string(hikeshi.DocBasicPolicy), "title": x.policyTitle, "body": x.policyBody,
		"department_id": it.DepartmentID})
	docPath := f.path()
	if !strings.HasPrefix(docPath, "/isms/documents/") {
		t.Fatalf("creating the policy led to %s: %s", docPath, p.problems())
	}
	p.click("send it for review", `form[action="`+docPath+`/submit"] button`)
	f.signOut()

	// Plan 2: the manager approves it, assesses two risks and decides three Annex A controls.
	f.signIn(manager.Email, manager.Password)
	p.open(docPath)
	p.post("approve the policy", docPath+"/approve", map[string]string{"next_review": day(365)})
	f.wantContains("approved policy", "main", x.approvedBadge)
	f.wantContains("approved policy", "main", x.policyTitle)
	shot("01-policy-approved")
	var riskPaths []string
	for i, r := range x.risks {
		p.open("/isms/risks")
		p.post("add a risk", "/isms/risks", map[string]string{"title": r.title, "scenario": r.scenario,
			"likelihood": fmt.Sprint(3 + i), "impact": fmt.Sprint(4 - i), "residual_likelihood": "2", "residual_impact": "2"})
		if path := f.path(); strings.HasPrefix(path, "/isms/risks/") {
			riskPaths = append(riskPaths, path)
		} else {
			t.Fatalf("adding a risk led to %s: %s", path, p.problems())
		}
		p.post("choose its treatment", f.path()+"/treatment", map[string]string{"treatment": string(hikeshi.TreatMitigate), "due_at": day(60),
			"note": x.fix})
	}
	shot("02-risk")
	for i, c := range []struct {
		ref        string
		applicable string
		status     hikeshi.MeasureStatus
	}{{"A.5.2", "yes", hikeshi.StatusImplemented}, {"A.5.15", "yes", hikeshi.StatusPartial}, {"A.7.6", "no", ""}} {
		p.open("/isms/soa/" + c.ref)
		fields := map[string]string{"justification": x.justification[i]}
		if c.status != "" { // an excluded control is not applicable, without a status to choose
			fields["status"] = string(c.status)
		}
		p.post("decide "+c.ref, "/isms/soa/"+c.ref, fields,
			chromedp.Click(chromedp.CSS(`input[name="applicable"][value="`+c.applicable+`"]`)))
	}
	shot("03-soa")

	// Check: the manager plans the year's audit of the IT department, with a sales member as auditor, and starts it.
	year := today.Year()
	p.open("/isms/audits")
	p.post("write the audit programme", "/isms/audits/programmes", map[string]string{"year": fmt.Sprint(year), "title": x.programme,
		"period_start": fmt.Sprintf("%d-01-01", year), "period_end": fmt.Sprintf("%d-12-31", year)})
	p.post("plan the audit", "/isms/audits", map[string]string{"title": x.auditTitle, "scope": x.scope, "criteria": "ISO/IEC 27001:2022 A.5.15, A.5.18",
		"planned_start": day(0), "planned_end": day(2)},
		chromedp.Click(chromedp.CSS(`form[action="/isms/audits"] input[name="department_ids"][value="`+it.DepartmentID+`"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/isms/audits"] input[name="auditor_ids"][value="`+e.user("member").ID+`"]`)))
	auditPath := f.path()
	if !strings.HasPrefix(auditPath, "/isms/audits/") {
		t.Fatalf("planning the audit led to %s: %s", auditPath, p.problems())
	}
	p.click("start the audit", `form[action="`+auditPath+`/status"] button[value="in_progress"]`)
	f.signOut()

	// The auditor records a major nonconformity.
	f.signIn(member.Email, member.Password)
	p.open(auditPath)
	p.post("record the finding", auditPath+"/findings", map[string]string{"type": string(hikeshi.FindingMajor), "description": x.finding,
		"department_id": it.DepartmentID})
	findingHref := f.eval(`(document.querySelector('main a[href^="/isms/findings/"]') || {}).getAttribute?.("href") || ""`)
	if findingHref == "" {
		t.Fatalf("the audit does not link its finding: %s", f.text("main"))
	}
	f.signOut()

	// Act 1: an IT member opens the corrective action and implements it.
	f.signIn(itMember.Email, itMember.Password)
	p.open(findingHref)
	p.post("open the corrective action", findingHref+"/actions", map[string]string{"title": x.fix, "root_cause": x.rootCause, "action": x.fix,
		"department_id": it.DepartmentID, "due_date": day(30)})
	actionPath := f.path()
	if !strings.HasPrefix(actionPath, "/isms/actions/") {
		t.Fatalf("opening the action led to %s: %s", actionPath, p.problems())
	}
	p.click("start the action", `form[action="`+actionPath+`/status"] button[value="in_progress"]`)
	p.click("implement the action", `form[action="`+actionPath+`/status"] button[value="implemented"]`)
	f.signOut()

	// The manager checks its effectiveness and closes it; closing before the check was not offered.
	e.clock.Advance(14 * 24 * time.Hour)
	f.signIn(manager.Email, manager.Password)
	p.open(actionPath)
	if n := f.count(`form[action="` + actionPath + `/status"] button[value="closed"]`); n != 0 {
		t.Errorf("closing is offered before the effectiveness check")
	}
	p.post("record the effectiveness check", actionPath+"/check", map[string]string{"note": x.checkNote},
		chromedp.Click(chromedp.CSS(`form[action="`+actionPath+`/check"] input[name="result"][value="effective"]`)))
	p.click("close the action", `form[action="`+actionPath+`/status"] button[value="closed"]`)
	f.wantContains("closed action", "main", x.checkNote)
	shot("04-action-closed")
	p.open(auditPath)
	p.step("write the audit report", chromedp.SetValue(chromedp.CSS(`form[action="`+auditPath+`/status"] [name="report"]`), x.scope+": "+x.finding))
	p.click("report the audit", `form[action="`+auditPath+`/status"] button[value="reported"]`)

	// Act 2: the management review. Its inputs come from the period's data:
	// nobody types the policy, the audit, its nonconformity, the action or
	// the risks in.
	tr, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	T := func(key string, args ...any) string { return tr.T(x.flow.lang, key, args...) }
	p.open("/isms/management-reviews")
	p.post("plan the management review", "/isms/management-reviews", map[string]string{"title": x.reviewTitle,
		"period_from": day(-1), "period_to": day(14), "meeting_date": day(14), "chair_id": e.user("manager").ID,
		"issues": x.issues, "feedback": x.feedback},
		chromedp.Click(chromedp.CSS(`form[action="/isms/management-reviews"] input[name="attendee_ids"][value="`+e.user("admin").ID+`"]`)))
	reviewPath := f.path()
	if !strings.HasPrefix(reviewPath, "/isms/management-reviews/") {
		t.Fatalf("planning the review led to %s: %s", reviewPath, p.problems())
	}
	checkInputs := func(when string) {
		t.Helper()
		f.wantContains(when, "section[aria-labelledby=in-b]", x.policyTitle)
		f.wantContains(when, "section[aria-labelledby=in-b]", x.issues)
		f.wantContains(when, "section[aria-labelledby=in-c]", x.auditTitle)
		f.wantContains(when, "section[aria-labelledby=in-c]", T("management.in.c.action_counts", b.ActionsOpen+b.ActionsClosed+1, b.ActionsClosed+1, 0, 0))
		f.wantContains(when, "section[aria-labelledby=in-d]", x.feedback)
		for _, rp := range riskPaths {
			if n := f.count(`main a[href="` + rp + `"]`); n != 0 {
				continue // the risks appear by level; a link is not required
			}
		}
		if got := f.href("section[aria-labelledby=in-c]", x.auditTitle); got != auditPath {
			t.Errorf("%s: the audit links %q, want %q", when, got, auditPath)
		}
	}
	checkInputs("planned review")
	shot("05-review-planned")
	p.click("hold the review", `form[action="`+reviewPath+`/hold"] button`)
	checkInputs("held review")
	frozen, _, _ := strings.Cut(T("management.inputs.snapshot", "\x00"), "\x00")
	f.wantContains("held review", "main", frozen)
	p.post("record the decision", reviewPath+"/decisions", map[string]string{"kind": "improvement", "text": x.decision,
		"department_id": it.DepartmentID, "due_date": day(90)})
	f.wantContains("decision", "#decisions", x.decision)
	decisionAction := f.eval(`(document.querySelector('#decisions a[href^="/isms/actions/"]') || {}).getAttribute?.("href") || ""`)
	if decisionAction == "" {
		t.Fatalf("the decision does not link its corrective action: %s", f.text("#decisions"))
	}
	p.click("close the review", `form[action="`+reviewPath+`/close"] button`)
	shot("05-review-closed")
	p.open(decisionAction)
	f.wantContains("the decision's action", ".page-head", x.decision)
	if n := f.count(`main a[href="` + reviewPath + `"]`); n == 0 {
		t.Errorf("the decision's action does not link back to its management review %s", reviewPath)
	}

	// The ISMS page: where the cycle stands, counted from what was done above.
	p.open("/isms")
	shot("06-isms")
	for _, w := range []struct{ card, label, want string }{
		{"#pdca-plan-card", T("isms.fact.documents"), T("isms.fact.documents_value", b.DocumentsApproved+1, b.DocumentsInReview, b.DocumentsDraft)},
		{"#pdca-plan-card", T("isms.fact.risks"), T("isms.fact.risks_value", b.Risks+2, b.RisksHigh, b.RisksUntreated)},
		{"#pdca-do-card", T("isms.fact.soa"), T("isms.fact.soa_value", b.SoADecided+3, 93, b.SoAApplicable+2, b.SoAImplemented+1)},
		{"#pdca-check-card", T("isms.fact.audits"), T("isms.fact.audits_value", b.AuditsPlanned, b.AuditsInProgress, b.AuditsReported+1, b.AuditsClosed)},
		{"#pdca-check-card", T("isms.fact.nonconformities"), fmt.Sprint(b.Nonconformities)},
		{"#pdca-act-card", T("isms.fact.actions"), T("isms.fact.actions_value", b.ActionsOpen+1, b.ActionsAwaitingCheck, b.ActionsClosed+1)},
	} {
		if got := f.fact(w.card, w.label); got != w.want {
			t.Errorf("ISMS page, %s: %q reads %q, want %q", w.card, w.label, got, w.want)
		}
	}
	f.signOut()
}
