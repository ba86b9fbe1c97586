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

// TestTriageRoundTripAndQueue stores triage states, history, report and
// incident links and merges on both engines, and pages the queue oldest first.
func TestTriageRoundTripAndQueue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		owner := mkUser(t, db, "owner@example.org")
		var reps []hikeshi.Report
		var incs []hikeshi.Incident
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i := 1; i <= 6; i++ {
				time.Sleep(2 * time.Millisecond) // ids order by millisecond
				r := newReport(i, t0.Add(time.Duration(i)*time.Minute))
				if i == 3 {
					r.Status = hikeshi.ReportClosed
				}
				if i == 4 {
					r.Status = hikeshi.ReportInTriage
				}
				if err := tx.CreateReport(ctx, r); err != nil {
					return err
				}
				reps = append(reps, r)
			}
			for i := 1; i <= 3; i++ {
				inc := newIncident(i, t0, hikeshi.TLPAmber)
				if err := tx.CreateIncident(ctx, inc); err != nil {
					return err
				}
				incs = append(incs, inc)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindReportTriage(ctx, reps[0].ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("triage of an untouched report: %v", err)
		}
		tr := hikeshi.ReportTriage{ReportID: reps[1].ID, TriageClassification: hikeshi.TriageClassification{Category: "phishing",
			Impact: 2, Urgency: 1, Priority: 1, TLP: hikeshi.TLPAmberStrict, OwnerID: owner.ID, Policy: hikeshi.PolicyMonitor,
			PolicyNote: "見守る"}, ClassifiedBy: owner.ID, ClassifiedAt: t0}
		rec := hikeshi.TriageRecord{ID: hikeshi.NewID(), ReportID: reps[1].ID, Action: hikeshi.TriageClassified,
			TriageClassification: tr.TriageClassification, AuthorID: owner.ID, At: t0}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.PutReportTriage(ctx, tr); err != nil {
				return err
			}
			if err := tx.CreateTriageRecord(ctx, rec); err != nil {
				return err
			}
			// A decision replaces the state; the history grows.
			tr.Decision, tr.DuplicateOfID, tr.DecidedBy, tr.DecidedAt = hikeshi.TriageDuplicate, reps[0].ID, owner.ID, t0.Add(time.Hour)
			if err := tx.PutReportTriage(ctx, tr); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
			return tx.CreateTriageRecord(ctx, hikeshi.TriageRecord{ID: hikeshi.NewID(), ReportID: reps[1].ID, Action: hikeshi.TriageDuplicate,
				DuplicateOfID: reps[0].ID, AuthorID: owner.ID, At: t0.Add(time.Hour)})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindReportTriage(ctx, reps[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tr, got); diff != "" {
			t.Errorf("triage round trip (-want +got):\n%s", diff)
		}
		hist, err := db.FindTriageRecords(ctx, reps[1].ID, hikeshi.Page{})
		if err != nil || len(hist) != 2 {
			t.Fatalf("history %v %v", hist, err)
		}
		if diff := cmp.Diff(rec, hist[0]); diff != "" {
			t.Errorf("record round trip (-want +got):\n%s", diff)
		}
		if hist[1].Action != hikeshi.TriageDuplicate || hist[1].DuplicateOfID != reps[0].ID || !hist[1].At.Equal(t0.Add(time.Hour)) {
			t.Errorf("second record %+v", hist[1])
		}

		// The queue: new and in_triage reports, oldest first, with their triage; pages of two.
		var queue []string
		p := hikeshi.Page{Limit: 2}
		for {
			page, err := db.FindTriageQueue(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, it := range page {
				queue = append(queue, it.Report.Number)
				if it.Report.ID == reps[1].ID && (it.Triage.Category != "phishing" || it.Triage.Decision != hikeshi.TriageDuplicate) {
					t.Errorf("queue item without its triage: %+v", it.Triage)
				}
				if it.Report.ID == reps[0].ID && it.Triage.Classified() {
					t.Errorf("untriaged report shows a triage: %+v", it.Triage)
				}
			}
			p.After = page[len(page)-1].Report.ID
		}
		want := []string{reps[0].Number, reps[1].Number, reps[3].Number, reps[4].Number, reps[5].Number}
		if diff := cmp.Diff(want, queue); diff != "" {
			t.Errorf("queue (-want +got):\n%s", diff)
		}

		// Report ↔ incident: at most one incident per report; moves on a merge.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for _, r := range reps[:3] {
				if err := tx.CreateReportIncident(ctx, hikeshi.ReportIncident{ReportID: r.ID, IncidentID: incs[1].ID, LinkedBy: owner.ID, LinkedAt: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.CreateReportIncident(ctx, hikeshi.ReportIncident{ReportID: reps[0].ID, IncidentID: incs[0].ID, LinkedAt: t0})
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("second incident for a report: %v", err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.PutReportIncident(ctx, hikeshi.ReportIncident{ReportID: reps[2].ID, IncidentID: incs[2].ID, LinkedAt: t0}); err != nil {
				return err
			}
			if err := tx.DeleteReportIncident(ctx, reps[1].ID); err != nil {
				return err
			}
			n, err := tx.MoveIncidentReports(ctx, incs[1].ID, incs[0].ID, owner.ID, t0.Add(time.Hour))
			if n != 1 {
				t.Errorf("moved %d reports, want 1", n)
			}
			if err != nil {
				return err
			}
			if err := tx.DeleteReportIncident(ctx, reps[1].ID); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("deleting a missing link: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		l, err := db.FindReportIncident(ctx, reps[0].ID)
		if err != nil || l.IncidentID != incs[0].ID || l.LinkedBy != owner.ID || !l.LinkedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("moved link %+v %v", l, err)
		}
		for inc, want := range map[string][]string{incs[0].ID: {reps[0].Number}, incs[1].ID: nil, incs[2].ID: {reps[2].Number}} {
			rs, err := db.FindIncidentReports(ctx, inc, hikeshi.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Number)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reports of %s (-want +got):\n%s", inc, diff)
			}
		}

		// Incident links are symmetric and stored once; merges once per incident.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateIncidentLink(ctx, hikeshi.IncidentLink{ID: hikeshi.NewID(), IncidentID: incs[2].ID, RelatedID: incs[0].ID,
				Note: "同じ攻撃者", CreatedBy: owner.ID, CreatedAt: t0}); err != nil {
				return err
			}
			return tx.CreateIncidentMerge(ctx, hikeshi.IncidentMerge{IncidentID: incs[1].ID, IntoID: incs[0].ID, Note: "重複", MergedBy: owner.ID, MergedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.CreateIncidentLink(ctx, hikeshi.IncidentLink{ID: hikeshi.NewID(), IncidentID: incs[0].ID, RelatedID: incs[2].ID, CreatedAt: t0})
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("the same link the other way round: %v", err)
		}
		for _, id := range []string{incs[0].ID, incs[2].ID} {
			ls, err := db.FindIncidentLinks(ctx, id)
			if err != nil || len(ls) != 1 || ls[0].Note != "同じ攻撃者" {
				t.Errorf("links of %s: %+v %v", id, ls, err)
			}
		}
		if ls, _ := db.FindIncidentLinks(ctx, incs[0].ID); len(ls) == 1 && ls[0].Other(incs[0].ID) != incs[2].ID {
			t.Errorf("other side %+v", ls[0])
		}
		m, err := db.FindIncidentMerge(ctx, incs[1].ID)
		if err != nil || m.IntoID != incs[0].ID || m.Note != "重複" || !m.MergedAt.Equal(t0) {
			t.Errorf("merge %+v %v", m, err)
		}
		if _, err := db.FindIncidentMerge(ctx, incs[0].ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unmerged incident: %v", err)
		}
		into, err := db.FindIncidentMergesInto(ctx, incs[0].ID)
		if err != nil || len(into) != 1 || into[0].IncidentID != incs[1].ID {
			t.Errorf("merges into %+v %v", into, err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.CreateIncidentMerge(ctx, hikeshi.IncidentMerge{IncidentID: incs[1].ID, IntoID: incs[2].ID, MergedAt: t0})
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("merging a merged incident again: %v", err)
		}
		if id, err := db.FindIncidentIDByNumber(ctx, incs[2].Number); err != nil || id != incs[2].ID {
			t.Errorf("incident by number: %s %v", id, err)
		}
		if id, err := db.FindReportIDByNumber(ctx, reps[4].Number); err != nil || id != reps[4].ID {
			t.Errorf("report by number: %s %v", id, err)
		}
		if _, err := db.FindIncidentIDByNumber(ctx, "INC-1999-0001"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown number: %v", err)
		}
	})
}
