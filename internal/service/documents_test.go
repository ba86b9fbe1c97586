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

// docFixture adds two managers: one in the owner department (sales), one in IT.
func docFixture(t *testing.T, db *store.DB) (*fixture, hikeshi.User, hikeshi.User) {
	t.Helper()
	f := newFixture(t, db)
	sys := hikeshi.SystemActor("test")
	mk := func(email, dept string) hikeshi.User {
		u, err := f.svc.Users.Create(context.Background(), sys, service.UserInput{Email: email, Name: email, Role: hikeshi.RoleManager, DepartmentID: dept, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	return f, mk("mgr-sales@example.org", f.sales.ID), mk("mgr-it@example.org", f.it.ID)
}

// TestDocumentWorkflowAndSupersede: draft → in review → approved, a second
// version supersedes the first in the same transaction, one open version at
// a time, next review a year ahead by default and editable.
func TestDocumentWorkflowAndSupersede(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, mgrSales, mgrIT := docFixture(t, db)
		member, mgr := actor(f.member), actor(mgrIT)
		d, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocRules, Title: " 情報セキュリティ規程 ",
			Body: "# 目的\n\n第1条\n第2条\n", Note: "初版"})
		if err != nil {
			t.Fatal(err)
		}
		if d.DepartmentID != f.sales.ID || d.Title != "情報セキュリティ規程" {
			t.Errorf("document %+v: want owner sales and a trimmed title", d)
		}
		if _, err := f.svc.Documents.Approve(ctx, mgr, d.ID, nil); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("approve a draft: %v, want conflict (not in review)", err)
		}
		if _, err := f.svc.Documents.Submit(ctx, member, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.SaveDraft(ctx, member, d.ID, service.DraftInput{Body: "x"}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("edit while in review: %v, want conflict", err)
		}
		f.clock.Advance(time.Hour)
		v1, err := f.svc.Documents.Approve(ctx, mgr, d.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Status != hikeshi.VersionApproved || v1.ApprovedBy != mgrIT.ID || !v1.ApprovedAt.Equal(f.clock.Now()) {
			t.Errorf("approved %+v", v1)
		}
		if want := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC); !v1.NextReview.Equal(want) {
			t.Errorf("next review %v, want %v", v1.NextReview, want)
		}
		// Version 2: started by the owner department's manager, approved by the other manager.
		v2, err := f.svc.Documents.SaveDraft(ctx, actor(mgrSales), d.ID, service.DraftInput{Body: "# 目的\n\n第1条\n第2条 改\n第3条\n", Note: "第3条を追加"})
		if err != nil {
			t.Fatal(err)
		}
		if v2.Number != 2 || v2.Status != hikeshi.VersionDraft {
			t.Errorf("second draft %+v", v2)
		}
		again, err := f.svc.Documents.SaveDraft(ctx, member, d.ID, service.DraftInput{Body: v2.Body + "第4条\n"})
		if err != nil || again.ID != v2.ID || !slices.Contains(again.Editors, f.member.ID) {
			t.Errorf("saving again edits the one draft: %+v %v", again, err)
		}
		if _, err := f.svc.Documents.Submit(ctx, actor(mgrSales), d.ID); err != nil {
			t.Fatal(err)
		}
		next := time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)
		v2, err = f.svc.Documents.Approve(ctx, mgr, d.ID, &next)
		if err != nil {
			t.Fatal(err)
		}
		if !v2.NextReview.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("next review %v", v2.NextReview)
		}
		det, err := f.svc.Documents.Get(ctx, actor(f.auditor), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(det.Versions) != 2 || det.Versions[0].Status != hikeshi.VersionApproved || det.Versions[1].Status != hikeshi.VersionSuperseded {
			t.Errorf("versions after second approval: %+v", det.Versions)
		}
		if det.Approved == nil || det.Approved.Number != 2 || det.Open != nil {
			t.Errorf("approved %+v open %+v", det.Approved, det.Open)
		}
		// Next review: editable by managers, never in the past.
		if _, err := f.svc.Documents.SetNextReview(ctx, mgr, d.ID, f.clock.Now().Add(-24*time.Hour)); err == nil {
			t.Error("a next review in the past was accepted")
		} else {
			wantFieldCode(t, err, "next_review", "not_future")
		}
		if _, err := f.svc.Documents.SetNextReview(ctx, mgr, d.ID, f.clock.Now().Add(10*365*24*time.Hour)); err == nil {
			t.Error("a next review ten years ahead was accepted")
		}
		if _, err := f.svc.Documents.SetNextReview(ctx, member, d.ID, f.clock.Now().Add(48*time.Hour)); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member sets next review: %v", err)
		}
		if got, err := f.svc.Documents.SetNextReview(ctx, mgr, d.ID, f.clock.Now().Add(48*time.Hour)); err != nil ||
			!got.NextReview.Equal(time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("set next review: %+v %v", got.NextReview, err)
		}
		// Return: a version in review goes back to draft.
		if _, err := f.svc.Documents.SaveDraft(ctx, member, d.ID, service.DraftInput{Body: "v3"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.Return(ctx, mgr, d.ID); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("return a draft: %v", err)
		}
		if _, err := f.svc.Documents.Submit(ctx, member, d.ID); err != nil {
			t.Fatal(err)
		}
		if r, err := f.svc.Documents.Return(ctx, mgr, d.ID); err != nil || r.Status != hikeshi.VersionDraft || r.SubmittedBy != "" {
			t.Errorf("return: %+v %v", r, err)
		}
		// Diff between versions 1 and 2.
		diff, err := f.svc.Documents.Diff(ctx, actor(f.csirt), d.ID, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		got := hikeshi.FormatDiff(diff.Lines)
		if !strings.Contains(got, "- 第2条\n") || !strings.Contains(got, "+ 第2条 改\n") || !strings.Contains(got, "+ 第4条\n") || !diff.Exact {
			t.Errorf("diff:\n%s", got)
		}
		// The CSIRT member of IT is not in the owner department: the draft (v3) is hidden.
		if _, err := f.svc.Documents.Diff(ctx, actor(f.csirt), d.ID, 2, 3); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("diff with a hidden draft: %v", err)
		}
		f.auditCount(t)
	})
}

// TestDocumentRolesAndSegregation covers every role: who creates, drafts,
// reads drafts, approves; nobody approves what they wrote or submitted.
func TestDocumentRolesAndSegregation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, mgrSales, mgrIT := docFixture(t, db)
		in := service.DocumentInput{Kind: hikeshi.DocBasicPolicy, Title: "基本方針", Body: "方針", DepartmentID: f.sales.ID}
		// The auditor creates nothing; a member creates only for their department.
		if _, err := f.svc.Documents.Create(ctx, actor(f.auditor), in); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor creates: %v", err)
		}
		if _, err := f.svc.Documents.Create(ctx, actor(f.other), in); err == nil {
			t.Error("an IT member created a document owned by sales")
		} else {
			wantFieldCode(t, err, "department_id", "not_own")
		}
		if _, err := f.svc.Documents.Create(ctx, hikeshi.Actor{}, in); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous creates: %v", err)
		}
		d, err := f.svc.Documents.Create(ctx, actor(f.admin), in)
		if err != nil {
			t.Fatal(err)
		}
		// Drafts: read by sales, managers, admins, auditors; not by IT members or the CSIRT.
		for _, c := range []struct {
			who       hikeshi.User
			seesDraft bool
			drafts    bool
		}{
			{f.admin, true, true}, {mgrSales, true, true}, {mgrIT, true, false}, {f.member, true, true},
			{f.auditor, true, false}, {f.csirt, false, false}, {f.other, false, false},
		} {
			det, err := f.svc.Documents.Get(ctx, actor(c.who), d.ID)
			if err != nil {
				t.Fatalf("%s: %v", c.who.Email, err)
			}
			if (det.Open != nil) != c.seesDraft || det.OpenHidden == c.seesDraft {
				t.Errorf("%s sees draft %v hidden %v, want %v", c.who.Email, det.Open != nil, det.OpenHidden, c.seesDraft)
			}
			if det.CanDraft != c.drafts {
				t.Errorf("%s may draft %v, want %v", c.who.Email, det.CanDraft, c.drafts)
			}
			_, err = f.svc.Documents.SaveDraft(ctx, actor(c.who), d.ID, service.DraftInput{Body: "方針 by " + c.who.Email})
			if c.drafts != (err == nil) {
				t.Errorf("%s writes the draft: %v, want allowed=%v", c.who.Email, err, c.drafts)
			}
			if !c.drafts && !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s: %v, want forbidden", c.who.Email, err)
			}
			_, _, err = f.svc.Documents.Version(ctx, actor(c.who), d.ID, 1)
			if c.seesDraft != (err == nil) {
				t.Errorf("%s reads version 1 (draft): %v", c.who.Email, err)
			}
		}
		// The sales manager edited the draft, so may not approve it; the member submits.
		if _, err := f.svc.Documents.Submit(ctx, actor(f.auditor), d.ID); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor submits: %v", err)
		}
		if _, err := f.svc.Documents.Submit(ctx, actor(f.member), d.ID); err != nil {
			t.Fatal(err)
		}
		for _, u := range []hikeshi.User{mgrSales, f.member, f.admin} {
			if _, err := f.svc.Documents.Approve(ctx, actor(u), d.ID, nil); err == nil {
				t.Errorf("%s approved a version they wrote or submitted", u.Email)
			} else if u.Role != hikeshi.RoleMember {
				wantFieldCode(t, err, "version", "self_approval")
			} else if !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("member approves: %v", err)
			}
		}
		for _, u := range []hikeshi.User{f.auditor, f.csirt, f.other} {
			if _, err := f.svc.Documents.Approve(ctx, actor(u), d.ID, nil); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s approves: %v, want forbidden", u.Email, err)
			}
			if _, err := f.svc.Documents.Return(ctx, actor(u), d.ID); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s returns: %v, want forbidden", u.Email, err)
			}
		}
		det, _ := f.svc.Documents.Get(ctx, actor(mgrIT), d.ID)
		if !det.CanApprove {
			t.Error("the IT manager, who did not write it, may not approve")
		}
		det, _ = f.svc.Documents.Get(ctx, actor(mgrSales), d.ID)
		if det.CanApprove {
			t.Error("the sales manager, who edited it, is offered approval")
		}
		if _, err := f.svc.Documents.Approve(ctx, actor(mgrIT), d.ID, nil); err != nil {
			t.Fatal(err)
		}
		// Approved versions are read by everyone signed in.
		for _, u := range []hikeshi.User{f.csirt, f.other, f.auditor, f.member} {
			if _, v, err := f.svc.Documents.Version(ctx, actor(u), d.ID, 1); err != nil || v.Status != hikeshi.VersionApproved {
				t.Errorf("%s reads the approved version: %v", u.Email, err)
			}
		}
		// Metadata: drafters change the title; only admins move the owner.
		title := "情報セキュリティ基本方針"
		if _, err := f.svc.Documents.Update(ctx, actor(f.member), d.ID, service.DocumentPatch{Title: &title}); err != nil {
			t.Error(err)
		}
		if _, err := f.svc.Documents.Update(ctx, actor(f.auditor), d.ID, service.DocumentPatch{Title: &title}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor updates: %v", err)
		}
		it := f.it.ID
		if _, err := f.svc.Documents.Update(ctx, actor(f.member), d.ID, service.DocumentPatch{DepartmentID: &it}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member moves the owner: %v", err)
		}
		if got, err := f.svc.Documents.Update(ctx, actor(f.admin), d.ID, service.DocumentPatch{DepartmentID: &it}); err != nil || got.DepartmentID != it {
			t.Errorf("admin moves the owner: %v", err)
		}
		if _, err := f.svc.Documents.Get(ctx, hikeshi.Actor{}, d.ID); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous reads: %v", err)
		}
		if _, err := f.svc.Documents.Get(ctx, actor(f.member), "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		f.auditCount(t)
	})
}

// TestDocumentHostileInput: unknown kinds, over-long and control-character
// text, titles on two lines, unknown departments; the body is stored as typed
// (Markdown with HTML in it is shown safely by the web layer).
func TestDocumentHostileInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := actor(f.admin)
		before := f.auditCount(t)
		_, err := f.svc.Documents.Create(ctx, a, service.DocumentInput{Kind: "manifesto", Title: "a\nb",
			Body: strings.Repeat("x", hikeshi.MaxDocumentBodyLen+1), Note: "\x00", DepartmentID: "no-such"})
		for _, fc := range [][2]string{{"kind", "unknown"}, {"title", "invalid_text"}, {"body", "too_long"}, {"note", "invalid_text"}, {"department_id", "unknown"}} {
			wantFieldCode(t, err, fc[0], fc[1])
		}
		_, err = f.svc.Documents.Create(ctx, a, service.DocumentInput{Kind: hikeshi.DocOther, Title: "  ", Body: " "})
		wantFieldCode(t, err, "title", "required")
		wantFieldCode(t, err, "body", "required")
		wantFieldCode(t, err, "department_id", "required")
		if got := f.auditCount(t); got != before {
			t.Errorf("refused input wrote %d audit entries", got-before)
		}
		hostile := "<script>alert(1)</script>\n[x](javascript:alert(1))\n" + strings.Repeat(">", 5000)
		d, err := f.svc.Documents.Create(ctx, a, service.DocumentInput{Kind: hikeshi.DocOther, Title: "<b>x</b>", Body: hostile, DepartmentID: f.it.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, v, err := f.svc.Documents.Version(ctx, a, d.ID, 1)
		if err != nil || v.Body != hostile {
			t.Errorf("body not stored as typed: %v", err)
		}
		if _, err := f.svc.Documents.List(ctx, a, hikeshi.DocumentFilter{Kind: "x"}); err == nil {
			t.Error("unknown kind filter accepted")
		}
		if _, _, err := f.svc.Documents.Version(ctx, a, d.ID, 99); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown version: %v", err)
		}
	})
}

// TestScopeRolesAndInput: managers and admins write the scope, everyone
// reads it, auditors and members change nothing; each change is audited
// with before and after; exclusions need their justification.
func TestScopeRolesAndInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, mgr, _ := docFixture(t, db)
		if sc, err := f.svc.Documents.Scope(ctx, actor(f.member)); err != nil || !sc.UpdatedAt.IsZero() {
			t.Fatalf("empty scope: %+v %v", sc, err)
		}
		in := service.ScopeInput{Statement: "本社の情報システム <script>x</script>", DepartmentIDs: []string{f.it.ID, f.sales.ID, f.it.ID},
			Exclusions: []hikeshi.ScopeExclusion{{What: "海外子会社", Why: "別のISMSで管理"}, {}}}
		for _, u := range []hikeshi.User{f.member, f.auditor, f.csirt, f.other} {
			if _, err := f.svc.Documents.SaveScope(ctx, actor(u), in); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s saves the scope: %v", u.Email, err)
			}
		}
		if _, err := f.svc.Documents.SaveScope(ctx, hikeshi.Actor{}, in); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
		before := f.auditCount(t)
		sc, err := f.svc.Documents.SaveScope(ctx, actor(mgr), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.DepartmentIDs) != 2 || len(sc.Exclusions) != 1 || sc.UpdatedBy != mgr.ID {
			t.Errorf("saved %+v", sc)
		}
		in.Statement = "全社"
		if _, err := f.svc.Documents.SaveScope(ctx, actor(f.admin), in); err != nil {
			t.Fatal(err)
		}
		if got := f.auditCount(t); got != before+2 {
			t.Errorf("audit entries %d, want 2", got-before)
		}
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 || recs[0].Action != "scope.save" || !strings.Contains(recs[0].Before, "本社の情報システム") ||
			!strings.Contains(recs[0].After, "全社") {
			t.Errorf("last audit entry %+v", recs[0])
		}
		for _, u := range []hikeshi.User{f.auditor, f.csirt, f.member} {
			if sc, err := f.svc.Documents.Scope(ctx, actor(u)); err != nil || sc.Statement != "全社" {
				t.Errorf("%s reads %+v %v", u.Email, sc, err)
			}
		}
		_, err = f.svc.Documents.SaveScope(ctx, actor(mgr), service.ScopeInput{Statement: strings.Repeat("x", hikeshi.MaxScopeStatementLen+1),
			DepartmentIDs: []string{"nope"}, Exclusions: []hikeshi.ScopeExclusion{{What: "工場"}, {Why: "理由だけ"}}})
		wantFieldCode(t, err, "statement", "too_long")
		wantFieldCode(t, err, "department_ids", "unknown")
		wantFieldCode(t, err, "exclusions[0].why", "required")
		wantFieldCode(t, err, "exclusions[1].what", "required")
		_, err = f.svc.Documents.SaveScope(ctx, actor(mgr), service.ScopeInput{Statement: " "})
		wantFieldCode(t, err, "statement", "required")
	})
}

// TestResponsibilities: managers and admins assign parts, one accountable
// department per activity, everyone reads, others change nothing.
func TestResponsibilities(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, mgr, _ := docFixture(t, db)
		in := service.ResponsibilityInput{Text: "情報システムの運用 <script>x</script>",
			Parts: map[hikeshi.ISMSActivity]hikeshi.RACI{hikeshi.ActMeasures: "A", hikeshi.ActIncidentResponse: "R", hikeshi.ActPolicy: ""}}
		for _, u := range []hikeshi.User{f.member, f.auditor, f.csirt, f.other} {
			if _, err := f.svc.Documents.SaveResponsibility(ctx, actor(u), f.it.ID, in); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s assigns: %v", u.Email, err)
			}
		}
		r, err := f.svc.Documents.SaveResponsibility(ctx, actor(mgr), f.it.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Parts) != 2 || r.Parts[hikeshi.ActMeasures] != "A" {
			t.Errorf("parts %+v", r.Parts)
		}
		// Another department cannot also be accountable for measures.
		_, err = f.svc.Documents.SaveResponsibility(ctx, actor(f.admin), f.sales.ID, service.ResponsibilityInput{
			Parts: map[hikeshi.ISMSActivity]hikeshi.RACI{hikeshi.ActMeasures: "A", "culprit_hunting": "R", hikeshi.ActPolicy: "X"}})
		wantFieldCode(t, err, "parts.measures", "accountable_taken")
		wantFieldCode(t, err, "parts", "unknown")
		wantFieldCode(t, err, "parts.policy", "unknown")
		if _, err := f.svc.Documents.SaveResponsibility(ctx, actor(f.admin), "nope", in); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown department: %v", err)
		}
		// The same department may keep its own A.
		if _, err := f.svc.Documents.SaveResponsibility(ctx, actor(f.admin), f.it.ID, in); err != nil {
			t.Error(err)
		}
		roles, err := f.svc.Documents.Roles(ctx, actor(f.auditor))
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, dr := range roles {
			if dr.Department.ID == f.it.ID {
				found = dr.Responsibility.Parts[hikeshi.ActIncidentResponse] == "R"
			}
		}
		if len(roles) < 2 || !found {
			t.Errorf("roles %+v", roles)
		}
		f.auditCount(t)
	})
}
