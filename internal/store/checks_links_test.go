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

// TestChecksLinksStore covers migration 0019 on both engines: the measure
// and requirement links of findings and metrics, archiving a metric, the
// overdue filter, deleting rows, and action reminders made once per (action, due date, user).
func TestChecksLinksStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 9, 0, 0, 123000000, time.UTC)
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "IT", Kind: hikeshi.KindIT, CreatedAt: now, UpdatedAt: now}
		u := hikeshi.User{ID: hikeshi.NewID(), Email: "a@example.org", Name: "青木", Role: hikeshi.RoleMember, DepartmentID: dept.ID,
			Locale: hikeshi.LocaleJA, PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
		ms := hikeshi.Measure{ID: hikeshi.NewID(), Name: "パッチ管理", Status: hikeshi.StatusImplemented, CreatedAt: now, UpdatedAt: now}
		p := hikeshi.AuditProgramme{ID: hikeshi.NewID(), Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31",
			CreatedAt: now, UpdatedAt: now}
		au := hikeshi.InternalAudit{ID: hikeshi.NewID(), ProgrammeID: p.ID, Title: "監査", Scope: "s", DepartmentIDs: []string{dept.ID},
			Criteria: "c", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-02", AuditorIDs: []string{u.ID}, Status: hikeshi.AuditPlanned,
			CreatedAt: now, UpdatedAt: now}
		f := hikeshi.Finding{ID: hikeshi.NewID(), AuditID: au.ID, Type: hikeshi.FindingMinor, Description: "d", Requirement: "メモ",
			RequirementRef: hikeshi.RequirementRef{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.8.8"}, MeasureID: ms.ID, DepartmentID: dept.ID,
			CreatedAt: now, UpdatedAt: now}
		m := hikeshi.Metric{ID: hikeshi.NewID(), Name: "適用率", MeasureRef: "A.8.8", MeasureID: ms.ID, Target: "95", Comparison: hikeshi.AtLeast,
			Frequency: hikeshi.Monthly, DepartmentID: dept.ID, CreatedAt: now, UpdatedAt: now}
		action := func(due string, st hikeshi.ActionStatus) hikeshi.CorrectiveAction {
			return hikeshi.CorrectiveAction{ID: hikeshi.NewID(), SourceKind: hikeshi.SourceFinding, SourceID: f.ID, Title: "t", Action: "a",
				DepartmentID: dept.ID, DueDate: due, Status: st, CreatedAt: now, UpdatedAt: now}
		}
		late := action("2026-04-30", hikeshi.ActionOpen)
		lateWorked := action("2026-04-29", hikeshi.ActionIneffective)
		lateDone := action("2026-04-28", hikeshi.ActionImplemented)
		today := action("2026-05-01", hikeshi.ActionInProgress)
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, step := range []func() error{
				func() error { return tx.CreateDepartment(ctx, dept) },
				func() error { return tx.CreateUser(ctx, u) },
				func() error { return tx.CreateMeasure(ctx, ms) },
				func() error { return tx.CreateAuditProgramme(ctx, p) },
				func() error { return tx.CreateInternalAudit(ctx, au) },
				func() error { return tx.CreateFinding(ctx, f) },
				func() error { return tx.CreateMetric(ctx, m) },
			} {
				if err := step(); err != nil {
					return err
				}
			}
			for _, a := range []hikeshi.CorrectiveAction{late, lateWorked, lateDone, today} {
				if err := tx.CreateCorrectiveAction(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		gotF, err := db.FindFindingByID(ctx, f.ID)
		if err != nil || gotF.MeasureID != ms.ID || gotF.RequirementRef != f.RequirementRef || gotF.Requirement != "メモ" {
			t.Fatalf("finding links: %+v %v", gotF, err)
		}
		gotM, err := db.FindMetricByID(ctx, m.ID)
		if err != nil || gotM.MeasureID != ms.ID || gotM.Archived() {
			t.Fatalf("metric links: %+v %v", gotM, err)
		}

		// Unlinking writes NULL; archiving stores the time.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			f2 := gotF
			f2.MeasureID, f2.RequirementRef = "", hikeshi.RequirementRef{}
			if err := tx.UpdateFinding(ctx, f2); err != nil {
				return err
			}
			m2 := gotM
			m2.ArchivedAt = now.Add(time.Hour)
			return tx.UpdateMetric(ctx, m2)
		})
		if err != nil {
			t.Fatal(err)
		}
		if g, _ := db.FindFindingByID(ctx, f.ID); g.MeasureID != "" || g.RequirementRef.Ref != "" {
			t.Errorf("unlinked finding: %+v", g)
		}
		if g, _ := db.FindMetricByID(ctx, m.ID); !g.ArchivedAt.Equal(now.Add(time.Hour)) {
			t.Errorf("archived at: %v", g.ArchivedAt)
		}

		// Overdue on 2026-05-01: open and reworked actions due before it, newest first.
		got, err := db.FindActions(ctx, hikeshi.ActionFilter{OverdueOn: "2026-05-01"})
		if err != nil || len(got) != 2 || got[0].ID != lateWorked.ID || got[1].ID != late.ID {
			t.Fatalf("overdue: %+v %v", got, err)
		}
		if got, err := db.FindActions(ctx, hikeshi.ActionFilter{OverdueOn: "2026-05-01", Page: hikeshi.Page{Limit: 1, After: lateWorked.ID}}); err != nil ||
			len(got) != 1 || got[0].ID != late.ID {
			t.Errorf("overdue page 2: %+v %v", got, err)
		}
		if all, err := db.FindActions(ctx, hikeshi.ActionFilter{}); err != nil || len(all) != 4 {
			t.Errorf("all actions: %d %v", len(all), err)
		}

		// Reminders: once per (action, due date, user); read ones are not listed; only the owner marks read.
		n := hikeshi.ActionReminder{ID: hikeshi.NewID(), ActionID: late.ID, UserID: u.ID, DueDate: late.DueDate, CreatedAt: now}
		var created []bool
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, id := range []string{n.ID, hikeshi.NewID()} {
				n.ID = id
				ok, err := tx.CreateActionReminder(ctx, n)
				if err != nil {
					return err
				}
				created = append(created, ok)
			}
			n2 := n
			n2.ID, n2.DueDate = hikeshi.NewID(), "2026-05-10"
			ok, err := tx.CreateActionReminder(ctx, n2)
			created = append(created, ok)
			return err
		})
		if err != nil || !created[0] || created[1] || !created[2] {
			t.Fatalf("reminders created %v: %v", created, err)
		}
		rs, err := db.FindActionReminders(ctx, u.ID, 10)
		if err != nil || len(rs) != 2 || rs[0].DueDate != "2026-05-10" || !rs[1].CreatedAt.Equal(now) {
			t.Fatalf("reminders: %+v %v", rs, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkActionReminderRead(ctx, rs[0].ID, hikeshi.NewID(), now) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another user's reminder: %v", err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkActionReminderRead(ctx, rs[0].ID, u.ID, now) }); err != nil {
			t.Fatal(err)
		}
		if rs, _ := db.FindActionReminders(ctx, u.ID, 10); len(rs) != 1 {
			t.Errorf("after reading: %d", len(rs))
		}

		// Deletes: one row each; missing rows are ErrNotFound; a referenced row is refused by the schema.
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteInternalAudit(ctx, au.ID) }); err == nil {
			t.Error("an audit with findings was deleted")
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.DeleteMetric(ctx, m.ID); err != nil {
				return err
			}
			return tx.DeleteMetric(ctx, m.ID)
		})
		if !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleting a metric twice: %v", err)
		}
		if _, err := db.FindMetricByID(ctx, m.ID); err != nil {
			t.Errorf("the rolled-back delete removed the metric: %v", err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.DeleteMetric(ctx, m.ID); err != nil {
				return err
			}
			a2 := au
			a2.ID = hikeshi.NewID()
			if err := tx.CreateInternalAudit(ctx, a2); err != nil {
				return err
			}
			if err := tx.DeleteInternalAudit(ctx, a2.ID); err != nil {
				return err
			}
			p2 := p
			p2.ID, p2.Year = hikeshi.NewID(), 2027
			if err := tx.CreateAuditProgramme(ctx, p2); err != nil {
				return err
			}
			return tx.DeleteAuditProgramme(ctx, p2.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindMetricByID(ctx, m.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted metric: %v", err)
		}
		if ps, _ := db.FindAuditProgrammes(ctx, hikeshi.Page{}); len(ps) != 1 {
			t.Errorf("programmes after delete: %d", len(ps))
		}
	})
}
