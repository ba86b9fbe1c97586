package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillTasks) }

// fillTasks fills tasks, playbooks and playbook_tasks: a built-in playbook
// applied in Japanese, a task added by hand and completed, a custom playbook
// and a built-in switched off.
func fillTasks(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The RED incident is closed and takes no new tasks; the reopened one does.
	_, err := f.svc.Tasks.ApplyPlaybook(ctx, f.csirt, f.incidents[1].ID, "phishing", hikeshi.LocaleJA, nil)
	must(err)
	tk, err := f.svc.Tasks.Create(ctx, f.csirt, f.incidents[1].ID, service.TaskInput{Title: "手作業のタスク <b>", Description: "説明\n二行目",
		DepartmentID: f.depts[1].ID, DueAt: time.Now().Add(48 * time.Hour)})
	must(err)
	_, err = f.svc.Tasks.SetStatus(ctx, f.csirt, tk.ID, hikeshi.TaskDone, "完了しました")
	must(err)
	_, err = f.svc.Tasks.CreatePlaybook(ctx, f.csirt, service.PlaybookInput{Name: "独自の手順", Categories: []string{"phishing"},
		Tasks: []hikeshi.PlaybookTask{{Title: "確認する", Kind: hikeshi.KindIT, DueHours: 8}, {Title: "報告する", Kind: hikeshi.KindManagement}}})
	must(err)
	_, err = f.svc.Tasks.SetPlaybookDisabled(ctx, f.csirt, "ddos", true)
	must(err)
}
