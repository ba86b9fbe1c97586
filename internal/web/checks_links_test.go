package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// TestChecksEditingPages edits a programme, records and corrects a finding
// linked to a measure and a requirement, deletes what may be deleted (and is
// refused, with the references named, what may not), edits, archives and
// restores a metric, and lists overdue actions with the viewer's reminders,
// with hostile input and the wrong roles.
func TestChecksEditingPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	it := e.department("情報システム部")
	ck := e.svc.Checks
	ms, err := e.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "脆弱性管理の手順", Status: hikeshi.StatusPartial})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := ck.CreateProgramme(ctx, sys, service.ProgrammeInput{Year: 2026, Title: "2026年度 計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	au, err := ck.CreateAudit(ctx, sys, prog.ID, service.AuditInput{Title: "情報システム部の監査", Scope: "s", DepartmentIDs: []string{it.ID},
		Criteria: "c", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-03", AuditorIDs: []string{e.user("member").ID}})
	if err != nil {
		t.Fatal(err)
	}
	mgr := e.login("manager", "ja")
	member := e.login("member", "ja")
	itc := e.login("it", "ja")

	// The programme's page: edited by planners, hostile input shown back as text; delete refused naming the audit.
	pp := "/isms/audit-programmes/" + prog.ID
	wantContains(t, member.get(pp), "2026年度 計画", "情報システム部の監査")
	pform := url.Values{"year": {"2026"}, "title": {"<script>x</script>計画"}, "period_start": {"2026-04-01"}, "period_end": {"2026-03-01"}}
	res := mgr.post(pp, pform)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "終了日が開始日より前です", "&lt;script&gt;x&lt;/script&gt;計画")
	pform.Set("period_end", "2027-03-31")
	wantStatus(t, member.post(pp, pform), http.StatusForbidden)
	wantStatus(t, mgr.post(pp, pform), http.StatusSeeOther)
	wantContains(t, mgr.get(pp), "&lt;script&gt;x&lt;/script&gt;計画")
	res = mgr.post(pp+"/delete", nil)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "監査（情報システム部の監査）")
	wantStatus(t, member.post(pp+"/delete", nil), http.StatusForbidden)

	// Findings with links: the requirement is checked; the measure is offered and linked.
	ap := "/isms/audits/" + au.ID
	wantStatus(t, member.post(ap+"/status", url.Values{"status": {"in_progress"}}), http.StatusSeeOther)
	res = member.get(ap)
	wantContains(t, res, `name="framework_key"`, `name="requirement_ref"`, `name="measure_id"`, "脆弱性管理の手順")
	ff := url.Values{"type": {"major_nc"}, "description": {"パッチ記録なし"}, "requirement": {"パッチ"}, "department_id": {it.ID},
		"framework_key": {hikeshi.ISO27001Key}, "requirement_ref": {"<b>A.99</b>"}, "measure_id": {ms.ID}}
	res = member.post(ap+"/findings", ff)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "この要求事項はありません", "&lt;b&gt;A.99&lt;/b&gt;")
	ff.Set("requirement_ref", "A.8.8")
	res = member.post(ap+"/findings", ff)
	wantStatus(t, res, http.StatusSeeOther)
	fs, err := ck.Findings(ctx, sys, au.ID, hikeshi.Page{})
	if err != nil || len(fs) != 1 {
		t.Fatalf("findings: %v %v", fs, err)
	}
	fp := "/isms/findings/" + fs[0].Finding.ID
	res = itc.get(fp)
	wantContains(t, res, `href="/isms/measures/`+ms.ID+`"`, "脆弱性管理の手順", "A.8.8", hikeshi.ISO27001Key)
	if strings.Contains(res.body, `action="`+fp+`"`) {
		t.Error("the IT member is offered the finding's edit form")
	}
	// The auditor corrects it: type, requirement, measure unlinked.
	res = member.get(fp)
	wantContains(t, res, `action="`+fp+`"`, `action="`+fp+`/delete"`)
	ef := url.Values{"type": {"minor_nc"}, "description": {"パッチ記録が一部なし"}, "requirement": {""}, "department_id": {it.ID},
		"framework_key": {hikeshi.ISO27001Key}, "requirement_ref": {"9.2"}, "measure_id": {""}}
	wantStatus(t, itc.post(fp, ef), http.StatusForbidden)
	ef.Set("measure_id", "' OR 1=1 --")
	res = member.post(fp, ef)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "パッチ記録が一部なし")
	ef.Set("measure_id", "")
	wantStatus(t, member.post(fp, ef), http.StatusSeeOther)
	res = member.get(fp)
	wantContains(t, res, "軽微な不適合", "9.2")
	if strings.Contains(res.body, `href="/isms/measures/`+ms.ID+`"`) {
		t.Error("the unlinked measure is still shown")
	}

	// An overdue corrective action blocks deleting the finding; the refusal names it.
	if _, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fs[0].Finding.ID, Title: "古い是正",
		Action: "a", DepartmentID: it.ID, OwnerID: e.user("it").ID, DueDate: "2020-01-31"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ck.CreateAction(ctx, sys, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fs[0].Finding.ID, Title: "新しい是正",
		Action: "a", DepartmentID: it.ID, DueDate: "2099-12-31"}); err != nil {
		t.Fatal(err)
	}
	res = member.post(fp+"/delete", nil)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "古い是正", "新しい是正")
	res = mgr.post(ap+"/delete", nil)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "所見（")

	// Overdue filter and the viewer's reminders.
	res = itc.get("/isms/actions?overdue=1")
	wantContains(t, res, "古い是正", "期限超過のみ")
	if strings.Contains(res.body, "新しい是正") {
		t.Error("the overdue list shows an action not yet due")
	}
	wantContains(t, itc.get("/isms/actions"), "古い是正", "新しい是正")
	if _, err := ck.Remind(ctx, sys, nil); err != nil {
		t.Fatal(err)
	}
	res = itc.get("/isms/actions")
	wantContains(t, res, "あなたの期限超過の処置", "期限 2020-01-31")
	rs, err := ck.ActionReminders(ctx, hikeshi.ActorFor(e.user("it"), "test"))
	if err != nil || len(rs) != 1 {
		t.Fatalf("reminders: %v %v", rs, err)
	}
	wantStatus(t, member.post("/isms/action-reminders/"+rs[0].Reminder.ID+"/dismiss", nil), http.StatusNotFound)
	wantStatus(t, itc.post("/isms/action-reminders/"+rs[0].Reminder.ID+"/dismiss", nil), http.StatusSeeOther)
	if strings.Contains(itc.get("/isms/actions").body, "あなたの期限超過の処置") {
		t.Error("the dismissed reminder is still shown")
	}

	// A planned audit without findings is deleted from its page.
	au2, err := ck.CreateAudit(ctx, sys, prog.ID, service.AuditInput{Title: "誤って計画", Scope: "s", DepartmentIDs: []string{it.ID},
		Criteria: "c", PlannedStart: "2026-07-01", PlannedEnd: "2026-07-03", AuditorIDs: []string{e.user("member").ID}})
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, mgr.get("/isms/audits/"+au2.ID), `action="/isms/audits/`+au2.ID+`/delete"`)
	wantStatus(t, member.post("/isms/audits/"+au2.ID+"/delete", nil), http.StatusForbidden)
	wantStatus(t, mgr.post("/isms/audits/"+au2.ID+"/delete", nil), http.StatusSeeOther)
	wantStatus(t, mgr.get("/isms/audits/"+au2.ID), http.StatusNotFound)

	// Metrics: linked to a measure, edited, delete refused with values, archived and restored.
	mf := url.Values{"name": {"パッチ適用率"}, "measure_id": {ms.ID}, "measure_ref": {"A.8.8"}, "unit": {"%"}, "target": {"95"},
		"comparison": {"ge"}, "frequency": {"monthly"}, "department_id": {it.ID}}
	res = mgr.post("/isms/metrics", mf)
	wantStatus(t, res, http.StatusSeeOther)
	mp, _, _ := strings.Cut(res.header.Get("Location"), "?")
	res = itc.get(mp)
	wantContains(t, res, `href="/isms/measures/`+ms.ID+`"`)
	if strings.Contains(res.body, `action="`+mp+`/delete"`) {
		t.Error("the IT member is offered deleting the metric")
	}
	mf.Set("target", "<b>99</b>")
	res = mgr.post(mp, mf)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "95 や 99.5", "&lt;b&gt;99&lt;/b&gt;")
	mf.Set("target", "99")
	wantStatus(t, itc.post(mp, mf), http.StatusForbidden)
	wantStatus(t, mgr.post(mp, mf), http.StatusSeeOther)
	wantContains(t, mgr.get(mp), "99 % 以上")
	wantStatus(t, itc.post(mp+"/values", url.Values{"period": {"2026-05-31"}, "value": {"97"}}), http.StatusSeeOther)
	res = mgr.post(mp+"/delete", nil)
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "2026-05-31 = 97", "アーカイブしてください")
	wantStatus(t, itc.post(mp+"/archive", nil), http.StatusForbidden)
	wantStatus(t, mgr.post(mp+"/archive", nil), http.StatusSeeOther)
	res = itc.get(mp)
	wantContains(t, res, "アーカイブ済み")
	if strings.Contains(res.body, `action="`+mp+`/values"`) {
		t.Error("an archived metric offers recording a value")
	}
	wantStatus(t, itc.post(mp+"/values", url.Values{"period": {"2026-06-30"}, "value": {"98"}}), http.StatusConflict)
	wantStatus(t, mgr.post(mp+"/restore", nil), http.StatusSeeOther)
	wantContains(t, itc.get(mp), `action="`+mp+`/values"`)
	mf.Set("name", "誤り")
	res = mgr.post("/isms/metrics", mf)
	wantStatus(t, res, http.StatusSeeOther)
	mp2, _, _ := strings.Cut(res.header.Get("Location"), "?")
	wantStatus(t, mgr.post(mp2+"/delete", nil), http.StatusSeeOther)
	wantStatus(t, mgr.get(mp2), http.StatusNotFound)

	// Every role reads the new pages; the read-only auditor is offered nothing and changes nothing.
	for _, who := range []string{"admin", "csirt", "manager", "member", "factory", "it", "auditor"} {
		c := e.login(who, "en")
		for _, p := range []string{pp, fp, mp, "/isms/actions?overdue=1"} {
			wantStatus(t, c.get(p), http.StatusOK)
		}
	}
	aud := e.login("auditor", "en")
	res = aud.get(mp)
	if strings.Contains(res.body, `action="`+mp+`/archive"`) || strings.Contains(res.body, `action="`+mp+`"`) {
		t.Error("the auditor is offered changing the metric")
	}
	wantStatus(t, aud.post(mp+"/archive", nil), http.StatusForbidden)
	wantStatus(t, aud.post(fp, ef), http.StatusForbidden)
	wantStatus(t, aud.post(pp, pform), http.StatusForbidden)
	wantContains(t, e.login("admin", "en").get("/isms/actions?overdue=1"), "Overdue only", "Overdue")
}
