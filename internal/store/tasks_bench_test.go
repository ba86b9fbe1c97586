package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// BenchmarkTaskInbox reads the first inbox page of one department among 50
// with 20,000 tasks in all (a quarter of them done), the way /tasks does.
func BenchmarkTaskInbox(b *testing.B) {
	ctx := context.Background()
	db := storetest.NewSQLite(b)
	var depts []string
	inc := newIncident(1, t0, hikeshi.TLPRed)
	err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := tx.CreateIncident(ctx, inc); err != nil {
			return err
		}
		for i := range 50 {
			d := hikeshi.Department{ID: hikeshi.NewID(), Name: fmt.Sprint("d", i), Kind: hikeshi.KindBusinessUnit, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
			depts = append(depts, d.ID)
		}
		for i := range 20000 {
			tk := hikeshi.Task{ID: hikeshi.NewID(), IncidentID: inc.ID, Title: "t", DepartmentID: depts[i%50], Status: hikeshi.TaskOpen,
				DueAt: t0.Add(time.Duration(i%997) * time.Hour), CreatedAt: t0, UpdatedAt: t0}
			if i%4 == 0 {
				tk.Status, tk.CompletedAt = hikeshi.TaskDone, t0
			}
			if err := tx.CreateTask(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		ts, err := db.FindTasks(ctx, hikeshi.TaskFilter{DepartmentID: depts[7], Page: hikeshi.Page{Limit: 51}})
		if err != nil || len(ts) != 51 {
			b.Fatal(len(ts), err)
		}
	}
}
