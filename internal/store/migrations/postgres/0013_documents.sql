-- Policy documents (IS-1): the document (kind, title, owner department) and
-- its versions in Markdown. A document has at most one open version (draft or
-- in review) and at most one approved version at a time: two partial unique
-- indexes hold that even against concurrent writers. The list walks the
-- primary key newest first; the kind filter walks (kind, id).

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('basic_policy', 'rules', 'procedure', 'other')),
    title         TEXT NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments (id),
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_kind_idx ON documents (kind, id);
CREATE INDEX documents_department_idx ON documents (department_id, id);

CREATE TABLE document_versions (
    id           TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL CHECK (number > 0),
    body         TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'superseded')),
    author_id    TEXT REFERENCES users (id),
    editors      TEXT NOT NULL DEFAULT '',
    submitted_by TEXT REFERENCES users (id),
    submitted_at TIMESTAMPTZ,
    approved_by  TEXT REFERENCES users (id),
    approved_at  TIMESTAMPTZ,
    next_review  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX document_versions_number_key ON document_versions (document_id, number);
CREATE UNIQUE INDEX document_versions_open_key ON document_versions (document_id) WHERE status IN ('draft', 'in_review');
CREATE UNIQUE INDEX document_versions_approved_key ON document_versions (document_id) WHERE status = 'approved';

-- The ISMS scope: one row (id 'scope'); departments are a comma-separated
-- list of ids and exclusions a JSON array of {what, why}. Every change is
-- audited with the whole record before and after.
CREATE TABLE isms_scope (
    id             TEXT PRIMARY KEY CHECK (id = 'scope'),
    statement      TEXT NOT NULL DEFAULT '',
    department_ids TEXT NOT NULL DEFAULT '',
    exclusions     TEXT NOT NULL DEFAULT '[]',
    updated_by     TEXT REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL
);

-- Roles and responsibilities: one row per department that has them; parts
-- is a JSON object from ISMS activity to its RACI letter. A department's
-- responsibilities go with the department.
CREATE TABLE isms_responsibilities (
    department_id TEXT PRIMARY KEY REFERENCES departments (id) ON DELETE CASCADE,
    text          TEXT NOT NULL DEFAULT '',
    parts         TEXT NOT NULL DEFAULT '{}',
    updated_by    TEXT REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL
);
