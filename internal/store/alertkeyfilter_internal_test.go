package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

// filterAlert is a new alert row with fingerprint fp and no event.
func filterAlert(fp string, at time.Time) hikeshi.Alert {
	return hikeshi.Alert{ID: hikeshi.NewID(), Format: hikeshi.FormatGeneric, Fingerprint: fp, Title: "t", Severity: hikeshi.SeverityLow,
		Status: hikeshi.AlertFiring, OccurredAt: at, FirstSeen: at, LastSeen: at, Count: 1}
}

// waitFilter waits until the filter has loaded.
func waitFilter(t *testing.T, f *keyFilter) {
	t.Helper()
	for range 500 {
		f.mu.Lock()
		s := f.state
		f.mu.Unlock()
		if s == filterReady {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the filter of stored keys did not load within 5 s")
}

// filterHeads looks fingerprints up in a write transaction, as the intake writer
// does, and returns the ids found and how many look-ups the filter saved.
func filterHeads(t *testing.T, db *DB, fps ...string) (map[string]string, int64) {
	t.Helper()
	ctx := context.Background()
	db.keys.mu.Lock()
	before := db.keys.skipped
	db.keys.mu.Unlock()
	out := map[string]string{}
	err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		found, err := tx.FindIntakeHeads(ctx, fps)
		for fp, h := range found {
			out[fp] = h.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	return out, db.keys.skipped - before
}

// loadedFilterDB opens an empty database and waits until its filter has
// loaded.
func loadedFilterDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	filterHeads(t, db, "x")
	waitFilter(t, db.keys)
	return db
}

func writeFilterAlerts(t *testing.T, db *DB, as ...hikeshi.Alert) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		return tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{NewAlerts: as})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestKeyFilterKnowsEveryStoredKey checks the filter of stored fingerprint
// keys against the database: after a restart it loads the keys already
// stored, it learns the writer's new keys, it skips the look-up of a key never
// stored, and a restore (rows that do not pass through the writer) makes it
// load again rather than hide the restored alerts from de-duplication.
func TestKeyFilterKnowsEveryStoredKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	db, err := Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	a, b := filterAlert("fp-a", at), filterAlert("fp-b", at)
	writeFilterAlerts(t, db, a, b)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Before it has loaded, the filter is not trusted: every fingerprint is
	// looked up.
	got, skipped := filterHeads(t, db, "fp-a", "fp-b", "fp-new")
	if got["fp-a"] != a.ID || got["fp-b"] != b.ID || len(got) != 2 {
		t.Fatalf("heads before the filter loaded: %v", got)
	}
	waitFilter(t, db.keys)
	got, skipped = filterHeads(t, db, "fp-a", "fp-b", "fp-new")
	if got["fp-a"] != a.ID || got["fp-b"] != b.ID || len(got) != 2 {
		t.Fatalf("heads after the filter loaded: %v", got)
	}
	if skipped != 1 {
		t.Errorf("the filter saved %d look-ups, want 1 (fp-new)", skipped)
	}
	// A key written after the load is known at once.
	c := filterAlert("fp-new", at)
	writeFilterAlerts(t, db, c)
	if got, skipped = filterHeads(t, db, "fp-new"); got["fp-new"] != c.ID || skipped != 0 {
		t.Errorf("a new key: %v, %d skipped", got, skipped)
	}
	// A batch rolled back leaves its key in the filter: a "maybe", so a
	// look-up, never a wrong answer.
	rolled := fmt.Errorf("roll back")
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := tx.WriteIntakeBatch(ctx, hikeshi.AlertIntakeBatch{NewAlerts: []hikeshi.Alert{filterAlert("fp-rolled", at)}}); err != nil {
			return err
		}
		return rolled
	}); err != rolled {
		t.Fatal(err)
	}
	if got, _ = filterHeads(t, db, "fp-rolled"); len(got) != 0 {
		t.Errorf("a rolled-back alert was found: %v", got)
	}

	// Restore into a database whose filter is loaded and empty.
	var archive bytes.Buffer
	if err := db.Backup(ctx, &archive); err != nil {
		t.Fatal(err)
	}
	other := loadedFilterDB(t)
	if got, skipped = filterHeads(t, other, "fp-a"); len(got) != 0 || skipped != 1 {
		t.Fatalf("empty database: %v, %d skipped", got, skipped)
	}
	if err := other.Restore(ctx, &archive); err != nil {
		t.Fatal(err)
	}
	if got, _ = filterHeads(t, other, "fp-a", "fp-b", "fp-new"); len(got) != 3 || got["fp-a"] != a.ID {
		t.Fatalf("restored alerts hidden by the filter: %v", got)
	}
	waitFilter(t, other.keys)
	if got, skipped = filterHeads(t, other, "fp-a", "fp-b", "fp-new", "fp-never"); len(got) != 3 || skipped != 1 {
		t.Fatalf("after the restore the filter loaded: %v, %d skipped", got, skipped)
	}
}

// TestKeyFilterBits checks the filter itself: no key added is ever absent,
// few keys not added are "maybe", and a filter that fills up is replaced by
// a bigger one.
func TestKeyFilterBits(t *testing.T) {
	f := &keyFilter{state: filterReady, bits: make([]uint64, filterMinBits/64)}
	r := rand.New(rand.NewPCG(1, 2))
	const n = filterMinBits / filterBitsEach
	in := make([]int64, n)
	for i := range in {
		in[i] = int64(r.Uint64())
	}
	f.add(in)
	for i, gone := range f.absent(in) {
		if gone {
			t.Fatalf("key %d was added but is absent", i)
		}
	}
	out := make([]int64, 100_000)
	for i := range out {
		out[i] = int64(r.Uint64())
	}
	maybe := 0
	for _, gone := range f.absent(out) {
		if !gone {
			maybe++
		}
	}
	// 16 bits a key and 4 hashes: about 0.24 % false positives.
	if rate := float64(maybe) / float64(len(out)); rate > 0.006 {
		t.Errorf("false positives %.3f %%, want about 0.24 %%", rate*100)
	}

	for n, want := range map[int]int{0: filterMinBits, filterMinBits / 16: filterMinBits, filterMinBits/16 + 1: 2 * filterMinBits,
		10_000_000: 1 << 28, 1 << 40: filterMaxBits} {
		if got := filterSize(n); got != want {
			t.Errorf("filterSize(%d) = %d bits, want %d", n, got, want)
		}
	}

	// Full: more than one key for filterFullBits bits. The next write
	// transaction starts a load into a bigger filter.
	db := loadedFilterDB(t)
	const full = filterMinBits/filterFullBits + 1
	db.keys.mu.Lock()
	db.keys.added = full
	db.keys.mu.Unlock()
	filterHeads(t, db, "x")
	waitFilter(t, db.keys)
	if got, want := len(db.keys.bits)*64, filterSize(full); got != want || want <= filterMinBits {
		t.Errorf("a full filter was replaced by one of %d bits, want %d", got, want)
	}
}

// TestIntakeChunks checks the pieces the look-ups are split into: every item
// once, in order, none bigger than intakeChunk, and an error stops them.
func TestIntakeChunks(t *testing.T) {
	for _, n := range []int{0, 1, intakeChunk - 1, intakeChunk, intakeChunk + 1, 3*intakeChunk + 7} {
		next, pieces := 0, 0
		err := intakeChunks(n, func(lo, hi int) error {
			if lo != next || hi <= lo || hi-lo > intakeChunk {
				t.Errorf("n=%d: piece [%d, %d) after %d", n, lo, hi, next)
			}
			next, pieces = hi, pieces+1
			return nil
		})
		if err != nil || next != n || pieces != (n+intakeChunk-1)/intakeChunk {
			t.Errorf("n=%d: covered %d in %d pieces, %v", n, next, pieces, err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := intakeChunks(2*intakeChunk, func(lo, hi int) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("error: %v after %d calls", err, calls)
	}
}
