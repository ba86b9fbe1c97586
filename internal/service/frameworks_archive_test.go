package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestMeasureArchiveAndDeleteForEveryRole: whoever may change a measure
// archives, restores and deletes it; an archived measure is read-only, left
// out of the catalogue and the SoA; a measure anything refers to is never
// deleted and the refusal names the references.
func TestMeasureArchiveAndDeleteForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "m",
			Role: hikeshi.RoleManager, DepartmentID: f.sales.ID, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := hikeshi.ParseCatalog(strings.NewReader(ownCatalog))
		if err != nil {
			t.Fatal(err)
		}
		admin := actor(f.admin)
		if _, err := f.svc.Frameworks.Import(ctx, admin, "own", "Own", cat); err != nil {
			t.Fatal(err)
		}
		mapped, err := f.svc.Frameworks.CreateMeasure(ctx, admin, service.MeasureInput{Name: "Backups <b>", DepartmentID: f.it.ID, Status: hikeshi.StatusPartial,
			Requirements: []hikeshi.RequirementRef{{FrameworkKey: "own", Ref: "C1"}, {FrameworkKey: hikeshi.ISO27001Key, Ref: "A.8.13"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Frameworks.SetSoA(ctx, admin, "A.8.13", service.SoAInput{Applicable: true, Justification: "j", Status: hikeshi.StatusPartial}); err != nil {
			t.Fatal(err)
		}
		roles := []struct {
			name string
			u    hikeshi.User
			may  bool
		}{
			{"admin", f.admin, true}, {"manager", manager, true}, {"csirt of the owner", f.csirt, true}, {"member of the owner", f.other, true},
			{"member elsewhere", f.member, false}, {"auditor", f.auditor, false},
		}
		soaMeasures := func() int {
			lines, err := f.svc.Frameworks.SoA(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				if l.Control.Ref == "A.8.13" {
					return len(l.Measures)
				}
			}
			return -1
		}
		for _, r := range roles {
			a := actor(r.u)
			before := f.auditCount(t)
			m, err := f.svc.Frameworks.SetMeasureArchived(ctx, a, mapped.ID, true)
			if !r.may {
				if !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("%s archived: %v", r.name, err)
				}
				if err := f.svc.Frameworks.DeleteMeasure(ctx, a, mapped.ID); !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("%s deleted: %v", r.name, err)
				}
				if f.auditCount(t) != before {
					t.Errorf("%s: a refusal was audited", r.name)
				}
				continue
			}
			if err != nil || !m.Archived || len(m.Requirements) != 2 {
				t.Fatalf("%s archive: %+v, %v", r.name, m, err)
			}
			if _, err := f.svc.Frameworks.SetMeasureArchived(ctx, a, mapped.ID, true); err != nil || f.auditCount(t) != before+1 {
				t.Errorf("%s archive twice: %v, %d entries", r.name, err, f.auditCount(t)-before)
			}
			_, err = f.svc.Frameworks.UpdateMeasure(ctx, a, mapped.ID, service.MeasureInput{Name: "x", DepartmentID: f.it.ID, Status: hikeshi.StatusImplemented})
			if !errors.Is(err, hikeshi.ErrConflict) || docFieldCode(err) != "measure.archived" {
				t.Errorf("%s changed an archived measure: %v", r.name, err)
			}
			if got, err := f.svc.Frameworks.Measure(ctx, actor(f.auditor), mapped.ID); err != nil || !got.Archived {
				t.Errorf("reading an archived measure: %v", err)
			}
			if ms, _ := f.svc.Frameworks.Measures(ctx, a, hikeshi.MeasureFilter{}); len(ms) != 0 {
				t.Errorf("%s: the catalogue lists an archived measure", r.name)
			}
			if ms, _ := f.svc.Frameworks.Measures(ctx, a, hikeshi.MeasureFilter{IncludeArchived: true}); len(ms) != 1 {
				t.Errorf("%s: the catalogue with archived: %d", r.name, len(ms))
			}
			if n := soaMeasures(); n != 0 {
				t.Errorf("%s: the SoA lists an archived measure (%d)", r.name, n)
			}
			if _, err := f.svc.Frameworks.SetMeasureArchived(ctx, a, mapped.ID, false); err != nil || f.auditCount(t) != before+2 {
				t.Errorf("%s restore: %v", r.name, err)
			}
			if n := soaMeasures(); n != 1 {
				t.Errorf("%s: the SoA after restoring: %d", r.name, n)
			}
		}
		// Delete is refused while anything refers to the measure, naming it all.
		before := f.auditCount(t)
		err = f.svc.Frameworks.DeleteMeasure(ctx, admin, mapped.ID)
		if !errors.Is(err, hikeshi.ErrConflict) || docFieldCode(err) != "measure.referenced" {
			t.Fatalf("delete a mapped measure: %v", err)
		}
		for _, want := range []string{"archive it instead", "mapping iso27001-2022 A.8.13", "mapping own C1", "SoA A.8.13"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q does not name %q", err, want)
			}
		}
		// A metric naming a measure (the checks area's measure_id) refers to it too.
		free, err := f.svc.Frameworks.CreateMeasure(ctx, admin, service.MeasureInput{Name: "Patching", DepartmentID: f.it.ID, Status: hikeshi.StatusPlanned})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.CreateMetric(ctx, hikeshi.Metric{ID: hikeshi.NewID(), Name: "パッチ適用率", MeasureID: free.ID, Target: "95",
				Comparison: hikeshi.AtLeast, Frequency: hikeshi.Monthly, DepartmentID: f.it.ID, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()})
		}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Frameworks.DeleteMeasure(ctx, admin, free.ID); docFieldCode(err) != "measure.referenced" || !strings.Contains(err.Error(), "metric パッチ適用率") {
			t.Errorf("delete a measure a metric names: %v", err)
		}
		before = f.auditCount(t)
		// Unmapped and unreferenced: deleted, audited; by its department's member too.
		spare, err := f.svc.Frameworks.CreateMeasure(ctx, admin, service.MeasureInput{Name: "Typo", DepartmentID: f.it.ID, Status: hikeshi.StatusPlanned})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Frameworks.DeleteMeasure(ctx, actor(f.other), spare.ID); err != nil {
			t.Fatal(err)
		}
		if f.auditCount(t) != before+2 {
			t.Errorf("create and delete wrote %d audit entries", f.auditCount(t)-before)
		}
		if _, err := f.svc.Frameworks.Measure(ctx, admin, spare.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted measure: %v", err)
		}
		for _, id := range []string{"", spare.ID, strings.Repeat("x", 5000), "' OR 1=1 --"} {
			if err := f.svc.Frameworks.DeleteMeasure(ctx, admin, id); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("delete %q: %v", id, err)
			}
			if _, err := f.svc.Frameworks.SetMeasureArchived(ctx, admin, id, true); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("archive %q: %v", id, err)
			}
		}
	})
}

// TestFrameworkArchiveAndDelete: admins archive, restore and delete imported
// frameworks; the frameworks that ship with Hikeshi are never deleted; a
// framework that measures map onto is refused naming them; an archived
// framework's requirements are not newly mapped but existing mappings stay.
func TestFrameworkArchiveAndDelete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "m",
			Role: hikeshi.RoleManager, DepartmentID: f.sales.ID, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := hikeshi.ParseCatalog(strings.NewReader(ownCatalog))
		if err != nil {
			t.Fatal(err)
		}
		admin := actor(f.admin)
		for _, key := range []string{"own", hikeshi.NISTCSF2Key} {
			if _, err := f.svc.Frameworks.Import(ctx, admin, key, key, cat); err != nil {
				t.Fatal(err)
			}
		}
		m, err := f.svc.Frameworks.CreateMeasure(ctx, admin, service.MeasureInput{Name: "MFA", Status: hikeshi.StatusPlanned,
			Requirements: []hikeshi.RequirementRef{{FrameworkKey: "own", Ref: "C1"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []hikeshi.User{f.csirt, manager, f.member, f.auditor} {
			before := f.auditCount(t)
			if _, err := f.svc.Frameworks.SetFrameworkArchived(ctx, actor(u), "own", true); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s archived a framework: %v", u.Role, err)
			}
			if err := f.svc.Frameworks.DeleteFramework(ctx, actor(u), "own"); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s deleted a framework: %v", u.Role, err)
			}
			if f.auditCount(t) != before {
				t.Errorf("%s: a refusal was audited", u.Role)
			}
		}
		// The built-in framework is neither archived nor deleted; NIST CSF 2.0 is not deleted.
		if _, err := f.svc.Frameworks.SetFrameworkArchived(ctx, admin, hikeshi.ISO27001Key, true); docFieldCode(err) != "framework.builtin" {
			t.Errorf("archive ISO: %v", err)
		}
		if err := f.svc.Frameworks.DeleteFramework(ctx, admin, hikeshi.ISO27001Key); docFieldCode(err) != "framework.builtin" || !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("delete ISO: %v", err)
		}
		if err := f.svc.Frameworks.DeleteFramework(ctx, admin, hikeshi.NISTCSF2Key); docFieldCode(err) != "framework.protected" {
			t.Errorf("delete NIST CSF: %v", err)
		}
		// Archive: audited, listed as archived, no new mappings, existing ones stay.
		before := f.auditCount(t)
		fw, err := f.svc.Frameworks.SetFrameworkArchived(ctx, admin, "own", true)
		if err != nil || !fw.Archived || f.auditCount(t) != before+1 {
			t.Fatalf("archive own: %+v, %v", fw, err)
		}
		fs, _ := f.svc.Frameworks.Frameworks(ctx, actor(f.auditor))
		if len(fs) != 3 || fs[2].Key != "own" || !fs[2].Archived {
			t.Errorf("frameworks after archiving: %+v", fs)
		}
		_, err = f.svc.Frameworks.CreateMeasure(ctx, admin, service.MeasureInput{Name: "new", Status: hikeshi.StatusPlanned,
			Requirements: []hikeshi.RequirementRef{{FrameworkKey: "own", Ref: "G"}}})
		if !errors.Is(err, hikeshi.ErrInvalid) || docFieldCode(err) != "requirements.archived" {
			t.Errorf("new mapping onto an archived framework: %v", err)
		}
		if _, err := f.svc.Frameworks.UpdateMeasure(ctx, admin, m.ID, service.MeasureInput{Name: "MFA 2", Status: hikeshi.StatusPartial,
			Requirements: m.Requirements}); err != nil {
			t.Errorf("keeping a mapping onto an archived framework: %v", err)
		}
		// Delete is refused while a measure maps onto it, naming the measure.
		err = f.svc.Frameworks.DeleteFramework(ctx, admin, "own")
		if docFieldCode(err) != "framework.referenced" || !strings.Contains(err.Error(), "MFA 2") {
			t.Errorf("delete a mapped framework: %v", err)
		}
		if _, err := f.svc.Frameworks.SetFrameworkArchived(ctx, admin, "own", false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Frameworks.UpdateMeasure(ctx, admin, m.ID, service.MeasureInput{Name: "MFA 2", Status: hikeshi.StatusPartial}); err != nil {
			t.Fatal(err)
		}
		before = f.auditCount(t)
		if err := f.svc.Frameworks.DeleteFramework(ctx, admin, "own"); err != nil {
			t.Fatal(err)
		}
		if f.auditCount(t) != before+1 {
			t.Error("delete was not audited")
		}
		if _, _, err := f.svc.Frameworks.Framework(ctx, admin, "own"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted framework: %v", err)
		}
		if reqs, err := db.FindRequirements(ctx, "own"); err != nil || len(reqs) != 0 {
			t.Errorf("requirements left behind: %v %v", reqs, err)
		}
		// An audit finding that names a requirement refers to the framework too.
		if _, err := f.svc.Frameworks.Import(ctx, admin, "third", "Third", cat); err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			p := hikeshi.AuditProgramme{ID: hikeshi.NewID(), Year: 2026, Title: "p", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31", CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateAuditProgramme(ctx, p); err != nil {
				return err
			}
			a := hikeshi.InternalAudit{ID: hikeshi.NewID(), ProgrammeID: p.ID, Title: "a", Scope: "s", DepartmentIDs: []string{f.sales.ID}, Criteria: "c",
				PlannedStart: "2026-05-01", PlannedEnd: "2026-05-02", AuditorIDs: []string{f.csirt.ID}, Status: hikeshi.AuditPlanned, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateInternalAudit(ctx, a); err != nil {
				return err
			}
			return tx.CreateFinding(ctx, hikeshi.Finding{ID: hikeshi.NewID(), AuditID: a.ID, Type: hikeshi.FindingObservation, Description: "記録が不足",
				RequirementRef: hikeshi.RequirementRef{FrameworkKey: "third", Ref: "C1"}, DepartmentID: f.sales.ID, CreatedAt: now, UpdatedAt: now})
		}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Frameworks.DeleteFramework(ctx, admin, "third"); docFieldCode(err) != "framework.referenced" || !strings.Contains(err.Error(), "finding 記録が不足") {
			t.Errorf("delete a framework a finding names: %v", err)
		}
		for _, key := range []string{"own", "", "../etc", strings.Repeat("a", 500), "UPPER"} {
			if err := f.svc.Frameworks.DeleteFramework(ctx, admin, key); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("delete %q: %v", key, err)
			}
			if _, err := f.svc.Frameworks.SetFrameworkArchived(ctx, admin, key, true); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("archive %q: %v", key, err)
			}
		}
	})
}
