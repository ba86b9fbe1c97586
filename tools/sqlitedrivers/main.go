// Command sqlitedrivers measures what the SQLite engine itself can do with
// alert rows on this machine, with Hikeshi's driver (modernc.org/sqlite, SQLite
// translated to Go) and with the C SQLite of github.com/mattn/go-sqlite3
// (cgo). It answers one question behind decision 0045: would a cgo driver
// bring alert intake to its targets?
//
// Each run creates a fresh database in a temporary directory with the alerts
// table's columns, checks and indexes (migration 0023), then inserts -rows
// rows with one prepared INSERT per row and 1,000 rows per transaction — the
// baseline of "hikeshi bench intake" — in WAL mode with synchronous=NORMAL,
// once with SQLite's automatic checkpoint (every 1,000 pages, in the commit)
// and once without any checkpoint (the ceiling: nothing copied back at all).
//
// It is a module of its own so that the main module never builds cgo:
//
//	cd tools/sqlitedrivers && go run . -rows 100000 -runs 2
package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // "sqlite3": C SQLite through cgo
	_ "modernc.org/sqlite"          // "sqlite": Hikeshi's driver
)

// ddl is the alerts table of internal/store/migrations/sqlite/0023_alerts.sql
// as 0031_alert_fingerprint_keys.sql left it, without its foreign keys (the
// referenced tables are not here).
const ddl = `CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,
    event_id      TEXT,
    sender_id     TEXT,
    format        TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    rule          TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    severity      TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    status        TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    host          TEXT NOT NULL DEFAULT '',
    observables   TEXT NOT NULL DEFAULT '[]',
    labels        TEXT NOT NULL DEFAULT '{}',
    raw           TEXT NOT NULL DEFAULT '',
    occurred_at   TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    count         INTEGER NOT NULL DEFAULT 1 CHECK (count > 0),
    suppressed_by TEXT,
    fp_key        INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX alerts_fp_key_idx ON alerts (fp_key);
CREATE INDEX alerts_event_idx ON alerts (event_id, id)`

func main() {
	n := flag.Int("rows", 100_000, "rows per run")
	runs := flag.Int("runs", 2, "runs of each configuration")
	flag.Parse()
	rows := alertRows(*n)
	dir, err := os.MkdirTemp("", "sqlitedrivers-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	fmt.Printf("%d alert rows, 1,000 per transaction, WAL, synchronous=NORMAL\n", *n)
	for r := range *runs {
		for _, c := range []struct{ driver, label, dsn string }{
			{"sqlite", "modernc.org/sqlite", "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"},
			{"sqlite3", "mattn/go-sqlite3 (C)", "?_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"},
		} {
			for _, ckpt := range []int{1000, 0} {
				path := filepath.Join(dir, fmt.Sprintf("%s-%d-%d.db", c.driver, ckpt, r))
				rate, err := insertRate(c.driver, "file:"+path+c.dsn, ckpt, rows)
				if err != nil {
					log.Fatalf("%s: %v", c.label, err)
				}
				what := "automatic checkpoint every 1,000 pages"
				if ckpt == 0 {
					what = "no checkpoint"
				}
				fmt.Printf("  %-22s %-40s %8.0f rows/s\n", c.label, what, rate)
			}
		}
	}
}

// insertRate inserts rows into a new alerts table and returns rows per second.
func insertRate(driver, dsn string, autocheckpoint int, rows [][]any) (float64, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range append(strings.Split(ddl, ";"), "PRAGMA wal_autocheckpoint = "+strconv.Itoa(autocheckpoint)) {
		if _, err := db.Exec(s); err != nil {
			return 0, fmt.Errorf("%.40s: %w", s, err)
		}
	}
	total := len(rows)
	start := time.Now()
	for len(rows) > 0 {
		n := min(len(rows), 1000)
		tx, err := db.Begin()
		if err != nil {
			return 0, err
		}
		st, err := tx.Prepare("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		for _, r := range rows[:n] {
			if _, err := st.Exec(r...); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		rows = rows[n:]
	}
	return float64(total) / time.Since(start).Seconds(), nil
}

// alertRows makes n rows shaped like those "hikeshi bench intake" stores:
// time-ordered ids, SHA-256 fingerprints, events of about eight alerts, a
// raw payload of about 420 bytes.
func alertRows(n int) [][]any {
	rows := make([][]any, n)
	base := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	for i := range rows {
		at := base.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000000Z")
		fp := sha256.Sum256([]byte(strconv.Itoa(i)))
		key := sha256.Sum256([]byte(hex.EncodeToString(fp[:]))) // fp_key: the store's fingerprintKey
		ip := fmt.Sprintf("10.%d.%d.%d", i%200, (i/200)%256, 1+i%250)
		host := fmt.Sprintf("srv-%04d.example.internal", (i/5*7919)%4000)
		raw := fmt.Sprintf(`{"title":"Port scan from %s","rule":"ET SCAN Nmap SYN scan #%d","severity":"low","host":%q,`+
			`"description":"Detected by sensor %d at %s; see the raw event for details.","observables":[{"type":"ip","value":%q}],`+
			`"labels":{"sensor":"sensor-%d","site":"tokyo-%d","env":"prod","run":"5f3a"},"occurred_at":%q}`,
			ip, i/5%300, host, i%16, host, ip, i%16, i%3, at)
		rows[i] = []any{
			fmt.Sprintf("019ac000-%04x-7%03x-8%03x-%012x", i>>28&0xffff, i>>16&0xfff, i>>4&0xfff, i), // ordered like UUIDv7
			fmt.Sprintf("019ab000-0000-7000-8000-%012x", (i/8*7919)%12000), "sender", "generic",
			hex.EncodeToString(fp[:]), fmt.Sprintf("ET SCAN Nmap SYN scan #%d", i/5%300), "Port scan from " + ip,
			"Detected by sensor at " + host + "; see the raw event for details.", "low", "firing", host,
			`[{"type":"ip","value":"` + ip + `"}]`, `{"env":"prod","run":"5f3a","sensor":"sensor-3","site":"tokyo-1"}`, raw,
			at, at, at, 1, nil, int64(binary.BigEndian.Uint64(key[:8])),
		}
	}
	return rows
}
