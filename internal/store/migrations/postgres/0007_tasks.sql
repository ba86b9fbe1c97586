-- Tasks and playbooks (IH-5): the work an incident asks of departments, and
-- the task templates per category. Inboxes list a department's (or a
-- person's) active tasks by due date: due_sort is the due time in the fixed
-- text layout, or '~' when there is none, so both engines order and page the
-- same way without NULL ordering rules.

CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    department_id TEXT NOT NULL REFERENCES departments (id),
    assignee_id   TEXT REFERENCES users (id),
    due_at        TIMESTAMPTZ,
    due_sort      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    note          TEXT NOT NULL DEFAULT '',
    playbook_key  TEXT NOT NULL DEFAULT '',
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    completed_at  TIMESTAMPTZ,
    CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX tasks_incident_idx ON tasks (incident_id, id);
CREATE INDEX tasks_department_idx ON tasks (department_id, status, due_sort, id);
CREATE INDEX tasks_assignee_idx ON tasks (assignee_id, status, due_sort, id);
CREATE INDEX tasks_status_idx ON tasks (status, due_sort, id);

-- A custom playbook, or the switch of a built-in one (builtin = 1: only key
-- and disabled_at mean anything; its words ship with the code).
CREATE TABLE playbooks (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,
    builtin     SMALLINT NOT NULL CHECK (builtin IN (0, 1)),
    name        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    categories  TEXT NOT NULL DEFAULT '',
    disabled_at TIMESTAMPTZ,
    created_by  TEXT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX playbooks_key_key ON playbooks (key);

CREATE TABLE playbook_tasks (
    id              TEXT PRIMARY KEY,
    playbook_id     TEXT NOT NULL REFERENCES playbooks (id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    department_kind TEXT NOT NULL CHECK (department_kind IN ('management', 'it', 'csirt', 'business_unit')),
    due_hours       INTEGER NOT NULL CHECK (due_hours >= 0)
);
CREATE UNIQUE INDEX playbook_tasks_idx_key ON playbook_tasks (playbook_id, idx);
