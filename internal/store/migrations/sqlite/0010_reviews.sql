-- Post-incident reviews (IH-8): one review per incident, the people who took
-- part (attendance, never blame: there is no culprit column anywhere), and
-- the lessons, each its own record, which the ISMS side later turns into
-- improvement actions (improvement_action_id, set only by that workflow).
-- The global lessons list walks the primary key newest first; the status
-- filter walks (status, id).

CREATE TABLE reviews (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    root_cause   TEXT NOT NULL DEFAULT '',
    went_well    TEXT NOT NULL DEFAULT '',
    to_change    TEXT NOT NULL DEFAULT '',
    factors      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'completed')),
    completed_at TEXT,
    completed_by TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX reviews_incident_key ON reviews (incident_id);

CREATE TABLE review_participants (
    review_id TEXT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (review_id, user_id)
) STRICT;
CREATE INDEX review_participants_user_idx ON review_participants (user_id, review_id);

CREATE TABLE lessons (
    id                    TEXT PRIMARY KEY,
    incident_id           TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    review_id             TEXT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    text                  TEXT NOT NULL,
    proposed_change       TEXT NOT NULL DEFAULT '',
    kind                  TEXT NOT NULL CHECK (kind IN ('policy', 'process', 'technical', 'training', 'organisation')),
    department_id         TEXT REFERENCES departments (id) ON DELETE SET NULL,
    status                TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined')),
    decision_reason       TEXT NOT NULL DEFAULT '',
    decided_by            TEXT REFERENCES users (id),
    decided_at            TEXT,
    improvement_action_id TEXT,
    author_id             TEXT REFERENCES users (id),
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
) STRICT;
CREATE INDEX lessons_incident_idx ON lessons (incident_id, id);
CREATE INDEX lessons_status_idx ON lessons (status, id);
CREATE INDEX lessons_department_idx ON lessons (department_id, id);
