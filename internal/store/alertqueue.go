package store

// This file implements hikeshi.AlertQueueReader and hikeshi.AlertQueueWriter.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
)

const alertEventCols = "id, number, group_key, title, format, severity, status, alerts, occurrences, first_seen, last_seen, " +
	"incident_id, decided_by, decided_at, reason, created_at, updated_at"

func scanAlertEvent(s interface{ Scan(...any) error }) (hikeshi.AlertEvent, error) {
	var e hikeshi.AlertEvent
	var incident, decidedBy sql.NullString
	err := s.Scan(&e.ID, &e.Number, &e.GroupKey, &e.Title, &e.Format, &e.Severity, &e.Status, &e.Alerts, &e.Occurrences,
		timeCol{&e.FirstSeen}, timeCol{&e.LastSeen}, &incident, &decidedBy, timeCol{&e.DecidedAt}, &e.Reason,
		timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	e.IncidentID, e.DecidedBy = incident.String, decidedBy.String
	return e, err
}

// FindAlertEvents lists events newest first. With a status it walks
// alert_events_status_idx (status, id) backwards; other filters are checked
// on the rows walked. It stops at the limit and never counts.
func (q queries) FindAlertEvents(ctx context.Context, f hikeshi.AlertEventFilter) ([]hikeshi.AlertEvent, error) {
	query, args := alertEventsQuery(f)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find alert events: %w", err)
	}
	return collect(rows, scanAlertEvent)
}

// alertEventsQuery builds FindAlertEvents' statement (a test checks its plans).
func alertEventsQuery(f hikeshi.AlertEventFilter) (string, []any) {
	p := f.Page.Normalize()
	query := "SELECT " + alertEventCols + " FROM alert_events WHERE 1 = 1"
	var args []any
	if f.Status != "" {
		query += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if f.Severity != "" {
		query += " AND severity = ?"
		args = append(args, string(f.Severity))
	}
	if f.Format != "" {
		query += " AND format = ?"
		args = append(args, string(f.Format))
	}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	return query + " ORDER BY id DESC LIMIT ?", append(args, p.Limit)
}

// FindAlertEvent returns one event.
func (q queries) FindAlertEvent(ctx context.Context, id string) (hikeshi.AlertEvent, error) {
	e, err := scanAlertEvent(q.row(ctx, "SELECT "+alertEventCols+" FROM alert_events WHERE id = ?", id))
	return e, notFound(err)
}

const alertCols = "id, event_id, sender_id, format, fingerprint, rule, title, description, severity, status, host, " +
	"observables, labels, raw, occurred_at, first_seen, last_seen, count, suppressed_by"

func scanAlert(s interface{ Scan(...any) error }) (hikeshi.Alert, error) {
	var a hikeshi.Alert
	var event, sender, supp sql.NullString
	var obs, labels, raw string
	err := s.Scan(&a.ID, &event, &sender, &a.Format, &a.Fingerprint, &a.Rule, &a.Title, &a.Description, &a.Severity, &a.Status,
		&a.Host, &obs, &labels, &raw, timeCol{&a.OccurredAt}, timeCol{&a.FirstSeen}, timeCol{&a.LastSeen}, &a.Count, &supp)
	if err != nil {
		return a, err
	}
	a.EventID, a.SenderID, a.SuppressedBy = event.String, sender.String, supp.String
	if obs != "" {
		if err := json.Unmarshal([]byte(obs), &a.Observables); err != nil {
			return a, fmt.Errorf("alert %s observables: %w", a.ID, err)
		}
	}
	if labels != "" {
		if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
			return a, fmt.Errorf("alert %s labels: %w", a.ID, err)
		}
	}
	if raw != "" {
		a.Raw = json.RawMessage(raw)
	}
	return a, nil
}

// FindAlerts lists alerts newest first. An event's alerts walk
// alerts_event_idx (event_id, id); a fingerprint's rows come from
// alerts_fp_key_idx; other lists walk the primary key backwards.
func (q queries) FindAlerts(ctx context.Context, f hikeshi.AlertFilter) ([]hikeshi.Alert, error) {
	query, args := alertsQuery(q.d, f)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find alerts: %w", err)
	}
	return collect(rows, scanAlert)
}

// alertsQuery builds FindAlerts' statement (a test checks its plans).
func alertsQuery(d dialect, f hikeshi.AlertFilter) (string, []any) {
	p := f.Page.Normalize()
	query := "SELECT " + alertCols + " FROM alerts WHERE 1 = 1"
	if f.Fingerprint != "" && d.engine == SQLite {
		// SQLite, without statistics, would walk every id backwards
		// looking for the fingerprint; its few rows are sorted instead.
		query = "SELECT " + alertCols + " FROM alerts INDEXED BY alerts_fp_key_idx WHERE 1 = 1"
	}
	var args []any
	order := " ORDER BY id DESC LIMIT ?"
	if f.EventID != "" {
		query += " AND event_id = ?"
		args = append(args, f.EventID)
		order = " ORDER BY event_id DESC, id DESC LIMIT ?"
	}
	if f.Fingerprint != "" {
		query += " AND fp_key = ? AND fingerprint = ?"
		args = append(args, fingerprintKey(f.Fingerprint), f.Fingerprint)
	}
	if f.Format != "" {
		query += " AND format = ?"
		args = append(args, string(f.Format))
	}
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	return query + order, append(args, p.Limit)
}

// FindAlert returns one alert.
func (q queries) FindAlert(ctx context.Context, id string) (hikeshi.Alert, error) {
	a, err := scanAlert(q.row(ctx, "SELECT "+alertCols+" FROM alerts WHERE id = ?", id))
	return a, notFound(err)
}

const queueSenderCols = "id, name, format, token_hash, token_hint, window_seconds, disabled_at, last_alert_at, created_by, created_at, updated_at"

func queueScanSender(s interface{ Scan(...any) error }) (hikeshi.AlertSender, error) {
	var a hikeshi.AlertSender
	var window int64
	var createdBy sql.NullString
	err := s.Scan(&a.ID, &a.Name, &a.Format, &a.TokenHash, &a.TokenHint, &window, timeCol{&a.DisabledAt}, timeCol{&a.LastAlertAt},
		&createdBy, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.Window = time.Duration(window) * time.Second
	a.CreatedBy = createdBy.String
	return a, err
}

// FindAlertSenders lists every sender by name (an organisation has a few).
func (q queries) FindAlertSenders(ctx context.Context) ([]hikeshi.AlertSender, error) {
	rows, err := q.query(ctx, "SELECT "+queueSenderCols+" FROM alert_senders ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("find alert senders: %w", err)
	}
	return collect(rows, queueScanSender)
}

// FindAlertSender returns one sender.
func (q queries) FindAlertSender(ctx context.Context, id string) (hikeshi.AlertSender, error) {
	s, err := queueScanSender(q.row(ctx, "SELECT "+queueSenderCols+" FROM alert_senders WHERE id = ?", id))
	return s, notFound(err)
}

const queueSuppressionCols = "id, name, format, rule, host, observable, reason, expires_at, hits, last_hit_at, disabled_at, created_by, created_at, updated_at"

func queueScanSuppression(s interface{ Scan(...any) error }) (hikeshi.AlertSuppression, error) {
	var r hikeshi.AlertSuppression
	var createdBy sql.NullString
	err := s.Scan(&r.ID, &r.Name, &r.Format, &r.Rule, &r.Host, &r.Observable, &r.Reason, timeCol{&r.ExpiresAt}, &r.Hits,
		timeCol{&r.LastHitAt}, timeCol{&r.DisabledAt}, &createdBy, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	r.CreatedBy = createdBy.String
	return r, err
}

// FindAlertSuppressions lists rules newest first.
func (q queries) FindAlertSuppressions(ctx context.Context, p hikeshi.Page) ([]hikeshi.AlertSuppression, error) {
	p = p.Normalize()
	query := "SELECT " + queueSuppressionCols + " FROM alert_suppressions"
	var args []any
	if p.After != "" {
		query += " WHERE id < ?"
		args = append(args, p.After)
	}
	rows, err := q.query(ctx, query+" ORDER BY id DESC LIMIT ?", append(args, p.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find alert suppressions: %w", err)
	}
	return collect(rows, queueScanSuppression)
}

// FindAlertSuppression returns one rule.
func (q queries) FindAlertSuppression(ctx context.Context, id string) (hikeshi.AlertSuppression, error) {
	r, err := queueScanSuppression(q.row(ctx, "SELECT "+queueSuppressionCols+" FROM alert_suppressions WHERE id = ?", id))
	return r, notFound(err)
}

// DecideAlertEvent records the decision on an open event.
func (t *tx) DecideAlertEvent(ctx context.Context, e hikeshi.AlertEvent) error {
	err := t.execOne(ctx, `UPDATE alert_events SET status = ?, incident_id = ?, decided_by = ?, decided_at = ?, reason = ?, updated_at = ?
		WHERE id = ? AND status = 'open'`,
		string(e.Status), nullString(e.IncidentID), nullString(e.DecidedBy), t.d.t(e.DecidedAt), e.Reason, t.d.t(e.UpdatedAt), e.ID)
	if errors.Is(err, hikeshi.ErrNotFound) {
		if _, ferr := t.FindAlertEvent(ctx, e.ID); ferr == nil {
			return fmt.Errorf("alert event %s is no longer open: %w", e.ID, hikeshi.ErrConflict)
		}
	}
	return err
}

// CreateAlertSender stores a sender.
func (t *tx) CreateAlertSender(ctx context.Context, s hikeshi.AlertSender) error {
	_, err := t.exec(ctx, "INSERT INTO alert_senders ("+queueSenderCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.Name, string(s.Format), s.TokenHash, s.TokenHint, int64(s.Window/time.Second), t.d.t(s.DisabledAt), t.d.t(s.LastAlertAt),
		nullString(s.CreatedBy), t.d.t(s.CreatedAt), t.d.t(s.UpdatedAt))
	return err
}

// UpdateAlertSender writes a sender's mutable fields (not last_alert_at,
// which intake writes).
func (t *tx) UpdateAlertSender(ctx context.Context, s hikeshi.AlertSender) error {
	return t.execOne(ctx, `UPDATE alert_senders SET name = ?, window_seconds = ?, token_hash = ?, token_hint = ?, disabled_at = ?, updated_at = ?
		WHERE id = ?`, s.Name, int64(s.Window/time.Second), s.TokenHash, s.TokenHint, t.d.t(s.DisabledAt), t.d.t(s.UpdatedAt), s.ID)
}

// CreateAlertSuppression stores a rule.
func (t *tx) CreateAlertSuppression(ctx context.Context, r hikeshi.AlertSuppression) error {
	_, err := t.exec(ctx, "INSERT INTO alert_suppressions ("+queueSuppressionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.Name, string(r.Format), r.Rule, r.Host, r.Observable, r.Reason, t.d.t(r.ExpiresAt), r.Hits, t.d.t(r.LastHitAt),
		t.d.t(r.DisabledAt), nullString(r.CreatedBy), t.d.t(r.CreatedAt), t.d.t(r.UpdatedAt))
	return err
}

// DisableAlertSuppression sets a rule's disabled time (hits stay as intake wrote them).
func (t *tx) DisableAlertSuppression(ctx context.Context, id string, at time.Time) error {
	return t.execOne(ctx, "UPDATE alert_suppressions SET disabled_at = ?, updated_at = ? WHERE id = ?", t.d.t(at), t.d.t(at), id)
}
