package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// env is an API over real services on a real database, with a first admin.
type env struct {
	t          *testing.T
	h          *Handler
	mux        http.Handler
	svc        *service.Services
	admin      hikeshi.User
	adminToken string
	logs       *bytes.Buffer
	check      *responseChecker // validates every response against the OpenAPI document
}

func newEnv(t *testing.T, db *store.DB, edit ...func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	svc := service.New(db, service.Options{})
	sys := hikeshi.SystemActor("test")
	admin, err := svc.Users.Create(ctx, sys, service.UserInput{Email: "admin@example.org", Name: "Admin", Role: hikeshi.RoleAdmin})
	if err != nil {
		t.Fatalf("create admin: %v", err)
	}
	_, secret, err := svc.Auth.CreateToken(ctx, sys, admin.ID, "test")
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	logs := &bytes.Buffer{}
	o := Options{Services: svc, Log: slog.New(slog.NewTextHandler(logs, nil)), BaseURL: "http://hikeshi.test"}
	for _, f := range edit {
		f(&o)
	}
	h := New(o)
	mux := http.NewServeMux()
	h.Register(mux)
	e := &env{t: t, h: h, mux: httpx.RequestIDs(mux), svc: svc, admin: admin, adminToken: secret, logs: logs}
	e.check = newResponseChecker(t, h.document())
	return e
}

// userWithToken creates a user through the services and returns it with a token.
func (e *env) userWithToken(email string, role hikeshi.Role, dept string) (hikeshi.User, string) {
	e.t.Helper()
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	u, err := e.svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: email, Role: role, DepartmentID: dept})
	if err != nil {
		e.t.Fatalf("create %s: %v", email, err)
	}
	_, secret, err := e.svc.Auth.CreateToken(ctx, sys, u.ID, "test")
	if err != nil {
		e.t.Fatalf("create token: %v", err)
	}
	return u, secret
}

// resp is a recorded response.
type resp struct {
	t      *testing.T
	status int
	header http.Header
	body   []byte
}

// req describes a request; body is JSON-encoded unless it is a string or []byte.
type req struct {
	method, path, token string
	body                any
	header              map[string]string
}

func (e *env) do(r req) *resp {
	e.t.Helper()
	var body io.Reader
	var raw []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	if r.body != nil {
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, hr)
	out := &resp{t: e.t, status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	e.check.check(e.t, r.method, r.path, raw, hr.Header, out)
	// No response ever carries a password hash or a token's hash.
	if bytes.Contains(out.body, []byte("$argon2")) || bytes.Contains(out.body, []byte(service.HashSecret(e.adminToken))) ||
		(r.token != "" && bytes.Contains(out.body, []byte(service.HashSecret(r.token)))) {
		e.t.Errorf("%s %s leaks a hash: %s", r.method, r.path, out.body)
	}
	return out
}

func (e *env) get(path, token string) *resp {
	return e.do(req{method: "GET", path: path, token: token})
}

// want fails the test unless the status is status.
func (r *resp) want(status int) *resp {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// into decodes the body into v.
func (r *resp) into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem checks that the response is a problem of kind k and returns it.
func (r *resp) problem(k kind) problemJSON {
	r.t.Helper()
	r.want(k.status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problemJSON
	r.into(&p)
	if p.Type != ProblemBase+k.slug || p.Status != k.status || p.Title == "" || p.Detail == "" || p.Instance == "" || p.RequestID == "" {
		r.t.Fatalf("problem %+v, want type %s status %d with title, detail, instance and request id", p, ProblemBase+k.slug, k.status)
	}
	return p
}

// wantField fails unless the problem names field with code.
func wantField(t *testing.T, p problemJSON, field, code string) {
	t.Helper()
	for _, f := range p.Errors {
		if f.Field == field && f.Code == code && f.Message != "" {
			return
		}
	}
	t.Fatalf("problem errors %+v do not name field %q with code %q", p.Errors, field, code)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func hasPrefixAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// with returns a copy of e that reports to t, for use inside a subtest.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}
