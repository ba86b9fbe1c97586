package sim

import (
	"math"
	"math/rand/v2"
	"sync"
)

// Random streams: one for incident arrivals, one for their efforts and
// lessons, one per kind of routine work, each a PCG seeded by Config.Seed
// and its own stream number. They are the same for every pattern, so every
// pattern sees the same incidents and the same routine tasks; when several
// patterns run, the draws are made once and shared (read-only), which saves
// most of the random-number work.

// incidentStream yields a run's incidents in arrival order.
type incidentStream struct {
	arrivals, efforts                 *rand.Rand
	rate, horizon, lessonShare, last  float64
	triage, contain, recover, improve sampler
	ended                             bool

	shared     []incident // read from here when fromShared
	fromShared bool
	i          int
}

func newIncidentStream(c *Config) *incidentStream {
	return &incidentStream{
		arrivals:    rand.New(rand.NewPCG(c.Seed, 1)),
		efforts:     rand.New(rand.NewPCG(c.Seed, 2)),
		rate:        c.IncidentsPerYear / HoursPerYear,
		horizon:     c.Years * HoursPerYear,
		lessonShare: c.LessonShare,
		triage:      newSampler(c.Effort.Triage),
		contain:     newSampler(c.Effort.Contain),
		recover:     newSampler(c.Effort.Recover),
		improve:     newSampler(c.Effort.Improve),
		ended:       c.IncidentsPerYear <= 0,
	}
}

// next returns the next incident, or false once arrivals have passed the
// horizon.
func (s *incidentStream) next() (incident, bool) {
	if s.fromShared {
		if s.i == len(s.shared) {
			return incident{}, false
		}
		s.i++
		return s.shared[s.i-1], true
	}
	if s.ended {
		return incident{}, false
	}
	t := s.last + s.arrivals.ExpFloat64()/s.rate
	if t > s.horizon {
		s.ended = true
		return incident{}, false
	}
	s.last = t
	inc := incident{arrive: t}
	inc.d[phaseTriage] = s.triage.draw(s.efforts)
	inc.d[phaseContain] = s.contain.draw(s.efforts)
	inc.d[phaseRecover] = s.recover.draw(s.efforts)
	inc.lesson = s.efforts.Float64() < s.lessonShare
	inc.d[3] = s.improve.draw(s.efforts)
	return inc, true
}

// routineTask is one routine task: its arrival and effort.
type routineTask struct{ t, d float64 }

// routineStream yields one kind's routine tasks in arrival order.
type routineStream struct {
	r                   *rand.Rand
	rate, horizon, last float64 // rate: tasks per hour
	task                sampler
	ended               bool

	shared     []routineTask
	fromShared bool
	i          int
}

func newRoutineStreams(c *Config) [nKinds]*routineStream {
	staff := [nKinds]int{c.Staff.Management, c.Staff.IT, c.Staff.CSIRT}
	share := [nKinds]float64{c.Routine.Management, c.Routine.IT, c.Routine.CSIRT}
	var out [nKinds]*routineStream
	for k := range nKinds {
		rate := share[k] * float64(staff[k]) / c.Routine.Task.MeanHours
		out[k] = &routineStream{
			r:       rand.New(rand.NewPCG(c.Seed, uint64(10+k))),
			rate:    rate,
			horizon: c.Years * HoursPerYear,
			task:    newSampler(c.Routine.Task),
			ended:   !(rate > 0),
		}
	}
	return out
}

// next returns the next task, or false once arrivals have passed the
// horizon.
func (s *routineStream) next() (routineTask, bool) {
	if s.fromShared {
		if s.i == len(s.shared) {
			return routineTask{}, false
		}
		s.i++
		return s.shared[s.i-1], true
	}
	if s.ended {
		return routineTask{}, false
	}
	t := s.last + s.r.ExpFloat64()/s.rate
	if t > s.horizon {
		s.ended = true
		return routineTask{}, false
	}
	s.last = t
	return routineTask{t, s.task.draw(s.r)}, true
}

// draws are the random draws of a run, made once and shared by its
// patterns.
type draws struct {
	incidents []incident
	routine   [nKinds][]routineTask
}

// maxSharedBytes bounds the shared draws; a larger run draws per pattern.
const maxSharedBytes = 64 << 20

// drawAll makes c's draws when sharing them is worth it and they fit, or
// returns nil. The streams are drawn concurrently.
func drawAll(c *Config, patterns int) *draws {
	est := c.Estimate()
	perPattern := func(n int64) int64 { return n / int64(max(est.Patterns, 1)) }
	bytes := perPattern(est.Incidents)*int64(sizeofIncident) + perPattern(est.RoutineTasks)*16
	if patterns < 2 || bytes > maxSharedBytes {
		return nil
	}
	d := &draws{}
	var wg sync.WaitGroup
	wg.Go(func() {
		s := newIncidentStream(c)
		d.incidents = make([]incident, 0, perPattern(est.Incidents)+64)
		for inc, ok := s.next(); ok; inc, ok = s.next() {
			d.incidents = append(d.incidents, inc)
		}
	})
	for k, s := range newRoutineStreams(c) {
		wg.Go(func() {
			if !s.ended {
				n := s.rate * s.horizon
				d.routine[k] = make([]routineTask, 0, int(n+6*math.Sqrt(n)+64))
			}
			for t, ok := s.next(); ok; t, ok = s.next() {
				d.routine[k] = append(d.routine[k], t)
			}
		})
	}
	wg.Wait()
	return d
}

// share makes the streams read from d (when not nil).
func (d *draws) share(inc *incidentStream, routine [nKinds]*routineStream) {
	if d == nil {
		return
	}
	inc.shared, inc.fromShared = d.incidents, true
	for k := range nKinds {
		routine[k].shared, routine[k].fromShared = d.routine[k], true
	}
}
