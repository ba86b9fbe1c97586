package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func clockByKind(t *testing.T, f *fixture, incidentID string, k hikeshi.ClockKind) service.ClockView {
	t.Helper()
	ic, err := f.svc.Clocks.ForIncident(context.Background(), hikeshi.SystemActor("test"), incidentID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ic.Clocks {
		if c.Clock.Kind == k {
			return c
		}
	}
	t.Fatalf("no %s clock", k)
	return service.ClockView{}
}

func fieldCodes(err error) map[string]string {
	var ve *hikeshi.ValidationError
	out := map[string]string{}
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

// TestFactsStartAndMoveRegulatoryClocks: setting facts starts clocks from the
// awareness time, changing "malicious" moves the APPI final report's due
// time, unsetting a fact withdraws its clocks, recording the NIS2
// notification starts the final report, and hostile input is refused.
func TestFactsStartAndMoveRegulatoryClocks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("漏えい", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		before := f.auditCount(t)
		facts, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, service.FactsInput{PersonalData: true})
		if err != nil {
			t.Fatal(err)
		}
		if !facts.AwareAt.Equal(now) {
			t.Errorf("awareness defaults to now: %v", facts.AwareAt)
		}
		if f.auditCount(t) != before+1 {
			t.Error("setting facts wrote no audit entry")
		}
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIFinal); !c.Clock.DueAt.Equal(now.Add(30 * 24 * time.Hour)) {
			t.Errorf("APPI final due %v", c.Clock.DueAt)
		}
		// Malicious: 60 days; the job of the old due time is cancelled.
		old := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIFinal).Clock
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, service.FactsInput{PersonalData: true, Malicious: true}); err != nil {
			t.Fatal(err)
		}
		c := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIFinal).Clock
		if c.ID != old.ID || !c.DueAt.Equal(now.Add(60*24*time.Hour)) {
			t.Errorf("APPI final after malicious: %+v", c)
		}
		j, err := db.FindJobs(ctx, hikeshi.JobFilter{UniqueKeyPrefix: hikeshi.ClockJobKey(c.ID, hikeshi.StageEscalate, old.DueAt), Page: hikeshi.Page{Limit: 5}})
		if err != nil || len(j) != 1 || j[0].State != hikeshi.JobCancelled {
			t.Errorf("the old escalation job: %+v, %v", j, err)
		}
		// An earlier awareness time (a fact) moves every regulatory clock.
		aware := now.Add(-48 * time.Hour)
		if _, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, service.FactsInput{PersonalData: true, GDPR: true, NIS2: true, AwareAt: aware}); err != nil {
			t.Fatal(err)
		}
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockGDPR); !c.Clock.DueAt.Equal(aware.Add(72*time.Hour)) || c.State != hikeshi.ClockRunning {
			t.Errorf("GDPR: %+v", c)
		}
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockNIS2EarlyWarning); c.State != hikeshi.ClockOverdue {
			t.Errorf("NIS2 early warning 49 h after awareness: %s", c.State)
		}
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockAPPIFinal); !c.Clock.DueAt.Equal(aware.Add(30 * 24 * time.Hour)) {
			t.Errorf("unsetting malicious: APPI final due %v", c.Clock.DueAt)
		}

		// Hostile and wrong input.
		for _, tc := range []struct {
			in   service.FactsInput
			want map[string]string
		}{
			{service.FactsInput{GDPR: true, AwareAt: f.clock.Now().Add(time.Minute)}, map[string]string{"aware_at": "in_future"}},
			{service.FactsInput{GDPR: true, AwareAt: f.clock.Now().AddDate(-6, 0, 0)}, map[string]string{"aware_at": "too_old"}},
			{service.FactsInput{Malicious: true}, map[string]string{"malicious": "requires_personal_data"}},
		} {
			_, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, tc.in)
			if got := fieldCodes(err); !errors.Is(err, hikeshi.ErrInvalid) || len(got) != len(tc.want) || got["aware_at"] != tc.want["aware_at"] ||
				got["malicious"] != tc.want["malicious"] {
				t.Errorf("SetFacts(%+v) = %v", tc.in, err)
			}
		}
		for _, a := range []hikeshi.Actor{actor(f.auditor), actor(f.member), actor(f.other)} {
			if _, err := f.svc.Clocks.SetFacts(ctx, a, inc.ID, service.FactsInput{GDPR: true}); err == nil {
				t.Errorf("%s set facts", a.Role)
			}
		}

		// Recording the NIS2 notification stops it and starts the final report.
		nis2 := clockByKind(t, f, inc.ID, hikeshi.ClockNIS2Notification).Clock
		for _, tc := range []struct {
			in   service.DoneInput
			code string
		}{
			{service.DoneInput{NotifiedAt: f.clock.Now().Add(time.Hour)}, "in_future"},
			{service.DoneInput{NotifiedAt: aware.Add(-time.Hour)}, "before_start"},
			{service.DoneInput{Reference: strings.Repeat("x", 501)}, "too_long"},
		} {
			if _, err := f.svc.Clocks.RecordDone(ctx, csirt, inc.ID, nis2.ID, tc.in); fieldCodes(err)[fieldOf(tc.code)] != tc.code {
				t.Errorf("RecordDone(%+v) = %v", tc.in, err)
			}
		}
		sla := clockByKind(t, f, inc.ID, hikeshi.ClockTriage).Clock
		if _, err := f.svc.Clocks.RecordDone(ctx, csirt, inc.ID, sla.ID, service.DoneInput{}); fieldCodes(err)["clock_id"] != "not_regulatory" {
			t.Errorf("recording an SLA clock done: %v", err)
		}
		notified := f.clock.Now().Add(-time.Hour).Truncate(time.Second)
		done, err := f.svc.Clocks.RecordDone(ctx, csirt, inc.ID, nis2.ID, service.DoneInput{NotifiedAt: notified, Reference: "CSIRT-2026-001 <b>"})
		if err != nil {
			t.Fatal(err)
		}
		if !done.StoppedAt.Equal(notified) || done.DoneBy != f.csirt.ID || done.Reference != "CSIRT-2026-001 <b>" {
			t.Errorf("done: %+v", done)
		}
		if _, err := f.svc.Clocks.RecordDone(ctx, csirt, inc.ID, nis2.ID, service.DoneInput{}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("recording twice: %v", err)
		}
		final := clockByKind(t, f, inc.ID, hikeshi.ClockNIS2Final).Clock
		if !final.StartedAt.Equal(notified) || !final.DueAt.Equal(notified.AddDate(0, 1, 0)) {
			t.Errorf("NIS2 final: %+v", final)
		}
		// Unsetting GDPR withdraws its clock and cancels its jobs.
		if _, err := f.svc.Clocks.SetFacts(ctx, csirt, inc.ID, service.FactsInput{PersonalData: true, NIS2: true}); err != nil {
			t.Fatal(err)
		}
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockGDPR); c.State != hikeshi.ClockWithdrawn {
			t.Errorf("GDPR after unsetting: %s", c.State)
		}
		// A notification done stays recorded across later changes.
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockNIS2Notification); c.State != hikeshi.ClockMet || c.Clock.Reference == "" {
			t.Errorf("NIS2 notification after another change: %+v", c)
		}
	})
}

func fieldOf(code string) string {
	if code == "too_long" {
		return "reference"
	}
	return "notified_at"
}

// TestClockTargetsSetting: only the CSIRT and admins change the targets;
// they are validated, audited, and running clocks are rescheduled.
func TestClockTargetsSetting(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("P1", hikeshi.TLPGreen)) // impact 2 × urgency 1 = P1
		if err != nil {
			t.Fatal(err)
		}
		tg, err := f.svc.Clocks.Targets(ctx, actor(f.auditor))
		if err != nil || tg != hikeshi.DefaultClockTargets {
			t.Fatalf("Targets = %v, %v", tg, err)
		}
		if _, err := f.svc.Clocks.Targets(ctx, actor(f.member)); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("a member read the targets: %v", err)
		}
		tg[0].Triage = 30 * time.Minute
		for _, a := range []hikeshi.Actor{actor(f.auditor), actor(f.member)} {
			if err := f.svc.Clocks.SetTargets(ctx, a, tg); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s set targets: %v", a.Role, err)
			}
		}
		bad := tg
		bad[0].Triage = 5 * time.Hour // longer than containment
		if err := f.svc.Clocks.SetTargets(ctx, csirt, bad); fieldCodes(err)["p1.triage"] != "after_containment" {
			t.Errorf("bad targets: %v", err)
		}
		before := f.auditCount(t)
		if err := f.svc.Clocks.SetTargets(ctx, actor(f.admin), tg); err != nil {
			t.Fatal(err)
		}
		if f.auditCount(t) != before+1 {
			t.Error("no audit entry for the targets")
		}
		if got, _ := f.svc.Clocks.Targets(ctx, csirt); got != tg {
			t.Errorf("stored targets %v", got)
		}
		if c := clockByKind(t, f, inc.ID, hikeshi.ClockTriage); !c.Clock.DueAt.Equal(inc.CreatedAt.Add(30 * time.Minute)) {
			t.Errorf("running clock not rescheduled: due %v", c.Clock.DueAt)
		}
	})
}

// TestDueAndNotificationVisibilityForEveryRole: the due list and
// notifications follow the incidents' TLP visibility for every role.
func TestDueAndNotificationVisibilityForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sys := hikeshi.SystemActor("test")
		manager, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		csirt := actor(f.csirt)
		green, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("green", hikeshi.TLPGreen))
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second)
		red, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("red secret", hikeshi.TLPRed))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Incidents.AddMember(ctx, csirt, red.ID, f.auditor.ID); err != nil {
			t.Fatal(err)
		}
		incidentsIn := func(items []service.DueItem) map[string]int {
			m := map[string]int{}
			for _, d := range items {
				m[d.Clock.IncidentID]++
			}
			return m
		}
		for _, tc := range []struct {
			name      string
			a         hikeshi.Actor
			forbidden bool
			seesRed   bool
		}{
			{"admin", actor(f.admin), false, false},
			{"csirt", csirt, false, true},
			{"manager", actor(manager), false, false},
			{"auditor (member of red)", actor(f.auditor), false, true},
			{"member", actor(f.member), true, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				items, err := f.svc.Clocks.Due(ctx, tc.a, "", 0)
				if tc.forbidden {
					if !errors.Is(err, hikeshi.ErrForbidden) {
						t.Errorf("Due = %v, %v", items, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := incidentsIn(items)
				if got[green.ID] != 3 || (got[red.ID] == 3) != tc.seesRed || (!tc.seesRed && got[red.ID] != 0) {
					t.Errorf("due clocks by incident: %v", got)
				}
				for i := 1; i < len(items); i++ {
					if items[i].Clock.DueAt.Before(items[i-1].Clock.DueAt) {
						t.Errorf("not ordered by due time")
					}
				}
				if _, err := f.svc.Clocks.ForIncident(ctx, tc.a, red.ID); tc.seesRed != (err == nil) || (!tc.seesRed && !errors.Is(err, hikeshi.ErrNotFound)) {
					t.Errorf("ForIncident(red) = %v", err)
				}
			})
		}
		// Keyset pagination: pages of 2 walk all 6 clocks once, in order.
		var all []service.DueItem
		after := ""
		for range 10 {
			page, err := f.svc.Clocks.Due(ctx, csirt, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < 2 {
				break
			}
			after = service.DueCursor(page[len(page)-1].Clock)
		}
		if len(all) != 6 {
			t.Errorf("paged %d clocks, want 6", len(all))
		}
		if _, err := f.svc.Clocks.Due(ctx, csirt, "garbage", 2); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("a bad cursor: %v", err)
		}

		// Escalations of the red incident's triage clock: only those who see it.
		f.clock.Advance(2 * time.Hour)
		tri := clockByKind(t, f, red.ID, hikeshi.ClockTriage).Clock
		n, err := f.svc.Clocks.Alert(ctx, sys, service.ClockAlertPayload{ClockID: tri.ID, Stage: hikeshi.StageEscalate, Due: tri.DueAt.Unix()}, false)
		if err != nil || n != 1 { // the CSIRT user only: admin, manager not members; auditor is not an escalation contact
			t.Fatalf("Alert = %d, %v", n, err)
		}
		if _, err := f.svc.Clocks.Alert(ctx, csirt, service.ClockAlertPayload{ClockID: tri.ID, Stage: hikeshi.StageEscalate, Due: tri.DueAt.Unix()}, false); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("a user ran an alert: %v", err)
		}
		// A stale job (the clock's due moved) does nothing.
		if n, err := f.svc.Clocks.Alert(ctx, sys, service.ClockAlertPayload{ClockID: tri.ID, Stage: hikeshi.StageEscalate, Due: tri.DueAt.Unix() + 60}, false); n != 0 || err != nil {
			t.Errorf("stale alert = %d, %v", n, err)
		}
		// A reminder after the due time does nothing (the escalation took over).
		if n, _ := f.svc.Clocks.Alert(ctx, sys, service.ClockAlertPayload{ClockID: tri.ID, Stage: hikeshi.StageRemind, Due: tri.DueAt.Unix()}, false); n != 0 {
			t.Errorf("late reminder notified %d", n)
		}
		for _, u := range []hikeshi.User{f.admin, manager, f.auditor, f.member} {
			if list, _ := f.svc.Clocks.Notifications(ctx, actor(u), hikeshi.Page{}, false); len(list) != 0 {
				t.Errorf("%s has notifications about the red incident: %v", u.Email, list)
			}
		}
		list, err := f.svc.Clocks.Notifications(ctx, csirt, hikeshi.Page{}, false)
		if err != nil || len(list) != 1 || !list[0].Visible || list[0].Number != red.Number {
			t.Fatalf("CSIRT notifications: %+v, %v", list, err)
		}
		if n, _ := f.svc.Clocks.UnreadCount(ctx, csirt); n != 1 {
			t.Errorf("unread %d", n)
		}
		// Another person cannot mark it read; its owner can.
		if err := f.svc.Clocks.MarkRead(ctx, actor(f.admin), list[0].ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another user marked it read: %v", err)
		}
		if err := f.svc.Clocks.MarkRead(ctx, csirt, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.Clocks.UnreadCount(ctx, csirt); n != 0 {
			t.Errorf("unread after reading %d", n)
		}
		// The green incident's escalation reaches admins and managers too.
		gt := clockByKind(t, f, green.ID, hikeshi.ClockTriage).Clock
		if n, err := f.svc.Clocks.Alert(ctx, sys, service.ClockAlertPayload{ClockID: gt.ID, Stage: hikeshi.StageEscalate, Due: gt.DueAt.Unix()}, false); err != nil || n != 3 {
			t.Errorf("green escalation = %d, %v; want csirt, admin, manager", n, err)
		}
		if n, err := f.svc.Clocks.MarkAllRead(ctx, actor(manager)); err != nil || n != 1 {
			t.Errorf("MarkAllRead = %d, %v", n, err)
		}
		// Labelled RED later: the manager's notification loses its words.
		redTLP := hikeshi.TLPRed
		if _, err := f.svc.Incidents.Update(ctx, csirt, green.ID, service.IncidentPatch{TLP: &redTLP}); err != nil {
			t.Fatal(err)
		}
		ml, err := f.svc.Clocks.Notifications(ctx, actor(manager), hikeshi.Page{}, false)
		if err != nil || len(ml) != 1 || ml[0].Visible || ml[0].Number != "" {
			t.Errorf("manager's notification about a now-RED incident: %+v, %v", ml, err)
		}
	})
}
