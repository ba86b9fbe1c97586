package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/jobs"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)

type fakeClock = clocktest.Clock

// logBuf is a log sink safe for concurrent handlers.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// calls counts handler calls per job id.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[id]++
}

func (c *calls) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

func (c *calls) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

func enqueue(t *testing.T, db *store.DB, kind, key string, now, runAt time.Time, maxAttempts int) hikeshi.Job {
	t.Helper()
	j, err := hikeshi.NewJob(kind, map[string]any{"n": 1}, now, runAt)
	if err != nil {
		t.Fatal(err)
	}
	j.UniqueKey = key
	if maxAttempts > 0 {
		j.MaxAttempts = maxAttempts
	}
	err = db.InTx(context.Background(), func(tx hikeshi.Tx) error {
		created, err := tx.EnqueueJob(context.Background(), j)
		if err == nil && !created {
			err = errors.New("not created")
		}
		return err
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return j
}

func find(t *testing.T, db *store.DB, id string) hikeshi.Job {
	t.Helper()
	j, err := db.FindJobByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func runner(db *store.DB, clock hikeshi.Clock, worker string, log *logBuf, handlers map[string]jobs.Handler) *jobs.Runner {
	var w *slog.Logger
	if log != nil {
		w = slog.New(slog.NewTextHandler(log, nil))
	}
	return &jobs.Runner{Store: db, Clock: clock, Log: w, Handlers: handlers, Worker: worker, Lease: time.Minute, Poll: 5 * time.Millisecond}
}

func TestRunDueRunsWhatIsDue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(t0)
		var c calls
		var got hikeshi.Job
		r := runner(db, clock, "w1", nil, map[string]jobs.Handler{"k": func(ctx context.Context, j hikeshi.Job) error {
			c.add(j.ID)
			got = j
			return nil
		}})
		later := enqueue(t, db, "k", "", t0, t0.Add(time.Hour), 0)
		if n, err := r.RunDue(ctx); err != nil || n != 0 {
			t.Fatalf("RunDue before run_at = %d, %v", n, err)
		}
		clock.Advance(time.Hour)
		if n, err := r.RunDue(ctx); err != nil || n != 1 {
			t.Fatalf("RunDue at run_at = %d, %v", n, err)
		}
		var payload struct{ N int }
		if err := got.Decode(&payload); err != nil || payload.N != 1 || got.Attempts != 1 {
			t.Errorf("handler saw %+v (payload %+v, %v)", got, payload, err)
		}
		j := find(t, db, later.ID)
		if j.State != hikeshi.JobDone || !j.FinishedAt.Equal(clock.Now()) || c.get(later.ID) != 1 {
			t.Errorf("job after the run: %+v, calls %d", j, c.get(later.ID))
		}
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Errorf("a done job ran again")
		}
	})
}

func TestRetriesWithBackoffThenFails(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(t0)
		var c calls
		log := &logBuf{}
		r := runner(db, clock, "w1", log, map[string]jobs.Handler{"flaky": func(ctx context.Context, j hikeshi.Job) error {
			c.add(j.ID)
			return fmt.Errorf("upstream refused attempt %d", j.Attempts)
		}})
		j := enqueue(t, db, "flaky", "", t0, t0, 3)

		// Attempt 1 fails: retry after DefaultBackoff(1) = 10s.
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("RunDue = %d, %v", n, err)
		}
		got := find(t, db, j.ID)
		if got.State != hikeshi.JobPending || !got.RunAt.Equal(t0.Add(10*time.Second)) || got.LastError != "upstream refused attempt 1" {
			t.Fatalf("after attempt 1: %+v", got)
		}
		clock.Advance(9 * time.Second)
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Fatal("retried before the backoff passed")
		}
		// Attempt 2 fails: the backoff doubles.
		clock.Advance(time.Second)
		if n, _ := r.RunDue(ctx); n != 1 {
			t.Fatal("not retried when due")
		}
		got = find(t, db, j.ID)
		if !got.RunAt.Equal(clock.Now().Add(20*time.Second)) || got.Attempts != 2 {
			t.Fatalf("after attempt 2: %+v", got)
		}
		// Attempt 3 is the last: failed for good, with its error kept.
		clock.Advance(20 * time.Second)
		if n, _ := r.RunDue(ctx); n != 1 {
			t.Fatal("not retried when due")
		}
		got = find(t, db, j.ID)
		if got.State != hikeshi.JobFailed || got.Attempts != 3 || got.LastError != "upstream refused attempt 3" || got.FinishedAt.IsZero() {
			t.Errorf("after the last attempt: %+v", got)
		}
		clock.Advance(24 * time.Hour)
		if n, _ := r.RunDue(ctx); n != 0 || c.get(j.ID) != 3 {
			t.Errorf("a failed job ran again: calls %d", c.get(j.ID))
		}
		if !strings.Contains(log.String(), "job failed for good") {
			t.Errorf("log lacks the final failure:\n%s", log)
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	cases := []struct {
		attempts int
		want     time.Duration
	}{
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{9, 2560 * time.Second},
		{10, time.Hour},
		{1000, time.Hour},
	}
	for _, c := range cases {
		if got := jobs.DefaultBackoff(c.attempts); got != c.want {
			t.Errorf("DefaultBackoff(%d) = %s, want %s", c.attempts, got, c.want)
		}
	}
}

func TestPanicAndUnknownKind(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(t0)
		log := &logBuf{}
		r := runner(db, clock, "w1", log, map[string]jobs.Handler{
			"bad": func(ctx context.Context, j hikeshi.Job) error { panic("nil map somewhere") },
			"ok":  func(ctx context.Context, j hikeshi.Job) error { return nil },
		})
		p := enqueue(t, db, "bad", "", t0, t0, 0)
		u := enqueue(t, db, "nobody.handles.this", "", t0, t0, 0)
		ok := enqueue(t, db, "ok", "", t0, t0, 0)
		if n, err := r.RunDue(ctx); n != 3 || err != nil {
			t.Fatalf("RunDue = %d, %v", n, err)
		}
		if j := find(t, db, p.ID); j.State != hikeshi.JobPending || !strings.Contains(j.LastError, "handler panicked: nil map somewhere") {
			t.Errorf("panicking job: %+v", j)
		}
		if j := find(t, db, u.ID); j.State != hikeshi.JobPending || !strings.Contains(j.LastError, `no handler is registered for job kind "nobody.handles.this"`) {
			t.Errorf("unknown kind: %+v", j)
		}
		if j := find(t, db, ok.ID); j.State != hikeshi.JobDone {
			t.Errorf("the healthy job beside them: %+v", j)
		}
		if !strings.Contains(log.String(), "job handler panicked") || !strings.Contains(log.String(), "runtime/debug.Stack") {
			t.Errorf("the panic was not logged with its stack:\n%s", log)
		}
	})
}

// TestRestartInTheMiddle: runner A claims a job and dies before finishing.
// Once the lease has passed, runner B runs the job exactly once, and A's late
// report of the outcome is refused.
func TestRestartInTheMiddle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		clock := clocktest.New(t0)
		var c calls
		started := make(chan struct{})
		aCtx, crashA := context.WithCancel(context.Background())
		a := runner(db, clock, "A", nil, map[string]jobs.Handler{"k": func(ctx context.Context, j hikeshi.Job) error {
			close(started)
			<-ctx.Done() // hangs until the "crash"
			return ctx.Err()
		}})
		b := runner(db, clock, "B", nil, map[string]jobs.Handler{"k": func(ctx context.Context, j hikeshi.Job) error {
			c.add(j.ID)
			return nil
		}})
		j := enqueue(t, db, "k", "", t0, t0, 0)

		aDone := make(chan error, 1)
		go func() { _, err := a.RunDue(aCtx); aDone <- err }()
		<-started
		if got := find(t, db, j.ID); got.State != hikeshi.JobRunning || got.LockedBy != "A" {
			t.Fatalf("A's claim: %+v", got)
		}
		// Within A's lease nobody else takes it.
		clock.Advance(59 * time.Second)
		if n, err := b.RunDue(context.Background()); n != 0 || err != nil {
			t.Fatalf("B ran a job A still holds: %d, %v", n, err)
		}
		// A is gone; after its lease B runs the job.
		clock.Advance(time.Second)
		if n, err := b.RunDue(context.Background()); n != 1 || err != nil {
			t.Fatalf("B after the lease: %d, %v", n, err)
		}
		// A's handler returns late; A's report of the attempt is refused.
		crashA()
		if err := <-aDone; err != nil {
			t.Fatal(err)
		}
		if err := db.CompleteJob(context.Background(), j.ID, "A", clock.Now()); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("A's late CompleteJob: %v, want ErrConflict", err)
		}
		got := find(t, db, j.ID)
		if got.State != hikeshi.JobDone || got.LockedBy != "B" || got.Attempts != 2 || c.get(j.ID) != 1 {
			t.Errorf("after the restart: %+v, B ran it %d times", got, c.get(j.ID))
		}
		if n, _ := b.RunDue(context.Background()); n != 0 {
			t.Error("the job ran again")
		}
	})
}

// TestRunnersDrainConcurrently: four runners (four instances) drain 300 jobs
// together, and every job runs exactly once. On PostgreSQL they claim
// concurrently through FOR UPDATE SKIP LOCKED.
func TestRunnersDrainConcurrently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const total = 300
		clock := clocktest.New(t0)
		ids := map[string]bool{}
		err := db.InTx(context.Background(), func(tx hikeshi.Tx) error {
			for i := range total {
				j, err := hikeshi.NewJob("count", map[string]int{"i": i}, t0, t0)
				if err != nil {
					return err
				}
				ids[j.ID] = true
				if _, err := tx.EnqueueJob(context.Background(), j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var c calls
		var byWorkerMu sync.Mutex
		byWorker := map[string]int{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for w := range 4 {
			name := fmt.Sprintf("instance-%d", w)
			r := runner(db, clock, name, nil, map[string]jobs.Handler{"count": func(ctx context.Context, j hikeshi.Job) error {
				c.add(j.ID)
				byWorkerMu.Lock()
				byWorker[name]++
				byWorkerMu.Unlock()
				time.Sleep(time.Millisecond) // let the others claim meanwhile
				return nil
			}})
			r.Concurrency = 3
			wg.Go(func() {
				if err := r.Run(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			done, err := db.FindJobs(context.Background(), hikeshi.JobFilter{State: hikeshi.JobDone, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
			if err != nil {
				t.Fatal(err)
			}
			if len(done) == total {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d jobs done after 60s", len(done), total)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		got := c.snapshot()
		if len(got) != total {
			t.Errorf("%d distinct jobs ran, want %d", len(got), total)
		}
		for id, n := range got {
			if !ids[id] || n != 1 {
				t.Errorf("job %s ran %d times (known: %v)", id, n, ids[id])
			}
		}
		t.Logf("jobs per runner: %v", byWorker)
	})
}

// TestRunStopsAndReleases: cancelling Run cancels the running handler, records
// the attempt for an immediate retry, and returns.
func TestRunStopsAndReleases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		clock := clocktest.New(t0)
		started := make(chan struct{})
		r := runner(db, clock, "w1", nil, map[string]jobs.Handler{"slow": func(ctx context.Context, j hikeshi.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}})
		j := enqueue(t, db, "slow", "", t0, t0, 0)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		<-started
		clock.Advance(time.Second)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
		}
		got := find(t, db, j.ID)
		if got.State != hikeshi.JobPending || !got.RunAt.Equal(clock.Now()) || got.Attempts != 1 || got.LockedBy != "" {
			t.Errorf("job interrupted by shutdown: %+v", got)
		}
	})
}

// TestPeriodicAuditVerify: the daily audit verification is enqueued once per
// UTC day however many runners (instances) poll, and its handler runs.
func TestPeriodicAuditVerify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(t0)
		svc := service.New(db, service.Options{Clock: clock})
		log := &logBuf{}
		mk := func(worker string) *jobs.Runner {
			r := runner(db, clock, worker, log, map[string]jobs.Handler{
				jobs.KindAuditVerify: jobs.VerifyAudit(svc.Audit, slog.New(slog.NewTextHandler(log, nil))),
			})
			r.Periodic = []jobs.Periodic{{Kind: jobs.KindAuditVerify, Every: 24 * time.Hour}}
			return r
		}
		a, b := mk("A"), mk("B")
		if n, err := a.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("first pass = %d, %v", n, err)
		}
		clock.Advance(time.Hour)
		for _, r := range []*jobs.Runner{a, b, a} {
			if n, err := r.RunDue(ctx); n != 0 || err != nil {
				t.Fatalf("same day = %d, %v", n, err)
			}
		}
		clock.Advance(24 * time.Hour)
		if n, err := b.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("next day = %d, %v", n, err)
		}
		all, err := db.FindJobs(ctx, hikeshi.JobFilter{Kind: jobs.KindAuditVerify})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].UniqueKey != "audit.verify:2026-04-01" || all[1].UniqueKey != "audit.verify:2026-04-02" {
			t.Errorf("periodic jobs: %+v", all)
		}
		for _, j := range all {
			if j.State != hikeshi.JobDone {
				t.Errorf("job %s is %s", j.UniqueKey, j.State)
			}
		}
		if !strings.Contains(log.String(), "audit chain verified") {
			t.Errorf("no verification logged:\n%s", log)
		}
	})
}

func TestPeriodicKey(t *testing.T) {
	cases := []struct {
		every time.Duration
		at    time.Time
		want  string
	}{
		{24 * time.Hour, time.Date(2026, 4, 1, 23, 59, 59, 0, time.UTC), "x:2026-04-01"},
		{24 * time.Hour, time.Date(2026, 4, 2, 8, 0, 0, 0, time.FixedZone("JST", 9*3600)), "x:2026-04-01"},
		{time.Hour, time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC), "x:2026-04-01T09:00:00Z"},
	}
	for _, c := range cases {
		if got := (jobs.Periodic{Kind: "x", Every: c.every}).Key(c.at); got != c.want {
			t.Errorf("Key(%s, every %s) = %s, want %s", c.at, c.every, got, c.want)
		}
	}
}
