package store

// This file implements hikeshi.AwarenessReader and hikeshi.AwarenessWriter.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

const awarenessMaterialCols = "id, title_ja, title_en, body_ja, body_en, category, incident_id, status, author_id, published_by, published_at, created_at, updated_at"

func scanAwarenessMaterial(s interface{ Scan(...any) error }) (hikeshi.AwarenessMaterial, error) {
	var m hikeshi.AwarenessMaterial
	var inc, author, by sql.NullString
	err := s.Scan(&m.ID, &m.TitleJA, &m.TitleEN, &m.BodyJA, &m.BodyEN, &m.Category, &inc, &m.Status, &author, &by,
		timeCol{&m.PublishedAt}, timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt})
	m.IncidentID, m.AuthorID, m.PublishedBy = inc.String, author.String, by.String
	return m, err
}

// FindAwarenessMaterialByID returns one material.
func (q queries) FindAwarenessMaterialByID(ctx context.Context, id string) (hikeshi.AwarenessMaterial, error) {
	m, err := scanAwarenessMaterial(q.row(ctx, "SELECT "+awarenessMaterialCols+" FROM awareness_materials WHERE id = ?", id))
	return m, notFound(err)
}

// FindAwarenessMaterials lists materials newest first after the cursor.
func (q queries) FindAwarenessMaterials(ctx context.Context, p hikeshi.Page) ([]hikeshi.AwarenessMaterial, error) {
	p = p.Normalize()
	query, args := "SELECT "+awarenessMaterialCols+" FROM awareness_materials", []any{}
	if p.After != "" {
		query += " WHERE id < ?"
		args = append(args, p.After)
	}
	rows, err := q.query(ctx, query+" ORDER BY id DESC LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAwarenessMaterial)
}

// FindAwarenessMaterialsByIncident lists the materials made from an incident, newest first.
func (q queries) FindAwarenessMaterialsByIncident(ctx context.Context, incidentID string) ([]hikeshi.AwarenessMaterial, error) {
	rows, err := q.query(ctx, "SELECT "+awarenessMaterialCols+" FROM awareness_materials WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
		incidentID, hikeshi.MaxPageLimit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAwarenessMaterial)
}

// CreateAwarenessMaterial inserts a material.
func (t *tx) CreateAwarenessMaterial(ctx context.Context, m hikeshi.AwarenessMaterial) error {
	_, err := t.exec(ctx, "INSERT INTO awareness_materials ("+awarenessMaterialCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.TitleJA, m.TitleEN, m.BodyJA, m.BodyEN, m.Category, nullString(m.IncidentID), string(m.Status), nullString(m.AuthorID),
		nullString(m.PublishedBy), t.d.t(m.PublishedAt), t.d.t(m.CreatedAt), t.d.t(m.UpdatedAt))
	return err
}

// UpdateAwarenessMaterial writes every mutable field of a material.
func (t *tx) UpdateAwarenessMaterial(ctx context.Context, m hikeshi.AwarenessMaterial) error {
	return t.execOne(ctx, `UPDATE awareness_materials SET title_ja = ?, title_en = ?, body_ja = ?, body_en = ?, category = ?, status = ?,
		published_by = ?, published_at = ?, updated_at = ? WHERE id = ?`,
		m.TitleJA, m.TitleEN, m.BodyJA, m.BodyEN, m.Category, string(m.Status), nullString(m.PublishedBy), t.d.t(m.PublishedAt),
		t.d.t(m.UpdatedAt), m.ID)
}

const awarenessCampaignCols = "id, material_id, category, department_ids, starts_at, ends_at, recipients, created_by, created_at, updated_at"

func scanAwarenessCampaign(s interface{ Scan(...any) error }) (hikeshi.AwarenessCampaign, error) {
	var c hikeshi.AwarenessCampaign
	var depts string
	var by sql.NullString
	err := s.Scan(&c.ID, &c.MaterialID, &c.Category, &depts, timeCol{&c.StartsAt}, timeCol{&c.EndsAt}, &c.Recipients, &by,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if depts != "" {
		c.DepartmentIDs = strings.Split(depts, "\n")
	}
	c.CreatedBy = by.String
	return c, err
}

// FindAwarenessCampaignByID returns one campaign.
func (q queries) FindAwarenessCampaignByID(ctx context.Context, id string) (hikeshi.AwarenessCampaign, error) {
	c, err := scanAwarenessCampaign(q.row(ctx, "SELECT "+awarenessCampaignCols+" FROM awareness_campaigns WHERE id = ?", id))
	return c, notFound(err)
}

// FindAwarenessCampaigns lists campaigns newest first after the cursor; a
// person's campaigns walk their recipient rows.
func (q queries) FindAwarenessCampaigns(ctx context.Context, f hikeshi.AwarenessCampaignFilter) ([]hikeshi.AwarenessCampaign, error) {
	p := f.Page.Normalize()
	query, args := "SELECT c."+strings.ReplaceAll(awarenessCampaignCols, ", ", ", c.")+" FROM awareness_campaigns c", []any{}
	after := "c.id"
	if f.RecipientID != "" {
		query += " JOIN awareness_recipients r ON r.campaign_id = c.id AND r.user_id = ?"
		args, after = append(args, f.RecipientID), "r.campaign_id"
	}
	query += " WHERE 1 = 1"
	if f.MaterialID != "" {
		query += " AND c.material_id = ?"
		args = append(args, f.MaterialID)
	}
	if !f.StartedBy.IsZero() {
		query += " AND c.starts_at <= ?"
		args = append(args, q.d.t(f.StartedBy))
	}
	if p.After != "" {
		query += " AND " + after + " < ?"
		args = append(args, p.After)
	}
	order := " ORDER BY " + after + " DESC LIMIT ?"
	rows, err := q.query(ctx, query+order, append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAwarenessCampaign)
}

// CreateAwarenessCampaign inserts a campaign.
func (t *tx) CreateAwarenessCampaign(ctx context.Context, c hikeshi.AwarenessCampaign) error {
	_, err := t.exec(ctx, "INSERT INTO awareness_campaigns ("+awarenessCampaignCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.MaterialID, c.Category, strings.Join(c.DepartmentIDs, "\n"), t.d.t(c.StartsAt), t.d.t(c.EndsAt), c.Recipients,
		nullString(c.CreatedBy), t.d.t(c.CreatedAt), t.d.t(c.UpdatedAt))
	return err
}

const awarenessRecipientCols = "campaign_id, user_id, department_id, locale, read_at, confirmed_at, mailed_at"

func scanAwarenessRecipient(s interface{ Scan(...any) error }) (hikeshi.AwarenessRecipient, error) {
	var r hikeshi.AwarenessRecipient
	err := s.Scan(&r.CampaignID, &r.UserID, &r.DepartmentID, &r.Locale, timeCol{&r.ReadAt}, timeCol{&r.ConfirmedAt}, timeCol{&r.MailedAt})
	return r, err
}

// FindAwarenessRecipient returns one person's row of a campaign.
func (q queries) FindAwarenessRecipient(ctx context.Context, campaignID, userID string) (hikeshi.AwarenessRecipient, error) {
	r, err := scanAwarenessRecipient(q.row(ctx, "SELECT "+awarenessRecipientCols+" FROM awareness_recipients WHERE campaign_id = ? AND user_id = ?",
		campaignID, userID))
	return r, notFound(err)
}

// FindAwarenessRecipients lists a campaign's recipients by user id after the cursor.
func (q queries) FindAwarenessRecipients(ctx context.Context, campaignID, departmentID string, p hikeshi.Page) ([]hikeshi.AwarenessRecipient, error) {
	p = p.Normalize()
	query, args := "SELECT "+awarenessRecipientCols+" FROM awareness_recipients WHERE campaign_id = ?", []any{campaignID}
	if departmentID != "" {
		query += " AND department_id = ?"
		args = append(args, departmentID)
	}
	if p.After != "" {
		query += " AND user_id > ?"
		args = append(args, p.After)
	}
	rows, err := q.query(ctx, query+" ORDER BY user_id LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAwarenessRecipient)
}

// AwarenessFigures counts a campaign's recipients, readers and confirmers
// per department: one grouped scan of the campaign's rows.
func (q queries) AwarenessFigures(ctx context.Context, campaignID string) ([]hikeshi.AwarenessFigure, error) {
	rows, err := q.query(ctx, `SELECT department_id, COUNT(*), COUNT(read_at), COUNT(confirmed_at) FROM awareness_recipients
		WHERE campaign_id = ? GROUP BY department_id ORDER BY department_id`, campaignID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.AwarenessFigure, error) {
		var f hikeshi.AwarenessFigure
		err := s.Scan(&f.DepartmentID, &f.Recipients, &f.Read, &f.Confirmed)
		return f, err
	})
}

// CountIncidentsByMonth counts, in one statement, the incidents of the
// categories created in each month: one SUM(CASE …) column per month over
// the (category, created_at) index.
func (q queries) CountIncidentsByMonth(ctx context.Context, f hikeshi.IncidentCountFilter, months []time.Time, end time.Time) ([]hikeshi.MonthCount, error) {
	out := make([]hikeshi.MonthCount, len(months))
	for i, m := range months {
		out[i].Month = m
	}
	if len(months) == 0 || len(f.Categories) == 0 {
		return out, nil
	}
	var cols []string
	var args []any
	for i, m := range months {
		to := end
		if i+1 < len(months) {
			to = months[i+1]
		}
		cols = append(cols, "COALESCE(SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END), 0)")
		args = append(args, q.d.t(m), q.d.t(to))
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Categories)), ", ")
	query := "SELECT " + strings.Join(cols, ", ") + " FROM incidents WHERE category IN (" + marks + ") AND created_at >= ? AND created_at < ?"
	for _, c := range f.Categories {
		args = append(args, c)
	}
	args = append(args, q.d.t(months[0]), q.d.t(end))
	if !f.SeeRestricted {
		query += " AND (tlp NOT IN ('RED', 'AMBER+STRICT') OR id IN (SELECT incident_id FROM incident_members WHERE user_id = ?))"
		args = append(args, f.ViewerID)
	}
	counts := make([]int64, len(months))
	dest := make([]any, len(months))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := q.row(ctx, query, args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("count incidents by month: %w", err)
	}
	for i, n := range counts {
		out[i].Count = int(n)
	}
	return out, nil
}

// CreateAwarenessRecipients inserts a campaign's recipients.
func (t *tx) CreateAwarenessRecipients(ctx context.Context, rs []hikeshi.AwarenessRecipient) error {
	for _, r := range rs {
		if _, err := t.exec(ctx, "INSERT INTO awareness_recipients ("+awarenessRecipientCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			r.CampaignID, r.UserID, r.DepartmentID, string(r.Locale), t.d.t(r.ReadAt), t.d.t(r.ConfirmedAt), t.d.t(r.MailedAt)); err != nil {
			return err
		}
	}
	return nil
}

// UpdateAwarenessRecipient writes when a person read and confirmed and was mailed.
func (t *tx) UpdateAwarenessRecipient(ctx context.Context, r hikeshi.AwarenessRecipient) error {
	return t.execOne(ctx, "UPDATE awareness_recipients SET read_at = ?, confirmed_at = ?, mailed_at = ? WHERE campaign_id = ? AND user_id = ?",
		t.d.t(r.ReadAt), t.d.t(r.ConfirmedAt), t.d.t(r.MailedAt), r.CampaignID, r.UserID)
}
