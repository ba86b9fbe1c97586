package hikeshi_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

func chain(n int) []hikeshi.AuditRecord {
	var out []hikeshi.AuditRecord
	prev := hikeshi.GenesisHash
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for i := 1; i <= n; i++ {
		r := hikeshi.AuditRecord{Seq: int64(i), ID: hikeshi.NewID(), At: at.Add(time.Duration(i) * time.Second),
			ActorID: "u1", ActorLabel: "a@example.org", Via: "web", Action: "user.update", Entity: "user", EntityID: "x",
			Before: `{"name":"a"}`, After: `{"name":"b"}`, PrevHash: prev}
		r.Hash = r.ComputeHash()
		prev = r.Hash
		out = append(out, r)
	}
	return out
}

func verify(recs []hikeshi.AuditRecord) error {
	var v hikeshi.ChainVerifier
	for _, r := range recs {
		if err := v.Next(r); err != nil {
			return err
		}
	}
	return nil
}

func TestChainVerifier(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func([]hikeshi.AuditRecord) []hikeshi.AuditRecord
		wantSeq int64
		want    string
	}{
		{"intact", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord { return r }, 0, ""},
		{"modified field", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord { r[3].After = `{"name":"evil"}`; return r }, 4, "modified"},
		{"modified time", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord { r[2].At = r[2].At.Add(time.Microsecond); return r }, 3, "modified"},
		{"modified and rehashed", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord {
			r[3].Action = "x"
			r[3].Hash = r[3].ComputeHash()
			return r
		}, 5, "does not link"},
		{"deleted", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord { return append(r[:4:4], r[5:]...) }, 6, "missing"},
		{"re-ordered", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord { r[4], r[5] = r[5], r[4]; return r }, 6, "re-ordered"},
		{"seq numbers swapped", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord {
			r[4], r[5] = r[5], r[4]
			r[4].Seq, r[5].Seq = 5, 6
			return r
		}, 5, "re-ordered"},
		{"renumbered after delete", func(r []hikeshi.AuditRecord) []hikeshi.AuditRecord {
			r = append(r[:4:4], r[5:]...)
			for i := range r {
				r[i].Seq = int64(i + 1)
			}
			return r
		}, 5, "does not link"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := verify(tc.tamper(chain(8)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("intact chain: %v", err)
				}
				return
			}
			var br *hikeshi.ChainBreak
			if !errors.As(err, &br) {
				t.Fatalf("got %v, want a ChainBreak", err)
			}
			if br.Seq != tc.wantSeq || !strings.Contains(br.Reason, tc.want) {
				t.Errorf("break at %d (%s), want at %d containing %q", br.Seq, br.Reason, tc.wantSeq, tc.want)
			}
		})
	}
}

func TestComputeHashFieldBoundaries(t *testing.T) {
	a := hikeshi.AuditRecord{Seq: 1, Action: "ab", Entity: "c", PrevHash: hikeshi.GenesisHash}
	b := hikeshi.AuditRecord{Seq: 1, Action: "a", Entity: "bc", PrevHash: hikeshi.GenesisHash}
	if a.ComputeHash() == b.ComputeHash() {
		t.Error("moving bytes between fields must change the hash")
	}
}

func TestNewIDIsTimeOrderedUUIDv7(t *testing.T) {
	a := hikeshi.NewID()
	time.Sleep(2 * time.Millisecond)
	b := hikeshi.NewID()
	if !(a < b) {
		t.Errorf("ids not time ordered: %s then %s", a, b)
	}
	if len(a) != 36 || a[14] != '7' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Errorf("%s is not a UUIDv7", a)
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		email, name string
		want        []string
	}{
		{"a@example.org", "Ann", nil},
		{"", "", []string{"email:required", "name:required"}},
		{"not-an-address", "x", []string{"email:invalid_email"}},
		{"Ann <a@example.org>", "x", []string{"email:invalid_email"}},
		{strings.Repeat("a", 250) + "@example.org", "x", []string{"email:too_long"}},
		{"a@example.org", strings.Repeat("名", 201), []string{"name:too_long"}},
		{"a@example.org", "bad\x00name", []string{"name:invalid_text"}},
		{"a@example.org", "bad\xffname", []string{"name:invalid_text"}},
		{"a@example.org", "   ", []string{"name:required"}},
	}
	for _, tc := range tests {
		var v hikeshi.ValidationError
		hikeshi.ValidateEmail(&v, "email", tc.email)
		hikeshi.ValidateName(&v, "name", tc.name)
		var got []string
		for _, f := range v.Fields {
			got = append(got, f.Field+":"+f.Code)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("(%q, %q): got %v, want %v", tc.email, tc.name, got, tc.want)
		}
		if len(tc.want) > 0 && !errors.Is(v.Err(), hikeshi.ErrInvalid) {
			t.Errorf("(%q, %q): error does not match ErrInvalid", tc.email, tc.name)
		}
	}
	if !errors.Is(hikeshi.Conflict("name", "taken"), hikeshi.ErrConflict) {
		t.Error("Conflict must match ErrConflict")
	}
}

func TestNewIDStrictlyIncreasingWithinAMillisecond(t *testing.T) {
	prev := hikeshi.NewID()
	for i := 0; i < 10000; i++ {
		id := hikeshi.NewID()
		if id <= prev {
			t.Fatalf("id %d: %s does not sort after %s", i, id, prev)
		}
		prev = id
	}
}

// TestFormatTimeMatchesLayout checks the hand-written formatter against
// time.Format over random instants in every zone offset, the edges of the
// fixed-width years and times outside them.
func TestFormatTimeMatchesLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	lo, hi := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	times := []time.Time{{}, time.Unix(lo, 0).UTC(), time.Unix(hi, 999_999_999).UTC(), time.Unix(lo-1, 0).UTC(),
		time.Unix(hi+1, 0).UTC(), time.Date(-44, 3, 15, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 3, 4, 5, 999_999, time.UTC)}
	for range 20_000 {
		at := time.Unix(lo+r.Int64N(hi-lo), r.Int64N(1e9))
		times = append(times, at.In(time.FixedZone("", (r.IntN(28*60)-14*60)*60)))
	}
	for _, at := range times {
		if got, want := hikeshi.FormatTime(at), at.UTC().Format(hikeshi.TimeLayout); got != want {
			t.Fatalf("FormatTime(%v) = %q, want %q", at, got, want)
		}
	}
}
