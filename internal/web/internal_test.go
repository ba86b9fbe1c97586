package web

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/service"
)

// usedKeys returns every catalogue key the UI can ask for: literal keys in
// templates and Go code, and the keys it builds from known values.
func usedKeys(t *testing.T) []string {
	t.Helper()
	keys := map[string]bool{}
	tmplKey := regexp.MustCompile(`\bT\s+"([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// String literals in Go code that look like keys of our namespaces.
	goKey := regexp.MustCompile(`"((?:a11y|nav|title|role|kind|locale|status|common|label|field|notice|login|error|home|user|users|department|departments|audit|account|form|footer|lang)\.[a-z0-9_.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix such as "role." + r
				keys[m[1]] = true
			}
		}
		// Notices named in redirects: ?m=name.
		for _, m := range regexp.MustCompile(`[?&]m=([a-z_]+)`).FindAllStringSubmatch(string(b), -1) {
			if _, login := loginMessages[m[1]]; !login {
				keys["notice."+m[1]] = true
			}
		}
	}
	for _, r := range hikeshi.Roles {
		keys["role."+string(r)] = true
	}
	for _, k := range hikeshi.DepartmentKinds {
		keys["kind."+string(k)] = true
	}
	for _, l := range i18n.Supported {
		keys["locale."+string(l)] = true
	}
	for _, a := range comingAreas {
		keys["nav."+a] = true
		keys["home.area."+a] = true
	}
	for _, code := range []string{"required", "too_long", "invalid_email", "unknown", "taken", "too_short", "wrong", "invalid_text", "mismatch", "invalid"} {
		keys["field."+code] = true
	}
	for _, s := range []int{400, 403, 404, 409, 413, 422, 423, 429, 500, 503} {
		keys[headingKey(s)] = true
		k, _ := messageKey(errors.New("x"), s)
		keys[k] = true
	}
	for _, f := range []string{"email", "name", "role", "department", "locale", "password", "new_password", "current_password", "confirm_password", "kind"} {
		keys["label."+f] = true // the error page names fields by label.<field>
	}
	h := testHandler(t, nil)
	for name := range h.pages.sets {
		keys["title."+name] = true
	}
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestUsedKeysInCatalogues fails when a template or handler uses a key that
// a catalogue lacks.
func TestUsedKeysInCatalogues(t *testing.T) {
	tr, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keys := usedKeys(t)
	if len(keys) < 100 {
		t.Fatalf("found only %d used keys; is the scan broken?", len(keys))
	}
	for _, k := range keys {
		for _, l := range i18n.Supported {
			if !tr.Has(l, k) {
				t.Errorf("key %q is used but missing from the %s catalogue", k, l)
			}
		}
	}
}

func TestLocalPath(t *testing.T) {
	tests := map[string]string{
		"":                              "/",
		"/":                             "/",
		"/admin/users?role=admin":       "/admin/users?role=admin",
		"/account#tokens":               "/account#tokens",
		"//evil.example":                "/",
		"/\\evil.example":               "/",
		"https://evil.example/x":        "/",
		"javascript:alert(1)":           "/",
		"evil.example":                  "/",
		"/a\nb":                         "/",
		"/a\x7fb":                       "/",
		"/login":                        "/",
		"/login?next=/x":                "/",
		"/ok\xff":                       "/",
		"/" + strings.Repeat("a", 3000): "/",
	}
	for in, want := range tests {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func testHandler(t *testing.T, log *slog.Logger) *Handler {
	t.Helper()
	h, err := New(Options{Services: &service.Services{}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// brokenView fails while its page renders.
type brokenView struct{ page }

func (brokenView) Fail() (string, error) { return "", errors.New("boom") }

// TestTemplateErrorIsClean500 checks that a failing template sends no half
// page but a clean 500 with the request id, logged once.
func TestTemplateErrorIsClean500(t *testing.T) {
	var logs bytes.Buffer
	h := testHandler(t, slog.New(slog.NewTextHandler(&logs, nil)))
	set, err := h.pages.sets["home"].Clone()
	if err != nil {
		t.Fatal(err)
	}
	template.Must(set.New("content").Parse(`<p>before</p>{{.Fail}}<p>after</p>`))
	h.pages.sets["broken"] = set
	fn := func(w http.ResponseWriter, r *http.Request) error {
		return h.render(w, r, http.StatusOK, "broken", &brokenView{})
	}
	srv := httptest.NewServer(httpx.RequestIDs(h.route(public, fn)))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Request-ID", "req-12345")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.StatusCode)
	}
	if strings.Contains(body.String(), "before") {
		t.Errorf("half of the broken page was sent")
	}
	for _, want := range []string{"req-12345", "Something went wrong", `<html lang="en">`} {
		if !strings.Contains(body.String(), want) {
			t.Errorf("500 page lacks %q", want)
		}
	}
	if n := strings.Count(logs.String(), "req-12345"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{hikeshi.ErrNotFound, 404},
		{hikeshi.ErrForbidden, 403},
		{hikeshi.Invalid("name", "required", "x"), 422},
		{hikeshi.Conflict("name", "x"), 409},
		{hikeshi.ErrConflict, 409},
		{&service.LockedError{}, 423},
		{&http.MaxBytesError{Limit: 1}, 413},
		{userError(400, "error.bad_form", nil), 400},
		{errors.New("disk on fire"), 500},
	}
	for _, tt := range tests {
		if got := statusOf(tt.err); got != tt.want {
			t.Errorf("statusOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestStaticCaching(t *testing.T) {
	h := testHandler(t, nil)
	mux := http.NewServeMux()
	h.Register(mux)
	u, err := h.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{u: "immutable", "/static/app.css": "max-age=300"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), want) {
			t.Errorf("%s: status %d, Cache-Control %q, want %q", path, rec.Code, rec.Header().Get("Cache-Control"), want)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
			t.Errorf("%s: Content-Type %q", path, rec.Header().Get("Content-Type"))
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/nope.js", nil))
	if rec.Code != 404 {
		t.Errorf("missing file: status %d", rec.Code)
	}
}
