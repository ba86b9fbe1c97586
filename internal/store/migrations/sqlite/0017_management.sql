-- The ISMS's Act (IS-5): management reviews and their decisions. The period
-- and the meeting are calendar dates (TEXT 'YYYY-MM-DD' on both engines).
-- inputs holds the inputs compiled from the period's data as JSON, frozen
-- when the review is held ('' while it is planned: then they are compiled
-- live). Attendees are space-separated user ids. Each decision opened a
-- corrective action (source_kind 'management_review') in its transaction.

CREATE TABLE management_reviews (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    meeting_date TEXT NOT NULL,
    chair_id     TEXT NOT NULL REFERENCES users (id),
    attendee_ids TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('planned', 'held', 'closed')),
    issues       TEXT NOT NULL DEFAULT '',
    feedback     TEXT NOT NULL DEFAULT '',
    minutes      TEXT NOT NULL DEFAULT '',
    inputs       TEXT NOT NULL DEFAULT '',
    held_by      TEXT REFERENCES users (id),
    held_at      TEXT,
    closed_by    TEXT REFERENCES users (id),
    closed_at    TEXT,
    created_by   TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK (period_to >= period_from),
    CHECK ((status = 'planned') = (inputs = '')),
    CHECK ((status = 'planned') = (held_at IS NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
) STRICT;

CREATE TABLE management_decisions (
    id            TEXT PRIMARY KEY,
    review_id     TEXT NOT NULL REFERENCES management_reviews (id),
    kind          TEXT NOT NULL CHECK (kind IN ('improvement', 'isms_change', 'resources')),
    text          TEXT NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments (id),
    owner_id      TEXT REFERENCES users (id),
    due_date      TEXT NOT NULL,
    action_id     TEXT NOT NULL REFERENCES corrective_actions (id),
    created_by    TEXT REFERENCES users (id),
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX management_decisions_review_idx ON management_decisions (review_id, id);
