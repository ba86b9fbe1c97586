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

// TestAdvisoriesStore checks on both engines that advisories keep their
// content (JSON) and lists round-trip, that the list filters by the
// published label (with or without drafts) newest first through the cursor,
// that tracking ids and revision numbers are unique, and that revisions come
// back newest first with their CSAF text unchanged.
func TestAdvisoriesStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		user := mkUser(t, db, "adv@example.org")
		var ids []string
		labels := []hikeshi.TLP{"", hikeshi.TLPClear, hikeshi.TLPRed, hikeshi.TLPGreen, ""}
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i, l := range labels {
				time.Sleep(2 * time.Millisecond)
				a := hikeshi.Advisory{ID: hikeshi.NewID(), TrackingID: hikeshi.AdvisoryTrackingID(2026, int64(i+1)), Status: hikeshi.AdvisoryDraft,
					AdvisoryContent: hikeshi.AdvisoryContent{Lang: hikeshi.LocaleJA, TitleJA: "注意喚起 <b>" + string(rune('a'+i)) + "</b>",
						Category: hikeshi.AdvisorySecurity, TLP: hikeshi.TLPAmber, CVEs: []string{"CVE-2026-0001"},
						Products: []hikeshi.AdvisoryProduct{{Vendor: "V", Product: "P", Versions: "1", Status: hikeshi.ProductFixed}}},
					Recipients: []string{"a@example.org", "b@example.org"}, AuthorID: user.ID, Editors: []string{user.ID},
					CreatedAt: t0, UpdatedAt: t0}
				if l != "" {
					a.Status, a.Revision, a.PublishedTLP, a.PublishedCategory = hikeshi.AdvisoryPublished, 1, l, hikeshi.AdvisorySecurity
					a.InitialRelease, a.CurrentRelease = t0, t0
				}
				if err := tx.CreateAdvisory(ctx, a); err != nil {
					return err
				}
				ids = append(ids, a.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAdvisoryByID(ctx, ids[1])
		if err != nil || got.TitleJA != "注意喚起 <b>b</b>" || len(got.Recipients) != 2 || got.Products[0].Status != hikeshi.ProductFixed ||
			got.PublishedTLP != hikeshi.TLPClear || !got.InitialRelease.Equal(t0) || got.SubmittedAt != (time.Time{}) {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if a, err := db.FindAdvisoryByTrackingID(ctx, "ADV-2026-0003"); err != nil || a.ID != ids[2] {
			t.Errorf("by tracking id: %v %v", a.ID, err)
		}
		if _, err := db.FindAdvisoryByTrackingID(ctx, "ADV-2026-9999"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown tracking id: %v", err)
		}
		list := func(f hikeshi.AdvisoryFilter) []string {
			t.Helper()
			as, err := db.FindAdvisories(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range as {
				out = append(out, a.ID)
			}
			return out
		}
		eq := func(name string, got []string, want ...string) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s: %v, want %v", name, got, want)
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s: %v, want %v", name, got, want)
					return
				}
			}
		}
		eq("all", list(hikeshi.AdvisoryFilter{}), ids[4], ids[3], ids[2], ids[1], ids[0])
		eq("published", list(hikeshi.AdvisoryFilter{PublishedOnly: true}), ids[3], ids[2], ids[1])
		eq("clear+green", list(hikeshi.AdvisoryFilter{TLPs: []hikeshi.TLP{hikeshi.TLPClear, hikeshi.TLPGreen}}), ids[3], ids[1])
		eq("clear+drafts", list(hikeshi.AdvisoryFilter{TLPs: []hikeshi.TLP{hikeshi.TLPClear}, Drafts: true}), ids[4], ids[1], ids[0])
		eq("no labels", list(hikeshi.AdvisoryFilter{TLPs: []hikeshi.TLP{}}))
		eq("page 1", list(hikeshi.AdvisoryFilter{Page: hikeshi.Page{Limit: 2}}), ids[4], ids[3])
		eq("page 2", list(hikeshi.AdvisoryFilter{Page: hikeshi.Page{After: ids[3], Limit: 2}}), ids[2], ids[1])

		dup := got
		dup.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateAdvisory(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate tracking id: %v, want ErrConflict", err)
		}
		csaf := "{\n  \"document\": {\"title\": \"注意喚起 \\u003cb\\u003e\"}\n}\n"
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for n := 1; n <= 2; n++ {
				r := hikeshi.AdvisoryRevision{ID: hikeshi.NewID(), AdvisoryID: ids[1], Number: n, Summary: "rev", Content: got.AdvisoryContent,
					CSAF: csaf, PublishedBy: user.ID, PublishedAt: t0.Add(time.Duration(n) * time.Hour)}
				if err := tx.CreateAdvisoryRevision(ctx, r); err != nil {
					return err
				}
			}
			got.Status, got.Revision, got.Editors, got.UpdatedAt = hikeshi.AdvisoryPublished, 2, nil, t0.Add(time.Hour)
			return tx.UpdateAdvisory(ctx, got)
		})
		if err != nil {
			t.Fatal(err)
		}
		revs, err := db.FindAdvisoryRevisions(ctx, ids[1])
		if err != nil || len(revs) != 2 || revs[0].Number != 2 || revs[0].CSAF != csaf || revs[1].Content.TitleJA != got.TitleJA {
			t.Fatalf("revisions: %+v %v", revs, err)
		}
		if r, err := db.FindAdvisoryRevision(ctx, ids[1], 1); err != nil || !r.PublishedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("revision 1: %+v %v", r, err)
		}
		if _, err := db.FindAdvisoryRevision(ctx, ids[1], 3); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("revision 3: %v", err)
		}
		again := hikeshi.AdvisoryRevision{ID: hikeshi.NewID(), AdvisoryID: ids[1], Number: 2, Summary: "x", CSAF: "{}", PublishedAt: t0}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateAdvisoryRevision(ctx, again) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate revision number: %v, want ErrConflict", err)
		}
		if a, _ := db.FindAdvisoryByID(ctx, ids[1]); a.Revision != 2 || a.Editors != nil || !a.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after update: %+v", a)
		}
	})
}
