package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestDocumentsArchiveReviewAndDelete checks on both engines that archived
// documents leave the list unless asked for, that the review filters pick
// approved versions whose next review is within 30 days (due) or past
// (overdue), that reads carry the approved version's next review, and that a
// deleted document takes its versions with it.
func TestDocumentsArchiveReviewAndDelete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		user := mkUser(t, db, "docs@example.org")
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "総務部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		today := hikeshi.ReviewDay(t0)
		// next review per document: due (10 days), due on the window's last day,
		// overdue (yesterday), not yet (100 days), none (draft only), archived and due.
		reviews := []time.Time{today.Add(10 * 24 * time.Hour), today.Add(hikeshi.DocumentReviewWindow), today.Add(-24 * time.Hour),
			today.Add(100 * 24 * time.Hour), {}, today}
		var docs []hikeshi.Document
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			for i, next := range reviews {
				time.Sleep(2 * time.Millisecond)
				d := hikeshi.Document{ID: hikeshi.NewID(), Kind: hikeshi.DocRules, Title: "規程 <" + string(rune('a'+i)) + ">",
					DepartmentID: dept.ID, CreatedBy: user.ID, Archived: i == 5, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				v := hikeshi.DocumentVersion{ID: hikeshi.NewID(), DocumentID: d.ID, Number: 1, Body: "x", Status: hikeshi.VersionDraft,
					AuthorID: user.ID, CreatedAt: t0, UpdatedAt: t0}
				if !next.IsZero() {
					v.Status, v.ApprovedBy, v.ApprovedAt, v.NextReview = hikeshi.VersionApproved, user.ID, t0, next
					// a superseded version with an overdue date must not count
					old := hikeshi.DocumentVersion{ID: hikeshi.NewID(), DocumentID: d.ID, Number: 2, Body: "old", Status: hikeshi.VersionSuperseded,
						AuthorID: user.ID, ApprovedBy: user.ID, ApprovedAt: t0, NextReview: today.Add(-400 * 24 * time.Hour), CreatedAt: t0, UpdatedAt: t0}
					if i == 3 {
						if err := tx.CreateDocumentVersion(ctx, old); err != nil {
							return err
						}
					}
				}
				if err := tx.CreateDocumentVersion(ctx, v); err != nil {
					return err
				}
				d.NextReview = next
				docs = append(docs, d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		titles := func(f hikeshi.DocumentFilter) []string {
			t.Helper()
			f.Today, f.Page = today, hikeshi.Page{Limit: 50}
			ds, err := db.FindDocuments(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Title)
			}
			return out
		}
		names := func(idx ...int) []string {
			var out []string
			for _, i := range idx {
				out = append(out, docs[i].Title)
			}
			return out
		}
		for _, c := range []struct {
			name string
			f    hikeshi.DocumentFilter
			want []string
		}{
			{"default hides archived", hikeshi.DocumentFilter{}, names(4, 3, 2, 1, 0)},
			{"archived too", hikeshi.DocumentFilter{IncludeArchived: true}, names(5, 4, 3, 2, 1, 0)},
			{"due", hikeshi.DocumentFilter{Review: hikeshi.ReviewDue}, names(1, 0)},
			{"due with archived", hikeshi.DocumentFilter{Review: hikeshi.ReviewDue, IncludeArchived: true}, names(5, 1, 0)},
			{"overdue", hikeshi.DocumentFilter{Review: hikeshi.ReviewOverdue}, names(2)},
			{"overdue, other kind", hikeshi.DocumentFilter{Review: hikeshi.ReviewOverdue, Kind: hikeshi.DocProcedure}, nil},
		} {
			if got := titles(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %q, want %q", c.name, got, c.want)
			}
		}
		for i, d := range docs {
			got, err := db.FindDocumentByID(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.NextReview.Equal(d.NextReview) || got.Archived != d.Archived {
				t.Errorf("doc %d: next review %v archived %v, want %v %v", i, got.NextReview, got.Archived, d.NextReview, d.Archived)
			}
			if want := d.ReviewState(t0); got.ReviewState(t0) != want {
				t.Errorf("doc %d: review state %q, want %q", i, got.ReviewState(t0), want)
			}
		}
		// Archive and restore through UpdateDocument.
		d := docs[0]
		d.Archived, d.UpdatedAt = true, t0.Add(time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateDocument(ctx, d) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindDocumentByID(ctx, d.ID); !got.Archived || !got.UpdatedAt.Equal(d.UpdatedAt) {
			t.Errorf("after archiving: %+v", got)
		}
		// Delete: the document and its versions go; a second delete is not found.
		gone := docs[3]
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteDocument(ctx, gone.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindDocumentByID(ctx, gone.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted document: %v", err)
		}
		if vs, err := db.FindDocumentVersions(ctx, gone.ID); err != nil || len(vs) != 0 {
			t.Errorf("versions of a deleted document: %v, %v", vs, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteDocument(ctx, gone.ID) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
	})
}
