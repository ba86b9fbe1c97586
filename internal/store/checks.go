package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// The ISMS's Check (IS-4). Lists are newest first by UUIDv7 id, after the
// cursor (an id), and never count the table.

type checkScanner = interface{ Scan(...any) error }

// checkPageDesc adds the newest-first keyset page to a query that already has a WHERE clause.
func checkPageDesc(query string, args []any, p hikeshi.Page) (string, []any) {
	p = p.Normalize()
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	return query + " ORDER BY id DESC LIMIT ?", append(args, p.Limit)
}

const programmeCols = "id, year, title, period_start, period_end, objectives, created_by, created_at, updated_at, department_id, routed_activity"

func scanProgramme(s checkScanner) (hikeshi.AuditProgramme, error) {
	var p hikeshi.AuditProgramme
	var by, dept sql.NullString
	err := s.Scan(&p.ID, &p.Year, &p.Title, &p.PeriodStart, &p.PeriodEnd, &p.Objectives, &by, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt},
		&dept, &p.RoutedActivity)
	p.CreatedBy, p.DepartmentID = by.String, dept.String
	return p, err
}

// FindAuditProgrammeByID returns one audit programme.
func (q queries) FindAuditProgrammeByID(ctx context.Context, id string) (hikeshi.AuditProgramme, error) {
	p, err := scanProgramme(q.row(ctx, "SELECT "+programmeCols+" FROM audit_programmes WHERE id = ?", id))
	return p, notFound(err)
}

// FindAuditProgrammes lists audit programmes newest first.
func (q queries) FindAuditProgrammes(ctx context.Context, p hikeshi.Page) ([]hikeshi.AuditProgramme, error) {
	query, args := checkPageDesc("SELECT "+programmeCols+" FROM audit_programmes WHERE 1 = 1", nil, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanProgramme)
}

// CreateAuditProgramme inserts a programme; a second programme for a year is ErrConflict.
func (t *tx) CreateAuditProgramme(ctx context.Context, p hikeshi.AuditProgramme) error {
	_, err := t.exec(ctx, "INSERT INTO audit_programmes ("+programmeCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.Year, p.Title, p.PeriodStart, p.PeriodEnd, p.Objectives, nullString(p.CreatedBy), t.d.t(p.CreatedAt), t.d.t(p.UpdatedAt),
		nullString(p.DepartmentID), string(p.RoutedActivity))
	return err
}

// UpdateAuditProgramme writes a programme's mutable fields.
func (t *tx) UpdateAuditProgramme(ctx context.Context, p hikeshi.AuditProgramme) error {
	return t.execOne(ctx, `UPDATE audit_programmes SET year = ?, title = ?, period_start = ?, period_end = ?, objectives = ?, updated_at = ?,
		department_id = ?, routed_activity = ? WHERE id = ?`,
		p.Year, p.Title, p.PeriodStart, p.PeriodEnd, p.Objectives, t.d.t(p.UpdatedAt), nullString(p.DepartmentID), string(p.RoutedActivity), p.ID)
}

const internalAuditCols = "id, programme_id, title, scope, department_ids, criteria, planned_start, planned_end, auditor_ids, status, report, " +
	"created_by, created_at, updated_at"

func scanInternalAudit(s checkScanner) (hikeshi.InternalAudit, error) {
	var a hikeshi.InternalAudit
	var depts, auditors string
	var by sql.NullString
	err := s.Scan(&a.ID, &a.ProgrammeID, &a.Title, &a.Scope, &depts, &a.Criteria, &a.PlannedStart, &a.PlannedEnd, &auditors, &a.Status,
		&a.Report, &by, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.DepartmentIDs, a.AuditorIDs, a.CreatedBy = strings.Fields(depts), strings.Fields(auditors), by.String
	return a, err
}

// FindInternalAuditByID returns one internal audit.
func (q queries) FindInternalAuditByID(ctx context.Context, id string) (hikeshi.InternalAudit, error) {
	a, err := scanInternalAudit(q.row(ctx, "SELECT "+internalAuditCols+" FROM internal_audits WHERE id = ?", id))
	return a, notFound(err)
}

// FindInternalAudits lists internal audits newest first, of one programme or all.
func (q queries) FindInternalAudits(ctx context.Context, programmeID string, p hikeshi.Page) ([]hikeshi.InternalAudit, error) {
	query, args := "SELECT "+internalAuditCols+" FROM internal_audits WHERE 1 = 1", []any{}
	if programmeID != "" {
		query, args = query+" AND programme_id = ?", append(args, programmeID)
	}
	query, args = checkPageDesc(query, args, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanInternalAudit)
}

// DeleteAuditProgramme removes a programme.
func (t *tx) DeleteAuditProgramme(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM audit_programmes WHERE id = ?", id)
}

// DeleteInternalAudit removes an internal audit.
func (t *tx) DeleteInternalAudit(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM internal_audits WHERE id = ?", id)
}

func (t *tx) internalAuditArgs(a hikeshi.InternalAudit) []any {
	return []any{a.Title, a.Scope, strings.Join(a.DepartmentIDs, " "), a.Criteria, a.PlannedStart, a.PlannedEnd,
		strings.Join(a.AuditorIDs, " "), string(a.Status), a.Report}
}

// CreateInternalAudit inserts an internal audit.
func (t *tx) CreateInternalAudit(ctx context.Context, a hikeshi.InternalAudit) error {
	args := append([]any{a.ID, a.ProgrammeID}, t.internalAuditArgs(a)...)
	args = append(args, nullString(a.CreatedBy), t.d.t(a.CreatedAt), t.d.t(a.UpdatedAt))
	_, err := t.exec(ctx, "INSERT INTO internal_audits ("+internalAuditCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
	return err
}

// UpdateInternalAudit writes an internal audit's mutable fields.
func (t *tx) UpdateInternalAudit(ctx context.Context, a hikeshi.InternalAudit) error {
	args := append(t.internalAuditArgs(a), t.d.t(a.UpdatedAt), a.ID)
	return t.execOne(ctx, `UPDATE internal_audits SET title = ?, scope = ?, department_ids = ?, criteria = ?, planned_start = ?, planned_end = ?,
		auditor_ids = ?, status = ?, report = ?, updated_at = ? WHERE id = ?`, args...)
}

const findingCols = "id, audit_id, type, description, requirement, framework_key, requirement_ref, measure_id, department_id, created_by, created_at, updated_at"

func scanFinding(s checkScanner) (hikeshi.Finding, error) {
	var f hikeshi.Finding
	var by, measure sql.NullString
	err := s.Scan(&f.ID, &f.AuditID, &f.Type, &f.Description, &f.Requirement, &f.RequirementRef.FrameworkKey, &f.RequirementRef.Ref, &measure,
		&f.DepartmentID, &by, timeCol{&f.CreatedAt}, timeCol{&f.UpdatedAt})
	f.CreatedBy, f.MeasureID = by.String, measure.String
	return f, err
}

// FindFindingByID returns one finding.
func (q queries) FindFindingByID(ctx context.Context, id string) (hikeshi.Finding, error) {
	f, err := scanFinding(q.row(ctx, "SELECT "+findingCols+" FROM findings WHERE id = ?", id))
	return f, notFound(err)
}

// FindFindings lists findings newest first, of one audit or all.
func (q queries) FindFindings(ctx context.Context, auditID string, p hikeshi.Page) ([]hikeshi.Finding, error) {
	query, args := "SELECT "+findingCols+" FROM findings WHERE 1 = 1", []any{}
	if auditID != "" {
		query, args = query+" AND audit_id = ?", append(args, auditID)
	}
	query, args = checkPageDesc(query, args, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanFinding)
}

// CreateFinding inserts a finding.
func (t *tx) CreateFinding(ctx context.Context, f hikeshi.Finding) error {
	_, err := t.exec(ctx, "INSERT INTO findings ("+findingCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		f.ID, f.AuditID, string(f.Type), f.Description, f.Requirement, f.RequirementRef.FrameworkKey, f.RequirementRef.Ref, nullString(f.MeasureID),
		f.DepartmentID, nullString(f.CreatedBy), t.d.t(f.CreatedAt), t.d.t(f.UpdatedAt))
	return err
}

// UpdateFinding writes a finding's mutable fields.
func (t *tx) UpdateFinding(ctx context.Context, f hikeshi.Finding) error {
	return t.execOne(ctx, `UPDATE findings SET type = ?, description = ?, requirement = ?, framework_key = ?, requirement_ref = ?, measure_id = ?,
		department_id = ?, updated_at = ? WHERE id = ?`,
		string(f.Type), f.Description, f.Requirement, f.RequirementRef.FrameworkKey, f.RequirementRef.Ref, nullString(f.MeasureID), f.DepartmentID,
		t.d.t(f.UpdatedAt), f.ID)
}

// DeleteFinding removes a finding.
func (t *tx) DeleteFinding(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM findings WHERE id = ?", id)
}

const actionCols = "id, source_kind, source_id, title, root_cause, action, department_id, owner_id, due_date, status, " +
	"checked_by, checked_at, check_result, check_note, created_by, created_at, updated_at, closed_at"

func scanAction(s checkScanner) (hikeshi.CorrectiveAction, error) {
	var a hikeshi.CorrectiveAction
	var owner, checker, by sql.NullString
	err := s.Scan(&a.ID, &a.SourceKind, &a.SourceID, &a.Title, &a.RootCause, &a.Action, &a.DepartmentID, &owner, &a.DueDate, &a.Status,
		&checker, timeCol{&a.CheckedAt}, &a.CheckResult, &a.CheckNote, &by, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, timeCol{&a.ClosedAt})
	a.OwnerID, a.CheckedBy, a.CreatedBy = owner.String, checker.String, by.String
	return a, err
}

// FindCorrectiveActionByID returns one corrective action.
func (q queries) FindCorrectiveActionByID(ctx context.Context, id string) (hikeshi.CorrectiveAction, error) {
	a, err := scanAction(q.row(ctx, "SELECT "+actionCols+" FROM corrective_actions WHERE id = ?", id))
	return a, notFound(err)
}

// FindCorrectiveActions lists corrective actions newest first, of one source or all.
func (q queries) FindCorrectiveActions(ctx context.Context, kind hikeshi.ActionSourceKind, sourceID string, p hikeshi.Page) ([]hikeshi.CorrectiveAction, error) {
	query, args := "SELECT "+actionCols+" FROM corrective_actions WHERE 1 = 1", []any{}
	if kind != "" {
		query, args = query+" AND source_kind = ? AND source_id = ?", append(args, string(kind), sourceID)
	}
	query, args = checkPageDesc(query, args, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAction)
}

// FindActions lists corrective actions newest first; with OverdueOn, only
// those not yet implemented (open, in progress, reworked) due before it.
func (q queries) FindActions(ctx context.Context, f hikeshi.ActionFilter) ([]hikeshi.CorrectiveAction, error) {
	query, args := "SELECT "+actionCols+" FROM corrective_actions WHERE 1 = 1", []any{}
	if f.OverdueOn != "" {
		query += " AND status IN ('open', 'in_progress', 'ineffective') AND due_date < ?"
		args = append(args, f.OverdueOn)
	}
	query, args = checkPageDesc(query, args, f.Page)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAction)
}

func (t *tx) actionArgs(a hikeshi.CorrectiveAction) []any {
	return []any{a.Title, a.RootCause, a.Action, a.DepartmentID, nullString(a.OwnerID), a.DueDate, string(a.Status),
		nullString(a.CheckedBy), t.d.t(a.CheckedAt), string(a.CheckResult), a.CheckNote}
}

// CreateCorrectiveAction inserts a corrective action.
func (t *tx) CreateCorrectiveAction(ctx context.Context, a hikeshi.CorrectiveAction) error {
	args := append([]any{a.ID, string(a.SourceKind), a.SourceID}, t.actionArgs(a)...)
	args = append(args, nullString(a.CreatedBy), t.d.t(a.CreatedAt), t.d.t(a.UpdatedAt), t.d.t(a.ClosedAt))
	_, err := t.exec(ctx, "INSERT INTO corrective_actions ("+actionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
	return err
}

// UpdateCorrectiveAction writes a corrective action's mutable fields.
func (t *tx) UpdateCorrectiveAction(ctx context.Context, a hikeshi.CorrectiveAction) error {
	args := append(t.actionArgs(a), t.d.t(a.UpdatedAt), t.d.t(a.ClosedAt), a.ID)
	return t.execOne(ctx, `UPDATE corrective_actions SET title = ?, root_cause = ?, action = ?, department_id = ?, owner_id = ?, due_date = ?,
		status = ?, checked_by = ?, checked_at = ?, check_result = ?, check_note = ?, updated_at = ?, closed_at = ? WHERE id = ?`, args...)
}

const metricCols = "id, name, measure_ref, measure_id, unit, target, comparison, frequency, department_id, created_by, created_at, updated_at, archived_at"

func scanMetric(s checkScanner) (hikeshi.Metric, error) {
	var m hikeshi.Metric
	var by, measure sql.NullString
	err := s.Scan(&m.ID, &m.Name, &m.MeasureRef, &measure, &m.Unit, &m.Target, &m.Comparison, &m.Frequency, &m.DepartmentID, &by,
		timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt}, timeCol{&m.ArchivedAt})
	m.CreatedBy, m.MeasureID = by.String, measure.String
	return m, err
}

// FindMetricByID returns one metric.
func (q queries) FindMetricByID(ctx context.Context, id string) (hikeshi.Metric, error) {
	m, err := scanMetric(q.row(ctx, "SELECT "+metricCols+" FROM metrics WHERE id = ?", id))
	return m, notFound(err)
}

// FindMetrics lists metrics newest first.
func (q queries) FindMetrics(ctx context.Context, p hikeshi.Page) ([]hikeshi.Metric, error) {
	query, args := checkPageDesc("SELECT "+metricCols+" FROM metrics WHERE 1 = 1", nil, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMetric)
}

// CreateMetric inserts a metric.
func (t *tx) CreateMetric(ctx context.Context, m hikeshi.Metric) error {
	_, err := t.exec(ctx, "INSERT INTO metrics ("+metricCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.Name, m.MeasureRef, nullString(m.MeasureID), m.Unit, m.Target, string(m.Comparison), string(m.Frequency), m.DepartmentID,
		nullString(m.CreatedBy), t.d.t(m.CreatedAt), t.d.t(m.UpdatedAt), t.d.t(m.ArchivedAt))
	return err
}

// UpdateMetric writes a metric's mutable fields, its archiving included.
func (t *tx) UpdateMetric(ctx context.Context, m hikeshi.Metric) error {
	return t.execOne(ctx, `UPDATE metrics SET name = ?, measure_ref = ?, measure_id = ?, unit = ?, target = ?, comparison = ?, frequency = ?,
		department_id = ?, updated_at = ?, archived_at = ? WHERE id = ?`, m.Name, m.MeasureRef, nullString(m.MeasureID), m.Unit, m.Target,
		string(m.Comparison), string(m.Frequency), m.DepartmentID, t.d.t(m.UpdatedAt), t.d.t(m.ArchivedAt), m.ID)
}

// DeleteMetric removes a metric.
func (t *tx) DeleteMetric(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM metrics WHERE id = ?", id)
}

const metricValueCols = "id, metric_id, period, value, note, recorded_by, recorded_at"

func scanMetricValue(s checkScanner) (hikeshi.MetricValue, error) {
	var v hikeshi.MetricValue
	var by sql.NullString
	err := s.Scan(&v.ID, &v.MetricID, &v.Period, &v.Value, &v.Note, &by, timeCol{&v.RecordedAt})
	v.RecordedBy = by.String
	return v, err
}

// FindMetricValues lists a metric's values, the most recently recorded first.
func (q queries) FindMetricValues(ctx context.Context, metricID string, p hikeshi.Page) ([]hikeshi.MetricValue, error) {
	query, args := checkPageDesc("SELECT "+metricValueCols+" FROM metric_values WHERE metric_id = ?", []any{metricID}, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMetricValue)
}

// CreateMetricValue inserts a recorded value.
func (t *tx) CreateMetricValue(ctx context.Context, v hikeshi.MetricValue) error {
	_, err := t.exec(ctx, "INSERT INTO metric_values ("+metricValueCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		v.ID, v.MetricID, v.Period, v.Value, v.Note, nullString(v.RecordedBy), t.d.t(v.RecordedAt))
	return err
}

const actionReminderCols = "id, action_id, user_id, due_date, created_at, read_at"

func scanActionReminder(s checkScanner) (hikeshi.ActionReminder, error) {
	var n hikeshi.ActionReminder
	err := s.Scan(&n.ID, &n.ActionID, &n.UserID, &n.DueDate, timeCol{&n.CreatedAt}, timeCol{&n.ReadAt})
	return n, err
}

// FindActionReminders lists a user's unread action reminders newest first.
func (q queries) FindActionReminders(ctx context.Context, userID string, limit int) ([]hikeshi.ActionReminder, error) {
	rows, err := q.query(ctx, "SELECT "+actionReminderCols+" FROM action_reminders WHERE user_id = ? AND read_at IS NULL ORDER BY id DESC LIMIT ?",
		userID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanActionReminder)
}

// CreateActionReminder inserts a reminder unless its (action, due date, user) exists.
func (t *tx) CreateActionReminder(ctx context.Context, n hikeshi.ActionReminder) (bool, error) {
	res, err := t.exec(ctx, "INSERT INTO action_reminders ("+actionReminderCols+") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		n.ID, n.ActionID, n.UserID, n.DueDate, t.d.t(n.CreatedAt), t.d.t(n.ReadAt))
	if err != nil {
		return false, err
	}
	c, err := res.RowsAffected()
	return c == 1, err
}

// MarkActionReminderRead marks one of the user's action reminders read.
func (t *tx) MarkActionReminderRead(ctx context.Context, id, userID string, at time.Time) error {
	return t.execOne(ctx, "UPDATE action_reminders SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?", t.d.t(at), id, userID)
}
