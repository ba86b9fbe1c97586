package hikeshi

import (
	"context"
	"time"
)

// AlertQueueReader is the read side of the alert queue (IH-3): events, their
// alerts, senders and suppression rules as the CSIRT sees them.
type AlertQueueReader interface {
	// FindAlertEvents lists events newest first (by id), after the cursor,
	// filtered; it never counts the table.
	FindAlertEvents(ctx context.Context, f AlertEventFilter) ([]AlertEvent, error)
	// FindAlertEvent returns one event.
	FindAlertEvent(ctx context.Context, id string) (AlertEvent, error)
	// FindAlerts lists alerts newest first (by id), after the cursor, filtered.
	FindAlerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	// FindAlert returns one alert.
	FindAlert(ctx context.Context, id string) (Alert, error)
	// FindAlertSenders lists every sender by name.
	FindAlertSenders(ctx context.Context) ([]AlertSender, error)
	// FindAlertSender returns one sender.
	FindAlertSender(ctx context.Context, id string) (AlertSender, error)
	// FindAlertSuppressions lists suppression rules newest first, after the cursor.
	FindAlertSuppressions(ctx context.Context, p Page) ([]AlertSuppression, error)
	// FindAlertSuppression returns one suppression rule.
	FindAlertSuppression(ctx context.Context, id string) (AlertSuppression, error)
}

// AlertQueueWriter is the write side of the alert queue (IH-3): promoting and
// dismissing events, managing senders and suppression rules.
type AlertQueueWriter interface {
	// DecideAlertEvent records the decision on an open event: its status,
	// incident, decider, time and reason. It touches no count the intake
	// writes. An event that is no longer open is ErrConflict.
	DecideAlertEvent(ctx context.Context, e AlertEvent) error
	// CreateAlertSender stores a new sender.
	CreateAlertSender(ctx context.Context, s AlertSender) error
	// UpdateAlertSender writes a sender's name, window, token hash and
	// hint, and disabled time.
	UpdateAlertSender(ctx context.Context, s AlertSender) error
	// CreateAlertSuppression stores a new suppression rule.
	CreateAlertSuppression(ctx context.Context, s AlertSuppression) error
	// DisableAlertSuppression sets a rule's disabled time.
	DisableAlertSuppression(ctx context.Context, id string, at time.Time) error
}

// AlertEventFilter selects events of the queue.
type AlertEventFilter struct {
	Status   AlertEventStatus // "" = every status
	Severity AlertSeverity    // "" = every severity
	Format   AlertFormat      // "" = every format
	Page     Page
}

// AlertFilter selects alerts.
type AlertFilter struct {
	EventID     string
	Format      AlertFormat
	Fingerprint string
	Page        Page
}

// Limits of the alert queue's forms.
const (
	MaxAlertSenderNameLen      = 100
	MaxAlertSuppressionNameLen = 200
	MaxAlertPatternLen         = 500
	MaxAlertReasonLen          = 2000
	MinAlertSenderWindow       = time.Minute
)

// AlertTokenPrefix starts every alert sender's token, so that a leaked one is
// recognisable (and secret scanners can find it).
const AlertTokenPrefix = "hka_"
