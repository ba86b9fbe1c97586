package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["alert_format"] = stringsOf(hikeshi.AlertFormats)
	enums["alert_severity"] = stringsOf(hikeshi.AlertSeverities)
	enums["alert_event_status"] = stringsOf(hikeshi.AlertEventStatuses)
	enums["alert_event_status_filter"] = append(stringsOf(hikeshi.AlertEventStatuses), "all")
	enums["alert_status"] = []string{string(hikeshi.AlertFiring), string(hikeshi.AlertResolved)}
	enums["alert_format_any"] = append([]string{""}, stringsOf(hikeshi.AlertFormats)...)
}

const queueTag = "alert queue"

// alertQueueRoutes are the operations of the alert queue (IH-3).
func (h *Handler) alertQueueRoutes() []route {
	who := " Admins and the CSIRT; auditors read. Others get 404."
	return []route{
		{method: get, path: "/alert-events", op: "listAlertEvents", tag: queueTag, summary: "The CSIRT's queue of alert events, newest first",
			doc: "By default only open events (the queue); status=all lists every status." + who,
			params: []param{
				{name: "status", typ: "string", enum: "alert_event_status_filter", doc: "open (default), promoted, dismissed or all."},
				{name: "severity", typ: "string", enum: "alert_severity", doc: "Only events of this severity."},
				{name: "format", typ: "string", enum: "alert_format", doc: "Only events of this format."},
			},
			list: true, status: http.StatusOK, resp: alertEventJSON{}, handle: h.listAlertEvents},
		{method: get, path: "/alert-events/{id}", op: "getAlertEvent", tag: queueTag, summary: "One alert event",
			doc: "With the incident a promotion would open (draft), prefilled from the event." + who, status: http.StatusOK, resp: alertEventDetailJSON{}, handle: h.getAlertEvent},
		{method: get, path: "/alert-events/{id}/alerts", op: "listAlertEventAlerts", tag: queueTag, summary: "The alerts of an event, newest first",
			doc: who, list: true, status: http.StatusOK, resp: alertJSON{}, handle: h.listAlertEventAlerts},
		{method: post, path: "/alert-events/{id}/promote", op: "promoteAlertEvent", tag: queueTag, summary: "Promote an open event to an incident (CSIRT, admins)",
			doc: "With incident_id, the event is attached to that incident; otherwise a new incident is opened from incident (fields left out are " +
				"taken from the event's draft). The observables of the event's alerts are added to the incident. The event leaves the open queue; " +
				"new alerts of its group open a new event. An event that is no longer open is 409.",
			body: alertPromoteJSON{}, optionalBody: true, status: http.StatusOK, resp: alertPromotedJSON{}, handle: h.promoteAlertEvent},
		{method: post, path: "/alert-events/{id}/dismiss", op: "dismissAlertEvent", tag: queueTag, summary: "Dismiss an open event as not an incident (CSIRT, admins)",
			doc:  "The reason is required and kept. An event that is no longer open is 409.",
			body: alertDismissJSON{}, status: http.StatusOK, resp: alertEventJSON{}, handle: h.dismissAlertEvent},

		{method: get, path: "/alerts", op: "listAlerts", tag: queueTag, summary: "Alerts, newest first",
			doc: "Every stored alert, suppressed ones included (suppressed_by set, no event). The raw payload is the sender's JSON, to be shown as text." + who,
			params: []param{
				{name: "event_id", typ: "uuid", doc: "Only the alerts of this event."},
				{name: "format", typ: "string", enum: "alert_format", doc: "Only alerts in this format."},
				{name: "fingerprint", typ: "string", doc: "Only the rows of this fingerprint."},
			},
			list: true, status: http.StatusOK, resp: alertJSON{}, handle: h.listAlerts},
		{method: get, path: "/alerts/{id}", op: "getAlert", tag: queueTag, summary: "One alert",
			doc: who, status: http.StatusOK, resp: alertJSON{}, handle: h.getAlert},

		{method: get, path: "/alert-senders", op: "listAlertSenders", tag: queueTag, summary: "The systems allowed to send alerts",
			doc:    "Tokens are never shown again after they are issued; token_hint tells them apart." + who,
			status: http.StatusOK, resp: []alertSenderJSON{}, handle: h.listAlertSenders},
		{method: post, path: "/alert-senders", op: "createAlertSender", tag: queueTag, summary: "Add an alert sender (admins)",
			doc:  "The response carries the sender's token; it is shown only this once and stored only as a SHA-256 hash.",
			body: alertSenderCreateJSON{}, status: http.StatusCreated, resp: alertSenderCreatedJSON{}, handle: h.createAlertSender},
		{method: get, path: "/alert-senders/{id}", op: "getAlertSender", tag: queueTag, summary: "One alert sender",
			doc: who, status: http.StatusOK, resp: alertSenderJSON{}, handle: h.getAlertSender},
		{method: patch, path: "/alert-senders/{id}", op: "updateAlertSender", tag: queueTag, summary: "Rename a sender or change its window (admins)",
			doc:  "JSON merge-patch (RFC 7396): fields left out stay as they are.",
			body: alertSenderPatchJSON{}, status: http.StatusOK, resp: alertSenderJSON{}, handle: h.updateAlertSender},
		{method: post, path: "/alert-senders/{id}/rotate", op: "rotateAlertSender", tag: queueTag, summary: "Issue a new token for a sender (admins)",
			doc:    "The old token stops working. The new one is shown only this once.",
			status: http.StatusOK, resp: alertSenderCreatedJSON{}, handle: h.rotateAlertSender},
		{method: post, path: "/alert-senders/{id}/disable", op: "disableAlertSender", tag: queueTag, summary: "Stop a sender's token (admins)",
			status: http.StatusOK, resp: alertSenderJSON{}, handle: h.setAlertSenderDisabled(true)},
		{method: post, path: "/alert-senders/{id}/enable", op: "enableAlertSender", tag: queueTag, summary: "Let a disabled sender send again (admins)",
			status: http.StatusOK, resp: alertSenderJSON{}, handle: h.setAlertSenderDisabled(false)},

		{method: get, path: "/alert-suppressions", op: "listAlertSuppressions", tag: queueTag, summary: "Suppression rules, newest first",
			doc: "With their hits: alerts they held back (stored, in no event)." + who, list: true, status: http.StatusOK, resp: alertSuppressionJSON{}, handle: h.listAlertSuppressions},
		{method: post, path: "/alert-suppressions", op: "createAlertSuppression", tag: queueTag, summary: "Add a suppression rule (CSIRT, admins)",
			doc: "At least one of format, rule, host and observable; rule and host may use * as a wildcard (host without case); observable is an exact value, " +
				"normalised like an incident's observables. The reason is required.",
			body: alertSuppressionCreateJSON{}, status: http.StatusCreated, resp: alertSuppressionJSON{}, handle: h.createAlertSuppression},
		{method: get, path: "/alert-suppressions/{id}", op: "getAlertSuppression", tag: queueTag, summary: "One suppression rule",
			doc: who, status: http.StatusOK, resp: alertSuppressionJSON{}, handle: h.getAlertSuppression},
		{method: post, path: "/alert-suppressions/{id}/disable", op: "disableAlertSuppression", tag: queueTag, summary: "Stop a suppression rule (CSIRT, admins)",
			doc: "It stays listed with its hits.", status: http.StatusOK, resp: alertSuppressionJSON{}, handle: h.disableAlertSuppression},
	}
}

// alertEventJSON is an event of the queue.
type alertEventJSON struct {
	ID          string     `json:"id" format:"uuid"`
	Number      string     `json:"number" doc:"e.g. EVT-2026-000123."`
	Title       string     `json:"title" doc:"Plain text from the sender; never HTML."`
	Format      string     `json:"format" enum:"alert_format"`
	Severity    string     `json:"severity" enum:"alert_severity" doc:"The highest of its alerts."`
	Status      string     `json:"status" enum:"alert_event_status"`
	Alerts      int64      `json:"alerts" doc:"Distinct alerts."`
	Occurrences int64      `json:"occurrences" doc:"Alerts including repeats."`
	FirstSeen   time.Time  `json:"first_seen"`
	LastSeen    time.Time  `json:"last_seen"`
	IncidentID  *string    `json:"incident_id" format:"uuid" doc:"Set when promoted."`
	DecidedBy   *string    `json:"decided_by" format:"uuid"`
	DecidedAt   *time.Time `json:"decided_at"`
	Reason      string     `json:"reason" doc:"Why it was dismissed, or the note of its promotion."`
	CreatedAt   time.Time  `json:"created_at"`
}

func toAlertEvent(e hikeshi.AlertEvent) alertEventJSON {
	return alertEventJSON{ID: e.ID, Number: e.Number, Title: e.Title, Format: string(e.Format), Severity: string(e.Severity), Status: string(e.Status),
		Alerts: e.Alerts, Occurrences: e.Occurrences, FirstSeen: e.FirstSeen.UTC(), LastSeen: e.LastSeen.UTC(), IncidentID: strPtr(e.IncidentID),
		DecidedBy: strPtr(e.DecidedBy), DecidedAt: timePtr(e.DecidedAt), Reason: e.Reason, CreatedAt: e.CreatedAt.UTC()}
}

// alertDraftJSON is the incident a promotion opens unless changed.
type alertDraftJSON struct {
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Category string `json:"category" doc:"An RSIT key guessed from the alerts; undetermined when nothing matched."`
	Impact   int    `json:"impact"`
	Urgency  int    `json:"urgency"`
	TLP      string `json:"tlp" enum:"tlp"`
}

// alertEventDetailJSON is an event with its draft.
type alertEventDetailJSON struct {
	alertEventJSON
	IncidentNumber string         `json:"incident_number,omitempty" doc:"The incident's number, when the caller may see it."`
	CanAct         bool           `json:"can_act" doc:"The caller may promote or dismiss it now."`
	Draft          alertDraftJSON `json:"draft"`
}

// alertObservableJSON is an observable of an alert.
type alertObservableJSON struct {
	Type  string `json:"type" enum:"observable_type"`
	Value string `json:"value"`
}

// alertJSON is a stored alert.
type alertJSON struct {
	ID           string                `json:"id" format:"uuid"`
	EventID      *string               `json:"event_id" format:"uuid" doc:"null when a suppression rule held it back."`
	SenderID     *string               `json:"sender_id" format:"uuid" doc:"null when a person's API token delivered it."`
	Format       string                `json:"format" enum:"alert_format"`
	Fingerprint  string                `json:"fingerprint"`
	Rule         string                `json:"rule"`
	Title        string                `json:"title" doc:"Plain text; never HTML."`
	Description  string                `json:"description"`
	Severity     string                `json:"severity" enum:"alert_severity"`
	Status       string                `json:"status" enum:"alert_status"`
	Host         string                `json:"host"`
	Observables  []alertObservableJSON `json:"observables"`
	Labels       map[string]string     `json:"labels"`
	Raw          string                `json:"raw" doc:"The sender's JSON for this alert, as received, as a string."`
	OccurredAt   time.Time             `json:"occurred_at"`
	FirstSeen    time.Time             `json:"first_seen"`
	LastSeen     time.Time             `json:"last_seen"`
	Count        int64                 `json:"count" doc:"Occurrences, repeats included."`
	SuppressedBy *string               `json:"suppressed_by" format:"uuid"`
}

func toAlert(a hikeshi.Alert) alertJSON {
	out := alertJSON{ID: a.ID, EventID: strPtr(a.EventID), SenderID: strPtr(a.SenderID), Format: string(a.Format), Fingerprint: a.Fingerprint,
		Rule: a.Rule, Title: a.Title, Description: a.Description, Severity: string(a.Severity), Status: string(a.Status), Host: a.Host,
		Observables: []alertObservableJSON{}, Labels: a.Labels, Raw: string(a.Raw), OccurredAt: a.OccurredAt.UTC(), FirstSeen: a.FirstSeen.UTC(),
		LastSeen: a.LastSeen.UTC(), Count: a.Count, SuppressedBy: strPtr(a.SuppressedBy)}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	for _, o := range a.Observables {
		out.Observables = append(out.Observables, alertObservableJSON{Type: string(o.Type), Value: o.Value})
	}
	return out
}

// alertPromoteJSON promotes an event.
type alertPromoteJSON struct {
	IncidentID *string                   `json:"incident_id,omitempty" format:"uuid" doc:"Attach the event to this incident instead of opening one."`
	Incident   *alertPromoteIncidentJSON `json:"incident,omitempty" doc:"The new incident; fields left out come from the event's draft."`
	Note       string                    `json:"note,omitempty" doc:"Kept with the event."`
}

type alertPromoteIncidentJSON struct {
	Title    *string `json:"title,omitempty"`
	Summary  *string `json:"summary,omitempty"`
	Category *string `json:"category,omitempty"`
	Impact   *int    `json:"impact,omitempty"`
	Urgency  *int    `json:"urgency,omitempty"`
	TLP      *string `json:"tlp,omitempty" enum:"tlp"`
	OwnerID  *string `json:"owner_id,omitempty" format:"uuid"`
}

// alertPromotedJSON is the result of a promotion.
type alertPromotedJSON struct {
	Event    alertEventJSON `json:"event"`
	Incident incidentJSON   `json:"incident"`
}

// alertDismissJSON dismisses an event.
type alertDismissJSON struct {
	Reason string `json:"reason" doc:"Required: why this is not an incident."`
}

func (h *Handler) listAlertEvents(c *call) error {
	p, err := c.page("alert-events", validID)
	if err != nil {
		return err
	}
	f := hikeshi.AlertEventFilter{Status: hikeshi.AlertEventStatus(c.param("status")), Severity: hikeshi.AlertSeverity(c.param("severity")),
		Format: hikeshi.AlertFormat(c.param("format"))}
	switch f.Status {
	case "":
		f.Status = hikeshi.EventOpen
	case "all":
		f.Status = ""
	}
	if f.Status != "" && !f.Status.Valid() {
		return fieldError("status", "unknown", "status must be one of open, promoted, dismissed, all.")
	}
	if f.Severity != "" && !f.Severity.Valid() {
		return fieldError("severity", "unknown", "severity must be one of critical, high, medium, low, info.")
	}
	if f.Format != "" && !f.Format.Valid() {
		return fieldError("format", "unknown", "format must be one of generic, alertmanager, suricata, wazuh, ecs.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.AlertEvent, error) {
		g := f
		g.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.AlertQueue.Events(c.ctx(), c.actor, g)
	}, func(e hikeshi.AlertEvent) string { return e.ID })
	if err != nil {
		return collectionErr(err)
	}
	out := make([]alertEventJSON, len(items))
	for i, e := range items {
		out[i] = toAlertEvent(e)
	}
	return writePage(c, "alert-events", out, next)
}

func (h *Handler) getAlertEvent(c *call) error {
	d, err := h.svc.AlertQueue.EventDetail(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.Page{Limit: 20})
	if err != nil {
		return err
	}
	out := alertEventDetailJSON{alertEventJSON: toAlertEvent(d.Event), CanAct: d.CanAct,
		Draft: alertDraftJSON{Title: d.Draft.Title, Summary: d.Draft.Summary, Category: d.Draft.Category, Impact: int(d.Draft.Impact),
			Urgency: int(d.Draft.Urgency), TLP: string(d.Draft.TLP)}}
	if d.Incident != nil {
		out.IncidentNumber = d.Incident.Number
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) alertPage(c *call, f hikeshi.AlertFilter) error {
	p, err := c.page("alerts", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Alert, error) {
		g := f
		g.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.AlertQueue.Alerts(c.ctx(), c.actor, g)
	}, func(a hikeshi.Alert) string { return a.ID })
	if err != nil {
		return collectionErr(err)
	}
	out := make([]alertJSON, len(items))
	for i, a := range items {
		out[i] = toAlert(a)
	}
	return writePage(c, "alerts", out, next)
}

// collectionErr answers a collection the caller may not read at all
// (managers and members: the service's ErrNotFound) with 403, as a
// collection itself always exists.
func collectionErr(err error) error {
	if errors.Is(err, hikeshi.ErrNotFound) {
		return fmt.Errorf("only the CSIRT, admins and auditors read alerts: %w", hikeshi.ErrForbidden)
	}
	return err
}

func (h *Handler) listAlertEventAlerts(c *call) error {
	id := c.r.PathValue("id")
	if _, err := h.svc.AlertQueue.Event(c.ctx(), c.actor, id); err != nil {
		return err
	}
	return h.alertPage(c, hikeshi.AlertFilter{EventID: id})
}

func (h *Handler) listAlerts(c *call) error {
	f := hikeshi.AlertFilter{EventID: c.param("event_id"), Format: hikeshi.AlertFormat(c.param("format")), Fingerprint: c.param("fingerprint")}
	if f.EventID != "" && !validID(f.EventID) {
		return fieldError("event_id", "invalid", "event_id must be a UUID.")
	}
	if f.Format != "" && !f.Format.Valid() {
		return fieldError("format", "unknown", "format must be one of generic, alertmanager, suricata, wazuh, ecs.")
	}
	if len(f.Fingerprint) > 512 {
		return fieldError("fingerprint", "too_long", "fingerprint is too long.")
	}
	return h.alertPage(c, f)
}

func (h *Handler) getAlert(c *call) error {
	a, err := h.svc.AlertQueue.Alert(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAlert(a))
}

func (h *Handler) promoteAlertEvent(c *call) error {
	var in alertPromoteJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	pi := service.PromoteInput{Note: in.Note}
	if in.IncidentID != nil && *in.IncidentID != "" {
		if !validID(*in.IncidentID) {
			return fieldError("incident_id", "invalid", "incident_id must be a UUID.")
		}
		pi.IncidentID = *in.IncidentID
	} else {
		d, err := h.svc.AlertQueue.EventDetail(c.ctx(), c.actor, id, hikeshi.Page{Limit: 20})
		if err != nil {
			return err
		}
		pi.Incident = d.Draft
		if x := in.Incident; x != nil {
			set := func(dst *string, v *string) {
				if v != nil {
					*dst = *v
				}
			}
			set(&pi.Incident.Title, x.Title)
			set(&pi.Incident.Summary, x.Summary)
			set(&pi.Incident.Category, x.Category)
			set(&pi.Incident.OwnerID, x.OwnerID)
			if x.TLP != nil {
				pi.Incident.TLP = hikeshi.TLP(*x.TLP)
			}
			if x.Impact != nil {
				pi.Incident.Impact = hikeshi.Level(*x.Impact)
			}
			if x.Urgency != nil {
				pi.Incident.Urgency = hikeshi.Level(*x.Urgency)
			}
		}
	}
	e, inc, err := h.svc.AlertQueue.Promote(c.ctx(), c.actor, id, pi)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, alertPromotedJSON{Event: toAlertEvent(e), Incident: toIncident(inc)})
}

func (h *Handler) dismissAlertEvent(c *call) error {
	var in alertDismissJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	e, err := h.svc.AlertQueue.Dismiss(c.ctx(), c.actor, c.r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAlertEvent(e))
}

// alertSenderJSON is a sender, without its token.
type alertSenderJSON struct {
	ID            string     `json:"id" format:"uuid"`
	Name          string     `json:"name"`
	Format        string     `json:"format" enum:"alert_format" doc:"The endpoint its token is for."`
	WebhookURL    string     `json:"webhook_url" doc:"Where the sender posts (empty when the server's base URL is not configured)."`
	TokenHint     string     `json:"token_hint" doc:"The token's last four characters."`
	WindowSeconds int64      `json:"window_seconds" doc:"De-duplication window: a repeat within it raises the stored alert's count."`
	Disabled      bool       `json:"disabled"`
	DisabledAt    *time.Time `json:"disabled_at"`
	LastAlertAt   *time.Time `json:"last_alert_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// alertSenderCreatedJSON carries the token, shown once.
type alertSenderCreatedJSON struct {
	alertSenderJSON
	Token string `json:"token" doc:"The secret token (Authorization: Bearer …), shown only this once."`
}

type alertSenderCreateJSON struct {
	Name          string `json:"name" doc:"One line, at most 100 characters; unique."`
	Format        string `json:"format" enum:"alert_format"`
	WindowSeconds int64  `json:"window_seconds,omitempty" doc:"60 to 7,776,000 (90 days); default 86,400."`
}

type alertSenderPatchJSON struct {
	Name          optional[string] `json:"name"`
	WindowSeconds optional[int64]  `json:"window_seconds"`
}

// AlertWebhookPath is the path a sender of format f posts to.
func AlertWebhookPath(f hikeshi.AlertFormat) string {
	if f == hikeshi.FormatGeneric {
		return Prefix + "/alerts"
	}
	return Prefix + "/alerts/" + string(f)
}

func (h *Handler) toAlertSender(s hikeshi.AlertSender) alertSenderJSON {
	out := alertSenderJSON{ID: s.ID, Name: s.Name, Format: string(s.Format), TokenHint: s.TokenHint, WindowSeconds: int64(s.Window / time.Second),
		Disabled: !s.DisabledAt.IsZero(), DisabledAt: timePtr(s.DisabledAt), LastAlertAt: timePtr(s.LastAlertAt), CreatedAt: s.CreatedAt.UTC()}
	if h.baseURL != "" {
		out.WebhookURL = h.baseURL + AlertWebhookPath(s.Format)
	}
	return out
}

func (h *Handler) listAlertSenders(c *call) error {
	ss, err := h.svc.AlertQueue.Senders(c.ctx(), c.actor)
	if err != nil {
		return collectionErr(err)
	}
	out := make([]alertSenderJSON, len(ss))
	for i, s := range ss {
		out[i] = h.toAlertSender(s)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getAlertSender(c *call) error {
	s, err := h.svc.AlertQueue.Sender(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, h.toAlertSender(s))
}

func (h *Handler) createAlertSender(c *call) error {
	var in alertSenderCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	s, token, err := h.svc.AlertQueue.CreateSender(c.ctx(), c.actor, service.SenderInput{Name: in.Name, Format: hikeshi.AlertFormat(in.Format),
		Window: windowOf(in.WindowSeconds)})
	if err != nil {
		return err
	}
	c.w.Header().Set("Cache-Control", "no-store")
	return c.created(Prefix+"/alert-senders/"+s.ID, alertSenderCreatedJSON{alertSenderJSON: h.toAlertSender(s), Token: token})
}

// windowOf converts seconds, clamping absurd values so that they stay out of
// range (and are refused) instead of overflowing.
func windowOf(secs int64) time.Duration {
	if secs < 0 || secs > int64(100*365*24*time.Hour/time.Second) {
		return -1
	}
	return time.Duration(secs) * time.Second
}

func (h *Handler) updateAlertSender(c *call) error {
	var in alertSenderPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	cur, err := h.svc.AlertQueue.Sender(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	name, window := cur.Name, cur.Window
	if in.Name.Set {
		name = in.Name.Value
	}
	if in.WindowSeconds.Set {
		window = windowOf(in.WindowSeconds.Value)
		if window == 0 {
			window = -1
		}
	}
	s, err := h.svc.AlertQueue.UpdateSender(c.ctx(), c.actor, id, name, window)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, h.toAlertSender(s))
}

func (h *Handler) rotateAlertSender(c *call) error {
	s, token, err := h.svc.AlertQueue.RotateSender(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	c.w.Header().Set("Cache-Control", "no-store")
	return c.json(http.StatusOK, alertSenderCreatedJSON{alertSenderJSON: h.toAlertSender(s), Token: token})
}

func (h *Handler) setAlertSenderDisabled(disabled bool) func(c *call) error {
	return func(c *call) error {
		s, err := h.svc.AlertQueue.DisableSender(c.ctx(), c.actor, c.r.PathValue("id"), disabled)
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, h.toAlertSender(s))
	}
}

// alertSuppressionJSON is a suppression rule.
type alertSuppressionJSON struct {
	ID         string     `json:"id" format:"uuid"`
	Name       string     `json:"name"`
	Format     string     `json:"format" enum:"alert_format_any" doc:"Empty = any format."`
	Rule       string     `json:"rule" doc:"Pattern on the alert's rule; * is a wildcard; empty = any."`
	Host       string     `json:"host" doc:"Pattern on the alert's host, without case; empty = any."`
	Observable string     `json:"observable" doc:"Exact canonical observable value; empty = any."`
	Reason     string     `json:"reason"`
	ExpiresAt  *time.Time `json:"expires_at" doc:"null = never."`
	Hits       int64      `json:"hits" doc:"Alerts it held back."`
	LastHitAt  *time.Time `json:"last_hit_at"`
	Disabled   bool       `json:"disabled"`
	DisabledAt *time.Time `json:"disabled_at"`
	CreatedBy  *string    `json:"created_by" format:"uuid"`
	CreatedAt  time.Time  `json:"created_at"`
}

func toAlertSuppression(r hikeshi.AlertSuppression) alertSuppressionJSON {
	return alertSuppressionJSON{ID: r.ID, Name: r.Name, Format: string(r.Format), Rule: r.Rule, Host: r.Host, Observable: r.Observable,
		Reason: r.Reason, ExpiresAt: timePtr(r.ExpiresAt), Hits: r.Hits, LastHitAt: timePtr(r.LastHitAt), Disabled: !r.DisabledAt.IsZero(),
		DisabledAt: timePtr(r.DisabledAt), CreatedBy: strPtr(r.CreatedBy), CreatedAt: r.CreatedAt.UTC()}
}

type alertSuppressionCreateJSON struct {
	Name       string     `json:"name"`
	Format     string     `json:"format,omitempty" enum:"alert_format_any"`
	Rule       string     `json:"rule,omitempty"`
	Host       string     `json:"host,omitempty"`
	Observable string     `json:"observable,omitempty"`
	Reason     string     `json:"reason"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

func (h *Handler) listAlertSuppressions(c *call) error {
	p, err := c.page("alert-suppressions", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.AlertSuppression, error) {
		return h.svc.AlertQueue.Suppressions(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(r hikeshi.AlertSuppression) string { return r.ID })
	if err != nil {
		return collectionErr(err)
	}
	out := make([]alertSuppressionJSON, len(items))
	for i, r := range items {
		out[i] = toAlertSuppression(r)
	}
	return writePage(c, "alert-suppressions", out, next)
}

func (h *Handler) getAlertSuppression(c *call) error {
	r, err := h.svc.AlertQueue.Suppression(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAlertSuppression(r))
}

func (h *Handler) createAlertSuppression(c *call) error {
	var in alertSuppressionCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.SuppressionInput{Name: in.Name, Format: hikeshi.AlertFormat(strings.TrimSpace(in.Format)), Rule: in.Rule, Host: in.Host,
		Observable: in.Observable, Reason: in.Reason}
	if in.ExpiresAt != nil {
		si.ExpiresAt = in.ExpiresAt.UTC()
	}
	r, err := h.svc.AlertQueue.CreateSuppression(c.ctx(), c.actor, si)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/alert-suppressions/"+r.ID, toAlertSuppression(r))
}

func (h *Handler) disableAlertSuppression(c *call) error {
	r, err := h.svc.AlertQueue.DisableSuppression(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAlertSuppression(r))
}
