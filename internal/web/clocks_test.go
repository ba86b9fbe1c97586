package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

var clockFormAction = regexp.MustCompile(`action="/incidents/[0-9a-f-]{36}/clocks/([0-9a-f-]{36})/done"`)

func TestClockPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			for _, who := range []string{"csirt", "manager", "member", "admin", "auditor"} {
				clearLocale(t, e, who)
			}
			csirtUser := e.user("csirt")
			csirt := hikeshi.ActorFor(csirtUser, "test")
			inc, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "クロック <b>x</b>", Category: "phishing",
				Impact: 1, Urgency: 1, TLP: hikeshi.TLPGreen, OwnerID: csirtUser.ID})
			if err != nil {
				t.Fatal(err)
			}
			red, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "secret red title", Category: "phishing",
				Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed})
			if err != nil {
				t.Fatal(err)
			}
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			c := e.login("csirt", lang)
			page := c.get("/incidents/" + inc.ID)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, tr("Time to triage", "トリアージまでの時間"), tr("Running", "進行中"), `action="/incidents/`+inc.ID+`/facts"`)

			// Facts: a time in the future, a malformed one, and markup, all refused and shown again.
			base := "/incidents/" + inc.ID + "/facts"
			future := time.Now().Add(48 * time.Hour).In(jst).Format("2006-01-02T15:04")
			bad := c.post(base, url.Values{"gdpr": {"1"}, "aware_at": {future}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, tr("This time is in the future.", "未来の日時は指定できません。"), `value="`+future+`"`)
			bad = c.post(base, url.Values{"gdpr": {"1"}, "aware_at": {`"><script>alert(1)</script>`}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			wantContains(t, bad, tr("Enter a date and time like", "のような形式で日時を入力してください"), "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
			if strings.Contains(bad.body, "<script>alert(1)") {
				t.Error("the typed time is not escaped")
			}
			bad = c.post(base, url.Values{"malicious": {"1"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			wantContains(t, bad, tr("A malicious act matters only", "不正の目的の有無は"))

			aware := time.Now().Add(-2 * time.Hour).In(jst).Format("2006-01-02T15:04")
			ok := c.post(base, url.Values{"personal_data": {"1"}, "gdpr": {"1"}, "aware_at": {aware}})
			wantStatus(t, ok, http.StatusSeeOther)
			page = c.get("/incidents/" + inc.ID)
			wantContains(t, page, tr("GDPR art. 33 notification", "GDPR 第33条の通知"), tr("APPI final report", "個人情報保護法 確報"),
				`value="`+aware+`"`, tr("Record notification done", "報告済みとして記録"))

			// Record a notification done with markup in its reference.
			m := clockFormAction.FindStringSubmatch(page.body)
			if m == nil {
				t.Fatal("no done form")
			}
			doneURL := "/incidents/" + inc.ID + "/clocks/" + m[1] + "/done"
			bad = c.post(doneURL, url.Values{"notified_at": {"not a time"}, "reference": {"<i>ref</i>"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			wantContains(t, bad, "&lt;i&gt;ref&lt;/i&gt;")
			wantStatus(t, c.post(doneURL, url.Values{"reference": {"<script>ref</script>"}}), http.StatusSeeOther)
			page = c.get("/incidents/" + inc.ID)
			checkPage(t, page, lang)
			wantContains(t, page, "&lt;script&gt;ref&lt;/script&gt;", tr("Met", "期限内に完了"))
			again := c.post(doneURL, url.Values{})
			wantStatus(t, again, http.StatusConflict)
			wantContains(t, again, tr("already recorded", "すでに記録されています"))

			// Everything due: the CSIRT sees both incidents; the manager not the RED one.
			due := c.get("/due")
			wantStatus(t, due, http.StatusOK)
			checkPage(t, due, lang)
			wantContains(t, due, tr("Everything due", "期限一覧"), inc.Number, red.Number, "secret red title")
			mg := e.login("manager", lang)
			due = mg.get("/due")
			wantStatus(t, due, http.StatusOK)
			wantContains(t, due, inc.Number)
			if strings.Contains(due.body, red.Number) || strings.Contains(due.body, "secret red title") {
				t.Error("the manager sees the RED incident's clocks")
			}
			for _, who := range []string{"admin", "auditor"} {
				if d := e.login(who, lang).get("/due"); d.status != http.StatusOK || strings.Contains(d.body, "secret red title") {
					t.Errorf("%s: /due status %d or RED shown", who, d.status)
				}
			}
			mem := e.login("member", lang)
			wantStatus(t, mem.get("/due"), http.StatusForbidden)

			// Notifications: an escalation, read and read all.
			e.clock.Advance(20 * time.Minute)
			for _, i := range []hikeshi.Incident{inc, red} {
				ic, err := e.svc.Clocks.ForIncident(ctx, csirt, i.ID)
				if err != nil {
					t.Fatal(err)
				}
				tri := ic.Clocks[0].Clock
				if _, err := e.svc.Clocks.Alert(ctx, hikeshi.SystemActor("test"), service.ClockAlertPayload{ClockID: tri.ID,
					Stage: hikeshi.StageEscalate, Due: tri.DueAt.Unix()}, false); err != nil {
					t.Fatal(err)
				}
			}
			nl := c.get("/notifications")
			wantStatus(t, nl, http.StatusOK)
			checkPage(t, nl, lang)
			wantContains(t, nl, inc.Number+": "+tr("Time to triage is overdue.", "トリアージまでの時間 の期限を過ぎています。"), red.Number, `action="/notifications/read-all"`)
			mn := mg.get("/notifications")
			wantStatus(t, mn, http.StatusOK)
			wantContains(t, mn, inc.Number)
			if strings.Contains(mn.body, red.Number) {
				t.Error("the manager was notified about the RED incident")
			}
			ids := regexp.MustCompile(`action="/notifications/([0-9a-f-]{36})/read"`).FindAllStringSubmatch(nl.body, -1)
			if len(ids) != 2 {
				t.Fatalf("read forms: %v", ids)
			}
			wantStatus(t, mg.post("/notifications/"+ids[0][1]+"/read", url.Values{}), http.StatusNotFound)
			wantStatus(t, c.post("/notifications/"+ids[0][1]+"/read", url.Values{}), http.StatusSeeOther)
			if n, _ := e.svc.Clocks.UnreadCount(ctx, csirt); n != 1 {
				t.Errorf("unread after one read: %d", n)
			}
			wantStatus(t, c.post("/notifications/read-all", url.Values{}), http.StatusSeeOther)
			if n, _ := e.svc.Clocks.UnreadCount(ctx, csirt); n != 0 {
				t.Errorf("unread after read all: %d", n)
			}

			// Targets: CSIRT only; validated; shown again with the typed values.
			wantStatus(t, mg.get("/clocks/settings"), http.StatusForbidden)
			st := c.get("/clocks/settings")
			wantStatus(t, st, http.StatusOK)
			checkPage(t, st, lang)
			wantContains(t, st, `name="p1.triage"`, `value="15"`, `value="14400"`)
			form := url.Values{}
			for p := 1; p <= 4; p++ {
				for _, f := range []string{"triage", "first_response", "containment"} {
					form.Set("p"+string(rune('0'+p))+"."+f, "60")
				}
			}
			form.Set("p2.triage", "<b>x</b>")
			form.Set("p3.triage", "120") // longer than containment (60)
			bad = c.post("/clocks/settings", form)
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, "&lt;b&gt;x&lt;/b&gt;", tr("Enter a number of minutes", "分数を入力してください"))
			form.Set("p2.triage", "30")
			bad = c.post("/clocks/settings", form)
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			wantContains(t, bad, tr("cannot be longer than the time to containment", "封じ込めまでの時間より長くはできません"))
			form.Set("p3.triage", "45")
			wantStatus(t, c.post("/clocks/settings", form), http.StatusSeeOther)
			st = c.get("/clocks/settings?saved=1")
			wantContains(t, st, `name="p3.triage" min="1" max="525600" value="45"`, tr("The targets were saved.", "時間目標を保存しました。"))
		})
	}
}
