package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
)

// NextCounter increments a counter and returns its new value. The upsert
// takes the row lock on PostgreSQL, so concurrent transactions queue and
// never hand out one number twice; SQLite has one writer.
func (t *tx) NextCounter(ctx context.Context, name string) (int64, error) {
	var v int64
	err := t.row(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, mapError(err))
	}
	return v, nil
}

const reportCols = "id, number, source, status, description, noticed_at, reported_at, contact, contact_email, organisation, " +
	"anonymous, reporter_user_id, followup_hash, submission_hash, created_at, updated_at"

func scanReport(s interface{ Scan(...any) error }) (hikeshi.Report, error) {
	var r hikeshi.Report
	var anon int
	var reporter sql.NullString
	err := s.Scan(&r.ID, &r.Number, &r.Source, &r.Status, &r.Description, timeCol{&r.NoticedAt}, timeCol{&r.ReportedAt},
		&r.Contact, &r.ContactEmail, &r.Organisation, &anon, &reporter, &r.FollowUpHash, &r.SubmissionHash,
		timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	r.Anonymous = anon == 1
	r.ReporterUserID = reporter.String
	return r, err
}

// FindReportByID returns one report.
func (q queries) FindReportByID(ctx context.Context, id string) (hikeshi.Report, error) {
	r, err := scanReport(q.row(ctx, "SELECT "+reportCols+" FROM reports WHERE id = ?", id))
	return r, notFound(err)
}

// FindReportByFollowUpHash returns the report whose follow-up code hashes to
// hash. The look-up is by a unique index on a hash the caller cannot steer,
// so its time says nothing about how close a guess came.
func (q queries) FindReportByFollowUpHash(ctx context.Context, hash string) (hikeshi.Report, error) {
	r, err := scanReport(q.row(ctx, "SELECT "+reportCols+" FROM reports WHERE followup_hash = ?", hash))
	return r, notFound(err)
}

// FindReportBySubmissionHash returns the report a submission token created.
func (q queries) FindReportBySubmissionHash(ctx context.Context, hash string) (hikeshi.Report, error) {
	r, err := scanReport(q.row(ctx, "SELECT "+reportCols+" FROM reports WHERE submission_hash = ?", hash))
	return r, notFound(err)
}

// FindReports lists reports newest first, after the cursor. It walks an index
// (the primary key, or one led by the filtered column) and never counts.
func (q queries) FindReports(ctx context.Context, f hikeshi.ReportFilter) ([]hikeshi.Report, error) {
	p := f.Page.Normalize()
	query := "SELECT " + reportCols + " FROM reports WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.ReporterUserID != "" {
		query += " AND reporter_user_id = ?"
		args = append(args, f.ReporterUserID)
	}
	if f.Status != "" {
		query += " AND status = ?"
		args = append(args, string(f.Status))
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanReport)
}

// CreateReport inserts a report.
func (t *tx) CreateReport(ctx context.Context, r hikeshi.Report) error {
	anon := 0
	if r.Anonymous {
		anon = 1
	}
	_, err := t.exec(ctx, "INSERT INTO reports ("+reportCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.Number, string(r.Source), string(r.Status), r.Description, t.d.t(r.NoticedAt), t.d.t(r.ReportedAt),
		r.Contact, r.ContactEmail, r.Organisation, anon, nullString(r.ReporterUserID), r.FollowUpHash, r.SubmissionHash,
		t.d.t(r.CreatedAt), t.d.t(r.UpdatedAt))
	return err
}

// UpdateReportStatus sets a report's status.
func (t *tx) UpdateReportStatus(ctx context.Context, id string, status hikeshi.ReportStatus, at time.Time) error {
	return t.execOne(ctx, "UPDATE reports SET status = ?, updated_at = ? WHERE id = ?", string(status), t.d.t(at), id)
}

const reportMessageCols = "id, report_id, author, author_user_id, body, created_at"

func scanReportMessage(s interface{ Scan(...any) error }) (hikeshi.ReportMessage, error) {
	var m hikeshi.ReportMessage
	var author sql.NullString
	err := s.Scan(&m.ID, &m.ReportID, &m.Author, &author, &m.Body, timeCol{&m.CreatedAt})
	m.AuthorUserID = author.String
	return m, err
}

// FindReportMessages lists a report's thread oldest first, after the cursor.
func (q queries) FindReportMessages(ctx context.Context, reportID string, p hikeshi.Page) ([]hikeshi.ReportMessage, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+reportMessageCols+" FROM report_messages WHERE report_id = ? AND id > ? ORDER BY id LIMIT ?",
		reportID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanReportMessage)
}

// CreateReportMessage appends a message and touches its report.
func (t *tx) CreateReportMessage(ctx context.Context, m hikeshi.ReportMessage) error {
	if _, err := t.exec(ctx, "INSERT INTO report_messages ("+reportMessageCols+") VALUES (?, ?, ?, ?, ?, ?)",
		m.ID, m.ReportID, string(m.Author), nullString(m.AuthorUserID), m.Body, t.d.t(m.CreatedAt)); err != nil {
		return err
	}
	return t.execOne(ctx, "UPDATE reports SET updated_at = ? WHERE id = ?", t.d.t(m.CreatedAt), m.ReportID)
}

// RowForTest returns every column of one row of table as text ("" for NULL),
// so tests can prove what a row does not hold (an anonymous report's sender).
// Like ExecForTest it exists for tests; production code never calls it.
func (db *DB) RowForTest(ctx context.Context, table, id string) (map[string]string, error) {
	cols, err := liveColumns(ctx, db.readers, db.d, table)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no table %s", table)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.readers.QueryRowContext(ctx, db.d.rebind("SELECT "+quoteIdents(cols)+" FROM "+quoteIdent(table)+" WHERE id = ?"), id).Scan(ptrs...); err != nil {
		return nil, notFound(err)
	}
	out := make(map[string]string, len(cols))
	for i, c := range cols {
		out[c] = vals[i].String
	}
	return out, nil
}
