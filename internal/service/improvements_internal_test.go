package service

import (
	"context"

	"github.com/hikeshi/hikeshi"
)

// SetImprovementRouting makes the improvements area answer as if the
// organisation had chosen a pattern with this trigger and this department
// responsible for review and improvement of measures, until the patterns
// service can be set up through its own methods (decision 0032).
func SetImprovementRouting(s *Services, trigger hikeshi.ImprovementTrigger, dept string) {
	s.Improvements.route = func(context.Context, hikeshi.Reader) (hikeshi.ImprovementTrigger, string, error) {
		return trigger, dept, nil
	}
}
