package i18n

import (
	"slices"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// Range is one language range of an Accept-Language header with its weight.
type Range struct {
	Tag string // lower-case language range, e.g. "ja", "en-gb", "*"
	Q   int    // weight in thousandths, 0 … 1000
}

// Bounds that keep parsing a hostile header cheap.
const (
	maxHeaderLen = 4096
	maxRanges    = 32
)

// ParseAcceptLanguage parses an Accept-Language header (RFC 9110 §12.5.4)
// into its ranges, highest weight first; ranges of equal weight keep their
// order. Malformed ranges and weights are skipped, never guessed at.
func ParseAcceptLanguage(h string) []Range {
	if len(h) > maxHeaderLen {
		h = h[:maxHeaderLen]
	}
	var out []Range
	for part := range strings.SplitSeq(h, ",") {
		if len(out) == maxRanges {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.Trim(tag, " \t"))
		if !validRange(tag) {
			continue
		}
		q, ok := 1000, true
		for p := range strings.SplitSeq(params, ";") {
			p = strings.Trim(p, " \t")
			if p == "" {
				continue
			}
			name, val, found := strings.Cut(p, "=")
			if !found || !strings.EqualFold(strings.Trim(name, " \t"), "q") {
				continue // other parameters are not defined; ignore them
			}
			if q, ok = parseQ(strings.Trim(val, " \t")); !ok {
				break
			}
		}
		if !ok {
			continue
		}
		out = append(out, Range{Tag: tag, Q: q})
	}
	slices.SortStableFunc(out, func(a, b Range) int { return b.Q - a.Q })
	return out
}

// validRange reports whether s is "*" or 1*8ALPHA *("-" 1*8alphanum).
func validRange(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" || len(s) > 64 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, c := range []byte(sub) {
			alpha := c >= 'a' && c <= 'z'
			digit := c >= '0' && c <= '9'
			if !alpha && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}

// parseQ parses a qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3"0"].
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0] - '0')
	frac := s[1:]
	if frac != "" {
		if frac[0] != '.' {
			return 0, false
		}
		frac = frac[1:]
	}
	n, scale := 0, 100
	for _, c := range []byte(frac) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n += int(c-'0') * scale
		scale /= 10
	}
	if whole == 1 && n != 0 {
		return 0, false
	}
	return whole*1000 + n, true
}

// Match returns the supported language the header prefers most, and false
// when it accepts none. A language given weight 0 is refused even when "*"
// would otherwise admit it.
func Match(acceptLanguage string) (hikeshi.Locale, bool) {
	ranges := ParseAcceptLanguage(acceptLanguage)
	refused := map[hikeshi.Locale]bool{}
	for _, r := range ranges {
		if r.Q == 0 && IsSupported(hikeshi.Locale(r.Tag)) {
			refused[hikeshi.Locale(r.Tag)] = true
		}
	}
	for _, r := range ranges {
		if r.Q == 0 {
			break // sorted: nothing acceptable follows
		}
		if r.Tag == "*" {
			for _, l := range Supported {
				if !refused[l] {
					return l, true
				}
			}
			continue
		}
		primary, _, _ := strings.Cut(r.Tag, "-")
		if l := hikeshi.Locale(primary); IsSupported(l) && !refused[l] {
			return l, true
		}
	}
	return "", false
}
