package hikeshi

import (
	"encoding/json"
	"time"
)

// Alerts from machines (IH-3): monitoring tools send alerts; Hikeshi
// normalises them, de-duplicates them by fingerprint within a window, groups
// them into events, and the CSIRT promotes an event to an incident or
// dismisses it. Suppression rules keep known noise out of the queue without
// losing it: a suppressed alert is stored and counted, but opens no event.

// AlertFormat is the wire format an alert arrived in.
type AlertFormat string

// The formats Hikeshi decodes, as their senders really send them.
const (
	FormatGeneric      AlertFormat = "generic"      // Hikeshi's documented JSON (one alert or a batch)
	FormatAlertmanager AlertFormat = "alertmanager" // Prometheus Alertmanager webhook, version 4
	FormatSuricata     AlertFormat = "suricata"     // Suricata EVE JSON, one record per line
	FormatWazuh        AlertFormat = "wazuh"        // Wazuh alerts (alerts.json lines or integration posts)
	FormatECS          AlertFormat = "ecs"          // Elastic Common Schema documents with event.kind "alert"
)

// AlertFormats lists every format in display order.
var AlertFormats = []AlertFormat{FormatGeneric, FormatAlertmanager, FormatSuricata, FormatWazuh, FormatECS}

// Valid reports whether f is a known format.
func (f AlertFormat) Valid() bool {
	switch f {
	case FormatGeneric, FormatAlertmanager, FormatSuricata, FormatWazuh, FormatECS:
		return true
	}
	return false
}

// AlertSeverity is an alert's normalised severity.
type AlertSeverity string

// The severities, most severe first.
const (
	SeverityCritical AlertSeverity = "critical"
	SeverityHigh     AlertSeverity = "high"
	SeverityMedium   AlertSeverity = "medium"
	SeverityLow      AlertSeverity = "low"
	SeverityInfo     AlertSeverity = "info"
)

// AlertSeverities lists every severity, most severe first.
var AlertSeverities = []AlertSeverity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// Valid reports whether s is a known severity.
func (s AlertSeverity) Valid() bool {
	switch s {
	case SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo:
		return true
	}
	return false
}

// Rank orders severities: critical 5 … info 1, unknown 0.
func (s AlertSeverity) Rank() int {
	switch s {
	case SeverityCritical:
		return 5
	case SeverityHigh:
		return 4
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// AlertStatus is what the sender says of the condition: still firing, or
// resolved (Alertmanager sends both).
type AlertStatus string

// The alert statuses.
const (
	AlertFiring   AlertStatus = "firing"
	AlertResolved AlertStatus = "resolved"
)

// AlertObservable is an observable an alert carries (an address, a domain, a
// hash …), canonical as NormalizeObservable makes it.
type AlertObservable struct {
	Type  ObservableType `json:"type"`
	Value string         `json:"value"`
}

// AlertInput is one alert as a decoder made it from a sender's payload:
// normalised, not yet stored.
type AlertInput struct {
	Format AlertFormat
	// Fingerprint identifies "the same alert again". Decoders set it from the
	// sender's own fingerprint where there is one (Alertmanager), else from
	// the fields that make an alert the same (AlertFingerprint).
	Fingerprint string
	Rule        string // the detection rule: alertname, signature id, rule id …
	Title       string // one line for people
	Description string
	Severity    AlertSeverity
	Status      AlertStatus
	Host        string // the host or asset the alert concerns, as the sender names it
	Observables []AlertObservable
	Labels      map[string]string // sender's labels and other short fields, kept for display and rules
	OccurredAt  time.Time         // when the sender says it happened; zero = when received
	Raw         json.RawMessage   // the sender's payload for this alert, kept as received
}

// Alert is a stored alert. A repeat within the de-duplication window raises
// Count and LastSeen instead of adding a row.
type Alert struct {
	ID           string
	EventID      string // empty when a suppression rule held it back
	SenderID     string // the alert sender whose token delivered it; empty when a user's API token did
	Format       AlertFormat
	Fingerprint  string
	Rule         string
	Title        string
	Description  string
	Severity     AlertSeverity
	Status       AlertStatus
	Host         string
	Observables  []AlertObservable
	Labels       map[string]string
	Raw          json.RawMessage
	OccurredAt   time.Time
	FirstSeen    time.Time
	LastSeen     time.Time
	Count        int64
	SuppressedBy string // the suppression rule that held it back, if any
}

// AlertEventStatus is where an event stands in the CSIRT's queue.
type AlertEventStatus string

// The statuses of an alert event.
const (
	EventOpen      AlertEventStatus = "open"
	EventPromoted  AlertEventStatus = "promoted"  // became (or joined) an incident
	EventDismissed AlertEventStatus = "dismissed" // not an incident; the reason is kept
)

// AlertEventStatuses lists every status in workflow order.
var AlertEventStatuses = []AlertEventStatus{EventOpen, EventPromoted, EventDismissed}

// Valid reports whether s is a known status.
func (s AlertEventStatus) Valid() bool {
	return s == EventOpen || s == EventPromoted || s == EventDismissed
}

// AlertEvent groups alerts that belong together (same group key while the
// event is open): the unit the CSIRT decides on.
type AlertEvent struct {
	ID          string
	Number      string // human number, e.g. EVT-2026-000123
	GroupKey    string
	Title       string
	Format      AlertFormat
	Severity    AlertSeverity // the highest of its alerts
	Status      AlertEventStatus
	Alerts      int64 // distinct alerts (rows)
	Occurrences int64 // alerts including repeats
	FirstSeen   time.Time
	LastSeen    time.Time
	IncidentID  string // set when promoted
	DecidedBy   string
	DecidedAt   time.Time
	Reason      string // why it was dismissed (or a note on promotion)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AlertSender is a system allowed to send alerts, with its own token. Only
// the token's SHA-256 is stored; the token is shown once when issued.
type AlertSender struct {
	ID          string
	Name        string
	Format      AlertFormat // the format its endpoint accepts
	TokenHash   string
	TokenHint   string // the token's last four characters, to tell tokens apart
	Window      time.Duration
	DisabledAt  time.Time
	LastAlertAt time.Time
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DefaultAlertWindow is the de-duplication window of a sender that sets none.
const DefaultAlertWindow = 24 * time.Hour

// AlertSuppression is a rule that holds matching alerts back from the queue.
// Empty match fields match anything; at least one must be set. Patterns may
// use * as a wildcard.
type AlertSuppression struct {
	ID         string
	Name       string
	Format     AlertFormat // "" = any
	Rule       string      // pattern on Alert.Rule
	Host       string      // pattern on Alert.Host
	Observable string      // exact canonical observable value
	Reason     string
	ExpiresAt  time.Time // zero = never
	Hits       int64
	LastHitAt  time.Time
	DisabledAt time.Time
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
