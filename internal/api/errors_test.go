package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestClassify(t *testing.T) {
	storeConflict := fmt.Errorf("%w: %v", hikeshi.ErrConflict, errors.New("UNIQUE constraint failed: users.email"))
	for _, tc := range []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
		wantDetail string
		wantFields []fieldErrorJSON
		internal   bool
	}{
		{"not found", fmt.Errorf("get user: %w", hikeshi.ErrNotFound), 404, "not-found", kindNotFound.detail, nil, false},
		{"forbidden", fmt.Errorf("create user: %w", hikeshi.ErrForbidden), 403, "forbidden", "Create user.", nil, false},
		{"unauthenticated", hikeshi.ErrUnauthenticated, 401, "unauthenticated", kindUnauthenticated.detail, nil, false},
		{"service conflict", fmt.Errorf("delete department: the department still has 2 member(s); move them first: %w", hikeshi.ErrConflict),
			409, "conflict", "Delete department: the department still has 2 member(s); move them first.", nil, false},
		{"store conflict hides the driver", fmt.Errorf("update user: %w", storeConflict), 409, "conflict", "Update user.", nil, false},
		{"bare invalid", hikeshi.ErrInvalid, 422, "validation", kindValidation.detail, nil, false},
		{"validation", hikeshi.Invalid("name", "required", "a name is required"), 422, "validation", "a name is required",
			[]fieldErrorJSON{{"name", "required", "a name is required"}}, false},
		{"wrapped validation conflict", fmt.Errorf("create department: %w", hikeshi.Conflict("name", "taken")), 409, "conflict", "taken",
			[]fieldErrorJSON{{"name", "taken", "taken"}}, false},
		{"locked", hikeshi.ErrLocked, 423, "locked", kindLocked.detail, nil, false},
		{"rate limited", hikeshi.ErrRateLimited, 429, "rate-limited", kindRateLimited.detail, nil, false},
		{"api error", fieldError("limit", "out_of_range", "limit must be …"), 400, "bad-request", "limit must be …",
			[]fieldErrorJSON{{"limit", "out_of_range", "limit must be …"}}, false},
		{"unknown error is internal and says nothing", errors.New("pq: connection refused to 10.0.0.1"), 500, "internal", kindInternal.detail, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, internal := classify(tc.err)
			got := problemJSON{Type: p.Type, Status: p.Status, Detail: p.Detail, Errors: p.Errors}
			want := problemJSON{Type: ProblemBase + tc.wantType, Status: tc.wantStatus, Detail: tc.wantDetail, Errors: tc.wantFields}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
			if internal != tc.internal {
				t.Errorf("internal = %v, want %v", internal, tc.internal)
			}
			if strings.Contains(p.Detail, "UNIQUE") || strings.Contains(p.Detail, "10.0.0.1") {
				t.Errorf("detail leaks internals: %q", p.Detail)
			}
		})
	}
}

// TestKindsAreDistinct keeps the problem types stable and unambiguous.
func TestKindsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range allKinds {
		if seen[k.slug] || k.status < 400 || k.title == "" || k.detail == "" {
			t.Errorf("kind %+v is a duplicate or incomplete", k)
		}
		seen[k.slug] = true
	}
}

// TestInternalErrorIsLoggedOnce closes the database under the API: the
// client gets a 500 problem with the request id and no internals, and the
// log has exactly one line for it, with the same request id.
func TestInternalErrorIsLoggedOnce(t *testing.T) {
	db := storetest.NewSQLite(t)
	e := newEnv(t, db)
	db.Close()
	r := e.do(req{method: "GET", path: "/api/v1/departments", token: e.adminToken, header: map[string]string{"X-Request-ID": "req-500-test"}})
	p := r.problem(kindInternal)
	if p.RequestID != "req-500-test" || p.Detail != kindInternal.detail {
		t.Errorf("problem %+v", p)
	}
	logs := strings.TrimSpace(e.logs.String())
	if n := strings.Count(logs, "\n") + 1; logs == "" || n != 1 || !strings.Contains(logs, "request_id=req-500-test") {
		t.Errorf("want one log line with the request id, got:\n%s", logs)
	}
}

// TestPanicIsAProblem recovers a panicking handler into a logged 500 problem.
func TestPanicIsAProblem(t *testing.T) {
	db := storetest.NewSQLite(t)
	e := newEnv(t, db)
	rt := &route{method: "GET", path: "/panics", public: true, handle: func(*call) error { panic("secret-panic-value") }}
	w := httptest.NewRecorder()
	httpx.RequestIDs(e.h.serve(rt)).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/panics", nil))
	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
	if strings.Contains(w.Body.String(), "secret-panic-value") {
		t.Errorf("the panic leaks to the client: %s", w.Body)
	}
	if !strings.Contains(e.logs.String(), "secret-panic-value") {
		t.Errorf("the panic is not logged: %s", e.logs)
	}
}

// TestRateLimit answers 429 with Retry-After once a token's burst is spent,
// while another token is unaffected; failed authentications count per address.
func TestRateLimit(t *testing.T) {
	db := storetest.NewSQLite(t)
	e := newEnv(t, db, func(o *Options) { o.Limiter = httpx.NewLimiter(0.5, 3) })
	for range 3 {
		e.get("/api/v1/me", e.adminToken).want(http.StatusOK)
	}
	r := e.get("/api/v1/me", e.adminToken)
	r.problem(kindRateLimited)
	if ra := r.header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2", ra)
	}
	_, other := e.userWithToken("other@example.org", hikeshi.RoleAdmin, "")
	e.get("/api/v1/me", other).want(http.StatusOK)

	for range 3 {
		e.get("/api/v1/me", "hks_guess").problem(kindUnauthenticated)
	}
	e.get("/api/v1/me", "hks_guess").problem(kindRateLimited)
}
