package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/browsertest"
)

var vulnLeftKey = regexp.MustCompile(`\b(?:vulnerabilities|advisories)\.[a-z_]+(?:\.[a-z0-9_]+)*\b`)

// TestBrowserVulnerabilityToCSAF is the vulnerability half of issue 7's
// "done when", in a real Chromium, once with the UI in Japanese and once in
// English: the CSIRT records a vulnerability from the researcher's report of
// the demo (a bad CVSS vector first, refused with its position), drafts the
// advisory from it and submits it; the administrator approves it; the CSIRT
// publishes it. The document is then found through the CSAF provider's
// metadata (provider-metadata.json → directory → index.txt), fetched over
// HTTP without a session, and passes csaf_validator.
func TestBrowserVulnerabilityToCSAF(t *testing.T) {
	e := newEnv(t)
	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: "ja,en;q=0.5"})
	bg := context.Background()
	sys := hikeshi.SystemActor("test")
	reports, err := e.svc.Reports.List(bg, sys, hikeshi.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var reportID string
	for _, r := range reports {
		if r.Source == hikeshi.SourceExternal {
			reportID = r.ID
		}
	}
	assets, err := e.svc.Risks.ListAssets(bg, sys, hikeshi.InformationAssetFilter{Page: hikeshi.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	var portal string
	for _, a := range assets {
		if strings.Contains(a.Name, "Customer portal") {
			portal = a.ID
		}
	}
	if reportID == "" || portal == "" {
		t.Fatalf("the demo lacks the researcher's report (%q) or the portal asset (%q)", reportID, portal)
	}
	get := func(url string) string {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
		}
		return string(b)
	}
	csirt, admin := e.accounts["csirt"], e.accounts["admin"]

	for _, x := range flowTexts {
		f := &flowRun{t: t, e: e, ctx: ctx, x: x, step: browsertest.Stepper(t, ctx, 20*time.Second), eval: browsertest.Evaluator(t, ctx)}
		p := pdcaRun{f}
		lang := string(x.lang)
		check := func(where string) {
			t.Helper()
			if k := vulnLeftKey.FindString(f.eval(`document.body.innerText`)); k != "" {
				t.Errorf("%s %s: the page shows the message key %q instead of its text", lang, where, k)
			}
		}
		titleJA := "顧客ポータルの登録確認の問題 (" + lang + ")"
		titleEN := "Customer portal account check (" + lang + ")"

		f.signIn(csirt.Email, csirt.Password)
		p.open("/vulnerabilities/new?report=" + reportID)
		check("the editor")
		fields := map[string]string{
			"title_ja": titleJA, "description_ja": "パスワード再設定画面が、登録の有無で異なるメッセージを返します。3.2 に更新してください。",
			"title_en": titleEN, "description_en": "The password reset page answers registered and unregistered addresses differently. Update to 3.2.",
			"cvss31": "CVSS:3.1/AV:N/AC:L/PR:X/UI:N/S:U/C:L/I:N/A:N", "cvss40": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
			"vendor": "Demo Corp", "versions": "<= 3.1", "fix": "Update to 3.2", "severity": "medium",
			"ref_url": "https://owasp.org/www-project-web-security-testing-guide/", "ref_summary": "OWASP WSTG",
		}
		tick := chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="asset_id"][value="%s"]`, portal)))
		// A vector that does not parse: refused, with the position of PR's value (character 23).
		var fill []chromedp.Action[chromedp.Void]
		for k, v := range fields {
			fill = append(fill, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`form[action="/vulnerabilities"] [name="%s"]`, k)), v))
		}
		f.step("fill the vulnerability", append(fill, tick)...)
		f.load("refused vector", http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`form[action="/vulnerabilities"] button[type="submit"]`)))
		want := map[hikeshi.Locale]string{hikeshi.LocaleJA: "23 文字目", hikeshi.LocaleEN: "Position 23"}[x.lang]
		if got := p.problems(); !strings.Contains(got, want) {
			t.Errorf("%s: the refused vector says %q, want the position %q", lang, got, want)
		}
		check("the refused form")
		if f.eval(`document.querySelector('input[name="asset_id"]:checked') ? "y" : "n"`) != "y" || f.eval(`document.querySelector("#title_ja").value`) != titleJA {
			t.Errorf("%s: the form lost what was typed", lang)
		}
		fields["cvss31"] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
		p.post("record the vulnerability", "/vulnerabilities", map[string]string{"cvss31": fields["cvss31"]})
		vpath := f.path()
		if !strings.HasPrefix(vpath, "/vulnerabilities/") {
			t.Fatalf("%s: after recording, the page is %s: %s", lang, vpath, p.problems())
		}
		f.wantContains("the vulnerability", "main h1", map[hikeshi.Locale]string{hikeshi.LocaleJA: titleJA, hikeshi.LocaleEN: titleEN}[x.lang])
		if got := f.text("main"); !strings.Contains(got, "5.3") || !strings.Contains(got, "6.9") {
			t.Errorf("%s: the page does not show the scores 5.3 (v3.1) and 6.9 (v4.0)", lang)
		}
		check("the vulnerability")
		f.shot("vuln-01-recorded")

		p.post("draft the advisory", vpath+"/draft-advisory", map[string]string{"lang": lang, "tlp": "CLEAR"})
		apath := f.path()
		if !strings.HasPrefix(apath, "/advisories/") {
			t.Fatalf("%s: after drafting, the page is %s: %s", lang, apath, p.problems())
		}
		check("the draft")
		p.click("submit for review", fmt.Sprintf(`form[action="%s/submit"] button`, apath))
		f.signOut()

		f.signIn(admin.Email, admin.Password)
		p.open(apath)
		p.click("approve", fmt.Sprintf(`form[action="%s/approve"] button`, apath))
		f.signOut()

		f.signIn(csirt.Email, csirt.Password)
		p.open(apath)
		p.post("publish", apath+"/publish", map[string]string{"summary": "Initial publication"})
		check("the published advisory")
		p.open(vpath)
		if !strings.Contains(f.text("section[aria-labelledby=vuln-links]"), "ADV-") {
			t.Errorf("%s: the vulnerability does not show its advisory", lang)
		}
		f.shot("vuln-02-published")
		f.signOut()

		// The CSAF provider, without a session: metadata → directory → index.
		var meta struct {
			Distributions []struct {
				DirectoryURL string `json:"directory_url"`
			} `json:"distributions"`
		}
		if err := json.Unmarshal([]byte(get(e.srv.URL+"/.well-known/csaf/provider-metadata.json")), &meta); err != nil || len(meta.Distributions) == 0 {
			t.Fatalf("provider metadata: %v %+v", err, meta)
		}
		dir := meta.Distributions[0].DirectoryURL
		if i := strings.Index(dir, "/.well-known/"); i >= 0 {
			dir = e.srv.URL + dir[i:] // the document names the configured address; fetch from this server
		}
		dir = strings.TrimRight(dir, "/") + "/"
		found := false
		for _, l := range strings.Fields(get(dir + "index.txt")) {
			doc := get(dir + l)
			if !strings.Contains(doc, titleJA) {
				continue
			}
			found = true
			if !strings.Contains(doc, titleEN) || !strings.Contains(doc, `"lang": "`+lang+`"`) {
				t.Errorf("%s: the document lacks a language:\n%s", lang, doc)
			}
			if !strings.Contains(doc, fields["cvss31"]) || !strings.Contains(doc, "Customer portal") {
				t.Errorf("%s: the document lacks the vector or the product:\n%s", lang, doc)
			}
			checkCSAFText(t, l, doc)
		}
		if !found {
			t.Fatalf("%s: the provider does not list the advisory drafted from the vulnerability", lang)
		}
	}
}
