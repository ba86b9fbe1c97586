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

// TestReportingForEveryRole: on a TLP:RED incident only the CSIRT and the
// people added see its report and log; only the CSIRT (and admins who can
// see it) draft notifications and record communications.
func TestReportingForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sys := hikeshi.SystemActor("test")
		manager, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		csirt := actor(f.csirt)
		red, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("機密の漏えい", hikeshi.TLPRed))
		if err != nil {
			t.Fatal(err)
		}
		amber, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("amber", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []hikeshi.User{manager, f.auditor, f.member} {
			if err := f.svc.Incidents.AddMember(ctx, csirt, red.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		comm := service.CommInput{Audience: hikeshi.AudienceEmployees, Channel: hikeshi.ChannelEmail, Summary: "全社に注意喚起"}
		for _, tc := range []struct {
			name     string
			a        hikeshi.Actor
			incident hikeshi.Incident
			sees     bool
			handles  bool
		}{
			{"csirt", csirt, red, true, true},
			{"admin, not added to RED", actor(f.admin), red, false, false},
			{"admin on AMBER", actor(f.admin), amber, true, true},
			{"manager added", actor(manager), red, true, false},
			{"manager on AMBER", actor(manager), amber, true, false},
			{"auditor added", actor(f.auditor), red, true, false},
			{"member added", actor(f.member), red, true, false},
			{"member not added", actor(f.other), red, false, false},
			{"member on AMBER", actor(f.other), amber, false, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := tc.incident.ID
				doc, err := f.svc.IncidentReporting.Generate(ctx, tc.a, id, hikeshi.ReportInternal, hikeshi.LocaleJA, time.UTC)
				switch {
				case tc.sees && (err != nil || !strings.Contains(doc.Markdown, tc.incident.Title) || !strings.Contains(doc.Markdown, "TLP:"+string(tc.incident.TLP))):
					t.Errorf("internal report: %v\n%s", err, doc.Markdown)
				case !tc.sees && !errors.Is(err, hikeshi.ErrNotFound):
					t.Errorf("internal report of an invisible incident: %v", err)
				}
				_, err = f.svc.IncidentReporting.Generate(ctx, tc.a, id, hikeshi.ReportPublicStatement, hikeshi.LocaleEN, time.UTC)
				checkHandle(t, "public statement", err, tc.sees, tc.handles)
				_, err = f.svc.IncidentReporting.LogCommunication(ctx, tc.a, id, comm)
				checkHandle(t, "log communication", err, tc.sees, tc.handles)
				_, err = f.svc.IncidentReporting.SaveDraft(ctx, tc.a, id, hikeshi.ReportPublicStatement, hikeshi.LocaleJA, "# お知らせ")
				checkHandle(t, "save draft", err, tc.sees, tc.handles)
				_, err = f.svc.IncidentReporting.Communications(ctx, tc.a, id, hikeshi.Page{})
				if (err == nil) != tc.sees {
					t.Errorf("read log: %v, want visible=%v", err, tc.sees)
				}
				err = f.svc.IncidentReporting.SetTemplate(ctx, tc.a, hikeshi.ReportInternal, hikeshi.LocaleEN, "# {{.Incident.Title}}")
				if canEdit := tc.a.Role == hikeshi.RoleCSIRT || tc.a.Role == hikeshi.RoleAdmin; (err == nil) != canEdit ||
					(!canEdit && !errors.Is(err, hikeshi.ErrForbidden)) {
					t.Errorf("set template: %v", err)
				}
			})
		}
	})
}

func checkHandle(t *testing.T, what string, err error, sees, handles bool) {
	t.Helper()
	switch {
	case handles && err != nil:
		t.Errorf("%s: %v", what, err)
	case !sees && !errors.Is(err, hikeshi.ErrNotFound):
		t.Errorf("%s on an invisible incident: %v, want not found", what, err)
	case sees && !handles && !errors.Is(err, hikeshi.ErrForbidden):
		t.Errorf("%s: %v, want forbidden", what, err)
	}
}

// TestCommunicationLogRecordsClock: a message to the regulator linked to the
// APPI preliminary clock records that notification done at the time sent,
// in the same transaction; hostile input is refused, naming the field, and
// the audit entries carry no words.
func TestCommunicationLogRecordsClock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("顧客情報の漏えい", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("other", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, service.FactsInput{PersonalData: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Clocks.SetFacts(ctx, csirt, other.ID, service.FactsInput{PersonalData: true}); err != nil {
			t.Fatal(err)
		}
		started := f.clock.Now()
		f.clock.Advance(5 * time.Hour)
		prelim := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIPreliminary)
		otherClock := clockByKind(t, f, other.ID, hikeshi.ClockAPPIPreliminary)
		sla := clockByKind(t, f, inc.ID, hikeshi.ClockTriage)
		now := f.clock.Now()
		good := service.CommInput{Audience: hikeshi.AudienceRegulator, Channel: hikeshi.ChannelWebForm, Recipient: "個人情報保護委員会",
			Summary: "速報を提出した <script>alert(1)</script>", ClockID: prelim.Clock.ID, SentAt: now.Add(-time.Hour), Reference: "PPC-123"}
		for _, tc := range []struct {
			name  string
			edit  func(*service.CommInput)
			field string
			code  string
		}{
			{"future", func(c *service.CommInput) { c.SentAt = now.Add(time.Minute) }, "sent_at", "in_future"},
			{"too old", func(c *service.CommInput) { c.SentAt = now.AddDate(-6, 0, 0) }, "sent_at", "too_old"},
			{"before the clock started", func(c *service.CommInput) { c.SentAt = started.Add(-time.Minute) }, "sent_at", "before_start"},
			{"unknown audience", func(c *service.CommInput) { c.Audience = "media'; DROP TABLE x" }, "audience", "unknown"},
			{"unknown channel", func(c *service.CommInput) { c.Channel = "" }, "channel", "unknown"},
			{"no summary", func(c *service.CommInput) { c.Summary = " \n " }, "summary", "required"},
			{"summary too long", func(c *service.CommInput) { c.Summary = strings.Repeat("長", hikeshi.MaxCommSummaryLen+1) }, "summary", "too_long"},
			{"control characters", func(c *service.CommInput) { c.Recipient = "a\x00b" }, "recipient", "invalid_text"},
			{"clock of another incident", func(c *service.CommInput) { c.ClockID = otherClock.Clock.ID }, "clock_id", "unknown"},
			{"service-level clock", func(c *service.CommInput) { c.ClockID = sla.Clock.ID }, "clock_id", "unknown"},
			{"no such clock", func(c *service.CommInput) { c.ClockID = "x' OR 1=1 --" }, "clock_id", "unknown"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := good
				tc.edit(&in)
				before := f.auditCount(t)
				_, err := f.svc.IncidentReporting.LogCommunication(ctx, csirt, inc.ID, in)
				if got := fieldCodes(err); got[tc.field] != tc.code {
					t.Errorf("err = %v, want %s %s", err, tc.field, tc.code)
				}
				if f.auditCount(t) != before {
					t.Error("a refused entry wrote an audit entry")
				}
			})
		}
		if es, _ := f.svc.IncidentReporting.Communications(ctx, csirt, inc.ID, hikeshi.Page{}); len(es) != 0 {
			t.Fatalf("refused entries were kept: %v", es)
		}
		before := f.auditCount(t)
		e, err := f.svc.IncidentReporting.LogCommunication(ctx, csirt, inc.ID, good)
		if err != nil {
			t.Fatal(err)
		}
		if e.Summary != good.Summary || !e.SentAt.Equal(good.SentAt) || !e.RecordedAt.Equal(now) || e.RecordedBy != f.csirt.ID {
			t.Errorf("entry %+v", e)
		}
		c := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIPreliminary)
		if c.State != hikeshi.ClockMet || !c.Clock.StoppedAt.Equal(good.SentAt) || c.Clock.Reference != "PPC-123" {
			t.Errorf("clock after the regulator message: %+v", c)
		}
		if got := f.auditCount(t); got != before+2 {
			t.Errorf("audit entries %d, want 2 (communication and clock)", got-before)
		}
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "incident.communication", Limit: 5})
		if err != nil || len(recs) != 1 {
			t.Fatalf("audit %v %v", recs, err)
		}
		if strings.Contains(recs[0].After, "速報") || strings.Contains(recs[0].After, "個人情報保護委員会") {
			t.Errorf("the audit entry carries the words: %s", recs[0].After)
		}
		// A second message linked to the stopped clock is kept, the clock untouched.
		f.clock.Advance(time.Minute)
		if _, err := f.svc.IncidentReporting.LogCommunication(ctx, csirt, inc.ID, service.CommInput{Audience: hikeshi.AudienceRegulator,
			Channel: hikeshi.ChannelEmail, Summary: "追加報告", ClockID: prelim.Clock.ID}); err != nil {
			t.Fatal(err)
		}
		if c2 := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIPreliminary); !c2.Clock.StoppedAt.Equal(c.Clock.StoppedAt) {
			t.Error("a second message moved the stopped clock")
		}
		// Newest first, one page at a time.
		p1, _ := f.svc.IncidentReporting.Communications(ctx, csirt, inc.ID, hikeshi.Page{Limit: 1})
		p2, _ := f.svc.IncidentReporting.Communications(ctx, csirt, inc.ID, hikeshi.Page{Limit: 1, After: p1[0].ID})
		if len(p1) != 1 || len(p2) != 1 || p1[0].Summary != "追加報告" || p2[0].ID != e.ID {
			t.Errorf("pages %v %v", p1, p2)
		}
		// The internal report lists it, with the script as text.
		doc, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportInternal, hikeshi.LocaleJA, time.UTC)
		if err != nil || !strings.Contains(doc.Markdown, "<script>alert(1)</script>") || !strings.Contains(doc.Markdown, "規制当局") {
			t.Errorf("report %v\n%s", err, doc.Markdown)
		}
		// The APPI draft shows what the regulator asks for.
		draft, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportAPPIPreliminary, hikeshi.LocaleJA, time.UTC)
		if err != nil || !strings.Contains(draft.Markdown, "本人の数") || !strings.Contains(draft.Markdown, "再発防止") {
			t.Errorf("APPI draft %v\n%s", err, draft.Markdown)
		}
	})
}

// TestReportDraftsAndTemplates: drafts apply only with their clock, are
// saved and discarded; templates are validated with the line of the error,
// used, and reset.
func TestReportDraftsAndTemplates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("NIS2 incident", hikeshi.TLPGreen))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportGDPR, hikeshi.LocaleEN, time.UTC); fieldCodes(err)["kind"] != "not_applicable" {
			t.Errorf("GDPR draft without the fact: %v", err)
		}
		if _, err := f.svc.IncidentReporting.SaveDraft(ctx, csirt, inc.ID, hikeshi.ReportGDPR, hikeshi.LocaleEN, "x"); fieldCodes(err)["kind"] != "not_applicable" {
			t.Errorf("save a GDPR draft without the fact: %v", err)
		}
		if _, err := f.svc.IncidentReporting.SaveDraft(ctx, csirt, inc.ID, hikeshi.ReportInternal, hikeshi.LocaleEN, "x"); fieldCodes(err)["kind"] != "not_draft" {
			t.Errorf("save the internal report: %v", err)
		}
		if _, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, "nope", "fr", time.UTC); fieldCodes(err)["kind"] != "unknown" || fieldCodes(err)["lang"] != "unknown" {
			t.Errorf("unknown kind and language: %v", err)
		}
		if _, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, service.FactsInput{NIS2: true}); err != nil {
			t.Fatal(err)
		}
		gen, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportNIS2EarlyWarning, hikeshi.LocaleEN, time.UTC)
		if err != nil || gen.Saved || !strings.Contains(gen.Markdown, "early warning") || !strings.Contains(gen.Markdown, "cross-border") {
			t.Fatalf("NIS2 early warning %v %+v", err, gen)
		}
		before := f.auditCount(t)
		body := gen.Markdown + "\n<img src=x onerror=alert(1)> 受付済み\n"
		if _, err := f.svc.IncidentReporting.SaveDraft(ctx, csirt, inc.ID, hikeshi.ReportNIS2EarlyWarning, hikeshi.LocaleEN, body); err != nil {
			t.Fatal(err)
		}
		saved, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportNIS2EarlyWarning, hikeshi.LocaleEN, time.UTC)
		if err != nil || !saved.Saved || saved.Markdown != body {
			t.Errorf("saved draft %v %+v", err, saved)
		}
		if _, err := f.svc.IncidentReporting.SaveDraft(ctx, csirt, inc.ID, hikeshi.ReportNIS2EarlyWarning, hikeshi.LocaleEN, strings.Repeat("a", hikeshi.MaxReportDraftLen+1)); fieldCodes(err)["body"] != "too_long" {
			t.Errorf("huge draft: %v", err)
		}
		if _, err := f.svc.IncidentReporting.SaveDraft(ctx, csirt, inc.ID, hikeshi.ReportNIS2EarlyWarning, hikeshi.LocaleEN, ""); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportNIS2EarlyWarning, hikeshi.LocaleEN, time.UTC); again.Saved {
			t.Error("a discarded draft is still served")
		}
		if got := f.auditCount(t); got != before+2 {
			t.Errorf("audit entries %d, want 2 (save, discard)", got-before)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "incident.report_draft", Limit: 5})
		for _, r := range recs {
			if strings.Contains(r.After+r.Before, "受付済み") {
				t.Errorf("the audit entry carries the draft's words: %s", r.After)
			}
		}
		// Templates: a parse error names its line; a good one is used; reset.
		err = f.svc.IncidentReporting.SetTemplate(ctx, csirt, hikeshi.ReportInternal, hikeshi.LocaleJA, "# {{.Incident.Title}}\n\n{{nope .Incident.Title}}\n")
		if fieldCodes(err)["body"] != "invalid_template" || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("bad template: %v", err)
		}
		err = f.svc.IncidentReporting.SetTemplate(ctx, csirt, hikeshi.ReportInternal, hikeshi.LocaleJA, "# {{.Incident.Title}}\n{{.Incident.DB.Exec}}")
		if fieldCodes(err)["body"] != "invalid_template" || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("template reaching for a method: %v", err)
		}
		before = f.auditCount(t)
		if err := f.svc.IncidentReporting.SetTemplate(ctx, csirt, hikeshi.ReportInternal, hikeshi.LocaleJA, "# 社内報告: {{.Incident.Title}}\r\n{{.Incident.TLP}}"); err != nil {
			t.Fatal(err)
		}
		doc, err := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportInternal, hikeshi.LocaleJA, time.UTC)
		if err != nil || doc.Markdown != "# 社内報告: NIS2 incident\nTLP:GREEN" {
			t.Errorf("custom template: %v %q", err, doc.Markdown)
		}
		ts, err := f.svc.IncidentReporting.Templates(ctx, csirt)
		if err != nil || len(ts) != hikeshi.MaxReportTemplates || !ts[0].Custom || ts[1].Custom {
			t.Errorf("templates %v %+v", err, ts)
		}
		if err := f.svc.IncidentReporting.ResetTemplate(ctx, csirt, hikeshi.ReportInternal, hikeshi.LocaleJA); err != nil {
			t.Fatal(err)
		}
		if doc, _ := f.svc.IncidentReporting.Generate(ctx, csirt, inc.ID, hikeshi.ReportInternal, hikeshi.LocaleJA, time.UTC); !strings.HasPrefix(doc.Markdown, "# インシデント報告書") {
			t.Errorf("after reset: %q", doc.Markdown)
		}
		if got := f.auditCount(t); got != before+2 {
			t.Errorf("audit entries %d, want 2 (set, reset)", got-before)
		}
	})
}
