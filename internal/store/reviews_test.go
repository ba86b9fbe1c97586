package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestReviewsRoundTripAndLessonVisibility stores reviews and lessons on both
// engines, replaces participants, and lists lessons newest first in pages of
// one, without those of restricted incidents the viewer is no member of.
func TestReviewsRoundTripAndLessonVisibility(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		viewer := mkUser(t, db, "viewer@example.org")
		other := mkUser(t, db, "other@example.org")
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "情報システム部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		green, red, redShared := newIncident(1, t0, hikeshi.TLPGreen), newIncident(2, t0, hikeshi.TLPRed), newIncident(3, t0, hikeshi.TLPAmberStrict)
		var reviews []hikeshi.Review
		var lessons []hikeshi.Lesson
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			for _, inc := range []hikeshi.Incident{green, red, redShared} {
				if err := tx.CreateIncident(ctx, inc); err != nil {
					return err
				}
				r := hikeshi.Review{ID: hikeshi.NewID(), IncidentID: inc.ID, RootCause: "根本原因 <b>", WentWell: "良かった", ToChange: "変える",
					Factors: []hikeshi.Factor{hikeshi.FactorProcess, hikeshi.FactorSupplier}, Participants: []string{viewer.ID},
					Status: hikeshi.ReviewDraft, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateReview(ctx, r); err != nil {
					return err
				}
				reviews = append(reviews, r)
				for j, st := range []hikeshi.LessonStatus{hikeshi.LessonProposed, hikeshi.LessonAccepted} {
					time.Sleep(2 * time.Millisecond) // ids order by millisecond
					l := hikeshi.Lesson{ID: hikeshi.NewID(), IncidentID: inc.ID, ReviewID: r.ID, Text: "教訓", ProposedChange: "変更",
						Kind: hikeshi.MeasureKinds[j], Status: st, AuthorID: other.ID, CreatedAt: t0, UpdatedAt: t0}
					if j == 1 {
						l.DepartmentID, l.DecidedBy, l.DecidedAt, l.DecisionReason = dept.ID, other.ID, t0.Add(time.Hour), "採用"
					}
					if err := tx.CreateLesson(ctx, l); err != nil {
						return err
					}
					lessons = append(lessons, l)
				}
			}
			return tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: redShared.ID, UserID: viewer.ID, AddedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindReviewByIncident(ctx, green.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(reviews[0], got); diff != "" {
			t.Errorf("review round trip (-want +got):\n%s", diff)
		}
		if _, err := db.FindReviewByIncident(ctx, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing review: %v", err)
		}
		// Complete it and replace the participants.
		r := got
		r.Status, r.CompletedAt, r.CompletedBy, r.UpdatedAt = hikeshi.ReviewCompleted, t0.Add(time.Hour), other.ID, t0.Add(time.Hour)
		r.Participants, r.Factors = []string{other.ID}, nil
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateReview(ctx, r) }); err != nil {
			t.Fatal(err)
		}
		if got, err = db.FindReviewByIncident(ctx, green.ID); err != nil || !cmp.Equal(r, got) {
			t.Errorf("updated review %+v %v", got, err)
		}
		// A second review of one incident is a conflict; an unknown participant is refused.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.CreateReview(ctx, hikeshi.Review{ID: hikeshi.NewID(), IncidentID: green.ID, Status: hikeshi.ReviewDraft, CreatedAt: t0, UpdatedAt: t0})
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("second review: %v", err)
		}
		r.Participants = []string{hikeshi.NewID()}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateReview(ctx, r) }); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown participant: %v", err)
		}
		l, err := db.FindLessonByID(ctx, lessons[1].ID)
		if err != nil || !cmp.Equal(lessons[1], l) {
			t.Errorf("lesson round trip %+v %v", l, err)
		}
		l.ImprovementActionID, l.Status, l.UpdatedAt = hikeshi.NewID(), hikeshi.LessonDeclined, t0.Add(2*time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateLesson(ctx, l) }); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindLessonByID(ctx, l.ID); err != nil || !cmp.Equal(l, got) {
			t.Errorf("updated lesson %+v %v", got, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			bad := lessons[0]
			bad.ID, bad.Kind = hikeshi.NewID(), "blame"
			return tx.CreateLesson(ctx, bad)
		}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown kind stored: %v", err)
		}
		ids := func(f hikeshi.LessonFilter) []string {
			t.Helper()
			var out []string
			f.Limit = 1
			for {
				page, err := db.FindLessons(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					return out
				}
				out = append(out, page[0].ID)
				f.After = page[0].ID
			}
		}
		want := func(idx ...int) []string {
			var out []string
			for _, i := range idx {
				out = append(out, lessons[i].ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    hikeshi.LessonFilter
			want []string
		}{
			{"all", hikeshi.LessonFilter{SeeRestricted: true}, want(5, 4, 3, 2, 1, 0)},
			{"viewer (member of the strict one)", hikeshi.LessonFilter{ViewerID: viewer.ID}, want(5, 4, 1, 0)},
			{"other", hikeshi.LessonFilter{ViewerID: other.ID}, want(1, 0)},
			{"proposed", hikeshi.LessonFilter{ViewerID: viewer.ID, Status: hikeshi.LessonProposed}, want(4, 0)},
			{"one incident", hikeshi.LessonFilter{SeeRestricted: true, IncidentID: red.ID}, want(3, 2)},
		} {
			if got := ids(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		// Deleting the department a lesson concerns clears it.
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteDepartment(ctx, dept.ID) }); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindLessonByID(ctx, lessons[3].ID); err != nil || got.DepartmentID != "" {
			t.Errorf("after deleting the department: %+v %v", got, err)
		}
	})
}

// BenchmarkLessonFirstPage measures the first page of the global lessons list
// at 100,000 lessons (one per incident, every tenth incident TLP:RED), as a
// manager who sees restricted incidents only as a member. Seeding is not timed.
func BenchmarkLessonFirstPage(b *testing.B) {
	db := storetest.NewSQLite(b)
	seedIncidents(b, db, 100_000)
	ctx := context.Background()
	for _, q := range []string{
		"INSERT INTO reviews (id, incident_id, status, created_at, updated_at) SELECT id, id, 'draft', created_at, updated_at FROM incidents",
		"INSERT INTO lessons (id, incident_id, review_id, text, kind, status, created_at, updated_at)" +
			" SELECT id, incident_id, id, 'lesson', 'process', 'proposed', created_at, updated_at FROM reviews",
	} {
		if err := db.ExecForTest(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	f := hikeshi.LessonFilter{ViewerID: hikeshi.NewID(), Status: hikeshi.LessonProposed}
	for b.Loop() {
		page, err := db.FindLessons(ctx, f)
		if err != nil || len(page) != hikeshi.DefaultPageLimit {
			b.Fatalf("%d lessons, %v", len(page), err)
		}
	}
}
