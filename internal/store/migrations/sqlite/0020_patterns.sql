-- The organisation's pattern (IN-2, decision 0031): the responsibility
-- matrix of a built-in template, possibly with edited cells, mapped onto the
-- organisation's departments. Every change is a new version (never updated);
-- the current pattern is the highest version. matrix holds the cells as JSON
-- ({"activity": {"lead": kind, "with": [kinds]}}); org_pattern_units maps
-- each department kind the matrix names onto a department. tasks.routed_activity
-- names the activity by which the pattern chose a task's department ('' when
-- the department was chosen explicitly), so that changing the pattern can move
-- the open tasks it routed.

CREATE TABLE org_patterns (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL CHECK (version > 0),
    template_key TEXT NOT NULL,
    improvement_trigger TEXT NOT NULL CHECK (improvement_trigger IN ('audit_results', 'incident_results')),
    matrix       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX org_patterns_version_key ON org_patterns (version);

CREATE TABLE org_pattern_units (
    pattern_id    TEXT NOT NULL REFERENCES org_patterns (id),
    kind          TEXT NOT NULL CHECK (kind IN ('management', 'it', 'csirt')),
    department_id TEXT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (pattern_id, kind)
) STRICT;

ALTER TABLE tasks ADD COLUMN routed_activity TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_routed_idx ON tasks (routed_activity, id) WHERE routed_activity <> '' AND status IN ('open', 'in_progress');
