package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

var incidentLink = regexp.MustCompile(`href="/incidents/([0-9a-f-]{36})"`)

func TestIncidentPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			clearLocale(t, e, "csirt")
			c := e.login("csirt", lang)

			home := c.get("/")
			wantContains(t, home, `href="/incidents"`)
			form := c.get("/incidents/new")
			wantStatus(t, form, http.StatusOK)
			checkPage(t, form, lang)
			wantContains(t, form, `value="phishing"`, "TLP:AMBER&#43;STRICT")

			// Bad input comes back with the typed text kept.
			bad := c.post("/incidents", url.Values{"title": {""}, "summary": {"<script>alert(1)</script>"}, "category": {"culprit"},
				"impact": {"2"}, "urgency": {"2"}, "tlp": {"RED"}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, "&lt;script&gt;alert(1)&lt;/script&gt;")

			res := c.post("/incidents", url.Values{"title": {"フィッシング <b>bold</b>"}, "summary": {"経理部に届いた"}, "category": {"phishing"},
				"impact": {"2"}, "urgency": {"1"}, "tlp": {"AMBER"}})
			wantStatus(t, res, http.StatusSeeOther)
			loc := res.header.Get("Location")
			id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/incidents/")

			list := c.get("/incidents")
			wantStatus(t, list, http.StatusOK)
			checkPage(t, list, lang)
			wantContains(t, list, "/incidents/"+id, "INC-", `class="tlp tlp-amber"`, "TLP:AMBER")
			if strings.Contains(list.body, "<b>bold</b>") {
				t.Error("the title is not escaped")
			}

			page := c.get(loc)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			discovery, initial, observe := "Discovery", "Initial response", "Observe"
			if lang == "ja" {
				discovery, initial, observe = "発見", "初動対応", "観察"
			}
			wantContains(t, page, discovery, `name="to" value="initial_response"`, observe)
			if strings.Contains(page.body, `value="recovery"`) {
				t.Error("a move the phase table does not allow is offered")
			}

			// An illegal move sent by hand is refused with the reason.
			refused := c.post("/incidents/"+id+"/transitions", url.Values{"to": {"closed"}})
			wantStatus(t, refused, http.StatusUnprocessableEntity)
			checkPage(t, refused, lang)

			wantStatus(t, c.post("/incidents/"+id+"/transitions", url.Values{"to": {"initial_response"}, "note": {"初動開始"}}), http.StatusSeeOther)
			for _, k := range []string{"observe", "orient", "decide", "act"} {
				wantStatus(t, c.post("/incidents/"+id+"/ooda", url.Values{"kind": {k}, "text": {"記録 " + k}}), http.StatusSeeOther)
			}
			empty := c.post("/incidents/"+id+"/ooda", url.Values{"kind": {"observe"}, "text": {""}})
			wantStatus(t, empty, http.StatusUnprocessableEntity)
			page = c.get("/incidents/" + id)
			wantContains(t, page, initial, "記録 act", "初動開始")
			if lang == "ja" {
				wantContains(t, page, "これまでのループ数：1", "状況判断", "意思決定", "行動")
			} else {
				wantContains(t, page, "Loops so far: 1")
			}
		})
	}
}

func TestIncidentPagesAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	open, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "open one", Category: "phishing", Impact: 3, Urgency: 3, TLP: hikeshi.TLPGreen})
	if err != nil {
		t.Fatal(err)
	}
	red, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "secret one", Category: "data-leak", Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who                string
		nav, seesOpen, red bool
		create             bool
	}{
		{"admin", true, true, false, true},
		{"csirt", true, true, true, true},
		{"manager", true, true, false, false},
		{"auditor", true, true, false, false},
		{"member", false, false, false, false},
	} {
		t.Run(tc.who, func(t *testing.T) {
			c := e.login(tc.who, "en")
			if got := strings.Contains(c.get("/").body, `href="/incidents"`); got != tc.nav {
				t.Errorf("nav link %v, want %v", got, tc.nav)
			}
			list := c.get("/incidents")
			wantStatus(t, list, http.StatusOK)
			ids := map[string]bool{}
			for _, m := range incidentLink.FindAllStringSubmatch(list.body, -1) {
				ids[m[1]] = true
			}
			if ids[open.ID] != tc.seesOpen || ids[red.ID] != tc.red {
				t.Errorf("list shows open=%v red=%v", ids[open.ID], ids[red.ID])
			}
			if res := c.get("/incidents/" + red.ID); (res.status == http.StatusOK) != tc.red || (!tc.red && res.status != http.StatusNotFound) {
				t.Errorf("RED incident page: %d", res.status)
			}
			if res := c.get("/incidents/new"); (res.status == http.StatusOK) != tc.create {
				t.Errorf("new form: %d", res.status)
			}
			res := c.post("/incidents/"+open.ID+"/ooda", url.Values{"kind": {"observe"}, "text": {"x"}})
			if want := tc.create; (res.status == http.StatusSeeOther) != want {
				t.Errorf("OODA step: %d", res.status)
			}
		})
	}
}

func TestIncidentMembersAndEditForms(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	red, err := e.svc.Incidents.Create(ctx, hikeshi.ActorFor(e.user("csirt"), "test"),
		service.IncidentInput{Title: "secret", Category: "data-leak", Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed})
	if err != nil {
		t.Fatal(err)
	}
	c := e.login("csirt", "en")
	m := e.login("manager", "en")
	wantStatus(t, m.get("/incidents/"+red.ID), http.StatusNotFound)

	bad := c.post("/incidents/"+red.ID+"/members", url.Values{"email": {"nobody@example.org"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantContains(t, bad, `value="nobody@example.org"`)
	wantStatus(t, c.post("/incidents/"+red.ID+"/members", url.Values{"email": {e.accounts["manager"].Email}}), http.StatusSeeOther)
	wantStatus(t, m.get("/incidents/"+red.ID), http.StatusOK)
	// The manager sees it but may not change it.
	wantStatus(t, m.post("/incidents/"+red.ID+"/members", url.Values{"email": {e.accounts["auditor"].Email}}), http.StatusForbidden)
	page := c.get("/incidents/" + red.ID)
	wantContains(t, page, e.accounts["manager"].Email, "/members/"+e.user("manager").ID+"/remove")

	// Edit: lower the label to AMBER; then the auditor sees it too.
	edit := url.Values{"title": {"secret, now shared"}, "summary": {""}, "category": {"data-leak"}, "impact": {"2"}, "urgency": {"2"}, "tlp": {"AMBER"}}
	wantStatus(t, c.post("/incidents/"+red.ID, edit), http.StatusSeeOther)
	wantContains(t, e.login("auditor", "en").get("/incidents/"+red.ID), "secret, now shared", "TLP:AMBER")
	edit.Set("title", "")
	wantStatus(t, c.post("/incidents/"+red.ID, edit), http.StatusUnprocessableEntity)

	wantStatus(t, c.post("/incidents/"+red.ID+"/members/"+e.user("manager").ID+"/remove", nil), http.StatusSeeOther)
	wantStatus(t, c.post("/incidents/"+red.ID+"/notes", url.Values{"text": {"法務に連絡 <i>済</i>"}}), http.StatusSeeOther)
	wantContains(t, c.get("/incidents/"+red.ID), "法務に連絡 &lt;i&gt;済&lt;/i&gt;")
	wantStatus(t, c.post("/incidents/"+red.ID+"/notes", url.Values{"text": {" "}}), http.StatusUnprocessableEntity)
	wantStatus(t, m.post("/incidents/"+red.ID+"/notes", url.Values{"text": {"x"}}), http.StatusForbidden) // AMBER now: seen, not changed
}
