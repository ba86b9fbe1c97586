// Package browsertest starts a real headless Chromium for browser tests,
// driven through chromedp.
//
// The browser is Debian's chromium at /usr/bin/chromium, or the executable
// named by HIKESHI_CHROMIUM. Without one, tests skip with a message, unless
// HIKESHI_REQUIRE_BROWSER=1, when they fail: CI sets it so that a missing
// browser cannot turn the browser tests silently green.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// Path returns the browser to use, or an error saying how to get one.
func Path() (string, error) {
	p := os.Getenv("HIKESHI_CHROMIUM")
	if p == "" {
		p = DefaultPath
	}
	found, err := exec.LookPath(p)
	if err != nil {
		return "", fmt.Errorf("no Chromium at %s (install it with `apt-get install chromium fonts-noto-cjk`, or set HIKESHI_CHROMIUM): %w", p, err)
	}
	return found, nil
}

// Required reports whether a missing browser must fail the tests.
func Required() bool { return os.Getenv("HIKESHI_REQUIRE_BROWSER") == "1" }

// Options adjust the browser.
type Options struct {
	Width, Height  int    // window size; zero gives 1280×900
	AcceptLanguage string // the browser's languages, e.g. "ja,en"; empty gives "en-US,en"
}

// New starts a headless Chromium with a fresh profile and returns a chromedp
// context for one tab. The browser stops when the test ends. Run actions with
// chromedp.Do and chromedp.Run on the returned context; for a time limit on a
// step, derive a context with context.WithTimeout from it.
func New(t testing.TB) context.Context { return NewWith(t, Options{}) }

// NewWith is New with options.
func NewWith(t testing.TB, o Options) context.Context {
	t.Helper()
	path, err := Path()
	if err != nil {
		if Required() {
			t.Fatalf("browsertest: HIKESHI_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browsertest: skipping browser test: %v", err)
	}
	if o.Width == 0 || o.Height == 0 {
		o.Width, o.Height = 1280, 900
	}
	if o.AcceptLanguage == "" {
		o.AcceptLanguage = "en-US,en"
	}
	profile, err := os.MkdirTemp("", "hikeshi-chromium-*")
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in containers, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.Flag("lang", strings.Split(o.AcceptLanguage, ",")[0]),
		chromedp.Flag("accept-lang", o.AcceptLanguage),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		removeAll(profile)
	})
	// Start the browser now, so a broken installation fails here, clearly.
	start, cancelStart := context.WithTimeout(ctx, 60*time.Second)
	defer cancelStart()
	startErr := make(chan error, 1)
	go func() { startErr <- chromedp.Do(ctx) }()
	select {
	case err := <-startErr:
		if err != nil {
			t.Fatalf("browsertest: starting %s: %v", path, err)
		}
	case <-start.Done():
		t.Fatalf("browsertest: %s did not start within a minute", path)
	}
	return ctx
}

// removeAll deletes the profile; Chromium may still be writing to it for a
// moment after it was told to stop.
func removeAll(dir string) {
	for range 20 {
		if err := os.RemoveAll(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Screenshot saves a full-page PNG of the tab as name.png in
// $HIKESHI_SCREENSHOT_DIR (created when missing), or in the test's temp
// directory, logs where, and returns the path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("HIKESHI_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == os.PathSeparator || r == ' ' {
			return '_'
		}
		return r
	}, name)
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// Stepper returns a function that runs a named group of browser actions
// within timeout and fails the test, naming the step, when one fails.
func Stepper(t testing.TB, ctx context.Context, timeout time.Duration) func(name string, actions ...chromedp.Action[chromedp.Void]) {
	return func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// Evaluator returns a function that evaluates a JavaScript expression to a
// string in the page, failing the test when that does not work within 10 s.
func Evaluator(t testing.TB, ctx context.Context) func(expr string) string {
	return func(expr string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
}
