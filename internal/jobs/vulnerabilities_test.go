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

// TestVulnerabilitySweep runs the hourly sweep: an overdue remediation task
// reminds each person of its department once (in their language, the
// other below), not again within a week; an expired exception reopens
// remediation.
func TestVulnerabilitySweep(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewSQLite(t)
	clock := clocktest.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	svc := service.New(db, service.Options{Clock: clock, Argon: service.ArgonParams{Memory: 64, Time: 1, Threads: 1}})
	sys := hikeshi.SystemActor("test")
	it, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role hikeshi.Role, l hikeshi.Locale) hikeshi.Actor {
		u, err := svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: email, Role: role, DepartmentID: it.ID, Locale: l, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		return hikeshi.ActorFor(u, "test")
	}
	csirt := mk("c@example.org", hikeshi.RoleCSIRT, "")
	mk("ja@example.org", hikeshi.RoleMember, hikeshi.LocaleJA)
	mk("en@example.org", hikeshi.RoleMember, hikeshi.LocaleEN)
	mk("aud@example.org", hikeshi.RoleAuditor, "")
	admin := mk("adm@example.org", hikeshi.RoleAdmin, "")
	asset, err := svc.Risks.CreateAsset(ctx, sys, service.InformationAssetInput{Name: "VPN", Type: hikeshi.AssetTypeHardware, OwnerDepartmentID: it.ID,
		Classification: hikeshi.ClassInternal, Confidentiality: 2, Integrity: 2, Availability: 2})
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Vulns.Create(ctx, csirt, service.VulnerabilityInput{CVE: "CVE-2026-1000", TitleJA: "VPN の脆弱性", DescriptionJA: "説明",
		TitleEN: "VPN flaw", DescriptionEN: "Text", Fix: "Update to 2.4.2", CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", AssetIDs: []string{asset.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Vulns.AddRemediation(ctx, csirt, v.ID, service.RemediationInput{}); err != nil {
		t.Fatal(err)
	}
	capture := &mailout.Capture{}
	hs, periodic := map[string]Handler{}, []Periodic{}
	addVulnerabilityJobs(Deps{Services: svc, Mail: capture, BaseURL: "https://hikeshi.example.org", Log: slog.New(slog.DiscardHandler)}, hs, &periodic)
	if len(periodic) != 1 || periodic[0].Kind != KindVulnerabilitySweep {
		t.Fatalf("periodic %+v", periodic)
	}
	run := func() {
		t.Helper()
		if err := hs[KindVulnerabilitySweep](ctx, hikeshi.Job{ID: "j"}); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if n := len(capture.Messages()); n != 0 {
		t.Fatalf("%d reminders before the deadline", n)
	}
	clock.Advance(8 * 24 * time.Hour) // critical: 7 days
	run()
	run()
	msgs := capture.Messages()
	if len(msgs) != 4 { // csirt, ja, en, admin of IT; not the auditor; once
		t.Fatalf("%d reminders", len(msgs))
	}
	for _, m := range msgs {
		if m.To[0] == "aud@example.org" {
			t.Error("the auditor is reminded")
		}
		if !strings.Contains(m.Text, "VPN の脆弱性") || !strings.Contains(m.Text, "VPN flaw") || !strings.Contains(m.Text, "https://hikeshi.example.org/vulnerabilities") {
			t.Errorf("not bilingual or without the link: %s", m.Text)
		}
		if m.To[0] == "en@example.org" && (!strings.HasPrefix(m.Subject, "Overdue remediation: CVE-2026-1000") || m.Locale != hikeshi.LocaleEN) {
			t.Errorf("English subject %q", m.Subject)
		}
		if m.To[0] == "ja@example.org" && !strings.HasPrefix(m.Subject, "脆弱性対処の期限超過") {
			t.Errorf("Japanese subject %q", m.Subject)
		}
	}
	clock.Advance(8 * 24 * time.Hour)
	run()
	if n := len(capture.Messages()); n != 8 {
		t.Errorf("a week later: %d reminders in all", n)
	}

	// An approved exception that expires reopens remediation.
	e, err := svc.Vulns.RequestException(ctx, csirt, v.ID, service.ExceptionInput{Reason: "r", ExpiresAt: clock.Now().AddDate(0, 0, 10)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Vulns.DecideException(ctx, admin, e.ID, true); err != nil {
		t.Fatal(err)
	}
	clock.Advance(11 * 24 * time.Hour)
	run()
	got, err := svc.Vulns.Get(ctx, csirt, v.ID)
	if err != nil || got.Status != hikeshi.VulnInRemediation || got.Exceptions[0].Status != hikeshi.ExceptionExpired {
		t.Errorf("after expiry %s %v", got.Status, err)
	}
}
