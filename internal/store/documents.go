package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
)

const documentCols = "id, kind, title, department_id, created_by, archived, created_at, updated_at"

// documentSelect reads documents with their approved version's next review
// (one at most: document_versions_approved_key).
const documentSelect = "SELECT id, kind, title, department_id, created_by, archived, created_at, updated_at, " +
	"(SELECT v.next_review FROM document_versions v WHERE v.document_id = documents.id AND v.status = 'approved') FROM documents"

func scanDocument(s interface{ Scan(...any) error }) (hikeshi.Document, error) {
	var d hikeshi.Document
	var by sql.NullString
	var archived int
	err := s.Scan(&d.ID, &d.Kind, &d.Title, &d.DepartmentID, &by, &archived, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, timeCol{&d.NextReview})
	d.CreatedBy, d.Archived = by.String, archived == 1
	return d, err
}

// FindDocumentByID returns one document.
func (q queries) FindDocumentByID(ctx context.Context, id string) (hikeshi.Document, error) {
	d, err := scanDocument(q.row(ctx, documentSelect+" WHERE id = ?", id))
	return d, notFound(err)
}

// FindDocuments lists documents newest first after the cursor, walking the
// primary key (or (kind, id), (department_id, id)) backwards: no count, no sort.
func (q queries) FindDocuments(ctx context.Context, f hikeshi.DocumentFilter) ([]hikeshi.Document, error) {
	p := f.Page.Normalize()
	query := documentSelect + " WHERE 1 = 1"
	var args []any
	if !f.IncludeArchived {
		query += " AND archived = 0"
	}
	switch f.Review {
	case hikeshi.ReviewDue:
		query += " AND EXISTS (SELECT 1 FROM document_versions v WHERE v.document_id = documents.id AND v.status = 'approved'" +
			" AND v.next_review >= ? AND v.next_review <= ?)"
		args = append(args, q.d.t(f.Today), q.d.t(f.Today.Add(hikeshi.DocumentReviewWindow)))
	case hikeshi.ReviewOverdue:
		query += " AND EXISTS (SELECT 1 FROM document_versions v WHERE v.document_id = documents.id AND v.status = 'approved'" +
			" AND v.next_review < ?)"
		args = append(args, q.d.t(f.Today))
	}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.Kind != "" {
		query += " AND kind = ?"
		args = append(args, string(f.Kind))
	}
	if f.DepartmentID != "" {
		query += " AND department_id = ?"
		args = append(args, f.DepartmentID)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanDocument)
}

// CreateDocument inserts a document.
func (t *tx) CreateDocument(ctx context.Context, d hikeshi.Document) error {
	_, err := t.exec(ctx, "INSERT INTO documents ("+documentCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		d.ID, string(d.Kind), d.Title, d.DepartmentID, nullString(d.CreatedBy), boolInt(d.Archived), t.d.t(d.CreatedAt), t.d.t(d.UpdatedAt))
	return err
}

// UpdateDocument writes a document's kind, title, department, archived flag and update time.
func (t *tx) UpdateDocument(ctx context.Context, d hikeshi.Document) error {
	return t.execOne(ctx, "UPDATE documents SET kind = ?, title = ?, department_id = ?, archived = ?, updated_at = ? WHERE id = ?",
		string(d.Kind), d.Title, d.DepartmentID, boolInt(d.Archived), t.d.t(d.UpdatedAt), d.ID)
}

// DeleteDocument removes a document; its versions go with it (ON DELETE CASCADE).
func (t *tx) DeleteDocument(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM documents WHERE id = ?", id)
}

const versionCols = "id, document_id, number, body, note, status, author_id, editors, submitted_by, submitted_at, " +
	"approved_by, approved_at, next_review, created_at, updated_at"

func scanVersion(s interface{ Scan(...any) error }) (hikeshi.DocumentVersion, error) {
	var v hikeshi.DocumentVersion
	var author, submitted, approved sql.NullString
	var editors string
	err := s.Scan(&v.ID, &v.DocumentID, &v.Number, &v.Body, &v.Note, &v.Status, &author, &editors, &submitted,
		timeCol{&v.SubmittedAt}, &approved, timeCol{&v.ApprovedAt}, timeCol{&v.NextReview}, timeCol{&v.CreatedAt}, timeCol{&v.UpdatedAt})
	v.AuthorID, v.SubmittedBy, v.ApprovedBy = author.String, submitted.String, approved.String
	if editors != "" {
		v.Editors = strings.Split(editors, ",")
	}
	return v, err
}

// FindDocumentVersions lists a document's versions, highest number first.
func (q queries) FindDocumentVersions(ctx context.Context, documentID string) ([]hikeshi.DocumentVersion, error) {
	rows, err := q.query(ctx, "SELECT "+versionCols+" FROM document_versions WHERE document_id = ? ORDER BY number DESC", documentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVersion)
}

// FindDocumentVersion returns one version of a document by its number.
func (q queries) FindDocumentVersion(ctx context.Context, documentID string, number int) (hikeshi.DocumentVersion, error) {
	v, err := scanVersion(q.row(ctx, "SELECT "+versionCols+" FROM document_versions WHERE document_id = ? AND number = ?", documentID, number))
	return v, notFound(err)
}

// CreateDocumentVersion inserts a version.
func (t *tx) CreateDocumentVersion(ctx context.Context, v hikeshi.DocumentVersion) error {
	_, err := t.exec(ctx, "INSERT INTO document_versions ("+versionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v.ID, v.DocumentID, v.Number, v.Body, v.Note, string(v.Status), nullString(v.AuthorID), strings.Join(v.Editors, ","),
		nullString(v.SubmittedBy), t.d.t(v.SubmittedAt), nullString(v.ApprovedBy), t.d.t(v.ApprovedAt), t.d.t(v.NextReview),
		t.d.t(v.CreatedAt), t.d.t(v.UpdatedAt))
	return err
}

// UpdateDocumentVersion writes every mutable field of a version.
func (t *tx) UpdateDocumentVersion(ctx context.Context, v hikeshi.DocumentVersion) error {
	return t.execOne(ctx, `UPDATE document_versions SET body = ?, note = ?, status = ?, editors = ?, submitted_by = ?,
		submitted_at = ?, approved_by = ?, approved_at = ?, next_review = ?, updated_at = ? WHERE id = ?`,
		v.Body, v.Note, string(v.Status), strings.Join(v.Editors, ","), nullString(v.SubmittedBy), t.d.t(v.SubmittedAt),
		nullString(v.ApprovedBy), t.d.t(v.ApprovedAt), t.d.t(v.NextReview), t.d.t(v.UpdatedAt), v.ID)
}

// FindScope returns the ISMS scope.
func (q queries) FindScope(ctx context.Context) (hikeshi.Scope, error) {
	var s hikeshi.Scope
	var depts, excl string
	var by sql.NullString
	err := q.row(ctx, "SELECT statement, department_ids, exclusions, updated_by, updated_at FROM isms_scope WHERE id = 'scope'").
		Scan(&s.Statement, &depts, &excl, &by, timeCol{&s.UpdatedAt})
	if err != nil {
		return hikeshi.Scope{}, notFound(err)
	}
	s.UpdatedBy = by.String
	if depts != "" {
		s.DepartmentIDs = strings.Split(depts, ",")
	}
	if err := json.Unmarshal([]byte(excl), &s.Exclusions); err != nil {
		return hikeshi.Scope{}, fmt.Errorf("scope exclusions: %w", err)
	}
	return s, nil
}

// PutScope writes the one scope record.
func (t *tx) PutScope(ctx context.Context, s hikeshi.Scope) error {
	excl := s.Exclusions
	if excl == nil {
		excl = []hikeshi.ScopeExclusion{}
	}
	b, err := json.Marshal(excl)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO isms_scope (id, statement, department_ids, exclusions, updated_by, updated_at)
		VALUES ('scope', ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET statement = excluded.statement, department_ids = excluded.department_ids,
		exclusions = excluded.exclusions, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		s.Statement, strings.Join(s.DepartmentIDs, ","), string(b), nullString(s.UpdatedBy), t.d.t(s.UpdatedAt))
	return err
}

// FindResponsibilities lists every written department's responsibilities.
func (q queries) FindResponsibilities(ctx context.Context) ([]hikeshi.Responsibility, error) {
	rows, err := q.query(ctx, "SELECT department_id, text, parts, updated_by, updated_at FROM isms_responsibilities ORDER BY department_id")
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.Responsibility, error) {
		var r hikeshi.Responsibility
		var parts string
		var by sql.NullString
		if err := s.Scan(&r.DepartmentID, &r.Text, &parts, &by, timeCol{&r.UpdatedAt}); err != nil {
			return r, err
		}
		r.UpdatedBy = by.String
		if err := json.Unmarshal([]byte(parts), &r.Parts); err != nil {
			return r, fmt.Errorf("responsibility parts: %w", err)
		}
		return r, nil
	})
}

// PutResponsibility writes one department's responsibilities.
func (t *tx) PutResponsibility(ctx context.Context, r hikeshi.Responsibility) error {
	parts := r.Parts
	if parts == nil {
		parts = map[hikeshi.ISMSActivity]hikeshi.RACI{}
	}
	b, err := json.Marshal(parts)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO isms_responsibilities (department_id, text, parts, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (department_id) DO UPDATE SET text = excluded.text, parts = excluded.parts,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		r.DepartmentID, r.Text, string(b), nullString(r.UpdatedBy), t.d.t(r.UpdatedAt))
	return err
}
