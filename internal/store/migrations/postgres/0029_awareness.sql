-- Awareness (IM-4): material (often made from a closed incident's lessons),
-- campaigns that send published material to departments for a period, and
-- one row per person a campaign was sent to, with when they read and
-- confirmed it and when it was mailed. Lists walk the primary key newest
-- first; a person's campaigns walk (user_id, campaign_id). The effect of a
-- campaign counts incidents of a category by creation time, so incidents get
-- an index on (category, created_at).

CREATE TABLE awareness_materials (
    id           TEXT PRIMARY KEY,
    title_ja     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    body_ja      TEXT NOT NULL,
    body_en      TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT '',
    incident_id  TEXT REFERENCES incidents (id),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    author_id    TEXT REFERENCES users (id),
    published_by TEXT REFERENCES users (id),
    published_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX awareness_materials_incident_idx ON awareness_materials (incident_id, id);

CREATE TABLE awareness_campaigns (
    id             TEXT PRIMARY KEY,
    material_id    TEXT NOT NULL REFERENCES awareness_materials (id),
    category       TEXT NOT NULL DEFAULT '',
    department_ids TEXT NOT NULL DEFAULT '',
    starts_at      TIMESTAMPTZ NOT NULL,
    ends_at        TIMESTAMPTZ,
    recipients     INTEGER NOT NULL DEFAULT 0 CHECK (recipients >= 0),
    created_by     TEXT REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX awareness_campaigns_material_idx ON awareness_campaigns (material_id, id);

CREATE TABLE awareness_recipients (
    campaign_id   TEXT NOT NULL REFERENCES awareness_campaigns (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    department_id TEXT NOT NULL DEFAULT '',
    locale        TEXT NOT NULL CHECK (locale IN ('ja', 'en')),
    read_at       TIMESTAMPTZ,
    confirmed_at  TIMESTAMPTZ,
    mailed_at     TIMESTAMPTZ,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX awareness_recipients_user_idx ON awareness_recipients (user_id, campaign_id);
CREATE INDEX awareness_recipients_dept_idx ON awareness_recipients (campaign_id, department_id, user_id);

CREATE INDEX awareness_incidents_category_idx ON incidents (category, created_at);
