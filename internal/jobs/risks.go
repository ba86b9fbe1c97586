package jobs

import (
	"context"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// addRiskJobs adds the risk-review reminders of the ISMS (IS-2): a daily job
// that reminds the owners of risks whose review is due or overdue, or whose
// treatment is past due. Reminders are unique per (risk, kind, due time,
// user), so a retry or a second worker reminds nobody twice.
func addRiskJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {
	hs[service.KindRiskRemind] = func(ctx context.Context, j hikeshi.Job) error {
		n, err := d.Services.Risks.Remind(ctx, hikeshi.SystemActor("jobs"))
		if err != nil {
			return err
		}
		if n > 0 {
			d.Log.Info("risk reminders", "job_id", j.ID, "reminders", n)
		}
		return nil
	}
	*periodic = append(*periodic, Periodic{Kind: service.KindRiskRemind, Every: 24 * time.Hour})
}
