package demo

import (
	"context"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadPatterns gives the demo organisation the traditional pattern (IN-2):
// the management unit is 経営企画部, the IT unit 情報システム部; the
// traditional template has no CSIRT unit (the seed's table 2): the CSIRT
// kind is mapped onto the CSIRT department all the same, and plays its part
// once the pattern is changed (to the field-driven one, say, where the CSIRT
// handles incidents with IT).
func loadPatterns(ctx context.Context, svc *service.Services, ids []string) error {
	_, err := svc.Patterns.Apply(ctx, hikeshi.SystemActor("demo"), service.PatternInput{Template: hikeshi.PatternTraditional,
		Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: ids[0], hikeshi.KindIT: ids[1], hikeshi.KindCSIRT: ids[2]},
		Note:  "Demo: the classic ISMS — rules from management, measures by IT, improvement from internal audits."})
	return err
}
