package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestImprovementQueries: improvements list newest first by keyset and by
// state, waiting ones walk oldest first after a cursor, links round-trip
// sorted, and a waiting improvement (only) can be deleted, on both engines.
func TestImprovementQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, service.Options{Argon: cheapArgon})
		sys := hikeshi.SystemActor("test")
		inc, err := svc.Incidents.Create(ctx, sys, service.IncidentInput{Title: "x", Category: "phishing", Impact: 1, Urgency: 1, TLP: hikeshi.TLPGreen})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery} {
			if _, err := svc.Incidents.Transition(ctx, sys, inc.ID, p, ""); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		var ims []hikeshi.Improvement
		for range 3 {
			l, err := svc.Reviews.AddLesson(ctx, sys, inc.ID, service.LessonInput{Text: "t", ProposedChange: "c", Kind: hikeshi.MeasureProcess})
			if err != nil {
				t.Fatal(err)
			}
			im := hikeshi.Improvement{ID: hikeshi.NewID(), LessonID: l.ID, IncidentID: inc.ID, Category: "phishing", State: hikeshi.ImprovementWaiting,
				AcceptedAt: now, CreatedAt: now, UpdatedAt: now}
			ims = append(ims, im)
		}
		m, err := svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "m", Status: hikeshi.StatusPlanned})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, im := range ims {
				if err := tx.CreateImprovement(ctx, im); err != nil {
					return err
				}
			}
			return tx.SetLessonLinks(ctx, ims[1].LessonID, hikeshi.LessonLinks{MeasureIDs: []string{m.ID}})
		}); err != nil {
			t.Fatal(err)
		}
		page, err := db.FindImprovements(ctx, hikeshi.ImprovementFilter{Page: hikeshi.Page{Limit: 2}})
		if err != nil || len(page) != 2 || page[0].ID != ims[2].ID || page[1].ID != ims[1].ID || !page[0].AcceptedAt.Equal(now) {
			t.Fatalf("first page %+v %v", page, err)
		}
		rest, err := db.FindImprovements(ctx, hikeshi.ImprovementFilter{Page: hikeshi.Page{After: page[1].ID, Limit: 2}})
		if err != nil || len(rest) != 1 || rest[0].ID != ims[0].ID {
			t.Fatalf("second page %+v %v", rest, err)
		}
		byMeasure, err := db.FindImprovements(ctx, hikeshi.ImprovementFilter{MeasureID: m.ID})
		if err != nil || len(byMeasure) != 1 || byMeasure[0].ID != ims[1].ID {
			t.Fatalf("by measure %+v %v", byMeasure, err)
		}
		waiting, err := db.FindWaitingImprovements(ctx, ims[0].ID, 10)
		if err != nil || len(waiting) != 2 || waiting[0].ID != ims[1].ID {
			t.Fatalf("waiting after the first %+v %v", waiting, err)
		}
		links, err := db.FindLessonLinks(ctx, ims[1].LessonID)
		if err != nil || !slices.Equal(links.MeasureIDs, []string{m.ID}) || len(links.RiskIDs) != 0 {
			t.Fatalf("links %+v %v", links, err)
		}
		open := ims[0]
		open.State, open.OpenedAt, open.ReleasedBy = hikeshi.ImprovementOpen, now, hikeshi.ReleasedByInternalAudit
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateImprovement(ctx, open) }); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteImprovement(ctx, open.ID) }); err == nil {
			t.Error("an open improvement was deleted")
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteImprovement(ctx, ims[2].ID) }); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindImprovementByLesson(ctx, open.LessonID)
		if err != nil || got.State != hikeshi.ImprovementOpen || got.ReleasedBy != hikeshi.ReleasedByInternalAudit || !got.OpenedAt.Equal(now) {
			t.Fatalf("updated %+v %v", got, err)
		}
		if _, err := db.FindImprovementByLesson(ctx, ims[2].LessonID); err == nil {
			t.Error("the deleted improvement is still found")
		}
		if lts, err := db.FindImprovementLeadTimes(ctx, now.Add(-time.Hour), now.Add(time.Hour)); err != nil || len(lts) != 0 {
			t.Errorf("lead times without closed actions %+v %v", lts, err)
		}
		if since, err := db.FindRiskReassessSince(ctx, hikeshi.NewID()); err != nil || !since.IsZero() {
			t.Errorf("reassess since for an unknown risk %v %v", since, err)
		}
	})
}
