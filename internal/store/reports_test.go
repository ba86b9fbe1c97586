package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func newReport(n int, at time.Time) hikeshi.Report {
	tok := fmt.Sprintf("token-%d-%s", n, hikeshi.NewID())
	return hikeshi.Report{
		ID: hikeshi.NewID(), Number: hikeshi.ReportNumber(2026, int64(n)), Source: hikeshi.SourceEmployee, Status: hikeshi.ReportNew,
		Description: "怪しいメールの添付ファイルを開いてしまいました", NoticedAt: at.Add(-time.Hour), ReportedAt: at,
		Contact: "内線 1234", FollowUpHash: hikeshi.FollowUpHash(tok), SubmissionHash: hikeshi.SubmissionHash(tok),
		CreatedAt: at, UpdatedAt: at,
	}
}

func TestReportsRoundTripAndPaging(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var made []hikeshi.Report
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i := 1; i <= 7; i++ {
				r := newReport(i, t0.Add(time.Duration(i)*time.Minute))
				if i%2 == 0 {
					r.Anonymous, r.Contact = true, ""
				}
				time.Sleep(2 * time.Millisecond) // ids order by millisecond
				r.ID = hikeshi.NewID()
				if err := tx.CreateReport(ctx, r); err != nil {
					return err
				}
				made = append(made, r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindReportByID(ctx, made[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(made[0], got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if got, err := db.FindReportByFollowUpHash(ctx, made[1].FollowUpHash); err != nil || got.ID != made[1].ID || !got.Anonymous {
			t.Errorf("by follow-up hash: %+v %v", got, err)
		}
		if got, err := db.FindReportBySubmissionHash(ctx, made[2].SubmissionHash); err != nil || got.ID != made[2].ID {
			t.Errorf("by submission hash: %+v %v", got, err)
		}
		if _, err := db.FindReportByFollowUpHash(ctx, hikeshi.FollowUpHash("nope")); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown hash: %v", err)
		}
		// Newest first, three pages of three, two and … by keyset.
		var seen []string
		after := ""
		for range 5 {
			page, err := db.FindReports(ctx, hikeshi.ReportFilter{Page: hikeshi.Page{After: after, Limit: 3}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				seen = append(seen, r.ID)
			}
			after = page[len(page)-1].ID
		}
		var want []string
		for i := len(made) - 1; i >= 0; i-- {
			want = append(want, made[i].ID)
		}
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("pages newest first (-want +got):\n%s", diff)
		}
		// A second report from the same form is a conflict.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			r := newReport(99, t0)
			r.SubmissionHash = made[0].SubmissionHash
			return tx.CreateReport(ctx, r)
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("same submission twice: got %v, want ErrConflict", err)
		}
		// The database refuses an anonymous report that names its sender.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			r := newReport(100, t0)
			r.Anonymous = true
			return tx.CreateReport(ctx, r)
		})
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("anonymous report with a contact: got %v, want ErrInvalid", err)
		}
		// Status and thread.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.UpdateReportStatus(ctx, made[0].ID, hikeshi.ReportInTriage, t0.Add(time.Hour)); err != nil {
				return err
			}
			for i, a := range []hikeshi.MessageAuthor{hikeshi.AuthorCSIRT, hikeshi.AuthorReporter} {
				m := hikeshi.ReportMessage{ID: hikeshi.NewID(), ReportID: made[0].ID, Author: a, Body: fmt.Sprint("message ", i), CreatedAt: t0.Add(2 * time.Hour)}
				if err := tx.CreateReportMessage(ctx, m); err != nil {
					return err
				}
				time.Sleep(2 * time.Millisecond)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := db.FindReportMessages(ctx, made[0].ID, hikeshi.Page{})
		if err != nil || len(msgs) != 2 || msgs[0].Author != hikeshi.AuthorCSIRT || msgs[1].Body != "message 1" {
			t.Errorf("thread: %+v %v", msgs, err)
		}
		got, _ = db.FindReportByID(ctx, made[0].ID)
		if got.Status != hikeshi.ReportInTriage || !got.UpdatedAt.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("after status and messages: %s %s", got.Status, got.UpdatedAt)
		}
		if triage, _ := db.FindReports(ctx, hikeshi.ReportFilter{Status: hikeshi.ReportInTriage}); len(triage) != 1 {
			t.Errorf("status filter: %d reports", len(triage))
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.UpdateReportStatus(ctx, "missing", hikeshi.ReportClosed, t0)
		}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("status of a missing report: %v", err)
		}
	})
}

func TestCountersNeverRepeat(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const workers, each = 6, 10
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					var n int64
					err := db.InTx(ctx, func(tx hikeshi.Tx) error {
						var err error
						n, err = tx.NextCounter(ctx, hikeshi.ReportCounter(2026))
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if seen[n] {
						errs <- fmt.Errorf("number %d handed out twice", n)
					}
					seen[n] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := int64(1); i <= workers*each; i++ {
			if !seen[i] {
				t.Errorf("number %d is missing: the counter has gaps", i)
			}
		}
		var other int64
		db.InTx(ctx, func(tx hikeshi.Tx) error {
			var err error
			other, err = tx.NextCounter(ctx, hikeshi.ReportCounter(2027))
			return err
		})
		if other != 1 {
			t.Errorf("a new year starts at %d, want 1", other)
		}
	})
}
