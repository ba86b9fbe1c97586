package web

import (
	"math"
	"testing"
)

// FuzzAdvisorNumbers: whatever is typed, a number the forms accept is finite,
// and a whole number is whole and bounded.
func FuzzAdvisorNumbers(f *testing.F) {
	for _, s := range []string{"1", "-1", "NaN", "Inf", "-inf", "1e400", "0x1p-2", "1_000", " 5 ", "<script>", "１２", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if x, ok := parseNumber(s); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
			t.Errorf("%q → %v accepted", s, x)
		} else if !ok && x != 0 {
			t.Errorf("%q refused but gave %v", s, x)
		}
		if n, ok := parseWhole(s); ok && (n > 1e9 || n < -1e9) {
			t.Errorf("%q → %d accepted", s, n)
		}
	})
}
