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
		work, err := db.FindRoutedWork(ctx)
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
			return tx.MoveRoutedItem(ctx, hikeshi.RoutedItem{Entity: "risk", ID: lesson}, it.ID, moved)
		}); err == nil {
			t.Fatal("an unknown entity was moved")
		}
	})
}
