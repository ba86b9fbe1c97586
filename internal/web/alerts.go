package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the CSIRT's side of alerts from machines (IH-3): the queue
// of events (/alerts), an event with its alerts where it is promoted to an
// incident, attached to one or dismissed (/alerts/events/{id}), the alert
// senders with their tokens and webhook addresses (/alerts/senders), and the
// suppression rules (/alerts/suppressions). The service decides who sees
// what: admins and the CSIRT act, auditors read, others get 404.

const (
	alertEventsPageSize = 50
	alertsPerEventPage  = 50
)

// registerAlerts mounts the alert queue's pages (IH-3).
func (h *Handler) registerAlerts(handle handleFunc) {
	handle("GET /alerts", signedIn, h.alertEventList)
	handle("GET /alerts/events/{id}", signedIn, h.alertEventShow)
	handle("POST /alerts/events/{id}/promote", signedIn, h.alertEventPromote)
	handle("POST /alerts/events/{id}/attach", signedIn, h.alertEventAttach)
	handle("POST /alerts/events/{id}/dismiss", signedIn, h.alertEventDismiss)
	handle("GET /alerts/senders", signedIn, h.alertSenderList)
	handle("POST /alerts/senders", signedIn, h.alertSenderCreate)
	handle("POST /alerts/senders/{id}/rotate", signedIn, h.alertSenderRotate)
	handle("POST /alerts/senders/{id}/disable", signedIn, h.alertSenderDisable(true))
	handle("POST /alerts/senders/{id}/enable", signedIn, h.alertSenderDisable(false))
	handle("GET /alerts/suppressions", signedIn, h.alertSuppressionList)
	handle("POST /alerts/suppressions", signedIn, h.alertSuppressionCreate)
	handle("POST /alerts/suppressions/{id}/disable", signedIn, h.alertSuppressionDisable)
}

// SeverityName is the localised name of an alert severity.
func (p *page) SeverityName(s hikeshi.AlertSeverity) string {
	return p.T("alerts.severity." + string(s))
}

// SeverityClass is the badge class of an alert severity.
func (p *page) SeverityClass(s hikeshi.AlertSeverity) string {
	switch s {
	case hikeshi.SeverityCritical:
		return "badge badge-danger"
	case hikeshi.SeverityHigh:
		return "badge badge-warn"
	case hikeshi.SeverityMedium:
		return "badge badge-in"
	}
	return "badge badge-muted"
}

// EventStatusName is the localised name of an event's status.
func (p *page) EventStatusName(s hikeshi.AlertEventStatus) string {
	return p.T("alerts.status." + string(s))
}

// EventStatusClass is the badge class of an event's status.
func (p *page) EventStatusClass(s hikeshi.AlertEventStatus) string {
	switch s {
	case hikeshi.EventOpen:
		return "badge badge-new"
	case hikeshi.EventPromoted:
		return "badge badge-ok"
	}
	return "badge badge-closed"
}

// FormatName is the display name of an alert format.
func (p *page) FormatName(f hikeshi.AlertFormat) string {
	switch f {
	case "":
		return p.T("alerts.format.any")
	case hikeshi.FormatGeneric:
		return p.T("alerts.format.generic")
	}
	if n, ok := alertFormatNames[f]; ok {
		return n
	}
	return string(f)
}

// alertFormatNames are the senders' product names, the same in every language.
var alertFormatNames = map[hikeshi.AlertFormat]string{hikeshi.FormatAlertmanager: "Prometheus Alertmanager",
	hikeshi.FormatSuricata: "Suricata EVE", hikeshi.FormatWazuh: "Wazuh", hikeshi.FormatECS: "Elastic (ECS)"}

// WindowText is a de-duplication window for people.
func (p *page) WindowText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return p.T("alerts.window.days", int(d/(24*time.Hour)))
	case d%time.Hour == 0:
		return p.T("alerts.window.hours", int(d/time.Hour))
	}
	return p.T("alerts.window.minutes", int(d/time.Minute))
}

// alertEventListView is one page of the queue.
type alertEventListView struct {
	page
	Events     []hikeshi.AlertEvent
	Statuses   []hikeshi.AlertEventStatus
	Severities []hikeshi.AlertSeverity
	Formats    []hikeshi.AlertFormat
	Status     string // "" = open, "all", or a status
	Severity   string
	Format     string
	OlderURL   string
	NewestURL  string
}

func (h *Handler) alertEventList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	v := &alertEventListView{Statuses: hikeshi.AlertEventStatuses, Severities: hikeshi.AlertSeverities, Formats: hikeshi.AlertFormats,
		Status: q.Get("status"), Severity: q.Get("severity"), Format: q.Get("format")}
	v.Active = "alerts"
	h.fill(r, &v.page)
	v.Title = v.T("title.alerts_events")
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	if v.Status != "all" && !hikeshi.AlertEventStatus(v.Status).Valid() {
		v.Status = ""
	}
	if !hikeshi.AlertSeverity(v.Severity).Valid() {
		v.Severity = ""
	}
	if !hikeshi.AlertFormat(v.Format).Valid() {
		v.Format = ""
	}
	f := hikeshi.AlertEventFilter{Status: hikeshi.EventOpen, Severity: hikeshi.AlertSeverity(v.Severity), Format: hikeshi.AlertFormat(v.Format),
		Page: hikeshi.Page{After: after, Limit: alertEventsPageSize + 1}}
	switch v.Status {
	case "all":
		f.Status = ""
	case "":
	default:
		f.Status = hikeshi.AlertEventStatus(v.Status)
	}
	list, err := h.svc.AlertQueue.Events(r.Context(), a, f)
	if err != nil {
		return err
	}
	filter := url.Values{}
	for k, val := range map[string]string{"status": v.Status, "severity": v.Severity, "format": v.Format} {
		if val != "" {
			filter.Set(k, val)
		}
	}
	if len(list) > alertEventsPageSize {
		list = list[:alertEventsPageSize]
		older := url.Values{"after": {list[len(list)-1].ID}}
		for k := range filter {
			older.Set(k, filter.Get(k))
		}
		v.OlderURL = "/alerts?" + older.Encode()
	}
	if after != "" {
		v.NewestURL = "/alerts"
		if len(filter) > 0 {
			v.NewestURL += "?" + filter.Encode()
		}
	}
	v.Events = list
	return h.render(w, r, http.StatusOK, "alerts_events", v)
}

// alertEventView is an event's page.
type alertEventView struct {
	page
	D         service.AlertEventDetail
	In        service.IncidentInput // the promotion form
	Note      string
	Reason    string
	Attach    string // the chosen incident of the attach form
	Incidents []hikeshi.Incident
	RSIT      []hikeshi.RSITClass
	TLPs      []hikeshi.TLP
	OlderURL  string
	Form      string // which form the errors belong to: promote, attach or dismiss
}

// Levels are the choices of impact and urgency, highest first.
func (v *alertEventView) Levels() []hikeshi.Level { return []hikeshi.Level{1, 2, 3, 4} }

// RawText is an alert's raw payload, indented when it is JSON, as text.
func (v *alertEventView) RawText(raw json.RawMessage) string {
	var b bytes.Buffer
	if len(raw) < 256<<10 && json.Indent(&b, raw, "", "  ") == nil {
		return b.String()
	}
	return string(raw)
}

// LabelKeys lists an alert's labels in order.
func (v *alertEventView) LabelKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (h *Handler) renderAlertEvent(w http.ResponseWriter, r *http.Request, status int, id string, alter func(*alertEventView)) error {
	a := h.stateOf(r).actor()
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	d, err := h.svc.AlertQueue.EventDetail(r.Context(), a, id, hikeshi.Page{After: after, Limit: alertsPerEventPage})
	if err != nil {
		return err
	}
	v := &alertEventView{D: d, In: d.Draft, TLPs: hikeshi.TLPs}
	v.Active = "alerts"
	h.fill(r, &v.page)
	v.Title = v.T("title.alerts_event", d.Event.Number)
	if d.More && len(d.Alerts) > 0 {
		v.OlderURL = "/alerts/events/" + url.PathEscape(id) + "?after=" + url.QueryEscape(d.Alerts[len(d.Alerts)-1].ID)
	}
	if d.CanAct {
		tax, err := h.svc.Triage.TaxonomyFor(r.Context())
		if err != nil {
			return err
		}
		v.RSIT = categoryChoices(tax, d.Draft.Category)
		incs, err := h.svc.Incidents.List(r.Context(), a, hikeshi.IncidentFilter{Page: hikeshi.Page{Limit: 100}})
		if err != nil {
			return err
		}
		for _, i := range incs {
			if i.Phase != hikeshi.PhaseClosed {
				v.Incidents = append(v.Incidents, i)
			}
		}
	}
	if alter != nil {
		alter(v)
		if v.RSIT != nil {
			tax, err := h.svc.Triage.TaxonomyFor(r.Context())
			if err != nil {
				return err
			}
			v.RSIT = categoryChoices(tax, v.In.Category)
		}
	}
	return h.render(w, r, status, "alerts_event", v)
}

func (h *Handler) alertEventShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderAlertEvent(w, r, http.StatusOK, r.PathValue("id"), func(v *alertEventView) {
		h.notice(r, &v.page, "alerts")
	})
}

// decided answers a decision: back to the event, or the form again with
// what was typed and why it was refused.
func (h *Handler) decided(w http.ResponseWriter, r *http.Request, id, form, done string, err error, keep func(*alertEventView)) error {
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderAlertEvent(w, r, statusOf(err), id, func(v *alertEventView) {
			keep(v)
			v.Errors, v.Form = msgs, form
			v.Alert = v.T("alerts.fix_errors")
		})
	}
	switch {
	case errors.Is(err, hikeshi.ErrConflict):
		return h.renderAlertEvent(w, r, http.StatusConflict, id, func(v *alertEventView) { v.Alert = v.T("alerts.refused.decided") })
	case errors.Is(err, hikeshi.ErrForbidden):
		return userError(http.StatusForbidden, "error.forbidden", err)
	case err != nil:
		return err
	}
	return redirect(w, r, "/alerts/events/"+url.PathEscape(id)+"?n="+done)
}

func (h *Handler) alertEventPromote(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := service.IncidentInput{Title: trimmed(r, "title"), Summary: formValue(r, "summary"), Category: trimmed(r, "category"),
		TLP: hikeshi.TLP(trimmed(r, "tlp")), OwnerID: trimmed(r, "owner_id")}
	imp, _ := strconv.Atoi(trimmed(r, "impact"))
	urg, _ := strconv.Atoi(trimmed(r, "urgency"))
	in.Impact, in.Urgency = hikeshi.Level(imp), hikeshi.Level(urg)
	note := formValue(r, "note")
	_, _, err := h.svc.AlertQueue.Promote(r.Context(), h.stateOf(r).actor(), id, service.PromoteInput{Incident: in, Note: note})
	return h.decided(w, r, id, "promote", "promoted", err, func(v *alertEventView) { v.In, v.Note = in, note })
}

func (h *Handler) alertEventAttach(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	inc, note := trimmed(r, "incident_id"), formValue(r, "note")
	var err error
	if inc == "" {
		err = hikeshi.Invalid("incident_id", "required", "choose an incident")
	} else {
		_, _, err = h.svc.AlertQueue.Promote(r.Context(), h.stateOf(r).actor(), id, service.PromoteInput{IncidentID: inc, Note: note})
	}
	return h.decided(w, r, id, "attach", "promoted", err, func(v *alertEventView) { v.Attach, v.Note = inc, note })
}

func (h *Handler) alertEventDismiss(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	reason := formValue(r, "reason")
	_, err := h.svc.AlertQueue.Dismiss(r.Context(), h.stateOf(r).actor(), id, reason)
	return h.decided(w, r, id, "dismiss", "dismissed", err, func(v *alertEventView) { v.Reason = reason })
}

// alertSenderListView is the senders' page.
type alertSenderListView struct {
	page
	Senders   []hikeshi.AlertSender
	Formats   []hikeshi.AlertFormat
	CanManage bool
	BaseURL   string
	// The form, as typed.
	Name   string
	Format string
	Window string
	// A token just issued, shown this once, and its sender.
	Token  string
	Issued hikeshi.AlertSender
}

// WebhookURL is where a sender of format f posts.
func (v *alertSenderListView) WebhookURL(f hikeshi.AlertFormat) string {
	if f == hikeshi.FormatGeneric {
		return v.BaseURL + "/api/v1/alerts"
	}
	return v.BaseURL + "/api/v1/alerts/" + string(f)
}

// AlertmanagerConfig is a receiver for Alertmanager's configuration that
// posts to Hikeshi with the token (or a placeholder).
func (v *alertSenderListView) AlertmanagerConfig(token string) string {
	if token == "" {
		token = "<TOKEN>"
	}
	return "receivers:\n" +
		"  - name: hikeshi\n" +
		"    webhook_configs:\n" +
		"      - url: " + v.WebhookURL(hikeshi.FormatAlertmanager) + "\n" +
		"        send_resolved: true\n" +
		"        http_config:\n" +
		"          authorization:\n" +
		"            type: Bearer\n" +
		"            credentials: " + token + "\n"
}

func (h *Handler) renderAlertSenders(w http.ResponseWriter, r *http.Request, status int, alter func(*alertSenderListView)) error {
	a := h.stateOf(r).actor()
	ss, err := h.svc.AlertQueue.Senders(r.Context(), a)
	if err != nil {
		return err
	}
	v := &alertSenderListView{Senders: ss, Formats: hikeshi.AlertFormats, CanManage: service.CanManageAlertSenders(a), BaseURL: h.baseURL(r),
		Format: string(hikeshi.FormatGeneric), Window: "24h"}
	v.Active = "alerts"
	h.fill(r, &v.page)
	v.Title = v.T("title.alerts_senders")
	if alter != nil {
		alter(v)
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, status, "alerts_senders", v)
}

func (h *Handler) alertSenderList(w http.ResponseWriter, r *http.Request) error {
	return h.renderAlertSenders(w, r, http.StatusOK, func(v *alertSenderListView) {
		h.notice(r, &v.page, "alerts")
	})
}

// parseWindow reads a window typed as 90m, 12h or 7d (a number alone is hours).
func parseWindow(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, true
	}
	unit := time.Hour
	switch {
	case strings.HasSuffix(s, "d"):
		unit, s = 24*time.Hour, strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "h"):
		s = strings.TrimSuffix(s, "h")
	case strings.HasSuffix(s, "m"):
		unit, s = time.Minute, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > 1000000 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

func (h *Handler) alertSenderCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	name, format, window := formValue(r, "name"), trimmed(r, "format"), trimmed(r, "window")
	keep := func(v *alertSenderListView) { v.Name, v.Format, v.Window = name, format, window }
	win, ok := parseWindow(window)
	var (
		s     hikeshi.AlertSender
		token string
		err   error
	)
	if !ok {
		err = hikeshi.Invalid("window", "invalid", "the window is a number of minutes (m), hours (h) or days (d)")
	} else {
		s, token, err = h.svc.AlertQueue.CreateSender(r.Context(), h.stateOf(r).actor(), service.SenderInput{Name: name,
			Format: hikeshi.AlertFormat(format), Window: win})
	}
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderAlertSenders(w, r, statusOf(err), func(v *alertSenderListView) {
			keep(v)
			v.Errors, v.Alert = msgs, v.T("alerts.fix_errors")
		})
	}
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	// The token is shown on this answer only: no redirect, no cache.
	return h.renderAlertSenders(w, r, http.StatusCreated, func(v *alertSenderListView) {
		v.Token, v.Issued, v.Notice = token, s, v.T("alerts.notice.sender_created")
	})
}

func (h *Handler) alertSenderRotate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	s, token, err := h.svc.AlertQueue.RotateSender(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return h.renderAlertSenders(w, r, http.StatusOK, func(v *alertSenderListView) {
		v.Token, v.Issued, v.Notice = token, s, v.T("alerts.notice.sender_rotated")
	})
}

func (h *Handler) alertSenderDisable(disabled bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		_, err := h.svc.AlertQueue.DisableSender(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), disabled)
		if errors.Is(err, hikeshi.ErrForbidden) {
			return userError(http.StatusForbidden, "error.forbidden", err)
		}
		if err != nil {
			return err
		}
		if disabled {
			return redirect(w, r, "/alerts/senders?n=sender_disabled")
		}
		return redirect(w, r, "/alerts/senders?n=sender_enabled")
	}
}

// alertSuppressionListView is the suppression rules' page.
type alertSuppressionListView struct {
	page
	Rules     []hikeshi.AlertSuppression
	Formats   []hikeshi.AlertFormat
	CanAct    bool
	In        service.SuppressionInput
	Expires   string // as typed (YYYY-MM-DD)
	OlderURL  string
	NewestURL string
	Now       time.Time
}

// Expired reports whether a rule's expiry has passed.
func (v *alertSuppressionListView) Expired(r hikeshi.AlertSuppression) bool {
	return !r.ExpiresAt.IsZero() && !v.Now.Before(r.ExpiresAt)
}

func (h *Handler) renderAlertSuppressions(w http.ResponseWriter, r *http.Request, status int, alter func(*alertSuppressionListView)) error {
	a := h.stateOf(r).actor()
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	rules, err := h.svc.AlertQueue.Suppressions(r.Context(), a, hikeshi.Page{After: after, Limit: alertEventsPageSize + 1})
	if err != nil {
		return err
	}
	v := &alertSuppressionListView{Formats: hikeshi.AlertFormats, CanAct: service.CanActOnAlerts(a), Now: h.clock.Now()}
	if len(rules) > alertEventsPageSize {
		rules = rules[:alertEventsPageSize]
		v.OlderURL = "/alerts/suppressions?after=" + url.QueryEscape(rules[len(rules)-1].ID)
	}
	if after != "" {
		v.NewestURL = "/alerts/suppressions"
	}
	v.Rules = rules
	v.Active = "alerts"
	h.fill(r, &v.page)
	v.Title = v.T("title.alerts_suppressions")
	if alter != nil {
		alter(v)
	}
	return h.render(w, r, status, "alerts_suppressions", v)
}

func (h *Handler) alertSuppressionList(w http.ResponseWriter, r *http.Request) error {
	return h.renderAlertSuppressions(w, r, http.StatusOK, func(v *alertSuppressionListView) {
		h.notice(r, &v.page, "alerts")
	})
}

func (h *Handler) alertSuppressionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := service.SuppressionInput{Name: formValue(r, "name"), Format: hikeshi.AlertFormat(trimmed(r, "format")), Rule: formValue(r, "rule"),
		Host: formValue(r, "host"), Observable: formValue(r, "observable"), Reason: formValue(r, "reason")}
	expires := trimmed(r, "expires_at")
	var err error
	if expires != "" {
		d, perr := time.ParseInLocation("2006-01-02", expires, h.loc)
		if perr != nil {
			err = hikeshi.Invalid("expires_at", "invalid", "the expiry is a date, YYYY-MM-DD")
		} else {
			in.ExpiresAt = d.AddDate(0, 0, 1).UTC() // the end of that day in the UI's time zone
		}
	}
	if err == nil {
		_, err = h.svc.AlertQueue.CreateSuppression(r.Context(), h.stateOf(r).actor(), in)
	}
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderAlertSuppressions(w, r, statusOf(err), func(v *alertSuppressionListView) {
			v.In, v.Expires, v.Errors, v.Alert = in, expires, msgs, v.T("alerts.fix_errors")
		})
	}
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/alerts/suppressions?n=rule_created")
}

func (h *Handler) alertSuppressionDisable(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	_, err := h.svc.AlertQueue.DisableSuppression(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/alerts/suppressions?n=rule_disabled")
}
