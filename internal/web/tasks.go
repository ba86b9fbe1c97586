package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of tasks assigned to departments, the department task inbox and playbooks (IH-5).

const (
	taskPageSize = 50
	// taskDueLayout is the value of an <input type="datetime-local">; a bare
	// date (2026-05-01) means the end of that working day, 18:00.
	taskDueLayout = "2006-01-02T15:04"
	// playbookBlankRows is how many empty task rows the playbook form offers.
	playbookBlankRows = 3
)

// registerTasks mounts the area's pages.
func (h *Handler) registerTasks(handle handleFunc) {
	handle("GET /tasks", signedIn, h.taskInbox)
	handle("GET /tasks/{id}", signedIn, h.taskShow)
	handle("POST /tasks/{id}", signedIn, h.taskUpdate)
	handle("POST /tasks/{id}/status", signedIn, h.taskStatus)
	handle("POST /incidents/{id}/tasks", signedIn, h.incidentTaskCreate)
	handle("POST /incidents/{id}/playbooks/{key}/apply", signedIn, h.incidentPlaybookApply)

	handle("GET /playbooks", signedIn, h.playbookList)
	handle("GET /playbooks/new", signedIn, h.playbookNew)
	handle("POST /playbooks", signedIn, h.playbookCreate)
	handle("GET /playbooks/{key}", signedIn, h.playbookShow)
	handle("POST /playbooks/{key}", signedIn, h.playbookUpdate)
	handle("POST /playbooks/{key}/disable", signedIn, h.playbookSwitch(true))
	handle("POST /playbooks/{key}/enable", signedIn, h.playbookSwitch(false))
	handle("POST /playbooks/{key}/copy", signedIn, h.playbookCopy)
}

// TaskStatusName is the localised name of a task status.
func (p *page) TaskStatusName(s hikeshi.TaskStatus) string { return p.T("tasks.status." + string(s)) }

// TaskMove is the label of the button that moves a task from one status to another.
func (p *page) TaskMove(from, to hikeshi.TaskStatus) string {
	switch {
	case to == hikeshi.TaskOpen && from == hikeshi.TaskInProgress:
		return p.T("tasks.move.stop")
	case to == hikeshi.TaskOpen:
		return p.T("tasks.move.reopen")
	}
	return p.T("tasks.move." + string(to))
}

// TaskKindName is the localised name of a department kind (the incident
// page's view has a field named Kind, which hides page.Kind there).
func (p *page) TaskKindName(k hikeshi.DepartmentKind) string { return p.Kind(k) }

// TaskDue formats a due date, a dash when there is none.
func (p *page) TaskDue(t hikeshi.Task) string { return p.Time(t.DueAt) }

// taskForm is the add/edit form of a task as typed.
type taskForm struct {
	Title, Description, DepartmentID, AssigneeID, Due string
}

// personGroup is the people of one department, for the assignee choice.
type personGroup struct {
	Department hikeshi.Department
	People     []hikeshi.User
}

// incidentTasksSection is what the incident page shows of the area.
type incidentTasksSection struct {
	Tasks       []service.TaskView
	CanHandle   bool
	Departments []hikeshi.Department
	People      []personGroup
	ByKind      map[hikeshi.DepartmentKind][]hikeshi.Department
	Suggested   []hikeshi.Playbook
	In          taskForm
	Now         time.Time
	Closed      bool // the incident is closed: no new tasks until it is reopened
}

// KindDepartments are the departments of kind k, for a playbook's apply form.
func (s incidentTasksSection) KindDepartments(k hikeshi.DepartmentKind) []hikeshi.Department {
	return s.ByKind[k]
}

// loadIncidentTasks fills the area's section of the incident page.
func (h *Handler) loadIncidentTasks(r *http.Request, v *incidentView) error {
	a := h.stateOf(r).actor()
	ts, err := h.svc.Tasks.ForIncident(r.Context(), a, v.D.Incident.ID)
	if err != nil {
		return err
	}
	s := &v.Tasks
	s.Tasks, s.CanHandle, s.Now = ts, v.D.CanHandle, h.clock.Now()
	s.Closed = v.D.Incident.Phase == hikeshi.PhaseClosed
	if !s.CanHandle || s.Closed {
		return nil // a closed incident takes no new tasks: the forms are not offered
	}
	if s.Departments, s.People, err = h.taskChoices(r); err != nil {
		return err
	}
	if s.ByKind, err = h.svc.Tasks.DepartmentsByKind(r.Context(), a); err != nil {
		return err
	}
	s.Suggested, err = h.svc.Tasks.SuggestPlaybooks(r.Context(), a, v.D.Incident.ID, h.stateOf(r).lang)
	return err
}

// taskChoices lists the departments and their active people for the task forms.
func (h *Handler) taskChoices(r *http.Request) ([]hikeshi.Department, []personGroup, error) {
	a := h.stateOf(r).actor()
	ds, err := h.svc.Departments.List(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(ds, func(x, y hikeshi.Department) int { return strings.Compare(x.Name, y.Name) })
	us, err := h.svc.Users.List(r.Context(), a, hikeshi.UserFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil {
		return nil, nil, err
	}
	var groups []personGroup
	for _, d := range ds {
		g := personGroup{Department: d}
		for _, u := range us {
			if u.DepartmentID == d.ID && u.Active() {
				g.People = append(g.People, u)
			}
		}
		if len(g.People) > 0 {
			groups = append(groups, g)
		}
	}
	return ds, groups, nil
}

// parseTaskDue reads a due date typed in a form, in the UI's time zone.
func (h *Handler) parseTaskDue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{taskDueLayout, taskDueLayout + ":05"} {
		if t, err := time.ParseInLocation(layout, s, h.loc); err == nil {
			return t, nil
		}
	}
	if d, err := time.ParseInLocation("2006-01-02", s, h.loc); err == nil {
		return d.Add(18 * time.Hour), nil
	}
	return time.Time{}, hikeshi.Invalid("due_at", "invalid_date", "not a date and time like 2026-05-01T17:00")
}

// taskErrors localises a validation error, with this area's own codes.
func (h *Handler) taskErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		key := "tasks.field." + f.Code
		if !h.tr.Has(p.Lang, key) {
			continue
		}
		if kind, isKind := strings.CutPrefix(f.Field, "departments."); isKind {
			msgs[f.Field] = p.T(key, p.Kind(hikeshi.DepartmentKind(kind)))
		} else {
			msgs[f.Field] = p.T(key)
		}
	}
	return msgs, true
}

func (h *Handler) incidentTaskCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := taskForm{Title: formValue(r, "title"), Description: formValue(r, "description"), DepartmentID: formValue(r, "department_id"),
		AssigneeID: formValue(r, "assignee_id"), Due: formValue(r, "due_at")}
	due, err := h.parseTaskDue(in.Due)
	if err == nil {
		_, err = h.svc.Tasks.Create(r.Context(), h.stateOf(r).actor(), id, service.TaskInput{Title: in.Title, Description: in.Description,
			DepartmentID: in.DepartmentID, AssigneeID: in.AssigneeID, DueAt: due})
	}
	if closedIncident(err) {
		// Sent from a page opened before the incident was closed.
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Alert = v.T("tasks.closed_hint")
		})
	}
	if msgs, ok := h.taskErrors(r, err); ok {
		// The incident page has other forms with fields named title and
		// description: this form's errors carry a prefix.
		for k, m := range msgs {
			delete(msgs, k)
			msgs["task_"+k] = m
		}
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Tasks.In, v.Errors, v.Alert = in, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#tasks")
}

func (h *Handler) incidentPlaybookApply(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, key := r.PathValue("id"), r.PathValue("key")
	choice := map[hikeshi.DepartmentKind]string{}
	for _, k := range hikeshi.DepartmentKinds {
		if d := trimmed(r, "dept_"+string(k)); d != "" {
			choice[k] = d
		}
	}
	_, err := h.svc.Tasks.ApplyPlaybook(r.Context(), h.stateOf(r).actor(), id, key, h.stateOf(r).lang, choice)
	if closedIncident(err) {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Alert = v.T("tasks.closed_hint")
		})
	}
	if msgs, ok := h.taskErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			var lines []string
			for _, f := range sortedKeys(msgs) {
				lines = append(lines, msgs[f])
			}
			v.Errors, v.Alert = msgs, v.T("tasks.apply_refused", strings.Join(lines, " "))
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#tasks")
}

// closedIncident reports whether err is the service's refusal of new tasks
// on a closed incident.
func closedIncident(err error) bool {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) || !ve.Conflict {
		return false
	}
	for _, f := range ve.Fields {
		if f.Field == "incident" {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// taskInboxView is a department's inbox.
type taskInboxView struct {
	page
	Tasks        []service.TaskView
	CanFilter    bool // may choose any department
	Departments  []hikeshi.Department
	DepartmentID string
	Status       string
	Statuses     []hikeshi.TaskStatus
	NextURL      string
	FirstURL     string
	Now          time.Time
}

func (h *Handler) taskInbox(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	v := &taskInboxView{CanFilter: a.CanReadAll(), DepartmentID: q.Get("department"), Status: q.Get("status"),
		Statuses: hikeshi.TaskStatuses, Now: h.clock.Now()}
	v.Active = "tasks"
	h.fill(r, &v.page)
	v.Title = v.T("tasks.inbox.title")
	if !v.CanFilter {
		v.DepartmentID = ""
	}
	f := service.InboxFilter{DepartmentID: v.DepartmentID, Page: hikeshi.Page{Limit: taskPageSize + 1}}
	if v.Status != "" {
		f.Statuses = []hikeshi.TaskStatus{hikeshi.TaskStatus(v.Status)}
	}
	if after := q.Get("after"); after != "" {
		if _, _, ok := hikeshi.ParseTaskCursor(after); ok {
			f.After = after
		}
	}
	list, err := h.svc.Tasks.Inbox(r.Context(), a, f)
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return userError(http.StatusBadRequest, "error.bad_request", err)
	}
	if err != nil {
		return err
	}
	keep := url.Values{}
	if v.DepartmentID != "" {
		keep.Set("department", v.DepartmentID)
	}
	if v.Status != "" {
		keep.Set("status", v.Status)
	}
	if len(list) > taskPageSize {
		list = list[:taskPageSize]
		next := url.Values{"after": {hikeshi.TaskCursor(list[len(list)-1].Task)}}
		for k, vs := range keep {
			next[k] = vs
		}
		v.NextURL = "/tasks?" + next.Encode()
	}
	if f.After != "" {
		v.FirstURL = "/tasks"
		if len(keep) > 0 {
			v.FirstURL += "?" + keep.Encode()
		}
	}
	v.Tasks = list
	if v.CanFilter {
		if v.Departments, err = h.svc.Departments.List(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
			return err
		}
		slices.SortFunc(v.Departments, func(x, y hikeshi.Department) int { return strings.Compare(x.Name, y.Name) })
	}
	return h.render(w, r, http.StatusOK, "tasks_inbox", v)
}

// taskPageView is one task with its limited incident context.
type taskPageView struct {
	page
	V           service.TaskView
	Departments []hikeshi.Department
	People      []personGroup
	In          taskForm
	Note        string
	Now         time.Time
}

func (h *Handler) renderTask(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *taskPageView)) error {
	a := h.stateOf(r).actor()
	tv, err := h.svc.Tasks.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	t := tv.Task
	v := &taskPageView{V: tv, Now: h.clock.Now(), In: taskForm{Title: t.Title, Description: t.Description, DepartmentID: t.DepartmentID,
		AssigneeID: t.AssigneeID}}
	if !t.DueAt.IsZero() {
		v.In.Due = t.DueAt.In(h.loc).Format(taskDueLayout)
	}
	if tv.CanHandle {
		if v.Departments, v.People, err = h.taskChoices(r); err != nil {
			return err
		}
	}
	v.Active = "tasks"
	h.fill(r, &v.page)
	v.Title = t.Title
	if m := r.URL.Query().Get("m"); m != "" && h.tr.Has(v.Lang, "tasks.notice."+m) {
		v.Notice = v.T("tasks.notice." + m)
	}
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "tasks_task", v)
}

func (h *Handler) taskShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderTask(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handler) taskStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, to, note := r.PathValue("id"), hikeshi.TaskStatus(formValue(r, "status")), formValue(r, "note")
	t, err := h.svc.Tasks.SetStatus(r.Context(), h.stateOf(r).actor(), id, to, note)
	back := func() string {
		if formValue(r, "from") == "incident" && t.IncidentID != "" {
			return "/incidents/" + url.PathEscape(t.IncidentID) + "?m=saved#task-" + t.ID
		}
		return "/tasks/" + url.PathEscape(id) + "?m=" + string(to)
	}
	var te *hikeshi.TaskMoveError
	if errors.As(err, &te) {
		return h.renderTask(w, r, http.StatusUnprocessableEntity, id, func(v *taskPageView) {
			v.Note, v.Alert = note, v.T("tasks.refused."+te.Code)
		})
	}
	if msgs, ok := h.taskErrors(r, err); ok {
		return h.renderTask(w, r, statusOf(err), id, func(v *taskPageView) {
			v.Note, v.Errors, v.Alert = note, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, back())
}

func (h *Handler) taskUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := taskForm{Title: formValue(r, "title"), Description: formValue(r, "description"), DepartmentID: formValue(r, "department_id"),
		AssigneeID: formValue(r, "assignee_id"), Due: formValue(r, "due_at")}
	due, err := h.parseTaskDue(in.Due)
	if err == nil {
		_, err = h.svc.Tasks.Update(r.Context(), h.stateOf(r).actor(), id, service.TaskPatch{Title: &in.Title, Description: &in.Description,
			DepartmentID: &in.DepartmentID, AssigneeID: &in.AssigneeID, DueAt: &due})
	}
	if msgs, ok := h.taskErrors(r, err); ok {
		return h.renderTask(w, r, statusOf(err), id, func(v *taskPageView) {
			v.In, v.Errors, v.Alert = in, msgs, v.T("incident.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/tasks/"+url.PathEscape(id)+"?m=saved")
}

// playbookListView is the playbooks settings page.
type playbookListView struct {
	page
	Playbooks []hikeshi.Playbook
	CanEdit   bool
}

func (h *Handler) playbookList(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	ps, err := h.svc.Tasks.Playbooks(r.Context(), st.actor(), st.lang)
	if err != nil {
		return err
	}
	v := &playbookListView{Playbooks: ps, CanEdit: st.actor().CanHandleIncidents()}
	v.Active = "tasks"
	h.fill(r, &v.page)
	v.Title = v.T("tasks.playbooks.title")
	if m := r.URL.Query().Get("m"); m != "" && h.tr.Has(v.Lang, "tasks.notice."+m) {
		v.Notice = v.T("tasks.notice." + m)
	}
	return h.render(w, r, http.StatusOK, "playbooks", v)
}

// playbookRow is one task row of the playbook form.
type playbookRow struct {
	Index, Number          int // Number counts from 1 for people
	Title, Description     string
	Kind                   string
	Hours                  string
	TitleErr, KindErr      string
	DescriptionErr, DueErr string
}

// playbookPageView shows a playbook and, for editors, its form.
type playbookPageView struct {
	page
	P          hikeshi.Playbook
	New        bool
	CanEdit    bool // may switch, copy, and edit custom ones
	Name       string
	Desc       string
	Categories []string
	Rows       []playbookRow
	RSIT       []hikeshi.RSITClass
	Kinds      []hikeshi.DepartmentKind
}

// HasCategory reports whether the form has category key chosen.
func (v *playbookPageView) HasCategory(key string) bool { return slices.Contains(v.Categories, key) }

// Hours formats a due offset.
func (p *page) PlaybookHours(h int) string {
	if h == 0 {
		return "—"
	}
	return p.T("tasks.playbook.hours", h)
}

func (h *Handler) newPlaybookView(r *http.Request, p hikeshi.Playbook, isNew bool) *playbookPageView {
	v := &playbookPageView{P: p, New: isNew, CanEdit: h.stateOf(r).actor().CanHandleIncidents(), Name: p.Name, Desc: p.Description,
		Categories: p.Categories, RSIT: hikeshi.RSIT, Kinds: hikeshi.DepartmentKinds}
	for i, t := range p.Tasks {
		v.Rows = append(v.Rows, playbookRow{Index: i, Number: i + 1, Title: t.Title, Description: t.Description, Kind: string(t.Kind), Hours: strconv.Itoa(t.DueHours)})
	}
	v.addBlankRows()
	v.Active = "tasks"
	return v
}

func (v *playbookPageView) addBlankRows() {
	for n := 0; n < playbookBlankRows && len(v.Rows) < hikeshi.MaxPlaybookTasks; n++ {
		v.Rows = append(v.Rows, playbookRow{Index: len(v.Rows), Number: len(v.Rows) + 1, Kind: string(hikeshi.KindIT)})
	}
}

func (h *Handler) renderPlaybook(w http.ResponseWriter, r *http.Request, status int, v *playbookPageView) error {
	h.fill(r, &v.page)
	if v.New {
		v.Title = v.T("tasks.playbooks.new")
	} else {
		v.Title = v.P.Name
	}
	if m := r.URL.Query().Get("m"); m != "" && v.Notice == "" && h.tr.Has(v.Lang, "tasks.notice."+m) {
		v.Notice = v.T("tasks.notice." + m)
	}
	return h.render(w, r, status, "playbook", v)
}

func (h *Handler) playbookShow(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	p, err := h.svc.Tasks.Playbook(r.Context(), st.actor(), r.PathValue("key"), st.lang)
	if err != nil {
		return err
	}
	return h.renderPlaybook(w, r, http.StatusOK, h.newPlaybookView(r, p, false))
}

func (h *Handler) playbookNew(w http.ResponseWriter, r *http.Request) error {
	if !h.stateOf(r).actor().CanHandleIncidents() {
		return userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	return h.renderPlaybook(w, r, http.StatusOK, h.newPlaybookView(r, hikeshi.Playbook{}, true))
}

// playbookForm reads the playbook form: rows with an empty title are left out.
func playbookForm(r *http.Request) (service.PlaybookInput, []playbookRow) {
	in := service.PlaybookInput{Name: formValue(r, "name"), Description: formValue(r, "description"), Categories: r.PostForm["categories"]}
	var rows []playbookRow
	for i := 0; i < hikeshi.MaxPlaybookTasks+playbookBlankRows; i++ {
		n := strconv.Itoa(i)
		row := playbookRow{Title: formValue(r, "task_title_"+n), Description: formValue(r, "task_description_"+n),
			Kind: formValue(r, "task_kind_"+n), Hours: strings.TrimSpace(formValue(r, "task_hours_"+n))}
		if strings.TrimSpace(row.Title) == "" && strings.TrimSpace(row.Description) == "" {
			continue
		}
		hours := 0
		if row.Hours != "" {
			var err error
			if hours, err = strconv.Atoi(row.Hours); err != nil {
				hours = -1 // refused by validation as out of range
			}
		}
		row.Index, row.Number = len(rows), len(rows)+1
		rows = append(rows, row)
		in.Tasks = append(in.Tasks, hikeshi.PlaybookTask{Title: row.Title, Description: row.Description,
			Kind: hikeshi.DepartmentKind(row.Kind), DueHours: hours})
	}
	return in, rows
}

func (h *Handler) playbookFormError(w http.ResponseWriter, r *http.Request, err error, v *playbookPageView, in service.PlaybookInput, rows []playbookRow) error {
	msgs, ok := h.taskErrors(r, err)
	if !ok {
		return err
	}
	v.Name, v.Desc, v.Categories, v.Rows = in.Name, in.Description, in.Categories, rows
	for i := range v.Rows {
		pre := "tasks[" + strconv.Itoa(i) + "]."
		v.Rows[i].TitleErr, v.Rows[i].DescriptionErr = msgs[pre+"title"], msgs[pre+"description"]
		v.Rows[i].KindErr, v.Rows[i].DueErr = msgs[pre+"kind"], msgs[pre+"due_hours"]
	}
	v.addBlankRows()
	v.Errors = msgs
	h.fill(r, &v.page)
	v.Alert = v.T("incident.fix_errors")
	return h.renderPlaybook(w, r, statusOf(err), v)
}

func (h *Handler) playbookCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	in, rows := playbookForm(r)
	p, err := h.svc.Tasks.CreatePlaybook(r.Context(), h.stateOf(r).actor(), in)
	if err != nil {
		return h.playbookFormError(w, r, err, h.newPlaybookView(r, hikeshi.Playbook{}, true), in, rows)
	}
	return redirect(w, r, "/playbooks/"+url.PathEscape(p.Key)+"?m=saved")
}

func (h *Handler) playbookUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	st, key := h.stateOf(r), r.PathValue("key")
	in, rows := playbookForm(r)
	_, err := h.svc.Tasks.UpdatePlaybook(r.Context(), st.actor(), key, in)
	if err != nil {
		cur, gerr := h.svc.Tasks.Playbook(r.Context(), st.actor(), key, st.lang)
		if gerr != nil {
			return gerr
		}
		return h.playbookFormError(w, r, err, h.newPlaybookView(r, cur, false), in, rows)
	}
	return redirect(w, r, "/playbooks/"+url.PathEscape(key)+"?m=saved")
}

func (h *Handler) playbookSwitch(disabled bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		if _, err := h.svc.Tasks.SetPlaybookDisabled(r.Context(), h.stateOf(r).actor(), r.PathValue("key"), disabled); err != nil {
			return err
		}
		return redirect(w, r, "/playbooks?m=saved")
	}
}

func (h *Handler) playbookCopy(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	p, err := h.svc.Tasks.CopyPlaybook(r.Context(), st.actor(), r.PathValue("key"), st.lang)
	if err != nil {
		return err
	}
	return redirect(w, r, "/playbooks/"+url.PathEscape(p.Key)+"?m=copied")
}
