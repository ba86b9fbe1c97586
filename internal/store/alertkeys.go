package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// fingerprintKey is the indexed key of an alert's fingerprint (fp_key,
// decision 0046): the first 64 bits of its SHA-256, as a signed integer. Keys
// of different fingerprints may collide, so every look-up by key also
// compares the fingerprint. A hash, not a prefix, because senders choose
// their own fingerprints and may share long prefixes; SHA-256, not a fast
// hash, so that a sender cannot cheaply make many fingerprints share a key.
func fingerprintKey(fp string) int64 {
	h := sha256.Sum256([]byte(fp))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// fillAlertFingerprintKeys sets fp_key on every alert row (migration 31),
// a thousand rows at a time in id order.
func fillAlertFingerprintKeys(ctx context.Context, tx *sql.Tx, d dialect) error {
	sel, err := tx.PrepareContext(ctx, d.rebind("SELECT id, fingerprint FROM alerts WHERE id > ? ORDER BY id LIMIT 1000"))
	if err != nil {
		return fmt.Errorf("fill alert fingerprint keys: %w", err)
	}
	defer sel.Close()
	upd, err := tx.PrepareContext(ctx, d.rebind("UPDATE alerts SET fp_key = ? WHERE id = ?"))
	if err != nil {
		return fmt.Errorf("fill alert fingerprint keys: %w", err)
	}
	defer upd.Close()
	type row struct{ id, fp string }
	after := ""
	for {
		rs, err := sel.QueryContext(ctx, after)
		if err != nil {
			return fmt.Errorf("fill alert fingerprint keys: %w", err)
		}
		var page []row
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.fp); err != nil {
				rs.Close()
				return fmt.Errorf("fill alert fingerprint keys: %w", err)
			}
			page = append(page, r)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fmt.Errorf("fill alert fingerprint keys: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if _, err := upd.ExecContext(ctx, fingerprintKey(r.fp), r.id); err != nil {
				return fmt.Errorf("fill the fingerprint key of alert %s: %w", r.id, err)
			}
		}
		after = page[len(page)-1].id
	}
}
