package service_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func (f *fixture) manager(t *testing.T) hikeshi.User {
	t.Helper()
	u, err := f.svc.Users.Create(context.Background(), hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org",
		Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) incident(t *testing.T, title string, tlp hikeshi.TLP) hikeshi.Incident {
	t.Helper()
	time.Sleep(2 * time.Millisecond)
	i, err := f.svc.Incidents.Create(context.Background(), actor(f.csirt), newIncidentInput(title, tlp))
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func (f *fixture) task(t *testing.T, incidentID, title, dept string) hikeshi.Task {
	t.Helper()
	time.Sleep(2 * time.Millisecond)
	tk, err := f.svc.Tasks.Create(context.Background(), actor(f.csirt), incidentID, service.TaskInput{Title: title, DepartmentID: dept,
		DueAt: f.clock.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func inbox(t *testing.T, f *fixture, a hikeshi.Actor, dept string) map[string]service.TaskView {
	t.Helper()
	out := map[string]service.TaskView{}
	p := hikeshi.Page{Limit: 1}
	for range 50 {
		vs, err := f.svc.Tasks.Inbox(context.Background(), a, service.InboxFilter{DepartmentID: dept, Page: p})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) == 0 {
			return out
		}
		out[vs[0].Task.ID] = vs[0]
		p.After = hikeshi.TaskCursor(vs[0].Task)
	}
	t.Fatal("inbox paging does not end")
	return nil
}

// TestTaskVisibilityForEveryRole checks who sees which task with how much of
// its incident: a member of the assigned department sees a RED incident's
// task with its number and TLP but not its title; a member of another
// department sees nothing; managers and auditors read, except the tasks of a
// RED incident they were not added to unless the task is their department's;
// only workers and handlers change.
func TestTaskVisibilityForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager := f.manager(t)
		red := f.incident(t, "極秘の漏えい", hikeshi.TLPRed)
		amber := f.incident(t, "フィッシング", hikeshi.TLPAmber)
		redTask := f.task(t, red.ID, "顧客リストを確認", f.sales.ID)
		amberTask := f.task(t, amber.ID, "メールを削除", f.sales.ID)
		itTask := f.task(t, amber.ID, "ログを保全", f.it.ID)

		type sees struct {
			visible, limited, canOpen bool
		}
		for _, tc := range []struct {
			name      string
			actor     hikeshi.Actor
			red       sees
			amber     sees
			it        sees
			work      bool // may change the status of tasks it can see
			handle    bool // may edit tasks of incidents it can see
			inboxSees []string
		}{
			{"csirt", actor(f.csirt), sees{true, false, true}, sees{true, false, true}, sees{true, false, true}, true, true,
				[]string{redTask.ID, amberTask.ID, itTask.ID}},
			// Readers of everything who were not added to the RED incident see
			// none of it, its tasks included.
			{"admin (not a member of the RED incident)", actor(f.admin), sees{}, sees{true, false, true}, sees{true, false, true}, true, true,
				[]string{amberTask.ID, itTask.ID}},
			{"manager (of the assigned department)", actor(manager), sees{true, true, false}, sees{true, false, true}, sees{true, false, true}, false, false,
				[]string{redTask.ID, amberTask.ID, itTask.ID}},
			{"auditor", actor(f.auditor), sees{}, sees{true, false, true}, sees{true, false, true}, false, false,
				[]string{amberTask.ID, itTask.ID}},
			{"member of the assigned department", actor(f.member), sees{true, true, false}, sees{true, false, false}, sees{}, true, false,
				[]string{redTask.ID, amberTask.ID}},
			{"member of another department", actor(f.other), sees{}, sees{}, sees{true, false, false}, true, false,
				[]string{itTask.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, c := range []struct {
					name string
					task hikeshi.Task
					want sees
				}{{"red", redTask, tc.red}, {"amber", amberTask, tc.amber}, {"it", itTask, tc.it}} {
					v, err := f.svc.Tasks.Get(ctx, tc.actor, c.task.ID)
					if !c.want.visible {
						if !errors.Is(err, hikeshi.ErrNotFound) {
							t.Errorf("%s: got %v, want not found", c.name, err)
						}
						if _, err := f.svc.Tasks.SetStatus(ctx, tc.actor, c.task.ID, hikeshi.TaskInProgress, ""); !errors.Is(err, hikeshi.ErrNotFound) {
							t.Errorf("%s: a hidden task's status changed: %v", c.name, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
					ctxt := v.Context
					if ctxt.Limited != c.want.limited || ctxt.CanOpen != c.want.canOpen || ctxt.Number == "" || ctxt.TLP == "" || v.Task.Title != c.task.Title {
						t.Errorf("%s: context %+v, want %+v", c.name, ctxt, c.want)
					}
					if c.want.limited && (ctxt.Title != "" || ctxt.Phase != "" || ctxt.Priority != 0) {
						t.Errorf("%s: a limited context carries %q %q %d", c.name, ctxt.Title, ctxt.Phase, ctxt.Priority)
					}
					if !c.want.limited && (ctxt.Title == "" || ctxt.Phase == "" || ctxt.Priority == 0) {
						t.Errorf("%s: an open context lacks title, phase or priority: %+v", c.name, ctxt)
					}
					work := tc.work && !(c.want.limited && tc.handle) // a handler who cannot see the incident does not work its tasks
					if (len(v.Allowed) > 0) != work {
						t.Errorf("%s: allowed moves %v, want work=%v", c.name, v.Allowed, work)
					}
				}
				got := inbox(t, f, tc.actor, "")
				var ids []string
				for id := range got {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				want := slices.Clone(tc.inboxSees)
				slices.Sort(want)
				if !slices.Equal(ids, want) {
					t.Errorf("inbox %v, want %v", ids, want)
				}
				desc := "changed"
				_, err := f.svc.Tasks.Update(ctx, tc.actor, amberTask.ID, service.TaskPatch{Description: &desc})
				if tc.handle != (err == nil) {
					t.Errorf("update: %v, want allowed=%v", err, tc.handle)
				}
			})
		}

		// The member never sees the incident itself.
		if _, err := f.svc.Incidents.Get(ctx, actor(f.member), red.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member opened the RED incident: %v", err)
		}
		if _, err := f.svc.Incidents.Get(ctx, actor(f.member), amber.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member opened the AMBER incident: %v", err)
		}
		// Readers are refused changes; the admin cannot edit a task of a RED incident they do not see.
		// The manager works in the assigned department and reads its task; the
		// auditor was not added to the RED incident and does not see it.
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(manager), redTask.ID, hikeshi.TaskInProgress, ""); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("manager changed a status: %v", err)
		}
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.auditor), redTask.ID, hikeshi.TaskInProgress, ""); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("auditor changed a status: %v", err)
		}
		title := "x"
		if _, err := f.svc.Tasks.Update(ctx, actor(f.admin), redTask.ID, service.TaskPatch{Title: &title}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("admin edited a task of a RED incident they cannot see: %v", err)
		}
		// A member cannot complete another department's task.
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.member), itTask.ID, hikeshi.TaskDone, "done"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member completed another department's task: %v", err)
		}
		// A member of another department filtering for the sales inbox is refused.
		if _, err := f.svc.Tasks.Inbox(ctx, actor(f.other), service.InboxFilter{DepartmentID: f.sales.ID}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member read another department's inbox: %v", err)
		}
		// The CSIRT filters by department.
		if got := inbox(t, f, actor(f.csirt), f.it.ID); len(got) != 1 {
			t.Errorf("csirt's IT inbox: %v", got)
		}

		// The member works the RED task: start, complete with a note, reopen.
		before := f.auditCount(t)
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.member), redTask.ID, hikeshi.TaskInProgress, ""); err != nil {
			t.Fatal(err)
		}
		done, err := f.svc.Tasks.SetStatus(ctx, actor(f.member), redTask.ID, hikeshi.TaskDone, " 確認しました ")
		if err != nil {
			t.Fatal(err)
		}
		if !done.CompletedAt.Equal(f.clock.Now()) || done.Note != "確認しました" || done.Status != hikeshi.TaskDone {
			t.Errorf("completed %+v", done)
		}
		if got := inbox(t, f, actor(f.member), ""); len(got) != 1 {
			t.Errorf("a done task stays in the inbox: %d", len(got))
		}
		var te *hikeshi.TaskMoveError
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.member), redTask.ID, hikeshi.TaskCancelled, ""); !errors.As(err, &te) || te.Code != "not_allowed" {
			t.Errorf("done → cancelled: %v", err)
		}
		reopened, err := f.svc.Tasks.SetStatus(ctx, actor(f.member), redTask.ID, hikeshi.TaskOpen, "")
		if err != nil || !reopened.CompletedAt.IsZero() || reopened.Status != hikeshi.TaskOpen {
			t.Fatalf("reopen: %+v %v", reopened, err)
		}
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.member), redTask.ID, hikeshi.TaskCancelled, ""); !errors.As(err, &te) || te.Code != "handlers_only" {
			t.Errorf("member cancelled: %v", err)
		}
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.csirt), redTask.ID, hikeshi.TaskCancelled, ""); err != nil {
			t.Errorf("csirt cancelled: %v", err)
		}
		if n := f.auditCount(t); n != before+4 {
			t.Errorf("audit entries %d, want %d", n, before+4)
		}
		// Nothing of the RED incident's or its task's words reaches the audit log.
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if strings.Contains(r.Before+r.After, "顧客リスト") || strings.Contains(r.Before+r.After, "極秘") || strings.Contains(r.Before+r.After, "確認しました") {
				t.Errorf("audit entry %s carries restricted words: %s %s", r.Action, r.Before, r.After)
			}
		}
		// The timeline tells the CSIRT what happened.
		d, err := f.svc.Incidents.Detail(ctx, actor(f.csirt), red.ID)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range d.Events {
			lines = append(lines, e.Text)
		}
		if !slices.Contains(lines, "task: 顧客リストを確認 → done") || !slices.Contains(lines, "task: 顧客リストを確認 → open") {
			t.Errorf("timeline %q", lines)
		}
		// Added to the incident, the member sees everything.
		if err := f.svc.Incidents.AddMember(ctx, actor(f.csirt), red.ID, f.member.ID); err != nil {
			t.Fatal(err)
		}
		if v, err := f.svc.Tasks.Get(ctx, actor(f.member), redTask.ID); err != nil || v.Context.Limited || !v.Context.CanOpen || v.Context.Title != red.Title {
			t.Errorf("member of the incident: %+v %v", v.Context, err)
		}
		if _, err := f.svc.Tasks.Get(ctx, hikeshi.Actor{}, redTask.ID); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous: %v", err)
		}
	})
}

func TestTaskStatusTable(t *testing.T) {
	all := hikeshi.TaskStatuses
	allowed := map[[2]hikeshi.TaskStatus]string{ // move → who: "h" handlers only, "w" workers too
		{hikeshi.TaskOpen, hikeshi.TaskInProgress}:      "w",
		{hikeshi.TaskOpen, hikeshi.TaskDone}:            "w",
		{hikeshi.TaskOpen, hikeshi.TaskCancelled}:       "h",
		{hikeshi.TaskInProgress, hikeshi.TaskOpen}:      "w",
		{hikeshi.TaskInProgress, hikeshi.TaskDone}:      "w",
		{hikeshi.TaskInProgress, hikeshi.TaskCancelled}: "h",
		{hikeshi.TaskDone, hikeshi.TaskOpen}:            "w",
		{hikeshi.TaskCancelled, hikeshi.TaskOpen}:       "h",
	}
	for _, from := range all {
		for _, to := range all {
			who := allowed[[2]hikeshi.TaskStatus{from, to}]
			if err := hikeshi.CheckTaskMove(from, to, true); (err == nil) != (who != "") {
				t.Errorf("handler %s → %s: %v", from, to, err)
			}
			if err := hikeshi.CheckTaskMove(from, to, false); (err == nil) != (who == "w") {
				t.Errorf("worker %s → %s: %v", from, to, err)
			}
		}
	}
	var te *hikeshi.TaskMoveError
	if err := hikeshi.CheckTaskMove(hikeshi.TaskDone, hikeshi.TaskInProgress, true); !errors.As(err, &te) || te.Code != "not_allowed" || !errors.Is(err, hikeshi.ErrInvalid) {
		t.Errorf("done → in_progress: %v", err)
	}
	if err := hikeshi.CheckTaskMove("open", "closed", true); !errors.As(err, &te) || te.Code != "unknown_status" {
		t.Errorf("unknown: %v", err)
	}
	if err := hikeshi.CheckTaskMove("open", "open", true); !errors.As(err, &te) || te.Code != "same_status" {
		t.Errorf("same: %v", err)
	}
}

func TestTaskHostileInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		inc := f.incident(t, "x", hikeshi.TLPGreen)
		red := f.incident(t, "y", hikeshi.TLPRed)
		disabled, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "gone@example.org", Name: "G",
			Role: hikeshi.RoleMember, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Users.SetDisabled(ctx, hikeshi.SystemActor("test"), disabled.ID, true); err != nil {
			t.Fatal(err)
		}
		manager := f.manager(t)
		before := f.auditCount(t)
		for _, tc := range []struct {
			name  string
			in    service.TaskInput
			field string
			code  string
		}{
			{"empty title", service.TaskInput{Title: " ", DepartmentID: f.sales.ID}, "title", "required"},
			{"two-line title", service.TaskInput{Title: "a\nb", DepartmentID: f.sales.ID}, "title", "invalid_text"},
			{"over-long title", service.TaskInput{Title: strings.Repeat("長", 201), DepartmentID: f.sales.ID}, "title", "too_long"},
			{"over-long description", service.TaskInput{Title: "t", Description: strings.Repeat("x", 5001), DepartmentID: f.sales.ID}, "description", "too_long"},
			{"control characters", service.TaskInput{Title: "t\x00", DepartmentID: f.sales.ID}, "title", "invalid_text"},
			{"no department", service.TaskInput{Title: "t"}, "department_id", "required"},
			{"unknown department", service.TaskInput{Title: "t", DepartmentID: hikeshi.NewID()}, "department_id", "unknown"},
			{"department id with SQL", service.TaskInput{Title: "t", DepartmentID: "' OR 1=1 --"}, "department_id", "unknown"},
			{"person not in the department", service.TaskInput{Title: "t", DepartmentID: f.sales.ID, AssigneeID: f.other.ID}, "assignee_id", "not_in_department"},
			{"disabled person", service.TaskInput{Title: "t", DepartmentID: f.sales.ID, AssigneeID: disabled.ID}, "assignee_id", "disabled"},
			{"auditor as the person", service.TaskInput{Title: "t", DepartmentID: f.it.ID, AssigneeID: f.auditor.ID}, "assignee_id", "read_only"},
			{"unknown person", service.TaskInput{Title: "t", DepartmentID: f.sales.ID, AssigneeID: "nobody"}, "assignee_id", "unknown"},
			{"due date out of range", service.TaskInput{Title: "t", DepartmentID: f.sales.ID, DueAt: time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)}, "due_at", "out_of_range"},
		} {
			_, err := f.svc.Tasks.Create(ctx, actor(f.csirt), inc.ID, tc.in)
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != tc.field || ve.Fields[0].Code != tc.code {
				t.Errorf("%s: got %v, want %s/%s", tc.name, err, tc.field, tc.code)
			}
		}
		for _, u := range []hikeshi.User{f.member, f.auditor, manager} {
			if _, err := f.svc.Tasks.Create(ctx, actor(u), inc.ID, service.TaskInput{Title: "t", DepartmentID: f.sales.ID}); !errors.Is(err, hikeshi.ErrForbidden) && !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("%s created a task: %v", u.Role, err)
			}
		}
		if _, err := f.svc.Tasks.Create(ctx, actor(f.admin), red.ID, service.TaskInput{Title: "t", DepartmentID: f.sales.ID}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("admin added a task to a RED incident they cannot see: %v", err)
		}
		if f.auditCount(t) != before {
			t.Error("refused input wrote audit entries")
		}
		// HTML is kept as text; the assignee must be in the department.
		tk, err := f.svc.Tasks.Create(ctx, actor(f.csirt), inc.ID, service.TaskInput{Title: "<script>alert(1)</script>", DepartmentID: f.sales.ID, AssigneeID: f.member.ID})
		if err != nil || tk.Title != "<script>alert(1)</script>" || tk.AssigneeID != f.member.ID {
			t.Fatalf("%+v %v", tk, err)
		}
		// Moving the task to another department drops the assignee from the old one.
		it := f.it.ID
		moved, err := f.svc.Tasks.Update(ctx, actor(f.csirt), tk.ID, service.TaskPatch{DepartmentID: &it})
		if err != nil || moved.AssigneeID != "" || moved.DepartmentID != it {
			t.Errorf("reassign: %+v %v", moved, err)
		}
		other := f.other.ID
		if moved, err = f.svc.Tasks.Update(ctx, actor(f.csirt), tk.ID, service.TaskPatch{AssigneeID: &other}); err != nil || moved.AssigneeID != other {
			t.Errorf("assign: %+v %v", moved, err)
		}
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.other), tk.ID, hikeshi.TaskDone, strings.Repeat("x", 1001)); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("over-long note: %v", err)
		}
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.other), tk.ID, "finished", ""); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown status: %v", err)
		}
		if _, err := f.svc.Tasks.Inbox(ctx, actor(f.csirt), service.InboxFilter{Statuses: []hikeshi.TaskStatus{"x"}}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown status filter: %v", err)
		}
		if _, err := f.svc.Tasks.Inbox(ctx, actor(f.csirt), service.InboxFilter{Page: hikeshi.Page{After: "'; DROP TABLE tasks"}}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

// allKinds adds a management and a CSIRT department to the fixture's IT
// department and business unit.
func allKinds(t *testing.T, f *fixture) map[hikeshi.DepartmentKind]hikeshi.Department {
	t.Helper()
	out := map[hikeshi.DepartmentKind]hikeshi.Department{hikeshi.KindIT: f.it, hikeshi.KindBusinessUnit: f.sales}
	for name, k := range map[string]hikeshi.DepartmentKind{"経営企画部": hikeshi.KindManagement, "CSIRT": hikeshi.KindCSIRT} {
		d, err := f.svc.Departments.Create(context.Background(), hikeshi.SystemActor("test"), service.DepartmentInput{Name: name, Kind: k})
		if err != nil {
			t.Fatal(err)
		}
		out[k] = d
	}
	return out
}

func TestApplyEveryBuiltinPlaybook(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		// Without a CSIRT or management department, nothing is created and the error names the kind.
		inc := f.incident(t, "phishing", hikeshi.TLPAmber)
		before := f.auditCount(t)
		_, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc.ID, "phishing", hikeshi.LocaleEN, nil)
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "departments.csirt" || ve.Fields[0].Code != "no_department" || !strings.Contains(err.Error(), "kind csirt") {
			t.Fatalf("missing kind: %v", err)
		}
		if ts, _ := f.svc.Tasks.ForIncident(ctx, actor(f.csirt), inc.ID); len(ts) != 0 || f.auditCount(t) != before {
			t.Errorf("a refused playbook left %d tasks", len(ts))
		}

		kinds := allKinds(t, f)
		second, err := f.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "A 情報基盤", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range hikeshi.BuiltinPlaybooks {
			if n := len(b.Tasks); n < 4 || n > 8 {
				t.Errorf("%s has %d tasks", b.Key, n)
			}
			for _, c := range b.Categories {
				if _, _, ok := hikeshi.RSITLookup(c); !ok {
					t.Errorf("%s: unknown category %q", b.Key, c)
				}
			}
			var v hikeshi.ValidationError
			hikeshi.ValidatePlaybook(&v, b.In(hikeshi.LocaleJA))
			hikeshi.ValidatePlaybook(&v, b.In(hikeshi.LocaleEN))
			if err := v.Err(); err != nil {
				t.Errorf("%s: %v", b.Key, err)
			}
			l := []hikeshi.Locale{hikeshi.LocaleJA, hikeshi.LocaleEN}[i%2]
			inc := f.incident(t, b.Key, hikeshi.TLPRed)
			now := f.clock.Now()
			tasks, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc.ID, b.Key, l, nil)
			if err != nil {
				t.Fatalf("%s: %v", b.Key, err)
			}
			if len(tasks) != len(b.Tasks) {
				t.Fatalf("%s: %d tasks, want %d", b.Key, len(tasks), len(b.Tasks))
			}
			for j, tk := range tasks {
				tmpl := b.Tasks[j]
				want := kinds[tmpl.Kind].ID
				if tmpl.Kind == hikeshi.KindIT {
					want = second.ID // the first of its kind by name
				}
				if tk.Title != tmpl.Title.In(l) || tk.Description != tmpl.Description.In(l) || tk.DepartmentID != want ||
					!tk.DueAt.Equal(now.Add(time.Duration(tmpl.DueHours)*time.Hour)) || tk.PlaybookKey != b.Key || tk.Status != hikeshi.TaskOpen {
					t.Errorf("%s task %d: %+v", b.Key, j, tk)
				}
			}
		}
		// A department chosen in the form wins; one of the wrong kind is refused.
		inc2 := f.incident(t, "choice", hikeshi.TLPGreen)
		tasks, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc2.ID, "lost-device", hikeshi.LocaleJA,
			map[hikeshi.DepartmentKind]string{hikeshi.KindIT: f.it.ID})
		if err != nil || tasks[1].DepartmentID != f.it.ID {
			t.Errorf("chosen department: %v", err)
		}
		for _, choice := range []map[hikeshi.DepartmentKind]string{
			{hikeshi.KindIT: f.sales.ID},
			{hikeshi.KindIT: hikeshi.NewID()},
			{"sales": f.sales.ID},
		} {
			if _, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc2.ID, "lost-device", hikeshi.LocaleJA, choice); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("choice %v: %v", choice, err)
			}
		}
		if _, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc2.ID, "no-such-playbook", hikeshi.LocaleJA, nil); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown playbook: %v", err)
		}
		for _, u := range []hikeshi.User{f.member, f.auditor} {
			if _, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(u), inc2.ID, "phishing", hikeshi.LocaleJA, nil); err == nil {
				t.Errorf("%s applied a playbook", u.Role)
			}
		}
	})
}

func TestPlaybookSettings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		allKinds(t, f)
		inc := f.incident(t, "phishing", hikeshi.TLPGreen) // category phishing
		keys := func(ps []hikeshi.Playbook) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.Key)
			}
			return out
		}
		sugg, err := f.svc.Tasks.SuggestPlaybooks(ctx, actor(f.csirt), inc.ID, hikeshi.LocaleJA)
		if err != nil || !slices.Equal(keys(sugg), []string{"phishing"}) || sugg[0].Name != "フィッシング" {
			t.Errorf("suggestions %v %v", keys(sugg), err)
		}
		if _, err := f.svc.Tasks.SuggestPlaybooks(ctx, actor(f.member), inc.ID, hikeshi.LocaleJA); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member got suggestions for an incident they cannot see: %v", err)
		}
		// Everyone reads; only handlers write.
		all, err := f.svc.Tasks.Playbooks(ctx, actor(f.member), hikeshi.LocaleEN)
		if err != nil || len(all) != len(hikeshi.BuiltinPlaybooks) {
			t.Errorf("member list: %d %v", len(all), err)
		}
		in := service.PlaybookInput{Name: " 独自 <b>手順</b> ", Categories: []string{"phishing", "phishing", "fraud"},
			Tasks: []hikeshi.PlaybookTask{{Title: "確認", Kind: hikeshi.KindIT, DueHours: 2}}}
		for _, u := range []hikeshi.User{f.member, f.auditor, f.manager(t)} {
			if _, err := f.svc.Tasks.CreatePlaybook(ctx, actor(u), in); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s created a playbook: %v", u.Role, err)
			}
			if _, err := f.svc.Tasks.SetPlaybookDisabled(ctx, actor(u), "phishing", true); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s switched a playbook: %v", u.Role, err)
			}
		}
		p, err := f.svc.Tasks.CreatePlaybook(ctx, actor(f.csirt), in)
		if err != nil || p.Name != "独自 <b>手順</b>" || !slices.Equal(p.Categories, []string{"phishing", "fraud"}) || p.BuiltIn {
			t.Fatalf("create %+v %v", p, err)
		}
		for _, bad := range []service.PlaybookInput{
			{Name: "", Categories: []string{"phishing"}, Tasks: in.Tasks},
			{Name: "x", Categories: []string{"culprit"}, Tasks: in.Tasks},
			{Name: "x", Categories: []string{"phishing"}},
			{Name: "x", Categories: []string{"phishing"}, Tasks: []hikeshi.PlaybookTask{{Title: "t", Kind: "sales"}}},
			{Name: "x", Categories: []string{"phishing"}, Tasks: []hikeshi.PlaybookTask{{Title: "t", Kind: hikeshi.KindIT, DueHours: -1}}},
			{Name: "x", Categories: []string{"phishing"}, Tasks: slices.Repeat(in.Tasks, 21)},
		} {
			if _, err := f.svc.Tasks.CreatePlaybook(ctx, actor(f.csirt), bad); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("bad playbook %+v: %v", bad, err)
			}
		}
		if _, err := f.svc.Tasks.UpdatePlaybook(ctx, actor(f.csirt), "phishing", in); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("edited a built-in: %v", err)
		}
		in.Name = "改名"
		if p, err = f.svc.Tasks.UpdatePlaybook(ctx, actor(f.admin), p.Key, in); err != nil || p.Name != "改名" {
			t.Errorf("update %+v %v", p, err)
		}
		// Switching the built-in off: no longer suggested or applied; on again: back.
		if _, err := f.svc.Tasks.SetPlaybookDisabled(ctx, actor(f.csirt), "phishing", true); err != nil {
			t.Fatal(err)
		}
		sugg, _ = f.svc.Tasks.SuggestPlaybooks(ctx, actor(f.csirt), inc.ID, hikeshi.LocaleJA)
		if !slices.Equal(keys(sugg), []string{p.Key}) {
			t.Errorf("after switching off: %v", keys(sugg))
		}
		if _, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc.ID, "phishing", hikeshi.LocaleJA, nil); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("applied a switched-off playbook: %v", err)
		}
		if got, _ := f.svc.Tasks.Playbook(ctx, actor(f.auditor), "phishing", hikeshi.LocaleEN); !got.Disabled() || got.Name != "Phishing" {
			t.Errorf("switched-off built-in: %+v", got)
		}
		if _, err := f.svc.Tasks.SetPlaybookDisabled(ctx, actor(f.csirt), "phishing", false); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Tasks.Playbook(ctx, actor(f.auditor), "phishing", hikeshi.LocaleEN); got.Disabled() {
			t.Error("switched on again but still off")
		}
		// Copying a built-in makes an editable custom playbook in the copier's language.
		cp, err := f.svc.Tasks.CopyPlaybook(ctx, actor(f.csirt), "malware", hikeshi.LocaleJA)
		if err != nil || cp.BuiltIn || cp.Name != "マルウェア・ランサムウェア" || len(cp.Tasks) != 7 {
			t.Fatalf("copy %+v %v", cp, err)
		}
		tasks, err := f.svc.Tasks.ApplyPlaybook(ctx, actor(f.csirt), inc.ID, cp.Key, hikeshi.LocaleEN, nil)
		if err != nil || len(tasks) != 7 || tasks[0].Title != "感染端末をネットワークから隔離する" {
			t.Errorf("apply the copy: %v", err)
		}
		if _, err := f.svc.Tasks.Playbook(ctx, actor(f.csirt), "nope", hikeshi.LocaleEN); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown playbook: %v", err)
		}
	})
}

// TestClosingWaitsForTasks: an incident does not close while its tasks are
// open (they would stay in departments' inboxes), and a closed incident takes
// no new tasks or playbooks until it is reopened.
func TestClosingWaitsForTasks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc := f.incident(t, "tasks before closing", hikeshi.TLPAmber)
		task := f.task(t, inc.ID, "ログを保全", f.it.ID)
		for _, p := range hikeshi.Phases[1:4] {
			if _, err := f.svc.Incidents.Transition(ctx, csirt, inc.ID, p, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Reviews.Complete(ctx, csirt, inc.ID, &service.ReviewInput{RootCause: "古い設定", ToChange: "設定を見直す"}); err != nil {
			t.Fatal(err)
		}
		var te *hikeshi.TransitionError
		if _, err := f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseClosed, ""); !errors.As(err, &te) || te.Code != "tasks_open" {
			t.Fatalf("closing with an open task: %v", err)
		}
		if _, err := f.svc.Tasks.SetStatus(ctx, actor(f.other), task.ID, hikeshi.TaskDone, "保全済み"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseClosed, ""); err != nil {
			t.Fatalf("closing once the task is done: %v", err)
		}
		_, err := f.svc.Tasks.Create(ctx, csirt, inc.ID, service.TaskInput{Title: "後から", DepartmentID: f.it.ID})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a task added to a closed incident: %v", err)
		}
		if _, err := f.svc.Tasks.ApplyPlaybook(ctx, csirt, inc.ID, "phishing", hikeshi.LocaleJA, nil); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a playbook applied to a closed incident: %v", err)
		}
		// Its finished tasks stay finished, and are offered no moves.
		if _, err := f.svc.Tasks.SetStatus(ctx, csirt, task.ID, hikeshi.TaskOpen, ""); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("a task of a closed incident reopened: %v", err)
		}
		if v, err := f.svc.Tasks.Get(ctx, actor(f.other), task.ID); err != nil || len(v.Allowed) != 0 {
			t.Errorf("a closed incident's task offers %v, %v", v.Allowed, err)
		}
	})
}
