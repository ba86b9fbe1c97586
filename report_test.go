package hikeshi

import (
	"strings"
	"testing"
)

func TestFollowUpCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := range 200 {
		tok := NewID() + string(rune('a'+i%26))
		code := FollowUpCodeFor(tok)
		if code != FollowUpCodeFor(tok) {
			t.Fatal("the code of a token is not stable")
		}
		if len(code) != 19 || code[4] != '-' || code[9] != '-' || code[14] != '-' {
			t.Fatalf("code %q is not ABCD-EFGH-JKMN-PQRS", code)
		}
		norm, ok := NormalizeFollowUpCode(code)
		if !ok || FormatFollowUpCode(norm) != code {
			t.Fatalf("code %q does not normalise to itself: %q %v", code, norm, ok)
		}
		if strings.ContainsAny(code, "ILOU") {
			t.Fatalf("code %q has a confusable letter", code)
		}
		if seen[code] {
			t.Fatalf("code %q twice", code)
		}
		seen[code] = true
	}
}

func TestNormalizeFollowUpCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS", true},
		{"abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS", true},
		{"ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ－ＰＱＲＳ", "ABCDEFGHJKMNPQRS", true}, // typed with a Japanese input method
		{"ABCDーEFGH　JKMN-PQRS", "ABCDEFGHJKMNPQRS", true},
		{"0OIL-1111-2222-3333", "0011111122223333", true}, // O reads as 0, I and L as 1
		{"ABCD-EFGH-JKMN-PQR", "", false},
		{"ABCD-EFGH-JKMN-PQRST", "", false},
		{"ABCD-EFGH-JKMN-PQRU", "", false}, // U is not in the alphabet
		{"ABCD-EFGH-JKMN-PQR!", "", false},
		{"", "", false},
		{strings.Repeat("A", 300), "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeFollowUpCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeFollowUpCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzNormalizeFollowUpCode feeds arbitrary bytes to the normaliser: it must
// not panic, and whatever it accepts is exactly 16 characters of the
// alphabet that normalise to themselves.
func FuzzNormalizeFollowUpCode(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-JKMN-PQRS", "ＡＢＣＤ－ＥＦＧＨ", "\xff\xfe", "----", "0OIL-1111-2222-3333", strings.Repeat("A-", 20)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizeFollowUpCode(s)
		if !ok {
			if got != "" {
				t.Fatalf("rejected %q but returned %q", s, got)
			}
			return
		}
		if len(got) != FollowUpCodeLen {
			t.Fatalf("accepted %q as %q of length %d", s, got, len(got))
		}
		for _, c := range got {
			if !strings.ContainsRune(followUpAlphabet, c) {
				t.Fatalf("accepted %q as %q with %q outside the alphabet", s, got, c)
			}
		}
		if again, ok := NormalizeFollowUpCode(FormatFollowUpCode(got)); !ok || again != got {
			t.Fatalf("%q does not normalise to itself", got)
		}
	})
}

func TestReportStatusMoves(t *testing.T) {
	allowed := map[[2]ReportStatus]bool{
		{ReportNew, ReportInTriage}: true, {ReportNew, ReportClosed}: true,
		{ReportInTriage, ReportClosed}: true, {ReportClosed, ReportInTriage}: true,
	}
	for _, from := range ReportStatuses {
		for _, to := range append(ReportStatuses, "bogus") {
			if got := from.CanMoveTo(to); got != allowed[[2]ReportStatus{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
}

func TestValidateContactURI(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://example.org/security":         true,
		"mailto:security@example.org":          true,
		"tel:+81-3-0000-0000":                  true,
		"javascript:alert(1)":                  false,
		"https://example.org/a b":              false,
		"https://example.org/\r\nX: y":         false,
		"https:///nohost":                      false,
		"mailto:":                              false,
		"":                                     false,
		"https://" + strings.Repeat("a", 2100): false,
	} {
		var v ValidationError
		ValidateContactURI(&v, "c", s)
		if (v.Err() == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", s, v.Err(), ok)
		}
	}
}

func TestProgressOf(t *testing.T) {
	for _, tc := range []struct {
		st     ReportStatus
		linked Phase
		want   ReporterProgress
	}{
		{ReportNew, "", ProgressReceived},
		{ReportInTriage, "", ProgressInTriage},
		{ReportClosed, "", ProgressClosed},
		{ReportClosed, PhaseDiscovery, ProgressInHand},
		{ReportClosed, PhaseRecurrencePrevention, ProgressInHand},
		{ReportClosed, PhaseClosed, ProgressResolved},
	} {
		if got := ProgressOf(tc.st, tc.linked); got != tc.want {
			t.Errorf("ProgressOf(%s, %q) = %s, want %s", tc.st, tc.linked, got, tc.want)
		}
	}
}
