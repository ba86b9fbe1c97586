-- Reports from people (IH-1): counters for human numbers, reports and their threads.
-- An anonymous report holds nothing that identifies its sender; the CHECK keeps it so
-- whatever the code above does. No column anywhere holds an IP address, a user agent
-- or a session.

-- Counters give human numbers (RPT-2026-0001) in the transaction that creates the record.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

CREATE TABLE reports (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('employee', 'external')),
    status           TEXT NOT NULL CHECK (status IN ('new', 'in_triage', 'closed')),
    description      TEXT NOT NULL,
    noticed_at       TEXT,
    reported_at      TEXT NOT NULL,
    contact          TEXT NOT NULL DEFAULT '',
    contact_email    TEXT NOT NULL DEFAULT '',
    organisation     TEXT NOT NULL DEFAULT '',
    anonymous        INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    reporter_user_id TEXT REFERENCES users (id),
    followup_hash    TEXT NOT NULL,
    submission_hash  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (anonymous = 0 OR (reporter_user_id IS NULL AND contact = '' AND contact_email = '' AND organisation = ''))
) STRICT;
CREATE UNIQUE INDEX reports_number_key ON reports (number);
CREATE UNIQUE INDEX reports_followup_hash_key ON reports (followup_hash);
CREATE UNIQUE INDEX reports_submission_hash_key ON reports (submission_hash);
CREATE INDEX reports_reporter_idx ON reports (reporter_user_id, id);
CREATE INDEX reports_status_idx ON reports (status, id);

CREATE TABLE report_messages (
    id             TEXT PRIMARY KEY,
    report_id      TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    author         TEXT NOT NULL CHECK (author IN ('reporter', 'csirt')),
    author_user_id TEXT REFERENCES users (id),
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX report_messages_report_idx ON report_messages (report_id, id);
