package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/hikeshi/hikeshi"
)

const departmentCols = "id, name, kind, created_at, updated_at"

func scanDepartment(s interface{ Scan(...any) error }) (hikeshi.Department, error) {
	var d hikeshi.Department
	err := s.Scan(&d.ID, &d.Name, &d.Kind, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	return d, err
}

// FindDepartmentByID returns one department.
func (q queries) FindDepartmentByID(ctx context.Context, id string) (hikeshi.Department, error) {
	d, err := scanDepartment(q.row(ctx, "SELECT "+departmentCols+" FROM departments WHERE id = ?", id))
	return d, notFound(err)
}

// FindDepartmentByName returns the department with that exact name.
func (q queries) FindDepartmentByName(ctx context.Context, name string) (hikeshi.Department, error) {
	d, err := scanDepartment(q.row(ctx, "SELECT "+departmentCols+" FROM departments WHERE name = ?", name))
	return d, notFound(err)
}

// FindDepartments lists departments in id order after the cursor.
func (q queries) FindDepartments(ctx context.Context, p hikeshi.Page) ([]hikeshi.Department, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+departmentCols+" FROM departments WHERE id > ? ORDER BY id LIMIT ?", p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanDepartment)
}

// CountUsersInDepartment counts the users of a department.
func (q queries) CountUsersInDepartment(ctx context.Context, departmentID string) (int, error) {
	var n int
	err := q.row(ctx, "SELECT count(*) FROM users WHERE department_id = ?", departmentID).Scan(&n)
	return n, mapError(err)
}

// CreateDepartment inserts a department.
func (t *tx) CreateDepartment(ctx context.Context, d hikeshi.Department) error {
	_, err := t.exec(ctx, "INSERT INTO departments ("+departmentCols+") VALUES (?, ?, ?, ?, ?)",
		d.ID, d.Name, string(d.Kind), t.d.t(d.CreatedAt), t.d.t(d.UpdatedAt))
	return err
}

// UpdateDepartment replaces a department's name and kind.
func (t *tx) UpdateDepartment(ctx context.Context, d hikeshi.Department) error {
	return t.execOne(ctx, "UPDATE departments SET name = ?, kind = ?, updated_at = ? WHERE id = ?",
		d.Name, string(d.Kind), t.d.t(d.UpdatedAt), d.ID)
}

// DeleteDepartment removes a department that no user belongs to.
func (t *tx) DeleteDepartment(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM departments WHERE id = ?", id)
}

const userCols = "id, email, name, role, department_id, locale, password_hash, failed_logins, locked_until, disabled_at, created_at, updated_at"

func scanUser(s interface{ Scan(...any) error }) (hikeshi.User, error) {
	var u hikeshi.User
	var dept sql.NullString
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &dept, &u.Locale, &u.PasswordHash, &u.FailedLogins,
		timeCol{&u.LockedUntil}, timeCol{&u.DisabledAt}, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	u.DepartmentID = dept.String
	return u, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FindUserByID returns one user.
func (q queries) FindUserByID(ctx context.Context, id string) (hikeshi.User, error) {
	u, err := scanUser(q.row(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
	return u, notFound(err)
}

// FindUserByEmail returns the user with that (normalised) address.
func (q queries) FindUserByEmail(ctx context.Context, email string) (hikeshi.User, error) {
	u, err := scanUser(q.row(ctx, "SELECT "+userCols+" FROM users WHERE email = ?", email))
	return u, notFound(err)
}

// FindUsers lists users in id order after the cursor.
func (q queries) FindUsers(ctx context.Context, f hikeshi.UserFilter) ([]hikeshi.User, error) {
	p := f.Page.Normalize()
	query := "SELECT " + userCols + " FROM users WHERE id > ?"
	args := []any{p.After}
	if f.DepartmentID != "" {
		query += " AND department_id = ?"
		args = append(args, f.DepartmentID)
	}
	if f.Role != "" {
		query += " AND role = ?"
		args = append(args, string(f.Role))
	}
	query += " ORDER BY id LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanUser)
}

// CountUsers counts all users.
func (q queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := q.row(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, mapError(err)
}

// CreateUser inserts a user.
func (t *tx) CreateUser(ctx context.Context, u hikeshi.User) error {
	_, err := t.exec(ctx, "INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Email, u.Name, string(u.Role), nullString(u.DepartmentID), string(u.Locale), u.PasswordHash,
		u.FailedLogins, t.d.t(u.LockedUntil), t.d.t(u.DisabledAt), t.d.t(u.CreatedAt), t.d.t(u.UpdatedAt))
	return err
}

// UpdateUser replaces every mutable column of a user.
func (t *tx) UpdateUser(ctx context.Context, u hikeshi.User) error {
	return t.execOne(ctx, `UPDATE users SET email = ?, name = ?, role = ?, department_id = ?, locale = ?,
		password_hash = ?, failed_logins = ?, locked_until = ?, disabled_at = ?, updated_at = ? WHERE id = ?`,
		u.Email, u.Name, string(u.Role), nullString(u.DepartmentID), string(u.Locale), u.PasswordHash,
		u.FailedLogins, t.d.t(u.LockedUntil), t.d.t(u.DisabledAt), t.d.t(u.UpdatedAt), u.ID)
}

const sessionCols = "id, token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, remote_addr"

func scanSession(s interface{ Scan(...any) error }) (hikeshi.Session, error) {
	var v hikeshi.Session
	err := s.Scan(&v.ID, &v.TokenHash, &v.UserID, timeCol{&v.CreatedAt}, timeCol{&v.LastSeenAt}, timeCol{&v.ExpiresAt}, &v.UserAgent, &v.RemoteAddr)
	return v, err
}

// FindSessionByTokenHash returns the session whose cookie hashes to hash.
func (q queries) FindSessionByTokenHash(ctx context.Context, hash string) (hikeshi.Session, error) {
	s, err := scanSession(q.row(ctx, "SELECT "+sessionCols+" FROM sessions WHERE token_hash = ?", hash))
	return s, notFound(err)
}

// CreateSession inserts a session.
func (t *tx) CreateSession(ctx context.Context, s hikeshi.Session) error {
	_, err := t.exec(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.TokenHash, s.UserID, t.d.t(s.CreatedAt), t.d.t(s.LastSeenAt), t.d.t(s.ExpiresAt), s.UserAgent, s.RemoteAddr)
	return err
}

// TouchSession records use of a session.
func (t *tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	return t.execOne(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", t.d.t(at), id)
}

// DeleteSession ends one session.
func (t *tx) DeleteSession(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM sessions WHERE id = ?", id)
}

// DeleteSessionsOfUser ends every session of a user except exceptID.
func (t *tx) DeleteSessionsOfUser(ctx context.Context, userID, exceptID string) (int, error) {
	res, err := t.exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, exceptID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredSessions removes sessions past their absolute or idle expiry.
func (t *tx) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	res, err := t.exec(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", t.d.t(now), t.d.t(now.Add(-idle)))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

const tokenCols = "id, user_id, name, prefix, token_hash, created_at, last_used_at, revoked_at"

func scanToken(s interface{ Scan(...any) error }) (hikeshi.APIToken, error) {
	var v hikeshi.APIToken
	err := s.Scan(&v.ID, &v.UserID, &v.Name, &v.Prefix, &v.TokenHash, timeCol{&v.CreatedAt}, timeCol{&v.LastUsedAt}, timeCol{&v.RevokedAt})
	return v, err
}

// FindAPITokenByHash returns the token that hashes to hash.
func (q queries) FindAPITokenByHash(ctx context.Context, hash string) (hikeshi.APIToken, error) {
	v, err := scanToken(q.row(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE token_hash = ?", hash))
	return v, notFound(err)
}

// FindAPITokensByUser lists a user's tokens, newest first.
func (q queries) FindAPITokensByUser(ctx context.Context, userID string) ([]hikeshi.APIToken, error) {
	rows, err := q.query(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanToken)
}

// CreateAPIToken inserts a token.
func (t *tx) CreateAPIToken(ctx context.Context, v hikeshi.APIToken) error {
	_, err := t.exec(ctx, "INSERT INTO api_tokens ("+tokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		v.ID, v.UserID, v.Name, v.Prefix, v.TokenHash, t.d.t(v.CreatedAt), t.d.t(v.LastUsedAt), t.d.t(v.RevokedAt))
	return err
}

// TouchAPIToken records use of a token.
func (t *tx) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	return t.execOne(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", t.d.t(at), id)
}

// RevokeAPIToken revokes a token; revoking twice keeps the first time.
func (t *tx) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	return t.execOne(ctx, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", t.d.t(at), id)
}

// GetSetting returns a setting's value.
func (q queries) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := q.row(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	return v, notFound(err)
}

// PutSetting inserts or replaces a setting.
func (t *tx) PutSetting(ctx context.Context, key, value string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, t.d.t(at))
	return err
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}
