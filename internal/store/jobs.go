package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
)

const jobCols = "id, kind, payload, unique_key, state, run_at, attempts, max_attempts, last_error, locked_by, locked_until, created_at, updated_at, finished_at"

// claimableJobs matches jobs a worker may claim at a time (twice bound to
// now): due pending jobs, and running jobs whose lease expired with attempts
// left (their worker crashed or was stopped).
const claimableJobs = "(state = 'pending' AND run_at <= ?) OR (state = 'running' AND locked_until <= ? AND attempts < max_attempts)"

// leaseExpiredError is the last error of a job whose final attempt's lease ran out.
const leaseExpiredError = "the lease of the last attempt expired before its worker finished (the worker may have crashed or been stopped)"

func scanJob(s interface{ Scan(...any) error }) (hikeshi.Job, error) {
	var j hikeshi.Job
	var key, lockedBy nullableString
	err := s.Scan(&j.ID, &j.Kind, &j.Payload, &key, &j.State, timeCol{&j.RunAt}, &j.Attempts, &j.MaxAttempts,
		&j.LastError, &lockedBy, timeCol{&j.LockedUntil}, timeCol{&j.CreatedAt}, timeCol{&j.UpdatedAt}, timeCol{&j.FinishedAt})
	j.UniqueKey, j.LockedBy = string(key), string(lockedBy)
	return j, err
}

// nullableString scans a nullable TEXT column, NULL as "".
type nullableString string

func (n *nullableString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = ""
	case string:
		*n = nullableString(v)
	case []byte:
		*n = nullableString(v)
	default:
		return fmt.Errorf("store: cannot scan %T into a string", src)
	}
	return nil
}

// FindJobByID returns one job.
func (q queries) FindJobByID(ctx context.Context, id string) (hikeshi.Job, error) {
	j, err := scanJob(q.row(ctx, "SELECT "+jobCols+" FROM jobs WHERE id = ?", id))
	if err != nil {
		return j, fmt.Errorf("job %s: %w", id, notFound(err))
	}
	return j, nil
}

// FindJobs lists jobs in id (creation) order after the cursor, filtered.
func (q queries) FindJobs(ctx context.Context, f hikeshi.JobFilter) ([]hikeshi.Job, error) {
	p := f.Page.Normalize()
	query := "SELECT " + jobCols + " FROM jobs WHERE id > ?"
	args := []any{p.After}
	if f.State != "" {
		query += " AND state = ?"
		args = append(args, string(f.State))
	}
	if f.Kind != "" {
		query += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.UniqueKeyPrefix != "" {
		query += " AND " + keyPrefixMatch
		args = append(args, utf8.RuneCountInString(f.UniqueKeyPrefix), f.UniqueKeyPrefix)
	}
	query += " ORDER BY id LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find jobs: %w", err)
	}
	return collect(rows, scanJob)
}

// keyPrefixMatch compares the first N characters of unique_key with a
// prefix. It is used instead of LIKE, which SQLite compares case-blind and
// PostgreSQL case-sensitively.
const keyPrefixMatch = "substr(unique_key, 1, ?) = ?"

// EnqueueJob inserts a job in the caller's transaction. A job whose unique
// key is taken by a job that is not cancelled is skipped (created is false).
func (t *tx) EnqueueJob(ctx context.Context, j hikeshi.Job) (bool, error) {
	if j.ID == "" {
		j.ID = hikeshi.NewID()
	}
	if j.Payload == "" {
		j.Payload = "{}"
	}
	if j.State == "" {
		j.State = hikeshi.JobPending
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = hikeshi.DefaultJobMaxAttempts
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
	if err := j.Validate(); err != nil {
		return false, fmt.Errorf("enqueue job %s: %w", j.Kind, err)
	}
	if j.State != hikeshi.JobPending {
		return false, fmt.Errorf("enqueue job %s: a new job must be pending, not %s: %w", j.Kind, j.State, hikeshi.ErrInvalid)
	}
	res, err := t.exec(ctx, "INSERT INTO jobs ("+jobCols+") VALUES (?, ?, ?, ?, ?, ?, 0, ?, '', NULL, NULL, ?, ?, NULL) ON CONFLICT DO NOTHING",
		j.ID, j.Kind, j.Payload, nullString(j.UniqueKey), string(j.State), t.d.t(j.RunAt), j.MaxAttempts,
		t.d.t(j.CreatedAt), t.d.t(j.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("enqueue job %s: %w", j.Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("enqueue job %s: %w", j.Kind, err)
	}
	return n == 1, nil
}

// CancelJobs cancels the pending and running jobs whose unique key starts
// with prefix.
func (t *tx) CancelJobs(ctx context.Context, prefix string, at time.Time) (int, error) {
	if prefix == "" {
		return 0, fmt.Errorf("cancel jobs: an empty key prefix would cancel every keyed job: %w", hikeshi.ErrInvalid)
	}
	res, err := t.exec(ctx, "UPDATE jobs SET state = 'cancelled', locked_until = NULL, finished_at = ?, updated_at = ?"+
		" WHERE state IN ('pending', 'running') AND "+keyPrefixMatch,
		t.d.t(at), t.d.t(at), utf8.RuneCountInString(prefix), prefix)
	if err != nil {
		return 0, fmt.Errorf("cancel jobs %s…: %w", prefix, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// writeTx runs fn in a write transaction of the database, like InTx, with
// the store's own transaction type.
func (db *DB) writeTx(ctx context.Context, fn func(t *tx) error) error {
	return db.InTx(ctx, func(htx hikeshi.Tx) error { return fn(htx.(*tx)) })
}

// ClaimJobs leases up to limit claimable jobs to worker until now+lease and
// returns them, oldest run_at first, with State running and Attempts counting
// this attempt. A running job whose lease expired is claimed again (its
// worker is presumed dead), so jobs run at least once, not exactly once; a
// job whose final attempt's lease expired is marked failed instead.
//
// The claim is one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING
// statement. On PostgreSQL the inner SELECT takes FOR UPDATE SKIP LOCKED, so
// any number of instances claim concurrently without waiting and never take
// the same row; on SQLite the one writer serialises claims. A cheap read on
// the reader pool first skips the write transaction when nothing is due.
func (db *DB) ClaimJobs(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]hikeshi.Job, error) {
	if worker == "" || lease <= 0 || limit <= 0 {
		return nil, fmt.Errorf("claim jobs: need a worker, a positive lease and a positive limit: %w", hikeshi.ErrInvalid)
	}
	var due int
	if err := db.row(ctx, "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE "+claimableJobs+
		" OR (state = 'running' AND locked_until <= ?) LIMIT 1) AS due", db.d.t(now), db.d.t(now), db.d.t(now)).Scan(&due); err != nil {
		return nil, fmt.Errorf("claim jobs: look for due jobs: %w", mapError(err))
	}
	if due == 0 {
		return nil, nil
	}
	var jobs []hikeshi.Job
	err := db.writeTx(ctx, func(t *tx) error {
		// The final attempt of these jobs died with its worker: fail them
		// rather than run them more often than MaxAttempts.
		if _, err := t.exec(ctx, "UPDATE jobs SET state = 'failed', last_error = ?, locked_until = NULL, finished_at = ?, updated_at = ?"+
			" WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND locked_until <= ? AND attempts >= max_attempts"+t.d.skipLocked()+")",
			leaseExpiredError, t.d.t(now), t.d.t(now), t.d.t(now)); err != nil {
			return fmt.Errorf("fail jobs out of attempts: %w", err)
		}
		rows, err := t.query(ctx, "UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?"+
			" WHERE id IN (SELECT id FROM jobs WHERE "+claimableJobs+" ORDER BY run_at, id LIMIT ?"+t.d.skipLocked()+")"+
			" RETURNING "+jobCols,
			worker, t.d.t(now.Add(lease)), t.d.t(now), t.d.t(now), t.d.t(now), limit)
		if err != nil {
			return err
		}
		jobs, err = collect(rows, scanJob)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	slices.SortFunc(jobs, func(a, b hikeshi.Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	return jobs, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ErrNotHeld is wrapped (with hikeshi.ErrConflict) by CompleteJob and FailJob
// when the worker no longer holds the job: its lease expired and another
// worker claimed it, or it was cancelled or already finished.
var ErrNotHeld = errors.New("the job is not held by this worker")

// holder locks a job row and checks that worker holds it.
func (t *tx) holder(ctx context.Context, id, worker string) (attempts, maxAttempts int, err error) {
	var state hikeshi.JobState
	var lockedBy nullableString
	err = t.row(ctx, "SELECT state, locked_by, attempts, max_attempts FROM jobs WHERE id = ?"+t.d.forUpdate(), id).
		Scan(&state, &lockedBy, &attempts, &maxAttempts)
	if err != nil {
		return 0, 0, notFound(err)
	}
	if state != hikeshi.JobRunning || string(lockedBy) != worker {
		return 0, 0, fmt.Errorf("%w (it is %s, last held by %q): %w", ErrNotHeld, state, string(lockedBy), hikeshi.ErrConflict)
	}
	return attempts, maxAttempts, nil
}

// CompleteJob marks a job done. Only the worker holding the job may complete
// it; anyone else gets an error wrapping ErrNotHeld and hikeshi.ErrConflict.
// The job keeps LockedBy as a record of who ran it.
func (db *DB) CompleteJob(ctx context.Context, id, worker string, now time.Time) error {
	err := db.writeTx(ctx, func(t *tx) error {
		if _, _, err := t.holder(ctx, id, worker); err != nil {
			return err
		}
		return t.execOne(ctx, "UPDATE jobs SET state = 'done', locked_until = NULL, finished_at = ?, updated_at = ? WHERE id = ?",
			t.d.t(now), t.d.t(now), id)
	})
	if err != nil {
		return fmt.Errorf("complete job %s: %w", id, err)
	}
	return nil
}

// FailJob records a failed attempt of a job the worker holds, with its error
// text. With attempts left the job is pending again at retryAt; otherwise it
// is failed for good. It returns the job's new state. Like CompleteJob it
// refuses a worker that does not hold the job.
func (db *DB) FailJob(ctx context.Context, id, worker string, now time.Time, errText string, retryAt time.Time) (hikeshi.JobState, error) {
	var state hikeshi.JobState
	err := db.writeTx(ctx, func(t *tx) error {
		attempts, maxAttempts, err := t.holder(ctx, id, worker)
		if err != nil {
			return err
		}
		if attempts >= maxAttempts {
			state = hikeshi.JobFailed
			return t.execOne(ctx, "UPDATE jobs SET state = 'failed', last_error = ?, locked_until = NULL, finished_at = ?, updated_at = ? WHERE id = ?",
				errText, t.d.t(now), t.d.t(now), id)
		}
		state = hikeshi.JobPending
		if retryAt.Before(now) {
			retryAt = now
		}
		return t.execOne(ctx, "UPDATE jobs SET state = 'pending', last_error = ?, run_at = ?, locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ?",
			errText, t.d.t(retryAt), t.d.t(now), id)
	})
	if err != nil {
		return "", fmt.Errorf("fail job %s: %w", id, err)
	}
	return state, nil
}
