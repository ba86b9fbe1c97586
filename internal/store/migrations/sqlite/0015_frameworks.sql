-- Frameworks, measures and the Statement of Applicability (IS-3, decision
-- 0024). The built-in ISO/IEC 27001:2022 lives in code and is never stored:
-- frameworks holds imported OSCAL catalogs only, framework_requirements their
-- groups and controls (withdrawn ones kept, flagged). Mappings and SoA entries
-- name requirements by (framework key, ref) without a foreign key, because
-- the built-in framework's rows do not exist; the service checks them.

CREATE TABLE frameworks (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE framework_requirements (
    framework_key TEXT NOT NULL REFERENCES frameworks (key) ON DELETE CASCADE,
    ref           TEXT NOT NULL,
    parent_ref    TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    title_en      TEXT NOT NULL,
    title_ja      TEXT NOT NULL DEFAULT '',
    withdrawn     INTEGER NOT NULL CHECK (withdrawn IN (0, 1)),
    sort          INTEGER NOT NULL,
    PRIMARY KEY (framework_key, ref)
) STRICT;
CREATE INDEX framework_requirements_sort_idx ON framework_requirements (framework_key, sort);

CREATE TABLE measures (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    department_id TEXT REFERENCES departments (id) ON DELETE SET NULL,
    status        TEXT NOT NULL CHECK (status IN ('planned', 'partial', 'implemented', 'not_applicable')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX measures_department_idx ON measures (department_id, id);

CREATE TABLE measure_requirements (
    measure_id    TEXT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    framework_key TEXT NOT NULL,
    ref           TEXT NOT NULL,
    PRIMARY KEY (measure_id, framework_key, ref)
) STRICT;
CREATE INDEX measure_requirements_req_idx ON measure_requirements (framework_key, ref, measure_id);

CREATE TABLE soa_entries (
    control_ref   TEXT PRIMARY KEY,
    applicable    INTEGER NOT NULL CHECK (applicable IN (0, 1)),
    justification TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('planned', 'partial', 'implemented', 'not_applicable')),
    updated_by    TEXT REFERENCES users (id),
    updated_at    TEXT NOT NULL
) STRICT;
