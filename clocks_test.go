package hikeshi_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
)

var clockT0 = time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)

func kinds(specs []hikeshi.ClockSpec) map[hikeshi.ClockKind]hikeshi.ClockSpec {
	m := map[hikeshi.ClockKind]hikeshi.ClockSpec{}
	for _, s := range specs {
		m[s.Kind] = s
	}
	return m
}

func TestDeriveRegulatoryClocks(t *testing.T) {
	aware := clockT0.Add(-6 * time.Hour) // the organisation knew before the record
	inc := hikeshi.Incident{ID: "i", Priority: 2, CreatedAt: clockT0}
	nis2Done := clockT0.Add(50 * time.Hour)
	for _, tc := range []struct {
		name     string
		facts    hikeshi.IncidentFacts
		notified map[hikeshi.ClockKind]time.Time
		want     map[hikeshi.ClockKind]time.Time // kind → due; every other regulatory kind absent
		stopped  map[hikeshi.ClockKind]time.Time
	}{
		{name: "no facts", want: map[hikeshi.ClockKind]time.Time{}},
		{name: "APPI not malicious: 5 days and 30 days",
			facts: hikeshi.IncidentFacts{PersonalData: true, AwareAt: aware},
			want:  map[hikeshi.ClockKind]time.Time{hikeshi.ClockAPPIPreliminary: aware.Add(5 * 24 * time.Hour), hikeshi.ClockAPPIFinal: aware.Add(30 * 24 * time.Hour)}},
		{name: "APPI malicious: final report in 60 days",
			facts: hikeshi.IncidentFacts{PersonalData: true, Malicious: true, AwareAt: aware},
			want:  map[hikeshi.ClockKind]time.Time{hikeshi.ClockAPPIPreliminary: aware.Add(5 * 24 * time.Hour), hikeshi.ClockAPPIFinal: aware.Add(60 * 24 * time.Hour)}},
		{name: "GDPR art. 33: 72 hours",
			facts: hikeshi.IncidentFacts{GDPR: true, AwareAt: aware},
			want:  map[hikeshi.ClockKind]time.Time{hikeshi.ClockGDPR: aware.Add(72 * time.Hour)}},
		{name: "NIS2 before the notification: 24 h and 72 h, no final report yet",
			facts: hikeshi.IncidentFacts{NIS2: true, AwareAt: aware},
			want:  map[hikeshi.ClockKind]time.Time{hikeshi.ClockNIS2EarlyWarning: aware.Add(24 * time.Hour), hikeshi.ClockNIS2Notification: aware.Add(72 * time.Hour)}},
		{name: "NIS2 notified: final report one calendar month later",
			facts:    hikeshi.IncidentFacts{NIS2: true, AwareAt: aware},
			notified: map[hikeshi.ClockKind]time.Time{hikeshi.ClockNIS2Notification: nis2Done},
			want: map[hikeshi.ClockKind]time.Time{hikeshi.ClockNIS2EarlyWarning: aware.Add(24 * time.Hour), hikeshi.ClockNIS2Notification: aware.Add(72 * time.Hour),
				hikeshi.ClockNIS2Final: time.Date(2026, 5, 3, 11, 30, 0, 0, time.UTC)},
			stopped: map[hikeshi.ClockKind]time.Time{hikeshi.ClockNIS2Notification: nis2Done}},
		{name: "a fact without an awareness time starts nothing",
			facts: hikeshi.IncidentFacts{GDPR: true},
			want:  map[hikeshi.ClockKind]time.Time{}},
		{name: "all of them",
			facts: hikeshi.IncidentFacts{PersonalData: true, GDPR: true, NIS2: true, AwareAt: aware},
			want: map[hikeshi.ClockKind]time.Time{hikeshi.ClockAPPIPreliminary: aware.Add(120 * time.Hour), hikeshi.ClockAPPIFinal: aware.Add(720 * time.Hour),
				hikeshi.ClockGDPR: aware.Add(72 * time.Hour), hikeshi.ClockNIS2EarlyWarning: aware.Add(24 * time.Hour), hikeshi.ClockNIS2Notification: aware.Add(72 * time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kinds(hikeshi.DeriveClocks(inc, tc.facts, hikeshi.DefaultClockTargets, tc.notified))
			due := map[hikeshi.ClockKind]time.Time{}
			for k, s := range got {
				if !k.Regulatory() {
					continue
				}
				due[k] = s.DueAt
				if !s.StoppedAt.Equal(tc.stopped[k]) {
					t.Errorf("%s stopped at %v, want %v", k, s.StoppedAt, tc.stopped[k])
				}
				wantStart := aware
				if k == hikeshi.ClockNIS2Final {
					wantStart = nis2Done
				}
				if !s.StartedAt.Equal(wantStart) {
					t.Errorf("%s started at %v, want %v", k, s.StartedAt, wantStart)
				}
			}
			if diff := cmp.Diff(tc.want, due); diff != "" {
				t.Errorf("due times (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeriveSLAClocks(t *testing.T) {
	base := hikeshi.Incident{ID: "i", CreatedAt: clockT0}
	for _, tc := range []struct {
		name     string
		mod      func(i *hikeshi.Incident)
		priority hikeshi.Priority
		due      [3]time.Duration
		stopped  [3]time.Time
	}{
		{name: "P1 running", priority: 1, due: [3]time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour}},
		{name: "P2", priority: 2, due: [3]time.Duration{time.Hour, 4 * time.Hour, 24 * time.Hour}},
		{name: "P3", priority: 3, due: [3]time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour}},
		{name: "P4", priority: 4, due: [3]time.Duration{24 * time.Hour, 72 * time.Hour, 240 * time.Hour}},
		{name: "stopped by the workflow's timestamps", priority: 1,
			mod: func(i *hikeshi.Incident) {
				i.TriagedAt, i.FirstResponseAt = clockT0.Add(10*time.Minute), clockT0.Add(2*time.Hour)
			},
			due:     [3]time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour},
			stopped: [3]time.Time{clockT0.Add(10 * time.Minute), clockT0.Add(2 * time.Hour), {}}},
		{name: "closing stops what is still running", priority: 4,
			mod: func(i *hikeshi.Incident) {
				i.TriagedAt, i.ContainedAt, i.ClosedAt = clockT0.Add(time.Hour), clockT0.Add(5*time.Hour), clockT0.Add(9*time.Hour)
			},
			due:     [3]time.Duration{24 * time.Hour, 72 * time.Hour, 240 * time.Hour},
			stopped: [3]time.Time{clockT0.Add(time.Hour), clockT0.Add(9 * time.Hour), clockT0.Add(5 * time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inc := base
			inc.Priority = tc.priority
			if tc.mod != nil {
				tc.mod(&inc)
			}
			got := kinds(hikeshi.DeriveClocks(inc, hikeshi.IncidentFacts{}, hikeshi.DefaultClockTargets, nil))
			if len(got) != 3 {
				t.Fatalf("got %d clocks, want the 3 SLA clocks: %v", len(got), got)
			}
			for i, k := range []hikeshi.ClockKind{hikeshi.ClockTriage, hikeshi.ClockFirstResponse, hikeshi.ClockContainment} {
				s := got[k]
				if !s.StartedAt.Equal(clockT0) || !s.DueAt.Equal(clockT0.Add(tc.due[i])) || !s.StoppedAt.Equal(tc.stopped[i]) {
					t.Errorf("%s = %+v, want due +%v stopped %v", k, s, tc.due[i], tc.stopped[i])
				}
			}
		})
	}
}

func TestClockAlerts(t *testing.T) {
	start := clockT0
	for _, tc := range []struct {
		name string
		spec hikeshi.ClockSpec
		now  time.Time
		want []hikeshi.ClockAlert
	}{
		{name: "1 hour: 75% and escalation", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(time.Hour)}, now: start,
			want: []hikeshi.ClockAlert{{hikeshi.StageRemind, start.Add(45 * time.Minute)}, {hikeshi.StageEscalate, start.Add(time.Hour)}}},
		{name: "24 hours: no day-before reminder", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(24 * time.Hour)}, now: start,
			want: []hikeshi.ClockAlert{{hikeshi.StageRemind, start.Add(18 * time.Hour)}, {hikeshi.StageEscalate, start.Add(24 * time.Hour)}}},
		{name: "72 hours: a day before, then 75%", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(72 * time.Hour)}, now: start,
			want: []hikeshi.ClockAlert{{hikeshi.StageRemindDay, start.Add(48 * time.Hour)}, {hikeshi.StageRemind, start.Add(54 * time.Hour)},
				{hikeshi.StageEscalate, start.Add(72 * time.Hour)}}},
		{name: "96 hours: the day before is the 75% point, once", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(96 * time.Hour)}, now: start,
			want: []hikeshi.ClockAlert{{hikeshi.StageRemind, start.Add(72 * time.Hour)}, {hikeshi.StageEscalate, start.Add(96 * time.Hour)}}},
		{name: "started late: the last passed reminder now, once", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(72 * time.Hour)},
			now:  start.Add(60 * time.Hour),
			want: []hikeshi.ClockAlert{{hikeshi.StageRemind, start.Add(60 * time.Hour)}, {hikeshi.StageEscalate, start.Add(72 * time.Hour)}}},
		{name: "already overdue: escalation only", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(time.Hour)}, now: start.Add(2 * time.Hour),
			want: []hikeshi.ClockAlert{{hikeshi.StageEscalate, start.Add(time.Hour)}}},
		{name: "stopped: nothing", spec: hikeshi.ClockSpec{StartedAt: start, DueAt: start.Add(time.Hour), StoppedAt: start.Add(time.Minute)}, now: start},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, hikeshi.ClockAlerts(tc.spec, tc.now)); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClockTargetsValidate(t *testing.T) {
	if err := hikeshi.DefaultClockTargets.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	bad := hikeshi.DefaultClockTargets
	bad[0].Triage = 0
	bad[1].FirstResponse = 400 * 24 * time.Hour
	bad[2].Triage = 100 * time.Hour // longer than containment (72 h)
	err := bad.Validate()
	ve, ok := err.(*hikeshi.ValidationError)
	if !ok {
		t.Fatalf("Validate = %v", err)
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Field+":"+f.Code)
	}
	want := []string{"p1.triage:out_of_range", "p2.first_response:out_of_range", "p2.first_response:after_containment", "p3.triage:after_containment"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestClockState(t *testing.T) {
	c := hikeshi.IncidentClock{StartedAt: clockT0, DueAt: clockT0.Add(time.Hour)}
	for _, tc := range []struct {
		mod  func(c *hikeshi.IncidentClock)
		now  time.Time
		want hikeshi.ClockState
	}{
		{now: clockT0, want: hikeshi.ClockRunning},
		{now: clockT0.Add(2 * time.Hour), want: hikeshi.ClockOverdue},
		{mod: func(c *hikeshi.IncidentClock) { c.StoppedAt = clockT0.Add(time.Hour) }, now: clockT0.Add(5 * time.Hour), want: hikeshi.ClockMet},
		{mod: func(c *hikeshi.IncidentClock) { c.StoppedAt = clockT0.Add(61 * time.Minute) }, now: clockT0, want: hikeshi.ClockMissed},
		{mod: func(c *hikeshi.IncidentClock) { c.WithdrawnAt = clockT0 }, now: clockT0.Add(5 * time.Hour), want: hikeshi.ClockWithdrawn},
	} {
		cc := c
		if tc.mod != nil {
			tc.mod(&cc)
		}
		if got := cc.State(tc.now); got != tc.want {
			t.Errorf("State(%v) of %+v = %s, want %s", tc.now, cc, got, tc.want)
		}
	}
}
