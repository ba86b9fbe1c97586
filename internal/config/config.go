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
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Defaults of CONTRACT.md.
const (
	DefaultDataDir = "./hikeshi-data"
	DefaultAddr    = "127.0.0.1:8080"
)

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
	// BaseURL is the public address without a trailing slash, e.g.
	// https://hikeshi.example.org.
	BaseURL string
	// BaseURLDerived reports that BaseURL was not configured but derived from
	// Addr, so serve may replace it by the address it actually listens on.
	BaseURLDerived bool
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
	{"base-url", "HIKESHI_BASE_URL", "", "the public address `URL`, for links in mail and security.txt (default http:// + addr)"},
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
	return c, pos, nil
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

// Validate checks a Config built by hand (tests, embedding) the way Load does.
func (c Config) Validate() error {
	vals := map[string]string{
		"data-dir": c.DataDir, "db": c.DB, "addr": c.Addr, "smtp-addr": c.SMTPAddr,
		"smtp-recipients": strings.Join(c.SMTPRecipients, ","), "base-url": c.BaseURL,
		"log-format": c.LogFormat, "log-level": c.LogLevel.String(),
	}
	if c.BaseURLDerived {
		vals["base-url"] = ""
	}
	source := map[string]string{}
	for _, o := range options {
		source[o.flag] = o.flag
	}
	_, err := build(func(n string) string { return vals[n] }, source)
	return err
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
