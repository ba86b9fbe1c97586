package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

var (
	awarenessMaterialLink = regexp.MustCompile(`/awareness/materials/([0-9a-f-]{36})`)
	awarenessCampaignLink = regexp.MustCompile(`/awareness/campaigns/([0-9a-f-]{36})`)
)

// TestAwarenessPages: from a closed incident to a published, sent material
// in the UI; the member reads and confirms it; the manager sees their
// department's people; the CSIRT sees the figures and the effect; hostile
// input comes back escaped; those who may not see get 404.
func TestAwarenessPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clearLocale(t, e, "member")
	clearLocale(t, e, "manager")
	csirt := e.login("csirt", "ja")
	member := e.login("member", "en")
	manager := e.login("manager", "en")

	// The demo's running campaign is on everyone's /awareness.
	idx := member.get("/awareness")
	wantStatus(t, idx, http.StatusOK)
	checkPage(t, idx, "en")
	wantContains(t, idx, "A short-lived website is an asset too", "Not read")
	if strings.Contains(idx.body, "/awareness/materials/new") {
		t.Error("a member is offered to write material")
	}
	wantStatus(t, member.get("/awareness/materials/new"), http.StatusNotFound)

	// The closed demo incident's page offers the one-step draft to the CSIRT only.
	closed, err := e.svc.Incidents.List(ctx, hikeshi.SystemActor("test"), hikeshi.IncidentFilter{Phase: hikeshi.PhaseClosed})
	if err != nil || len(closed) == 0 {
		t.Fatalf("closed incidents %v", err)
	}
	page := csirt.get("/incidents/" + closed[0].ID)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, `action="/incidents/`+closed[0].ID+`/awareness"`, "啓発教材を作成")
	if mp := manager.get("/incidents/" + closed[0].ID); strings.Contains(mp.body, "/awareness\"><button") {
		t.Error("the manager is offered the draft")
	}
	wantStatus(t, manager.post("/incidents/"+closed[0].ID+"/awareness", nil), http.StatusForbidden)
	res := csirt.post("/incidents/"+closed[0].ID+"/awareness", nil)
	wantStatus(t, res, http.StatusSeeOther)
	mid := awarenessMaterialLink.FindStringSubmatch(res.header.Get("Location"))
	if mid == nil {
		t.Fatalf("redirect %q", res.header.Get("Location"))
	}
	mpath := "/awareness/materials/" + mid[1]
	ed := csirt.get(mpath + "?n=drafted")
	wantStatus(t, ed, http.StatusOK)
	checkPage(t, ed, "ja")
	wantContains(t, ed, "何が起きたか", "What happened", closed[0].Number)
	if strings.Contains(ed.body, "INC-") && strings.Count(ed.body, closed[0].Number) > 1 {
		t.Error("the draft keeps the incident number")
	}
	wantStatus(t, member.get(mpath), http.StatusNotFound)

	// Hostile input is refused and shown again escaped.
	bad := csirt.post(mpath, url.Values{"title_ja": {"<script>alert(1)</script>"}, "body_ja": {"本文"}, "title_en": {""}, "body_en": {"x"},
		"category": {"culprit"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantContains(t, bad, "&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(bad.body, "<script>alert(1)") {
		t.Error("script not escaped")
	}
	wantStatus(t, csirt.post(mpath, url.Values{"title_ja": {"偽サイトの事例 <b>"}, "body_ja": {"本文です。"}, "title_en": {"A fake site"},
		"body_en": {"The text."}, "category": {"phishing"}}), http.StatusSeeOther)
	wantStatus(t, csirt.post(mpath+"/publish", nil), http.StatusSeeOther)
	sales := e.department("Sales")
	badSend := csirt.post(mpath+"/campaigns", url.Values{"starts_at": {"2026-13-45"}, "department_id": {"nope"}})
	wantStatus(t, badSend, http.StatusUnprocessableEntity)
	res = csirt.post(mpath+"/campaigns", url.Values{"department_id": {sales.ID}})
	wantStatus(t, res, http.StatusSeeOther)
	cid := awarenessCampaignLink.FindStringSubmatch(res.header.Get("Location"))
	if cid == nil {
		t.Fatalf("redirect %q", res.header.Get("Location"))
	}
	cpath := "/awareness/campaigns/" + cid[1]

	// The member reads (by opening) and confirms, in English.
	cp := member.get(cpath)
	wantStatus(t, cp, http.StatusOK)
	checkPage(t, cp, "en")
	wantContains(t, cp, "A fake site", "The text.", "I have read and understood this", "Read")
	if strings.Contains(cp.body, "<b>") || strings.Contains(cp.body, "By person") {
		t.Error("unescaped title or per-person figures shown to a member")
	}
	wantStatus(t, member.post(cpath+"/confirm", nil), http.StatusSeeOther)
	wantContains(t, member.get(cpath), "Confirmed")
	wantStatus(t, e.login("factory", "en").get(cpath), http.StatusNotFound)

	// The CSIRT sees the figures, the people and the effect with its caveat and chart.
	cs := csirt.get(cpath)
	wantStatus(t, cs, http.StatusOK)
	checkPage(t, cs, "ja")
	wantContains(t, cs, "部署ごとの既読・確認", "個人ごとの状況", "営業 さくら", "相関は因果ではありません", "<svg")
	// The manager of another department sees the campaign only if it was sent to them.
	wantStatus(t, manager.get(cpath), http.StatusNotFound)
}
