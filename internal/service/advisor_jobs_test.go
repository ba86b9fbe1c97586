package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/sim"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// midSizedRun is a run above service.SimMaxEvents and within
// service.SimBackgroundMaxEvents (about 8.9 million events).
func midSizedRun() sim.Config {
	c := sim.DefaultConfig()
	c.IncidentsPerYear, c.Years, c.Seed = 100000, 3, 7
	return c
}

// waitJob polls a background simulation until it finishes.
func waitJob(t *testing.T, adv *service.Advisor, a hikeshi.Actor, id string) service.SimJob {
	t.Helper()
	for range 6000 { // at most a minute; a run takes about a second
		j, err := adv.SimJob(a, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Finished {
			return j
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the background simulation did not finish")
	return service.SimJob{}
}

// TestSimulationInBackground (decision 0038): a mid-sized run starts in the
// background with its estimate and progress, visible only to whoever started
// it; one running at a time per user, and it takes a place among the
// simulations running at once; it finishes with the report and full
// progress, is kept for a while, then forgotten; a truly huge run is still
// refused with the estimate; small runs stay synchronous.
func TestSimulationInBackground(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		adv := f.svc.Advisor
		gate := make(chan struct{})
		adv.SetSimGate(gate)
		member, other, mgr := actor(f.member), actor(f.other), actor(f.manager(t))

		cfg := midSizedRun()
		if est := cfg.Estimate(); est.Events <= service.SimMaxEvents || est.Events > service.SimBackgroundMaxEvents {
			t.Fatalf("the test's run is not mid-sized: %+v", est)
		}
		// Simulate alone still refuses it: only SimulateOrStart runs it in the background.
		if _, err := adv.Simulate(ctx, member, cfg); !errors.Is(err, hikeshi.ErrInvalid) || !service.IsTooLarge(err) {
			t.Fatalf("synchronous run of a mid-sized config: %v", err)
		}
		run, job, err := adv.SimulateOrStart(ctx, member, cfg)
		if err != nil || run != nil || job == nil {
			t.Fatalf("start: %v %v %v", run, job, err)
		}
		if job.Finished || job.Percent() != 0 || job.Total != cfg.Estimate().Events || job.Estimate.Events != job.Total ||
			!job.Started.Equal(f.clock.Now()) || job.Seconds <= 0 {
			t.Fatalf("started job %+v", job)
		}
		// Only its owner sees it; the anonymous see nothing.
		for _, a := range []hikeshi.Actor{other, mgr, actor(f.admin)} {
			if _, err := adv.SimJob(a, job.ID); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("%s reads another's simulation: %v", a.Role, err)
			}
		}
		if _, err := adv.SimJob(hikeshi.Actor{}, job.ID); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
		if _, err := adv.SimJob(member, "<script>"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		// One running background simulation per user.
		_, _, err = adv.SimulateOrStart(ctx, member, cfg)
		var running *service.SimRunningError
		if !errors.As(err, &running) || running.JobID != job.ID || !errors.Is(err, hikeshi.ErrRateLimited) {
			t.Fatalf("second run of the same user: %v", err)
		}
		// Another user's background run takes the second place; then the
		// server is busy for everyone, synchronous runs too.
		_, job2, err := adv.SimulateOrStart(ctx, other, cfg)
		if err != nil || job2 == nil {
			t.Fatalf("another user's run: %v", err)
		}
		small := sim.DefaultConfig()
		small.Years = 1
		var rl *service.RateLimitError
		if _, _, err := adv.SimulateOrStart(ctx, mgr, small); !errors.As(err, &rl) {
			t.Fatalf("a third run while two run: %v", err)
		}
		if j, _ := adv.SimJob(member, job.ID); j.Finished || j.Done != 0 {
			t.Fatalf("a gated job moved: %+v", j)
		}
		close(gate)
		done := waitJob(t, adv, member, job.ID)
		if done.Err != nil || done.Percent() != 100 || done.Done != done.Total || len(done.Run.Report.Results) != 6 ||
			done.Run.Report.Config.Seed != 7 || done.Run.Report.Estimate.Events != cfg.Estimate().Events {
			t.Fatalf("finished job %+v", done)
		}
		waitJob(t, adv, other, job2.ID)
		// Small runs are synchronous again once the places are free.
		run, job, err = adv.SimulateOrStart(ctx, mgr, small)
		if err != nil || run == nil || job != nil {
			t.Fatalf("small run: %v %v %v", run, job, err)
		}
		// Kept for SimJobTTL after it finished, then forgotten.
		f.clock.Advance(service.SimJobTTL - time.Minute)
		if _, err := adv.SimJob(member, done.ID); err != nil {
			t.Fatalf("kept result: %v", err)
		}
		f.clock.Advance(2 * time.Minute)
		if _, err := adv.SimJob(member, done.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Fatalf("forgotten result: %v", err)
		}
		// Truly huge: refused before anything starts, with the estimate and the limit.
		huge := sim.DefaultConfig()
		huge.IncidentsPerYear, huge.Staff.IT, huge.Years = 1000, 1000, 10
		_, _, err = adv.SimulateOrStart(ctx, member, huge)
		var ve *hikeshi.ValidationError
		var tl *sim.TooLargeError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "years" || ve.Fields[0].Code != "too_large" || !errors.As(err, &tl) ||
			tl.Limit != service.SimBackgroundMaxEvents || tl.Estimate.Events <= service.SimBackgroundMaxEvents {
			t.Fatalf("huge run: %v", err)
		}
		// Bad input is refused by field before anything starts.
		bad := midSizedRun()
		bad.Effort.Contain.CV = 11
		if _, _, err := adv.SimulateOrStart(ctx, member, bad); !errors.As(err, &ve) || ve.Fields[0].Field != "effort.contain.cv" {
			t.Fatalf("bad cv: %v", err)
		}
		if _, _, err := adv.SimulateOrStart(ctx, hikeshi.Actor{}, cfg); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Fatalf("anonymous start: %v", err)
		}
	})
}
