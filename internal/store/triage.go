package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Triage of reports (IH-4): see migration 0006.

const reportTriageCols = "report_id, category, impact, urgency, priority, tlp, owner_id, policy, policy_note, decision, " +
	"duplicate_of, reason, classified_by, classified_at, decided_by, decided_at"

// prefixed returns cols with every column qualified by alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = alias + "." + c
	}
	return strings.Join(parts, ", ")
}

// triageDest returns the scan destinations of reportTriageCols into t and a
// function that finishes the nullable columns after the scan.
func triageDest(t *hikeshi.ReportTriage) ([]any, func()) {
	var rid, owner, dup, cby, dby sql.NullString
	var impact, urgency, priority sql.NullInt64
	var category, tlp, policy, note, decision, reason sql.NullString
	dest := []any{&rid, &category, &impact, &urgency, &priority, &tlp, &owner, &policy, &note, &decision, &dup, &reason,
		&cby, timeCol{&t.ClassifiedAt}, &dby, timeCol{&t.DecidedAt}}
	return dest, func() {
		t.ReportID, t.Category, t.TLP, t.OwnerID = rid.String, category.String, hikeshi.TLP(tlp.String), owner.String
		t.Impact, t.Urgency, t.Priority = hikeshi.Level(impact.Int64), hikeshi.Level(urgency.Int64), hikeshi.Priority(priority.Int64)
		t.Policy, t.PolicyNote, t.Decision = hikeshi.ResponsePolicy(policy.String), note.String, hikeshi.TriageAction(decision.String)
		t.DuplicateOfID, t.Reason, t.ClassifiedBy, t.DecidedBy = dup.String, reason.String, cby.String, dby.String
	}
}

// FindTriageQueue lists the reports waiting for triage oldest first, after
// the cursor. It walks the partial index reports_triage_queue_idx, which
// holds only waiting reports, forwards and stops at the limit: no count, no
// sort, however many closed reports the table holds.
func (q queries) FindTriageQueue(ctx context.Context, p hikeshi.Page) ([]hikeshi.TriageQueueItem, error) {
	p = p.Normalize()
	query, args := triageQueueQuery(q.d, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.TriageQueueItem, error) {
		var it hikeshi.TriageQueueItem
		r := &it.Report
		var anon int
		var reporter sql.NullString
		dest := []any{&r.ID, &r.Number, &r.Source, &r.Status, &r.Description, timeCol{&r.NoticedAt}, timeCol{&r.ReportedAt},
			&r.Contact, &r.ContactEmail, &r.Organisation, &anon, &reporter, &r.FollowUpHash, &r.SubmissionHash,
			timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}}
		td, finish := triageDest(&it.Triage)
		err := s.Scan(append(dest, td...)...)
		r.Anonymous, r.ReporterUserID = anon == 1, reporter.String
		finish()
		return it, err
	})
}

// triageQueueQuery builds FindTriageQueue's statement (a test checks its plan).
// Without statistics SQLite's planner prefers reports_status_idx, which
// serves the filter but not the order, and would sort every waiting report
// for each page; INDEXED BY holds it to the partial index. PostgreSQL has no
// such hint; with statistics (20,000 reports, analysed) it walks the partial
// index too, as an Index Only Scan merged with report_triage.
func triageQueueQuery(d dialect, p hikeshi.Page) (string, []any) {
	from := " FROM reports r"
	if d.engine == SQLite {
		from += " INDEXED BY reports_triage_queue_idx"
	}
	query := "SELECT " + prefixed("r", reportCols) + ", " + prefixed("t", reportTriageCols) +
		from + " LEFT JOIN report_triage t ON t.report_id = r.id" +
		" WHERE r.status IN ('new', 'in_triage')"
	var args []any
	if p.After != "" {
		query += " AND r.id > ?"
		args = append(args, p.After)
	}
	query += " ORDER BY r.id LIMIT ?"
	return query, append(args, p.Limit)
}

// FindReportTriage returns a report's triage.
func (q queries) FindReportTriage(ctx context.Context, reportID string) (hikeshi.ReportTriage, error) {
	var t hikeshi.ReportTriage
	dest, finish := triageDest(&t)
	err := q.row(ctx, "SELECT "+reportTriageCols+" FROM report_triage WHERE report_id = ?", reportID).Scan(dest...)
	finish()
	return t, notFound(err)
}

// PutReportTriage inserts or replaces a report's triage.
func (t *tx) PutReportTriage(ctx context.Context, r hikeshi.ReportTriage) error {
	_, err := t.exec(ctx, "INSERT INTO report_triage ("+reportTriageCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		` ON CONFLICT (report_id) DO UPDATE SET category = excluded.category, impact = excluded.impact, urgency = excluded.urgency,
		priority = excluded.priority, tlp = excluded.tlp, owner_id = excluded.owner_id, policy = excluded.policy,
		policy_note = excluded.policy_note, decision = excluded.decision, duplicate_of = excluded.duplicate_of,
		reason = excluded.reason, classified_by = excluded.classified_by, classified_at = excluded.classified_at,
		decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
		r.ReportID, r.Category, int(r.Impact), int(r.Urgency), int(r.Priority), string(r.TLP), nullString(r.OwnerID),
		string(r.Policy), r.PolicyNote, string(r.Decision), nullString(r.DuplicateOfID), r.Reason, nullString(r.ClassifiedBy),
		t.d.t(r.ClassifiedAt), nullString(r.DecidedBy), t.d.t(r.DecidedAt))
	return err
}

const triageRecordCols = "id, report_id, action, category, impact, urgency, priority, tlp, owner_id, policy, policy_note, " +
	"incident_id, duplicate_of, reason, message_id, author_id, at"

// FindTriageRecords lists a report's triage history oldest first, after the cursor.
func (q queries) FindTriageRecords(ctx context.Context, reportID string, p hikeshi.Page) ([]hikeshi.TriageRecord, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+triageRecordCols+" FROM triage_decisions WHERE report_id = ? AND id > ? ORDER BY id LIMIT ?",
		reportID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.TriageRecord, error) {
		var r hikeshi.TriageRecord
		var owner, inc, dup, msg, author sql.NullString
		err := s.Scan(&r.ID, &r.ReportID, &r.Action, &r.Category, &r.Impact, &r.Urgency, &r.Priority, &r.TLP, &owner,
			&r.Policy, &r.PolicyNote, &inc, &dup, &r.Reason, &msg, &author, timeCol{&r.At})
		r.OwnerID, r.IncidentID, r.DuplicateOfID, r.MessageID, r.AuthorID = owner.String, inc.String, dup.String, msg.String, author.String
		return r, err
	})
}

// CreateTriageRecord appends to a report's triage history.
func (t *tx) CreateTriageRecord(ctx context.Context, r hikeshi.TriageRecord) error {
	_, err := t.exec(ctx, "INSERT INTO triage_decisions ("+triageRecordCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.ReportID, string(r.Action), r.Category, int(r.Impact), int(r.Urgency), int(r.Priority), string(r.TLP),
		nullString(r.OwnerID), string(r.Policy), r.PolicyNote, nullString(r.IncidentID), nullString(r.DuplicateOfID), r.Reason,
		nullString(r.MessageID), nullString(r.AuthorID), t.d.t(r.At))
	return err
}

// FindReportIncident returns a report's incident link.
func (q queries) FindReportIncident(ctx context.Context, reportID string) (hikeshi.ReportIncident, error) {
	var l hikeshi.ReportIncident
	var by sql.NullString
	err := q.row(ctx, "SELECT report_id, incident_id, linked_by, linked_at FROM report_incidents WHERE report_id = ?", reportID).
		Scan(&l.ReportID, &l.IncidentID, &by, timeCol{&l.LinkedAt})
	l.LinkedBy = by.String
	return l, notFound(err)
}

// FindIncidentReports lists an incident's reports oldest first, after the
// cursor (a report id), walking report_incidents_incident_idx.
func (q queries) FindIncidentReports(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.Report, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+prefixed("r", reportCols)+" FROM report_incidents l JOIN reports r ON r.id = l.report_id"+
		" WHERE l.incident_id = ? AND l.report_id > ? ORDER BY l.report_id LIMIT ?", incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanReport)
}

// CreateReportIncident links a report that has no incident yet; the primary
// key refuses a second link (a concurrent transaction waits, then conflicts).
func (t *tx) CreateReportIncident(ctx context.Context, l hikeshi.ReportIncident) error {
	_, err := t.exec(ctx, "INSERT INTO report_incidents (report_id, incident_id, linked_by, linked_at) VALUES (?, ?, ?, ?)",
		l.ReportID, l.IncidentID, nullString(l.LinkedBy), t.d.t(l.LinkedAt))
	return err
}

// PutReportIncident links a report to an incident, replacing its link.
func (t *tx) PutReportIncident(ctx context.Context, l hikeshi.ReportIncident) error {
	_, err := t.exec(ctx, `INSERT INTO report_incidents (report_id, incident_id, linked_by, linked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (report_id) DO UPDATE SET incident_id = excluded.incident_id, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
		l.ReportID, l.IncidentID, nullString(l.LinkedBy), t.d.t(l.LinkedAt))
	return err
}

// DeleteReportIncident removes a report's incident link.
func (t *tx) DeleteReportIncident(ctx context.Context, reportID string) error {
	return t.execOne(ctx, "DELETE FROM report_incidents WHERE report_id = ?", reportID)
}

// MoveIncidentReports links every report of fromID to toID.
func (t *tx) MoveIncidentReports(ctx context.Context, fromID, toID, by string, at time.Time) (int, error) {
	res, err := t.exec(ctx, "UPDATE report_incidents SET incident_id = ?, linked_by = ?, linked_at = ? WHERE incident_id = ?",
		toID, nullString(by), t.d.t(at), fromID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

const incidentLinkCols = "id, incident_id, related_id, note, created_by, created_at"

// FindIncidentLinks lists an incident's links in either direction, oldest first.
func (q queries) FindIncidentLinks(ctx context.Context, incidentID string) ([]hikeshi.IncidentLink, error) {
	rows, err := q.query(ctx, "SELECT "+incidentLinkCols+" FROM incident_links WHERE incident_id = ? OR related_id = ? ORDER BY id",
		incidentID, incidentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.IncidentLink, error) {
		var l hikeshi.IncidentLink
		var by sql.NullString
		err := s.Scan(&l.ID, &l.IncidentID, &l.RelatedID, &l.Note, &by, timeCol{&l.CreatedAt})
		l.CreatedBy = by.String
		return l, err
	})
}

// CreateIncidentLink relates two incidents, stored once in id order.
func (t *tx) CreateIncidentLink(ctx context.Context, l hikeshi.IncidentLink) error {
	if l.RelatedID < l.IncidentID {
		l.IncidentID, l.RelatedID = l.RelatedID, l.IncidentID
	}
	_, err := t.exec(ctx, "INSERT INTO incident_links ("+incidentLinkCols+") VALUES (?, ?, ?, ?, ?, ?)",
		l.ID, l.IncidentID, l.RelatedID, l.Note, nullString(l.CreatedBy), t.d.t(l.CreatedAt))
	return err
}

const incidentMergeCols = "incident_id, into_id, note, merged_by, merged_at"

func scanIncidentMerge(s interface{ Scan(...any) error }) (hikeshi.IncidentMerge, error) {
	var m hikeshi.IncidentMerge
	var by sql.NullString
	err := s.Scan(&m.IncidentID, &m.IntoID, &m.Note, &by, timeCol{&m.MergedAt})
	m.MergedBy = by.String
	return m, err
}

// FindIncidentMerge returns the merge of an incident into another.
func (q queries) FindIncidentMerge(ctx context.Context, incidentID string) (hikeshi.IncidentMerge, error) {
	m, err := scanIncidentMerge(q.row(ctx, "SELECT "+incidentMergeCols+" FROM incident_merges WHERE incident_id = ?", incidentID))
	return m, notFound(err)
}

// FindIncidentMergesInto lists the incidents merged into intoID.
func (q queries) FindIncidentMergesInto(ctx context.Context, intoID string) ([]hikeshi.IncidentMerge, error) {
	rows, err := q.query(ctx, "SELECT "+incidentMergeCols+" FROM incident_merges WHERE into_id = ? ORDER BY incident_id", intoID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanIncidentMerge)
}

// CreateIncidentMerge records a merge.
func (t *tx) CreateIncidentMerge(ctx context.Context, m hikeshi.IncidentMerge) error {
	_, err := t.exec(ctx, "INSERT INTO incident_merges ("+incidentMergeCols+") VALUES (?, ?, ?, ?, ?)",
		m.IncidentID, m.IntoID, m.Note, nullString(m.MergedBy), t.d.t(m.MergedAt))
	return err
}

// FindIncidentIDByNumber resolves a human incident number.
func (q queries) FindIncidentIDByNumber(ctx context.Context, number string) (string, error) {
	var id string
	err := q.row(ctx, "SELECT id FROM incidents WHERE number = ?", number).Scan(&id)
	return id, notFound(err)
}

// FindReportIDByNumber resolves a human report number.
func (q queries) FindReportIDByNumber(ctx context.Context, number string) (string, error) {
	var id string
	err := q.row(ctx, "SELECT id FROM reports WHERE number = ?", number).Scan(&id)
	return id, notFound(err)
}
