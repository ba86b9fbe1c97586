-- Content-addressed blobs (evidence files, report attachments), kept in the
-- database so every instance on PostgreSQL sees the same files and a SQLite
-- installation stays one file. A blob row is written in the same transaction
-- as its chunks, so a blob that exists is always complete.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL CHECK (size >= 0),
    media_type TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Chunks of 256 KiB, idx from 0.
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    idx    INTEGER NOT NULL CHECK (idx >= 0),
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, idx)
) STRICT;

-- Files a reporter attached to a report. The file name is sanitised; nothing
-- about the sender is kept.
CREATE TABLE report_attachments (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    filename   TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    media_type TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX report_attachments_report_idx ON report_attachments (report_id, id);
CREATE INDEX report_attachments_sha256_idx ON report_attachments (sha256);
