package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func load(args []string, e map[string]string) (Config, []string, error) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, env(e))
}

func TestDefaults(t *testing.T) {
	c, pos, err := load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DataDir: "./hikeshi-data", Addr: "127.0.0.1:8080", BaseURL: "http://127.0.0.1:8080",
		BaseURLDerived: true, LogFormat: "text", LogLevel: slog.LevelInfo,
		MailTLS: "starttls", MailTimeout: 30 * time.Second,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if len(pos) != 0 {
		t.Errorf("positional = %q", pos)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	e := map[string]string{
		"HIKESHI_DATA_DIR": "/env/data", "HIKESHI_DB": "postgres://env@db/hikeshi", "HIKESHI_ADDR": "0.0.0.0:9000",
		"HIKESHI_SMTP_ADDR": ":2525", "HIKESHI_SMTP_RECIPIENTS": "CSIRT@Example.org, Abuse <abuse@example.org>,csirt@example.org",
		"HIKESHI_BASE_URL": "https://env.example.org/", "HIKESHI_LOG_FORMAT": "JSON", "HIKESHI_LOG_LEVEL": "Debug",
	}
	c, _, err := load(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DataDir: "/env/data", DB: "postgres://env@db/hikeshi", Addr: "0.0.0.0:9000", SMTPAddr: ":2525",
		SMTPRecipients: []string{"csirt@example.org", "abuse@example.org"},
		BaseURL:        "https://env.example.org", LogFormat: "json", LogLevel: slog.LevelDebug,
		MailTLS: "starttls", MailTimeout: 30 * time.Second,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("from the environment (-want +got):\n%s", diff)
	}

	c, _, err = load([]string{"--data-dir", "/flag/data", "--db=app.db", "-addr", "[::1]:0", "--base-url", "http://flag.example.org:8443/hikeshi/",
		"--log-level", "warn", "--log-format", "text", "--smtp-recipients", "x@example.org"}, e)
	if err != nil {
		t.Fatal(err)
	}
	want = Config{
		DataDir: "/flag/data", DB: "app.db", Addr: "[::1]:0", SMTPAddr: ":2525", SMTPRecipients: []string{"x@example.org"},
		BaseURL: "http://flag.example.org:8443/hikeshi", LogFormat: "text", LogLevel: slog.LevelWarn,
		MailTLS: "starttls", MailTimeout: 30 * time.Second,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("flags over the environment (-want +got):\n%s", diff)
	}
}

func TestDeriveBaseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		":8080":          "http://localhost:8080",
		"0.0.0.0:80":     "http://localhost:80",
		"[::]:8080":      "http://localhost:8080",
		"[::1]:8080":     "http://[::1]:8080",
		"hikeshi.lan:80": "http://hikeshi.lan:80",
	} {
		if got := DeriveBaseURL(addr); got != want {
			t.Errorf("DeriveBaseURL(%q) = %q, want %q", addr, got, want)
		}
	}
	c, _, err := load([]string{"--addr", ":9090"}, nil)
	if err != nil || c.BaseURL != "http://localhost:9090" || !c.BaseURLDerived {
		t.Errorf("base URL from --addr :9090 = %q (derived %v), %v", c.BaseURL, c.BaseURLDerived, err)
	}
}

func TestPositionalBetweenFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"file.backup", "--db", "x.db"}, []string{"file.backup"}},
		{[]string{"--db", "x.db", "file.backup"}, []string{"file.backup"}},
		{[]string{"-", "--db", "x.db"}, []string{"-"}},
		{[]string{"a", "--db", "x.db", "b"}, []string{"a", "b"}},
		{[]string{"--db", "x.db", "--", "--not-a-flag"}, []string{"--not-a-flag"}},
	} {
		c, pos, err := load(tc.args, nil)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, pos); diff != "" || c.DB != "x.db" {
			t.Errorf("%q: positional (-want +got):\n%s db=%q", tc.args, diff, c.DB)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		if _, _, err := load([]string{arg}, nil); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: err = %v, want flag.ErrHelp", arg, err)
		}
	}
}

// TestHostileInput feeds values an attacker or a broken deployment might
// supply; each must be refused with a *UsageError naming its source, one
// line long, without echoing control characters.
func TestHostileInput(t *testing.T) {
	long := strings.Repeat("a", 5000)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string // in the message
	}{
		{"unknown flag", []string{"--no-such-flag"}, nil, "not defined"},
		{"flag without value", []string{"--addr"}, nil, "needs an argument"},
		{"NUL in data dir", []string{"--data-dir", "data\x00/etc"}, nil, "--data-dir contains a NUL"},
		{"newline in db via env", nil, map[string]string{"HIKESHI_DB": "x.db\nlevel=ERROR msg=forged"}, "$HIKESHI_DB contains a NUL or line-break"},
		{"carriage return in base URL", []string{"--base-url", "http://a.example\r\nX-Injected: 1"}, nil, "--base-url contains"},
		{"very long value", []string{"--db", long}, nil, "at most 4096"},
		{"invalid UTF-8", []string{"--data-dir", "\xff\xfe"}, nil, "not valid UTF-8"},
		{"empty data dir", []string{"--data-dir", ""}, nil, "--data-dir is empty"},
		{"addr without port", []string{"--addr", "localhost"}, nil, "--addr"},
		{"addr port too big", []string{"--addr", ":65536"}, nil, "port"},
		{"addr port negative", []string{"--addr", ":-1"}, nil, "port"},
		{"addr port with sign", []string{"--addr", ":+80"}, nil, "port"},
		{"addr port name", []string{"--addr", ":http"}, nil, "port"},
		{"addr host with space", []string{"--addr", "evil host:80"}, nil, "neither an IP address nor a host name"},
		{"addr host with slash", []string{"--addr", "a/b:80"}, nil, "neither an IP address"},
		{"addr from env", nil, map[string]string{"HIKESHI_ADDR": "nope"}, "$HIKESHI_ADDR"},
		{"smtp addr", []string{"--smtp-addr", "mail"}, nil, "--smtp-addr"},
		{"base URL javascript", []string{"--base-url", "javascript:alert(1)"}, nil, "http:// or https://"},
		{"base URL ftp", []string{"--base-url", "ftp://example.org"}, nil, "http:// or https://"},
		{"base URL relative", []string{"--base-url", "/hikeshi"}, nil, "http:// or https://"},
		{"base URL without host", []string{"--base-url", "https://"}, nil, "no host"},
		{"base URL with credentials", []string{"--base-url", "https://admin:pw@example.org"}, nil, "user name or password"},
		{"base URL with query", []string{"--base-url", "https://example.org/?next=evil"}, nil, "query or fragment"},
		{"base URL with fragment", []string{"--base-url", "https://example.org/#x"}, nil, "query or fragment"},
		{"base URL bad port", []string{"--base-url", "https://example.org:99999"}, nil, "port"},
		{"base URL bad host", []string{"--base-url", "https://exa mple.org"}, nil, "--base-url"},
		{"base URL unparseable", []string{"--base-url", "http://[::1"}, nil, "cannot be parsed"},
		{"recipients not addresses", []string{"--smtp-recipients", "csirt, abuse"}, nil, "not an e-mail address"},
		{"recipients only commas", []string{"--smtp-recipients", ",,,"}, nil, "lists no address"},
		{"recipients header injection", []string{"--smtp-recipients", "a@example.org>, <b@example.org"}, nil, "not an e-mail address"},
		{"log format", []string{"--log-format", "xml"}, nil, "text or json"},
		{"log level", []string{"--log-level", "verbose"}, nil, "debug, info, warn or error"},
		{"log level from env", nil, map[string]string{"HIKESHI_LOG_LEVEL": "\x1b[31mred"}, "$HIKESHI_LOG_LEVEL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := load(tc.args, tc.env)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a *UsageError", err)
			}
			if !strings.Contains(ue.Msg, tc.want) {
				t.Errorf("message %q lacks %q", ue.Msg, tc.want)
			}
			for _, r := range ue.Msg {
				if r < ' ' || r == 0x7f {
					t.Errorf("message contains the control character %U: %q", r, ue.Msg)
					break
				}
			}
			if len(ue.Msg) > 600 {
				t.Errorf("message is %d bytes long", len(ue.Msg))
			}
		})
	}
}

func TestAcceptedValues(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", ":0"},
		{"--addr", "[2001:db8::1]:443"},
		{"--addr", "hikeshi.internal.example.org:8080"},
		{"--addr", "localhost:8080"},
		{"--base-url", "HTTPS://Hikeshi.Example.ORG"},
		{"--base-url", "http://[2001:db8::1]:8080/"},
		{"--base-url", "https://例え.jp"}, // refused: not punycode
		{"--data-dir", "データ"},
		{"--db", "postgres://user:p%40ss@db.example.org:5432/hikeshi?sslmode=require"},
		{"--smtp-recipients", "\"CSIRT, Tokyo\" <csirt@example.org>"},
		{"--log-level", "WARNING"},
	} {
		c, _, err := load(args, nil)
		if args[1] == "https://例え.jp" {
			if err == nil {
				t.Errorf("%q accepted as %q, want the punycode form", args, c.BaseURL)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
	c, _, _ := load([]string{"--base-url", "HTTPS://Hikeshi.Example.ORG/"}, nil)
	if c.BaseURL != "https://hikeshi.example.org" {
		t.Errorf("base URL not normalised: %q", c.BaseURL)
	}
}

func TestValidate(t *testing.T) {
	c, _, err := load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("a loaded config does not validate: %v", err)
	}
	bad := c
	bad.Addr = "nowhere"
	if err := bad.Validate(); err == nil {
		t.Error("a bad address validated")
	}
	bad = c
	bad.BaseURL, bad.BaseURLDerived = "gopher://x", false
	if err := bad.Validate(); err == nil {
		t.Error("a gopher:// base URL validated")
	}
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\nb\rc\x00d", 10, "a?b?c?d"},
		{"\x1b[31mred", 10, "?[31mred"},
		{"日本語", 10, "日本語"},
		{"\xff", 10, "?"},
		{"abcdefghijklmn", 5, "abcde…"},
		{"\u202eevil", 10, "?evil"}, // right-to-left override
	} {
		if got := Printable(tc.in, tc.n); got != tc.want {
			t.Errorf("Printable(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestEnvListsEveryFlag(t *testing.T) {
	for _, p := range Env() {
		if !strings.HasPrefix(p[1], "HIKESHI_") || !IsCommon(strings.TrimPrefix(p[0], "--")) {
			t.Errorf("bad pair %v", p)
		}
	}
}
