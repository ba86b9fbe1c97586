package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestServeDemoEndToEnd boots the whole program on an empty SQLite database
// with the demo organisation, checks the operations endpoints, and shuts it
// down gracefully.
func TestServeDemoEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo")

	if code, body := s.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d %q, want 200", code, body)
	}
	if code, body := s.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d %q, want 200", code, body)
	}
	if code, _ := s.get(t, "/no-such-page"); code != http.StatusNotFound {
		t.Errorf("/no-such-page = %d, want 404", code)
	}
	code, metrics := s.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d, want 200", code)
	}
	for _, want := range []string{
		`hikeshi_http_requests_total{method="GET",route="GET /readyz",status="200"} 1`,
		`hikeshi_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`,
		`go_sql_open_connections{db_name="writer"}`,
		`go_sql_open_connections{db_name="readers"}`,
		"hikeshi_sqlite_wal_bytes ",
		"go_goroutines ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	out := s.stdout.String()
	for _, want := range []string{"admin@demo.hikeshi.example", "csirt@demo.hikeshi.example", "auditor@demo.hikeshi.example", s.url + "/login", "PASSWORD"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo accounts on stdout lack %q:\n%s", want, out)
		}
	}
	if logs := s.stderr.String(); strings.Contains(logs, demoPassword(out)) {
		t.Error("a demo password appears in the logs")
	}

	if code := s.shutdown(t); code != 0 {
		t.Fatalf("serve exited with %d after a graceful shutdown, want 0\nstderr: %s", code, s.stderr)
	}
	logs := s.stderr.String()
	for _, want := range []string{"shutting down", "HTTP server stopped", "maintenance loop stopped", "job runner started", "database closed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the shutdown logs lack %q:\n%s", want, logs)
		}
	}
	// The job runner stops before the database closes.
	if i, j := strings.Index(logs, "job runner stopped"), strings.Index(logs, "database closed"); i < 0 || i > j {
		t.Errorf("the job runner did not stop before the database closed:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "hikeshi.db")); err != nil {
		t.Errorf("no database in the data dir: %v", err)
	}

	// A second start on the same database loads no second demo.
	s2 := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo")
	if code := s2.shutdown(t); code != 0 {
		t.Fatalf("second serve exited with %d", code)
	}
	if strings.Contains(s2.stdout.String(), "PASSWORD") {
		t.Error("the demo was loaded into a database that already had users")
	}
	if r := must(t, "", "audit", "verify", "--data-dir", dir); !strings.Contains(r.stdout, "audit log intact") {
		t.Errorf("audit verify after the demo: %q", r.stdout)
	}
}

// demoPassword returns the first password of demo.Print's table.
func demoPassword(out string) string {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.Contains(f[1], "@") {
			return f[2]
		}
	}
	return "\x00no password found"
}

// TestServeWhileBackingUp takes a backup from a running server and restores
// it into a fresh data dir.
func TestServeWhileBackingUp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo")
	file := filepath.Join(t.TempDir(), "running.backup")
	must(t, "", "backup", file, "--data-dir", dir)
	if code, _ := s.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after the backup = %d", code)
	}
	if code := s.shutdown(t); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	must(t, "", "restore", file, "--data-dir", fresh)
	want := must(t, "", "audit", "verify", "--data-dir", dir).stdout
	if got := must(t, "", "audit", "verify", "--data-dir", fresh).stdout; got != want {
		t.Errorf("audit verify of the restored copy = %q, of the original = %q", got, want)
	}
}

// TestServePostgres runs the server on PostgreSQL.
func TestServePostgres(t *testing.T) {
	url := storetest.NewPostgresURL(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, "--addr", "127.0.0.1:0", "--db", url, "--data-dir", dir, "--demo")
	if code, body := s.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d %q, want 200", code, body)
	}
	_, metrics := s.get(t, "/metrics")
	if !strings.Contains(metrics, `go_sql_open_connections{db_name="main"}`) {
		t.Error("/metrics lacks the PostgreSQL pool statistics")
	}
	if strings.Contains(metrics, "hikeshi_sqlite_wal_bytes") {
		t.Error("/metrics has the SQLite WAL gauge on PostgreSQL")
	}
	if !strings.Contains(s.stdout.String(), "admin@demo.hikeshi.example") {
		t.Error("no demo accounts printed")
	}
	if code := s.shutdown(t); code != 0 {
		t.Fatalf("serve exited with %d\nstderr: %s", code, s.stderr)
	}
	if strings.Contains(s.stderr.String(), url) {
		t.Error("the database URL appears in the logs")
	}
}
