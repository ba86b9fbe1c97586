package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
)

func mustNew(t testing.TB) *Translator {
	t.Helper()
	tr, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestCataloguesInStep fails when a key is missing in either language, when
// a message is empty, or when the two languages use different fmt verbs.
func TestCataloguesInStep(t *testing.T) {
	tr := mustNew(t)
	en, ja := tr.Keys(hikeshi.LocaleEN), tr.Keys(hikeshi.LocaleJA)
	for _, k := range en {
		if !tr.Has(hikeshi.LocaleJA, k) {
			t.Errorf("key %q is missing from ja", k)
		}
	}
	for _, k := range ja {
		if !tr.Has(hikeshi.LocaleEN, k) {
			t.Errorf("key %q is missing from en", k)
		}
	}
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*[a-zA-Z%]`)
	for _, k := range en {
		e, j := tr.T(hikeshi.LocaleEN, k), tr.T(hikeshi.LocaleJA, k)
		if strings.TrimSpace(e) == "" || strings.TrimSpace(j) == "" {
			t.Errorf("key %q has an empty message", k)
		}
		ev, jv := verbs(verb, e), verbs(verb, j)
		if diff := cmp.Diff(ev, jv); diff != "" {
			t.Errorf("key %q: the languages use different verbs (-en +ja):\n%s", k, diff)
		}
	}
}

func verbs(re *regexp.Regexp, s string) []string {
	v := re.FindAllString(s, -1)
	slices.Sort(v)
	return v
}

// TestJapaneseIsJapanese catches a message left in English in the Japanese
// catalogue, apart from names and codes that stay as they are.
func TestJapaneseIsJapanese(t *testing.T) {
	tr := mustNew(t)
	same := map[string]bool{"nav.isms": true, "kind.csirt": true, "locale.en": true, "locale.ja": true}
	for _, k := range tr.Keys(hikeshi.LocaleJA) {
		j := tr.T(hikeshi.LocaleJA, k)
		if same[k] {
			continue
		}
		if !strings.ContainsFunc(j, func(r rune) bool {
			return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || r == '：' || r == '（'
		}) {
			t.Errorf("ja %q = %q has no Japanese", k, j)
		}
	}
}

// TestTerms checks that the established Japanese terms of PRODUCT.md are used.
func TestTerms(t *testing.T) {
	tr := mustNew(t)
	for key, want := range map[string]string{
		"nav.audit":          "監査ログ",
		"nav.departments":    "部門",
		"nav.incidents":      "インシデント",
		"kind.it":            "情報システム部門",
		"kind.management":    "マネジメント部門",
		"home.area.isms":     "管理策",
		"home.area.isms#2":   "適用宣言書",
		"home.area.isms#3":   "マネジメントレビュー",
		"home.area.reports":  "検知・連絡受付",
		"home.area.patterns": "組織パターン",
	} {
		key, _, _ = strings.Cut(key, "#")
		if got := tr.T(hikeshi.LocaleJA, key); !strings.Contains(got, want) {
			t.Errorf("ja %q = %q, want it to use %q", key, got, want)
		}
	}
}

func TestT(t *testing.T) {
	tr := mustNew(t)
	if got := tr.T(hikeshi.LocaleJA, "home.welcome", "花子"); got != "花子 さん、ようこそ" {
		t.Errorf("formatted = %q", got)
	}
	if got := tr.T("fr", "nav.audit"); got != "Audit log" {
		t.Errorf("unsupported language = %q, want English", got)
	}
	if got := tr.T(hikeshi.LocaleEN, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
}

func TestParseAcceptLanguage(t *testing.T) {
	tests := []struct {
		in   string
		want []Range
	}{
		{"", nil},
		{"ja", []Range{{"ja", 1000}}},
		{"en-US,en;q=0.9,ja;q=0.8", []Range{{"en-us", 1000}, {"en", 900}, {"ja", 800}}},
		{"en;q=0.5, ja;q=0.8", []Range{{"ja", 800}, {"en", 500}}},
		{"  ja-JP ; q=1.0 ,*;q=0.1", []Range{{"ja-jp", 1000}, {"*", 100}}},
		{"fr;q=0.500,de;q=0.5", []Range{{"fr", 500}, {"de", 500}}}, // equal weights keep their order
		{"ja;q=1.5, en;q=abc, de;q=0.1234, x-klingon-tlh, en", []Range{{"x-klingon-tlh", 1000}, {"en", 1000}}},
		{"ja;Q=0.7;level=1", []Range{{"ja", 700}}},
		{"ja;q=0", []Range{{"ja", 0}}},
		{",,, ;q=1, 12, a1, en-", nil},
	}
	for _, tt := range tests {
		got := ParseAcceptLanguage(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseAcceptLanguage(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		in   string
		want hikeshi.Locale
		ok   bool
	}{
		{"", "", false},
		{"ja-JP,ja;q=0.9,en;q=0.8", "ja", true},
		{"en-GB", "en", true},
		{"fr, de;q=0.9", "", false},
		{"fr, ja;q=0.1", "ja", true},
		{"*", "en", true},
		{"ja;q=0, *", "en", true},
		{"en;q=0, *;q=0.5", "ja", true},
		{"en;q=0, ja;q=0", "", false},
	}
	for _, tt := range tests {
		got, ok := Match(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzAcceptLanguage feeds arbitrary header bytes to the parser: it must not
// panic, must stay within its bounds, and must only ever choose a supported
// language.
func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "ja", "en-US,en;q=0.9,ja;q=0.8", "*;q=0.1", "ja;q=0, *", ";;;,,,q=", "ja;q=1.000", "\xff\xfe", strings.Repeat("ja,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		rs := ParseAcceptLanguage(h)
		if len(rs) > maxRanges {
			t.Fatalf("%d ranges, more than %d", len(rs), maxRanges)
		}
		for i, r := range rs {
			if r.Q < 0 || r.Q > 1000 {
				t.Fatalf("weight %d out of range", r.Q)
			}
			if !validRange(r.Tag) {
				t.Fatalf("invalid tag %q accepted", r.Tag)
			}
			if i > 0 && rs[i-1].Q < r.Q {
				t.Fatalf("not sorted by weight: %v", rs)
			}
		}
		if l, ok := Match(h); ok != (l != "") || (ok && !IsSupported(l)) {
			t.Fatalf("Match(%q) = %q, %v", h, l, ok)
		}
	})
}
