package store

// This file implements hikeshi.AlertIntakeReader and hikeshi.AlertIntakeWriter.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// intakeChunk bounds the values of one look-up (one JSON array parameter).
const intakeChunk = 5000

// intakeLockKey is the PostgreSQL advisory lock that serialises intake
// batches across server processes ("HIKE" and the decision's number).
const intakeLockKey int64 = 0x48494b45_0035

func intakeScanSender(s interface{ Scan(...any) error }) (hikeshi.AlertSender, error) {
	var a hikeshi.AlertSender
	var window int64
	var createdBy sql.NullString
	err := s.Scan(&a.ID, &a.Name, &a.Format, &a.TokenHash, &a.TokenHint, &window, timeCol{&a.DisabledAt}, timeCol{&a.LastAlertAt},
		&createdBy, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.Window = time.Duration(window) * time.Second
	a.CreatedBy = createdBy.String
	return a, err
}

const intakeSenderCols = "id, name, format, token_hash, token_hint, window_seconds, disabled_at, last_alert_at, created_by, created_at, updated_at"

// FindIntakeSender returns the sender whose token hashes to tokenHash.
func (q queries) FindIntakeSender(ctx context.Context, tokenHash string) (hikeshi.AlertSender, error) {
	s, err := intakeScanSender(q.row(ctx, "SELECT "+intakeSenderCols+" FROM alert_senders WHERE token_hash = ?", tokenHash))
	return s, notFound(err)
}

// CreateIntakeSender stores a sender as is.
func (t *tx) CreateIntakeSender(ctx context.Context, s hikeshi.AlertSender) error {
	_, err := t.exec(ctx, "INSERT INTO alert_senders ("+intakeSenderCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.Name, string(s.Format), s.TokenHash, s.TokenHint, int64(s.Window/time.Second), t.d.t(s.DisabledAt), t.d.t(s.LastAlertAt),
		nullString(s.CreatedBy), t.d.t(s.CreatedAt), t.d.t(s.UpdatedAt))
	return err
}

// intakeMarks returns "?, ?, …" with n marks.
func intakeMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// intakeChunks calls fn with the bounds [lo, hi) of consecutive pieces of
// n items, each of at most intakeChunk.
func intakeChunks(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += intakeChunk {
		if err := fn(lo, min(lo+intakeChunk, n)); err != nil {
			return err
		}
	}
	return nil
}

// inList is "IN (…)" over the values of one JSON array parameter: a short
// statement whatever the number of values, so it is parsed quickly and its
// plan drives from the values into the index. On PostgreSQL it is
// "= ANY(ARRAY(…))": the planner guesses 100 rows for a set-returning
// function, and with "IN (SELECT …)" over a table whose rows all match the
// other condition (every event open) it then hashes the values and scans the
// whole table (4 ms at 10,000 events, growing with them); over an array it
// probes the index (0.04 ms).
func inList[V string | int64](q queries, values []V) (string, any, error) {
	b, err := json.Marshal(values)
	if err != nil {
		return "", nil, err
	}
	if q.d.engine == Postgres {
		elems := "jsonb_array_elements_text(CAST(? AS jsonb))"
		var v V
		if _, ok := any(v).(int64); ok {
			elems = "CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS bigint)"
		}
		return " = ANY(ARRAY(SELECT " + elems + "))", string(b), nil
	}
	return " IN (SELECT value FROM json_each(?))", string(b), nil
}

// FindIntakeHeads returns the newest row of each fingerprint that has one.
// In the SQLite writer's transaction, fingerprints whose key the filter of
// stored keys has never seen are not looked up (decision 0049).
func (t *tx) FindIntakeHeads(ctx context.Context, fingerprints []string) (map[string]hikeshi.AlertHead, error) {
	if t.keys == nil || len(fingerprints) == 0 {
		return t.queries.FindIntakeHeads(ctx, fingerprints)
	}
	if err := t.keys.prime(ctx, t.queries); err != nil {
		return nil, err
	}
	keys := fingerprintKeys(fingerprints)
	absent := t.keys.absent(keys)
	var maybe []string
	var maybeKeys []int64
	for i, fp := range fingerprints {
		if !absent[i] {
			maybe, maybeKeys = append(maybe, fp), append(maybeKeys, keys[i])
		}
	}
	return t.findIntakeHeads(ctx, maybe, maybeKeys)
}

// fingerprintKeys returns the key of each fingerprint.
func fingerprintKeys(fps []string) []int64 {
	keys := make([]int64, len(fps))
	for i, fp := range fps {
		keys[i] = fingerprintKey(fp)
	}
	return keys
}

// FindIntakeHeads returns the newest row of each fingerprint that has one.
func (q queries) FindIntakeHeads(ctx context.Context, fingerprints []string) (map[string]hikeshi.AlertHead, error) {
	return q.findIntakeHeads(ctx, fingerprints, fingerprintKeys(fingerprints))
}

// findIntakeHeads is FindIntakeHeads given each fingerprint's key.
func (q queries) findIntakeHeads(ctx context.Context, fingerprints []string, fpKeys []int64) (map[string]hikeshi.AlertHead, error) {
	out := make(map[string]hikeshi.AlertHead, len(fingerprints))
	err := intakeChunks(len(fingerprints), func(lo, hi int) error {
		return q.findIntakeHeadsChunk(ctx, fingerprints[lo:hi], fpKeys[lo:hi], out)
	})
	return out, err
}

// findIntakeHeadsChunk looks up one chunk of fingerprints into out.
func (q queries) findIntakeHeadsChunk(ctx context.Context, fps []string, keys []int64, out map[string]hikeshi.AlertHead) error {
	// The rows are found by fp_key; a key shared by another
	// fingerprint brings rows that are not asked for.
	asked := make(map[string]bool, len(fps))
	for _, fp := range fps {
		asked[fp] = true
	}
	in, arg, err := inList(q, keys)
	if err != nil {
		return err
	}
	rows, err := q.query(ctx, "SELECT a.fingerprint, a.id, a.event_id, e.number, a.suppressed_by, a.last_seen FROM alerts a "+
		"LEFT JOIN alert_events e ON e.id = a.event_id WHERE a.fp_key"+in, arg)
	if err != nil {
		return fmt.Errorf("find alert fingerprints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fp string
		var h hikeshi.AlertHead
		var event, number, supp sql.NullString
		if err := rows.Scan(&fp, &h.ID, &event, &number, &supp, timeCol{&h.LastSeen}); err != nil {
			return err
		}
		if !asked[fp] {
			continue
		}
		h.EventID, h.EventNumber, h.SuppressedBy = event.String, number.String, supp.String
		if old, ok := out[fp]; !ok || h.LastSeen.After(old.LastSeen) || (h.LastSeen.Equal(old.LastSeen) && h.ID > old.ID) {
			out[fp] = h
		}
	}
	return rows.Err()
}

// FindIntakeOpenEvents returns the open event of each group key that has one.
func (q queries) FindIntakeOpenEvents(ctx context.Context, groupKeys []string) (map[string]hikeshi.AlertEvent, error) {
	out := make(map[string]hikeshi.AlertEvent, len(groupKeys))
	err := intakeChunks(len(groupKeys), func(lo, hi int) error {
		keys := groupKeys[lo:hi]
		// SQLite, without statistics, would walk alert_events_status_idx
		// through every open event; the partial unique index finds each key.
		indexed := ""
		if q.d.engine == SQLite {
			indexed = " INDEXED BY alert_events_open_key"
		}
		in, arg, err := inList(q, keys)
		if err != nil {
			return err
		}
		rows, err := q.query(ctx, "SELECT id, number, group_key, severity FROM alert_events"+indexed+" WHERE status = 'open' AND group_key"+in, arg)
		if err != nil {
			return fmt.Errorf("find open alert events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e := hikeshi.AlertEvent{Status: hikeshi.EventOpen}
			if err := rows.Scan(&e.ID, &e.Number, &e.GroupKey, &e.Severity); err != nil {
				return err
			}
			out[e.GroupKey] = e
		}
		return rows.Err()
	})
	return out, err
}

// FindIntakeEvent returns one event.
func (q queries) FindIntakeEvent(ctx context.Context, id string) (hikeshi.AlertEvent, error) {
	e, err := scanAlertEvent(q.row(ctx, "SELECT "+alertEventCols+" FROM alert_events WHERE id = ?", id))
	return e, notFound(err)
}

// FindIntakeSuppressions returns the rules in force at now.
func (q queries) FindIntakeSuppressions(ctx context.Context, now time.Time) ([]hikeshi.AlertSuppression, error) {
	rows, err := q.query(ctx, `SELECT id, name, format, rule, host, observable, expires_at FROM alert_suppressions
		WHERE disabled_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY id`, q.d.t(now))
	if err != nil {
		return nil, fmt.Errorf("find alert suppressions: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.AlertSuppression, error) {
		var r hikeshi.AlertSuppression
		err := s.Scan(&r.ID, &r.Name, &r.Format, &r.Rule, &r.Host, &r.Observable, timeCol{&r.ExpiresAt})
		return r, err
	})
}

// FindIntakeAlerts returns every row of a fingerprint, newest first.
func (q queries) FindIntakeAlerts(ctx context.Context, fingerprint string) ([]hikeshi.Alert, error) {
	rows, err := q.query(ctx, "SELECT "+alertCols+" FROM alerts WHERE fp_key = ? AND fingerprint = ? ORDER BY last_seen DESC, id DESC",
		fingerprintKey(fingerprint), fingerprint)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAlert)
}

// prepare prepares a statement on the transaction, for statements run once
// per row of a batch.
func (t *tx) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	p, ok := t.q.(interface {
		PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	})
	if !ok {
		return nil, fmt.Errorf("store: cannot prepare statements outside a transaction")
	}
	st, err := p.PrepareContext(ctx, t.d.rebind(query))
	return st, mapError(err)
}

// rowsOne checks that a statement changed exactly one row.
func rowsOne(res sql.Result, err error) error {
	if err != nil {
		return mapError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return hikeshi.ErrNotFound
	}
	return nil
}

// LockIntake takes the intake's transaction-scoped advisory lock on
// PostgreSQL; SQLite's single writer needs none.
func (t *tx) LockIntake(ctx context.Context) (bool, error) {
	if t.d.engine != Postgres {
		return false, nil
	}
	_, err := t.exec(ctx, "SELECT pg_advisory_xact_lock(?)", intakeLockKey)
	return true, err
}

// ReserveCounter advances a counter by n and returns the first value reserved.
func (t *tx) ReserveCounter(ctx context.Context, name string, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("counter %s: reserve %d values: %w", name, n, hikeshi.ErrInvalid)
	}
	var v int64
	err := t.row(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + ? RETURNING value`, name, int64(n), int64(n)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, mapError(err))
	}
	return v - int64(n) + 1, nil
}

// WriteIntakeBatch writes one batch of intake with multi-row inserts.
func (t *tx) WriteIntakeBatch(ctx context.Context, b hikeshi.AlertIntakeBatch) error {
	if err := t.insertEvents(ctx, b.NewEvents); err != nil {
		return err
	}
	if err := t.insertAlerts(ctx, b.NewAlerts); err != nil {
		return err
	}
	if t.d.engine == Postgres {
		if err := t.pgBulkUpdates(ctx, b); err != nil {
			return err
		}
		b.Bumps, b.Events = nil, nil
	}
	if len(b.Bumps) > 0 {
		st, err := t.prepare(ctx, "UPDATE alerts SET count = count + ?, last_seen = ?, status = ? WHERE id = ?")
		if err != nil {
			return err
		}
		defer st.Close()
		for _, u := range b.Bumps {
			if err := rowsOne(st.ExecContext(ctx, u.Count, t.d.t(u.LastSeen), string(u.Status), u.ID)); err != nil {
				return fmt.Errorf("alert %s: %w", u.ID, err)
			}
		}
	}
	var plain, raise *sql.Stmt
	for _, e := range b.Events {
		const q = "UPDATE alert_events SET alerts = alerts + ?, occurrences = occurrences + ?, " +
			"last_seen = CASE WHEN last_seen < ? THEN ? ELSE last_seen END, updated_at = ?"
		args := []any{e.Alerts, e.Occurrences, t.d.t(e.LastSeen), t.d.t(e.LastSeen), t.d.t(e.LastSeen)}
		var err error
		st := &plain
		if e.Severity != "" {
			st = &raise
			args = append(args, string(e.Severity))
		}
		if *st == nil {
			if e.Severity != "" {
				*st, err = t.prepare(ctx, q+", severity = ? WHERE id = ?")
			} else {
				*st, err = t.prepare(ctx, q+" WHERE id = ?")
			}
			if err != nil {
				return err
			}
			defer (*st).Close()
		}
		if err := rowsOne((*st).ExecContext(ctx, append(args, e.ID)...)); err != nil {
			return fmt.Errorf("alert event %s: %w", e.ID, err)
		}
	}
	for _, h := range b.Hits {
		if _, err := t.exec(ctx, "UPDATE alert_suppressions SET hits = hits + ?, last_hit_at = ? WHERE id = ?",
			h.Hits, t.d.t(h.At), h.ID); err != nil {
			return fmt.Errorf("alert suppression %s: %w", h.ID, err)
		}
	}
	for _, s := range b.Senders {
		if _, err := t.exec(ctx, "UPDATE alert_senders SET last_alert_at = ? WHERE id = ?", t.d.t(s.At), s.ID); err != nil {
			return fmt.Errorf("alert sender %s: %w", s.ID, err)
		}
	}
	return nil
}

// pgBulkUpdates applies a batch's repeats and event totals on PostgreSQL
// with one statement each, from a JSON record set: a statement per row would
// cost a round trip per row. The record set is wrapped in "LIMIT n" only to
// tell the planner how many rows it holds: it guesses 100 for a function and
// would then scan the whole table rather than probe its key n times.
func (t *tx) pgBulkUpdates(ctx context.Context, b hikeshi.AlertIntakeBatch) error {
	if len(b.Bumps) > 0 {
		type bump struct {
			ID string    `json:"id"`
			N  int64     `json:"n"`
			LS time.Time `json:"ls"`
			St string    `json:"st"`
		}
		rows := make([]bump, len(b.Bumps))
		for i, u := range b.Bumps {
			rows[i] = bump{u.ID, u.Count, u.LastSeen.UTC(), string(u.Status)}
		}
		js, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		if err := rowsN(len(rows))(t.exec(ctx, `UPDATE alerts AS a SET count = a.count + v.n, last_seen = v.ls, status = v.st
			FROM (SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS r(id text, n bigint, ls timestamptz, st text) LIMIT ?) AS v
			WHERE a.id = v.id`, string(js), len(rows))); err != nil {
			return fmt.Errorf("alert repeats: %w", err)
		}
	}
	if len(b.Events) > 0 {
		type delta struct {
			ID  string    `json:"id"`
			A   int64     `json:"a"`
			O   int64     `json:"o"`
			LS  time.Time `json:"ls"`
			Sev string    `json:"sev"`
		}
		rows := make([]delta, len(b.Events))
		for i, e := range b.Events {
			rows[i] = delta{e.ID, e.Alerts, e.Occurrences, e.LastSeen.UTC(), string(e.Severity)}
		}
		js, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		if err := rowsN(len(rows))(t.exec(ctx, `UPDATE alert_events AS e SET alerts = e.alerts + v.a, occurrences = e.occurrences + v.o,
			last_seen = GREATEST(e.last_seen, v.ls), updated_at = v.ls, severity = COALESCE(NULLIF(v.sev, ''), e.severity)
			FROM (SELECT * FROM jsonb_to_recordset(CAST(? AS jsonb)) AS r(id text, a bigint, o bigint, ls timestamptz, sev text) LIMIT ?) AS v
			WHERE e.id = v.id`, string(js), len(rows))); err != nil {
			return fmt.Errorf("alert event totals: %w", err)
		}
	}
	return nil
}

// rowsN checks that a statement changed exactly n rows (ErrNotFound if fewer).
func rowsN(n int) func(sql.Result, error) error {
	return func(res sql.Result, err error) error {
		if err != nil {
			return err
		}
		got, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if got != int64(n) {
			return fmt.Errorf("%d of %d rows: %w", got, n, hikeshi.ErrNotFound)
		}
		return nil
	}
}

// pgInsert inserts rows with multi-row INSERTs of up to 500 rows on
// PostgreSQL, where a statement per row would cost a round trip per row.
func (t *tx) pgInsert(ctx context.Context, table, cols string, ncols int, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), 500)
		args := make([]any, 0, n*ncols)
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		row := "(" + intakeMarks(ncols) + ")"
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, r...)
		}
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func (t *tx) insertEvents(ctx context.Context, evs []hikeshi.AlertEvent) error {
	if len(evs) == 0 {
		return nil
	}
	if t.d.engine == Postgres {
		rows := make([][]any, len(evs))
		for i, e := range evs {
			rows[i] = []any{e.ID, e.Number, e.GroupKey, e.Title, string(e.Format), string(e.Severity), string(e.Status),
				e.Alerts, e.Occurrences, t.d.t(e.FirstSeen), t.d.t(e.LastSeen), nullString(e.IncidentID), nullString(e.DecidedBy),
				t.d.t(e.DecidedAt), e.Reason, t.d.t(e.CreatedAt), t.d.t(e.UpdatedAt)}
		}
		if err := t.pgInsert(ctx, "alert_events", alertEventCols, 17, rows); err != nil {
			return fmt.Errorf("insert alert events: %w", err)
		}
		return nil
	}
	st, err := t.prepare(ctx, "INSERT INTO alert_events ("+alertEventCols+") VALUES ("+intakeMarks(17)+")")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, e := range evs {
		if _, err := st.ExecContext(ctx, e.ID, e.Number, e.GroupKey, e.Title, string(e.Format), string(e.Severity), string(e.Status),
			e.Alerts, e.Occurrences, t.d.t(e.FirstSeen), t.d.t(e.LastSeen), nullString(e.IncidentID), nullString(e.DecidedBy),
			t.d.t(e.DecidedAt), e.Reason, t.d.t(e.CreatedAt), t.d.t(e.UpdatedAt)); err != nil {
			return fmt.Errorf("insert alert event: %w", mapError(err))
		}
	}
	return nil
}

// insertAlerts inserts new alert rows. On SQLite rows go in INSERTs of
// intakeRowsPerInsert rows, each prepared once per batch (a statement of
// hundreds of rows would cost SQLite more to parse than the rows cost to
// insert); on PostgreSQL in multi-row INSERTs, one round trip per 500 rows.
func (t *tx) insertAlerts(ctx context.Context, as []hikeshi.Alert) error {
	if len(as) == 0 {
		return nil
	}
	var buf []byte
	// The rows of a batch share their first and last seen times: each
	// distinct time is formatted once.
	var lastT time.Time
	var lastV any
	tm := func(v time.Time) any {
		if !v.Equal(lastT) || lastV == nil || v.Location() != lastT.Location() {
			lastT, lastV = v, t.d.t(v)
		}
		return lastV
	}
	keys := make([]int64, len(as))
	for i := range as {
		keys[i] = fingerprintKey(as[i].Fingerprint)
	}
	args := func(a hikeshi.Alert, key int64) ([]any, error) {
		obs, labels := "[]", "{}"
		if len(a.Observables) > 0 {
			buf = intakeObservables(buf[:0], a.Observables)
			obs = string(buf)
		}
		if len(a.Labels) > 0 {
			buf = intakeLabels(buf[:0], a.Labels)
			labels = string(buf)
		}
		return []any{a.ID, nullString(a.EventID), nullString(a.SenderID), string(a.Format), a.Fingerprint, a.Rule, a.Title,
			a.Description, string(a.Severity), string(a.Status), a.Host, obs, labels, string(a.Raw), tm(a.OccurredAt),
			tm(a.FirstSeen), tm(a.LastSeen), a.Count, nullString(a.SuppressedBy), key}, nil
	}
	if t.d.engine == Postgres {
		rows := make([][]any, len(as))
		for i, a := range as {
			r, err := args(a, keys[i])
			if err != nil {
				return err
			}
			rows[i] = r
		}
		if err := t.pgInsert(ctx, "alerts", alertInsertCols, 20, rows); err != nil {
			return fmt.Errorf("insert alerts: %w", err)
		}
		return nil
	}
	// The filter of stored keys learns these rows' keys before they are
	// stored: a key of a batch rolled back only costs a look-up later.
	if t.keys != nil {
		if err := t.keys.prime(ctx, t.queries); err != nil {
			return err
		}
		t.keys.add(keys)
	}
	// Rows go in statements of intakeRowsPerInsert rows, each statement
	// prepared once per batch: a statement per row costs a call through
	// database/sql and the driver per row.
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	vals := make([]any, 0, 20*intakeRowsPerInsert)
	for done := 0; done < len(as); {
		n := min(len(as)-done, intakeRowsPerInsert)
		st := stmts[n]
		if st == nil {
			row := "(" + intakeMarks(20) + ")"
			var b strings.Builder
			b.WriteString("INSERT INTO alerts (" + alertInsertCols + ") VALUES ")
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(row)
			}
			var err error
			if st, err = t.prepare(ctx, b.String()); err != nil {
				return err
			}
			stmts[n] = st
		}
		vals = vals[:0]
		for i, a := range as[done : done+n] {
			r, err := args(a, keys[done+i])
			if err != nil {
				return err
			}
			vals = append(vals, r...)
		}
		if _, err := st.ExecContext(ctx, vals...); err != nil {
			return fmt.Errorf("insert alert: %w", mapError(err))
		}
		done += n
	}
	return nil
}

// alertInsertCols are the columns of a new alert row: alertCols and the
// fingerprint's key.
const alertInsertCols = alertCols + ", fp_key"

// intakeRowsPerInsert is the number of alert rows of one INSERT on SQLite.
const intakeRowsPerInsert = 32

// intakeObservables encodes observables as the JSON array json.Marshal
// would, without its reflection.
func intakeObservables(buf []byte, obs []hikeshi.AlertObservable) []byte {
	buf = append(buf, '[')
	for i, o := range obs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"type":`...)
		buf = intakeJSONString(buf, string(o.Type))
		buf = append(buf, `,"value":`...)
		buf = intakeJSONString(buf, o.Value)
		buf = append(buf, '}')
	}
	return append(buf, ']')
}

// intakeLabels encodes labels as the JSON object json.Marshal would (keys
// sorted), without its reflection.
func intakeLabels(buf []byte, labels map[string]string) []byte {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = intakeJSONString(buf, k)
		buf = append(buf, ':')
		buf = intakeJSONString(buf, labels[k])
	}
	return append(buf, '}')
}

// intakeJSONString appends s as json.Marshal encodes it: text that needs
// no escape as is, anything else through json.Marshal.
func intakeJSONString(buf []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			plain = false
			break
		}
	}
	if plain {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	b, _ := json.Marshal(s) // a string always encodes
	return append(buf, b...)
}
