package store

// This file implements hikeshi.ReportingReader and hikeshi.ReportingWriter.

import (
	"context"
	"database/sql"

	"github.com/hikeshi/hikeshi"
)

const reportTemplateCols = "kind, lang, body, updated_by, updated_at"

func scanReportTemplate(s interface{ Scan(...any) error }) (hikeshi.ReportTemplate, error) {
	var t hikeshi.ReportTemplate
	var by sql.NullString
	err := s.Scan(&t.Kind, &t.Lang, &t.Body, &by, timeCol{&t.UpdatedAt})
	t.UpdatedBy = by.String
	return t, err
}

// FindReportTemplate returns the organisation's template of (kind, lang).
func (q queries) FindReportTemplate(ctx context.Context, kind hikeshi.ReportKind, lang hikeshi.Locale) (hikeshi.ReportTemplate, error) {
	t, err := scanReportTemplate(q.row(ctx, "SELECT "+reportTemplateCols+" FROM report_templates WHERE kind = ? AND lang = ?", kind, lang))
	return t, notFound(err)
}

// FindReportTemplates lists the organisation's templates; the table holds at
// most one row per kind and language.
func (q queries) FindReportTemplates(ctx context.Context) ([]hikeshi.ReportTemplate, error) {
	rows, err := q.query(ctx, "SELECT "+reportTemplateCols+" FROM report_templates ORDER BY kind, lang LIMIT ?", hikeshi.MaxReportTemplates)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanReportTemplate)
}

// PutReportTemplate inserts or replaces a template.
func (t *tx) PutReportTemplate(ctx context.Context, rt hikeshi.ReportTemplate) error {
	_, err := t.exec(ctx, "INSERT INTO report_templates ("+reportTemplateCols+") VALUES (?, ?, ?, ?, ?)"+
		" ON CONFLICT (kind, lang) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
		rt.Kind, rt.Lang, rt.Body, nullString(rt.UpdatedBy), t.d.t(rt.UpdatedAt))
	return err
}

// DeleteReportTemplate removes a template; the default applies again.
func (t *tx) DeleteReportTemplate(ctx context.Context, kind hikeshi.ReportKind, lang hikeshi.Locale) error {
	_, err := t.exec(ctx, "DELETE FROM report_templates WHERE kind = ? AND lang = ?", kind, lang)
	return err
}

const reportDraftCols = "id, incident_id, kind, lang, body, updated_by, created_at, updated_at"

func scanReportDraft(s interface{ Scan(...any) error }) (hikeshi.ReportDraft, error) {
	var d hikeshi.ReportDraft
	var by sql.NullString
	err := s.Scan(&d.ID, &d.IncidentID, &d.Kind, &d.Lang, &d.Body, &by, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	d.UpdatedBy = by.String
	return d, err
}

// FindReportDraft returns a saved draft.
func (q queries) FindReportDraft(ctx context.Context, incidentID string, kind hikeshi.ReportKind, lang hikeshi.Locale) (hikeshi.ReportDraft, error) {
	d, err := scanReportDraft(q.row(ctx, "SELECT "+reportDraftCols+" FROM report_drafts WHERE incident_id = ? AND kind = ? AND lang = ?",
		incidentID, kind, lang))
	return d, notFound(err)
}

// FindReportDrafts lists an incident's saved drafts (one per kind and language).
func (q queries) FindReportDrafts(ctx context.Context, incidentID string) ([]hikeshi.ReportDraft, error) {
	rows, err := q.query(ctx, "SELECT "+reportDraftCols+" FROM report_drafts WHERE incident_id = ? ORDER BY kind, lang LIMIT ?",
		incidentID, hikeshi.MaxReportTemplates)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanReportDraft)
}

// PutReportDraft inserts or replaces the draft of (incident, kind, lang).
func (t *tx) PutReportDraft(ctx context.Context, d hikeshi.ReportDraft) error {
	_, err := t.exec(ctx, "INSERT INTO report_drafts ("+reportDraftCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (incident_id, kind, lang) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by,"+
		" updated_at = excluded.updated_at",
		d.ID, d.IncidentID, d.Kind, d.Lang, d.Body, nullString(d.UpdatedBy), t.d.t(d.CreatedAt), t.d.t(d.UpdatedAt))
	return err
}

// DeleteReportDraft removes a saved draft.
func (t *tx) DeleteReportDraft(ctx context.Context, incidentID string, kind hikeshi.ReportKind, lang hikeshi.Locale) error {
	_, err := t.exec(ctx, "DELETE FROM report_drafts WHERE incident_id = ? AND kind = ? AND lang = ?", incidentID, kind, lang)
	return err
}

const commCols = "id, incident_id, audience, channel, recipient, summary, clock_id, sent_at, recorded_by, recorded_at"

func scanCommEntry(s interface{ Scan(...any) error }) (hikeshi.CommEntry, error) {
	var e hikeshi.CommEntry
	var clock, by sql.NullString
	err := s.Scan(&e.ID, &e.IncidentID, &e.Audience, &e.Channel, &e.Recipient, &e.Summary, &clock, timeCol{&e.SentAt}, &by,
		timeCol{&e.RecordedAt})
	e.ClockID, e.RecordedBy = clock.String, by.String
	return e, err
}

// FindCommEntries lists an incident's communication log newest first,
// walking (incident_id, id) backwards from the cursor.
func (q queries) FindCommEntries(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.CommEntry, error) {
	p = p.Normalize()
	query := "SELECT " + commCols + " FROM communication_log WHERE incident_id = ?"
	args := []any{incidentID}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	rows, err := q.query(ctx, query+" ORDER BY id DESC LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCommEntry)
}

// FindCommEntryByID returns one entry.
func (q queries) FindCommEntryByID(ctx context.Context, id string) (hikeshi.CommEntry, error) {
	e, err := scanCommEntry(q.row(ctx, "SELECT "+commCols+" FROM communication_log WHERE id = ?", id))
	return e, notFound(err)
}

// CreateCommEntry inserts an entry.
func (t *tx) CreateCommEntry(ctx context.Context, e hikeshi.CommEntry) error {
	_, err := t.exec(ctx, "INSERT INTO communication_log ("+commCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.ID, e.IncidentID, e.Audience, e.Channel, e.Recipient, e.Summary, nullString(e.ClockID), t.d.t(e.SentAt),
		nullString(e.RecordedBy), t.d.t(e.RecordedAt))
	return err
}
