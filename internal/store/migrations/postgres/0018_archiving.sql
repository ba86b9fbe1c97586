-- Archiving (issue 4, "Bad input"; decision 0027): documents, measures and
-- imported frameworks are retired by archiving instead of deleting, because
-- what other records refer to is refused deletion. An archived row stays
-- readable with its history; lists leave it out unless asked.

ALTER TABLE documents ADD COLUMN archived SMALLINT NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
ALTER TABLE measures ADD COLUMN archived SMALLINT NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
ALTER TABLE frameworks ADD COLUMN archived SMALLINT NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
