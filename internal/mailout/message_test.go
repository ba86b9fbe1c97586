package mailout

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// parsed is a message read back the way a mail client reads it.
type parsed struct {
	Header map[string]string // decoded (RFC 2047) values by canonical name
	Text   string            // LF line endings
	HTML   string
}

func ignoreHeaders(names ...string) cmp.Option {
	return cmpopts.IgnoreMapEntries(func(k, _ string) bool { return slices.Contains(names, k) })
}

// parse reads raw with net/mail, decodes every header with mime.WordDecoder
// and the bodies with mime/quotedprintable, and checks the wire form: 7-bit,
// CRLF only, lines of at most 998 octets, header lines of at most 78 where
// they hold more than one word.
func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	checkWire(t, raw)
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	var dec mime.WordDecoder
	p := parsed{Header: map[string]string{}}
	for k, vs := range msg.Header {
		if len(vs) != 1 {
			t.Errorf("header %s appears %d times", k, len(vs))
		}
		v, err := dec.DecodeHeader(vs[0])
		if err != nil {
			t.Errorf("header %s: %v", k, err)
		}
		p.Header[k] = v
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	switch mt {
	case "text/plain":
		p.Text = readQP(t, msg.Header.Get("Content-Transfer-Encoding"), params, msg.Body)
	case "multipart/alternative":
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for i := 0; ; i++ {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("part %d: %v", i, err)
			}
			pt, pp, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if err != nil {
				t.Fatalf("part %d Content-Type: %v", i, err)
			}
			body := readQP(t, part.Header.Get("Content-Transfer-Encoding"), pp, part)
			switch {
			case i == 0 && pt == "text/plain":
				p.Text = body
			case i == 1 && pt == "text/html":
				p.HTML = body
			default:
				t.Errorf("part %d is %s", i, pt)
			}
		}
	default:
		t.Fatalf("Content-Type is %s", mt)
	}
	return p
}

func readQP(t testing.TB, cte string, params map[string]string, r io.Reader) string {
	t.Helper()
	if cte != "quoted-printable" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("body encoding %q, charset %q; want quoted-printable UTF-8", cte, params["charset"])
	}
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatalf("quoted-printable: %v", err)
	}
	if !utf8.Valid(b) {
		t.Error("a body is not valid UTF-8")
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func checkWire(t testing.TB, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("the message does not end with CRLF")
	}
	inHeader := true
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		for _, c := range line {
			if c >= 0x80 || c == '\r' || c == '\n' || c == 0 {
				t.Fatalf("line %d holds the byte %#x: %q", i+1, c, line)
			}
		}
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long", i+1, len(line))
		}
		if len(line) == 0 {
			inHeader = false
		}
		if inHeader && len(line) > 78 && bytes.Count(bytes.TrimLeft(line, " "), []byte(" ")) > 1 {
			t.Errorf("header line %d is %d octets long and was not folded: %q", i+1, len(line), line)
		}
		if !inHeader && len(line) > 76 {
			t.Errorf("body line %d is %d octets long", i+1, len(line))
		}
	}
}

var testBuilder = Builder{Domain: "hikeshi.example.org", Now: fixedNow}

func TestBuildPlainText(t *testing.T) {
	m := Message{
		From:      "CSIRT <csirt@hikeshi.example.org>",
		To:        []string{"a@example.org", "\"Suzuki, Hanako\" <hanako@example.org>"},
		Subject:   "Reminder: INC-2026-0001",
		Text:      "Line one\r\nLine two with trailing space \nand a very long line " + strings.Repeat("x", 200) + "\n",
		MessageID: "job-0190.attempt@hikeshi.example.org",
		Headers:   map[string]string{"x-hikeshi-item": "INC-2026-0001", "References": "<a@example.org> <b@example.org>"},
	}
	raw, err := testBuilder.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	want := parsed{
		Header: map[string]string{
			"Date":                      "Tue, 12 May 2026 09:30:00 +0900",
			"From":                      "CSIRT <csirt@hikeshi.example.org>",
			"To":                        "a@example.org, Suzuki, Hanako <hanako@example.org>",
			"Subject":                   "Reminder: INC-2026-0001",
			"Message-Id":                "<job-0190.attempt@hikeshi.example.org>",
			"X-Hikeshi-Item":            "INC-2026-0001",
			"References":                "<a@example.org> <b@example.org>",
			"Auto-Submitted":            "auto-generated",
			"X-Auto-Response-Suppress":  "OOF, AutoReply",
			"Mime-Version":              "1.0",
			"Content-Type":              "text/plain; charset=UTF-8",
			"Content-Transfer-Encoding": "quoted-printable",
		},
		Text: "Line one\nLine two with trailing space \nand a very long line " + strings.Repeat("x", 200) + "\n",
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("decoded (-want +got):\n%s\n%s", diff, raw)
	}
	// The parsed address list gives back the display name with its comma.
	msg, _ := mail.ReadMessage(bytes.NewReader(raw))
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Name != "Suzuki, Hanako" || to[1].Address != "hanako@example.org" {
		t.Errorf("To = %v, %v", to, err)
	}
}

func TestBuildLongJapaneseSubjectIsFolded(t *testing.T) {
	subject := strings.Repeat("ランサムウェア感染の疑いに関する報告 ", 8)
	raw, err := testBuilder.Build(Message{From: "a@example.org", To: []string{"b@example.org"}, Subject: subject, Text: "本文"})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw) // checks the line lengths
	if p.Header["Subject"] != subject {
		t.Errorf("subject = %q, want %q", p.Header["Subject"], subject)
	}
	if !bytes.Contains(raw, []byte("\r\n =?UTF-8?B?")) {
		t.Errorf("the subject was not folded between encoded words:\n%s", raw)
	}
	if p.Text != "本文\n" {
		t.Errorf("text = %q", p.Text)
	}
}

func TestBuildSubjectsThatLookEncodedOrHaveOddSpaces(t *testing.T) {
	for _, s := range []string{
		"=?UTF-8?B?44GC?=",       // would be decoded by the reader if sent as it is
		"two  spaces",            // unfolding would collapse them
		" leading and trailing ", // trimmed by readers
		"tab\there",              // a tab is allowed but encoded
		strings.Repeat("x", 300), // one word too long for a line
		"a " + strings.Repeat("y", 990),
		"ＡＢＣ　全角スペース",
		"émoji 🔥 mixed",
	} {
		raw, err := testBuilder.Build(Message{From: "a@example.org", To: []string{"b@example.org"}, Subject: s, Text: "x"})
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if got := parse(t, raw).Header["Subject"]; got != s {
			t.Errorf("subject %q came back as %q", s, got)
		}
	}
}

// TestHeaderInjection tries the ways a hostile report title, user name or
// address could add a header or a recipient; each must be refused with an
// error that names the problem.
func TestHeaderInjection(t *testing.T) {
	base := Message{From: "a@example.org", To: []string{"b@example.org"}, Subject: "s", Text: "t"}
	for _, tc := range []struct {
		name string
		edit func(*Message)
		want string
	}{
		{"CRLF in subject", func(m *Message) { m.Subject = "hi\r\nBcc: evil@example.org" }, "line break"},
		{"LF in subject", func(m *Message) { m.Subject = "hi\nBcc: evil@example.org" }, "line break"},
		{"CR in subject", func(m *Message) { m.Subject = "hi\rBcc: evil@example.org" }, "line break"},
		{"NUL in subject", func(m *Message) { m.Subject = "hi\x00" }, "control character"},
		{"NEL in subject", func(m *Message) { m.Subject = "hi\u0085Bcc: x" }, "control character"},
		{"line separator in subject", func(m *Message) { m.Subject = "hi\u2028Bcc: x" }, "control character"},
		{"invalid UTF-8 subject", func(m *Message) { m.Subject = "\xff\xfe" }, "UTF-8"},
		{"CRLF in display name", func(m *Message) { m.To = []string{"\"Eve\r\nBcc: x@example.org\" <b@example.org>"} }, "line break"},
		{"CRLF in address", func(m *Message) { m.To = []string{"b@example.org\r\nBcc: x@example.org"} }, "line break"},
		{"CRLF in From", func(m *Message) { m.From = "a@example.org\r\nX-Evil: 1" }, "line break"},
		{"encoded CRLF in display name", func(m *Message) { m.To = []string{"=?UTF-8?B?RXZlDQpCY2M6IHhAZXhhbXBsZS5vcmc=?= <b@example.org>"} }, "line break"},
		{"two addresses in one", func(m *Message) { m.To = []string{"b@example.org, c@example.org"} }, "not an e-mail address"},
		{"angle-bracket smuggling", func(m *Message) { m.To = []string{"b@example.org> <c@example.org"} }, "not an e-mail address"},
		{"quoted local part", func(m *Message) { m.To = []string{"\"b c\"@example.org"} }, "plain ASCII"},
		{"non-ASCII address", func(m *Message) { m.To = []string{"山田@example.org"} }, "plain ASCII"},
		{"IP literal", func(m *Message) { m.To = []string{"b@[127.0.0.1]"} }, "plain ASCII"},
		{"CRLF in extra header", func(m *Message) { m.Headers = map[string]string{"X-Item": "1\r\nBcc: x@example.org"} }, "line break"},
		{"colon in header name", func(m *Message) { m.Headers = map[string]string{"X-Item: 1\r\nBcc": "x"} }, "letters, digits and hyphens"},
		{"Bcc as extra header", func(m *Message) { m.Headers = map[string]string{"bcc": "x@example.org"} }, "written by mailout"},
		{"Content-Type as extra header", func(m *Message) { m.Headers = map[string]string{"Content-Type": "text/html"} }, "written by mailout"},
		{"same header twice", func(m *Message) { m.Headers = map[string]string{"X-A": "1", "x-a": "2"} }, "given twice"},
		{"bad message id", func(m *Message) { m.MessageID = "a>\r\nX: <b@example.org" }, "local@domain"},
		{"bad locale", func(m *Message) { m.Locale = "fr" }, "locale"},
		{"empty subject", func(m *Message) { m.Subject = "" }, "subject is empty"},
		{"empty text", func(m *Message) { m.Text = " \n" }, "text body is empty"},
		{"no recipient", func(m *Message) { m.To = nil }, "no recipient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base
			tc.edit(&m)
			raw, err := testBuilder.Build(m)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("err = %v, want ErrInvalidMessage; built:\n%s", err, raw)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q lacks %q", err, tc.want)
			}
			if strings.ContainsAny(err.Error(), "\r\n\x00") {
				t.Errorf("the error holds a control character: %q", err)
			}
		})
	}
}

func TestBuildNeedsDomain(t *testing.T) {
	if _, err := (Builder{}).Build(Message{From: "a@example.org", To: []string{"b@example.org"}, Subject: "s", Text: "t"}); err == nil {
		t.Error("a builder without a domain built a message")
	}
}

// FuzzBuild feeds hostile subjects, names, addresses and header values. A
// message is either refused with ErrInvalidMessage, or reads back with
// net/mail to exactly the header fields the builder writes, with the
// subject, addresses and header value unchanged.
func FuzzBuild(f *testing.F) {
	f.Add("件名", "山田 太郎", "taro@example.org", "INC-1")
	f.Add("hi\r\nBcc: evil@example.org", "Eve\r\nBcc: x@example.org", "b@example.org\r\nX: y", "1\nX-Evil: 1")
	f.Add("=?UTF-8?Q?=0D=0ABcc:_x@example.org?=", "=?UTF-8?Q?Eve=0D=0A?=", "a@example.org", "=?x?q?y?=")
	f.Add(strings.Repeat("長い件名 ", 100), strings.Repeat("n", 300), "a.b+c@sub.example.org", strings.Repeat("v ", 600))
	f.Add("\"quoted\" (comment) <x@y>", "\"Suzuki, Hanako\"", "hanako@example.org", "a: b")
	f.Add(" ", "", "x@y", "")
	f.Fuzz(func(t *testing.T, subject, name, addr, hv string) {
		to := addr
		if name != "" {
			to = name + " <" + addr + ">"
		}
		m := Message{
			From:    "Hikeshi <hikeshi@example.org>",
			To:      []string{to},
			Subject: subject,
			Text:    subject,
			HTML:    "<p>" + name + "</p>",
			Headers: map[string]string{"X-Hikeshi-Item": hv},
		}
		raw, err := testBuilder.Build(m)
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("err = %v, not ErrInvalidMessage", err)
			}
			return
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("the built message does not parse: %v\n%q", err, raw)
		}
		want := []string{"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To", "X-Auto-Response-Suppress", "X-Hikeshi-Item"}
		var got []string
		for k, vs := range msg.Header {
			got = append(got, k)
			if len(vs) != 1 {
				t.Errorf("header %s appears %d times", k, len(vs))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("header fields %q, want %q\n%q", got, want, raw)
		}
		var dec mime.WordDecoder
		if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || s != subject {
			t.Errorf("subject %q came back as %q (%v)", subject, s, err)
		}
		if v, err := dec.DecodeHeader(msg.Header.Get("X-Hikeshi-Item")); err != nil || v != hv {
			t.Errorf("header value %q came back as %q (%v)", hv, v, err)
		}
		list, err := msg.Header.AddressList("To")
		if err != nil || len(list) != 1 {
			t.Fatalf("To %q: %v, %v", msg.Header.Get("To"), list, err)
		}
		orig, _ := mail.ParseAddress(to)
		if list[0].Address != orig.Address || list[0].Name != orig.Name {
			t.Errorf("recipient %q came back as %q", orig, list[0])
		}
		checkWire(t, raw)
	})
}
