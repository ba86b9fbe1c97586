package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["task_status"] = stringsOf(hikeshi.TaskStatuses)
}

// taskRoutes are the operations of tasks assigned to departments, the task inbox and playbooks (IH-5).
func (h *Handler) taskRoutes() []route {
	return []route{
		{method: get, path: "/incidents/{id}/tasks", op: "listIncidentTasks", tag: "tasks", summary: "An incident's tasks, oldest first",
			doc:    "For whoever may see the incident.",
			status: http.StatusOK, resp: []taskJSON{}, handle: h.listIncidentTasks},
		{method: post, path: "/incidents/{id}/tasks", op: "createIncidentTask", tag: "tasks", summary: "Add a task to an incident (CSIRT, admins)",
			doc:  "The task goes to a department and optionally to an active member of it. It starts open; the change is written to the incident's timeline.",
			body: taskCreateJSON{}, status: http.StatusCreated, resp: taskJSON{}, handle: h.createTask},
		{method: get, path: "/tasks", op: "listTasks", tag: "tasks", summary: "A department's task inbox, the soonest due first",
			doc: "Ordered by due date (overdue and soonest first, tasks without a due date last, then oldest first). Members get their own department's tasks and those assigned to them; the CSIRT, admins, managers and auditors every department's, or one with department_id. " +
				"Each task carries its incident's number and TLP label; title, phase and priority too, except for TLP:RED and AMBER+STRICT incidents the caller may not see.",
			params: []param{
				{name: "department_id", typ: "uuid", doc: "Only this department's tasks."},
				{name: "status", typ: "string", enum: "task_status", doc: "Only tasks in this status; default open and in_progress."},
			},
			list: true, status: http.StatusOK, resp: taskJSON{}, handle: h.listTasks},
		{method: get, path: "/tasks/{id}", op: "getTask", tag: "tasks", summary: "One task with the incident context the caller may see",
			status: http.StatusOK, resp: taskJSON{}, handle: h.getTask},
		{method: patch, path: "/tasks/{id}", op: "updateTask", tag: "tasks", summary: "Edit or reassign a task (CSIRT, admins)",
			doc:  "JSON merge-patch (RFC 7396): fields left out stay as they are; null assignee_id unassigns, null due_at removes the due date. Moving a task to another department drops an assignee who is not in it.",
			body: taskPatchJSON{}, status: http.StatusOK, resp: taskJSON{}, handle: h.updateTask},
		{method: post, path: "/tasks/{id}/status", op: "setTaskStatus", tag: "tasks", summary: "Move a task to another status",
			doc: "open → in_progress, done or cancelled; in_progress → open, done or cancelled; done and cancelled → open. " +
				"Members of the task's department and its assignee start, put back, complete (with a note) and reopen completed tasks; cancelling, and reopening a cancelled task, is for the CSIRT and admins. A refused move is a 422 naming the reason.",
			body: taskStatusJSON{}, status: http.StatusOK, resp: taskJSON{}, handle: h.setTaskStatus},

		{method: get, path: "/playbooks", op: "listPlaybooks", tag: "playbooks", summary: "Every playbook: the built-ins, then the organisation's own",
			doc:    "Built-ins come in the caller's saved language (English when none).",
			status: http.StatusOK, resp: []playbookJSON{}, handle: h.listPlaybooks},
		{method: post, path: "/playbooks", op: "createPlaybook", tag: "playbooks", summary: "Write a custom playbook (CSIRT, admins)",
			body: playbookInputJSON{}, status: http.StatusCreated, resp: playbookJSON{}, handle: h.createPlaybook},
		{method: get, path: "/playbooks/{key}", op: "getPlaybook", tag: "playbooks", summary: "One playbook",
			status: http.StatusOK, resp: playbookJSON{}, handle: h.getPlaybook},
		{method: patch, path: "/playbooks/{key}", op: "updatePlaybook", tag: "playbooks", summary: "Change a playbook (CSIRT, admins)",
			doc:  "JSON merge-patch: disabled switches any playbook off or on; name, description, categories and tasks change custom playbooks only (tasks replaces the whole list). Built-ins cannot be edited: copy one instead.",
			body: playbookPatchJSON{}, status: http.StatusOK, resp: playbookJSON{}, handle: h.updatePlaybook},
		{method: post, path: "/playbooks/{key}/copy", op: "copyPlaybook", tag: "playbooks", summary: "Copy a playbook into a new custom one (CSIRT, admins)",
			doc:    "A built-in is copied in the caller's saved language.",
			status: http.StatusCreated, resp: playbookJSON{}, handle: h.copyPlaybook},
		{method: get, path: "/incidents/{id}/playbooks", op: "suggestPlaybooks", tag: "playbooks", summary: "The enabled playbooks that suit the incident's category",
			status: http.StatusOK, resp: []playbookJSON{}, handle: h.suggestPlaybooks},
		{method: post, path: "/incidents/{id}/playbooks/{key}/apply", op: "applyPlaybook", tag: "playbooks", summary: "Create a playbook's tasks on an incident (CSIRT, admins)",
			doc: "All tasks are created in one transaction, due the template's hours from now. Each goes to the department given for its kind, else to the organisation's first department of that kind by name; " +
				"when the organisation has none, nothing is created and the 422 names the kind (field departments.<kind>, code no_department). A built-in's tasks are written in locale, default the caller's saved language.",
			body: playbookApplyJSON{}, optionalBody: true, status: http.StatusCreated, resp: []taskJSON{}, handle: h.applyPlaybook},
	}
}

// taskIncidentJSON is what the caller may know of a task's incident.
type taskIncidentJSON struct {
	ID       string  `json:"id" format:"uuid"`
	Number   string  `json:"number"`
	TLP      string  `json:"tlp" enum:"tlp"`
	Limited  bool    `json:"limited" doc:"True when title, phase and priority are withheld: a TLP:RED or AMBER+STRICT incident the caller may not see."`
	Title    *string `json:"title"`
	Phase    *string `json:"phase" enum:"phase"`
	Priority *int    `json:"priority"`
	CanOpen  bool    `json:"can_open" doc:"Whether the caller may read the incident itself."`
}

// taskJSON is a task with its incident context.
type taskJSON struct {
	ID             string           `json:"id" format:"uuid"`
	Incident       taskIncidentJSON `json:"incident"`
	Title          string           `json:"title"`
	Description    string           `json:"description" doc:"Plain text; never HTML."`
	DepartmentID   string           `json:"department_id" format:"uuid"`
	DepartmentName string           `json:"department_name"`
	AssigneeID     *string          `json:"assignee_id" format:"uuid"`
	AssigneeName   *string          `json:"assignee_name"`
	DueAt          *time.Time       `json:"due_at"`
	Overdue        bool             `json:"overdue" doc:"Still open or in progress after its due date, at the time of the request."`
	Status         string           `json:"status" enum:"task_status"`
	Note           string           `json:"note" doc:"The completion note."`
	PlaybookKey    *string          `json:"playbook_key" doc:"The playbook the task came from; null when added by hand."`
	CreatedBy      *string          `json:"created_by" format:"uuid"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	CompletedAt    *time.Time       `json:"completed_at" doc:"Set by the workflow when the task is done; cleared by a reopen."`
	Allowed        []string         `json:"allowed" doc:"The statuses the caller may move the task to now."`
	CanEdit        bool             `json:"can_edit" doc:"Whether the caller may edit, reassign and cancel the task."`
}

func toTask(v service.TaskView, now time.Time) taskJSON {
	t, c := v.Task, v.Context
	out := taskJSON{ID: t.ID, Title: t.Title, Description: t.Description, DepartmentID: t.DepartmentID, DepartmentName: v.DepartmentName,
		AssigneeID: strPtr(t.AssigneeID), AssigneeName: strPtr(v.AssigneeName), DueAt: timePtr(t.DueAt), Overdue: t.Overdue(now),
		Status: string(t.Status), Note: t.Note, PlaybookKey: strPtr(t.PlaybookKey), CreatedBy: strPtr(t.CreatedBy),
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), CompletedAt: timePtr(t.CompletedAt), Allowed: stringsOf(v.Allowed),
		CanEdit:  v.CanHandle,
		Incident: taskIncidentJSON{ID: c.IncidentID, Number: c.Number, TLP: string(c.TLP), Limited: c.Limited, CanOpen: c.CanOpen}}
	if !c.Limited {
		p := int(c.Priority)
		out.Incident.Title, out.Incident.Phase, out.Incident.Priority = strPtr(c.Title), strPtr(string(c.Phase)), &p
	}
	return out
}

// taskCreateJSON adds a task to an incident.
type taskCreateJSON struct {
	Title        string `json:"title" doc:"One line, at most 200 characters."`
	Description  string `json:"description,omitempty" doc:"At most 5000 characters."`
	DepartmentID string `json:"department_id" format:"uuid"`
	AssigneeID   string `json:"assignee_id,omitempty" format:"uuid" doc:"An active member of the department."`
	DueAt        string `json:"due_at,omitempty" format:"date-time" doc:"RFC 3339, e.g. 2026-05-01T17:00:00+09:00."`
}

// taskPatchJSON changes a task (JSON merge-patch).
type taskPatchJSON struct {
	Title        optional[string] `json:"title"`
	Description  optional[string] `json:"description"`
	DepartmentID optional[string] `json:"department_id" format:"uuid"`
	AssigneeID   optional[string] `json:"assignee_id" format:"uuid" nullable:"true" doc:"null unassigns."`
	DueAt        optional[string] `json:"due_at" format:"date-time" nullable:"true" doc:"RFC 3339; null removes the due date."`
}

// taskStatusJSON moves a task.
type taskStatusJSON struct {
	Status string `json:"status" enum:"task_status"`
	Note   string `json:"note,omitempty" doc:"The completion note when the status is done (at most 1000 characters)."`
}

// parseDue reads an RFC 3339 due date, naming the field when it is not one.
func parseDue(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, hikeshi.Invalid("due_at", "invalid_date", "due_at must be an RFC 3339 date-time such as 2026-05-01T17:00:00+09:00.")
	}
	return t, nil
}

func (h *Handler) listIncidentTasks(c *call) error {
	vs, err := h.svc.Tasks.ForIncident(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]taskJSON, len(vs))
	for i, v := range vs {
		out[i] = toTask(v, now)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) createTask(c *call) error {
	var in taskCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	due, err := parseDue(in.DueAt)
	if err != nil {
		return err
	}
	t, err := h.svc.Tasks.Create(c.ctx(), c.actor, c.r.PathValue("id"), service.TaskInput{Title: in.Title, Description: in.Description,
		DepartmentID: in.DepartmentID, AssigneeID: in.AssigneeID, DueAt: due})
	if err != nil {
		return err
	}
	v, err := h.svc.Tasks.Get(c.ctx(), c.actor, t.ID)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/tasks/"+t.ID, toTask(v, time.Now()))
}

func (h *Handler) listTasks(c *call) error {
	p, err := c.page("tasks", func(s string) bool { _, _, ok := hikeshi.ParseTaskCursor(s); return ok })
	if err != nil {
		return err
	}
	f := service.InboxFilter{DepartmentID: c.param("department_id")}
	if f.DepartmentID != "" && !validID(f.DepartmentID) {
		return fieldError("department_id", "invalid", "department_id must be a UUID.")
	}
	if s := hikeshi.TaskStatus(c.param("status")); s != "" {
		if !s.Valid() {
			return fieldError("status", "unknown", "status must be one of open, in_progress, done, cancelled.")
		}
		f.Statuses = []hikeshi.TaskStatus{s}
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.TaskView, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Tasks.Inbox(c.ctx(), c.actor, f)
	}, func(v service.TaskView) string { return hikeshi.TaskCursor(v.Task) })
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]taskJSON, len(items))
	for i, v := range items {
		out[i] = toTask(v, now)
	}
	return writePage(c, "tasks", out, next)
}

func (h *Handler) getTask(c *call) error {
	v, err := h.svc.Tasks.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toTask(v, time.Now()))
}

func (h *Handler) updateTask(c *call) error {
	var in taskPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.TaskPatch
	var v hikeshi.ValidationError
	str := func(name string, o optional[string], dst **string) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			*dst = &o.Value
		}
	}
	str("title", in.Title, &p.Title)
	str("description", in.Description, &p.Description)
	str("department_id", in.DepartmentID, &p.DepartmentID)
	if in.AssigneeID.Set {
		a := in.AssigneeID.Value // null unassigns: the zero value
		p.AssigneeID = &a
	}
	if in.DueAt.Set {
		due, err := parseDue(in.DueAt.Value)
		if err != nil {
			return err
		}
		p.DueAt = &due
	}
	if err := v.Err(); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	if _, err := h.svc.Tasks.Update(c.ctx(), c.actor, id, p); err != nil {
		return err
	}
	return h.getTask(c)
}

func (h *Handler) setTaskStatus(c *call) error {
	var in taskStatusJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	_, err := h.svc.Tasks.SetStatus(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.TaskStatus(in.Status), in.Note)
	var te *hikeshi.TaskMoveError
	if errors.As(err, &te) {
		return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "status", Code: te.Code, Message: te.Reason}}}
	}
	if err != nil {
		return err
	}
	return h.getTask(c)
}

// playbookTaskJSON is one task template of a playbook.
type playbookTaskJSON struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind" enum:"department_kind" doc:"The kind of department the task goes to."`
	DueHours    int    `json:"due_hours,omitempty" doc:"Due this many hours after the playbook is applied (0 to 8784); 0 or absent: no due date."`
}

// playbookJSON is a playbook.
type playbookJSON struct {
	Key         string             `json:"key" doc:"Built-ins: a fixed word such as phishing; custom playbooks: their id."`
	BuiltIn     bool               `json:"builtin" doc:"Shipped with Hikeshi in English and Japanese; can be switched off and copied, not edited."`
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Categories  []string           `json:"categories" doc:"RSIT class or type keys the playbook suits."`
	Tasks       []playbookTaskJSON `json:"tasks"`
	Disabled    bool               `json:"disabled" doc:"Switched off: neither suggested nor applied."`
	UpdatedAt   *time.Time         `json:"updated_at"`
}

func toPlaybook(p hikeshi.Playbook) playbookJSON {
	out := playbookJSON{Key: p.Key, BuiltIn: p.BuiltIn, Name: p.Name, Description: p.Description, Categories: p.Categories,
		Tasks: []playbookTaskJSON{}, Disabled: p.Disabled(), UpdatedAt: timePtr(p.UpdatedAt)}
	if out.Categories == nil {
		out.Categories = []string{}
	}
	for _, t := range p.Tasks {
		out.Tasks = append(out.Tasks, playbookTaskJSON{Title: t.Title, Description: t.Description, Kind: string(t.Kind), DueHours: t.DueHours})
	}
	return out
}

// playbookInputJSON writes a custom playbook.
type playbookInputJSON struct {
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Categories  []string           `json:"categories" doc:"At least one RSIT class or type key."`
	Tasks       []playbookTaskJSON `json:"tasks" doc:"1 to 20 task templates."`
}

// playbookPatchJSON changes a playbook (JSON merge-patch).
type playbookPatchJSON struct {
	Disabled    optional[bool]               `json:"disabled"`
	Name        optional[string]             `json:"name"`
	Description optional[string]             `json:"description"`
	Categories  optional[[]string]           `json:"categories"`
	Tasks       optional[[]playbookTaskJSON] `json:"tasks"`
}

// playbookApplyJSON chooses where a playbook's tasks go.
type playbookApplyJSON struct {
	Departments *departmentChoiceJSON `json:"departments,omitempty" doc:"A department per kind; kinds left out get the first department of the kind by name."`
	Locale      string                `json:"locale,omitempty" enum:"locale" doc:"The language of a built-in's tasks; default your saved language, else English."`
}

// departmentChoiceJSON names a department per department kind.
type departmentChoiceJSON struct {
	Management   string `json:"management,omitempty" format:"uuid"`
	IT           string `json:"it,omitempty" format:"uuid"`
	CSIRT        string `json:"csirt,omitempty" format:"uuid"`
	BusinessUnit string `json:"business_unit,omitempty" format:"uuid"`
}

func playbookInput(name, desc string, cats []string, tasks []playbookTaskJSON) service.PlaybookInput {
	in := service.PlaybookInput{Name: name, Description: desc, Categories: cats}
	for _, t := range tasks {
		in.Tasks = append(in.Tasks, hikeshi.PlaybookTask{Title: t.Title, Description: t.Description, Kind: hikeshi.DepartmentKind(t.Kind), DueHours: t.DueHours})
	}
	return in
}

// locale is the caller's saved language, English when none.
func (h *Handler) locale(c *call) hikeshi.Locale {
	if u, err := h.svc.Users.Get(c.ctx(), c.actor, c.actor.UserID); err == nil && u.Locale != "" {
		return u.Locale
	}
	return hikeshi.LocaleEN
}

func (h *Handler) listPlaybooks(c *call) error {
	ps, err := h.svc.Tasks.Playbooks(c.ctx(), c.actor, h.locale(c))
	if err != nil {
		return err
	}
	out := make([]playbookJSON, len(ps))
	for i, p := range ps {
		out[i] = toPlaybook(p)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getPlaybook(c *call) error {
	p, err := h.svc.Tasks.Playbook(c.ctx(), c.actor, c.r.PathValue("key"), h.locale(c))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toPlaybook(p))
}

func (h *Handler) createPlaybook(c *call) error {
	var in playbookInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	p, err := h.svc.Tasks.CreatePlaybook(c.ctx(), c.actor, playbookInput(in.Name, in.Description, in.Categories, in.Tasks))
	if err != nil {
		return err
	}
	return c.created(Prefix+"/playbooks/"+p.Key, toPlaybook(p))
}

func (h *Handler) updatePlaybook(c *call) error {
	var in playbookPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	key := c.r.PathValue("key")
	for name, o := range map[string]bool{"disabled": in.Disabled.Null, "name": in.Name.Null, "description": in.Description.Null,
		"categories": in.Categories.Null, "tasks": in.Tasks.Null} {
		if o {
			return fieldError(name, "required", name+" cannot be null.")
		}
	}
	if in.Name.Set || in.Description.Set || in.Categories.Set || in.Tasks.Set {
		cur, err := h.svc.Tasks.Playbook(c.ctx(), c.actor, key, h.locale(c))
		if err != nil {
			return err
		}
		cp := toPlaybook(cur)
		if in.Name.Set {
			cp.Name = in.Name.Value
		}
		if in.Description.Set {
			cp.Description = in.Description.Value
		}
		if in.Categories.Set {
			cp.Categories = in.Categories.Value
		}
		if in.Tasks.Set {
			cp.Tasks = in.Tasks.Value
		}
		if _, err := h.svc.Tasks.UpdatePlaybook(c.ctx(), c.actor, key, playbookInput(cp.Name, cp.Description, cp.Categories, cp.Tasks)); err != nil {
			return err
		}
	}
	if in.Disabled.Set {
		if _, err := h.svc.Tasks.SetPlaybookDisabled(c.ctx(), c.actor, key, in.Disabled.Value); err != nil {
			return err
		}
	}
	return h.getPlaybook(c)
}

func (h *Handler) copyPlaybook(c *call) error {
	p, err := h.svc.Tasks.CopyPlaybook(c.ctx(), c.actor, c.r.PathValue("key"), h.locale(c))
	if err != nil {
		return err
	}
	return c.created(Prefix+"/playbooks/"+p.Key, toPlaybook(p))
}

func (h *Handler) suggestPlaybooks(c *call) error {
	ps, err := h.svc.Tasks.SuggestPlaybooks(c.ctx(), c.actor, c.r.PathValue("id"), h.locale(c))
	if err != nil {
		return err
	}
	out := make([]playbookJSON, len(ps))
	for i, p := range ps {
		out[i] = toPlaybook(p)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) applyPlaybook(c *call) error {
	var in playbookApplyJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	l := hikeshi.Locale(in.Locale)
	switch {
	case l == "":
		l = h.locale(c)
	case l != hikeshi.LocaleEN && l != hikeshi.LocaleJA:
		return hikeshi.Invalid("locale", "unknown", "locale must be en or ja.")
	}
	choice := map[hikeshi.DepartmentKind]string{}
	if d := in.Departments; d != nil {
		for k, id := range map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: d.Management, hikeshi.KindIT: d.IT,
			hikeshi.KindCSIRT: d.CSIRT, hikeshi.KindBusinessUnit: d.BusinessUnit} {
			if id = strings.TrimSpace(id); id != "" {
				choice[k] = id
			}
		}
	}
	id := c.r.PathValue("id")
	ts, err := h.svc.Tasks.ApplyPlaybook(c.ctx(), c.actor, id, c.r.PathValue("key"), l, choice)
	if err != nil {
		return err
	}
	vs, err := h.svc.Tasks.ForIncident(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	made := map[string]bool{}
	for _, t := range ts {
		made[t.ID] = true
	}
	now := time.Now()
	out := []taskJSON{}
	for _, v := range vs {
		if made[v.Task.ID] {
			out = append(out, toTask(v, now))
		}
	}
	c.w.Header().Set("Location", Prefix+"/incidents/"+id+"/tasks")
	return c.json(http.StatusCreated, out)
}
