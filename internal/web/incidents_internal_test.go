package web

import (
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
)

// TestIncidentKeysInCatalogues covers the keys the incident pages build from
// values: phases, OODA kinds, timeline kinds, levels and refusal codes.
func TestIncidentKeysInCatalogues(t *testing.T) {
	tr, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range hikeshi.Phases {
		keys = append(keys, "incident.phase."+string(p))
	}
	for _, k := range hikeshi.OODAKinds {
		keys = append(keys, "incident.ooda."+string(k))
	}
	for _, k := range []hikeshi.IncidentEventKind{hikeshi.EventCreated, hikeshi.EventPhase, hikeshi.EventReopened, hikeshi.EventNote,
		hikeshi.EventUpdated, hikeshi.EventMember, hikeshi.EventOODA} {
		keys = append(keys, "incident.event."+string(k))
	}
	for _, c := range []string{"unknown_phase", "same_phase", "skip", "reopen_required", "not_closed"} {
		keys = append(keys, "incident.refused."+c)
	}
	for _, l := range []string{"1", "2", "3", "4"} {
		keys = append(keys, "incident.level."+l)
	}
	for _, k := range keys {
		for _, l := range i18n.Supported {
			if !tr.Has(l, k) {
				t.Errorf("key %q missing from the %s catalogue", k, l)
			}
		}
	}
}
