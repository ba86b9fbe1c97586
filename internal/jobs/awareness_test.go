package jobs

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestAwarenessMail sends a campaign to one department: one message per
// member, in their language first and then the other; a retry mails nobody
// again; the other department gets nothing.
func TestAwarenessMail(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewSQLite(t)
	svc := service.New(db, service.Options{Clock: clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)),
		Argon: service.ArgonParams{Memory: 64, Time: 1, Threads: 1}})
	sys := hikeshi.SystemActor("test")
	it, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
	if err != nil {
		t.Fatal(err)
	}
	sales, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "Sales", Kind: hikeshi.KindBusinessUnit})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role hikeshi.Role, dept string, l hikeshi.Locale) hikeshi.Actor {
		u, err := svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: email, Role: role, DepartmentID: dept, Locale: l})
		if err != nil {
			t.Fatal(err)
		}
		return hikeshi.ActorFor(u, "test")
	}
	csirt := mk("c@example.org", hikeshi.RoleCSIRT, it.ID, "")
	mk("ja@example.org", hikeshi.RoleMember, sales.ID, hikeshi.LocaleJA)
	mk("en@example.org", hikeshi.RoleMember, sales.ID, hikeshi.LocaleEN)
	m, err := svc.Awareness.CreateMaterial(ctx, csirt, service.MaterialInput{AwarenessContent: hikeshi.AwarenessContent{
		TitleJA: "偽の請求書", BodyJA: "振込先の変更は電話で確かめる。", TitleEN: "Fake invoices", BodyEN: "Check payment changes by phone."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Awareness.PublishMaterial(ctx, csirt, m.ID); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Awareness.CreateCampaign(ctx, csirt, service.CampaignInput{MaterialID: m.ID, DepartmentIDs: []string{sales.ID}})
	if err != nil {
		t.Fatal(err)
	}
	js, err := db.FindJobs(ctx, hikeshi.JobFilter{Kind: service.KindAwarenessMail})
	if err != nil || len(js) != 1 {
		t.Fatalf("jobs %v %v", js, err)
	}
	capture := &mailout.Capture{}
	hs := map[string]Handler{}
	addAwarenessJobs(Deps{Services: svc, Mail: capture, BaseURL: "https://hikeshi.example.org", Log: slog.New(slog.DiscardHandler)}, hs, nil)
	for range 2 {
		if err := hs[service.KindAwarenessMail](ctx, js[0]); err != nil {
			t.Fatal(err)
		}
	}
	msgs := capture.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	for _, msg := range msgs {
		ja, en := strings.Index(msg.Text, "振込先"), strings.Index(msg.Text, "Check payment")
		if len(msg.To) != 1 || ja < 0 || en < 0 || !strings.Contains(msg.Text, "https://hikeshi.example.org/awareness/campaigns/"+c.ID) {
			t.Errorf("message %+v", msg)
		}
		switch msg.To[0] {
		case "ja@example.org":
			if msg.Subject != "【啓発】偽の請求書" || ja > en || msg.Locale != hikeshi.LocaleJA {
				t.Errorf("ja message %q", msg.Subject)
			}
		case "en@example.org":
			if msg.Subject != "[Awareness] Fake invoices" || en > ja || msg.Locale != hikeshi.LocaleEN {
				t.Errorf("en message %q", msg.Subject)
			}
		default:
			t.Errorf("mailed %v", msg.To)
		}
	}
	off := map[string]Handler{}
	addAwarenessJobs(Deps{Services: svc, Log: slog.New(slog.DiscardHandler)}, off, nil)
	if err := off[service.KindAwarenessMail](ctx, js[0]); err != nil {
		t.Fatal(err)
	}
}
