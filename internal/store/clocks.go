package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Clocks (IH-6): incident facts, incident clocks and notifications.

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const factsCols = "incident_id, personal_data, malicious, gdpr, nis2, aware_at, updated_by, updated_at"

// FindIncidentFacts returns an incident's facts; none recorded is ErrNotFound.
func (q queries) FindIncidentFacts(ctx context.Context, incidentID string) (hikeshi.IncidentFacts, error) {
	var f hikeshi.IncidentFacts
	var pd, mal, gdpr, nis2 int
	var by sql.NullString
	err := q.row(ctx, "SELECT "+factsCols+" FROM incident_facts WHERE incident_id = ?", incidentID).Scan(
		&f.IncidentID, &pd, &mal, &gdpr, &nis2, timeCol{&f.AwareAt}, &by, timeCol{&f.UpdatedAt})
	f.PersonalData, f.Malicious, f.GDPR, f.NIS2, f.UpdatedBy = pd == 1, mal == 1, gdpr == 1, nis2 == 1, by.String
	return f, notFound(err)
}

// PutIncidentFacts inserts or replaces an incident's facts.
func (t *tx) PutIncidentFacts(ctx context.Context, f hikeshi.IncidentFacts) error {
	_, err := t.exec(ctx, "INSERT INTO incident_facts ("+factsCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (incident_id) DO UPDATE SET personal_data = excluded.personal_data, malicious = excluded.malicious,"+
		" gdpr = excluded.gdpr, nis2 = excluded.nis2, aware_at = excluded.aware_at, updated_by = excluded.updated_by,"+
		" updated_at = excluded.updated_at",
		f.IncidentID, boolInt(f.PersonalData), boolInt(f.Malicious), boolInt(f.GDPR), boolInt(f.NIS2), t.d.t(f.AwareAt),
		nullString(f.UpdatedBy), t.d.t(f.UpdatedAt))
	return err
}

const clockCols = "c.id, c.incident_id, c.kind, c.started_at, c.due_at, c.stopped_at, c.withdrawn_at, c.reference, c.done_by, " +
	"c.done_at, c.created_at, c.updated_at"

func clockDest(c *hikeshi.IncidentClock, by *sql.NullString) []any {
	return []any{&c.ID, &c.IncidentID, &c.Kind, timeCol{&c.StartedAt}, timeCol{&c.DueAt}, timeCol{&c.StoppedAt},
		timeCol{&c.WithdrawnAt}, &c.Reference, by, timeCol{&c.DoneAt}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}}
}

func scanClock(s interface{ Scan(...any) error }) (hikeshi.IncidentClock, error) {
	var c hikeshi.IncidentClock
	var by sql.NullString
	err := s.Scan(clockDest(&c, &by)...)
	c.DoneBy = by.String
	return c, err
}

// FindClockByID returns one clock.
func (q queries) FindClockByID(ctx context.Context, id string) (hikeshi.IncidentClock, error) {
	c, err := scanClock(q.row(ctx, "SELECT "+clockCols+" FROM incident_clocks c WHERE c.id = ?", id))
	return c, notFound(err)
}

// FindIncidentClocks lists an incident's clocks (at most one per kind) in
// the order of hikeshi.ClockKinds.
func (q queries) FindIncidentClocks(ctx context.Context, incidentID string) ([]hikeshi.IncidentClock, error) {
	rows, err := q.query(ctx, "SELECT "+clockCols+" FROM incident_clocks c WHERE c.incident_id = ?", incidentID)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanClock)
	if err != nil {
		return nil, err
	}
	out := make([]hikeshi.IncidentClock, 0, len(list))
	for _, k := range hikeshi.ClockKinds {
		for _, c := range list {
			if c.Kind == k {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// dueQuery builds FindDueClocks' statement: it walks the partial index of
// running clocks from the cursor and filters restricted incidents the viewer
// may not see in the query, so every page is full.
func dueQuery(d dialect, f hikeshi.DueFilter) (string, []any) {
	limit := hikeshi.Page{Limit: f.Limit}.Normalize().Limit
	query := "SELECT " + clockCols + ", i.number, i.title, i.tlp, i.priority, i.owner_id FROM incident_clocks c" +
		" JOIN incidents i ON i.id = c.incident_id WHERE c.stopped_at IS NULL AND c.withdrawn_at IS NULL"
	var args []any
	if !f.AfterDue.IsZero() {
		// The first condition gives the index walk its start; the second
		// skips the clocks due at the cursor's time up to its id.
		query += " AND c.due_at >= ? AND (c.due_at > ? OR c.id > ?)"
		args = append(args, d.t(f.AfterDue), d.t(f.AfterDue), f.AfterID)
	}
	if !f.SeeRestricted {
		query += " AND (i.tlp NOT IN ('RED', 'AMBER+STRICT') OR EXISTS (SELECT 1 FROM incident_members m" +
			" WHERE m.incident_id = i.id AND m.user_id = ?))"
		args = append(args, f.ViewerID)
	}
	query += " ORDER BY c.due_at, c.id LIMIT ?"
	return query, append(args, limit)
}

// FindDueClocks lists running clocks ordered by (due time, id).
func (q queries) FindDueClocks(ctx context.Context, f hikeshi.DueFilter) ([]hikeshi.DueClock, error) {
	query, args := dueQuery(q.d, f)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.DueClock, error) {
		var d hikeshi.DueClock
		var by, owner sql.NullString
		err := s.Scan(append(clockDest(&d.Clock, &by), &d.Number, &d.Title, &d.TLP, &d.Priority, &owner)...)
		d.Clock.DoneBy, d.OwnerID = by.String, owner.String
		return d, err
	})
}

// CreateClock inserts a clock.
func (t *tx) CreateClock(ctx context.Context, c hikeshi.IncidentClock) error {
	_, err := t.exec(ctx, "INSERT INTO incident_clocks (id, incident_id, kind, started_at, due_at, stopped_at, withdrawn_at,"+
		" reference, done_by, done_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.IncidentID, string(c.Kind), t.d.t(c.StartedAt), t.d.t(c.DueAt), t.d.t(c.StoppedAt), t.d.t(c.WithdrawnAt),
		c.Reference, nullString(c.DoneBy), t.d.t(c.DoneAt), t.d.t(c.CreatedAt), t.d.t(c.UpdatedAt))
	return err
}

// UpdateClock writes a clock's times and its notification record.
func (t *tx) UpdateClock(ctx context.Context, c hikeshi.IncidentClock) error {
	return t.execOne(ctx, "UPDATE incident_clocks SET started_at = ?, due_at = ?, stopped_at = ?, withdrawn_at = ?,"+
		" reference = ?, done_by = ?, done_at = ?, updated_at = ? WHERE id = ?",
		t.d.t(c.StartedAt), t.d.t(c.DueAt), t.d.t(c.StoppedAt), t.d.t(c.WithdrawnAt), c.Reference, nullString(c.DoneBy),
		t.d.t(c.DoneAt), t.d.t(c.UpdatedAt), c.ID)
}

const notificationCols = "id, user_id, stage, incident_id, clock_id, clock_kind, due_at, text_key, args, created_at, read_at, mailed_at"

func scanNotification(s interface{ Scan(...any) error }) (hikeshi.Notification, error) {
	var n hikeshi.Notification
	var args string
	err := s.Scan(&n.ID, &n.UserID, &n.Stage, &n.IncidentID, &n.ClockID, &n.ClockKind, timeCol{&n.DueAt}, &n.TextKey, &args,
		timeCol{&n.CreatedAt}, timeCol{&n.ReadAt}, timeCol{&n.MailedAt})
	if err == nil {
		if jerr := json.Unmarshal([]byte(args), &n.Args); jerr != nil {
			return n, fmt.Errorf("notification %s: bad args: %w", n.ID, jerr)
		}
	}
	return n, err
}

// FindNotificationByID returns one notification.
func (q queries) FindNotificationByID(ctx context.Context, id string) (hikeshi.Notification, error) {
	n, err := scanNotification(q.row(ctx, "SELECT "+notificationCols+" FROM notifications WHERE id = ?", id))
	return n, notFound(err)
}

// FindNotifications lists a user's notifications newest first, after the cursor.
func (q queries) FindNotifications(ctx context.Context, f hikeshi.NotificationFilter) ([]hikeshi.Notification, error) {
	p := f.Page.Normalize()
	query := "SELECT " + notificationCols + " FROM notifications WHERE user_id = ?"
	args := []any{f.UserID}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.UnreadOnly {
		query += " AND read_at IS NULL"
	}
	rows, err := q.query(ctx, query+" ORDER BY id DESC LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanNotification)
}

// CountUnreadNotifications counts a user's unread notifications, stopping at
// limit so that a badge never counts a large table.
func (q queries) CountUnreadNotifications(ctx context.Context, userID string, limit int) (int, error) {
	var n int
	err := q.row(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = ? AND read_at IS NULL LIMIT ?) u",
		userID, limit).Scan(&n)
	return n, mapError(err)
}

// CreateNotification inserts a notification unless its (clock, stage, due,
// user) exists already.
func (t *tx) CreateNotification(ctx context.Context, n hikeshi.Notification) (bool, error) {
	args := n.Args
	if args == nil {
		args = []string{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return false, err
	}
	res, err := t.exec(ctx, "INSERT INTO notifications ("+notificationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT DO NOTHING",
		n.ID, n.UserID, string(n.Stage), n.IncidentID, n.ClockID, string(n.ClockKind), t.d.t(n.DueAt), n.TextKey, string(b),
		t.d.t(n.CreatedAt), t.d.t(n.ReadAt), t.d.t(n.MailedAt))
	if err != nil {
		return false, err
	}
	c, err := res.RowsAffected()
	return c == 1, err
}

// MarkNotificationRead marks one of the user's notifications read; another
// user's is ErrNotFound. Reading it again keeps the first time.
func (t *tx) MarkNotificationRead(ctx context.Context, id, userID string, at time.Time) error {
	return t.execOne(ctx, "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?",
		t.d.t(at), id, userID)
}

// MarkAllNotificationsRead marks every unread notification of the user read.
func (t *tx) MarkAllNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := t.exec(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", t.d.t(at), userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// MarkNotificationMailed records that the notification's e-mail was sent.
func (t *tx) MarkNotificationMailed(ctx context.Context, id string, at time.Time) error {
	return t.execOne(ctx, "UPDATE notifications SET mailed_at = ? WHERE id = ?", t.d.t(at), id)
}
