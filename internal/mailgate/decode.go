package mailgate

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
)

// base64Reader decodes base64 tolerantly and in a stream: white space and
// padding are skipped, and so is any other stray character (counted, and
// reported as an error at the end so that the part gets a note).
type base64Reader struct {
	src    *bufio.Reader
	quad   [4]byte
	nq     int
	out    []byte
	stray  int
	err    error
	buf    []byte
	source io.Reader
}

func newBase64Reader(r io.Reader) io.Reader {
	return &base64Reader{src: bufio.NewReaderSize(r, 16<<10), buf: make([]byte, 0, 12<<10)}
}

var b64val = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xff
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = byte(i)
	}
	// URL-safe variants are accepted too.
	t['-'], t['_'] = 62, 63
	return t
}()

func (b *base64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.fill()
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

func (b *base64Reader) fill() {
	chunk := make([]byte, 16<<10)
	n, err := b.src.Read(chunk)
	b.buf = b.buf[:0]
	for _, c := range chunk[:n] {
		v := b64val[c]
		if v == 0xff {
			if c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				b.stray++
			}
			continue
		}
		b.quad[b.nq] = v
		b.nq++
		if b.nq == 4 {
			b.buf = append(b.buf, b.quad[0]<<2|b.quad[1]>>4, b.quad[1]<<4|b.quad[2]>>2, b.quad[2]<<6|b.quad[3])
			b.nq = 0
		}
	}
	if err != nil {
		switch b.nq { // the last, unpadded group
		case 2:
			b.buf = append(b.buf, b.quad[0]<<2|b.quad[1]>>4)
		case 3:
			b.buf = append(b.buf, b.quad[0]<<2|b.quad[1]>>4, b.quad[1]<<4|b.quad[2]>>2)
		case 1:
			b.stray++
		}
		b.nq = 0
		switch {
		case !errors.Is(err, io.EOF):
			b.err = err
		case b.stray > 0:
			b.err = fmt.Errorf("%d characters that are not base64 were skipped", b.stray)
		default:
			b.err = io.EOF
		}
	}
	b.out = b.buf
}

var _ = base64.StdEncoding // the alphabet above is base64.StdEncoding's

// qpReader decodes quoted-printable leniently, line by line: an "=" not
// followed by two hex digits is kept as it is, trailing white space is
// dropped and a final "=" joins the next line.
type qpReader struct {
	src *bufio.Reader
	out []byte
	err error
}

func newQPReader(r io.Reader) io.Reader { return &qpReader{src: bufio.NewReaderSize(r, 16<<10)} }

func (q *qpReader) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		line, err := readLine(q.src)
		if err != nil {
			q.err = err
		}
		q.out = decodeQPLine(line, q.out[:0])
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	return n, nil
}

func decodeQPLine(line, dst []byte) []byte {
	hadNL := bytes.HasSuffix(line, []byte("\n"))
	line = bytes.TrimRight(line, "\r\n")
	line = bytes.TrimRight(line, " \t")
	soft := false
	if bytes.HasSuffix(line, []byte("=")) {
		soft = true
		line = line[:len(line)-1]
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
			dst = append(dst, unhex(line[i+1])<<4|unhex(line[i+2]))
			i += 2
			continue
		}
		if c == '=' && i+2 == len(line) && isHex(line[i+1]) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, c)
	}
	if hadNL && !soft {
		dst = append(dst, '\n')
	}
	return dst
}

// htmlToText derives readable text from HTML by dropping the markup:
// scripts, styles and comments go, block ends become line breaks, entities
// are decoded. The HTML is never rendered.
func htmlToText(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "<!--"):
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				i = len(s)
			} else {
				i += 4 + end + 3
			}
		case s[i] == '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				i = len(s)
				break
			}
			tag := strings.TrimLeft(lower[i+1:i+end], "/ ")
			name := tag
			if k := strings.IndexAny(name, " \t\r\n/"); k >= 0 {
				name = name[:k]
			}
			i += end + 1
			switch name {
			case "script", "style", "head", "title":
				if !strings.HasPrefix(lower[i-end-1:], "</") {
					close := strings.Index(lower[i:], "</"+name)
					if close < 0 {
						i = len(s)
					} else {
						i += close
					}
				}
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr":
				b.WriteByte('\n')
			case "td", "th":
				b.WriteByte('\t')
			}
		default:
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
		}
	}
	t := html.UnescapeString(b.String())
	// Collapse the white space of the source, keep the line structure.
	var out []string
	blank := 0
	for _, line := range strings.Split(t, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
