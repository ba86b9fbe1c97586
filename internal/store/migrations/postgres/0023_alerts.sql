-- Alerts from machines (IH-3, decision 0035). alert_senders are the systems
-- allowed to send, each with its own token (only its SHA-256 is kept).
-- alerts holds one row per distinct alert: a repeat of the same fingerprint
-- within the sender's window raises count and last_seen. alert_events group
-- alerts for the CSIRT's decision; at most one open event per group key.
-- A suppressed alert is stored with suppressed_by set and no event.

CREATE TABLE alert_senders (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('generic', 'alertmanager', 'suricata', 'wazuh', 'ecs')),
    token_hash     TEXT NOT NULL,
    token_hint     TEXT NOT NULL DEFAULT '',
    window_seconds BIGINT NOT NULL CHECK (window_seconds > 0),
    disabled_at TIMESTAMPTZ,
    last_alert_at TIMESTAMPTZ,
    created_by     TEXT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX alert_senders_token_key ON alert_senders (token_hash);
CREATE UNIQUE INDEX alert_senders_name_key ON alert_senders (name);

CREATE TABLE alert_suppressions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    format      TEXT NOT NULL DEFAULT '',
    rule        TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    observable  TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMPTZ,
    hits        BIGINT NOT NULL DEFAULT 0,
    last_hit_at TIMESTAMPTZ,
    disabled_at TIMESTAMPTZ,
    created_by  TEXT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE alert_events (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    title       TEXT NOT NULL,
    format      TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    status      TEXT NOT NULL CHECK (status IN ('open', 'promoted', 'dismissed')),
    alerts      BIGINT NOT NULL DEFAULT 0,
    occurrences BIGINT NOT NULL DEFAULT 0,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    incident_id TEXT REFERENCES incidents (id),
    decided_by  TEXT REFERENCES users (id),
    decided_at TIMESTAMPTZ,
    reason      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX alert_events_number_key ON alert_events (number);
CREATE UNIQUE INDEX alert_events_open_key ON alert_events (group_key) WHERE status = 'open';
CREATE INDEX alert_events_status_idx ON alert_events (status, id);

CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,
    event_id      TEXT REFERENCES alert_events (id),
    sender_id     TEXT REFERENCES alert_senders (id),
    format        TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    rule          TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    severity      TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    status        TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    host          TEXT NOT NULL DEFAULT '',
    observables   TEXT NOT NULL DEFAULT '[]',
    labels        TEXT NOT NULL DEFAULT '{}',
    raw           TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMPTZ NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    count         BIGINT NOT NULL DEFAULT 1 CHECK (count > 0),
    suppressed_by TEXT REFERENCES alert_suppressions (id)
);
CREATE INDEX alerts_fingerprint_idx ON alerts (fingerprint, last_seen);
CREATE INDEX alerts_event_idx ON alerts (event_id, id);
