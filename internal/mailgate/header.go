package mailgate

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
)

// Limits of a header block; a hostile message beyond them is still read,
// with a note.
const (
	maxHeaderBytes  = 1 << 20 // kept bytes of one header block
	maxHeaderFields = 10000   // kept fields of one header block
	maxLineBytes    = 1 << 20 // one physical line
)

// readHeader reads a header block tolerantly: a first line that is not a
// header field starts the body (a message without any header), so does a
// later line that is not a field; oversized blocks are cut with a note. It
// returns the header, the rest of the input as the body, and notes.
func readHeader(br *bufio.Reader) (textproto.MIMEHeader, io.Reader, []string) {
	h := textproto.MIMEHeader{}
	var notes []string
	var name string
	var value []byte
	kept, fields, dropped := 0, 0, false
	flush := func() {
		if name == "" {
			return
		}
		if kept+len(name)+len(value) > maxHeaderBytes || fields >= maxHeaderFields {
			dropped = true
		} else {
			h[name] = append(h[name], strings.TrimSpace(string(value)))
			kept += len(name) + len(value)
			fields++
		}
		name, value = "", nil
	}
	first := true
	for {
		line, err := readLine(br)
		if len(line) == 0 && err != nil {
			flush()
			if first {
				notes = append(notes, "the message is empty")
			}
			break
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 { // the blank line that ends the header
			flush()
			break
		}
		if first && bytes.HasPrefix(trimmed, []byte("From ")) {
			first = false // an mbox "From " line
			continue
		}
		if (trimmed[0] == ' ' || trimmed[0] == '\t') && name != "" {
			value = append(value, trimmed...) // unfolding keeps the white space
			continue
		}
		i := bytes.IndexByte(trimmed, ':')
		if i < 0 || !validFieldName(bytes.TrimRight(trimmed[:i], " \t")) {
			flush()
			if first {
				notes = append(notes, "the message has no header")
			} else {
				notes = append(notes, "the header ends without a blank line")
			}
			if dropped {
				notes = append(notes, "the header was too large; only its first fields were read")
			}
			return h, io.MultiReader(bytes.NewReader(line), br), notes
		}
		first = false
		flush()
		name = textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(trimmed[:i])))
		value = append([]byte(nil), trimmed[i+1:]...)
		if err != nil {
			flush()
			break
		}
	}
	if dropped {
		notes = append(notes, "the header was too large; only its first fields were read")
	}
	return h, br, notes
}

// readLine reads one line of at most maxLineBytes (longer lines are
// returned in pieces).
func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		b, err := br.ReadSlice('\n')
		out = append(out, b...)
		if errors.Is(err, bufio.ErrBufferFull) && len(out) < maxLineBytes {
			continue
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return out, nil
		}
		return out, err
	}
}

var encodedWord = regexp.MustCompile(`=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=`)

// decodeHeader decodes a header value: RFC 2047 encoded words (B and Q;
// adjacent words of one charset are joined before decoding, so a character
// split across words or lines survives; mixed charsets are fine) and raw
// 8-bit text in any charset. Notes say what could not be read.
func decodeHeader(raw string) (string, []string) {
	var notes []string
	if !isASCII([]byte(raw)) {
		t, used, note := decodeCharset([]byte(raw), "")
		if note != "" {
			note = "raw 8-bit header read as " + used
			notes = append(notes, note)
		}
		raw = t
	}
	matches := encodedWord.FindAllStringSubmatchIndex(raw, -1)
	if matches == nil {
		return cleanHeader(raw), notes
	}
	var out strings.Builder
	var pending []byte
	pendingCharset := ""
	flushPending := func() {
		if pendingCharset == "" {
			return
		}
		t, _, note := decodeCharset(pending, pendingCharset)
		if note != "" {
			notes = append(notes, "encoded word: "+note)
		}
		out.WriteString(t)
		pending, pendingCharset = nil, ""
	}
	last := 0
	for _, m := range matches {
		gap := raw[last:m[0]]
		if strings.TrimSpace(gap) != "" || last == 0 {
			flushPending()
			out.WriteString(gap)
		}
		charset := normLabel(raw[m[2]:m[3]])
		enc := raw[m[4]:m[5]]
		text := raw[m[6]:m[7]]
		var b []byte
		var err error
		if enc == "B" || enc == "b" {
			b, err = decodeBase64Word(text)
		} else {
			b = decodeQWord(text)
		}
		if err != nil {
			notes = append(notes, "broken encoded word")
		}
		if charset != pendingCharset {
			flushPending()
		}
		pendingCharset = charset
		pending = append(pending, b...)
		last = m[1]
	}
	flushPending()
	out.WriteString(raw[last:])
	return cleanHeader(out.String()), notes
}

func decodeBase64Word(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			b, _ = base64.RawStdEncoding.DecodeString(s[:int(ce)/4*4])
		}
	}
	return b, err
}

func decodeQWord(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			b = append(b, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return b
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// cleanHeader makes a decoded header value one line of clean text.
func cleanHeader(s string) string {
	s = cleanText(s)
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
	return s
}

var bareAddress = regexp.MustCompile(`[^\s<>"(),;:]+@[^\s<>"(),;:]+`)

// parseFrom returns the address (lower-case) and display name of a From
// value; a value net/mail cannot parse still yields the first thing that
// looks like an address.
func parseFrom(raw string) (addr, name string) {
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(r, 4096))
		if err != nil {
			return nil, err
		}
		t, _, _ := decodeCharset(b, charset)
		return strings.NewReader(t), nil
	}}}
	if a, err := p.Parse(raw); err == nil {
		addr = a.Address
	} else if m := bareAddress.FindString(raw); m != "" {
		addr = strings.Trim(m, ".")
	}
	addr = strings.ToLower(cleanHeader(addr))
	if len(addr) > 254 {
		addr = ""
	}
	if i := strings.LastIndexByte(raw, '<'); i > 0 {
		name, _ = decodeHeader(raw[:i])
		name = strings.Trim(name, `" `)
	} else if i := strings.IndexByte(raw, '('); i > 0 {
		name, _ = decodeHeader(strings.Trim(raw[i:], "() "))
	}
	return addr, printableName(name)
}

func printableName(s string) string {
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

var msgIDPattern = regexp.MustCompile(`<([^<>\s]{1,500})>`)

// messageIDs returns the ids in a Message-ID, In-Reply-To or References
// value, without angle brackets; a bare id without brackets is taken too.
func messageIDs(raw string) []string {
	var ids []string
	for _, m := range msgIDPattern.FindAllStringSubmatch(raw, 100) {
		ids = append(ids, cleanHeader(m[1]))
	}
	if ids == nil {
		if f := strings.Fields(raw); len(f) == 1 && strings.Contains(f[0], "@") && len(f[0]) <= 500 {
			ids = append(ids, cleanHeader(f[0]))
		}
	}
	return ids
}

// validFieldName reports whether b is a header field name (RFC 5322: printable
// ASCII except colon, no white space).
func validFieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}
