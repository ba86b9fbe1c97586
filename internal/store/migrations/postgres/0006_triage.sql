-- Triage of reports (IH-4): each report's current classification and decision,
-- the history of every classification and decision with its time and author,
-- the link of a report to the incident it belongs to, links between related
-- incidents and merges of one incident into another.
-- The queue walks a partial index of the reports still waiting, oldest first.

CREATE INDEX reports_triage_queue_idx ON reports (id) WHERE status IN ('new', 'in_triage');

CREATE TABLE report_triage (
    report_id     TEXT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    category      TEXT NOT NULL DEFAULT '',
    impact        SMALLINT NOT NULL DEFAULT 0 CHECK (impact BETWEEN 0 AND 4),
    urgency       SMALLINT NOT NULL DEFAULT 0 CHECK (urgency BETWEEN 0 AND 4),
    priority      SMALLINT NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    tlp           TEXT NOT NULL DEFAULT '' CHECK (tlp IN ('', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
    owner_id      TEXT REFERENCES users (id),
    policy        TEXT NOT NULL DEFAULT '' CHECK (policy IN ('', 'full_response', 'monitor', 'forward', 'advise_reporter')),
    policy_note   TEXT NOT NULL DEFAULT '',
    decision      TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'new_incident', 'attach', 'not_incident', 'duplicate')),
    duplicate_of  TEXT REFERENCES reports (id),
    reason        TEXT NOT NULL DEFAULT '',
    classified_by TEXT REFERENCES users (id),
    classified_at TIMESTAMPTZ,
    decided_by    TEXT REFERENCES users (id),
    decided_at    TIMESTAMPTZ,
    CHECK (duplicate_of IS NULL OR duplicate_of <> report_id)
);
CREATE INDEX report_triage_owner_idx ON report_triage (owner_id, report_id);

CREATE TABLE triage_decisions (
    id           TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    action       TEXT NOT NULL CHECK (action IN ('classified', 'new_incident', 'attach', 'not_incident', 'duplicate')),
    category     TEXT NOT NULL DEFAULT '',
    impact       SMALLINT NOT NULL DEFAULT 0 CHECK (impact BETWEEN 0 AND 4),
    urgency      SMALLINT NOT NULL DEFAULT 0 CHECK (urgency BETWEEN 0 AND 4),
    priority     SMALLINT NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    tlp          TEXT NOT NULL DEFAULT '' CHECK (tlp IN ('', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
    owner_id     TEXT REFERENCES users (id),
    policy       TEXT NOT NULL DEFAULT '' CHECK (policy IN ('', 'full_response', 'monitor', 'forward', 'advise_reporter')),
    policy_note  TEXT NOT NULL DEFAULT '',
    incident_id  TEXT REFERENCES incidents (id),
    duplicate_of TEXT REFERENCES reports (id),
    reason       TEXT NOT NULL DEFAULT '',
    message_id   TEXT REFERENCES report_messages (id),
    author_id    TEXT REFERENCES users (id),
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX triage_decisions_report_idx ON triage_decisions (report_id, id);

CREATE TABLE report_incidents (
    report_id   TEXT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    linked_by   TEXT REFERENCES users (id),
    linked_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_incidents_incident_idx ON report_incidents (incident_id, report_id);

CREATE TABLE incident_links (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    related_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK (incident_id < related_id)
);
CREATE UNIQUE INDEX incident_links_key ON incident_links (incident_id, related_id);
CREATE INDEX incident_links_related_idx ON incident_links (related_id, incident_id);

CREATE TABLE incident_merges (
    incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    into_id     TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    note        TEXT NOT NULL DEFAULT '',
    merged_by   TEXT REFERENCES users (id),
    merged_at   TIMESTAMPTZ NOT NULL,
    CHECK (incident_id <> into_id)
);
CREATE INDEX incident_merges_into_idx ON incident_merges (into_id, incident_id);
