package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
)

const taskCols = "id, incident_id, title, description, department_id, assignee_id, due_at, due_sort, status, note, playbook_key, " +
	"created_by, created_at, updated_at, completed_at"

func scanTask(s interface{ Scan(...any) error }) (hikeshi.Task, error) {
	var t hikeshi.Task
	var assignee, by sql.NullString
	var sortKey string
	err := s.Scan(&t.ID, &t.IncidentID, &t.Title, &t.Description, &t.DepartmentID, &assignee, timeCol{&t.DueAt}, &sortKey,
		&t.Status, &t.Note, &t.PlaybookKey, &by, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, timeCol{&t.CompletedAt})
	t.AssigneeID, t.CreatedBy = assignee.String, by.String
	return t, err
}

// FindTaskByID returns one task.
func (q queries) FindTaskByID(ctx context.Context, id string) (hikeshi.Task, error) {
	t, err := scanTask(q.row(ctx, "SELECT "+taskCols+" FROM tasks WHERE id = ?", id))
	return t, notFound(err)
}

// FindTasksByIncident lists an incident's tasks oldest first, after the cursor (a task id).
func (q queries) FindTasksByIncident(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.Task, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+taskCols+" FROM tasks WHERE incident_id = ? AND id > ? ORDER BY id LIMIT ?",
		incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTask)
}

// FindTasks lists tasks in inbox order: by due_sort (due time, then "~" for
// none), then id, after the cursor. Each branch walks an index led by the
// filtered column and status, so an inbox reads only its own active rows.
func (q queries) FindTasks(ctx context.Context, f hikeshi.TaskFilter) ([]hikeshi.Task, error) {
	query, args, err := tasksQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTask)
}

// tasksQuery builds FindTasks' statement.
func tasksQuery(f hikeshi.TaskFilter) (string, []any, error) {
	p := f.Page.Normalize()
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []hikeshi.TaskStatus{hikeshi.TaskOpen, hikeshi.TaskInProgress}
	}
	query := "SELECT " + taskCols + " FROM tasks WHERE status IN (?" + strings.Repeat(", ?", len(statuses)-1) + ")"
	var args []any
	for _, s := range statuses {
		args = append(args, string(s))
	}
	switch {
	case f.DepartmentID != "" && f.AssigneeID != "":
		query += " AND (department_id = ? OR assignee_id = ?)"
		args = append(args, f.DepartmentID, f.AssigneeID)
	case f.DepartmentID != "":
		query += " AND department_id = ?"
		args = append(args, f.DepartmentID)
	case f.AssigneeID != "":
		query += " AND assignee_id = ?"
		args = append(args, f.AssigneeID)
	}
	if p.After != "" {
		sortKey, id, ok := hikeshi.ParseTaskCursor(p.After)
		if !ok {
			return "", nil, fmt.Errorf("tasks: bad cursor: %w", hikeshi.ErrInvalid)
		}
		query += " AND (due_sort > ? OR (due_sort = ? AND id > ?))"
		args = append(args, sortKey, sortKey, id)
	}
	query += " ORDER BY due_sort, id LIMIT ?"
	args = append(args, p.Limit)
	return query, args, nil
}

func (t *tx) taskArgs(v hikeshi.Task) []any {
	return []any{v.Title, v.Description, v.DepartmentID, nullString(v.AssigneeID), t.d.t(v.DueAt), hikeshi.TaskSortKey(v.DueAt),
		string(v.Status), v.Note, v.PlaybookKey}
}

// CreateTask inserts a task.
func (t *tx) CreateTask(ctx context.Context, v hikeshi.Task) error {
	args := append([]any{v.ID, v.IncidentID}, t.taskArgs(v)...)
	args = append(args, nullString(v.CreatedBy), t.d.t(v.CreatedAt), t.d.t(v.UpdatedAt), t.d.t(v.CompletedAt))
	_, err := t.exec(ctx, "INSERT INTO tasks ("+taskCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
	return err
}

// UpdateTask writes every mutable field of a task.
func (t *tx) UpdateTask(ctx context.Context, v hikeshi.Task) error {
	args := append(t.taskArgs(v), t.d.t(v.UpdatedAt), t.d.t(v.CompletedAt), v.ID)
	return t.execOne(ctx, `UPDATE tasks SET title = ?, description = ?, department_id = ?, assignee_id = ?, due_at = ?, due_sort = ?,
		status = ?, note = ?, playbook_key = ?, updated_at = ?, completed_at = ? WHERE id = ?`, args...)
}

const playbookCols = "id, key, builtin, name, description, categories, disabled_at, created_by, created_at, updated_at"

func scanPlaybook(s interface{ Scan(...any) error }) (hikeshi.Playbook, error) {
	var p hikeshi.Playbook
	var builtin int
	var cats string
	var by sql.NullString
	err := s.Scan(&p.ID, &p.Key, &builtin, &p.Name, &p.Description, &cats, timeCol{&p.DisabledAt}, &by,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	p.BuiltIn, p.CreatedBy, p.Categories = builtin == 1, by.String, strings.Fields(cats)
	return p, err
}

// FindPlaybookRecords lists the stored playbooks by key, each with its
// templates. The table holds an organisation's own playbooks and the
// switches of built-in ones: a few dozen rows, read whole.
func (q queries) FindPlaybookRecords(ctx context.Context) ([]hikeshi.Playbook, error) {
	rows, err := q.query(ctx, "SELECT "+playbookCols+" FROM playbooks ORDER BY key LIMIT ?", hikeshi.MaxPageLimit)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanPlaybook)
	if err != nil {
		return nil, err
	}
	byID := map[string]*hikeshi.Playbook{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	trows, err := q.query(ctx, "SELECT playbook_id, title, description, department_kind, due_hours FROM playbook_tasks ORDER BY playbook_id, idx")
	if err != nil {
		return nil, err
	}
	type row struct {
		id string
		t  hikeshi.PlaybookTask
	}
	ts, err := collect(trows, func(s interface{ Scan(...any) error }) (row, error) {
		var r row
		err := s.Scan(&r.id, &r.t.Title, &r.t.Description, &r.t.Kind, &r.t.DueHours)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	for _, r := range ts {
		if p, ok := byID[r.id]; ok {
			p.Tasks = append(p.Tasks, r.t)
		}
	}
	return out, nil
}

// FindPlaybookRecordByKey returns one stored playbook with its templates.
func (q queries) FindPlaybookRecordByKey(ctx context.Context, key string) (hikeshi.Playbook, error) {
	p, err := scanPlaybook(q.row(ctx, "SELECT "+playbookCols+" FROM playbooks WHERE key = ?", key))
	if err != nil {
		return hikeshi.Playbook{}, notFound(err)
	}
	rows, err := q.query(ctx, "SELECT title, description, department_kind, due_hours FROM playbook_tasks WHERE playbook_id = ? ORDER BY idx", p.ID)
	if err != nil {
		return hikeshi.Playbook{}, err
	}
	p.Tasks, err = collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.PlaybookTask, error) {
		var t hikeshi.PlaybookTask
		err := s.Scan(&t.Title, &t.Description, &t.Kind, &t.DueHours)
		return t, err
	})
	return p, err
}

// CreatePlaybookRecord inserts a playbook and its templates.
func (t *tx) CreatePlaybookRecord(ctx context.Context, p hikeshi.Playbook) error {
	builtin := 0
	if p.BuiltIn {
		builtin = 1
	}
	if _, err := t.exec(ctx, "INSERT INTO playbooks ("+playbookCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.Key, builtin, p.Name, p.Description, strings.Join(p.Categories, " "), t.d.t(p.DisabledAt), nullString(p.CreatedBy),
		t.d.t(p.CreatedAt), t.d.t(p.UpdatedAt)); err != nil {
		return err
	}
	return t.insertPlaybookTasks(ctx, p)
}

// UpdatePlaybookRecord rewrites a playbook and replaces its templates.
func (t *tx) UpdatePlaybookRecord(ctx context.Context, p hikeshi.Playbook) error {
	if err := t.execOne(ctx, "UPDATE playbooks SET name = ?, description = ?, categories = ?, disabled_at = ?, updated_at = ? WHERE id = ?",
		p.Name, p.Description, strings.Join(p.Categories, " "), t.d.t(p.DisabledAt), t.d.t(p.UpdatedAt), p.ID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM playbook_tasks WHERE playbook_id = ?", p.ID); err != nil {
		return err
	}
	return t.insertPlaybookTasks(ctx, p)
}

func (t *tx) insertPlaybookTasks(ctx context.Context, p hikeshi.Playbook) error {
	for i, pt := range p.Tasks {
		if _, err := t.exec(ctx, "INSERT INTO playbook_tasks (id, playbook_id, idx, title, description, department_kind, due_hours) VALUES (?, ?, ?, ?, ?, ?, ?)",
			hikeshi.NewID(), p.ID, i, pt.Title, pt.Description, string(pt.Kind), pt.DueHours); err != nil {
			return err
		}
	}
	return nil
}
