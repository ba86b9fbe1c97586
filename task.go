package hikeshi

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Tasks (IH-5): the work an incident asks of the organisation. A task is
// assigned to a department (the seed: the CSIRT does the work or instructs
// the department that does it), optionally to one of its members, and moves
// along an enforced status table. Its completion time is set by the workflow.

// TaskStatus is where a task stands.
type TaskStatus string

// The task statuses.
const (
	TaskOpen       TaskStatus = "open"        // 未着手
	TaskInProgress TaskStatus = "in_progress" // 対応中
	TaskDone       TaskStatus = "done"        // 完了
	TaskCancelled  TaskStatus = "cancelled"   // 中止
)

// TaskStatuses lists every status in workflow order.
var TaskStatuses = []TaskStatus{TaskOpen, TaskInProgress, TaskDone, TaskCancelled}

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool {
	for _, v := range TaskStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Active reports whether a task in this status still asks for work.
func (s TaskStatus) Active() bool { return s == TaskOpen || s == TaskInProgress }

// TaskMoveError says why a status change was refused.
type TaskMoveError struct {
	From, To TaskStatus
	Code     string // unknown_status, same_status, not_allowed, handlers_only
	Reason   string // one English sentence; the UI localises Code
}

func (e *TaskMoveError) Error() string {
	return fmt.Sprintf("task %s → %s refused: %s", e.From, e.To, e.Reason)
}

// Unwrap makes a refused move an ErrInvalid.
func (e *TaskMoveError) Unwrap() error { return ErrInvalid }

// taskMoves is the status table. Work starts (open → in_progress), can be put
// back (in_progress → open), finishes (→ done) or is called off (→ cancelled);
// a finished or cancelled task is reopened to open, never straight to
// in_progress, so that reopening is one recognisable step.
var taskMoves = map[TaskStatus][]TaskStatus{
	TaskOpen:       {TaskInProgress, TaskDone, TaskCancelled},
	TaskInProgress: {TaskOpen, TaskDone, TaskCancelled},
	TaskDone:       {TaskOpen},
	TaskCancelled:  {TaskOpen},
}

// CheckTaskMove reports whether a task may move from one status to another by
// someone who works it (worker) or handles the incident (handler). Workers —
// the members of the assigned department and the assignee — start, put back,
// complete and reopen completed tasks; cancelling, and reopening a cancelled
// task, is the CSIRT's decision. A nil result means the move is allowed.
func CheckTaskMove(from, to TaskStatus, handler bool) error {
	switch {
	case !from.Valid() || !to.Valid():
		return &TaskMoveError{From: from, To: to, Code: "unknown_status", Reason: "unknown status"}
	case from == to:
		return &TaskMoveError{From: from, To: to, Code: "same_status", Reason: "the task already has this status"}
	}
	allowed := false
	for _, s := range taskMoves[from] {
		allowed = allowed || s == to
	}
	if !allowed {
		return &TaskMoveError{From: from, To: to, Code: "not_allowed",
			Reason: "a done or cancelled task must be reopened to open first"}
	}
	if !handler && (to == TaskCancelled || from == TaskCancelled) {
		return &TaskMoveError{From: from, To: to, Code: "handlers_only",
			Reason: "only the CSIRT cancels a task or reopens a cancelled one"}
	}
	return nil
}

// AllowedTaskMoves lists the statuses a task in status from may move to.
func AllowedTaskMoves(from TaskStatus, handler bool) []TaskStatus {
	var out []TaskStatus
	for _, s := range TaskStatuses {
		if CheckTaskMove(from, s, handler) == nil {
			out = append(out, s)
		}
	}
	return out
}

// Task is one piece of work on an incident.
type Task struct {
	ID           string
	IncidentID   string
	Title        string
	Description  string
	DepartmentID string    // required: tasks go to departments
	AssigneeID   string    // optional: an active member of the department
	DueAt        time.Time // zero: no due date
	Status       TaskStatus
	Note         string // the completion note
	PlaybookKey  string // the playbook the task came from; empty when added by hand
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	CompletedAt  time.Time // set by the workflow on done; cleared by a reopen
}

// Overdue reports whether the task still asks for work after its due date.
func (t Task) Overdue(now time.Time) bool {
	return t.Status.Active() && !t.DueAt.IsZero() && now.After(t.DueAt)
}

// MoveTask returns t in status to at time at: done sets CompletedAt and keeps
// the note; leaving done clears CompletedAt. It does not check the move.
func MoveTask(t Task, to TaskStatus, note string, at time.Time) Task {
	if to == TaskDone {
		t.CompletedAt = at
		t.Note = note
	} else {
		t.CompletedAt = time.Time{}
		if note != "" {
			t.Note = note
		}
	}
	t.Status, t.UpdatedAt = to, at
	return t
}

// Limits of task fields, in characters.
const (
	MaxTaskTitleLen = 200
	MaxTaskTextLen  = 5000
	MaxTaskNoteLen  = 1000 // "a short completion note"
)

// TaskSortKey is the inbox's order key of a task: its due time in
// TimeLayout (fixed width, so text order is time order), or "~" when it has
// none, which sorts after every digit. Stored beside due_at so that both
// engines order and page the inbox the same way, without NULL ordering.
func TaskSortKey(due time.Time) string {
	if due.IsZero() {
		return "~"
	}
	return FormatTime(due)
}

// TaskCursor is the inbox cursor after task t: its sort key and id.
func TaskCursor(t Task) string { return TaskSortKey(t.DueAt) + "|" + t.ID }

// ParseTaskCursor splits a cursor made by TaskCursor; ok is false for
// anything else.
func ParseTaskCursor(c string) (sortKey, id string, ok bool) {
	sortKey, id, ok = strings.Cut(c, "|")
	if !ok || id == "" || len(id) > 64 || (sortKey != "~" && len(sortKey) != len(TimeLayout)) {
		return "", "", false
	}
	if sortKey != "~" {
		if _, err := time.Parse(time.RFC3339Nano, sortKey); err != nil {
			return "", "", false
		}
	}
	return sortKey, id, true
}

// TaskFilter selects tasks for an inbox. Inboxes list by due date, soonest
// (and overdue) first, tasks without one last, oldest first among equals:
// Page.After is a TaskCursor.
type TaskFilter struct {
	DepartmentID string // only this department's tasks; "" = every department
	// AssigneeID adds the tasks assigned to this person, whatever their
	// department (with DepartmentID: tasks of the department OR of the person).
	AssigneeID string
	Statuses   []TaskStatus // empty = the active ones (open, in progress)
	Page
}

// TaskReader is the read side of tasks and playbooks (IH-5).
type TaskReader interface {
	FindTaskByID(ctx context.Context, id string) (Task, error)
	// FindTasksByIncident lists an incident's tasks oldest first.
	FindTasksByIncident(ctx context.Context, incidentID string, p Page) ([]Task, error)
	// FindTasks lists tasks in inbox order (see TaskFilter).
	FindTasks(ctx context.Context, f TaskFilter) ([]Task, error)
	// FindPlaybookRecords lists the stored playbooks (custom ones and the
	// switches of built-in ones) by key.
	FindPlaybookRecords(ctx context.Context) ([]Playbook, error)
	FindPlaybookRecordByKey(ctx context.Context, key string) (Playbook, error)
}

// TaskWriter is the write side of tasks and playbooks (IH-5).
type TaskWriter interface {
	CreateTask(ctx context.Context, t Task) error
	// UpdateTask writes every field of t except ID, IncidentID, CreatedBy and CreatedAt.
	UpdateTask(ctx context.Context, t Task) error
	// CreatePlaybookRecord stores a playbook with its templates; a taken key is ErrConflict.
	CreatePlaybookRecord(ctx context.Context, p Playbook) error
	// UpdatePlaybookRecord rewrites a playbook and replaces its templates.
	UpdatePlaybookRecord(ctx context.Context, p Playbook) error
}
