package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
)

// Auth signs people in and out, and issues and checks API tokens.
type Auth struct {
	base
	sessions  hikeshi.SessionPolicy
	login     hikeshi.LoginPolicy
	argon     ArgonParams
	dummyHash string // checked for unknown e-mail addresses so timing does not reveal accounts
}

func newAuth(b base, o Options) *Auth {
	h, err := HashPassword("hikeshi-dummy-password", o.Argon)
	if err != nil {
		panic("service: cannot hash the dummy password: " + err.Error())
	}
	return &Auth{base: b, sessions: o.Sessions, login: o.Login, argon: o.Argon, dummyHash: h}
}

// SessionPolicy returns the expiry rules, for cookie lifetimes.
func (s *Auth) SessionPolicy() hikeshi.SessionPolicy { return s.sessions }

// LockedError says until when an account is locked.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "the account is locked after too many failed sign-ins until " + e.Until.UTC().Format(time.RFC3339)
}

// Unwrap matches hikeshi.ErrLocked.
func (e *LockedError) Unwrap() error { return hikeshi.ErrLocked }

// ClientInfo describes where a sign-in comes from, for the session list.
type ClientInfo struct {
	UserAgent  string
	RemoteAddr string
}

// touchEvery bounds how often a session's or token's last use is written.
const touchEvery = time.Minute

// NewSecret returns a random URL-safe secret with a prefix, and its SHA-256 in hex.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("service: crypto/rand failed: " + err.Error())
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the hex SHA-256 of a session or token secret.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Login checks an e-mail address and password. On success it returns a new
// session and the secret for its cookie. Failures return ErrUnauthenticated
// (the same for unknown addresses and wrong passwords) or a *LockedError.
// Failed attempts count towards a lock-out and are written to the audit log.
func (s *Auth) Login(ctx context.Context, email, password string, ci ClientInfo) (hikeshi.Session, string, hikeshi.User, error) {
	email = hikeshi.NormalizeEmail(email)
	if len(email) > hikeshi.MaxEmailLen || len(password) > MaxPasswordLen*4 || !utf8.ValidString(email) {
		return hikeshi.Session{}, "", hikeshi.User{}, hikeshi.ErrUnauthenticated
	}
	u, err := s.st.FindUserByEmail(ctx, email)
	if errors.Is(err, hikeshi.ErrNotFound) {
		CheckPassword(s.dummyHash, password)
		s.recordFailure(ctx, hikeshi.User{Email: email}, ci, "unknown_email")
		return hikeshi.Session{}, "", hikeshi.User{}, hikeshi.ErrUnauthenticated
	}
	if err != nil {
		return hikeshi.Session{}, "", hikeshi.User{}, fmt.Errorf("login: %w", err)
	}
	now := s.clock.Now()
	if u.Locked(now) {
		return hikeshi.Session{}, "", hikeshi.User{}, &LockedError{Until: u.LockedUntil}
	}
	ok := false
	if u.PasswordHash != "" {
		ok, err = CheckPassword(u.PasswordHash, password)
		if err != nil {
			return hikeshi.Session{}, "", hikeshi.User{}, fmt.Errorf("login: %w", err)
		}
	} else {
		CheckPassword(s.dummyHash, password)
	}
	if !ok || !u.Active() {
		reason := "wrong_password"
		if ok {
			reason = "disabled"
		}
		if locked := s.recordFailure(ctx, u, ci, reason); locked != nil {
			return hikeshi.Session{}, "", hikeshi.User{}, locked
		}
		return hikeshi.Session{}, "", hikeshi.User{}, hikeshi.ErrUnauthenticated
	}
	secret, hash := NewSecret("")
	sess := hikeshi.Session{ID: hikeshi.NewID(), TokenHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessions.Absolute), UserAgent: truncate(ci.UserAgent, 300), RemoteAddr: truncate(ci.RemoteAddr, 100)}
	err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
			u.FailedLogins, u.LockedUntil, u.UpdatedAt = 0, time.Time{}, now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return s.audit(ctx, tx, hikeshi.ActorFor(u, "web"), "session.login", "session", sess.ID, nil,
			map[string]string{"user_id": u.ID, "remote_addr": sess.RemoteAddr})
	})
	if err != nil {
		return hikeshi.Session{}, "", hikeshi.User{}, fmt.Errorf("login: %w", err)
	}
	return sess, secret, u, nil
}

// recordFailure counts a failed sign-in and locks the account when the policy
// says so; it returns the lock when one was set.
func (s *Auth) recordFailure(ctx context.Context, u hikeshi.User, ci ClientInfo, reason string) *LockedError {
	var locked *LockedError
	now := s.clock.Now()
	_ = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		detail := map[string]any{"email": u.Email, "reason": reason, "remote_addr": truncate(ci.RemoteAddr, 100)}
		if u.ID == "" {
			return s.audit(ctx, tx, hikeshi.Actor{Email: truncate(u.Email, 254), Via: "web"}, "session.login_failed", "user", "", nil, detail)
		}
		cur, err := tx.FindUserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.FailedLogins++
		cur.UpdatedAt = now
		if cur.FailedLogins >= s.login.MaxFailures {
			cur.LockedUntil = now.Add(s.login.LockFor)
			cur.FailedLogins = 0
			locked = &LockedError{Until: cur.LockedUntil}
		}
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		detail["failed_logins"] = cur.FailedLogins
		actor := hikeshi.Actor{UserID: cur.ID, Email: cur.Email, Role: cur.Role, Via: "web"}
		if err := s.audit(ctx, tx, actor, "session.login_failed", "user", cur.ID, nil, detail); err != nil {
			return err
		}
		if locked != nil {
			return s.audit(ctx, tx, actor, "user.locked", "user", cur.ID, nil, map[string]any{"locked_until": cur.LockedUntil})
		}
		return nil
	})
	return locked
}

// Authenticate returns the user and session of a session cookie's secret.
// Expired sessions are refused with ErrUnauthenticated.
func (s *Auth) Authenticate(ctx context.Context, secret string) (hikeshi.User, hikeshi.Session, error) {
	if secret == "" || len(secret) > 200 {
		return hikeshi.User{}, hikeshi.Session{}, hikeshi.ErrUnauthenticated
	}
	sess, err := s.st.FindSessionByTokenHash(ctx, HashSecret(secret))
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.User{}, hikeshi.Session{}, hikeshi.ErrUnauthenticated
	}
	if err != nil {
		return hikeshi.User{}, hikeshi.Session{}, err
	}
	now := s.clock.Now()
	if !s.sessions.Valid(sess, now) {
		return hikeshi.User{}, hikeshi.Session{}, hikeshi.ErrUnauthenticated
	}
	u, err := s.st.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return hikeshi.User{}, hikeshi.Session{}, err
	}
	if !u.Active() {
		return hikeshi.User{}, hikeshi.Session{}, hikeshi.ErrUnauthenticated
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		// Activity bookkeeping, not a change of records: not audited.
		err := s.st.InTx(ctx, func(tx hikeshi.Tx) error { return tx.TouchSession(ctx, sess.ID, now) })
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.User{}, hikeshi.Session{}, err
		}
		sess.LastSeenAt = now
	}
	return u, sess, nil
}

// Logout ends one session.
func (s *Auth) Logout(ctx context.Context, actor hikeshi.Actor, sessionID string) error {
	return s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := tx.DeleteSession(ctx, sessionID); err != nil {
			if errors.Is(err, hikeshi.ErrNotFound) {
				return nil
			}
			return err
		}
		return s.audit(ctx, tx, actor, "session.logout", "session", sessionID, nil, nil)
	})
}

// LogoutEverywhere ends every session of a user. Users may end their own;
// admins anyone's.
func (s *Auth) LogoutEverywhere(ctx context.Context, actor hikeshi.Actor, userID string) (int, error) {
	if actor.UserID != userID && !actor.CanAdminister() {
		return 0, forbid("sign out everywhere")
	}
	var n int
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var err error
		if n, err = tx.DeleteSessionsOfUser(ctx, userID, ""); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "session.logout_all", "user", userID, nil, map[string]int{"sessions_ended": n})
	})
	return n, err
}

// CleanExpiredSessions deletes sessions past their expiry; run periodically.
func (s *Auth) CleanExpiredSessions(ctx context.Context) (int, error) {
	var n int
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, s.clock.Now(), s.sessions.Idle)
		return err
	})
	return n, err
}

// TokenPrefix starts every API token, so secret scanners can recognise them.
const TokenPrefix = "hks_"

// CreateToken issues an API token for a user and returns it with its secret,
// which is shown this once and stored only as a hash. Users issue their own;
// admins anyone's.
func (s *Auth) CreateToken(ctx context.Context, actor hikeshi.Actor, userID, name string) (hikeshi.APIToken, string, error) {
	if actor.UserID != userID && !actor.CanAdminister() {
		return hikeshi.APIToken{}, "", forbid("create API token")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	var v hikeshi.ValidationError
	hikeshi.ValidateName(&v, "name", name)
	if err := v.Err(); err != nil {
		return hikeshi.APIToken{}, "", err
	}
	secret, hash := NewSecret(TokenPrefix)
	tok := hikeshi.APIToken{ID: hikeshi.NewID(), UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6],
		TokenHash: hash, CreatedAt: s.clock.Now()}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		u, err := tx.FindUserByID(ctx, userID)
		if err != nil {
			return err
		}
		if !u.Active() {
			return fmt.Errorf("the account %s is disabled: %w", u.Email, hikeshi.ErrConflict)
		}
		if err := tx.CreateAPIToken(ctx, tok); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "token.create", "api_token", tok.ID, nil,
			map[string]string{"user_id": userID, "name": name, "prefix": tok.Prefix})
	})
	if err != nil {
		return hikeshi.APIToken{}, "", fmt.Errorf("create API token: %w", err)
	}
	return tok, secret, nil
}

// AuthenticateToken returns the user of a bearer token. Unknown, revoked
// tokens and disabled users give ErrUnauthenticated.
func (s *Auth) AuthenticateToken(ctx context.Context, secret string) (hikeshi.User, hikeshi.APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return hikeshi.User{}, hikeshi.APIToken{}, hikeshi.ErrUnauthenticated
	}
	tok, err := s.st.FindAPITokenByHash(ctx, HashSecret(secret))
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.User{}, hikeshi.APIToken{}, hikeshi.ErrUnauthenticated
	}
	if err != nil {
		return hikeshi.User{}, hikeshi.APIToken{}, err
	}
	if !tok.RevokedAt.IsZero() {
		return hikeshi.User{}, hikeshi.APIToken{}, hikeshi.ErrUnauthenticated
	}
	u, err := s.st.FindUserByID(ctx, tok.UserID)
	if err != nil {
		return hikeshi.User{}, hikeshi.APIToken{}, err
	}
	if !u.Active() {
		return hikeshi.User{}, hikeshi.APIToken{}, hikeshi.ErrUnauthenticated
	}
	now := s.clock.Now()
	if tok.LastUsedAt.IsZero() || now.Sub(tok.LastUsedAt) >= touchEvery {
		err := s.st.InTx(ctx, func(tx hikeshi.Tx) error { return tx.TouchAPIToken(ctx, tok.ID, now) })
		if err != nil {
			return hikeshi.User{}, hikeshi.APIToken{}, err
		}
		tok.LastUsedAt = now
	}
	return u, tok, nil
}

// ListTokens lists a user's tokens (never their secrets).
func (s *Auth) ListTokens(ctx context.Context, actor hikeshi.Actor, userID string) ([]hikeshi.APIToken, error) {
	if actor.UserID != userID && !actor.CanAdminister() && !actor.CanReadAudit() {
		return nil, forbid("list API tokens")
	}
	return s.st.FindAPITokensByUser(ctx, userID)
}

// RevokeToken revokes a token of the actor's own, or any token for admins.
func (s *Auth) RevokeToken(ctx context.Context, actor hikeshi.Actor, userID, tokenID string) error {
	if actor.UserID != userID && !actor.CanAdminister() {
		return forbid("revoke API token")
	}
	return s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		toks, err := tx.FindAPITokensByUser(ctx, userID)
		if err != nil {
			return err
		}
		for _, t := range toks {
			if t.ID != tokenID {
				continue
			}
			if !t.RevokedAt.IsZero() {
				return nil
			}
			if err := tx.RevokeAPIToken(ctx, tokenID, s.clock.Now()); err != nil {
				return err
			}
			return s.audit(ctx, tx, actor, "token.revoke", "api_token", tokenID, nil, map[string]string{"user_id": userID, "prefix": t.Prefix})
		}
		return hikeshi.ErrNotFound
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) && len(s) > 0 {
		s = s[:len(s)-1]
	}
	return s
}
