package sim_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/sim"
)

func TestParseConfig(t *testing.T) {
	c, err := sim.ParseConfig([]byte(`{"incidents_per_year": 1500, "staff": {"csirt": 8},
		"effort": {"contain": {"mean_hours": 2.5}}, "patterns": ["independent", "it_led"], "seed": 18446744073709551615}`))
	if err != nil {
		t.Fatal(err)
	}
	want := sim.DefaultConfig()
	want.IncidentsPerYear, want.Staff.CSIRT, want.Effort.Contain.MeanHours = 1500, 8, 2.5
	want.Patterns = []hikeshi.PatternKey{hikeshi.PatternIndependent, hikeshi.PatternITLed}
	want.Seed = 1<<64 - 1
	if c.IncidentsPerYear != want.IncidentsPerYear || c.Staff != want.Staff || c.Effort != want.Effort || c.Seed != want.Seed || len(c.Patterns) != 2 {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	if _, err := sim.ParseConfig([]byte(`{}`)); err != nil {
		t.Errorf("the empty object (all defaults): %v", err)
	}
}

// TestParseConfigHostile feeds input a client could send on purpose.
func TestParseConfigHostile(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{``, "the configuration is empty or cut short"},
		{`{"years": 1`, "the configuration is empty or cut short"},
		{`[]`, "the configuration must be an object"},
		{`null`, ""}, // the defaults
		{`{"yeers": 1}`, `unknown field "yeers"`},
		{`{"staff": {"interns": 3}}`, `unknown field "interns"`},
		{`{"years": "1"}`, `years must be a number, not "string"`},
		{`{"staff": {"it": 2.5}}`, `staff.it must be a whole number, not "number 2.5"`},
		{`{"staff": {"it": 1e400}}`, `staff.it must be a whole number, not "number 1e400"`},
		{`{"seed": -1}`, `seed must be a whole number from 0 to 18446744073709551615, not "number -1"`},
		{`{"incidents_per_year": 1e308}`, "incidents_per_year must be 0–1e+07"},
		{`{"years": 1}{"years": 2}`, "the configuration has more after its JSON object"},
		{`{"years": 1} x`, "the configuration has more after its JSON object"},
		{`{"patterns": "all"}`, `patterns must be a list, not "string"`},
		{`{"patterns": ["it_led", "traditional", "it_led"]}`, "patterns[2] repeats the pattern it_led"},
		{`{"effort": {"triage": {"dist": "pareto"}}}`, `effort.triage.dist must be exponential or lognormal, not "pareto"`},
		{`{"years": 1, "years": 20}`, "years must be 0.01–10"}, // the last duplicate wins, and is checked
		{"{\"years\": \x01}", "the configuration is not valid JSON at byte 11"},
		{`{"staff": {"csirt": 0}, "patterns": ["independent"]}`, "staff.csirt must be 1–1000 for the independent pattern"},
		{strings.Repeat("[", 100_000), "the configuration is larger than 64 KiB"},
		{`{"patterns": [` + strings.Repeat(`"it_led",`, 5000) + `"it_led"]}`, "patterns[1] repeats the pattern it_led"},
		{strings.Repeat("[", 10_000), "the configuration is empty or cut short"},
		{strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000), "the configuration must be an object"},
	} {
		_, err := sim.ParseConfig([]byte(tc.in))
		name := tc.in
		if len(name) > 40 {
			name = name[:40]
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", name, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%q: err = %v\nwant %s…", name, err, tc.want)
		case err != nil && !errors.Is(err, hikeshi.ErrInvalid):
			t.Errorf("%q: %v is not hikeshi.ErrInvalid", name, err)
		case err != nil && (strings.Contains(err.Error(), "\n") || len(err.Error()) > 300):
			t.Errorf("%q: the error is not one short line: %q", name, err)
		}
	}
}

// FuzzParseConfig: any input is either refused with an hikeshi.ErrInvalid or
// gives a valid configuration, and a small valid one simulates without
// panicking or hanging, its results within their ranges.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"years": 0.01, "incidents_per_year": 1e7}`,
		`{"staff": {"management": 1, "it": 1, "csirt": 0}, "patterns": ["it_led"]}`,
		`{"effort": {"contain": {"dist": "lognormal", "mean_hours": 2000, "cv": 10}}, "years": 0.05}`,
		`{"effort": {"triage": {"mean_hours": 0}, "contain": {"mean_hours": 0}, "recover": {"mean_hours": 0}}, "lesson_share": 1}`,
		`{"routine": {"management": 0.95, "it": 0.95, "csirt": 0.95, "task": {"dist": "exponential", "mean_hours": 0.1}}, "years": 0.01}`,
		`{"audit_every_months": 1, "lesson_share": 1, "years": 0.2, "patterns": ["traditional", "integrated"]}`,
		`{"seed": 0}`, `null`, `[]`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := sim.ParseConfig(b)
		if err != nil {
			if !errors.Is(err, hikeshi.ErrInvalid) {
				t.Fatalf("%v is not hikeshi.ErrInvalid", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed but invalid: %v", err)
		}
		est := c.Estimate()
		if est.Events < 0 || est.Incidents < 0 || est.RoutineTasks < 0 {
			t.Fatalf("negative estimate %+v", est)
		}
		if est.Events > 30_000 {
			return // too slow for a fuzz iteration; the limits are tested elsewhere
		}
		rep, err := sim.Simulate(context.Background(), c, sim.Options{Workers: 1, MaxEvents: 30_000})
		if err != nil {
			t.Fatalf("simulate %+v: %v", c, err)
		}
		for _, r := range rep.Results {
			for _, s := range []sim.Summary{r.FirstResponse, r.TimeToContain, r.ImprovementLeadTime} {
				if s.Mean < 0 || s.Median < 0 || s.P90 < s.Median || s.Max < s.P90 {
					t.Fatalf("%s: summary %+v", r.Pattern, s)
				}
			}
			for _, u := range r.Units {
				if u.Utilisation < 0 || u.Utilisation > 1+1e-9 {
					t.Fatalf("%s: unit %+v", r.Pattern, u)
				}
			}
		}
	})
}
