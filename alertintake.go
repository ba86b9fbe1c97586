package hikeshi

import (
	"context"
	"fmt"
	"time"
)

// AlertIntakeReader is the read side of alert intake (IH-3): what the intake
// pipeline reads to authenticate senders and de-duplicate alerts. The
// look-ups take whole batches, so a batch of alerts costs one query each.
type AlertIntakeReader interface {
	// FindIntakeSender returns the sender whose token has this SHA-256 (hex).
	FindIntakeSender(ctx context.Context, tokenHash string) (AlertSender, error)
	// FindIntakeHeads returns, per fingerprint, its newest alert row.
	FindIntakeHeads(ctx context.Context, fingerprints []string) (map[string]AlertHead, error)
	// FindIntakeOpenEvents returns the open event of each group key that has
	// one, with only its id, number, group key, severity and status.
	FindIntakeOpenEvents(ctx context.Context, groupKeys []string) (map[string]AlertEvent, error)
	// FindIntakeSuppressions returns the rules that are neither disabled nor expired at now.
	FindIntakeSuppressions(ctx context.Context, now time.Time) ([]AlertSuppression, error)
	// FindIntakeAlerts returns every row of a fingerprint, newest first (for
	// tools and tests; the queue lists alerts by event).
	FindIntakeAlerts(ctx context.Context, fingerprint string) ([]Alert, error)
	// FindIntakeEvent returns one event by id.
	FindIntakeEvent(ctx context.Context, id string) (AlertEvent, error)
}

// AlertIntakeWriter is the write side of alert intake (IH-3): storing alerts,
// repeats and new events in batches.
type AlertIntakeWriter interface {
	// LockIntake serialises intake transactions across server processes
	// (a transaction-scoped advisory lock on PostgreSQL; SQLite has one
	// writer). shared reports whether other processes may write alerts too,
	// so that an in-memory cache of alert rows must not be trusted.
	LockIntake(ctx context.Context) (shared bool, err error)
	// ReserveCounter advances a counter by n and returns the first of the n
	// values it reserved.
	ReserveCounter(ctx context.Context, name string, n int) (int64, error)
	// WriteIntakeBatch writes one batch: new events and alerts, repeats,
	// event totals, suppression hits and senders' last alert times. A repeat
	// or event delta whose row is gone is ErrNotFound.
	WriteIntakeBatch(ctx context.Context, b AlertIntakeBatch) error
	// CreateIntakeSender stores a sender as is (for tools, the benchmark and
	// tests; the CSIRT manages senders through the alert queue).
	CreateIntakeSender(ctx context.Context, s AlertSender) error
}

// AlertHead is what de-duplication needs of an alert row: the newest row of
// its fingerprint.
type AlertHead struct {
	ID           string
	EventID      string
	EventNumber  string
	SuppressedBy string
	LastSeen     time.Time
}

// AlertBump raises the count and last_seen of an existing alert.
type AlertBump struct {
	ID       string
	Count    int64 // occurrences to add
	LastSeen time.Time
	Status   AlertStatus // the latest status the sender gave
}

// AlertEventDelta adds to the totals of an existing event.
type AlertEventDelta struct {
	ID          string
	Alerts      int64 // new alert rows
	Occurrences int64 // alerts including repeats
	LastSeen    time.Time
	Severity    AlertSeverity // the new highest severity; "" = unchanged
}

// AlertSuppressionHit counts alerts a rule held back.
type AlertSuppressionHit struct {
	ID   string
	Hits int64
	At   time.Time
}

// AlertSenderTouch records when a sender last delivered.
type AlertSenderTouch struct {
	ID string
	At time.Time
}

// AlertIntakeBatch is everything one intake transaction writes.
type AlertIntakeBatch struct {
	NewEvents []AlertEvent
	NewAlerts []Alert
	Bumps     []AlertBump
	Events    []AlertEventDelta
	Hits      []AlertSuppressionHit
	Senders   []AlertSenderTouch
}

// Event numbering: EVT-YYYY-NNNNNN, one counter per year.
const (
	AlertEventNumberPrefix  = "EVT"
	alertEventCounterPrefix = "alert-event-"
)

// AlertEventCounter names the counter row that numbers the events of a year.
func AlertEventCounter(year int) string { return fmt.Sprintf("%s%d", alertEventCounterPrefix, year) }

// AlertEventNumber formats the human number of the n-th event of a year.
func AlertEventNumber(year int, n int64) string {
	return fmt.Sprintf("%s-%d-%06d", AlertEventNumberPrefix, year, n)
}

// Limits of alert intake (the decoders' own limits are in alertformats.go).
const (
	MaxAlertRequestBytes    = 8 << 20 // one request body, as sent
	MaxAlertSenderWindow    = 90 * 24 * time.Hour
	AlertIntakeBatchAlerts  = 5_000  // alerts per group-commit transaction (a bigger request commits alone)
	AlertIntakeQueuedAlerts = 50_000 // alerts waiting for the writer before intake answers 429
)
