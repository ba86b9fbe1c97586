-- Event analysis (IM-2, decision 0042) reads one period at a time. Alert
-- events are counted and timed by when their first alert arrived, and an
-- incident's source asks whether an alert event was promoted into it;
-- without these indexes both scanned every alert event.
CREATE INDEX alert_events_first_seen_idx ON alert_events (first_seen);
CREATE INDEX alert_events_incident_idx ON alert_events (incident_id);
