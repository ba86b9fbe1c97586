package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// TestReportingPages: the incident page's reporting section, the downloads,
// the communication form with hostile input, the draft editor and the
// templates page, for every role, in both languages.
func TestReportingPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, who := range []string{"csirt", "manager", "member", "admin", "auditor"} {
		clearLocale(t, e, who)
	}
	csirtUser := e.user("csirt")
	csirt := hikeshi.ActorFor(csirtUser, "test")
	green, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "報告テスト <b>x</b>", Category: "phishing",
		Impact: 2, Urgency: 2, TLP: hikeshi.TLPGreen, OwnerID: csirtUser.ID})
	if err != nil {
		t.Fatal(err)
	}
	red, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "secret red title", Category: "phishing",
		Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Clocks.SetFacts(ctx, csirt, green.ID, service.FactsInput{GDPR: true}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			c := e.login("csirt", lang)
			page := c.get("/incidents/" + green.ID)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, tr("Communication log", "コミュニケーション記録"), "/reports/internal_report/ja.pdf",
				"/reports/gdpr_art33/en/edit", `action="/incidents/`+green.ID+`/communications"`)
			if strings.Contains(page.body, "/reports/appi_preliminary/") {
				t.Error("an APPI draft is offered without the personal-data fact")
			}
			// Hostile communication input: shown again, nothing stored.
			base := "/incidents/" + green.ID + "/communications"
			future := time.Now().Add(48 * time.Hour).In(jst).Format("2006-01-02T15:04")
			bad := c.post(base, url.Values{"audience": {"customers"}, "channel": {"email"}, "summary": {`"><script>alert(1)</script>`}, "sent_at": {future}})
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			checkPage(t, bad, lang)
			wantContains(t, bad, tr("The time it was sent cannot be in the future.", "送付日時に未来の日時は入力できません。"), `value="`+future+`"`,
				"&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
			if strings.Contains(bad.body, "<script>alert(1)") {
				t.Error("the summary is not escaped")
			}
			for _, form := range []url.Values{
				{"audience": {"martians"}, "channel": {"email"}, "summary": {"x"}},
				{"audience": {"press"}, "channel": {"pigeon"}, "summary": {"x"}},
				{"audience": {"press"}, "channel": {"email"}, "summary": {""}},
				{"audience": {"press"}, "channel": {"email"}, "summary": {"x"}, "sent_at": {"yesterday"}},
				{"audience": {"regulator"}, "channel": {"email"}, "summary": {"x"}, "clock_id": {"../../etc/passwd"}},
				{"audience": {"press"}, "channel": {"email"}, "summary": {strings.Repeat("長", 4001)}},
			} {
				wantStatus(t, c.post(base, form), http.StatusUnprocessableEntity)
			}
			// A good one, with markup kept as text.
			ok := c.post(base, url.Values{"audience": {"press"}, "channel": {"website"}, "recipient": {"報道各社"},
				"summary": {"<b>公表</b> " + lang}})
			wantStatus(t, ok, http.StatusSeeOther)
			page = c.get("/incidents/" + green.ID)
			wantContains(t, page, "&lt;b&gt;公表&lt;/b&gt; "+lang, tr("Press and public", "報道・一般"))

			// Downloads.
			md := c.get("/incidents/" + green.ID + "/reports/internal_report/" + lang + ".md")
			wantStatus(t, md, http.StatusOK)
			if ct := md.header.Get("Content-Type"); ct != "text/markdown; charset=utf-8" || !strings.Contains(md.body, "報告テスト <b>x</b>") ||
				!strings.Contains(md.body, "TLP:GREEN") || !strings.Contains(md.header.Get("Content-Disposition"), "attachment") {
				t.Errorf("markdown %q %q:\n%s", ct, md.header.Get("Content-Disposition"), md.body)
			}
			pdf := c.get("/incidents/" + green.ID + "/reports/gdpr_art33/" + lang + ".pdf")
			wantStatus(t, pdf, http.StatusOK)
			if pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
				t.Errorf("pdf %q %.20q", pdf.header.Get("Content-Type"), pdf.body)
			}
			for _, p := range []string{"/reports/internal_report/fr.md", "/reports/internal_report/ja.exe", "/reports/nope/ja.md",
				"/reports/appi_final/ja.md", "/reports/internal_report/ja", "/reports/appi_final/ja/edit", "/reports/internal_report/ja/edit"} {
				wantStatus(t, c.get("/incidents/"+green.ID+p), http.StatusNotFound)
			}

			// The draft editor: generated, saved, refused when too long, discarded.
			edit := "/incidents/" + green.ID + "/reports/gdpr_art33/" + lang
			res := c.get(edit + "/edit")
			wantStatus(t, res, http.StatusOK)
			checkPage(t, res, lang)
			wantContains(t, res, "72")
			wantStatus(t, c.post(edit, url.Values{"body": {"# 草稿 <script>x</script>\r\nline"}}), http.StatusSeeOther)
			res = c.get(edit + "/edit?m=saved")
			wantContains(t, res, "# 草稿 &lt;script&gt;x&lt;/script&gt;\nline", tr("The draft was saved.", "下書きを保存しました。"))
			if md := c.get(edit + ".md"); md.body != "# 草稿 <script>x</script>\nline" {
				t.Errorf("saved draft download %q", md.body)
			}
			wantStatus(t, c.post(edit, url.Values{"body": {strings.Repeat("a", hikeshi.MaxReportDraftLen+1)}}), http.StatusUnprocessableEntity)
			wantStatus(t, c.post(edit, url.Values{"discard": {"1"}, "body": {"x"}}), http.StatusSeeOther)
			if md := c.get(edit + ".md"); strings.Contains(md.body, "草稿") {
				t.Error("the discarded draft is still served")
			}
			wantStatus(t, c.post("/incidents/"+green.ID+"/reports/appi_final/"+lang, url.Values{"body": {"x"}}), http.StatusNotFound)

			// Templates: refused with the line, saved, used, reset.
			tp := "/reporting/templates/public_statement/" + lang
			res = c.get("/reporting/templates")
			wantStatus(t, res, http.StatusOK)
			checkPage(t, res, lang)
			res = c.post(tp, url.Values{"body": {"# ok\n{{.Incident.Title\n"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, "line 2", "{{.Incident.Title\n")
			res = c.post(tp, url.Values{"body": {`{{range 100000000}}{{end}}`}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantStatus(t, c.post(tp, url.Values{"body": {"# 公表 {{.Incident.Number}} {{.Incident.TLP}}"}}), http.StatusSeeOther)
			if md := c.get("/incidents/" + green.ID + "/reports/public_statement/" + lang + ".md"); md.body != "# 公表 "+green.Number+" TLP:GREEN" {
				t.Errorf("custom template output %q", md.body)
			}
			wantStatus(t, c.post(tp+"/reset", nil), http.StatusSeeOther)
			wantStatus(t, c.get("/reporting/templates/nope/"+lang), http.StatusNotFound)
			wantStatus(t, c.post("/reporting/templates/nope/"+lang, url.Values{"body": {"x"}}), http.StatusNotFound)
		})
	}

	// Other roles.
	for _, who := range []string{"manager", "auditor", "member", "admin"} {
		t.Run(who, func(t *testing.T) {
			c := e.login(who, "en")
			wantStatus(t, c.get("/incidents/"+red.ID+"/reports/internal_report/ja.md"), http.StatusNotFound)
			if who == "admin" {
				wantStatus(t, c.get("/reporting/templates"), http.StatusOK)
				wantStatus(t, c.get("/incidents/"+green.ID+"/reports/gdpr_art33/en/edit"), http.StatusOK)
				return
			}
			wantStatus(t, c.get("/reporting/templates"), http.StatusForbidden)
			wantStatus(t, c.post("/reporting/templates/internal_report/en", url.Values{"body": {"# x"}}), http.StatusForbidden)
			if who == "member" {
				wantStatus(t, c.get("/incidents/"+green.ID+"/reports/internal_report/ja.md"), http.StatusNotFound)
				return
			}
			page := c.get("/incidents/" + green.ID)
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, "/reports/internal_report/en.md", "公表")
			if strings.Contains(page.body, "/communications\"") || strings.Contains(page.body, "/reports/gdpr_art33/") {
				t.Errorf("%s is offered the CSIRT's forms", who)
			}
			wantStatus(t, c.get("/incidents/"+green.ID+"/reports/internal_report/ja.md"), http.StatusOK)
			wantStatus(t, c.get("/incidents/"+green.ID+"/reports/gdpr_art33/en.md"), http.StatusForbidden)
			wantStatus(t, c.post("/incidents/"+green.ID+"/communications", url.Values{"audience": {"press"}, "channel": {"email"}, "summary": {"x"}}),
				http.StatusForbidden)
		})
	}
}
