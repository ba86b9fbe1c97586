package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillManagement) }

// fillManagement fills management_reviews and management_decisions: one
// review held (its inputs frozen as JSON) with a decision that opened a
// corrective action, and one still planned.
func fillManagement(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sys := hikeshi.SystemActor("test")
	mg := f.svc.Management
	m, err := mg.CreateReview(ctx, sys, service.MgmtReviewInput{Title: "2026年度 <マネジメントレビュー>", PeriodFrom: "2025-04-01",
		PeriodTo: "2030-03-31", MeetingDate: "2026-04-20", ChairID: f.users[0].ID, AttendeeIDs: []string{f.users[1].ID, f.users[3].ID},
		Issues: "法改正 \"APPI\"\n二行目", Feedback: "顧客から<要望>", Minutes: "議事録"})
	must(err)
	_, err = mg.Hold(ctx, sys, m.ID)
	must(err)
	_, err = mg.AddDecision(ctx, sys, m.ID, service.MgmtDecisionInput{Kind: hikeshi.DecisionResources, Text: "CSIRT要員を1名増員する\n予算化",
		DepartmentID: f.depts[1].ID, DueDate: "2026-09-30"})
	must(err)
	_, err = mg.CreateReview(ctx, sys, service.MgmtReviewInput{Title: "次回", PeriodFrom: "2026-04-01", PeriodTo: "2027-03-31",
		MeetingDate: "2027-04-20", ChairID: f.users[0].ID})
	must(err)
}
