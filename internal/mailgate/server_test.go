package mailgate

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
	"math/big"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Handler that parses what it is given (with the hash sink)
// and keeps it: the SMTP layer's tests look at what arrived.
type recorder struct {
	mu   sync.Mutex
	envs []Envelope
	msgs []*Message
	fail error
}

func (r *recorder) Deliver(ctx context.Context, env Envelope, spool *os.File, size int64) error {
	if r.fail != nil {
		return r.fail
	}
	m, err := Parse(ctx, spool, HashSink{}, Options{})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.envs, r.msgs = append(r.envs, env), append(r.msgs, m)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

func startServer(t *testing.T, cfg Config) (string, *recorder) {
	t.Helper()
	rec := &recorder{}
	if cfg.Handler == nil {
		cfg.Handler = rec
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), rec
}

// code returns the SMTP reply code and text of err.
func code(t *testing.T, err error) (int, string) {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("want an SMTP error reply, got %v", err)
	}
	return te.Code, te.Msg
}

func dial(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	return c
}

const simpleMail = "From: a@example.net\r\nTo: csirt@example.org\r\nSubject: hi\r\n\r\nhello\r\n"

func send(c *smtp.Client, from string, to []string, body string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, body); err != nil {
		return err
	}
	return w.Close()
}

func TestServerAcceptsAndLimits(t *testing.T) {
	addr, rec := startServer(t, Config{Recipients: []string{"csirt@example.org", "cert@example.org"}, MaxRecipients: 2, MaxMessageBytes: 4096})
	c := dial(t, addr)

	if err := send(c, "a@example.net", []string{"CSIRT@example.org"}, simpleMail); err != nil {
		t.Fatalf("a plain message to a configured address (any case): %v", err)
	}
	if rec.count() != 1 || rec.envs[0].To[0] != "csirt@example.org" || rec.msgs[0].Subject != "hi" {
		t.Fatalf("recorded %+v", rec.envs)
	}

	// Unknown recipient: 550 5.1.1.
	if err := c.Mail("a@example.net"); err != nil {
		t.Fatal(err)
	}
	err := c.Rcpt("someone@example.org")
	if n, msg := code(t, err); n != 550 || !strings.HasPrefix(msg, "5.1.1") {
		t.Errorf("unknown recipient: %d %s, want 550 5.1.1", n, msg)
	}
	// Too many recipients: 452 4.5.3.
	for _, r := range []string{"csirt@example.org", "cert@example.org"} {
		if err := c.Rcpt(r); err != nil {
			t.Fatal(err)
		}
	}
	err = c.Rcpt("csirt@example.org")
	if n, msg := code(t, err); n != 452 || !strings.HasPrefix(msg, "4.5.3") {
		t.Errorf("third recipient: %d %s, want 452 4.5.3", n, msg)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	// Too large: 552 5.3.4 when the data goes over the limit.
	err = send(c, "a@example.net", []string{"csirt@example.org"}, simpleMail+strings.Repeat("x", 5000)+"\r\n")
	if n, msg := code(t, err); n != 552 || !strings.HasPrefix(msg, "5.3.4") {
		t.Errorf("oversized message: %d %s, want 552 5.3.4", n, msg)
	}
	if rec.count() != 1 {
		t.Errorf("the refused messages were delivered: %d", rec.count())
	}
	// The session goes on after a refusal.
	if err := send(c, "a@example.net", []string{"cert@example.org"}, simpleMail); err != nil {
		t.Fatal(err)
	}
	if rec.count() != 2 {
		t.Errorf("delivered %d, want 2", rec.count())
	}
}

func TestServerSizeDeclared(t *testing.T) {
	addr, _ := startServer(t, Config{MaxMessageBytes: 1000})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tp := textproto.NewConn(conn)
	expect := func(want int) string {
		t.Helper()
		_, msg, err := tp.ReadResponse(want)
		if err != nil {
			t.Fatalf("want %d: %v", want, err)
		}
		return msg
	}
	expect(220)
	tp.PrintfLine("EHLO client.example")
	if msg := expect(250); !strings.Contains(msg, "SIZE 1000") {
		t.Errorf("EHLO does not announce the size limit: %q", msg)
	}
	tp.PrintfLine("MAIL FROM:<a@example.net> SIZE=5000")
	_, msg, err := tp.ReadResponse(250)
	if n, _ := code(t, err); n != 552 || !strings.Contains(msg, "5.3.4") {
		t.Errorf("declared size over the limit: %d %q, want 552 5.3.4", n, msg)
	}
}

func TestServerAnyRecipientWhenNoneConfigured(t *testing.T) {
	addr, rec := startServer(t, Config{})
	c := dial(t, addr)
	if err := send(c, "", []string{"whoever@example.org"}, simpleMail); err != nil {
		t.Fatal(err)
	}
	if rec.count() != 1 || rec.envs[0].From != "" {
		t.Fatalf("a bounce (empty return path) to any address should be taken in: %+v", rec.envs)
	}
}

func TestServerHandlerFailureIsTemporary(t *testing.T) {
	rec := &recorder{fail: errors.New("database down")}
	addr, _ := startServer(t, Config{Handler: rec})
	c := dial(t, addr)
	err := send(c, "a@example.net", []string{"csirt@example.org"}, simpleMail)
	if n, msg := code(t, err); n != 451 || !strings.HasPrefix(msg, "4.3.0") {
		t.Errorf("a message that cannot be stored: %d %s, want 451 4.3.0 (try again)", n, msg)
	}
}

func TestServerConnectionRate(t *testing.T) {
	addr, _ := startServer(t, Config{RatePerMinute: 3})
	for i := 0; i < 3; i++ {
		c := dial(t, addr)
		c.Quit()
	}
	_, err := smtp.Dial(addr)
	if n, msg := code(t, err); n != 421 || !strings.HasPrefix(msg, "4.7.0") {
		t.Errorf("fourth connection in a minute: %d %s, want 421 4.7.0", n, msg)
	}
}

func TestServerIdleTimeout(t *testing.T) {
	addr, _ := startServer(t, Config{Timeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = tp.ReadResponse(250)
	if n, msg := code(t, err); n != 421 || !strings.HasPrefix(msg, "4.4.2") {
		t.Errorf("an idle client: %d %s, want 421 4.4.2", n, msg)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hikeshi test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestServerSTARTTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	addr, rec := startServer(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	c := dial(t, addr)
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS is not offered although a certificate is configured")
	}
	if err := c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := send(c, "a@example.net", []string{"csirt@example.org"}, simpleMail); err != nil {
		t.Fatal(err)
	}
	if rec.count() != 1 || !rec.envs[0].TLS {
		t.Errorf("the message over TLS: %+v", rec.envs)
	}

	plain, _ := startServer(t, Config{})
	if ok, _ := dial(t, plain).Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without a certificate")
	}
}

// TestServerHostile sends hostile messages over SMTP: each is accepted
// (250) and parsed, none crashes the server.
func TestServerHostile(t *testing.T) {
	addr, rec := startServer(t, Config{MaxMessageBytes: 8 << 20})
	c := dial(t, addr)
	var deep strings.Builder
	for i := 0; i < 100; i++ {
		deep.WriteString("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n")
	}
	var many strings.Builder
	for i := 0; i < 10000; i++ {
		many.WriteString("X-H: v\r\n")
	}
	cases := map[string]string{
		"empty":         "",
		"no headers":    "just text\r\n",
		"10k headers":   many.String() + "\r\nbody\r\n",
		"broken base64": "Content-Transfer-Encoding: base64\r\n\r\n!!!!@@@@====\r\n",
		"deep":          deep.String() + "x\r\n",
		"nul":           "Subject: a\x00b\r\n\r\n\x00\x00\x00\r\n",
		"long line":     "Subject: x\r\n\r\n" + strings.Repeat("a", 15000) + "\r\n",
	}
	for name, body := range cases {
		if err := send(c, "a@example.net", []string{"csirt@example.org"}, body); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if rec.count() != len(cases) {
		t.Errorf("delivered %d of %d hostile messages", rec.count(), len(cases))
	}
}
