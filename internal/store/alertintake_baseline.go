package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// IntakeBaseline measures what the database alone can do with the rows alert
// intake wrote, for "hikeshi bench intake": it copies the alerts table's
// definition (columns, checks, foreign keys and indexes) to bench_alerts,
// reads every alert row of the sender as stored, then inserts those rows again with one
// prepared INSERT per row, 1,000 rows per transaction, on the same
// connections and durability settings as intake. It drops bench_alerts
// afterwards and reports the rows inserted and the time the inserts took.
func (db *DB) IntakeBaseline(ctx context.Context, senderID string, perTx int) (rows int, elapsed time.Duration, err error) {
	if perTx < 1 {
		perTx = 1000
	}
	if err := db.createBenchAlerts(ctx); err != nil {
		return 0, 0, err
	}
	defer db.writer.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS bench_alerts")

	// The rows, as intake stored them, read before the clock starts.
	rs, err := db.readers.QueryContext(ctx, db.d.rebind("SELECT "+alertInsertCols+" FROM alerts WHERE sender_id = ?"), senderID)
	if err != nil {
		return 0, 0, err
	}
	var all [][]any
	for rs.Next() {
		vals := make([]any, 20)
		ptrs := make([]any, 20)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			rs.Close()
			return 0, 0, err
		}
		all = append(all, vals)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return 0, 0, err
	}

	insert := db.d.rebind("INSERT INTO bench_alerts (" + alertInsertCols + ") VALUES (" + intakeMarks(20) + ")")
	// The statements run without ctx's cancellation, as the intake writer's
	// do: a cancellable context makes the SQLite driver start a goroutine
	// for every statement, which would slow the baseline down and flatter
	// the ratio. ctx is checked between transactions instead.
	outer := ctx
	ctx = context.WithoutCancel(ctx)
	start := time.Now()
	for len(all) > 0 {
		if err := outer.Err(); err != nil {
			return 0, 0, err
		}
		n := min(len(all), perTx)
		tx, err := db.writer.BeginTx(ctx, nil)
		if err != nil {
			return 0, 0, err
		}
		st, err := tx.PrepareContext(ctx, insert)
		if err != nil {
			tx.Rollback()
			return 0, 0, err
		}
		for _, row := range all[:n] {
			if _, err := st.ExecContext(ctx, row...); err != nil {
				st.Close()
				tx.Rollback()
				return 0, 0, fmt.Errorf("baseline insert: %w", err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return 0, 0, err
		}
		if db.ckpt != nil {
			db.ckpt.nudge() // as InTx does: the baseline gets the same background checkpoints
		}
		rows += n
		all = all[n:]
	}
	return rows, time.Since(start), nil
}

// createBenchAlerts creates bench_alerts with the alerts table's DDL.
func (db *DB) createBenchAlerts(ctx context.Context) error {
	if _, err := db.writer.ExecContext(ctx, "DROP TABLE IF EXISTS bench_alerts"); err != nil {
		return err
	}
	var stmts []string
	if db.d.engine == SQLite {
		rs, err := db.readers.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE tbl_name = 'alerts' AND sql IS NOT NULL ORDER BY type DESC")
		if err != nil {
			return err
		}
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				rs.Close()
				return err
			}
			stmts = append(stmts, benchRename.ReplaceAllString(s, "${1}bench_${2}"))
		}
		rs.Close()
	} else {
		stmts = []string{"CREATE TABLE bench_alerts (LIKE alerts INCLUDING ALL)"}
		rs, err := db.readers.QueryContext(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = 'alerts'::regclass AND contype = 'f'`)
		if err != nil {
			return err
		}
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				rs.Close()
				return err
			}
			stmts = append(stmts, "ALTER TABLE bench_alerts ADD "+s)
		}
		rs.Close()
	}
	for _, s := range stmts {
		if _, err := db.writer.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create bench_alerts (%s): %w", strings.SplitN(s, "(", 2)[0], err)
		}
	}
	return nil
}

// benchRename renames the alerts table and its indexes in SQLite's DDL.
var benchRename = regexp.MustCompile(`(TABLE |INDEX |ON )(alerts)`)
