package web_test

import (
	"context"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/demo"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/storetest"
	"github.com/hikeshi/hikeshi/internal/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fakeClock = clocktest.Clock

// env is the UI over real services on a fresh SQLite database with the demo
// organisation loaded.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	svc      *service.Services
	clock    *fakeClock
	accounts map[string]demo.Account // by e-mail's local part: admin, csirt, manager, member, factory, auditor
	demoReps map[string]bool         // ids of the reports demo.Load filed, which tests counting reports leave out
}

// cheapArgon keeps password hashing fast in tests.
var cheapArgon = service.ArgonParams{Memory: 64, Time: 1, Threads: 1}

var jst = time.FixedZone("JST", 9*3600)

type envOption func(*web.Options)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	db := storetest.NewSQLite(t)
	// The clock starts at the real time: cookie jars judge expiry by it.
	clock := clocktest.New(time.Now().UTC().Truncate(time.Second))
	svc := service.New(db, service.Options{Clock: clock, Argon: cheapArgon})
	accts, err := demo.Load(context.Background(), svc)
	if err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	// Tests sign in often from one address; TestDefaultLoginRateLimit checks the real limit.
	o := web.Options{Services: svc, Clock: clock, Location: jst, LoginLimiter: httpx.NewLimiter(1000, 1000)}
	for _, f := range opts {
		f(&o)
	}
	h, err := web.New(o)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(httpx.RequestIDs(mux))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, svc: svc, clock: clock, accounts: map[string]demo.Account{}, demoReps: map[string]bool{}}
	demoReps, err := svc.Reports.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range demoReps {
		e.demoReps[r.ID] = true
	}
	for _, a := range accts {
		local, _, _ := strings.Cut(a.Email, "@")
		e.accounts[local] = a
	}
	return e
}

// client is a browser-like client: a cookie jar, redirects not followed, an
// Accept-Language header.
type client struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) client(lang string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, lang: lang, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form the way a browser on the same origin does.
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	return c.postRaw(path, form.Encode(), nil)
}

func (c *client) postRaw(path, body string, hdr map[string]string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// login signs in as the demo account named by the local part of its e-mail.
func (e *env) login(who, lang string) *client {
	e.t.Helper()
	c := e.client(lang)
	a := e.accounts[who]
	res := c.post("/login", url.Values{"email": {a.Email}, "password": {a.Password}})
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d, body:\n%s", who, res.status, res.body)
	}
	return c
}

func (e *env) user(who string) hikeshi.User {
	e.t.Helper()
	u, err := e.svc.Users.FindByEmail(context.Background(), hikeshi.SystemActor("test"), e.accounts[who].Email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) department(name string) hikeshi.Department {
	e.t.Helper()
	ds, err := e.svc.Departments.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range ds {
		if strings.Contains(d.Name, name) {
			return d
		}
	}
	e.t.Fatalf("no department %q", name)
	return hikeshi.Department{}
}

func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.status != want {
		t.Fatalf("status %d, want %d; body:\n%s", res.status, want, res.body)
	}
}

func wantContains(t *testing.T, res response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(res.body, s) {
			t.Errorf("body lacks %q; body:\n%s", s, res.body)
		}
	}
}

// clearLocale empties a user's saved language so Accept-Language decides.
func clearLocale(t *testing.T, e *env, who string) {
	t.Helper()
	empty := hikeshi.Locale("")
	if _, err := e.svc.Users.Update(context.Background(), hikeshi.SystemActor("test"), e.user(who).ID, service.UserPatch{Locale: &empty}); err != nil {
		t.Fatal(err)
	}
}
