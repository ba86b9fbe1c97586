package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestReportingStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mkUser(t, db, "csirt@example.org")
		inc := newIncident(1, t0, hikeshi.TLPRed)
		clock := hikeshi.IncidentClock{ID: hikeshi.NewID(), IncidentID: inc.ID, Kind: hikeshi.ClockGDPR, StartedAt: t0, DueAt: t0.Add(72 * time.Hour),
			CreatedAt: t0, UpdatedAt: t0}
		in := func(fn func(tx hikeshi.Tx) error) {
			t.Helper()
			if err := db.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		in(func(tx hikeshi.Tx) error {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
			return tx.CreateClock(ctx, clock)
		})
		// Templates: upsert by (kind, lang), delete.
		tpl := hikeshi.ReportTemplate{Kind: hikeshi.ReportInternal, Lang: hikeshi.LocaleJA, Body: "# {{.Incident.Title}} 'quoted' \"x\"", UpdatedBy: u.ID, UpdatedAt: t0}
		in(func(tx hikeshi.Tx) error { return tx.PutReportTemplate(ctx, tpl) })
		tpl.Body, tpl.UpdatedAt = "# v2", t0.Add(time.Hour)
		in(func(tx hikeshi.Tx) error { return tx.PutReportTemplate(ctx, tpl) })
		got, err := db.FindReportTemplate(ctx, hikeshi.ReportInternal, hikeshi.LocaleJA)
		if err != nil || !cmp.Equal(got, tpl) {
			t.Errorf("template %v %s", err, cmp.Diff(tpl, got))
		}
		if _, err := db.FindReportTemplate(ctx, hikeshi.ReportInternal, hikeshi.LocaleEN); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing template: %v", err)
		}
		if list, err := db.FindReportTemplates(ctx); err != nil || len(list) != 1 {
			t.Errorf("templates %v %v", list, err)
		}
		in(func(tx hikeshi.Tx) error {
			return tx.DeleteReportTemplate(ctx, hikeshi.ReportInternal, hikeshi.LocaleJA)
		})
		if list, _ := db.FindReportTemplates(ctx); len(list) != 0 {
			t.Errorf("after delete: %v", list)
		}
		// Drafts: a second put replaces the body, keeps id and creation.
		d := hikeshi.ReportDraft{ID: hikeshi.NewID(), IncidentID: inc.ID, Kind: hikeshi.ReportGDPR, Lang: hikeshi.LocaleEN, Body: "draft", UpdatedBy: u.ID,
			CreatedAt: t0, UpdatedAt: t0}
		in(func(tx hikeshi.Tx) error { return tx.PutReportDraft(ctx, d) })
		d2 := d
		d2.ID, d2.Body, d2.CreatedAt, d2.UpdatedAt = hikeshi.NewID(), "draft 2", t0.Add(time.Hour), t0.Add(time.Hour)
		in(func(tx hikeshi.Tx) error { return tx.PutReportDraft(ctx, d2) })
		gotD, err := db.FindReportDraft(ctx, inc.ID, hikeshi.ReportGDPR, hikeshi.LocaleEN)
		want := d
		want.Body, want.UpdatedAt = "draft 2", t0.Add(time.Hour)
		if err != nil || !cmp.Equal(gotD, want) {
			t.Errorf("draft %v %s", err, cmp.Diff(want, gotD))
		}
		if ds, err := db.FindReportDrafts(ctx, inc.ID); err != nil || len(ds) != 1 {
			t.Errorf("drafts %v %v", ds, err)
		}
		in(func(tx hikeshi.Tx) error {
			return tx.DeleteReportDraft(ctx, inc.ID, hikeshi.ReportGDPR, hikeshi.LocaleEN)
		})
		if _, err := db.FindReportDraft(ctx, inc.ID, hikeshi.ReportGDPR, hikeshi.LocaleEN); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted draft: %v", err)
		}
		// The communication log: newest first, keyset pages.
		var entries []hikeshi.CommEntry
		for i := range 3 {
			e := hikeshi.CommEntry{ID: hikeshi.NewID(), IncidentID: inc.ID, Audience: hikeshi.AudienceRegulator, Channel: hikeshi.ChannelEmail,
				Summary: "報告 <script>", SentAt: t0.Add(time.Duration(i) * time.Minute), RecordedBy: u.ID, RecordedAt: t0.Add(time.Hour)}
			if i == 1 {
				e.ClockID, e.Recipient = clock.ID, "PPC"
			}
			time.Sleep(2 * time.Millisecond)
			in(func(tx hikeshi.Tx) error { return tx.CreateCommEntry(ctx, e) })
			entries = append(entries, e)
		}
		p1, err := db.FindCommEntries(ctx, inc.ID, hikeshi.Page{Limit: 2})
		if err != nil || len(p1) != 2 || !cmp.Equal(p1[0], entries[2]) || !cmp.Equal(p1[1], entries[1]) {
			t.Errorf("page 1 %v %v", err, p1)
		}
		p2, err := db.FindCommEntries(ctx, inc.ID, hikeshi.Page{Limit: 2, After: p1[1].ID})
		if err != nil || len(p2) != 1 || !cmp.Equal(p2[0], entries[0]) {
			t.Errorf("page 2 %v %v", err, p2)
		}
		if e, err := db.FindCommEntryByID(ctx, entries[1].ID); err != nil || !cmp.Equal(e, entries[1]) {
			t.Errorf("by id %v %s", err, cmp.Diff(entries[1], e))
		}
		bad := entries[0]
		bad.ID, bad.Audience = hikeshi.NewID(), "nobody"
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateCommEntry(ctx, bad) }); err == nil {
			t.Error("the schema accepted an unknown audience")
		}
	})
}
