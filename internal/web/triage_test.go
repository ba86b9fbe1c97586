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

var triageLink = regexp.MustCompile(`href="/triage/([0-9a-f-]{36})"`)

// submitReport files a report through the services and returns it with its follow-up code.
func submitReport(t *testing.T, e *env, desc string) service.Submission {
	t.Helper()
	s, err := e.svc.Reports.Submit(context.Background(), hikeshi.Actor{}, service.ReportInput{Description: desc, Contact: "内線 <b>9</b>"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTriagePagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			clearLocale(t, e, "csirt")
			c := e.login("csirt", lang)
			rep := submitReport(t, e, "怪しいメール <script>alert(1)</script>")
			other := submitReport(t, e, "同じメールが届きました")

			home := c.get("/")
			wantContains(t, home, `href="/triage"`)
			queue := c.get("/triage")
			wantStatus(t, queue, http.StatusOK)
			checkPage(t, queue, lang)
			wantContains(t, queue, "/triage/"+rep.Report.ID, rep.Report.Number, "&lt;script&gt;")
			if strings.Contains(queue.body, "<script>alert") {
				t.Error("the description is not escaped in the queue")
			}
			// Oldest first: the demo's waiting reports come before the two new ones.
			ids := triageLink.FindAllStringSubmatch(queue.body, -1)
			if len(ids) < 2 || ids[len(ids)-2][1] != rep.Report.ID || ids[len(ids)-1][1] != other.Report.ID {
				t.Errorf("queue order %v", ids)
			}

			path := "/triage/" + rep.Report.ID
			page := c.get(path)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, `value="phishing"`, `name="decision" value="new_incident"`, "内線 &lt;b&gt;9&lt;/b&gt;")

			// Hostile input: shown again with the typed text and messages beside the fields.
			bad := c.post(path, url.Values{"category": {"culprit"}, "impact": {"0"}, "urgency": {"5"}, "tlp": {"WHITE"},
				"policy": {"blame"}, "policy_note": {"<script>alert(2)</script>"}, "decision": {""}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, "&lt;script&gt;alert(2)&lt;/script&gt;", `class="field has-error"><label for="category"`)
			if strings.Contains(bad.body, "<script>alert(2)") {
				t.Error("the note is not escaped")
			}
			noTitle := c.post(path, url.Values{"category": {"phishing"}, "impact": {"2"}, "urgency": {"1"}, "tlp": {"AMBER"},
				"decision": {"new_incident"}, "title": {""}, "reason": {"typed reason"}})
			wantStatus(t, noTitle, http.StatusUnprocessableEntity)
			checkPage(t, noTitle, lang)
			wantContains(t, noTitle, "typed reason", `value="new_incident" checked`)

			// Classify only, then open an incident: the browser lands on the incident.
			wantStatus(t, c.post(path, url.Values{"category": {"phishing"}, "impact": {"2"}, "urgency": {"1"}, "tlp": {"AMBER"},
				"owner_id": {e.user("csirt").ID}, "policy": {"full_response"}, "decision": {""}}), http.StatusSeeOther)
			res := c.post(path, url.Values{"category": {"phishing"}, "impact": {"2"}, "urgency": {"1"}, "tlp": {"AMBER"},
				"owner_id": {e.user("csirt").ID}, "policy": {"full_response"}, "decision": {"new_incident"}, "title": {"フィッシング <b>"}})
			wantStatus(t, res, http.StatusSeeOther)
			loc := res.header.Get("Location")
			if !strings.HasPrefix(loc, "/incidents/") {
				t.Fatalf("new_incident went to %q", loc)
			}
			incID := strings.TrimPrefix(strings.Split(loc, "?")[0], "/incidents/")
			inc := c.get(loc)
			wantStatus(t, inc, http.StatusOK)
			checkPage(t, inc, lang)
			wantContains(t, inc, `href="/reports/`+rep.Report.ID+`"`, rep.Report.Number, `action="/incidents/`+incID+`/merge"`,
				`<option value="`+e.user("csirt").ID+`" selected>`)

			// The same decision again: refused, naming the incident; one incident only.
			again := c.post(path, url.Values{"category": {"phishing"}, "impact": {"2"}, "urgency": {"1"}, "tlp": {"AMBER"},
				"decision": {"new_incident"}, "title": {"again"}})
			wantStatus(t, again, http.StatusConflict)
			checkPage(t, again, lang)
			i, err := e.svc.Incidents.Get(context.Background(), hikeshi.ActorFor(e.user("csirt"), "test"), incID)
			if err != nil {
				t.Fatal(err)
			}
			wantContains(t, again, i.Number)
			page = c.get(path)
			wantContains(t, page, `href="/incidents/`+incID+`"`)

			// not_incident with an answer the reporter reads with the code.
			wantStatus(t, c.post("/triage/"+other.Report.ID, url.Values{"category": {"spam"}, "impact": {"4"}, "urgency": {"4"},
				"tlp": {"GREEN"}, "decision": {"not_incident"}, "reason": {"迷惑メール"}, "message": {"ありがとうございました"}}), http.StatusSeeOther)
			_, msgs, err := e.svc.Reports.FollowUp(context.Background(), other.FollowUpCode)
			if err != nil || len(msgs) != 1 || msgs[0].Body != "ありがとうございました" {
				t.Errorf("reporter's thread %+v %v", msgs, err)
			}
			// An unknown incident for attach: the field says so.
			unknown := c.post("/triage/"+other.Report.ID, url.Values{"category": {"spam"}, "impact": {"4"}, "urgency": {"4"},
				"tlp": {"GREEN"}, "decision": {"attach"}, "incident": {"INC-1999-0001"}})
			wantStatus(t, unknown, http.StatusNotFound)
			checkPage(t, unknown, lang)
			wantContains(t, unknown, `value="INC-1999-0001"`, `aria-describedby="incident-error"`)

			// Settings: the matrix and the taxonomy, with bad input shown again.
			set := c.get("/triage/settings")
			wantStatus(t, set, http.StatusOK)
			checkPage(t, set, lang)
			wantContains(t, set, `name="m44"`, `value="phishing" checked`)
			form := url.Values{}
			for _, cell := range []string{"11", "12", "13", "14", "21", "22", "23", "24", "31", "32", "33", "34", "41", "42", "43"} {
				form.Set("m"+cell, "2")
			}
			form.Set("m44", "9")
			badMatrix := c.post("/triage/settings/matrix", form)
			wantStatus(t, badMatrix, http.StatusUnprocessableEntity)
			checkPage(t, badMatrix, lang)
			form.Set("m44", "4")
			wantStatus(t, c.post("/triage/settings/matrix", form), http.StatusSeeOther)
			if m, _ := e.svc.Triage.Matrix(context.Background(), hikeshi.SystemActor("test")); m[3][3] != 4 || m[0][0] != 2 {
				t.Errorf("matrix after saving %v", m)
			}
			badTax := c.post("/triage/settings/taxonomy", url.Values{"enabled": {"<script>"}})
			wantStatus(t, badTax, http.StatusUnprocessableEntity)
			checkPage(t, badTax, lang)
			wantStatus(t, c.post("/triage/settings/taxonomy", url.Values{"enabled": {"fraud", "phishing", "spam", "abusive-content"}}), http.StatusSeeOther)
			page = c.get("/triage/" + rep.Report.ID)
			if strings.Contains(page.body, `value="ddos"`) || !strings.Contains(page.body, `value="phishing"`) {
				t.Error("the form offers a disabled category or lacks an enabled one")
			}
			// The incident's edit form too, keeping the category the incident carries.
			inc = c.get("/incidents/" + incID)
			if strings.Contains(inc.body, `value="ddos"`) || !strings.Contains(inc.body, `value="phishing" selected`) {
				t.Error("the incident form offers a disabled category or lost the incident's own")
			}
		})
	}
}

func TestTriagePagesAuthorization(t *testing.T) {
	e := newEnv(t)
	rep := submitReport(t, e, "PC が遅い")
	for _, tc := range []struct {
		who             string
		queue, settings int
		report          int
		nav, editMatrix bool
		classifyStatus  int
	}{
		{"admin", 200, 200, 200, true, true, 303},
		{"csirt", 200, 200, 200, true, true, 303},
		{"manager", 403, 200, 403, false, false, 403},
		{"auditor", 403, 200, 403, false, false, 403},
		{"member", 403, 403, 404, false, false, 404},
	} {
		t.Run(tc.who, func(t *testing.T) {
			c := e.login(tc.who, "en")
			if got := strings.Contains(c.get("/").body, `href="/triage"`); got != tc.nav {
				t.Errorf("nav link %v, want %v", got, tc.nav)
			}
			wantStatus(t, c.get("/triage"), tc.queue)
			set := c.get("/triage/settings")
			wantStatus(t, set, tc.settings)
			if tc.settings == 200 && strings.Contains(set.body, `name="m11" disabled`) == tc.editMatrix {
				t.Errorf("matrix editable = %v, want %v", !tc.editMatrix, tc.editMatrix)
			}
			wantStatus(t, c.get("/triage/"+rep.Report.ID), tc.report)
			wantStatus(t, c.post("/triage/"+rep.Report.ID, url.Values{"category": {"spam"}, "impact": {"4"}, "urgency": {"4"},
				"tlp": {"GREEN"}, "decision": {""}}), tc.classifyStatus)
			if !tc.editMatrix {
				wantStatus(t, c.post("/triage/settings/taxonomy", url.Values{"enabled": {"spam"}}), http.StatusForbidden)
			}
		})
	}
}

func TestIncidentOwnerLinksAndMergePages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	csirtUser := e.user("csirt")
	csirt := hikeshi.ActorFor(csirtUser, "test")
	c := e.login("csirt", "ja")

	// The new-incident form offers the owners; the owner chosen is kept.
	form := c.get("/incidents/new")
	wantContains(t, form, `name="owner_id"`, `value="`+csirtUser.ID+`"`)
	if strings.Contains(form.body, `value="`+e.user("member").ID+`"`) {
		t.Error("a department member is offered as owner")
	}
	res := c.post("/incidents", url.Values{"title": {"A"}, "category": {"phishing"}, "impact": {"2"}, "urgency": {"2"}, "tlp": {"GREEN"},
		"owner_id": {csirtUser.ID}})
	wantStatus(t, res, http.StatusSeeOther)
	aID := strings.TrimPrefix(strings.Split(res.header.Get("Location"), "?")[0], "/incidents/")
	a, err := e.svc.Incidents.Get(ctx, csirt, aID)
	if err != nil || a.OwnerID != csirtUser.ID {
		t.Fatalf("owner of a new incident: %+v %v", a, err)
	}
	bad := c.post("/incidents", url.Values{"title": {"A"}, "category": {"phishing"}, "impact": {"2"}, "urgency": {"2"}, "tlp": {"GREEN"},
		"owner_id": {"<script>"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	checkPage(t, bad, "ja")
	// The edit form changes the owner; a form without the field leaves it.
	wantStatus(t, c.post("/incidents/"+aID, url.Values{"title": {"A2"}, "category": {"phishing"}, "impact": {"2"}, "urgency": {"2"},
		"tlp": {"GREEN"}}), http.StatusSeeOther)
	if a, _ = e.svc.Incidents.Get(ctx, csirt, aID); a.OwnerID != csirtUser.ID || a.Title != "A2" {
		t.Errorf("an edit without the owner field changed it: %+v", a)
	}
	wantStatus(t, c.post("/incidents/"+aID, url.Values{"title": {"A2"}, "category": {"phishing"}, "impact": {"2"}, "urgency": {"2"},
		"tlp": {"GREEN"}, "owner_id": {""}}), http.StatusSeeOther)
	if a, _ = e.svc.Incidents.Get(ctx, csirt, aID); a.OwnerID != "" {
		t.Errorf("unassigning kept %q", a.OwnerID)
	}

	b, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "B <i>", Category: "spam", Impact: 3, Urgency: 3, TLP: hikeshi.TLPGreen})
	if err != nil {
		t.Fatal(err)
	}
	red, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "RED", Category: "spam", Impact: 3, Urgency: 3, TLP: hikeshi.TLPRed})
	if err != nil {
		t.Fatal(err)
	}
	// Link: an unknown number is shown again beside the field.
	unknown := c.post("/incidents/"+aID+"/links", url.Values{"incident": {"INC-1999-0009"}, "note": {"<b>x</b>"}})
	wantStatus(t, unknown, http.StatusNotFound)
	checkPage(t, unknown, "ja")
	wantContains(t, unknown, `value="INC-1999-0009"`, `id="link-incident-error"`, "&lt;b&gt;x&lt;/b&gt;")
	wantStatus(t, c.post("/incidents/"+aID+"/links", url.Values{"incident": {b.Number}, "note": {"同じ送信元"}}), http.StatusSeeOther)
	page := c.get("/incidents/" + b.ID)
	wantContains(t, page, `href="/incidents/`+aID+`"`, "同じ送信元")
	// The admin cannot link to the RED incident they are not on: not found.
	admin := e.login("admin", "en")
	hidden := admin.post("/incidents/"+aID+"/links", url.Values{"incident": {red.Number}})
	wantStatus(t, hidden, http.StatusNotFound)
	checkPage(t, hidden, "en")
	// Merge B into A: B is closed and says where it went.
	wantStatus(t, c.post("/incidents/"+aID+"/merge", url.Values{"incident": {b.Number}, "note": {"重複"}}), http.StatusSeeOther)
	page = c.get("/incidents/" + b.ID)
	wantContains(t, page, "統合されました", `href="/incidents/`+aID+`"`)
	if got, _ := e.svc.Incidents.Get(ctx, csirt, b.ID); got.Phase != hikeshi.PhaseClosed {
		t.Errorf("merged incident is %s", got.Phase)
	}
	again := c.post("/incidents/"+aID+"/merge", url.Values{"incident": {b.Number}})
	wantStatus(t, again, http.StatusConflict)
	checkPage(t, again, "ja")
	// A manager sees the section but no forms.
	m := e.login("manager", "en")
	mp := m.get("/incidents/" + aID)
	wantStatus(t, mp, http.StatusOK)
	if strings.Contains(mp.body, "/merge\"") || strings.Contains(mp.body, `name="owner_id"`) {
		t.Error("a manager is offered the merge or owner form")
	}
}
