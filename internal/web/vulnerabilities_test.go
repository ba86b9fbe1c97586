package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// vulnForm is the editor's form for a bilingual vulnerability.
func vulnForm(asset string) url.Values {
	return url.Values{
		"cve": {"CVE-2026-31337"}, "title_ja": {"VPN の認証回避 <script>alert(1)</script>"}, "description_ja": {"更新してください。"},
		"title_en": {"VPN authentication bypass"}, "description_en": {"Update."}, "versions": {"< 2.4.2"}, "fix": {"Update to 2.4.2"},
		"cvss31": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, "severity": {"medium"}, "asset_id": {asset},
		"ref_url": {"https://example.com/a", ""}, "ref_summary": {"Vendor", ""},
	}
}

// TestVulnerabilityPages: every role's view of the pages, the editor's
// refusals in both languages (a CVSS vector's position), markup shown as
// text, and a department member completing their task.
func TestVulnerabilityPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	vs, err := e.svc.Vulns.List(ctx, sys, hikeshi.VulnerabilityFilter{})
	if err != nil || len(vs) != 2 {
		t.Fatalf("the demo's vulnerabilities: %d %v", len(vs), err)
	}
	var portal, vpn hikeshi.Vulnerability
	for _, v := range vs {
		if v.CVE == "" {
			portal = v
		} else {
			vpn = v
		}
	}
	// Every role: who sees the list, the vulnerability and its forms.
	for _, tc := range []struct {
		who             string
		list, show, new int
		forms           bool
	}{
		{"admin", 200, 200, 200, true}, {"csirt", 200, 200, 200, true}, {"manager", 200, 200, 404, false},
		{"auditor", 200, 200, 404, false}, {"member", 200, 404, 404, false}, {"it", 200, 404, 404, false},
	} {
		c := e.login(tc.who, "en")
		list, show, nw := c.get("/vulnerabilities"), c.get("/vulnerabilities/"+portal.ID), c.get("/vulnerabilities/new")
		if list.status != tc.list || show.status != tc.show || nw.status != tc.new {
			t.Errorf("%s: list %d show %d new %d", tc.who, list.status, show.status, nw.status)
		}
		if tc.show == 200 {
			if got := strings.Contains(show.body, `action="/vulnerabilities/`+portal.ID+`/draft-advisory"`); got != tc.forms {
				t.Errorf("%s: the draft form shown: %v", tc.who, got)
			}
			wantContains(t, show, "ADV-", "RPT-")
		}
		if tc.list == 200 && tc.show == 200 && !strings.Contains(list.body, "Upcoming publication dates") && !strings.Contains(list.body, "公開予定日") {
			t.Errorf("%s: the list lacks the upcoming publication dates", tc.who)
		}
		if tc.who == "it" && (!strings.Contains(list.body, "VPN 装置") && !strings.Contains(list.body, "VPN gateway") || strings.Contains(list.body, "Upcoming") || strings.Contains(list.body, "公開予定日")) {
			t.Errorf("the IT member's list: %s", list.body)
		}
		if tc.who == "member" && strings.Contains(list.body, "/vulnerability-tasks/") {
			t.Errorf("the sales member sees IT's tasks")
		}
	}

	csirt := e.login("csirt", "ja")
	// Hostile input: a bad vector with its position, in Japanese; what was typed comes back.
	f := vulnForm(portal.AssetIDs[0])
	f.Set("cvss31", "CVSS:3.1/AV:N/AC:L/PR:X/UI:N/S:U/C:H/I:H/A:H")
	f.Set("cve", "CVE-1")
	res := csirt.post("/vulnerabilities", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "23 文字目", "メトリクス PR にこの値は使えません", "CVE-2026-12345 のような", "CVSS:3.1/AV:N/AC:L/PR:X", "&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Error("markup is not escaped")
	}
	csirtEN := e.login("admin", "en")
	res = csirtEN.post("/vulnerabilities", f)
	wantContains(t, res, "Position 23", "metric PR does not take this value")
	for _, bad := range []url.Values{
		{"title_en": {strings.Repeat("x", 300)}, "description_en": {"y"}},
		{"title_en": {"x"}, "description_en": {"y"}, "asset_id": {"nope"}},
		{"title_en": {"x"}, "description_en": {"y"}, "cvss40": {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Purple"}},
		{"title_en": {"x"}, "description_en": {"y"}, "ref_url": {"javascript:alert(1)"}, "ref_summary": {"x"}},
	} {
		if res := csirt.post("/vulnerabilities", bad); res.status != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d", bad, res.status)
		}
	}
	if res := csirt.postRaw("/vulnerabilities", "title_en=%ff%fe", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); res.status != http.StatusBadRequest {
		t.Errorf("invalid UTF-8: %d", res.status)
	}
	// A valid one; then its page shows the markup as text.
	res = csirt.post("/vulnerabilities", vulnForm(portal.AssetIDs[0]))
	wantStatus(t, res, http.StatusSeeOther)
	res = csirt.get(res.header.Get("Location"))
	wantContains(t, res, "&lt;script&gt;", "9.8", "緊急", "脆弱性を登録しました")
	// Refused page actions say why, beside the form.
	res = csirt.post("/vulnerabilities/"+vpn.ID+"/exceptions", url.Values{"reason": {""}, "expires_at": {"31/12/2026"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "2026-12-31 の形で")
	res = csirt.post("/vulnerabilities/"+vpn.ID+"/acknowledge", nil)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "外部からの報告で登録した脆弱性")
	res = csirt.post("/vulnerabilities/"+vpn.ID+"/link", url.Values{"kind": {"incident"}, "incident_id": {"<b>nope</b>"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "&lt;b&gt;nope&lt;/b&gt;")
	if res := e.login("manager", "en").post("/vulnerabilities/"+vpn.ID+"/status", url.Values{"status": {"closed"}}); res.status != http.StatusForbidden {
		t.Errorf("the manager changes the status: %d", res.status)
	}

	// The IT member completes their department's task on the VPN gateway.
	it := e.login("it", "en")
	items, err := e.svc.Vulns.MyRemediations(ctx, hikeshi.ActorFor(e.user("it"), "test"), true, hikeshi.Page{Limit: 10})
	if err != nil || len(items) != 2 {
		t.Fatalf("IT's tasks: %d %v", len(items), err)
	}
	task := items[0].ID
	if res := e.login("member", "en").post("/vulnerability-tasks/"+task+"/complete", url.Values{"note": {"x"}}); res.status != http.StatusNotFound {
		t.Errorf("the sales member completes IT's task: %d", res.status)
	}
	res = it.post("/vulnerability-tasks/"+task+"/complete", url.Values{"note": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = it.post("/vulnerability-tasks/"+task+"/complete", url.Values{"note": {"Updated the firmware", "x"}, "back": {"list"}})
	wantStatus(t, res, http.StatusSeeOther)
	if b := it.get(res.header.Get("Location")).body; !strings.Contains(b, "The task is done") && !strings.Contains(b, "タスクを完了にしました") {
		t.Errorf("no notice after completing: %s", b)
	}
}
