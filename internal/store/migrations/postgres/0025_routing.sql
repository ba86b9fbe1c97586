-- The matrix routes ISMS work too (issue 5 point 2, decision 0038). When a
-- person names no department, the organisation's pattern chooses one by an
-- activity and the item records that activity in routed_activity ('' = the
-- department was chosen by a person): risks without an owner department
-- (risk_assessment), basic policy and rules documents without an owner
-- department (basic_policy, rules), the internal audit programme's owner unit
-- (internal_audit) and the unit that prepares a management review
-- (management_review). A change of pattern moves the open routed items.

ALTER TABLE risks ADD COLUMN routed_activity TEXT NOT NULL DEFAULT '';
CREATE INDEX risks_routed_idx ON risks (routed_activity, id) WHERE routed_activity <> '';

ALTER TABLE documents ADD COLUMN routed_activity TEXT NOT NULL DEFAULT '';
CREATE INDEX documents_routed_idx ON documents (routed_activity, id) WHERE routed_activity <> '' AND archived = 0;

ALTER TABLE audit_programmes ADD COLUMN department_id TEXT REFERENCES departments (id);
ALTER TABLE audit_programmes ADD COLUMN routed_activity TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_programmes_routed_idx ON audit_programmes (routed_activity, id) WHERE routed_activity <> '';

ALTER TABLE management_reviews ADD COLUMN department_id TEXT REFERENCES departments (id);
ALTER TABLE management_reviews ADD COLUMN routed_activity TEXT NOT NULL DEFAULT '';
CREATE INDEX management_reviews_routed_idx ON management_reviews (routed_activity, id) WHERE routed_activity <> '' AND status IN ('planned', 'held');
