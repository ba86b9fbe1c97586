package hikeshi

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The anonymiser of awareness stories (IM-4, decision 0043). It replaces
// what could identify a person, a system or the incident with neutral
// placeholders: names (the known ones given, and names before Japanese
// honorifics or after English titles), e-mail addresses, IP addresses, host
// names, URLs, phone numbers and incident numbers. It errs on the side of
// hiding too much: a version number that looks like an IPv4 address is
// hidden too. The CSIRT reads and edits every draft before publishing it;
// the anonymiser is a first pass, not a guarantee.
//
// All detectors run over the same text and the matches are resolved once
// (the earliest wins, then the longest), so a placeholder is never scanned
// again; the result is run again until it no longer changes, which makes
// Anonymise idempotent.

// AnonymiseOptions says what else to hide and in which language the
// placeholders are written.
type AnonymiseOptions struct {
	Names   []string // people's names (and other words) to hide, matched case-insensitively
	Numbers []string // incident numbers to hide besides the INC-YYYY-NNNN pattern
	Locale  Locale   // the placeholders' language; default Japanese
}

type anonKind int

const (
	anonKeep anonKind = iota // an existing placeholder: kept as it is
	anonName
	anonEmail
	anonIP
	anonHost
	anonURL
	anonPhone
	anonNumber
)

var anonPlaceholders = map[Locale]map[anonKind]string{
	LocaleJA: {anonName: "〔氏名〕", anonEmail: "〔メールアドレス〕", anonIP: "〔IPアドレス〕", anonHost: "〔ホスト名〕",
		anonURL: "〔URL〕", anonPhone: "〔電話番号〕", anonNumber: "〔インシデント番号〕"},
	LocaleEN: {anonName: "[name]", anonEmail: "[e-mail address]", anonIP: "[IP address]", anonHost: "[host name]",
		anonURL: "[URL]", anonPhone: "[phone number]", anonNumber: "[incident number]"},
}

// AnonPlaceholder is the placeholder of a kind in a language, for tests
// and the editor's hint: kind is one of name, email, ip, host, url, phone, number.
func AnonPlaceholder(l Locale, kind string) string {
	k := map[string]anonKind{"name": anonName, "email": anonEmail, "ip": anonIP, "host": anonHost, "url": anonURL,
		"phone": anonPhone, "number": anonNumber}[kind]
	if l != LocaleEN {
		l = LocaleJA
	}
	return anonPlaceholders[l][k]
}

var (
	anonKeepRe = func() *regexp.Regexp {
		var alts []string
		for _, m := range anonPlaceholders {
			for _, p := range m {
				alts = append(alts, regexp.QuoteMeta(p))
			}
		}
		slices.Sort(alts)
		return regexp.MustCompile(strings.Join(alts, "|"))
	}()
	anonURLRe   = regexp.MustCompile(`(?i)\b(?:(?:https?|hxxps?|ftps?|sftp|smb|file)(?:://|\[://\]|\[:\]//)|www\d{0,3}(?:\.|\[\.\]))[^\s<>"'` + "`" + `「」『』（）【】、。，]+`)
	anonEmailRe = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+(?:@|\[@\]|\[at\]|\(at\))[a-z0-9\-]+(?:(?:\.|\[\.\]|\[dot\])[a-z0-9\-]+)+`)
	anonIPv4Re  = regexp.MustCompile(`\b(?:\d{1,3}(?:\.|\[\.\])){3}\d{1,3}(?:/\d{1,2})?\b`)
	anonIPv6Re  = regexp.MustCompile(`(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:%[0-9a-z]+)?(?:/\d{1,3})?`)
	anonHostRe  = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.|\[\.\]))+[a-z][a-z0-9-]{0,61}[a-z0-9]\b`)
	anonPhoneRe = regexp.MustCompile(`\b0\d{1,4}-\d{1,4}-\d{3,4}\b|\(0\d{1,4}\)\s?\d{1,4}-\d{3,4}\b|\b0(?:[5789]0\d{8}|[1-9]\d{8})\b|\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}`)
	anonNumRe   = regexp.MustCompile(`(?i)\b(?:INC|ADV|VUL|VULN|RPT)-\d{4}-\d{1,6}\b`)
	// A name before a Japanese honorific: the stem is hidden, the honorific kept.
	anonHonorificRe = regexp.MustCompile(`([\p{Han}\p{Katakana}ー々]{1,6})(?:さん|さま|様|氏|君|くん|ちゃん|殿)`)
	anonTitleRe     = regexp.MustCompile(`\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof)\.?\s+\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)?|\b\p{Lu}[a-z]+-(?:san|sama|kun|chan|shi)\b`)
)

// anonStems are words before an honorific that are not names (お客様,
// 皆さん, 同様, 仕様, ご担当者様 …): a stem equal to or ending in one stays.
var anonStems = []string{"客", "皆", "同", "仕", "模", "多", "異", "一", "両", "有", "外", "上", "下", "今", "王", "神", "諸", "御",
	"苦労", "世話", "馳走", "者", "先", "社", "方", "各位", "ユーザー", "ユーザ", "メンバー", "ベンダー", "クライアント", "オペレーター",
	"お隣", "隣", "屋", "生", "殿", "様", "式", "態", "左", "斯", "如何", "貴", "当"}

// anonFileExts are the last labels of file names, which look like host names.
var anonFileExts = map[string]bool{"exe": true, "dll": true, "doc": true, "docx": true, "docm": true, "xls": true, "xlsx": true,
	"xlsm": true, "ppt": true, "pptx": true, "pdf": true, "zip": true, "rar": true, "js": true, "txt": true, "html": true, "htm": true,
	"php": true, "py": true, "sh": true, "ps1": true, "bat": true, "cmd": true, "lnk": true, "iso": true, "img": true, "png": true,
	"jpg": true, "jpeg": true, "gif": true, "csv": true, "json": true, "xml": true, "msi": true, "vbs": true, "jar": true, "eml": true,
	"msg": true, "one": true, "hta": true, "scr": true, "go": true, "md": true, "log": true, "tmp": true, "dat": true, "bin": true,
	"cfg": true, "conf": true, "ini": true, "yaml": true, "yml": true, "gz": true, "tar": true, "tgz": true, "7z": true, "svg": true}

type anonSpan struct {
	start, end int
	kind       anonKind
}

// Anonymise replaces identifying details in s with placeholders in
// o.Locale. Invalid UTF-8 becomes U+FFFD; full-width letters, digits and
// the symbols of addresses are folded to ASCII first, so that ０３－１２３４－５６７８
// is found too.
func Anonymise(s string, o AnonymiseOptions) string {
	if o.Locale != LocaleEN {
		o.Locale = LocaleJA
	}
	words := anonWords(o.Names, o.Numbers)
	s = foldWidth(strings.ToValidUTF8(s, "\uFFFD"))
	for range 4 {
		next := anonymiseOnce(s, words, o.Locale)
		if next == s {
			break
		}
		s = next
	}
	return s
}

// anonWord is one known word to hide: a name (or a part of one) or a number.
type anonWord struct {
	w    string // ASCII-lower-cased, width-folded
	kind anonKind
	part bool // a family or given name in Japanese script taken from a full name
}

// anonWords lists the known names and numbers, longest first. A full name
// also gives its parts (山田さん, Mr Smith): Latin parts only when
// capitalised and three letters or more; parts in Japanese script count
// only where they stand as a word, not inside a longer run of kanji or
// katakana (情報 健太's 情報 is not hidden in 脆弱性情報).
func anonWords(names, numbers []string) []anonWord {
	seen := map[string]bool{}
	var out []anonWord
	add := func(w string, kind anonKind, minRunes int, part bool) {
		w = asciiLower(strings.TrimSpace(foldWidth(strings.ToValidUTF8(w, ""))))
		if utf8.RuneCountInString(w) < minRunes || len(w) > 400 || seen[w] || anonKeepRe.MatchString(w) {
			return
		}
		seen[w] = true
		out = append(out, anonWord{w: w, kind: kind, part: part})
	}
	for i, n := range names {
		if i >= 5000 {
			break
		}
		add(n, anonName, 2, false)
	}
	for i, n := range names {
		if i >= 5000 {
			break
		}
		fs := strings.FieldsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || r == '・' || r == '·' || r == '(' || r == ')' })
		if len(fs) < 2 {
			continue
		}
		for _, f := range fs {
			r, _ := utf8.DecodeRuneInString(f)
			switch {
			case r >= utf8.RuneSelf:
				add(f, anonName, 2, true)
			case unicode.IsUpper(r) && utf8.RuneCountInString(f) >= 3:
				add(f, anonName, 3, false)
			}
		}
	}
	for i, n := range numbers {
		if i >= 5000 {
			break
		}
		add(n, anonNumber, 3, false)
	}
	slices.SortStableFunc(out, func(a, b anonWord) int { return len(b.w) - len(a.w) })
	return out
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay the same.
func asciiLower(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func asciiAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// findWords finds the known words in s (case-insensitively for ASCII),
// each where it starts and ends at a word boundary on its ASCII sides.
func findWords(s string, words []anonWord) []anonSpan {
	if len(words) == 0 {
		return nil
	}
	ls := asciiLower(s)
	var out []anonSpan
	for _, w := range words {
		for pos := 0; pos < len(ls); {
			i := strings.Index(ls[pos:], w.w)
			if i < 0 {
				break
			}
			start, end := pos+i, pos+i+len(w.w)
			pos = start + 1
			if asciiAlnum(w.w[0]) && start > 0 && asciiAlnum(ls[start-1]) ||
				asciiAlnum(w.w[len(w.w)-1]) && end < len(ls) && asciiAlnum(ls[end]) ||
				w.part && inWord(s, start, end) {
				continue
			}
			out = append(out, anonSpan{start, end, w.kind})
		}
	}
	return out
}

// inWord reports whether s[start:end] touches kanji, katakana or ー on either side.
func inWord(s string, start, end int) bool {
	word := func(r rune) bool {
		return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Katakana, r) || r == 'ー' || r == '々'
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && word(r) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[end:])
	return end < len(s) && word(r)
}

func anonymiseOnce(s string, words []anonWord, l Locale) string {
	var spans []anonSpan
	add := func(re *regexp.Regexp, kind anonKind, ok func(m string) bool) {
		for _, m := range re.FindAllStringIndex(s, -1) {
			if ok == nil || ok(s[m[0]:m[1]]) {
				spans = append(spans, anonSpan{m[0], m[1], kind})
			}
		}
	}
	add(anonKeepRe, anonKeep, nil)
	for _, m := range anonURLRe.FindAllStringIndex(s, -1) {
		end := m[1]
		for end > m[0] && strings.ContainsRune(".,;:!?)]}'\"", rune(s[end-1])) && !strings.HasSuffix(s[m[0]:end], "[.]") {
			end--
		}
		spans = append(spans, anonSpan{m[0], end, anonURL})
	}
	add(anonEmailRe, anonEmail, nil)
	add(anonNumRe, anonNumber, func(m string) bool { return true })
	add(anonIPv4Re, anonIP, func(m string) bool {
		a, _, _ := strings.Cut(strings.ReplaceAll(m, "[.]", "."), "/")
		_, err := netip.ParseAddr(a)
		return err == nil
	})
	add(anonIPv6Re, anonIP, func(m string) bool {
		a, _, _ := strings.Cut(m, "/")
		if strings.Count(a, ":") < 2 {
			return false
		}
		ip, err := netip.ParseAddr(a)
		return err == nil && ip.Is6()
	})
	add(anonHostRe, anonHost, func(m string) bool {
		m = strings.ToLower(strings.ReplaceAll(m, "[.]", "."))
		last := m[strings.LastIndexByte(m, '.')+1:]
		if anonFileExts[last] || strings.Trim(last, "0123456789") == "" {
			return false
		}
		// Abbreviations in prose (e.g., i.e.) have one-letter labels only.
		for p := range strings.SplitSeq(m, ".") {
			if len(p) > 1 {
				return true
			}
		}
		return false
	})
	add(anonPhoneRe, anonPhone, func(m string) bool {
		n := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		return n >= 9 && n <= 15
	})
	add(anonTitleRe, anonName, nil)
	for _, m := range anonHonorificRe.FindAllStringSubmatchIndex(s, -1) {
		stem := s[m[2]:m[3]]
		skip := false
		for _, w := range anonStems {
			if stem == w || strings.HasSuffix(stem, w) {
				skip = true
				break
			}
		}
		if !skip {
			spans = append(spans, anonSpan{m[2], m[3], anonName})
		}
	}
	spans = append(spans, findWords(s, words)...)
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b anonSpan) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.kind == anonKeep || b.kind == anonKeep {
			return int(a.kind) - int(b.kind) // a placeholder is never broken up
		}
		return (b.end - b.start) - (a.end - a.start)
	})
	var b strings.Builder
	b.Grow(len(s))
	pos := 0
	for _, sp := range spans {
		if sp.start < pos || sp.end <= sp.start {
			continue
		}
		b.WriteString(s[pos:sp.start])
		if sp.kind == anonKeep {
			b.WriteString(s[sp.start:sp.end])
		} else {
			b.WriteString(anonPlaceholders[l][sp.kind])
		}
		pos = sp.end
	}
	b.WriteString(s[pos:])
	return b.String()
}

// foldWidth folds full-width ASCII letters and digits and the symbols of
// addresses (＠．－：／＋＿) to ASCII, and dashes between digits to '-'.
func foldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x2010 }) {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ', strings.ContainsRune("＠．－：／＋＿", r):
			rs[i] = r - 0xFEE0
		}
	}
	digit := func(i int) bool { return i >= 0 && i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	for i, r := range rs {
		if strings.ContainsRune("‐‑‒–—―−ー", r) && digit(i-1) && digit(i+1) {
			rs[i] = '-'
		}
	}
	return string(rs)
}
