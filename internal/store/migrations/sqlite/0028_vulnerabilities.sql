-- Vulnerability handling (IM-1): vulnerability records with their CVSS
-- scores (integer tenths), remediation tasks of departments, and exceptions
-- (risk acceptance). The lists of linked assets, incidents and advisories are
-- id lists, one a line (no foreign keys: an asset or incident removed later
-- simply stops being shown). Lists walk the primary key newest first; the
-- filters walk (status, id) and (severity, id); upcoming publications walk
-- publication_date; the reminder job walks (status, due_at).

CREATE TABLE vulnerabilities (
    id               TEXT PRIMARY KEY,
    cve              TEXT NOT NULL DEFAULT '',
    title_ja         TEXT NOT NULL DEFAULT '',
    title_en         TEXT NOT NULL DEFAULT '',
    description_ja   TEXT NOT NULL DEFAULT '',
    description_en   TEXT NOT NULL DEFAULT '',
    vendor           TEXT NOT NULL DEFAULT '',
    versions         TEXT NOT NULL DEFAULT '',
    fix              TEXT NOT NULL DEFAULT '',
    cvss31           TEXT NOT NULL DEFAULT '',
    cvss31_base      INTEGER NOT NULL DEFAULT 0 CHECK (cvss31_base BETWEEN 0 AND 100),
    cvss31_score     INTEGER NOT NULL DEFAULT 0 CHECK (cvss31_score BETWEEN 0 AND 100),
    cvss40           TEXT NOT NULL DEFAULT '',
    cvss40_score     INTEGER NOT NULL DEFAULT 0 CHECK (cvss40_score BETWEEN 0 AND 100),
    severity         TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'none')),
    status           TEXT NOT NULL CHECK (status IN ('open', 'in_remediation', 'remediated', 'accepted', 'closed')),
    asset_ids        TEXT NOT NULL DEFAULT '',
    incident_ids     TEXT NOT NULL DEFAULT '',
    advisory_ids     TEXT NOT NULL DEFAULT '',
    refs             TEXT NOT NULL DEFAULT '[]',
    report_id        TEXT REFERENCES reports (id),
    disclosure       TEXT NOT NULL DEFAULT '' CHECK (disclosure IN ('', 'received', 'acknowledged', 'confirmed', 'fix_in_progress', 'published', 'declined')),
    acknowledged_at  TEXT,
    acknowledged_by  TEXT REFERENCES users (id),
    publication_date TEXT,
    created_by       TEXT REFERENCES users (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX vulnerabilities_status_idx ON vulnerabilities (status, id);
CREATE INDEX vulnerabilities_severity_idx ON vulnerabilities (severity, id);
CREATE INDEX vulnerabilities_publication_idx ON vulnerabilities (publication_date);

CREATE TABLE vulnerability_remediations (
    id               TEXT PRIMARY KEY,
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities (id) ON DELETE CASCADE,
    department_id    TEXT NOT NULL REFERENCES departments (id),
    asset_id         TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('open', 'done', 'paused')),
    due_at           TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    created_by       TEXT REFERENCES users (id),
    completed_by     TEXT REFERENCES users (id),
    completed_at     TEXT,
    reminded_at      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX vulnerability_remediations_vuln_idx ON vulnerability_remediations (vulnerability_id);
CREATE INDEX vulnerability_remediations_dept_idx ON vulnerability_remediations (department_id, id);
CREATE INDEX vulnerability_remediations_due_idx ON vulnerability_remediations (status, due_at);

CREATE TABLE vulnerability_exceptions (
    id               TEXT PRIMARY KEY,
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities (id) ON DELETE CASCADE,
    reason           TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'expired')),
    requested_by     TEXT REFERENCES users (id),
    decided_by       TEXT REFERENCES users (id),
    decided_at       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX vulnerability_exceptions_vuln_idx ON vulnerability_exceptions (vulnerability_id, id);
CREATE INDEX vulnerability_exceptions_expiry_idx ON vulnerability_exceptions (status, expires_at);
