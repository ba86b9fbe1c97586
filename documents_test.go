package hikeshi

import (
	"strings"
	"testing"
	"time"
)

func TestLineDiff(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"", "", ""},
		{"a\nb\n", "a\nb\n", "  a\n  b\n"},
		{"", "a\n", "+ a\n"},
		{"a\n", "", "- a\n"},
		{"a\nb\nc\n", "a\nc\n", "  a\n- b\n  c\n"},
		{"a\nc\n", "a\nb\nc\n", "  a\n+ b\n  c\n"},
		{"a\r\nb\r\n", "a\nb", "  a\n  b\n"},
		{"x\na\nb\ny\n", "x\nb\na\ny\n", "  x\n- a\n  b\n+ a\n  y\n"},
		{"1\n2\n3\n4\n", "0\n2\n4\n5\n", "- 1\n+ 0\n  2\n- 3\n  4\n+ 5\n"},
	}
	for _, c := range cases {
		lines, exact := LineDiff(c.a, c.b)
		if got := FormatDiff(lines); got != c.want || !exact {
			t.Errorf("LineDiff(%q, %q) =\n%s\nwant\n%s", c.a, c.b, got, c.want)
		}
	}
}

// TestLineDiffProperties: removing the added lines gives a, removing the
// removed lines gives b, and the common part is as long as the LCS.
func TestLineDiffProperties(t *testing.T) {
	a := strings.Repeat("p\nq\nr\n", 50) + "end\n"
	b := strings.Repeat("q\np\ns\n", 50) + "end\n"
	lines, _ := LineDiff(a, b)
	var ga, gb []string
	for _, l := range lines {
		if l.Op != DiffAdded {
			ga = append(ga, l.Text)
		}
		if l.Op != DiffRemoved {
			gb = append(gb, l.Text)
		}
	}
	if strings.Join(ga, "\n")+"\n" != a || strings.Join(gb, "\n")+"\n" != b {
		t.Error("the diff does not reproduce both sides")
	}
}

// TestLineDiffCap: a change too large to align is shown whole, quickly.
func TestLineDiffCap(t *testing.T) {
	var x, y strings.Builder
	for i := range 5000 {
		x.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		y.WriteString("b" + strings.Repeat("y", i%5) + "\n")
	}
	lines, exact := LineDiff(x.String(), y.String())
	if exact || len(lines) != 10000 {
		t.Errorf("exact %v, %d lines; want a whole replacement of 10000 lines", exact, len(lines))
	}
}

// TestDocumentReviewState: due from 30 days before the next review date up
// to that day, overdue the day after, by the UTC day of now.
func TestDocumentReviewState(t *testing.T) {
	next := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	d := Document{NextReview: next}
	for _, c := range []struct {
		now  time.Time
		want ReviewState
	}{
		{time.Date(2026, 5, 30, 23, 59, 0, 0, time.UTC), ""},
		{time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), ReviewDue},
		{time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC), ReviewDue},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), ReviewOverdue},
		{time.Date(2026, 7, 1, 8, 0, 0, 0, time.FixedZone("JST", 9*3600)), ReviewDue}, // still 30 June in UTC
	} {
		if got := d.ReviewState(c.now); got != c.want {
			t.Errorf("at %v: %q, want %q", c.now, got, c.want)
		}
	}
	if got := (Document{}).ReviewState(next); got != "" {
		t.Errorf("no approved version: %q", got)
	}
	for _, s := range []ReviewState{"", ReviewDue, ReviewOverdue} {
		if !s.Valid() {
			t.Errorf("%q invalid", s)
		}
	}
	if ReviewState("soon").Valid() {
		t.Error("soon is valid")
	}
}
