package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hikeshi/hikeshi"
)

// AlertIntake receives alerts from machines (IH-3): it authenticates senders,
// decodes, de-duplicates and groups alerts, and commits them in batches.
//
// One writer goroutine owns every intake transaction (decision 0035). A
// request decodes its payload in its own goroutine, then queues the alerts
// and waits; the writer takes every request waiting (up to
// hikeshi.AlertIntakeBatchAlerts alerts), commits them in one transaction and
// only then answers each request. The queue is bounded: when
// hikeshi.AlertIntakeQueuedAlerts alerts wait already, Receive fails at once
// with ErrIntakeBusy instead of holding more in memory.
type AlertIntake struct {
	base

	once    sync.Once
	mu      sync.RWMutex // guards closed against sends on queue
	closed  bool
	queue   chan *intakeReq
	stop    chan struct{}
	done    chan struct{}
	waiting atomic.Int64 // alerts queued, not yet taken by the writer

	// arriving counts requests being decoded, not yet queued: the writer
	// lingers for more requests only while some are on their way, and a
	// request that stops arriving (refused, or queued) nudges it.
	arriving atomic.Int64
	nudge    chan struct{}

	heads   heads                // the writer's cache of fingerprint → newest row; only the writer touches it
	touched map[string]time.Time // the writer's record of each sender's last_alert_at as written

	// patient says the writer waits out its linger even when no request is
	// on its way: set when the store's commits wait for the disk.
	patient bool

	sendersMu sync.Mutex
	senders   map[string]cachedSender // by token hash
}

// ErrIntakeBusy means the intake queue is full; the sender should retry
// after a second. It unwraps to hikeshi.ErrRateLimited.
var ErrIntakeBusy = fmt.Errorf("alert intake is busy, retry shortly: %w", hikeshi.ErrRateLimited)

// errIntakeClosed means the server is shutting down.
var errIntakeClosed = fmt.Errorf("alert intake is shutting down, retry shortly: %w", hikeshi.ErrRateLimited)

// senderCacheTTL bounds how long a sender's token is trusted without a look-up:
// disabling a sender takes effect within it (at once in this process after
// ForgetSenders).
const senderCacheTTL = 2 * time.Second

// intakeLinger is how long the writer waits for more requests before it
// commits a batch smaller than the cap.
const intakeLinger = 2 * time.Millisecond

// intakeEnoughAlerts is a batch big enough that, on an engine whose commits
// do not wait for the disk, the writer commits it without waiting for the
// requests still being decoded: the commit's fixed cost is then under a
// twentieth of the batch's, and the writer, the bottleneck of batched
// intake, would otherwise sit idle while they decode (decision 0050).
const intakeEnoughAlerts = 200

// intakeQueueRequests bounds the requests waiting for the writer.
const intakeQueueRequests = 4096

type cachedSender struct {
	s  hikeshi.AlertSender
	at time.Time
}

// IntakeSource is who delivers alerts: an alert sender by its own token, or a
// person of the CSIRT (or an admin) with their personal API token.
type IntakeSource struct {
	Sender hikeshi.AlertSender // zero when a person sends
	Actor  hikeshi.Actor       // the person, or the sender's actor for the audit log
}

// SenderActor is how an alert sender appears in the audit log.
func SenderActor(s hikeshi.AlertSender) hikeshi.Actor {
	return hikeshi.Actor{Email: "alert sender " + s.Name, Via: "alerts"}
}

// IntakeResult says what became of a request's alerts.
type IntakeResult struct {
	Accepted   int // new alerts (rows) in the queue
	Duplicates int // repeats that raised an existing alert's count
	Suppressed int // new alerts a suppression rule held back (stored, no event)
	Ignored    int // records that are not alerts (e.g. Suricata flow records)
	Events     []IntakeEventRef
}

// IntakeEventRef names an event a request's alerts went into.
type IntakeEventRef struct {
	ID     string
	Number string
	New    bool // opened by this request's batch
}

// Authenticate returns the sender whose token this is. An unknown token or a
// disabled sender is ErrUnauthenticated.
func (s *AlertIntake) Authenticate(ctx context.Context, token string) (hikeshi.AlertSender, error) {
	if token == "" || len(token) > 512 {
		return hikeshi.AlertSender{}, hikeshi.ErrUnauthenticated
	}
	hash := HashSecret(token)
	now := time.Now()
	s.sendersMu.Lock()
	c, ok := s.senders[hash]
	s.sendersMu.Unlock()
	if !ok || now.Sub(c.at) > senderCacheTTL {
		snd, err := s.st.FindIntakeSender(ctx, hash)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.AlertSender{}, hikeshi.ErrUnauthenticated
		}
		if err != nil {
			return hikeshi.AlertSender{}, err
		}
		c = cachedSender{s: snd, at: now}
		s.sendersMu.Lock()
		if s.senders == nil || len(s.senders) > 10_000 {
			s.senders = map[string]cachedSender{}
		}
		s.senders[hash] = c
		s.sendersMu.Unlock()
	}
	if !c.s.DisabledAt.IsZero() {
		return hikeshi.AlertSender{}, hikeshi.ErrUnauthenticated
	}
	return c.s, nil
}

// ForgetSenders drops the cached senders, so that a sender just disabled or
// changed is looked up again (the alert queue calls it after such changes).
func (s *AlertIntake) ForgetSenders() {
	s.sendersMu.Lock()
	s.senders = nil
	s.sendersMu.Unlock()
}

// Receive decodes a payload in format f from src and commits its alerts. It
// returns only after the commit. A payload with any invalid record is
// refused whole (a *hikeshi.ValidationError naming the record); nothing of it
// is stored.
func (s *AlertIntake) Receive(ctx context.Context, src IntakeSource, f hikeshi.AlertFormat, body []byte) (IntakeResult, error) {
	if err := s.admit(src, f); err != nil {
		return IntakeResult{}, err
	}
	s.once.Do(s.start)
	s.arriving.Add(1)
	dec, err := hikeshi.DecodeAlertPayload(f, body)
	if err != nil {
		s.arrived()
		return IntakeResult{}, decodeProblem(err)
	}
	return s.submit(ctx, src, dec.Alerts, dec.Skipped, true)
}

// arrived ends a request's arrival: it is queued or refused.
func (s *AlertIntake) arrived() {
	if s.arriving.Add(-1) == 0 {
		select {
		case s.nudge <- struct{}{}:
		default:
		}
	}
}

// admit checks that src may deliver alerts in format f.
func (s *AlertIntake) admit(src IntakeSource, f hikeshi.AlertFormat) error {
	if !f.Valid() {
		return hikeshi.Invalid("format", "invalid_choice", fmt.Sprintf("%q is not an alert format", f))
	}
	if src.Sender.ID != "" {
		if src.Sender.Format != f {
			return fmt.Errorf("the token of alert sender %q is for the %s endpoint, not %s; each sender posts to its own format's endpoint: %w",
				src.Sender.Name, src.Sender.Format, f, hikeshi.ErrForbidden)
		}
		return nil
	}
	a := src.Actor
	if a.ReadOnly() || (a.Role != hikeshi.RoleAdmin && a.Role != hikeshi.RoleCSIRT) {
		return forbid("only the CSIRT and admins may post alerts with a personal token")
	}
	return nil
}

// decodeProblem makes a decoder's error a ValidationError the API can name.
func decodeProblem(err error) error {
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	if errors.Is(err, hikeshi.ErrInvalid) {
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), hikeshi.ErrInvalid.Error()), ": ")
		return hikeshi.Invalid("body", "malformed", msg)
	}
	return err
}

// Submit commits already decoded alerts from src; ignored is the number of
// records the decoder skipped. It returns after the commit.
func (s *AlertIntake) Submit(ctx context.Context, src IntakeSource, alerts []hikeshi.AlertInput, ignored int) (IntakeResult, error) {
	return s.submit(ctx, src, alerts, ignored, false)
}

// submit is Submit; counted says the request is counted in arriving, to be
// ended once it is queued or refused.
func (s *AlertIntake) submit(ctx context.Context, src IntakeSource, alerts []hikeshi.AlertInput, ignored int, counted bool) (IntakeResult, error) {
	if counted {
		queued := false
		defer func() {
			if !queued {
				s.arrived()
			}
		}()
		res, err := s.enqueue(src, alerts, ignored, func() { queued = true; s.arrived() })
		return res, err
	}
	return s.enqueue(src, alerts, ignored, func() {})
}

// enqueue checks and queues a request's alerts, calls queued once they are
// in the writer's queue, and waits for their commit.
func (s *AlertIntake) enqueue(src IntakeSource, alerts []hikeshi.AlertInput, ignored int, queued func()) (IntakeResult, error) {
	if len(alerts) == 0 {
		return IntakeResult{Ignored: ignored}, nil
	}
	for i := range alerts {
		a := &alerts[i]
		if a.Fingerprint == "" {
			a.Fingerprint = hikeshi.AlertFingerprint(*a)
		}
		if !a.Severity.Valid() {
			return IntakeResult{}, hikeshi.Invalid(fmt.Sprintf("alerts[%d].severity", i), "invalid_choice", "must be critical, high, medium, low or info")
		}
		if a.Status == "" {
			a.Status = hikeshi.AlertFiring
		}
		if a.Status != hikeshi.AlertFiring && a.Status != hikeshi.AlertResolved {
			return IntakeResult{}, hikeshi.Invalid(fmt.Sprintf("alerts[%d].status", i), "invalid_choice", "must be firing or resolved")
		}
		if a.Format == "" {
			a.Format = hikeshi.FormatGeneric
		}
	}
	s.once.Do(s.start)
	r := &intakeReq{src: src, alerts: alerts, ignored: ignored, done: make(chan intakeDone, 1)}
	n := int64(len(alerts))
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return IntakeResult{}, errIntakeClosed
	}
	if s.waiting.Add(n) > hikeshi.AlertIntakeQueuedAlerts && s.waiting.Load() != n {
		s.waiting.Add(-n)
		s.mu.RUnlock()
		return IntakeResult{}, ErrIntakeBusy
	}
	select {
	case s.queue <- r:
	default:
		s.waiting.Add(-n)
		s.mu.RUnlock()
		return IntakeResult{}, ErrIntakeBusy
	}
	s.mu.RUnlock()
	queued()
	// The request waits for its commit even if its client has gone: the
	// batch it is in is answered as a whole.
	d := <-r.done
	return d.res, d.err
}

// Close stops the writer after it has committed every queued request. Later
// calls of Receive fail with a retryable error.
func (s *AlertIntake) Close() {
	s.once.Do(s.start)
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	s.mu.Unlock()
	<-s.done
}

type intakeReq struct {
	src     IntakeSource
	alerts  []hikeshi.AlertInput
	ignored int
	done    chan intakeDone
}

type intakeDone struct {
	res IntakeResult
	err error
}

func (s *AlertIntake) start() {
	if d, ok := s.st.(interface{ CommitWaitsForDisk() bool }); ok {
		s.patient = d.CommitWaitsForDisk()
	}
	s.queue = make(chan *intakeReq, intakeQueueRequests)
	s.nudge = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.run()
}

// run is the writer: it takes every waiting request, up to the batch cap,
// and commits them together.
func (s *AlertIntake) run() {
	defer close(s.done)
	var batch []*intakeReq
	last := 0 // requests in the last batch
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		batch = batch[:0]
		select {
		case r := <-s.queue:
			batch = append(batch, r)
		case <-s.stop:
			// Drain: every request already queued is committed and answered.
			for {
				select {
				case r := <-s.queue:
					s.commit([]*intakeReq{r})
				default:
					return
				}
			}
		}
		n := len(batch[0].alerts)
		// Linger briefly for more requests: a commit costs about the same
		// for ten alerts as for a thousand (the pages written, the flush),
		// so a batch gathered over a millisecond or two costs far less per
		// alert (decision 0035). When commits wait for the disk (PostgreSQL
		// flushes its WAL at every commit) the writer waits out the linger
		// for the clients whose answers have just gone out. When they do
		// not (SQLite's WAL with synchronous=NORMAL) it waits only until
		// the batch holds as many requests as the last one did — the
		// senders just answered are most likely on their way back — and
		// then stops as soon as nothing more is on its way: a lone sender
		// is answered at once, and eight senders share one commit instead
		// of two or three. A batch of intakeEnoughAlerts goes without
		// waiting for the requests still on their way.
		linger.Reset(intakeLinger)
	more:
		for n < hikeshi.AlertIntakeBatchAlerts {
			if !s.patient && len(s.queue) == 0 && (n >= intakeEnoughAlerts || len(batch) >= last && s.arriving.Load() == 0) {
				break
			}
			select {
			case r := <-s.queue:
				batch = append(batch, r)
				n += len(r.alerts)
			case <-s.nudge:
			case <-linger.C:
				break more
			}
		}
		if !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		last = len(batch)
		s.commit(batch)
	}
}

// commit writes a batch in one transaction and answers its requests. When
// the batch fails, each request is retried alone so that one bad request
// cannot fail the others.
func (s *AlertIntake) commit(batch []*intakeReq) {
	for _, r := range batch {
		s.waiting.Add(-int64(len(r.alerts)))
	}
	results, err := s.write(batch)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			res, err := s.write([]*intakeReq{r})
			r.done <- intakeDone{res: res[0], err: err}
		}
		return
	}
	for i, r := range batch {
		var res IntakeResult
		if err == nil {
			res = results[i]
		}
		r.done <- intakeDone{res: res, err: err}
	}
}

// write commits one batch; a stale cache entry (a row gone behind the
// writer's back) empties the cache and retries once without it.
func (s *AlertIntake) write(batch []*intakeReq) ([]IntakeResult, error) {
	results := make([]IntakeResult, len(batch))
	for attempt := 0; ; attempt++ {
		var p *intakePlan
		ctx := context.Background()
		err := s.st.InTx(ctx, func(tx hikeshi.Tx) (err error) {
			// A bug must fail this batch, not stop the writer and leave
			// every later request waiting.
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("alert intake: panic: %v", v)
				}
			}()
			p, err = s.plan(ctx, tx, batch, attempt == 0)
			return err
		})
		if err == nil {
			for fp, h := range p.heads {
				s.heads.put(fp, h)
			}
			if s.touched == nil || len(s.touched) > 10_000 {
				s.touched = map[string]time.Time{}
			}
			for _, id := range p.touched {
				s.touched[id] = p.now
			}
			return p.results, nil
		}
		if attempt == 0 && errors.Is(err, hikeshi.ErrNotFound) {
			s.heads = heads{}
			continue
		}
		return results, fmt.Errorf("receive alerts: %w", err)
	}
}

// intakePlan is what one batch did, for the answers and the cache.
type intakePlan struct {
	now     time.Time
	results []IntakeResult
	heads   map[string]hikeshi.AlertHead
	touched []string // senders whose last_alert_at was written
}

// seen is a fingerprint met earlier in the batch.
type seen struct {
	newIdx int      // index into NewAlerts, or -1 for an existing row
	bump   int      // index into Bumps when newIdx < 0
	event  eventRef // the existing row's event (empty when held back)
}

// eventRef is an existing event a repeat went into.
type eventRef struct{ id, number string }

// plan decides and writes one batch inside tx.
func (s *AlertIntake) plan(ctx context.Context, tx hikeshi.Tx, batch []*intakeReq, useCache bool) (*intakePlan, error) {
	now := s.clock.Now()
	shared, err := tx.LockIntake(ctx)
	if err != nil {
		return nil, err
	}
	useCache = useCache && !shared
	rules, err := tx.FindIntakeSuppressions(ctx, now)
	if err != nil {
		return nil, err
	}

	// Fingerprints the cache does not know are looked up in one go.
	var missing []string
	asked := map[string]bool{}
	for _, r := range batch {
		for i := range r.alerts {
			fp := r.alerts[i].Fingerprint
			if asked[fp] {
				continue
			}
			asked[fp] = true
			if _, ok := s.heads.get(fp); !ok || !useCache {
				missing = append(missing, fp)
			}
		}
	}
	found, err := tx.FindIntakeHeads(ctx, missing)
	if err != nil {
		return nil, err
	}
	head := func(fp string) (hikeshi.AlertHead, bool) {
		if h, ok := found[fp]; ok {
			return h, true
		}
		if useCache {
			return s.heads.get(fp)
		}
		return hikeshi.AlertHead{}, false
	}

	var b hikeshi.AlertIntakeBatch
	local := map[string]seen{}
	bumpEvents := []string{}             // parallel to b.Bumps: the bumped row's event
	groupOf := []string{}                // parallel to b.NewAlerts: the group key, "" when held back
	hits := map[string]int64{}           // suppression rule → new alerts held back
	touched := make([][]any, len(batch)) // per request: event sources (int new-alert index or eventRef)
	p := &intakePlan{now: now, results: make([]IntakeResult, len(batch)), heads: map[string]hikeshi.AlertHead{}}

	for ri, r := range batch {
		res := &p.results[ri]
		res.Ignored = r.ignored
		window := r.src.Sender.Window
		if window <= 0 {
			window = hikeshi.DefaultAlertWindow
		}
		for i := range r.alerts {
			a := &r.alerts[i]
			if sn, ok := local[a.Fingerprint]; ok {
				res.Duplicates++
				if sn.newIdx >= 0 {
					na := &b.NewAlerts[sn.newIdx]
					na.Count++
					na.Status = a.Status
					touched[ri] = append(touched[ri], sn.newIdx)
				} else {
					bp := &b.Bumps[sn.bump]
					bp.Count++
					bp.Status = a.Status
					if sn.event.id != "" {
						touched[ri] = append(touched[ri], sn.event)
					}
				}
				continue
			}
			if h, ok := head(a.Fingerprint); ok && now.Sub(h.LastSeen) <= window {
				res.Duplicates++
				b.Bumps = append(b.Bumps, hikeshi.AlertBump{ID: h.ID, Count: 1, LastSeen: now, Status: a.Status})
				bumpEvents = append(bumpEvents, h.EventID)
				ref := eventRef{h.EventID, h.EventNumber}
				local[a.Fingerprint] = seen{newIdx: -1, bump: len(b.Bumps) - 1, event: ref}
				if h.EventID != "" {
					touched[ri] = append(touched[ri], ref)
				}
				h.LastSeen = now
				p.heads[a.Fingerprint] = h
				continue
			}
			row := hikeshi.Alert{
				ID: hikeshi.NewID(), SenderID: r.src.Sender.ID, Format: a.Format, Fingerprint: a.Fingerprint, Rule: a.Rule,
				Title: a.Title, Description: a.Description, Severity: a.Severity, Status: a.Status, Host: a.Host,
				Observables: a.Observables, Labels: a.Labels, Raw: a.Raw, OccurredAt: a.OccurredAt,
				FirstSeen: now, LastSeen: now, Count: 1,
			}
			if row.OccurredAt.IsZero() {
				row.OccurredAt = now
			}
			gk := ""
			for _, rule := range rules {
				if rule.Matches(*a, now) {
					row.SuppressedBy = rule.ID
					hits[rule.ID]++
					break
				}
			}
			if row.SuppressedBy != "" {
				res.Suppressed++
			} else {
				res.Accepted++
				gk = hikeshi.AlertGroupKey(*a)
				touched[ri] = append(touched[ri], len(b.NewAlerts))
			}
			local[a.Fingerprint] = seen{newIdx: len(b.NewAlerts)}
			b.NewAlerts = append(b.NewAlerts, row)
			groupOf = append(groupOf, gk)
		}
	}

	// Events: the open event of each group key, or a new one.
	var keys []string
	keySeen := map[string]bool{}
	for _, gk := range groupOf {
		if gk != "" && !keySeen[gk] {
			keySeen[gk] = true
			keys = append(keys, gk)
		}
	}
	open, err := tx.FindIntakeOpenEvents(ctx, keys)
	if err != nil {
		return nil, err
	}
	newKeys := 0
	for _, gk := range keys {
		if _, ok := open[gk]; !ok {
			newKeys++
		}
	}
	var first int64
	if newKeys > 0 {
		if first, err = tx.ReserveCounter(ctx, hikeshi.AlertEventCounter(now.Year()), newKeys); err != nil {
			return nil, err
		}
	}
	type agg struct {
		ev       hikeshi.AlertEvent
		isNew    bool
		alerts   int64
		occ      int64
		severity hikeshi.AlertSeverity
	}
	aggs := map[string]*agg{} // by event id
	var order []string
	byKey := map[string]*agg{}
	for i, gk := range groupOf {
		if gk == "" {
			continue
		}
		g := byKey[gk]
		if g == nil {
			if ev, ok := open[gk]; ok {
				g = &agg{ev: ev, severity: ev.Severity}
			} else {
				na := b.NewAlerts[i]
				g = &agg{isNew: true, ev: hikeshi.AlertEvent{
					ID: hikeshi.NewID(), Number: hikeshi.AlertEventNumber(now.Year(), first), GroupKey: gk,
					Title: na.Title, Format: na.Format, Status: hikeshi.EventOpen, FirstSeen: now, LastSeen: now,
					CreatedAt: now, UpdatedAt: now,
				}}
				first++
			}
			byKey[gk] = g
			aggs[g.ev.ID] = g
			order = append(order, g.ev.ID)
		}
		na := &b.NewAlerts[i]
		na.EventID = g.ev.ID
		g.alerts++
		g.occ += na.Count
		if na.Severity.Rank() > g.severity.Rank() {
			g.severity = na.Severity
		}
	}
	for i, bp := range b.Bumps {
		ev := bumpEvents[i]
		if ev == "" {
			continue
		}
		g := aggs[ev]
		if g == nil {
			g = &agg{ev: hikeshi.AlertEvent{ID: ev}}
			aggs[ev] = g
			order = append(order, ev)
		}
		g.occ += bp.Count
	}
	for _, id := range order {
		g := aggs[id]
		if g.isNew {
			e := g.ev
			e.Alerts, e.Occurrences, e.Severity = g.alerts, g.occ, g.severity
			b.NewEvents = append(b.NewEvents, e)
			continue
		}
		d := hikeshi.AlertEventDelta{ID: id, Alerts: g.alerts, Occurrences: g.occ, LastSeen: now}
		if g.ev.Severity != "" && g.severity.Rank() > g.ev.Severity.Rank() {
			d.Severity = g.severity
		}
		b.Events = append(b.Events, d)
	}
	for id, n := range hits {
		b.Hits = append(b.Hits, hikeshi.AlertSuppressionHit{ID: id, Hits: n, At: now})
	}

	// One audit entry per sender (or person) per batch, with the counts.
	type tally struct {
		src                                                 IntakeSource
		requests, accepted, duplicates, suppressed, ignored int
		events                                              map[string]bool
	}
	var tallies []*tally
	bySrc := map[string]*tally{}
	for ri, r := range batch {
		key := "s:" + r.src.Sender.ID
		if r.src.Sender.ID == "" {
			key = "u:" + r.src.Actor.UserID
		}
		t := bySrc[key]
		if t == nil {
			t = &tally{src: r.src, events: map[string]bool{}}
			bySrc[key] = t
			tallies = append(tallies, t)
			// last_alert_at is written at most once a second per sender:
			// a page less to write for each small batch.
			if id := r.src.Sender.ID; id != "" && now.Sub(s.touched[id]) >= time.Second {
				b.Senders = append(b.Senders, hikeshi.AlertSenderTouch{ID: id, At: now})
				p.touched = append(p.touched, id)
			}
		}
		res := &p.results[ri]
		t.requests++
		t.accepted += res.Accepted
		t.duplicates += res.Duplicates
		t.suppressed += res.Suppressed
		t.ignored += res.Ignored
		// The events this request's alerts went into, in first-touch order.
		evSeen := map[string]bool{}
		for _, src := range touched[ri] {
			var ref IntakeEventRef
			switch v := src.(type) {
			case int:
				ref.ID = b.NewAlerts[v].EventID
				if g := aggs[ref.ID]; g != nil {
					ref.Number, ref.New = g.ev.Number, g.isNew
				}
			case eventRef:
				ref.ID, ref.Number = v.id, v.number
			}
			if ref.ID == "" || evSeen[ref.ID] {
				continue
			}
			evSeen[ref.ID] = true
			t.events[ref.ID] = true
			res.Events = append(res.Events, ref)
		}
	}
	if err := tx.WriteIntakeBatch(ctx, b); err != nil {
		return nil, err
	}
	for _, t := range tallies {
		actor, entity, id := t.src.Actor, "alert_intake", t.src.Actor.UserID
		if t.src.Sender.ID != "" {
			actor, entity, id = SenderActor(t.src.Sender), "alert_sender", t.src.Sender.ID
		}
		if err := s.audit(ctx, tx, actor, "alert.receive", entity, id, nil, intakeAudit{
			Requests: t.requests, Accepted: t.accepted, Duplicates: t.duplicates, Suppressed: t.suppressed,
			Ignored: t.ignored, Events: len(t.events),
		}); err != nil {
			return nil, err
		}
	}
	for _, na := range b.NewAlerts {
		h := hikeshi.AlertHead{ID: na.ID, EventID: na.EventID, SuppressedBy: na.SuppressedBy, LastSeen: now}
		if g := aggs[na.EventID]; g != nil {
			h.EventNumber = g.ev.Number
		}
		p.heads[na.Fingerprint] = h
	}
	return p, nil
}

// intakeAudit is the audit entry of one sender's part of a batch: counts
// only, never a token or an alert's content.
type intakeAudit struct {
	Requests   int `json:"requests"`
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Suppressed int `json:"suppressed"`
	Ignored    int `json:"ignored"`
	Events     int `json:"events"`
}

// heads is a bounded cache of fingerprint → newest row, in two generations:
// when the young one is full it becomes the old one and the oldest entries
// go. A miss is looked up in the database, so the bound costs only queries.
type heads struct {
	young, old map[string]hikeshi.AlertHead
}

const headsGeneration = 100_000

func (h *heads) get(fp string) (hikeshi.AlertHead, bool) {
	if v, ok := h.young[fp]; ok {
		return v, true
	}
	v, ok := h.old[fp]
	return v, ok
}

func (h *heads) put(fp string, v hikeshi.AlertHead) {
	if h.young == nil {
		h.young = make(map[string]hikeshi.AlertHead, 1024)
	}
	if len(h.young) >= headsGeneration {
		h.old, h.young = h.young, make(map[string]hikeshi.AlertHead, 1024)
	}
	h.young[fp] = v
}
