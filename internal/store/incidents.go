package store

import (
	"context"
	"database/sql"

	"github.com/hikeshi/hikeshi"
)

const incidentCols = "id, number, title, summary, category, impact, urgency, priority, tlp, phase, owner_id, " +
	"created_at, triaged_at, first_response_at, contained_at, recovered_at, closed_at, updated_at"

func scanIncident(s interface{ Scan(...any) error }) (hikeshi.Incident, error) {
	var i hikeshi.Incident
	var owner sql.NullString
	err := s.Scan(&i.ID, &i.Number, &i.Title, &i.Summary, &i.Category, &i.Impact, &i.Urgency, &i.Priority, &i.TLP, &i.Phase,
		&owner, timeCol{&i.CreatedAt}, timeCol{&i.TriagedAt}, timeCol{&i.FirstResponseAt}, timeCol{&i.ContainedAt},
		timeCol{&i.RecoveredAt}, timeCol{&i.ClosedAt}, timeCol{&i.UpdatedAt})
	i.OwnerID = owner.String
	return i, err
}

// FindIncidentByID returns one incident.
func (q queries) FindIncidentByID(ctx context.Context, id string) (hikeshi.Incident, error) {
	i, err := scanIncident(q.row(ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = ?", id))
	return i, notFound(err)
}

// FindIncidents lists incidents newest first, after the cursor. It walks the
// primary key (or (phase, id) when filtered by phase) backwards and stops at
// the limit: no count, no sort. Restricted incidents the viewer may not see
// are filtered here, so every page is full and the cursor stays correct; the
// membership check is one unique-index probe per restricted row.
func (q queries) FindIncidents(ctx context.Context, f hikeshi.IncidentFilter) ([]hikeshi.Incident, error) {
	query, args := incidentsQuery(f)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanIncident)
}

// incidentsQuery builds FindIncidents' statement (a test checks its plan).
func incidentsQuery(f hikeshi.IncidentFilter) (string, []any) {
	p := f.Page.Normalize()
	query := "SELECT " + incidentCols + " FROM incidents WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.Phase != "" {
		query += " AND phase = ?"
		args = append(args, string(f.Phase))
	}
	switch {
	case f.MemberOnly:
		// Driven from the member's own rows (few), not by walking every incident.
		query += " AND id IN (SELECT incident_id FROM incident_members WHERE user_id = ?)"
		args = append(args, f.ViewerID)
	case !f.SeeRestricted:
		query += " AND (tlp NOT IN ('RED', 'AMBER+STRICT') OR EXISTS (SELECT 1 FROM incident_members m" +
			" WHERE m.incident_id = incidents.id AND m.user_id = ?))"
		args = append(args, f.ViewerID)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	return query, args
}

// CreateIncident inserts an incident.
func (t *tx) CreateIncident(ctx context.Context, i hikeshi.Incident) error {
	_, err := t.exec(ctx, "INSERT INTO incidents ("+incidentCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		i.ID, i.Number, i.Title, i.Summary, i.Category, int(i.Impact), int(i.Urgency), int(i.Priority), string(i.TLP),
		string(i.Phase), nullString(i.OwnerID), t.d.t(i.CreatedAt), t.d.t(i.TriagedAt), t.d.t(i.FirstResponseAt),
		t.d.t(i.ContainedAt), t.d.t(i.RecoveredAt), t.d.t(i.ClosedAt), t.d.t(i.UpdatedAt))
	return err
}

// UpdateIncident writes every mutable field of an incident.
func (t *tx) UpdateIncident(ctx context.Context, i hikeshi.Incident) error {
	return t.execOne(ctx, `UPDATE incidents SET title = ?, summary = ?, category = ?, impact = ?, urgency = ?, priority = ?,
		tlp = ?, phase = ?, owner_id = ?, triaged_at = ?, first_response_at = ?, contained_at = ?, recovered_at = ?,
		closed_at = ?, updated_at = ? WHERE id = ?`,
		i.Title, i.Summary, i.Category, int(i.Impact), int(i.Urgency), int(i.Priority), string(i.TLP), string(i.Phase),
		nullString(i.OwnerID), t.d.t(i.TriagedAt), t.d.t(i.FirstResponseAt), t.d.t(i.ContainedAt), t.d.t(i.RecoveredAt),
		t.d.t(i.ClosedAt), t.d.t(i.UpdatedAt), i.ID)
}

// FindIncidentMembers lists an incident's members in the order they were added.
func (q queries) FindIncidentMembers(ctx context.Context, incidentID string) ([]hikeshi.IncidentMember, error) {
	rows, err := q.query(ctx, "SELECT incident_id, user_id, added_by, added_at FROM incident_members WHERE incident_id = ? ORDER BY id",
		incidentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.IncidentMember, error) {
		var m hikeshi.IncidentMember
		var by sql.NullString
		err := s.Scan(&m.IncidentID, &m.UserID, &by, timeCol{&m.AddedAt})
		m.AddedBy = by.String
		return m, err
	})
}

// IsIncidentMember reports whether userID was added to the incident.
func (q queries) IsIncidentMember(ctx context.Context, incidentID, userID string) (bool, error) {
	var n int
	err := q.row(ctx, "SELECT COUNT(*) FROM incident_members WHERE incident_id = ? AND user_id = ?", incidentID, userID).Scan(&n)
	return n > 0, mapError(err)
}

// AddIncidentMember adds a member.
func (t *tx) AddIncidentMember(ctx context.Context, m hikeshi.IncidentMember) error {
	_, err := t.exec(ctx, "INSERT INTO incident_members (id, incident_id, user_id, added_by, added_at) VALUES (?, ?, ?, ?, ?)",
		hikeshi.NewID(), m.IncidentID, m.UserID, nullString(m.AddedBy), t.d.t(m.AddedAt))
	return err
}

// RemoveIncidentMember removes a member; one not added is ErrNotFound.
func (t *tx) RemoveIncidentMember(ctx context.Context, incidentID, userID string) error {
	return t.execOne(ctx, "DELETE FROM incident_members WHERE incident_id = ? AND user_id = ?", incidentID, userID)
}

const oodaCols = "id, incident_id, kind, text, author_id, at"

func scanOODAStep(s interface{ Scan(...any) error }) (hikeshi.OODAStep, error) {
	var o hikeshi.OODAStep
	var author sql.NullString
	err := s.Scan(&o.ID, &o.IncidentID, &o.Kind, &o.Text, &author, timeCol{&o.At})
	o.AuthorID = author.String
	return o, err
}

// FindOODASteps lists an incident's OODA steps in time order, after the cursor (a step id).
func (q queries) FindOODASteps(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.OODAStep, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+oodaCols+" FROM ooda_steps WHERE incident_id = ? AND id > ? ORDER BY at, id LIMIT ?",
		incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanOODAStep)
}

// CreateOODAStep appends an OODA step.
func (t *tx) CreateOODAStep(ctx context.Context, o hikeshi.OODAStep) error {
	_, err := t.exec(ctx, "INSERT INTO ooda_steps ("+oodaCols+") VALUES (?, ?, ?, ?, ?, ?)",
		o.ID, o.IncidentID, string(o.Kind), o.Text, nullString(o.AuthorID), t.d.t(o.At))
	return err
}

const incidentEventCols = "id, incident_id, kind, from_phase, to_phase, text, author_id, at"

func scanIncidentEvent(s interface{ Scan(...any) error }) (hikeshi.IncidentEvent, error) {
	var e hikeshi.IncidentEvent
	var author sql.NullString
	err := s.Scan(&e.ID, &e.IncidentID, &e.Kind, &e.FromPhase, &e.ToPhase, &e.Text, &author, timeCol{&e.At})
	e.AuthorID = author.String
	return e, err
}

// FindIncidentEvents lists an incident's timeline oldest first, after the cursor.
func (q queries) FindIncidentEvents(ctx context.Context, incidentID string, p hikeshi.Page) ([]hikeshi.IncidentEvent, error) {
	p = p.Normalize()
	rows, err := q.query(ctx, "SELECT "+incidentEventCols+" FROM incident_events WHERE incident_id = ? AND id > ? ORDER BY id LIMIT ?",
		incidentID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanIncidentEvent)
}

// CreateIncidentEvent appends a timeline entry.
func (t *tx) CreateIncidentEvent(ctx context.Context, e hikeshi.IncidentEvent) error {
	_, err := t.exec(ctx, "INSERT INTO incident_events ("+incidentEventCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		e.ID, e.IncidentID, string(e.Kind), string(e.FromPhase), string(e.ToPhase), e.Text, nullString(e.AuthorID), t.d.t(e.At))
	return err
}
