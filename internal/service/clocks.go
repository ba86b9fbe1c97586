package service

import (
	"context"

	"github.com/hikeshi/hikeshi"
)

// Clocks are the service-level timers and regulatory notification clocks of
// incidents (IH-6), with their reminder jobs and in-app notifications.
type Clocks struct{ base }

// incidentChanged starts, stops and reschedules an incident's clocks.
func (s *Clocks) incidentChanged(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, before, after hikeshi.Incident) error {
	return nil
}
