-- Incident → improvement (IN-1, decision 0032). improvement_measures and
-- improvement_risks are the measures and risks a lesson concerns, chosen by
-- the reviewer (keyed by the lesson, so they can be chosen before it is
-- accepted). improvements holds one row per accepted lesson: waiting for the
-- next internal audit or management review, or open with its corrective
-- action (source "lesson"). The lead time and the risk re-assessment flag are
-- read from the action's closed_at and the incident's closed_at, not copied.

CREATE TABLE improvement_measures (
    lesson_id  TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL REFERENCES measures (id),
    PRIMARY KEY (lesson_id, measure_id)
) STRICT;
CREATE INDEX improvement_measures_measure_idx ON improvement_measures (measure_id, lesson_id);

CREATE TABLE improvement_risks (
    lesson_id TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    risk_id   TEXT NOT NULL REFERENCES risks (id),
    PRIMARY KEY (lesson_id, risk_id)
) STRICT;
CREATE INDEX improvement_risks_risk_idx ON improvement_risks (risk_id, lesson_id);

CREATE TABLE improvements (
    id            TEXT PRIMARY KEY,
    lesson_id     TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    category      TEXT NOT NULL DEFAULT '',
    department_id TEXT REFERENCES departments (id),
    state         TEXT NOT NULL CHECK (state IN ('waiting', 'open')),
    action_id     TEXT REFERENCES corrective_actions (id),
    released_by   TEXT NOT NULL DEFAULT '' CHECK (released_by IN ('', 'lesson', 'internal_audit', 'management_review', 'pattern_change')),
    accepted_at   TEXT NOT NULL,
    opened_at     TEXT,
    created_by    TEXT REFERENCES users (id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX improvements_lesson_key ON improvements (lesson_id);
CREATE UNIQUE INDEX improvements_action_key ON improvements (action_id);
CREATE INDEX improvements_state_idx ON improvements (state, id);
