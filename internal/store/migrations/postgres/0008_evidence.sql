-- Observables, affected assets and evidence files of incidents (IH-5). An
-- observable is stored once across incidents (unique on type and canonical
-- value); incidents link to it, one link per incident. Evidence rows refer to
-- content-addressed blobs (0004), one row per file per incident.

CREATE TABLE observables (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('ip', 'domain', 'url', 'hash', 'email', 'account')),
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX observables_key ON observables (type, value);
CREATE INDEX observables_value_idx ON observables (value);

CREATE TABLE incident_observables (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    observable_id TEXT NOT NULL REFERENCES observables (id),
    note          TEXT NOT NULL DEFAULT '',
    added_by      TEXT REFERENCES users (id),
    added_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX incident_observables_key ON incident_observables (incident_id, observable_id);
CREATE INDEX incident_observables_observable_idx ON incident_observables (observable_id, incident_id);

CREATE TABLE affected_assets (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('host', 'server', 'network_device', 'account', 'application', 'data', 'mobile_device', 'other')),
    identifier    TEXT NOT NULL DEFAULT '',
    department_id TEXT REFERENCES departments (id) ON DELETE SET NULL,
    criticality   SMALLINT CHECK (criticality BETWEEN 1 AND 4),
    note          TEXT NOT NULL DEFAULT '',
    added_by      TEXT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX affected_assets_incident_idx ON affected_assets (incident_id, id);

CREATE TABLE incident_evidence (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL REFERENCES blobs (sha256),
    filename    TEXT NOT NULL,
    size        BIGINT NOT NULL CHECK (size >= 0),
    media_type  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    added_by    TEXT REFERENCES users (id),
    added_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX incident_evidence_key ON incident_evidence (incident_id, sha256);
CREATE INDEX incident_evidence_sha256_idx ON incident_evidence (sha256);
