package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

var (
	documentLocation = regexp.MustCompile(`^/isms/documents/([0-9a-f-]{36})\?n=created$`)
	// unsafeMarkup is markup that would run script if it came out of Markdown.
	unsafeMarkup = regexp.MustCompile(`(?i)<script>alert|<img[^>]*onerror|href="\s*(javascript|data|vbscript):|<iframe|<div onclick`)
)

// TestDocumentPagesInBothLanguages walks a policy through the UI in English
// and Japanese with every role: a member drafts (hostile Markdown shown
// safely), the CSIRT does not see the draft, the auditor reads but changes
// nothing, a manager approves, an admin's own version is refused to them
// and approved by the manager, and the history shows the line diff.
func TestDocumentPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"member", "csirt", "manager", "admin", "auditor"} {
				clearLocale(t, e, who)
			}
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			member := e.login("member", lang)
			list := member.get("/isms/documents")
			wantStatus(t, list, http.StatusOK)
			wantContains(t, list, tr("New document", "文書の新規作成")) // the demo organisation may have documents already

			// Bad input: the form comes back with what was typed.
			bad := member.post("/isms/documents", url.Values{"kind": {"manifesto"}, "title": {"<b>規程</b>"},
				"body": {strings.Repeat("x", hikeshi.MaxDocumentBodyLen+1)}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			wantContains(t, bad, `value="&lt;b&gt;規程&lt;/b&gt;"`, tr("Please correct the marked fields.", "印の付いた項目を修正してください。"))
			if strings.Contains(bad.body, "<b>規程</b>") {
				t.Error("the typed title came back as markup")
			}

			hostile := "# 情報セキュリティ規程\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n" +
				"[click](javascript:alert(1)) [data](data:text/html,x) <div onclick=\"alert(1)\">raw</div>\n\n第1条 目的\n第2条 適用範囲\n"
			res := member.post("/isms/documents", url.Values{"kind": {"rules"}, "title": {"情報セキュリティ規程"}, "body": {hostile}, "note": {"初版"}})
			wantStatus(t, res, http.StatusSeeOther)
			m := documentLocation.FindStringSubmatch(res.header.Get("Location"))
			if m == nil {
				t.Fatalf("redirect to %q", res.header.Get("Location"))
			}
			path := "/isms/documents/" + m[1]
			page := member.get(path + "?n=created")
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, tr("The document was created with its first draft.", "文書を作成しました（初版の草案）。"),
				tr("Version 1 in preparation", "作成中の第1版"), tr("Send to review", "承認を依頼"))
			if unsafeMarkup.MatchString(page.body) {
				t.Errorf("unsafe markup on the page: %s", unsafeMarkup.FindString(page.body))
			}
			wantStatus(t, member.post(path+"/submit", nil), http.StatusSeeOther)
			wantStatus(t, member.post(path+"/approve", nil), http.StatusForbidden)

			// The CSIRT (another department) does not see the draft; the auditor does but changes nothing.
			csirt := e.login("csirt", lang)
			page = csirt.get(path)
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, tr("A new version is being prepared", "所管部門が新しい版を作成中です"))
			if strings.Contains(page.body, "第2条") {
				t.Error("the CSIRT reads another department's draft")
			}
			wantStatus(t, csirt.get(path+"/versions/1"), http.StatusNotFound)
			auditor := e.login("auditor", lang)
			page = auditor.get(path)
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, "第2条")
			if strings.Contains(page.body, "/approve\"") || strings.Contains(page.body, "/draft\"") {
				t.Error("the auditor is offered a change")
			}
			wantStatus(t, auditor.post(path+"/draft", url.Values{"body": {"x"}}), http.StatusForbidden)
			wantStatus(t, auditor.post(path+"/approve", nil), http.StatusForbidden)

			// The manager approves; a next review in the past is refused beside its field.
			manager := e.login("manager", lang)
			page = manager.get(path)
			wantContains(t, page, `action="`+path+`/approve"`)
			res = manager.post(path+"/approve", url.Values{"next_review": {"2000-01-01"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, tr("Choose a date after today.", "明日以降の日付を指定してください。"), `value="2000-01-01"`)
			wantStatus(t, manager.post(path+"/approve", nil), http.StatusSeeOther)
			page = member.get(path)
			wantContains(t, page, tr("Approved version", "承認済みの版"), "<h1>情報セキュリティ規程</h1>", tr("Approved", "承認済み"))
			if unsafeMarkup.MatchString(page.body) {
				t.Errorf("unsafe markup in the approved version: %s", unsafeMarkup.FindString(page.body))
			}

			// The admin writes version 2 and may not approve it.
			admin := e.login("admin", lang)
			wantStatus(t, admin.post(path+"/draft", url.Values{"body": {"# 情報セキュリティ規程\n\n第1条 目的\n第2条 適用範囲（改）\n第3条 責任\n"},
				"note": {"第3条を追加"}}), http.StatusSeeOther)
			wantStatus(t, admin.post(path+"/submit", nil), http.StatusSeeOther)
			res = admin.post(path+"/approve", nil)
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("someone else approves it", "別の人が承認します"))
			wantStatus(t, manager.post(path+"/approve", nil), http.StatusSeeOther)
			page = csirt.get(path)
			wantContains(t, page, tr("Superseded", "旧版"), tr("Changes since version 1", "第1版からの変更"), "第3条を追加")

			diff := csirt.get(path + "/diff?from=1&to=2")
			wantStatus(t, diff, http.StatusOK)
			wantContains(t, diff, "<del>- 第2条 適用範囲</del>", "<ins>+ 第2条 適用範囲（改）</ins>", "<ins>+ 第3条 責任</ins>",
				"&lt;script&gt;alert(1)&lt;/script&gt;")
			wantStatus(t, csirt.get(path+"/diff?from=x&to=2"), http.StatusBadRequest)
			wantStatus(t, csirt.get(path+"/versions/99"), http.StatusNotFound)
			wantStatus(t, csirt.get("/isms/documents/"+hikeshi.NewID()), http.StatusNotFound)
			v1 := csirt.get(path + "/versions/1")
			wantStatus(t, v1, http.StatusOK)
			if unsafeMarkup.MatchString(v1.body) {
				t.Errorf("unsafe markup in version 1: %s", unsafeMarkup.FindString(v1.body))
			}
			list = csirt.get("/isms/documents?kind=rules")
			wantContains(t, list, "情報セキュリティ規程", tr("Rules", "規程"))
		})
	}
}

// TestScopePageInBothLanguages: the manager writes the scope (an exclusion
// without its reason is refused with what was typed), everyone reads it,
// the auditor and members change nothing.
func TestScopePageInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"member", "manager", "auditor"} {
				clearLocale(t, e, who)
			}
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			member := e.login("member", lang)
			page := member.get("/isms/scope")
			wantStatus(t, page, http.StatusOK)
			// The demo organisation has written its scope; the page shows it read-only to members.
			if strings.Contains(page.body, `name="statement"`) {
				t.Error("a member is offered the scope form")
			}
			form := url.Values{"statement": {"本社の **情報システム** <script>alert(1)</script> [x](javascript:alert(1))"},
				"department_ids": {e.department("情報").ID}, "what_0": {"海外子会社 <b>x</b>"}, "why_0": {"別のISMSで管理"}}
			wantStatus(t, member.post("/isms/scope", form), http.StatusForbidden)
			auditor := e.login("auditor", lang)
			wantStatus(t, auditor.post("/isms/scope", form), http.StatusForbidden)

			manager := e.login("manager", lang)
			bad := url.Values{"statement": form["statement"], "what_0": {"工場 <b>x</b>"}, "why_0": {""}, "department_ids": {"nope"}}
			res := manager.post("/isms/scope", bad)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `value="工場 &lt;b&gt;x&lt;/b&gt;"`, tr("Please correct the marked fields.", "印の付いた項目を修正してください。"))
			wantStatus(t, manager.post("/isms/scope", form), http.StatusSeeOther)
			page = auditor.get("/isms/scope")
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, "<strong>情報システム</strong>", "海外子会社 &lt;b&gt;x&lt;/b&gt;", "別のISMSで管理", e.department("情報").Name,
				tr("History of changes", "変更履歴"))
			if unsafeMarkup.MatchString(page.body) {
				t.Errorf("unsafe markup: %s", unsafeMarkup.FindString(page.body))
			}
			page = member.get("/isms/scope")
			wantContains(t, page, "<strong>情報システム</strong>")
		})
	}
}

// TestRolesPagesInBothLanguages: the manager assigns parts (a second
// accountable department is refused beside its field), the table shows
// them to everyone, members and auditors change nothing.
func TestRolesPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"member", "manager", "auditor"} {
				clearLocale(t, e, who)
			}
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			it, sales := e.department("情報").ID, e.department("営業").ID
			member := e.login("member", lang)
			page := member.get("/isms/roles")
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, tr("Responsibility matrix (RACI)", "責任分担表（RACI）"), tr("Internal audit", "内部監査"))
			if strings.Contains(page.body, `href="/isms/roles/`) {
				t.Error("a member is offered to change responsibilities")
			}
			form := url.Values{"text": {"システム運用 <script>alert(1)</script>"}, "part_measures": {"A"}, "part_incident_response": {"R"}}
			wantStatus(t, member.get("/isms/roles/"+it), http.StatusForbidden)
			wantStatus(t, member.post("/isms/roles/"+it, form), http.StatusForbidden)
			auditor := e.login("auditor", lang)
			wantStatus(t, auditor.post("/isms/roles/"+it, form), http.StatusForbidden)

			manager := e.login("manager", lang)
			wantStatus(t, manager.get("/isms/roles/"+it), http.StatusOK)
			wantStatus(t, manager.post("/isms/roles/"+it, form), http.StatusSeeOther)
			res := manager.post("/isms/roles/"+sales, url.Values{"text": {"営業 <b>x</b>"}, "part_measures": {"A"}, "part_policy": {"Z"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, tr("Another department is already accountable", "この活動の説明責任は既に別の部門にあります"), "営業 &lt;b&gt;x&lt;/b&gt;")
			wantStatus(t, manager.get("/isms/roles/"+hikeshi.NewID()), http.StatusNotFound)
			page = auditor.get("/isms/roles")
			wantContains(t, page, "<strong>A</strong>", "<strong>R</strong>", "システム運用")
			if unsafeMarkup.MatchString(page.body) {
				t.Errorf("unsafe markup: %s", unsafeMarkup.FindString(page.body))
			}
		})
	}
}
