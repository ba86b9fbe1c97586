package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	htmlLang  = regexp.MustCompile(`<html lang="([a-z]+)">`)
	scriptTag = regexp.MustCompile(`<script\b[^>]*>`)
	// rawKey matches a catalogue key that leaked into a page untranslated.
	rawKey = regexp.MustCompile(`\b(?:a11y|nav|title|role|kind|locale|status|common|label|field|notice|login|error|home|users|departments|account|form|footer|lang)\.[a-z_]+`)
)

// TestEveryPage renders every page in both languages and checks the
// language attribute, the absence of untranslated keys and that nothing
// would need the CSP relaxed (no inline scripts or styles).
func TestEveryPage(t *testing.T) {
	e := newEnv(t)
	member := e.user("member")
	dept := e.department("Sales")
	pages := []struct {
		who, path string
		status    int
	}{
		{"", "/login", http.StatusOK},
		{"", "/no/such/page", http.StatusNotFound},
		{"admin", "/", http.StatusOK},
		{"admin", "/account", http.StatusOK},
		{"admin", "/admin/users", http.StatusOK},
		{"admin", "/admin/users?role=member", http.StatusOK},
		{"admin", "/admin/users/new", http.StatusOK},
		{"admin", "/admin/users/" + member.ID, http.StatusOK},
		{"admin", "/admin/departments", http.StatusOK},
		{"admin", "/admin/departments/" + dept.ID, http.StatusOK},
		{"admin", "/admin/audit", http.StatusOK},
		{"admin", "/admin/audit?action=user.&since=2026-01-01", http.StatusOK},
		{"admin", "/no/such/page", http.StatusNotFound},
		{"auditor", "/admin/users/" + member.ID, http.StatusOK},
		{"auditor", "/admin/departments/" + dept.ID, http.StatusOK},
		{"member", "/admin/users", http.StatusForbidden},
	}
	for _, lang := range []string{"en", "ja"} {
		clients := map[string]*client{"": e.client(lang)}
		for _, who := range []string{"admin", "auditor", "member"} {
			// The demo member has Japanese saved; clear it so the header decides.
			clients[who] = e.login(who, lang)
		}
		clearLocale(t, e, "member")
		for _, p := range pages {
			t.Run(lang+" "+p.who+" "+p.path, func(t *testing.T) {
				res := clients[p.who].get(p.path)
				wantStatus(t, res, p.status)
				checkPage(t, res, lang)
			})
		}
	}
}

// checkPage checks what every HTML page must satisfy.
func checkPage(t *testing.T, res response, lang string) {
	t.Helper()
	m := htmlLang.FindStringSubmatch(res.body)
	if m == nil || m[1] != lang {
		t.Errorf("<html lang> = %v, want %q", m, lang)
	}
	if got := res.header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") || !strings.Contains(got, "style-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", got)
	}
	for _, tag := range scriptTag.FindAllString(res.body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script %q breaks the CSP", tag)
		}
	}
	for _, bad := range []string{" style=", "<style", " onclick=", " onsubmit=", "javascript:"} {
		if strings.Contains(res.body, bad) {
			t.Errorf("page contains %q, which the CSP blocks", bad)
		}
	}
	if !strings.Contains(res.body, `<meta name="viewport"`) || !strings.Contains(res.body, `content='{"includeIndicatorStyles":false}'`) {
		t.Errorf("page lacks the viewport or htmx-config meta")
	}
	if k := rawKey.FindString(stripAuditText(res.body)); k != "" {
		t.Errorf("untranslated key %q on the page", k)
	}
	if lang == "ja" && !strings.Contains(res.body, "Hikeshi") {
		t.Errorf("no brand on the page")
	}
}

// stripAuditText removes the parts of pages that legitimately show dotted
// action names (audit entries, the action filter's placeholder and hint).
func stripAuditText(body string) string {
	body = regexp.MustCompile(`(?s)<ol class="audit-list">.*?</ol>`).ReplaceAllString(body, "")
	body = regexp.MustCompile(`(?s)<form method="get" action="/admin/audit".*?</form>`).ReplaceAllString(body, "")
	return body
}
