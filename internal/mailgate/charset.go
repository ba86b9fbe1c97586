package mailgate

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode/utf32"

	xunicode "golang.org/x/text/encoding/unicode"
)

// charsetAliases are the labels Japanese mail really carries that the WHATWG
// index does not know, or maps differently from what the senders mean.
var charsetAliases = map[string]encoding.Encoding{
	"iso-2022-jp":         japanese.ISO2022JP,
	"iso-2022-jp-1":       japanese.ISO2022JP,
	"iso-2022-jp-2":       japanese.ISO2022JP,
	"iso-2022-jp-3":       japanese.ISO2022JP,
	"iso-2022-jp-ms":      japanese.ISO2022JP,
	"csiso2022jp":         japanese.ISO2022JP,
	"shift_jis":           japanese.ShiftJIS,
	"shift-jis":           japanese.ShiftJIS,
	"sjis":                japanese.ShiftJIS,
	"x-sjis":              japanese.ShiftJIS,
	"cp932":               japanese.ShiftJIS,
	"ms932":               japanese.ShiftJIS,
	"windows-31j":         japanese.ShiftJIS,
	"csshiftjis":          japanese.ShiftJIS,
	"euc-jp":              japanese.EUCJP,
	"x-euc-jp":            japanese.EUCJP,
	"eucjp":               japanese.EUCJP,
	"cseucpkdfmtjapanese": japanese.EUCJP,
	"utf-16":              xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM),
	"utf-32":              utf32.UTF32(utf32.BigEndian, utf32.UseBOM),
}

// japaneseCharsets are the labels that make a message Japanese for the
// language of the acknowledgement.
func japaneseCharset(label string) bool {
	e, ok := charsetAliases[label]
	return ok && (e == japanese.ISO2022JP || e == japanese.ShiftJIS || e == japanese.EUCJP)
}

// normLabel lower-cases a charset label and drops quotes, white space and an
// RFC 2231 language suffix ("utf-8*ja").
func normLabel(s string) string {
	s = strings.ToLower(strings.Trim(strings.TrimSpace(s), `"'`))
	if i := strings.IndexByte(s, '*'); i >= 0 {
		s = s[:i]
	}
	return s
}

// lookupCharset finds the encoding of a label; utf8 is true for UTF-8 and
// US-ASCII, which need no decoder.
func lookupCharset(label string) (enc encoding.Encoding, utf8ish, ok bool) {
	switch label {
	case "utf-8", "utf8", "us-ascii", "ascii", "us_ascii", "ansi_x3.4-1968", "unicode-1-1-utf-8":
		return nil, true, true
	}
	if e, found := charsetAliases[label]; found {
		return e, false, true
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		if e == xunicode.UTF8 {
			return nil, true, true
		}
		return e, false, true
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e, false, true
	}
	return nil, false, false
}

// decodeCharset turns b, labelled with charset label, into UTF-8. It never
// fails: an unknown or wrong label is replaced by a guess, and why is
// returned in note ("" when the label was right). used is the charset the
// text was read as.
func decodeCharset(b []byte, label string) (text, used, note string) {
	label = normLabel(label)
	enc, utf8ish, ok := lookupCharset(label)
	switch {
	case label == "" || (ok && utf8ish && isASCIIOrUTF8(b) && !hasISO2022Escape(b)):
		if isASCII(b) && !hasISO2022Escape(b) {
			return string(b), orDefault(label, "us-ascii"), ""
		}
		if utf8.Valid(b) && !hasISO2022Escape(b) {
			return string(b), "utf-8", ""
		}
		t, g := guess(b)
		if label == "" {
			return t, g, "no charset was given; read as " + g
		}
		return t, g, "labelled " + label + " but read as " + g
	case !ok:
		t, g := guess(b)
		return t, g, "unknown charset " + printable(label) + "; read as " + g
	case utf8ish:
		t, g := guess(b)
		return t, g, "labelled " + label + " but read as " + g
	}
	out, err := enc.NewDecoder().Bytes(b)
	bad := err != nil || bytes.Count(out, []byte("\uFFFD")) > bytes.Count(b, []byte("\uFFFD"))
	if !bad {
		return string(out), label, ""
	}
	t, g := guess(b)
	if g != "windows-1252" && countReplacement(t) == 0 {
		return t, g, "labelled " + label + " but read as " + g
	}
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), label, "could not read the text as " + label
	}
	return string(out), label, "some characters could not be read as " + label
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isASCIIOrUTF8(b []byte) bool { return utf8.Valid(b) }

func hasISO2022Escape(b []byte) bool {
	return bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) || bytes.Contains(b, []byte("\x1b(J")) ||
		bytes.Contains(b, []byte("\x1b(I"))
}

func countReplacement(s string) int { return strings.Count(s, "\uFFFD") }

// guess reads text whose charset is not known: UTF-8 when it is valid,
// ISO-2022-JP when it has its escapes, else whichever of Shift_JIS (CP932)
// and EUC-JP reads without errors, else windows-1252, which reads anything.
func guess(b []byte) (string, string) {
	if hasISO2022Escape(b) {
		if out, err := japanese.ISO2022JP.NewDecoder().Bytes(b); err == nil && countReplacement(string(out)) == 0 {
			return string(out), "iso-2022-jp"
		}
	}
	if utf8.Valid(b) {
		return string(b), "utf-8"
	}
	sj, sjErr := japanese.ShiftJIS.NewDecoder().Bytes(b)
	eu, euErr := japanese.EUCJP.NewDecoder().Bytes(b)
	sjBad, euBad := badness(sj, sjErr), badness(eu, euErr)
	switch {
	case sjBad == 0 && euBad == 0:
		// Both read: EUC-JP never uses 0x81–0x9F as a lead byte, Shift_JIS
		// does for most kanji; a text without them is more likely EUC-JP.
		if hasSJISLead(b) {
			return string(sj), "shift_jis"
		}
		return string(eu), "euc-jp"
	case sjBad == 0:
		return string(sj), "shift_jis"
	case euBad == 0:
		return string(eu), "euc-jp"
	}
	out, _ := encodingWindows1252().NewDecoder().Bytes(b)
	return string(out), "windows-1252"
}

func badness(out []byte, err error) int {
	if err != nil {
		return 1 << 30
	}
	n := bytes.Count(out, []byte("\uFFFD"))
	// Control characters other than line breaks are a sign of a wrong guess.
	for _, r := range string(out) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			n++
		}
	}
	return n
}

func hasSJISLead(b []byte) bool {
	for _, c := range b {
		if (c >= 0x81 && c <= 0x8D) || (c >= 0x90 && c <= 0x9F) {
			return true
		}
	}
	return false
}

func encodingWindows1252() encoding.Encoding {
	e, _ := htmlindex.Get("windows-1252")
	return e
}

// cleanText makes decoded text safe to keep: valid UTF-8, line breaks as
// \n, no NUL or other control characters except tab and line break.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case unicode.Is(unicode.Bidi_Control, r) || r == '\uFEFF':
			return -1
		}
		return r
	}, s)
}

// hasKana reports whether s holds hiragana or katakana: Japanese text.
func hasKana(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
			return true
		}
	}
	return false
}

// printable shortens a label or name from a message for a note.
func printable(s string) string {
	s = cleanText(s)
	s = strings.ReplaceAll(s, "\n", " ")
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		s = string(r[:60]) + "…"
	}
	return s
}
