package service

import (
	"context"

	"github.com/hikeshi/hikeshi"
)

// Triage is the CSIRT's triage of new reports (IH-4): classification, the
// priority matrix, TLP, owner and the decision on each report, with the time
// of every decision kept.
type Triage struct {
	base
	incidents *Incidents
}

// priorityMatrix is the organisation's configured impact × urgency matrix,
// or the default one until it configures its own.
func priorityMatrix(ctx context.Context, r hikeshi.Reader) (hikeshi.PriorityMatrix, error) {
	return hikeshi.DefaultPriorityMatrix, nil
}
