package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDocumentArchiveDeleteAndReviewPages walks archiving, restoring and
// deleting a document, and the review-due filter and badges, in English and
// Japanese: the owner department's member acts, another department's member
// and the auditor see no buttons and are refused, an approved document is
// refused deletion with the reason, and script in a title stays text.
func TestDocumentArchiveDeleteAndReviewPages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"member", "factory", "manager", "auditor"} {
				clearLocale(t, e, who)
			}
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			member := e.login("member", lang)
			create := func(title string) string {
				t.Helper()
				res := member.post("/isms/documents", url.Values{"kind": {"procedure"}, "title": {title}, "body": {"# 手順"}})
				wantStatus(t, res, http.StatusSeeOther)
				m := documentLocation.FindStringSubmatch(res.header.Get("Location"))
				if m == nil {
					t.Fatalf("location %q", res.header.Get("Location"))
				}
				return m[1]
			}
			id := create("<script>alert(1)</script> 手順書")
			page := "/isms/documents/" + id
			res := member.get(page)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, `action="`+page+`/archive"`, `action="`+page+`/delete"`, "data-confirm=", "&lt;script&gt;alert(1)&lt;/script&gt;")
			for _, who := range []string{"factory", "auditor"} {
				c := e.login(who, lang)
				res := c.get(page)
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.body, page+"/archive") || strings.Contains(res.body, page+"/delete") {
					t.Errorf("%s is offered archive or delete", who)
				}
				wantStatus(t, c.post(page+"/archive", url.Values{}), http.StatusForbidden)
				wantStatus(t, c.post(page+"/delete", url.Values{}), http.StatusForbidden)
			}

			// Archive: read-only, hidden from the list unless asked for.
			res = member.post(page+"/archive", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			res = member.get(res.header.Get("Location"))
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, tr("The document was archived.", "文書をアーカイブしました。"), tr("Archived", "アーカイブ済み"), `action="`+page+`/restore"`)
			if strings.Contains(res.body, page+"/draft") {
				t.Error("an archived document offers the draft form")
			}
			if strings.Contains(member.get("/isms/documents").body, page) {
				t.Error("the default list shows an archived document")
			}
			wantContains(t, member.get("/isms/documents?archived=1"), page, tr("Show archived documents too", "アーカイブ済みの文書も表示する"))
			res = member.post(page+"/draft", url.Values{"body": {"x"}})
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("The document is archived.", "この文書はアーカイブ済みです。"))
			res = member.post(page+"/restore", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			wantContains(t, member.get(res.header.Get("Location")), tr("restored", "戻しました"), `action="`+page+`/archive"`)

			// Approve with a review in ten days: due on the list and the page.
			wantStatus(t, member.post(page+"/submit", url.Values{}), http.StatusSeeOther)
			manager := e.login("manager", lang)
			soon := e.clock.Now().AddDate(0, 0, 10).Format(time.DateOnly)
			wantStatus(t, manager.post(page+"/approve", url.Values{"next_review": {soon}}), http.StatusSeeOther)
			due := tr("Review due", "見直し時期")
			res = member.get("/isms/documents?review=due")
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, page, due, soon)
			if strings.Contains(member.get("/isms/documents?review=overdue").body, page) {
				t.Error("overdue lists a document due in ten days")
			}
			wantStatus(t, member.get("/isms/documents?review=%3Cscript%3E"), http.StatusOK)
			wantContains(t, member.get(page), due)
			e.clock.Advance(11 * 24 * time.Hour)
			member = e.login("member", lang) // the session ended while idle
			wantContains(t, member.get("/isms/documents?review=overdue"), page, tr("Review overdue", "見直し期限超過"))

			// An approved document is not deleted; the page says why and offers archiving.
			res = member.get(page)
			if strings.Contains(res.body, page+"/delete") {
				t.Error("delete offered for an approved document")
			}
			res = member.post(page+"/delete", url.Values{})
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("evidence of the ISMS", "ISMS の記録"), `action="`+page+`/archive"`)

			// A draft-only document is deleted.
			other := create("誤って作成")
			res = member.post("/isms/documents/"+other+"/delete", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			res = member.get(res.header.Get("Location"))
			wantContains(t, res, tr("The document was deleted.", "文書を削除しました。"))
			wantStatus(t, member.get("/isms/documents/"+other), http.StatusNotFound)
			for _, bad := range []string{"%3Cscript%3E", "..%2F..%2Fadmin", "'%20OR%201=1"} {
				for _, action := range []string{"archive", "restore", "delete"} {
					wantStatus(t, member.post("/isms/documents/"+bad+"/"+action, url.Values{"x": {"<script>"}}), http.StatusNotFound)
				}
			}
		})
	}
}
