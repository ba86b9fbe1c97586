package service

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/sim"
)

// Background simulations (decision 0038): a run estimated above SimMaxEvents
// but within SimBackgroundMaxEvents runs in the background while the page
// polls its progress. Jobs live in memory only: a run is reproducible from
// its configuration and seed, so losing results on a restart costs a rerun,
// not data, and a table would hold reports nobody audits.
const (
	// SimBackgroundMaxEvents is the largest run started in the background
	// (about 8 s on this machine); larger ones are refused with the estimate.
	SimBackgroundMaxEvents = 10 * SimMaxEvents
	// SimBackgroundTimeout stops a background run that takes longer anyway.
	SimBackgroundTimeout = 2 * time.Minute
	// SimJobTTL is how long a finished run's result is kept.
	SimJobTTL = 30 * time.Minute
	// SimMaxJobs bounds the jobs kept; the oldest finished ones go first.
	SimMaxJobs = 200
)

// SimRunningError refuses a second background simulation of a user while the
// first runs (a 429 with the first's id).
type SimRunningError struct{ JobID string }

func (e *SimRunningError) Error() string {
	return "a simulation of yours is still running; wait for it to finish"
}

// Unwrap makes a SimRunningError an hikeshi.ErrRateLimited.
func (e *SimRunningError) Unwrap() error { return hikeshi.ErrRateLimited }

// SimJob is a background simulation as its owner sees it.
type SimJob struct {
	ID       string
	Config   sim.Config
	Estimate sim.Estimate
	Seconds  float64 // the estimate in seconds
	Started  time.Time
	// Done and Total are the events processed and the estimate.
	Done, Total int64
	Finished    bool
	FinishedAt  time.Time
	Run         SimRun // when Finished and Err is nil
	Err         error  // when Finished: why it failed
}

// Percent is the progress, 0–100 (100 only once finished).
func (j SimJob) Percent() int {
	if j.Finished {
		return 100
	}
	if j.Total <= 0 {
		return 0
	}
	return min(99, int(j.Done*100/j.Total))
}

type simJob struct {
	SimJob
	userID string
}

// simJobs is the in-memory registry of background simulations.
type simJobs struct {
	mu   sync.Mutex
	jobs map[string]*simJob
	// gate, when set (tests), is received from before a job simulates.
	gate chan struct{}
}

// SimulateOrStart runs cfg like Simulate when it is small enough, or starts
// it in the background when its estimate is within SimBackgroundMaxEvents
// (job set, run nil). Larger runs are refused with the estimate. A user
// runs one background simulation at a time.
func (s *Advisor) SimulateOrStart(ctx context.Context, a hikeshi.Actor, cfg sim.Config) (*SimRun, *SimJob, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, inputError(err)
	}
	est := cfg.Estimate()
	if est.Events <= SimMaxEvents && est.Incidents <= sim.DefaultMaxIncidents {
		run, err := s.Simulate(ctx, a, cfg)
		if err != nil {
			return nil, nil, err
		}
		return &run, nil, nil
	}
	job, err := s.start(a, cfg)
	if err != nil {
		return nil, nil, err
	}
	return nil, &job, nil
}

// StartSimulation starts cfg in the background whatever its size up to
// SimBackgroundMaxEvents (the API's asynchronous form), with the same
// limits as SimulateOrStart.
func (s *Advisor) StartSimulation(a hikeshi.Actor, cfg sim.Config) (SimJob, error) {
	if err := requireSignedIn(a); err != nil {
		return SimJob{}, err
	}
	if err := cfg.Validate(); err != nil {
		return SimJob{}, inputError(err)
	}
	return s.start(a, cfg)
}

// start admits and launches a background run.
func (s *Advisor) start(a hikeshi.Actor, cfg sim.Config) (SimJob, error) {
	est := cfg.Estimate()
	switch {
	case est.Events > SimBackgroundMaxEvents:
		return SimJob{}, inputError(&sim.TooLargeError{Estimate: est, Events: true, Limit: SimBackgroundMaxEvents})
	case est.Incidents > sim.DefaultMaxIncidents:
		return SimJob{}, inputError(&sim.TooLargeError{Estimate: est, Limit: sim.DefaultMaxIncidents})
	}
	user := a.UserID
	if user == "" {
		user = "system"
	}
	now := s.clock.Now()
	// bg.mu is held from the check to the insert, so that two requests of
	// one user cannot both start; admit takes s.mu inside it (never the
	// other way round: runJob gives its place back after releasing bg.mu).
	s.bg.mu.Lock()
	defer s.bg.mu.Unlock()
	s.bg.sweep(now)
	for _, j := range s.bg.jobs {
		if j.userID == user && !j.Finished {
			return SimJob{}, &SimRunningError{JobID: j.ID}
		}
	}
	done, err := s.admit(a)
	if err != nil {
		return SimJob{}, err
	}
	j := &simJob{userID: user, SimJob: SimJob{ID: hikeshi.NewID(), Config: cfg, Estimate: est, Seconds: EstimateSeconds(est),
		Started: now, Total: est.Events}}
	if s.bg.jobs == nil {
		s.bg.jobs = map[string]*simJob{}
	}
	s.bg.jobs[j.ID] = j
	go s.runJob(j, s.bg.gate, done)
	return j.SimJob, nil
}

func (s *Advisor) runJob(j *simJob, gate chan struct{}, done func()) {
	defer done()
	if gate != nil {
		<-gate
	}
	ctx, cancel := context.WithTimeout(context.Background(), SimBackgroundTimeout)
	defer cancel()
	start := time.Now()
	rep, err := sim.Simulate(ctx, j.Config, sim.Options{MaxEvents: SimBackgroundMaxEvents,
		Progress: func(d, total int64) {
			s.bg.mu.Lock()
			j.Done, j.Total = d, max(total, 1)
			s.bg.mu.Unlock()
		}})
	s.bg.mu.Lock()
	defer s.bg.mu.Unlock()
	j.Finished, j.FinishedAt = true, s.clock.Now()
	switch {
	case err != nil && ctx.Err() != nil:
		j.Err = fmt.Errorf("the simulation took longer than %s: %w", SimBackgroundTimeout, hikeshi.ErrInvalid)
	case err != nil:
		j.Err = inputError(err)
	default:
		j.Done = j.Total
		j.Run = SimRun{Report: rep, Elapsed: time.Since(start), Seconds: j.Seconds}
	}
}

// sweep forgets finished jobs older than SimJobTTL, and the oldest finished
// ones beyond SimMaxJobs. The caller holds mu.
func (b *simJobs) sweep(now time.Time) {
	var finished []*simJob
	for id, j := range b.jobs {
		if !j.Finished {
			continue
		}
		if now.Sub(j.FinishedAt) > SimJobTTL {
			delete(b.jobs, id)
			continue
		}
		finished = append(finished, j)
	}
	if extra := len(b.jobs) - SimMaxJobs; extra > 0 {
		sort.Slice(finished, func(i, k int) bool { return finished[i].FinishedAt.Before(finished[k].FinishedAt) })
		for _, j := range finished[:min(extra, len(finished))] {
			delete(b.jobs, j.ID)
		}
	}
}

// SimJob returns a background simulation of the actor's; another user's, an
// unknown or a forgotten one is ErrNotFound.
func (s *Advisor) SimJob(a hikeshi.Actor, id string) (SimJob, error) {
	if err := requireSignedIn(a); err != nil {
		return SimJob{}, err
	}
	user := a.UserID
	if user == "" {
		user = "system"
	}
	s.bg.mu.Lock()
	defer s.bg.mu.Unlock()
	s.bg.sweep(s.clock.Now())
	j, ok := s.bg.jobs[id]
	if !ok || j.userID != user {
		return SimJob{}, fmt.Errorf("simulation %q: %w", id, hikeshi.ErrNotFound)
	}
	return j.SimJob, nil
}

// IsTooLarge reports whether err refuses a run for its size.
func IsTooLarge(err error) bool {
	var tl *sim.TooLargeError
	return errors.As(err, &tl)
}
