package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine.
type Engine string

// The engines Hikeshi runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// dialect holds every difference between the engines. Statements are written
// once with ? placeholders; the dialect rebinds them for PostgreSQL.
type dialect struct {
	engine Engine
}

// rebind turns ? placeholders into $1, $2 … for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (d dialect) rebind(q string) string {
	if d.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inQuote := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// t encodes a time for a statement argument: TEXT in TimeLayout on SQLite,
// timestamptz on PostgreSQL; the zero time is NULL on both.
func (d dialect) t(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	if d.engine == SQLite {
		return hikeshi.FormatTime(v)
	}
	return v.UTC()
}

// forUpdate is the row-locking suffix; SQLite's single writer needs none.
func (d dialect) forUpdate() string {
	if d.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked is the suffix of the job claim's inner SELECT. On PostgreSQL
// FOR UPDATE SKIP LOCKED lets concurrent claimers each take different rows
// without waiting for one another; SQLite's single writer serialises claims,
// so it needs none.
func (d dialect) skipLocked() string {
	if d.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// snapshotOptions begins a read-only transaction that sees one snapshot. On
// SQLite a deferred BEGIN on a reader connection (the driver omits _txlock's
// IMMEDIATE for read-only transactions) becomes a WAL snapshot at its first
// read; on PostgreSQL it is BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY.
func (d dialect) snapshotOptions() *sql.TxOptions {
	if d.engine == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// timeCol scans a time column from either engine.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = v.UTC()
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}

func (c timeCol) parse(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: bad time %q: %w", s, err)
	}
	*c.t = v.UTC()
	return nil
}

// mapError turns driver errors into the domain's sentinel errors, by code, in
// this one place.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", hikeshi.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return fmt.Errorf("%w: %v", hikeshi.ErrInvalid, err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %v", hikeshi.ErrConflict, err)
		case "23503", "23514", "23502":
			return fmt.Errorf("%w: %v", hikeshi.ErrInvalid, err)
		}
	}
	return err
}
