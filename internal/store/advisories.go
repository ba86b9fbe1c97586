package store

// This file implements hikeshi.AdvisoryReader and hikeshi.AdvisoryWriter.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
)

const advisoryCols = "id, tracking_id, status, content, revision, published_tlp, published_category, recipients, author_id, editors, " +
	"submitted_by, submitted_at, approved_by, approved_at, initial_release_at, current_release_at, created_at, updated_at"

func advisoryLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func scanAdvisory(s interface{ Scan(...any) error }) (hikeshi.Advisory, error) {
	var a hikeshi.Advisory
	var content, recipients, editors string
	var author, submitted, approved sql.NullString
	err := s.Scan(&a.ID, &a.TrackingID, &a.Status, &content, &a.Revision, &a.PublishedTLP, &a.PublishedCategory, &recipients,
		&author, &editors, &submitted, timeCol{&a.SubmittedAt}, &approved, timeCol{&a.ApprovedAt},
		timeCol{&a.InitialRelease}, timeCol{&a.CurrentRelease}, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(content), &a.AdvisoryContent); err != nil {
		return a, fmt.Errorf("advisory %s: decode content: %w", a.ID, err)
	}
	a.AuthorID, a.SubmittedBy, a.ApprovedBy = author.String, submitted.String, approved.String
	a.Recipients, a.Editors = advisoryLines(recipients), advisoryLines(editors)
	return a, nil
}

// FindAdvisoryByID returns one advisory.
func (q queries) FindAdvisoryByID(ctx context.Context, id string) (hikeshi.Advisory, error) {
	a, err := scanAdvisory(q.row(ctx, "SELECT "+advisoryCols+" FROM advisories WHERE id = ?", id))
	return a, notFound(err)
}

// FindAdvisoryByTrackingID returns the advisory with a tracking id.
func (q queries) FindAdvisoryByTrackingID(ctx context.Context, trackingID string) (hikeshi.Advisory, error) {
	a, err := scanAdvisory(q.row(ctx, "SELECT "+advisoryCols+" FROM advisories WHERE tracking_id = ?", trackingID))
	return a, notFound(err)
}

// FindAdvisories lists advisories newest first after the cursor, walking the
// primary key (or (published_tlp, id)) backwards: no count, no sort.
func (q queries) FindAdvisories(ctx context.Context, f hikeshi.AdvisoryFilter) ([]hikeshi.Advisory, error) {
	p := f.Page.Normalize()
	query := "SELECT " + advisoryCols + " FROM advisories WHERE 1 = 1"
	var args []any
	if f.PublishedOnly {
		query += " AND revision > 0"
	}
	if f.TLPs != nil {
		marks := make([]string, 0, len(f.TLPs))
		for _, t := range f.TLPs {
			marks = append(marks, "?")
			args = append(args, string(t))
		}
		cond := "published_tlp IN (" + strings.Join(marks, ", ") + ")"
		if len(marks) == 0 {
			cond = "1 = 0"
		}
		if f.Drafts {
			cond = "(" + cond + " OR revision = 0)"
		}
		query += " AND " + cond
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
	return collect(rows, scanAdvisory)
}

// CreateAdvisory inserts an advisory.
func (t *tx) CreateAdvisory(ctx context.Context, a hikeshi.Advisory) error {
	content, err := json.Marshal(a.AdvisoryContent)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "INSERT INTO advisories ("+advisoryCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.TrackingID, string(a.Status), string(content), a.Revision, string(a.PublishedTLP), string(a.PublishedCategory),
		strings.Join(a.Recipients, "\n"), nullString(a.AuthorID), strings.Join(a.Editors, "\n"), nullString(a.SubmittedBy),
		t.d.t(a.SubmittedAt), nullString(a.ApprovedBy), t.d.t(a.ApprovedAt), t.d.t(a.InitialRelease), t.d.t(a.CurrentRelease),
		t.d.t(a.CreatedAt), t.d.t(a.UpdatedAt))
	return err
}

// UpdateAdvisory writes every mutable field of an advisory.
func (t *tx) UpdateAdvisory(ctx context.Context, a hikeshi.Advisory) error {
	content, err := json.Marshal(a.AdvisoryContent)
	if err != nil {
		return err
	}
	return t.execOne(ctx, `UPDATE advisories SET status = ?, content = ?, revision = ?, published_tlp = ?, published_category = ?,
		recipients = ?, editors = ?, submitted_by = ?, submitted_at = ?, approved_by = ?, approved_at = ?, initial_release_at = ?,
		current_release_at = ?, updated_at = ? WHERE id = ?`,
		string(a.Status), string(content), a.Revision, string(a.PublishedTLP), string(a.PublishedCategory),
		strings.Join(a.Recipients, "\n"), strings.Join(a.Editors, "\n"), nullString(a.SubmittedBy), t.d.t(a.SubmittedAt),
		nullString(a.ApprovedBy), t.d.t(a.ApprovedAt), t.d.t(a.InitialRelease), t.d.t(a.CurrentRelease), t.d.t(a.UpdatedAt), a.ID)
}

const advisoryRevisionCols = "id, advisory_id, number, summary, content, csaf, published_by, approved_by, published_at"

func scanAdvisoryRevision(s interface{ Scan(...any) error }) (hikeshi.AdvisoryRevision, error) {
	var r hikeshi.AdvisoryRevision
	var content string
	var by, approved sql.NullString
	if err := s.Scan(&r.ID, &r.AdvisoryID, &r.Number, &r.Summary, &content, &r.CSAF, &by, &approved, timeCol{&r.PublishedAt}); err != nil {
		return r, err
	}
	r.PublishedBy, r.ApprovedBy = by.String, approved.String
	if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
		return r, fmt.Errorf("advisory revision %s: decode content: %w", r.ID, err)
	}
	return r, nil
}

// FindAdvisoryRevisions lists an advisory's revisions, highest number first.
func (q queries) FindAdvisoryRevisions(ctx context.Context, advisoryID string) ([]hikeshi.AdvisoryRevision, error) {
	rows, err := q.query(ctx, "SELECT "+advisoryRevisionCols+" FROM advisory_revisions WHERE advisory_id = ? ORDER BY number DESC", advisoryID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAdvisoryRevision)
}

// FindAdvisoryRevision returns one revision by its number.
func (q queries) FindAdvisoryRevision(ctx context.Context, advisoryID string, number int) (hikeshi.AdvisoryRevision, error) {
	r, err := scanAdvisoryRevision(q.row(ctx, "SELECT "+advisoryRevisionCols+" FROM advisory_revisions WHERE advisory_id = ? AND number = ?", advisoryID, number))
	return r, notFound(err)
}

// CreateAdvisoryRevision inserts a revision; a number in use is ErrConflict.
func (t *tx) CreateAdvisoryRevision(ctx context.Context, r hikeshi.AdvisoryRevision) error {
	content, err := json.Marshal(r.Content)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "INSERT INTO advisory_revisions ("+advisoryRevisionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.AdvisoryID, r.Number, r.Summary, string(content), r.CSAF, nullString(r.PublishedBy), nullString(r.ApprovedBy), t.d.t(r.PublishedAt))
	return err
}
