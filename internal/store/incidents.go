package store

import (
	"context"
	"database/sql"

	"github.com/hikeshi/hikeshi"
)

const incidentCols = "id, number, title, summary, category, impact, urgency, priority, tlp, phase, owner_id, " +
	"noticed_at, reported_at, created_at, triaged_at, first_response_at, contained_at, recovered_at, closed_at, updated_at"

func scanIncident(s interface{ Scan(...any) error }) (hikeshi.Incident, error) {
	var i hikeshi.Incident
	var owner sql.NullString
	err := s.Scan(&i.ID, &i.Number, &i.Title, &i.Summary, &i.Category, &i.Impact, &i.Urgency, &i.Priority, &i.TLP, &i.Phase,
		&owner, timeCol{&i.NoticedAt}, timeCol{&i.ReportedAt}, timeCol{&i.CreatedAt}, timeCol{&i.TriagedAt}, timeCol{&i.FirstResponseAt}, timeCol{&i.ContainedAt},
		timeCol{&i.RecoveredAt}, timeCol{&i.ClosedAt}, timeCol{&i.UpdatedAt})
	i.OwnerID = owner.String
	return i, err
}

// FindIncidentByID returns one incident.
func (q queries) FindIncidentByID(ctx context.Context, id string) (hikeshi.Incident, error) {
	i, err := scanIncident(q.row(ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = ?", id))
	return i, notFound(err)
}

// FindIncidents lists incidents newest first, after the cursor. Every form
// walks an index backwards and stops at the limit: no count, no sort of the
// table. Restricted incidents the viewer may not see are filtered here, so
// every page is full and the cursor stays correct.
func (q queries) FindIncidents(ctx context.Context, f hikeshi.IncidentFilter) ([]hikeshi.Incident, error) {
	query, args := incidentsQuery(q.d, f)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanIncident)
}

// restrictedTLPs is the SQL list of the labels only the CSIRT and members see.
// The partial indexes of migration 0011 carry the same predicate, word for
// word, so that the planners match them.
const restrictedTLPs = "('RED', 'AMBER+STRICT')"

// membersFirst joins a viewer's membership rows to their incidents, driven
// from the membership rows: SQLite keeps a CROSS JOIN's order, so it never
// walks incidents (by phase, say) probing membership instead; PostgreSQL
// plans it as any inner join.
const membersFirst = " FROM incident_members m CROSS JOIN incidents i WHERE i.id = m.incident_id AND"

// incidentsQuery builds FindIncidents' statement (a test checks its plans).
//
// A viewer who may not see every restricted incident (a manager, an auditor,
// an admin) gets the page merged from two streams, each cut at the limit:
// unrestricted incidents, walked through a partial index that holds only
// them, and the restricted incidents the viewer was added to, walked through
// the viewer's own membership rows. A single walk with an "unrestricted or
// member" filter would probe membership for every restricted incident newer
// than the page: 110 ms at 100,000 mostly restricted incidents, against about
// a millisecond for the merge.
func incidentsQuery(d dialect, f hikeshi.IncidentFilter) (string, []any) {
	p := f.Page.Normalize()
	var args []any
	cursor := func(col string) string {
		c := ""
		if p.After != "" {
			c += " AND " + col + "id < ?"
			args = append(args, p.After)
		}
		if f.Phase != "" {
			c += " AND " + col + "phase = ?"
			args = append(args, string(f.Phase))
		}
		return c
	}
	switch {
	case f.MemberOnly:
		// Driven from the member's own rows (few), not by walking every incident.
		args = append(args, f.ViewerID)
		query := "SELECT " + prefixed("i", incidentCols) + membersFirst +
			" m.user_id = ?" + cursor("i.") + " ORDER BY m.incident_id DESC LIMIT ?"
		return query, append(args, p.Limit)
	case f.SeeRestricted:
		query := "SELECT " + incidentCols + " FROM incidents WHERE 1 = 1" + cursor("") + " ORDER BY id DESC LIMIT ?"
		return query, append(args, p.Limit)
	}
	open := " FROM incidents"
	if d.engine == SQLite {
		// Without statistics SQLite prefers the primary key, which serves the
		// order but not the filter; hold it to the partial index.
		if f.Phase != "" {
			open += " INDEXED BY incidents_unrestricted_phase_idx"
		} else {
			open += " INDEXED BY incidents_unrestricted_idx"
		}
	}
	unrestricted := "SELECT " + incidentCols + open + " WHERE tlp NOT IN " + restrictedTLPs + cursor("") +
		" ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit, f.ViewerID)
	member := "SELECT " + prefixed("i", incidentCols) + membersFirst +
		" m.user_id = ? AND i.tlp IN " + restrictedTLPs + cursor("i.") + " ORDER BY m.incident_id DESC LIMIT ?"
	args = append(args, p.Limit, p.Limit)
	query := "SELECT " + incidentCols + " FROM (SELECT * FROM (" + unrestricted + ") AS u UNION ALL SELECT * FROM (" +
		member + ") AS r) AS page ORDER BY id DESC LIMIT ?"
	return query, args
}

// CreateIncident inserts an incident.
func (t *tx) CreateIncident(ctx context.Context, i hikeshi.Incident) error {
	_, err := t.exec(ctx, "INSERT INTO incidents ("+incidentCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		i.ID, i.Number, i.Title, i.Summary, i.Category, int(i.Impact), int(i.Urgency), int(i.Priority), string(i.TLP),
		string(i.Phase), nullString(i.OwnerID), t.d.t(i.NoticedAt), t.d.t(i.ReportedAt), t.d.t(i.CreatedAt), t.d.t(i.TriagedAt), t.d.t(i.FirstResponseAt),
		t.d.t(i.ContainedAt), t.d.t(i.RecoveredAt), t.d.t(i.ClosedAt), t.d.t(i.UpdatedAt))
	return err
}

// UpdateIncident writes every mutable field of an incident.
func (t *tx) UpdateIncident(ctx context.Context, i hikeshi.Incident) error {
	return t.execOne(ctx, `UPDATE incidents SET title = ?, summary = ?, category = ?, impact = ?, urgency = ?, priority = ?,
		tlp = ?, phase = ?, owner_id = ?, noticed_at = ?, reported_at = ?, triaged_at = ?, first_response_at = ?, contained_at = ?, recovered_at = ?,
		closed_at = ?, updated_at = ? WHERE id = ?`,
		i.Title, i.Summary, i.Category, int(i.Impact), int(i.Urgency), int(i.Priority), string(i.TLP), string(i.Phase),
		nullString(i.OwnerID), t.d.t(i.NoticedAt), t.d.t(i.ReportedAt), t.d.t(i.TriagedAt), t.d.t(i.FirstResponseAt), t.d.t(i.ContainedAt), t.d.t(i.RecoveredAt),
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
