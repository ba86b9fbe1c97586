package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
)

// The OpenAPI document is checked by an independent implementation,
// pb33f/libopenapi-validator: the document against the OpenAPI 3.1 schema,
// and every response the scenario tests receive (and every request they
// make that succeeds) against the document.

// responseChecker validates traffic against the document.
type responseChecker struct {
	mu     sync.Mutex // the validator is shared by every test of the binary
	v      validator.Validator
	routes *http.ServeMux // the documented routes, to tell them from the catch-all
}

// checkers keeps one checker per document: building the validator compiles
// every schema of the document, which cost two thirds of this package's test
// time when each test built its own.
var checkers struct {
	sync.Mutex
	byDoc map[string]*responseChecker
}

func newResponseChecker(t *testing.T, doc []byte) *responseChecker {
	t.Helper()
	checkers.Lock()
	defer checkers.Unlock()
	if c, ok := checkers.byDoc[string(doc)]; ok {
		return c
	}
	c := buildResponseChecker(t, doc)
	if checkers.byDoc == nil {
		checkers.byDoc = map[string]*responseChecker{}
	}
	checkers.byDoc[string(doc)] = c
	return c
}

func buildResponseChecker(t *testing.T, doc []byte) *responseChecker {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatalf("libopenapi cannot read the document: %v", err)
	}
	v, errs := validator.NewValidator(d, config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatalf("libopenapi-validator cannot build a validator: %v", errs)
	}
	var paths struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &paths); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, ops := range paths.Paths {
		for m := range ops {
			mux.Handle(strings.ToUpper(m)+" "+p, http.NotFoundHandler())
		}
	}
	return &responseChecker{v: v, routes: mux}
}

func (c *responseChecker) check(t *testing.T, method, path string, body []byte, header http.Header, r *resp) {
	t.Helper()
	if err := c.validate(method, path, body, header, r.status, r.header, r.body); err != nil {
		t.Error(err)
	}
}

// validate checks one exchange; it returns nil for requests answered by the
// catch-all (404/405), which have no operation to check against.
func (c *responseChecker) validate(method, path string, body []byte, header http.Header, status int, rheader http.Header, rbody []byte) error {
	hr := httptest.NewRequest(method, path, bytes.NewReader(body))
	hr.Header = header.Clone()
	if _, pattern := c.routes.Handler(hr); pattern == "" {
		return nil
	}
	res := &http.Response{StatusCode: status, Header: rheader.Clone(), Body: io.NopCloser(bytes.NewReader(rbody)), Request: hr}
	c.mu.Lock()
	defer c.mu.Unlock()
	var ok bool
	var errs []*verrors.ValidationError
	if status < 300 {
		ok, errs = c.v.ValidateHttpRequestResponse(hr, res)
	} else {
		ok, errs = c.v.ValidateHttpResponse(hr, res)
	}
	if ok {
		return nil
	}
	var b strings.Builder
	for _, e := range wrap(errs) {
		b.WriteString("\n  " + e.String())
	}
	return fmt.Errorf("%s %s → %d does not match the OpenAPI document:%s\nbody: %s", method, path, status, b.String(), rbody)
}

// TestResponseCheckerCatchesDrift makes sure the checker is not vacuous.
func TestResponseCheckerCatchesDrift(t *testing.T) {
	c := newResponseChecker(t, New(Options{}).document())
	id := "0190a0b0-0000-7000-8000-000000000000"
	good := `{"id":"` + id + `","name":"IT","kind":"it","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	for _, tc := range []struct {
		name    string
		status  int
		header  http.Header
		body    string
		wantErr bool
	}{
		{"matching", 200, json, good, false},
		{"missing required field", 200, json, strings.Replace(good, `"name":"IT",`, "", 1), true},
		{"wrong type", 200, json, strings.Replace(good, `"name":"IT"`, `"name":5`, 1), true},
		{"value outside the enum", 200, json, strings.Replace(good, `"kind":"it"`, `"kind":"sales"`, 1), true},
		{"undocumented status", 418, problem, `{"type":"x","title":"x","status":418}`, true},
		{"problem", 404, problem, `{"type":"https://hikeshi.dev/problems/not-found","title":"Not found","status":404}`, false},
		{"problem without title", 404, problem, `{"type":"https://hikeshi.dev/problems/not-found","status":404}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.validate("GET", "/api/v1/departments/"+id, nil, http.Header{"Authorization": {"Bearer hks_x"}}, tc.status, tc.header, []byte(tc.body))
			if (err != nil) != tc.wantErr {
				t.Errorf("validate = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

// TestOpenAPIDocumentIsValid validates the document against the OpenAPI 3.1
// JSON Schema with libopenapi-validator.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	h := New(Options{})
	d, err := libopenapi.NewDocument(h.document())
	if err != nil {
		t.Fatalf("libopenapi cannot read the document: %v", err)
	}
	if v := d.GetVersion(); v != "3.1.0" {
		t.Errorf("version %q, want 3.1.0", v)
	}
	ok, errs := schema_validation.ValidateOpenAPIDocument(d)
	if !ok {
		for _, e := range errs {
			t.Errorf("document invalid: %s", (&validationError{e}).String())
		}
	}
	if _, errs := d.BuildV3Model(); errs != nil {
		t.Errorf("cannot build the model: %v", errs)
	}
}

// TestOpenAPICoversEveryRoute walks every pattern Register mounts and
// compares it with the document's operations, both ways.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	h := New(Options{})
	var registered []string
	h.register(func(pattern string, _ http.Handler) { registered = append(registered, pattern) })
	if !slices.Contains(registered, Prefix+"/") {
		t.Errorf("no catch-all %s/ registered", Prefix)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(h.document(), &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	var mounted []string
	for _, p := range registered {
		if p != Prefix+"/" {
			mounted = append(mounted, p)
		}
	}
	sort.Strings(documented)
	sort.Strings(mounted)
	if diff := cmp.Diff(documented, mounted); diff != "" {
		t.Errorf("documented operations (-) and mounted routes (+) differ:\n%s", diff)
	}

	// And each documented operation reaches its own handler on a real mux,
	// not the catch-all.
	mux := http.NewServeMux()
	h.Register(mux)
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		concrete := pathParam.ReplaceAllString(path, "0190a0b0-0000-7000-8000-000000000000")
		_, pattern := mux.Handler(httptest.NewRequest(method, concrete, nil))
		if pattern != op {
			t.Errorf("%s %s is served by %q, want %q", method, concrete, pattern, op)
		}
	}
}

// TestOpenAPIOperations checks what every operation must carry.
func TestOpenAPIOperations(t *testing.T) {
	h := New(Options{})
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                     `json:"operationId"`
			Summary     string                     `json:"summary"`
			Security    *[]any                     `json:"security"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(h.document(), &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			name := strings.ToUpper(m) + " " + p
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or not unique", name, op.OperationID)
			}
			ids[op.OperationID] = true
			if op.Summary == "" {
				t.Errorf("%s: no summary", name)
			}
			for _, code := range []string{"429", "500"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s: no %s response", name, code)
				}
			}
			public := op.Security != nil && len(*op.Security) == 0
			if _, ok := op.Responses["401"]; !ok && !public {
				t.Errorf("%s: authenticated but no 401 response", name)
			}
		}
	}
}

// TestOpenAPIServed checks the document is served without a token.
func TestOpenAPIServed(t *testing.T) {
	h := New(Options{})
	mux := http.NewServeMux()
	h.Register(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
}

// validationError prints a libopenapi-validator error with its details.
type validationError struct{ *verrors.ValidationError }

func wrap(es []*verrors.ValidationError) []*validationError {
	out := make([]*validationError, len(es))
	for i, e := range es {
		out[i] = &validationError{e}
	}
	return out
}

func (e *validationError) String() string {
	s := e.Message + ": " + e.Reason
	for _, f := range e.SchemaValidationErrors {
		s += "\n    " + f.Error() + " at " + f.KeywordLocation
	}
	return s
}
