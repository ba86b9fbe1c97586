package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hikeshi/hikeshi"
)

func TestBenchSimulate(t *testing.T) {
	decode := func(t *testing.T, out string) benchReport {
		t.Helper()
		var rep benchReport
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rep); err != nil {
			t.Fatalf("not the report's JSON: %v\n%s", err, out)
		}
		return rep
	}

	t.Run("json", func(t *testing.T) {
		r := must(t, "", "bench", "simulate", "--json", "--incidents", "3000", "--seed", "7")
		rep := decode(t, r.stdout)
		if rep.Incidents < 2800 || rep.Incidents > 3200 || rep.Patterns != 6 || rep.Seconds <= 0 || rep.Seed != 7 ||
			rep.GOMAXPROCS < 1 || rep.Events < int64(rep.Incidents) || len(rep.Results) != 6 {
			t.Errorf("report %+v", rep)
		}
		for i, res := range rep.Results {
			if res.Pattern != hikeshi.PatternKeys()[i] || res.Incidents != rep.Incidents || res.TimeToContain.N != rep.Incidents ||
				res.TimeToContain.P90 < res.TimeToContain.Median || len(res.Units) == 0 {
				t.Errorf("result %d: %+v", i, res)
			}
		}
		// Seconds aside, the same seed gives the same figures.
		again := decode(t, must(t, "", "bench", "simulate", "--incidents=3000", "--json", "--seed=7").stdout)
		if diff := cmp.Diff(rep, again, cmpopts.IgnoreFields(benchReport{}, "Seconds")); diff != "" {
			t.Errorf("two runs differ (-first +second):\n%s", diff)
		}
	})

	t.Run("table", func(t *testing.T) {
		r := must(t, "", "bench", "simulate", "--incidents", "500")
		for _, want := range []string{"simulated one year of ", " incidents under 6 patterns in ", "GOMAXPROCS",
			"traditional", "management_led", "integrated", "management+it+csirt"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})

	t.Run("help", func(t *testing.T) {
		r := must(t, "", "bench", "simulate", "-h")
		if !strings.HasPrefix(r.stdout, "Usage: hikeshi bench simulate [--json]") || !strings.Contains(r.stdout, "--incidents") {
			t.Errorf("stdout = %q", r.stdout)
		}
		if r := must(t, "", "help"); !strings.Contains(r.stdout, "bench simulate") {
			t.Errorf("the command list lacks bench simulate:\n%s", r.stdout)
		}
	})

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--incidents", "0"}, "hikeshi bench simulate: --incidents must be 1–1000000, not 0\n"},
		{[]string{"--incidents", "1000001"}, "hikeshi bench simulate: --incidents must be 1–1000000, not 1000001\n"},
		{[]string{"--incidents", "many"}, "hikeshi bench simulate: "},
		{[]string{"--seed", "-1"}, "hikeshi bench simulate: "},
		{[]string{"--jsn"}, "hikeshi bench simulate: "},
		{[]string{"extra"}, "hikeshi bench simulate: bench simulate takes no arguments, but got \"extra\"\n"},
	} {
		r := cli(t, "", append([]string{"bench", "simulate"}, tc.args...)...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
		if first := strings.SplitN(r.stderr, "\n", 2)[0]; strings.Count(first, ". ") > 0 {
			t.Errorf("%v: the error is not one sentence: %q", tc.args, first)
		}
	}
}
