-- Issue 3 part 6: the times later metrics need, set by the workflow. An
-- incident keeps when its first reporter noticed the problem (as they say) and
-- when it first reached the CSIRT (its earliest report, else its creation), so
-- that time to triage and to respond count from the report, not from the
-- moment the CSIRT opened the incident.
ALTER TABLE incidents ADD COLUMN noticed_at TEXT;
ALTER TABLE incidents ADD COLUMN reported_at TEXT;
UPDATE incidents SET
    noticed_at = (SELECT MIN(r.noticed_at) FROM report_incidents ri JOIN reports r ON r.id = ri.report_id
                  WHERE ri.incident_id = incidents.id),
    reported_at = COALESCE((SELECT MIN(r.reported_at) FROM report_incidents ri JOIN reports r ON r.id = ri.report_id
                            WHERE ri.incident_id = incidents.id), created_at);
