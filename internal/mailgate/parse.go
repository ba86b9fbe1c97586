// Package mailgate is Hikeshi's mail intake (IH-2): an SMTP listener built
// on github.com/emersion/go-smtp that spools each message to a temporary
// file, and a tolerant MIME parser that reads mail as Japanese and other
// clients really send it (ISO-2022-JP, Shift_JIS/CP932, EUC-JP, UTF-8;
// RFC 2047 and RFC 2231; quoted-printable and base64; alternative, mixed
// and attached messages). Attachments are streamed to a Sink (the blob
// store), never held whole in memory. A broken or hostile message is read
// as far as it can be, and Notes say what could not be: Parse never fails
// because of the message, only because the Sink does.
package mailgate

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"unicode/utf8"
)

// Sink stores a decoded attachment or raw message and returns its SHA-256
// (lower-case hex), size and sniffed media type.
type Sink interface {
	Store(ctx context.Context, r io.Reader) (sha string, size int64, mediaType string, err error)
}

// HashSink is a Sink that stores nothing: it only hashes (tests, summaries).
// It sniffs no media type.
type HashSink struct{}

// Store hashes r.
func (HashSink) Store(_ context.Context, r io.Reader) (string, int64, string, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, "", err
	}
	return hex.EncodeToString(h.Sum(nil)), n, "", nil
}

type headWriter struct {
	b   []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Attachment is a part kept as a file.
type Attachment struct {
	Part      string `json:"part"`       // position in the MIME tree, "2.1"
	Filename  string `json:"filename"`   // decoded, not yet sanitised
	MediaType string `json:"media_type"` // as declared
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
}

// Message is what Parse read of a mail.
type Message struct {
	MessageID   string       `json:"message_id"` // without angle brackets; "" when missing
	References  []string     `json:"references"` // In-Reply-To, then References newest first
	From        string       `json:"from"`       // the author's address, lower-case
	FromName    string       `json:"from_name"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`      // the readable text, UTF-8, clean
	Language    string       `json:"language"`  // "ja" or "en"
	Automated   string       `json:"automated"` // why the mail looks machine-sent; "" for a person
	Charsets    []string     `json:"charsets"`  // the charsets the text was read as
	Attachments []Attachment `json:"attachments"`
	Notes       []string     `json:"notes"` // what could not be read, for the CSIRT
}

// Options bound the parser; zero values take the defaults.
type Options struct {
	MaxTextBytes int // decoded text kept per part (default 256 KiB)
	MaxParts     int // parts looked at (default 200)
	MaxDepth     int // nesting of multiparts and attached messages (default 16)
}

func (o Options) withDefaults() Options {
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = 256 << 10
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 200
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 16
	}
	return o
}

// maxSummaryBytes is how much of an attached message is read for its summary.
const maxSummaryBytes = 256 << 10

// Parse reads the message r. Only a Sink failure (or ctx ending) is an
// error; everything wrong with the message itself becomes a note.
func Parse(ctx context.Context, r io.Reader, sink Sink, opt Options) (msg *Message, err error) {
	w := &walker{ctx: ctx, sink: sink, opt: opt.withDefaults(), msg: &Message{}}
	defer func() {
		if p := recover(); p != nil {
			// A parser bug must not lose the mail: the raw message is kept
			// by the caller, and the note says why the rest is missing.
			w.note("", fmt.Sprintf("the parser stopped early (%v); see the raw message", p))
			w.finish()
			msg, err = w.msg, nil
		}
	}()
	br := bufio.NewReaderSize(r, 32<<10)
	h, body, notes := readHeader(br)
	for _, n := range notes {
		w.note("", n)
	}
	w.top(h)
	if err := w.entity(h, body, "", 0); err != nil {
		return nil, err
	}
	w.finish()
	return w.msg, nil
}

type walker struct {
	ctx   context.Context
	sink  Sink
	opt   Options
	msg   *Message
	parts int
	text  []string // readable text parts
	html  []htmlPart
	lang  bool // a Japanese charset or Content-Language was seen
}

// htmlPart is an HTML body kept aside until it is known whether a plain
// text alternative exists.
type htmlPart struct {
	label   string
	data    []byte // the decoded HTML when small
	charset string
	stored  *Attachment // set when it was too large to keep aside: stored at once
}

func (w *walker) note(label, s string) {
	if len(w.msg.Notes) >= 50 {
		return
	}
	if label != "" {
		s = "part " + label + ": " + s
	}
	w.msg.Notes = append(w.msg.Notes, s)
}

func (w *walker) top(h textproto.MIMEHeader) {
	m := w.msg
	if v := h.Get("Message-Id"); v != "" {
		if ids := messageIDs(v); len(ids) > 0 {
			m.MessageID = ids[0]
		}
	}
	seen := map[string]bool{}
	add := func(ids []string) {
		for _, id := range ids {
			if !seen[id] && len(m.References) < 100 {
				seen[id] = true
				m.References = append(m.References, id)
			}
		}
	}
	add(messageIDs(strings.Join(h.Values("In-Reply-To"), " ")))
	refs := messageIDs(strings.Join(h.Values("References"), " "))
	for i, j := 0, len(refs)-1; i < j; i, j = i+1, j-1 {
		refs[i], refs[j] = refs[j], refs[i]
	}
	add(refs)
	var notes []string
	m.Subject, notes = decodeHeader(h.Get("Subject"))
	for _, n := range notes {
		w.note("", "subject: "+n)
	}
	m.From, m.FromName = parseFrom(h.Get("From"))
	if m.From == "" {
		if v := h.Get("Sender"); v != "" {
			m.From, _ = parseFrom(v)
		}
	}
	if m.From == "" {
		w.note("", "the message has no readable From address")
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("Content-Language"))), "ja") {
		w.lang = true
	}
	for _, v := range h.Values("Subject") {
		if strings.Contains(strings.ToLower(v), "iso-2022-jp") || strings.Contains(strings.ToLower(v), "shift_jis") {
			w.lang = true
		}
	}
	auto := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	prec := strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	local := m.From
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	switch {
	case auto != "" && auto != "no":
		m.Automated = "Auto-Submitted: " + printable(auto)
	case prec == "bulk" || prec == "list" || prec == "junk" || prec == "auto_reply":
		m.Automated = "Precedence: " + prec
	case h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "":
		m.Automated = "mailing list"
	case local == "mailer-daemon" || local == "postmaster" || strings.HasPrefix(local, "noreply") || strings.HasPrefix(local, "no-reply"):
		m.Automated = "sender " + local
	case h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "":
		m.Automated = "auto-reply"
	}
}

// contentType parses a Content-Type, falling back to text/plain (or the
// default) with a note when it is broken.
func (w *walker) contentType(h textproto.MIMEHeader, label, def string) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return def, map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil && mt == "" {
		// Some clients send "text/plain; charset=Shift_JIS name=..."
		// or other broken parameter lists: keep what is readable.
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]))
		params = looseParams(v)
		if !strings.Contains(mt, "/") {
			w.note(label, "unreadable Content-Type "+printable(v)+"; read as "+def)
			mt = def
		}
	} else if err != nil {
		if params == nil {
			params = map[string]string{}
		}
		for k, pv := range looseParams(v) {
			if _, ok := params[k]; !ok {
				params[k] = pv
			}
		}
	}
	if params == nil {
		params = map[string]string{}
	}
	return mt, params
}

// looseParams reads name=value pairs from a header whatever else is wrong
// with it.
func looseParams(v string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' }) {
		k, val, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.ContainsAny(k, " \t") || k == "" {
			continue
		}
		out[k] = strings.Trim(strings.TrimSpace(val), `"`)
	}
	return out
}

// filename finds a part's file name: RFC 2231 filename* (with
// continuations, which mime.ParseMediaType joins), filename, or the
// Content-Type name; RFC 2047 encoded words in them (as Japanese clients
// send them) are decoded too.
func (w *walker) filename(h textproto.MIMEHeader, ctParams map[string]string, label string) (disposition, name string) {
	dv := h.Get("Content-Disposition")
	var dp map[string]string
	if strings.TrimSpace(dv) != "" {
		var err error
		disposition, dp, err = mime.ParseMediaType(dv)
		if err != nil {
			if disposition == "" {
				disposition = strings.ToLower(strings.TrimSpace(strings.SplitN(dv, ";", 2)[0]))
			}
			for k, v := range looseParams(dv) {
				if dp == nil {
					dp = map[string]string{}
				}
				if _, ok := dp[k]; !ok {
					dp[k] = v
				}
			}
		}
		// mime.ParseMediaType decodes RFC 2231 values only in UTF-8 and
		// US-ASCII and drops others: decode extended names ourselves.
		if strings.Contains(strings.ToLower(dv), "filename*") {
			if n := rfc2231Fallback(dv, "filename"); n != "" {
				if dp == nil {
					dp = map[string]string{}
				}
				dp["filename"] = n
			}
		}
	}
	name = dp["filename"]
	if name == "" {
		name = ctParams["name"]
		if ct := h.Get("Content-Type"); strings.Contains(strings.ToLower(ct), "name*") {
			if n := rfc2231Fallback(ct, "name"); n != "" {
				name = n
			}
		}
	}
	if name != "" {
		var notes []string
		name, notes = decodeHeader(name)
		for _, n := range notes {
			w.note(label, "file name: "+n)
		}
	}
	return disposition, name
}

// rfc2231Fallback decodes name*= and name*0*= parameters in charsets that
// mime.ParseMediaType does not (it knows only UTF-8 and US-ASCII).
func rfc2231Fallback(v, param string) string {
	ps := looseParams(v)
	var raw strings.Builder
	charset := ""
	if s, ok := ps[param+"*"]; ok {
		charset, s = splitCharset(s)
		raw.WriteString(s)
	} else {
		for i := 0; i < 100; i++ {
			k := fmt.Sprintf("%s*%d", param, i)
			if s, ok := ps[k+"*"]; ok {
				if i == 0 {
					charset, s = splitCharset(s)
				}
				raw.WriteString(s)
			} else if s, ok := ps[k]; ok {
				raw.WriteString(percentEscape(s))
			} else {
				break
			}
		}
	}
	if raw.Len() == 0 {
		return ""
	}
	b := percentDecode(raw.String())
	t, _, _ := decodeCharset(b, charset)
	return t
}

func splitCharset(s string) (string, string) {
	parts := strings.SplitN(s, "'", 3)
	if len(parts) != 3 {
		return "", s
	}
	return parts[0], parts[2]
}

func percentEscape(s string) string { return strings.ReplaceAll(s, "%", "%25") }

func percentDecode(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// entity reads one MIME entity (the message, a part, or an attached
// message's body) with header h and undecoded body.
func (w *walker) entity(h textproto.MIMEHeader, body io.Reader, label string, depth int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	w.parts++
	if w.parts > w.opt.MaxParts {
		if w.parts == w.opt.MaxParts+1 {
			w.note(label, fmt.Sprintf("the message has more than %d parts; the rest is only in the raw message", w.opt.MaxParts))
		}
		_, err := io.Copy(io.Discard, body)
		return ignoreRead(err)
	}
	mt, params := w.contentType(h, label, "text/plain")
	disposition, name := w.filename(h, params, label)
	if cs := normLabel(params["charset"]); japaneseCharset(cs) {
		w.lang = true
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("Content-Language"))), "ja") {
		w.lang = true
	}
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" || depth >= w.opt.MaxDepth {
			if boundary == "" {
				w.note(label, mt+" without a boundary; kept as a file")
			} else {
				w.note(label, fmt.Sprintf("nested more than %d levels deep; kept as a file", w.opt.MaxDepth))
			}
			return w.attach(label, "application/octet-stream", orName(name, label, ".bin"), w.decoded(cte, body, label))
		}
		return w.multipart(w.decoded(cte, body, label), boundary, label, depth)
	case mt == "message/rfc822" || mt == "message/global":
		return w.attached(h, cte, body, label, name, depth)
	case disposition == "attachment" || (name != "" && !(mt == "text/plain" && disposition == "inline")):
		return w.attach(label, mt, orName(name, label, extFor(mt)), w.decoded(cte, body, label))
	case mt == "text/plain" || mt == "text/enriched" || mt == "text":
		return w.textPart(w.decoded(cte, body, label), params["charset"], label)
	case mt == "text/html":
		return w.htmlPart(w.decoded(cte, body, label), params["charset"], label)
	default:
		return w.attach(label, mt, orName(name, label, extFor(mt)), w.decoded(cte, body, label))
	}
}

func ignoreRead(err error) error {
	if err == nil || isSinkError(err) {
		return err
	}
	return nil
}

func orName(name, label, ext string) string {
	if name != "" {
		return name
	}
	if label == "" {
		return "body" + ext
	}
	return "part-" + strings.ReplaceAll(label, ".", "-") + ext
}

func extFor(mt string) string {
	switch mt {
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "message/rfc822":
		return ".eml"
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

func (w *walker) multipart(body io.Reader, boundary, label string, depth int) error {
	mr := multipart.NewReader(body, boundary)
	n := 0
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				w.note(label, "a multipart without any part; see the raw message")
			}
			return nil
		}
		if err != nil {
			if isSinkError(err) {
				return err
			}
			if n == 0 {
				w.note(label, "the parts could not be found (boundary missing); see the raw message")
			} else {
				w.note(label, "the message ends without its closing boundary")
			}
			return nil
		}
		n++
		sub := fmt.Sprint(n)
		if label != "" {
			sub = label + "." + sub
		}
		if err := w.entity(p.Header, p, sub, depth+1); err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, p); err != nil && isSinkError(err) {
			return err
		}
	}
}

// decoded undoes the transfer encoding of a body, tolerantly.
func (w *walker) decoded(cte string, body io.Reader, label string) io.Reader {
	switch cte {
	case "", "7bit", "8bit", "binary":
		return body
	case "base64":
		return &noteOnError{r: newBase64Reader(body), w: w, label: label, what: "broken base64"}
	case "quoted-printable":
		return newQPReader(body)
	}
	w.note(label, "unknown transfer encoding "+printable(cte)+"; kept as sent")
	return body
}

// noteOnError turns a decoding error into a note and the end of the part.
type noteOnError struct {
	r     io.Reader
	w     *walker
	label string
	what  string
	done  bool
}

func (n *noteOnError) Read(p []byte) (int, error) {
	if n.done {
		return 0, io.EOF
	}
	k, err := n.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		if isSinkError(err) {
			return k, err
		}
		n.done = true
		n.w.note(n.label, n.what+" ("+printable(err.Error())+"); decoded what could be")
		return k, io.EOF
	}
	return k, err
}

func (w *walker) textPart(r io.Reader, charset, label string) error {
	b, err := io.ReadAll(io.LimitReader(r, int64(w.opt.MaxTextBytes)+1))
	if err != nil && isSinkError(err) {
		return err
	}
	if len(b) > w.opt.MaxTextBytes {
		b = b[:w.opt.MaxTextBytes]
		for len(b) > 0 && !utf8.Valid(b[len(b)-1:]) && len(b) > w.opt.MaxTextBytes-4 {
			b = b[:len(b)-1]
		}
		w.note(label, fmt.Sprintf("the text is longer than %d KiB and was cut; the whole text is in the raw message", w.opt.MaxTextBytes>>10))
		if _, err := io.Copy(io.Discard, r); err != nil && isSinkError(err) {
			return err
		}
	}
	t, used, note := decodeCharset(b, charset)
	if note != "" {
		w.note(label, note)
	}
	w.addCharset(used)
	if japaneseCharset(used) {
		w.lang = true
	}
	if strings.Contains(string(b), "\x00") {
		w.note(label, "NUL bytes were removed from the text")
	}
	if t = strings.TrimSpace(cleanText(t)); t != "" {
		w.text = append(w.text, t)
	}
	return nil
}

func (w *walker) addCharset(c string) {
	for _, x := range w.msg.Charsets {
		if x == c {
			return
		}
	}
	if len(w.msg.Charsets) < 10 {
		w.msg.Charsets = append(w.msg.Charsets, c)
	}
}

func (w *walker) htmlPart(r io.Reader, charset, label string) error {
	b, err := io.ReadAll(io.LimitReader(r, int64(w.opt.MaxTextBytes)+1))
	if err != nil && isSinkError(err) {
		return err
	}
	hp := htmlPart{label: label, charset: charset}
	if len(b) > w.opt.MaxTextBytes {
		// Too large to keep aside: store it now, read the text of its start.
		a, err := w.store(label, "text/html", orName("", label, ".html"), io.MultiReader(bytes.NewReader(b), r))
		if err != nil {
			return err
		}
		hp.stored = a
		b = b[:w.opt.MaxTextBytes]
	}
	hp.data = b
	w.html = append(w.html, hp)
	return nil
}

// attach stores a part as a file.
func (w *walker) attach(label, mt, name string, r io.Reader) error {
	_, err := w.store(label, mt, name, r)
	return err
}

func (w *walker) store(label, mt, name string, r io.Reader) (*Attachment, error) {
	sha, size, _, err := w.sink.Store(w.ctx, &sinkGuard{r: r})
	if err != nil {
		return nil, sinkError{err}
	}
	a := Attachment{Part: orDefault(label, "1"), Filename: name, MediaType: mt, SHA256: sha, Size: size}
	w.msg.Attachments = append(w.msg.Attachments, a)
	return &w.msg.Attachments[len(w.msg.Attachments)-1], nil
}

// sinkGuard marks read errors of the message so that a Sink can tell them
// from its own: a read error of the message ends the part, it does not fail
// the store.
type sinkGuard struct{ r io.Reader }

func (g *sinkGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		if isSinkError(err) {
			return n, err
		}
		return n, io.EOF // the part ends where the message broke
	}
	return n, err
}

// sinkError wraps a failure of the Sink: the only error Parse returns.
type sinkError struct{ err error }

func (e sinkError) Error() string { return "mailgate: storing a part: " + e.err.Error() }
func (e sinkError) Unwrap() error { return e.err }

func isSinkError(err error) bool {
	var se sinkError
	return errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// attached keeps an attached message as an .eml file and adds a summary of
// it (From, Subject, Date, the start of its text) to the text.
func (w *walker) attached(h textproto.MIMEHeader, cte string, body io.Reader, label, name string, depth int) error {
	if name == "" {
		name = orName("", label, ".eml")
	}
	if !strings.HasSuffix(strings.ToLower(name), ".eml") {
		name += ".eml"
	}
	head := &headWriter{max: maxSummaryBytes}
	if _, err := w.store(label, "message/rfc822", name, io.TeeReader(w.decoded(cte, body, label), head)); err != nil {
		return err
	}
	if depth >= w.opt.MaxDepth {
		w.note(label, "an attached message nested too deep; kept as a file only")
		return nil
	}
	inner, err := Parse(w.ctx, bytes.NewReader(head.b), HashSink{}, Options{MaxTextBytes: 64 << 10, MaxParts: 20, MaxDepth: w.opt.MaxDepth - depth - 1})
	if err != nil {
		return nil // only the hash sink could fail, and it does not
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- attached message (%s) ---\n", name)
	if inner.FromName != "" || inner.From != "" {
		fmt.Fprintf(&b, "From: %s <%s>\n", inner.FromName, inner.From)
	}
	fmt.Fprintf(&b, "Subject: %s\n", inner.Subject)
	if d := cleanHeader(headerOf(head.b, "Date")); d != "" {
		fmt.Fprintf(&b, "Date: %s\n", d)
	}
	t := inner.Text
	if r := []rune(t); len(r) > 2000 {
		t = string(r[:2000]) + "…"
	}
	if t != "" {
		b.WriteString("\n" + t)
	}
	w.text = append(w.text, strings.TrimSpace(b.String()))
	for _, n := range inner.Notes {
		w.note(label, "attached message: "+n)
	}
	if inner.Language == "ja" {
		w.lang = true
	}
	if len(head.b) >= maxSummaryBytes {
		w.note(label, "the attached message is large; only its start was summarised")
	}
	return nil
}

// headerOf returns a field of a header block held in memory.
func headerOf(b []byte, field string) string {
	h, _, _ := readHeader(bufio.NewReader(bytes.NewReader(b)))
	return h.Get(field)
}

// finish settles the text: the plain text parts, else the text of the HTML
// parts (then kept as files); and the language.
func (w *walker) finish() {
	m := w.msg
	if len(w.text) == 0 && len(w.html) > 0 {
		for _, hp := range w.html {
			t, used, note := decodeCharset(hp.data, hp.charset)
			if note != "" {
				w.note(hp.label, note)
			}
			w.addCharset(used)
			if japaneseCharset(used) {
				w.lang = true
			}
			if t = strings.TrimSpace(cleanText(htmlToText(t))); t != "" {
				w.text = append(w.text, t)
			}
			if hp.stored == nil {
				if _, err := w.store(hp.label, "text/html", orName("", hp.label, ".html"), bytes.NewReader(hp.data)); err != nil {
					w.note(hp.label, "the HTML could not be kept")
				}
			}
		}
		w.note("", "the message has only HTML: its text was derived by removing the markup, and the HTML is kept as a file (never shown as a page)")
	}
	m.Text = strings.Join(w.text, "\n\n")
	m.Language = "en"
	if w.lang || hasKana(m.Text) || hasKana(m.Subject) {
		m.Language = "ja"
	}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	if m.Notes == nil {
		m.Notes = []string{}
	}
	if m.References == nil {
		m.References = []string{}
	}
	if m.Charsets == nil {
		m.Charsets = []string{}
	}
}
