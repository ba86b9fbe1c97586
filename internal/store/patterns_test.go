package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestOrgPatternStore writes versions of the pattern and reads them back
// (matrix cells with "with" and default marks, the department mapping), on
// both engines; lists the routed open work and moves it, dropping an assignee
// who is not a member of the new department.
func TestOrgPatternStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, service.Options{Argon: cheapArgon})
		sys := hikeshi.SystemActor("test")
		dept := func(name string, k hikeshi.DepartmentKind) hikeshi.Department {
			d, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: name, Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		mg, it, cs := dept("経営企画部", hikeshi.KindManagement), dept("情報システム部", hikeshi.KindIT), dept("CSIRT", hikeshi.KindCSIRT)
		handler, err := svc.Users.Create(ctx, sys, service.UserInput{Email: "h@example.org", Name: "H", Role: hikeshi.RoleCSIRT, DepartmentID: cs.ID, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}

		if _, err := db.CurrentOrgPattern(ctx); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Fatalf("no pattern yet: got %v", err)
		}
		tpl, _ := hikeshi.PatternByKey(hikeshi.PatternIndependent)
		at := time.Date(2026, 5, 1, 9, 0, 0, 123456000, time.UTC)
		v1 := hikeshi.OrgPattern{ID: hikeshi.NewID(), Version: 1, Template: tpl.Key, Trigger: tpl.Trigger, Matrix: tpl.Matrix, Note: "初版 <b>",
			Units:     map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mg.ID, hikeshi.KindIT: it.ID, hikeshi.KindCSIRT: cs.ID},
			CreatedBy: handler.ID, CreatedAt: at}
		time.Sleep(2 * time.Millisecond)
		trad, _ := hikeshi.PatternByKey(hikeshi.PatternTraditional)
		v2 := hikeshi.OrgPattern{ID: hikeshi.NewID(), Version: 2, Template: trad.Key, Trigger: trad.Trigger, Matrix: trad.Matrix,
			Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mg.ID, hikeshi.KindIT: it.ID}, CreatedAt: at.Add(time.Hour)}
		for _, p := range []hikeshi.OrgPattern{v1, v2} {
			if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateOrgPattern(ctx, p) }); err != nil {
				t.Fatal(err)
			}
		}
		cur, err := db.CurrentOrgPattern(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur.ID != v2.ID || cur.Version != 2 || cur.Template != hikeshi.PatternTraditional || cur.Trigger != hikeshi.TriggerAuditResults ||
			len(cur.Units) != 2 || cur.Units[hikeshi.KindIT] != it.ID || !cur.CreatedAt.Equal(v2.CreatedAt) || cur.CreatedBy != "" {
			t.Fatalf("current = %+v", cur)
		}
		if !cur.Matrix[hikeshi.ActivityIncidentResponse].Default || cur.Matrix[hikeshi.ActivityRules].Default {
			t.Fatalf("default marks lost: %+v", cur.Matrix)
		}
		if cur.Responsible(hikeshi.ActivityIncidentResponse) != it.ID || cur.Responsible(hikeshi.ActivityImprovement) != mg.ID {
			t.Fatalf("responsible: %+v", cur)
		}
		all, err := db.FindOrgPatterns(ctx, hikeshi.Page{Limit: 10})
		if err != nil || len(all) != 2 || all[0].ID != v2.ID || all[1].ID != v1.ID {
			t.Fatalf("history = %+v, %v", all, err)
		}
		got := all[1]
		if got.Note != "初版 <b>" || got.CreatedBy != handler.ID || !got.CreatedAt.Equal(at) || len(got.Units) != 3 ||
			!slices.Equal(got.Matrix[hikeshi.ActivityIncidentResponse].With, []hikeshi.DepartmentKind{hikeshi.KindIT}) ||
			got.Matrix[hikeshi.ActivityIncidentResponse].Lead != hikeshi.KindCSIRT {
			t.Fatalf("v1 read back = %+v", got)
		}
		page, err := db.FindOrgPatterns(ctx, hikeshi.Page{Limit: 1, After: v2.ID})
		if err != nil || len(page) != 1 || page[0].ID != v1.ID {
			t.Fatalf("second page = %+v, %v", page, err)
		}
		// A version number is taken once; a unit names an existing department.
		dup := v2
		dup.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateOrgPattern(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Fatalf("duplicate version: %v", err)
		}
		bad := v2
		bad.ID, bad.Version, bad.Units = hikeshi.NewID(), 3, map[hikeshi.DepartmentKind]string{hikeshi.KindIT: "no-such-department"}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateOrgPattern(ctx, bad) }); err == nil {
			t.Fatal("a unit mapped onto no department was stored")
		}

		// Routed work: a routed task (assigned to a CSIRT member), an
		// unrouted task, a lesson's action and a finding's action.
		inc, err := svc.Incidents.Create(ctx, hikeshi.ActorFor(handler, "test"), service.IncidentInput{Title: "フィッシング", Summary: "s",
			Category: "phishing", Impact: 2, Urgency: 1, TLP: hikeshi.TLPGreen})
		if err != nil {
			t.Fatal(err)
		}
		task := func(title string) hikeshi.Task {
			tk, err := svc.Tasks.Create(ctx, hikeshi.ActorFor(handler, "test"), inc.ID, service.TaskInput{Title: title, DepartmentID: cs.ID, AssigneeID: handler.ID})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		routed, plain := task("封じ込め"), task("手作業")
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.MarkTaskRouted(ctx, routed.ID, hikeshi.ActivityIncidentResponse)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkTaskRouted(ctx, "missing", hikeshi.ActivityIncidentResponse) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Fatalf("mark a missing task: %v", err)
		}
		old := "2026-01-10T10:00:00.000000Z"
		lesson, finding := hikeshi.NewID(), hikeshi.NewID()
		for _, c := range []struct{ id, kind, status string }{{lesson, "lesson", "in_progress"}, {finding, "finding", "open"}, {hikeshi.NewID(), "lesson", "implemented"}} {
			mgmtExec(t, db, fmt.Sprintf(`INSERT INTO corrective_actions (id, source_kind, source_id, title, action, department_id, owner_id, due_date, status, created_at, updated_at)
				VALUES ('%s', '%s', 'src', '改善 %s', 'a', '%s', '%s', '2026-06-30', '%s', '%s', '%s')`, c.id, c.kind, c.kind, mg.ID, handler.ID, c.status, old, old))
		}
		work, err := db.FindRoutedWork(ctx, "2026-05-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(work) != 2 || work[0].ID != routed.ID || work[0].Entity != hikeshi.RoutedTask || work[0].Activity != hikeshi.ActivityIncidentResponse ||
			work[0].DepartmentID != cs.ID || work[0].IncidentID != inc.ID || work[0].Title != "封じ込め" ||
			work[1].ID != lesson || work[1].Entity != hikeshi.RoutedAction || work[1].Activity != hikeshi.ActivityImprovement || work[1].DepartmentID != mg.ID {
			t.Fatalf("routed work = %+v", work)
		}
		moved := at.Add(2 * time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, w := range work {
				if err := tx.MoveRoutedItem(ctx, w, it.ID, moved); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		tk, err := db.FindTaskByID(ctx, routed.ID)
		if err != nil || tk.DepartmentID != it.ID || tk.AssigneeID != "" || !tk.UpdatedAt.Equal(moved) {
			t.Fatalf("moved task = %+v, %v", tk, err)
		}
		if tk, _ := db.FindTaskByID(ctx, plain.ID); tk.DepartmentID != cs.ID || tk.AssigneeID != handler.ID {
			t.Fatalf("unrouted task moved: %+v", tk)
		}
		ca, err := db.FindCorrectiveActionByID(ctx, lesson)
		if err != nil || ca.DepartmentID != it.ID || ca.OwnerID != "" {
			t.Fatalf("moved action = %+v, %v", ca, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.MoveRoutedItem(ctx, hikeshi.RoutedItem{Entity: "nope", ID: lesson}, it.ID, moved)
		}); err == nil {
			t.Fatal("an unknown entity was moved")
		}
		testRoutedISMS(t, db, svc, mg, it)
	})
}

// testRoutedISMS (decision 0038): the ISMS items the pattern placed are
// listed while open, moved, and cleared when a person places them.
func testRoutedISMS(t *testing.T, db *store.DB, svc *service.Services, mg, it hikeshi.Department) {
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	chair, err := svc.Users.Create(ctx, sys, service.UserInput{Email: "c@example.org", Name: "C", Role: hikeshi.RoleManager, DepartmentID: mg.ID, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Risks.CreateRisk(ctx, sys, service.RiskInput{Title: "r", Scenario: "s", Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.Documents.Create(ctx, sys, service.DocumentInput{Kind: hikeshi.DocRules, Title: "規程", Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := svc.Checks.CreateProgramme(ctx, sys, service.ProgrammeInput{Year: 2026, Title: "p", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Checks.CreateProgramme(ctx, sys, service.ProgrammeInput{Year: 2025, Title: "old", PeriodStart: "2025-04-01", PeriodEnd: "2026-03-31"}); err != nil {
		t.Fatal(err)
	}
	mr, err := svc.Management.CreateReview(ctx, sys, service.MgmtReviewInput{Title: "m", PeriodFrom: "2026-01-01", PeriodTo: "2026-03-31", MeetingDate: "2026-04-10", ChairID: chair.ID})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := db.FindAuditProgrammeByID(ctx, cur.ID); err != nil || p.DepartmentID != mg.ID || p.RoutedActivity != hikeshi.ActivityInternalAudit {
		t.Fatalf("programme read back %+v %v", p, err)
	}
	if m, err := db.FindManagementReviewByID(ctx, mr.ID); err != nil || m.DepartmentID != mg.ID || m.RoutedActivity != hikeshi.ActivityManagementReview {
		t.Fatalf("review read back %+v %v", m, err)
	}
	work, err := db.FindRoutedWork(ctx, "2026-05-01")
	if err != nil {
		t.Fatal(err)
	}
	var isms []hikeshi.RoutedItem
	for _, w := range work {
		if w.Entity != hikeshi.RoutedTask && w.Entity != hikeshi.RoutedAction {
			isms = append(isms, w)
		}
	}
	want := []struct {
		id, entity string
		a          hikeshi.Activity
	}{{r.ID, hikeshi.RoutedRisk, hikeshi.ActivityRiskAssessment}, {d.ID, hikeshi.RoutedDocument, hikeshi.ActivityRules},
		{cur.ID, hikeshi.RoutedProgramme, hikeshi.ActivityInternalAudit}, {mr.ID, hikeshi.RoutedMgmt, hikeshi.ActivityManagementReview}}
	if len(isms) != len(want) {
		t.Fatalf("routed ISMS items %+v", isms)
	}
	for i, w := range want {
		if isms[i].ID != w.id || isms[i].Entity != w.entity || isms[i].Activity != w.a || isms[i].DepartmentID != mg.ID || isms[i].Title == "" {
			t.Fatalf("item %d = %+v, want %+v", i, isms[i], w)
		}
	}
	at := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		for _, w := range isms {
			if err := tx.MoveRoutedItem(ctx, w, it.ID, at); err != nil {
				return err
			}
		}
		// A person places the document: it is no longer routed, and a
		// move planned before does not touch it.
		if err := tx.MarkRouted(ctx, hikeshi.RoutedDocument, d.ID, ""); err != nil {
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindRiskByID(ctx, r.ID); got.OwnerDepartmentID != it.ID || !got.UpdatedAt.Equal(at) {
		t.Errorf("moved risk %+v", got)
	}
	if got, _ := db.FindManagementReviewByID(ctx, mr.ID); got.DepartmentID != it.ID {
		t.Errorf("moved review %+v", got)
	}
	err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MoveRoutedItem(ctx, isms[1], mg.ID, at) })
	if !errors.Is(err, hikeshi.ErrNotFound) {
		t.Errorf("moving an item a person placed: %v", err)
	}
	if got, _ := db.FindDocumentByID(ctx, d.ID); got.DepartmentID != it.ID {
		t.Errorf("placed document %+v", got)
	}
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkRouted(ctx, "tasks; DROP TABLE risks", r.ID, "") }); err == nil {
		t.Error("an unknown entity was marked")
	}
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkRouted(ctx, hikeshi.RoutedRisk, "missing", "") }); !errors.Is(err, hikeshi.ErrNotFound) {
		t.Errorf("mark a missing risk: %v", err)
	}
	if work, _ := db.FindRoutedWork(ctx, "2027-04-01"); slices.ContainsFunc(work, func(w hikeshi.RoutedItem) bool { return w.ID == cur.ID || w.ID == d.ID }) {
		t.Errorf("an ended programme or a placed document is still routed: %+v", work)
	}
}
