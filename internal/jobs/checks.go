package jobs

import (
	"context"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// addCheckJobs adds the reminders of overdue corrective actions (IS-4): a
// daily job that reminds the owners of actions not yet implemented after
// their due date, judged in Deps.Location. Reminders are unique per (action,
// due date, user), so a retry or a second worker reminds nobody twice.
func addCheckJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {
	hs[service.KindActionRemind] = func(ctx context.Context, j hikeshi.Job) error {
		n, err := d.Services.Checks.Remind(ctx, hikeshi.SystemActor("jobs"), d.Location)
		if err != nil {
			return err
		}
		if n > 0 {
			d.Log.Info("corrective action reminders", "job_id", j.ID, "reminders", n)
		}
		return nil
	}
	*periodic = append(*periodic, Periodic{Kind: service.KindActionRemind, Every: 24 * time.Hour})
}
