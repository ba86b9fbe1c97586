package hikeshi

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSanitizeFilename(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`..\..\windows\system32\cmd.exe`, "cmd.exe"},
		{"/abs/path/x.txt", "x.txt"},
		{"evil\x00name\r\n.txt", "evilname.txt"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"...hidden", "hidden"},
		{"..", "file"},
		{"", "file"},
		{"a\"b<c>.html", "a_b_c_.html"},
		{"写真 2026.jpg", "写真 2026.jpg"},
		{"\xff\xfebad.txt", "bad.txt"},
		{strings.Repeat("あ", 100), strings.Repeat("あ", 66)},
	} {
		if got := SanitizeFilename(c.in); got != c.want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"a.txt", "../../x", "a\u202Eb", "\x00", "C:\\x\\y", strings.Repeat("é", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := SanitizeFilename(in)
		if got == "" || len(got) > MaxFilenameBytes || !utf8.ValidString(got) {
			t.Fatalf("SanitizeFilename(%q) = %q: empty, too long or invalid UTF-8", in, got)
		}
		if strings.ContainsAny(got, "/\\\"") || strings.HasPrefix(got, ".") || got != strings.TrimSpace(got) {
			t.Fatalf("SanitizeFilename(%q) = %q: separator, quote, leading dot or outer space", in, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || unicode.In(r, unicode.Cf) {
				t.Fatalf("SanitizeFilename(%q) = %q holds %U", in, got, r)
			}
		}
		if SanitizeFilename(got) != got {
			t.Fatalf("SanitizeFilename is not idempotent on %q", got)
		}
	})
}

func TestDownloadType(t *testing.T) {
	for in, want := range map[string]string{
		"text/html; charset=utf-8":  "application/octet-stream",
		"text/xml; charset=utf-8":   "application/octet-stream",
		"application/octet-stream":  "application/octet-stream",
		"image/png":                 "image/png",
		"application/pdf":           "application/pdf",
		"text/plain; charset=utf-8": "text/plain; charset=utf-8",
		"":                          "application/octet-stream",
	} {
		if got := DownloadType(in); got != want {
			t.Errorf("DownloadType(%q) = %q, want %q", in, got, want)
		}
	}
}
