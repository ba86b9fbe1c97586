package mailgate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds the parser arbitrary bytes, seeded with the golden corpus:
// it must never fail (the hash sink cannot), never panic (a recovered panic
// would show as a note, which is checked), and always return clean text.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\n=?utf-8?b?44GC?=\r\n--b--\r\n--a--\r\n"))
	f.Add([]byte("Subject: =?iso-2022-jp?B?GyRCJDIbKEI=?= =?x?q?=ZZ?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=4"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(context.Background(), bytes.NewReader(data), HashSink{}, Options{MaxParts: 50, MaxDepth: 8})
		if err != nil {
			t.Fatalf("Parse failed: %v", err)
		}
		for _, n := range m.Notes {
			if strings.Contains(n, "parser stopped early") {
				t.Fatalf("the parser panicked: %s", n)
			}
		}
		for _, s := range []string{m.Text, m.Subject, m.FromName, m.From} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 kept: %q", s)
			}
			if strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f }) {
				t.Fatalf("control character kept: %q", s)
			}
		}
		if strings.ContainsAny(m.Subject, "\n") {
			t.Fatalf("subject spans lines: %q", m.Subject)
		}
	})
}
