-- Advisories (IM-3): the working copy of each advisory and its published
-- revisions. The words (titles, texts, products, CVE ids, references) are a
-- JSON document in content; a revision freezes the content together with the
-- exact CSAF 2.0 document published for it. Lists walk the primary key newest
-- first; the published list and the CSAF provider walk (published_tlp, id).

CREATE TABLE advisories (
    id                 TEXT PRIMARY KEY,
    tracking_id        TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'published')),
    content            TEXT NOT NULL,
    revision           INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
    published_tlp      TEXT NOT NULL DEFAULT '' CHECK (published_tlp IN ('', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
    published_category TEXT NOT NULL DEFAULT '',
    recipients         TEXT NOT NULL DEFAULT '',
    author_id          TEXT REFERENCES users (id),
    editors            TEXT NOT NULL DEFAULT '',
    submitted_by       TEXT REFERENCES users (id),
    submitted_at       TIMESTAMPTZ,
    approved_by        TEXT REFERENCES users (id),
    approved_at        TIMESTAMPTZ,
    initial_release_at TIMESTAMPTZ,
    current_release_at TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX advisories_tracking_key ON advisories (tracking_id);
CREATE INDEX advisories_published_idx ON advisories (published_tlp, id);

CREATE TABLE advisory_revisions (
    id           TEXT PRIMARY KEY,
    advisory_id  TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL CHECK (number >= 1),
    summary      TEXT NOT NULL,
    content      TEXT NOT NULL,
    csaf         TEXT NOT NULL,
    published_by TEXT REFERENCES users (id),
    approved_by  TEXT REFERENCES users (id),
    published_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX advisory_revisions_key ON advisory_revisions (advisory_id, number);
