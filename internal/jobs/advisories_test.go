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

// TestAdvisoryMail publishes a bilingual advisory with a two-address list
// and runs its mail job: one message per address, both languages in the
// text, the primary language's subject with the TLP label, the same
// Message-IDs on a retry.
func TestAdvisoryMail(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewSQLite(t)
	svc := service.New(db, service.Options{Clock: clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)),
		Argon: service.ArgonParams{Memory: 64, Time: 1, Threads: 1}})
	sys := hikeshi.SystemActor("test")
	dept, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role hikeshi.Role) hikeshi.Actor {
		u, err := svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: email, Role: role, DepartmentID: dept.ID, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		return hikeshi.ActorFor(u, "test")
	}
	csirt, csirt2 := mk("c1@example.org", hikeshi.RoleCSIRT), mk("c2@example.org", hikeshi.RoleCSIRT)
	a, err := svc.Advisories.Create(ctx, csirt, service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{Lang: hikeshi.LocaleJA,
		TitleJA: "VPN 装置の脆弱性", BodyJA: "更新してください。", TitleEN: "VPN appliance vulnerability", BodyEN: "Please update.",
		Category: hikeshi.AdvisorySecurity, TLP: hikeshi.TLPAmber,
		Products: []hikeshi.AdvisoryProduct{{Vendor: "Example", Product: "VPN", Versions: "2.4.1", Status: hikeshi.ProductKnownAffected,
			Remediation: hikeshi.RemediationVendorFix, RemediationDetails: "2.4.2"}}},
		Recipients: []string{"a@example.org", "b@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Advisories.Submit(ctx, csirt, a.ID, "https://hikeshi.example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Advisories.Approve(ctx, csirt2, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Advisories.Publish(ctx, csirt, a.ID, service.PublishInput{BaseURL: "https://hikeshi.example.org"}); err != nil {
		t.Fatal(err)
	}
	js, err := db.FindJobs(ctx, hikeshi.JobFilter{Kind: service.KindAdvisoryMail})
	if err != nil || len(js) != 1 {
		t.Fatalf("jobs %v %v", js, err)
	}
	capture := &mailout.Capture{}
	hs := map[string]Handler{}
	addAdvisoryJobs(Deps{Services: svc, Mail: capture, BaseURL: "https://hikeshi.example.org", Log: slog.New(slog.DiscardHandler)}, hs, nil)
	for range 2 { // a retry sends the same messages again
		if err := hs[service.KindAdvisoryMail](ctx, js[0]); err != nil {
			t.Fatal(err)
		}
	}
	msgs := capture.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs[:2] {
		if len(m.To) != 1 || !strings.HasPrefix(m.Subject, "[TLP:AMBER] 注意喚起 "+a.TrackingID+" VPN 装置の脆弱性") ||
			!strings.Contains(m.Text, "更新してください。") || !strings.Contains(m.Text, "Please update.") ||
			!strings.Contains(m.Text, "https://hikeshi.example.org/advisories/"+a.ID) || m.MessageID != msgs[i+2].MessageID {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	if msgs[0].To[0] != "a@example.org" || msgs[1].To[0] != "b@example.org" || msgs[0].MessageID == msgs[1].MessageID {
		t.Errorf("recipients %v %v", msgs[0].To, msgs[1].To)
	}
	// Mail off: the job succeeds without sending.
	off := map[string]Handler{}
	addAdvisoryJobs(Deps{Services: svc, Log: slog.New(slog.DiscardHandler)}, off, nil)
	if err := off[service.KindAdvisoryMail](ctx, js[0]); err != nil {
		t.Fatal(err)
	}
}
