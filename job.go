package hikeshi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// JobState is where a durable background job is in its life.
//
//	pending → running → done
//	            ↓ ↑ (failed attempt, retried with backoff)
//	         pending … → failed (after MaxAttempts)
//	pending/running → cancelled (CancelJobs)
//
// A running job whose lease expires (its worker crashed) is claimed again, so
// every job runs at least once, and handlers must be idempotent.
type JobState string

// The job states.
const (
	JobPending   JobState = "pending"
	JobRunning   JobState = "running"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// DefaultJobMaxAttempts is the number of attempts a job gets when the
// enqueuer does not say.
const DefaultJobMaxAttempts = 10

// Job is one unit of durable background work (PL-6). It is written in the
// same transaction as the change that causes it and claimed by one worker at
// a time under a lease.
type Job struct {
	ID   string
	Kind string // selects the handler, e.g. "audit.verify"
	// Payload is the handler's input as a JSON document ("{}" when empty).
	Payload string
	// UniqueKey, when set, makes enqueueing idempotent: while a job with the
	// same key exists and is not cancelled, enqueueing another is a no-op.
	UniqueKey   string
	State       JobState
	RunAt       time.Time // not claimed before this time
	Attempts    int       // attempts started so far, counting the running one
	MaxAttempts int       // after this many failed attempts the job is failed
	LastError   string    // the error of the last failed attempt
	LockedBy    string    // worker holding the lease while running
	LockedUntil time.Time // the lease ends here; then another worker may claim it
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time // when it became done, failed or cancelled
}

// NewJob builds a pending job of kind that runs at runAt, with payload
// marshalled to JSON (nil gives "{}"). now is the enqueue time.
func NewJob(kind string, payload any, now, runAt time.Time) (Job, error) {
	p := "{}"
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return Job{}, fmt.Errorf("job %s: encode payload: %w", kind, err)
		}
		p = string(b)
	}
	j := Job{ID: NewID(), Kind: kind, Payload: p, State: JobPending, RunAt: runAt,
		MaxAttempts: DefaultJobMaxAttempts, CreatedAt: now, UpdatedAt: now}
	return j, j.Validate()
}

// Decode unmarshals the job's payload into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal([]byte(j.Payload), v); err != nil {
		return fmt.Errorf("job %s %s: decode payload: %w", j.Kind, j.ID, err)
	}
	return nil
}

// Validate checks what the store relies on when a job is enqueued.
func (j Job) Validate() error {
	var v ValidationError
	if strings.TrimSpace(j.Kind) == "" {
		v.Add("kind", "required", "a job needs a kind")
	}
	if !json.Valid([]byte(j.Payload)) {
		v.Add("payload", "invalid", "the payload must be a JSON document")
	}
	if j.RunAt.IsZero() {
		v.Add("run_at", "required", "a job needs a time to run at")
	}
	if j.CreatedAt.IsZero() {
		v.Add("created_at", "required", "a job needs its enqueue time")
	}
	if j.MaxAttempts < 0 {
		v.Add("max_attempts", "invalid", "max attempts cannot be negative")
	}
	return v.Err()
}

// JobFilter selects jobs for FindJobs; zero fields match everything. Jobs are
// listed in id (creation) order after Page.After.
type JobFilter struct {
	State           JobState
	Kind            string
	UniqueKeyPrefix string
	Page
}

// JobReader is the read side of durable background jobs (PL-6).
type JobReader interface {
	FindJobByID(ctx context.Context, id string) (Job, error)
	FindJobs(ctx context.Context, f JobFilter) ([]Job, error)
}

// JobWriter is the write side of durable background jobs: jobs are enqueued in
// the same transaction as the change that causes them, so a rolled-back change
// leaves no job behind and a committed one never loses its job.
type JobWriter interface {
	// EnqueueJob inserts j (an empty ID, State or MaxAttempts is filled in).
	// created is false when a job with the same UniqueKey already exists and
	// is not cancelled; then nothing is written.
	EnqueueJob(ctx context.Context, j Job) (created bool, err error)
	// CancelJobs cancels the pending and running jobs whose UniqueKey starts
	// with prefix (which must not be empty), e.g. when a clock is stopped, and
	// returns how many it cancelled. A running job's worker then finds its
	// completion refused. A cancelled job's key is free to be enqueued again.
	CancelJobs(ctx context.Context, uniqueKeyPrefix string, at time.Time) (int, error)
}
