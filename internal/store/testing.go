package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// Schema describes the tables, columns and indexes of the database, engine
// neutrally, so tests can check both engines end with the same schema.
// Keys are "table" → sorted column names, and "index:table" → sorted index names.
func (db *DB) Schema(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	var q string
	if db.d.engine == SQLite {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	} else {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	if err := db.collectPairs(ctx, q, func(a, b string) { out[a] = append(out[a], b) }); err != nil {
		return nil, err
	}
	if db.d.engine == SQLite {
		q = `SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'`
	} else {
		q = `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'`
	}
	if err := db.collectPairs(ctx, q, func(a, b string) { out["index:"+a] = append(out["index:"+a], b) }); err != nil {
		return nil, err
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out, nil
}

func (db *DB) collectPairs(ctx context.Context, q string, fn func(a, b string)) error {
	rows, err := db.readers.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

// ExecForTest runs a raw statement on the writer, outside the audit trail. It
// exists for tests that simulate tampering or a future schema; production
// code never calls it.
func (db *DB) ExecForTest(ctx context.Context, query string, args ...any) error {
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			args[i] = db.d.t(t)
		}
	}
	_, err := db.writer.ExecContext(ctx, db.d.rebind(query), args...)
	return err
}

// ForgetOwnership clears the mark that makes a SQLite file Hikeshi's, so tests
// can stand in for another application's database.
func ForgetOwnership(path string) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA application_id = 0"); err != nil {
		return fmt.Errorf("clear application_id: %w", err)
	}
	return nil
}
