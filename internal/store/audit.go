package store

import (
	"context"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
)

const auditCols = "seq, id, at, actor_id, actor_label, via, action, entity, entity_id, before_json, after_json, prev_hash, hash"

func scanAudit(s interface{ Scan(...any) error }) (hikeshi.AuditRecord, error) {
	var r hikeshi.AuditRecord
	err := s.Scan(&r.Seq, &r.ID, timeCol{&r.At}, &r.ActorID, &r.ActorLabel, &r.Via, &r.Action, &r.Entity, &r.EntityID,
		&r.Before, &r.After, &r.PrevHash, &r.Hash)
	return r, err
}

// AppendAudit appends an entry to the chain. The chain head row is read with
// FOR UPDATE on PostgreSQL, so concurrent appenders queue behind each other
// and each links to the entry committed before it; SQLite has one writer.
func (t *tx) AppendAudit(ctx context.Context, at time.Time, e hikeshi.AuditEvent) (hikeshi.AuditRecord, error) {
	before, err := hikeshi.Snapshot(e.Before)
	if err != nil {
		return hikeshi.AuditRecord{}, err
	}
	after, err := hikeshi.Snapshot(e.After)
	if err != nil {
		return hikeshi.AuditRecord{}, err
	}
	var headSeq int64
	var headHash string
	if err := t.row(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+t.d.forUpdate()).Scan(&headSeq, &headHash); err != nil {
		return hikeshi.AuditRecord{}, fmt.Errorf("audit: lock chain head: %w", mapError(err))
	}
	r := hikeshi.AuditRecord{
		Seq: headSeq + 1, ID: hikeshi.NewID(), At: at.UTC().Truncate(time.Microsecond),
		ActorID: e.Actor.UserID, ActorLabel: e.Actor.Label(), Via: e.Actor.Via,
		Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
		Before: before, After: after, PrevHash: headHash,
	}
	r.Hash = r.ComputeHash()
	if _, err := t.exec(ctx, "INSERT INTO audit_log ("+auditCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.Seq, r.ID, t.d.t(r.At), r.ActorID, r.ActorLabel, r.Via, r.Action, r.Entity, r.EntityID, r.Before, r.After, r.PrevHash, r.Hash); err != nil {
		return hikeshi.AuditRecord{}, fmt.Errorf("audit: append: %w", err)
	}
	if err := t.execOne(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", r.Seq, r.Hash); err != nil {
		return hikeshi.AuditRecord{}, fmt.Errorf("audit: move chain head: %w", err)
	}
	return r, nil
}

// FindAuditRecords lists entries newest first, filtered.
func (q queries) FindAuditRecords(ctx context.Context, f hikeshi.AuditFilter) ([]hikeshi.AuditRecord, error) {
	query := "SELECT " + auditCols + " FROM audit_log WHERE 1 = 1"
	var args []any
	if f.BeforeSeq > 0 {
		query += " AND seq < ?"
		args = append(args, f.BeforeSeq)
	}
	if f.ActorID != "" {
		query += " AND actor_id = ?"
		args = append(args, f.ActorID)
	}
	if f.Action != "" {
		query += " AND action LIKE ? ESCAPE '\\'"
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.Entity != "" {
		query += " AND entity = ?"
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		query += " AND entity_id = ?"
		args = append(args, f.EntityID)
	}
	if !f.Since.IsZero() {
		query += " AND at >= ?"
		args = append(args, q.d.t(f.Since))
	}
	if !f.Until.IsZero() {
		query += " AND at < ?"
		args = append(args, q.d.t(f.Until))
	}
	limit := f.Limit
	if limit <= 0 || limit > hikeshi.MaxPageLimit {
		limit = hikeshi.DefaultPageLimit
	}
	query += " ORDER BY seq DESC LIMIT ?"
	args = append(args, limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAudit)
}

func escapeLike(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '_' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// WalkAudit streams every entry in chain order and returns the chain head.
// Inside a transaction both come from the same snapshot.
func (q queries) WalkAudit(ctx context.Context, fn func(hikeshi.AuditRecord) error) (int64, string, error) {
	var headSeq int64
	var headHash string
	if err := q.row(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return 0, "", fmt.Errorf("audit: read chain head: %w", notFound(err))
	}
	// Page through by seq so a long log is never held in memory or in one cursor.
	var after int64 = -1
	for {
		rows, err := q.query(ctx, "SELECT "+auditCols+" FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1000", after)
		if err != nil {
			return 0, "", err
		}
		recs, err := collect(rows, scanAudit)
		if err != nil {
			return 0, "", err
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return 0, "", err
			}
			after = r.Seq
		}
		if len(recs) < 1000 {
			return headSeq, headHash, nil
		}
	}
}

// WalkAudit on the database walks inside one read snapshot, so the chain head
// it returns and the entries it streams agree exactly.
func (db *DB) WalkAudit(ctx context.Context, fn func(hikeshi.AuditRecord) error) (int64, string, error) {
	tx, err := db.readers.BeginTx(ctx, db.d.snapshotOptions())
	if err != nil {
		return 0, "", fmt.Errorf("audit: begin a read snapshot: %w", err)
	}
	defer tx.Rollback() // read-only
	return queries{q: tx, d: db.d}.WalkAudit(ctx, fn)
}
