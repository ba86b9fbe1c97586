package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeJSON(t *testing.T) {
	type want struct {
		kind   string // problem slug; "" = success
		field  string // the field named in errors, if any
		code   string
		detail string // a substring of the detail
	}
	for _, tc := range []struct {
		name string
		body string
		want want
	}{
		{"valid", `{"name": "Mia", "role": "member"}`, want{}},
		{"valid with whitespace", " \n{\"name\": \"Mia\"}\n\t", want{}},
		{"empty", ``, want{kind: "bad-request", detail: "empty"}},
		{"only whitespace", "  \n", want{kind: "bad-request", detail: "empty"}},
		{"unknown field", `{"name": "Mia", "admin": true}`, want{kind: "bad-request", field: "admin", code: "unknown_field"}},
		{"field in another case", `{"NAME": "Mia"}`, want{kind: "bad-request", field: "NAME", code: "unknown_field"}},
		{"case-folded duplicate", `{"name": "Mia", "Name": "Eve"}`, want{kind: "bad-request", field: "Name", code: "unknown_field"}},
		{"duplicate field", `{"role": "member", "role": "admin"}`, want{kind: "bad-request", field: "role", code: "duplicate_field"}},
		{"wrong type", `{"name": 42}`, want{kind: "bad-request", field: "name", code: "wrong_type", detail: "must be a string, not a number"}},
		{"wrong type in optional", `{"locale": ["ja"]}`, want{kind: "bad-request", field: "locale", code: "wrong_type"}},
		{"array at top", `[{"name": "Mia"}]`, want{kind: "bad-request", detail: "must be a JSON object, not an array"}},
		{"string at top", `"Mia"`, want{kind: "bad-request", detail: "not a string"}},
		{"null at top", `null`, want{kind: "bad-request", detail: "not null"}},
		{"truncated", `{"name": "Mia"`, want{kind: "malformed-json", detail: "ends unexpectedly"}},
		{"syntax error", `{"name": Mia}`, want{kind: "malformed-json", detail: "offset 9"}},
		{"trailing object", `{"name": "Mia"}{"role": "admin"}`, want{kind: "malformed-json", detail: "data after the JSON object (at byte offset 15)"}},
		{"trailing garbage", `{"name": "Mia"} x`, want{kind: "malformed-json", detail: "data after"}},
		{"invalid UTF-8", "{\"name\": \"M\xffa\"}", want{kind: "malformed-json", detail: "UTF-8 (at byte offset 11)"}},
		{"too deep", `{"name": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, want{kind: "bad-request", detail: "nested"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v userPatchJSON
			err := decodeJSON([]byte(tc.body), &v)
			if tc.want.kind == "" {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an API problem", err)
			}
			if ae.kind.slug != tc.want.kind {
				t.Errorf("kind %s, want %s (%s)", ae.kind.slug, tc.want.kind, ae.detail)
			}
			if !strings.Contains(ae.detail, tc.want.detail) {
				t.Errorf("detail %q does not contain %q", ae.detail, tc.want.detail)
			}
			if tc.want.field != "" {
				if len(ae.fields) != 1 || ae.fields[0].Field != tc.want.field || ae.fields[0].Code != tc.want.code {
					t.Errorf("fields %+v, want %s/%s", ae.fields, tc.want.field, tc.want.code)
				}
			}
		})
	}
}

func TestDecodeMergePatch(t *testing.T) {
	var v userPatchJSON
	if err := decodeJSON([]byte(`{"name": "Mia", "department_id": null}`), &v); err != nil {
		t.Fatal(err)
	}
	want := userPatchJSON{
		Name:         optional[string]{Set: true, Value: "Mia"},
		DepartmentID: optional[string]{Set: true, Null: true},
	}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		contentType string
		wantKind    string
	}{
		{"application/json", ""},
		{"application/json; charset=utf-8", ""},
		{"Application/JSON", ""},
		{"application/merge-patch+json", ""},
		{"application/json; charset=latin1", "unsupported-media-type"},
		{"text/plain", "unsupported-media-type"},
		{"", "unsupported-media-type"},
		{"application/x-www-form-urlencoded", "unsupported-media-type"},
		{"multipart/form-data; boundary=x", "unsupported-media-type"},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			r := httptest.NewRequest("PATCH", "/", strings.NewReader(`{}`))
			r.Header.Set("Content-Type", tc.contentType)
			_, err := readBody(httptest.NewRecorder(), r, []string{"application/json", "application/merge-patch+json"})
			got := ""
			var ae *apiError
			if errors.As(err, &ae) {
				got = ae.kind.slug
			} else if err != nil {
				t.Fatalf("error %v is not an API problem", err)
			}
			if got != tc.wantKind {
				t.Errorf("got %q, want %q", got, tc.wantKind)
			}
		})
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat(" ", MaxBodyBytes+1)))
	r.Header.Set("Content-Type", "application/json")
	_, err := readBody(httptest.NewRecorder(), r, []string{"application/json"})
	var ae *apiError
	if !errors.As(err, &ae) || ae.kind.status != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the limit: %v, want too-large", err)
	}
}

// FuzzDecodeJSON throws hostile bytes at the decoder: it must never panic,
// must fail only with a 400 problem, and what it accepts must be a single
// JSON object without unknown or duplicate fields.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name": "Mia", "role": "member", "department_id": null, "locale": "ja"}`,
		`{"name": null}`, `{}`, `[]`, `null`, `{"a":1}`, `{"name":"x","name":"y"}`, `{"name": "\u0000"}`,
		`{"name": "x"}{}`, "{\"name\": \"\xff\"}", `{"name": 1e400}`, `{"locale": {"x": [1, 2, {"y": null}]}}`,
		strings.Repeat("[", 64), `{"name": "` + strings.Repeat(`\ud800`, 10) + `"}`, "\ufeff{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v userPatchJSON
		err := decodeJSON(data, &v)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an API problem", err)
			}
			if ae.kind.status != http.StatusBadRequest || ae.detail == "" {
				t.Fatalf("problem %s/%d with detail %q, want a 400 with a detail", ae.kind.slug, ae.kind.status, ae.detail)
			}
			return
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
			t.Fatalf("accepted %q, which is not a JSON object: %v", data, err)
		}
		for k := range obj {
			switch k {
			case "name", "role", "department_id", "locale":
			default:
				t.Fatalf("accepted unknown field %q in %q", k, data)
			}
		}
	})
}
