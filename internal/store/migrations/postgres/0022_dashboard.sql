-- The dashboard (IN-5, IN-6, decision 0033) reads one period at a time:
-- incidents and reports by the time they were reported. Without these
-- indexes every figure scanned the whole incidents table (and, for the
-- departments, every task); with them a period is a range of the index.
CREATE INDEX incidents_reported_idx ON incidents (reported_at);
CREATE INDEX reports_reported_idx ON reports (reported_at);
