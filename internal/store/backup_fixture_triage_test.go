package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillTriage) }

// fillTriage fills the tables of triage through the services: a report
// classified and declared not an incident with an answer to the reporter, one
// opened as an incident, one attached to an incident, two incidents related
// and one merged into another, and an organisation matrix.
func fillTriage(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tr := f.svc.Triage
	_, err := tr.UpdateMatrix(ctx, f.csirt, [][]int{{1, 1, 1, 2}, {1, 2, 2, 3}, {2, 3, 3, 4}, {3, 3, 4, 4}})
	must(err)
	cls := service.ClassificationInput{Category: "phishing", Impact: 2, Urgency: 1, TLP: hikeshi.TLPAmber, OwnerID: f.csirt.UserID,
		Policy: hikeshi.PolicyFullResponse, PolicyNote: "調査する <b>"}
	_, err = tr.Classify(ctx, f.csirt, f.reports[0].ID, service.ClassificationInput{Category: "spam", Impact: 4, Urgency: 4,
		TLP: hikeshi.TLPGreen, Policy: hikeshi.PolicyAdviseReporter})
	must(err)
	_, err = tr.Decide(ctx, f.csirt, f.reports[0].ID, service.DecisionInput{Decision: hikeshi.TriageNotIncident,
		Reason: "迷惑メールでした", Message: "ご報告ありがとうございます。迷惑メールでした。"})
	must(err)
	res, err := tr.Decide(ctx, f.csirt, f.reports[1].ID, service.DecisionInput{Decision: hikeshi.TriageNewIncident,
		Classification: &cls, Title: "USB メモリの紛失"})
	must(err)
	_, err = tr.Decide(ctx, f.csirt, f.reports[2].ID, service.DecisionInput{Decision: hikeshi.TriageAttach, Incident: f.incidents[1].Number})
	must(err)
	_, err = tr.LinkIncidents(ctx, f.csirt, f.incidents[0].ID, f.incidents[1].ID, "同じ送信元")
	must(err)
	_, err = tr.Merge(ctx, f.csirt, f.incidents[1].ID, res.Incident.Number, "重複")
	must(err)
}
