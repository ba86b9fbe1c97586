package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestFrameworksRoundTrip stores a framework, its requirements (upserted
// twice), measures with mappings (replaced on update, paged newest first)
// and SoA entries on both engines.
func TestFrameworksRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		user := mkUser(t, db, "soa@example.org")
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "総務部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		fw := hikeshi.Framework{Key: "own", Name: "社内 <基準>", Version: "1", CreatedAt: t0, UpdatedAt: t0}
		reqs := []hikeshi.Requirement{
			{FrameworkKey: "own", Ref: "B", Kind: "group", TitleEN: "Second", Sort: 2},
			{FrameworkKey: "own", Ref: "A", Kind: "group", TitleEN: "First", TitleJA: "最初", Sort: 1},
			{FrameworkKey: "own", Ref: "A-1", Parent: "A", Kind: "control", TitleEN: "Old", Withdrawn: true, Sort: 3},
		}
		var ms []hikeshi.Measure
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			if err := tx.PutFramework(ctx, fw); err != nil {
				return err
			}
			for _, r := range reqs {
				if err := tx.PutRequirement(ctx, r); err != nil {
					return err
				}
			}
			for i := range 3 {
				time.Sleep(2 * time.Millisecond)
				m := hikeshi.Measure{ID: hikeshi.NewID(), Name: "対策 \"" + string(rune('a'+i)) + "\"", Status: hikeshi.MeasureStatuses[i],
					CreatedAt: t0, UpdatedAt: t0,
					Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.1"}, {FrameworkKey: "own", Ref: "A"}}}
				if i == 0 {
					m.DepartmentID, m.Description, m.Requirements = dept.ID, "説明\n<b>", nil
				}
				if err := tx.CreateMeasure(ctx, m); err != nil {
					return err
				}
				ms = append(ms, m)
			}
			return tx.PutSoAEntry(ctx, hikeshi.SoAEntry{ControlRef: "A.5.1", Applicable: true, Justification: "j", Status: hikeshi.StatusPartial, UpdatedBy: user.ID, UpdatedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		// Upsert: a second import changes titles and withdrawal.
		fw.Name, fw.UpdatedAt = "renamed", t0.Add(time.Hour)
		reqs[2].TitleEN, reqs[2].Withdrawn = "New", false
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.PutFramework(ctx, fw); err != nil {
				return err
			}
			if err := tx.PutRequirement(ctx, reqs[2]); err != nil {
				return err
			}
			ms[1].Requirements, ms[1].Status, ms[1].UpdatedAt = []hikeshi.RequirementRef{{FrameworkKey: "own", Ref: "B"}}, hikeshi.StatusImplemented, t0.Add(time.Minute)
			if err := tx.UpdateMeasure(ctx, ms[1]); err != nil {
				return err
			}
			return tx.PutSoAEntry(ctx, hikeshi.SoAEntry{ControlRef: "A.5.1", Applicable: false, Justification: "k", Status: hikeshi.StatusNotApplicable, UpdatedAt: t0})
		}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindFramework(ctx, "own")
		if err != nil || got.Name != "renamed" || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("framework %+v, %v", got, err)
		}
		if _, err := db.FindFramework(ctx, "none"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing framework: %v", err)
		}
		rs, err := db.FindRequirements(ctx, "own")
		want := []hikeshi.Requirement{reqs[1], reqs[0], reqs[2]}
		if err != nil || !cmp.Equal(rs, want) {
			t.Errorf("requirements: %v\n%s", err, cmp.Diff(want, rs))
		}
		if r, err := db.FindRequirement(ctx, "own", "A-1"); err != nil || r.TitleEN != "New" || r.Withdrawn {
			t.Errorf("requirement %+v, %v", r, err)
		}
		var page []hikeshi.Measure
		after := ""
		for {
			p, err := db.FindMeasures(ctx, hikeshi.MeasureFilter{Page: hikeshi.Page{After: after, Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if len(p) == 0 {
				break
			}
			page, after = append(page, p...), p[0].ID
		}
		want2 := []hikeshi.Measure{ms[2], ms[1], ms[0]}
		for i := range want2 {
			if want2[i].Requirements == nil {
				want2[i].Requirements = []hikeshi.RequirementRef{}
			}
		}
		if !cmp.Equal(page, want2, cmp.Comparer(func(a, b []hikeshi.RequirementRef) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) })) {
			t.Errorf("measures: %s", cmp.Diff(want2, page))
		}
		byDept, err := db.FindMeasures(ctx, hikeshi.MeasureFilter{DepartmentID: dept.ID})
		if err != nil || len(byDept) != 1 || byDept[0].ID != ms[0].ID {
			t.Errorf("by department %+v, %v", byDept, err)
		}
		mapped, err := db.FindMeasuresByRequirement(ctx, hikeshi.ISO27001Key, "A.5.1")
		if err != nil || len(mapped) != 1 || mapped[0].ID != ms[2].ID {
			t.Errorf("mapped %+v, %v", mapped, err)
		}
		soa, err := db.FindSoA(ctx)
		if err != nil || len(soa) != 1 || soa[0].Applicable || soa[0].Justification != "k" || soa[0].UpdatedBy != "" {
			t.Errorf("soa %+v, %v", soa, err)
		}
	})
}
