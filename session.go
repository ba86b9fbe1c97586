package hikeshi

import "time"

// Session is a signed-in browser. Only the SHA-256 of the cookie value is
// stored, so a copy of the database does not let anyone sign in.
type Session struct {
	ID         string // time-ordered id, for listing and revocation
	TokenHash  string // hex SHA-256 of the cookie value
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry
	UserAgent  string
	RemoteAddr string
}

// SessionPolicy holds the expiry rules of sessions.
type SessionPolicy struct {
	Idle     time.Duration // a session unused this long ends
	Absolute time.Duration // no session lives longer than this
}

// DefaultSessionPolicy is used unless configured otherwise.
var DefaultSessionPolicy = SessionPolicy{Idle: 8 * time.Hour, Absolute: 7 * 24 * time.Hour}

// Valid reports whether s may still be used at now under p.
func (p SessionPolicy) Valid(s Session, now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Sub(s.LastSeenAt) < p.Idle
}

// APIToken is a bearer token for the JSON API. Only its SHA-256 is stored; the
// token itself is shown once, when it is created.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	Prefix     string // first characters of the token, to recognise it in lists
	TokenHash  string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero when valid
}

// LoginPolicy holds the rules against password guessing.
type LoginPolicy struct {
	MaxFailures int           // failed attempts in a row before the account locks
	LockFor     time.Duration // how long the lock lasts
}

// DefaultLoginPolicy locks an account for 15 minutes after 5 failures in a row.
var DefaultLoginPolicy = LoginPolicy{MaxFailures: 5, LockFor: 15 * time.Minute}
