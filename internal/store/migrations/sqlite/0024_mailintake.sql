-- Mail intake (IH-2): the channel a report came through, and every message the
-- mailgate took in or sent back. Replies thread onto a report by the Message-IDs
-- kept here; the raw message is a blob, attached to the report as well.

ALTER TABLE reports ADD COLUMN channel TEXT NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'mail'));

CREATE TABLE mail_messages (
    id                TEXT PRIMARY KEY,
    report_id         TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('in', 'ack')),
    message_id        TEXT NOT NULL,
    report_message_id TEXT REFERENCES report_messages (id) ON DELETE SET NULL,
    raw_sha256        TEXT REFERENCES blobs (sha256),
    from_address      TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL DEFAULT '' CHECK (language IN ('', 'en', 'ja')),
    notes             INTEGER NOT NULL DEFAULT 0 CHECK (notes >= 0),
    received_at       TEXT NOT NULL
) STRICT;
CREATE INDEX mail_messages_message_id_idx ON mail_messages (message_id, id);
CREATE INDEX mail_messages_report_idx ON mail_messages (report_id, id);
