package demo

import (
	"context"
	"fmt"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadAwareness turns the closed demo incident (the defaced campaign site)
// into awareness material in one step, as the CSIRT would: the anonymised
// draft, a sentence of the CSIRT's own added, published, and sent to every
// department from now on, without an end date. The manager has already read and confirmed it;
// everyone else still has it to read.
func loadAwareness(ctx context.Context, svc *service.Services, users map[hikeshi.Role]hikeshi.User, depts []string) error {
	csirt := hikeshi.ActorFor(users[hikeshi.RoleCSIRT], "demo")
	closed, err := svc.Incidents.List(ctx, csirt, hikeshi.IncidentFilter{Phase: hikeshi.PhaseClosed, Page: hikeshi.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(closed) == 0 {
		return fmt.Errorf("no closed incident to learn from")
	}
	m, err := svc.Awareness.DraftFromIncident(ctx, csirt, closed[0].ID)
	if err != nil {
		return fmt.Errorf("draft: %w", err)
	}
	in := service.MaterialInput{AwarenessContent: m.AwarenessContent}
	in.TitleJA = "期間限定サイトも「資産」です：キャンペーンサイト改ざんの事例から"
	in.TitleEN = "A short-lived website is an asset too: lessons from a defaced campaign site"
	in.BodyJA += "\n\n期間限定のサイトや外部に委託して作ったサイトを公開するときは、必ず情報システム部に申請してください。"
	in.BodyEN += "\n\nWhen you put a short-lived or outsourced website online, always register it with the IT department."
	if _, err := svc.Awareness.UpdateMaterial(ctx, csirt, m.ID, in); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	if _, err := svc.Awareness.PublishMaterial(ctx, csirt, m.ID); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	c, err := svc.Awareness.CreateCampaign(ctx, csirt, service.CampaignInput{MaterialID: m.ID, DepartmentIDs: depts})
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	if mgr, ok := users[hikeshi.RoleManager]; ok {
		if _, err := svc.Awareness.Confirm(ctx, hikeshi.ActorFor(mgr, "demo"), c.ID); err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
	}
	return nil
}
