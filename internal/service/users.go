package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Users manages accounts.
type Users struct {
	base
	argon ArgonParams
}

// UserInput creates a user.
type UserInput struct {
	Email        string
	Name         string
	Role         hikeshi.Role
	DepartmentID string
	Locale       hikeshi.Locale
	Password     string // empty: the account cannot sign in with a password until one is set
}

// UserPatch changes a user; nil fields stay as they are.
type UserPatch struct {
	Name         *string
	Role         *hikeshi.Role
	DepartmentID *string
	Locale       *hikeshi.Locale
}

// userView is what the audit log records of a user: never the password hash.
type userView struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	DepartmentID string     `json:"department_id,omitempty"`
	Locale       string     `json:"locale,omitempty"`
	HasPassword  bool       `json:"has_password"`
	FailedLogins int        `json:"failed_logins,omitempty"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

func viewUser(u hikeshi.User) userView {
	v := userView{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), DepartmentID: u.DepartmentID,
		Locale: string(u.Locale), HasPassword: u.PasswordHash != "", FailedLogins: u.FailedLogins}
	if !u.LockedUntil.IsZero() {
		t := u.LockedUntil
		v.LockedUntil = &t
	}
	if !u.DisabledAt.IsZero() {
		t := u.DisabledAt
		v.DisabledAt = &t
	}
	return v
}

// validateUser checks the fields of u and that its department exists.
func validateUser(ctx context.Context, r hikeshi.Reader, u hikeshi.User) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateEmail(&v, "email", u.Email)
	hikeshi.ValidateName(&v, "name", u.Name)
	if !u.Role.Valid() {
		v.Add("role", "unknown", "role must be one of admin, csirt, manager, member, auditor")
	}
	if !u.Locale.Valid() {
		v.Add("locale", "unknown", "locale must be ja, en or empty")
	}
	if u.DepartmentID == "" && u.Role != hikeshi.RoleAdmin && u.Role.Valid() {
		v.Add("department", "required", "every user except an admin belongs to a department")
	}
	if u.DepartmentID != "" {
		if _, err := r.FindDepartmentByID(ctx, u.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
			v.Add("department", "unknown", "there is no such department")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

// canSee reports whether actor may read user u.
func canSee(actor hikeshi.Actor, u hikeshi.User) bool {
	return actor.CanReadAll() || actor.UserID == u.ID || (actor.DepartmentID != "" && actor.DepartmentID == u.DepartmentID)
}

// List returns users. Members see the people of their own department.
func (s *Users) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.UserFilter) ([]hikeshi.User, error) {
	if !actor.CanReadAll() {
		if actor.DepartmentID == "" {
			return nil, forbid("list users")
		}
		if f.DepartmentID != "" && f.DepartmentID != actor.DepartmentID {
			return nil, forbid("list users of another department")
		}
		f.DepartmentID = actor.DepartmentID
	}
	return s.st.FindUsers(ctx, f)
}

// Get returns one user the actor may see; others are reported as not found.
func (s *Users) Get(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.User, error) {
	u, err := s.st.FindUserByID(ctx, id)
	if err != nil {
		return hikeshi.User{}, err
	}
	if !canSee(actor, u) {
		return hikeshi.User{}, hikeshi.ErrNotFound
	}
	return u, nil
}

// Create adds a user. Admins only (and the system, for the CLI and the demo).
func (s *Users) Create(ctx context.Context, actor hikeshi.Actor, in UserInput) (hikeshi.User, error) {
	if !actor.CanAdminister() {
		return hikeshi.User{}, forbid("create user")
	}
	now := s.clock.Now()
	u := hikeshi.User{ID: hikeshi.NewID(), Email: hikeshi.NormalizeEmail(in.Email), Name: strings.TrimSpace(in.Name),
		Role: in.Role, DepartmentID: in.DepartmentID, Locale: in.Locale, CreatedAt: now, UpdatedAt: now}
	if in.Password != "" {
		if err := validatePassword("password", in.Password); err != nil {
			return hikeshi.User{}, err
		}
		h, err := HashPassword(in.Password, s.argon)
		if err != nil {
			return hikeshi.User{}, err
		}
		u.PasswordHash = h
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := validateUser(ctx, tx, u); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return conflictField(err, "email", "a user with this e-mail address already exists")
		}
		return s.audit(ctx, tx, actor, "user.create", "user", u.ID, nil, viewUser(u))
	})
	if err != nil {
		return hikeshi.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Update changes a user. Admins change anything; users change their own name
// and language.
func (s *Users) Update(ctx context.Context, actor hikeshi.Actor, id string, p UserPatch) (hikeshi.User, error) {
	self := actor.UserID == id && actor.UserID != ""
	// Users keep their own profile: name and language. A read-only auditor
	// changes no records but may still choose the language they read in.
	selfAllowed := self && p.Role == nil && p.DepartmentID == nil && (!actor.ReadOnly() || p.Name == nil)
	if !actor.CanAdminister() && !selfAllowed {
		return hikeshi.User{}, forbid("update user")
	}
	if self && p.Role != nil && *p.Role != hikeshi.RoleAdmin {
		return hikeshi.User{}, fmt.Errorf("an admin cannot remove their own admin role; ask another admin: %w", hikeshi.ErrConflict)
	}
	return s.change(ctx, actor, id, "user.update", func(u *hikeshi.User) error {
		if p.Name != nil {
			u.Name = strings.TrimSpace(*p.Name)
		}
		if p.Role != nil {
			u.Role = *p.Role
		}
		if p.DepartmentID != nil {
			u.DepartmentID = *p.DepartmentID
		}
		if p.Locale != nil {
			u.Locale = *p.Locale
		}
		return nil
	})
}

// change applies fn to a user inside a transaction, validates, saves and
// audits the before and after states.
func (s *Users) change(ctx context.Context, actor hikeshi.Actor, id, action string, fn func(u *hikeshi.User) error) (hikeshi.User, error) {
	return s.changeThen(ctx, actor, id, action, fn, nil)
}

// changeThen is change with a step that runs in the same transaction after
// the user was saved, when anything changed.
func (s *Users) changeThen(ctx context.Context, actor hikeshi.Actor, id, action string, fn func(u *hikeshi.User) error,
	then func(tx hikeshi.Tx, u hikeshi.User) error) (hikeshi.User, error) {
	var out hikeshi.User
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindUserByID(ctx, id)
		if err != nil {
			return err
		}
		u := before
		if err := fn(&u); err != nil {
			return err
		}
		if err := validateUser(ctx, tx, u); err != nil {
			return err
		}
		out = u
		if u == before {
			return nil
		}
		u.UpdatedAt = s.clock.Now()
		out = u
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if then != nil {
			if err := then(tx, u); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, action, "user", u.ID, viewUser(before), viewUser(u))
	})
	if err != nil {
		return hikeshi.User{}, fmt.Errorf("%s: %w", action, err)
	}
	return out, nil
}

// SetPassword changes a password. Users give their current password; an admin
// resetting someone else's does not. Every session of the user ends, except
// keepSessionID (the session that made the change).
func (s *Users) SetPassword(ctx context.Context, actor hikeshi.Actor, id, current, next, keepSessionID string) error {
	self := actor.UserID == id && actor.UserID != ""
	if !self && !actor.CanAdminister() {
		return forbid("set password")
	}
	if err := validatePassword("new_password", next); err != nil {
		return err
	}
	h, err := HashPassword(next, s.argon)
	if err != nil {
		return err
	}
	return s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		u, err := tx.FindUserByID(ctx, id)
		if err != nil {
			return err
		}
		if self {
			ok, err := CheckPassword(u.PasswordHash, current)
			if u.PasswordHash == "" || err != nil || !ok {
				return hikeshi.Invalid("current_password", "wrong", "the current password is not correct")
			}
		}
		u.PasswordHash, u.FailedLogins, u.LockedUntil, u.UpdatedAt = h, 0, time.Time{}, s.clock.Now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if _, err := tx.DeleteSessionsOfUser(ctx, u.ID, keepSessionID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user.password_change", "user", u.ID, nil, map[string]any{"by_admin": !self})
	})
}

// SetDisabled disables or re-enables an account. Disabling ends its sessions;
// its API tokens stop working while it is disabled. Admins only, and never
// their own account.
func (s *Users) SetDisabled(ctx context.Context, actor hikeshi.Actor, id string, disabled bool) (hikeshi.User, error) {
	if !actor.CanAdminister() {
		return hikeshi.User{}, forbid("disable user")
	}
	if actor.UserID == id {
		return hikeshi.User{}, fmt.Errorf("you cannot disable your own account: %w", hikeshi.ErrConflict)
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.changeThen(ctx, actor, id, action, func(u *hikeshi.User) error {
		if disabled && u.DisabledAt.IsZero() {
			u.DisabledAt = s.clock.Now()
		} else if !disabled {
			u.DisabledAt = time.Time{}
		}
		return nil
	}, func(tx hikeshi.Tx, u hikeshi.User) error {
		if !disabled {
			return nil
		}
		_, err := tx.DeleteSessionsOfUser(ctx, u.ID, "")
		return err
	})
}

// Unlock clears a sign-in lock-out. Admins only.
func (s *Users) Unlock(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.User, error) {
	if !actor.CanAdminister() {
		return hikeshi.User{}, forbid("unlock user")
	}
	return s.change(ctx, actor, id, "user.unlock", func(u *hikeshi.User) error {
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		return nil
	})
}

// FindByEmail returns a user by address, for the CLI (system actor) and admins.
func (s *Users) FindByEmail(ctx context.Context, actor hikeshi.Actor, email string) (hikeshi.User, error) {
	u, err := s.st.FindUserByEmail(ctx, hikeshi.NormalizeEmail(email))
	if err != nil {
		return hikeshi.User{}, err
	}
	if !canSee(actor, u) {
		return hikeshi.User{}, hikeshi.ErrNotFound
	}
	return u, nil
}

// Count returns the number of users (for the demo loader and set-up checks).
func (s *Users) Count(ctx context.Context) (int, error) { return s.st.CountUsers(ctx) }
