package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// vulnFixture is the service fixture with a manager, an asset owned by the
// sales department and a vulnerability on it.
type vulnFixture struct {
	*fixture
	manager hikeshi.User
	asset   hikeshi.InformationAsset
}

func newVulnFixture(t *testing.T, db *store.DB) *vulnFixture {
	t.Helper()
	ctx := context.Background()
	f := &vulnFixture{fixture: newFixture(t, db)}
	sys := hikeshi.SystemActor("test")
	var err error
	if f.manager, err = f.svc.Users.Create(ctx, sys, service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager,
		DepartmentID: f.sales.ID, Password: pw}); err != nil {
		t.Fatal(err)
	}
	if f.asset, err = f.svc.Risks.CreateAsset(ctx, actor(f.admin), service.InformationAssetInput{Name: "Customer portal", Type: hikeshi.AssetTypeSoftware,
		OwnerDepartmentID: f.sales.ID, Classification: hikeshi.ClassConfidential, Confidentiality: 3, Integrity: 2, Availability: 2}); err != nil {
		t.Fatal(err)
	}
	return f
}

func vulnInput(title string, assets ...string) service.VulnerabilityInput {
	return service.VulnerabilityInput{CVE: "CVE-2026-12345", TitleJA: "脆弱性 " + title, DescriptionJA: "説明 " + title,
		TitleEN: "Vulnerability " + title, DescriptionEN: "Description " + title, Vendor: "Example", Versions: "<= 3.1", Fix: "Update to 3.2",
		CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", CVSS40: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
		AssetIDs: assets, References: []hikeshi.AdvisoryReference{{URL: "https://example.com/a", Summary: "Vendor"}}}
}

// TestVulnerabilityVisibilityForEveryRole: who reads, who writes, and
// which links each reader sees.
func TestVulnerabilityVisibilityForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newVulnFixture(t, db)
		csirt := actor(f.csirt)
		v, err := f.svc.Vulns.Create(ctx, csirt, vulnInput("one", f.asset.ID))
		if err != nil {
			t.Fatal(err)
		}
		if v.CVSS31Base != 53 || v.CVSS31Score != 53 || v.CVSS40Score != 69 || v.Severity != hikeshi.VulnMedium || v.Status != hikeshi.VulnOpen {
			t.Errorf("scores %d %d %d %s %s", v.CVSS31Base, v.CVSS31Score, v.CVSS40Score, v.Severity, v.Status)
		}
		red, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("red incident words", hikeshi.TLPRed))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vulns.LinkIncident(ctx, csirt, v.ID, red.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Vulns.DraftAdvisory(ctx, csirt, v.ID, service.AdvisoryDraftInput{Lang: hikeshi.LocaleEN, TLP: hikeshi.TLPClear})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name            string
			a               hikeshi.Actor
			read, write     bool
			incident, draft bool
		}{
			{"admin", actor(f.admin), true, true, false, true},
			{"csirt", csirt, true, true, true, true},
			{"manager", actor(f.manager), true, false, false, false},
			{"auditor", actor(f.auditor), true, false, false, false},
			{"member", actor(f.member), false, false, false, false},
			{"nobody", hikeshi.Actor{Via: "web"}, false, false, false, false},
		} {
			list, lerr := f.svc.Vulns.List(ctx, tc.a, hikeshi.VulnerabilityFilter{})
			view, gerr := f.svc.Vulns.Get(ctx, tc.a, v.ID)
			if tc.read != (lerr == nil && len(list) >= 1) || tc.read != (gerr == nil) {
				t.Errorf("%s: list %d %v, get %v", tc.name, len(list), lerr, gerr)
			}
			if !tc.read && gerr != nil && !errors.Is(gerr, hikeshi.ErrNotFound) && !errors.Is(gerr, hikeshi.ErrUnauthenticated) {
				t.Errorf("%s: get says %v, want not found", tc.name, gerr)
			}
			if tc.read {
				if got := len(view.Incidents) == 1; got != tc.incident {
					t.Errorf("%s: sees the TLP:RED incident link: %v", tc.name, got)
				}
				if got := len(view.Advisories) == 1; got != tc.draft {
					t.Errorf("%s: sees the unpublished advisory: %v", tc.name, got)
				}
				if !tc.incident && len(view.IncidentIDs) != 0 {
					t.Errorf("%s: the view leaks the incident id", tc.name)
				}
			}
			_, err := f.svc.Vulns.Create(ctx, tc.a, vulnInput("by "+tc.name))
			if tc.write != (err == nil) {
				t.Errorf("%s: create: %v", tc.name, err)
			}
			_, err = f.svc.Vulns.SetStatus(ctx, tc.a, v.ID, hikeshi.VulnInRemediation)
			if tc.write && err != nil && !errors.Is(err, hikeshi.ErrConflict) || !tc.write && err == nil {
				t.Errorf("%s: set status: %v", tc.name, err)
			}
		}
		// The audit log keeps ids and classifications, not the words.
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "vulnerability.", Limit: 100})
		if err != nil || len(recs) < 4 {
			t.Fatalf("audit %d %v", len(recs), err)
		}
		for _, r := range recs {
			if strings.Contains(r.Before+r.After, "Description") || strings.Contains(r.Before+r.After, "red incident words") {
				t.Errorf("the audit entry %s carries words: %s %s", r.Action, r.Before, r.After)
			}
		}
	})
}

// TestVulnerabilityRemediationAndExceptions: tasks to the asset's owner
// department due by severity, completed by its people only; exceptions
// approved by a manager or admin other than the requester; expiry reopens
// remediation; overdue tasks are reminded once a week.
func TestVulnerabilityRemediationAndExceptions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newVulnFixture(t, db)
		csirt, member, other := actor(f.csirt), actor(f.member), actor(f.other)
		in := vulnInput("crit", f.asset.ID)
		in.CVSS40, in.CVSS31 = "", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
		v, err := f.svc.Vulns.Create(ctx, csirt, in)
		if err != nil {
			t.Fatal(err)
		}
		if v.Severity != hikeshi.VulnCritical {
			t.Fatalf("severity %s", v.Severity)
		}
		if _, err := f.svc.Vulns.AddRemediation(ctx, member, v.ID, service.RemediationInput{}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("a member adds tasks: %v", err)
		}
		rs, err := f.svc.Vulns.AddRemediation(ctx, csirt, v.ID, service.RemediationInput{})
		if err != nil || len(rs) != 1 || rs[0].DepartmentID != f.sales.ID || !rs[0].DueAt.Equal(f.clock.Now().AddDate(0, 0, 7)) {
			t.Fatalf("tasks %+v %v", rs, err)
		}
		if again, err := f.svc.Vulns.AddRemediation(ctx, csirt, v.ID, service.RemediationInput{}); err != nil || len(again) != 0 {
			t.Errorf("a second open task for the same department: %v %v", again, err)
		}
		if got, _ := f.svc.Vulns.Get(ctx, csirt, v.ID); got.Status != hikeshi.VulnInRemediation {
			t.Errorf("status %s", got.Status)
		}
		mine, err := f.svc.Vulns.MyRemediations(ctx, member, true, hikeshi.Page{Limit: 10})
		if err != nil || len(mine) != 1 || !mine[0].CanComplete || mine[0].Vulnerability.ID != v.ID {
			t.Fatalf("member's tasks %+v %v", mine, err)
		}
		if others, _ := f.svc.Vulns.MyRemediations(ctx, other, true, hikeshi.Page{Limit: 10}); len(others) != 0 {
			t.Errorf("another department sees %d tasks", len(others))
		}
		if _, err := f.svc.Vulns.CompleteRemediation(ctx, other, rs[0].ID, "done"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another department completes: %v", err)
		}
		if _, err := f.svc.Vulns.CompleteRemediation(ctx, actor(f.auditor), rs[0].ID, "done"); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("the auditor completes: %v", err)
		}

		// Overdue reminders: after the deadline, once, then again a week later.
		f.clock.Advance(8 * 24 * time.Hour)
		sys := hikeshi.SystemActor("test")
		if _, err := f.svc.Vulns.OverdueReminders(ctx, csirt); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("a person lists reminders: %v", err)
		}
		rem, err := f.svc.Vulns.OverdueReminders(ctx, sys)
		if err != nil || len(rem) != 2 { // the member and the manager of sales
			t.Fatalf("reminders %+v %v", rem, err)
		}
		if err := f.svc.Vulns.MarkReminded(ctx, sys, rs[0].ID); err != nil {
			t.Fatal(err)
		}
		if rem, _ := f.svc.Vulns.OverdueReminders(ctx, sys); len(rem) != 0 {
			t.Errorf("reminded again at once: %d", len(rem))
		}
		f.clock.Advance(hikeshi.RemindAgainAfter + time.Minute)
		if rem, _ := f.svc.Vulns.OverdueReminders(ctx, sys); len(rem) != 2 {
			t.Errorf("not reminded a week later: %d", len(rem))
		}

		// Exceptions.
		day := f.clock.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 30)
		if _, err := f.svc.Vulns.RequestException(ctx, csirt, v.ID, service.ExceptionInput{Reason: "", ExpiresAt: f.clock.Now().Add(-time.Hour)}); !hasField(err, "reason") || !hasField(err, "expires_at") {
			t.Errorf("a bad request: %v", err)
		}
		if _, err := f.svc.Vulns.RequestException(ctx, member, v.ID, service.ExceptionInput{Reason: "r", ExpiresAt: day}); err == nil {
			t.Error("a member requests an exception")
		}
		e, err := f.svc.Vulns.RequestException(ctx, csirt, v.ID, service.ExceptionInput{Reason: "Vendor fix next month", ExpiresAt: day})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vulns.RequestException(ctx, csirt, v.ID, service.ExceptionInput{Reason: "again", ExpiresAt: day}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a second exception: %v", err)
		}
		for _, a := range []hikeshi.Actor{csirt, actor(f.auditor), member} {
			if _, err := f.svc.Vulns.DecideException(ctx, a, e.ID, true); err == nil {
				t.Errorf("%s approves", a.Role)
			}
		}
		if _, err := f.svc.Vulns.DecideException(ctx, actor(f.manager), e.ID, true); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Vulns.Get(ctx, csirt, v.ID)
		if got.Status != hikeshi.VulnAccepted || got.Remediations[0].Status != hikeshi.RemediationPaused {
			t.Errorf("after approval: %s %s", got.Status, got.Remediations[0].Status)
		}
		if rem, _ := f.svc.Vulns.OverdueReminders(ctx, sys); len(rem) != 0 {
			t.Errorf("a paused task is reminded: %d", len(rem))
		}
		// Nobody approves their own request.
		v2, _ := f.svc.Vulns.Create(ctx, actor(f.admin), vulnInput("two", f.asset.ID))
		e2, err := f.svc.Vulns.RequestException(ctx, actor(f.admin), v2.ID, service.ExceptionInput{Reason: "r", ExpiresAt: day})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vulns.DecideException(ctx, actor(f.admin), e2.ID, true); !errors.Is(err, hikeshi.ErrConflict) || !hasField(err, "vulnerability") {
			t.Errorf("self-approval: %v", err)
		}
		if _, err := f.svc.Vulns.DecideException(ctx, actor(f.manager), e2.ID, false); err != nil {
			t.Errorf("rejection: %v", err)
		}
		// Expiry reopens remediation.
		if n, err := f.svc.Vulns.ExpireExceptions(ctx, sys); err != nil || n != 0 {
			t.Errorf("expired early: %d %v", n, err)
		}
		f.clock.Advance(31 * 24 * time.Hour)
		if n, err := f.svc.Vulns.ExpireExceptions(ctx, sys); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		got, _ = f.svc.Vulns.Get(ctx, csirt, v.ID)
		if got.Status != hikeshi.VulnInRemediation || got.Remediations[0].Status != hikeshi.RemediationOpen ||
			!got.Remediations[0].DueAt.Equal(f.clock.Now().AddDate(0, 0, 7)) || got.Exceptions[0].Status != hikeshi.ExceptionExpired {
			t.Errorf("after expiry: %s %+v %s", got.Status, got.Remediations[0], got.Exceptions[0].Status)
		}
		// The department's member completes the task: the vulnerability is remediated.
		if _, err := f.svc.Vulns.CompleteRemediation(ctx, member, rs[0].ID, "  "); !hasField(err, "note") {
			t.Errorf("no note: %v", err)
		}
		if _, err := f.svc.Vulns.CompleteRemediation(ctx, member, rs[0].ID, "Updated to 3.2"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vulns.CompleteRemediation(ctx, member, rs[0].ID, "again"); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("completed twice: %v", err)
		}
		if got, _ := f.svc.Vulns.Get(ctx, csirt, v.ID); got.Status != hikeshi.VulnRemediated {
			t.Errorf("after the last task: %s", got.Status)
		}
		if _, err := f.svc.Vulns.SetStatus(ctx, csirt, v.ID, hikeshi.VulnAccepted); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("accepted without an exception: %v", err)
		}
		if _, err := f.svc.Vulns.SetStatus(ctx, csirt, v.ID, hikeshi.VulnClosed); err != nil {
			t.Error(err)
		}
		if _, err := f.svc.Vulns.Update(ctx, csirt, v.ID, vulnInput("x")); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a closed vulnerability changes: %v", err)
		}
	})
}

func hasField(err error, field string) bool {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, f := range ve.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// TestVulnerabilityHostileInput: what does not parse is refused field by
// field; markup is kept as text.
func TestVulnerabilityHostileInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newVulnFixture(t, db)
		csirt := actor(f.csirt)
		for _, tc := range []struct {
			name  string
			edit  func(*service.VulnerabilityInput)
			field string
		}{
			{"bad CVE", func(in *service.VulnerabilityInput) { in.CVE = "CVE-26-1" }, "cve"},
			{"no title", func(in *service.VulnerabilityInput) { in.TitleJA, in.TitleEN = "", "" }, "title_ja"},
			{"title without text", func(in *service.VulnerabilityInput) { in.DescriptionEN = "" }, "description_en"},
			{"long title", func(in *service.VulnerabilityInput) { in.TitleEN = strings.Repeat("x", 201) }, "title_en"},
			{"two-line title", func(in *service.VulnerabilityInput) { in.TitleEN = "a\nb" }, "title_en"},
			{"control characters", func(in *service.VulnerabilityInput) { in.DescriptionJA = "a\x00b" }, "description_ja"},
			{"bad v3.1 vector", func(in *service.VulnerabilityInput) { in.CVSS31 = "CVSS:3.1/AV:N/AC:Q" }, "cvss31"},
			{"bad v4.0 vector", func(in *service.VulnerabilityInput) { in.CVSS40 = "CVSS:4.0/AV:N" }, "cvss40"},
			{"huge vector", func(in *service.VulnerabilityInput) { in.CVSS31 = strings.Repeat("/", 100000) }, "cvss31"},
			{"unknown asset", func(in *service.VulnerabilityInput) { in.AssetIDs = []string{"nope"} }, "asset_ids[0]"},
			{"long asset id", func(in *service.VulnerabilityInput) { in.AssetIDs = []string{strings.Repeat("a", 100)} }, "asset_ids[0]"},
			{"unknown severity", func(in *service.VulnerabilityInput) { in.Severity = "apocalyptic" }, "severity"},
			{"javascript URL", func(in *service.VulnerabilityInput) {
				in.References = []hikeshi.AdvisoryReference{{URL: "javascript:alert(1)", Summary: "x"}}
			}, "references[0].url"},
			{"unknown report", func(in *service.VulnerabilityInput) { in.ReportID = "00000000-0000-0000-0000-000000000000" }, "report_id"},
		} {
			in := vulnInput(tc.name)
			tc.edit(&in)
			_, err := f.svc.Vulns.Create(ctx, csirt, in)
			if !hasField(err, tc.field) {
				t.Errorf("%s: %v, want a field error on %s", tc.name, err, tc.field)
			}
		}
		in := vulnInput("x")
		in.CVSS31 = "CVSS:3.1/AV:N/AC:Q/PR:N/UI:N/S:U/C:H/I:H/A:H"
		_, err := f.svc.Vulns.Create(ctx, csirt, in)
		if err == nil || !strings.Contains(err.Error(), "position 18") {
			t.Errorf("the vector's error names no position: %v", err)
		}
		in = vulnInput(`<script>alert("x")</script>`)
		v, err := f.svc.Vulns.Create(ctx, csirt, in)
		if err != nil || !strings.Contains(v.TitleEN, "<script>") {
			t.Errorf("markup: %v %q", err, v.TitleEN)
		}
		if _, err := f.svc.Vulns.Acknowledge(ctx, csirt, v.ID); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("acknowledged without a report: %v", err)
		}
		if _, err := f.svc.Vulns.SetDisclosure(ctx, csirt, v.ID, service.DisclosureInput{Status: "leaked"}); !hasField(err, "disclosure") {
			t.Errorf("unknown disclosure: %v", err)
		}
		if _, err := f.svc.Vulns.SetStatus(ctx, csirt, v.ID, "gone"); !hasField(err, "status") {
			t.Errorf("unknown status: %v", err)
		}
		for _, id := range []string{"", "x", strings.Repeat("z", 65)} {
			if _, err := f.svc.Vulns.LinkIncident(ctx, csirt, v.ID, id); !hasField(err, "incident_id") {
				t.Errorf("incident %q: %v", id, err)
			}
			if _, err := f.svc.Vulns.LinkAdvisory(ctx, csirt, v.ID, id); !hasField(err, "advisory_id") {
				t.Errorf("advisory %q: %v", id, err)
			}
			if _, err := f.svc.Vulns.Get(ctx, csirt, id+"-"); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("get %q: %v", id, err)
			}
		}
		for _, s := range []string{"2026-13-01", "tomorrow", "2026-1-1", "2026-01-01T00:00:00Z"} {
			if _, err := service.ParseDay("d", s); !hasField(err, "d") {
				t.Errorf("day %q: %v", s, err)
			}
		}
		if _, err := f.svc.Vulns.AddRemediation(ctx, csirt, v.ID, service.RemediationInput{}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("tasks without assets: %v", err)
		}
		if _, err := f.svc.Vulns.AddRemediation(ctx, csirt, v.ID, service.RemediationInput{DepartmentID: "nope"}); !hasField(err, "department_id") {
			t.Errorf("unknown department: %v", err)
		}
		if _, err := f.svc.Vulns.List(ctx, csirt, hikeshi.VulnerabilityFilter{Status: "x' OR 1=1"}); !hasField(err, "status") {
			t.Errorf("filter: %v", err)
		}
	})
}

// TestVulnerabilityDraftAdvisoryAndDisclosure: a vulnerability opened from
// an outside report is acknowledged, gets a publication date (listed as
// upcoming), and its advisory is drafted, prefilled, linked and passes the
// advisory's CSAF checks on submission.
func TestVulnerabilityDraftAdvisoryAndDisclosure(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newVulnFixture(t, db)
		csirt := actor(f.csirt)
		sub, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{Via: "web"}, service.ReportInput{Source: hikeshi.SourceExternal,
			Description: "Account enumeration in your portal", ContactEmail: "r@research.example", Organisation: "Researcher"})
		if err != nil {
			t.Fatal(err)
		}
		in := vulnInput("from report")
		in.ReportID = sub.Report.ID
		v, err := f.svc.Vulns.Create(ctx, csirt, in)
		if err != nil || v.Disclosure != hikeshi.DisclosureReceived || v.ReportID != sub.Report.ID {
			t.Fatalf("%+v %v", v, err)
		}
		if _, err := f.svc.Vulns.DraftAdvisory(ctx, csirt, v.ID, service.AdvisoryDraftInput{Lang: hikeshi.LocaleJA}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a draft without assets: %v", err)
		}
		v, err = f.svc.Vulns.Acknowledge(ctx, csirt, v.ID)
		if err != nil || v.Disclosure != hikeshi.DisclosureAcknowledged || v.AcknowledgedBy != f.csirt.ID || !v.AcknowledgedAt.Equal(f.clock.Now()) {
			t.Errorf("acknowledge %+v %v", v, err)
		}
		if _, err := f.svc.Vulns.Acknowledge(ctx, csirt, v.ID); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("acknowledged twice: %v", err)
		}
		day := f.clock.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 14)
		if _, err := f.svc.Vulns.SetDisclosure(ctx, csirt, v.ID, service.DisclosureInput{Status: hikeshi.DisclosureFixing, PublicationDate: day}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vulns.SetDisclosure(ctx, actor(f.manager), v.ID, service.DisclosureInput{Status: hikeshi.DisclosureDeclined}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("a manager changes the disclosure: %v", err)
		}
		up, err := f.svc.Vulns.UpcomingPublications(ctx, actor(f.auditor), 10)
		if err != nil || len(up) != 1 || !up[0].PublicationDate.Equal(day) {
			t.Errorf("upcoming %+v %v", up, err)
		}
		if up, _ := f.svc.Vulns.UpcomingPublications(ctx, actor(f.member), 10); len(up) != 0 {
			t.Errorf("a member sees upcoming publications")
		}
		in.AssetIDs, in.ReportID = []string{f.asset.ID}, ""
		if _, err := f.svc.Vulns.Update(ctx, csirt, v.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vulns.DraftAdvisory(ctx, actor(f.manager), v.ID, service.AdvisoryDraftInput{}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("a manager drafts: %v", err)
		}
		a, err := f.svc.Vulns.DraftAdvisory(ctx, csirt, v.ID, service.AdvisoryDraftInput{Lang: hikeshi.LocaleEN, TLP: hikeshi.TLPClear, BaseURL: advBase})
		if err != nil {
			t.Fatal(err)
		}
		c := a.AdvisoryContent
		if c.Lang != hikeshi.LocaleEN || c.TitleEN != in.TitleEN || c.TitleJA != in.TitleJA || c.BodyJA != in.DescriptionJA ||
			c.Category != hikeshi.AdvisorySecurity || c.CVSS != in.CVSS31 || len(c.CVEs) != 1 || c.CVEs[0] != in.CVE ||
			len(c.Products) != 1 || c.Products[0].Product != "Customer portal" || c.Products[0].Versions != "<= 3.1" ||
			c.Products[0].Remediation != hikeshi.RemediationVendorFix || len(c.References) != 2 {
			t.Errorf("the draft: %+v", c)
		}
		got, _ := f.svc.Vulns.Get(ctx, csirt, v.ID)
		if len(got.Advisories) != 1 || got.Advisories[0].ID != a.ID || got.Report == nil {
			t.Errorf("links %+v", got.Advisories)
		}
		if _, err := f.svc.Advisories.Submit(ctx, csirt, a.ID, advBase); err != nil {
			t.Errorf("the drafted advisory fails its CSAF checks: %v", err)
		}
		if len(got.Names) == 0 || got.Names[f.csirt.ID] == "" {
			t.Errorf("names %v", got.Names)
		}
	})
}
