-- Durable background jobs (PL-6): enqueued in the caller's transaction, claimed
-- under a lease by any number of workers (FOR UPDATE SKIP LOCKED).

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    unique_key   TEXT,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    last_error   TEXT NOT NULL DEFAULT '',
    locked_by    TEXT,
    locked_until TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
-- The claim query's access path: due pending jobs and expired leases.
CREATE INDEX jobs_state_run_at_idx ON jobs (state, run_at);
-- Re-enqueueing a job with the same key is a no-op (ON CONFLICT DO NOTHING)
-- unless the earlier one was cancelled, so a stopped and restarted clock can
-- schedule its reminder again.
CREATE UNIQUE INDEX jobs_unique_key_key ON jobs (unique_key) WHERE state <> 'cancelled';
