package web_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi/internal/browsertest"
)

var advLeftKey = regexp.MustCompile(`\badvisories\.[a-z_]+(?:\.[a-z0-9_]+)*\b`)

// TestBrowserAdvisoryToCSAF is the advisory half of issue 7's "done when",
// in a real Chromium, in English and Japanese: from the researcher's
// vulnerability report of the demo, the CSIRT writes an advisory in Japanese
// and English and submits it, the administrator approves it, the CSIRT
// publishes it; then the document is fetched from the CSAF provider's
// endpoints (index.txt → the year's file, its SHA-256) and passes
// csaf_validator.
func TestBrowserAdvisoryToCSAF(t *testing.T) {
	for _, x := range flowTexts {
		t.Run(string(x.lang), func(t *testing.T) {
			e := newEnv(t)
			ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: x.accept})
			f := &flowRun{t: t, e: e, ctx: ctx, x: x, step: browsertest.Stepper(t, ctx, 20*time.Second), eval: browsertest.Evaluator(t, ctx)}
			p := pdcaRun{f}
			shot := func(name string) { browsertest.Screenshot(t, ctx, "advisory-"+string(x.lang)+"-"+name) }
			check := func(where string) {
				t.Helper()
				if k := advLeftKey.FindString(f.eval(`document.body.innerText`)); k != "" {
					t.Errorf("%s: the page shows the message key %q instead of its text", where, k)
				}
			}
			titleJA, titleEN := "顧客ポータルでアカウントの有無が分かる問題", "Customer portal reveals which accounts exist"

			csirt, admin := e.accounts["csirt"], e.accounts["admin"]
			f.signIn(csirt.Email, csirt.Password)
			p.open("/advisories/new")
			check("the editor")
			p.post("write the advisory", "/advisories", map[string]string{
				"title_ja": titleJA, "body_ja": "外部の研究者から報告がありました。パスワード再設定画面が登録の有無で異なるメッセージを返します。3.2 に更新してください。",
				"title_en": titleEN, "body_en": "An outside researcher reported that the password reset page answers registered and unregistered addresses differently. Update to 3.2.",
				"lang": string(x.lang), "tlp": "CLEAR", "category": "csaf_security_advisory",
				"product_vendor": "Demo Corp", "product_product": "Customer portal", "product_versions": "<= 3.1",
				"product_remediation": "vendor_fix", "product_details": "Update to 3.2",
				"cvss":    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
				"ref_url": "https://owasp.org/www-project-web-security-testing-guide/", "ref_summary": "OWASP WSTG",
			})
			path := f.path()
			if !strings.HasPrefix(path, "/advisories/") {
				t.Fatalf("after writing, the page is %s: %s", path, p.problems())
			}
			check("the draft")
			p.click("submit for review", fmt.Sprintf(`form[action="%s/submit"] button`, path))
			shot("01-in-review")
			f.signOut()

			f.signIn(admin.Email, admin.Password)
			p.open(path)
			p.click("approve", fmt.Sprintf(`form[action="%s/approve"] button`, path))
			f.signOut()

			f.signIn(csirt.Email, csirt.Password)
			p.open(path)
			p.post("publish", path+"/publish", map[string]string{"summary": "Initial publication"})
			title := titleEN
			if x.lang == "ja" {
				title = titleJA
			}
			f.wantContains("the published advisory", "main h1", title)
			check("the published advisory")
			shot("02-published")

			// The CSAF provider's endpoints, without a session.
			get := func(path string) string {
				t.Helper()
				res, err := http.Get(e.srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
				}
				return string(b)
			}
			if !strings.Contains(get("/.well-known/csaf/provider-metadata.json"), `"csaf_provider"`) {
				t.Error("no provider metadata")
			}
			var file string
			for _, l := range strings.Fields(get("/.well-known/csaf/white/index.txt")) {
				doc := get("/.well-known/csaf/white/" + l)
				if strings.Contains(doc, titleJA) {
					file = l
					if !strings.Contains(doc, titleEN) || !strings.Contains(doc, `"lang": "`+string(x.lang)+`"`) {
						t.Errorf("the document lacks a language:\n%s", doc)
					}
					checkCSAFText(t, l, doc)
				}
			}
			if file == "" {
				t.Fatal("the provider does not list the advisory")
			}
			if !strings.Contains(get("/.well-known/csaf/white/changes.csv"), `"`+file+`"`) || len(strings.Fields(get("/.well-known/csaf/white/" + file + ".sha256"))[0]) != 64 {
				t.Error("changes.csv or the SHA-256 file does not name the document")
			}
		})
	}
}
