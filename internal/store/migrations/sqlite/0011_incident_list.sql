-- The incident list for viewers who may not see every restricted incident
-- (store/incidents.go incidentsQuery): unrestricted incidents are walked
-- through partial indexes that hold only them, so a page never probes the
-- membership of restricted incidents the viewer cannot see. The predicate is
-- the query's, word for word.
CREATE INDEX incidents_unrestricted_idx ON incidents (id) WHERE tlp NOT IN ('RED', 'AMBER+STRICT');
CREATE INDEX incidents_unrestricted_phase_idx ON incidents (phase, id) WHERE tlp NOT IN ('RED', 'AMBER+STRICT');
