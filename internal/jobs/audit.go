package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hikeshi/hikeshi"
)

// KindAuditVerify is the job that verifies the audit log's hash chain.
const KindAuditVerify = "audit.verify"

// AuditVerifier verifies the audit chain (service.Audit).
type AuditVerifier interface {
	Verify(ctx context.Context) (int64, error)
}

// VerifyAudit returns the handler of KindAuditVerify. A broken chain is
// logged as an error and the job still completes: running it again would
// find the same break, and the daily job reports it again tomorrow. A
// failure to read the log fails the attempt, which is retried.
func VerifyAudit(a AuditVerifier, log *slog.Logger) Handler {
	return func(ctx context.Context, j hikeshi.Job) error {
		start := time.Now()
		n, err := a.Verify(ctx)
		var brk *hikeshi.ChainBreak
		switch {
		case errors.As(err, &brk):
			log.Error("audit chain verification FAILED: the audit log was altered", "job_id", j.ID,
				"entries_checked", n, "first_bad_seq", brk.Seq, "reason", brk.Reason)
			return nil
		case err != nil:
			return err
		}
		log.Info("audit chain verified", "job_id", j.ID, "entries", n, "duration", time.Since(start).Round(time.Millisecond).String())
		return nil
	}
}
