package service

import (
	"context"
	"fmt"

	"github.com/hikeshi/hikeshi"
)

// ISMS answers where the PDCA cycle stands. Everyone signed in reads it:
// the overview holds counts and the titles of what falls due, which every
// role reads in the areas themselves.
type ISMS struct{ base }

// Overview counts what is planned, implemented, checked and acted on, and
// lists what falls due within hikeshi.DueHorizon or is overdue.
func (s *ISMS) Overview(ctx context.Context, actor hikeshi.Actor) (hikeshi.ISMSOverview, error) {
	if err := readCheck(actor, "isms overview"); err != nil {
		return hikeshi.ISMSOverview{}, err
	}
	o, err := s.st.ISMSOverview(ctx, s.clock.Now())
	if err != nil {
		return o, fmt.Errorf("isms overview: %w", err)
	}
	return o, nil
}
