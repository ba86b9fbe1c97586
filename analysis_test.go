package hikeshi_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

var anaNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func TestAnalysisPeriodOf(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		from, to         string
		wantFrom, wantTo time.Time
	}{
		{"", "", day(2025, 12, 1), day(2026, 11, 27)},
		{"2026-01-01", "2026-03-31", day(2026, 1, 1), day(2026, 4, 1)},
		{"2026-11-26", "", day(2026, 11, 26), day(2026, 11, 27)},
		{"2026-01-01", "2030-01-01", day(2026, 1, 1), day(2026, 11, 27)},
		{"2023-11-27", "2026-11-26", day(2023, 11, 27), day(2026, 11, 27)},
	} {
		from, to, err := hikeshi.AnalysisPeriodOf(c.from, c.to, anaNow)
		if err != nil || !from.Equal(c.wantFrom) || !to.Equal(c.wantTo) {
			t.Errorf("%q..%q = %v..%v %v", c.from, c.to, from, to, err)
		}
	}
	if got := hikeshi.AnalysisMonths(day(2025, 12, 1), day(2026, 11, 27)); len(got) != 12 || got[0] != "2025-12" || got[11] != "2026-11" {
		t.Errorf("months %v", got)
	}
	if got := hikeshi.AnalysisMonths(day(2026, 1, 31), day(2026, 2, 1)); !slices.Equal(got, []string{"2026-01"}) {
		t.Errorf("one day's month %v", got)
	}
	for _, bad := range [][2]string{{"2026-1-01", ""}, {"", "tomorrow"}, {"2026-11-27", ""}, {"1999-12-31", ""},
		{"2026-02-01", "2026-01-31"}, {"2023-11-26", "2026-11-26"}, {" 2026-01-01", ""}, {"2026-01-01T00:00:00Z", ""}} {
		if _, _, err := hikeshi.AnalysisPeriodOf(bad[0], bad[1], anaNow); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("%q..%q: %v", bad[0], bad[1], err)
		}
	}
	if (hikeshi.AnalysisDurations{Items: 2}).NA() != hikeshi.AnalysisNANotReached || (hikeshi.AnalysisDurations{}).NA() != hikeshi.AnalysisNANoItems ||
		(hikeshi.AnalysisDurations{Items: 1, Measured: 1}).NA() != "" {
		t.Error("NA")
	}
	if hikeshi.AnalysisAlerts.Applies(hikeshi.ByCategory) || !hikeshi.AnalysisReports.Applies(hikeshi.ByDepartment) ||
		hikeshi.AnalysisSubject("x").Applies(hikeshi.ByMonth) {
		t.Error("Applies")
	}
}

// FuzzAnalysisPeriodOf: any input gives a valid bounded period or a validation error.
func FuzzAnalysisPeriodOf(f *testing.F) {
	for _, s := range []string{"", "2026-01-01", "2026-02-30", "0000-00-00", "9999-12-31", "2026-1-1", "\x00", "２０２６-０１-０１"} {
		f.Add(s, s)
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		a, b, err := hikeshi.AnalysisPeriodOf(from, to, anaNow)
		if err != nil {
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("%q..%q: %v", from, to, err)
			}
			return
		}
		if !a.Before(b) || b.Sub(a) > hikeshi.AnalysisMaxDays*24*time.Hour || a.Before(hikeshi.AnalysisEarliest) || b.After(anaNow.AddDate(0, 0, 1)) {
			t.Fatalf("%q..%q = %v..%v", from, to, a, b)
		}
	})
}
