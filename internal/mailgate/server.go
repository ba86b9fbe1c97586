package mailgate

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Envelope is what the SMTP dialogue said about a message.
type Envelope struct {
	From       string   // the return path (MAIL FROM); "" for a bounce
	To         []string // accepted recipients, lower-case
	RemoteIP   string
	Helo       string
	TLS        bool
	ReceivedAt time.Time
}

// Handler takes a message in. spool holds the raw message (positioned at
// its start, size bytes); it is removed after Deliver returns. An error
// answers the client 451 (try again later): the message is acknowledged
// only once it is committed.
type Handler interface {
	Deliver(ctx context.Context, env Envelope, spool *os.File, size int64) error
}

// Defaults of Config.
const (
	DefaultMaxMessageBytes = 40 << 20 // a 25 MB attachment in base64 and then some
	DefaultMaxRecipients   = 20
	DefaultRatePerMinute   = 120
	DefaultMaxConnections  = 100
	DefaultTimeout         = 2 * time.Minute
)

// Config configures a Server.
type Config struct {
	Domain          string   // the name in the greeting; default "hikeshi"
	Recipients      []string // accepted addresses, lower-case; empty = any
	MaxMessageBytes int64
	MaxRecipients   int
	RatePerMinute   int // new connections per client IP and minute (burst the same)
	MaxConnections  int // open connections in all
	Timeout         time.Duration
	TLS             *tls.Config // STARTTLS when set
	SpoolDir        string      // temporary files; default os.TempDir()
	Handler         Handler
	Log             *slog.Logger
}

// Server is the mailgate's SMTP listener.
type Server struct {
	cfg  Config
	smtp *smtp.Server
	rcpt map[string]bool
	lim  *limiter
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Handler == nil {
		return nil, errors.New("mailgate: a handler is required")
	}
	if cfg.Domain == "" {
		cfg.Domain = "hikeshi"
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = DefaultRatePerMinute
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, rcpt: map[string]bool{}, lim: newLimiter(cfg.RatePerMinute, cfg.MaxConnections)}
	for _, r := range cfg.Recipients {
		s.rcpt[strings.ToLower(strings.TrimSpace(r))] = true
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxLineLength = 64 << 10 // far above RFC 5321's 1000, for broken clients; bounds a buffered command line
	srv.ReadTimeout = cfg.Timeout
	srv.WriteTimeout = cfg.Timeout
	srv.TLSConfig = cfg.TLS
	srv.ErrorLog = logAdapter{cfg.Log}
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on ln until Close or Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.smtp.Serve(&limitedListener{Listener: ln, lim: s.lim, domain: s.cfg.Domain, log: s.cfg.Log})
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for open sessions, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.smtp.Shutdown(ctx) }

// Close stops at once.
func (s *Server) Close() error { return s.smtp.Close() }

type logAdapter struct{ l *slog.Logger }

func (a logAdapter) Printf(format string, v ...any) {
	a.l.Warn("mail intake: " + fmt.Sprintf(format, v...))
}
func (a logAdapter) Println(v ...any) { a.l.Warn("mail intake: " + fmt.Sprint(v...)) }

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	ip := ""
	if addr, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		ip = addr.IP.String()
	}
	_, tlsOn := c.TLSConnectionState()
	return &session{s: s, conn: c, ip: ip, tls: tlsOn}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	ip   string
	tls  bool
	from string
	to   []string
	mail bool
}

func (ss *session) Reset()        { ss.from, ss.to, ss.mail = "", nil, false }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > 0 && opts.Size > ss.s.cfg.MaxMessageBytes {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("the message is larger than the limit of %d bytes", ss.s.cfg.MaxMessageBytes)}
	}
	ss.from, ss.mail = strings.TrimSpace(from), true
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	addr := strings.ToLower(strings.TrimSpace(to))
	if len(ss.s.rcpt) > 0 && !ss.s.rcpt[addr] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here: this address does not take reports"}
	}
	if len(ss.to) >= ss.s.cfg.MaxRecipients {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "too many recipients"}
	}
	ss.to = append(ss.to, addr)
	return nil
}

// errTryLater answers a message that could not be stored.
var errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "the message could not be stored; please try again later"}

func (ss *session) Data(r io.Reader) error {
	f, err := os.CreateTemp(ss.s.cfg.SpoolDir, "hikeshi-mail-*.eml")
	if err != nil {
		ss.s.cfg.Log.Error("mail intake: cannot create a spool file", "err", err)
		_, _ = io.Copy(io.Discard, r)
		return errTryLater
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	n, err := io.Copy(f, r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // the size limit: 552 5.3.4
		}
		return errTryLater
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return errTryLater
	}
	env := Envelope{From: ss.from, To: append([]string(nil), ss.to...), RemoteIP: ss.ip, Helo: ss.conn.Hostname(),
		TLS: ss.tls, ReceivedAt: time.Now().UTC()}
	if _, ok := ss.conn.TLSConnectionState(); ok {
		env.TLS = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), ss.s.cfg.Timeout)
	defer cancel()
	if err := ss.s.cfg.Handler.Deliver(ctx, env, f, n); err != nil {
		ss.s.cfg.Log.Error("mail intake: a message could not be stored", "err", err, "size", n)
		return errTryLater
	}
	return nil
}

// limiter bounds new connections per client IP (a token bucket per IP) and
// open connections in all.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	open    int
	maxOpen int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, maxOpen int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(perMinute), buckets: map[string]*bucket{}, maxOpen: maxOpen}
}

// admit reports whether a connection from ip may open, and why not.
func (l *limiter) admit(ip string, now time.Time) (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.maxOpen {
		return false, "too many connections; try again later"
	}
	if len(l.buckets) > 10000 { // forget the full buckets of quiet clients
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	b := l.buckets[ip]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false, "too many connections from your address; try again later"
	}
	b.tokens--
	l.open++
	return true, ""
}

func (l *limiter) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
}

// limitedListener answers a connection over the limits with 421 4.7.0 and
// closes it before go-smtp sees it.
type limitedListener struct {
	net.Listener
	lim    *limiter
	domain string
	log    *slog.Logger
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := ""
		if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			ip = a.IP.String()
		}
		ok, why := l.lim.admit(ip, time.Now())
		if ok {
			return &releasingConn{Conn: c, release: l.lim.release}, nil
		}
		l.log.Warn("mail intake: connection refused", "reason", why)
		go func() {
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, _ = fmt.Fprintf(c, "421 4.7.0 %s %s\r\n", l.domain, why)
			_ = c.Close()
		}()
	}
}

type releasingConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *releasingConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
