-- Incidents (IH-5): the incident, its explicit members (who may see a TLP:RED or
-- AMBER+STRICT incident besides the CSIRT), its OODA record and its timeline.
-- Lists walk the primary key newest first; the phase list walks (phase, id).

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL,
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL,
    impact            INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 4),
    urgency           INTEGER NOT NULL CHECK (urgency BETWEEN 1 AND 4),
    priority          INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    tlp               TEXT NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
    phase             TEXT NOT NULL CHECK (phase IN ('discovery', 'initial_response', 'recovery', 'recurrence_prevention', 'closed')),
    owner_id          TEXT REFERENCES users (id),
    created_at        TEXT NOT NULL,
    triaged_at        TEXT,
    first_response_at TEXT,
    contained_at      TEXT,
    recovered_at      TEXT,
    closed_at         TEXT,
    updated_at        TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX incidents_number_key ON incidents (number);
CREATE INDEX incidents_phase_idx ON incidents (phase, id);
CREATE INDEX incidents_owner_idx ON incidents (owner_id, id);

CREATE TABLE incident_members (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id),
    added_by    TEXT REFERENCES users (id),
    added_at    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX incident_members_key ON incident_members (incident_id, user_id);
CREATE INDEX incident_members_user_idx ON incident_members (user_id, incident_id);

CREATE TABLE ooda_steps (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('observe', 'orient', 'decide', 'act')),
    text        TEXT NOT NULL,
    author_id   TEXT REFERENCES users (id),
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX ooda_steps_incident_idx ON ooda_steps (incident_id, at, id);

CREATE TABLE incident_events (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('created', 'phase', 'reopened', 'note', 'updated', 'member', 'ooda')),
    from_phase  TEXT NOT NULL DEFAULT '',
    to_phase    TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    author_id   TEXT REFERENCES users (id),
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, id);
