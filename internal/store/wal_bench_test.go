package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// sustainedWriter performs one write transaction the way services do: read a
// user, update it and append its audit entry.
func sustainedWriter(tb testing.TB, db *store.DB) func(i int) {
	ctx := context.Background()
	at := hikeshi.SystemClock{}.Now()
	u := hikeshi.User{ID: hikeshi.NewID(), Email: "wal@example.org", Name: "WAL", Role: hikeshi.RoleAdmin, CreatedAt: at, UpdatedAt: at}
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
		tb.Fatal(err)
	}
	return func(i int) {
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			cur, err := tx.FindUserByID(ctx, u.ID)
			if err != nil {
				return err
			}
			cur.Name = fmt.Sprintf("WAL %d", i)
			cur.UpdatedAt = hikeshi.SystemClock{}.Now()
			if err := tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
			_, err = tx.AppendAudit(ctx, cur.UpdatedAt, hikeshi.AuditEvent{Actor: hikeshi.SystemActor("bench"), Action: "user.update",
				Entity: "user", EntityID: u.ID, After: map[string]any{"name": cur.Name, "i": i}})
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkSustainedWrites runs write transactions back to back on SQLite
// and reports the write-ahead log's size afterwards (STYLE.md: the WAL must
// not grow without bound). Run it with -benchtime=20000x for 20k writes.
func BenchmarkSustainedWrites(b *testing.B) {
	db := storetest.NewSQLite(b)
	write := sustainedWriter(b, db)
	i := 0
	for b.Loop() {
		write(i)
		i++
	}
	b.ReportMetric(float64(db.WALSize()), "wal-bytes")
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "tx/s")
}

// TestWALStaysBoundedUnderSustainedWrites fails when 5000 write transactions
// leave SQLite's write-ahead log above 64 MiB: SQLite's automatic checkpoint
// must keep recycling it.
func TestWALStaysBoundedUnderSustainedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("5000 write transactions")
	}
	db := storetest.NewSQLite(t)
	write := sustainedWriter(t, db)
	for i := range 5000 {
		write(i)
	}
	const limit = 64 << 20
	wal := db.WALSize()
	t.Logf("WAL after 5000 write transactions: %d bytes", wal)
	if wal > limit {
		t.Errorf("the WAL is %d bytes after 5000 write transactions, above %d; checkpoints are not keeping up", wal, limit)
	}
}

// TestCheckpointerCopiesTheLogBesideTheWriter checks that committed pages
// reach the database file without the writer checkpointing: the writer's
// own automatic checkpoint only starts at thousands of pages, far more than
// these transactions write, so only the background checkpointer can have
// copied them.
func TestCheckpointerCopiesTheLogBesideTheWriter(t *testing.T) {
	db := storetest.NewSQLite(t)
	path := strings.TrimPrefix(db.Describe(), "sqlite:")
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	write := sustainedWriter(t, db)
	for i := range 300 {
		write(i)
	}
	wal := db.WALSize()
	if wal < 512<<10 {
		t.Fatalf("the writes left only %d bytes in the log; the test needs more", wal)
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() == before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes 10 s after %d bytes were logged: nothing checkpointed it", before, wal)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
