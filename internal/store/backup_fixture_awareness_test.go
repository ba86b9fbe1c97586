package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillAwareness) }

// fillAwareness publishes a material, sends it to everyone and records one
// person's reading and confirmation.
func fillAwareness(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	m, err := f.svc.Awareness.CreateMaterial(ctx, f.csirt, service.MaterialInput{AwarenessContent: hikeshi.AwarenessContent{
		TitleJA: "標的型メール <script>", BodyJA: "添付を開く前に確かめる。\n\"quoted\"", TitleEN: "Targeted mail", BodyEN: "Check first.",
		Category: "phishing"}})
	must(err)
	_, err = f.svc.Awareness.PublishMaterial(ctx, f.csirt, m.ID)
	must(err)
	c, err := f.svc.Awareness.CreateCampaign(ctx, f.csirt, service.CampaignInput{MaterialID: m.ID, All: true})
	must(err)
	for _, u := range f.users {
		if u.Active() {
			_, err = f.svc.Awareness.Confirm(ctx, hikeshi.ActorFor(u, "test"), c.ID)
			must(err)
			break
		}
	}
}
