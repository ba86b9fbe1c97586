package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// reviewIncident opens an incident as the demo CSIRT and moves it to phase.
func reviewIncident(t *testing.T, e *env, title string, tlp hikeshi.TLP, phase hikeshi.Phase) hikeshi.Incident {
	t.Helper()
	ctx := context.Background()
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	inc, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: title, Category: "phishing", Impact: 2, Urgency: 2, TLP: tlp})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range hikeshi.Phases[1:] {
		if inc, err = e.svc.Incidents.Transition(ctx, csirt, inc.ID, p, ""); err != nil {
			t.Fatal(err)
		}
		if p == phase {
			break
		}
	}
	return inc
}

var lessonAnchor = regexp.MustCompile(`id="lesson-([0-9a-f-]{36})"`)

// TestReviewPagesInBothLanguages walks the flow on the incident page
// in English and Japanese: a blameless review, two lessons, closing refused
// until the review is completed, then closed; errors re-show what was typed.
func TestReviewPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			clearLocale(t, e, "csirt")
			c := e.login("csirt", lang)
			early := reviewIncident(t, e, "まだ初動", hikeshi.TLPAmber, hikeshi.PhaseInitialResponse)
			notYet, blameless, refusal := "once the incident has reached recovery", "blameless", "complete its post-incident review first"
			if lang == "ja" {
				notYet, blameless, refusal = "復旧フェーズに達してから", "個人の責任を問うものではありません", "先に事後レビュー"
			}
			page := c.get("/incidents/" + early.ID)
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, notYet)
			if strings.Contains(page.body, `name="root_cause"`) {
				t.Error("the review form is offered before recovery")
			}
			inc := reviewIncident(t, e, "フィッシング", hikeshi.TLPAmber, hikeshi.PhaseRecovery)
			path := "/incidents/" + inc.ID
			page = c.get(path)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, blameless, `name="root_cause"`, `name="factor" value="supplier"`, `name="lesson_kind"`)
			for _, bad := range []string{"culprit", "犯人", "責任者"} {
				if strings.Contains(page.body, bad) {
					t.Errorf("the page asks for a culprit: %q", bad)
				}
			}
			// Completing without what to change comes back with what was typed.
			script := "<script>alert(1)</script> 添付の検査が無効"
			bad := c.post(path+"/review", url.Values{"root_cause": {script}, "went_well": {"早い報告"}, "to_change": {""},
				"factor": {"technology", "culprit"}, "complete": {"1"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, html.EscapeString(script), "早い報告", `id="to_change-error"`, `value="technology" checked`)
			if strings.Contains(bad.body, "<script>alert(1)") {
				t.Error("script not escaped")
			}
			wantStatus(t, c.post(path+"/review", url.Values{"root_cause": {script}, "went_well": {"早い報告"},
				"factor": {"technology", "process"}, "participant": {e.user("csirt").ID}}), http.StatusSeeOther)
			// Lessons: bad input re-shown; two added.
			badLesson := c.post(path+"/lessons", url.Values{"lesson_text": {""}, "lesson_change": {"設定 <b>変更</b>"}, "lesson_kind": {"blame"}})
			wantStatus(t, badLesson, http.StatusUnprocessableEntity)
			checkPage(t, badLesson, lang)
			wantContains(t, badLesson, "設定 &lt;b&gt;変更&lt;/b&gt;", `id="lesson_text-error"`)
			for _, l := range []url.Values{
				{"lesson_text": {"添付の検査を有効にする"}, "lesson_change": {"ゲートウェイの設定"}, "lesson_kind": {"technical"}},
				{"lesson_text": {"報告の手順を周知する"}, "lesson_change": {"年次訓練に追加"}, "lesson_kind": {"training"}},
			} {
				wantStatus(t, c.post(path+"/lessons", l), http.StatusSeeOther)
			}
			wantStatus(t, c.post(path+"/transitions", url.Values{"to": {"recurrence_prevention"}}), http.StatusSeeOther)
			// Closing is refused, with the reason, until the review is completed.
			refused := c.post(path+"/transitions", url.Values{"to": {"closed"}})
			wantStatus(t, refused, http.StatusUnprocessableEntity)
			checkPage(t, refused, lang)
			wantContains(t, refused, refusal)
			page = c.get(path)
			ids := lessonAnchor.FindAllStringSubmatch(page.body, -1)
			if len(ids) != 2 {
				t.Fatalf("lessons on the page: %d", len(ids))
			}
			decline := c.post("/lessons/"+ids[1][1]+"/status", url.Values{"status": {"declined"}, "reason": {""}})
			wantStatus(t, decline, http.StatusUnprocessableEntity)
			checkPage(t, decline, lang)
			wantContains(t, decline, `id="reason-`+ids[1][1]+`-error"`)
			wantStatus(t, c.post("/lessons/"+ids[1][1]+"/status", url.Values{"status": {"declined"}, "reason": {"既存の訓練で扱う"}}), http.StatusSeeOther)
			wantStatus(t, c.post("/lessons/"+ids[0][1]+"/status", url.Values{"status": {"accepted"}}), http.StatusSeeOther)
			wantStatus(t, c.post(path+"/review", url.Values{"root_cause": {script}, "to_change": {"検査を有効にする"},
				"factor": {"technology"}, "complete": {"1"}}), http.StatusSeeOther)
			page = c.get(path)
			wantContains(t, page, `action="`+path+`/review/reopen"`, "既存の訓練で扱う")
			wantStatus(t, c.post(path+"/transitions", url.Values{"to": {"closed"}}), http.StatusSeeOther)
			page = c.get(path)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, html.EscapeString(script), "検査を有効にする")
			if strings.Contains(page.body, `name="root_cause"`) || strings.Contains(page.body, "/review/reopen") {
				t.Error("a closed incident's review can be changed")
			}
			// The global list.
			list := c.get("/lessons")
			wantStatus(t, list, http.StatusOK)
			checkPage(t, list, lang)
			wantContains(t, list, inc.Number, "添付の検査を有効にする")
			accepted := c.get("/lessons?status=accepted")
			wantContains(t, accepted, "添付の検査を有効にする")
			if strings.Contains(accepted.body, "報告の手順を周知する") {
				t.Error("the status filter lists a declined lesson")
			}
		})
	}
}

// TestReviewPagesAuthorization: readers see the review without its forms;
// the lessons list is for the CSIRT, admins, managers and auditors, without
// the lessons of TLP:RED incidents they were not added to.
func TestReviewPagesAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	open := reviewIncident(t, e, "open one", hikeshi.TLPGreen, hikeshi.PhaseRecurrencePrevention)
	red := reviewIncident(t, e, "secret one", hikeshi.TLPRed, hikeshi.PhaseRecurrencePrevention)
	if _, err := e.svc.Reviews.Save(ctx, csirt, open.ID, service.ReviewInput{RootCause: "公開の根本原因"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reviews.AddLesson(ctx, csirt, open.ID, service.LessonInput{Text: "公開の教訓", ProposedChange: "変更", Kind: hikeshi.MeasurePolicy}); err != nil {
		t.Fatal(err)
	}
	secret, err := e.svc.Reviews.AddLesson(ctx, csirt, red.ID, service.LessonInput{Text: "秘密の教訓", ProposedChange: "変更", Kind: hikeshi.MeasurePolicy})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who          string
		list, write  bool
		seesRedTexts bool
	}{
		{"admin", true, true, false},
		{"csirt", true, true, true},
		{"manager", true, false, false},
		{"auditor", true, false, false},
		{"member", false, false, false},
	} {
		t.Run(tc.who, func(t *testing.T) {
			c := e.login(tc.who, "en")
			list := c.get("/lessons")
			if !tc.list {
				wantStatus(t, list, http.StatusForbidden)
			} else {
				wantStatus(t, list, http.StatusOK)
				wantContains(t, list, "公開の教訓")
				if strings.Contains(list.body, "秘密の教訓") != tc.seesRedTexts {
					t.Errorf("RED lesson listed: %v", !tc.seesRedTexts)
				}
			}
			if tc.who != "member" {
				page := c.get("/incidents/" + open.ID)
				wantStatus(t, page, http.StatusOK)
				wantContains(t, page, "公開の根本原因", "公開の教訓")
				if strings.Contains(page.body, `name="root_cause"`) != tc.write || strings.Contains(page.body, `action="/lessons/`) != tc.write {
					t.Errorf("review and lesson forms offered: %v, want %v", !tc.write, tc.write)
				}
			}
			res := c.post("/incidents/"+open.ID+"/review", url.Values{"root_cause": {"公開の根本原因"}})
			switch {
			case tc.write && res.status != http.StatusSeeOther:
				t.Errorf("save: %d", res.status)
			case !tc.write && tc.who != "member" && res.status != http.StatusForbidden:
				t.Errorf("save: %d, want 403", res.status)
			case tc.who == "member" && res.status != http.StatusNotFound:
				t.Errorf("save by a member not added: %d, want 404", res.status)
			}
			// Accepting a lesson of an invisible incident is not found.
			if !tc.seesRedTexts {
				res := c.post("/lessons/"+secret.ID+"/status", url.Values{"status": {"accepted"}})
				wantStatus(t, res, http.StatusNotFound)
			}
		})
	}
	// A department member added to the incident reads the review, without forms.
	if err := e.svc.Incidents.AddMember(ctx, csirt, open.ID, e.user("member").ID); err != nil {
		t.Fatal(err)
	}
	page := e.login("member", "en").get("/incidents/" + open.ID)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, "公開の根本原因", "公開の教訓")
	if strings.Contains(page.body, `name="root_cause"`) || strings.Contains(page.body, `action="/lessons/`) {
		t.Error("a member is offered the review's forms")
	}
}

// TestReviewPagesHostileInput: over-long text, unknown participants, factors
// and statuses, oversized bodies and odd query strings are refused or
// ignored without harm, and the form keeps what was typed.
func TestReviewPagesHostileInput(t *testing.T) {
	e := newEnv(t)
	clearLocale(t, e, "csirt")
	c := e.login("csirt", "en")
	inc := reviewIncident(t, e, "hostile", hikeshi.TLPAmber, hikeshi.PhaseRecurrencePrevention)
	path := "/incidents/" + inc.ID
	long := strings.Repeat("長", hikeshi.MaxReviewTextLen+1)
	res := c.post(path+"/review", url.Values{"root_cause": {long}, "to_change": {"x\x01y"}, "participant": {"<script>", hikeshi.NewID()},
		"factor": {"blame"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	checkPage(t, res, "en")
	wantContains(t, res, `id="root_cause-error"`, `id="to_change-error"`)
	if strings.Count(res.body, "field-error") < 4 {
		t.Errorf("expected errors for root cause, what to change, factors and participants")
	}
	wantStatus(t, c.postRaw(path+"/review", "root_cause="+strings.Repeat("a", 2<<20), nil), http.StatusRequestEntityTooLarge)
	if _, err := e.svc.Reviews.AddLesson(context.Background(), hikeshi.ActorFor(e.user("csirt"), "test"), inc.ID,
		service.LessonInput{Text: "教訓", ProposedChange: "変更", Kind: hikeshi.MeasurePolicy}); err != nil {
		t.Fatal(err)
	}
	page := c.get(path)
	id := lessonAnchor.FindStringSubmatch(page.body)[1]
	res = c.post("/lessons/"+id+"/status", url.Values{"status": {"<b>maybe</b>"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "This change of the lesson")
	wantStatus(t, c.post("/lessons/"+hikeshi.NewID()+"/status", url.Values{"status": {"accepted"}}), http.StatusNotFound)
	wantStatus(t, c.post("/lessons/'%20OR%201=1/status", url.Values{"status": {"accepted"}}), http.StatusNotFound)
	for _, q := range []string{"?status=%3Cscript%3E", "?after=" + strings.Repeat("z", 100), "?after=%27%20OR%201=1"} {
		res := c.get("/lessons" + q)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "<script>") {
			t.Errorf("%s: query echoed unescaped", q)
		}
	}
}
