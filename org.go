package hikeshi

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// DepartmentKind says what part a department plays in the organisation
// patterns of the seed paper.
type DepartmentKind string

// The kinds of department.
const (
	KindManagement   DepartmentKind = "management"    // マネジメント部門
	KindIT           DepartmentKind = "it"            // 情報システム部門
	KindCSIRT        DepartmentKind = "csirt"         // CSIRT
	KindBusinessUnit DepartmentKind = "business_unit" // 事業部門
)

// DepartmentKinds lists every kind in display order.
var DepartmentKinds = []DepartmentKind{KindManagement, KindIT, KindCSIRT, KindBusinessUnit}

// Valid reports whether k is a known kind.
func (k DepartmentKind) Valid() bool {
	for _, v := range DepartmentKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Department is a unit of the organisation that receives work.
type Department struct {
	ID        string
	Name      string
	Kind      DepartmentKind
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Role is what a user may do. Roles are checked in the service layer.
type Role string

// The roles of CONTRACT.md.
const (
	RoleAdmin   Role = "admin"   // administers accounts and settings; sees everything
	RoleCSIRT   Role = "csirt"   // incident handler
	RoleManager Role = "manager" // management: approves, reviews
	RoleMember  Role = "member"  // a department's member: reports, works its tasks
	RoleAuditor Role = "auditor" // reads everything, changes nothing
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleCSIRT, RoleManager, RoleMember, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Locale is a user interface language.
type Locale string

// The supported languages.
const (
	LocaleJA Locale = "ja"
	LocaleEN Locale = "en"
)

// Valid reports whether l is a supported language; the empty locale means
// "follow the browser" and is valid too.
func (l Locale) Valid() bool { return l == "" || l == LocaleJA || l == LocaleEN }

// User is a person who signs in.
type User struct {
	ID           string
	Email        string // unique, stored lower-case
	Name         string
	Role         Role
	DepartmentID string // empty only for admins without a department
	Locale       Locale // empty: from Accept-Language
	PasswordHash string // PHC-formatted Argon2id; empty: cannot sign in with a password
	FailedLogins int
	LockedUntil  time.Time // zero when not locked
	DisabledAt   time.Time // zero when active
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Active reports whether the account may be used.
func (u User) Active() bool { return u.DisabledAt.IsZero() }

// Locked reports whether sign-in is refused at now because of failed attempts.
func (u User) Locked(now time.Time) bool { return !u.LockedUntil.IsZero() && now.Before(u.LockedUntil) }

// Limits on text fields. Generous for people, small enough to refuse abuse.
const (
	MaxNameLen  = 200
	MaxEmailLen = 254
)

// NormalizeEmail trims and lower-cases an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks a normalised address and records a field error on v.
func ValidateEmail(v *ValidationError, field, email string) {
	switch {
	case email == "":
		v.Add(field, "required", "an e-mail address is required")
	case len(email) > MaxEmailLen:
		v.Add(field, "too_long", "the e-mail address is longer than 254 characters")
	default:
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || a.Name != "" {
			v.Add(field, "invalid_email", "not a valid e-mail address like name@example.org")
		}
	}
}

// ValidateName checks a display name and records a field error on v.
func ValidateName(v *ValidationError, field, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.Add(field, "required", "a name is required")
	case !utf8.ValidString(name):
		v.Add(field, "invalid_text", "the name is not valid UTF-8 text")
	case utf8.RuneCountInString(name) > MaxNameLen:
		v.Add(field, "too_long", "the name is longer than 200 characters")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		v.Add(field, "invalid_text", "the name contains control characters")
	}
}
