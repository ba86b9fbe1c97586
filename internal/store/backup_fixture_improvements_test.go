package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillImprovements) }

// fillImprovements links the accepted lessons (whose improvement actions the
// review fixture opened in real time) to a measure and a risk.
func fillImprovements(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sys := hikeshi.SystemActor("test")
	admin := hikeshi.ActorFor(f.users[0], "test")
	m, err := f.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "メールの検査 <gateway>", Status: hikeshi.StatusImplemented,
		Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.8.7"}}})
	must(err)
	r, err := f.svc.Risks.CreateRisk(ctx, admin, service.RiskInput{Title: "マルウェア感染", Scenario: "添付ファイル",
		OwnerDepartmentID: f.depts[0].ID, Assessment: service.RiskAssessment{Likelihood: 2, Impact: 3}})
	must(err)
	ims, err := f.svc.Improvements.List(ctx, sys, hikeshi.ImprovementFilter{})
	must(err)
	if len(ims) == 0 {
		t.Fatal("no improvement was opened from the accepted lessons")
	}
	for _, im := range ims {
		_, err := f.svc.Improvements.SetLinks(ctx, sys, im.Improvement.LessonID, hikeshi.LessonLinks{MeasureIDs: []string{m.ID}, RiskIDs: []string{r.ID}})
		must(err)
	}
}
