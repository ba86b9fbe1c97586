// Package mailout sends Hikeshi's outbound e-mail: reminders, escalations and
// notifications (PRODUCT.md PL-7).
//
// A Message is built into an RFC 5322 / MIME message by a Builder, which is
// the only place that writes header fields: every value is checked (no line
// breaks or other control characters, valid UTF-8, addresses parsed with
// net/mail) and encoded (RFC 2047 for anything that is not plain ASCII), so
// that no caller can inject a header or a second message. Bodies are UTF-8 in
// quoted-printable, a multipart/alternative when an HTML part is given.
//
// Senders deliver built messages: SMTP relays them to a configured server,
// Capture records them for tests. Render fills the embedded Japanese and
// English templates.
package mailout

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
)

// Sender delivers a message. SMTP is the real one; Capture is the fake for
// tests of the code that sends mail (jobs, services).
type Sender interface {
	// Send delivers m, or returns why it could not. Errors for which
	// IsPermanent reports true will fail again on a retry.
	Send(ctx context.Context, m Message) error
}

// Message is one outbound e-mail before encoding. Every string is plain
// UTF-8 text; the Builder does all encoding.
type Message struct {
	// From is the author, "addr@example.org" or "Name <addr@example.org>";
	// empty means the sender's configured address.
	From string
	// To lists the recipients, each in the form of From. They are also the
	// envelope recipients: there is no Cc or Bcc.
	To []string
	// Subject is one line of text.
	Subject string
	// Text is the plain-text body; it is required.
	Text string
	// HTML is an optional HTML alternative of Text.
	HTML string
	// Locale is the language of the bodies (Content-Language); empty omits it.
	Locale hikeshi.Locale
	// MessageID, when set, is used as the Message-ID ("local@domain", without
	// angle brackets) so that a retried job sends the same message id and
	// the recipient's system can recognise the duplicate. Empty: a random id
	// at the Builder's domain.
	MessageID string
	// Headers are extra header fields such as In-Reply-To, References or
	// X-Hikeshi-Item. The fields the Builder writes itself (From, To,
	// Subject, Date, Content-*, …) and Cc, Bcc, Sender and Reply-To are
	// refused here.
	Headers map[string]string
}

// ErrInvalidMessage is wrapped by every error about a Message's content:
// sending it again will not help.
var ErrInvalidMessage = errors.New("invalid message")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// Limits that keep a hostile or broken caller from producing an unusable
// message; nothing legitimate comes near them.
const (
	maxSubjectLen    = 2000
	maxNameLen       = 256
	maxAddressLen    = 254 // RFC 5321's path limit less the angle brackets
	maxRecipients    = 100
	maxHeaderLen     = 2000
	maxBodyLen       = 4 << 20
	maxHeaderNameLen = 76
)

// reserved are the header fields the Builder writes or that would make the
// header disagree with the envelope; lower case.
var reserved = []string{
	"from", "to", "cc", "bcc", "sender", "reply-to", "subject", "date", "message-id",
	"mime-version", "auto-submitted", "x-auto-response-suppress", "return-path", "received",
}

// Builder turns Messages into the bytes that go over SMTP.
type Builder struct {
	// Domain is the right-hand side of generated Message-IDs: the domain of
	// the configured sender address.
	Domain string
	// Now is the clock for the Date field; nil means time.Now.
	Now func() time.Time
}

// Build checks m and returns it as an RFC 5322 message with CRLF line
// endings. Every problem with m is an error wrapping ErrInvalidMessage.
func (b Builder) Build(m Message) ([]byte, error) {
	if !validDomain(b.Domain) {
		return nil, fmt.Errorf("mailout: the message-id domain %q is not a valid domain name", printable(b.Domain, 80))
	}
	from, err := parseAddress("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := parseRecipients(m.To)
	if err != nil {
		return nil, err
	}
	subject, err := encodeText("Subject", m.Subject, maxSubjectLen)
	if err != nil {
		return nil, err
	}
	if m.Subject == "" {
		return nil, invalidf("the subject is empty")
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, invalidf("the text body is empty; every message needs a plain-text part")
	}
	if err := checkBody("text", m.Text); err != nil {
		return nil, err
	}
	if err := checkBody("HTML", m.HTML); err != nil {
		return nil, err
	}
	if !m.Locale.Valid() {
		return nil, invalidf("the locale %q is not supported", printable(string(m.Locale), 20))
	}
	id := m.MessageID
	if id == "" {
		id = strings.ToLower(rand.Text()) + "@" + b.Domain
	} else if !validMessageID(id) {
		return nil, invalidf("the message id %q is not of the form local@domain", printable(id, 80))
	}
	extra, err := checkHeaders(m.Headers)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}

	var buf bytes.Buffer
	h := headerWriter{buf: &buf}
	h.field("Date", now().Format(time.RFC1123Z))
	h.field("From", formatAddress(from))
	h.field("To", formatAddressList(to))
	h.field("Subject", subject)
	h.field("Message-ID", "<"+id+">")
	for _, f := range extra {
		h.field(f[0], f[1])
	}
	// Auto-Submitted (RFC 3834) keeps vacation responders and ticket systems
	// from answering; X-Auto-Response-Suppress asks the same of Exchange,
	// without suppressing delivery reports.
	h.field("Auto-Submitted", "auto-generated")
	h.field("X-Auto-Response-Suppress", "OOF, AutoReply")
	h.field("MIME-Version", "1.0")
	if m.Locale != "" {
		h.field("Content-Language", string(m.Locale))
	}
	if h.err != nil {
		return nil, h.err
	}
	if m.HTML == "" {
		h.field("Content-Type", "text/plain; charset=UTF-8")
		h.field("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		if err := writeQP(&buf, m.Text, true); err != nil {
			return nil, err
		}
		return buf.Bytes(), h.err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h.field("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")
	for _, part := range []struct{ typ, content string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(pw, part.content, false); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	buf.Write(body.Bytes())
	return buf.Bytes(), h.err
}

// envelope returns the SMTP envelope of m: the sender's and recipients'
// bare addresses.
func envelope(m Message) (from string, to []string, err error) {
	f, err := parseAddress("From", m.From)
	if err != nil {
		return "", nil, err
	}
	rcpts, err := parseRecipients(m.To)
	if err != nil {
		return "", nil, err
	}
	for _, r := range rcpts {
		to = append(to, r.Address)
	}
	return f.Address, to, nil
}

// writeQP writes s as quoted-printable with CRLF line breaks. With eol, it
// ends with a line break: a message must end with CRLF, while in a
// multipart the CRLF before the next boundary belongs to the boundary.
func writeQP(w io.Writer, s string, eol bool) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	if eol && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, "\r") {
		_, err := w.Write([]byte("\r\n"))
		return err
	}
	return nil
}

func checkBody(what, s string) error {
	if len(s) > maxBodyLen {
		return invalidf("the %s body is %d bytes long; the limit is %d", what, len(s), maxBodyLen)
	}
	if !utf8.ValidString(s) {
		return invalidf("the %s body is not valid UTF-8", what)
	}
	if strings.ContainsRune(s, 0) {
		return invalidf("the %s body contains a NUL character", what)
	}
	return nil
}

// checkControl refuses line breaks and other control characters (tab
// excepted) in a header value: they are how headers are injected.
func checkControl(field, s string) error {
	if !utf8.ValidString(s) {
		return invalidf("the %s is not valid UTF-8", field)
	}
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n':
			return invalidf("the %s contains a line break (CR or LF), which could inject a header; give it on one line", field)
		case r < ' ' && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0, r == '\u2028', r == '\u2029':
			return invalidf("the %s contains the control character %U", field, r)
		}
	}
	return nil
}

// parseAddress parses one "addr" or "Name <addr>". The address itself must
// be ASCII: relays without SMTPUTF8 cannot carry anything else.
func parseAddress(field, s string) (*mail.Address, error) {
	if err := checkControl(field+" address", s); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, invalidf("the %s address is empty", field)
	}
	if len(s) > maxAddressLen+maxNameLen*3 {
		return nil, invalidf("the %s address is too long", field)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, invalidf("the %s address %q is not an e-mail address", field, printable(s, 80))
	}
	if len(a.Address) > maxAddressLen {
		return nil, invalidf("the %s address is longer than %d characters", field, maxAddressLen)
	}
	if !validMessageID(a.Address) {
		return nil, invalidf("the %s address %q must be a plain ASCII local@domain, without quotes, spaces or an IP literal", field, printable(a.Address, 80))
	}
	if len(a.Name) > maxNameLen {
		return nil, invalidf("the %s display name is longer than %d bytes", field, maxNameLen)
	}
	if err := checkControl(field+" display name", a.Name); err != nil {
		return nil, err
	}
	return a, nil
}

func parseRecipients(list []string) ([]*mail.Address, error) {
	if len(list) == 0 {
		return nil, invalidf("the message has no recipient")
	}
	if len(list) > maxRecipients {
		return nil, invalidf("the message has %d recipients; the limit is %d", len(list), maxRecipients)
	}
	out := make([]*mail.Address, 0, len(list))
	for _, s := range list {
		a, err := parseAddress("To", s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// formatAddress writes a as "Name <addr>" or "addr". A name of plain atoms
// separated by single spaces is written as it is; any other name is
// RFC 2047-encoded, so no quoted-string with its escaping is ever produced
// and the header may be folded at any single space.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	name := a.Name
	if !plainPhrase(name) {
		name = encodeWords(name)
	}
	return name + " <" + a.Address + ">"
}

func formatAddressList(list []*mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = formatAddress(a)
	}
	return strings.Join(parts, ", ")
}

// plainPhrase reports whether s is RFC 5322 atoms separated by single spaces
// and cannot be mistaken for an encoded word.
func plainPhrase(s string) bool {
	if s == "" || strings.Contains(s, "=?") {
		return false
	}
	for w := range strings.SplitSeq(s, " ") {
		if w == "" {
			return false
		}
		for _, c := range []byte(w) {
			if !isAtext(c) {
				return false
			}
		}
	}
	return true
}

func isAtext(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// encodeText returns an unstructured header value (Subject, extra headers):
// as it is when it is printable ASCII that survives folding unchanged,
// RFC 2047-encoded otherwise.
func encodeText(field, s string, limit int) (string, error) {
	if len(s) > limit {
		return "", invalidf("the %s is %d bytes long; the limit is %d", field, len(s), limit)
	}
	if err := checkControl(field, s); err != nil {
		return "", err
	}
	if plainText(s) {
		return s, nil
	}
	return encodeWords(s), nil
}

// plainText reports whether s can be written without encoding: printable
// ASCII, no "=?" that a reader would decode, no whitespace that unfolding
// would change, and no word too long to fold.
func plainText(s string) bool {
	if strings.Contains(s, "=?") || strings.Contains(s, "  ") || strings.TrimSpace(s) != s {
		return false
	}
	word := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' {
			return false
		}
		if c == ' ' {
			word = 0
		} else if word++; word > 70 {
			return false
		}
	}
	return true
}

// encodeWords encodes s as RFC 2047 "B" encoded words of UTF-8, each at most
// 75 characters and never splitting a character, separated by single
// spaces (which a decoder drops between encoded words).
func encodeWords(s string) string {
	const maxRaw = 45 // 60 base64 characters + "=?UTF-8?B?" + "?=" = 72
	var b strings.Builder
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > maxRaw {
				break
			}
			n += size
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?UTF-8?B?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
		b.WriteString("?=")
		s = s[n:]
	}
	return b.String()
}

// checkHeaders validates the extra headers and returns them encoded, in a
// stable order, with canonical names.
func checkHeaders(h map[string]string) ([][2]string, error) {
	var out [][2]string
	for name, v := range h {
		if name == "" || len(name) > maxHeaderNameLen {
			return nil, invalidf("the header name %q is empty or too long", printable(name, 80))
		}
		for _, c := range []byte(name) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return nil, invalidf("the header name %q may contain only letters, digits and hyphens", printable(name, 80))
			}
		}
		lower := strings.ToLower(name)
		if slices.Contains(reserved, lower) || strings.HasPrefix(lower, "content-") {
			return nil, invalidf("the header %s is written by mailout itself; use the Message's fields", name)
		}
		ev, err := encodeText("header "+name, v, maxHeaderLen)
		if err != nil {
			return nil, err
		}
		if ev == "" {
			return nil, invalidf("the header %s is empty", name)
		}
		out = append(out, [2]string{textproto.CanonicalMIMEHeaderKey(name), ev})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	for i := 1; i < len(out); i++ {
		if out[i][0] == out[i-1][0] {
			return nil, invalidf("the header %s is given twice", out[i][0])
		}
	}
	return out, nil
}

// headerWriter writes header fields folded at single spaces to lines of at
// most 78 characters where possible and 998 at most (RFC 5322 §2.1.1).
type headerWriter struct {
	buf *bytes.Buffer
	err error
}

func (h *headerWriter) field(name, value string) {
	if h.err != nil {
		return
	}
	line := len(name) + 1
	h.buf.WriteString(name)
	h.buf.WriteByte(':')
	// Split at single spaces only: unfolding turns CRLF+space back into
	// exactly one space, so the value reads back unchanged.
	words := strings.Split(value, " ")
	for i, w := range words {
		if i > 0 && line+1+len(w) > 78 && w != "" && words[i-1] != "" {
			h.buf.WriteString("\r\n")
			line = 0
		}
		h.buf.WriteByte(' ')
		h.buf.WriteString(w)
		line += 1 + len(w)
		if line > 998 {
			h.err = invalidf("the %s field has a word too long to fold", name)
			return
		}
	}
	h.buf.WriteString("\r\n")
}

// validDomain accepts DNS names (ASCII letters, digits, hyphens) with at
// least one dot, or "localhost".
func validDomain(d string) bool {
	if d == "localhost" {
		return true
	}
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validMessageID accepts dot-atom-text "@" domain: the form of Message-IDs
// and of the addresses mailout sends to.
func validMessageID(id string) bool {
	local, domain, ok := strings.Cut(id, "@")
	if !ok || local == "" || len(id) > 250 || !validDomain(domain) {
		return false
	}
	for part := range strings.SplitSeq(local, ".") {
		if part == "" {
			return false
		}
		for _, c := range []byte(part) {
			if !isAtext(c) {
				return false
			}
		}
	}
	return true
}

// printable returns s cut to n runes with control characters replaced, for
// error messages that quote untrusted input.
func printable(s string, n int) string {
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\u202e' {
			r = '?'
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}
