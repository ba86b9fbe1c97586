package jobs

import (
	"context"
	"time"

	"github.com/hikeshi/hikeshi"
)

// KindBlobSweep is the daily job that deletes stored files nothing refers to.
const KindBlobSweep = "blob.sweep"

// addEvidenceJobs adds the clean-up of stored files nothing refers to any more.
func addEvidenceJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {
	hs[KindBlobSweep] = SweepBlobs(d)
	*periodic = append(*periodic, Periodic{Kind: KindBlobSweep, Every: 24 * time.Hour})
}

// SweepBlobs returns the handler of KindBlobSweep: blobs that no report
// attachment and no evidence file refers to, and that are older than
// hikeshi.BlobGracePeriod (so a file whose report or evidence row is still
// being written is never taken), are deleted in small transactions. A failure
// fails the attempt, which is retried; what was deleted before it stays deleted.
func SweepBlobs(d Deps) Handler {
	return func(ctx context.Context, j hikeshi.Job) error {
		n, err := d.Services.Evidence.SweepBlobs(ctx, hikeshi.SystemActor("jobs"))
		if err != nil {
			return err
		}
		d.Log.Info("unreferenced stored files swept", "job_id", j.ID, "deleted", n)
		return nil
	}
}
