-- Alert de-duplication looks alerts up by fingerprint (decision 0046). The
-- index was on (fingerprint, last_seen): a fingerprint is up to 200 bytes,
-- usually a 64-character SHA-256, so each entry took about 100 bytes, and a
-- batch of new alerts wrote a random leaf of a large index per alert. It is
-- now on fp_key, the first 64 bits of the SHA-256 of the fingerprint, which
-- the store computes; a look-up matches the key and then the fingerprint.
-- last_seen is no longer in the index, so a repeat (which moves last_seen)
-- changes no index. The migration fills fp_key for the rows already stored.
ALTER TABLE alerts ADD COLUMN fp_key BIGINT NOT NULL DEFAULT 0;
DROP INDEX alerts_fingerprint_idx;
CREATE INDEX alerts_fp_key_idx ON alerts (fp_key);
