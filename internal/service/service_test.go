package service_test

import (
	"context"
	"errors"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fakeClock = clocktest.Clock

// fixture is an organisation with one user per role.
type fixture struct {
	db                                   *store.DB
	svc                                  *service.Services
	clock                                *fakeClock
	it                                   hikeshi.Department
	sales                                hikeshi.Department
	admin, csirt, member, other, auditor hikeshi.User
}

const pw = "correct horse battery staple"

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, clock: clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))}
	f.svc = service.New(db, service.Options{Clock: f.clock, Argon: service.ArgonParams{Memory: 1024, Time: 1, Threads: 1}})
	sys := hikeshi.SystemActor("test")
	var err error
	if f.it, err = f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "情報システム部", Kind: hikeshi.KindIT}); err != nil {
		t.Fatal(err)
	}
	if f.sales, err = f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit}); err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role hikeshi.Role, dept string) hikeshi.User {
		u, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: email, Role: role, DepartmentID: dept, Password: pw})
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return u
	}
	f.admin = mk("admin@example.org", hikeshi.RoleAdmin, "")
	f.csirt = mk("csirt@example.org", hikeshi.RoleCSIRT, f.it.ID)
	f.member = mk("member@example.org", hikeshi.RoleMember, f.sales.ID)
	f.other = mk("other@example.org", hikeshi.RoleMember, f.it.ID)
	f.auditor = mk("auditor@example.org", hikeshi.RoleAuditor, f.it.ID)
	return f
}

func actor(u hikeshi.User) hikeshi.Actor { return hikeshi.ActorFor(u, "test") }

func (f *fixture) auditCount(t *testing.T) int64 {
	t.Helper()
	n, err := f.svc.Audit.Verify(context.Background())
	if err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	return n
}

func TestDepartmentRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		before := f.auditCount(t)

		_, err := f.svc.Departments.Create(ctx, actor(f.admin), service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit})
		var ve *hikeshi.ValidationError
		if !errors.Is(err, hikeshi.ErrConflict) || !errors.As(err, &ve) || ve.Fields[0].Field != "name" {
			t.Errorf("duplicate name: got %v, want a conflict on name", err)
		}
		for _, u := range []hikeshi.User{f.csirt, f.member, f.auditor} {
			if _, err := f.svc.Departments.Create(ctx, actor(u), service.DepartmentInput{Name: "X", Kind: hikeshi.KindIT}); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s created a department: %v", u.Role, err)
			}
		}
		if _, err := f.svc.Departments.Create(ctx, actor(f.admin), service.DepartmentInput{Name: "X", Kind: "sales"}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown kind: got %v", err)
		}
		if f.auditCount(t) != before {
			t.Error("refused changes wrote audit entries")
		}
		if err := f.svc.Departments.Delete(ctx, actor(f.admin), f.sales.ID); !errors.Is(err, hikeshi.ErrConflict) || !strings.Contains(err.Error(), "1 member") {
			t.Errorf("deleting a department with members: got %v", err)
		}
		name := "営業本部"
		d, err := f.svc.Departments.Update(ctx, actor(f.admin), f.sales.ID, service.DepartmentPatch{Name: &name})
		if err != nil || d.Name != name {
			t.Fatalf("rename: %v %v", d, err)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Limit: 1})
		if len(recs) != 1 || recs[0].Action != "department.update" || !strings.Contains(recs[0].Before, "営業部") || !strings.Contains(recs[0].After, "営業本部") {
			t.Errorf("rename not audited with before/after: %+v", recs)
		}
	})
}

func TestUserVisibilityAndRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		// A member sees the people of their own department only.
		got, err := f.svc.Users.List(ctx, actor(f.member), hikeshi.UserFilter{})
		if err != nil || len(got) != 1 || got[0].ID != f.member.ID {
			t.Errorf("member list: %v %v", got, err)
		}
		if _, err := f.svc.Users.Get(ctx, actor(f.member), f.other.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member read another department's user: %v", err)
		}
		if _, err := f.svc.Users.List(ctx, actor(f.member), hikeshi.UserFilter{DepartmentID: f.it.ID}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member listed another department: %v", err)
		}
		all, err := f.svc.Users.List(ctx, actor(f.auditor), hikeshi.UserFilter{})
		if err != nil || len(all) != 5 {
			t.Errorf("auditor list: %d users, %v", len(all), err)
		}

		// Validation names every bad field; nothing is stored.
		_, err = f.svc.Users.Create(ctx, actor(f.admin), service.UserInput{Email: "nope", Name: "", Role: "root", Password: "short"})
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("bad input: got %v", err)
		}
		if _, err := f.svc.Users.Create(ctx, actor(f.admin), service.UserInput{Email: "x@example.org", Name: "X", Role: hikeshi.RoleMember}); err == nil || !strings.Contains(err.Error(), "department") {
			t.Errorf("member without department: %v", err)
		}
		if _, err := f.svc.Users.Create(ctx, actor(f.admin), service.UserInput{Email: "MEMBER@example.org ", Name: "dup", Role: hikeshi.RoleMember, DepartmentID: f.it.ID}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate e-mail differing in case: %v", err)
		}

		// Users change their own name and language, not their role.
		name, loc := "新しい名前", hikeshi.LocaleJA
		if _, err := f.svc.Users.Update(ctx, actor(f.member), f.member.ID, service.UserPatch{Name: &name, Locale: &loc}); err != nil {
			t.Errorf("self update: %v", err)
		}
		role := hikeshi.RoleAdmin
		if _, err := f.svc.Users.Update(ctx, actor(f.member), f.member.ID, service.UserPatch{Role: &role}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member made themself admin: %v", err)
		}
		demote := hikeshi.RoleMember
		if _, err := f.svc.Users.Update(ctx, actor(f.admin), f.admin.ID, service.UserPatch{Role: &demote}); err == nil {
			t.Error("admin removed their own admin role")
		}
		if _, err := f.svc.Users.Update(ctx, actor(f.auditor), f.auditor.ID, service.UserPatch{Name: &name}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor changed something: %v", err)
		}
		if _, err := f.svc.Users.Update(ctx, actor(f.auditor), f.auditor.ID, service.UserPatch{Locale: &loc}); err != nil {
			t.Errorf("auditor could not choose their language: %v", err)
		}

		// The audit log never holds password hashes.
		recs, err := f.svc.Audit.List(ctx, actor(f.auditor), hikeshi.AuditFilter{Entity: "user", Limit: 100})
		if err != nil || len(recs) == 0 {
			t.Fatalf("audit list: %v", err)
		}
		for _, r := range recs {
			if strings.Contains(r.After+r.Before, "argon2") {
				t.Errorf("audit entry %d holds a password hash", r.Seq)
			}
		}
		if _, err := f.svc.Audit.List(ctx, actor(f.member), hikeshi.AuditFilter{}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member read the audit log: %v", err)
		}
	})
}

func TestLoginLockoutAndSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ci := service.ClientInfo{UserAgent: "test", RemoteAddr: "192.0.2.1"}

		if _, _, _, err := f.svc.Auth.Login(ctx, "nobody@example.org", pw, ci); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("unknown e-mail: %v", err)
		}
		for i := 1; i < hikeshi.DefaultLoginPolicy.MaxFailures; i++ {
			if _, _, _, err := f.svc.Auth.Login(ctx, "member@example.org", "wrong password!", ci); !errors.Is(err, hikeshi.ErrUnauthenticated) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		_, _, _, err := f.svc.Auth.Login(ctx, "member@example.org", "wrong password!", ci)
		var le *service.LockedError
		if !errors.As(err, &le) || !le.Until.Equal(f.clock.Now().Add(hikeshi.DefaultLoginPolicy.LockFor)) {
			t.Fatalf("5th failure: got %v, want a lock", err)
		}
		if _, _, _, err := f.svc.Auth.Login(ctx, "member@example.org", pw, ci); !errors.Is(err, hikeshi.ErrLocked) {
			t.Fatalf("correct password while locked: %v", err)
		}
		f.clock.Advance(hikeshi.DefaultLoginPolicy.LockFor + time.Second)
		sess, secret, u, err := f.svc.Auth.Login(ctx, " Member@Example.org", pw, ci)
		if err != nil || u.ID != f.member.ID {
			t.Fatalf("login after the lock: %v", err)
		}
		if sess.TokenHash == secret || strings.Contains(sess.TokenHash, secret) {
			t.Error("the session secret is stored in clear")
		}
		if got, _ := f.svc.Users.Get(ctx, actor(f.admin), f.member.ID); got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
			t.Errorf("successful login did not reset the failure count: %+v", got)
		}
		if _, _, err := f.svc.Auth.Authenticate(ctx, secret); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
		// Idle expiry.
		f.clock.Advance(hikeshi.DefaultSessionPolicy.Idle + time.Second)
		if _, _, err := f.svc.Auth.Authenticate(ctx, secret); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("idle session still valid: %v", err)
		}
		// Absolute expiry despite activity.
		_, secret, _, _ = f.svc.Auth.Login(ctx, "member@example.org", pw, ci)
		for elapsed := time.Duration(0); elapsed < hikeshi.DefaultSessionPolicy.Absolute; elapsed += time.Hour {
			f.clock.Advance(time.Hour)
			if _, _, err := f.svc.Auth.Authenticate(ctx, secret); err != nil {
				if elapsed+time.Hour < hikeshi.DefaultSessionPolicy.Absolute {
					t.Fatalf("active session ended early after %v: %v", elapsed+time.Hour, err)
				}
			}
		}
		if _, _, err := f.svc.Auth.Authenticate(ctx, secret); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("session outlived its absolute expiry: %v", err)
		}
		// Sign out everywhere.
		_, s1, _, _ := f.svc.Auth.Login(ctx, "member@example.org", pw, ci)
		_, s2, _, _ := f.svc.Auth.Login(ctx, "member@example.org", pw, ci)
		if _, err := f.svc.Auth.LogoutEverywhere(ctx, actor(f.other), f.member.ID); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("someone else signed the member out: %v", err)
		}
		if n, err := f.svc.Auth.LogoutEverywhere(ctx, actor(f.member), f.member.ID); err != nil || n < 2 {
			t.Errorf("logout everywhere: %d, %v", n, err)
		}
		for _, s := range []string{s1, s2} {
			if _, _, err := f.svc.Auth.Authenticate(ctx, s); !errors.Is(err, hikeshi.ErrUnauthenticated) {
				t.Errorf("session survived logout everywhere: %v", err)
			}
		}
		// Disabled accounts cannot sign in, even with the right password.
		if _, err := f.svc.Users.SetDisabled(ctx, actor(f.admin), f.member.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.svc.Auth.Login(ctx, "member@example.org", pw, ci); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("disabled login: %v", err)
		}
		if _, err := f.svc.Users.SetDisabled(ctx, actor(f.admin), f.admin.ID, true); err == nil {
			t.Error("an admin disabled their own account")
		}
		f.auditCount(t)
	})
}

func TestPasswordChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ci := service.ClientInfo{}
		keep, _, _, _ := f.svc.Auth.Login(ctx, "member@example.org", pw, ci)
		_, other, _, _ := f.svc.Auth.Login(ctx, "member@example.org", pw, ci)
		if err := f.svc.Users.SetPassword(ctx, actor(f.member), f.member.ID, "not it at all", "a brand new passphrase", keep.ID); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("wrong current password: %v", err)
		}
		if err := f.svc.Users.SetPassword(ctx, actor(f.member), f.member.ID, pw, "short", keep.ID); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("short new password: %v", err)
		}
		if err := f.svc.Users.SetPassword(ctx, actor(f.other), f.member.ID, "", "a brand new passphrase", ""); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("someone else changed the password: %v", err)
		}
		if err := f.svc.Users.SetPassword(ctx, actor(f.member), f.member.ID, pw, "a brand new passphrase", keep.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Auth.Authenticate(ctx, other); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("other session survived a password change: %v", err)
		}
		if _, _, _, err := f.svc.Auth.Login(ctx, "member@example.org", "a brand new passphrase", ci); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		// An admin resets without the current password.
		if err := f.svc.Users.SetPassword(ctx, actor(f.admin), f.member.ID, "", "reset by the admin!", ""); err != nil {
			t.Errorf("admin reset: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tok, secret, err := f.svc.Auth.CreateToken(ctx, actor(f.csirt), f.csirt.ID, "SIEM")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, service.TokenPrefix) || !strings.HasPrefix(secret, tok.Prefix) || tok.TokenHash == secret {
			t.Errorf("token %q / %+v", secret, tok)
		}
		if _, _, err := f.svc.Auth.CreateToken(ctx, actor(f.member), f.csirt.ID, "steal"); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member created a token for someone else: %v", err)
		}
		u, got, err := f.svc.Auth.AuthenticateToken(ctx, secret)
		if err != nil || u.ID != f.csirt.ID || got.LastUsedAt.IsZero() {
			t.Fatalf("authenticate: %v %+v", err, got)
		}
		for _, bad := range []string{"", "hks_", secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
			if _, _, err := f.svc.Auth.AuthenticateToken(ctx, bad); !errors.Is(err, hikeshi.ErrUnauthenticated) {
				t.Errorf("token %q accepted: %v", bad, err)
			}
		}
		toks, err := f.svc.Auth.ListTokens(ctx, actor(f.csirt), f.csirt.ID)
		if err != nil || len(toks) != 1 {
			t.Fatalf("list: %v %v", toks, err)
		}
		// Disabled users' tokens stop working; re-enabled, they work again.
		f.svc.Users.SetDisabled(ctx, actor(f.admin), f.csirt.ID, true)
		if _, _, err := f.svc.Auth.AuthenticateToken(ctx, secret); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("disabled user's token: %v", err)
		}
		f.svc.Users.SetDisabled(ctx, actor(f.admin), f.csirt.ID, false)
		if err := f.svc.Auth.RevokeToken(ctx, actor(f.csirt), f.csirt.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Auth.AuthenticateToken(ctx, secret); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("revoked token: %v", err)
		}
		if err := f.svc.Auth.RevokeToken(ctx, actor(f.csirt), f.csirt.ID, "missing"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("revoking a missing token: %v", err)
		}
	})
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name, sql string
		want      string
	}{
		{"modified", "UPDATE audit_log SET after_json = '{\"role\":\"admin\"}' WHERE seq = 3", "entry 3"},
		{"deleted", "DELETE FROM audit_log WHERE seq = 4", "entry 5"},
		{"deleted at the end", "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)", "missing"},
		{"head reset", "UPDATE audit_head SET seq = 0, hash = ''", "chain head records 0 entries"},
		{"re-ordered", "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END WHERE seq IN (2, 3)", "entry 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				f := newFixture(t, db)
				f.auditCount(t)
				if tc.name == "re-ordered" {
					// Swap through a free number, since seq is the primary key.
					for _, q := range []string{"UPDATE audit_log SET seq = -1 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = -1"} {
						if err := db.ExecForTest(ctx, q); err != nil {
							t.Fatal(err)
						}
					}
				} else if err := db.ExecForTest(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				_, err := f.svc.Audit.Verify(ctx)
				var br *hikeshi.ChainBreak
				if !errors.As(err, &br) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want a break mentioning %q", err, tc.want)
				}
			})
		})
	}
}
