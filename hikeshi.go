// Package hikeshi holds Hikeshi's domain: the types, states and pure rules of
// an integrated CSIRT and ISMS platform. It imports only the standard library;
// storage, services and transports live under internal/.
package hikeshi

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
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
// lower-case string. Ids sort by creation time to the millisecond, which gives
// keyset pagination a stable total order; ids made within one millisecond are
// ordered at random, which no caller relies on.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("hikeshi: crypto/rand failed: " + err.Error())
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(time.Now().UnixMilli()))
	copy(b[0:6], ts[2:8])
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
