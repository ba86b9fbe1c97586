package browsertest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi/internal/browsertest"
)

func TestNewDrivesChromium(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="ja"><title>火消し</title><p id="lang">`+r.Header.Get("Accept-Language")+`</p>`)
	}))
	defer srv.Close()
	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: "ja,en"})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "火消し" {
		t.Fatalf("title = %q, %v", title, err)
	}
	lang, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("lang")))
	if err != nil || lang == "" || lang[:2] != "ja" {
		t.Errorf("Accept-Language sent = %q, %v; want it to start with ja", lang, err)
	}
}

func TestMissingBrowserSkips(t *testing.T) {
	if browsertest.Required() {
		t.Skip("HIKESHI_REQUIRE_BROWSER=1 turns a missing browser into a failure, which this test cannot show")
	}
	t.Setenv("HIKESHI_CHROMIUM", "/nonexistent/chromium")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		browsertest.New(t)
	})
	if !skipped {
		t.Errorf("a missing browser did not skip the test")
	}
}
