package web_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

var measureLink = regexp.MustCompile(`/isms/measures/([0-9a-f-]{36})\?m=saved`)

// TestFrameworkPagesInBothLanguages walks frameworks, measures and the SoA
// in English and Japanese: a manager adds a measure (errors re-show what was
// typed, script shown as text), decides Annex A controls, reads the CSV back
// and prints; an auditor and a member read but change nothing.
func TestFrameworkPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"manager", "auditor", "member", "csirt", "admin"} {
				clearLocale(t, e, who)
			}
			tr := map[string]map[string]string{
				"en": {"frameworks": "Frameworks", "a51": "Policies for information security", "soa": "Statement of Applicability", "fix": "Please correct the marked fields.", "planned": "Planned"},
				"ja": {"frameworks": "フレームワーク", "a51": "情報セキュリティのための方針群", "soa": "適用宣言書", "fix": "印の付いた項目を修正してください。", "planned": "計画中"},
			}[lang]
			m := e.login("manager", lang)
			res := m.get("/isms/frameworks")
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, tr["frameworks"], "ISO/IEC 27001:2022", "/isms/frameworks/"+hikeshi.ISO27001Key)
			res = m.get("/isms/frameworks/" + hikeshi.ISO27001Key)
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, tr["a51"], `id="A.8.34"`)
			wantStatus(t, m.get("/isms/frameworks/none"), http.StatusNotFound)

			// Bad input re-shows the form with what was typed.
			res = m.post("/isms/measures", url.Values{"name": {""}, "description": {"<script>alert(1)</script>"}, "status": {"done"},
				"requirements": {"A.5.1\nA.99.1"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, tr["fix"], "&lt;script&gt;alert(1)&lt;/script&gt;", "A.99.1")
			if strings.Contains(res.body, "<script>alert(1)") {
				t.Error("script not escaped")
			}
			it := e.department("情報")
			res = m.post("/isms/measures", url.Values{"name": {"<b>MFA</b>"}, "status": {"partial"}, "department_id": {it.ID},
				"requirements": {"A.5.1\nA.8.5\n\n"}})
			wantStatus(t, res, http.StatusSeeOther)
			id := measureLink.FindStringSubmatch(res.header.Get("Location"))
			if id == nil {
				t.Fatalf("location %q", res.header.Get("Location"))
			}
			res = m.get("/isms/measures/" + id[1])
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, "&lt;b&gt;MFA&lt;/b&gt;", `action="/isms/measures/`+id[1]+`"`)
			res = m.post("/isms/measures/"+id[1], url.Values{"name": {"MFA"}, "status": {"implemented"}, "department_id": {it.ID}, "requirements": {"A.8.5"}})
			wantStatus(t, res, http.StatusSeeOther)
			wantContains(t, m.get("/isms/measures"), "MFA", `href="/isms/measures/`+id[1]+`"`)

			// The SoA.
			res = m.post("/isms/soa/A.8.5", url.Values{"applicable": {"yes"}, "justification": {""}, "status": {"implemented"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, tr["fix"])
			wantStatus(t, m.post("/isms/soa/A.8.5", url.Values{"applicable": {"yes"}, "justification": {"リスク R-1, \"MFA\""}, "status": {"implemented"}}), http.StatusSeeOther)
			wantStatus(t, m.post("/isms/soa/A.7.4", url.Values{"applicable": {"no"}, "justification": {"=cloud only"}}), http.StatusSeeOther)
			wantStatus(t, m.post("/isms/soa/A.9.9", url.Values{"applicable": {"no"}, "justification": {"x"}}), http.StatusNotFound)
			res = m.get("/isms/soa")
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, tr["soa"], `href="/isms/soa/A.8.5"`, "リスク R-1, &#34;MFA&#34;", "/isms/soa.csv", "?print=1", `class="sidenav"`)
			res = m.get("/isms/soa?print=1")
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res, tr["soa"], `id="A.8.5"`, "MFA")
			if strings.Contains(res.body, `class="sidenav"`) || strings.Contains(res.body, "<form") || strings.Contains(res.body, `href="/isms/soa/A.8.5"`) {
				t.Error("the printable SoA has navigation or forms")
			}
			wantStatus(t, m.get("/isms/soa/A.8.5"), http.StatusOK)

			// Readers: the auditor and a member read, and change nothing.
			for _, who := range []string{"auditor", "member"} {
				c := e.login(who, lang)
				res := c.get("/isms/soa")
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.body, `href="/isms/soa/A.8.5"`) {
					t.Errorf("%s is offered the SoA edit", who)
				}
				wantStatus(t, c.get("/isms/soa/A.8.5"), http.StatusForbidden)
				wantStatus(t, c.post("/isms/soa/A.8.5", url.Values{"applicable": {"no"}, "justification": {"x"}}), http.StatusForbidden)
				wantStatus(t, c.post("/isms/measures", url.Values{"name": {"x"}, "status": {"planned"}}), http.StatusForbidden)
				res = c.get("/isms/measures")
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.body, `action="/isms/measures"`) {
					t.Errorf("%s is offered the new-measure form", who)
				}
			}
			a := e.login("auditor", lang)
			wantStatus(t, a.post("/isms/measures/"+id[1], url.Values{"name": {"x"}, "status": {"planned"}}), http.StatusForbidden)

			res = a.get("/isms/soa.csv")
			wantStatus(t, res, http.StatusOK)
			if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.HasPrefix(res.body, "\uFEFF") {
				t.Fatalf("Content-Type %q", ct)
			}
			rows, err := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(res.body, "\uFEFF")))).ReadAll()
			if err != nil || len(rows) != 94 || strings.Join(rows[0], ",") != strings.Join(service.SoACSVHeader, ",") {
				t.Fatalf("csv: %d rows, %v", len(rows), err)
			}
			for _, r := range rows[1:] {
				switch r[0] {
				case "A.8.5":
					if r[4] != "yes" || r[5] != "リスク R-1, \"MFA\"" || r[6] != "implemented" || !slices.Contains(strings.Split(r[7], "; "), "MFA") {
						t.Errorf("A.8.5 %q", r)
					}
				case "A.7.4":
					if r[4] != "no" || r[5] != "'=cloud only" || r[6] != "not_applicable" {
						t.Errorf("A.7.4 %q", r)
					}
				}
			}
			_ = html.EscapeString
		})
	}
}
