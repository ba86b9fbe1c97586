package hikeshi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// AuditRecord is one entry of the append-only audit log. Entries form a hash
// chain: each Hash covers the entry's content and the previous entry's Hash,
// so a modified, deleted or re-ordered entry breaks the chain at that point.
type AuditRecord struct {
	Seq        int64 // 1, 2, 3 … without gaps
	ID         string
	At         time.Time
	ActorID    string // empty for the system
	ActorLabel string // e-mail or "system (…)", kept even if the user is later renamed
	Via        string
	Action     string // e.g. "user.create", "session.login_failed"
	Entity     string // e.g. "user"
	EntityID   string
	Before     string // JSON of the state before, or empty
	After      string // JSON of the state after, or empty
	PrevHash   string // hex; GenesisHash for the first entry
	Hash       string // hex SHA-256
}

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is the one text form of time used in hashes, in SQLite and in
// backups: UTC, fixed width, microseconds, so text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime formats t in TimeLayout. It writes the digits itself: every
// stored time passes through it, and time.Format's layout interpreter cost
// the intake writer a microsecond an alert. Years outside 0–9999 (which
// TimeLayout cannot keep fixed-width) go through time.Format.
func FormatTime(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(TimeLayout)
	}
	h, mi, s := t.Clock()
	var b [len(TimeLayout)]byte
	digits := func(at, v, n int) {
		for i := at + n - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	digits(0, y, 4)
	b[4] = '-'
	digits(5, int(mo), 2)
	b[7] = '-'
	digits(8, d, 2)
	b[10] = 'T'
	digits(11, h, 2)
	b[13] = ':'
	digits(14, mi, 2)
	b[16] = ':'
	digits(17, s, 2)
	b[19] = '.'
	digits(20, t.Nanosecond()/1000, 6) // truncated, as time.Format does
	b[26] = 'Z'
	return string(b[:])
}

// ComputeHash returns the hash of r given its PrevHash. Every field is
// length-prefixed, so no two different entries encode the same bytes.
func (r AuditRecord) ComputeHash() string {
	h := sha256.New()
	for _, f := range []string{
		"hikeshi-audit-v1",
		strconv.FormatInt(r.Seq, 10), r.ID, FormatTime(r.At), r.ActorID, r.ActorLabel, r.Via,
		r.Action, r.Entity, r.EntityID, r.Before, r.After, r.PrevHash,
	} {
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditEvent is what a service asks the store to append; the store assigns
// Seq, PrevHash and Hash under the chain's lock.
type AuditEvent struct {
	Actor    Actor
	Action   string
	Entity   string
	EntityID string
	Before   any // marshalled to JSON; nil for none
	After    any
}

// Snapshot marshals v to JSON for the audit log; nil gives "".
func Snapshot(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit snapshot: %w", err)
	}
	return string(b), nil
}

// ChainBreak describes the first entry at which the audit chain fails to verify.
type ChainBreak struct {
	Seq    int64
	ID     string
	Reason string
}

func (b *ChainBreak) Error() string {
	return fmt.Sprintf("audit log broken at entry %d (id %s): %s", b.Seq, b.ID, b.Reason)
}

// ChainVerifier checks entries fed to it in Seq order. Use one per walk.
type ChainVerifier struct {
	n        int64
	prevHash string
}

// Checked returns how many entries were verified.
func (v *ChainVerifier) Checked() int64 { return v.n }

// Next checks r against the entries seen before it. It returns a *ChainBreak
// naming r when r was modified, when an entry before it was deleted, or when
// entries were re-ordered.
func (v *ChainVerifier) Next(r AuditRecord) error {
	want := v.n + 1
	prev := v.prevHash
	if v.n == 0 {
		prev = GenesisHash
	}
	switch {
	case r.Seq != want:
		if r.Seq > want {
			return &ChainBreak{r.Seq, r.ID, fmt.Sprintf("entries %d to %d are missing (deleted or re-ordered)", want, r.Seq-1)}
		}
		return &ChainBreak{r.Seq, r.ID, fmt.Sprintf("sequence number %d appears out of order after %d (re-ordered)", r.Seq, v.n)}
	case r.PrevHash != prev:
		return &ChainBreak{r.Seq, r.ID, "it does not link to the entry before it (deleted or re-ordered entries)"}
	case r.ComputeHash() != r.Hash:
		return &ChainBreak{r.Seq, r.ID, "its content does not match its hash (modified)"}
	}
	v.n++
	v.prevHash = r.Hash
	return nil
}

// AuditFilter selects audit entries for listing.
type AuditFilter struct {
	ActorID   string
	Action    string // prefix match, e.g. "user."
	Entity    string
	EntityID  string
	Since     time.Time
	Until     time.Time
	BeforeSeq int64 // keyset cursor: entries with Seq < BeforeSeq; 0 = newest
	Limit     int
}

// LastHash returns the Hash of the last verified entry.
func (v *ChainVerifier) LastHash() string { return v.prevHash }
