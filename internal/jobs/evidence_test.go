package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/clocktest"
	"github.com/hikeshi/hikeshi/internal/jobs"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestBlobSweepJob runs the daily sweep through jobs.Set with a fake clock:
// on the first day a fresh orphan is kept (grace period); a day later the
// next period's job deletes it and keeps the evidence file.
func TestBlobSweepJob(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Blobs are stamped with the real time; the clock starts there.
		clock := clocktest.New(time.Now().UTC())
		svc := service.New(db, service.Options{Clock: clock})
		sys := hikeshi.SystemActor("test")
		inc, err := svc.Incidents.Create(ctx, sys, service.IncidentInput{Title: "t", Category: "phishing", Impact: 1, Urgency: 1})
		if err != nil {
			t.Fatal(err)
		}
		orphan, err := svc.Reports.StoreAttachment(ctx, strings.NewReader("orphan"), 0)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := svc.Evidence.UploadEvidence(ctx, sys, inc.ID, strings.NewReader("evidence"), service.EvidenceInput{Filename: "e"})
		if err != nil {
			t.Fatal(err)
		}
		log := &logBuf{}
		handlers, periodic := jobs.Set(jobs.Deps{Services: svc, Log: slog.New(slog.NewTextHandler(log, nil))})
		found := false
		for _, p := range periodic {
			found = found || (p.Kind == jobs.KindBlobSweep && p.Every == 24*time.Hour)
		}
		if !found || handlers[jobs.KindBlobSweep] == nil {
			t.Fatalf("the sweep is not a daily job: %+v", periodic)
		}
		r := runner(db, clock, "w1", log, handlers)
		r.Periodic = periodic
		// Other areas' jobs (clock reminders of the incident) may be due too:
		// run passes until nothing is left.
		drain := func() {
			t.Helper()
			for range 20 {
				n, err := r.RunDue(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		drain()
		if _, err := db.FindBlob(ctx, orphan.SHA256); err != nil {
			t.Fatalf("a fresh orphan was swept: %v", err)
		}
		clock.Advance(hikeshi.BlobGracePeriod + time.Hour)
		drain()
		if _, err := db.FindBlob(ctx, orphan.SHA256); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("the orphan outlived the grace period: %v", err)
		}
		if _, err := db.FindBlob(ctx, ev.SHA256); err != nil {
			t.Errorf("the evidence file was swept: %v", err)
		}
		if !strings.Contains(log.String(), "deleted=1") {
			t.Errorf("log lacks the count:\n%s", log.String())
		}
	})
}
