package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillReporting) }

// fillReporting writes an organisation's template, a saved public statement
// draft and a communication log entry that records the APPI preliminary
// notification done.
func fillReporting(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	inc := f.incidents[0]
	must(f.svc.IncidentReporting.SetTemplate(ctx, f.csirt, hikeshi.ReportPublicStatement, hikeshi.LocaleJA, "# お知らせ: {{.Incident.Title}}\n"))
	_, err := f.svc.IncidentReporting.SaveDraft(ctx, f.csirt, inc.ID, hikeshi.ReportPublicStatement, hikeshi.LocaleJA, "# お知らせ\n\"引用\" <b>")
	must(err)
	_, err = f.svc.Clocks.SetFacts(ctx, f.csirt, inc.ID, service.FactsInput{PersonalData: true})
	must(err)
	ic, err := f.svc.Clocks.ForIncident(ctx, f.csirt, inc.ID)
	must(err)
	clockID := ""
	for _, c := range ic.Clocks {
		if c.Clock.Kind == hikeshi.ClockAPPIPreliminary {
			clockID = c.Clock.ID
		}
	}
	_, err = f.svc.IncidentReporting.LogCommunication(ctx, f.csirt, inc.ID, service.CommInput{Audience: hikeshi.AudienceRegulator,
		Channel: hikeshi.ChannelWebForm, Recipient: "個人情報保護委員会", Summary: "速報を提出", ClockID: clockID})
	must(err)
}
