-- The ISMS's Check (IS-4): the internal audit programme, audits, findings,
-- corrective actions and metrics. Calendar dates (planned dates, due dates,
-- periods) are TEXT 'YYYY-MM-DD' on both engines: they are days, not
-- instants. Metric targets and values are TEXT decimals so that both engines
-- and the backup keep exactly what was typed. Lists of departments and
-- auditors of an audit are space-separated ids.

CREATE TABLE audit_programmes (
    id           TEXT PRIMARY KEY,
    year         INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    title        TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    objectives   TEXT NOT NULL DEFAULT '',
    created_by   TEXT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX audit_programmes_year_key ON audit_programmes (year);

CREATE TABLE internal_audits (
    id             TEXT PRIMARY KEY,
    programme_id   TEXT NOT NULL REFERENCES audit_programmes (id),
    title          TEXT NOT NULL,
    scope          TEXT NOT NULL,
    department_ids TEXT NOT NULL,
    criteria       TEXT NOT NULL,
    planned_start  TEXT NOT NULL,
    planned_end    TEXT NOT NULL,
    auditor_ids    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'reported', 'closed')),
    report         TEXT NOT NULL DEFAULT '',
    created_by     TEXT REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX internal_audits_programme_idx ON internal_audits (programme_id, id);

CREATE TABLE findings (
    id            TEXT PRIMARY KEY,
    audit_id      TEXT NOT NULL REFERENCES internal_audits (id),
    type          TEXT NOT NULL CHECK (type IN ('major_nc', 'minor_nc', 'observation', 'ofi')),
    description   TEXT NOT NULL,
    requirement   TEXT NOT NULL DEFAULT '',
    department_id TEXT NOT NULL REFERENCES departments (id),
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX findings_audit_idx ON findings (audit_id, id);

CREATE TABLE corrective_actions (
    id            TEXT PRIMARY KEY,
    source_kind   TEXT NOT NULL CHECK (source_kind IN ('finding', 'lesson', 'management_review')),
    source_id     TEXT NOT NULL,
    title         TEXT NOT NULL,
    root_cause    TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments (id),
    owner_id      TEXT REFERENCES users (id),
    due_date      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'implemented', 'effective', 'ineffective', 'closed')),
    checked_by    TEXT REFERENCES users (id),
    checked_at    TIMESTAMPTZ,
    check_result  TEXT NOT NULL DEFAULT '' CHECK (check_result IN ('', 'effective', 'ineffective')),
    check_note    TEXT NOT NULL DEFAULT '',
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    closed_at     TIMESTAMPTZ,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CHECK (status <> 'closed' OR check_result = 'effective')
);
CREATE INDEX corrective_actions_source_idx ON corrective_actions (source_kind, source_id, id);

CREATE TABLE metrics (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    measure_ref   TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL DEFAULT '',
    target        TEXT NOT NULL,
    comparison    TEXT NOT NULL CHECK (comparison IN ('ge', 'le')),
    frequency     TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'yearly')),
    department_id TEXT NOT NULL REFERENCES departments (id),
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE metric_values (
    id          TEXT PRIMARY KEY,
    metric_id   TEXT NOT NULL REFERENCES metrics (id),
    period      TEXT NOT NULL,
    value       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX metric_values_metric_idx ON metric_values (metric_id, id);
