package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// AlertQueue is the CSIRT's side of alert intake (IH-3): the queue of events,
// promoting and dismissing them, alert senders and suppression rules.
//
// Alerts are CSIRT work: admins and the CSIRT read and act, auditors read,
// managers and members see nothing (every read is ErrNotFound for them).
// Senders are managed by admins only; suppression rules by the CSIRT and
// admins.
type AlertQueue struct {
	base
	// intake, when set, forgets its cached senders after a sender changes, so
	// that a disabled or rotated token stops working at once (otherwise
	// within the intake's cache time).
	intake *AlertIntake
}

// incidents is the incident service the queue opens and attaches incidents
// through, with the clocks observing every new incident as in Services.
func (s *AlertQueue) incidents() *Incidents {
	return &Incidents{base: s.base, observers: []incidentObserver{&Clocks{base: s.base}}}
}

// canReadAlerts: admins, the CSIRT and auditors (and the system).
func canReadAlerts(a hikeshi.Actor) bool {
	return a.IsSystem() || (a.UserID != "" && (a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleCSIRT || a.Role == hikeshi.RoleAuditor))
}

// canActOnAlerts: admins and the CSIRT (and the system).
func canActOnAlerts(a hikeshi.Actor) bool {
	return a.IsSystem() || (a.UserID != "" && (a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleCSIRT))
}

// CanActOnAlerts reports whether the actor may promote and dismiss events and
// manage suppression rules.
func CanActOnAlerts(a hikeshi.Actor) bool { return canActOnAlerts(a) }

// CanManageAlertSenders reports whether the actor may create, rotate and
// disable alert senders (admins).
func CanManageAlertSenders(a hikeshi.Actor) bool {
	return a.IsSystem() || (a.UserID != "" && a.Role == hikeshi.RoleAdmin)
}

// CanReadAlerts reports whether the actor sees the alert queue at all.
func CanReadAlerts(a hikeshi.Actor) bool { return canReadAlerts(a) }

// read refuses actors who may not see alerts: the queue does not exist for them.
func (s *AlertQueue) read(a hikeshi.Actor, what string) error {
	if !canReadAlerts(a) {
		return fmt.Errorf("%s: %w", what, hikeshi.ErrNotFound)
	}
	return nil
}

// act refuses actors who may not act: ErrNotFound for those who cannot even
// read, ErrForbidden for auditors.
func (s *AlertQueue) act(a hikeshi.Actor, what string) error {
	if err := s.read(a, what); err != nil {
		return err
	}
	if !canActOnAlerts(a) {
		return forbid(what)
	}
	return nil
}

// Events lists events newest first. The default view is the open queue; the
// status "all" lists every status.
func (s *AlertQueue) Events(ctx context.Context, actor hikeshi.Actor, f hikeshi.AlertEventFilter) ([]hikeshi.AlertEvent, error) {
	if err := s.read(actor, "list alert events"); err != nil {
		return nil, err
	}
	var v hikeshi.ValidationError
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "unknown", "status must be open, promoted or dismissed")
	}
	if f.Severity != "" && !f.Severity.Valid() {
		v.Add("severity", "unknown", "severity must be critical, high, medium, low or info")
	}
	if f.Format != "" && !f.Format.Valid() {
		v.Add("format", "unknown", "format must be generic, alertmanager, suricata, wazuh or ecs")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out, err := s.st.FindAlertEvents(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list alert events: %w", err)
	}
	return out, nil
}

// Event returns one event.
func (s *AlertQueue) Event(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AlertEvent, error) {
	if err := s.read(actor, "get alert event"); err != nil {
		return hikeshi.AlertEvent{}, err
	}
	e, err := s.st.FindAlertEvent(ctx, id)
	if err != nil {
		return hikeshi.AlertEvent{}, fmt.Errorf("get alert event: %w", err)
	}
	return e, nil
}

// AlertEventDetail is an event with its newest alerts and what the actor may do.
type AlertEventDetail struct {
	Event    hikeshi.AlertEvent
	Alerts   []hikeshi.Alert // newest first, at most one page
	More     bool            // more alerts than shown
	Incident *hikeshi.Incident
	CanAct   bool
	Draft    IncidentInput // the incident a promotion would open
}

// EventDetail returns an event, its newest alerts (a page), the incident it
// went to when the actor may see it, and the prefilled promotion.
func (s *AlertQueue) EventDetail(ctx context.Context, actor hikeshi.Actor, id string, p hikeshi.Page) (AlertEventDetail, error) {
	e, err := s.Event(ctx, actor, id)
	if err != nil {
		return AlertEventDetail{}, err
	}
	p = p.Normalize()
	as, err := s.st.FindAlerts(ctx, hikeshi.AlertFilter{EventID: id, Page: hikeshi.Page{After: p.After, Limit: p.Limit + 1}})
	if err != nil {
		return AlertEventDetail{}, fmt.Errorf("get alert event: %w", err)
	}
	d := AlertEventDetail{Event: e, CanAct: canActOnAlerts(actor) && e.Status == hikeshi.EventOpen}
	if len(as) > p.Limit {
		as, d.More = as[:p.Limit], true
	}
	d.Alerts = as
	if e.IncidentID != "" {
		if i, err := s.incidents().get(ctx, s.st, actor, e.IncidentID); err == nil {
			d.Incident = &i
		} else if !errors.Is(err, hikeshi.ErrNotFound) {
			return AlertEventDetail{}, fmt.Errorf("get alert event: %w", err)
		}
	}
	d.Draft = PromotionDraft(e, as)
	return d, nil
}

// Alerts lists alerts newest first, by event, format or fingerprint.
func (s *AlertQueue) Alerts(ctx context.Context, actor hikeshi.Actor, f hikeshi.AlertFilter) ([]hikeshi.Alert, error) {
	if err := s.read(actor, "list alerts"); err != nil {
		return nil, err
	}
	if f.Format != "" && !f.Format.Valid() {
		return nil, hikeshi.Invalid("format", "unknown", "format must be generic, alertmanager, suricata, wazuh or ecs")
	}
	if len(f.Fingerprint) > 512 {
		return nil, hikeshi.Invalid("fingerprint", "too_long", "the fingerprint is too long")
	}
	out, err := s.st.FindAlerts(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// Alert returns one alert.
func (s *AlertQueue) Alert(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Alert, error) {
	if err := s.read(actor, "get alert"); err != nil {
		return hikeshi.Alert{}, err
	}
	a, err := s.st.FindAlert(ctx, id)
	if err != nil {
		return hikeshi.Alert{}, fmt.Errorf("get alert: %w", err)
	}
	return a, nil
}

// PromotionDraft is the incident a promotion opens unless the CSIRT changes
// it: the event's title, a summary of its alerts, a category guessed from
// the alerts' words (else "undetermined"), and impact and urgency from the
// event's severity.
func PromotionDraft(e hikeshi.AlertEvent, alerts []hikeshi.Alert) IncidentInput {
	lv := map[hikeshi.AlertSeverity]hikeshi.Level{hikeshi.SeverityCritical: 1, hikeshi.SeverityHigh: 2, hikeshi.SeverityMedium: 3}[e.Severity]
	if lv == 0 {
		lv = 4
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %d alerts, %d occurrences, %s – %s UTC.", e.Number, e.Format, e.Alerts, e.Occurrences,
		e.FirstSeen.UTC().Format("2006-01-02 15:04"), e.LastSeen.UTC().Format("2006-01-02 15:04"))
	var hosts, rules []string
	var words strings.Builder
	words.WriteString(strings.ToLower(e.Title))
	for _, a := range alerts {
		if a.Host != "" && !slices.Contains(hosts, a.Host) && len(hosts) < 10 {
			hosts = append(hosts, a.Host)
		}
		if a.Rule != "" && !slices.Contains(rules, a.Rule) && len(rules) < 10 {
			rules = append(rules, a.Rule)
		}
		words.WriteString(" " + strings.ToLower(a.Title+" "+a.Rule+" "+a.Labels["category"]+" "+a.Labels["groups"]))
	}
	if len(rules) > 0 {
		fmt.Fprintf(&b, "\nRules: %s", strings.Join(rules, ", "))
	}
	if len(hosts) > 0 {
		fmt.Fprintf(&b, "\nHosts: %s", strings.Join(hosts, ", "))
	}
	if len(alerts) > 0 && alerts[0].Description != "" {
		d := alerts[0].Description
		if r := []rune(d); len(r) > 2000 {
			d = string(r[:2000]) + "…"
		}
		b.WriteString("\n\n" + d)
	}
	title := e.Title
	if r := []rune(title); len(r) > hikeshi.MaxIncidentTitleLen {
		title = string(r[:hikeshi.MaxIncidentTitleLen-1]) + "…"
	}
	return IncidentInput{Title: title, Summary: b.String(), Category: guessCategory(words.String()), Impact: lv, Urgency: lv, TLP: hikeshi.TLPAmber}
}

// guessCategory picks an RSIT type from an alert's words.
func guessCategory(w string) string {
	for _, g := range []struct {
		key   string
		words []string
	}{
		{"phishing", []string{"phish"}},
		{"infected-system", []string{"malware", "trojan", "virus", "ransom", "infected", "c2 ", "c2-", "beacon", "botnet", "backdoor"}},
		{"brute-force", []string{"brute", "login fail", "authentication_fail", "logon fail", "password guess"}},
		{"scanner", []string{"scan", "nmap", "recon"}},
		{"data-leak", []string{"exfil", "leak"}},
		{"ddos", []string{"ddos"}},
		{"dos", []string{"denial of service", " dos "}},
		{"ids-alert", []string{"exploit", "cve-", "attack", "injection", "traversal"}},
		{"outage", []string{"instancedown", "down", "unreachable", "停止"}},
	} {
		for _, x := range g.words {
			if strings.Contains(w, x) {
				return g.key
			}
		}
	}
	return "undetermined"
}

// PromoteInput decides an event becomes an incident: a new one (IncidentID
// empty, Incident holding its fields) or an existing one (IncidentID set).
type PromoteInput struct {
	IncidentID string        // attach to this incident
	Incident   IncidentInput // the new incident, when IncidentID is empty
	Note       string        // optional, kept as the event's reason
}

// eventAudit is what the audit log keeps of an event: ids and the decision,
// never the words of an incident.
type eventAudit struct {
	ID         string `json:"id"`
	Number     string `json:"number"`
	Status     string `json:"status"`
	IncidentID string `json:"incident_id,omitempty"`
}

func auditOfEvent(e hikeshi.AlertEvent) eventAudit {
	return eventAudit{ID: e.ID, Number: e.Number, Status: string(e.Status), IncidentID: e.IncidentID}
}

// openEvent loads an event for a decision.
func (s *AlertQueue) openEvent(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.AlertEvent, error) {
	if err := s.act(actor, what); err != nil {
		return hikeshi.AlertEvent{}, err
	}
	e, err := tx.FindAlertEvent(ctx, id)
	if err != nil {
		return hikeshi.AlertEvent{}, err
	}
	if e.Status != hikeshi.EventOpen {
		return hikeshi.AlertEvent{}, fmt.Errorf("the event is already %s: %w", e.Status, hikeshi.ErrConflict)
	}
	return e, nil
}

// Promote opens an incident from an open event, or attaches the event to an
// existing incident the actor handles, and adds the observables of its
// alerts to the incident, all in one transaction. The event leaves the open
// queue; new alerts of its group then open a new event.
func (s *AlertQueue) Promote(ctx context.Context, actor hikeshi.Actor, id string, in PromoteInput) (hikeshi.AlertEvent, hikeshi.Incident, error) {
	var out hikeshi.AlertEvent
	var inc hikeshi.Incident
	in.Note = strings.TrimSpace(in.Note)
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		e, err := s.openEvent(ctx, tx, actor, id, "promote alert event")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "note", in.Note, hikeshi.MaxAlertReasonLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		inc2 := s.incidents()
		if in.IncidentID != "" {
			inc, err = inc2.handle(ctx, tx, actor, in.IncidentID, "attach alert event")
			if errors.Is(err, hikeshi.ErrNotFound) {
				return hikeshi.Invalid("incident_id", "unknown", "no such incident")
			}
			if err != nil {
				return err
			}
			if inc.Phase == hikeshi.PhaseClosed {
				return hikeshi.Invalid("incident_id", "closed", "the incident is closed; reopen it first or open a new one")
			}
		} else {
			if inc, err = inc2.create(ctx, tx, actor, in.Incident); err != nil {
				return err
			}
		}
		before := e
		now := s.clock.Now()
		e.Status, e.IncidentID, e.DecidedBy, e.DecidedAt, e.Reason, e.UpdatedAt = hikeshi.EventPromoted, inc.ID, actor.UserID, now, in.Note, now
		if err := tx.DecideAlertEvent(ctx, e); err != nil {
			return err
		}
		added, err := s.linkObservables(ctx, tx, actor, e, inc)
		if err != nil {
			return err
		}
		if err := inc2.event(ctx, tx, actor, inc.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: fmt.Sprintf("[alert event] %s (%s, %d alerts, %d observables added)", e.Number, e.Format, e.Alerts, added)}); err != nil {
			return err
		}
		out = e
		return s.audit(ctx, tx, actor, "alert_event.promote", "alert_event", e.ID, auditOfEvent(before),
			map[string]any{"event": auditOfEvent(e), "incident_number": inc.Number, "new_incident": in.IncidentID == "", "observables_added": added})
	})
	if err != nil {
		return hikeshi.AlertEvent{}, hikeshi.Incident{}, fmt.Errorf("promote alert event: %w", err)
	}
	return out, inc, nil
}

// maxPromotedAlerts bounds the alerts whose observables a promotion reads.
const maxPromotedAlerts = 5000

// linkObservables adds the observables of an event's alerts to an incident
// (each stored once across incidents; one the incident has is skipped), and
// returns how many links it added.
func (s *AlertQueue) linkObservables(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, e hikeshi.AlertEvent, inc hikeshi.Incident) (int, error) {
	var obs []hikeshi.AlertObservable
	seen := map[hikeshi.AlertObservable]bool{}
	read := 0
	for p := (hikeshi.Page{Limit: hikeshi.MaxPageLimit}); read < maxPromotedAlerts; {
		as, err := tx.FindAlerts(ctx, hikeshi.AlertFilter{EventID: e.ID, Page: p})
		if err != nil {
			return 0, err
		}
		for _, a := range as {
			for _, o := range a.Observables {
				if !seen[o] && len(obs) < hikeshi.MaxObservablesPerAdd {
					seen[o] = true
					obs = append(obs, o)
				}
			}
		}
		read += len(as)
		if len(as) < p.Limit {
			break
		}
		p.After = as[len(as)-1].ID
	}
	if len(obs) == 0 {
		return 0, nil
	}
	has := map[string]bool{}
	for p := (hikeshi.Page{Limit: hikeshi.MaxPageLimit}); ; {
		links, err := tx.FindIncidentObservables(ctx, inc.ID, p)
		if err != nil {
			return 0, err
		}
		for _, l := range links {
			has[l.Observable.ID] = true
		}
		if len(links) < p.Limit {
			break
		}
		p.After = links[len(links)-1].ID
	}
	now := s.clock.Now()
	added := 0
	note := "alert event " + e.Number
	for _, o := range obs {
		// Re-check: stored alerts were normalised when decoded, but the
		// canonical form may have changed since.
		v, err := hikeshi.NormalizeObservable(o.Type, o.Value)
		if err != nil {
			continue
		}
		stored, err := tx.EnsureObservable(ctx, hikeshi.Observable{ID: hikeshi.NewID(), Type: o.Type, Value: v, CreatedAt: now})
		if err != nil {
			return 0, err
		}
		if has[stored.ID] {
			continue
		}
		has[stored.ID] = true
		if err := tx.CreateIncidentObservable(ctx, hikeshi.IncidentObservable{ID: hikeshi.NewID(), IncidentID: inc.ID, Observable: stored,
			Note: note, AddedBy: actor.UserID, AddedAt: now}); err != nil {
			return 0, err
		}
		added++
	}
	return added, nil
}

// Dismiss takes an open event out of the queue as not an incident; the
// reason is required and kept.
func (s *AlertQueue) Dismiss(ctx context.Context, actor hikeshi.Actor, id, reason string) (hikeshi.AlertEvent, error) {
	reason = strings.TrimSpace(reason)
	var out hikeshi.AlertEvent
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		e, err := s.openEvent(ctx, tx, actor, id, "dismiss alert event")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "reason", reason, hikeshi.MaxAlertReasonLen, true)
		if err := v.Err(); err != nil {
			return err
		}
		before := e
		now := s.clock.Now()
		e.Status, e.DecidedBy, e.DecidedAt, e.Reason, e.UpdatedAt = hikeshi.EventDismissed, actor.UserID, now, reason, now
		if err := tx.DecideAlertEvent(ctx, e); err != nil {
			return err
		}
		out = e
		return s.audit(ctx, tx, actor, "alert_event.dismiss", "alert_event", e.ID, auditOfEvent(before), auditOfEvent(e))
	})
	if err != nil {
		return hikeshi.AlertEvent{}, fmt.Errorf("dismiss alert event: %w", err)
	}
	return out, nil
}

// Senders lists the alert senders (admins, the CSIRT and auditors).
func (s *AlertQueue) Senders(ctx context.Context, actor hikeshi.Actor) ([]hikeshi.AlertSender, error) {
	if err := s.read(actor, "list alert senders"); err != nil {
		return nil, err
	}
	out, err := s.st.FindAlertSenders(ctx)
	if err != nil {
		return nil, fmt.Errorf("list alert senders: %w", err)
	}
	return out, nil
}

// Sender returns one sender.
func (s *AlertQueue) Sender(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AlertSender, error) {
	if err := s.read(actor, "get alert sender"); err != nil {
		return hikeshi.AlertSender{}, err
	}
	out, err := s.st.FindAlertSender(ctx, id)
	if err != nil {
		return hikeshi.AlertSender{}, fmt.Errorf("get alert sender: %w", err)
	}
	return out, nil
}

// SenderInput creates an alert sender.
type SenderInput struct {
	Name   string
	Format hikeshi.AlertFormat
	Window time.Duration // 0 = hikeshi.DefaultAlertWindow
}

// senderAudit is what the audit log keeps of a sender: never its token, nor
// the token's hash.
type senderAudit struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Format   string `json:"format"`
	Window   int64  `json:"window_seconds"`
	Hint     string `json:"token_hint"`
	Disabled bool   `json:"disabled"`
}

func auditOfSender(x hikeshi.AlertSender) senderAudit {
	return senderAudit{ID: x.ID, Name: x.Name, Format: string(x.Format), Window: int64(x.Window / time.Second), Hint: x.TokenHint, Disabled: !x.DisabledAt.IsZero()}
}

// manageSenders refuses all but admins.
func (s *AlertQueue) manageSenders(a hikeshi.Actor, what string) error {
	if err := s.read(a, what); err != nil {
		return err
	}
	if !CanManageAlertSenders(a) {
		return forbid(what)
	}
	return nil
}

func validateSender(x hikeshi.AlertSender) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "name", x.Name, hikeshi.MaxAlertSenderNameLen, true)
	if strings.ContainsAny(x.Name, "\r\n") {
		v.Add("name", "invalid_text", "the name is one line")
	}
	if !x.Format.Valid() {
		v.Add("format", "unknown", "format must be generic, alertmanager, suricata, wazuh or ecs")
	}
	if x.Window < hikeshi.MinAlertSenderWindow || x.Window > hikeshi.MaxAlertSenderWindow {
		v.Add("window", "out_of_range", fmt.Sprintf("the window must be between %s and %d days", hikeshi.MinAlertSenderWindow, int(hikeshi.MaxAlertSenderWindow/(24*time.Hour))))
	}
	return v.Err()
}

// newAlertToken returns a new token, its hash and hint.
func newAlertToken() (token, hash, hint string) {
	token, hash = NewSecret(hikeshi.AlertTokenPrefix)
	return token, hash, token[len(token)-4:]
}

// CreateSender adds an alert sender (admins) and returns it with its token,
// which is shown this once: only its SHA-256 is stored.
func (s *AlertQueue) CreateSender(ctx context.Context, actor hikeshi.Actor, in SenderInput) (hikeshi.AlertSender, string, error) {
	if in.Window == 0 {
		in.Window = hikeshi.DefaultAlertWindow
	}
	now := s.clock.Now()
	token, hash, hint := newAlertToken()
	x := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: strings.TrimSpace(in.Name), Format: in.Format, TokenHash: hash, TokenHint: hint,
		Window: in.Window, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := s.manageSenders(actor, "create alert sender"); err != nil {
			return err
		}
		if err := validateSender(x); err != nil {
			return err
		}
		if err := s.nameFree(ctx, tx, x); err != nil {
			return err
		}
		if err := tx.CreateAlertSender(ctx, x); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "alert_sender.create", "alert_sender", x.ID, nil, auditOfSender(x))
	})
	if err != nil {
		return hikeshi.AlertSender{}, "", fmt.Errorf("create alert sender: %w", err)
	}
	return x, token, nil
}

// nameFree refuses a name another sender has.
func (s *AlertQueue) nameFree(ctx context.Context, tx hikeshi.Tx, x hikeshi.AlertSender) error {
	all, err := tx.FindAlertSenders(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != x.ID && strings.EqualFold(o.Name, x.Name) {
			return hikeshi.Conflict("name", "another alert sender has this name")
		}
	}
	return nil
}

// changeSender loads, changes and writes a sender (admins).
func (s *AlertQueue) changeSender(ctx context.Context, actor hikeshi.Actor, id, action string, change func(*hikeshi.AlertSender) error) (hikeshi.AlertSender, error) {
	var out hikeshi.AlertSender
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := s.manageSenders(actor, action); err != nil {
			return err
		}
		x, err := tx.FindAlertSender(ctx, id)
		if err != nil {
			return err
		}
		before := x
		if err := change(&x); err != nil {
			return err
		}
		x.UpdatedAt = s.clock.Now()
		if err := validateSender(x); err != nil {
			return err
		}
		if err := s.nameFree(ctx, tx, x); err != nil {
			return err
		}
		if err := tx.UpdateAlertSender(ctx, x); err != nil {
			return err
		}
		out = x
		return s.audit(ctx, tx, actor, action, "alert_sender", x.ID, auditOfSender(before), auditOfSender(x))
	})
	if err != nil {
		return hikeshi.AlertSender{}, fmt.Errorf("%s: %w", strings.ReplaceAll(action, "_", " "), err)
	}
	if s.intake != nil {
		s.intake.ForgetSenders()
	}
	return out, nil
}

// RotateSender gives a sender a new token, shown this once; the old one stops
// working.
func (s *AlertQueue) RotateSender(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AlertSender, string, error) {
	var token string
	x, err := s.changeSender(ctx, actor, id, "alert_sender.rotate", func(x *hikeshi.AlertSender) error {
		var hash, hint string
		token, hash, hint = newAlertToken()
		x.TokenHash, x.TokenHint = hash, hint
		return nil
	})
	if err != nil {
		return hikeshi.AlertSender{}, "", err
	}
	return x, token, nil
}

// DisableSender stops a sender's token (or enables it again).
func (s *AlertQueue) DisableSender(ctx context.Context, actor hikeshi.Actor, id string, disabled bool) (hikeshi.AlertSender, error) {
	action := "alert_sender.disable"
	if !disabled {
		action = "alert_sender.enable"
	}
	return s.changeSender(ctx, actor, id, action, func(x *hikeshi.AlertSender) error {
		if disabled && x.DisabledAt.IsZero() {
			x.DisabledAt = s.clock.Now()
		} else if !disabled {
			x.DisabledAt = time.Time{}
		}
		return nil
	})
}

// UpdateSender renames a sender or changes its window.
func (s *AlertQueue) UpdateSender(ctx context.Context, actor hikeshi.Actor, id string, name string, window time.Duration) (hikeshi.AlertSender, error) {
	return s.changeSender(ctx, actor, id, "alert_sender.update", func(x *hikeshi.AlertSender) error {
		x.Name = strings.TrimSpace(name)
		if window != 0 {
			x.Window = window
		}
		return nil
	})
}

// Suppressions lists suppression rules newest first.
func (s *AlertQueue) Suppressions(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]hikeshi.AlertSuppression, error) {
	if err := s.read(actor, "list alert suppressions"); err != nil {
		return nil, err
	}
	out, err := s.st.FindAlertSuppressions(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list alert suppressions: %w", err)
	}
	return out, nil
}

// Suppression returns one rule.
func (s *AlertQueue) Suppression(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AlertSuppression, error) {
	if err := s.read(actor, "get alert suppression"); err != nil {
		return hikeshi.AlertSuppression{}, err
	}
	out, err := s.st.FindAlertSuppression(ctx, id)
	if err != nil {
		return hikeshi.AlertSuppression{}, fmt.Errorf("get alert suppression: %w", err)
	}
	return out, nil
}

// SuppressionInput creates a suppression rule. At least one of Format,
// Rule, Host and Observable is set; Observable is normalised as the type
// it is detected as.
type SuppressionInput struct {
	Name       string
	Format     hikeshi.AlertFormat
	Rule       string
	Host       string
	Observable string
	Reason     string
	ExpiresAt  time.Time // zero = never
}

// suppressionAudit is what the audit log keeps of a rule.
type suppressionAudit struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Format     string `json:"format,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Host       string `json:"host,omitempty"`
	Observable string `json:"observable,omitempty"`
	Expires    string `json:"expires_at,omitempty"`
	Disabled   bool   `json:"disabled"`
}

func auditOfSuppression(r hikeshi.AlertSuppression) suppressionAudit {
	a := suppressionAudit{ID: r.ID, Name: r.Name, Format: string(r.Format), Rule: r.Rule, Host: r.Host, Observable: r.Observable, Disabled: !r.DisabledAt.IsZero()}
	if !r.ExpiresAt.IsZero() {
		a.Expires = r.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return a
}

// CreateSuppression adds a rule (the CSIRT and admins).
func (s *AlertQueue) CreateSuppression(ctx context.Context, actor hikeshi.Actor, in SuppressionInput) (hikeshi.AlertSuppression, error) {
	now := s.clock.Now()
	r := hikeshi.AlertSuppression{ID: hikeshi.NewID(), Name: strings.TrimSpace(in.Name), Format: in.Format, Rule: strings.TrimSpace(in.Rule),
		Host: strings.TrimSpace(in.Host), Observable: strings.TrimSpace(in.Observable), Reason: strings.TrimSpace(in.Reason),
		ExpiresAt: in.ExpiresAt, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := s.act(actor, "create alert suppression"); err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "name", r.Name, hikeshi.MaxAlertSuppressionNameLen, true)
		hikeshi.ValidateText(&v, "reason", r.Reason, hikeshi.MaxAlertReasonLen, true)
		for _, f := range []struct{ name, val string }{{"rule", r.Rule}, {"host", r.Host}, {"name", r.Name}} {
			if strings.ContainsAny(f.val, "\r\n") {
				v.Add(f.name, "invalid_text", "one line")
			}
		}
		hikeshi.ValidateText(&v, "rule", r.Rule, hikeshi.MaxAlertPatternLen, false)
		hikeshi.ValidateText(&v, "host", r.Host, hikeshi.MaxAlertPatternLen, false)
		if r.Format != "" && !r.Format.Valid() {
			v.Add("format", "unknown", "format must be generic, alertmanager, suricata, wazuh or ecs, or empty for any")
		}
		if r.Observable != "" {
			t := hikeshi.DetectObservableType(r.Observable)
			canon, err := hikeshi.NormalizeObservable(t, r.Observable)
			if t == "" || err != nil {
				v.Add("observable", "invalid_observable", "not an address, domain, URL, hash or e-mail address")
			} else {
				r.Observable = canon
			}
		}
		if r.Format == "" && r.Rule == "" && r.Host == "" && r.Observable == "" {
			v.Add("rule", "required", "set at least one of format, rule, host and observable")
		}
		if !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now) {
			v.Add("expires_at", "in_past", "the expiry must be in the future")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.CreateAlertSuppression(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "alert_suppression.create", "alert_suppression", r.ID, nil, auditOfSuppression(r))
	})
	if err != nil {
		return hikeshi.AlertSuppression{}, fmt.Errorf("create alert suppression: %w", err)
	}
	return r, nil
}

// DisableSuppression stops a rule (the CSIRT and admins); it stays listed
// with its hits.
func (s *AlertQueue) DisableSuppression(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AlertSuppression, error) {
	var out hikeshi.AlertSuppression
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := s.act(actor, "disable alert suppression"); err != nil {
			return err
		}
		r, err := tx.FindAlertSuppression(ctx, id)
		if err != nil {
			return err
		}
		if !r.DisabledAt.IsZero() {
			out = r
			return nil
		}
		before := r
		now := s.clock.Now()
		r.DisabledAt, r.UpdatedAt = now, now
		if err := tx.DisableAlertSuppression(ctx, r.ID, now); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "alert_suppression.disable", "alert_suppression", r.ID, auditOfSuppression(before), auditOfSuppression(r))
	})
	if err != nil {
		return hikeshi.AlertSuppression{}, fmt.Errorf("disable alert suppression: %w", err)
	}
	return out, nil
}
