package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
)

// auditCount counts audit entries, to show that refused requests change nothing.
func auditCount(t *testing.T, e *env) int {
	t.Helper()
	recs, err := e.svc.Audit.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.AuditFilter{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func TestAdminAuthorization(t *testing.T) {
	e := newEnv(t)
	member := e.user("member")
	dept := e.department("Sales")

	t.Run("member gets 403 on admin pages", func(t *testing.T) {
		c := e.login("factory", "en")
		for _, p := range []string{"/admin", "/admin/users", "/admin/users/new", "/admin/users/" + member.ID,
			"/admin/departments", "/admin/departments/" + dept.ID, "/admin/audit"} {
			res := c.get(p)
			wantStatus(t, res, http.StatusForbidden)
			checkPage(t, res, "en")
		}
		// No admin links in its navigation.
		home := c.get("/")
		if strings.Contains(home.body, `href="/admin/`) {
			t.Errorf("a member's page links to the admin area")
		}
	})

	t.Run("member cannot post admin changes", func(t *testing.T) {
		c := e.login("factory", "en")
		n := auditCount(t, e)
		for _, req := range []struct {
			path string
			form url.Values
		}{
			{"/admin/users", url.Values{"email": {"new@example.org"}, "name": {"New"}, "role": {"admin"}}},
			{"/admin/users/" + member.ID, url.Values{"name": {"x"}, "role": {"admin"}, "department": {dept.ID}}},
			{"/admin/users/" + member.ID + "/disable", nil},
			{"/admin/departments", url.Values{"name": {"Shadow IT"}, "kind": {"it"}}},
			{"/admin/departments/" + dept.ID + "/delete", nil},
		} {
			res := c.post(req.path, req.form)
			if res.status != http.StatusForbidden {
				t.Errorf("POST %s: status %d, want 403", req.path, res.status)
			}
		}
		if got := auditCount(t, e); got != n {
			t.Errorf("refused posts wrote %d audit entries", got-n)
		}
	})

	t.Run("auditor reads but cannot change", func(t *testing.T) {
		c := e.login("auditor", "en")
		for _, p := range []string{"/admin/users", "/admin/users/" + member.ID, "/admin/departments", "/admin/departments/" + dept.ID, "/admin/audit"} {
			res := c.get(p)
			wantStatus(t, res, http.StatusOK)
			if strings.Contains(res.body, `method="post" action="/admin/`) {
				t.Errorf("%s shows the auditor a form that changes data", p)
			}
		}
		wantStatus(t, c.get("/admin/users/new"), http.StatusForbidden)
		n := auditCount(t, e)
		for _, p := range []string{"/admin/users/" + member.ID + "/disable", "/admin/users/" + member.ID + "/unlock", "/admin/departments/" + dept.ID + "/delete"} {
			if res := c.post(p, nil); res.status != http.StatusForbidden {
				t.Errorf("POST %s: status %d, want 403", p, res.status)
			}
		}
		res := c.post("/admin/departments", url.Values{"name": {"Audit Shadow"}, "kind": {"it"}})
		wantStatus(t, res, http.StatusForbidden)
		if got := auditCount(t, e); got != n {
			t.Errorf("refused posts wrote %d audit entries", got-n)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "en")
	sales := e.department("Sales")

	t.Run("filter by role and department", func(t *testing.T) {
		res := c.get("/admin/users?role=member&department=" + sales.ID)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "member@demo.hikeshi.example")
		if strings.Contains(res.body, "factory@demo.hikeshi.example") || strings.Contains(res.body, "admin@demo.hikeshi.example") {
			t.Errorf("filter let other users through")
		}
		// htmx asks for the results only.
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/admin/users?role=auditor", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "user-results")
		part := c.do(req)
		wantStatus(t, part, http.StatusOK)
		if strings.Contains(part.body, "<html") || !strings.Contains(part.body, `id="user-results"`) {
			t.Errorf("htmx request got a whole page or the wrong part:\n%s", part.body)
		}
	})

	t.Run("create with a generated password shown once", func(t *testing.T) {
		res := c.post("/admin/users", url.Values{"email": {"New.Person@Example.org"}, "name": {"New Person"},
			"role": {"csirt"}, "department": {e.department("CSIRT").ID}, "locale": {"ja"}})
		wantStatus(t, res, http.StatusCreated)
		m := regexp.MustCompile(`id="secret" class="secret" type="text" readonly value="([A-Z0-9]+)"`).FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("no generated password on the page:\n%s", res.body)
		}
		nc := e.client("en")
		wantStatus(t, nc.post("/login", url.Values{"email": {"new.person@example.org"}, "password": {m[1]}}), http.StatusSeeOther)
		checkPage(t, nc.get("/"), "ja")
	})

	t.Run("create with errors re-renders the form", func(t *testing.T) {
		n := auditCount(t, e)
		res := c.post("/admin/users", url.Values{"email": {"not-an-address"}, "name": {""}, "role": {"overlord"}, "password": {"short"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, `value="not-an-address"`, "Some fields need attention")
		res = c.post("/admin/users", url.Values{"email": {"x@example.org"}, "name": {"X"}, "role": {"overlord"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Choose one of the offered options.", `aria-invalid="true"`)
		res = c.post("/admin/users", url.Values{"email": {"member@demo.hikeshi.example"}, "name": {"Dup"}, "role": {"member"}, "department": {sales.ID}})
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res, "This is already in use.")
		if got := auditCount(t, e); got != n {
			t.Errorf("failed creates wrote %d audit entries", got-n)
		}
	})

	t.Run("edit, disable, enable, unlock, reset", func(t *testing.T) {
		u := e.user("factory")
		res := c.post("/admin/users/"+u.ID, url.Values{"name": {"Ken Sato (Plant 2)"}, "role": {"manager"}, "department": {u.DepartmentID}, "locale": {"en"}})
		wantStatus(t, res, http.StatusSeeOther)
		got := e.user("factory")
		if diff := cmp.Diff([]string{"Ken Sato (Plant 2)", "manager"}, []string{got.Name, string(got.Role)}); diff != "" {
			t.Errorf("update (-want +got):\n%s", diff)
		}
		page := c.get(res.header.Get("Location"))
		wantContains(t, page, "Changes saved.")

		victim := e.login("factory", "en")
		wantStatus(t, c.post("/admin/users/"+u.ID+"/disable", nil), http.StatusSeeOther)
		wantStatus(t, victim.get("/"), http.StatusSeeOther)
		if e.user("factory").Active() {
			t.Errorf("still active after disable")
		}
		wantStatus(t, c.post("/admin/users/"+u.ID+"/enable", nil), http.StatusSeeOther)
		if !e.user("factory").Active() {
			t.Errorf("still disabled after enable")
		}

		for range 5 {
			e.client("en").post("/login", url.Values{"email": {u.Email}, "password": {"wrong wrong wrong"}})
		}
		if !e.user("factory").Locked(e.clock.Now()) {
			t.Fatalf("not locked after 5 failures")
		}
		page = c.get("/admin/users/" + u.ID)
		wantContains(t, page, "Lift lock-out")
		wantStatus(t, c.post("/admin/users/"+u.ID+"/unlock", nil), http.StatusSeeOther)
		if e.user("factory").Locked(e.clock.Now()) {
			t.Errorf("still locked")
		}

		res = c.post("/admin/users/"+u.ID+"/password", url.Values{"password": {"a brand new passphrase"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantStatus(t, e.client("en").post("/login", url.Values{"email": {u.Email}, "password": {"a brand new passphrase"}}), http.StatusSeeOther)
		res = c.post("/admin/users/"+u.ID+"/password", url.Values{"password": {"short"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res, "Use at least 12 characters.")
		res = c.post("/admin/users/"+u.ID+"/password", nil)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res, "shown only once")
	})

	t.Run("an admin cannot disable or demote themselves", func(t *testing.T) {
		me := e.user("admin")
		res := c.post("/admin/users/"+me.ID+"/disable", nil)
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res, "You cannot disable your own account.")
		res = c.post("/admin/users/"+me.ID, url.Values{"name": {me.Name}, "role": {"member"}, "department": {me.DepartmentID}})
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res, "You cannot remove your own administrator role.")
		if e.user("admin").Role != hikeshi.RoleAdmin {
			t.Errorf("admin demoted themselves")
		}
	})

	t.Run("unknown user is a 404", func(t *testing.T) {
		wantStatus(t, c.get("/admin/users/no-such-id"), http.StatusNotFound)
		wantStatus(t, c.post("/admin/users/no-such-id/disable", nil), http.StatusNotFound)
	})
}

func TestAdminDepartments(t *testing.T) {
	e := newEnv(t)
	c := e.login("admin", "ja")

	res := c.post("/admin/departments", url.Values{"name": {"法務部"}, "kind": {"business_unit"}})
	wantStatus(t, res, http.StatusSeeOther)
	legal := e.department("法務部")
	page := c.get(res.header.Get("Location"))
	checkPage(t, page, "ja")
	wantContains(t, page, "部門を追加しました。", "法務部")

	res = c.post("/admin/departments", url.Values{"name": {"法務部"}, "kind": {"business_unit"}})
	wantStatus(t, res, http.StatusConflict)
	wantContains(t, res, "すでに使われています。")

	res = c.post("/admin/departments/"+legal.ID, url.Values{"name": {"法務・コンプライアンス部"}, "kind": {"management"}})
	wantStatus(t, res, http.StatusSeeOther)
	if d := e.department("コンプライアンス"); d.Kind != hikeshi.KindManagement {
		t.Errorf("kind = %q", d.Kind)
	}

	t.Run("delete refused while members remain", func(t *testing.T) {
		sales := e.department("Sales")
		res := c.post("/admin/departments/"+sales.ID+"/delete", nil)
		wantStatus(t, res, http.StatusConflict)
		checkPage(t, res, "ja")
		wantContains(t, res, "まだメンバーが所属しているため、削除しませんでした", "営業 さくら")
		e.department("Sales") // still there
	})

	wantStatus(t, c.post("/admin/departments/"+legal.ID+"/delete", nil), http.StatusSeeOther)
	wantStatus(t, c.get("/admin/departments/"+legal.ID), http.StatusNotFound)
}

func TestAuditPage(t *testing.T) {
	e := newEnv(t)
	c := e.login("auditor", "en")
	admin := e.user("admin")

	res := c.get("/admin/audit?action=department.&entity=department")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "department.create", "&#34;Kind&#34;")
	if strings.Contains(res.body, "user.create") {
		t.Errorf("action filter let user.create through")
	}

	// Filter by actor e-mail: the admin signed in once (via the login below).
	e.login("admin", "en")
	res = c.get("/admin/audit?actor=" + url.QueryEscape(admin.Email))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "session.login")
	if strings.Contains(res.body, "system (demo)") {
		t.Errorf("actor filter let the system's entries through")
	}
	res = c.get("/admin/audit?actor=nobody@example.org")
	wantContains(t, res, "No audit entries match")

	res = c.get("/admin/audit?since=yesterday")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "Enter a date as YYYY-MM-DD.")
	wantStatus(t, c.get("/admin/audit?before=abc"), http.StatusBadRequest)

	today := e.clock.Now().In(jst).Format("2006-01-02")
	res = c.get("/admin/audit?action=department.&since=" + today + "&until=" + today)
	wantContains(t, res, "department.create")

	t.Run("keyset pagination", func(t *testing.T) {
		for i := range 60 {
			c := e.client("en")
			c.post("/login", url.Values{"email": {"ghost" + string(rune('a'+i%26)) + "@example.org"}, "password": {"x"}})
		}
		first := c.get("/admin/audit")
		m := regexp.MustCompile(`href="(/admin/audit\?before=(\d+))"`).FindStringSubmatch(first.body)
		if m == nil {
			t.Fatalf("no Older link")
		}
		older := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		wantStatus(t, older, http.StatusOK)
		wantContains(t, older, "Newest entries")
		if strings.Contains(older.body, ">#"+m[2]+"<") {
			t.Errorf("the older page repeats entry %s", m[2])
		}
		// Following the Older links reaches the first entry, and stops there.
		for page := 0; !strings.Contains(older.body, "#1<"); page++ {
			m := regexp.MustCompile(`href="(/admin/audit\?before=(\d+))"`).FindStringSubmatch(older.body)
			if m == nil || page > 100 {
				t.Fatalf("the Older links never reach entry #1")
			}
			older = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			wantStatus(t, older, http.StatusOK)
		}
	})
}

func TestAccount(t *testing.T) {
	e := newEnv(t)
	a := e.accounts["member"]
	c := e.login("member", "en") // saved locale: Japanese
	other := e.login("member", "en")

	res := c.post("/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"a long new passphrase"}, "confirm_password": {"a long new passphrase"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	checkPage(t, res, "ja")
	wantContains(t, res, "正しくありません。")
	res = c.post("/account/password", url.Values{"current_password": {a.Password}, "new_password": {"a long new passphrase"}, "confirm_password": {"different"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "一致しません")
	res = c.post("/account/password", url.Values{"current_password": {a.Password}, "new_password": {"a long new passphrase"}, "confirm_password": {"a long new passphrase"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantContains(t, c.get("/account?m=password_changed"), "パスワードを変更しました。")
	wantStatus(t, other.get("/"), http.StatusSeeOther) // the other session ended

	res = c.post("/account/tokens", url.Values{"name": {"SIEM"}})
	wantStatus(t, res, http.StatusCreated)
	m := regexp.MustCompile(`value="(hks_[A-Za-z0-9_-]+)"`).FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no token on the page:\n%s", res.body)
	}
	if _, _, err := e.svc.Auth.AuthenticateToken(context.Background(), m[1]); err != nil {
		t.Fatalf("the shown token does not work: %v", err)
	}
	page := c.get("/account")
	if strings.Contains(page.body, m[1]) {
		t.Errorf("the token is shown again")
	}
	wantContains(t, page, "SIEM", m[1][:10])
	id := regexp.MustCompile(`action="/account/tokens/([^/]+)/revoke"`).FindStringSubmatch(page.body)
	if id == nil {
		t.Fatal("no revoke form")
	}
	wantStatus(t, c.post("/account/tokens/"+id[1]+"/revoke", nil), http.StatusSeeOther)
	if _, _, err := e.svc.Auth.AuthenticateToken(context.Background(), m[1]); err == nil {
		t.Errorf("revoked token still works")
	}
	wantStatus(t, c.post("/account/tokens/nope/revoke", nil), http.StatusNotFound)
	res = c.post("/account/tokens", url.Values{"name": {"bad\x01name"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
}
