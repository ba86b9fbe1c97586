package store

import (
	"context"
	"database/sql"
	"math/bits"
	"sync"
	"time"
)

// keyFilter is a Bloom filter of the fingerprint keys (fp_key) of every
// stored alert, kept by the SQLite writer (decision 0049). Most alerts that
// reach intake are new; when the filter says a key was never stored, the
// writer skips looking the fingerprint up. The filter never forgets a key,
// so it may answer "maybe" for a key that is gone or was rolled back — that
// only costs the look-up it would have made anyway — but it must know every
// stored key: every insert of an alert row adds its key (insertAlerts), and
// anything else that writes alert rows (Restore) marks it stale.
//
// It is filled from the database by a loader goroutine, started by the
// writer from inside a write transaction (prime): every earlier write
// transaction has then committed, so the loader's snapshot holds every key
// written before, and the writer adds every key written after. Until the
// loader is done, every key is "maybe". One server process per SQLite file
// is assumed, as for the intake's other caches (decision 0035).
type keyFilter struct {
	readers *sql.DB

	mu      sync.Mutex
	bits    []uint64 // the filter; len is a power of two
	added   int      // keys added since bits was made
	state   filterState
	gen     int       // which load bits belongs to; a load of an older one stops
	retryAt time.Time // after a failed load, when to try again
	skipped int64     // look-ups the filter saved, for tests

	stop context.CancelFunc
	ctx  context.Context
	wg   sync.WaitGroup
}

type filterState int

const (
	filterStale   filterState = iota // must be loaded before it is trusted
	filterLoading                    // a loader is filling it
	filterReady                      // holds every stored key
)

const (
	filterMinBits   = 1 << 23 // 1 MiB
	filterMaxBits   = 1 << 30 // 128 MiB: beyond it the filter answers "maybe" more often, never wrongly
	filterBitsEach  = 16      // bits per key when sized: about 0.2 % false positives with filterHashes
	filterFullBits  = 8       // reload, twice the size, when fewer bits per key remain (about 2.4 %)
	filterHashes    = 4
	filterRetryWait = 30 * time.Second
)

func newKeyFilter(readers *sql.DB) *keyFilter {
	ctx, stop := context.WithCancel(context.Background())
	return &keyFilter{readers: readers, ctx: ctx, stop: stop}
}

// close stops a running load and waits for it.
func (f *keyFilter) close() {
	f.stop()
	f.wg.Wait()
}

// markStale makes the filter answer "maybe" until it is loaded again: rows
// were written behind its back.
func (f *keyFilter) markStale() {
	f.mu.Lock()
	f.state, f.retryAt = filterStale, time.Time{}
	f.gen++
	f.mu.Unlock()
}

// prime is called by the writer in a write transaction, before it looks
// up or inserts keys: when the filter is stale, or has filled up and a
// bigger one is due, it sizes new bits to the table and starts a load.
func (f *keyFilter) prime(ctx context.Context, q queries) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state == filterReady && f.added > len(f.bits)*64/filterFullBits && len(f.bits)*64 < filterMaxBits {
		f.state = filterStale
	}
	if f.state != filterStale || time.Now().Before(f.retryAt) || f.ctx.Err() != nil {
		return nil
	}
	// The rows' largest rowid is a cheap upper bound on their number.
	var rows sql.NullInt64
	if err := q.row(ctx, "SELECT max(rowid) FROM alerts").Scan(&rows); err != nil {
		return mapError(err)
	}
	// The new bits start empty and take the writer's keys from now on; the
	// loader adds the keys already stored.
	f.gen++
	f.state = filterLoading
	f.bits = make([]uint64, filterSize(max(int(rows.Int64), f.added))/64)
	f.added = 0
	f.wg.Add(1)
	go f.load(f.gen)
	return nil
}

// filterSize is the number of bits for n keys: a power of two between
// filterMinBits and filterMaxBits.
func filterSize(n int) int {
	want := uint64(max(n, 1)) * filterBitsEach
	size := 1 << bits.Len64(want-1)
	return min(max(size, filterMinBits), filterMaxBits)
}

// load reads every stored key into the bits of generation gen.
func (f *keyFilter) load(gen int) {
	defer f.wg.Done()
	err := f.loadKeys(gen)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen != gen {
		return // marked stale meanwhile: that state stands
	}
	if err != nil {
		f.state, f.retryAt = filterStale, time.Now().Add(filterRetryWait)
		return
	}
	f.state = filterReady
}

func (f *keyFilter) loadKeys(gen int) error {
	rs, err := f.readers.QueryContext(f.ctx, "SELECT fp_key FROM alerts WHERE fp_key IS NOT NULL")
	if err != nil {
		return err
	}
	defer rs.Close()
	batch := make([]int64, 0, 4096)
	flush := func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.gen != gen {
			return false
		}
		for _, k := range batch {
			f.set(k)
		}
		batch = batch[:0]
		return true
	}
	for rs.Next() {
		var k int64
		if err := rs.Scan(&k); err != nil {
			return err
		}
		if batch = append(batch, k); len(batch) == cap(batch) && !flush() {
			return nil
		}
	}
	if err := rs.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

// positions returns the filter's bit positions for a key. The key is the
// first 64 bits of a SHA-256, uniform already: its halves serve as the two
// hashes of double hashing.
func positions(key int64, mask uint64) [filterHashes]uint64 {
	h1, h2 := uint64(uint32(key)), uint64(uint32(uint64(key)>>32))|1
	var p [filterHashes]uint64
	for i := range p {
		p[i] = (h1 + uint64(i)*h2) & mask
	}
	return p
}

// set adds a key; f.mu is held.
func (f *keyFilter) set(key int64) {
	for _, p := range positions(key, uint64(len(f.bits))*64-1) {
		f.bits[p/64] |= 1 << (p % 64)
	}
	f.added++
}

// add records keys the writer is inserting.
func (f *keyFilter) add(keys []int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bits == nil {
		return // never primed: stale, and the load will read these back
	}
	for _, k := range keys {
		f.set(k)
	}
}

// absent reports, for each key, whether it was certainly never stored.
// Before the filter is loaded nothing is certain.
func (f *keyFilter) absent(keys []int64) []bool {
	out := make([]bool, len(keys))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state != filterReady {
		return out
	}
	mask := uint64(len(f.bits))*64 - 1
	for i, k := range keys {
		for _, p := range positions(k, mask) {
			if f.bits[p/64]&(1<<(p%64)) == 0 {
				out[i] = true
				f.skipped++
				break
			}
		}
	}
	return out
}
