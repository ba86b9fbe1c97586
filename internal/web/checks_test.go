package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestChecksPages runs an internal audit through the browser: a programme,
// an audit refused for an own-department auditor, a finding with HTML in it,
// a corrective action refused closing without an effectiveness check, then
// checked and closed; a metric with a value; every role reading every page.
func TestChecksPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	it := e.department("情報システム部")
	mgr := e.login("manager", "ja")
	clearLocale(t, e, "admin")

	// Programme: a bad year is shown again with the typed values.
	res := mgr.post("/isms/audits/programmes", url.Values{"year": {"twenty"}, "title": {"<b>計画</b>"}, "period_start": {"2026-04-01"}, "period_end": {"2027-03-31"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "2000〜9999", "&lt;b&gt;計画&lt;/b&gt;")
	res = mgr.post("/isms/audits/programmes", url.Values{"year": {"2026"}, "title": {"2026年度 内部監査"}, "period_start": {"2026-04-01"}, "period_end": {"2026-03-31"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "終了日が開始日より前です")
	res = mgr.post("/isms/audits/programmes", url.Values{"year": {"2026"}, "title": {"2026年度 内部監査"}, "period_start": {"2026-04-01"}, "period_end": {"2027-03-31"}})
	wantStatus(t, res, http.StatusSeeOther)
	progs, err := e.svc.Checks.Programmes(ctx, sys, hikeshi.Page{})
	if err != nil || len(progs) != 1 {
		t.Fatalf("programmes: %v %v", progs, err)
	}

	// Audit: the IT member may not audit IT; the refusal names both.
	form := url.Values{"programme_id": {progs[0].ID}, "title": {"情報システム部の監査"}, "scope": {"運用"}, "criteria": {"ISO/IEC 27001:2022 4–10, A.5"},
		"planned_start": {"2026-06-01"}, "planned_end": {"2026-06-03"}, "department_ids": {it.ID}, "auditor_ids": {e.user("it").ID}}
	res = mgr.post("/isms/audits", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "情報 健太", "情報システム部 (IT)", "9.2")
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("planned_start", "6月1日")
	bad.Set("auditor_ids", e.user("member").ID)
	res = mgr.post("/isms/audits", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "2026-05-01 のような日付", "6月1日")
	form.Set("auditor_ids", e.user("member").ID)
	res = mgr.post("/isms/audits", form)
	wantStatus(t, res, http.StatusSeeOther)
	auditPath, _, _ := strings.Cut(res.header.Get("Location"), "?")

	// Re-planning cannot sneak an own-department auditor in either.
	replan := url.Values{}
	for k, v := range form {
		replan[k] = v
	}
	replan.Set("auditor_ids", e.user("it").ID)
	replan.Set("title", "<em>再計画</em>")
	res = mgr.post(auditPath, replan)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "情報 健太", "&lt;em&gt;再計画&lt;/em&gt;")
	replan.Set("auditor_ids", e.user("member").ID)
	wantStatus(t, mgr.post(auditPath, replan), http.StatusSeeOther)
	wantContains(t, mgr.get(auditPath), "&lt;em&gt;再計画&lt;/em&gt;")
	wantStatus(t, e.login("member", "ja").post(auditPath, replan), http.StatusForbidden)

	// The named auditor starts it and records findings.
	member := e.login("member", "ja")
	wantStatus(t, member.post(auditPath+"/status", url.Values{"status": {"in_progress"}}), http.StatusSeeOther)
	res = member.post(auditPath+"/findings", url.Values{"type": {"catastrophe"}, "description": {"x"}, "department_id": {it.ID}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "選択肢から選んでください")
	res = member.post(auditPath+"/findings", url.Values{"type": {"major_nc"}, "description": {"<script>alert(1)</script>パッチ記録なし"},
		"requirement": {"A.8.8"}, "department_id": {it.ID}})
	wantStatus(t, res, http.StatusSeeOther)
	itc := e.login("it", "ja")
	res = itc.post(auditPath+"/findings", url.Values{"type": {"ofi"}, "description": {"x"}, "department_id": {it.ID}})
	wantStatus(t, res, http.StatusForbidden)
	res = member.get(auditPath)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "&lt;script&gt;alert(1)&lt;/script&gt;パッチ記録なし", "重大な不適合", "是正処置が必要")
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Error("the finding's HTML was not escaped")
	}
	res = member.post(auditPath+"/status", url.Values{"status": {"reported"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantStatus(t, member.post(auditPath+"/status", url.Values{"status": {"reported"}, "report": {"重大な不適合1件"}}), http.StatusSeeOther)
	res = mgr.post(auditPath+"/status", url.Values{"status": {"closed"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "すべての不適合に是正処置")

	// The IT department opens the corrective action from the finding.
	fs, err := e.svc.Checks.Findings(ctx, sys, "", hikeshi.Page{})
	if err != nil || len(fs) != 1 {
		t.Fatalf("findings: %v", err)
	}
	fp := "/isms/findings/" + fs[0].Finding.ID
	wantStatus(t, itc.get(fp), http.StatusOK)
	act := url.Values{"title": {"パッチ管理の是正"}, "root_cause": {"手順なし"}, "action": {"手順を定める"}, "department_id": {it.ID}, "due_date": {"2026-02-30"}}
	res = itc.post(fp+"/actions", act)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "2026-05-01 のような日付", "パッチ管理の是正")
	act.Set("due_date", "2099-12-31")
	res = itc.post(fp+"/actions", act)
	wantStatus(t, res, http.StatusSeeOther)
	actionPath, _, _ := strings.Cut(res.header.Get("Location"), "?")
	wantStatus(t, e.login("auditor", "ja").post(fp+"/actions", act), http.StatusForbidden)

	// Closing without an effectiveness check is refused with the reason.
	res = mgr.post(actionPath+"/status", url.Values{"status": {"closed"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "先に有効性を確認")
	wantStatus(t, itc.post(actionPath+"/status", url.Values{"status": {"implemented"}}), http.StatusSeeOther)
	wantStatus(t, itc.post(actionPath+"/check", url.Values{"result": {"effective"}, "note": {"x"}}), http.StatusForbidden)
	res = mgr.post(actionPath+"/check", url.Values{"result": {"effective"}, "note": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantStatus(t, mgr.post(actionPath+"/check", url.Values{"result": {"effective"}, "note": {"3か月再発なし"}}), http.StatusSeeOther)
	wantStatus(t, mgr.post(actionPath+"/status", url.Values{"status": {"closed"}}), http.StatusSeeOther)
	res = mgr.get(actionPath)
	wantContains(t, res, "3か月再発なし", "経営 一郎", "完了日時")
	wantStatus(t, mgr.post(auditPath+"/status", url.Values{"status": {"closed"}}), http.StatusSeeOther)

	// An overdue action is marked.
	act.Set("due_date", "2020-01-31")
	act.Set("title", "古い処置")
	wantStatus(t, itc.post(fp+"/actions", act), http.StatusSeeOther)
	res = itc.get("/isms/actions")
	wantContains(t, res, "古い処置", "期限超過")

	// Metrics.
	res = mgr.post("/isms/metrics", url.Values{"name": {"パッチ適用率"}, "measure_ref": {"A.8.8"}, "unit": {"%"}, "target": {"九十五"},
		"comparison": {"ge"}, "frequency": {"monthly"}, "department_id": {it.ID}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "95 や 99.5")
	res = mgr.post("/isms/metrics", url.Values{"name": {"パッチ適用率"}, "measure_ref": {"A.8.8"}, "unit": {"%"}, "target": {"95"},
		"comparison": {"ge"}, "frequency": {"monthly"}, "department_id": {it.ID}})
	wantStatus(t, res, http.StatusSeeOther)
	metricPath, _, _ := strings.Cut(res.header.Get("Location"), "?")
	wantStatus(t, member.post(metricPath+"/values", url.Values{"period": {"2026-05-31"}, "value": {"97"}}), http.StatusForbidden)
	wantStatus(t, itc.post(metricPath+"/values", url.Values{"period": {"2026-05-31"}, "value": {"abc"}}), http.StatusUnprocessableEntity)
	wantStatus(t, itc.post(metricPath+"/values", url.Values{"period": {"2026-05-31"}, "value": {"97"}, "note": {"<i>ok</i>"}}), http.StatusSeeOther)
	res = itc.get("/isms/metrics")
	wantContains(t, res, "パッチ適用率", "95 % 以上", "目標達成")

	// Every role reads every page; the auditor gets no forms and changes nothing.
	pages := []string{"/isms/audits", auditPath, "/isms/findings", fp, "/isms/actions", actionPath, "/isms/metrics", metricPath}
	for _, who := range []string{"admin", "csirt", "manager", "member", "factory", "it", "auditor"} {
		c := e.login(who, "en")
		for _, p := range pages {
			wantStatus(t, c.get(p), http.StatusOK)
		}
	}
	aud := e.login("auditor", "en")
	res = aud.get("/isms/audits")
	if strings.Contains(res.body, `action="/isms/audits/programmes"`) {
		t.Error("the auditor is offered the programme form")
	}
	wantStatus(t, aud.post("/isms/audits/programmes", url.Values{"year": {"2027"}, "title": {"x"}, "period_start": {"2027-04-01"}, "period_end": {"2028-03-31"}}), http.StatusForbidden)
	wantStatus(t, aud.post(metricPath+"/values", url.Values{"period": {"2026-06-30"}, "value": {"1"}}), http.StatusForbidden)
	res = e.login("admin", "en").get("/isms/actions")
	wantContains(t, res, "Corrective actions", "Overdue")
}
