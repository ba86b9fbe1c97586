package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
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
		err := db.Restore(ctx, bytes.NewReader(data))
		if err == nil {
			// A valid archive (the seed, or a change gzip and the checksum
			// cannot see): empty the database for the next input.
			for _, q := range []string{"DELETE FROM api_tokens", "DELETE FROM users", "DELETE FROM departments",
				"DELETE FROM settings", "DELETE FROM audit_log"} {
				if err := db.ExecForTest(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.ExecForTest(ctx, "UPDATE audit_head SET seq = 0, hash = ? WHERE id = 1", hikeshi.GenesisHash); err != nil {
				t.Fatal(err)
			}
			return
		}
		if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") || len(msg) > 600 {
			t.Errorf("the error is not one short sentence: %q", msg)
		}
		assertEmpty(t, db)
	})
}
