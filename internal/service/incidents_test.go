package service_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func newIncidentInput(title string, tlp hikeshi.TLP) service.IncidentInput {
	return service.IncidentInput{Title: title, Summary: "要約", Category: "phishing", Impact: 2, Urgency: 1, TLP: tlp}
}

// TestIncidentVisibilityForEveryRole checks issue 3 part 7: TLP:RED and
// AMBER+STRICT incidents are visible only to the CSIRT and the people
// explicitly added; the others see every other incident, except department
// members, who see only what they were added to.
func TestIncidentVisibilityForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sys := hikeshi.SystemActor("test")
		manager, err := f.svc.Users.Create(ctx, sys, service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		csirt := actor(f.csirt)
		mk := func(title string, tlp hikeshi.TLP) hikeshi.Incident {
			t.Helper()
			f.clock.Advance(time.Second)
			time.Sleep(2 * time.Millisecond) // ids order by millisecond
			i, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput(title, tlp))
			if err != nil {
				t.Fatal(err)
			}
			return i
		}
		green := mk("green", hikeshi.TLPGreen)
		amber := mk("amber", hikeshi.TLPAmber)
		red := mk("red", hikeshi.TLPRed)
		strict := mk("strict", hikeshi.TLPAmberStrict)
		redShared := mk("red shared", hikeshi.TLPRed)
		// On redShared: the manager, the auditor and the department member are added; the admin is not.
		for _, u := range []hikeshi.User{manager, f.auditor, f.member} {
			if err := f.svc.Incidents.AddMember(ctx, csirt, redShared.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		year := f.clock.Now().Year()
		if green.Number != hikeshi.IncidentNumber(year, 1) || redShared.Number != hikeshi.IncidentNumber(year, 5) {
			t.Errorf("numbers %s %s", green.Number, redShared.Number)
		}
		all := map[string]string{green.ID: "green", amber.ID: "amber", red.ID: "red", strict.ID: "strict", redShared.ID: "red shared"}
		for _, tc := range []struct {
			name  string
			actor hikeshi.Actor
			sees  []string // newest first
		}{
			{"csirt", csirt, []string{"red shared", "strict", "red", "amber", "green"}},
			{"admin", actor(f.admin), []string{"amber", "green"}},
			{"manager (member of red shared)", actor(manager), []string{"red shared", "amber", "green"}},
			{"auditor (member of red shared)", actor(f.auditor), []string{"red shared", "amber", "green"}},
			{"department member (member of red shared)", actor(f.member), []string{"red shared"}},
			{"department member (not added)", actor(f.other), nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// Pages of one: the SQL filter keeps every page full and the cursor right.
				var got []string
				p := hikeshi.Page{Limit: 1}
				for {
					page, err := f.svc.Incidents.List(ctx, tc.actor, hikeshi.IncidentFilter{Page: p})
					if err != nil {
						t.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					got = append(got, page[0].Title)
					p.After = page[0].ID
				}
				if !slices.Equal(got, tc.sees) {
					t.Errorf("list %v, want %v", got, tc.sees)
				}
				for id, title := range all {
					_, err := f.svc.Incidents.Get(ctx, tc.actor, id)
					if want := slices.Contains(tc.sees, title); (err == nil) != want || (err != nil && !errors.Is(err, hikeshi.ErrNotFound)) {
						t.Errorf("get %s: %v, want visible=%v", title, err, want)
					}
				}
			})
		}
		if _, err := f.svc.Incidents.List(ctx, hikeshi.Actor{}, hikeshi.IncidentFilter{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous list: %v", err)
		}
		// An admin who labels an incident RED stays able to see it as a member.
		red2 := hikeshi.TLPRed
		if _, err := f.svc.Incidents.Update(ctx, actor(f.admin), amber.ID, service.IncidentPatch{TLP: &red2}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Incidents.Get(ctx, actor(f.admin), amber.ID); err != nil {
			t.Errorf("admin lost sight of the incident they labelled RED: %v", err)
		}
		if _, err := f.svc.Incidents.Get(ctx, actor(manager), amber.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("manager sees a RED incident without membership: %v", err)
		}
	})
}

func TestIncidentAuthorization(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		inc, err := f.svc.Incidents.Create(ctx, actor(f.csirt), newIncidentInput("green", hikeshi.TLPGreen))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Incidents.AddMember(ctx, actor(f.csirt), inc.ID, f.member.ID); err != nil {
			t.Fatal(err)
		}
		title := "new title"
		for _, tc := range []struct {
			name   string
			actor  hikeshi.Actor
			allow  bool
			hidden bool // ErrNotFound rather than ErrForbidden
		}{
			{"admin", actor(f.admin), true, false},
			{"csirt", actor(f.csirt), true, false},
			{"manager", actor(manager), false, false},
			{"auditor", actor(f.auditor), false, false},
			{"member added", actor(f.member), false, false},
			{"member not added", actor(f.other), false, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				check := func(what string, err error) {
					t.Helper()
					switch {
					case tc.allow && err != nil:
						t.Errorf("%s: %v", what, err)
					case !tc.allow && tc.hidden && !errors.Is(err, hikeshi.ErrNotFound):
						t.Errorf("%s: %v, want not found", what, err)
					case !tc.allow && !tc.hidden && !errors.Is(err, hikeshi.ErrForbidden):
						t.Errorf("%s: %v, want forbidden", what, err)
					}
				}
				_, err := f.svc.Incidents.Create(ctx, tc.actor, newIncidentInput("x", hikeshi.TLPClear))
				if !tc.hidden {
					check("create", err)
				} else if !errors.Is(err, hikeshi.ErrForbidden) {
					t.Errorf("create: %v", err)
				}
				_, err = f.svc.Incidents.Update(ctx, tc.actor, inc.ID, service.IncidentPatch{Title: &title})
				check("update", err)
				_, err = f.svc.Incidents.AddOODAStep(ctx, tc.actor, inc.ID, hikeshi.OODAObserve, "見た")
				check("ooda", err)
				_, err = f.svc.Incidents.AddNote(ctx, tc.actor, inc.ID, "メモ")
				check("note", err)
				err = f.svc.Incidents.AddMember(ctx, tc.actor, inc.ID, f.auditor.ID)
				check("add member", err)
				if tc.allow {
					err = f.svc.Incidents.RemoveMember(ctx, tc.actor, inc.ID, f.auditor.ID)
				} else {
					err = f.svc.Incidents.RemoveMember(ctx, tc.actor, inc.ID, f.member.ID)
				}
				check("remove member", err)
				_, err = f.svc.Incidents.Transition(ctx, tc.actor, inc.ID, hikeshi.PhaseInitialResponse, "")
				check("transition", err)
				if tc.allow {
					_, err = f.svc.Incidents.Transition(ctx, tc.actor, inc.ID, hikeshi.PhaseDiscovery, "戻す")
					check("transition back", err)
				}
			})
		}
	})
}

func TestIncidentWorkflow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		created := f.clock.Now()
		inc, err := f.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "ランサムウェア", Category: "infected-system",
			Impact: 1, Urgency: 1, OwnerID: f.csirt.ID})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Phase != hikeshi.PhaseDiscovery || inc.Priority != 1 || inc.TLP != hikeshi.TLPAmber || !inc.CreatedAt.Equal(created) {
			t.Errorf("created %+v", inc)
		}
		// Bad input is refused by field.
		_, err = f.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "", Category: "culprit", Impact: 0, Urgency: 5, TLP: "WHITE"})
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 5 {
			t.Errorf("bad input: %v", err)
		}
		// An illegal transition is refused with the reason.
		_, err = f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseRecovery, "")
		var te *hikeshi.TransitionError
		if !errors.As(err, &te) || te.Code != "skip" || !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("skip: %v", err)
		}
		step := func(kind hikeshi.OODAKind) {
			t.Helper()
			time.Sleep(2 * time.Millisecond) // timeline ids order by millisecond
			f.clock.Advance(10 * time.Minute)
			if _, err := f.svc.Incidents.AddOODAStep(ctx, csirt, inc.ID, kind, "記録 "+string(kind)); err != nil {
				t.Fatal(err)
			}
		}
		move := func(to hikeshi.Phase) time.Time {
			t.Helper()
			time.Sleep(2 * time.Millisecond)
			f.clock.Advance(time.Hour)
			if _, err := f.svc.Incidents.Transition(ctx, csirt, inc.ID, to, "→ "+string(to)); err != nil {
				t.Fatal(err)
			}
			return f.clock.Now()
		}
		triaged := move(hikeshi.PhaseInitialResponse)
		step(hikeshi.OODAObserve)
		step(hikeshi.OODAOrient)
		step(hikeshi.OODADecide)
		step(hikeshi.OODAAct)
		firstResponse := f.clock.Now()
		step(hikeshi.OODAObserve)
		step(hikeshi.OODAAct)
		contained := move(hikeshi.PhaseRecovery)
		recovered := move(hikeshi.PhaseRecurrencePrevention)
		// Closing needs a completed post-incident review (decision 0019).
		if _, err := f.svc.Reviews.Complete(ctx, csirt, inc.ID, &service.ReviewInput{RootCause: "検知の設定", ToChange: "設定を見直す"}); err != nil {
			t.Fatal(err)
		}
		closed := move(hikeshi.PhaseClosed)
		_, err = f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseRecurrencePrevention, "")
		if !errors.As(err, &te) || te.Code != "reopen_required" {
			t.Errorf("leaving closed without reopen: %v", err)
		}
		d, err := f.svc.Incidents.Detail(ctx, csirt, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		i := d.Incident
		if !i.TriagedAt.Equal(triaged) || !i.FirstResponseAt.Equal(firstResponse) || !i.ContainedAt.Equal(contained) ||
			!i.RecoveredAt.Equal(recovered) || !i.ClosedAt.Equal(closed) || i.Phase != hikeshi.PhaseClosed {
			t.Errorf("workflow times %+v", i)
		}
		if d.Loops != 2 || len(d.Steps) != 6 || d.Steps[0].Duration != 10*time.Minute || len(d.Allowed) != 0 || !d.CanReopen {
			t.Errorf("detail: loops %d steps %d allowed %v reopen %v", d.Loops, len(d.Steps), d.Allowed, d.CanReopen)
		}
		var kinds []hikeshi.IncidentEventKind
		for _, e := range d.Events {
			kinds = append(kinds, e.Kind)
		}
		if len(kinds) != 11 || kinds[0] != hikeshi.EventCreated || kinds[1] != hikeshi.EventPhase || d.Events[1].Text != "→ initial_response" ||
			d.Events[1].AuthorID != f.csirt.ID {
			t.Errorf("timeline %v", kinds)
		}
		// Reopen: only from closed, clears ClosedAt; the auditor may not.
		if _, err := f.svc.Incidents.Reopen(ctx, actor(f.auditor), inc.ID, ""); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor reopens: %v", err)
		}
		re, err := f.svc.Incidents.Reopen(ctx, csirt, inc.ID, "再発")
		if err != nil || re.Phase != hikeshi.PhaseRecurrencePrevention || !re.ClosedAt.IsZero() {
			t.Errorf("reopen: %+v %v", re, err)
		}
		if _, err := f.svc.Incidents.Reopen(ctx, csirt, inc.ID, ""); !errors.As(err, &te) {
			t.Errorf("reopen an open incident: %v", err)
		}
		// Every change is audited; the phase entries carry before and after.
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: inc.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, r := range recs {
			counts[r.Action]++
			if r.Action == "incident.phase" && (r.Before == "" || r.After == "") {
				t.Errorf("phase audit without before/after: %+v", r)
			}
			if r.Action == "incident.create" && (r.ActorID != f.csirt.ID) {
				t.Errorf("create audit %+v", r)
			}
		}
		if counts["incident.create"] != 1 || counts["incident.phase"] != 4 || counts["incident.reopen"] != 1 || counts["incident.ooda"] != 6 {
			t.Errorf("audit actions %v", counts)
		}
		// Update recomputes the priority and is audited.
		low := hikeshi.Level(4)
		up, err := f.svc.Incidents.Update(ctx, csirt, inc.ID, service.IncidentPatch{Impact: &low, Urgency: &low})
		if err != nil || up.Priority != 4 {
			t.Errorf("update: %+v %v", up, err)
		}
		f.auditCount(t)
	})
}

// TestIncidentOwnerAndCategoryRules checks what every way of writing an
// incident (form, API, triage) shares: the owner is a handler (CSIRT or
// admin), and a category the organisation stopped using is refused for new
// choices while incidents that already carry it can still be edited.
func TestIncidentOwnerAndCategoryRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		in := newIncidentInput("owner rules", hikeshi.TLPAmber)
		in.OwnerID = f.member.ID
		if _, err := f.svc.Incidents.Create(ctx, csirt, in); fieldCodes(err)["owner_id"] != "not_handler" {
			t.Errorf("a member as owner: %v", err)
		}
		in.OwnerID = f.admin.ID
		inc, err := f.svc.Incidents.Create(ctx, csirt, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Triage.UpdateTaxonomy(ctx, actor(f.admin), []string{"fraud", "malicious-code"}); err != nil {
			t.Fatal(err)
		}
		// The incident keeps its phishing category through other edits.
		title := "still phishing"
		if _, err := f.svc.Incidents.Update(ctx, csirt, inc.ID, service.IncidentPatch{Title: &title}); err != nil {
			t.Errorf("editing an incident whose category is no longer in use: %v", err)
		}
		if _, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("new phishing", hikeshi.TLPAmber)); fieldCodes(err)["category"] != "not_in_use" {
			t.Errorf("a category not in use on a new incident: %v", err)
		}
		cat := "malicious-code"
		if _, err := f.svc.Incidents.Update(ctx, csirt, inc.ID, service.IncidentPatch{Category: &cat}); err != nil {
			t.Errorf("moving to a category in use: %v", err)
		}
		back := "phishing"
		if _, err := f.svc.Incidents.Update(ctx, csirt, inc.ID, service.IncidentPatch{Category: &back}); fieldCodes(err)["category"] != "not_in_use" {
			t.Errorf("moving back to a category no longer in use: %v", err)
		}
	})
}
