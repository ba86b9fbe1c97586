package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestScenario drives the API the way a script would, on both engines.
func TestScenario(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.adminToken

		var dept departmentJSON
		t.Run("create department", func(t *testing.T) {
			e := e.with(t)
			r := e.do(req{method: "POST", path: "/api/v1/departments", token: admin,
				body: map[string]string{"name": "Security", "kind": "csirt"}}).want(http.StatusCreated)
			r.into(&dept)
			if dept.ID == "" || dept.Name != "Security" || dept.Kind != "csirt" || dept.CreatedAt.IsZero() {
				t.Fatalf("department %+v", dept)
			}
			if loc := r.header.Get("Location"); loc != "/api/v1/departments/"+dept.ID {
				t.Errorf("Location %q", loc)
			}
			var got departmentJSON
			e.get("/api/v1/departments/"+dept.ID, admin).want(http.StatusOK).into(&got)
			if diff := cmp.Diff(dept, got); diff != "" {
				t.Errorf("GET differs from POST (-post +get):\n%s", diff)
			}
		})

		t.Run("duplicate department is a conflict naming the field", func(t *testing.T) {
			e := e.with(t)
			p := e.do(req{method: "POST", path: "/api/v1/departments", token: admin,
				body: map[string]string{"name": "Security", "kind": "it"}}).problem(kindConflict)
			wantField(t, p, "name", "taken")
		})

		t.Run("invalid department is a validation problem", func(t *testing.T) {
			e := e.with(t)
			p := e.do(req{method: "POST", path: "/api/v1/departments", token: admin,
				body: map[string]string{"name": "", "kind": "nope"}}).problem(kindValidation)
			wantField(t, p, "name", "required")
			wantField(t, p, "kind", "unknown")
		})

		var member userJSON
		var memberToken, auditorToken string
		t.Run("create user", func(t *testing.T) {
			e := e.with(t)
			r := e.do(req{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{
				"email": "Member@Example.org", "name": "Mia Member", "role": "member", "department_id": dept.ID}}).want(http.StatusCreated)
			r.into(&member)
			if member.Email != "member@example.org" || member.Role != "member" || member.DepartmentID == nil || *member.DepartmentID != dept.ID || !member.Active {
				t.Fatalf("user %+v", member)
			}
			if strings.Contains(string(r.body), "password_hash") || strings.Contains(string(r.body), "argon2") {
				t.Errorf("response leaks the password hash: %s", r.body)
			}
			if loc := r.header.Get("Location"); loc != "/api/v1/users/"+member.ID {
				t.Errorf("Location %q", loc)
			}
			_, memberToken = e.tokenFor(member.ID)
			_, auditorToken = e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, dept.ID)
		})

		t.Run("user with a password shows no hash", func(t *testing.T) {
			e := e.with(t)
			var u userJSON
			r := e.do(req{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{
				"email": "pw@example.org", "name": "With Password", "role": "csirt", "department_id": dept.ID,
				"password": "correct horse battery staple"}}).want(http.StatusCreated)
			r.into(&u)
			if !u.HasPassword || strings.Contains(string(r.body), "correct horse") {
				t.Errorf("user %s", r.body)
			}
			var l listJSON[userJSON]
			e.get("/api/v1/users?role=csirt", admin).want(http.StatusOK).into(&l)
			if len(l.Items) != 1 || !l.Items[0].HasPassword {
				t.Errorf("csirt users %+v", l.Items)
			}
		})

		t.Run("user without department is named by the API's field", func(t *testing.T) {
			e := e.with(t)
			p := e.do(req{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{
				"email": "x@example.org", "name": "X", "role": "member"}}).problem(kindValidation)
			wantField(t, p, "department_id", "required")
		})

		t.Run("list users across three pages", func(t *testing.T) {
			e := e.with(t)
			for i := range 11 {
				e.userWithToken(fmt.Sprintf("user%02d@example.org", i), hikeshi.RoleMember, dept.ID)
			}
			// admin, member, auditor, the csirt with a password and 11 more: 15 users, three pages of 5.
			var seen []string
			path := "/api/v1/users?limit=5"
			for page := 1; ; page++ {
				r := e.get(path, admin).want(http.StatusOK)
				var l listJSON[userJSON]
				r.into(&l)
				if len(l.Items) != 5 {
					t.Fatalf("page %d has %d items, want 5", page, len(l.Items))
				}
				for _, u := range l.Items {
					seen = append(seen, u.ID)
				}
				link := r.header.Get("Link")
				if page == 3 {
					if l.NextCursor != nil || link != "" {
						t.Fatalf("last page has next_cursor %v and Link %q", l.NextCursor, link)
					}
					break
				}
				if l.NextCursor == nil {
					t.Fatalf("page %d has no next_cursor", page)
				}
				if !strings.HasPrefix(link, "</api/v1/users?") || !strings.HasSuffix(link, `>; rel="next"`) {
					t.Fatalf("Link %q", link)
				}
				if page == 1 {
					path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`) // follow the Link header
					if !strings.Contains(path, "limit=5") {
						t.Fatalf("Link drops the limit: %q", link)
					}
				} else {
					path = "/api/v1/users?limit=5&cursor=" + url.QueryEscape(*l.NextCursor)
				}
			}
			unique := map[string]bool{}
			for _, id := range seen {
				unique[id] = true
			}
			if len(seen) != 15 || len(unique) != 15 {
				t.Errorf("saw %d users, %d distinct; want 15", len(seen), len(unique))
			}
		})

		t.Run("list users filtered", func(t *testing.T) {
			e := e.with(t)
			var l listJSON[userJSON]
			e.get("/api/v1/users?role=auditor&department_id="+dept.ID, admin).want(http.StatusOK).into(&l)
			if len(l.Items) != 1 || l.Items[0].Email != "auditor@example.org" || l.NextCursor != nil {
				t.Errorf("got %+v", l)
			}
			p := e.get("/api/v1/users?role=king", admin).problem(kindBadRequest)
			wantField(t, p, "role", "unknown")
		})

		t.Run("patch user with merge-patch semantics", func(t *testing.T) {
			e := e.with(t)
			var u userJSON
			e.do(req{method: "PATCH", path: "/api/v1/users/" + member.ID, token: admin,
				body: map[string]any{"name": "Mia M.", "locale": "ja"}}).want(http.StatusOK).into(&u)
			if u.Name != "Mia M." || u.Locale == nil || *u.Locale != "ja" || u.Role != "member" || *u.DepartmentID != dept.ID {
				t.Fatalf("after patch %+v", u)
			}
			e.do(req{method: "PATCH", path: "/api/v1/users/" + member.ID, token: admin, body: `{"locale": null}`,
				header: map[string]string{"Content-Type": "application/merge-patch+json"}}).want(http.StatusOK).into(&u)
			if u.Name != "Mia M." || u.Locale != nil {
				t.Fatalf("null did not clear the locale: %+v", u)
			}
			p := e.do(req{method: "PATCH", path: "/api/v1/users/" + member.ID, token: admin, body: `{"name": null}`}).problem(kindValidation)
			wantField(t, p, "name", "required")
			// Members change their own name, not their role.
			e.do(req{method: "PATCH", path: "/api/v1/users/" + member.ID, token: memberToken, body: `{"name": "Mia"}`}).want(http.StatusOK)
			e.do(req{method: "PATCH", path: "/api/v1/users/" + member.ID, token: memberToken, body: `{"role": "admin"}`}).problem(kindForbidden)
		})

		t.Run("patch department", func(t *testing.T) {
			e := e.with(t)
			var d departmentJSON
			e.do(req{method: "PATCH", path: "/api/v1/departments/" + dept.ID, token: admin, body: `{"name": "CSIRT"}`}).want(http.StatusOK).into(&d)
			if d.Name != "CSIRT" || d.Kind != "csirt" {
				t.Fatalf("after patch %+v", d)
			}
		})

		t.Run("member may not create users", func(t *testing.T) {
			e := e.with(t)
			e.do(req{method: "POST", path: "/api/v1/users", token: memberToken, body: map[string]string{
				"email": "evil@example.org", "name": "Evil", "role": "admin"}}).problem(kindForbidden)
			e.get("/api/v1/audit", memberToken).problem(kindForbidden)
			e.get("/api/v1/users?department_id=0190a0b0-0000-7000-8000-000000000000", memberToken).problem(kindForbidden)
		})

		t.Run("auditor reads but changes nothing", func(t *testing.T) {
			e := e.with(t)
			e.get("/api/v1/users", auditorToken).want(http.StatusOK)
			e.get("/api/v1/departments/"+dept.ID, auditorToken).want(http.StatusOK)
			e.get("/api/v1/audit?limit=3", auditorToken).want(http.StatusOK)
			e.do(req{method: "POST", path: "/api/v1/departments", token: auditorToken, body: `{"name": "X", "kind": "it"}`}).problem(kindForbidden)
			e.do(req{method: "PATCH", path: "/api/v1/users/" + member.ID, token: auditorToken, body: `{"name": "X"}`}).problem(kindForbidden)
			e.do(req{method: "POST", path: "/api/v1/users/" + member.ID + "/disable", token: auditorToken}).problem(kindForbidden)
			e.do(req{method: "DELETE", path: "/api/v1/departments/" + dept.ID, token: auditorToken}).problem(kindForbidden)
		})

		t.Run("disabled user's token gets 401", func(t *testing.T) {
			e := e.with(t)
			e.get("/api/v1/me", memberToken).want(http.StatusOK)
			var u userJSON
			e.do(req{method: "POST", path: "/api/v1/users/" + member.ID + "/disable", token: admin}).want(http.StatusOK).into(&u)
			if u.Active || u.DisabledAt == nil {
				t.Fatalf("after disable %+v", u)
			}
			r := e.get("/api/v1/me", memberToken)
			r.problem(kindUnauthenticated)
			if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") || !strings.Contains(got, "invalid_token") {
				t.Errorf("WWW-Authenticate %q", got)
			}
			e.do(req{method: "POST", path: "/api/v1/users/" + member.ID + "/enable", token: admin}).want(http.StatusOK)
			e.get("/api/v1/me", memberToken).want(http.StatusOK)
			e.do(req{method: "POST", path: "/api/v1/users/" + member.ID + "/unlock", token: admin}).want(http.StatusOK)
			e.do(req{method: "POST", path: "/api/v1/users/" + e.admin.ID + "/disable", token: admin}).problem(kindConflict)
		})

		t.Run("own tokens: create, list, revoke", func(t *testing.T) {
			e := e.with(t)
			var created tokenCreatedJSON
			r := e.do(req{method: "POST", path: "/api/v1/me/tokens", token: memberToken, body: `{"name": "ci"}`}).want(http.StatusCreated)
			r.into(&created)
			if !strings.HasPrefix(created.Token, "hks_") || created.Name != "ci" || !strings.HasPrefix(created.Token, created.Prefix) {
				t.Fatalf("created %+v", created)
			}
			if loc := r.header.Get("Location"); loc != "/api/v1/me/tokens/"+created.ID {
				t.Errorf("Location %q", loc)
			}
			var me userJSON
			e.get("/api/v1/me", created.Token).want(http.StatusOK).into(&me)
			if me.ID != member.ID {
				t.Errorf("/me with the new token is %s, want %s", me.ID, member.ID)
			}
			// A token without a body gets the default name.
			e.do(req{method: "POST", path: "/api/v1/me/tokens", token: memberToken, header: map[string]string{"Content-Type": "application/json"}}).want(http.StatusCreated)
			var def tokenCreatedJSON
			e.do(req{method: "POST", path: "/api/v1/me/tokens", token: memberToken}).want(http.StatusCreated).into(&def)
			if def.Name != "API token" {
				t.Errorf("default token name %q", def.Name)
			}
			e.do(req{method: "DELETE", path: "/api/v1/me/tokens/" + def.ID, token: memberToken}).want(http.StatusNoContent)

			var l listJSON[tokenJSON]
			lr := e.get("/api/v1/me/tokens?limit=2", memberToken).want(http.StatusOK)
			lr.into(&l)
			if len(l.Items) != 2 || l.NextCursor == nil || strings.Contains(string(lr.body), created.Token) {
				t.Fatalf("token list %s", lr.body)
			}
			var rest listJSON[tokenJSON]
			e.get("/api/v1/me/tokens?limit=2&cursor="+url.QueryEscape(*l.NextCursor), memberToken).want(http.StatusOK).into(&rest)
			// test, ci, the one with an empty JSON body, and the revoked default one.
			if len(rest.Items) != 2 || rest.NextCursor != nil || rest.Items[0].ID >= l.Items[1].ID {
				t.Fatalf("second page %+v", rest)
			}
			var one tokenJSON
			e.get("/api/v1/me/tokens/"+created.ID, memberToken).want(http.StatusOK).into(&one)
			if one.ID != created.ID || one.RevokedAt != nil {
				t.Fatalf("token %+v", one)
			}
			// Someone else's token is not found.
			e.get("/api/v1/me/tokens/"+created.ID, admin).problem(kindNotFound)
			e.do(req{method: "DELETE", path: "/api/v1/me/tokens/" + created.ID, token: admin}).problem(kindNotFound)

			e.do(req{method: "DELETE", path: "/api/v1/me/tokens/" + created.ID, token: memberToken}).want(http.StatusNoContent)
			e.get("/api/v1/me", created.Token).problem(kindUnauthenticated)
			e.get("/api/v1/me/tokens/"+created.ID, memberToken).want(http.StatusOK).into(&one)
			if one.RevokedAt == nil {
				t.Errorf("revoked token has no revoked_at")
			}
		})

		t.Run("audit log pages by seq", func(t *testing.T) {
			e := e.with(t)
			var all []auditJSON
			path := "/api/v1/audit?limit=4&action=user."
			for range 100 {
				var l listJSON[auditJSON]
				e.get(path, admin).want(http.StatusOK).into(&l)
				all = append(all, l.Items...)
				if l.NextCursor == nil {
					break
				}
				path = "/api/v1/audit?limit=4&action=user.&cursor=" + url.QueryEscape(*l.NextCursor)
			}
			if len(all) < 15 {
				t.Fatalf("only %d user.* entries", len(all))
			}
			for i, a := range all {
				if !strings.HasPrefix(a.Action, "user.") {
					t.Errorf("entry %d action %q does not match the filter", a.Seq, a.Action)
				}
				if i > 0 && a.Seq >= all[i-1].Seq {
					t.Errorf("entries not in descending seq order: %d after %d", a.Seq, all[i-1].Seq)
				}
			}
			var l listJSON[auditJSON]
			e.get("/api/v1/audit?entity=user&entity_id="+member.ID+"&since=2000-01-01T00:00:00Z", admin).want(http.StatusOK).into(&l)
			if len(l.Items) == 0 || l.Items[len(l.Items)-1].Action != "user.create" {
				t.Errorf("member's history %+v", l.Items)
			}
			wantField(t, e.get("/api/v1/audit?since=yesterday", admin).problem(kindBadRequest), "since", "invalid_time")
		})

		t.Run("delete department", func(t *testing.T) {
			e := e.with(t)
			e.do(req{method: "DELETE", path: "/api/v1/departments/" + dept.ID, token: admin}).problem(kindConflict)
			var d departmentJSON
			e.do(req{method: "POST", path: "/api/v1/departments", token: admin, body: `{"name": "Empty", "kind": "it"}`}).want(http.StatusCreated).into(&d)
			e.do(req{method: "DELETE", path: "/api/v1/departments/" + d.ID, token: admin}).want(http.StatusNoContent)
			e.get("/api/v1/departments/"+d.ID, admin).problem(kindNotFound)
		})

		t.Run("request problems", func(t *testing.T) {
			e := e.with(t)
			wantField(t, e.do(req{method: "POST", path: "/api/v1/departments", token: admin,
				body: `{"name": "A", "kind": "it", "colour": "red"}`}).problem(kindBadRequest), "colour", "unknown_field")
			wantField(t, e.do(req{method: "POST", path: "/api/v1/departments", token: admin,
				body: `{"name": 5, "kind": "it"}`}).problem(kindBadRequest), "name", "wrong_type")
			e.do(req{method: "POST", path: "/api/v1/departments", token: admin,
				body: `{"name": "A", "kind": "it"`}).problem(kindMalformedJSON)
			big := `{"name": "` + strings.Repeat("a", MaxBodyBytes) + `", "kind": "it"}`
			e.do(req{method: "POST", path: "/api/v1/departments", token: admin, body: big}).problem(kindTooLarge)
			e.do(req{method: "POST", path: "/api/v1/departments", token: admin, body: `{"name": "A", "kind": "it"}`,
				header: map[string]string{"Content-Type": "text/plain"}}).problem(kindUnsupportedMediaType)
			wantField(t, e.get("/api/v1/users?cursor=not-a-cursor", admin).problem(kindBadRequest), "cursor", "invalid_cursor")
			// A cursor of another list is refused too.
			other := encodeCursor("departments", dept.ID)
			wantField(t, e.get("/api/v1/users?cursor="+other, admin).problem(kindBadRequest), "cursor", "invalid_cursor")
			for _, l := range []string{"0", "501", "ten", "-1"} {
				wantField(t, e.get("/api/v1/users?limit="+l, admin).problem(kindBadRequest), "limit", "out_of_range")
			}
			wantField(t, e.get("/api/v1/users?departmentid=x", admin).problem(kindBadRequest), "departmentid", "unknown_parameter")
			wantField(t, e.get("/api/v1/users?limit=1&limit=2", admin).problem(kindBadRequest), "limit", "repeated")
		})

		t.Run("authentication", func(t *testing.T) {
			e := e.with(t)
			for _, h := range []map[string]string{
				nil,
				{"Authorization": "Bearer hks_wrong"},
				{"Authorization": "Basic YWRtaW46YWRtaW4="},
				{"Authorization": "Bearer"},
				{"Cookie": "hikeshi_session=whatever"},
			} {
				r := e.do(req{method: "GET", path: "/api/v1/me", header: h})
				r.problem(kindUnauthenticated)
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%v: WWW-Authenticate %q", h, r.header.Get("WWW-Authenticate"))
				}
			}
			e.do(req{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "bearer " + admin}}).want(http.StatusOK)
		})

		t.Run("unknown routes", func(t *testing.T) {
			e := e.with(t)
			e.get("/api/v1/nothing-here", admin).problem(kindNotFound)
			e.get("/api/v1/users/"+member.ID+"/nothing", admin).problem(kindNotFound)
			r := e.do(req{method: "PUT", path: "/api/v1/users/" + member.ID, token: admin, body: `{}`})
			r.problem(kindMethodNotAllowed)
			if got := r.header.Get("Allow"); got != "GET, HEAD, PATCH" {
				t.Errorf("Allow %q", got)
			}
			e.get("/api/v1/users/0190a0b0-0000-7000-8000-000000000000", admin).problem(kindNotFound)
		})
	})
}

// tokenFor issues a token for an existing user through the services.
func (e *env) tokenFor(userID string) (hikeshi.APIToken, string) {
	e.t.Helper()
	tok, secret, err := e.svc.Auth.CreateToken(e.t.Context(), hikeshi.SystemActor("test"), userID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, secret
}
