package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/web"
)

// generousReports lifts the intake rate limits for tests that send many forms.
func generousReports(o *web.Options) {
	o.ReportLimiter = httpx.NewLimiter(1000, 1000)
	o.FollowUpLimiter = httpx.NewLimiter(1000, 1000)
}

var (
	tokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)
	codeField  = regexp.MustCompile(`id="followup-code"[^>]*value="([A-Z0-9-]{19})"`)
)

// formToken fetches a form and returns its one-time submission token.
func formToken(t *testing.T, c *client, path string) string {
	t.Helper()
	res := c.get(path)
	wantStatus(t, res, http.StatusOK)
	m := tokenField.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no submission token on %s", path)
	}
	return m[1]
}

func followUpCode(t *testing.T, res response) string {
	t.Helper()
	m := codeField.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no follow-up code on the page:\n%s", res.body)
	}
	return m[1]
}

func TestReportAnonymouslyAndFollowUp(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, generousReports)
			c := e.client(lang)
			form := c.get("/report")
			wantStatus(t, form, http.StatusOK)
			checkPage(t, form, lang)
			if lang == "en" {
				wantContains(t, form, "Thank you — reporting early helps everyone", `name="anonymous"`, `name="description"`, `name="noticed_at"`, `name="contact"`)
			}
			for _, bad := range []string{"culprit", "犯人", "blame who", "責任者"} {
				if strings.Contains(strings.ToLower(form.body), bad) {
					t.Errorf("the form asks for %q", bad)
				}
			}
			tok := tokenField.FindStringSubmatch(form.body)[1]
			xss := `<script>alert("x")</script><img src=x onerror=alert(1)>`
			vals := url.Values{"token": {tok}, "description": {"怪しいメール " + xss}, "noticed_at": {"2026-01-05T09:30"},
				"contact": {"内線 1234"}, "anonymous": {"1"}}
			res := c.post("/report", vals)
			wantStatus(t, res, http.StatusOK)
			checkPage(t, res, lang)
			code := followUpCode(t, res)
			if !strings.Contains(res.body, "RPT-") {
				t.Errorf("no report number on the thank-you page")
			}
			// The same form again (a double click): one report, the same page.
			again := c.post("/report", vals)
			wantStatus(t, again, http.StatusOK)
			if followUpCode(t, again) != code {
				t.Errorf("a double submit showed another code")
			}
			list := mustReports(t, e)
			if len(list) != 1 {
				t.Fatalf("%d reports after a double submit, want 1", len(list))
			}
			rep := list[0]
			if !rep.Anonymous || rep.Contact != "" || rep.ReporterUserID != "" || rep.NoticedAt.IsZero() {
				t.Errorf("stored report %+v", rep)
			}

			// The CSIRT sees it escaped and answers.
			clearLocale(t, e, "csirt")
			csirt := e.login("csirt", lang)
			page := csirt.get("/reports/" + rep.ID)
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			if strings.Contains(page.body, "<script>alert") || strings.Contains(page.body, "<img src=x") {
				t.Errorf("the report's HTML was not escaped")
			}
			wantContains(t, page, html.EscapeString(xss)[:20])
			ans := csirt.post("/reports/"+rep.ID+"/messages", url.Values{"body": {"ありがとうございます。対応中です。"}})
			wantStatus(t, ans, http.StatusSeeOther)
			list2 := csirt.get("/reports")
			wantStatus(t, list2, http.StatusOK)
			checkPage(t, list2, lang)
			wantContains(t, list2, rep.Number)

			// The reporter follows up with the code, typed in lower case.
			st := c.post("/report/status", url.Values{"code": {strings.ToLower(code)}})
			wantStatus(t, st, http.StatusOK)
			checkPage(t, st, lang)
			wantContains(t, st, rep.Number, "ありがとうございます。対応中です。")
			add := c.post("/report/status", url.Values{"code": {code}, "action": {"add"}, "body": {"追加の情報です"}})
			wantStatus(t, add, http.StatusOK)
			wantContains(t, add, "追加の情報です")
			_, msgs, _ := e.svc.Reports.Get(context.Background(), hikeshi.SystemActor("test"), rep.ID)
			if len(msgs) != 2 || msgs[1].Author != hikeshi.AuthorReporter {
				t.Errorf("thread %+v", msgs)
			}
		})
	}
}

func TestFollowUpWrongCodeLooksLikeUnknown(t *testing.T) {
	e := newEnv(t, generousReports)
	c := e.client("en")
	tok := formToken(t, c, "/report")
	code := followUpCode(t, c.post("/report", url.Values{"token": {tok}, "description": {"x"}}))
	wrong := []byte(code)
	if wrong[0] == 'A' {
		wrong[0] = 'B'
	} else {
		wrong[0] = 'A'
	}
	reqID := regexp.MustCompile(`<code>[^<]*</code>`)
	var bodies []string
	for _, bad := range []string{string(wrong), "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "short", ""} {
		res := c.post("/report/status", url.Values{"code": {bad}})
		wantStatus(t, res, http.StatusNotFound)
		checkPage(t, res, "en")
		wantContains(t, res, "No report matches this code")
		bodies = append(bodies, reqID.ReplaceAllString(res.body, ""))
	}
	for i := 1; i < len(bodies); i++ {
		if bodies[i] != bodies[0] {
			t.Errorf("answer %d differs from answer 0", i)
		}
	}
	// Adding information with a wrong code reveals nothing and adds nothing.
	res := c.post("/report/status", url.Values{"code": {string(wrong)}, "action": {"add"}, "body": {"x"}})
	wantStatus(t, res, http.StatusNotFound)
	if reqID.ReplaceAllString(res.body, "") != bodies[0] {
		t.Errorf("adding with a wrong code answers differently")
	}
	// The code never travels in a URL.
	form := c.get("/report/status")
	if !strings.Contains(form.body, `method="post" action="/report/status"`) {
		t.Errorf("the code form does not POST")
	}
}

func TestReportLimits(t *testing.T) {
	e := newEnv(t, generousReports)
	c := e.client("en")
	tok := formToken(t, c, "/report")

	t.Run("description too long keeps the text", func(t *testing.T) {
		long := strings.Repeat("長", hikeshi.MaxReportTextLen+1)
		res := c.post("/report", url.Values{"token": {tok}, "description": {long}, "contact": {"my desk"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		checkPage(t, res, "en")
		wantContains(t, res, "longer than 10000 characters", long, "my desk", `value="`+tok+`"`)
	})
	t.Run("body over 1 MiB keeps the text", func(t *testing.T) {
		long := strings.Repeat("a", hikeshi.MaxReportFormBytes+10)
		res := c.post("/report", url.Values{"token": {tok}, "description": {long}})
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		checkPage(t, res, "en")
		wantContains(t, res, "larger than 1 MiB", long)
	})
	t.Run("far too large is refused unread", func(t *testing.T) {
		res := c.postRaw("/report", "description="+strings.Repeat("a", 5<<20), nil)
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		checkPage(t, res, "en")
		wantContains(t, res, "1 MiB")
	})
	t.Run("noticed in the future", func(t *testing.T) {
		future := e.clock.Now().In(jst).Add(48 * time.Hour).Format("2006-01-02T15:04")
		res := c.post("/report", url.Values{"token": {tok}, "description": {"x"}, "noticed_at": {future}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "in the future")
	})
	t.Run("external needs an e-mail unless anonymous", func(t *testing.T) {
		xtok := formToken(t, c, "/report/external")
		res := c.post("/report/external", url.Values{"token": {xtok}, "description": {"XSS in search"}, "organisation": {"Lab"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		checkPage(t, res, "en")
		wantContains(t, res, "Please give an e-mail address", "XSS in search", `value="Lab"`)
		res = c.post("/report/external", url.Values{"token": {xtok}, "description": {"XSS in search"}, "organisation": {"Lab"}, "contact_email": {"r@example.net"}})
		wantStatus(t, res, http.StatusOK)
		followUpCode(t, res)
	})
	if n := len(mustReports(t, e)); n != 1 {
		t.Errorf("%d reports stored, want only the external one", n)
	}
}

// mustReports lists the reports a test filed, newest first: the demo's are left out.
func mustReports(t *testing.T, e *env) []hikeshi.Report {
	t.Helper()
	list, err := e.svc.Reports.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []hikeshi.Report
	for _, r := range list {
		if !e.demoReps[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

func TestReportRateLimit(t *testing.T) {
	e := newEnv(t, func(o *web.Options) {
		o.ReportLimiter = httpx.NewLimiter(0.0001, 2)
		o.FollowUpLimiter = httpx.NewLimiter(0.0001, 2)
	})
	c := e.client("en")
	for i := range 2 {
		tok := formToken(t, c, "/report")
		wantStatus(t, c.post("/report", url.Values{"token": {tok}, "description": {"report"}}), http.StatusOK)
		_ = i
	}
	tok := formToken(t, c, "/report")
	res := c.post("/report", url.Values{"token": {tok}, "description": {"my third report"}})
	wantStatus(t, res, http.StatusTooManyRequests)
	checkPage(t, res, "en")
	wantContains(t, res, "Please wait", "my third report")
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	for range 2 {
		c.post("/report/status", url.Values{"code": {"AAAA-AAAA-AAAA-AAAA"}})
	}
	res = c.post("/report/status", url.Values{"code": {"AAAA-AAAA-AAAA-AAAA"}})
	wantStatus(t, res, http.StatusTooManyRequests)
	checkPage(t, res, "en")
	if n := len(mustReports(t, e)); n != 2 {
		t.Errorf("%d reports, want 2", n)
	}
}

func TestReportSignInSetting(t *testing.T) {
	e := newEnv(t, generousReports)
	anon := e.client("en")
	wantStatus(t, anon.get("/report"), http.StatusOK) // default: no sign-in needed

	admin := e.login("admin", "en")
	page := admin.get("/admin/settings")
	wantStatus(t, page, http.StatusOK)
	checkPage(t, page, "en")
	res := admin.post("/admin/settings", url.Values{"require_signin": {"1"}, "security_contacts": {"javascript:alert(1)"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "https:, mailto: or tel:")
	res = admin.post("/admin/settings", url.Values{"require_signin": {"1"}, "security_contacts": {"security@example.org"}})
	wantStatus(t, res, http.StatusSeeOther)
	// A member may not change the settings.
	member := e.login("member", "en")
	wantStatus(t, member.post("/admin/settings", url.Values{}), http.StatusForbidden)

	res = anon.get("/report")
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, "next=%2Freport") {
		t.Errorf("redirect to %q", loc)
	}
	wantStatus(t, anon.post("/report", url.Values{"description": {"x"}}), http.StatusSeeOther)
	// The external form stays open.
	wantStatus(t, anon.get("/report/external"), http.StatusOK)

	// Signed in, the member reports under their name and sees it in their list.
	tok := formToken(t, member, "/report")
	wantStatus(t, member.post("/report", url.Values{"token": {tok}, "description": {"社内 Wi-Fi が不安定"}}), http.StatusOK)
	tok = formToken(t, member, "/report")
	wantStatus(t, member.post("/report", url.Values{"token": {tok}, "description": {"匿名の報告"}, "anonymous": {"1"}}), http.StatusOK)
	mine := member.get("/reports")
	wantStatus(t, mine, http.StatusOK)
	wantContains(t, mine, "社内 Wi-Fi が不安定", `href="/reports"`)
	if strings.Contains(mine.body, "匿名の報告") {
		t.Error("the member's list shows the anonymous report")
	}
	reps := mustReports(t, e)
	for _, r := range reps {
		res := member.get("/reports/" + r.ID)
		if r.Anonymous {
			wantStatus(t, res, http.StatusNotFound)
		} else {
			wantStatus(t, res, http.StatusOK)
		}
	}
	// Another member sees neither.
	other := e.login("factory", "en")
	for _, r := range reps {
		wantStatus(t, other.get("/reports/"+r.ID), http.StatusNotFound)
	}
	if strings.Contains(other.get("/reports").body, "社内 Wi-Fi") {
		t.Error("another member sees the report")
	}
	// Managers read but cannot answer.
	mgr := e.login("manager", "en")
	page = mgr.get("/reports/" + reps[0].ID)
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(page.body, `/messages"`) {
		t.Error("the manager is offered the answer form")
	}
	wantStatus(t, mgr.post("/reports/"+reps[0].ID+"/messages", url.Values{"body": {"x"}}), http.StatusForbidden)
}

func TestSecurityTxt(t *testing.T) {
	e := newEnv(t, func(o *web.Options) { o.BaseURL = "https://hikeshi.example.org/" })
	c := e.client("en")
	res := c.get("/.well-known/security.txt")
	wantStatus(t, res, http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	fields := map[string][]string{}
	for _, line := range strings.Split(res.body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("malformed line %q", line)
		}
		fields[k] = append(fields[k], v)
	}
	want := map[string]string{
		"Contact":             "https://hikeshi.example.org/report/external",
		"Preferred-Languages": "ja, en",
		"Canonical":           "https://hikeshi.example.org/.well-known/security.txt",
	}
	for k, v := range want {
		if len(fields[k]) != 1 || fields[k][0] != v {
			t.Errorf("%s = %v, want %q", k, fields[k], v)
		}
	}
	if len(fields["Expires"]) != 1 {
		t.Fatalf("Expires %v", fields["Expires"])
	}
	exp, err := time.Parse(time.RFC3339, fields["Expires"][0])
	now := e.clock.Now()
	if err != nil || !exp.After(now) || exp.After(now.AddDate(1, 0, 0)) {
		t.Errorf("Expires %v (%v) is not within a year ahead of %v", exp, err, now)
	}
	// Admins set the contacts.
	admin := e.login("admin", "en")
	wantStatus(t, admin.post("/admin/settings", url.Values{"security_contacts": {"security@example.org\nhttps://example.org/psirt"},
		"security_policy": {"https://example.org/disclosure"}}), http.StatusSeeOther)
	res = c.get("/.well-known/security.txt")
	wantContains(t, res, "Contact: mailto:security@example.org\nContact: https://example.org/psirt\n", "Policy: https://example.org/disclosure\n")
	recs, _ := e.svc.Audit.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.AuditFilter{Action: "settings.update"})
	if len(recs) != 1 {
		t.Errorf("%d settings.update entries, want 1", len(recs))
	}
}

func TestReportPages(t *testing.T) {
	e := newEnv(t, generousReports)
	c := e.client("")
	tok := formToken(t, c, "/report")
	wantStatus(t, c.post("/report", url.Values{"token": {tok}, "description": {"x"}}), http.StatusOK)
	rep := mustReports(t, e)[0]
	for _, lang := range []string{"en", "ja"} {
		pub := e.client(lang)
		for _, p := range []string{"/report", "/report/external", "/report/status"} {
			res := pub.get(p)
			wantStatus(t, res, http.StatusOK)
			checkPage(t, res, lang)
		}
		for _, who := range []string{"admin", "csirt", "auditor", "member"} {
			u := e.login(who, lang)
			clearLocale(t, e, who)
			u.lang = lang
			for _, p := range []string{"/reports", "/reports?status=new", "/admin/settings", "/reports/" + rep.ID} {
				res := u.get(p)
				want := http.StatusOK
				switch {
				case (who == "member" || who == "csirt") && p == "/admin/settings":
					want = http.StatusForbidden
				case who == "member" && strings.HasPrefix(p, "/reports/"):
					want = http.StatusNotFound
				}
				wantStatus(t, res, want)
				checkPage(t, res, lang)
				if m := regexp.MustCompile(`\b(?:report|reports|settings)\.[a-z_]+\.?[a-z_]*`).FindString(stripReportText(res.body)); m != "" {
					t.Errorf("%s %s: untranslated key %q", who, p, m)
				}
			}
		}
	}
}

// stripReportText drops what legitimately looks like a key: file names and URLs.
func stripReportText(body string) string {
	return regexp.MustCompile(`security\.txt|/reports[^"]*|example\.org`).ReplaceAllString(body, "")
}
