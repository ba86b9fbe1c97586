// Package storetest runs tests against every database engine: SQLite always,
// and PostgreSQL from HIKESHI_TEST_POSTGRES_URL or from a throwaway cluster
// this package starts with the machine's initdb and pg_ctl.
//
// A package that uses Run must call Main from its TestMain, so the cluster is
// stopped when the package's tests end.
package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the pgx database/sql driver
)

// harness is the per-test-binary PostgreSQL state. It is test infrastructure,
// created once by Main and read by Run.
type harness struct {
	once    sync.Once
	baseURL string // server URL without database, e.g. postgres://postgres@127.0.0.1:5432
	stop    func()
	err     error // why PostgreSQL is unavailable
	seq     atomic.Int64
	inMain  bool

	tmplOnce sync.Once
	tmpl     string // the migrated template database (migratedTemplate)
	tmplErr  error

	sqliteOnce sync.Once
	sqliteTmpl []byte // a migrated SQLite database file (sqliteTemplate)
	sqliteErr  error
}

var pg = &harness{}

// Main runs the package's tests and stops the throwaway cluster afterwards.
func Main(m *testing.M) {
	pg.inMain = true
	code := m.Run()
	if pg.tmpl != "" {
		pg.admin("DROP DATABASE IF EXISTS " + pgx.Identifier{pg.tmpl}.Sanitize() + " WITH (FORCE)")
	}
	if pg.stop != nil {
		pg.stop()
	}
	os.Exit(code)
}

// RequirePostgres reports whether a missing PostgreSQL must fail tests.
func RequirePostgres() bool { return os.Getenv("HIKESHI_REQUIRE_POSTGRES") == "1" }

// Run runs fn once per engine, as subtests "sqlite" and "postgres", each with
// a fresh, migrated database that is closed when the subtest ends.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, NewSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, NewPostgres(t))
	})
}

// NewSQLite opens a fresh migrated SQLite database in a temp dir. The file is
// a copy of one migrated once per test binary: migrating every test's
// database took about a tenth of the web tests' CPU.
func NewSQLite(t testing.TB) *store.DB {
	t.Helper()
	dir := t.TempDir()
	b, err := pg.sqliteTemplate()
	if err != nil {
		t.Fatalf("migrate the SQLite template: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hikeshi.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteTemplate migrates a SQLite database once and returns its file, its
// write-ahead log folded in by Close.
func (h *harness) sqliteTemplate() ([]byte, error) {
	h.sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hikeshi-sqlite-template-")
		if err != nil {
			h.sqliteErr = err
			return
		}
		defer os.RemoveAll(dir)
		db, err := store.Open(context.Background(), store.Options{DataDir: dir})
		if err != nil {
			h.sqliteErr = err
			return
		}
		if err := db.Close(); err != nil {
			h.sqliteErr = err
			return
		}
		h.sqliteTmpl, h.sqliteErr = os.ReadFile(filepath.Join(dir, "hikeshi.db"))
	})
	return h.sqliteTmpl, h.sqliteErr
}

// NewPostgres opens a fresh migrated PostgreSQL database, or skips (fails
// under HIKESHI_REQUIRE_POSTGRES=1) when PostgreSQL is unavailable. The
// database is a copy of a template migrated once per test binary, which is
// several times faster than migrating every test's database.
func NewPostgres(t testing.TB) *store.DB {
	t.Helper()
	u := createDatabase(t, pg.migratedTemplate(t))
	db, err := store.Open(context.Background(), store.Options{DB: u})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewPostgresURL creates an empty database and returns its URL.
func NewPostgresURL(t testing.TB) string {
	t.Helper()
	return createDatabase(t, "")
}

// migratedTemplate returns the name of a database migrated to the latest
// schema that no one is connected to, creating it on first use. Main drops
// it when the package's tests end.
func (h *harness) migratedTemplate(t testing.TB) string {
	t.Helper()
	h.ready(t)
	h.tmplOnce.Do(func() {
		name := fmt.Sprintf("hikeshi_template_%d", os.Getpid())
		if h.tmplErr = h.admin("CREATE DATABASE " + pgx.Identifier{name}.Sanitize()); h.tmplErr != nil {
			return
		}
		db, err := store.Open(context.Background(), store.Options{DB: h.baseURL + "/" + name})
		if err != nil {
			h.tmplErr = err
			return
		}
		db.Close()
		h.tmpl = name
	})
	if h.tmplErr != nil {
		t.Fatalf("migrate the template database: %v", h.tmplErr)
	}
	return h.tmpl
}

// ready starts PostgreSQL on first use, and skips or fails t when it is
// unavailable.
func (h *harness) ready(t testing.TB) {
	t.Helper()
	if !h.inMain {
		t.Fatal("storetest: call storetest.Main(m) from TestMain in this package")
	}
	h.once.Do(h.start)
	if h.err != nil {
		if RequirePostgres() {
			t.Fatalf("PostgreSQL is required (HIKESHI_REQUIRE_POSTGRES=1) but unavailable: %v", h.err)
		}
		t.Skipf("PostgreSQL unavailable, skipping the PostgreSQL half: %v", h.err)
	}
}

// admin runs one statement on the server's postgres database.
func (h *harness) admin(stmt string) error {
	a, err := sql.Open("pgx", h.baseURL+"/postgres")
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = a.Exec(stmt)
	return err
}

// createDatabase creates a database, a copy of template when it is not
// empty, that is dropped when the test ends, and returns its URL.
func createDatabase(t testing.TB, template string) string {
	t.Helper()
	pg.ready(t)
	name := fmt.Sprintf("hikeshi_test_%d_%d", os.Getpid(), pg.seq.Add(1))
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	// A template's last connection may take a moment to go away after the
	// client closed it ("source database is being accessed by other users").
	var err error
	for try := 0; ; try++ {
		err = pg.admin(stmt)
		if err == nil || template == "" || try == 50 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { pg.admin("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)") })
	return pg.baseURL + "/" + name
}

func (h *harness) start() {
	if u := os.Getenv("HIKESHI_TEST_POSTGRES_URL"); u != "" {
		pu, err := url.Parse(u)
		if err != nil {
			h.err = fmt.Errorf("HIKESHI_TEST_POSTGRES_URL is malformed: %w", err)
			return
		}
		pu.Path = ""
		h.baseURL = strings.TrimSuffix(pu.String(), "/")
		return
	}
	h.baseURL, h.stop, h.err = startCluster()
}

// findBin locates a PostgreSQL server binary: on PATH, else in Debian's
// versioned directory.
func findBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("no %s found (install Debian's postgresql package)", name)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startCluster runs initdb and pg_ctl in a temp dir. As root it runs them as
// the postgres system user, since initdb refuses to run as root.
func startCluster() (string, func(), error) {
	initdb, err := findBin("initdb")
	if err != nil {
		return "", nil, err
	}
	pgctl, err := findBin("pg_ctl")
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "hikeshi-pg-")
	if err != nil {
		return "", nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return "", nil, errors.New("running as root and there is no postgres system user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
	}
	run := func(name string, args ...string) ([]byte, error) {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		cmd.Dir = dir
		return cmd.CombinedOutput()
	}
	data := filepath.Join(dir, "data")
	if out, err := run(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("initdb: %v: %s", err, lastLines(out))
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", port, dir)
	if out, err := run(pgctl, "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		logb, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, lastLines(out), lastLines(logb))
	}
	stop := func() {
		run(pgctl, "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}
	base := fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
	// Wait until it accepts TCP connections.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(context.Background(), base+"/postgres")
		if err == nil {
			c.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("PostgreSQL did not accept connections: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, stop, nil
}

func lastLines(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = s[len(s)-600:]
	}
	return s
}
