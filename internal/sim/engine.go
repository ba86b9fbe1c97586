package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hikeshi/hikeshi"
)

// Department kinds as small indexes, for the routine streams.
const (
	kMgmt = iota
	kIT
	kCSIRT
	nKinds
)

var kindOf = [nKinds]hikeshi.DepartmentKind{hikeshi.KindManagement, hikeshi.KindIT, hikeshi.KindCSIRT}

// Incident phases; phaseDone means recovered.
const (
	phaseTriage = iota
	phaseContain
	phaseRecover
	phaseDone
)

// plan is a pattern turned into the model: pools of handlers and where each
// piece of work goes.
type plan struct {
	key      hikeshi.PatternKey
	units    []unitPlan
	phase    [3]int      // the unit of each incident phase
	improve  int         // the unit of improvement actions
	kindUnit [nKinds]int // the unit holding each kind (its routine work goes there)
	gate     bool        // lessons wait for the next audit
}

type unitPlan struct {
	kinds []hikeshi.DepartmentKind
	staff int
}

// plan maps pattern k onto c's organisation. A kind the pattern places in no
// unit (the traditional pattern has no CSIRT) joins the unit that leads
// incident response: those people handle incidents there.
func (c Config) plan(k hikeshi.PatternKey) (plan, error) {
	p, ok := hikeshi.PatternByKey(k)
	if !ok {
		return plan{}, fmt.Errorf("sim: no pattern %q", k)
	}
	staff := [nKinds]int{c.Staff.Management, c.Staff.IT, c.Staff.CSIRT}
	pl := plan{key: k, gate: !p.Trigger.RealTime()}
	unitOf := func(kind hikeshi.DepartmentKind) int {
		for i, u := range pl.units {
			if slices.Contains(u.kinds, kind) {
				return i
			}
		}
		return -1
	}
	for _, u := range p.Units {
		pl.units = append(pl.units, unitPlan{kinds: slices.Clone([]hikeshi.DepartmentKind(u))})
	}
	ir := p.Matrix[hikeshi.ActivityIncidentResponse]
	lead := unitOf(ir.Lead)
	for i, kind := range kindOf {
		u := unitOf(kind)
		if u < 0 {
			u = lead
			pl.units[u].kinds = append(pl.units[u].kinds, kind)
		}
		pl.kindUnit[i] = u
		pl.units[u].staff += staff[i]
	}
	pl.phase = [3]int{lead, lead, lead}
	if ir.Has(hikeshi.KindCSIRT) {
		pl.phase[phaseTriage] = unitOf(hikeshi.KindCSIRT)
	}
	if ir.Has(hikeshi.KindIT) {
		pl.phase[phaseRecover] = unitOf(hikeshi.KindIT)
	}
	pl.improve = unitOf(p.Matrix[hikeshi.ActivityImprovement].Lead)
	for _, u := range append(pl.phase[:], pl.improve) {
		if pl.units[u].staff == 0 {
			kind := pl.units[u].kinds[0]
			f := "staff." + string(kind)
			return plan{}, &FieldError{f, fmt.Sprintf("%s must be 1–%d for the %s pattern, where %s is a unit of its own with incident or improvement work",
				f, MaxStaff, k, kind)}
		}
	}
	return pl, nil
}

// sampler draws durations from a Dist.
type sampler struct {
	exp       bool
	mean      float64
	mu, sigma float64
}

func newSampler(d Dist) sampler {
	s := sampler{exp: d.Kind == Exponential, mean: d.MeanHours}
	if !s.exp && d.MeanHours > 0 {
		s.sigma = math.Sqrt(math.Log1p(d.CV * d.CV))
		s.mu = math.Log(d.MeanHours) - s.sigma*s.sigma/2
	}
	return s
}

func (s *sampler) draw(r *rand.Rand) float64 {
	switch {
	case s.mean == 0:
		return 0
	case s.exp:
		return s.mean * r.ExpFloat64()
	case s.sigma == 0:
		return s.mean
	}
	return math.Exp(s.mu + s.sigma*r.NormFloat64())
}

// Work kinds, in a unit's queues and its busy-time shares.
const (
	jobIncident = iota
	jobRoutine
	jobImprove
	nJobKinds
)

// job is a piece of work waiting for or held by a handler.
type job struct {
	enq  float64 // when it joined the unit's queue
	dur  float64 // routine tasks: the effort
	id   int32   // incident work and improvement actions: the incident
	kind uint8
	next uint8 // incident work: the first phase still to do
}

// done is a handler's end of work, the only kind of event kept in the heap:
// arrivals and audits are few streams whose next time the loop compares
// directly, which halves the heap's work.
type done struct {
	id   int32 // the incident (incident work, improvement actions)
	unit uint8
	kind uint8 // jobIncident, jobRoutine, jobImprove
	next uint8 // incident work: the first phase still to do
}

// doneHeap is a 4-ary min-heap of handlers' end times, hand-written over
// preallocated slices so that pushing and popping allocate nothing. The
// times are kept apart from the payloads so that a node's four children
// are 32 contiguous bytes, and four children per node halve a binary
// heap's depth. Equal times leave in an order that depends only on the
// sequence of pushes and pops, so runs stay deterministic.
type doneHeap struct {
	t []float64
	v []done
}

func (q *doneHeap) len() int { return len(q.t) }

func (q *doneHeap) push(t float64, v done) {
	q.t = append(q.t, t)
	q.v = append(q.v, v)
	ts, vs := q.t, q.v
	i := len(ts) - 1
	for i > 0 {
		p := (i - 1) / 4
		if ts[p] <= t {
			break
		}
		ts[i], vs[i] = ts[p], vs[p]
		i = p
	}
	ts[i], vs[i] = t, v
}

// pop removes the earliest end; the heap must not be empty. It moves the
// hole at the root down to a leaf along the smallest children and then
// sifts the last element up from there (Floyd's bottom-up variant): the
// last element belongs near the bottom, so this saves most comparisons
// with it, which are the hard-to-predict ones.
func (q *doneHeap) pop() (float64, done) {
	ts, vs := q.t, q.v
	topT, topV := ts[0], vs[0]
	n := len(ts) - 1
	lastT, lastV := ts[n], vs[n]
	ts, vs = ts[:n], vs[:n]
	q.t, q.v = ts, vs
	if n == 0 {
		return topT, topV
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m, mt := c, ts[c]
		hi := min(c+4, n)
		for j := c + 1; j < hi; j++ {
			if ts[j] < mt {
				m, mt = j, ts[j]
			}
		}
		ts[i], vs[i] = mt, vs[m]
		i = m
	}
	for i > 0 {
		p := (i - 1) / 4
		if ts[p] <= lastT {
			break
		}
		ts[i], vs[i] = ts[p], vs[p]
		i = p
	}
	ts[i], vs[i] = lastT, lastV
	return topT, topV
}

// ring is a FIFO queue of jobs on a ring buffer that doubles when full.
type ring struct {
	buf        []job
	head, size int
}

func newRing(n int) ring { return ring{buf: make([]job, n)} }

func (r *ring) push(j job) {
	if r.size == len(r.buf) {
		nb := make([]job, 2*len(r.buf))
		for i := range r.size {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = j
	r.size++
}

func (r *ring) pop() job {
	j := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return j
}

// unit is a pool of handlers: incident work is served before routine tasks
// and improvement actions, which share one queue; nobody is interrupted.
type unit struct {
	servers, busy int
	incidents     ring
	other         ring
	busyTime      [nJobKinds]float64 // within the horizon
	routineWait   float64
	routineN      int
	backlog       int
}

type incident struct {
	arrive float64
	d      [4]float64 // triage, contain, recover, improve
	lesson bool
}

const sizeofIncident = 48

// engine is one pattern's simulation state.
type engine struct {
	pl      *plan
	horizon float64
	units   []unit
	q       doneHeap
	incs    []incident // arrived so far: a prefix of the shared draws, or its own
	closed  []float64  // when each incident was recovered
	nInc    int
	gated   []int32
	open    int // incidents not yet recovered
	audit   float64

	firstResp, contain, lead []float64
}

// run simulates one pattern, with the draws shared by the run's patterns
// or, when shared is nil, its own. tick is called with the number of events
// processed since its last call; its error stops the run.
func run(c *Config, pl *plan, shared *draws, tick func(int64) error) (Result, error) {
	horizon := c.Years * HoursPerYear
	heapCap := 64 + c.Staff.Management + c.Staff.IT + c.Staff.CSIRT
	expect := int(c.IncidentsPerYear*c.Years + 6*math.Sqrt(c.IncidentsPerYear*c.Years) + 16)
	e := &engine{
		pl:        pl,
		horizon:   horizon,
		units:     make([]unit, len(pl.units)),
		q:         doneHeap{t: make([]float64, 0, heapCap), v: make([]done, 0, heapCap)},
		closed:    make([]float64, 0, expect),
		gated:     make([]int32, 0, 64),
		audit:     c.AuditEveryMonths * hoursPerMonth,
		firstResp: make([]float64, 0, expect),
		contain:   make([]float64, 0, expect),
		lead:      make([]float64, 0, int(float64(expect)*c.LessonShare)+16),
	}
	for i, u := range pl.units {
		e.units[i] = unit{servers: u.staff, incidents: newRing(256), other: newRing(256)}
	}

	incidents := newIncidentStream(c)
	routine := newRoutineStreams(c)
	shared.share(incidents, routine)
	if shared != nil {
		e.incs = shared.incidents
	} else {
		e.incs = make([]incident, 0, expect)
	}

	// The next event of each stream; its time is +Inf when it has ended.
	inf := math.Inf(1)
	nextIncident, pending := inf, incident{}
	if inc, ok := incidents.next(); ok {
		nextIncident, pending = inc.arrive, inc
	}
	var nextRoutine [nKinds]float64
	var pendingTask [nKinds]float64
	for k := range nKinds {
		nextRoutine[k] = inf
		if t, ok := routine[k].next(); ok {
			nextRoutine[k], pendingTask[k] = t.t, t.d
		}
	}
	nextAudit := inf
	if pl.gate {
		nextAudit = e.audit
	}
	nextHorizon := horizon

	const (
		srcNone = iota
		srcDone
		srcIncident
		srcRoutine
		srcAudit
		srcHorizon
	)
	const batch = 1 << 14
	var n int64
	for {
		// The earliest event; on a tie, a handler's end comes first, then
		// the streams in this order.
		now, src, kind := inf, srcNone, 0
		if e.q.len() > 0 {
			now, src = e.q.t[0], srcDone
		}
		if nextIncident < now {
			now, src = nextIncident, srcIncident
		}
		for k := range nKinds {
			if nextRoutine[k] < now {
				now, src, kind = nextRoutine[k], srcRoutine, k
			}
		}
		if nextAudit < now {
			now, src = nextAudit, srcAudit
		}
		if nextHorizon < now {
			now, src = nextHorizon, srcHorizon
		}
		if src == srcNone {
			break
		}
		if n++; n == batch {
			if err := tick(n); err != nil {
				return Result{}, err
			}
			n = 0
		}
		switch src {
		case srcDone:
			_, d := e.q.pop()
			e.finish(int(d.unit), d, now)
		case srcIncident:
			id := int32(e.nInc)
			if shared == nil {
				e.incs = append(e.incs, pending)
			}
			e.nInc++
			e.closed = append(e.closed, 0)
			e.open++
			nextIncident = inf
			if inc, ok := incidents.next(); ok {
				nextIncident, pending = inc.arrive, inc
			}
			e.arrive(pl.phase[phaseTriage], job{id: id, kind: jobIncident, next: phaseTriage}, now)
		case srcRoutine:
			d := pendingTask[kind]
			nextRoutine[kind] = inf
			if t, ok := routine[kind].next(); ok {
				nextRoutine[kind], pendingTask[kind] = t.t, t.d
			}
			e.arrive(pl.kindUnit[kind], job{dur: d, kind: jobRoutine}, now)
		case srcAudit:
			for _, id := range e.gated {
				e.arrive(pl.improve, job{id: id, kind: jobImprove}, now)
			}
			e.gated = e.gated[:0]
			nextAudit = inf
			if now < horizon || e.open > 0 {
				nextAudit = now + e.audit
			}
		case srcHorizon:
			nextHorizon = inf
			for i := range e.units {
				u := &e.units[i]
				u.backlog = u.incidents.size + u.other.size
			}
		}
	}
	if err := tick(n); err != nil {
		return Result{}, err
	}
	return e.result(), nil
}

// arrive gives j to a free handler of unit u, or queues it.
func (e *engine) arrive(u int, j job, now float64) {
	un := &e.units[u]
	j.enq = now
	if un.busy < un.servers {
		un.busy++
		e.start(u, j, now)
		return
	}
	if j.kind == jobIncident {
		un.incidents.push(j)
	} else {
		un.other.push(j)
	}
}

// start has a handler of unit u take j at now and schedules its end. An
// incident's consecutive phases in the same unit stay with the handler.
func (e *engine) start(u int, j job, now float64) {
	un := &e.units[u]
	end := now
	switch j.kind {
	case jobIncident:
		inc := &e.incs[j.id]
		p := int(j.next)
		if p == phaseTriage {
			e.firstResp = append(e.firstResp, now-inc.arrive)
		}
		for p < phaseDone && e.pl.phase[p] == u {
			end += inc.d[p]
			if p == phaseContain {
				e.contain = append(e.contain, end-inc.arrive)
			}
			p++
		}
		j.next = uint8(p)
	case jobRoutine:
		un.routineWait += now - j.enq
		un.routineN++
		end += j.dur
	case jobImprove:
		end += e.incs[j.id].d[3]
	}
	if now < e.horizon {
		un.busyTime[j.kind] += min(end, e.horizon) - now
	}
	e.q.push(end, done{id: j.id, unit: uint8(u), kind: j.kind, next: j.next})
}

// finish ends the work j of unit u, passes an incident on to its next phase or closes
// it, and gives the handler the next job.
func (e *engine) finish(u int, j done, now float64) {
	switch j.kind {
	case jobIncident:
		if j.next < phaseDone {
			e.arrive(e.pl.phase[j.next], job{id: j.id, kind: jobIncident, next: j.next}, now)
			break
		}
		inc := &e.incs[j.id]
		e.closed[j.id] = now
		e.open--
		if inc.lesson {
			if e.pl.gate {
				e.gated = append(e.gated, j.id)
			} else {
				e.arrive(e.pl.improve, job{enq: now, id: j.id, kind: jobImprove}, now)
			}
		}
	case jobImprove:
		e.lead = append(e.lead, now-e.closed[j.id])
	}
	un := &e.units[u]
	switch {
	case un.incidents.size > 0:
		e.start(u, un.incidents.pop(), now)
	case un.other.size > 0:
		e.start(u, un.other.pop(), now)
	default:
		un.busy--
	}
}

func (e *engine) result() Result {
	r := Result{
		Pattern:             e.pl.key,
		Incidents:           e.nInc,
		Lessons:             len(e.lead),
		FirstResponse:       summarise(e.firstResp),
		TimeToContain:       summarise(e.contain),
		ImprovementLeadTime: summarise(e.lead),
	}
	for i, up := range e.pl.units {
		u := &e.units[i]
		ur := UnitResult{Kinds: up.kinds, Staff: up.staff, Backlog: u.backlog}
		if capacity := float64(up.staff) * e.horizon; capacity > 0 {
			ur.IncidentShare = u.busyTime[jobIncident] / capacity
			ur.RoutineShare = u.busyTime[jobRoutine] / capacity
			ur.ImprovementShare = u.busyTime[jobImprove] / capacity
			ur.Utilisation = ur.IncidentShare + ur.RoutineShare + ur.ImprovementShare
		}
		if u.routineN > 0 {
			ur.RoutineWait = u.routineWait / float64(u.routineN)
		}
		r.Units = append(r.Units, ur)
	}
	return r
}

// summarise describes xs, reordering it. The quantiles come from
// selection, not sorting: two quickselects and two scans instead of an
// n·log n sort, per sample of up to millions.
func summarise(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	sum, hi := 0.0, xs[0]
	for _, x := range xs {
		sum += x
		hi = max(hi, x)
	}
	return Summary{N: len(xs), Mean: sum / float64(len(xs)), Median: quantile(xs, 0.5), P90: quantile(xs, 0.9), Max: hi}
}

// quantile is type 7 of Hyndman and Fan (R's default): the linear
// interpolation between the order statistics around p·(n−1). It reorders
// xs.
func quantile(xs []float64, p float64) float64 {
	h := p * float64(len(xs)-1)
	k := int(h)
	selectKth(xs, k)
	x0 := xs[k]
	if k+1 >= len(xs) || h == float64(k) {
		return x0
	}
	x1 := xs[k+1]
	for _, x := range xs[k+2:] { // after selection, the next order statistic is the least to the right
		x1 = min(x1, x)
	}
	return x0 + (h-float64(k))*(x1-x0)
}

// selectKth reorders xs so that xs[k] is its k-th smallest element, with
// none larger before it and none smaller after it (Hoare's quickselect,
// median-of-three pivots, insertion sort for short ranges).
func selectKth(xs []float64, k int) {
	lo, hi := 0, len(xs)-1
	for hi-lo > 16 {
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return // xs[j+1:i] all equal the pivot
		}
	}
	for a := lo + 1; a <= hi; a++ {
		for b := a; b > lo && xs[b] < xs[b-1]; b-- {
			xs[b], xs[b-1] = xs[b-1], xs[b]
		}
	}
}
