-- The Check area's links and housekeeping (issue 4 part 4, decision 0028).
-- Findings and metrics link to a measure of the catalogue (measure_id, a
-- foreign key: a measure they name cannot be deleted under them), findings to
-- a framework requirement by (framework_key, requirement_ref) without a
-- foreign key, because the built-in ISO/IEC 27001 rows are not stored (as in
-- 0015); the service checks them. The free-text findings.requirement stays as
-- a note and metrics.measure_ref as a free-text reference. Metrics are
-- archived rather than deleted once values are recorded. action_reminders are
-- the in-app reminders of overdue corrective actions: one per (action, due
-- date, user), so a daily job that runs twice reminds once.

ALTER TABLE findings ADD COLUMN measure_id TEXT DEFAULT NULL REFERENCES measures (id);
ALTER TABLE findings ADD COLUMN framework_key TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN requirement_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX findings_measure_idx ON findings (measure_id, id);

ALTER TABLE metrics ADD COLUMN measure_id TEXT DEFAULT NULL REFERENCES measures (id);
ALTER TABLE metrics ADD COLUMN archived_at TIMESTAMPTZ;
CREATE INDEX metrics_measure_idx ON metrics (measure_id, id);

-- A metric whose free-text reference names an ISO/IEC 27001:2022 control
-- that exactly one measure implements is linked to that measure.
UPDATE metrics SET measure_id = (
    SELECT mr.measure_id FROM measure_requirements mr
    WHERE mr.framework_key = 'iso27001-2022' AND mr.ref = metrics.measure_ref)
WHERE measure_ref <> '' AND (
    SELECT count(*) FROM measure_requirements mr
    WHERE mr.framework_key = 'iso27001-2022' AND mr.ref = metrics.measure_ref) = 1;

-- Overdue actions: due date passed, not yet implemented.
CREATE INDEX corrective_actions_due_idx ON corrective_actions (due_date, id) WHERE status IN ('open', 'in_progress', 'ineffective');

CREATE TABLE action_reminders (
    id         TEXT PRIMARY KEY,
    action_id  TEXT NOT NULL REFERENCES corrective_actions (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    due_date   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX action_reminders_once_key ON action_reminders (action_id, due_date, user_id);
CREATE INDEX action_reminders_user_idx ON action_reminders (user_id, id) WHERE read_at IS NULL;
