-- Reporting and disclosure (IH-7): the organisation's report templates (one
-- per kind and language; none = the built-in default), the drafts the CSIRT
-- edited and saved (one per incident, kind and language) and the
-- communication log of each incident, listed newest first by (incident_id, id).

CREATE TABLE report_templates (
    kind       TEXT NOT NULL CHECK (kind IN ('internal_report', 'appi_preliminary', 'appi_final', 'gdpr_art33',
                   'nis2_early_warning', 'nis2_notification', 'nis2_final', 'public_statement')),
    lang       TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
    body       TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, lang)
) STRICT;

CREATE TABLE report_drafts (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('internal_report', 'appi_preliminary', 'appi_final', 'gdpr_art33',
                    'nis2_early_warning', 'nis2_notification', 'nis2_final', 'public_statement')),
    lang        TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
    body        TEXT NOT NULL,
    updated_by  TEXT REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX report_drafts_key ON report_drafts (incident_id, kind, lang);

CREATE TABLE communication_log (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    audience    TEXT NOT NULL CHECK (audience IN ('customers', 'regulator', 'jpcert', 'police', 'vendors', 'press', 'employees', 'other')),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'web_form', 'letter', 'meeting', 'website', 'press_release', 'other')),
    recipient   TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL,
    clock_id    TEXT REFERENCES incident_clocks (id),
    sent_at     TEXT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX communication_log_incident_idx ON communication_log (incident_id, id);
