// Package jobs runs Hikeshi's durable background jobs (PL-6). Jobs are rows
// that services enqueue through hikeshi.Tx in the same transaction as the
// change that causes them; a Runner claims due jobs under a lease, runs the
// handler registered for their kind, and records the outcome. Any number of
// runners, in one process or several instances, may share a database.
//
// Delivery is at least once: a job whose worker dies mid-run is claimed again
// when its lease expires, and a handler that finishes after its lease may
// have run beside a second worker. Handlers must therefore be idempotent
// (check before acting, or key their side effects by the job's ID).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Handler runs one job. Returning an error fails the attempt; the job is
// retried with backoff until its MaxAttempts are used up. ctx ends when the
// job's lease ends or the runner shuts down.
type Handler func(ctx context.Context, job hikeshi.Job) error

// Queue is what the runner needs of the database (*store.DB implements it).
type Queue interface {
	// InTx runs fn in one write transaction; periodic jobs are enqueued in it.
	InTx(ctx context.Context, fn func(tx hikeshi.Tx) error) error
	// ClaimJobs leases up to limit due jobs to worker until now+lease.
	ClaimJobs(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]hikeshi.Job, error)
	// CompleteJob marks a job the worker holds done.
	CompleteJob(ctx context.Context, id, worker string, now time.Time) error
	// FailJob records a failed attempt; the job is retried at retryAt or,
	// out of attempts, failed. It returns the new state.
	FailJob(ctx context.Context, id, worker string, now time.Time, errText string, retryAt time.Time) (hikeshi.JobState, error)
}

// Periodic asks the runner to enqueue a job of Kind once in every period of
// length Every (aligned to UTC, so Every = 24h means once per UTC day). The
// job's unique key names the period, so several instances enqueue it once.
type Periodic struct {
	Kind  string
	Every time.Duration
}

// Key returns the unique key of the period that contains now, e.g.
// "audit.verify:2026-04-01" for a daily job.
func (p Periodic) Key(now time.Time) string {
	start := now.UTC().Truncate(p.Every)
	if p.Every%(24*time.Hour) == 0 {
		return p.Kind + ":" + start.Format("2006-01-02")
	}
	return p.Kind + ":" + start.Format("2006-01-02T15:04:05Z")
}

// Defaults for Runner fields left zero.
const (
	DefaultPoll        = time.Second
	DefaultLease       = 5 * time.Minute
	DefaultConcurrency = 4
	// DefaultBackoffBase and DefaultBackoffCap shape DefaultBackoff.
	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffCap  = time.Hour
	// storeTimeout bounds recording an outcome, which happens even while the
	// runner shuts down.
	storeTimeout = 10 * time.Second
)

// DefaultBackoff waits 10s after the first failed attempt and doubles the
// wait for each further one, up to an hour. It is deterministic, so tests
// with a fake clock know when a retry is due; the lease-based claim needs no
// jitter to stay correct when many jobs fail at once.
func DefaultBackoff(attempts int) time.Duration {
	d := DefaultBackoffBase
	for i := 1; i < attempts && d < DefaultBackoffCap; i++ {
		d *= 2
	}
	return min(d, DefaultBackoffCap)
}

// Runner claims and runs due jobs. Set its fields, then call Run (or RunDue
// for a single pass). A Runner must not be copied after first use.
type Runner struct {
	Store    Queue
	Clock    hikeshi.Clock
	Log      *slog.Logger
	Handlers map[string]Handler // by job kind
	// Worker names this runner in the jobs it holds; unique per process.
	// Empty: hostname, process id and a random suffix.
	Worker string
	// Poll is how often Run looks for due jobs when idle.
	Poll time.Duration
	// Lease is how long a claimed job is held; a handler's ctx ends with it,
	// so a slow handler does not overlap a second worker's attempt.
	Lease time.Duration
	// Concurrency is how many handlers run at once.
	Concurrency int
	// Backoff gives the wait before the next attempt after a job's
	// attempts-th attempt failed. Nil: DefaultBackoff.
	Backoff func(attempts int) time.Duration
	// Periodic jobs are enqueued by the runner at the start of each period.
	Periodic []Periodic

	once       sync.Once
	mu         sync.Mutex
	lastPeriod map[string]string // Periodic.Kind → key last enqueued by this runner
}

func (r *Runner) init() {
	r.once.Do(func() {
		if r.Clock == nil {
			r.Clock = hikeshi.SystemClock{}
		}
		if r.Log == nil {
			r.Log = slog.New(slog.DiscardHandler)
		}
		if r.Worker == "" {
			r.Worker = DefaultWorker()
		}
		if r.Poll <= 0 {
			r.Poll = DefaultPoll
		}
		if r.Lease <= 0 {
			r.Lease = DefaultLease
		}
		if r.Concurrency <= 0 {
			r.Concurrency = DefaultConcurrency
		}
		if r.Backoff == nil {
			r.Backoff = DefaultBackoff
		}
		r.lastPeriod = map[string]string{}
	})
}

// DefaultWorker names a worker by host, process and a random suffix, so two
// runners never share a name even on one host.
func DefaultWorker() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + strconv.FormatUint(rand.Uint64()&0xffffff, 36)
}

// Run claims and runs jobs until ctx is done, then cancels the handlers still
// running, records their attempts as failed (to be retried at once, by any
// instance) and returns when all have finished. Database errors are logged
// and retried at the next poll; Run returns an error only when misconfigured.
func (r *Runner) Run(ctx context.Context) error {
	if r.Store == nil {
		return errors.New("jobs: the runner has no Store")
	}
	r.init()
	r.Log.Info("job runner started", "worker", r.Worker, "concurrency", r.Concurrency,
		"poll", r.Poll.String(), "lease", r.Lease.String(), "kinds", len(r.Handlers))
	var wg sync.WaitGroup
	slots := make(chan struct{}, r.Concurrency) // one token per running handler
	freed := make(chan struct{}, 1)
	tick := time.NewTicker(r.Poll)
	defer tick.Stop()
	for {
		r.enqueuePeriodic(ctx)
		if free := r.Concurrency - len(slots); free > 0 && ctx.Err() == nil {
			for _, j := range r.claim(ctx, free) {
				slots <- struct{}{}
				wg.Go(func() {
					defer func() {
						<-slots
						select {
						case freed <- struct{}{}:
						default:
						}
					}()
					r.execute(ctx, j)
				})
			}
		}
		select {
		case <-ctx.Done():
			r.Log.Info("job runner stopping: waiting for running jobs", "worker", r.Worker, "running", len(slots))
			wg.Wait()
			return nil
		case <-tick.C:
		case <-freed: // a slot is free: there may be more work waiting
		}
	}
}

// RunDue runs one pass: it enqueues due periodic jobs, claims up to
// Concurrency due jobs, runs them concurrently and waits for them. It returns
// how many jobs it ran. Tests drive it with a fake clock.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	if r.Store == nil {
		return 0, errors.New("jobs: the runner has no Store")
	}
	r.init()
	if err := r.enqueuePeriodic(ctx); err != nil {
		return 0, err
	}
	jobs, err := r.Store.ClaimJobs(ctx, r.Worker, r.Clock.Now(), r.Lease, r.Concurrency)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { r.execute(ctx, j) })
	}
	wg.Wait()
	return len(jobs), nil
}

// claim claims up to n jobs, logging a failure (the next poll retries).
func (r *Runner) claim(ctx context.Context, n int) []hikeshi.Job {
	jobs, err := r.Store.ClaimJobs(ctx, r.Worker, r.Clock.Now(), r.Lease, n)
	if err != nil && ctx.Err() == nil {
		r.Log.Warn("jobs: cannot claim due jobs; retrying at the next poll", "worker", r.Worker, "err", err)
	}
	return jobs
}

// enqueuePeriodic enqueues the current period's job of each Periodic that
// this runner has not enqueued yet. The unique key makes the insert a no-op
// when another instance (or an earlier run of this one) already did.
func (r *Runner) enqueuePeriodic(ctx context.Context) error {
	if len(r.Periodic) == 0 {
		return nil
	}
	now := r.Clock.Now()
	var errs []error
	for _, p := range r.Periodic {
		if p.Every <= 0 || p.Kind == "" {
			continue
		}
		key := p.Key(now)
		r.mu.Lock()
		done := r.lastPeriod[p.Kind] == key
		r.mu.Unlock()
		if done {
			continue
		}
		j, err := hikeshi.NewJob(p.Kind, nil, now, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		j.UniqueKey = key
		var created bool
		err = r.Store.InTx(ctx, func(tx hikeshi.Tx) error {
			var err error
			created, err = tx.EnqueueJob(ctx, j)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				r.Log.Warn("jobs: cannot enqueue a periodic job; retrying at the next poll", "kind", p.Kind, "key", key, "err", err)
			}
			errs = append(errs, fmt.Errorf("enqueue periodic job %s: %w", key, err))
			continue
		}
		r.mu.Lock()
		r.lastPeriod[p.Kind] = key
		r.mu.Unlock()
		if created {
			r.Log.Info("jobs: periodic job enqueued", "kind", p.Kind, "key", key, "job_id", j.ID)
		}
	}
	return errors.Join(errs...)
}

// execute runs one claimed job and records its outcome.
func (r *Runner) execute(ctx context.Context, j hikeshi.Job) {
	log := r.Log.With("job_id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "max_attempts", j.MaxAttempts, "worker", r.Worker)
	start := time.Now()
	err := r.call(ctx, j)
	took := time.Since(start).Round(time.Millisecond).String()
	now := r.Clock.Now()
	// The outcome is recorded even when ctx is done: a job left running
	// would wait for its lease to expire before anyone retried it.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err == nil {
		if cerr := r.Store.CompleteJob(sctx, j.ID, r.Worker, now); cerr != nil {
			log.Warn("job finished but its completion was refused: the job was cancelled, or its lease ran out and another worker took it", "duration", took, "err", cerr)
			return
		}
		log.Info("job done", "duration", took)
		return
	}
	retryAt := now.Add(r.Backoff(j.Attempts))
	if ctx.Err() != nil {
		retryAt = now // interrupted by shutdown: any instance may retry at once
	}
	state, ferr := r.Store.FailJob(sctx, j.ID, r.Worker, now, err.Error(), retryAt)
	switch {
	case ferr != nil:
		log.Warn("job failed and recording the failure was refused", "duration", took, "err", err, "record_err", ferr)
	case state == hikeshi.JobFailed:
		log.Error("job failed for good: no attempts left", "duration", took, "err", err)
	default:
		log.Warn("job attempt failed; will retry", "duration", took, "err", err, "retry_at", hikeshi.FormatTime(retryAt))
	}
}

// call runs the job's handler with the lease as its deadline. A panic is
// recovered and becomes the attempt's error; a kind without a handler fails
// its attempt, so during a rolling upgrade a newer instance that knows the
// kind can still run it.
func (r *Runner) call(ctx context.Context, j hikeshi.Job) (err error) {
	h, ok := r.Handlers[j.Kind]
	if !ok {
		return fmt.Errorf("no handler is registered for job kind %q on worker %s", j.Kind, r.Worker)
	}
	hctx, cancel := context.WithTimeout(ctx, r.Lease)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			r.Log.Error("job handler panicked", "job_id", j.ID, "kind", j.Kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(hctx, j)
}
