package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// TestMeasureAndFrameworkArchivePages walks archiving, restoring and deleting
// measures and imported frameworks in English and Japanese: refusals name
// the references, buttons appear only for who may use them, other roles are
// refused, and archived measures leave the catalogue and the SoA.
func TestMeasureAndFrameworkArchivePages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"manager", "member", "auditor", "admin"} {
				clearLocale(t, e, who)
			}
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			cat, err := hikeshi.ParseCatalog(strings.NewReader(`<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><metadata><title>Own</title></metadata>` +
				`<group id="G"><title>Group</title><control id="C1"><title>One</title></control></group></catalog>`))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Frameworks.Import(context.Background(), hikeshi.SystemActor("test"), "own", "社内 <基準>", cat); err != nil {
				t.Fatal(err)
			}
			m := e.login("manager", lang)
			it := e.department("情報")
			res := m.post("/isms/measures", url.Values{"name": {"<i>Backups</i>"}, "status": {"partial"}, "department_id": {it.ID},
				"requirements": {"A.8.13\nown C1"}})
			wantStatus(t, res, http.StatusSeeOther)
			id := measureLink.FindStringSubmatch(res.header.Get("Location"))
			if id == nil {
				t.Fatalf("location %q", res.header.Get("Location"))
			}
			page := "/isms/measures/" + id[1]
			wantStatus(t, m.post("/isms/soa/A.8.13", url.Values{"applicable": {"yes"}, "justification": {"j"}, "status": {"partial"}}), http.StatusSeeOther)
			wantContains(t, m.get(page), `action="`+page+`/archive"`, `action="`+page+`/delete"`, "data-confirm=")
			for _, who := range []string{"member", "auditor"} {
				c := e.login(who, lang)
				res := c.get(page)
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.body, page+"/archive") || strings.Contains(res.body, page+"/delete") {
					t.Errorf("%s is offered archive or delete", who)
				}
				wantStatus(t, c.post(page+"/archive", url.Values{}), http.StatusForbidden)
				wantStatus(t, c.post(page+"/delete", url.Values{}), http.StatusForbidden)
			}
			// Delete is refused, naming what refers to the measure.
			res = m.post(page+"/delete", url.Values{})
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("Other records refer to this measure", "他の記録から参照されている"), "mapping iso27001-2022 A.8.13", "mapping own C1", "SoA A.8.13")
			// Archive: read-only, out of the catalogue and the SoA.
			res = m.post(page+"/archive", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			res = m.get(res.header.Get("Location"))
			wantContains(t, res, tr("Archived.", "アーカイブしました。"), `action="`+page+`/restore"`, "&lt;i&gt;Backups&lt;/i&gt;")
			if strings.Contains(res.body, `action="`+page+`" class="stack"`) {
				t.Error("an archived measure offers the edit form")
			}
			if strings.Contains(m.get("/isms/measures").body, page) {
				t.Error("the catalogue lists an archived measure")
			}
			wantContains(t, m.get("/isms/measures?archived=1"), page)
			if strings.Contains(m.get("/isms/soa").body, "&lt;i&gt;Backups") {
				t.Error("the SoA lists an archived measure")
			}
			res = m.post(page, url.Values{"name": {"x"}, "status": {"planned"}, "department_id": {it.ID}})
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("The measure is archived.", "この管理策はアーカイブ済みです。"))
			wantStatus(t, m.post(page+"/restore", url.Values{}), http.StatusSeeOther)
			wantContains(t, m.get("/isms/soa"), "&lt;i&gt;Backups")

			// A measure entered by mistake is deleted.
			res = m.post("/isms/measures", url.Values{"name": {"Typo"}, "status": {"planned"}})
			wantStatus(t, res, http.StatusSeeOther)
			typo := measureLink.FindStringSubmatch(res.header.Get("Location"))
			res = m.post("/isms/measures/"+typo[1]+"/delete", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			wantContains(t, m.get(res.header.Get("Location")), tr("The measure was deleted.", "管理策を削除しました。"))

			// Frameworks: admins archive and delete imported ones.
			admin := e.login("admin", lang)
			fw := "/isms/frameworks/own"
			wantContains(t, admin.get(fw), `action="`+fw+`/archive"`, `action="`+fw+`/delete"`)
			if res := m.get(fw); strings.Contains(res.body, fw+"/archive") {
				t.Error("a manager is offered archiving a framework")
			}
			wantStatus(t, m.post(fw+"/archive", url.Values{}), http.StatusForbidden)
			wantStatus(t, m.post(fw+"/delete", url.Values{}), http.StatusForbidden)
			if res := admin.get("/isms/frameworks/" + hikeshi.ISO27001Key); strings.Contains(res.body, "/delete") {
				t.Error("the built-in framework offers delete")
			}
			res = admin.post("/isms/frameworks/"+hikeshi.ISO27001Key+"/delete", url.Values{})
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("built into Hikeshi", "組み込まれている"))
			res = admin.post(fw+"/delete", url.Values{})
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("Measures or audit findings refer to this framework", "管理策または監査の指摘事項から参照されている"), "&lt;i&gt;Backups&lt;/i&gt;")
			res = admin.post(fw+"/archive", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			wantContains(t, admin.get("/isms/frameworks"), tr("Archived", "アーカイブ済み"))
			res = m.post("/isms/measures", url.Values{"name": {"New"}, "status": {"planned"}, "requirements": {"own C1"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, tr("The framework is archived", "アーカイブ済みのため"))
			wantStatus(t, admin.post(fw+"/restore", url.Values{}), http.StatusSeeOther)
			wantStatus(t, m.post(page, url.Values{"name": {"Backups"}, "status": {"partial"}, "department_id": {it.ID}, "requirements": {"A.8.13"}}), http.StatusSeeOther)
			res = admin.post(fw+"/delete", url.Values{})
			wantStatus(t, res, http.StatusSeeOther)
			wantContains(t, admin.get(res.header.Get("Location")), tr("The framework and its requirements were deleted.", "フレームワークとその要求事項を削除しました。"))
			wantStatus(t, admin.get(fw), http.StatusNotFound)
			for _, bad := range []string{"%3Cscript%3E", "..%2F..%2Fadmin", "UPPER"} {
				for _, action := range []string{"archive", "restore", "delete"} {
					wantStatus(t, admin.post("/isms/frameworks/"+bad+"/"+action, url.Values{}), http.StatusNotFound)
					wantStatus(t, admin.post("/isms/measures/"+bad+"/"+action, url.Values{}), http.StatusNotFound)
				}
			}
		})
	}
}
