package store

import (
	"context"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

// The writer's statement cache: a statement met in one transaction is
// prepared after it (never inside it: the one connection is the
// transaction's) and run prepared in the next, with the same results.
func TestWriterStatementCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.stmts == nil {
		t.Fatal("SQLite opened without a statement cache")
	}
	const q = "UPDATE settings SET value = value WHERE key = ?"
	run := func() int64 {
		var n int64
		err := db.InTx(ctx, func(htx hikeshi.Tx) error {
			res, err := htx.(*tx).exec(ctx, q, "no such key")
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	cached := func() bool {
		db.stmts.mu.Lock()
		defer db.stmts.mu.Unlock()
		_, ok := db.stmts.stmts[q]
		return ok
	}
	if cached() {
		t.Fatal("statement cached before its first use")
	}
	if n := run(); n != 0 {
		t.Fatalf("first run changed %d rows", n)
	}
	if !cached() {
		t.Fatal("statement not prepared after the transaction that met it")
	}
	if n := run(); n != 0 {
		t.Fatalf("prepared run changed %d rows", n)
	}
	// Several statements in one text are never kept.
	if st := db.stmts.get("SELECT 1; SELECT 2"); st != nil {
		t.Fatal("a multi-statement text was cached")
	}
	// A bad statement reports its error every time, prepared or not.
	for range 2 {
		err := db.InTx(ctx, func(htx hikeshi.Tx) error {
			_, err := htx.(*tx).exec(ctx, "UPDATE no_such_table SET x = 1")
			return err
		})
		if err == nil {
			t.Fatal("a statement on a missing table succeeded")
		}
	}
}
