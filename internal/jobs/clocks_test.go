package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"github.com/hikeshi/hikeshi/internal/jobs"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// mailbox is a real SMTP server (go-smtp) on 127.0.0.1:0 that keeps every
// message it accepts, so the tests see what a relay would receive.
type mailbox struct {
	addr string
	mu   sync.Mutex
	msgs []received
}

type received struct {
	to      []string
	subject string
	header  mail.Header
	raw     []byte
}

func (m *mailbox) all() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.msgs)
}

type mailSession struct {
	m  *mailbox
	to []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { s.to = nil; return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, received{to: slices.Clone(s.to), subject: subject, header: msg.Header, raw: b})
	s.m.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	m := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	srv.Domain = "mx.example.org"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		l.Close()
		srv.Close()
		<-done
	})
	return m
}

// clockEnv is an organisation with the clock jobs wired to a real SMTP
// server: two CSIRT handlers (one reads Japanese), an admin, a manager and a
// department member.
type clockEnv struct {
	db                                   *store.DB
	svc                                  *service.Services
	clock                                *clocktest.Clock
	box                                  *mailbox
	handlers                             map[string]jobs.Handler
	csirtJA, csirtEN, admin, manager, mb hikeshi.User
}

func newClockEnv(t *testing.T, db *store.DB) *clockEnv {
	t.Helper()
	ctx := context.Background()
	e := &clockEnv{db: db, clock: clocktest.New(t0), box: startMailbox(t)}
	e.svc = service.New(db, service.Options{Clock: e.clock, Argon: service.ArgonParams{Memory: 64, Time: 1, Threads: 1}})
	sys := hikeshi.SystemActor("test")
	dept, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindCSIRT})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role hikeshi.Role, locale hikeshi.Locale) hikeshi.User {
		u, err := e.svc.Users.Create(ctx, sys, service.UserInput{Email: email, Name: strings.Split(email, "@")[0], Role: role,
			DepartmentID: dept.ID, Locale: locale})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	e.csirtJA = mk("handler-ja@example.org", hikeshi.RoleCSIRT, hikeshi.LocaleJA)
	e.csirtEN = mk("handler-en@example.org", hikeshi.RoleCSIRT, hikeshi.LocaleEN)
	e.admin = mk("admin@example.org", hikeshi.RoleAdmin, "")
	e.manager = mk("manager@example.org", hikeshi.RoleManager, hikeshi.LocaleEN)
	e.mb = mk("member@example.org", hikeshi.RoleMember, "")
	sender, err := mailout.NewSMTP(mailout.SMTPConfig{Relay: e.box.addr, TLS: mailout.NoTLS, From: "Hikeshi <hikeshi@example.org>",
		Hello: "hikeshi.example.org", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e.handlers, _ = jobs.Set(jobs.Deps{Services: e.svc, Mail: sender, BaseURL: "https://hikeshi.example.org", Location: time.UTC})
	return e
}

func (e *clockEnv) runner(worker string) *jobs.Runner {
	return &jobs.Runner{Store: e.db, Clock: e.clock, Handlers: e.handlers, Worker: worker, Lease: time.Minute, Poll: 5 * time.Millisecond}
}

// drain runs due jobs until none is left.
func drain(t *testing.T, r *jobs.Runner) {
	t.Helper()
	for range 20 {
		n, err := r.RunDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs kept coming")
}

// notes returns a user's notifications by stage.
func (e *clockEnv) notes(t *testing.T, u hikeshi.User) map[hikeshi.ClockStage][]hikeshi.Notification {
	t.Helper()
	list, err := e.db.FindNotifications(context.Background(), hikeshi.NotificationFilter{UserID: u.ID, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[hikeshi.ClockStage][]hikeshi.Notification{}
	for _, n := range list {
		out[n.Stage] = append(out[n.Stage], n)
	}
	return out
}

func (e *clockEnv) clockOf(t *testing.T, incidentID string, kind hikeshi.ClockKind) hikeshi.IncidentClock {
	t.Helper()
	cs, err := e.db.FindIncidentClocks(context.Background(), incidentID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Kind == kind {
			return c
		}
	}
	t.Fatalf("incident %s has no %s clock", incidentID, kind)
	return hikeshi.IncidentClock{}
}

// TestClockReminderSurvivesRestart follows one P1 incident's triage clock
// (due in 15 minutes, reminder at 11¼ minutes) through a runner that stops
// before the reminder and a new one that takes over: each person gets
// exactly one reminder, in the app and by e-mail in their language through a
// real SMTP server, then one escalation when the clock is overdue; a retried
// alert job notifies nobody twice; and the escalation reaches admins and
// managers only when they may see the TLP:RED incident.
func TestClockReminderSurvivesRestart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newClockEnv(t, db)
		csirt := hikeshi.ActorFor(e.csirtJA, "test")
		inc, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "不審なログイン <script>", Category: "phishing",
			Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed, OwnerID: e.csirtJA.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Incidents.AddMember(ctx, csirt, inc.ID, e.manager.ID); err != nil {
			t.Fatal(err)
		}
		triage := e.clockOf(t, inc.ID, hikeshi.ClockTriage)
		if !triage.DueAt.Equal(t0.Add(15 * time.Minute)) {
			t.Fatalf("P1 triage due %v", triage.DueAt)
		}

		// Runner A runs in the background until just before the reminder,
		// then stops as a process would on a restart.
		a := e.runner("A")
		actx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- a.Run(actx) }()
		e.clock.Advance(11*time.Minute + 14*time.Second)
		time.Sleep(50 * time.Millisecond) // several polls of A
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := e.notes(t, e.csirtJA); len(got) != 0 || len(e.box.all()) != 0 {
			t.Fatalf("notified before the reminder: %v, %d mails", got, len(e.box.all()))
		}

		// Runner B takes over after the restart; the reminder comes due.
		b := e.runner("B")
		e.clock.Advance(2 * time.Second)
		// A crash in the middle: a worker claims the reminder job, runs its
		// handler (notifications committed, mail jobs enqueued) and dies
		// before recording it done.
		claimed, err := db.ClaimJobs(ctx, "crashed", e.clock.Now(), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		var alert hikeshi.Job
		for _, j := range claimed {
			if j.Kind == service.KindClockAlert {
				alert = j
			}
		}
		if alert.ID == "" {
			t.Fatalf("the reminder job was not due: claimed %v", claimed)
		}
		if err := e.handlers[service.KindClockAlert](ctx, alert); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute + time.Second) // the crashed worker's lease ends
		drain(t, b)
		if j, _ := db.FindJobByID(ctx, alert.ID); j.State != hikeshi.JobDone || j.Attempts != 2 {
			t.Errorf("the reminder job after the retry: %+v", j)
		}
		for _, u := range []hikeshi.User{e.csirtJA, e.csirtEN} {
			if got := e.notes(t, u)[hikeshi.StageRemind]; len(got) != 1 || got[0].ClockID != triage.ID {
				t.Errorf("%s has reminders %v, want one for the triage clock", u.Email, got)
			}
		}
		for _, u := range []hikeshi.User{e.admin, e.manager, e.mb} {
			if got := e.notes(t, u); len(got) != 0 {
				t.Errorf("%s got a reminder: %v", u.Email, got)
			}
		}
		mails := e.box.all()
		if len(mails) != 2 {
			t.Fatalf("%d reminder mails, want 2: %v", len(mails), mails)
		}
		byTo := map[string]received{}
		for _, m := range mails {
			byTo[strings.Join(m.to, ",")] = m
		}
		ja, en := byTo[e.csirtJA.Email], byTo[e.csirtEN.Email]
		if !strings.Contains(ja.subject, "対応期限のお知らせ") || !strings.Contains(ja.subject, inc.Number) ||
			!strings.Contains(ja.subject, "トリアージまでの時間") || ja.header.Get("Content-Language") != "ja" {
			t.Errorf("the Japanese reminder: %q %v", ja.subject, ja.header)
		}
		if !strings.Contains(en.subject, "Due soon") || !strings.Contains(en.subject, "Time to triage") || en.header.Get("Content-Language") != "en" {
			t.Errorf("the English reminder: %q", en.subject)
		}
		for _, m := range mails {
			if strings.Contains(string(m.raw), "不審なログイン") || strings.Contains(m.subject, "script") {
				t.Errorf("a TLP:RED incident's title left by e-mail: %s", m.raw)
			}
			if !strings.HasPrefix(m.header.Get("Message-Id"), "<notification.") {
				t.Errorf("Message-ID %q is not the notification's", m.header.Get("Message-Id"))
			}
		}

		// Past due: one escalation to the owner, the CSIRT and the manager
		// added to the incident; not to the admin, who may not see it.
		e.clock.Set(t0.Add(15*time.Minute + time.Second))
		drain(t, b)
		for _, u := range []hikeshi.User{e.csirtJA, e.csirtEN, e.manager} {
			if got := e.notes(t, u)[hikeshi.StageEscalate]; len(got) != 1 || got[0].ClockID != triage.ID {
				t.Errorf("%s has escalations %v, want one", u.Email, got)
			}
		}
		if got := e.notes(t, e.admin); len(got) != 0 {
			t.Errorf("the admin, who may not see the RED incident, was notified: %v", got)
		}
		if n := len(e.box.all()); n != 5 {
			t.Errorf("%d mails after the escalation, want 2 reminders + 3 escalations", n)
		}
		// A duplicated alert job (another key, same clock, stage and due)
		// notifies nobody twice and sends no mail.
		dup, err := hikeshi.NewJob(service.KindClockAlert, service.ClockAlertPayload{ClockID: triage.ID, Stage: hikeshi.StageEscalate,
			Due: triage.DueAt.Unix()}, e.clock.Now(), e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { _, err := tx.EnqueueJob(ctx, dup); return err }); err != nil {
			t.Fatal(err)
		}
		drain(t, b)
		if got := e.notes(t, e.csirtEN)[hikeshi.StageEscalate]; len(got) != 1 || len(e.box.all()) != 5 {
			t.Errorf("the duplicate job notified again: %d escalations, %d mails", len(got), len(e.box.all()))
		}

		// Triage stops the clock; its remaining jobs are cancelled.
		if _, err := e.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseInitialResponse, ""); err != nil {
			t.Fatal(err)
		}
		if c := e.clockOf(t, inc.ID, hikeshi.ClockTriage); c.StoppedAt.IsZero() || c.State(e.clock.Now()) != hikeshi.ClockMissed {
			t.Errorf("triage clock after triage: %+v", c)
		}
	})
}

// TestPriorityChangeReschedules checks that raising an incident's priority
// moves its clocks' due times, cancels the old jobs and enqueues new ones
// under new keys, so the runner reminds by the new schedule only.
func TestPriorityChangeReschedules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newClockEnv(t, db)
		csirt := hikeshi.ActorFor(e.csirtEN, "test")
		inc, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "Slow", Category: "phishing", Impact: 4, Urgency: 4,
			TLP: hikeshi.TLPGreen})
		if err != nil {
			t.Fatal(err)
		}
		old := e.clockOf(t, inc.ID, hikeshi.ClockTriage)
		if !old.DueAt.Equal(t0.Add(24 * time.Hour)) {
			t.Fatalf("P4 triage due %v", old.DueAt)
		}
		oldKey := hikeshi.ClockJobKey(old.ID, hikeshi.StageRemind, old.DueAt)
		e.clock.Advance(5 * time.Minute)
		one := hikeshi.Level(1)
		if _, err := e.svc.Incidents.Update(ctx, csirt, inc.ID, service.IncidentPatch{Impact: &one, Urgency: &one}); err != nil {
			t.Fatal(err)
		}
		now := e.clockOf(t, inc.ID, hikeshi.ClockTriage)
		if now.ID != old.ID || !now.DueAt.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("P1 triage after the change: %+v", now)
		}
		jobsOf := func(prefix string) map[string]hikeshi.JobState {
			js, err := db.FindJobs(ctx, hikeshi.JobFilter{UniqueKeyPrefix: prefix, Page: hikeshi.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]hikeshi.JobState{}
			for _, j := range js {
				out[j.UniqueKey] = j.State
			}
			return out
		}
		got := jobsOf(hikeshi.ClockJobPrefix(old.ID))
		newRemind, newEsc := hikeshi.ClockJobKey(old.ID, hikeshi.StageRemind, now.DueAt), hikeshi.ClockJobKey(old.ID, hikeshi.StageEscalate, now.DueAt)
		if got[oldKey] != hikeshi.JobCancelled || got[newRemind] != hikeshi.JobPending || got[newEsc] != hikeshi.JobPending {
			t.Errorf("jobs after the priority change: %v", got)
		}
		b := e.runner("B")
		e.clock.Set(t0.Add(12 * time.Minute))
		drain(t, b)
		e.clock.Set(t0.Add(16 * time.Minute))
		drain(t, b)
		n := e.notes(t, e.csirtEN)
		if len(n[hikeshi.StageRemind]) != 1 || len(n[hikeshi.StageEscalate]) != 1 || !n[hikeshi.StageEscalate][0].DueAt.Equal(now.DueAt) {
			t.Errorf("notifications by the new schedule: %v", n)
		}
		// Back to P4 after the escalation: the clock is due later again and
		// no longer overdue; the old (P1) jobs do nothing.
		four := hikeshi.Level(4)
		if _, err := e.svc.Incidents.Update(ctx, csirt, inc.ID, service.IncidentPatch{Impact: &four, Urgency: &four}); err != nil {
			t.Fatal(err)
		}
		if c := e.clockOf(t, inc.ID, hikeshi.ClockTriage); c.State(e.clock.Now()) != hikeshi.ClockRunning {
			t.Errorf("after lowering the priority: %+v", c)
		}
	})
}

// TestTwoRunnersNotifyOnce runs the alert jobs of many clocks with two
// runners at once, each job also enqueued twice under different keys, and
// checks one notification and one e-mail per (clock, stage, due, user).
func TestTwoRunnersNotifyOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newClockEnv(t, db)
		csirt := hikeshi.ActorFor(e.csirtEN, "test")
		const incidents = 6
		for i := range incidents {
			if _, err := e.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: fmt.Sprintf("n%d", i), Category: "phishing",
				Impact: 1, Urgency: 1, TLP: hikeshi.TLPAmber}); err != nil {
				t.Fatal(err)
			}
		}
		// A second copy of every alert job under another key.
		pending, err := db.FindJobs(ctx, hikeshi.JobFilter{Kind: service.KindClockAlert, State: hikeshi.JobPending, Page: hikeshi.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, j := range pending {
				c := j
				c.ID, c.UniqueKey, c.State = "", "copy:"+j.UniqueKey, ""
				if _, err := tx.EnqueueJob(ctx, c); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, w := range []string{"A", "B"} {
			r := e.runner(w)
			r.Concurrency = 4
			wg.Go(func() { r.Run(rctx) })
		}
		// Step through every reminder and escalation of the three P1 clocks
		// (triage 15 min, first response 1 h, containment 4 h), waiting each
		// time until the runners have done every due job.
		for _, at := range []time.Duration{11*time.Minute + 20*time.Second, 16 * time.Minute, 46 * time.Minute, 61 * time.Minute,
			3*time.Hour + time.Minute, 4*time.Hour + time.Minute} {
			e.clock.Set(t0.Add(at))
			deadline := time.Now().Add(30 * time.Second)
			for {
				open := 0
				for _, st := range []hikeshi.JobState{hikeshi.JobPending, hikeshi.JobRunning} {
					js, err := db.FindJobs(ctx, hikeshi.JobFilter{State: st, Page: hikeshi.Page{Limit: 500}})
					if err != nil {
						t.Fatal(err)
					}
					for _, j := range js {
						if !j.RunAt.After(e.clock.Now()) {
							open++
						}
					}
				}
				if open == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("at +%v: %d due jobs left", at, open)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		stop()
		wg.Wait()
		// Per CSIRT user: 6 incidents × 3 clocks × (remind + escalate), once each.
		for _, u := range []hikeshi.User{e.csirtEN, e.csirtJA} {
			got := e.notes(t, u)
			seen := map[string]bool{}
			for _, list := range got {
				for _, n := range list {
					k := n.ClockID + string(n.Stage) + hikeshi.FormatTime(n.DueAt)
					if seen[k] {
						t.Errorf("%s notified twice for %s", u.Email, k)
					}
					seen[k] = true
				}
			}
			if len(got[hikeshi.StageRemind]) != incidents*3 || len(got[hikeshi.StageEscalate]) != incidents*3 {
				t.Errorf("%s: %d reminders, %d escalations; want %d each", u.Email, len(got[hikeshi.StageRemind]), len(got[hikeshi.StageEscalate]), incidents*3)
			}
		}
		// Escalations also reach the admin and the manager (AMBER: visible).
		if got := e.notes(t, e.admin); len(got[hikeshi.StageEscalate]) != incidents*3 || len(got[hikeshi.StageRemind]) != 0 {
			t.Errorf("admin: %d escalations, %d reminders", len(got[hikeshi.StageEscalate]), len(got[hikeshi.StageRemind]))
		}
		if got := e.notes(t, e.mb); len(got) != 0 {
			t.Errorf("a department member was notified: %v", got)
		}
		perRecipient := map[string]int{}
		ids := map[string]bool{}
		for _, m := range e.box.all() {
			perRecipient[strings.Join(m.to, ",")]++
			if !strings.Contains(m.subject, " — n") { // an AMBER incident's title is in the mail
				t.Errorf("subject %q lacks the incident's title", m.subject)
			}
			id := m.header.Get("Message-Id")
			if ids[id] {
				t.Errorf("message %s sent twice", id)
			}
			ids[id] = true
		}
		want := map[string]int{e.csirtEN.Email: incidents * 6, e.csirtJA.Email: incidents * 6, e.admin.Email: incidents * 3, e.manager.Email: incidents * 3}
		for k, v := range want {
			if perRecipient[k] != v {
				t.Errorf("%s received %d mails, want %d", k, perRecipient[k], v)
			}
		}
	})
}
