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

// receiveAlerts puts alerts into the queue through the intake, as the CSIRT.
func receiveAlerts(t *testing.T, e *env, body string) {
	t.Helper()
	t.Cleanup(e.svc.AlertIntake.Close)
	csirt := hikeshi.ActorFor(e.user("csirt"), "test")
	if _, err := e.svc.AlertIntake.Receive(context.Background(), service.IntakeSource{Actor: csirt}, hikeshi.FormatGeneric, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

var eventLink = regexp.MustCompile(`href="/alerts/events/([0-9a-f-]{36})"`)

const hostileAlerts = `[{"title":"<script>alert('x')</script> 不審な通信","rule":"c2-beacon","severity":"critical","host":"pc-0042",
	"description":"<b>bold</b>","observables":[{"type":"ip","value":"203.0.113.9"}],"labels":{"部署":"<i>経理部</i>"}},
	{"title":"ディスク警告","rule":"disk","severity":"low","host":"db1"}]`

func TestAlertQueuePages(t *testing.T) {
	e := newEnv(t)
	receiveAlerts(t, e, hostileAlerts)
	csirt := e.login("csirt", "ja")

	res := csirt.get("/alerts")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "アラートキュー", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 不審な通信", "緊急", "1 件 / 1 回", "汎用 JSON")
	if strings.Contains(res.body, "<script>alert") {
		t.Fatal("the title is rendered as HTML")
	}
	ids := eventLink.FindAllStringSubmatch(res.body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d events listed", len(ids))
	}
	disk, c2 := ids[0][1], ids[1][1]
	res = csirt.get("/alerts?severity=critical")
	if m := eventLink.FindAllStringSubmatch(res.body, -1); len(m) != 1 || m[0][1] != c2 {
		t.Errorf("severity filter: %v", m)
	}
	wantContains(t, csirt.get("/alerts?status=dismissed"), "該当するイベントはありません")
	wantStatus(t, csirt.get("/alerts?status=<script>&severity=x&format=y&after="+strings.Repeat("a", 100)), http.StatusOK)

	res = csirt.get("/alerts/events/" + c2)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "<details><summary>受信した生データ</summary><pre class=\"raw\">", "&lt;b&gt;bold&lt;/b&gt;", "&lt;i&gt;経理部&lt;/i&gt;",
		"203.0.113.9", "新しいインシデントに昇格", `value="infected-system" selected`, "却下する")
	if strings.Contains(res.body, "<b>bold</b>") || strings.Contains(res.body, "<i>経理部</i>") {
		t.Fatal("alert text rendered as HTML")
	}

	// Dismiss needs a reason: the form comes back, marked.
	res = csirt.post("/alerts/events/"+disk+"/dismiss", url.Values{"reason": {"   "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "印の付いた項目を修正してください", `id="reason-error"`)
	res = csirt.post("/alerts/events/"+disk+"/dismiss", url.Values{"reason": {"保守作業による誤検知 <script>"}})
	wantStatus(t, res, http.StatusSeeOther)
	res = csirt.get(res.header.Get("Location"))
	wantContains(t, res, "却下済み", "保守作業による誤検知 &lt;script&gt;", "イベントを却下しました")
	if strings.Contains(res.body, `action="/alerts/events/`+disk+`/dismiss"`) {
		t.Error("a decided event still offers the forms")
	}
	wantStatus(t, csirt.post("/alerts/events/"+disk+"/dismiss", url.Values{"reason": {"again"}}), http.StatusConflict)

	// Promote: a bad title shows the form again with what was typed.
	bad := url.Values{"title": {""}, "summary": {"typed summary"}, "category": {"infected-system"}, "impact": {"1"}, "urgency": {"1"}, "tlp": {"AMBER"}}
	res = csirt.post("/alerts/events/"+c2+"/promote", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "typed summary")
	good := url.Values{"title": {"C2 通信 <b>"}, "summary": {"要調査"}, "category": {"infected-system"}, "impact": {"1"}, "urgency": {"2"}, "tlp": {"AMBER"}, "note": {"昇格"}}
	res = csirt.post("/alerts/events/"+c2+"/promote", good)
	wantStatus(t, res, http.StatusSeeOther)
	res = csirt.get(res.header.Get("Location"))
	wantContains(t, res, "昇格済み", "イベントを昇格しました", `href="/incidents/`)
	if len(eventLink.FindAllString(csirt.get("/alerts").body, -1)) != 0 {
		t.Error("decided events still in the open queue")
	}
	if m := eventLink.FindAllString(csirt.get("/alerts?status=all").body, -1); len(m) != 2 {
		t.Errorf("all: %d", len(m))
	}

	// Others: the auditor reads without forms; managers and members see nothing.
	auditor := e.login("auditor", "en")
	res = auditor.get("/alerts/events/" + c2)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, auditor.get("/alerts?status=all"), "Alert queue", "Critical")
	wantStatus(t, auditor.post("/alerts/events/"+disk+"/promote", good), http.StatusForbidden)
	for _, who := range []string{"manager", "member"} {
		c := e.login(who, "ja")
		wantStatus(t, c.get("/alerts"), http.StatusNotFound)
		wantStatus(t, c.get("/alerts/events/"+c2), http.StatusNotFound)
		wantStatus(t, c.get("/alerts/senders"), http.StatusNotFound)
		wantStatus(t, c.get("/alerts/suppressions"), http.StatusNotFound)
		wantStatus(t, c.post("/alerts/events/"+c2+"/dismiss", url.Values{"reason": {"x"}}), http.StatusNotFound)
	}
}

var tokenRe = regexp.MustCompile(`hka_[A-Za-z0-9_-]{43}`)

func TestAlertSenderAndSuppressionPages(t *testing.T) {
	e := newEnv(t)
	admin := e.login("admin", "en")
	res := admin.post("/alerts/senders", url.Values{"name": {"<b>Prometheus</b>"}, "format": {"alertmanager"}, "window": {"12h"}})
	wantStatus(t, res, http.StatusCreated)
	tok := tokenRe.FindString(res.body)
	if tok == "" {
		t.Fatalf("no token shown:\n%s", res.body)
	}
	wantContains(t, res, "shown only this once", "/api/v1/alerts/alertmanager", "credentials: "+tok, "webhook_configs:", "&lt;b&gt;Prometheus&lt;/b&gt;", "12 hours")
	if res.header.Get("Cache-Control") != "no-store" {
		t.Error("the token page may be cached")
	}
	// The list never shows it again.
	res = admin.get("/alerts/senders")
	if strings.Contains(res.body, tok) {
		t.Error("token shown again")
	}
	wantContains(t, res, "…"+tok[len(tok)-4:], "credentials: &lt;TOKEN&gt;")
	res = admin.post("/alerts/senders", url.Values{"name": {""}, "format": {"snmp"}, "window": {"soon"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Please correct the marked fields")
	res = admin.post("/alerts/senders", url.Values{"name": {"x\ny"}, "format": {"wazuh"}, "window": {"7d"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	csirt := e.login("csirt", "ja")
	res = csirt.get("/alerts/senders")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "アラート送信元", "Prometheus Alertmanager")
	if strings.Contains(res.body, `action="/alerts/senders"`) {
		t.Error("the CSIRT is offered the admins' form")
	}
	wantStatus(t, csirt.post("/alerts/senders", url.Values{"name": {"x"}, "format": {"generic"}}), http.StatusForbidden)

	// Suppression rules: the CSIRT adds and disables; the form keeps what was typed.
	res = csirt.post("/alerts/suppressions", url.Values{"name": {"スキャナ"}, "host": {"scan-*"}, "reason": {""}, "expires_at": {"2099-13-40"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, `value="scan-*"`)
	res = csirt.post("/alerts/suppressions", url.Values{"name": {"スキャナ <script>"}, "host": {"scan-*"}, "reason": {"定期診断"}, "expires_at": {"2099-01-01"}})
	wantStatus(t, res, http.StatusSeeOther)
	res = csirt.get("/alerts/suppressions")
	wantContains(t, res, "抑制ルール", "スキャナ &lt;script&gt;", "定期診断", "有効")
	m := regexp.MustCompile(`action="/alerts/suppressions/([0-9a-f-]{36})/disable"`).FindStringSubmatch(res.body)
	if m == nil {
		t.Fatal("no disable button")
	}
	auditor := e.login("auditor", "en")
	wantStatus(t, auditor.post("/alerts/suppressions/"+m[1]+"/disable", nil), http.StatusForbidden)
	res = auditor.get("/alerts/suppressions")
	if strings.Contains(res.body, "/disable") || strings.Contains(res.body, `action="/alerts/suppressions"`) {
		t.Error("the auditor is offered changes")
	}
	wantStatus(t, csirt.post("/alerts/suppressions/"+m[1]+"/disable", nil), http.StatusSeeOther)
	wantContains(t, csirt.get("/alerts/suppressions"), "無効")
}
