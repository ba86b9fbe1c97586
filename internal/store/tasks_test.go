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

// TestTasksRoundTripAndInboxOrder stores tasks and lists them by due date
// (none last, then by id) in pages of one, per department, per assignee and
// for both, and checks the status CHECK against completed_at.
func TestTasksRoundTripAndInboxOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mkUser(t, db, "worker@example.org")
		inc := newIncident(1, t0, hikeshi.TLPRed)
		deptA := hikeshi.Department{ID: hikeshi.NewID(), Name: "A", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		deptB := hikeshi.Department{ID: hikeshi.NewID(), Name: "B", Kind: hikeshi.KindBusinessUnit, CreatedAt: t0, UpdatedAt: t0}
		mk := func(title, dept, assignee string, due time.Time, st hikeshi.TaskStatus) hikeshi.Task {
			time.Sleep(2 * time.Millisecond)
			tk := hikeshi.Task{ID: hikeshi.NewID(), IncidentID: inc.ID, Title: title, Description: "説明 <b>", DepartmentID: dept,
				AssigneeID: assignee, DueAt: due, Status: st, PlaybookKey: "phishing", CreatedBy: u.ID, CreatedAt: t0, UpdatedAt: t0}
			if st == hikeshi.TaskDone {
				tk.CompletedAt, tk.Note = t0.Add(time.Hour), "完了"
			}
			return tk
		}
		tasks := []hikeshi.Task{
			mk("no due A", deptA.ID, "", time.Time{}, hikeshi.TaskOpen),
			mk("late A", deptA.ID, "", t0.Add(time.Hour), hikeshi.TaskInProgress),
			mk("early A", deptA.ID, "", t0.Add(time.Minute), hikeshi.TaskOpen),
			mk("done A", deptA.ID, "", t0, hikeshi.TaskDone),
			mk("B for worker", deptB.ID, u.ID, t0.Add(30*time.Minute), hikeshi.TaskOpen),
			mk("B other", deptB.ID, "", t0.Add(time.Minute), hikeshi.TaskOpen),
			mk("same due A", deptA.ID, "", t0.Add(time.Hour), hikeshi.TaskOpen),
		}
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, d := range []hikeshi.Department{deptA, deptB} {
				if err := tx.CreateDepartment(ctx, d); err != nil {
					return err
				}
			}
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
			for _, tk := range tasks {
				if err := tx.CreateTask(ctx, tk); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindTaskByID(ctx, tasks[3].ID)
		if err != nil || !cmp.Equal(got, tasks[3]) {
			t.Fatalf("round trip: %v\n%s", err, cmp.Diff(tasks[3], got))
		}
		if _, err := db.FindTaskByID(ctx, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing task: %v", err)
		}
		all, err := db.FindTasksByIncident(ctx, inc.ID, hikeshi.Page{})
		if err != nil || len(all) != len(tasks) || all[0].ID != tasks[0].ID {
			t.Errorf("by incident: %d %v", len(all), err)
		}
		titles := func(f hikeshi.TaskFilter) []string {
			t.Helper()
			var out []string
			f.Page = hikeshi.Page{Limit: 1}
			for range 20 {
				page, err := db.FindTasks(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					return out
				}
				out = append(out, page[0].Title)
				f.Page.After = hikeshi.TaskCursor(page[0])
			}
			t.Fatal("paging does not end")
			return nil
		}
		for _, tc := range []struct {
			name string
			f    hikeshi.TaskFilter
			want []string
		}{
			{"department A", hikeshi.TaskFilter{DepartmentID: deptA.ID}, []string{"early A", "late A", "same due A", "no due A"}},
			{"assignee", hikeshi.TaskFilter{AssigneeID: u.ID}, []string{"B for worker"}},
			{"department A or assignee", hikeshi.TaskFilter{DepartmentID: deptA.ID, AssigneeID: u.ID},
				[]string{"early A", "B for worker", "late A", "same due A", "no due A"}},
			{"every department", hikeshi.TaskFilter{}, []string{"early A", "B other", "B for worker", "late A", "same due A", "no due A"}},
			{"done", hikeshi.TaskFilter{Statuses: []hikeshi.TaskStatus{hikeshi.TaskDone}}, []string{"done A"}},
		} {
			if got := titles(tc.f); !cmp.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		if _, err := db.FindTasks(ctx, hikeshi.TaskFilter{Page: hikeshi.Page{After: "x' OR 1=1 --"}}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("bad cursor: %v", err)
		}

		// Update, and the CHECK that done and completed_at go together.
		moved := hikeshi.MoveTask(tasks[0], hikeshi.TaskDone, "済み", t0.Add(2*time.Hour))
		moved.AssigneeID, moved.DueAt = u.ID, t0.Add(3*time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateTask(ctx, moved) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindTaskByID(ctx, moved.ID); !cmp.Equal(got, moved) {
			t.Errorf("update:\n%s", cmp.Diff(moved, got))
		}
		bad := moved
		bad.CompletedAt = time.Time{}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateTask(ctx, bad) }); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("done without completed_at: %v", err)
		}
		ghost := tasks[1]
		ghost.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateTask(ctx, ghost) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("update of a missing task: %v", err)
		}
		unknownDept := mk("x", hikeshi.NewID(), "", time.Time{}, hikeshi.TaskOpen)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateTask(ctx, unknownDept) }); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("task of an unknown department: %v", err)
		}
	})
}

func TestPlaybookRecords(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mkUser(t, db, "author@example.org")
		custom := hikeshi.Playbook{ID: hikeshi.NewID(), Name: "独自 <i>", Description: "説明", Categories: []string{"phishing", "fraud"},
			Tasks: []hikeshi.PlaybookTask{
				{Title: "一", Description: "d1", Kind: hikeshi.KindIT, DueHours: 4},
				{Title: "二", Kind: hikeshi.KindCSIRT},
			}, CreatedBy: u.ID, CreatedAt: t0, UpdatedAt: t0}
		custom.Key = custom.ID
		sw := hikeshi.Playbook{ID: hikeshi.NewID(), Key: "phishing", BuiltIn: true, DisabledAt: t0, CreatedAt: t0, UpdatedAt: t0}
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreatePlaybookRecord(ctx, custom); err != nil {
				return err
			}
			return tx.CreatePlaybookRecord(ctx, sw)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindPlaybookRecordByKey(ctx, custom.Key)
		if err != nil || !cmp.Equal(got, custom) {
			t.Fatalf("round trip: %v\n%s", err, cmp.Diff(custom, got))
		}
		all, err := db.FindPlaybookRecords(ctx)
		if err != nil || len(all) != 2 || len(all[0].Tasks)+len(all[1].Tasks) != 2 {
			t.Fatalf("all: %+v %v", all, err)
		}
		dup := sw
		dup.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreatePlaybookRecord(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate key: %v", err)
		}
		custom.Tasks = custom.Tasks[1:]
		custom.Name, custom.DisabledAt, custom.UpdatedAt = "改", t0.Add(time.Hour), t0.Add(time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdatePlaybookRecord(ctx, custom) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindPlaybookRecordByKey(ctx, custom.Key); !cmp.Equal(got, custom) {
			t.Errorf("update:\n%s", cmp.Diff(custom, got))
		}
		if _, err := db.FindPlaybookRecordByKey(ctx, "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
	})
}
