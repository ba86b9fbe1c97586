package hikeshi

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeObservable(t *testing.T) {
	for _, tc := range []struct {
		typ  ObservableType
		in   string
		want string // "" = refused
		code string
	}{
		{ObservableIP, " 192.0.2.1 ", "192.0.2.1", ""},
		{ObservableIP, "2001:DB8:0:0::1", "2001:db8::1", ""},
		{ObservableIP, "::ffff:192.0.2.1", "192.0.2.1", ""},
		{ObservableIP, "fe80::1%eth0", "", "invalid_ip"},
		{ObservableIP, "192.0.2.256", "", "invalid_ip"},
		{ObservableIP, "010.0.0.1", "", "invalid_ip"},
		{ObservableIP, "", "", "required"},
		{ObservableDomain, "Evil.EXAMPLE.", "evil.example", ""},
		{ObservableDomain, "xn--r8jz45g.jp", "xn--r8jz45g.jp", ""},
		{ObservableDomain, "例え.テスト", "例え.テスト", ""},
		{ObservableDomain, "localhost", "", "invalid_domain"},
		{ObservableDomain, "-bad.example", "", "invalid_domain"},
		{ObservableDomain, "a..example", "", "invalid_domain"},
		{ObservableDomain, "<script>.example", "", "invalid_domain"},
		{ObservableDomain, "1.2.3.4", "", "invalid_domain"},
		{ObservableDomain, strings.Repeat("a", 64) + ".example", "", "invalid_domain"},
		{ObservableURL, "HTTP://Evil.Example:8080/Path?q=1", "http://evil.example:8080/Path?q=1", ""},
		{ObservableURL, "https://[2001:DB8::1]/x", "https://[2001:db8::1]/x", ""},
		{ObservableURL, "ftp://files.example/a", "ftp://files.example/a", ""},
		{ObservableURL, "javascript:alert(1)", "", "invalid_url"},
		{ObservableURL, "data:text/html,<script>", "", "invalid_url"},
		{ObservableURL, "https://", "", "invalid_url"},
		{ObservableURL, "https://exa mple.com/", "", "invalid_url"},
		{ObservableURL, "/relative", "", "invalid_url"},
		{ObservableHash, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e", ""},
		{ObservableHash, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709", ""},
		{ObservableHash, strings.Repeat("a", 64), strings.Repeat("a", 64), ""},
		{ObservableHash, strings.Repeat("F", 128), strings.Repeat("f", 128), ""},
		{ObservableHash, strings.Repeat("a", 63), "", "invalid_hash"},
		{ObservableHash, strings.Repeat("g", 32), "", "invalid_hash"},
		{ObservableEmail, "Phish@Evil.EXAMPLE", "Phish@evil.example", ""},
		{ObservableEmail, "Someone <a@b.example>", "", "invalid_email"},
		{ObservableEmail, "no-at-sign", "", "invalid_email"},
		{ObservableEmail, "a@localhost", "", "invalid_email"},
		{ObservableAccount, "  DOMAIN\\taro  ", "DOMAIN\\taro", ""},
		{ObservableAccount, "a\nb", "", "invalid_text"},
		{ObservableAccount, strings.Repeat("x", MaxObservableLen+1), "", "too_long"},
		{ObservableAccount, "\xff", "", "invalid_text"},
		{"culprit", "x", "", "unknown_type"},
		// Defanged values as pasted from reports are refanged where that cannot change a real value.
		{ObservableIP, "192[.]0[.]2[.]1", "192.0.2.1", ""},
		{ObservableIP, "2001[:]db8[:][:]1", "2001:db8::1", ""},
		{ObservableDomain, "evil[.]EXAMPLE", "evil.example", ""},
		{ObservableURL, "hxxps[://]evil[.]example/a[.]php", "https://evil.example/a.php", ""},
		{ObservableURL, "HXXP://evil(.)example:8080", "http://evil.example:8080", ""},
		{ObservableURL, "fxp://files[.]example/", "ftp://files.example/", ""},
		// Brackets cannot be in a URL's path, query or fragment (RFC 3986), so
		// "[://]" and "[.]" there are defanging too, nested ones as well.
		{ObservableURL, "hXXp[://]evil[.]example/#[://]", "http://evil.example/#://", ""},
		{ObservableURL, "https://evil.example/?u=hxxp[://]x[.]example", "https://evil.example/?u=hxxp://x.example", ""},
		{ObservableURL, "https://evil.example/a[[.]]b[[://]]c", "https://evil.example/a.b://c", ""},
		{ObservableURL, "file[:]/etc/passwd", "file:/etc/passwd", ""},
		{ObservableURL, "sfxp[://]files[.]example/x", "sftp://files.example/x", ""},
		{ObservableURL, "FXPS[://]files[.]example/", "ftps://files.example/", ""},
		{ObservableURL, "file:", "", "invalid_url"},
		{ObservableURL, "file:etc/passwd", "", "invalid_url"},
		{ObservableEmail, "phish[@]evil[.]example", "phish@evil.example", ""},
		{ObservableAccount, "a[.]b", "a[.]b", ""},
	} {
		got, err := NormalizeObservable(tc.typ, tc.in)
		var oe *ObservableError
		switch {
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("NormalizeObservable(%s, %q) = %q, %v; want %q", tc.typ, tc.in, got, err, tc.want)
		case tc.want == "" && (!errors.As(err, &oe) || oe.Code != tc.code || !errors.Is(err, ErrInvalid)):
			t.Errorf("NormalizeObservable(%s, %q) = %q, %v; want code %s", tc.typ, tc.in, got, err, tc.code)
		}
	}
}

func TestDetectObservableType(t *testing.T) {
	for in, want := range map[string]ObservableType{
		"192.0.2.1":                         ObservableIP,
		"2001:db8::1":                       ObservableIP,
		"gopher://x":                        ObservableURL, // detected as a URL, then refused as one: no silent guess
		"https://evil.example/login":        ObservableURL,
		"d41d8cd98f00b204e9800998ecf8427e":  ObservableHash,
		"phish@evil.example":                ObservableEmail,
		"evil.example":                      ObservableDomain,
		"taro.yamada":                       ObservableDomain,
		"CORP\\taro":                        ObservableAccount,
		"root":                              ObservableAccount,
		"javascript:alert(document.cookie)": ObservableAccount,
		"hxxps[://]evil[.]example/x":        ObservableURL,
		"file[:]/etc/passwd":                ObservableURL,
		"file:/etc/passwd":                  ObservableURL,
		"evil[.]example":                    ObservableDomain,
		"192[.]0[.]2[.]1":                   ObservableIP,
		"phish[@]evil[.]example":            ObservableEmail,
	} {
		if got := DetectObservableType(in); got != want {
			t.Errorf("DetectObservableType(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDefang(t *testing.T) {
	for _, tc := range []struct {
		typ      ObservableType
		in, want string
	}{
		{ObservableURL, "https://evil.example/a.php", "hxxps[://]evil[.]example/a[.]php"},
		{ObservableURL, "ftp://files.example/", "fxp[://]files[.]example/"},
		{ObservableURL, "sftp://files.example/", "sfxp[://]files[.]example/"},
		{ObservableURL, "ftps://files.example/", "fxps[://]files[.]example/"},
		// A URL without an authority: its scheme's colon is defanged too.
		{ObservableURL, "file:/etc/passwd", "file[:]/etc/passwd"},
		{ObservableURL, "file:/:///", "file[:]/[://]/"},
		{ObservableDomain, "evil.example", "evil[.]example"},
		{ObservableIP, "192.0.2.1", "192[.]0[.]2[.]1"},
		{ObservableIP, "2001:db8::1", "2001[:]db8[:][:]1"},
		{ObservableEmail, "a@evil.example", "a[@]evil[.]example"},
		{ObservableEmail, "first.last@evil.example", "first.last[@]evil[.]example"},
		{ObservableURL, "https://evil.example/r?u=https://bank.example", "hxxps[://]evil[.]example/r?u=https[://]bank[.]example"},
		{ObservableHash, "abc", "abc"},
	} {
		if got := Defang(tc.typ, tc.in); got != tc.want {
			t.Errorf("Defang(%s, %q) = %q, want %q", tc.typ, tc.in, got, tc.want)
		}
	}
}

// FuzzNormalizeObservable feeds outside input to the normaliser: it must
// never panic, a canonical value must be valid UTF-8 within the limit and
// stable (normalising it again gives itself), and a defanged URL or domain
// must not contain "://" or a dot any more.
func FuzzNormalizeObservable(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::ffff:1.2.3.4", "Evil.Example.", "HTTP://A.B/c?d#e", "https://[::1]:8/",
		"D41D8CD98F00B204E9800998ECF8427E", "a@B.c", "x\x00y", "javascript:alert(1)", "例え.テスト", "file:///etc/passwd",
		"hxxps[://]a[.]b/c[.]d", "sftp://a.b/c", "ftps://a.b/", "file:/etc/passwd", "a[@]b[.]c", "1[.]2[.]3[.]4", `"q[.]x"@b.example`} {
		for i := range ObservableTypes {
			f.Add(i, s)
		}
	}
	f.Fuzz(func(t *testing.T, ti int, raw string) {
		if ti < 0 {
			ti = -ti
		}
		typ := ObservableTypes[ti%len(ObservableTypes)]
		v, err := NormalizeObservable(typ, raw)
		if err != nil {
			var oe *ObservableError
			if !errors.As(err, &oe) || oe.Code == "" {
				t.Fatalf("error %v is no ObservableError with a code", err)
			}
			return
		}
		if v == "" || !utf8.ValidString(v) || len(v) > MaxObservableLen {
			t.Fatalf("NormalizeObservable(%s, %q) = %q: empty, invalid or too long", typ, raw, v)
		}
		again, err := NormalizeObservable(typ, v)
		if err != nil || again != v {
			t.Fatalf("not stable: %q → %q → %q, %v", raw, v, again, err)
		}
		d := Defang(typ, v)
		// The check blanks the defanged separators out rather than deleting
		// them, so that it does not join their neighbours into a new "://".
		if (typ == ObservableURL && strings.Contains(strings.ReplaceAll(d, "[://]", " "), "://")) || (typ == ObservableDomain && strings.Contains(strings.ReplaceAll(d, "[.]", " "), ".")) {
			t.Fatalf("Defang(%s, %q) = %q still links", typ, v, d)
		}
		if u, err := url.Parse(d); typ == ObservableURL && err == nil && u.Scheme != "" {
			t.Fatalf("Defang(%s, %q) = %q still has the scheme %q", typ, v, d, u.Scheme)
		}
		// What Hikeshi shows can be pasted back: the defanged value is the
		// same observable.
		if back, err := NormalizeObservable(typ, d); err != nil || back != v {
			t.Fatalf("Defang(%s, %q) = %q, which normalises to %q, %v", typ, v, d, back, err)
		}
		if typ != ObservableAccount && typ != ObservableHash {
			if got := DetectObservableType(d); got != typ {
				t.Fatalf("DetectObservableType(%q) = %s, the defanged %s %q", d, got, typ, v)
			}
		}
		DetectObservableType(raw) // must not panic
	})
}
