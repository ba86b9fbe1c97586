package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hikeshi/hikeshi/internal/browsertest"
)

// TestBrowserSignInAndLanguage drives a real Chromium: sign in through the
// form, read the page in English, switch to Japanese with the header's
// switch and back, and check that the CSP let our own script and styles run.
func TestBrowserSignInAndLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := browsertest.NewWith(t, browsertest.Options{AcceptLanguage: "en-US,en"})
	admin := e.accounts["admin"]

	step := browsertest.Stepper(t, ctx, 20*time.Second)
	eval := browsertest.Evaluator(t, ctx)

	step("open the sign-in page",
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	if got := eval(`location.pathname`); got != "/login" {
		t.Fatalf("not signed in, / showed %s, want /login", got)
	}
	if got := eval(`document.documentElement.lang`); got != "en" {
		t.Errorf("sign-in page lang = %q, want en", got)
	}
	browsertest.Screenshot(t, ctx, "login-en-desktop")

	step("sign in",
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), admin.Password),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)),
	)
	if got := eval(`document.querySelector(".page-head h1").textContent`); !strings.Contains(got, "Welcome") {
		t.Errorf("heading = %q, want the English welcome", got)
	}
	if got := eval(`document.documentElement.lang`); got != "en" {
		t.Errorf("lang = %q, want en", got)
	}
	// The CSP allowed our script and stylesheet, and htmx added no inline style.
	if got := eval(`String(typeof window.htmx)`); got != "object" {
		t.Errorf("htmx did not load (typeof htmx = %s): is the CSP blocking it?", got)
	}
	if got := eval(`getComputedStyle(document.querySelector(".topbar")).display`); got != "flex" {
		t.Errorf("app.css not applied: .topbar display = %q", got)
	}
	if got := eval(`String(document.querySelectorAll("style").length)`); got != "0" {
		t.Errorf("%s <style> elements on the page; htmx must not inject styles", got)
	}
	browsertest.Screenshot(t, ctx, "home-en-desktop")

	step("switch to Japanese",
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="ja"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang="ja"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)),
	)
	if got := eval(`location.pathname`); got != "/" {
		t.Errorf("after the switch the page is %s, want /", got)
	}
	if got := eval(`document.querySelector(".page-head h1").textContent`); !strings.Contains(got, "ようこそ") {
		t.Errorf("heading = %q, want Japanese", got)
	}
	if got := eval(`document.querySelector(".sidenav").textContent`); !strings.Contains(got, "インシデント") || !strings.Contains(got, "監査ログ") {
		t.Errorf("navigation not in Japanese: %q", got)
	}
	browsertest.Screenshot(t, ctx, "home-ja-desktop")

	member, sales := e.user("member"), e.department("Sales")
	for _, p := range []string{"/admin/users", "/admin/audit", "/account", "/admin/users/" + member.ID, "/admin/departments", "/admin/departments/" + sales.ID} {
		step("open "+p, chromedp.Navigate(e.srv.URL+p), chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)))
		browsertest.Screenshot(t, ctx, "ja-desktop"+strings.ReplaceAll(p, "/", "-"))
	}
	step("a missing page", chromedp.Navigate(e.srv.URL+"/nothing/here"), chromedp.WaitVisible(chromedp.ID("error-title")))
	browsertest.Screenshot(t, ctx, "ja-desktop-404")

	step("filter users with htmx",
		chromedp.Navigate(e.srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.ID("f-role")),
		chromedp.SetValue(chromedp.ID("f-role"), "auditor"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-role").dispatchEvent(new Event("change", {bubbles: true}))`),
		chromedp.Poll[chromedp.Void](`location.search.includes("role=auditor") && document.querySelectorAll("#user-results tbody tr").length === 1`, chromedp.WithPollingTimeout(10*time.Second)),
	)

	step("phone-sized viewport",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)),
	)
	if got := eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
		t.Errorf("the home page scrolls sideways on a phone: scrollWidth %s > %s", eval(`String(document.documentElement.scrollWidth)`), eval(`String(window.innerWidth)`))
	}
	browsertest.Screenshot(t, ctx, "home-ja-phone")
	for _, p := range []string{"/admin/users", "/admin/audit", "/account"} {
		step("phone "+p, chromedp.Navigate(e.srv.URL+p), chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)))
		if got := eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
			t.Errorf("%s scrolls sideways on a phone", p)
		}
		browsertest.Screenshot(t, ctx, "ja-phone"+strings.ReplaceAll(p, "/", "-"))
	}

	step("switch back to English",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="en"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head h1`)),
	)
	if got := eval(`document.querySelector(".page-head h1").textContent`); !strings.Contains(got, "Welcome") {
		t.Errorf("heading = %q, want English again", got)
	}
}
