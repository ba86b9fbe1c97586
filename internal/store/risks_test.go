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

// TestRiskStoreRoundTrip stores assets, matrices, risks, history and
// reminders on both engines and reads them back: archived assets are left
// out of the list unless asked for, risks list newest first in pages and by
// asset, the due query finds reviews and unfinished treatments past due, a
// reminder is created once per (risk, kind, due, user), and the database
// refuses levels off the scale and the deletion of an asset a risk uses.
func TestRiskStoreRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		user := mkUser(t, db, "owner@example.org")
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "情報システム部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		m := hikeshi.DefaultRiskMatrix()
		m.CreatedAt = t0
		var assets []hikeshi.InformationAsset
		var risks []hikeshi.Risk
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			if err := tx.CreateRiskMatrix(ctx, m); err != nil {
				return err
			}
			for i, name := range []string{"顧客DB <x>", "旧サーバ"} {
				time.Sleep(2 * time.Millisecond)
				a := hikeshi.InformationAsset{ID: hikeshi.NewID(), Name: name, Type: hikeshi.InformationAssetTypes[i],
					OwnerDepartmentID: dept.ID, Classification: hikeshi.ClassSecret, Confidentiality: 3, Integrity: 2, Availability: 1,
					Description: "説明", Archived: i == 1, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateInformationAsset(ctx, a); err != nil {
					return err
				}
				assets = append(assets, a)
			}
			for i := range 3 {
				time.Sleep(2 * time.Millisecond)
				r := hikeshi.Risk{ID: hikeshi.NewID(), Title: "リスク", Scenario: "シナリオ", OwnerDepartmentID: dept.ID,
					Inherent:   hikeshi.RiskScore{Likelihood: 4, Impact: 4, MatrixVersion: 1, Level: hikeshi.RiskVeryHigh},
					AssessedAt: t0, NextReviewAt: t0.AddDate(0, 0, 30*(i+1)), CreatedAt: t0, UpdatedAt: t0}
				if i == 0 {
					r.AssetIDs, r.OwnerUserID = []string{assets[0].ID, assets[1].ID}, user.ID
					r.Residual = hikeshi.RiskScore{Likelihood: 2, Impact: 2, MatrixVersion: 1, Level: hikeshi.RiskMedium}
					r.Treatment, r.TreatmentDueAt, r.TreatmentNote = hikeshi.TreatMitigate, t0.Add(24*time.Hour), "対策"
					r.AcceptedBy, r.AcceptedAt = user.ID, t0
				}
				if err := tx.CreateRisk(ctx, r); err != nil {
					return err
				}
				if err := tx.CreateRiskEvent(ctx, hikeshi.RiskEvent{ID: hikeshi.NewID(), RiskID: r.ID, Kind: hikeshi.RiskEventCreated, At: t0,
					ActorID: user.ID, Inherent: r.Inherent, Residual: r.Residual, Treatment: r.Treatment, TreatmentDueAt: r.TreatmentDueAt,
					OwnerDepartmentID: dept.ID, OwnerUserID: r.OwnerUserID, Note: "初回"}); err != nil {
					return err
				}
				risks = append(risks, r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		gotM, err := db.FindLatestRiskMatrix(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m, gotM); diff != "" {
			t.Errorf("matrix (-want +got):\n%s", diff)
		}
		got, err := db.FindRiskByID(ctx, risks[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := risks[0]
		want.AssetIDs = sortedIDs(want.AssetIDs)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("risk (-want +got):\n%s", diff)
		}
		if got, _ := db.FindRiskByID(ctx, risks[1].ID); got.Residual.Scored() || got.OwnerUserID != "" || len(got.AssetIDs) != 0 {
			t.Errorf("a risk without residual/owner/assets came back as %+v", got)
		}
		list, err := db.FindInformationAssets(ctx, hikeshi.InformationAssetFilter{})
		if err != nil || len(list) != 1 || list[0].ID != assets[0].ID {
			t.Fatalf("unarchived assets = %v, %v", list, err)
		}
		if diff := cmp.Diff(assets[0], list[0]); diff != "" {
			t.Errorf("asset (-want +got):\n%s", diff)
		}
		if list, _ := db.FindInformationAssets(ctx, hikeshi.InformationAssetFilter{IncludeArchived: true, Page: hikeshi.Page{Limit: 1}}); len(list) != 1 || list[0].ID != assets[1].ID {
			t.Errorf("first page with archived = %v", list)
		}
		var seen []string
		after := ""
		for {
			page, err := db.FindRisks(ctx, hikeshi.RiskFilter{Page: hikeshi.Page{After: after, Limit: 2}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				seen = append(seen, r.ID)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].ID
		}
		if diff := cmp.Diff([]string{risks[2].ID, risks[1].ID, risks[0].ID}, seen); diff != "" {
			t.Errorf("risk pages (-want +got):\n%s", diff)
		}
		if byAsset, _ := db.FindRisks(ctx, hikeshi.RiskFilter{AssetID: assets[1].ID}); len(byAsset) != 1 || byAsset[0].ID != risks[0].ID {
			t.Errorf("risks of the archived asset = %v", byAsset)
		}
		// Due: at t0+2d only risk 0's treatment is past due; at t0+60d also reviews of risks 0 and 1.
		due := func(at time.Time) int {
			rs, err := db.FindRisksDue(ctx, at, hikeshi.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return len(rs)
		}
		if n := due(t0.Add(time.Hour)); n != 0 {
			t.Errorf("due at t0+1h = %d", n)
		}
		if n := due(t0.Add(48 * time.Hour)); n != 1 {
			t.Errorf("due at t0+2d = %d", n)
		}
		if n := due(t0.AddDate(0, 0, 60)); n != 2 {
			t.Errorf("due at t0+60d = %d", n)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i := range 2 {
				ok, err := tx.CreateRiskReminder(ctx, hikeshi.RiskReminder{ID: hikeshi.NewID(), RiskID: risks[0].ID, UserID: user.ID,
					Kind: hikeshi.RiskReminderTreatment, DueAt: risks[0].TreatmentDueAt, CreatedAt: t0})
				if err != nil || ok != (i == 0) {
					t.Errorf("reminder %d created = %v, %v", i, ok, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := db.FindRiskReminders(ctx, user.ID, 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("reminders = %v, %v", ns, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkRiskReminderRead(ctx, ns[0].ID, "someone-else", t0) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another user's reminder marked: %v", err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.MarkRiskReminderRead(ctx, ns[0].ID, user.ID, t0) }); err != nil {
			t.Fatal(err)
		}
		if ns, _ := db.FindRiskReminders(ctx, user.ID, 10); len(ns) != 0 {
			t.Errorf("a read reminder is still listed: %v", ns)
		}
		if evs, err := db.FindRiskEvents(ctx, risks[0].ID); err != nil || len(evs) != 1 || evs[0].Residual != risks[0].Residual || evs[0].Note != "初回" {
			t.Errorf("events = %+v, %v", evs, err)
		}
		// The database's own guards.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteInformationAsset(ctx, assets[0].ID) })
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("deleting an asset a risk uses: %v", err)
		}
		bad := assets[0]
		bad.ID, bad.Confidentiality = hikeshi.NewID(), 4
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateInformationAsset(ctx, bad) })
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("confidentiality 4 stored: %v", err)
		}
		badRisk := risks[1]
		badRisk.ID, badRisk.Inherent.MatrixVersion = hikeshi.NewID(), 9
		err = db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateRisk(ctx, badRisk) })
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("a score on an unknown matrix stored: %v", err)
		}
	})
}

func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
