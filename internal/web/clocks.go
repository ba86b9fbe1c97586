package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of service-level and regulatory clocks, the list of everything due and in-app notifications (IH-6).

const (
	duePageSize           = 50
	notificationsPageSize = 50
	// formTimeLayout is the value of an <input type="datetime-local">.
	formTimeLayout = "2006-01-02T15:04"
)

// registerClocks mounts the area's pages.
func (h *Handler) registerClocks(handle handleFunc) {
	handle("POST /incidents/{id}/facts", signedIn, h.incidentFacts)
	handle("POST /incidents/{id}/clocks/{clockID}/done", signedIn, h.incidentClockDone)
	handle("GET /due", signedIn, h.dueList)
	handle("GET /notifications", signedIn, h.notificationList)
	handle("POST /notifications/read-all", signedIn, h.notificationsReadAll)
	handle("POST /notifications/{id}/read", signedIn, h.notificationRead)
	handle("GET /clocks/settings", signedIn, h.clockSettings)
	handle("POST /clocks/settings", signedIn, h.clockSettingsUpdate)
}

// incidentClocksSection is what the incident page shows of the area.
type incidentClocksSection struct {
	Clocks    []service.ClockView
	Facts     hikeshi.IncidentFacts
	CanHandle bool
	// The facts form's values.
	Form    service.FactsInput
	AwareAt string
	// The done form shown again: which clock, and what was typed.
	DoneClockID string
	NotifiedAt  string
	Reference   string
}

// loadIncidentClocks fills the area's section of the incident page.
func (h *Handler) loadIncidentClocks(r *http.Request, v *incidentView) error {
	ic, err := h.svc.Clocks.ForIncident(r.Context(), h.stateOf(r).actor(), v.D.Incident.ID)
	if err != nil {
		return err
	}
	f := ic.Facts
	v.Clocks = incidentClocksSection{Clocks: ic.Clocks, Facts: f, CanHandle: ic.CanHandle,
		Form: service.FactsInput{PersonalData: f.PersonalData, Malicious: f.Malicious, GDPR: f.GDPR, NIS2: f.NIS2}}
	if !f.AwareAt.IsZero() {
		v.Clocks.AwareAt = f.AwareAt.In(h.loc).Format(formTimeLayout)
	}
	return nil
}

// ClockName is the localised name of a clock kind.
func (p *page) ClockName(k hikeshi.ClockKind) string { return p.T("clocks.kind." + string(k)) }

// ClockState is the localised name of a clock state.
func (p *page) ClockState(s hikeshi.ClockState) string { return p.T("clocks.state." + string(s)) }

// ClockBadge is the badge class of a clock state.
func (p *page) ClockBadge(s hikeshi.ClockState) string {
	switch s {
	case hikeshi.ClockOverdue, hikeshi.ClockMissed:
		return "badge badge-danger"
	case hikeshi.ClockMet:
		return "badge badge-ok"
	case hikeshi.ClockRunning:
		return "badge badge-warn"
	}
	return "badge badge-muted"
}

// Span writes a duration in days, hours and minutes in the page's language.
func (p *page) Span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	sep := " "
	if p.Lang == hikeshi.LocaleJA {
		sep = ""
	}
	var parts []string
	if days > 0 {
		parts = append(parts, p.T("clocks.dur.days", days))
	}
	if hours > 0 {
		parts = append(parts, p.T("clocks.dur.hours", hours))
	}
	if mins > 0 || len(parts) == 0 {
		parts = append(parts, p.T("clocks.dur.minutes", mins))
	}
	return strings.Join(parts, sep)
}

// Remaining says how long is left until a running clock is due, or how long
// it is overdue; a stopped clock shows a dash.
func (p *page) Remaining(c service.ClockView) string {
	switch c.State {
	case hikeshi.ClockRunning:
		return p.T("clocks.left", p.Span(c.Remaining))
	case hikeshi.ClockOverdue:
		return p.T("clocks.overdue_by", p.Span(c.Remaining))
	}
	return "—"
}

// clockErrorCodes are the field error codes this area words itself.
var clockErrorCodes = map[string]bool{"in_future": true, "too_old": true, "invalid_time": true, "requires_personal_data": true,
	"before_start": true, "out_of_range": true, "after_containment": true}

// clockFormErrors localises field errors, with this area's own wording for its codes.
func (h *Handler) clockFormErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		if clockErrorCodes[f.Code] {
			msgs[f.Field] = p.T("clocks.error." + f.Code)
		}
		if f.Code == "taken" && f.Field == "clock_id" {
			msgs[f.Field] = p.T("clocks.error.already_done")
		}
	}
	return msgs, true
}

// parseFormTime reads a datetime-local value in the UI's time zone; empty
// is the zero time.
func (h *Handler) parseFormTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{formTimeLayout, formTimeLayout + ":05"} {
		if t, err := time.ParseInLocation(layout, s, h.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, hikeshi.Invalid(field, "invalid_time", "not a date and time like 2026-04-01T09:30")
}

func (h *Handler) incidentFacts(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := service.FactsInput{PersonalData: formValue(r, "personal_data") != "", Malicious: formValue(r, "malicious") != "",
		GDPR: formValue(r, "gdpr") != "", NIS2: formValue(r, "nis2") != ""}
	awareText := formValue(r, "aware_at")
	aware, err := h.parseFormTime("aware_at", awareText)
	if err == nil {
		in.AwareAt = aware
		_, err = h.svc.Clocks.SetFacts(r.Context(), h.stateOf(r).actor(), id, in)
	}
	if msgs, ok := h.clockFormErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Clocks.Form, v.Clocks.AwareAt, v.Errors, v.Alert = in, awareText, msgs, v.T("clocks.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#clocks")
}

func (h *Handler) incidentClockDone(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id, clockID := r.PathValue("id"), r.PathValue("clockID")
	atText, ref := formValue(r, "notified_at"), formValue(r, "reference")
	at, err := h.parseFormTime("notified_at", atText)
	if err == nil {
		_, err = h.svc.Clocks.RecordDone(r.Context(), h.stateOf(r).actor(), id, clockID, service.DoneInput{NotifiedAt: at, Reference: ref})
	}
	if msgs, ok := h.clockFormErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Clocks.DoneClockID, v.Clocks.NotifiedAt, v.Clocks.Reference = clockID, atText, ref
			v.Errors, v.Alert = msgs, v.T("clocks.fix_errors")
			if m, ok := msgs["clock_id"]; ok {
				v.Alert = m
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#clocks")
}

// dueView is one page of everything due.
type dueView struct {
	page
	Items       []service.DueItem
	NextURL     string
	FirstURL    string
	CanSettings bool // may change the service-level targets
}

func (h *Handler) dueList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	if !a.CanListIncidents() {
		return userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	after := r.URL.Query().Get("after")
	if len(after) > 128 {
		after = ""
	}
	items, err := h.svc.Clocks.Due(r.Context(), a, after, duePageSize+1)
	if errors.Is(err, hikeshi.ErrInvalid) {
		after = ""
		items, err = h.svc.Clocks.Due(r.Context(), a, "", duePageSize+1)
	}
	if err != nil {
		return err
	}
	v := &dueView{CanSettings: a.CanHandleIncidents()}
	v.Active = "due"
	if len(items) > duePageSize {
		items = items[:duePageSize]
		v.NextURL = "/due?" + url.Values{"after": {service.DueCursor(items[len(items)-1].Clock)}}.Encode()
	}
	if after != "" {
		v.FirstURL = "/due"
	}
	v.Items = items
	h.fill(r, &v.page)
	v.Title = v.T("clocks.due.title")
	return h.render(w, r, http.StatusOK, "due", v)
}

// notificationsView is one page of the user's notifications.
type notificationsView struct {
	page
	Items     []service.NotificationView
	OlderURL  string
	NewestURL string
	Unread    int
}

// NotificationText is a notification in the reader's language; one about an
// incident the reader can no longer see says so without its number.
func (p *page) NotificationText(n service.NotificationView) string {
	if !n.Visible {
		return p.T("clocks.notification.hidden")
	}
	return p.T(n.TextKey, n.Number, p.ClockName(n.ClockKind))
}

func (h *Handler) notificationList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	items, err := h.svc.Clocks.Notifications(r.Context(), a, hikeshi.Page{After: after, Limit: notificationsPageSize + 1}, false)
	if err != nil {
		return err
	}
	v := &notificationsView{}
	v.Active = "notifications"
	if len(items) > notificationsPageSize {
		items = items[:notificationsPageSize]
		v.OlderURL = "/notifications?" + url.Values{"after": {items[len(items)-1].ID}}.Encode()
	}
	if after != "" {
		v.NewestURL = "/notifications"
	}
	v.Items = items
	if v.Unread, err = h.svc.Clocks.UnreadCount(r.Context(), a); err != nil {
		return err
	}
	h.fill(r, &v.page)
	v.Title = v.T("clocks.notifications.title")
	return h.render(w, r, http.StatusOK, "notifications", v)
}

func (h *Handler) notificationRead(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	if err := h.svc.Clocks.MarkRead(r.Context(), h.stateOf(r).actor(), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/notifications")
}

func (h *Handler) notificationsReadAll(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	if _, err := h.svc.Clocks.MarkAllRead(r.Context(), h.stateOf(r).actor()); err != nil {
		return err
	}
	return redirect(w, r, "/notifications")
}

// clockSettingsView is the form of the service-level targets, in minutes.
type clockSettingsView struct {
	page
	Rows []targetRow
}

// targetRow is one priority's targets as the form shows them.
type targetRow struct {
	Priority                           int
	Triage, FirstResponse, Containment string
}

// Fields lists the row's inputs with their names.
func (t targetRow) Fields() []targetField {
	p := fmt.Sprintf("p%d.", t.Priority)
	return []targetField{{p + "triage", "sla_triage", t.Triage}, {p + "first_response", "sla_first_response", t.FirstResponse},
		{p + "containment", "sla_containment", t.Containment}}
}

// targetField is one input of the targets form.
type targetField struct {
	Name  string
	Kind  hikeshi.ClockKind
	Value string
}

func rowsOf(t hikeshi.ClockTargets) []targetRow {
	m := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) }
	rows := make([]targetRow, len(t))
	for i, s := range t {
		rows[i] = targetRow{Priority: i + 1, Triage: m(s.Triage), FirstResponse: m(s.FirstResponse), Containment: m(s.Containment)}
	}
	return rows
}

func (h *Handler) renderClockSettings(w http.ResponseWriter, r *http.Request, status int, adjust func(v *clockSettingsView)) error {
	a := h.stateOf(r).actor()
	if !a.CanHandleIncidents() {
		return userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	t, err := h.svc.Clocks.Targets(r.Context(), a)
	if err != nil {
		return err
	}
	v := &clockSettingsView{Rows: rowsOf(t)}
	v.Active = "due"
	h.fill(r, &v.page)
	v.Title = v.T("clocks.settings.title")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "clocks_settings", v)
}

func (h *Handler) clockSettings(w http.ResponseWriter, r *http.Request) error {
	return h.renderClockSettings(w, r, http.StatusOK, func(v *clockSettingsView) {
		if r.URL.Query().Get("saved") != "" {
			v.Notice = v.T("clocks.settings.saved")
		}
	})
}

func (h *Handler) clockSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	var t hikeshi.ClockTargets
	var typed []targetRow
	var v hikeshi.ValidationError
	for i := range t {
		row := targetRow{Priority: i + 1}
		read := func(name string, dst *string, d *time.Duration) {
			*dst = strings.TrimSpace(formValue(r, fmt.Sprintf("p%d.%s", i+1, name)))
			n, err := strconv.ParseInt(*dst, 10, 64)
			if err != nil || n < 1 || n > int64(hikeshi.MaxSLATarget/time.Minute) {
				v.Add(fmt.Sprintf("p%d.%s", i+1, name), "out_of_range", "minutes between 1 and 525600")
				return
			}
			*d = time.Duration(n) * time.Minute
		}
		read("triage", &row.Triage, &t[i].Triage)
		read("first_response", &row.FirstResponse, &t[i].FirstResponse)
		read("containment", &row.Containment, &t[i].Containment)
		typed = append(typed, row)
	}
	err := v.Err()
	if err == nil {
		err = h.svc.Clocks.SetTargets(r.Context(), h.stateOf(r).actor(), t)
	}
	if msgs, ok := h.clockFormErrors(r, err); ok {
		return h.renderClockSettings(w, r, statusOf(err), func(cv *clockSettingsView) {
			cv.Rows, cv.Errors, cv.Alert = typed, msgs, cv.T("clocks.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/clocks/settings?saved=1")
}
