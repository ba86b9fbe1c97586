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

// awarenessIncident opens an incident, reviews it with one lesson and one
// declined lesson, and closes it.
func awarenessIncident(t *testing.T, f *fixture, tlp hikeshi.TLP, summary string) hikeshi.Incident {
	t.Helper()
	ctx := context.Background()
	csirt := actor(f.csirt)
	f.clock.Advance(time.Second)
	time.Sleep(2 * time.Millisecond)
	in := newIncidentInput("件名 member@example.org", tlp)
	in.Summary = summary
	inc, err := f.svc.Incidents.Create(ctx, csirt, in)
	if err != nil {
		t.Fatal(err)
	}
	toPhase(t, f, inc.ID, hikeshi.PhaseRecurrencePrevention)
	if _, err := f.svc.Reviews.Save(ctx, csirt, inc.ID, service.ReviewInput{RootCause: "差出人 198.51.100.23 の偽装を見抜く手段がなかった。",
		WentWell: "member@example.org さんが 5 分で報告した。", ToChange: "訓練を増やす。", Factors: []hikeshi.Factor{hikeshi.FactorProcess}}); err != nil {
		t.Fatal(err)
	}
	for i, l := range []service.LessonInput{
		{Text: "早い報告が被害を防いだ。", ProposedChange: "報告ボタンを全員のメールに入れる。", Kind: hikeshi.MeasureTraining},
		{Text: "却下された教訓 SECRET-LESSON", ProposedChange: "却下", Kind: hikeshi.MeasurePolicy},
	} {
		ls, err := f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, l)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			declined := hikeshi.LessonDeclined
			reason := "重複"
			if _, err := f.svc.Reviews.UpdateLesson(ctx, csirt, ls.ID, service.LessonPatch{Status: &declined, Reason: &reason}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := f.svc.Reviews.Complete(ctx, csirt, inc.ID, nil); err != nil {
		t.Fatal(err)
	}
	toPhase(t, f, inc.ID, hikeshi.PhaseClosed)
	inc, _ = f.svc.Incidents.Get(ctx, csirt, inc.ID)
	return inc
}

// TestAwarenessMaterialFromIncident: one step from a closed incident to an
// anonymised bilingual draft; the CSIRT edits and publishes it; every other
// role is refused; the audit never carries the words.
func TestAwarenessMaterialFromIncident(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc := awarenessIncident(t, f, hikeshi.TLPGreen,
			"member@example.org の山田さんが https://login.example-bank.jp/ に入力した。電話 03-1234-5678 から連絡。")
		open, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("open", hikeshi.TLPGreen))
		if err != nil {
			t.Fatal(err)
		}
		var ve *hikeshi.ValidationError
		if _, err := f.svc.Awareness.DraftFromIncident(ctx, csirt, open.ID); !errors.As(err, &ve) || !ve.Conflict {
			t.Errorf("draft from an open incident: %v", err)
		}
		for _, a := range []hikeshi.Actor{actor(f.member), actor(f.other), actor(f.auditor)} {
			if _, err := f.svc.Awareness.DraftFromIncident(ctx, a, inc.ID); err == nil {
				t.Errorf("%s made a draft", a.Role)
			}
		}
		if _, err := f.svc.Awareness.DraftFromIncident(ctx, hikeshi.Actor{}, inc.ID); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous draft: %v", err)
		}
		before := f.auditCount(t)
		m, err := f.svc.Awareness.DraftFromIncident(ctx, csirt, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.auditCount(t) != before+1 {
			t.Error("draft not audited")
		}
		if m.Status != hikeshi.AwarenessDraft || m.IncidentID != inc.ID || m.Category != "phishing" {
			t.Errorf("draft %+v", m)
		}
		for _, s := range []string{m.TitleJA, m.TitleEN, m.BodyJA, m.BodyEN} {
			for _, bad := range []string{"member@example.org", "山田", "example-bank", "03-1234-5678", "198.51.100.23", inc.Number, "SECRET-LESSON"} {
				if strings.Contains(s, bad) {
					t.Errorf("draft keeps %q", bad)
				}
			}
		}
		if !strings.Contains(m.BodyJA, "報告ボタン") || !strings.Contains(m.BodyEN, "What to do") {
			t.Errorf("draft bodies:\n%s\n%s", m.BodyJA, m.BodyEN)
		}
		// The audit entry names ids and classifications, no words.
		entries, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Action == "awareness.material.create" && (strings.Contains(string(e.After), "山田") || strings.Contains(string(e.After), "報告")) {
				t.Errorf("audit carries words: %s", e.After)
			}
		}
		// The section of the incident page: writers only.
		if s, err := f.svc.Awareness.ForIncident(ctx, csirt, inc.ID); err != nil || !s.CanCreate || len(s.Materials) != 1 {
			t.Errorf("section %+v %v", s, err)
		}
		if s, err := f.svc.Awareness.ForIncident(ctx, actor(f.auditor), inc.ID); err != nil || s.CanCreate || len(s.Materials) != 0 {
			t.Errorf("auditor section %+v %v", s, err)
		}
		// Edit: hostile and bad input refused with the field named.
		in := service.MaterialInput{AwarenessContent: m.AwarenessContent}
		in.TitleEN, in.BodyJA, in.Category = "two\nlines", strings.Repeat("あ", hikeshi.MaxAwarenessBodyLen+1), "no-such"
		_, err = f.svc.Awareness.UpdateMaterial(ctx, csirt, m.ID, in)
		if !errors.As(err, &ve) || len(ve.Fields) != 3 {
			t.Errorf("bad edit: %v", err)
		}
		in = service.MaterialInput{AwarenessContent: m.AwarenessContent}
		in.TitleJA, in.BodyEN = "<script>alert(1)</script> 見出し", "Edited \x00"
		if _, err := f.svc.Awareness.UpdateMaterial(ctx, csirt, m.ID, in); !errors.As(err, &ve) || ve.Fields[0].Field != "body_en" {
			t.Errorf("control character: %v", err)
		}
		in.BodyEN = "Edited"
		if _, err := f.svc.Awareness.UpdateMaterial(ctx, actor(f.auditor), m.ID, in); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor edit: %v", err)
		}
		got, err := f.svc.Awareness.UpdateMaterial(ctx, actor(f.admin), m.ID, in)
		if err != nil || got.TitleJA != "<script>alert(1)</script> 見出し" {
			t.Fatalf("edit %v", err)
		}
		if _, err := f.svc.Awareness.PublishMaterial(ctx, csirt, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Awareness.UpdateMaterial(ctx, csirt, m.ID, in); !errors.As(err, &ve) || !ve.Conflict {
			t.Errorf("edit after publishing: %v", err)
		}
		// Material is the writers': everyone else gets not found.
		for _, a := range []hikeshi.Actor{actor(f.member), actor(f.auditor)} {
			if _, err := f.svc.Awareness.GetMaterial(ctx, a, m.ID); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("%s reads material: %v", a.Role, err)
			}
			if _, err := f.svc.Awareness.ListMaterials(ctx, a, hikeshi.Page{}); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s lists material: %v", a.Role, err)
			}
		}
		// From scratch.
		s, err := f.svc.Awareness.CreateMaterial(ctx, csirt, service.MaterialInput{AwarenessContent: hikeshi.AwarenessContent{
			TitleJA: "パスワードの使い回し", BodyJA: "本文", TitleEN: "Password reuse", BodyEN: "Text"}})
		if err != nil || s.IncidentID != "" {
			t.Fatalf("from scratch %v", err)
		}
		list, err := f.svc.Awareness.ListMaterials(ctx, csirt, hikeshi.Page{})
		if err != nil || len(list) != 2 || list[0].ID != s.ID {
			t.Errorf("list %d %v", len(list), err)
		}
	})
}

// TestAwarenessRestrictedSource: a material made from a RED incident keeps
// its link hidden from those who may not see the incident (an admin).
func TestAwarenessRestrictedSource(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		inc := awarenessIncident(t, f, hikeshi.TLPRed, "要約")
		if _, err := f.svc.Awareness.DraftFromIncident(ctx, actor(f.admin), inc.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("admin drafts from a RED incident: %v", err)
		}
		m, err := f.svc.Awareness.DraftFromIncident(ctx, actor(f.csirt), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.Awareness.GetMaterial(ctx, actor(f.csirt), m.ID)
		if err != nil || v.Incident == nil || v.IncidentID != inc.ID {
			t.Errorf("csirt view %v", err)
		}
		v, err = f.svc.Awareness.GetMaterial(ctx, actor(f.admin), m.ID)
		if err != nil || v.Incident != nil || v.IncidentID != "" {
			t.Errorf("admin sees the RED source: %+v %v", v.Incident, err)
		}
	})
}

// TestAwarenessCampaignForEveryRole: a campaign reaches the chosen
// departments' people in their language; each reads and confirms their
// own; per-person figures go to CSIRT, admins and the department's manager.
func TestAwarenessCampaignForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sys := hikeshi.SystemActor("test")
		csirt := actor(f.csirt)
		salesMgr, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "mgr@example.org", Name: "Mgr", Role: hikeshi.RoleManager,
			DepartmentID: f.sales.ID, Password: pw, Locale: hikeshi.LocaleEN})
		if err != nil {
			t.Fatal(err)
		}
		itMgr, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "itmgr@example.org", Name: "ItMgr", Role: hikeshi.RoleManager,
			DepartmentID: f.it.ID, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		draft, err := f.svc.Awareness.CreateMaterial(ctx, csirt, service.MaterialInput{AwarenessContent: hikeshi.AwarenessContent{
			TitleJA: "標的型メール", BodyJA: "本文", TitleEN: "Targeted mail", BodyEN: "Text", Category: "phishing"}})
		if err != nil {
			t.Fatal(err)
		}
		start := f.clock.Now().Add(time.Hour)
		in := service.CampaignInput{MaterialID: draft.ID, DepartmentIDs: []string{f.sales.ID}, StartsAt: start}
		var ve *hikeshi.ValidationError
		if _, err := f.svc.Awareness.CreateCampaign(ctx, csirt, in); !errors.As(err, &ve) || !ve.Conflict {
			t.Errorf("campaign of a draft: %v", err)
		}
		if _, err := f.svc.Awareness.PublishMaterial(ctx, csirt, draft.ID); err != nil {
			t.Fatal(err)
		}
		// Hostile and bad input.
		for _, bad := range []struct {
			in    service.CampaignInput
			field string
		}{
			{service.CampaignInput{MaterialID: draft.ID}, "department_ids"},
			{service.CampaignInput{MaterialID: draft.ID, All: true, StartsAt: start, EndsAt: start}, "ends_at"},
			{service.CampaignInput{MaterialID: draft.ID, All: true, StartsAt: start.AddDate(-1, 0, 0)}, "starts_at"},
			{service.CampaignInput{MaterialID: "' OR 1=1 --", All: true}, "material_id"},
			{service.CampaignInput{MaterialID: draft.ID, DepartmentIDs: []string{strings.Repeat("x", 100)}}, "department_ids[0]"},
			{service.CampaignInput{MaterialID: draft.ID, DepartmentIDs: []string{hikeshi.NewID()}}, "department_ids[0]"},
		} {
			_, err := f.svc.Awareness.CreateCampaign(ctx, csirt, bad.in)
			if !errors.As(err, &ve) || ve.Fields[0].Field != bad.field {
				t.Errorf("%+v: %v, want field %s", bad.in, err, bad.field)
			}
		}
		for _, a := range []hikeshi.Actor{actor(salesMgr), actor(f.member), actor(f.auditor)} {
			if _, err := f.svc.Awareness.CreateCampaign(ctx, a, in); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s starts a campaign: %v", a.Role, err)
			}
		}
		before := f.auditCount(t)
		c, err := f.svc.Awareness.CreateCampaign(ctx, csirt, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.Recipients != 2 || f.auditCount(t) != before+1 {
			t.Errorf("recipients %d", c.Recipients)
		}
		if r, err := db.FindAwarenessRecipient(ctx, c.ID, salesMgr.ID); err != nil || r.Locale != hikeshi.LocaleEN {
			t.Errorf("manager's row %+v %v", r, err)
		}
		// Before the start only writers see it.
		if _, err := f.svc.Awareness.GetCampaign(ctx, actor(f.member), c.ID, ""); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member before the start: %v", err)
		}
		if l, _ := f.svc.Awareness.ListCampaigns(ctx, actor(f.member), true, hikeshi.AwarenessCampaignFilter{}); len(l) != 0 {
			t.Errorf("member lists before the start: %d", len(l))
		}
		f.clock.Advance(2 * time.Hour)
		// Everyone to whom it was sent sees it; others do not.
		for _, tc := range []struct {
			name                  string
			a                     hikeshi.Actor
			sees, mine            bool
			figures, people       int
			effect, recordAllowed bool
		}{
			{"csirt", csirt, true, false, 1, 2, true, false},
			{"admin", actor(f.admin), true, false, 1, 2, true, false},
			{"sales manager", actor(salesMgr), true, true, 1, 2, true, true},
			{"it manager", actor(itMgr), false, false, 0, 0, false, false},
			{"sales member", actor(f.member), true, true, 0, 0, false, true},
			{"it member", actor(f.other), false, false, 0, 0, false, false},
			{"auditor", actor(f.auditor), false, false, 0, 0, false, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v, err := f.svc.Awareness.GetCampaign(ctx, tc.a, c.ID, "")
				if !tc.sees {
					if !errors.Is(err, hikeshi.ErrNotFound) {
						t.Errorf("sees it: %v", err)
					}
					if _, err := f.svc.Awareness.Confirm(ctx, tc.a, c.ID); err == nil {
						t.Error("confirmed a campaign not sent to them")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if (v.Mine != nil) != tc.mine || len(v.Figures) != tc.figures || len(v.People) != tc.people || v.Material.TitleJA != "標的型メール" {
					t.Errorf("view mine=%v figures=%d people=%d", v.Mine != nil, len(v.Figures), len(v.People))
				}
				if _, err := f.svc.Awareness.Effect(ctx, tc.a, c.ID, 3, time.UTC); (err == nil) != tc.effect {
					t.Errorf("effect: %v", err)
				}
				l, err := f.svc.Awareness.ListCampaigns(ctx, tc.a, false, hikeshi.AwarenessCampaignFilter{})
				if err != nil || (len(l) == 1) != (tc.mine || tc.a.Role == hikeshi.RoleCSIRT || tc.a.Role == hikeshi.RoleAdmin) {
					t.Errorf("list %d %v", len(l), err)
				}
				_, err = f.svc.Awareness.MarkRead(ctx, tc.a, c.ID)
				if (err == nil) != tc.recordAllowed {
					t.Errorf("read: %v", err)
				}
			})
		}
		if _, err := f.svc.Awareness.GetCampaign(ctx, hikeshi.Actor{}, c.ID, ""); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
		// Read (once, audited once) and confirm.
		before = f.auditCount(t)
		r, err := f.svc.Awareness.MarkRead(ctx, actor(f.member), c.ID)
		if err != nil || r.ReadAt.IsZero() || f.auditCount(t) != before {
			t.Errorf("second read wrote: %v", err)
		}
		r, err = f.svc.Awareness.Confirm(ctx, actor(f.member), c.ID)
		if err != nil || r.ConfirmedAt.IsZero() || f.auditCount(t) != before+1 {
			t.Errorf("confirm %+v %v", r, err)
		}
		v, _ := f.svc.Awareness.GetCampaign(ctx, csirt, c.ID, "")
		if len(v.Figures) != 1 || v.Figures[0].Recipients != 2 || v.Figures[0].Read != 2 || v.Figures[0].Confirmed != 1 {
			t.Errorf("figures %+v", v.Figures)
		}
		// Everyone: recipients of every department.
		all, err := f.svc.Awareness.CreateCampaign(ctx, actor(f.admin), service.CampaignInput{MaterialID: draft.ID, All: true})
		if err != nil || all.Recipients != 7 {
			t.Errorf("all: %d %v", all.Recipients, err)
		}
		if _, err := f.svc.Awareness.Confirm(ctx, actor(f.auditor), all.ID); err != nil {
			t.Errorf("auditor confirms their own reading: %v", err)
		}
		// The mail job's view: every recipient once; then nobody.
		sysA := hikeshi.SystemActor("jobs")
		m, err := f.svc.Awareness.MailFor(ctx, sysA, service.AwarenessMailPayload{CampaignID: c.ID})
		if err != nil || len(m.To) != 2 {
			t.Fatalf("mail %d %v", len(m.To), err)
		}
		for _, to := range m.To {
			if err := f.svc.Awareness.MarkMailed(ctx, sysA, c.ID, to.UserID); err != nil {
				t.Fatal(err)
			}
		}
		if m, _ := f.svc.Awareness.MailFor(ctx, sysA, service.AwarenessMailPayload{CampaignID: c.ID}); len(m.To) != 0 {
			t.Errorf("mailed twice: %d", len(m.To))
		}
		if _, err := f.svc.Awareness.MailFor(ctx, csirt, service.AwarenessMailPayload{CampaignID: c.ID}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("csirt reads the mail job: %v", err)
		}
	})
}

// TestAwarenessEffect: incidents of the category per month before and after
// the start, counted in SQL; no verdict under five incidents; restricted
// incidents counted only for those who may see them.
func TestAwarenessEffect(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		f.clock.Set(time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
		mk := func(at time.Time, cat string, tlp hikeshi.TLP) {
			t.Helper()
			f.clock.Set(at)
			in := newIncidentInput("x", tlp)
			in.Category = cat
			if _, err := f.svc.Incidents.Create(ctx, csirt, in); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		// Before (Jan–Mar): 4 phishing, 1 masquerade (same class), 1 spam; one RED phishing.
		mk(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPGreen)
		mk(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPGreen)
		mk(time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPRed)
		mk(time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC), "masquerade", hikeshi.TLPGreen)
		mk(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), "spam", hikeshi.TLPGreen)
		f.clock.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
		m, err := f.svc.Awareness.CreateMaterial(ctx, csirt, service.MaterialInput{AwarenessContent: hikeshi.AwarenessContent{
			TitleJA: "詐欺", BodyJA: "本文", TitleEN: "Fraud", BodyEN: "Text", Category: "fraud"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Awareness.PublishMaterial(ctx, csirt, m.ID); err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Awareness.CreateCampaign(ctx, csirt, service.CampaignInput{MaterialID: m.ID, All: true})
		if err != nil {
			t.Fatal(err)
		}
		// After (Apr–): 1 phishing in April.
		mk(time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPGreen)
		f.clock.Set(time.Date(2026, 5, 15, 0, 0, 0, 0, time.UTC))
		e, err := f.svc.Awareness.Effect(ctx, csirt, c.ID, 3, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		counts := func(ms []hikeshi.MonthCount) []int {
			var out []int
			for _, m := range ms {
				out = append(out, m.Count)
			}
			return out
		}
		if b, a := counts(e.Before), counts(e.After); len(b) != 3 || b[0] != 1 || b[1] != 2 || b[2] != 1 || len(a) != 2 || a[0] != 1 || a[1] != 0 ||
			e.Pending != 1 || e.BeforeTotal != 4 || e.AfterTotal != 1 || e.Complete != 1 || e.AfterRate != 1 || e.Small || e.Verdict != "fell" {
			t.Errorf("csirt effect %+v", e)
		}
		// The admin does not count the RED incident: 4 in all, too few for a verdict.
		e, err = f.svc.Awareness.Effect(ctx, actor(f.admin), c.ID, 3, time.UTC)
		if err != nil || e.BeforeTotal != 3 || !e.Small || e.Verdict != "" {
			t.Errorf("admin effect %+v %v", e, err)
		}
		if _, err := f.svc.Awareness.Effect(ctx, csirt, c.ID, 13, time.UTC); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("13 months: %v", err)
		}
		// Months follow the organisation's zone: the March 31 23:59 UTC incident is April in Tokyo,
		// which turns 1.3 a month into 1 before and 2 in the one complete month after.
		jst := time.FixedZone("JST", 9*3600)
		e, _ = f.svc.Awareness.Effect(ctx, csirt, c.ID, 3, jst)
		if b := counts(e.Before); b[2] != 0 || e.After[0].Count != 2 || e.Verdict != "rose" {
			t.Errorf("JST effect %+v", e)
		}
	})
}
