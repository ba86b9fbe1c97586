// Package hikeshi holds Hikeshi's domain: the types, states and pure rules of
// an integrated CSIRT and ISMS platform. It imports only the standard library;
// storage, services and transports live under internal/.
package hikeshi

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// Clock gives the current time. Services take it injected so tests control time
// and no SQL ever calls now().
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, truncated to microseconds so that times
// survive a round trip through either database engine unchanged.
type SystemClock struct{}

// Now returns the current UTC time at microsecond precision.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// NewID returns a new time-ordered identifier (UUIDv7, RFC 9562) as a
// lower-case string. The 48-bit millisecond time is followed by 12 bits of
// sub-millisecond time (RFC 9562 §6.2, method 3), and those 60 bits are kept
// strictly increasing within the process, so ids made one after another sort
// in creation order even within one millisecond — lists that order by id
// (messages, timelines) rely on that. Across processes ids order by time to
// about a quarter of a microsecond.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("hikeshi: crypto/rand failed: " + err.Error())
	}
	now := time.Now()
	ts := uint64(now.UnixMilli())<<12 | uint64(now.Nanosecond()%1_000_000)*4096/1_000_000
	for {
		last := lastIDTime.Load()
		if ts <= last {
			ts = last + 1
		}
		if lastIDTime.CompareAndSwap(last, ts) {
			break
		}
	}
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], ts<<4) // 60 bits of time, then the version nibble
	copy(b[0:6], t[0:6])
	b[6] = 0x70 | t[6]>>4&0x0f
	b[7] = t[6]<<4 | t[7]>>4
	b[8] = 0x80 | b[8]&0x3f
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// lastIDTime is the 60-bit time of the last id made; it is the one piece of
// package state, a property of the process's clock like the clock itself.
var lastIDTime atomic.Uint64
