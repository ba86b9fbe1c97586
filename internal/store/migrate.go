package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises instances
// migrating at the same time ("hikeshi" in ASCII).
const migrationLockKey = 0x68696b65736869

// Migration is one embedded schema file.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string // hex SHA-256 of SQL
}

// migrationSteps are the parts of migrations that SQL alone cannot do on
// both engines, by version: each runs in its migration's transaction, after
// its SQL.
var migrationSteps = map[int]func(ctx context.Context, tx *sql.Tx, d dialect) error{
	31: fillAlertFingerprintKeys,
}

// Migrations returns the embedded migrations of an engine in order.
func Migrations(e Engine) ([]Migration, error) {
	dir := "migrations/" + string(e)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and an underscore", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations of %s: expected version %d, found %d", e, i+1, m.Version)
		}
	}
	return ms, nil
}

// SchemaVersion returns the highest applied migration (0 on an empty database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	var err error
	if db.d.engine == SQLite {
		err = db.readers.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'hikeshi_migrations'").Scan(&exists)
	} else {
		err = db.readers.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'hikeshi_migrations')").Scan(&exists)
	}
	if err != nil || !exists {
		return 0, err
	}
	var v int
	err = db.readers.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM hikeshi_migrations").Scan(&v)
	return v, err
}

func (db *DB) checkVersion(ctx context.Context) error {
	ms, err := Migrations(db.d.engine)
	if err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("cannot read the schema version: %w", err)
	}
	if v > len(ms) {
		return fmt.Errorf("the database schema is at version %d, newer than this hikeshi binary knows (%d); run a newer hikeshi", v, len(ms))
	}
	if v < len(ms) {
		return fmt.Errorf("the database schema is at version %d but this hikeshi needs %d; run hikeshi migrate", v, len(ms))
	}
	return nil
}

// Migrate applies the embedded migrations that are missing, each in its own
// transaction, and checks the checksums of those already applied. It refuses
// a schema newer than the binary. On PostgreSQL an advisory lock makes
// concurrent starts wait for each other.
func (db *DB) Migrate(ctx context.Context) error { return db.migrate(ctx, 0, nil) }

// migrate is Migrate, stopping after version upTo when it is not 0, and
// telling log (when not nil) what it applies.
func (db *DB) migrate(ctx context.Context, upTo int, log *slog.Logger) error {
	ms, err := Migrations(db.d.engine)
	if err != nil {
		return fmt.Errorf("read embedded migrations: %w", err)
	}
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.d.engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migrate: take the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	ts := "TEXT"
	if db.d.engine == Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS hikeshi_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		checksum   TEXT NOT NULL,
		applied_at `+ts+` NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create the migrations table: %w", err)
	}
	if db.d.engine == SQLite {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
			return fmt.Errorf("migrate: mark the database as Hikeshi's: %w", err)
		}
	}
	applied := map[int]string{}
	rows, err := conn.QueryContext(ctx, "SELECT version, checksum FROM hikeshi_migrations ORDER BY version")
	if err != nil {
		return fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	for rows.Next() {
		var v int
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = sum
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for v := range applied {
		if v > len(ms) {
			return fmt.Errorf("the database schema is at version %d, newer than this hikeshi binary knows (%d); run a newer hikeshi", v, len(ms))
		}
	}
	start := time.Now()
	var first, last int
	for _, m := range ms {
		if upTo > 0 && m.Version > upTo {
			break
		}
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum {
				return fmt.Errorf("migration %s was changed after it was applied to this database (checksum mismatch); restore the original file", m.Name)
			}
			continue
		}
		step := migrationSteps[m.Version]
		if step != nil && log != nil {
			log.Info("applying a migration that rewrites stored rows; on a large database this takes a while", "migration", m.Name)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if step != nil {
			if err := step(ctx, tx, db.d); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate %s: %w", m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind("INSERT INTO hikeshi_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"),
			m.Version, m.Name, m.Checksum, db.d.t(time.Now().UTC().Truncate(time.Microsecond))); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if first == 0 {
			first = m.Version
		}
		last = m.Version
	}
	if last > 0 && log != nil {
		log.Info("migrated the database schema", "from", first-1, "to", last, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
