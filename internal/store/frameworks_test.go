package store_test

import (
	"context"
	"errors"
	"strings"
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

// TestMeasureReferencesArchiveAndDelete checks on both engines what names a
// measure (mappings, the SoA entries of its Annex A controls, metrics and
// findings by measure_id), the archived filters, and deleting frameworks
// (with their requirements) and measures.
func TestMeasureReferencesArchiveAndDelete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		user := mkUser(t, db, "refs@example.org")
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "情報システム部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		fw := hikeshi.Framework{Key: "own", Name: "社内基準", CreatedAt: t0, UpdatedAt: t0}
		other := hikeshi.Framework{Key: "spare", Name: "spare", CreatedAt: t0, UpdatedAt: t0}
		mapped := hikeshi.Measure{ID: hikeshi.NewID(), Name: "多要素認証", Status: hikeshi.StatusPartial, CreatedAt: t0, UpdatedAt: t0,
			Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.1"}, {FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.2"},
				{FrameworkKey: "own", Ref: "OWN-1"}}}
		linked := hikeshi.Measure{ID: hikeshi.NewID(), Name: "パッチ適用", Status: hikeshi.StatusPlanned, CreatedAt: t0, UpdatedAt: t0}
		free := hikeshi.Measure{ID: hikeshi.NewID(), Name: "free", Status: hikeshi.StatusPlanned, Archived: true, CreatedAt: t0, UpdatedAt: t0}
		long := "指摘 " + strings.Repeat("あ", 100)
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			for _, f := range []hikeshi.Framework{fw, other} {
				if err := tx.PutFramework(ctx, f); err != nil {
					return err
				}
				if err := tx.PutRequirement(ctx, hikeshi.Requirement{FrameworkKey: f.Key, Ref: "OWN-1", Kind: "control", TitleEN: "One", Sort: 1}); err != nil {
					return err
				}
			}
			for _, m := range []hikeshi.Measure{mapped, linked, free} {
				time.Sleep(2 * time.Millisecond)
				if err := tx.CreateMeasure(ctx, m); err != nil {
					return err
				}
			}
			if err := tx.PutSoAEntry(ctx, hikeshi.SoAEntry{ControlRef: "A.5.1", Applicable: true, Justification: "j", Status: hikeshi.StatusPartial, UpdatedAt: t0}); err != nil {
				return err
			}
			// metrics and findings name the second measure by measure_id (migration 0019)
			if err := tx.CreateMetric(ctx, hikeshi.Metric{ID: hikeshi.NewID(), Name: "適用率 <%>", MeasureID: linked.ID, Target: "95",
				Comparison: hikeshi.AtLeast, Frequency: hikeshi.Monthly, DepartmentID: dept.ID, CreatedBy: user.ID, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
			p := hikeshi.AuditProgramme{ID: hikeshi.NewID(), Year: 2026, Title: "p", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31", CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateAuditProgramme(ctx, p); err != nil {
				return err
			}
			a := hikeshi.InternalAudit{ID: hikeshi.NewID(), ProgrammeID: p.ID, Title: "a", Scope: "s", DepartmentIDs: []string{dept.ID}, Criteria: "c",
				PlannedStart: "2026-05-01", PlannedEnd: "2026-05-02", AuditorIDs: []string{user.ID}, Status: hikeshi.AuditPlanned, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateInternalAudit(ctx, a); err != nil {
				return err
			}
			return tx.CreateFinding(ctx, hikeshi.Finding{ID: hikeshi.NewID(), AuditID: a.ID, Type: hikeshi.FindingMinor, Description: long,
				MeasureID: linked.ID, RequirementRef: hikeshi.RequirementRef{FrameworkKey: "own", Ref: "OWN-1"}, DepartmentID: dept.ID, CreatedAt: t0, UpdatedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		refs := func(id string) []hikeshi.MeasureReference {
			t.Helper()
			got, err := db.FindMeasureReferences(ctx, id, 10)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		want := []hikeshi.MeasureReference{
			{Kind: hikeshi.MeasureRefRequirement, Name: "iso27001-2022 A.5.1"},
			{Kind: hikeshi.MeasureRefRequirement, Name: "iso27001-2022 A.5.2"},
			{Kind: hikeshi.MeasureRefRequirement, Name: "own OWN-1"},
			{Kind: hikeshi.MeasureRefSoA, Name: "A.5.1"},
		}
		if diff := cmp.Diff(want, refs(mapped.ID)); diff != "" {
			t.Errorf("references of the mapped measure (-want +got):\n%s", diff)
		}
		want = []hikeshi.MeasureReference{
			{Kind: hikeshi.MeasureRefMetric, Name: "適用率 <%>"},
			{Kind: hikeshi.MeasureRefFinding, Name: string([]rune(long)[:80]) + "…"},
		}
		if diff := cmp.Diff(want, refs(linked.ID)); diff != "" {
			t.Errorf("references of the linked measure (-want +got):\n%s", diff)
		}
		if got := refs(free.ID); len(got) != 0 {
			t.Errorf("references of a free measure: %v", got)
		}
		if got, _ := db.FindMeasureReferences(ctx, mapped.ID, 1); len(got) != 2 {
			t.Errorf("limit 1 per kind: %v", got)
		}
		// Archived measures leave the list unless asked for.
		list, err := db.FindMeasures(ctx, hikeshi.MeasureFilter{Page: hikeshi.Page{Limit: 10}})
		if err != nil || len(list) != 2 || list[0].ID != linked.ID {
			t.Errorf("default list: %v, %v", list, err)
		}
		list, err = db.FindMeasures(ctx, hikeshi.MeasureFilter{IncludeArchived: true, Page: hikeshi.Page{Limit: 10}})
		if err != nil || len(list) != 3 || !list[0].Archived || list[1].Archived {
			t.Errorf("list with archived: %v, %v", list, err)
		}
		// UpdateMeasure writes archived.
		mapped.Archived, mapped.UpdatedAt = true, t0.Add(time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateMeasure(ctx, mapped) }); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindMeasureByID(ctx, mapped.ID); err != nil || !got.Archived || len(got.Requirements) != 3 {
			t.Errorf("archived measure: %+v, %v", got, err)
		}
		// Measures by framework; archiving a framework.
		byFw, err := db.FindMeasuresByFramework(ctx, "own", 10)
		if err != nil || len(byFw) != 1 || byFw[0].ID != mapped.ID {
			t.Errorf("measures of own: %v, %v", byFw, err)
		}
		if byFw, err := db.FindMeasuresByFramework(ctx, "spare", 10); err != nil || len(byFw) != 0 {
			t.Errorf("measures of spare: %v, %v", byFw, err)
		}
		if fs, err := db.FindFindingsByFramework(ctx, "own", 10); err != nil || len(fs) != 1 || fs[0] != string([]rune(long)[:80])+"…" {
			t.Errorf("findings naming own: %q, %v", fs, err)
		}
		if fs, err := db.FindFindingsByFramework(ctx, "spare", 10); err != nil || len(fs) != 0 {
			t.Errorf("findings naming spare: %q, %v", fs, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.SetFrameworkArchived(ctx, "spare", true, t0.Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		if f, err := db.FindFramework(ctx, "spare"); err != nil || !f.Archived || !f.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("archived framework: %+v, %v", f, err)
		}
		// A re-import (PutFramework) keeps the archived flag.
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.PutFramework(ctx, other) }); err != nil {
			t.Fatal(err)
		}
		if f, _ := db.FindFramework(ctx, "spare"); !f.Archived {
			t.Error("a re-import restored the framework")
		}
		// Deleting a framework removes its requirements in the same statement.
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteFramework(ctx, "spare") }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindFramework(ctx, "spare"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted framework: %v", err)
		}
		if reqs, err := db.FindRequirements(ctx, "spare"); err != nil || len(reqs) != 0 {
			t.Errorf("requirements of a deleted framework: %v, %v", reqs, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteFramework(ctx, "spare") }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		// Deleting a measure takes its mappings; the store's foreign keys keep
		// a measure that metrics or findings name.
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteMeasure(ctx, mapped.ID) }); err != nil {
			t.Fatal(err)
		}
		if ms, err := db.FindMeasuresByRequirement(ctx, hikeshi.ISO27001Key, "A.5.1"); err != nil || len(ms) != 0 {
			t.Errorf("mappings of a deleted measure: %v, %v", ms, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteMeasure(ctx, linked.ID) }); err == nil {
			t.Error("a measure that a metric names was deleted")
		}
	})
}
