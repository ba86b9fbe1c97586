package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/browsertest"
	"github.com/hikeshi/hikeshi/internal/pdftest"
)

// TestBrowserIncidentReportPDF is the reporting half of issue 7's "done
// when", in a real Chromium, in English and Japanese: the CSIRT opens the
// demo's lost-laptop incident, sees its communication log (the preliminary
// report to the PPC recorded by the demo), and downloads the internal report
// as PDF through the link on the page; pdftotext finds the Japanese title
// and the TLP marking in it.
func TestBrowserIncidentReportPDF(t *testing.T) {
	for _, x := range flowTexts {
		t.Run(string(x.lang), func(t *testing.T) {
			pdftest.Need(t) // before starting Chromium
			e := newEnv(t)
			ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: x.accept})
			f := &flowRun{t: t, e: e, ctx: ctx, x: x, step: browsertest.Stepper(t, ctx, 20*time.Second), eval: browsertest.Evaluator(t, ctx)}
			p := pdcaRun{f}
			const title = "顧客名簿を含むノート PC の紛失"
			csirt := e.accounts["csirt"]
			f.signIn(csirt.Email, csirt.Password)
			list, err := e.svc.Incidents.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.IncidentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			href := ""
			for _, i := range list {
				if strings.HasPrefix(i.Title, title) {
					href = "/incidents/" + i.ID
				}
			}
			if href == "" {
				t.Fatal("the demo has no lost-laptop incident")
			}
			p.open(href)
			regulator, ppc := "Regulator", "Personal Information Protection Commission"
			if x.lang == "ja" {
				regulator = "規制当局"
			}
			f.wantContains("the communication log", "section[aria-labelledby=reporting]", regulator)
			f.wantContains("the communication log", "section[aria-labelledby=reporting]", ppc)
			f.shot("reporting-section")

			lang := string(x.lang)
			pdfHref := f.eval(`(document.querySelector('section[aria-labelledby=reporting] a[href$="/internal_report/ja.pdf"]') || {}).href || ""`)
			if !strings.HasSuffix(pdfHref, "/internal_report/ja.pdf") {
				t.Fatalf("no PDF link for the Japanese internal report (%s page)", lang)
			}
			// Download with the browser's session, as the link does.
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			res, err := chromedp.Run(sctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%s).then(async r => {
				const b = new Uint8Array(await r.arrayBuffer()); let s = "";
				for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
				return r.status + " " + r.headers.get("content-type") + " " + btoa(s); })`, flowJS(pdfHref)), chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.SplitN(res, " ", 3)
			if len(parts) != 3 || parts[0] != fmt.Sprint(http.StatusOK) || parts[1] != "application/pdf" {
				t.Fatalf("PDF download: %.200s", res)
			}
			pdf, err := base64.StdEncoding.DecodeString(parts[2])
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(pdftest.Text(t, pdf)), " ")
			for _, want := range []string{"インシデント報告書", title, "TLP:RED", "個人情報保護委員会"} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF's text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}
