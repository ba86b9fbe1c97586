package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Observables, affected assets and evidence files of incidents (IH-5).

const observableCols = "id, type, value, created_at"

func scanObservable(s interface{ Scan(...any) error }) (hikeshi.Observable, error) {
	var o hikeshi.Observable
	err := s.Scan(&o.ID, &o.Type, &o.Value, timeCol{&o.CreatedAt})
	return o, err
}

// FindObservable returns the observable of a type and canonical value.
func (q queries) FindObservable(ctx context.Context, t hikeshi.ObservableType, value string) (hikeshi.Observable, error) {
	o, err := scanObservable(q.row(ctx, "SELECT "+observableCols+" FROM observables WHERE type = ? AND value = ?", string(t), value))
	return o, notFound(err)
}

// FindObservablesByValue returns the observables whose value is one of values.
func (q queries) FindObservablesByValue(ctx context.Context, values []string) ([]hikeshi.Observable, error) {
	if len(values) == 0 {
		return nil, nil
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	rows, err := q.query(ctx, "SELECT "+observableCols+" FROM observables WHERE value IN (?"+
		strings.Repeat(", ?", len(values)-1)+") ORDER BY type, value LIMIT 100", args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanObservable)
}

// EnsureObservable inserts o unless its (type, value) exists, then reads the
// stored row: the one just written or the one that was there.
func (t *tx) EnsureObservable(ctx context.Context, o hikeshi.Observable) (hikeshi.Observable, error) {
	if _, err := t.exec(ctx, "INSERT INTO observables ("+observableCols+") VALUES (?, ?, ?, ?) ON CONFLICT (type, value) DO NOTHING",
		o.ID, string(o.Type), o.Value, t.d.t(o.CreatedAt)); err != nil {
		return hikeshi.Observable{}, err
	}
	return t.FindObservable(ctx, o.Type, o.Value)
}

const incidentObservableSelect = "SELECT l.id, l.incident_id, l.note, l.added_by, l.added_at, o.id, o.type, o.value, o.created_at" +
	" FROM incident_observables l JOIN observables o ON o.id = l.observable_id"

func scanIncidentObservable(s interface{ Scan(...any) error }) (hikeshi.IncidentObservable, error) {
	var l hikeshi.IncidentObservable
	var by sql.NullString
	err := s.Scan(&l.ID, &l.IncidentID, &l.Note, &by, timeCol{&l.AddedAt},
		&l.Observable.ID, &l.Observable.Type, &l.Observable.Value, timeCol{&l.Observable.CreatedAt})
	l.AddedBy = by.String
	return l, err
}

// FindIncidentObservables lists an incident's observables oldest first, after the cursor.
func (q queries) FindIncidentObservables(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.IncidentObservable, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, incidentObservableSelect+" WHERE l.incident_id = ? AND l.id > ? ORDER BY l.id LIMIT ?",
		incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanIncidentObservable)
}

// FindIncidentObservable returns one link of an observable to an incident.
func (q queries) FindIncidentObservable(ctx context.Context, id string) (hikeshi.IncidentObservable, error) {
	l, err := scanIncidentObservable(q.row(ctx, incidentObservableSelect+" WHERE l.id = ?", id))
	return l, notFound(err)
}

// FindObservableIncidents lists the incidents linked to an observable, newest
// first, with the visibility rule of FindIncidents in the query itself: an
// incident the viewer may not see is never read out, so neither its number
// nor the fact that it exists can reach them.
func (q queries) FindObservableIncidents(ctx context.Context, f hikeshi.ObservableIncidentFilter) ([]hikeshi.IncidentRef, error) {
	p := f.Page.Normalize()
	query := "SELECT i.id, i.number, i.title, i.tlp, i.phase FROM incident_observables l JOIN incidents i ON i.id = l.incident_id" +
		" WHERE l.observable_id = ?"
	args := []any{f.ObservableID}
	if f.ExceptIncidentID != "" {
		query += " AND i.id <> ?"
		args = append(args, f.ExceptIncidentID)
	}
	if p.After != "" {
		query += " AND i.id < ?"
		args = append(args, p.After)
	}
	switch {
	case f.MemberOnly:
		query += " AND i.id IN (SELECT incident_id FROM incident_members WHERE user_id = ?)"
		args = append(args, f.ViewerID)
	case !f.SeeRestricted:
		query += " AND (i.tlp NOT IN ('RED', 'AMBER+STRICT') OR EXISTS (SELECT 1 FROM incident_members m" +
			" WHERE m.incident_id = i.id AND m.user_id = ?))"
		args = append(args, f.ViewerID)
	}
	query += " ORDER BY i.id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.IncidentRef, error) {
		var r hikeshi.IncidentRef
		err := s.Scan(&r.ID, &r.Number, &r.Title, &r.TLP, &r.Phase)
		return r, err
	})
}

// CreateIncidentObservable links an observable to an incident.
func (t *tx) CreateIncidentObservable(ctx context.Context, l hikeshi.IncidentObservable) error {
	_, err := t.exec(ctx, "INSERT INTO incident_observables (id, incident_id, observable_id, note, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
		l.ID, l.IncidentID, l.Observable.ID, l.Note, nullString(l.AddedBy), t.d.t(l.AddedAt))
	return err
}

// DeleteIncidentObservable removes a link; the observable itself stays (other
// incidents may have it, and it costs one row).
func (t *tx) DeleteIncidentObservable(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM incident_observables WHERE id = ?", id)
}

const assetCols = "id, incident_id, name, kind, identifier, department_id, criticality, note, added_by, created_at, updated_at"

func scanAsset(s interface{ Scan(...any) error }) (hikeshi.AffectedAsset, error) {
	var a hikeshi.AffectedAsset
	var dept, by sql.NullString
	var crit sql.NullInt64
	err := s.Scan(&a.ID, &a.IncidentID, &a.Name, &a.Kind, &a.Identifier, &dept, &crit, &a.Note, &by,
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.DepartmentID, a.AddedBy, a.Criticality = dept.String, by.String, hikeshi.Level(crit.Int64)
	return a, err
}

func nullLevel(l hikeshi.Level) any {
	if l == 0 {
		return nil
	}
	return int(l)
}

// FindAffectedAssets lists an incident's affected assets oldest first, after the cursor.
func (q queries) FindAffectedAssets(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.AffectedAsset, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+assetCols+" FROM affected_assets WHERE incident_id = ? AND id > ? ORDER BY id LIMIT ?",
		incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAsset)
}

// FindAffectedAsset returns one affected asset.
func (q queries) FindAffectedAsset(ctx context.Context, id string) (hikeshi.AffectedAsset, error) {
	a, err := scanAsset(q.row(ctx, "SELECT "+assetCols+" FROM affected_assets WHERE id = ?", id))
	return a, notFound(err)
}

// CreateAffectedAsset inserts an affected asset.
func (t *tx) CreateAffectedAsset(ctx context.Context, a hikeshi.AffectedAsset) error {
	_, err := t.exec(ctx, "INSERT INTO affected_assets ("+assetCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.IncidentID, a.Name, string(a.Kind), a.Identifier, nullString(a.DepartmentID), nullLevel(a.Criticality), a.Note,
		nullString(a.AddedBy), t.d.t(a.CreatedAt), t.d.t(a.UpdatedAt))
	return err
}

// UpdateAffectedAsset writes every mutable field of an affected asset.
func (t *tx) UpdateAffectedAsset(ctx context.Context, a hikeshi.AffectedAsset) error {
	return t.execOne(ctx, `UPDATE affected_assets SET name = ?, kind = ?, identifier = ?, department_id = ?, criticality = ?,
		note = ?, updated_at = ? WHERE id = ?`,
		a.Name, string(a.Kind), a.Identifier, nullString(a.DepartmentID), nullLevel(a.Criticality), a.Note, t.d.t(a.UpdatedAt), a.ID)
}

// DeleteAffectedAsset removes an affected asset.
func (t *tx) DeleteAffectedAsset(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM affected_assets WHERE id = ?", id)
}

const evidenceCols = "id, incident_id, sha256, filename, size, media_type, description, added_by, added_at"

func scanEvidence(s interface{ Scan(...any) error }) (hikeshi.IncidentEvidence, error) {
	var e hikeshi.IncidentEvidence
	var by sql.NullString
	err := s.Scan(&e.ID, &e.IncidentID, &e.SHA256, &e.Filename, &e.Size, &e.MediaType, &e.Description, &by, timeCol{&e.AddedAt})
	e.AddedBy = by.String
	return e, err
}

// FindIncidentEvidence lists an incident's evidence files oldest first, after the cursor.
func (q queries) FindIncidentEvidence(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.IncidentEvidence, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+evidenceCols+" FROM incident_evidence WHERE incident_id = ? AND id > ? ORDER BY id LIMIT ?",
		incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanEvidence)
}

// FindIncidentEvidenceByID returns one evidence file's record.
func (q queries) FindIncidentEvidenceByID(ctx context.Context, id string) (hikeshi.IncidentEvidence, error) {
	e, err := scanEvidence(q.row(ctx, "SELECT "+evidenceCols+" FROM incident_evidence WHERE id = ?", id))
	return e, notFound(err)
}

// CreateIncidentEvidence records an evidence file; an unknown blob is ErrInvalid.
func (t *tx) CreateIncidentEvidence(ctx context.Context, e hikeshi.IncidentEvidence) error {
	_, err := t.exec(ctx, "INSERT INTO incident_evidence ("+evidenceCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.ID, e.IncidentID, e.SHA256, e.Filename, e.Size, e.MediaType, e.Description, nullString(e.AddedBy), t.d.t(e.AddedAt))
	return err
}

// DeleteUnreferencedBlobs deletes up to limit blobs older than olderThan that
// nothing refers to; their chunks go with them (ON DELETE CASCADE). The
// references are checked in the same statement, inside the caller's write
// transaction, so a reference committed before it is always seen; a blob
// referenced by a transaction still open is young (the grace period) and
// therefore never a candidate.
func (t *tx) DeleteUnreferencedBlobs(ctx context.Context, olderThan time.Time, limit int) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM blobs WHERE sha256 IN (
		SELECT b.sha256 FROM blobs b WHERE b.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM report_attachments a WHERE a.sha256 = b.sha256)
		AND NOT EXISTS (SELECT 1 FROM incident_evidence e WHERE e.sha256 = b.sha256)
		ORDER BY b.sha256 LIMIT ?)`, t.d.t(olderThan), limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
