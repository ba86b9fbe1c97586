package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestLoadAwareness: the demo has one published material made from the
// closed incident, anonymised in both languages, and one running campaign
// that the member has to read and the manager has confirmed.
func TestLoadAwareness(t *testing.T) {
	ctx := context.Background()
	svc := service.New(storetest.NewSQLite(t), service.Options{})
	accts, err := Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	sys := hikeshi.SystemActor("test")
	ms, err := svc.Awareness.ListMaterials(ctx, sys, hikeshi.Page{})
	if err != nil || len(ms) != 1 || ms[0].Status != hikeshi.AwarenessPublished || ms[0].IncidentID == "" {
		t.Fatalf("materials %+v %v", ms, err)
	}
	m := ms[0]
	for _, s := range []string{m.BodyJA, m.BodyEN} {
		for _, a := range accts {
			if strings.Contains(s, a.Email) || strings.Contains(s, a.Name) {
				t.Errorf("the story names %s", a.Email)
			}
		}
		if strings.Contains(s, "INC-") {
			t.Errorf("the story keeps an incident number")
		}
	}
	t.Logf("%s\n%s\n\n%s\n%s", m.TitleJA, m.BodyJA, m.TitleEN, m.BodyEN)
	for _, a := range accts {
		u, err := svc.Users.FindByEmail(ctx, sys, a.Email)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := svc.Awareness.ListCampaignItems(ctx, hikeshi.ActorFor(u, "test"), true, hikeshi.AwarenessCampaignFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if u.Role == hikeshi.RoleMember && (len(cs) != 1 || cs[0].Mine == nil || !cs[0].Mine.ReadAt.IsZero()) {
			t.Errorf("member %s: %+v", a.Email, cs)
		}
		if u.Role == hikeshi.RoleManager && len(cs) == 1 && cs[0].Mine.ConfirmedAt.IsZero() {
			t.Errorf("manager %s has not confirmed", a.Email)
		}
	}
	_ = service.KindAwarenessMail
}
