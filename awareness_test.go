package hikeshi

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAnonymise(t *testing.T) {
	o := AnonymiseOptions{Names: []string{"山田 太郎", "Alice Smith", "佐藤"}, Numbers: []string{"SEC-2026-7"}, Locale: LocaleJA}
	en := o
	en.Locale = LocaleEN
	for _, c := range []struct {
		in   string
		opts AnonymiseOptions
		want string
	}{
		{"山田 太郎さんが報告した。", o, "〔氏名〕さんが報告した。"},
		{"山田さんと太郎くんが対応した。", o, "〔氏名〕さんと〔氏名〕くんが対応した。"},
		{"経理部の田中さんがメールを開いた。", o, "経理部の〔氏名〕さんがメールを開いた。"},
		{"お客様と皆さん、ご担当者様、同様の仕様、ユーザーさん", o, "お客様と皆さん、ご担当者様、同様の仕様、ユーザーさん"},
		{"連絡先は taro.yamada@example.co.jp です", o, "連絡先は 〔メールアドレス〕 です"},
		{"宛先 ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ へ", o, "宛先 〔メールアドレス〕 へ"},
		{"victim[at]example[.]com wrote", en, "[e-mail address] wrote"},
		{"from 203.0.113.7 and 198.51.100.0/24.", en, "from [IP address] and [IP address]."},
		{"defanged 192.0.2[.]10 here", en, "defanged [IP address] here"},
		{"v6 2001:db8::1 and fe80::1%eth0 but 10:30:00 is a time", en, "v6 [IP address] and [IP address] but 10:30:00 is a time"},
		{"version 3.2.1 and 999.1.1.1 stay", en, "version 3.2.1 and 999.1.1.1 stay"},
		{"host mail01.corp.example.jp was hit", en, "host [host name] was hit"},
		{"open invoice.xlsx or setup.exe, e.g. now", en, "open invoice.xlsx or setup.exe, e.g. now"},
		{"see https://evil.example.com/login?u=1. Then www.example.org/x,", en, "see [URL]. Then [URL],"},
		{"hxxps[://]evil[.]example/path", en, "[URL]"},
		{"「http://例え.jp/パス」を開いた", o, "「〔URL〕」を開いた"},
		{"電話 03-1234-5678 または 090-1234-5678、(03) 1234-5678", o, "電話 〔電話番号〕 または 〔電話番号〕、〔電話番号〕"},
		{"０３ー１２３４ー５６７８ に電話", o, "〔電話番号〕 に電話"},
		{"call +81 3 1234 5678 or 09012345678", en, "call [phone number] or [phone number]"},
		{"INC-2026-0042 and SEC-2026-7 but CVE-2026-12345 stays", en, "[incident number] and [incident number] but CVE-2026-12345 stays"},
		{"Mr. Brown and Dr Jane Doe and Tanaka-san and alice smith", en, "[name] and [name] and [name] and [name]"},
		{"Smith reported; Alice too; the token stays", en, "[name] reported; [name] too; the token stays"},
		{"<script>alert(1)</script>", en, "<script>alert(1)</script>"},
		{"脆弱性情報の確認と情報システム部。情報が対応し、情報 健太も来た。", AnonymiseOptions{Names: []string{"情報 健太"}}, "脆弱性情報の確認と情報システム部。〔氏名〕が対応し、〔氏名〕も来た。"},
		{"", o, ""},
	} {
		if got := Anonymise(c.in, c.opts); got != c.want {
			t.Errorf("Anonymise(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestAnonymiseHostileInput(t *testing.T) {
	o := AnonymiseOptions{Names: []string{"(.*)", "a|b", `\`, "[", "x"}, Locale: LocaleEN}
	// Regular-expression syntax in names is taken literally; one-letter names are ignored.
	if got := Anonymise("(.*) and a|b and [ and x", o); got != "[name] and [name] and [ and x" {
		t.Errorf("got %q", got)
	}
	// Invalid UTF-8 and NUL bytes survive as text, never panic.
	if got := Anonymise("\xff\x00abc@example.com", o); !utf8.ValidString(got) || strings.Contains(got, "@") {
		t.Errorf("got %q", got)
	}
	// A long input finishes (linear-time expressions) and keeps its size order.
	long := strings.Repeat("1.1.1.1 a@b.c 03-1234-5678 山田さん ", 2000)
	if got := Anonymise(long, o); len(got) > 3*len(long) || strings.Contains(got, "1.1.1.1") {
		t.Errorf("long input not anonymised")
	}
	// A name that is a placeholder's word does not break the placeholders.
	o.Names = []string{"name", "URL", "IP address"}
	got := Anonymise("name at https://x.example/ from 192.0.2.1", o)
	if got != "[name] at [URL] from [IP address]" || Anonymise(got, o) != got {
		t.Errorf("got %q", got)
	}
}

var anonLeak = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+\.[a-z0-9\-]+|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|https?://`)

func FuzzAnonymise(f *testing.F) {
	for _, s := range []string{"山田 太郎さん taro@example.jp 203.0.113.7 https://x.example/ 03-1234-5678 INC-2026-0001",
		"2001:db8::1 ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "\xff\xfe", "[name]〔氏名〕", "Mr. Brown", "a.b.c.d", "::::::::"} {
		f.Add(s, "山田 太郎")
	}
	f.Fuzz(func(t *testing.T, s, name string) {
		if len(s) > 4000 || len(name) > 100 {
			return
		}
		for _, l := range []Locale{LocaleJA, LocaleEN} {
			o := AnonymiseOptions{Names: []string{name}, Locale: l}
			got := Anonymise(s, o)
			if !utf8.ValidString(got) {
				t.Fatalf("invalid UTF-8 from %q", s)
			}
			if again := Anonymise(got, o); again != got {
				t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
			}
			if m := anonLeak.FindString(got); m != "" {
				if _, err := parseLeak(m); err == nil {
					t.Fatalf("%q left %q in %q", s, m, got)
				}
			}
		}
	})
}

// parseLeak reports whether a match of anonLeak is a real address (an IPv4
// match must parse; e-mail addresses and URLs always count).
func parseLeak(m string) (string, error) {
	if strings.ContainsAny(m, "@:") {
		return m, nil
	}
	for p := range strings.SplitSeq(m, ".") {
		if len(p) > 1 && p[0] == '0' || len(p) > 3 || p > "255" && len(p) == 3 {
			return "", ErrInvalid
		}
	}
	return m, nil
}

func TestAwarenessDraftFrom(t *testing.T) {
	c := AwarenessDraftFrom(AwarenessSource{
		Category:  "phishing",
		Summary:   "INC-2026-0042: 営業部の山田さんが https://login.example-bank.jp/ に ID を入力した（taro@example.co.jp）。",
		RootCause: "差出人 203.0.113.9 の偽メールを見分けにくかった。",
		Lessons:   []AwarenessLesson{{Text: "報告が早いと被害が小さい。", ProposedChange: "報告ボタンを追加する。"}},
		Names:     []string{"山田 太郎"},
		Numbers:   []string{"INC-2026-0042"},
	})
	for _, s := range []string{c.TitleJA, c.TitleEN, c.BodyJA, c.BodyEN} {
		for _, bad := range []string{"山田", "INC-2026-0042", "example-bank", "taro@", "203.0.113.9"} {
			if strings.Contains(s, bad) {
				t.Errorf("draft keeps %q:\n%s", bad, s)
			}
		}
	}
	if !strings.Contains(c.TitleJA, "フィッシング") || !strings.Contains(c.TitleEN, "Phishing") || c.Category != "phishing" {
		t.Errorf("titles %q / %q", c.TitleJA, c.TitleEN)
	}
	if !strings.Contains(c.BodyJA, "〔URL〕") || !strings.Contains(c.BodyEN, "[URL]") || !strings.Contains(c.BodyEN, "What to do") ||
		!strings.Contains(c.BodyJA, "報告ボタンを追加する。") {
		t.Errorf("bodies:\n%s\n---\n%s", c.BodyJA, c.BodyEN)
	}
	var v ValidationError
	ValidateAwareness(&v, c)
	if v.Err() != nil {
		t.Errorf("draft does not validate: %v", v.Err())
	}
	// An unknown category gives a neutral title.
	if d := AwarenessDraftFrom(AwarenessSource{Category: "nope"}); d.Category != "" || d.TitleEN != "Learning from a real case" {
		t.Errorf("unknown category: %+v", d)
	}
}

func TestAwarenessHelpers(t *testing.T) {
	if k := AwarenessCategoryKeys("fraud"); len(k) != 5 || k[0] != "fraud" || k[4] != "phishing" {
		t.Errorf("fraud keys %v", k)
	}
	if k := AwarenessCategoryKeys("phishing"); len(k) != 1 {
		t.Errorf("phishing keys %v", k)
	}
	if AwarenessCategoryKeys("") != nil || AwarenessCategoryKeys("x") != nil {
		t.Error("unknown keys")
	}
	jst := time.FixedZone("JST", 9*3600)
	b, a, end := AwarenessMonths(time.Date(2026, 1, 15, 0, 0, 0, 0, jst), 3, jst)
	if len(b) != 3 || len(a) != 3 || b[0] != time.Date(2025, 10, 1, 0, 0, 0, 0, jst) || a[0] != time.Date(2026, 1, 1, 0, 0, 0, 0, jst) ||
		end != time.Date(2026, 4, 1, 0, 0, 0, 0, jst) {
		t.Errorf("months %v %v %v", b, a, end)
	}
	var v ValidationError
	ValidateAwareness(&v, AwarenessContent{TitleJA: "a\nb", BodyJA: "x", Category: "nope"})
	for _, f := range []string{"title_ja", "title_en", "body_en", "category"} {
		if !slices.ContainsFunc(v.Fields, func(e FieldError) bool { return e.Field == f }) {
			t.Errorf("no error for %s: %v", f, v.Fields)
		}
	}
	c := AwarenessCampaign{StartsAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	if c.Running(c.StartsAt.Add(-time.Second)) || !c.Running(c.StartsAt) || c.Running(c.EndsAt) {
		t.Error("running")
	}
}

// BenchmarkAnonymise measures a review-sized Japanese and English text
// (about 4 KB) with a hundred known names.
func BenchmarkAnonymise(b *testing.B) {
	var names []string
	for i := range 100 {
		names = append(names, "社員"+string(rune('あ'+i%80))+" 太郎", "User"+string(rune('A'+i%26))+" Smith")
	}
	text := strings.Repeat("経理部の田中さんが https://login.example-bank.jp/ に入力し、taro@example.co.jp から 203.0.113.7 へ。"+
		"Mr. Brown called 03-1234-5678 about INC-2026-0042 on host mail01.corp.example.jp. ", 20)
	o := AnonymiseOptions{Names: names, Locale: LocaleJA}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Anonymise(text, o)
	}
}
