package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func newIncident(n int, at time.Time, tlp hikeshi.TLP) hikeshi.Incident {
	return hikeshi.Incident{
		ID: hikeshi.NewID(), Number: hikeshi.IncidentNumber(2026, int64(n)), Title: fmt.Sprintf("フィッシングメール %d", n),
		Summary: "複数の社員に届いた", Category: "phishing", Impact: 2, Urgency: 3, Priority: hikeshi.DefaultPriority(2, 3),
		TLP: tlp, Phase: hikeshi.PhaseDiscovery, CreatedAt: at, UpdatedAt: at,
	}
}

func mkUser(t testing.TB, db *store.DB, email string) hikeshi.User {
	t.Helper()
	u := hikeshi.User{ID: hikeshi.NewID(), Email: email, Name: email, Role: hikeshi.RoleManager, CreatedAt: t0, UpdatedAt: t0}
	if err := db.InTx(context.Background(), func(tx hikeshi.Tx) error { return tx.CreateUser(context.Background(), u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestIncidentsRoundTripVisibilityAndPaging(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		viewer := mkUser(t, db, "viewer@example.org")
		tlps := []hikeshi.TLP{hikeshi.TLPGreen, hikeshi.TLPRed, hikeshi.TLPAmber, hikeshi.TLPAmberStrict, hikeshi.TLPClear, hikeshi.TLPRed, hikeshi.TLPAmber}
		var made []hikeshi.Incident
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i, tlp := range tlps {
				time.Sleep(2 * time.Millisecond) // ids order by millisecond
				inc := newIncident(i+1, t0.Add(time.Duration(i)*time.Minute), tlp)
				if i == 0 {
					inc.OwnerID = viewer.ID
					inc = hikeshi.EnterPhase(inc, hikeshi.PhaseInitialResponse, t0.Add(time.Hour))
				}
				if err := tx.CreateIncident(ctx, inc); err != nil {
					return err
				}
				made = append(made, inc)
			}
			// The viewer is a member of the first RED incident only.
			return tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: made[1].ID, UserID: viewer.ID, AddedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindIncidentByID(ctx, made[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(made[0], got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if _, err := db.FindIncidentByID(ctx, "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing incident: %v", err)
		}
		dup := newIncident(1, t0, hikeshi.TLPClear)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIncident(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate number: %v", err)
		}

		ids := func(f hikeshi.IncidentFilter) string {
			t.Helper()
			var out []string
			for {
				page, err := db.FindIncidents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, i := range page {
					out = append(out, i.Number[len(i.Number)-1:])
				}
				if len(page) < f.Limit {
					return strings.Join(out, "")
				}
				f.After = page[len(page)-1].ID
			}
		}
		for _, tc := range []struct {
			name string
			f    hikeshi.IncidentFilter
			want string
		}{
			{"all, pages of two", hikeshi.IncidentFilter{SeeRestricted: true, Page: hikeshi.Page{Limit: 2}}, "7654321"},
			{"viewer: restricted only as member", hikeshi.IncidentFilter{ViewerID: viewer.ID, Page: hikeshi.Page{Limit: 2}}, "75321"},
			{"stranger", hikeshi.IncidentFilter{ViewerID: "someone", Page: hikeshi.Page{Limit: 3}}, "7531"},
			{"member only", hikeshi.IncidentFilter{ViewerID: viewer.ID, MemberOnly: true, Page: hikeshi.Page{Limit: 3}}, "2"},
			{"by phase", hikeshi.IncidentFilter{SeeRestricted: true, Phase: hikeshi.PhaseInitialResponse, Page: hikeshi.Page{Limit: 3}}, "1"},
		} {
			if got := ids(tc.f); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}

		// Update, members, OODA steps, timeline.
		upd := hikeshi.EnterPhase(made[0], hikeshi.PhaseRecovery, t0.Add(2*time.Hour))
		upd.Title, upd.TLP, upd.OwnerID = "改題", hikeshi.TLPRed, ""
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.UpdateIncident(ctx, upd); err != nil {
				return err
			}
			for i, k := range hikeshi.OODAKinds {
				if err := tx.CreateOODAStep(ctx, hikeshi.OODAStep{ID: hikeshi.NewID(), IncidentID: upd.ID, Kind: k, Text: string(k),
					AuthorID: viewer.ID, At: t0.Add(time.Duration(4-i) * time.Minute)}); err != nil {
					return err
				}
			}
			return tx.CreateIncidentEvent(ctx, hikeshi.IncidentEvent{ID: hikeshi.NewID(), IncidentID: upd.ID, Kind: hikeshi.EventPhase,
				FromPhase: hikeshi.PhaseInitialResponse, ToPhase: hikeshi.PhaseRecovery, Text: "封じ込め完了", AuthorID: viewer.ID, At: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindIncidentByID(ctx, upd.ID); !cmp.Equal(got, upd) {
			t.Errorf("after update: %s", cmp.Diff(upd, got))
		}
		steps, err := db.FindOODASteps(ctx, upd.ID, hikeshi.Page{})
		if err != nil || len(steps) != 4 || steps[0].Kind != hikeshi.OODAAct || steps[3].Kind != hikeshi.OODAObserve || steps[0].AuthorID != viewer.ID {
			t.Errorf("steps in time order: %+v %v", steps, err)
		}
		evs, err := db.FindIncidentEvents(ctx, upd.ID, hikeshi.Page{})
		if err != nil || len(evs) != 1 || evs[0].ToPhase != hikeshi.PhaseRecovery || evs[0].Text != "封じ込め完了" {
			t.Errorf("events: %+v %v", evs, err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: made[1].ID, UserID: viewer.ID, AddedAt: t0})
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("member twice: %v", err)
		}
		ms, err := db.FindIncidentMembers(ctx, made[1].ID)
		if err != nil || len(ms) != 1 || ms[0].UserID != viewer.ID || !ms[0].AddedAt.Equal(t0) {
			t.Errorf("members: %+v %v", ms, err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.RemoveIncidentMember(ctx, made[1].ID, viewer.ID) })
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := db.IsIncidentMember(ctx, made[1].ID, viewer.ID); ok || err != nil {
			t.Errorf("still a member: %v %v", ok, err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.RemoveIncidentMember(ctx, made[1].ID, viewer.ID) })
		if !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("remove twice: %v", err)
		}
	})
}

// seedIncidents inserts n incidents in multi-row batches outside the audit
// trail, every tenth one TLP:RED.
func seedIncidents(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	const batch = 500
	const cols = "id, number, title, summary, category, impact, urgency, priority, tlp, phase, created_at, updated_at"
	at := hikeshi.SystemClock{}.Now()
	for start := 0; start < n; start += batch {
		var b strings.Builder
		var args []any
		b.WriteString("INSERT INTO incidents (" + cols + ") VALUES ")
		for i := start; i < min(start+batch, n); i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			tlp := hikeshi.TLPAmber
			if i%10 == 0 {
				tlp = hikeshi.TLPRed
			}
			args = append(args, hikeshi.NewID(), fmt.Sprintf("INC-BENCH-%07d", i), fmt.Sprintf("incident %d", i), "summary",
				"phishing", 2, 2, 2, string(tlp), string(hikeshi.Phases[i%len(hikeshi.Phases)]), at, at)
		}
		if err := db.ExecForTest(ctx, b.String(), args...); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkIncidentFirstPage measures the first page of the incident list at
// 100,000 incidents, as a manager who sees restricted incidents only as a
// member (the costlier query). Seeding is not timed.
func BenchmarkIncidentFirstPage(b *testing.B) {
	db := storetest.NewSQLite(b)
	seedIncidents(b, db, 100_000)
	ctx := context.Background()
	f := hikeshi.IncidentFilter{ViewerID: hikeshi.NewID()}
	for b.Loop() {
		page, err := db.FindIncidents(ctx, f)
		if err != nil || len(page) != hikeshi.DefaultPageLimit {
			b.Fatalf("%d incidents, %v", len(page), err)
		}
	}
}
