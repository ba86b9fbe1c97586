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

// docFieldCode is the code of a validation error's first field, "" otherwise.
func docFieldCode(err error) string {
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		return ve.Fields[0].Field + "." + ve.Fields[0].Code
	}
	return ""
}

// TestDocumentArchiveAndDeleteForEveryRole: the owner department's people
// and admins archive, restore and delete; nobody else does. An archived
// document is read-only but readable; an approved one is never deleted;
// every change is audited and refusals are not.
func TestDocumentArchiveAndDeleteForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, mgrSales, mgrIT := docFixture(t, db)
		member := actor(f.member)
		draft, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocProcedure, Title: "手順 (誤り)", Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		policy, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocRules, Title: "規程", Body: "# 規程"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.Submit(ctx, member, policy.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.Approve(ctx, actor(mgrIT), policy.ID, nil); err != nil {
			t.Fatal(err)
		}
		roles := []struct {
			name string
			u    hikeshi.User
			may  bool
		}{
			{"admin", f.admin, true}, {"manager of the owner", mgrSales, true}, {"member of the owner", f.member, true},
			{"csirt elsewhere", f.csirt, false}, {"manager elsewhere", mgrIT, false}, {"member elsewhere", f.other, false}, {"auditor", f.auditor, false},
		}
		for _, r := range roles {
			before := f.auditCount(t)
			d, err := f.svc.Documents.SetArchived(ctx, actor(r.u), policy.ID, true)
			if !r.may {
				if !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("%s archived: %v", r.name, err)
				}
				if err := f.svc.Documents.Delete(ctx, actor(r.u), draft.ID); !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("%s deleted: %v", r.name, err)
				}
				if f.auditCount(t) != before {
					t.Errorf("%s: a refusal was audited", r.name)
				}
				continue
			}
			if err != nil || !d.Archived {
				t.Fatalf("%s archive: %+v, %v", r.name, d, err)
			}
			// Archiving twice changes nothing and writes nothing.
			if _, err := f.svc.Documents.SetArchived(ctx, actor(r.u), policy.ID, true); err != nil {
				t.Errorf("%s archive again: %v", r.name, err)
			}
			if f.auditCount(t) != before+1 {
				t.Errorf("%s: archiving wrote %d audit entries", r.name, f.auditCount(t)-before)
			}
			// Every signed-in role still reads it, with its versions; nobody changes it.
			for _, o := range roles {
				det, err := f.svc.Documents.Get(ctx, actor(o.u), policy.ID)
				if err != nil || !det.Document.Archived || det.Approved == nil || det.CanDraft || det.CanApprove || det.CanReview || det.CanArchive != o.may {
					t.Errorf("%s reads the archived document: %+v, %v", o.name, det, err)
				}
			}
			title := "x"
			changes := map[string]error{}
			_, changes["update"] = f.svc.Documents.Update(ctx, actor(r.u), policy.ID, service.DocumentPatch{Title: &title})
			_, changes["draft"] = f.svc.Documents.SaveDraft(ctx, actor(r.u), policy.ID, service.DraftInput{Body: "y"})
			_, changes["submit"] = f.svc.Documents.Submit(ctx, actor(r.u), policy.ID)
			_, changes["next review"] = f.svc.Documents.SetNextReview(ctx, actor(mgrSales), policy.ID, f.clock.Now().Add(48*time.Hour))
			for what, err := range changes {
				if docFieldCode(err) != "version.archived" || !errors.Is(err, hikeshi.ErrConflict) {
					t.Errorf("%s: %s of an archived document: %v", r.name, what, err)
				}
			}
			list, err := f.svc.Documents.List(ctx, member, hikeshi.DocumentFilter{})
			if err != nil || len(list) != 1 || list[0].ID != draft.ID {
				t.Errorf("default list: %v, %v", list, err)
			}
			if list, err := f.svc.Documents.List(ctx, member, hikeshi.DocumentFilter{IncludeArchived: true}); err != nil || len(list) != 2 {
				t.Errorf("list with archived: %v, %v", list, err)
			}
			if d, err := f.svc.Documents.SetArchived(ctx, actor(r.u), policy.ID, false); err != nil || d.Archived {
				t.Fatalf("%s restore: %+v, %v", r.name, d, err)
			}
			if f.auditCount(t) != before+2 {
				t.Errorf("%s: restoring was not audited", r.name)
			}
		}
		// An approved document is evidence: never deleted, archived instead.
		before := f.auditCount(t)
		err = f.svc.Documents.Delete(ctx, actor(f.admin), policy.ID)
		if docFieldCode(err) != "document.approved" || !errors.Is(err, hikeshi.ErrConflict) || !strings.Contains(err.Error(), "archive it instead") {
			t.Errorf("delete an approved document: %v", err)
		}
		// A superseded version counts too, even with a new draft on top.
		if _, err := f.svc.Documents.SaveDraft(ctx, member, policy.ID, service.DraftInput{Body: "v2"}); err != nil {
			t.Fatal(err)
		}
		before++ // the new draft
		if err := f.svc.Documents.Delete(ctx, member, policy.ID); docFieldCode(err) != "document.approved" {
			t.Errorf("delete a document with an approved version and a draft: %v", err)
		}
		if f.auditCount(t) != before {
			t.Error("a refused delete was audited")
		}
		if det, _ := f.svc.Documents.Get(ctx, member, policy.ID); det.CanDelete {
			t.Error("CanDelete offered for an approved document")
		}
		if det, _ := f.svc.Documents.Get(ctx, member, draft.ID); !det.CanDelete {
			t.Error("CanDelete not offered for a draft-only document")
		}
		if err := f.svc.Documents.Delete(ctx, member, draft.ID); err != nil {
			t.Fatal(err)
		}
		if f.auditCount(t) != before+1 {
			t.Error("delete was not audited")
		}
		if _, err := f.svc.Documents.Get(ctx, member, draft.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted document: %v", err)
		}
		if err := f.svc.Documents.Delete(ctx, member, draft.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
		for _, id := range []string{"", "nope", strings.Repeat("x", 5000), "' OR 1=1 --"} {
			if err := f.svc.Documents.Delete(ctx, actor(f.admin), id); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("delete %q: %v", id, err)
			}
			if _, err := f.svc.Documents.SetArchived(ctx, actor(f.admin), id, true); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("archive %q: %v", id, err)
			}
		}
		if _, err := f.svc.Documents.SetArchived(ctx, hikeshi.Actor{}, policy.ID, true); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous archive: %v", err)
		}
	})
}

// TestDocumentReviewDue: due within 30 days of the next review, overdue
// after it, by the service's clock, for every role that lists documents.
func TestDocumentReviewDue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, mgrSales, mgrIT := docFixture(t, db)
		member := actor(f.member)
		mk := func(title string) hikeshi.Document {
			d, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocRules, Title: title, Body: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Documents.Submit(ctx, member, d.ID); err != nil {
				t.Fatal(err)
			}
			return d
		}
		soon, later, never := mk("soon"), mk("later"), mk("never approved")
		next := f.clock.Now().Add(10 * 24 * time.Hour)
		if _, err := f.svc.Documents.Approve(ctx, actor(mgrIT), soon.ID, &next); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.Approve(ctx, actor(mgrIT), later.ID, nil); err != nil {
			t.Fatal(err)
		}
		titles := func(a hikeshi.Actor, r hikeshi.ReviewState) []string {
			t.Helper()
			ds, err := f.svc.Documents.List(ctx, a, hikeshi.DocumentFilter{Review: r})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Title+":"+string(f.svc.Documents.Review(d)))
			}
			return out
		}
		for _, u := range []hikeshi.User{f.admin, f.csirt, mgrSales, f.member, f.other, f.auditor} {
			a := actor(u)
			if got := strings.Join(titles(a, hikeshi.ReviewDue), ","); got != "soon:due" {
				t.Errorf("%s due: %s", u.Email, got)
			}
			if got := titles(a, hikeshi.ReviewOverdue); len(got) != 0 {
				t.Errorf("%s overdue: %v", u.Email, got)
			}
			if got := strings.Join(titles(a, ""), ","); got != "never approved:,later:,soon:due" {
				t.Errorf("%s all: %s", u.Email, got)
			}
		}
		det, err := f.svc.Documents.Get(ctx, member, soon.ID)
		if err != nil || det.Review != hikeshi.ReviewDue || det.Document.NextReview.IsZero() {
			t.Errorf("detail: %v %v %v", det.Review, det.Document.NextReview, err)
		}
		f.clock.Advance(11 * 24 * time.Hour)
		if got := strings.Join(titles(member, hikeshi.ReviewOverdue), ","); got != "soon:overdue" {
			t.Errorf("overdue after the date: %s", got)
		}
		if got := titles(member, hikeshi.ReviewDue); len(got) != 0 {
			t.Errorf("due after the date: %v", got)
		}
		f.clock.Advance(340 * 24 * time.Hour) // 351 days after approval: later's review (a year) is due
		if got := strings.Join(titles(member, hikeshi.ReviewDue), ","); got != "later:due" {
			t.Errorf("due a year on: %s", got)
		}
		_ = never
		if _, err := f.svc.Documents.List(ctx, member, hikeshi.DocumentFilter{Review: "soon"}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown review filter: %v", err)
		}
	})
}
