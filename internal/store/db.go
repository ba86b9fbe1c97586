// Package store is Hikeshi's storage on SQLite and PostgreSQL. It is the only
// importer of database/sql and the drivers; every engine difference lives in
// dialect.go. Statements are hand-written, portable SQL.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// writerCacheKiB is the SQLite writer connection's page cache, in KiB.
const writerCacheKiB = 8192

// applicationID marks a SQLite file as Hikeshi's ("HIKE").
const applicationID = 0x48494b45

// Options say which database to open.
type Options struct {
	// DB is a postgres:// or postgresql:// URL, or a SQLite file path; a
	// relative path is taken inside DataDir. Empty means "hikeshi.db".
	DB string
	// DataDir holds the SQLite file; it is created when SQLite is used.
	DataDir string
	// ReadOnly opens without migrating; used by commands that only read.
	ReadOnly bool
	// Log, when set, hears of the migrations applied at open: one line
	// before each that rewrites stored rows (it may take a while on a
	// large database) and one line when they are done.
	Log *slog.Logger

	// migrateTo stops migrating at this version (0: the latest); only
	// tests of a migration over rows stored before it set it.
	migrateTo int
}

// DB is an open database. It implements hikeshi.Store.
type DB struct {
	queries             // reads go to the reader pool
	writer   *sql.DB    // SQLite: one connection; PostgreSQL: the same pool as readers
	stmts    *stmtCache // SQLite: the writer's prepared statements (stmtcache.go); nil on PostgreSQL
	readers  *sql.DB
	path     string        // SQLite file path; empty on PostgreSQL
	readOnly bool          // opened by a command that only reads: leaves checkpoints to the server
	ckpt     *checkpointer // SQLite, writable: checkpoints beside the writer (checkpointer.go)
	keys     *keyFilter    // SQLite, writable: the fingerprint keys of stored alerts (alertkeyfilter.go)
}

var _ hikeshi.Store = (*DB)(nil)

// Engine reports which engine is in use.
func (db *DB) Engine() Engine { return db.d.engine }

// Describe names the database for logs without secrets.
func (db *DB) Describe() string {
	if db.d.engine == SQLite {
		return "sqlite:" + db.path
	}
	return "postgres"
}

// Pools returns the connection pools for metrics: the writer and, when
// different, the readers.
func (db *DB) Pools() map[string]*sql.DB {
	if db.readers == db.writer {
		return map[string]*sql.DB{"main": db.writer}
	}
	return map[string]*sql.DB{"writer": db.writer, "readers": db.readers}
}

// IsPostgresURL reports whether s selects PostgreSQL.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens (and unless ReadOnly, migrates) the database Options name. Its
// errors are single sentences fit for a user.
func Open(ctx context.Context, o Options) (*DB, error) {
	if IsPostgresURL(o.DB) {
		return openPostgres(ctx, o)
	}
	if strings.Contains(o.DB, "://") {
		return nil, fmt.Errorf("the database %q is neither a postgres:// URL nor a file path; use postgres://user:pass@host/db or a SQLite file name", redactURL(o.DB))
	}
	return openSQLite(ctx, o)
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	path := o.DB
	if path == "" {
		path = "hikeshi.db"
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(o.DataDir, path)
	}
	if err := checkSQLiteFile(path); err != nil {
		return nil, err
	}
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("cannot create the data directory %s: %w", filepath.Dir(path), err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("there is no Hikeshi database at %s; run hikeshi migrate or serve first", path)
	}
	// Pragmas go in the DSN so every pooled connection has them.
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	// The writer keeps a larger page cache than SQLite's 2 MiB: a batch of
	// a few hundred alerts dirties more pages than that, and SQLite then
	// spills them to the log mid-transaction and rewrites their checksums
	// at commit — a fifth of the intake writer's time (decision 0044).
	w, err := sql.Open("sqlite", base+fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)&_pragma=cache_size(-%d)", walBackstopPages, writerCacheKiB))
	if err != nil {
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1) // one writer: SQLite allows no more, and waiting in Go is cheaper than SQLITE_BUSY
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{queries: queries{q: r, d: dialect{SQLite}}, writer: w, readers: r, path: path, readOnly: o.ReadOnly, stmts: newStmtCache(w)}
	if err := db.checkOwner(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !o.ReadOnly {
		if err := db.migrate(ctx, o.migrateTo, o.Log); err != nil {
			db.Close()
			return nil, err
		}
		if db.ckpt, err = startCheckpointer(base, w); err != nil {
			db.Close()
			return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
		}
		db.keys = newKeyFilter(r)
	} else if err := db.checkVersion(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkSQLiteFile refuses a file that exists but is not a SQLite database,
// before the driver could write anything to it.
func checkSQLiteFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the database file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read the database file %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("the database path %s is a directory, not a file", path)
	}
	if st.Size() == 0 {
		return nil
	}
	head := make([]byte, 16)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, []byte("SQLite format 3\x00")) {
		return fmt.Errorf("the file %s is not a SQLite database; Hikeshi will not touch it (choose another --db or --data-dir)", path)
	}
	return nil
}

// checkOwner refuses a database that belongs to another application.
func (db *DB) checkOwner(ctx context.Context) error {
	var tables int
	if db.d.engine == SQLite {
		var appID int64
		if err := db.readers.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
			return fmt.Errorf("cannot read the SQLite database %s: %w", db.path, err)
		}
		if appID == applicationID {
			return nil
		}
		if err := db.readers.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
			return fmt.Errorf("cannot read the SQLite database %s: %w", db.path, err)
		}
		if tables > 0 {
			return fmt.Errorf("the SQLite database %s belongs to another application; Hikeshi will not touch it (choose another --db or --data-dir)", db.path)
		}
		return nil
	}
	var ours bool
	err := db.readers.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'hikeshi_migrations'),
		(SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())`).Scan(&ours, &tables)
	if err != nil {
		return fmt.Errorf("cannot read the PostgreSQL database: %w", err)
	}
	if !ours && tables > 0 {
		return errors.New("the PostgreSQL database already holds tables of another application; Hikeshi will not touch it (create an empty database for Hikeshi)")
	}
	return nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(o.DB)
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL URL %s is malformed: %s", redactURL(o.DB), firstLine(err.Error()))
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > 10*time.Second {
		cfg.ConnectTimeout = 10 * time.Second
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s:%d (%s); check that PostgreSQL is running and that --db names the right host, port, user and database",
			cfg.Host, cfg.Port, rootCause(err))
	}
	db := &DB{queries: queries{q: pool, d: dialect{Postgres}}, writer: pool, readers: pool}
	if err := db.checkOwner(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !o.ReadOnly {
		if err := db.migrate(ctx, o.migrateTo, o.Log); err != nil {
			db.Close()
			return nil, err
		}
	} else if err := db.checkVersion(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// redactURL hides the password of a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// rootCause returns the innermost error's first line: pgx wraps the reason
// (refused, timed out, bad password) under a generic "failed to connect".
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return firstLine(err.Error())
		}
		err = next
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Close closes the pools; on SQLite it first checkpoints the write-ahead log
// (unless opened read-only, so a backup never waits on a busy server).
func (db *DB) Close() error {
	var errs []error
	if db.stmts != nil {
		db.stmts.close()
	}
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	if db.keys != nil {
		db.keys.close()
	}
	if db.d.engine == SQLite && !db.readOnly {
		_, err := db.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, err)
	}
	errs = append(errs, db.writer.Close())
	if db.readers != db.writer {
		errs = append(errs, db.readers.Close())
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.readers.PingContext(ctx)
}

// Checkpoint folds SQLite's write-ahead log back into the database file so it
// cannot grow without bound; a no-op on PostgreSQL.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.d.engine != SQLite {
		return nil
	}
	_, err := db.writer.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// WALSize returns the size of SQLite's write-ahead log file in bytes (0 on PostgreSQL).
func (db *DB) WALSize() int64 {
	if db.d.engine != SQLite {
		return 0
	}
	st, err := os.Stat(db.path + "-wal")
	if err != nil {
		return 0
	}
	return st.Size()
}

// CommitWaitsForDisk reports whether a commit waits for the disk:
// PostgreSQL flushes its write-ahead log at every commit; SQLite in WAL mode
// with synchronous=NORMAL does not. Writers that can gather work into fewer
// commits (the alert intake) wait for more only when it does.
func (db *DB) CommitWaitsForDisk() bool { return db.d.engine == Postgres }

// InTx runs fn in one write transaction: committed when fn returns nil,
// rolled back otherwise. On SQLite it begins IMMEDIATE (the DSN's _txlock),
// so two writers never deadlock upgrading a read lock.
func (db *DB) InTx(ctx context.Context, fn func(tx hikeshi.Tx) error) error {
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	t := &tx{queries: queries{q: sqlTx, d: db.d}, keys: db.keys}
	if db.stmts != nil {
		t.q = cachedTx{Tx: sqlTx, cache: db.stmts}
		defer db.stmts.preparePending(context.WithoutCancel(ctx))
	}
	if err := fn(t); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapError(err))
	}
	if db.ckpt != nil {
		db.ckpt.nudge()
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements hikeshi.Reader over a querier.
type queries struct {
	q querier
	d dialect
}

func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.q.ExecContext(ctx, q.d.rebind(query), args...)
	return res, mapError(err)
}

func (q queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.q.QueryContext(ctx, q.d.rebind(query), args...)
	return rows, mapError(err)
}

func (q queries) row(ctx context.Context, query string, args ...any) *sql.Row {
	return q.q.QueryRowContext(ctx, q.d.rebind(query), args...)
}

// execOne runs a statement that must change exactly one row.
func (q queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return hikeshi.ErrNotFound
	}
	return nil
}

// notFound maps sql.ErrNoRows to hikeshi.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return hikeshi.ErrNotFound
	}
	return mapError(err)
}

// tx is a write transaction; it implements hikeshi.Tx.
type tx struct {
	queries
	keys *keyFilter // SQLite's filter of stored fingerprint keys; nil on PostgreSQL
}

var _ hikeshi.Tx = (*tx)(nil)
