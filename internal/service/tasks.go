package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Tasks are the work an incident asks of departments (IH-5): each task is
// assigned to a department, optionally to one of its members, and shows in
// the department's inbox with as much incident context as TLP allows.
// Playbooks are task templates per category.
//
// Who does what: the CSIRT and admins (handlers) create, edit, reassign,
// cancel and move tasks on incidents they can see. The members of the
// assigned department and the assignee (workers) start, put back, complete
// and reopen them, without thereby seeing the incident page. Managers and
// auditors read. Everyone who can see a task sees the incident's number and
// TLP label; the title, phase and priority too unless the incident is
// TLP:RED or AMBER+STRICT and the viewer may not see the incident itself.
type Tasks struct {
	base
	patterns *Patterns // routes a playbook's incident response steps given no department (IN-2)
}

// incidents gives the incident rules (visibility, the handler check and the
// timeline) over the same store and clock. Only get, handle and event are
// used, which need nothing but the base.
func (s *Tasks) incidents() *Incidents { return &Incidents{base: s.base} }

// TaskInput is a new task as a handler types it.
type TaskInput struct {
	Title        string
	Description  string
	DepartmentID string
	AssigneeID   string    // "" = the department as a whole
	DueAt        time.Time // zero = no due date
}

// TaskPatch changes a task; nil fields stay as they are.
type TaskPatch struct {
	Title        *string
	Description  *string
	DepartmentID *string
	AssigneeID   *string    // "" unassigns
	DueAt        *time.Time // the zero time removes the due date
}

// TaskContext is what a task's viewer may know of its incident.
type TaskContext struct {
	IncidentID string
	Number     string
	TLP        hikeshi.TLP
	// Limited means the title, phase and priority are withheld: the incident
	// is TLP:RED or AMBER+STRICT and the viewer may not see it.
	Limited  bool
	Title    string
	Phase    hikeshi.Phase
	Priority hikeshi.Priority
	CanOpen  bool // the viewer may open the incident page
}

// TaskView is a task with its incident context and what the viewer may do.
type TaskView struct {
	Task           hikeshi.Task
	Context        TaskContext
	DepartmentName string
	DepartmentKind hikeshi.DepartmentKind
	AssigneeName   string
	CanHandle      bool                 // may edit, reassign and cancel
	Allowed        []hikeshi.TaskStatus // the statuses the viewer may move it to now
}

// taskAudit is what the audit log keeps of a task: ids and states, never its
// words (they may carry a restricted incident's words).
type taskAudit struct {
	ID           string `json:"id"`
	IncidentID   string `json:"incident_id"`
	DepartmentID string `json:"department_id"`
	AssigneeID   string `json:"assignee_id,omitempty"`
	Status       string `json:"status"`
	DueAt        string `json:"due_at,omitempty"`
	PlaybookKey  string `json:"playbook_key,omitempty"`
}

func auditOfTask(t hikeshi.Task) taskAudit {
	a := taskAudit{ID: t.ID, IncidentID: t.IncidentID, DepartmentID: t.DepartmentID, AssigneeID: t.AssigneeID,
		Status: string(t.Status), PlaybookKey: t.PlaybookKey}
	if !t.DueAt.IsZero() {
		a.DueAt = hikeshi.FormatTime(t.DueAt)
	}
	return a
}

// worksOn reports whether the actor works the task: a member of its
// department or its assignee, in a role that changes things (managers and
// auditors only read).
func worksOn(a hikeshi.Actor, t hikeshi.Task) bool {
	if a.UserID == "" || a.Role == hikeshi.RoleManager || a.ReadOnly() {
		return false
	}
	return (a.DepartmentID != "" && a.DepartmentID == t.DepartmentID) || a.UserID == t.AssigneeID
}

// taskContext decides whether the actor may see a task and what of its
// incident. ok is false when the task must stay hidden (ErrNotFound): a task
// is seen by those who see its incident and by the people it is given to
// (its department's members and its assignee) — on a TLP:RED or AMBER+STRICT
// incident, readers of everything who were not added to it see neither.
func taskContext(ctx context.Context, r hikeshi.Reader, a hikeshi.Actor, t hikeshi.Task, inc hikeshi.Incident) (c TaskContext, handler, ok bool, err error) {
	full, err := canSeeIncident(ctx, r, a, inc)
	if err != nil {
		return TaskContext{}, false, false, err
	}
	inDept := (a.DepartmentID != "" && a.DepartmentID == t.DepartmentID) || (a.UserID != "" && a.UserID == t.AssigneeID)
	if !full && !inDept {
		return TaskContext{}, false, false, nil
	}
	c = TaskContext{IncidentID: inc.ID, Number: inc.Number, TLP: inc.TLP, CanOpen: full}
	if full || !inc.TLP.Restricted() {
		c.Title, c.Phase, c.Priority = inc.Title, inc.Phase, inc.Priority
	} else {
		c.Limited = true
	}
	return c, full && canHandle(a), true, nil
}

// view builds what the actor sees of a task; ok is false when it is hidden.
func (s *Tasks) view(ctx context.Context, r hikeshi.Reader, a hikeshi.Actor, t hikeshi.Task, incs map[string]hikeshi.Incident) (TaskView, bool, error) {
	inc, cached := incs[t.IncidentID]
	if !cached {
		var err error
		if inc, err = r.FindIncidentByID(ctx, t.IncidentID); err != nil {
			return TaskView{}, false, err
		}
		if incs != nil {
			incs[t.IncidentID] = inc
		}
	}
	c, handler, ok, err := taskContext(ctx, r, a, t, inc)
	if err != nil || !ok {
		return TaskView{}, false, err
	}
	v := TaskView{Task: t, Context: c, CanHandle: handler}
	if handler || worksOn(a, t) {
		for _, m := range hikeshi.AllowedTaskMoves(t.Status, handler) {
			if inc.Phase != hikeshi.PhaseClosed || !m.Active() { // a closed incident's work stays finished
				v.Allowed = append(v.Allowed, m)
			}
		}
	}
	if d, err := r.FindDepartmentByID(ctx, t.DepartmentID); err == nil {
		v.DepartmentName, v.DepartmentKind = d.Name, d.Kind
	} else if !errors.Is(err, hikeshi.ErrNotFound) {
		return TaskView{}, false, err
	}
	if t.AssigneeID != "" {
		if u, err := r.FindUserByID(ctx, t.AssigneeID); err == nil {
			v.AssigneeName = u.Name
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return TaskView{}, false, err
		}
	}
	return v, true, nil
}

// Get returns one task as the actor may see it.
func (s *Tasks) Get(ctx context.Context, actor hikeshi.Actor, id string) (TaskView, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return TaskView{}, fmt.Errorf("get task: %w", hikeshi.ErrUnauthenticated)
	}
	t, err := s.st.FindTaskByID(ctx, id)
	if err != nil {
		return TaskView{}, fmt.Errorf("get task: %w", err)
	}
	v, ok, err := s.view(ctx, s.st, actor, t, nil)
	if err != nil {
		return TaskView{}, fmt.Errorf("get task: %w", err)
	}
	if !ok {
		return TaskView{}, fmt.Errorf("get task: %w", hikeshi.ErrNotFound)
	}
	return v, nil
}

// ForIncident lists an incident's tasks, oldest first, for someone who can
// see the incident.
func (s *Tasks) ForIncident(ctx context.Context, actor hikeshi.Actor, incidentID string) ([]TaskView, error) {
	inc, err := s.incidents().get(ctx, s.st, actor, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list incident tasks: %w", err)
	}
	ts, err := s.st.FindTasksByIncident(ctx, inc.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, fmt.Errorf("list incident tasks: %w", err)
	}
	incs := map[string]hikeshi.Incident{inc.ID: inc}
	out := make([]TaskView, 0, len(ts))
	for _, t := range ts {
		v, ok, err := s.view(ctx, s.st, actor, t, incs)
		if err != nil {
			return nil, fmt.Errorf("list incident tasks: %w", err)
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// InboxFilter selects an inbox.
type InboxFilter struct {
	// DepartmentID chooses the department. Members always get their own
	// department's inbox (with the tasks assigned to them); the other roles
	// see every department's when it is empty.
	DepartmentID string
	Statuses     []hikeshi.TaskStatus // empty = open and in progress
	hikeshi.Page                      // After is a hikeshi.TaskCursor
}

// Inbox lists the tasks of a department by due date (overdue and soonest
// first, those without a due date last; see hikeshi.TaskFilter), each with
// the incident context the actor may see.
func (s *Tasks) Inbox(ctx context.Context, actor hikeshi.Actor, f InboxFilter) ([]TaskView, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return nil, fmt.Errorf("task inbox: %w", hikeshi.ErrUnauthenticated)
	}
	var v hikeshi.ValidationError
	for _, st := range f.Statuses {
		if !st.Valid() {
			v.Add("status", "unknown", "status must be open, in_progress, done or cancelled")
			break
		}
	}
	if f.After != "" {
		if _, _, ok := hikeshi.ParseTaskCursor(f.After); !ok {
			v.Add("cursor", "invalid_cursor", "not a cursor of this list")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	tf := hikeshi.TaskFilter{DepartmentID: f.DepartmentID, Statuses: f.Statuses, Page: f.Page}
	if !actor.CanReadAll() && !actor.IsSystem() {
		if f.DepartmentID != "" && f.DepartmentID != actor.DepartmentID {
			return nil, forbid("read another department's inbox")
		}
		tf.DepartmentID, tf.AssigneeID = actor.DepartmentID, actor.UserID
		if tf.DepartmentID == "" {
			tf.DepartmentID = "-" // no department: only what is assigned to the person
		}
	}
	// Tasks the actor may not see (of a RED incident they were not added
	// to) are dropped after the query; the walk goes on until the page is
	// full or the list ends, so a short page always means the last one.
	tf.Page = tf.Page.Normalize()
	incs := map[string]hikeshi.Incident{}
	var out []TaskView
	for {
		ts, err := s.st.FindTasks(ctx, tf)
		if err != nil {
			return nil, fmt.Errorf("task inbox: %w", err)
		}
		for _, t := range ts {
			tv, ok, err := s.view(ctx, s.st, actor, t, incs)
			if err != nil {
				return nil, fmt.Errorf("task inbox: %w", err)
			}
			if ok {
				out = append(out, tv)
			}
			if len(out) == tf.Limit {
				return out, nil
			}
		}
		if len(ts) < tf.Limit {
			return out, nil
		}
		tf.After = hikeshi.TaskCursor(ts[len(ts)-1])
	}
}

// validateTask checks a task's fields against the organisation.
func validateTask(ctx context.Context, r hikeshi.Reader, t hikeshi.Task) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "title", t.Title, hikeshi.MaxTaskTitleLen, true)
	if strings.ContainsAny(t.Title, "\r\n") {
		v.Add("title", "invalid_text", "the title is one line")
	}
	hikeshi.ValidateText(&v, "description", t.Description, hikeshi.MaxTaskTextLen, false)
	hikeshi.ValidateText(&v, "note", t.Note, hikeshi.MaxTaskNoteLen, false)
	if !t.DueAt.IsZero() && (t.DueAt.Year() < 2000 || t.DueAt.Year() > 9999) {
		v.Add("due_at", "out_of_range", "the due date must fall within the years 2000 to 9999")
	}
	if t.DepartmentID == "" {
		v.Add("department_id", "required", "a task is assigned to a department")
	} else if _, err := r.FindDepartmentByID(ctx, t.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
		v.Add("department_id", "unknown", "no such department")
	} else if err != nil {
		return err
	}
	if t.AssigneeID != "" {
		u, err := r.FindUserByID(ctx, t.AssigneeID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add("assignee_id", "unknown", "no such user")
		case err != nil:
			return err
		case !u.Active():
			v.Add("assignee_id", "disabled", "the user is disabled")
		case u.DepartmentID != t.DepartmentID:
			v.Add("assignee_id", "not_in_department", "the person is not a member of the task's department")
		case u.Role == hikeshi.RoleManager || u.Role == hikeshi.RoleAuditor:
			v.Add("assignee_id", "read_only", "managers and auditors read tasks; assign the task to someone who works it")
		}
	}
	return v.Err()
}

// checkClose refuses to close an incident while some of its tasks are still
// open or in progress: a closed incident must not leave work in departments'
// inboxes. The CSIRT completes or cancels them first.
func (s *Tasks) checkClose(ctx context.Context, tx hikeshi.Tx, i hikeshi.Incident) error {
	open, p := 0, hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for {
		ts, err := tx.FindTasksByIncident(ctx, i.ID, p)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Status.Active() {
				open++
			}
		}
		if len(ts) < p.Limit {
			break
		}
		p.After = ts[len(ts)-1].ID
	}
	if open > 0 {
		return &hikeshi.TransitionError{From: i.Phase, To: hikeshi.PhaseClosed, Code: "tasks_open",
			Reason: fmt.Sprintf("%d of its tasks are still open; complete or cancel them first", open)}
	}
	return nil
}

// refuseClosed refuses new work on a closed incident.
func refuseClosed(inc hikeshi.Incident) error {
	if inc.Phase == hikeshi.PhaseClosed {
		return hikeshi.Conflict("incident", "the incident is closed; reopen it to add tasks")
	}
	return nil
}

// Create adds a task to an incident (CSIRT and admins who can see it).
func (s *Tasks) Create(ctx context.Context, actor hikeshi.Actor, incidentID string, in TaskInput) (hikeshi.Task, error) {
	var out hikeshi.Task
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		inc, err := s.incidents().handle(ctx, tx, actor, incidentID, "add a task")
		if err != nil {
			return err
		}
		if err := refuseClosed(inc); err != nil {
			return err
		}
		now := s.clock.Now()
		t := hikeshi.Task{ID: hikeshi.NewID(), IncidentID: inc.ID, Title: strings.TrimSpace(in.Title),
			Description: strings.TrimSpace(in.Description), DepartmentID: in.DepartmentID, AssigneeID: in.AssigneeID,
			DueAt: in.DueAt.UTC(), Status: hikeshi.TaskOpen, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		if in.DueAt.IsZero() {
			t.DueAt = time.Time{}
		}
		if err := validateTask(ctx, tx, t); err != nil {
			return err
		}
		if err := s.createTask(ctx, tx, actor, t); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return hikeshi.Task{}, fmt.Errorf("create task: %w", err)
	}
	return out, nil
}

// createTask stores a checked task with its timeline entry and audit entry.
func (s *Tasks) createTask(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, t hikeshi.Task) error {
	if err := tx.CreateTask(ctx, t); err != nil {
		return err
	}
	if err := s.incidents().event(ctx, tx, actor, t.IncidentID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
		Text: "task: " + t.Title + " → " + string(t.Status)}); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "task.create", "task", t.ID, nil, auditOfTask(t))
}

// Update edits or reassigns a task (CSIRT and admins who can see its incident).
func (s *Tasks) Update(ctx context.Context, actor hikeshi.Actor, id string, p TaskPatch) (hikeshi.Task, error) {
	var out hikeshi.Task
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := s.handleTask(ctx, tx, actor, id, "change a task")
		if err != nil {
			return err
		}
		t := before
		if p.Title != nil {
			t.Title = strings.TrimSpace(*p.Title)
		}
		if p.Description != nil {
			t.Description = strings.TrimSpace(*p.Description)
		}
		if p.DepartmentID != nil {
			t.DepartmentID = *p.DepartmentID
		}
		if p.AssigneeID != nil {
			t.AssigneeID = *p.AssigneeID
		}
		if p.DueAt != nil {
			t.DueAt = time.Time{}
			if !p.DueAt.IsZero() {
				t.DueAt = p.DueAt.UTC()
			}
		}
		// Moving a task to another department drops an assignee who is not
		// in it only when the patch does not name a new one.
		if p.DepartmentID != nil && p.AssigneeID == nil && t.AssigneeID != "" && t.DepartmentID != before.DepartmentID {
			t.AssigneeID = ""
		}
		if err := validateTask(ctx, tx, t); err != nil {
			return err
		}
		if t == before {
			out = t
			return nil
		}
		t.UpdatedAt = s.clock.Now()
		if err := tx.UpdateTask(ctx, t); err != nil {
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, t.IncidentID, hikeshi.IncidentEvent{Kind: hikeshi.EventUpdated,
			Text: "task: " + t.Title}); err != nil {
			return err
		}
		out = t
		return s.audit(ctx, tx, actor, "task.update", "task", t.ID, auditOfTask(before), auditOfTask(t))
	})
	if err != nil {
		return hikeshi.Task{}, fmt.Errorf("update task: %w", err)
	}
	return out, nil
}

// handleTask loads a task for a change by a handler who can see its incident.
func (s *Tasks) handleTask(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Task, error) {
	t, err := tx.FindTaskByID(ctx, id)
	if err != nil {
		return hikeshi.Task{}, err
	}
	inc, err := tx.FindIncidentByID(ctx, t.IncidentID)
	if err != nil {
		return hikeshi.Task{}, err
	}
	_, _, visible, err := taskContext(ctx, tx, actor, t, inc)
	if err != nil {
		return hikeshi.Task{}, err
	}
	if !visible {
		return hikeshi.Task{}, hikeshi.ErrNotFound
	}
	if _, err := s.incidents().handle(ctx, tx, actor, t.IncidentID, what); err != nil {
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.Task{}, forbid(what) // the task is visible, its incident is not
		}
		return hikeshi.Task{}, err
	}
	return t, nil
}

// SetStatus moves a task to another status. Handlers make every move of the
// status table; the task's workers start, put back, complete and reopen a
// completed task. A move the table does not allow is refused with a
// *hikeshi.TaskMoveError giving the reason. The note is the completion note
// when the move is to done; on other moves an empty note keeps the last one.
func (s *Tasks) SetStatus(ctx context.Context, actor hikeshi.Actor, id string, to hikeshi.TaskStatus, note string) (hikeshi.Task, error) {
	note = strings.TrimSpace(note)
	var out hikeshi.Task
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindTaskByID(ctx, id)
		if err != nil {
			return err
		}
		inc, err := tx.FindIncidentByID(ctx, before.IncidentID)
		if err != nil {
			return err
		}
		_, handler, visible, err := taskContext(ctx, tx, actor, before, inc)
		switch {
		case err != nil:
			return err
		case !visible:
			return hikeshi.ErrNotFound
		case !handler && !worksOn(actor, before):
			return forbid("change a task's status")
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "note", note, hikeshi.MaxTaskNoteLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		if err := hikeshi.CheckTaskMove(before.Status, to, handler); err != nil {
			return err
		}
		if inc.Phase == hikeshi.PhaseClosed && to.Active() {
			return hikeshi.Conflict("status", "the incident is closed; reopen the incident before reopening its tasks")
		}
		t := hikeshi.MoveTask(before, to, note, s.clock.Now())
		if err := tx.UpdateTask(ctx, t); err != nil {
			return err
		}
		if err := s.incidents().event(ctx, tx, actor, t.IncidentID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: "task: " + t.Title + " → " + string(to)}); err != nil {
			return err
		}
		out = t
		return s.audit(ctx, tx, actor, "task.status", "task", t.ID,
			map[string]string{"status": string(before.Status), "department_id": t.DepartmentID},
			map[string]string{"status": string(to), "department_id": t.DepartmentID})
	})
	if err != nil {
		return hikeshi.Task{}, fmt.Errorf("change task status: %w", err)
	}
	return out, nil
}

// firstOfKind returns, per kind, the organisation's first department of that
// kind by name.
func firstOfKind(ctx context.Context, r hikeshi.Reader) (map[hikeshi.DepartmentKind]hikeshi.Department, map[string]hikeshi.Department, error) {
	first := map[hikeshi.DepartmentKind]hikeshi.Department{}
	byID := map[string]hikeshi.Department{}
	p := hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for {
		ds, err := r.FindDepartments(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range ds {
			byID[d.ID] = d
			if f, ok := first[d.Kind]; !ok || d.Name < f.Name {
				first[d.Kind] = d
			}
		}
		if len(ds) < p.Limit {
			return first, byID, nil
		}
		p.After = ds[len(ds)-1].ID
	}
}

// DepartmentsByKind lists the organisation's departments of each kind, by
// name, for the forms that choose where a playbook's tasks go.
func (s *Tasks) DepartmentsByKind(ctx context.Context, actor hikeshi.Actor) (map[hikeshi.DepartmentKind][]hikeshi.Department, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return nil, fmt.Errorf("list departments: %w", hikeshi.ErrUnauthenticated)
	}
	_, byID, err := firstOfKind(ctx, s.st)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	out := map[hikeshi.DepartmentKind][]hikeshi.Department{}
	for _, d := range byID {
		out[d.Kind] = append(out[d.Kind], d)
	}
	for k := range out {
		slices.SortFunc(out[k], func(a, b hikeshi.Department) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, nil
}
