package mailout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// TLSMode says how the connection to the relay is protected.
type TLSMode string

// The TLS modes.
const (
	// StartTLS connects in plain text and upgrades with STARTTLS, which the
	// relay must offer: a relay that does not (or an attacker who strips the
	// offer) gets nothing, rather than the message and password in clear.
	StartTLS TLSMode = "starttls"
	// ImplicitTLS speaks TLS from the first byte (port 465, "SMTPS").
	ImplicitTLS TLSMode = "tls"
	// NoTLS sends in plain text, for a relay on the same host or a trusted
	// network; AUTH is refused in this mode.
	NoTLS TLSMode = "none"
)

// DefaultTimeout bounds each step of a delivery (connect, each command, the
// message data) when SMTPConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTPConfig configures an SMTP sender.
type SMTPConfig struct {
	// Relay is the server's host:port.
	Relay string
	// TLS is the protection of the connection; empty means StartTLS.
	TLS TLSMode
	// TLSConfig, when set, is cloned for the handshake (tests give their
	// own root CAs here). ServerName defaults to Relay's host and the
	// minimum version is TLS 1.2.
	TLSConfig *tls.Config
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN or LOGIN; only over TLS. The password never appears in errors.
	Username, Password string
	// From is the default author and envelope sender of messages that have
	// none, "addr" or "Name <addr>".
	From string
	// Hello is the name given in EHLO; empty means the host name, or
	// "localhost" when that is not a valid domain name.
	Hello string
	// Timeout bounds each step; zero means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for the Date field; nil means time.Now.
	Now func() time.Time
}

// SMTP sends messages through one relay, one connection per message. It is
// safe for concurrent use.
type SMTP struct {
	cfg     SMTPConfig
	host    string
	builder Builder
}

// NewSMTP checks cfg and returns a sender. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, port, err := net.SplitHostPort(cfg.Relay)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("mailout: the relay %q is not host:port", printable(cfg.Relay, 80))
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = StartTLS
	case StartTLS, ImplicitTLS, NoTLS:
	default:
		return nil, fmt.Errorf("mailout: the TLS mode %q is unknown; use starttls, tls or none", printable(string(cfg.TLS), 20))
	}
	if cfg.Username != "" && cfg.TLS == NoTLS {
		return nil, errors.New("mailout: a user name is configured but TLS is off; AUTH is only sent over TLS, so use starttls or tls")
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, errors.New("mailout: a password is configured without a user name")
	}
	if strings.ContainsAny(cfg.Username, "\x00\r\n") || strings.ContainsAny(cfg.Password, "\x00\r\n") {
		return nil, errors.New("mailout: the user name or password contains a NUL or line-break character")
	}
	from, err := parseAddress("sender", cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mailout: the configured sender: %w", err)
	}
	if cfg.Hello == "" {
		cfg.Hello = "localhost"
		if h, err := os.Hostname(); err == nil && validDomain(h) {
			cfg.Hello = h
		}
	} else if !validDomain(cfg.Hello) && net.ParseIP(strings.Trim(cfg.Hello, "[]")) == nil {
		return nil, fmt.Errorf("mailout: the hello name %q is not a domain name", printable(cfg.Hello, 80))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	return &SMTP{cfg: cfg, host: host, builder: Builder{Domain: domain, Now: cfg.Now}}, nil
}

// SendError is a failed delivery: the step that failed and, when the server
// answered, its reply.
type SendError struct {
	// Relay is the server's host:port.
	Relay string
	// Step is what failed: "connect", "greeting", "EHLO", "STARTTLS", "TLS",
	// "AUTH", "MAIL FROM", "RCPT TO", "DATA" or "message".
	Step string
	// Recipient is the refused address when Step is "RCPT TO".
	Recipient string
	// Code is the server's reply code, 0 when it gave none.
	Code int
	// Reply is the server's reply text, made printable and cut short.
	Reply string
	// Err is the underlying error.
	Err error
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mailout: relay %s: %s", e.Relay, e.Step)
	if e.Recipient != "" {
		fmt.Fprintf(&b, " <%s>", e.Recipient)
	}
	switch {
	case e.Code != 0:
		fmt.Fprintf(&b, " refused by the server: %d %s", e.Code, e.Reply)
	case e.Err != nil:
		fmt.Fprintf(&b, " failed: %v", e.Err)
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err will recur on a retry: an invalid message,
// a configuration the server refuses, or a 5xx reply. Network failures,
// timeouts and 4xx replies are temporary.
func IsPermanent(err error) bool {
	if errors.Is(err, ErrInvalidMessage) || errors.Is(err, errPolicy) {
		return true
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Code >= 500
	}
	return false
}

// errPolicy marks refusals of our own that a retry would meet again, such as
// a relay that does not offer STARTTLS.
var errPolicy = errors.New("refused by the configured policy")

// Send delivers m through the relay. ctx cancels the delivery; each step is
// also bounded by the configured timeout.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.cfg.From
	}
	raw, err := s.builder.Build(m)
	if err != nil {
		return err
	}
	from, to, err := envelope(m)
	if err != nil {
		return err
	}
	return s.deliver(ctx, from, to, raw)
}

// session is one SMTP connection with its deadlines.
type session struct {
	s    *SMTP
	ctx  context.Context
	conn net.Conn
	c    *smtp.Client

	mu        sync.Mutex
	cancelled bool
}

func (s *SMTP) deliver(ctx context.Context, from string, to []string, raw []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	ss := &session{s: s, ctx: ctx}
	d := net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Relay)
	if err != nil {
		return ss.fail("connect", "", err)
	}
	ss.conn = conn
	defer conn.Close()
	// Cancelling ctx makes the pending read or write return at once.
	stop := context.AfterFunc(ctx, func() {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		ss.cancelled = true
		conn.SetDeadline(time.Unix(1, 0))
	})
	defer stop()

	if s.cfg.TLS == ImplicitTLS {
		ss.step()
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return ss.fail("TLS", "", err)
		}
		ss.conn = tc
	}
	ss.step()
	c, err := smtp.NewClient(ss.conn, s.host)
	if err != nil {
		return ss.fail("greeting", "", err)
	}
	ss.c = c
	defer c.Close()
	ss.step()
	if err := c.Hello(s.cfg.Hello); err != nil {
		return ss.fail("EHLO", "", err)
	}
	if s.cfg.TLS == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &SendError{Relay: s.cfg.Relay, Step: "STARTTLS", Err: fmt.Errorf("%w: the server does not offer STARTTLS; configure TLS mode tls for an SMTPS port, or none for a trusted local relay", errPolicy)}
		}
		ss.step()
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return ss.fail("STARTTLS", "", err)
		}
	}
	if s.cfg.Username != "" {
		if err := ss.auth(); err != nil {
			return err
		}
	}
	ss.step()
	if err := c.Mail(from); err != nil {
		return ss.fail("MAIL FROM", "", err)
	}
	for _, r := range to {
		ss.step()
		if err := c.Rcpt(r); err != nil {
			return ss.fail("RCPT TO", r, err)
		}
	}
	ss.step()
	w, err := c.Data()
	if err != nil {
		return ss.fail("DATA", "", err)
	}
	if _, err := w.Write(raw); err != nil {
		return ss.fail("DATA", "", err)
	}
	ss.step()
	if err := w.Close(); err != nil {
		return ss.fail("message", "", err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	ss.step()
	_ = c.Quit()
	return nil
}

// auth authenticates with PLAIN, else LOGIN, whichever the server offers.
func (ss *session) auth() error {
	s := ss.s
	ok, mechs := ss.c.Extension("AUTH")
	if !ok {
		return &SendError{Relay: s.cfg.Relay, Step: "AUTH", Err: fmt.Errorf("%w: a user name is configured but the server offers no AUTH", errPolicy)}
	}
	offered := strings.Fields(strings.ToUpper(mechs))
	var a smtp.Auth
	switch {
	case slices.Contains(offered, "PLAIN"):
		a = &plainAuth{user: s.cfg.Username, pass: s.cfg.Password}
	case slices.Contains(offered, "LOGIN"):
		a = &loginAuth{user: s.cfg.Username, pass: s.cfg.Password}
	default:
		return &SendError{Relay: s.cfg.Relay, Step: "AUTH", Err: fmt.Errorf("%w: the server offers AUTH %s, but only PLAIN and LOGIN are supported", errPolicy, printable(mechs, 80))}
	}
	ss.step()
	if err := ss.c.Auth(a); err != nil {
		return ss.fail("AUTH", "", err)
	}
	return nil
}

// step sets the deadline of the next step, unless ctx was cancelled: then
// the deadline stays in the past.
func (ss *session) step() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancelled {
		return
	}
	ss.conn.SetDeadline(time.Now().Add(ss.s.cfg.Timeout))
}

// fail wraps err as a *SendError for step, with the server's reply when
// there is one and the context's error when it was cancelled.
func (ss *session) fail(step, rcpt string, err error) error {
	se := &SendError{Relay: ss.s.cfg.Relay, Step: step, Recipient: rcpt, Err: err}
	var te *textproto.Error
	var ne net.Error
	switch {
	case ss.ctx.Err() != nil:
		se.Err = ss.ctx.Err()
	case errors.As(err, &te):
		se.Code, se.Reply = te.Code, printable(te.Msg, 200)
	case errors.As(err, &ne) && ne.Timeout():
		se.Err = fmt.Errorf("no answer within %v", ss.s.cfg.Timeout)
	case errors.Is(err, errNoTLS):
		se.Err = fmt.Errorf("%w: %v", errPolicy, err)
	}
	return se
}

func (s *SMTP) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = s.host
	}
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// errNoTLS is returned by the AUTH mechanisms on a connection without TLS.
// net/smtp's own PlainAuth would also send in clear to localhost; ours never
// does.
var errNoTLS = errors.New("refusing to send credentials over an unencrypted connection")

// plainAuth is AUTH PLAIN (RFC 4616) that insists on TLS.
type plainAuth struct{ user, pass string }

func (a *plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, errNoTLS
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a *plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge after AUTH PLAIN")
	}
	return nil, nil
}

// loginAuth is the widespread, never standardised AUTH LOGIN: the server
// asks for the user name and the password in turn.
type loginAuth struct {
	user, pass string
	n          int
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, errNoTLS
	}
	a.n = 0
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.n++
	switch a.n {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected server challenge after AUTH LOGIN")
}
