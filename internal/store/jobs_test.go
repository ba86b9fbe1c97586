package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// enqueue enqueues j in its own transaction.
func enqueue(t *testing.T, db *store.DB, j hikeshi.Job) bool {
	t.Helper()
	var created bool
	err := db.InTx(context.Background(), func(tx hikeshi.Tx) error {
		var err error
		created, err = tx.EnqueueJob(context.Background(), j)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue %s: %v", j.Kind, err)
	}
	return created
}

func newJob(t *testing.T, kind, key string, runAt time.Time) hikeshi.Job {
	t.Helper()
	j, err := hikeshi.NewJob(kind, map[string]string{"k": key}, t0, runAt)
	if err != nil {
		t.Fatal(err)
	}
	j.UniqueKey = key
	return j
}

func TestJobEnqueueRoundTripAndRollback(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j := newJob(t, "clock.remind", "clock:1:remind", t0.Add(time.Hour))
		if !enqueue(t, db, j) {
			t.Fatal("first enqueue was not created")
		}
		got, err := db.FindJobByID(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(j, got); diff != "" {
			t.Errorf("job round trip (-want +got):\n%s", diff)
		}

		// A job enqueued in a transaction that rolls back is gone with it.
		lost := newJob(t, "clock.remind", "clock:2:remind", t0)
		boom := errors.New("the change failed")
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if created, err := tx.EnqueueJob(ctx, lost); err != nil || !created {
				t.Fatalf("enqueue in tx: %v %v", created, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := db.FindJobByID(ctx, lost.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("job of a rolled-back transaction: %v, want ErrNotFound", err)
		}

		// Invalid jobs are refused.
		bad := j
		bad.ID, bad.UniqueKey, bad.Payload = "", "", "{not json"
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { _, err := tx.EnqueueJob(ctx, bad); return err })
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("bad payload: %v, want ErrInvalid", err)
		}
	})
}

func TestJobUniqueKeyAndCancel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newJob(t, "clock.remind", "clock:7:remind:1", t0)
		if !enqueue(t, db, a) {
			t.Fatal("not created")
		}
		// Same key again, even in one transaction with other work: a no-op.
		dup := newJob(t, "clock.remind", "clock:7:remind:1", t0.Add(time.Minute))
		if enqueue(t, db, dup) {
			t.Error("a job with a taken unique key was created")
		}
		if _, err := db.FindJobByID(ctx, dup.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("duplicate was written: %v", err)
		}
		// Jobs without a key never collide.
		for range 2 {
			if !enqueue(t, db, newJob(t, "mail.send", "", t0)) {
				t.Error("keyless job not created")
			}
		}
		b := newJob(t, "clock.escalate", "clock:7:escalate", t0)
		other := newJob(t, "clock.remind", "clock:70:remind:1", t0) // shares the characters but not the prefix "clock:7:"
		enqueue(t, db, b)
		enqueue(t, db, other)

		var n int
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			var err error
			n, err = tx.CancelJobs(ctx, "clock:7:", t0.Add(time.Minute))
			return err
		})
		if err != nil || n != 2 {
			t.Fatalf("CancelJobs = %d, %v; want 2", n, err)
		}
		cancelled, err := db.FindJobs(ctx, hikeshi.JobFilter{State: hikeshi.JobCancelled})
		if err != nil {
			t.Fatal(err)
		}
		if len(cancelled) != 2 || cancelled[0].FinishedAt.IsZero() {
			t.Errorf("cancelled jobs: %+v", cancelled)
		}
		if j, _ := db.FindJobByID(ctx, other.ID); j.State != hikeshi.JobPending {
			t.Errorf("job outside the prefix is %s", j.State)
		}
		// A cancelled job's key can be scheduled again (a restarted clock).
		if !enqueue(t, db, newJob(t, "clock.remind", "clock:7:remind:1", t0.Add(time.Hour))) {
			t.Error("re-enqueue after cancel was a no-op")
		}
		keyed, err := db.FindJobs(ctx, hikeshi.JobFilter{UniqueKeyPrefix: "clock:7:", Kind: "clock.remind"})
		if err != nil || len(keyed) != 2 {
			t.Errorf("FindJobs by prefix and kind: %d jobs, %v; want 2", len(keyed), err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { _, err := tx.CancelJobs(ctx, "", t0); return err })
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("CancelJobs with an empty prefix: %v, want ErrInvalid", err)
		}
		// Keyset pagination.
		page1, err := db.FindJobs(ctx, hikeshi.JobFilter{Page: hikeshi.Page{Limit: 3}})
		if err != nil || len(page1) != 3 {
			t.Fatalf("page 1: %d, %v", len(page1), err)
		}
		page2, err := db.FindJobs(ctx, hikeshi.JobFilter{Page: hikeshi.Page{After: page1[2].ID, Limit: 10}})
		if err != nil || len(page2) != 3 {
			t.Errorf("page 2: %d, %v; want 3", len(page2), err)
		}
	})
}

func TestJobClaimCompleteFail(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		lease := time.Minute
		now := t0
		early := newJob(t, "k", "early", now)
		late := newJob(t, "k", "late", now.Add(time.Hour))
		enqueue(t, db, late)
		enqueue(t, db, early)

		got, err := db.ClaimJobs(ctx, "w1", now, lease, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != early.ID {
			t.Fatalf("claimed %+v; want only the due job", got)
		}
		c := got[0]
		if c.State != hikeshi.JobRunning || c.LockedBy != "w1" || !c.LockedUntil.Equal(now.Add(lease)) || c.Attempts != 1 {
			t.Errorf("claimed job: %+v", c)
		}
		// Nothing else is due; a held lease is not claimed by another worker.
		if again, err := db.ClaimJobs(ctx, "w2", now.Add(30*time.Second), lease, 10); err != nil || len(again) != 0 {
			t.Errorf("second claim: %+v, %v", again, err)
		}
		// Only the holder completes it.
		if err := db.CompleteJob(ctx, early.ID, "w2", now); !errors.Is(err, hikeshi.ErrConflict) || !errors.Is(err, store.ErrNotHeld) {
			t.Errorf("complete by a stranger: %v, want ErrConflict", err)
		}
		if err := db.CompleteJob(ctx, "nope", "w1", now); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("complete of a missing job: %v", err)
		}
		if err := db.CompleteJob(ctx, early.ID, "w1", now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		done, _ := db.FindJobByID(ctx, early.ID)
		if done.State != hikeshi.JobDone || !done.FinishedAt.Equal(now.Add(time.Second)) || done.LockedBy != "w1" {
			t.Errorf("done job: %+v", done)
		}
		if err := db.CompleteJob(ctx, early.ID, "w1", now); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("second completion: %v, want ErrConflict", err)
		}

		// The late job: fail twice with retries, then for good.
		now = now.Add(time.Hour)
		if err := db.ExecForTest(ctx, "UPDATE jobs SET max_attempts = 3 WHERE id = ?", late.ID); err != nil {
			t.Fatal(err)
		}
		for attempt := 1; attempt <= 3; attempt++ {
			got, err := db.ClaimJobs(ctx, "w1", now, lease, 10)
			if err != nil || len(got) != 1 || got[0].Attempts != attempt {
				t.Fatalf("attempt %d: claimed %+v, %v", attempt, got, err)
			}
			retryAt := now.Add(10 * time.Second)
			state, err := db.FailJob(ctx, late.ID, "w1", now, "boom "+string(rune('0'+attempt)), retryAt)
			if err != nil {
				t.Fatal(err)
			}
			j, _ := db.FindJobByID(ctx, late.ID)
			if attempt < 3 {
				if state != hikeshi.JobPending || j.State != hikeshi.JobPending || !j.RunAt.Equal(retryAt) || j.LockedBy != "" {
					t.Errorf("attempt %d: state %s, job %+v", attempt, state, j)
				}
				// Not due before the backoff has passed.
				if early, _ := db.ClaimJobs(ctx, "w1", retryAt.Add(-time.Microsecond), lease, 10); len(early) != 0 {
					t.Errorf("attempt %d: claimed before retry_at", attempt)
				}
				now = retryAt
				continue
			}
			if state != hikeshi.JobFailed || j.State != hikeshi.JobFailed || j.LastError != "boom 3" || j.Attempts != 3 || j.FinishedAt.IsZero() {
				t.Errorf("final attempt: state %s, job %+v", state, j)
			}
		}
		if got, _ := db.ClaimJobs(ctx, "w1", now.Add(24*time.Hour), lease, 10); len(got) != 0 {
			t.Errorf("a failed job was claimed again: %+v", got)
		}
	})
}

func TestJobExpiredLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		lease := time.Minute
		j := newJob(t, "k", "", t0)
		j.MaxAttempts = 2
		enqueue(t, db, j)
		if got, _ := db.ClaimJobs(ctx, "crashed", t0, lease, 1); len(got) != 1 {
			t.Fatal("not claimed")
		}
		// The holder crashes. At the lease's end exactly, another worker takes it.
		if got, _ := db.ClaimJobs(ctx, "w2", t0.Add(lease-time.Microsecond), lease, 1); len(got) != 0 {
			t.Fatal("claimed before the lease expired")
		}
		got, err := db.ClaimJobs(ctx, "w2", t0.Add(lease), lease, 1)
		if err != nil || len(got) != 1 || got[0].LockedBy != "w2" || got[0].Attempts != 2 {
			t.Fatalf("reclaim: %+v, %v", got, err)
		}
		if _, err := db.FailJob(ctx, j.ID, "crashed", t0.Add(lease), "late", t0); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("the crashed worker's late FailJob: %v, want ErrConflict", err)
		}
		// w2 crashes on the last attempt: the job fails instead of running a third time.
		got, err = db.ClaimJobs(ctx, "w3", t0.Add(3*lease), lease, 1)
		if err != nil || len(got) != 0 {
			t.Fatalf("claimed beyond max attempts: %+v, %v", got, err)
		}
		f, _ := db.FindJobByID(ctx, j.ID)
		if f.State != hikeshi.JobFailed || f.LastError == "" || f.FinishedAt.IsZero() {
			t.Errorf("job out of attempts after a lost lease: %+v", f)
		}
	})
}

// TestJobsBackupRoundTrip: jobs in every state survive a backup and a restore
// into either engine unchanged.
func TestJobsBackupRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, src *store.DB) {
		ctx := context.Background()
		if err := src.CheckBackupCoverage(ctx); err != nil {
			t.Fatal(err)
		}
		for i, key := range []string{"a", "", "c", "d", "e"} {
			enqueue(t, src, newJob(t, "k", key, t0.Add(time.Duration(i)*time.Second)))
		}
		claimed, err := src.ClaimJobs(ctx, "w", t0.Add(time.Minute), time.Hour, 4)
		if err != nil || len(claimed) != 4 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		// done, failed for good, pending after a failure, still running; the fifth stays pending.
		if err := src.CompleteJob(ctx, claimed[0].ID, "w", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := src.ExecForTest(ctx, "UPDATE jobs SET max_attempts = 1 WHERE id = ?", claimed[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := src.FailJob(ctx, claimed[1].ID, "w", t0.Add(2*time.Minute), "gave up", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := src.FailJob(ctx, claimed[2].ID, "w", t0.Add(2*time.Minute), "try later", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := src.InTx(ctx, func(tx hikeshi.Tx) error { _, err := tx.CancelJobs(ctx, "e", t0.Add(3*time.Minute)); return err }); err != nil {
			t.Fatal(err)
		}
		want, err := src.FindJobs(ctx, hikeshi.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := src.Backup(ctx, &b); err != nil {
			t.Fatal(err)
		}
		for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.NewSQLite, "postgres": storetest.NewPostgres} {
			t.Run("to_"+name, func(t *testing.T) {
				dst := open(t)
				if err := dst.Restore(ctx, bytes.NewReader(b.Bytes())); err != nil {
					t.Fatal(err)
				}
				got, err := dst.FindJobs(ctx, hikeshi.JobFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("restored jobs (-source +restored):\n%s", diff)
				}
			})
		}
	})
}
