package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/web"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	admin := e.accounts["admin"]

	t.Run("anonymous home redirects to sign-in", func(t *testing.T) {
		res := e.client("en").get("/")
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.header.Get("Location"); got != "/login" {
			t.Errorf("Location = %q, want /login", got)
		}
	})

	t.Run("success sets a strict session cookie and goes to next", func(t *testing.T) {
		c := e.client("en")
		res := c.post("/login", url.Values{"email": {admin.Email}, "password": {admin.Password}, "next": {"/admin/users?role=member"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.header.Get("Location"); got != "/admin/users?role=member" {
			t.Errorf("Location = %q", got)
		}
		sc := res.header.Get("Set-Cookie")
		for _, want := range []string{"hikeshi_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %q", sc, want)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Errorf("Set-Cookie %q is Secure without Options.Secure", sc)
		}
		home := c.get("/")
		wantStatus(t, home, http.StatusOK)
		wantContains(t, home, admin.Name, "Sign out")
	})

	t.Run("signed-in visit to /login goes home", func(t *testing.T) {
		c := e.login("admin", "en")
		res := c.get("/login")
		wantStatus(t, res, http.StatusSeeOther)
	})

	t.Run("wrong password is a generic 401", func(t *testing.T) {
		for _, lang := range []string{"en", "ja"} {
			res := e.client(lang).post("/login", url.Values{"email": {admin.Email}, "password": {"not the password"}})
			wantStatus(t, res, http.StatusUnauthorized)
			checkPage(t, res, lang)
			want := map[string]string{"en": "The e-mail address or password is wrong.", "ja": "メールアドレスまたはパスワードが正しくありません。"}[lang]
			wantContains(t, res, want)
		}
		res := e.client("en").post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"whatever"}})
		wantStatus(t, res, http.StatusUnauthorized)
		wantContains(t, res, "The e-mail address or password is wrong.")
	})
}

func TestLoginSecureCookie(t *testing.T) {
	e := newEnv(t, func(o *web.Options) { o.Secure = true })
	a := e.accounts["admin"]
	res := e.client("en").post("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	wantStatus(t, res, http.StatusSeeOther)
	if sc := res.header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie %q lacks Secure", sc)
	}
}

func TestLoginLockout(t *testing.T) {
	e := newEnv(t)
	a := e.accounts["member"]
	c := e.client("en")
	var res response
	for range 5 {
		res = c.post("/login", url.Values{"email": {a.Email}, "password": {"wrong password!"}})
	}
	wantStatus(t, res, http.StatusLocked)
	until := e.clock.Now().Add(hikeshi.DefaultLoginPolicy.LockFor).In(jst).Format("15:04")
	wantContains(t, res, "This account is locked", until+" (local time)")
	// Even the right password is refused while locked.
	res = c.post("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	wantStatus(t, res, http.StatusLocked)
	if strings.Contains(res.body, "goroutine") || strings.Contains(res.body, ".go:") {
		t.Errorf("the page leaks a stack trace:\n%s", res.body)
	}
	// Japanese too.
	res = e.client("ja").post("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	wantStatus(t, res, http.StatusLocked)
	wantContains(t, res, "ロックされています", until+"（現地時刻）")

	e.clock.Advance(hikeshi.DefaultLoginPolicy.LockFor + time.Second)
	res = c.post("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	wantStatus(t, res, http.StatusSeeOther)
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(o *web.Options) { o.LoginLimiter = httpx.NewLimiter(1.0/6, 3) })
	c := e.client("en")
	for i := range 3 {
		res := c.post("/login", url.Values{"email": {"x" + string(rune('a'+i)) + "@example.org"}, "password": {"x"}})
		wantStatus(t, res, http.StatusUnauthorized)
	}
	a := e.accounts["admin"]
	res := c.post("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res, "Too many sign-in attempts")
	if res.header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After header")
	}
	if strings.Contains(res.header.Get("Set-Cookie"), "hikeshi_session=") && !strings.Contains(res.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("a rate-limited attempt signed in")
	}
}

func TestDefaultLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(o *web.Options) { o.LoginLimiter = nil })
	c := e.client("en")
	var got []int
	for range 11 {
		got = append(got, c.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"x"}}).status)
	}
	for i, s := range got[:10] {
		if s != http.StatusUnauthorized {
			t.Errorf("attempt %d: status %d, want 401", i+1, s)
		}
	}
	if got[10] != http.StatusTooManyRequests {
		t.Errorf("attempt 11: status %d, want 429", got[10])
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "en")
	other := e.login("admin", "en") // a second browser
	res := c.post("/logout", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.header.Get("Location"); got != "/login?m=signed_out" {
		t.Errorf("Location = %q", got)
	}
	wantStatus(t, c.get("/"), http.StatusSeeOther)
	wantStatus(t, other.get("/"), http.StatusOK)
	page := c.get("/login?m=signed_out")
	wantContains(t, page, "You have signed out.")
}

func TestLogoutEverywhere(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "en")
	other := e.login("admin", "en")
	third := e.login("auditor", "en")
	res := c.post("/logout/all", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.header.Get("Location"); got != "/login?m=signed_out_all" {
		t.Errorf("Location = %q", got)
	}
	wantStatus(t, c.get("/"), http.StatusSeeOther)
	res = other.get("/account")
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.header.Get("Location"); got != "/login?m=ended&next=%2Faccount" {
		t.Errorf("Location = %q", got)
	}
	wantStatus(t, third.get("/"), http.StatusOK)
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "en")
	wantStatus(t, c.get("/admin/users"), http.StatusOK)
	e.clock.Advance(hikeshi.DefaultSessionPolicy.Idle + time.Minute)
	res := c.get("/admin/users?role=admin")
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil || u.Path != "/login" || u.Query().Get("m") != "ended" || u.Query().Get("next") != "/admin/users?role=admin" {
		t.Fatalf("Location = %q", loc)
	}
	page := c.get(loc)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, "Your session has ended", `name="next" value="/admin/users?role=admin"`)
	// Signing in again returns to the page.
	a := e.accounts["admin"]
	res = c.post("/login", url.Values{"email": {a.Email}, "password": {a.Password}, "next": {"/admin/users?role=admin"}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.header.Get("Location"); got != "/admin/users?role=admin" {
		t.Errorf("Location = %q", got)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t)
	a := e.accounts["admin"]
	for _, next := range []string{
		"https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
		"http:/evil.example", "evil.example", "/\x00", "/\r\nLocation: https://evil.example", "/login", "",
	} {
		t.Run(next, func(t *testing.T) {
			c := e.client("en")
			res := c.post("/login", url.Values{"email": {a.Email}, "password": {a.Password}, "next": {next}})
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.header.Get("Location"); loc != "/" {
				t.Errorf("next=%q redirected to %q, want /", next, loc)
			}
			// The sign-in form does not carry it either.
			page := e.client("en").get("/login?next=" + url.QueryEscape(next))
			wantContains(t, page, `name="next" value="/"`)
			// Nor does the language switch.
			res = c.post("/lang", url.Values{"lang": {"ja"}, "next": {next}})
			if loc := res.header.Get("Location"); loc != "/" {
				t.Errorf("language switch with next=%q redirected to %q", next, loc)
			}
		})
	}
	t.Run("encoded path stays on the site", func(t *testing.T) {
		next := "/%0d%0aLocation:%20https://evil.example"
		res := e.client("en").post("/login", url.Values{"email": {a.Email}, "password": {a.Password}, "next": {next}})
		u, err := url.Parse(res.header.Get("Location"))
		if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(res.header.Get("Location"), "\r\n") {
			t.Errorf("Location = %q", res.header.Get("Location"))
		}
	})
}

func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "en")
	before, err := e.svc.Audit.List(context.Background(), hikeshi.ActorFor(e.user("admin"), "test"), hikeshi.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Evil Corp"}, "kind": {"it"}}.Encode()
	for name, hdr := range map[string]map[string]string{
		"sec-fetch-site": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"origin only":    {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
	} {
		t.Run(name, func(t *testing.T) {
			res := c.postRaw("/admin/departments", form, hdr)
			wantStatus(t, res, http.StatusForbidden)
			checkPage(t, res, "en")
			wantContains(t, res, "came from another site")
			// Signing out from another site is refused too.
			wantStatus(t, c.postRaw("/logout", "", hdr), http.StatusForbidden)
		})
	}
	after, err := e.svc.Audit.List(context.Background(), hikeshi.ActorFor(e.user("admin"), "test"), hikeshi.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("cross-origin requests changed data: %d audit entries before, %d after", len(before), len(after))
	}
	wantStatus(t, c.get("/"), http.StatusOK)
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, accept, cookie, want string
	}{
		{"default English", "", "", "en"},
		{"accept Japanese", "ja-JP,ja;q=0.9,en;q=0.8", "", "ja"},
		{"q-values decide", "en;q=0.5, ja;q=0.8", "", "ja"},
		{"refused language", "ja;q=0, *", "", "en"},
		{"unsupported falls back", "fr-FR, de", "", "en"},
		{"cookie beats header", "en", "ja", "ja"},
		{"bad cookie ignored", "ja", "xx", "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/login", nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "hikeshi_lang", Value: tt.cookie})
			}
			res := e.client("").do(req)
			checkPage(t, res, tt.want)
		})
	}

	t.Run("saved locale beats cookie and header", func(t *testing.T) {
		c := e.login("csirt", "en") // the demo CSIRT user saved Japanese
		checkPage(t, c.get("/"), "ja")
	})

	t.Run("switch saves the choice and returns", func(t *testing.T) {
		c := e.login("admin", "en")
		checkPage(t, c.get("/account"), "en")
		res := c.post("/lang", url.Values{"lang": {"ja"}, "next": {"/account"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.header.Get("Location"); got != "/account" {
			t.Errorf("Location = %q", got)
		}
		if sc := res.header.Get("Set-Cookie"); !strings.Contains(sc, "hikeshi_lang=ja") {
			t.Errorf("Set-Cookie = %q", sc)
		}
		page := c.get("/account")
		checkPage(t, page, "ja")
		wantContains(t, page, "アカウント設定")
		if got := e.user("admin").Locale; got != hikeshi.LocaleJA {
			t.Errorf("saved locale = %q", got)
		}
		// "Follow the browser" clears it again.
		wantStatus(t, c.post("/lang", url.Values{"lang": {""}, "next": {"/account"}}), http.StatusSeeOther)
		checkPage(t, c.get("/account"), "en")
	})

	t.Run("auditor switches by cookie", func(t *testing.T) {
		c := e.login("auditor", "en")
		wantStatus(t, c.post("/lang", url.Values{"lang": {"ja"}, "next": {"/"}}), http.StatusSeeOther)
		checkPage(t, c.get("/"), "ja")
	})

	t.Run("anonymous switch sets the cookie", func(t *testing.T) {
		c := e.client("en")
		wantStatus(t, c.post("/lang", url.Values{"lang": {"ja"}, "next": {"/login"}}), http.StatusSeeOther)
		checkPage(t, c.get("/login"), "ja")
	})

	t.Run("unknown language refused", func(t *testing.T) {
		res := e.login("admin", "en").post("/lang", url.Values{"lang": {"xx"}})
		wantStatus(t, res, http.StatusBadRequest)
	})
}
