package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// FuzzRestore feeds arbitrary bytes to Restore on SQLite: it must never
// panic, every failure must be one short sentence, and a failed restore must
// leave the tables empty.
//
// Every execution pays for the coverage bookkeeping of the whole instrumented
// SQLite engine (about half a millisecond), so minimising each new input takes
// the default -fuzzminimizetime of 60s; run with -fuzzminimizetime=1s for
// more exploration per minute.
func FuzzRestore(f *testing.F) {
	good := validArchive(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(edit(f, good, true, func(l [][]byte) [][]byte { return append(l[:2], l[3:]...) }))
	f.Add(edit(f, good, false, func(l [][]byte) [][]byte { return l[:len(l)-1] }))
	f.Add(packLines(f, [][]byte{[]byte(`{"format":"hikeshi-backup","version":1}`)}, false))
	f.Add([]byte("not a backup"))
	db := storetest.NewSQLite(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		restoreForFuzz(t, ctx, db, data)
	})
}

// restoreForFuzz restores data: a failed restore must leave the database
// empty, with a one-sentence error; an accepted archive (a seed, or a change
// gzip and the checksum cannot see) is emptied again for the next input.
func restoreForFuzz(t *testing.T, ctx context.Context, db *store.DB, data []byte) {
	err := db.Restore(ctx, bytes.NewReader(data))
	if err == nil {
		emptyForFuzz(t, db)
		return
	}
	if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") || len(msg) > 600 {
		t.Errorf("the error is not one short sentence: %q", msg)
	}
	assertEmpty(t, db)
}

// FuzzRestoreContent fuzzes what is inside the gzip stream: the archive's
// lines. FuzzRestore's mutations mostly break gzip's own checksum and stop
// there; here each input is gzipped, and when its last line is a JSON
// object its sha256 is recomputed, so hostile headers, table sections, rows
// and counts reach the loader and the checks behind the checksum. A failed
// restore must leave the database empty, with a one-sentence error; an
// accepted one is emptied again for the next input.
func FuzzRestoreContent(f *testing.F) {
	good := validArchive(f)
	f.Add(bytes.Join(archiveLines(f, good), []byte("\n")))
	f.Add(bytes.Join(archiveLines(f, edit(f, good, true, func(l [][]byte) [][]byte { return append(l[:2], l[3:]...) })), []byte("\n")))
	f.Add([]byte(`{"format":"hikeshi-backup","version":1}`))
	db := storetest.NewSQLite(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, content []byte) {
		lines := bytes.Split(content, []byte("\n"))
		fixChecksum(lines) // when the trailer is no JSON object, the archive goes as it is
		restoreForFuzz(t, ctx, db, packLines(t, lines, false))
	})
}

// emptyForFuzz deletes every row an accepted archive loaded, children
// before parents, and resets the audit chain.
func emptyForFuzz(t *testing.T, db *store.DB) {
	ctx := context.Background()
	counts, err := db.CountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ExecForTest(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		t.Fatal(err)
	}
	for i := len(counts) - 1; i >= 0; i-- {
		if err := db.ExecForTest(ctx, `DELETE FROM "`+counts[i].Table+`"`); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ExecForTest(ctx, "PRAGMA foreign_keys = ON"); err != nil {
		t.Fatal(err)
	}
	if err := db.ExecForTest(ctx, "UPDATE audit_head SET seq = 0, hash = ? WHERE id = 1", hikeshi.GenesisHash); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, db)
}
