package store

// This file implements hikeshi.VulnerabilityReader and hikeshi.VulnerabilityWriter.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

const vulnCols = "id, cve, title_ja, title_en, description_ja, description_en, vendor, versions, fix, cvss31, cvss31_base, cvss31_score, " +
	"cvss40, cvss40_score, severity, status, asset_ids, incident_ids, advisory_ids, refs, report_id, disclosure, acknowledged_at, " +
	"acknowledged_by, publication_date, created_by, created_at, updated_at"

func scanVulnerability(s interface{ Scan(...any) error }) (hikeshi.Vulnerability, error) {
	var v hikeshi.Vulnerability
	var assets, incidents, advisories, refs string
	var report, ackBy, createdBy sql.NullString
	err := s.Scan(&v.ID, &v.CVE, &v.TitleJA, &v.TitleEN, &v.DescriptionJA, &v.DescriptionEN, &v.Vendor, &v.Versions, &v.Fix,
		&v.CVSS31, &v.CVSS31Base, &v.CVSS31Score, &v.CVSS40, &v.CVSS40Score, &v.Severity, &v.Status, &assets, &incidents, &advisories,
		&refs, &report, &v.Disclosure, timeCol{&v.AcknowledgedAt}, &ackBy, timeCol{&v.PublicationDate}, &createdBy,
		timeCol{&v.CreatedAt}, timeCol{&v.UpdatedAt})
	if err != nil {
		return v, err
	}
	v.AssetIDs, v.IncidentIDs, v.AdvisoryIDs = advisoryLines(assets), advisoryLines(incidents), advisoryLines(advisories)
	v.ReportID, v.AcknowledgedBy, v.CreatedBy = report.String, ackBy.String, createdBy.String
	if err := json.Unmarshal([]byte(refs), &v.References); err != nil {
		return v, fmt.Errorf("vulnerability %s: decode references: %w", v.ID, err)
	}
	return v, nil
}

func vulnArgs(d dialect, v hikeshi.Vulnerability) ([]any, error) {
	refs := v.References
	if refs == nil {
		refs = []hikeshi.AdvisoryReference{}
	}
	b, err := json.Marshal(refs)
	if err != nil {
		return nil, err
	}
	return []any{v.CVE, v.TitleJA, v.TitleEN, v.DescriptionJA, v.DescriptionEN, v.Vendor, v.Versions, v.Fix, v.CVSS31, v.CVSS31Base,
		v.CVSS31Score, v.CVSS40, v.CVSS40Score, string(v.Severity), string(v.Status), strings.Join(v.AssetIDs, "\n"),
		strings.Join(v.IncidentIDs, "\n"), strings.Join(v.AdvisoryIDs, "\n"), string(b), nullString(v.ReportID), string(v.Disclosure),
		d.t(v.AcknowledgedAt), nullString(v.AcknowledgedBy), d.t(v.PublicationDate)}, nil
}

// FindVulnerabilityByID returns one vulnerability.
func (q queries) FindVulnerabilityByID(ctx context.Context, id string) (hikeshi.Vulnerability, error) {
	v, err := scanVulnerability(q.row(ctx, "SELECT "+vulnCols+" FROM vulnerabilities WHERE id = ?", id))
	return v, notFound(err)
}

// FindVulnerabilities lists vulnerabilities newest first after the cursor,
// walking the primary key (or (status, id) / (severity, id)) backwards.
func (q queries) FindVulnerabilities(ctx context.Context, f hikeshi.VulnerabilityFilter) ([]hikeshi.Vulnerability, error) {
	p := f.Page.Normalize()
	query := "SELECT " + vulnCols + " FROM vulnerabilities WHERE 1 = 1"
	var args []any
	if f.Status != "" {
		query += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if f.Severity != "" {
		query += " AND severity = ?"
		args = append(args, string(f.Severity))
	}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnerability)
}

// FindUpcomingVulnerabilityPublications lists open disclosures with an
// agreed publication day from day on, soonest first.
func (q queries) FindUpcomingVulnerabilityPublications(ctx context.Context, day time.Time, limit int) ([]hikeshi.Vulnerability, error) {
	rows, err := q.query(ctx, "SELECT "+vulnCols+` FROM vulnerabilities WHERE publication_date >= ?
		AND disclosure IN ('received', 'acknowledged', 'confirmed', 'fix_in_progress') ORDER BY publication_date, id LIMIT ?`,
		q.d.t(day), max(1, min(limit, hikeshi.MaxPageLimit)))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnerability)
}

// CreateVulnerability inserts a vulnerability.
func (t *tx) CreateVulnerability(ctx context.Context, v hikeshi.Vulnerability) error {
	args, err := vulnArgs(t.d, v)
	if err != nil {
		return err
	}
	args = append(append([]any{v.ID}, args...), nullString(v.CreatedBy), t.d.t(v.CreatedAt), t.d.t(v.UpdatedAt))
	_, err = t.exec(ctx, "INSERT INTO vulnerabilities ("+vulnCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
	return err
}

// UpdateVulnerability writes every mutable field of a vulnerability.
func (t *tx) UpdateVulnerability(ctx context.Context, v hikeshi.Vulnerability) error {
	args, err := vulnArgs(t.d, v)
	if err != nil {
		return err
	}
	args = append(args, t.d.t(v.UpdatedAt), v.ID)
	return t.execOne(ctx, `UPDATE vulnerabilities SET cve = ?, title_ja = ?, title_en = ?, description_ja = ?, description_en = ?,
		vendor = ?, versions = ?, fix = ?, cvss31 = ?, cvss31_base = ?, cvss31_score = ?, cvss40 = ?, cvss40_score = ?, severity = ?,
		status = ?, asset_ids = ?, incident_ids = ?, advisory_ids = ?, refs = ?, report_id = ?, disclosure = ?, acknowledged_at = ?,
		acknowledged_by = ?, publication_date = ?, updated_at = ? WHERE id = ?`, args...)
}

const vulnRemCols = "id, vulnerability_id, department_id, asset_id, status, due_at, note, created_by, completed_by, completed_at, " +
	"reminded_at, created_at, updated_at"

func scanVulnRemediation(s interface{ Scan(...any) error }) (hikeshi.VulnerabilityRemediation, error) {
	var r hikeshi.VulnerabilityRemediation
	var by, done sql.NullString
	err := s.Scan(&r.ID, &r.VulnerabilityID, &r.DepartmentID, &r.AssetID, &r.Status, timeCol{&r.DueAt}, &r.Note, &by, &done,
		timeCol{&r.CompletedAt}, timeCol{&r.RemindedAt}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	r.CreatedBy, r.CompletedBy = by.String, done.String
	return r, err
}

// FindVulnerabilityRemediations lists a vulnerability's tasks, oldest first.
func (q queries) FindVulnerabilityRemediations(ctx context.Context, vulnerabilityID string) ([]hikeshi.VulnerabilityRemediation, error) {
	rows, err := q.query(ctx, "SELECT "+vulnRemCols+" FROM vulnerability_remediations WHERE vulnerability_id = ? ORDER BY id", vulnerabilityID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnRemediation)
}

// FindVulnerabilityRemediationByID returns one task.
func (q queries) FindVulnerabilityRemediationByID(ctx context.Context, id string) (hikeshi.VulnerabilityRemediation, error) {
	r, err := scanVulnRemediation(q.row(ctx, "SELECT "+vulnRemCols+" FROM vulnerability_remediations WHERE id = ?", id))
	return r, notFound(err)
}

// FindDepartmentRemediations lists a department's tasks newest first.
func (q queries) FindDepartmentRemediations(ctx context.Context, f hikeshi.RemediationFilter) ([]hikeshi.VulnerabilityRemediation, error) {
	p := f.Page.Normalize()
	query := "SELECT " + vulnRemCols + " FROM vulnerability_remediations WHERE department_id = ?"
	args := []any{f.DepartmentID}
	if f.OpenOnly {
		query += " AND status = 'open'"
	}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnRemediation)
}

// FindOverdueRemediations lists open tasks past due that need a reminder.
func (q queries) FindOverdueRemediations(ctx context.Context, now, remindedBefore time.Time, p hikeshi.Page) ([]hikeshi.VulnerabilityRemediation, error) {
	p = p.Normalize()
	query := "SELECT " + vulnRemCols + " FROM vulnerability_remediations WHERE status = 'open' AND due_at < ? AND (reminded_at IS NULL OR reminded_at < ?)"
	args := []any{q.d.t(now), q.d.t(remindedBefore)}
	if p.After != "" {
		query += " AND id > ?"
		args = append(args, p.After)
	}
	query += " ORDER BY id LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnRemediation)
}

// CreateVulnerabilityRemediation inserts a task.
func (t *tx) CreateVulnerabilityRemediation(ctx context.Context, r hikeshi.VulnerabilityRemediation) error {
	_, err := t.exec(ctx, "INSERT INTO vulnerability_remediations ("+vulnRemCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.VulnerabilityID, r.DepartmentID, r.AssetID, string(r.Status), t.d.t(r.DueAt), r.Note, nullString(r.CreatedBy),
		nullString(r.CompletedBy), t.d.t(r.CompletedAt), t.d.t(r.RemindedAt), t.d.t(r.CreatedAt), t.d.t(r.UpdatedAt))
	return err
}

// UpdateVulnerabilityRemediation writes a task's mutable fields.
func (t *tx) UpdateVulnerabilityRemediation(ctx context.Context, r hikeshi.VulnerabilityRemediation) error {
	return t.execOne(ctx, `UPDATE vulnerability_remediations SET status = ?, due_at = ?, note = ?, completed_by = ?, completed_at = ?,
		reminded_at = ?, updated_at = ? WHERE id = ?`, string(r.Status), t.d.t(r.DueAt), r.Note, nullString(r.CompletedBy),
		t.d.t(r.CompletedAt), t.d.t(r.RemindedAt), t.d.t(r.UpdatedAt), r.ID)
}

const vulnExcCols = "id, vulnerability_id, reason, expires_at, status, requested_by, decided_by, decided_at, created_at, updated_at"

func scanVulnException(s interface{ Scan(...any) error }) (hikeshi.VulnerabilityException, error) {
	var e hikeshi.VulnerabilityException
	var req, dec sql.NullString
	err := s.Scan(&e.ID, &e.VulnerabilityID, &e.Reason, timeCol{&e.ExpiresAt}, &e.Status, &req, &dec, timeCol{&e.DecidedAt},
		timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	e.RequestedBy, e.DecidedBy = req.String, dec.String
	return e, err
}

// FindVulnerabilityExceptions lists a vulnerability's exceptions, newest first.
func (q queries) FindVulnerabilityExceptions(ctx context.Context, vulnerabilityID string) ([]hikeshi.VulnerabilityException, error) {
	rows, err := q.query(ctx, "SELECT "+vulnExcCols+" FROM vulnerability_exceptions WHERE vulnerability_id = ? ORDER BY id DESC", vulnerabilityID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnException)
}

// FindVulnerabilityExceptionByID returns one exception.
func (q queries) FindVulnerabilityExceptionByID(ctx context.Context, id string) (hikeshi.VulnerabilityException, error) {
	e, err := scanVulnException(q.row(ctx, "SELECT "+vulnExcCols+" FROM vulnerability_exceptions WHERE id = ?", id))
	return e, notFound(err)
}

// FindExpiredVulnerabilityExceptions lists approved exceptions expired at now.
func (q queries) FindExpiredVulnerabilityExceptions(ctx context.Context, now time.Time, limit int) ([]hikeshi.VulnerabilityException, error) {
	rows, err := q.query(ctx, "SELECT "+vulnExcCols+" FROM vulnerability_exceptions WHERE status = 'approved' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?",
		q.d.t(now), max(1, min(limit, hikeshi.MaxPageLimit)))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVulnException)
}

// CreateVulnerabilityException inserts an exception.
func (t *tx) CreateVulnerabilityException(ctx context.Context, e hikeshi.VulnerabilityException) error {
	_, err := t.exec(ctx, "INSERT INTO vulnerability_exceptions ("+vulnExcCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.ID, e.VulnerabilityID, e.Reason, t.d.t(e.ExpiresAt), string(e.Status), nullString(e.RequestedBy), nullString(e.DecidedBy),
		t.d.t(e.DecidedAt), t.d.t(e.CreatedAt), t.d.t(e.UpdatedAt))
	return err
}

// UpdateVulnerabilityException writes an exception's decision.
func (t *tx) UpdateVulnerabilityException(ctx context.Context, e hikeshi.VulnerabilityException) error {
	return t.execOne(ctx, "UPDATE vulnerability_exceptions SET status = ?, decided_by = ?, decided_at = ?, updated_at = ? WHERE id = ?",
		string(e.Status), nullString(e.DecidedBy), t.d.t(e.DecidedAt), t.d.t(e.UpdatedAt), e.ID)
}
