package web_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/browsertest"
)

// TestBrowserReportWithAttachments sends the public report form from a real
// Chromium with files chosen in its file input: first one over the per-file
// limit (the form comes back with the text kept and the limit named), then
// two that fit.
func TestBrowserReportWithAttachments(t *testing.T) {
	e := newEnv(t, generousReports)
	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: "en-US,en"})
	step := browsertest.Stepper(t, ctx, 30*time.Second)
	eval := browsertest.Evaluator(t, ctx)
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := make([]byte, hikeshi.MaxAttachmentSize+1)
	rand.Read(big)
	bigPath := file("big.bin", big)
	htmlPath := file("page.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
	pngPath := file("shot.png", append([]byte("\x89PNG\r\n\x1a\n"), big[:2048]...))

	step("fill the form with a file over the limit",
		chromedp.Navigate(e.srv.URL+"/report"),
		chromedp.WaitVisible(chromedp.ID("description")),
		chromedp.SendKeys(chromedp.ID("description"), "Strange pop-up on my screen"),
		chromedp.SendKeys(chromedp.ID("contact"), "desk 42"),
		chromedp.SetUploadFiles(chromedp.ID("attachments"), []string{pngPath, bigPath}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("attachments-error")),
	)
	if got := eval(`document.getElementById("attachments-error").textContent`); !strings.Contains(got, "larger than 10 MiB") {
		t.Errorf("the limit message = %q", got)
	}
	if got := eval(`document.getElementById("description").value`); got != "Strange pop-up on my screen" {
		t.Errorf("the description was lost: %q", got)
	}
	if got := eval(`document.getElementById("contact").value`); got != "desk 42" {
		t.Errorf("the contact was lost: %q", got)
	}
	if n := len(mustReports(t, e)); n != 0 {
		t.Fatalf("%d reports after a refused form", n)
	}

	step("choose files that fit and send again",
		chromedp.SetUploadFiles(chromedp.ID("attachments"), []string{htmlPath, pngPath}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("followup-code")),
	)
	reps := mustReports(t, e)
	if len(reps) != 1 {
		t.Fatalf("%d reports, want 1", len(reps))
	}
	atts := reportAttachments(t, e, reps[0].ID)
	names := map[string]int64{}
	for _, a := range atts {
		names[a.Filename] = a.Size
	}
	if len(atts) != 2 || names["page.html"] == 0 || names["shot.png"] != 2056 {
		t.Errorf("attachments %+v", atts)
	}
}
