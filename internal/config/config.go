// Package config builds Hikeshi's typed configuration from command-line flags
// and the environment. Flags win over environment variables, which win over
// the defaults. It holds no package state: run() calls Load once per command
// and passes the Config down.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults of CONTRACT.md.
const (
	DefaultDataDir = "./hikeshi-data"
	DefaultAddr    = "127.0.0.1:8080"
	// DefaultMailTimeout bounds each step of an outbound mail delivery.
	DefaultMailTimeout = 30 * time.Second
)

// Outbound mail TLS modes (--mail-tls).
const (
	MailTLSStartTLS = "starttls"
	MailTLSImplicit = "tls"
	MailTLSNone     = "none"
)

// EnvMailPassword is the only way besides --mail-password-file to give the
// relay's password: a flag value would show in ps and shell history.
const EnvMailPassword = "HIKESHI_MAIL_PASSWORD"

// maxPasswordLen bounds the relay password, from either source.
const maxPasswordLen = 1024

// maxValueLen bounds every option's length: nothing legitimate comes near it,
// and it keeps hostile values out of error messages and logs.
const maxValueLen = 4096

// Config is everything a command needs to know about where its data lives and
// how the server is reached.
type Config struct {
	// DataDir holds the embedded database and evidence files.
	DataDir string
	// DB is a postgres:// URL, or a SQLite file name (relative to DataDir);
	// empty means hikeshi.db in DataDir. It may hold a password: never log it.
	DB string
	// Addr is the HTTP listen address (serve).
	Addr string
	// SMTPAddr is the mail intake listen address; empty turns it off (serve).
	SMTPAddr string
	// SMTPRecipients are the lower-case addresses the mail intake accepts;
	// empty accepts any.
	SMTPRecipients []string
	// SMTPTLSCert and SMTPTLSKey are PEM files; when both are set the mail
	// intake offers STARTTLS.
	SMTPTLSCert string
	SMTPTLSKey  string
	// SMTPMaxSize is the largest message the mail intake accepts, in bytes;
	// 0 means the mail intake's default (40 MiB).
	SMTPMaxSize int64
	// SMTPAck sends the sender of a new report an acknowledgement with its
	// follow-up code (needs MailRelay).
	SMTPAck bool
	// BaseURL is the public address without a trailing slash, e.g.
	// https://hikeshi.example.org.
	BaseURL string
	// BaseURLDerived reports that BaseURL was not configured but derived from
	// Addr, so serve may replace it by the address it actually listens on.
	BaseURLDerived bool
	// MailRelay is the outbound mail relay, host:port; empty turns outbound
	// mail off.
	MailRelay string
	// MailFrom is the author and envelope sender of outbound mail,
	// "addr@example.org" or "Name <addr@example.org>"; required with
	// MailRelay.
	MailFrom string
	// MailTLS is MailTLSStartTLS, MailTLSImplicit or MailTLSNone.
	MailTLS string
	// MailUser, when set, authenticates to the relay (only over TLS).
	MailUser string
	// MailPassword is MailUser's password, read from $HIKESHI_MAIL_PASSWORD
	// or MailPasswordFile; it prints as [redacted].
	MailPassword Secret
	// MailPasswordFile names the file MailPassword was read from.
	MailPasswordFile string
	// MailHello is the name given in EHLO; empty lets the mail sender choose.
	MailHello string
	// MailTimeout bounds each step of a delivery.
	MailTimeout time.Duration
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
}

// option describes one setting: its flag, its environment variable and its
// default.
type option struct {
	flag, env, def, usage string
}

var options = []option{
	{"data-dir", "HIKESHI_DATA_DIR", DefaultDataDir, "`DIR` where the embedded database and evidence files live"},
	{"db", "HIKESHI_DB", "", "the database: a postgres://… `URL` selects PostgreSQL, anything else names a SQLite file in the data dir (default hikeshi.db)"},
	{"addr", "HIKESHI_ADDR", DefaultAddr, "HTTP listen address `host:port` (serve)"},
	{"smtp-addr", "HIKESHI_SMTP_ADDR", "", "mail intake listen address `host:port`; empty = off (serve)"},
	{"smtp-recipients", "HIKESHI_SMTP_RECIPIENTS", "", "comma-separated e-mail `addresses` the mail intake accepts mail for; empty = any (serve)"},
	{"smtp-tls-cert", "HIKESHI_SMTP_TLS_CERT", "", "PEM certificate `file` for STARTTLS on the mail intake; needs --smtp-tls-key (serve)"},
	{"smtp-tls-key", "HIKESHI_SMTP_TLS_KEY", "", "PEM private key `file` for STARTTLS on the mail intake (serve)"},
	{"smtp-max-size", "HIKESHI_SMTP_MAX_SIZE", "", "largest message the mail intake accepts, in `MiB`, 1 to 200 (default 40) (serve)"},
	{"smtp-ack", "HIKESHI_SMTP_ACK", "", "`true` sends the sender of a new mailed report its number and follow-up code; needs --mail-relay (serve)"},
	{"base-url", "HIKESHI_BASE_URL", "", "the public address `URL`, for links in mail and security.txt (default http:// + addr)"},
	{"mail-relay", "HIKESHI_MAIL_RELAY", "", "outbound mail relay `host:port`; empty = no outbound mail (serve)"},
	{"mail-from", "HIKESHI_MAIL_FROM", "", "sender `address` of outbound mail, e.g. \"Hikeshi <hikeshi@example.org>\"; required with --mail-relay"},
	{"mail-tls", "HIKESHI_MAIL_TLS", MailTLSStartTLS, "how the mail relay connection is protected: `mode` starttls (required, not optional), tls (SMTPS, port 465) or none"},
	{"mail-user", "HIKESHI_MAIL_USER", "", "`user` name for AUTH at the mail relay, only over TLS; the password comes from $" + EnvMailPassword + " or --mail-password-file"},
	{"mail-password-file", "HIKESHI_MAIL_PASSWORD_FILE", "", "`file` holding the mail relay password on one line (there is no password flag: it would show in ps)"},
	{"mail-hello", "HIKESHI_MAIL_HELLO", "", "`name` this host gives in EHLO to the mail relay (default the host name)"},
	{"mail-timeout", "HIKESHI_MAIL_TIMEOUT", DefaultMailTimeout.String(), "`duration` each step of a mail delivery may take, 1s to 10m"},
	{"log-format", "HIKESHI_LOG_FORMAT", "text", "log `format`: text or json"},
	{"log-level", "HIKESHI_LOG_LEVEL", "info", "log `level`: debug, info, warn or error"},
}

// Env lists the environment variables Load reads, with their flags, for help
// texts and documentation.
func Env() [][2]string {
	out := make([][2]string, len(options))
	for i, o := range options {
		out[i] = [2]string{"--" + o.flag, o.env}
	}
	return out
}

// IsCommon reports whether name is one of the flags Load adds to every command.
func IsCommon(name string) bool {
	for _, o := range options {
		if o.flag == name {
			return true
		}
	}
	return false
}

// UsageError is a problem with the command line or the configuration that the
// user must fix; commands exit with status 2 for it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Load registers the configuration flags on fs (which may already hold the
// command's own flags), parses args, fills unset options from getenv and the
// defaults, and validates the result. It returns the positional arguments,
// which may be interspersed with flags. A -h or --help gives flag.ErrHelp;
// every other problem a *UsageError naming the flag or variable at fault.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, []string, error) {
	vals := make(map[string]*string, len(options))
	for _, o := range options {
		v := new(string)
		vals[o.flag] = v
		fs.StringVar(v, o.flag, o.def, o.usage+" [$"+o.env+"]")
	}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := refusePasswordFlag(args); err != nil {
		return Config{}, nil, err
	}
	pos, err := Parse(fs, args)
	if err != nil {
		return Config{}, nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	source := map[string]string{}
	for _, o := range options {
		source[o.flag] = "--" + o.flag
		if set[o.flag] {
			continue
		}
		if getenv != nil {
			if v := getenv(o.env); v != "" {
				*vals[o.flag] = v
				source[o.flag] = "$" + o.env
			}
		}
	}
	c, err := build(func(name string) string { return *vals[name] }, source)
	if err != nil {
		return Config{}, nil, err
	}
	c.MailPassword, err = readMailPassword(getenv, c.MailPasswordFile, source["mail-password-file"])
	if err != nil {
		return Config{}, nil, err
	}
	if err := checkMailAuth(c, source); err != nil {
		return Config{}, nil, err
	}
	return c, pos, nil
}

// refusePasswordFlag gives a helpful message for --mail-password, which
// does not exist on purpose, without repeating the value.
func refusePasswordFlag(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "mail-password" {
			return Usagef("there is no --mail-password flag, because a password on the command line shows in ps and the shell history; set $%s or use --mail-password-file", EnvMailPassword)
		}
	}
	return nil
}

// readMailPassword returns the relay password from $HIKESHI_MAIL_PASSWORD
// or the file, whichever is given; both is a mistake. Messages never show
// the password or the file's content.
func readMailPassword(getenv func(string) string, file, fileSource string) (Secret, error) {
	var env string
	if getenv != nil {
		env = getenv(EnvMailPassword)
	}
	switch {
	case env != "" && file != "":
		return "", Usagef("the mail password is given both in $%s and by %s; give it once", EnvMailPassword, fileSource)
	case env != "":
		if err := checkPassword(env); err != nil {
			return "", Usagef("$%s %v", EnvMailPassword, err)
		}
		return Secret(env), nil
	case file == "":
		return "", nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", Usagef("%s: the password file cannot be opened: %v", fileSource, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPasswordLen+3))
	if err != nil {
		return "", Usagef("%s: the password file cannot be read: %v", fileSource, errors.Unwrap(err))
	}
	// One line; the final line break that editors add is not part of it.
	pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if err := checkPassword(pw); err != nil {
		return "", Usagef("%s: the password file %v", fileSource, err)
	}
	return Secret(pw), nil
}

func checkPassword(pw string) error {
	switch {
	case pw == "":
		return errors.New("is empty")
	case len(pw) > maxPasswordLen:
		return fmt.Errorf("holds more than %d bytes; it must hold only the password", maxPasswordLen)
	case strings.ContainsAny(pw, "\x00\r\n"):
		return errors.New("holds a NUL or a line break; it must hold the password on one line")
	case !utf8.ValidString(pw):
		return errors.New("is not valid UTF-8")
	}
	return nil
}

// checkMailAuth checks that the user, password and TLS mode fit together.
func checkMailAuth(c Config, source map[string]string) error {
	switch {
	case c.MailUser != "" && c.MailTLS == MailTLSNone:
		return Usagef("%s is set but %s is none; the password is only sent over TLS, so use starttls or tls", source["mail-user"], source["mail-tls"])
	case c.MailUser != "" && c.MailPassword == "" && c.MailRelay != "":
		return Usagef("%s is set but there is no password; set $%s or use %s", source["mail-user"], EnvMailPassword, source["mail-password-file"])
	case c.MailUser == "" && c.MailPassword != "":
		return Usagef("a mail password is given but %s is not set", source["mail-user"])
	}
	return nil
}

// Parse parses args with fs, allowing positional arguments between flags
// ("backup FILE --db …"); everything after "--" is positional. Errors are
// flag.ErrHelp or a *UsageError.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, &UsageError{Msg: cleanFlagError(err)}
		}
		consumed := len(rest) - fs.NArg()
		if consumed > 0 && rest[consumed-1] == "--" {
			return append(pos, fs.Args()...), nil
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

// cleanFlagError turns the flag package's messages into one line safe to print.
func cleanFlagError(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return Printable(msg, 300)
}

func build(get func(string) string, source map[string]string) (Config, error) {
	for _, o := range options {
		v := get(o.flag)
		if len(v) > maxValueLen {
			return Config{}, Usagef("%s is %d bytes long; it must be at most %d", source[o.flag], len(v), maxValueLen)
		}
		if strings.ContainsAny(v, "\x00\r\n") {
			return Config{}, Usagef("%s contains a NUL or line-break character; give it on one line", source[o.flag])
		}
		if !utf8.ValidString(v) {
			return Config{}, Usagef("%s is not valid UTF-8 text", source[o.flag])
		}
	}
	c := Config{
		DataDir:   get("data-dir"),
		DB:        get("db"),
		Addr:      get("addr"),
		SMTPAddr:  get("smtp-addr"),
		BaseURL:   get("base-url"),
		LogFormat: strings.ToLower(get("log-format")),
	}
	if c.DataDir == "" {
		return Config{}, Usagef("%s is empty; give a directory, for example %s", source["data-dir"], DefaultDataDir)
	}
	if err := checkAddr(c.Addr, false); err != nil {
		return Config{}, Usagef("%s %q is not a valid listen address: %v; use host:port, for example %s or :8080", source["addr"], Printable(c.Addr, 80), err, DefaultAddr)
	}
	if c.SMTPAddr != "" {
		if err := checkAddr(c.SMTPAddr, false); err != nil {
			return Config{}, Usagef("%s %q is not a valid listen address: %v; use host:port, for example 127.0.0.1:2525", source["smtp-addr"], Printable(c.SMTPAddr, 80), err)
		}
	}
	rcpts, err := parseRecipients(get("smtp-recipients"))
	if err != nil {
		return Config{}, Usagef("%s: %v; give comma-separated e-mail addresses such as csirt@example.org", source["smtp-recipients"], err)
	}
	c.SMTPRecipients = rcpts
	if err := buildMailIntake(&c, get, source); err != nil {
		return Config{}, err
	}
	if c.BaseURL == "" {
		c.BaseURL = DeriveBaseURL(c.Addr)
		c.BaseURLDerived = true
	} else {
		u, err := checkBaseURL(c.BaseURL)
		if err != nil {
			return Config{}, Usagef("%s %q is not usable: %v; give the public address, for example https://hikeshi.example.org", source["base-url"], Printable(c.BaseURL, 80), err)
		}
		c.BaseURL = u
	}
	if err := buildMail(&c, get, source); err != nil {
		return Config{}, err
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return Config{}, Usagef("%s %q is unknown; use text or json", source["log-format"], Printable(c.LogFormat, 40))
	}
	lvl, err := parseLevel(get("log-level"))
	if err != nil {
		return Config{}, Usagef("%s %q is unknown; use debug, info, warn or error", source["log-level"], Printable(get("log-level"), 40))
	}
	c.LogLevel = lvl
	return c, nil
}

// buildMail fills and checks the outbound mail options.
func buildMail(c *Config, get func(string) string, source map[string]string) error {
	c.MailRelay = get("mail-relay")
	c.MailFrom = get("mail-from")
	c.MailTLS = strings.ToLower(get("mail-tls"))
	c.MailUser = get("mail-user")
	c.MailPasswordFile = get("mail-password-file")
	c.MailHello = get("mail-hello")
	if c.MailRelay != "" {
		if err := checkAddr(c.MailRelay, true); err != nil {
			return Usagef("%s %q is not a valid relay address: %v; use host:port, for example mail.example.org:587", source["mail-relay"], Printable(c.MailRelay, 80), err)
		}
		if _, port, _ := net.SplitHostPort(c.MailRelay); port == "0" {
			return Usagef("%s %q has port 0; give the relay's port, for example 25, 465 or 587", source["mail-relay"], Printable(c.MailRelay, 80))
		}
		if c.MailFrom == "" {
			return Usagef("%s is set but %s is empty; give the sender address, for example \"Hikeshi <hikeshi@example.org>\"", source["mail-relay"], source["mail-from"])
		}
	}
	if c.MailFrom != "" {
		a, err := mail.ParseAddress(c.MailFrom)
		if err != nil || !plainAddress(a.Address) {
			return Usagef("%s %q is not a usable sender address; give one plain ASCII address such as hikeshi@example.org, optionally as \"Name <hikeshi@example.org>\"", source["mail-from"], Printable(c.MailFrom, 80))
		}
	}
	switch c.MailTLS {
	case MailTLSStartTLS, MailTLSImplicit, MailTLSNone:
	default:
		return Usagef("%s %q is unknown; use starttls, tls or none", source["mail-tls"], Printable(c.MailTLS, 20))
	}
	if c.MailHello != "" && !validHostname(c.MailHello) && net.ParseIP(strings.Trim(c.MailHello, "[]")) == nil {
		return Usagef("%s %q is not a host name", source["mail-hello"], Printable(c.MailHello, 80))
	}
	d, err := time.ParseDuration(get("mail-timeout"))
	if err != nil || d < time.Second || d > 10*time.Minute {
		return Usagef("%s %q is not a duration from 1s to 10m, such as 30s", source["mail-timeout"], Printable(get("mail-timeout"), 40))
	}
	c.MailTimeout = d
	return nil
}

// plainAddress accepts local@domain with an ASCII dot-atom local part and a
// DNS domain: what the outbound mail sender can put in an envelope.
func plainAddress(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") || !validHostname(domain) {
		return false
	}
	for part := range strings.SplitSeq(local, ".") {
		if part == "" {
			return false
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", c)) {
				return false
			}
		}
	}
	return true
}

// Secret is a string that never prints: fmt's verbs, slog and text
// marshalling all show [redacted]. Reveal returns the value for the one
// place that needs it.
type Secret string

const redacted = "[redacted]"

// String returns [redacted].
func (Secret) String() string { return redacted }

// GoString returns [redacted], for %#v.
func (Secret) GoString() string { return redacted }

// LogValue returns [redacted], for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns [redacted], for encoding/json and friends.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// Validate checks a Config built by hand (tests, embedding) the way Load does.
func (c Config) Validate() error {
	vals := map[string]string{
		"data-dir": c.DataDir, "db": c.DB, "addr": c.Addr, "smtp-addr": c.SMTPAddr,
		"smtp-recipients": strings.Join(c.SMTPRecipients, ","), "base-url": c.BaseURL,
		"smtp-tls-cert": c.SMTPTLSCert, "smtp-tls-key": c.SMTPTLSKey, "smtp-max-size": fmt.Sprint(c.SMTPMaxSize >> 20),
		"smtp-ack":   fmt.Sprint(c.SMTPAck),
		"log-format": c.LogFormat, "log-level": c.LogLevel.String(),
		"mail-relay": c.MailRelay, "mail-from": c.MailFrom, "mail-tls": c.MailTLS, "mail-user": c.MailUser,
		"mail-password-file": c.MailPasswordFile, "mail-hello": c.MailHello, "mail-timeout": c.MailTimeout.String(),
	}
	if c.BaseURLDerived {
		vals["base-url"] = ""
	}
	source := map[string]string{}
	for _, o := range options {
		source[o.flag] = o.flag
	}
	built, err := build(func(n string) string { return vals[n] }, source)
	if err != nil {
		return err
	}
	if err := checkPassword(string(c.MailPassword)); c.MailPassword != "" && err != nil {
		return Usagef("the mail password %v", err)
	}
	built.MailPassword = c.MailPassword
	return checkMailAuth(built, source)
}

// DeriveBaseURL returns the default public address for a listen address:
// http:// and the address, with "localhost" for an unspecified host.
func DeriveBaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// checkAddr checks a host:port listen address; the host may be empty, an IP
// or a DNS name. Port 0 asks the system for a free port.
func checkAddr(addr string, needHost bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("it has no port or is malformed")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
		return fmt.Errorf("the port %q is not a number from 0 to 65535", Printable(port, 20))
	}
	if host == "" {
		if needHost {
			return errors.New("it has no host")
		}
		return nil
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	if !validHostname(host) {
		return fmt.Errorf("the host %q is neither an IP address nor a host name", Printable(host, 60))
	}
	return nil
}

// validHostname accepts DNS names: letters, digits, hyphens and dots, labels
// of at most 63 characters.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// checkBaseURL accepts an absolute http(s) URL with a host and no
// credentials, query or fragment, and returns it without a trailing slash.
func checkBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("it cannot be parsed as a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("it must start with http:// or https://")
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("it has no host")
	case u.User != nil:
		return "", errors.New("it must not contain a user name or password")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("it must not have a query or fragment")
	case u.Opaque != "":
		return "", errors.New("it is not a hierarchical URL")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("the port %q is not a number from 1 to 65535", Printable(p, 20))
		}
	}
	if net.ParseIP(strings.Trim(u.Hostname(), "[]")) == nil && !validHostname(u.Hostname()) {
		return "", fmt.Errorf("the host %q is not a valid host name", Printable(u.Hostname(), 60))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return strings.TrimRight(u.String(), "/"), nil
}

// parseRecipients parses a comma-separated address list; each entry may be
// a bare address or "Name <address>". Addresses are returned lower-case and
// without duplicates.
func parseRecipients(s string) ([]string, error) {
	if strings.Trim(s, " \t,") == "" {
		if s == "" {
			return nil, nil
		}
		return nil, errors.New("it lists no address")
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		// Name the first entry that fails on its own, when there is one.
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				if _, perr := mail.ParseAddress(part); perr != nil {
					return nil, fmt.Errorf("%q is not an e-mail address", Printable(part, 80))
				}
			}
		}
		return nil, fmt.Errorf("%q is not a list of e-mail addresses", Printable(s, 80))
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range list {
		addr := strings.ToLower(a.Address)
		if !seen[addr] {
			seen[addr] = true
			out = append(out, addr)
		}
	}
	return out, nil
}

// parseLevel accepts debug, info, warn (or warning) and error, in any case.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, errors.New("unknown level")
}

// Printable returns s cut to at most n runes with control and invalid
// characters replaced, so hostile input cannot forge lines in a terminal or log.
func Printable(s string, n int) string {
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || unicode.IsControl(r) || (!unicode.IsPrint(r) && r != ' ') {
			r = '?'
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}

// buildMailIntake reads the mail intake's options (see mailgate).
func buildMailIntake(c *Config, get func(string) string, source map[string]string) error {
	c.SMTPTLSCert, c.SMTPTLSKey = get("smtp-tls-cert"), get("smtp-tls-key")
	if (c.SMTPTLSCert == "") != (c.SMTPTLSKey == "") {
		return Usagef("%s and %s go together: give both the certificate and its key, or neither", source["smtp-tls-cert"], source["smtp-tls-key"])
	}
	if v := strings.TrimSpace(get("smtp-max-size")); v != "" && v != "0" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 200 {
			return Usagef("%s %q is not a size in MiB from 1 to 200, for example 40", source["smtp-max-size"], Printable(v, 40))
		}
		c.SMTPMaxSize = n << 20
	}
	if v := strings.TrimSpace(get("smtp-ack")); v != "" {
		ack, err := strconv.ParseBool(v)
		if err != nil {
			return Usagef("%s %q is not true or false", source["smtp-ack"], Printable(v, 40))
		}
		c.SMTPAck = ack
	}
	return nil
}
