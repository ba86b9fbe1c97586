-- Clocks (IH-6): the facts that start regulatory clocks, every clock of an
-- incident (service-level and regulatory) with its due time, and the in-app
-- notifications the reminder jobs create. The due list walks the partial
-- index of running clocks by (due_at, id); a notification is unique per
-- (clock, stage, due time, user), so a job that runs twice notifies once.

CREATE TABLE incident_facts (
    incident_id   TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    personal_data INTEGER NOT NULL CHECK (personal_data IN (0, 1)),
    malicious     INTEGER NOT NULL CHECK (malicious IN (0, 1)),
    gdpr          INTEGER NOT NULL CHECK (gdpr IN (0, 1)),
    nis2          INTEGER NOT NULL CHECK (nis2 IN (0, 1)),
    aware_at      TEXT,
    updated_by    TEXT REFERENCES users (id),
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE incident_clocks (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('sla_triage', 'sla_first_response', 'sla_containment', 'appi_preliminary',
                     'appi_final', 'gdpr_art33', 'nis2_early_warning', 'nis2_notification', 'nis2_final')),
    started_at   TEXT NOT NULL,
    due_at       TEXT NOT NULL,
    stopped_at   TEXT,
    withdrawn_at TEXT,
    reference    TEXT NOT NULL DEFAULT '',
    done_by      TEXT REFERENCES users (id),
    done_at      TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX incident_clocks_key ON incident_clocks (incident_id, kind);
CREATE INDEX incident_clocks_due_idx ON incident_clocks (due_at, id) WHERE stopped_at IS NULL AND withdrawn_at IS NULL;

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    stage       TEXT NOT NULL CHECK (stage IN ('remind', 'remind_day', 'escalate')),
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    clock_id    TEXT NOT NULL REFERENCES incident_clocks (id) ON DELETE CASCADE,
    clock_kind  TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    text_key    TEXT NOT NULL,
    args        TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    read_at     TEXT,
    mailed_at   TEXT
) STRICT;
CREATE UNIQUE INDEX notifications_once_key ON notifications (clock_id, stage, due_at, user_id);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE read_at IS NULL;
