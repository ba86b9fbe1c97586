package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillClocks) }

// fillClocks records facts on the reopened incident (starting regulatory
// clocks), records one notification done, and runs an escalation so that a
// notification exists and one is read.
func fillClocks(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	inc := f.incidents[1]
	if _, err := f.svc.Clocks.SetFacts(ctx, f.csirt, inc.ID, service.FactsInput{PersonalData: true, Malicious: true, GDPR: true, NIS2: true}); err != nil {
		t.Fatal(err)
	}
	ic, err := f.svc.Clocks.ForIncident(ctx, f.csirt, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var gdpr, nis2 hikeshi.IncidentClock
	for _, c := range ic.Clocks {
		switch c.Clock.Kind {
		case hikeshi.ClockGDPR:
			gdpr = c.Clock
		case hikeshi.ClockNIS2Notification:
			nis2 = c.Clock
		}
	}
	if _, err := f.svc.Clocks.RecordDone(ctx, f.csirt, inc.ID, nis2.ID, service.DoneInput{Reference: "参照 <番号> 1"}); err != nil {
		t.Fatal(err)
	}
	sys := hikeshi.SystemActor("test")
	n, err := f.svc.Clocks.Alert(ctx, sys, service.ClockAlertPayload{ClockID: gdpr.ID, Stage: hikeshi.StageEscalate, Due: gdpr.DueAt.Unix()}, true)
	if err != nil || n == 0 {
		t.Fatalf("Alert = %d, %v", n, err)
	}
	reader := hikeshi.ActorFor(f.users[1], "web")
	list, err := f.svc.Clocks.Notifications(ctx, reader, hikeshi.Page{}, false)
	if err != nil || len(list) == 0 {
		t.Fatalf("notifications of the CSIRT user: %v, %v", list, err)
	}
	if err := f.svc.Clocks.MarkRead(ctx, reader, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Clocks.MarkMailed(ctx, sys, list[0].ID); err != nil {
		t.Fatal(err)
	}
}
