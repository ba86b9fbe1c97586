package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHostileInput sends what an attacker or a broken client would, and
// checks each gets a clear answer and changes nothing.
func TestHostileInput(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "en")
	sales := e.department("Sales")
	member := e.user("member")
	long := strings.Repeat("長", 201)

	tests := []struct {
		name   string
		path   string
		body   string
		status int
		want   string
	}{
		{"oversized sign-in", "/login", "email=a%40b.c&password=" + strings.Repeat("x", 70<<10), http.StatusRequestEntityTooLarge, "more data than allowed"},
		{"oversized form", "/admin/departments", "kind=it&name=" + strings.Repeat("x", 2<<20), http.StatusRequestEntityTooLarge, "more data than allowed"},
		{"invalid UTF-8 name", "/admin/departments", "kind=it&name=Bad%FF%FEName", http.StatusBadRequest, "not valid text (UTF-8)"},
		{"invalid UTF-8 field name", "/admin/departments", "kind=it&name=ok&%FF=1", http.StatusBadRequest, "not valid text (UTF-8)"},
		{"malformed encoding", "/admin/departments", "kind=it&name=%zz", http.StatusBadRequest, "could not be read"},
		{"control characters", "/admin/departments", url.Values{"kind": {"it"}, "name": {"Evil\x1b[31mRed"}}.Encode(), http.StatusUnprocessableEntity, "cannot be used"},
		{"very long name", "/admin/departments", url.Values{"kind": {"it"}, "name": {long}}.Encode(), http.StatusUnprocessableEntity, "This is too long."},
		{"unknown kind", "/admin/departments", url.Values{"kind": {"shadow"}, "name": {"Shadow"}}.Encode(), http.StatusUnprocessableEntity, "Choose one of the offered options."},
		{"unknown role", "/admin/users/" + member.ID, url.Values{"name": {"x"}, "role": {"root"}, "department": {sales.ID}}.Encode(), http.StatusUnprocessableEntity, "Choose one of the offered options."},
		{"unknown department", "/admin/users/" + member.ID, url.Values{"name": {"x"}, "role": {"member"}, "department": {"nope"}}.Encode(), http.StatusUnprocessableEntity, "Choose one of the offered options."},
		{"unknown locale", "/admin/users/" + member.ID, url.Values{"name": {"x"}, "role": {"member"}, "department": {sales.ID}, "locale": {"tlh"}}.Encode(), http.StatusUnprocessableEntity, "Choose one of the offered options."},
		{"long user name", "/admin/users/" + member.ID, url.Values{"name": {long}, "role": {"member"}, "department": {sales.ID}}.Encode(), http.StatusUnprocessableEntity, "This is too long."},
		{"newline in user name", "/admin/users/" + member.ID, url.Values{"name": {"a\r\nb"}, "role": {"member"}, "department": {sales.ID}}.Encode(), http.StatusUnprocessableEntity, "cannot be used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := auditCount(t, e)
			res := c.postRaw(tt.path, tt.body, nil)
			wantStatus(t, res, tt.status)
			checkPage(t, res, "en")
			wantContains(t, res, tt.want)
			if strings.Contains(res.body, "goroutine ") || strings.Contains(res.body, "panic") {
				t.Errorf("the page leaks internals")
			}
			if got := auditCount(t, e); got != n {
				t.Errorf("the request changed data: %d new audit entries", got-n)
			}
		})
	}
	if got := e.user("member"); got.Name != member.Name || got.Role != member.Role {
		t.Errorf("member changed: %+v", got)
	}
}
