package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestAwarenessStore checks on both engines that material, campaigns and
// recipients round-trip, that a person's campaigns walk newest first through
// the cursor and only once started, that the figures group by department,
// and that incidents are counted per month at the month edges, by category,
// with restricted incidents only for their members.
func TestAwarenessStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u1, u2 := mkUser(t, db, "aw1@example.org"), mkUser(t, db, "aw2@example.org")
		m := hikeshi.AwarenessMaterial{ID: hikeshi.NewID(), AwarenessContent: hikeshi.AwarenessContent{TitleJA: "題 <b>", TitleEN: "T",
			BodyJA: "本文\n'quoted'", BodyEN: "B", Category: "phishing"}, Status: hikeshi.AwarenessPublished, AuthorID: u1.ID,
			PublishedBy: u1.ID, PublishedAt: t0, CreatedAt: t0, UpdatedAt: t0}
		var cs []hikeshi.AwarenessCampaign
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateAwarenessMaterial(ctx, m); err != nil {
				return err
			}
			for i := range 3 {
				time.Sleep(2 * time.Millisecond)
				c := hikeshi.AwarenessCampaign{ID: hikeshi.NewID(), MaterialID: m.ID, Category: "phishing", DepartmentIDs: []string{"d1", "d2"},
					StartsAt: t0.Add(time.Duration(i) * 24 * time.Hour), Recipients: 2, CreatedBy: u1.ID, CreatedAt: t0, UpdatedAt: t0}
				if i == 1 {
					c.DepartmentIDs, c.EndsAt = nil, t0.AddDate(0, 1, 0)
				}
				if err := tx.CreateAwarenessCampaign(ctx, c); err != nil {
					return err
				}
				if err := tx.CreateAwarenessRecipients(ctx, []hikeshi.AwarenessRecipient{
					{CampaignID: c.ID, UserID: u1.ID, DepartmentID: "d1", Locale: hikeshi.LocaleJA},
					{CampaignID: c.ID, UserID: u2.ID, DepartmentID: "", Locale: hikeshi.LocaleEN, ReadAt: t0}}); err != nil {
					return err
				}
				cs = append(cs, c)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAwarenessMaterialByID(ctx, m.ID)
		if err != nil || got.AwarenessContent != m.AwarenessContent || !got.PublishedAt.Equal(t0) || got.IncidentID != "" {
			t.Errorf("material %+v %v", got, err)
		}
		if _, err := db.FindAwarenessMaterialByID(ctx, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing material: %v", err)
		}
		c1, err := db.FindAwarenessCampaignByID(ctx, cs[1].ID)
		if err != nil || c1.DepartmentIDs != nil || !c1.EndsAt.Equal(cs[1].EndsAt) || c1.Recipients != 2 {
			t.Errorf("campaign %+v %v", c1, err)
		}
		// u1's campaigns started by t0+1 day, newest first, one a page.
		var seen []string
		f := hikeshi.AwarenessCampaignFilter{RecipientID: u1.ID, StartedBy: t0.Add(24 * time.Hour), Page: hikeshi.Page{Limit: 1}}
		for {
			page, err := db.FindAwarenessCampaigns(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			seen = append(seen, page[0].ID)
			f.After = page[0].ID
		}
		if len(seen) != 2 || seen[0] != cs[1].ID || seen[1] != cs[0].ID {
			t.Errorf("u1's campaigns %v", seen)
		}
		if all, _ := db.FindAwarenessCampaigns(ctx, hikeshi.AwarenessCampaignFilter{MaterialID: m.ID}); len(all) != 3 {
			t.Errorf("material's campaigns %d", len(all))
		}
		r, err := db.FindAwarenessRecipient(ctx, cs[0].ID, u1.ID)
		if err != nil || !r.ReadAt.IsZero() {
			t.Fatalf("recipient %+v %v", r, err)
		}
		r.ReadAt, r.ConfirmedAt = t0, t0.Add(time.Minute)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateAwarenessRecipient(ctx, r) }); err != nil {
			t.Fatal(err)
		}
		figs, err := db.AwarenessFigures(ctx, cs[0].ID)
		if err != nil || len(figs) != 2 || figs[0].DepartmentID != "" || figs[0].Read != 1 || figs[1].Confirmed != 1 || figs[1].Recipients != 1 {
			t.Errorf("figures %+v %v", figs, err)
		}
		if ps, _ := db.FindAwarenessRecipients(ctx, cs[0].ID, "d1", hikeshi.Page{}); len(ps) != 1 || ps[0].UserID != u1.ID {
			t.Errorf("d1 people %+v", ps)
		}

		// Incidents at the month edges; a RED one with u2 as member.
		at := []struct {
			when time.Time
			cat  string
			tlp  hikeshi.TLP
		}{
			{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPGreen},
			{time.Date(2026, 1, 31, 23, 59, 59, 0, time.UTC), "masquerade", hikeshi.TLPGreen},
			{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPRed},
			{time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC), "spam", hikeshi.TLPGreen},
			{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "phishing", hikeshi.TLPGreen}, // = end: not counted
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i, x := range at {
				inc := newIncident(100+i, x.when, x.tlp)
				inc.Category = x.cat
				if err := tx.CreateIncident(ctx, inc); err != nil {
					return err
				}
				if x.tlp == hikeshi.TLPRed {
					if err := tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: inc.ID, UserID: u2.ID, AddedAt: t0}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		months := []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
		end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			f    hikeshi.IncidentCountFilter
			want [2]int
		}{
			{hikeshi.IncidentCountFilter{Categories: hikeshi.AwarenessCategoryKeys("fraud"), SeeRestricted: true}, [2]int{2, 1}},
			{hikeshi.IncidentCountFilter{Categories: hikeshi.AwarenessCategoryKeys("phishing"), ViewerID: u1.ID}, [2]int{1, 0}},
			{hikeshi.IncidentCountFilter{Categories: hikeshi.AwarenessCategoryKeys("phishing"), ViewerID: u2.ID}, [2]int{1, 1}},
			{hikeshi.IncidentCountFilter{Categories: []string{"' OR 1=1 --"}, SeeRestricted: true}, [2]int{0, 0}},
			{hikeshi.IncidentCountFilter{SeeRestricted: true}, [2]int{0, 0}},
		} {
			got, err := db.CountIncidentsByMonth(ctx, tc.f, months, end)
			if err != nil || len(got) != 2 || got[0].Count != tc.want[0] || got[1].Count != tc.want[1] || !got[1].Month.Equal(months[1]) {
				t.Errorf("%+v: %+v %v, want %v", tc.f, got, err, tc.want)
			}
		}
	})
}
