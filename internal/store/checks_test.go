package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestChecksStore writes and reads every check table on both engines and
// pages newest first by id.
func TestChecksStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 9, 0, 0, 123000000, time.UTC)
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "IT", Kind: hikeshi.KindIT, CreatedAt: now, UpdatedAt: now}
		p := hikeshi.AuditProgramme{ID: hikeshi.NewID(), Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31",
			CreatedAt: now, UpdatedAt: now}
		var audits []hikeshi.InternalAudit
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			return tx.CreateAuditProgramme(ctx, p)
		})
		if err != nil {
			t.Fatal(err)
		}
		dup := p
		dup.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateAuditProgramme(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("second programme of a year: %v", err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for range 3 {
				a := hikeshi.InternalAudit{ID: hikeshi.NewID(), ProgrammeID: p.ID, Title: "監査", Scope: "s", DepartmentIDs: []string{dept.ID},
					Criteria: "c", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-02", AuditorIDs: []string{"u1", "u2"},
					Status: hikeshi.AuditPlanned, CreatedAt: now, UpdatedAt: now}
				if err := tx.CreateInternalAudit(ctx, a); err != nil {
					return err
				}
				audits = append(audits, a)
			}
			f := hikeshi.Finding{ID: hikeshi.NewID(), AuditID: audits[0].ID, Type: hikeshi.FindingMajor, Description: "d",
				DepartmentID: dept.ID, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateFinding(ctx, f); err != nil {
				return err
			}
			a := hikeshi.CorrectiveAction{ID: hikeshi.NewID(), SourceKind: hikeshi.SourceFinding, SourceID: f.ID, Title: "t", Action: "a",
				DepartmentID: dept.ID, DueDate: "2026-06-30", Status: hikeshi.ActionOpen, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateCorrectiveAction(ctx, a); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if err == nil || err.Error() != "roll back" {
			t.Fatalf("tx: %v", err)
		}
		// Everything of the rolled-back transaction is gone.
		if as, err := db.FindInternalAudits(ctx, "", hikeshi.Page{}); err != nil || len(as) != 0 {
			t.Fatalf("after rollback: %d, %v", len(as), err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, a := range audits {
				if err := tx.CreateInternalAudit(ctx, a); err != nil {
					return err
				}
			}
			a := audits[0]
			a.Status, a.Report, a.UpdatedAt = hikeshi.AuditReported, "要約", now.Add(time.Hour)
			return tx.UpdateInternalAudit(ctx, a)
		})
		if err != nil {
			t.Fatal(err)
		}
		page1, err := db.FindInternalAudits(ctx, p.ID, hikeshi.Page{Limit: 2})
		if err != nil || len(page1) != 2 || page1[0].ID != audits[2].ID {
			t.Fatalf("page 1: %+v %v", page1, err)
		}
		page2, err := db.FindInternalAudits(ctx, p.ID, hikeshi.Page{Limit: 2, After: page1[1].ID})
		if err != nil || len(page2) != 1 || page2[0].ID != audits[0].ID {
			t.Fatalf("page 2: %+v %v", page2, err)
		}
		got := page2[0]
		if got.Status != hikeshi.AuditReported || got.Report != "要約" || len(got.AuditorIDs) != 2 || got.DepartmentIDs[0] != dept.ID ||
			!got.UpdatedAt.Equal(now.Add(time.Hour)) {
			t.Errorf("round trip: %+v", got)
		}
		// The schema refuses a closed action without an effective check.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			f := hikeshi.Finding{ID: hikeshi.NewID(), AuditID: audits[0].ID, Type: hikeshi.FindingMajor, Description: "d",
				DepartmentID: dept.ID, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateFinding(ctx, f); err != nil {
				return err
			}
			a := hikeshi.CorrectiveAction{ID: hikeshi.NewID(), SourceKind: hikeshi.SourceFinding, SourceID: f.ID, Title: "t", Action: "a",
				DepartmentID: dept.ID, DueDate: "2026-06-30", Status: hikeshi.ActionClosed, CreatedAt: now, UpdatedAt: now, ClosedAt: now}
			return tx.CreateCorrectiveAction(ctx, a)
		})
		if err == nil {
			t.Error("a closed action without an effective check was stored")
		}
		if fs, err := db.FindFindings(ctx, "", hikeshi.Page{}); err != nil || len(fs) != 0 {
			t.Errorf("half of a refused transaction stayed: %d, %v", len(fs), err)
		}
		if _, err := db.FindCorrectiveActionByID(ctx, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing action: %v", err)
		}
	})
}
