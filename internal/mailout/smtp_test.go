package mailout

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	netsmtp "net/smtp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
)

// The credentials the test server accepts.
const (
	testUser     = "hikeshi"
	testPassword = "s3cret-パスワード"
)

// delivery is one message the test server accepted.
type delivery struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the message came over TLS
	User string // the authenticated user, if any
}

// serverOptions shape the in-process SMTP server.
type serverOptions struct {
	starttls     bool // offer STARTTLS
	implicitTLS  bool // TLS from the first byte
	auth         []string
	insecureAuth bool           // offer AUTH without TLS
	refuse       map[string]int // recipient → reply code
}

// testServer is a real SMTP server (go-smtp) on 127.0.0.1:0 that records
// what it receives.
type testServer struct {
	Addr string
	// Roots trust the server's certificate.
	Roots *x509.CertPool

	mu        sync.Mutex
	delivered []delivery
	authTried int
	mailFrom  int
}

func (s *testServer) Delivered() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delivered)
}

func (s *testServer) counts() (authTried, mailFrom int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authTried, s.mailFrom
}

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	ts := &testServer{}
	cert, roots := testCertificate(t)
	ts.Roots = roots
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{ts: ts, conn: c, opts: o}, nil
	}))
	srv.Domain = "mx.example.org"
	srv.AllowInsecureAuth = o.insecureAuth
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	if o.starttls {
		srv.TLSConfig = tlsConf
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.implicitTLS {
		l = tls.NewListener(l, tlsConf)
	}
	ts.Addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		// Closing the listener first ends Serve even when it has not
		// registered the listener with srv yet.
		l.Close()
		srv.Close()
		<-done
	})
	return ts
}

// testSession is one SMTP session of the test server.
type testSession struct {
	ts   *testServer
	conn *smtp.Conn
	opts serverOptions
	user string
	d    delivery
}

func (s *testSession) AuthMechanisms() []string { return s.opts.auth }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	s.ts.mu.Lock()
	s.ts.authTried++
	s.ts.mu.Unlock()
	check := func(user, pass string) error {
		if user != testUser || pass != testPassword {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.opts.auth) > 0 && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.ts.mu.Lock()
	s.ts.mailFrom++
	s.ts.mu.Unlock()
	_, isTLS := s.conn.TLSConnectionState()
	s.d = delivery{From: from, TLS: isTLS, User: s.user}
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if code := s.opts.refuse[to]; code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "No such user here: " + to}
	}
	s.d.To = append(s.d.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.d.Data = b
	s.ts.mu.Lock()
	s.ts.delivered = append(s.ts.delivered, s.d)
	s.ts.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.d = delivery{} }
func (s *testSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl no longer
// provides.
type loginServer struct {
	check      func(user, pass string) error
	step       int
	user, pass string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if resp != nil {
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	case 3:
		l.pass = string(resp)
		return nil, true, l.check(l.user, l.pass)
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// testCertificate makes a self-signed certificate for 127.0.0.1 and
// localhost, and a pool that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "Hikeshi test relay"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// newSender returns an SMTP sender for ts with a fixed clock.
func newSender(t *testing.T, ts *testServer, cfg SMTPConfig) *SMTP {
	t.Helper()
	cfg.Relay = ts.Addr
	if cfg.From == "" {
		cfg.From = "Hikeshi 通知 <noreply@hikeshi.example.org>"
	}
	if cfg.TLSConfig == nil {
		cfg.TLSConfig = &tls.Config{RootCAs: ts.Roots}
	}
	cfg.Hello = "hikeshi.example.org"
	cfg.Now = fixedNow
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixedNow() time.Time { return time.Date(2026, 5, 12, 9, 30, 0, 0, time.FixedZone("JST", 9*3600)) }

func japaneseMessage() Message {
	return Message{
		To:      []string{"山田 太郎 <taro.yamada@example.co.jp>"},
		Subject: "【Hikeshi】対応期限のお知らせ：INC-2026-0042 不審なメールの報告（経理部）",
		Text:    "山田 太郎 様\n\n次の項目の対応期限が近づいています。\n期限までにご確認のうえ、対応をお願いいたします。\n\n=?UTF-8?B?これは本文?= の一部です。\n.\n行頭のドットも本文です。\n",
		HTML:    "<p>山田 太郎 様</p><p>次の項目の対応期限が近づいています。</p>",
		Locale:  "ja",
	}
}

func TestSendRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts serverOptions
		cfg  SMTPConfig
		tls  bool
		user string
	}{
		{"plain relay", serverOptions{}, SMTPConfig{TLS: NoTLS}, false, ""},
		{"STARTTLS", serverOptions{starttls: true}, SMTPConfig{}, true, ""},
		{"STARTTLS with AUTH PLAIN", serverOptions{starttls: true, auth: []string{sasl.Plain, sasl.Login}},
			SMTPConfig{TLS: StartTLS, Username: testUser, Password: testPassword}, true, testUser},
		{"STARTTLS with AUTH LOGIN", serverOptions{starttls: true, auth: []string{sasl.Login}},
			SMTPConfig{TLS: StartTLS, Username: testUser, Password: testPassword}, true, testUser},
		{"implicit TLS with AUTH", serverOptions{implicitTLS: true, auth: []string{sasl.Plain}},
			SMTPConfig{TLS: ImplicitTLS, Username: testUser, Password: testPassword}, true, testUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.opts)
			s := newSender(t, ts, tc.cfg)
			m := japaneseMessage()
			if err := s.Send(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			got := ts.Delivered()
			if len(got) != 1 {
				t.Fatalf("the server received %d messages, want 1", len(got))
			}
			d := got[0]
			if d.From != "noreply@hikeshi.example.org" || !slices.Equal(d.To, []string{"taro.yamada@example.co.jp"}) {
				t.Errorf("envelope = %q → %q", d.From, d.To)
			}
			if d.TLS != tc.tls || d.User != tc.user {
				t.Errorf("TLS = %v, user = %q; want %v, %q", d.TLS, d.User, tc.tls, tc.user)
			}
			p := parse(t, d.Data)
			want := parsed{
				Header: map[string]string{
					"Date":                     "Tue, 12 May 2026 09:30:00 +0900",
					"From":                     "Hikeshi 通知 <noreply@hikeshi.example.org>",
					"To":                       "山田 太郎 <taro.yamada@example.co.jp>",
					"Subject":                  m.Subject,
					"Auto-Submitted":           "auto-generated",
					"X-Auto-Response-Suppress": "OOF, AutoReply",
					"Mime-Version":             "1.0",
					"Content-Language":         "ja",
				},
				Text: m.Text,
				HTML: m.HTML,
			}
			if diff := cmp.Diff(want, p, ignoreHeaders("Message-Id", "Content-Type")); diff != "" {
				t.Errorf("decoded message (-want +got):\n%s", diff)
			}
			if id := p.Header["Message-Id"]; !strings.HasSuffix(id, "@hikeshi.example.org>") || !strings.HasPrefix(id, "<") {
				t.Errorf("Message-ID = %q, want <…@hikeshi.example.org>", id)
			}
		})
	}
}

func TestStartTLSRequired(t *testing.T) {
	ts := startServer(t, serverOptions{insecureAuth: true, auth: []string{sasl.Plain}})
	s := newSender(t, ts, SMTPConfig{Username: testUser, Password: testPassword})
	err := s.Send(t.Context(), japaneseMessage())
	var se *SendError
	if !errors.As(err, &se) || se.Step != "STARTTLS" || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("err = %v, want a STARTTLS refusal", err)
	}
	if !IsPermanent(err) {
		t.Error("a relay without STARTTLS is not a permanent failure")
	}
	if auth, mail := ts.counts(); auth != 0 || mail != 0 {
		t.Errorf("the server saw %d AUTH and %d MAIL commands; want none", auth, mail)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	ts := startServer(t, serverOptions{starttls: true, auth: []string{sasl.Plain}})
	s := newSender(t, ts, SMTPConfig{Username: testUser, Password: testPassword, TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
	err := s.Send(t.Context(), japaneseMessage())
	var se *SendError
	if !errors.As(err, &se) || se.Step != "STARTTLS" || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate failure in STARTTLS", err)
	}
	if auth, mail := ts.counts(); auth != 0 || mail != 0 {
		t.Errorf("the server saw %d AUTH and %d MAIL commands after a failed handshake", auth, mail)
	}
}

func TestAuthNeedsTLS(t *testing.T) {
	_, err := NewSMTP(SMTPConfig{Relay: "127.0.0.1:25", TLS: NoTLS, From: "a@example.org", Username: "u", Password: "p"})
	if err == nil || !strings.Contains(err.Error(), "AUTH is only sent over TLS") {
		t.Errorf("NewSMTP with a user and no TLS: err = %v", err)
	}
	// The mechanisms themselves refuse a connection without TLS, even to
	// localhost, where net/smtp's PlainAuth would send the password.
	for _, a := range []netsmtp.Auth{&plainAuth{user: "u", pass: "p"}, &loginAuth{user: "u", pass: "p"}} {
		if _, _, err := a.Start(&netsmtp.ServerInfo{Name: "localhost", TLS: false, Auth: []string{"PLAIN", "LOGIN"}}); !errors.Is(err, errNoTLS) {
			t.Errorf("%T.Start without TLS: err = %v", a, err)
		}
	}
}

func TestAuthFailure(t *testing.T) {
	ts := startServer(t, serverOptions{starttls: true, auth: []string{sasl.Plain}})
	s := newSender(t, ts, SMTPConfig{Username: testUser, Password: "wrong-" + testPassword})
	err := s.Send(t.Context(), japaneseMessage())
	var se *SendError
	if !errors.As(err, &se) || se.Step != "AUTH" || se.Code != 535 {
		t.Fatalf("err = %v, want AUTH refused with 535", err)
	}
	if strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), "wrong-") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !IsPermanent(err) {
		t.Error("a refused password is not a permanent failure")
	}
}

func TestNoAuthOffered(t *testing.T) {
	ts := startServer(t, serverOptions{starttls: true})
	s := newSender(t, ts, SMTPConfig{Username: testUser, Password: testPassword})
	err := s.Send(t.Context(), japaneseMessage())
	if err == nil || !strings.Contains(err.Error(), "offers no AUTH") {
		t.Fatalf("err = %v, want a failure naming the missing AUTH", err)
	}
}

func TestRecipientRefused(t *testing.T) {
	for _, tc := range []struct {
		code      int
		permanent bool
	}{{550, true}, {451, false}} {
		ts := startServer(t, serverOptions{refuse: map[string]int{"gone@example.org": tc.code}})
		s := newSender(t, ts, SMTPConfig{TLS: NoTLS})
		m := japaneseMessage()
		m.To = []string{"taro.yamada@example.co.jp", "Gone <gone@example.org>"}
		err := s.Send(t.Context(), m)
		var se *SendError
		if !errors.As(err, &se) || se.Step != "RCPT TO" || se.Code != tc.code || se.Recipient != "gone@example.org" {
			t.Fatalf("%d: err = %#v, want RCPT TO refused", tc.code, err)
		}
		for _, want := range []string{"RCPT TO <gone@example.org>", "refused by the server", "No such user here"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%d: %q lacks %q", tc.code, err, want)
			}
		}
		if IsPermanent(err) != tc.permanent {
			t.Errorf("%d: IsPermanent = %v", tc.code, !tc.permanent)
		}
		if n := len(ts.Delivered()); n != 0 {
			t.Errorf("%d: %d messages delivered although a recipient was refused", tc.code, n)
		}
	}
}

// hangingServer accepts connections and never says anything.
func hangingServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestHangingServer(t *testing.T) {
	addr := hangingServer(t)
	t.Run("timeout", func(t *testing.T) {
		s := newSender(t, &testServer{Addr: addr}, SMTPConfig{TLS: NoTLS, Timeout: 200 * time.Millisecond})
		start := time.Now()
		err := s.Send(t.Context(), japaneseMessage())
		var se *SendError
		if !errors.As(err, &se) || se.Step != "greeting" || !strings.Contains(err.Error(), "no answer within 200ms") {
			t.Fatalf("err = %v, want a greeting timeout", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send took %v", d)
		}
		if IsPermanent(err) {
			t.Error("a timeout is permanent")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s := newSender(t, &testServer{Addr: addr}, SMTPConfig{TLS: NoTLS, Timeout: time.Minute})
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Send(ctx, japaneseMessage())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the context's deadline", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send took %v after the context ended", d)
		}
	})
	t.Run("implicit TLS handshake", func(t *testing.T) {
		s := newSender(t, &testServer{Addr: addr}, SMTPConfig{TLS: ImplicitTLS, Timeout: 200 * time.Millisecond})
		err := s.Send(t.Context(), japaneseMessage())
		var se *SendError
		if !errors.As(err, &se) || se.Step != "TLS" {
			t.Fatalf("err = %v, want a TLS timeout", err)
		}
	})
}

func TestConnectRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newSender(t, &testServer{Addr: addr}, SMTPConfig{TLS: NoTLS})
	err = s.Send(t.Context(), japaneseMessage())
	var se *SendError
	if !errors.As(err, &se) || se.Step != "connect" || IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary connect failure", err)
	}
}

func TestSendRefusesInvalidMessage(t *testing.T) {
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts, SMTPConfig{TLS: NoTLS})
	m := japaneseMessage()
	m.Subject = "hello\r\nBcc: victim@example.org"
	err := s.Send(t.Context(), m)
	if !errors.Is(err, ErrInvalidMessage) || !IsPermanent(err) {
		t.Fatalf("err = %v, want ErrInvalidMessage", err)
	}
	if _, mail := ts.counts(); mail != 0 {
		t.Error("an invalid message reached the server")
	}
}

func TestNewSMTPConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  SMTPConfig
		want string
	}{
		{"no port", SMTPConfig{Relay: "mail.example.org", From: "a@example.org"}, "host:port"},
		{"bad mode", SMTPConfig{Relay: "mail.example.org:25", TLS: "ssl", From: "a@example.org"}, "starttls, tls or none"},
		{"password without user", SMTPConfig{Relay: "mail.example.org:25", From: "a@example.org", Password: "hunter2-secret"}, "without a user name"},
		{"no from", SMTPConfig{Relay: "mail.example.org:25"}, "sender"},
		{"bad from", SMTPConfig{Relay: "mail.example.org:25", From: "a@b@c"}, "sender"},
		{"bad hello", SMTPConfig{Relay: "mail.example.org:25", From: "a@example.org", Hello: "a b"}, "hello name"},
		{"password with newline", SMTPConfig{Relay: "mail.example.org:587", From: "a@example.org", Username: "u", Password: "hunter2\r\nQUIT"}, "line-break"},
	} {
		_, err := NewSMTP(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
		if err != nil && tc.cfg.Password != "" && strings.Contains(err.Error(), tc.cfg.Password) {
			t.Errorf("%s: the error shows the password", tc.name)
		}
	}
}
