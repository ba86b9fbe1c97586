package service_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestReportSubmitAndVisibility(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		// The member files one report with their name and one anonymously; a
		// visitor without an account files one too.
		mine, err := f.svc.Reports.Submit(ctx, actor(f.member), service.ReportInput{Description: "怪しいメールを開いてしまいました", Contact: "内線 1234",
			NoticedAt: f.clock.Now().Add(-2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		anon, err := f.svc.Reports.Submit(ctx, actor(f.member), service.ReportInput{Description: "PC の動作が遅い", Contact: "秘密の連絡先",
			ContactEmail: "member@example.org", Anonymous: true})
		if err != nil {
			t.Fatal(err)
		}
		public, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "共有フォルダが見える"})
		if err != nil {
			t.Fatal(err)
		}
		year := f.clock.Now().Year()
		for i, s := range []service.Submission{mine, anon, public} {
			if want := hikeshi.ReportNumber(year, int64(i+1)); s.Report.Number != want {
				t.Errorf("report %d numbered %s, want %s", i, s.Report.Number, want)
			}
			if s.Report.Status != hikeshi.ReportNew || !s.Report.ReportedAt.Equal(f.clock.Now()) {
				t.Errorf("report %d: %+v", i, s.Report)
			}
		}
		if mine.Report.ReporterUserID != f.member.ID || anon.Report.ReporterUserID != "" || anon.Report.Contact != "" || anon.Report.ContactEmail != "" {
			t.Errorf("reporter: mine %q, anonymous %+v", mine.Report.ReporterUserID, anon.Report)
		}

		// The anonymous row holds nothing that identifies the member — in any column.
		row, err := db.RowForTest(ctx, "reports", anon.Report.ID)
		if err != nil {
			t.Fatal(err)
		}
		for col, val := range row {
			for _, secret := range []string{f.member.ID, f.member.Email, "秘密", f.sales.ID, "127.0.0.1"} {
				if strings.Contains(val, secret) {
					t.Errorf("anonymous report column %s = %q holds %q", col, val, secret)
				}
			}
		}
		if row["anonymous"] != "1" || row["reporter_user_id"] != "" || strings.Contains(row["followup_hash"], strings.ReplaceAll(anon.FollowUpCode, "-", "")) {
			t.Errorf("anonymous row %v", row)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: anon.Report.ID})
		if len(recs) != 1 || recs[0].ActorID != "" || recs[0].ActorLabel != "anonymous reporter" || recs[0].Action != "report.create" ||
			strings.Contains(recs[0].After, f.member.Email) || strings.Contains(recs[0].After, "PC の動作") {
			t.Errorf("anonymous report's audit entry %+v", recs)
		}
		recs, _ = f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: mine.Report.ID})
		if len(recs) != 1 || recs[0].ActorID != f.member.ID {
			t.Errorf("named report's audit entry %+v", recs)
		}

		// Who sees which report.
		all := []string{public.Report.ID, anon.Report.ID, mine.Report.ID}
		for _, tc := range []struct {
			who  hikeshi.User
			want []string
		}{
			{f.admin, all}, {f.csirt, all}, {manager, all}, {f.auditor, all},
			{f.member, []string{mine.Report.ID}},
			{f.other, nil},
		} {
			got, err := f.svc.Reports.List(ctx, actor(tc.who), hikeshi.ReportFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			slices.Sort(ids)
			want := slices.Sorted(slices.Values(tc.want))
			if strings.Join(ids, ",") != strings.Join(want, ",") {
				t.Errorf("%s sees %v, want %v", tc.who.Role, ids, tc.want)
			}
			for _, id := range all {
				_, _, err := f.svc.Reports.Get(ctx, actor(tc.who), id)
				visible := strings.Contains(strings.Join(tc.want, ","), id)
				if visible != (err == nil) || (!visible && !errors.Is(err, hikeshi.ErrNotFound)) {
					t.Errorf("%s gets report %s: %v (visible %v)", tc.who.Email, id, err, visible)
				}
			}
		}
		if _, err := f.svc.Reports.List(ctx, hikeshi.Actor{}, hikeshi.ReportFilter{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("listing without an account: %v", err)
		}

		// Answers: CSIRT and admins answer; managers and auditors read only;
		// the member adds information to their own report.
		before := f.auditCount(t)
		for _, u := range []hikeshi.User{manager, f.auditor} {
			if _, err := f.svc.Reports.AddMessage(ctx, actor(u), public.Report.ID, "x"); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s answered: %v", u.Role, err)
			}
		}
		if _, err := f.svc.Reports.AddMessage(ctx, actor(f.other), mine.Report.ID, "x"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another member wrote to the report: %v", err)
		}
		if _, err := f.svc.Reports.AddMessage(ctx, actor(f.csirt), mine.Report.ID, "   "); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("empty answer: %v", err)
		}
		if f.auditCount(t) != before {
			t.Error("refused messages wrote audit entries")
		}
		m, err := f.svc.Reports.AddMessage(ctx, actor(f.csirt), mine.Report.ID, "ご報告ありがとうございます。")
		if err != nil || m.Author != hikeshi.AuthorCSIRT {
			t.Fatalf("csirt answer: %+v %v", m, err)
		}
		m, err = f.svc.Reports.AddMessage(ctx, actor(f.member), mine.Report.ID, "添付ファイル名は invoice.zip でした")
		if err != nil || m.Author != hikeshi.AuthorReporter || m.AuthorUserID != f.member.ID {
			t.Fatalf("member's information: %+v %v", m, err)
		}
		r, msgs, _ := f.svc.Reports.Get(ctx, actor(f.member), mine.Report.ID)
		if r.Status != hikeshi.ReportInTriage || len(msgs) != 2 {
			t.Errorf("after the first answer: status %s, %d messages", r.Status, len(msgs))
		}
		if f.auditCount(t) != before+3 { // message, status, message
			t.Errorf("audit entries: %d, want %d", f.auditCount(t), before+3)
		}

		// Status moves.
		if _, err := f.svc.Reports.SetStatus(ctx, actor(manager), mine.Report.ID, hikeshi.ReportClosed); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("manager closed a report: %v", err)
		}
		if _, err := f.svc.Reports.SetStatus(ctx, actor(f.csirt), mine.Report.ID, hikeshi.ReportNew); !errors.Is(err, hikeshi.ErrInvalid) || !strings.Contains(err.Error(), "cannot go from in_triage to new") {
			t.Errorf("back to new: %v", err)
		}
		if r, err := f.svc.Reports.SetStatus(ctx, actor(f.csirt), mine.Report.ID, hikeshi.ReportClosed); err != nil || r.Status != hikeshi.ReportClosed {
			t.Errorf("close: %+v %v", r, err)
		}
	})
}

func TestFollowUpCode(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		token := service.NewSubmissionToken()
		sub, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "不審な電話がありました", Anonymous: true, SubmissionToken: token})
		if err != nil {
			t.Fatal(err)
		}
		code := sub.FollowUpCode
		if len(code) != 19 || strings.Count(code, "-") != 3 {
			t.Fatalf("code %q is not four groups of four", code)
		}
		// Typed sloppily, the code still works.
		for _, typed := range []string{code, strings.ToLower(code), strings.ReplaceAll(code, "-", " "), " " + strings.ReplaceAll(code, "-", "") + " "} {
			r, _, err := f.svc.Reports.FollowUp(ctx, typed)
			if err != nil || r.ID != sub.Report.ID {
				t.Errorf("follow up with %q: %v", typed, err)
			}
		}
		// Wrong, unknown and malformed codes give the same error.
		wrong := []byte(strings.ReplaceAll(code, "-", ""))
		if wrong[0] == 'A' {
			wrong[0] = 'B'
		} else {
			wrong[0] = 'A'
		}
		for _, bad := range []string{string(wrong), "0000-0000-0000-0000", "", "not a code", strings.Repeat("x", 500)} {
			_, _, err := f.svc.Reports.FollowUp(ctx, bad)
			if err != service.ErrUnknownCode {
				t.Errorf("code %q: got %v, want exactly ErrUnknownCode", bad, err)
			}
			if _, err := f.svc.Reports.AddFollowUpMessage(ctx, bad, "x", "web"); err != service.ErrUnknownCode {
				t.Errorf("message with code %q: got %v", bad, err)
			}
		}
		// The reporter adds information; the CSIRT answers; the reporter reads it.
		if _, err := f.svc.Reports.AddFollowUpMessage(ctx, code, "番号は 03-xxxx でした", "web"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // ids order by millisecond; within one the order is random
		if _, err := f.svc.Reports.AddMessage(ctx, actor(f.csirt), sub.Report.ID, "ありがとうございます。対応しました。"); err != nil {
			t.Fatal(err)
		}
		r, msgs, err := f.svc.Reports.FollowUp(ctx, code)
		if err != nil || len(msgs) != 2 || msgs[0].Author != hikeshi.AuthorReporter || msgs[0].AuthorUserID != "" || msgs[1].Author != hikeshi.AuthorCSIRT || r.Status != hikeshi.ReportInTriage {
			t.Errorf("thread %+v, status %s, %v", msgs, r.Status, err)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: sub.Report.ID, Action: "report.message"})
		if len(recs) != 2 || recs[1].ActorLabel != "anonymous reporter" || recs[1].ActorID != "" || strings.Contains(recs[1].After, "03-xxxx") {
			t.Errorf("message audit %+v", recs)
		}
		// The same form sent again: one report, the same code.
		again, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "不審な電話がありました", Anonymous: true, SubmissionToken: token})
		if err != nil || !again.Repeated || again.Report.ID != sub.Report.ID || again.FollowUpCode != code {
			t.Errorf("double submit: %+v %v", again, err)
		}
		list, _ := f.svc.Reports.List(ctx, actor(f.admin), hikeshi.ReportFilter{})
		if len(list) != 1 {
			t.Errorf("%d reports after a double submit, want 1", len(list))
		}
	})
}

func TestReportValidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for _, tc := range []struct {
			name  string
			in    service.ReportInput
			field string
			code  string
		}{
			{"empty", service.ReportInput{Description: "  "}, "description", "required"},
			{"too long", service.ReportInput{Description: strings.Repeat("長", hikeshi.MaxReportTextLen+1)}, "description", "too_long"},
			{"future", service.ReportInput{Description: "x", NoticedAt: f.clock.Now().Add(time.Hour)}, "noticed_at", "in_future"},
			{"control characters", service.ReportInput{Description: "a\x1b[31m"}, "description", "invalid_text"},
			{"external without e-mail", service.ReportInput{Source: hikeshi.SourceExternal, Description: "x"}, "contact_email", "required"},
			{"external bad e-mail", service.ReportInput{Source: hikeshi.SourceExternal, Description: "x", ContactEmail: "nope"}, "contact_email", "invalid_email"},
			{"unknown source", service.ReportInput{Source: "press", Description: "x"}, "source", "unknown"},
		} {
			_, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, tc.in)
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != tc.field || ve.Fields[0].Code != tc.code {
				t.Errorf("%s: got %v, want %s/%s", tc.name, err, tc.field, tc.code)
			}
		}
		// An anonymous external report needs no e-mail, and keeps none.
		sub, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Source: hikeshi.SourceExternal, Description: "x",
			Anonymous: true, ContactEmail: "a@b.c", Organisation: "Org"})
		if err != nil || sub.Report.ContactEmail != "" || sub.Report.Organisation != "" {
			t.Errorf("anonymous external: %+v %v", sub.Report, err)
		}
		// Exactly the limit is fine.
		if _, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: strings.Repeat("長", hikeshi.MaxReportTextLen)}); err != nil {
			t.Errorf("at the limit: %v", err)
		}
	})
}

func TestIntakeSettings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s, err := f.svc.Reports.IntakeSettings(ctx)
		if err != nil || s.RequireSignIn || len(s.SecurityContacts) != 0 {
			t.Fatalf("defaults: %+v %v", s, err)
		}
		in := hikeshi.IntakeSettings{RequireSignIn: true, SecurityContacts: []string{"security@example.org", "https://example.org/report"}}
		for _, u := range []hikeshi.User{f.csirt, f.auditor, f.member} {
			if _, err := f.svc.Reports.UpdateIntakeSettings(ctx, actor(u), in); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s changed settings: %v", u.Role, err)
			}
		}
		for _, bad := range []string{"javascript:alert(1)", "https://x.org/\nExpires: never", "ftp://x.org"} {
			_, err := f.svc.Reports.UpdateIntakeSettings(ctx, actor(f.admin), hikeshi.IntakeSettings{SecurityContacts: []string{bad}})
			if !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("contact %q: %v", bad, err)
			}
		}
		if _, err := f.svc.Reports.UpdateIntakeSettings(ctx, actor(f.admin), in); err != nil {
			t.Fatal(err)
		}
		s, _ = f.svc.Reports.IntakeSettings(ctx)
		if !s.RequireSignIn || strings.Join(s.SecurityContacts, " ") != "mailto:security@example.org https://example.org/report" {
			t.Errorf("saved: %+v", s)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "settings.update"})
		if len(recs) != 1 || !strings.Contains(recs[0].After, "mailto:security@example.org") || !strings.Contains(recs[0].Before, `"report.require_signin":false`) {
			t.Errorf("settings audit %+v", recs)
		}
	})
}
