package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

var tokenRE = regexp.MustCompile(`^` + service.TokenPrefix + `[A-Za-z0-9_-]{43}\n$`)

// newDataDir returns a data dir holding a migrated database with one
// department, "CSIRT".
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := service.New(db, service.Options{})
	if _, err := svc.Departments.Create(context.Background(), hikeshi.SystemActor("test"),
		service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindCSIRT}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// signIn reports whether email can sign in with password on the database in dir.
func signIn(t *testing.T, dir, email, password string) bool {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, _, err = service.New(db, service.Options{}).Auth.Login(context.Background(), email, password, service.ClientInfo{})
	return err == nil
}

func TestUserAdd(t *testing.T) {
	dir := newDataDir(t)

	t.Run("password from stdin", func(t *testing.T) {
		r := must(t, "correct horse battery staple\n", "user", "add", "--data-dir", dir,
			"--email", "Hana@Example.org", "--name", "Hana", "--role", "csirt", "--department", "CSIRT", "--password-stdin")
		if !strings.Contains(r.stdout, "hana@example.org") || strings.Contains(r.stdout, "staple") {
			t.Errorf("stdout = %q", r.stdout)
		}
		if !signIn(t, dir, "hana@example.org", "correct horse battery staple") {
			t.Error("cannot sign in with the password given on stdin")
		}
	})

	t.Run("generated password", func(t *testing.T) {
		r := must(t, "", "user", "add", "--data-dir", dir, "--email", "root@example.org", "--name", "Root", "--role", "admin")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		pw := lines[len(lines)-1]
		if len(pw) < 20 || strings.Contains(pw, " ") {
			t.Fatalf("no generated password as the last line of stdout:\n%s", r.stdout)
		}
		if !strings.Contains(r.stdout, "only this once") {
			t.Errorf("stdout does not say the password is shown once:\n%s", r.stdout)
		}
		if strings.Contains(r.stderr, pw) {
			t.Error("the generated password appears on stderr")
		}
		if !signIn(t, dir, "root@example.org", pw) {
			t.Error("cannot sign in with the generated password")
		}
	})

	t.Run("recorded in the audit log as the CLI", func(t *testing.T) {
		db, err := store.Open(context.Background(), store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		recs, err := db.FindAuditRecords(context.Background(), hikeshi.AuditFilter{Action: "user.create"})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 {
			t.Fatalf("%d user.create entries, want 2", len(recs))
		}
		for _, r := range recs {
			if r.ActorLabel != "system (cli)" || r.Via != "cli" {
				t.Errorf("entry by %q via %q, want system (cli) via cli", r.ActorLabel, r.Via)
			}
		}
	})

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"taken address", "", []string{"--email", "root@example.org", "--name", "X", "--role", "admin"}, 1, "already exists"},
		{"unknown department", "", []string{"--email", "x@example.org", "--name", "X", "--role", "member", "--department", "Sales"}, 1, `use one of "CSIRT"`},
		{"bad address", "", []string{"--email", "not-an-address", "--name", "X", "--role", "admin"}, 2, "--email"},
		{"short password", "short\n", []string{"--email", "y@example.org", "--name", "Y", "--role", "admin", "--password-stdin"}, 2, "at least 12"},
		{"empty stdin", "", []string{"--email", "y@example.org", "--name", "Y", "--role", "admin", "--password-stdin"}, 1, "standard input holds no password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.stdin, append([]string{"user", "add", "--data-dir", dir}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestTokenCreate(t *testing.T) {
	dir := newDataDir(t)
	must(t, "a long enough password\n", "user", "add", "--data-dir", dir, "--email", "api@example.org", "--name", "API", "--role", "admin", "--password-stdin")

	r := must(t, "", "token", "create", "--data-dir", dir, "--email", "api@example.org", "--name", "monitoring")
	if !tokenRE.MatchString(r.stdout) {
		t.Fatalf("stdout = %q, want exactly one token and a newline", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing", r.stderr)
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, _, err := service.New(db, service.Options{}).Auth.AuthenticateToken(context.Background(), strings.TrimSpace(r.stdout))
	if err != nil || u.Email != "api@example.org" {
		t.Errorf("the printed token does not authenticate api@example.org: %v", err)
	}

	r = cli(t, "", "token", "create", "--data-dir", dir, "--email", "nobody@example.org")
	if r.code != 1 || !strings.Contains(r.stderr, "no user with the e-mail address") || r.stdout != "" {
		t.Errorf("unknown user: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestAuditVerify(t *testing.T) {
	for _, tc := range []struct {
		name, tamper, want string
	}{
		{"modified", "UPDATE audit_log SET action = 'user.disable' WHERE seq = 2", `audit log broken at entry 2 \(id [0-9a-f-]{36}\): its content does not match its hash \(modified\)`},
		{"deleted", "DELETE FROM audit_log WHERE seq = 2", `audit log broken at entry 3 \(id [0-9a-f-]{36}\): entries 2 to 2 are missing`},
		{"deleted at the end", "DELETE FROM audit_log WHERE seq = 3", `audit log broken at entry 3: entries 3 to 3 are missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newDataDir(t) // entry 1: the department
			must(t, "", "user", "add", "--data-dir", dir, "--email", "a@example.org", "--name", "A", "--role", "admin")
			must(t, "", "user", "add", "--data-dir", dir, "--email", "b@example.org", "--name", "B", "--role", "csirt", "--department", "CSIRT")
			if r := must(t, "", "audit", "verify", "--data-dir", dir); r.stdout != "audit log intact: 3 entries\n" {
				t.Fatalf("intact log: stdout = %q", r.stdout)
			}

			db, err := store.Open(context.Background(), store.Options{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.ExecForTest(context.Background(), tc.tamper); err != nil {
				t.Fatal(err)
			}
			db.Close()

			r := cli(t, "", "audit", "verify", "--data-dir", dir)
			if r.code == 0 {
				t.Fatalf("a tampered log verified: %q", r.stdout)
			}
			if !regexp.MustCompile(tc.want).MatchString(r.stderr) {
				t.Errorf("stderr = %q, want a match for %s", r.stderr, tc.want)
			}
			if strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
		})
	}
	t.Run("no database", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		r := cli(t, "", "audit", "verify", "--data-dir", dir)
		if r.code != 1 || !strings.Contains(r.stderr, "no Hikeshi database") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Error("audit verify created a data dir")
		}
	})
}

func TestBackupRestore(t *testing.T) {
	dir := newDataDir(t)
	must(t, "a long enough password\n", "user", "add", "--data-dir", dir, "--email", "a@example.org", "--name", "A", "--role", "admin", "--password-stdin")
	file := filepath.Join(t.TempDir(), "hikeshi.backup")

	r := must(t, "", "backup", file, "--data-dir", dir)
	if !strings.Contains(r.stdout, file) {
		t.Errorf("stdout = %q", r.stdout)
	}
	if _, err := os.Stat(file + ".tmp"); err == nil {
		t.Error("the temporary file was left behind")
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("the backup is readable by others: %v", st.Mode())
	}

	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"backup", "-", "--data-dir", dir}, noEnv, nil, &stdout, &bytes.Buffer{}); code != 0 || stdout.Len() == 0 {
		t.Errorf("backup to stdout: exit %d, %d bytes", code, stdout.Len())
	}

	fresh := filepath.Join(t.TempDir(), "fresh")
	must(t, "", "restore", file, "--data-dir", fresh)
	want := must(t, "", "audit", "verify", "--data-dir", dir).stdout
	if got := must(t, "", "audit", "verify", "--data-dir", fresh).stdout; got != want {
		t.Errorf("restored: %q, original: %q", got, want)
	}
	if !signIn(t, fresh, "a@example.org", "a long enough password") {
		t.Error("cannot sign in on the restored database")
	}
	if r := must(t, "", "token", "create", "--data-dir", fresh, "--email", "a@example.org"); !tokenRE.MatchString(r.stdout) {
		t.Errorf("token create on the restored database: %q", r.stdout)
	}

	fromStdin := filepath.Join(t.TempDir(), "stdin")
	must(t, stdout.String(), "restore", "-", "--data-dir", fromStdin)

	t.Run("restore refuses a database with data", func(t *testing.T) {
		if r := cli(t, "", "restore", file, "--data-dir", dir); r.code != 1 {
			t.Errorf("exit %d, stderr %q; want 1", r.code, r.stderr)
		}
	})
	t.Run("missing backup file creates nothing", func(t *testing.T) {
		none := filepath.Join(t.TempDir(), "none")
		r := cli(t, "", "restore", filepath.Join(none, "x.backup"), "--data-dir", none)
		if r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if _, err := os.Stat(none); err == nil {
			t.Error("a data dir was created")
		}
	})
	t.Run("unwritable destination", func(t *testing.T) {
		r := cli(t, "", "backup", filepath.Join(t.TempDir(), "no", "such", "dir", "b"), "--data-dir", dir)
		if r.code != 1 || !strings.Contains(r.stderr, "cannot create the backup file") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestBackupRestorePostgres moves a SQLite installation to PostgreSQL and back.
func TestBackupRestorePostgres(t *testing.T) {
	url := storetest.NewPostgresURL(t)
	dir := newDataDir(t)
	must(t, "", "user", "add", "--data-dir", dir, "--email", "a@example.org", "--name", "A", "--role", "admin")
	file := filepath.Join(t.TempDir(), "b")
	must(t, "", "backup", file, "--data-dir", dir)
	must(t, "", "restore", file, "--db", url)
	want := must(t, "", "audit", "verify", "--data-dir", dir).stdout
	if got := must(t, "", "audit", "verify", "--db", url).stdout; got != want {
		t.Errorf("on PostgreSQL: %q, on SQLite: %q", got, want)
	}
}

func TestMigrate(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		r := must(t, "", "migrate", "--data-dir", dir)
		if !strings.Contains(r.stdout, "version") {
			t.Errorf("stdout = %q", r.stdout)
		}
		if !strings.Contains(r.stderr, "migrated the database schema") || !strings.Contains(r.stderr, "from=0") {
			t.Errorf("stderr does not tell what was migrated: %q", r.stderr)
		}
		// Idempotent, and quiet when there is nothing to do.
		if r := must(t, "", "migrate", "--data-dir", dir); strings.Contains(r.stderr, "migrat") {
			t.Errorf("second migrate: stderr %q", r.stderr)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.NewPostgresURL(t)
		dir := filepath.Join(t.TempDir(), "data")
		r := must(t, "", "migrate", "--db", url, "--data-dir", dir)
		if !strings.Contains(r.stdout, "postgres") {
			t.Errorf("stdout = %q", r.stdout)
		}
		must(t, "", "user", "add", "--db", url, "--email", "a@example.org", "--name", "A", "--role", "admin")
		if r := must(t, "", "audit", "verify", "--db", url); r.stdout != "audit log intact: 1 entries\n" {
			t.Errorf("audit verify: %q", r.stdout)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Error("migrate on PostgreSQL created the SQLite data dir")
		}
	})
	t.Run("environment", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "fromenv")
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			return map[string]string{"HIKESHI_DATA_DIR": dir}[k]
		}
		if code := run(context.Background(), []string{"migrate"}, getenv, nil, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "hikeshi.db")); err != nil {
			t.Errorf("HIKESHI_DATA_DIR was not used: %v", err)
		}
	})
}

// TestBadDatabase checks that an unusable database is refused with exit 1,
// one sentence on stderr, and nothing created or changed.
func TestBadDatabase(t *testing.T) {
	for _, tc := range []struct {
		name, db, want string
	}{
		{"malformed postgres URL", "postgres://%zz", "malformed"},
		{"unreachable postgres", "postgres://hikeshi:s3cret-pw@127.0.0.1:1/hikeshi", "cannot reach PostgreSQL"},
		{"unknown scheme", "mysql://root@localhost/hikeshi", "neither a postgres:// URL nor a file path"},
	} {
		for _, cmd := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"audit", "verify"}, {"backup", "x"}} {
			t.Run(tc.name+"/"+cmd[0], func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "data")
				cwd := t.TempDir()
				t.Chdir(cwd)
				r := cli(t, "", append(cmd, "--db", tc.db, "--data-dir", dir)...)
				if r.code != 1 {
					t.Errorf("exit %d, want 1", r.code)
				}
				if !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("stderr = %q, want one line with %q", r.stderr, tc.want)
				}
				if strings.Contains(r.stderr, "s3cret-pw") {
					t.Error("the password of the URL was printed")
				}
				if _, err := os.Stat(dir); err == nil {
					t.Error("a data dir was created")
				}
				if ents, _ := os.ReadDir(cwd); len(ents) > 0 {
					t.Errorf("files were created in the working directory: %v", ents)
				}
			})
		}
	}

	t.Run("hikeshi.db is a text file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "hikeshi.db")
		const text = "these are my notes, not a database\n"
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"user", "add", "--email", "a@example.org", "--name", "A", "--role", "admin"}} {
			r := cli(t, "", append(cmd, "--data-dir", dir)...)
			if r.code != 1 || !strings.Contains(r.stderr, "not a SQLite database") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s: exit %d, stderr %q", cmd[0], r.code, r.stderr)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != text {
			t.Errorf("the text file was changed: %q, %v", b, err)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			t.Errorf("files appeared beside it: %v", ents)
		}
	})
}

// TestUsage checks exit status 2 and the usage on stderr for command-line
// mistakes, and exit 0 with the usage on stdout for -h.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // on stderr
	}{
		{nil, "no command given"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"user"}, "needs a sub-command"},
		{[]string{"user", "remove"}, `"remove" is not a sub-command of "user"`},
		{[]string{"serve", "extra"}, "takes no arguments"},
		{[]string{"serve", "--demo=maybe"}, "invalid boolean"},
		{[]string{"migrate", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"migrate", "--addr", "not an address"}, "--addr"},
		{[]string{"migrate", "--addr", "127.0.0.1:99999"}, "port"},
		{[]string{"migrate", "--base-url", "javascript:alert(1)"}, "http:// or https://"},
		{[]string{"migrate", "--log-format", "xml"}, "use text or json"},
		{[]string{"migrate", "--data-dir", ""}, "--data-dir is empty"},
		{[]string{"migrate", "--db"}, "flag needs an argument"},
		{[]string{"user", "add"}, "--email flag is required"},
		{[]string{"user", "add", "--email", "a@example.org"}, "--name flag is required"},
		{[]string{"user", "add", "--email", "a@example.org", "--name", "A"}, "--role flag is required"},
		{[]string{"user", "add", "--email", "a@example.org", "--name", "A", "--role", "wizard"}, `role "wizard" is unknown`},
		{[]string{"user", "add", "--email", "a@example.org", "--name", "A", "--role", "member"}, "--department flag is required"},
		{[]string{"token", "create"}, "--email flag is required"},
		{[]string{"token", "create", "--email", "a@example.org", "x"}, "takes no arguments"},
		{[]string{"audit"}, "needs a sub-command"},
		{[]string{"audit", "verify", "x"}, "takes no arguments"},
		{[]string{"backup"}, "needs the FILE argument"},
		{[]string{"backup", "a", "b"}, "takes one FILE argument"},
		{[]string{"restore"}, "needs the FILE argument"},
		{[]string{"version", "x"}, "takes no arguments"},
		{[]string{"version", "--db", "x"}, "flag provided but not defined"},
	} {
		name := strings.Join(tc.args, " ")
		if name == "" {
			name = "no arguments"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			r := cli(t, "", withDataDir(tc.args, dir)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2; stderr %q", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Error("a data dir was created for a usage error")
			}
		})
	}
}

// withDataDir adds --data-dir dir to the arguments of a complete command
// that has none, so a test can check that nothing was created there.
func withDataDir(args []string, dir string) []string {
	if len(args) == 0 || slices.Contains(args, "--data-dir") || args[len(args)-1] == "--db" {
		return args
	}
	switch args[0] {
	case "serve", "migrate", "backup", "restore":
	case "user", "token", "audit":
		if len(args) < 2 || strings.HasPrefix(args[1], "-") || groupOf(args[0])[0].name != args[0]+" "+args[1] {
			return args
		}
	default:
		return args
	}
	return append(append([]string{}, args...), "--data-dir", dir)
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"--help"}, {"help"}, {"help", "serve"}, {"help", "user", "add"},
		{"serve", "-h"}, {"serve", "--help"}, {"migrate", "-h"}, {"user", "-h"}, {"user", "add", "-h"},
		{"user", "add", "--help"}, {"token", "--help"}, {"token", "create", "-h"}, {"audit", "-h"},
		{"audit", "verify", "-h"}, {"backup", "-h"}, {"restore", "-h"}, {"version", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := cli(t, "", args...)
			if r.code != 0 || !strings.Contains(r.stdout, "Usage: hikeshi") || r.stderr != "" {
				t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
	t.Run("storage options in every command's help", func(t *testing.T) {
		r := cli(t, "", "token", "create", "-h")
		for _, want := range []string{"--data-dir", "HIKESHI_DATA_DIR", "--db", "HIKESHI_DB", "--email"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("help lacks %q", want)
			}
		}
	})
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := must(t, "", args...)
		if !strings.HasPrefix(r.stdout, "hikeshi ") || !strings.Contains(r.stdout, "go1") {
			t.Errorf("%v: stdout = %q", args, r.stdout)
		}
	}
}
