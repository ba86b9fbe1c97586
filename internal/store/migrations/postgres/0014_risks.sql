-- The ISMS's asset inventory (IS-2): what the organisation protects, its
-- owner department, classification and confidentiality / integrity /
-- availability ratings (1–3). Archived assets stay for the record. The list
-- walks the primary key newest first; the department filter walks
-- (owner_department_id, id).

CREATE TABLE information_assets (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    type                TEXT NOT NULL CHECK (type IN ('information', 'software', 'hardware', 'service', 'people', 'site')),
    owner_department_id TEXT NOT NULL REFERENCES departments (id),
    classification      TEXT NOT NULL CHECK (classification IN ('public', 'internal', 'confidential', 'secret')),
    confidentiality     SMALLINT NOT NULL CHECK (confidentiality BETWEEN 1 AND 3),
    integrity           SMALLINT NOT NULL CHECK (integrity BETWEEN 1 AND 3),
    availability        SMALLINT NOT NULL CHECK (availability BETWEEN 1 AND 3),
    description         TEXT NOT NULL DEFAULT '',
    archived            SMALLINT NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX information_assets_department_idx ON information_assets (owner_department_id, id);

-- The risk matrix is a versioned organisation setting: a new version is a
-- new row, never an update, and every score names the version it was made
-- with. Labels, cells and review periods are JSON held as text.
CREATE TABLE risk_matrices (
    version           INTEGER PRIMARY KEY,
    likelihood_labels TEXT NOT NULL,
    impact_labels     TEXT NOT NULL,
    cells             TEXT NOT NULL,
    review_days       TEXT NOT NULL,
    created_by        TEXT REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL
);

-- The risk register: the current inherent and residual scores (each with
-- its matrix version; NULL = not scored), the treatment and its acceptance.
-- Reminders walk next_review_at and treatment_due_at.
CREATE TABLE risks (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    scenario            TEXT NOT NULL DEFAULT '',
    owner_department_id TEXT NOT NULL REFERENCES departments (id),
    owner_user_id       TEXT REFERENCES users (id),
    inherent_likelihood SMALLINT NOT NULL CHECK (inherent_likelihood BETWEEN 1 AND 5),
    inherent_impact     SMALLINT NOT NULL CHECK (inherent_impact BETWEEN 1 AND 5),
    inherent_version    INTEGER NOT NULL REFERENCES risk_matrices (version),
    inherent_level      TEXT NOT NULL CHECK (inherent_level IN ('low', 'medium', 'high', 'very_high')),
    residual_likelihood SMALLINT CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_impact     SMALLINT CHECK (residual_impact BETWEEN 1 AND 5),
    residual_version    INTEGER REFERENCES risk_matrices (version),
    residual_level      TEXT CHECK (residual_level IN ('low', 'medium', 'high', 'very_high')),
    assessed_at         TIMESTAMPTZ NOT NULL,
    next_review_at      TIMESTAMPTZ NOT NULL,
    treatment           TEXT NOT NULL DEFAULT '' CHECK (treatment IN ('', 'mitigate', 'accept', 'transfer', 'avoid')),
    treatment_due_at    TIMESTAMPTZ,
    treatment_note      TEXT NOT NULL DEFAULT '',
    treatment_done_at   TIMESTAMPTZ,
    accepted_by         TEXT REFERENCES users (id),
    accepted_at         TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX risks_department_idx ON risks (owner_department_id, id);
CREATE INDEX risks_review_idx ON risks (next_review_at, id);
CREATE INDEX risks_treatment_due_idx ON risks (treatment_due_at, id) WHERE treatment_done_at IS NULL;

-- The assets a risk threatens. An asset a risk refers to cannot be deleted
-- (no cascade): it is archived instead.
CREATE TABLE risk_assets (
    risk_id  TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES information_assets (id),
    PRIMARY KEY (risk_id, asset_id)
);
CREATE INDEX risk_assets_asset_idx ON risk_assets (asset_id, risk_id);

-- A risk's history: every change of its scores, treatment or acceptance,
-- with the risk as it stood after it.
CREATE TABLE risk_events (
    id                  TEXT PRIMARY KEY,
    risk_id             TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'assessed', 'treatment', 'accepted')),
    at                  TIMESTAMPTZ NOT NULL,
    actor_id            TEXT REFERENCES users (id),
    inherent_likelihood SMALLINT NOT NULL,
    inherent_impact     SMALLINT NOT NULL,
    inherent_version    INTEGER NOT NULL REFERENCES risk_matrices (version),
    inherent_level      TEXT NOT NULL,
    residual_likelihood SMALLINT,
    residual_impact     SMALLINT,
    residual_version    INTEGER REFERENCES risk_matrices (version),
    residual_level      TEXT,
    treatment           TEXT NOT NULL DEFAULT '',
    treatment_due_at    TIMESTAMPTZ,
    owner_department_id TEXT NOT NULL REFERENCES departments (id),
    owner_user_id       TEXT REFERENCES users (id),
    note                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX risk_events_risk_idx ON risk_events (risk_id, id);

-- In-app reminders of risks whose review or treatment is due: one per
-- (risk, kind, due time, user), so a daily job that runs twice reminds once.
CREATE TABLE risk_reminders (
    id         TEXT PRIMARY KEY,
    risk_id    TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('review', 'treatment')),
    due_at     TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX risk_reminders_once_key ON risk_reminders (risk_id, kind, due_at, user_id);
CREATE INDEX risk_reminders_user_idx ON risk_reminders (user_id, id) WHERE read_at IS NULL;
