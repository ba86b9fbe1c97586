package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testPassword = "pa55-Wörd;with spaces"

func writePasswordFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mail-password")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMailOptions(t *testing.T) {
	file := writePasswordFile(t, testPassword+"\n")
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want Config
	}{
		{"off by default", nil, nil, Config{MailTLS: "starttls", MailTimeout: 30 * time.Second}},
		{"relay without auth from the environment",
			nil,
			map[string]string{"HIKESHI_MAIL_RELAY": "mail.example.org:25", "HIKESHI_MAIL_FROM": "Hikeshi 通知 <hikeshi@example.org>", "HIKESHI_MAIL_TLS": "NONE", "HIKESHI_MAIL_TIMEOUT": "5s", "HIKESHI_MAIL_HELLO": "hikeshi.example.org"},
			Config{MailRelay: "mail.example.org:25", MailFrom: "Hikeshi 通知 <hikeshi@example.org>", MailTLS: "none", MailHello: "hikeshi.example.org", MailTimeout: 5 * time.Second}},
		{"password from the environment",
			[]string{"--mail-relay", "smtp.example.org:587", "--mail-from", "hikeshi@example.org", "--mail-user", "hikeshi"},
			map[string]string{"HIKESHI_MAIL_PASSWORD": testPassword},
			Config{MailRelay: "smtp.example.org:587", MailFrom: "hikeshi@example.org", MailTLS: "starttls", MailUser: "hikeshi", MailPassword: testPassword, MailTimeout: 30 * time.Second}},
		{"password from a file, implicit TLS",
			[]string{"--mail-relay", "[2001:db8::25]:465", "--mail-from", "hikeshi@example.org", "--mail-tls", "tls", "--mail-user", "hikeshi", "--mail-password-file", file},
			nil,
			Config{MailRelay: "[2001:db8::25]:465", MailFrom: "hikeshi@example.org", MailTLS: "tls", MailUser: "hikeshi", MailPassword: testPassword, MailPasswordFile: file, MailTimeout: 30 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := load(tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			got := Config{MailRelay: c.MailRelay, MailFrom: c.MailFrom, MailTLS: c.MailTLS, MailUser: c.MailUser, MailPassword: c.MailPassword,
				MailPasswordFile: c.MailPasswordFile, MailHello: c.MailHello, MailTimeout: c.MailTimeout}
			if diff := cmp.Diff(tc.want, got); diff != "" || got.MailPassword.Reveal() != tc.want.MailPassword.Reveal() {
				t.Errorf("mail options (-want +got):\n%s", diff)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("the loaded config does not validate: %v", err)
			}
		})
	}
}

func TestPasswordFileLineEndings(t *testing.T) {
	for _, content := range []string{testPassword, testPassword + "\n", testPassword + "\r\n"} {
		c, _, err := load([]string{"--mail-relay", "m.example.org:587", "--mail-from", "h@example.org", "--mail-user", "u", "--mail-password-file", writePasswordFile(t, content)}, nil)
		if err != nil || c.MailPassword.Reveal() != testPassword {
			t.Errorf("%q: password %q, %v", content, c.MailPassword.Reveal(), err)
		}
	}
}

// TestMailOptionsRefused checks that every mistake is named, and that no
// message ever contains the password.
func TestMailOptionsRefused(t *testing.T) {
	relay := []string{"--mail-relay", "smtp.example.org:587", "--mail-from", "hikeshi@example.org"}
	with := func(extra ...string) []string { return append(append([]string{}, relay...), extra...) }
	pwEnv := map[string]string{"HIKESHI_MAIL_PASSWORD": testPassword}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"password flag", []string{"--mail-password", testPassword}, nil, "there is no --mail-password flag"},
		{"password flag with =", []string{"-mail-password=" + testPassword}, nil, "there is no --mail-password flag"},
		{"relay without port", []string{"--mail-relay", "smtp.example.org", "--mail-from", "h@example.org"}, nil, "--mail-relay"},
		{"relay without host", []string{"--mail-relay", ":25", "--mail-from", "h@example.org"}, nil, "no host"},
		{"relay port 0", []string{"--mail-relay", "smtp.example.org:0", "--mail-from", "h@example.org"}, nil, "port 0"},
		{"relay without from", []string{"--mail-relay", "smtp.example.org:25"}, nil, "--mail-from is empty"},
		{"from not an address", with("--mail-from", "hikeshi"), nil, "--mail-from"},
		{"from two addresses", with("--mail-from", "a@example.org, b@example.org"), nil, "not a usable sender"},
		{"from non-ASCII", with("--mail-from", "火消し@example.org"), nil, "not a usable sender"},
		{"from via env", nil, map[string]string{"HIKESHI_MAIL_RELAY": "m.example.org:25", "HIKESHI_MAIL_FROM": "<>"}, "$HIKESHI_MAIL_FROM"},
		{"unknown tls mode", with("--mail-tls", "ssl"), nil, "starttls, tls or none"},
		{"user without TLS", with("--mail-tls", "none", "--mail-user", "u"), pwEnv, "only sent over TLS"},
		{"user without password", with("--mail-user", "u"), nil, "no password"},
		{"password without user", relay, pwEnv, "--mail-user is not set"},
		{"password twice", with("--mail-user", "u", "--mail-password-file", "/nonexistent"), pwEnv, "give it once"},
		{"password file missing", with("--mail-user", "u", "--mail-password-file", "/nonexistent/pw"), nil, "cannot be opened"},
		{"password file empty", with("--mail-user", "u", "--mail-password-file", "EMPTY"), nil, "is empty"},
		{"password file two lines", with("--mail-user", "u", "--mail-password-file", "TWOLINES"), nil, "on one line"},
		{"password file too long", with("--mail-user", "u", "--mail-password-file", "LONG"), nil, "more than 1024 bytes"},
		{"password env with newline", with("--mail-user", "u"), map[string]string{"HIKESHI_MAIL_PASSWORD": testPassword + "\nx"}, "on one line"},
		{"bad hello", with("--mail-hello", "not a host"), nil, "--mail-hello"},
		{"timeout unit", with("--mail-timeout", "30"), nil, "--mail-timeout"},
		{"timeout too long", with("--mail-timeout", "1h"), nil, "1s to 10m"},
		{"CRLF in from", with("--mail-from", "a@example.org\r\nBcc: x@example.org"), nil, "line-break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := slicesReplace(tc.args, map[string]string{
				"EMPTY":    writePasswordFile(t, "\n"),
				"TWOLINES": writePasswordFile(t, testPassword+"\nsecond"),
				"LONG":     writePasswordFile(t, strings.Repeat("p", 2000)),
			})
			_, _, err := load(args, tc.env)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a *UsageError", err)
			}
			if !strings.Contains(ue.Msg, tc.want) {
				t.Errorf("message %q lacks %q", ue.Msg, tc.want)
			}
			if strings.Contains(ue.Msg, testPassword) || strings.Contains(ue.Msg, "pa55") || strings.Contains(ue.Msg, "ppppp") {
				t.Errorf("the message shows the password: %q", ue.Msg)
			}
			if strings.ContainsAny(ue.Msg, "\r\n") {
				t.Errorf("the message is not one line: %q", ue.Msg)
			}
		})
	}
}

func slicesReplace(args []string, m map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if v, ok := m[a]; ok {
			a = v
		}
		out[i] = a
	}
	return out
}

func TestSecretNeverPrints(t *testing.T) {
	c, _, err := load([]string{"--mail-relay", "m.example.org:587", "--mail-from", "h@example.org", "--mail-user", "u"}, map[string]string{"HIKESHI_MAIL_PASSWORD": testPassword})
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", c, "password", c.MailPassword)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "password", c.MailPassword)
	js, _ := json.Marshal(c)
	for _, out := range []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.MailPassword, c.MailPassword, c.MailPassword),
		logged.String(), string(js),
	} {
		if strings.Contains(out, testPassword) || strings.Contains(out, fmt.Sprintf("%x", testPassword)) {
			t.Errorf("the password is printed: %s", out)
		}
	}
	if c.MailPassword.Reveal() != testPassword {
		t.Error("Reveal does not return the password")
	}
}

func TestValidateMail(t *testing.T) {
	c, _, err := load([]string{"--mail-relay", "m.example.org:587", "--mail-from", "h@example.org", "--mail-user", "u"}, map[string]string{"HIKESHI_MAIL_PASSWORD": testPassword})
	if err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.MailPassword = ""
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Errorf("a user without a password validated: %v", err)
	}
	bad = c
	bad.MailTLS = "none"
	if err := bad.Validate(); err == nil {
		t.Error("AUTH without TLS validated")
	}
	bad = c
	bad.MailFrom = ""
	if err := bad.Validate(); err == nil {
		t.Error("a relay without a sender validated")
	}
}
