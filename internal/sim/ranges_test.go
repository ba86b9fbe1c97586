package sim_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/hikeshi/hikeshi/internal/sim"
)

// TestRangeOfMatchesValidate: every range RangeOf reports is the one
// Validate's message names.
func TestRangeOfMatchesValidate(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(c *sim.Config)
	}{
		{"years", func(c *sim.Config) { c.Years = 11 }},
		{"incidents_per_year", func(c *sim.Config) { c.IncidentsPerYear = -1 }},
		{"staff.management", func(c *sim.Config) { c.Staff.Management = 0 }},
		{"staff.csirt", func(c *sim.Config) { c.Staff.CSIRT = 1001 }},
		{"effort.contain.mean_hours", func(c *sim.Config) { c.Effort.Contain.MeanHours = 1e9 }},
		{"effort.improve.cv", func(c *sim.Config) { c.Effort.Improve.CV = 11 }},
		{"routine.it", func(c *sim.Config) { c.Routine.IT = 0.99 }},
		{"routine.task.mean_hours", func(c *sim.Config) { c.Routine.Task.MeanHours = 0.01 }},
		{"audit_every_months", func(c *sim.Config) { c.AuditEveryMonths = 0 }},
		{"lesson_share", func(c *sim.Config) { c.LessonShare = 2 }},
	} {
		c := sim.DefaultConfig()
		tc.set(&c)
		err := c.Validate()
		var fe *sim.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Fatalf("%s: got %v", tc.field, err)
		}
		lo, hi, ok := sim.RangeOf(tc.field)
		want := fmt.Sprintf("%s must be %s–%s", tc.field, strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64))
		if !ok || fe.Msg != want {
			t.Errorf("%s: RangeOf %v %v %v, message %q, want %q", tc.field, lo, hi, ok, fe.Msg, want)
		}
	}
	if _, _, ok := sim.RangeOf("effort.contain.dist"); ok {
		t.Error("a distribution kind has no range")
	}
}
