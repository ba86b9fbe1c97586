package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Clocks are the service-level timers and regulatory notification clocks of
// incidents (IH-6), with their reminder jobs and in-app notifications.
//
// The clocks of an incident are derived (hikeshi.DeriveClocks) from the
// incident, its facts, the targets and the notifications recorded done; the
// rows in incident_clocks are that derivation kept up to date in the
// transaction of every change that moves it, together with the reminder and
// escalation jobs of each running clock. A job's unique key holds the clock's
// due time, so a rescheduled clock gets new jobs and the old ones are
// cancelled; a job also re-reads its clock and does nothing when it stopped or
// was rescheduled meanwhile.
type Clocks struct{ base }

// Job kinds of the clocks.
const (
	// KindClockAlert runs one stage (reminder or escalation) of a clock.
	KindClockAlert = "clock.alert"
	// KindClockMail sends the e-mail of one notification.
	KindClockMail = "clock.mail"
)

// ClockAlertPayload is the payload of a KindClockAlert job.
type ClockAlertPayload struct {
	ClockID string             `json:"clock_id"`
	Stage   hikeshi.ClockStage `json:"stage"`
	Due     int64              `json:"due"` // the clock's due time (Unix seconds) when the job was enqueued
}

// ClockMailPayload is the payload of a KindClockMail job.
type ClockMailPayload struct {
	NotificationID string `json:"notification_id"`
}

// settingClockTargets is the setting that holds the configured targets.
const settingClockTargets = "clocks.targets"

// targetsDoc is the stored form of the targets: minutes per priority.
type targetsDoc map[string]struct {
	Triage        int64 `json:"triage"`
	FirstResponse int64 `json:"first_response"`
	Containment   int64 `json:"containment"`
}

// clockTargets returns the configured targets, or the defaults.
func clockTargets(ctx context.Context, r hikeshi.Reader) (hikeshi.ClockTargets, error) {
	raw, err := r.GetSetting(ctx, settingClockTargets)
	if errors.Is(err, hikeshi.ErrNotFound) || (err == nil && raw == "") {
		return hikeshi.DefaultClockTargets, nil
	}
	if err != nil {
		return hikeshi.ClockTargets{}, err
	}
	var doc targetsDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return hikeshi.ClockTargets{}, fmt.Errorf("setting %s: %w", settingClockTargets, err)
	}
	t := hikeshi.DefaultClockTargets
	for i := range t {
		if d, ok := doc[strconv.Itoa(i+1)]; ok {
			t[i] = hikeshi.SLATarget{Triage: time.Duration(d.Triage) * time.Minute,
				FirstResponse: time.Duration(d.FirstResponse) * time.Minute, Containment: time.Duration(d.Containment) * time.Minute}
		}
	}
	return t, nil
}

func encodeTargets(t hikeshi.ClockTargets) targetsDoc {
	doc := targetsDoc{}
	for i, s := range t {
		doc[strconv.Itoa(i+1)] = struct {
			Triage        int64 `json:"triage"`
			FirstResponse int64 `json:"first_response"`
			Containment   int64 `json:"containment"`
		}{int64(s.Triage / time.Minute), int64(s.FirstResponse / time.Minute), int64(s.Containment / time.Minute)}
	}
	return doc
}

// canSeeTargets: everyone who may list incidents may read the targets.
func canReadClocks(a hikeshi.Actor) bool { return a.CanListIncidents() || a.IsSystem() }

// Targets returns the service-level targets by priority.
func (s *Clocks) Targets(ctx context.Context, actor hikeshi.Actor) (hikeshi.ClockTargets, error) {
	if !canReadClocks(actor) {
		return hikeshi.ClockTargets{}, forbid("read clock targets")
	}
	t, err := clockTargets(ctx, s.st)
	if err != nil {
		return hikeshi.ClockTargets{}, fmt.Errorf("read clock targets: %w", err)
	}
	return t, nil
}

// SetTargets replaces the service-level targets (CSIRT and admins). Running
// service-level clocks are rescheduled to the new targets in the same
// transaction; stopped ones keep the target they were measured against.
func (s *Clocks) SetTargets(ctx context.Context, actor hikeshi.Actor, t hikeshi.ClockTargets) error {
	if !canHandle(actor) {
		return forbid("set clock targets")
	}
	for i := range t {
		t[i].Triage = t[i].Triage.Truncate(time.Minute)
		t[i].FirstResponse = t[i].FirstResponse.Truncate(time.Minute)
		t[i].Containment = t[i].Containment.Truncate(time.Minute)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := clockTargets(ctx, tx)
		if err != nil {
			return err
		}
		if before == t {
			return nil
		}
		b, err := json.Marshal(encodeTargets(t))
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingClockTargets, string(b), s.clock.Now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "clocks.targets", "setting", settingClockTargets, encodeTargets(before), encodeTargets(t)); err != nil {
			return err
		}
		// Reschedule the running service-level clocks, one incident at a time.
		seen := map[string]bool{}
		f := hikeshi.DueFilter{SeeRestricted: true, Limit: hikeshi.MaxPageLimit}
		for {
			page, err := tx.FindDueClocks(ctx, f)
			if err != nil {
				return err
			}
			for _, d := range page {
				if d.Clock.Kind.Regulatory() || seen[d.Clock.IncidentID] {
					continue
				}
				seen[d.Clock.IncidentID] = true
				inc, err := tx.FindIncidentByID(ctx, d.Clock.IncidentID)
				if err != nil {
					return err
				}
				if err := s.reconcile(ctx, tx, inc); err != nil {
					return err
				}
			}
			if len(page) < f.Limit {
				return nil
			}
			last := page[len(page)-1].Clock
			f.AfterDue, f.AfterID = last.DueAt, last.ID
		}
	})
	if err != nil {
		return fmt.Errorf("set clock targets: %w", err)
	}
	return nil
}

// incidentChanged starts, stops and reschedules an incident's clocks.
func (s *Clocks) incidentChanged(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, before, after hikeshi.Incident) error {
	if err := s.reconcile(ctx, tx, after); err != nil {
		return fmt.Errorf("incident clocks: %w", err)
	}
	return nil
}

// reconcile brings the stored clocks of inc and their jobs in line with what
// DeriveClocks says now.
func (s *Clocks) reconcile(ctx context.Context, tx hikeshi.Tx, inc hikeshi.Incident) error {
	facts, err := tx.FindIncidentFacts(ctx, inc.ID)
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return err
	}
	targets, err := clockTargets(ctx, tx)
	if err != nil {
		return err
	}
	existing, err := tx.FindIncidentClocks(ctx, inc.ID)
	if err != nil {
		return err
	}
	byKind := map[hikeshi.ClockKind]hikeshi.IncidentClock{}
	notified := map[hikeshi.ClockKind]time.Time{}
	for _, c := range existing {
		byKind[c.Kind] = c
		if !c.DoneAt.IsZero() {
			notified[c.Kind] = c.StoppedAt
		}
	}
	now := s.clock.Now()
	derived := map[hikeshi.ClockKind]bool{}
	for _, spec := range hikeshi.DeriveClocks(inc, facts, targets, notified) {
		derived[spec.Kind] = true
		c, ok := byKind[spec.Kind]
		if !ok {
			c = hikeshi.IncidentClock{ID: hikeshi.NewID(), IncidentID: inc.ID, Kind: spec.Kind, StartedAt: spec.StartedAt,
				DueAt: spec.DueAt, StoppedAt: spec.StoppedAt, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateClock(ctx, c); err != nil {
				return err
			}
			if err := s.schedule(ctx, tx, c, now); err != nil {
				return err
			}
			continue
		}
		if c.StartedAt.Equal(spec.StartedAt) && c.DueAt.Equal(spec.DueAt) && c.StoppedAt.Equal(spec.StoppedAt) && c.WithdrawnAt.IsZero() {
			continue
		}
		c.StartedAt, c.DueAt, c.StoppedAt, c.WithdrawnAt, c.UpdatedAt = spec.StartedAt, spec.DueAt, spec.StoppedAt, time.Time{}, now
		if err := tx.UpdateClock(ctx, c); err != nil {
			return err
		}
		if err := s.reschedule(ctx, tx, c, now); err != nil {
			return err
		}
	}
	for _, c := range existing {
		if derived[c.Kind] || !c.WithdrawnAt.IsZero() {
			continue
		}
		c.WithdrawnAt, c.UpdatedAt = now, now
		if err := tx.UpdateClock(ctx, c); err != nil {
			return err
		}
		if _, err := tx.CancelJobs(ctx, hikeshi.ClockJobPrefix(c.ID), now); err != nil {
			return err
		}
	}
	return nil
}

// reschedule cancels a clock's jobs and enqueues those of its new schedule.
func (s *Clocks) reschedule(ctx context.Context, tx hikeshi.Tx, c hikeshi.IncidentClock, now time.Time) error {
	if _, err := tx.CancelJobs(ctx, hikeshi.ClockJobPrefix(c.ID), now); err != nil {
		return err
	}
	return s.schedule(ctx, tx, c, now)
}

// schedule enqueues the reminder and escalation jobs of a running clock. A
// job already done under the same key (same stage, same due time) is not
// enqueued again.
func (s *Clocks) schedule(ctx context.Context, tx hikeshi.Tx, c hikeshi.IncidentClock, now time.Time) error {
	if !c.Running() {
		return nil
	}
	for _, a := range hikeshi.ClockAlerts(c.Spec(), now) {
		j, err := hikeshi.NewJob(KindClockAlert, ClockAlertPayload{ClockID: c.ID, Stage: a.Stage, Due: c.DueAt.Unix()}, now, a.At)
		if err != nil {
			return err
		}
		j.UniqueKey = hikeshi.ClockJobKey(c.ID, a.Stage, c.DueAt)
		if _, err := tx.EnqueueJob(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// handleIncident loads an incident the actor may see and change.
func (s *Clocks) handleIncident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id, what string) (hikeshi.Incident, error) {
	i, err := s.seeIncident(ctx, r, actor, id)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	if !canHandle(actor) {
		return hikeshi.Incident{}, forbid(what)
	}
	return i, nil
}

// seeIncident loads an incident the actor may see; otherwise ErrNotFound.
func (s *Clocks) seeIncident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.Incident, error) {
	i, err := r.FindIncidentByID(ctx, id)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	ok, err := canSeeIncident(ctx, r, actor, i)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	if !ok {
		return hikeshi.Incident{}, hikeshi.ErrNotFound
	}
	return i, nil
}

// FactsInput are the facts as a handler records them. AwareAt zero keeps the
// recorded awareness time, or takes now when the first fact is set.
type FactsInput struct {
	PersonalData bool
	Malicious    bool
	GDPR         bool
	NIS2         bool
	AwareAt      time.Time
}

// maxAwareAge bounds how far back an awareness time may be given.
const maxAwareAge = 5 * 365 * 24 * time.Hour

// SetFacts records the facts that start regulatory clocks (CSIRT and admins)
// and starts, moves or withdraws the clocks in the same transaction.
func (s *Clocks) SetFacts(ctx context.Context, actor hikeshi.Actor, incidentID string, in FactsInput) (hikeshi.IncidentFacts, error) {
	var out hikeshi.IncidentFacts
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		inc, err := s.handleIncident(ctx, tx, actor, incidentID, "set incident facts")
		if err != nil {
			return err
		}
		before, err := tx.FindIncidentFacts(ctx, inc.ID)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		now := s.clock.Now()
		var v hikeshi.ValidationError
		if in.Malicious && !in.PersonalData {
			v.Add("malicious", "requires_personal_data", "a malicious act matters only for a personal-data breach")
		}
		if !in.AwareAt.IsZero() {
			switch {
			case in.AwareAt.After(now):
				v.Add("aware_at", "in_future", "the organisation cannot have become aware in the future")
			case in.AwareAt.Before(now.Add(-maxAwareAge)):
				v.Add("aware_at", "too_old", "the awareness time is more than five years ago")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		f := hikeshi.IncidentFacts{IncidentID: inc.ID, PersonalData: in.PersonalData, Malicious: in.Malicious, GDPR: in.GDPR,
			NIS2: in.NIS2, AwareAt: before.AwareAt, UpdatedBy: actor.UserID, UpdatedAt: now}
		switch {
		case !in.AwareAt.IsZero():
			f.AwareAt = in.AwareAt.UTC().Truncate(time.Second)
		case f.AwareAt.IsZero() && f.Any():
			f.AwareAt = now
		}
		if auditOfFacts(f) == auditOfFacts(before) && before.IncidentID != "" {
			out = before // nothing changed: no write, no audit entry
			return nil
		}
		if err := tx.PutIncidentFacts(ctx, f); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "incident.facts", "incident", inc.ID, auditOfFacts(before), auditOfFacts(f)); err != nil {
			return err
		}
		out = f
		return s.reconcile(ctx, tx, inc)
	})
	if err != nil {
		return hikeshi.IncidentFacts{}, fmt.Errorf("set incident facts: %w", err)
	}
	return out, nil
}

type factsAudit struct {
	PersonalData bool   `json:"personal_data"`
	Malicious    bool   `json:"malicious"`
	GDPR         bool   `json:"gdpr"`
	NIS2         bool   `json:"nis2"`
	AwareAt      string `json:"aware_at,omitempty"`
}

func auditOfFacts(f hikeshi.IncidentFacts) factsAudit {
	a := factsAudit{PersonalData: f.PersonalData, Malicious: f.Malicious, GDPR: f.GDPR, NIS2: f.NIS2}
	if !f.AwareAt.IsZero() {
		a.AwareAt = hikeshi.FormatTime(f.AwareAt)
	}
	return a
}

// DoneInput records a regulatory notification as done. NotifiedAt zero means now.
type DoneInput struct {
	NotifiedAt time.Time
	Reference  string
}

// RecordDone stops a regulatory clock: the CSIRT notified the authority at
// NotifiedAt with the reference given (CSIRT and admins). Recording the NIS2
// notification starts the clock of the NIS2 final report.
func (s *Clocks) RecordDone(ctx context.Context, actor hikeshi.Actor, incidentID, clockID string, in DoneInput) (hikeshi.IncidentClock, error) {
	in.Reference = strings.TrimSpace(in.Reference)
	var out hikeshi.IncidentClock
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		inc, err := s.handleIncident(ctx, tx, actor, incidentID, "record a notification")
		if err != nil {
			return err
		}
		c, err := tx.FindClockByID(ctx, clockID)
		if err != nil {
			return err
		}
		if c.IncidentID != inc.ID {
			return hikeshi.ErrNotFound
		}
		now := s.clock.Now()
		var v hikeshi.ValidationError
		switch {
		case !c.Kind.Regulatory():
			v.Add("clock_id", "not_regulatory", "a service-level clock stops with the workflow, not by hand")
		case !c.DoneAt.IsZero():
			return hikeshi.Conflict("clock_id", "the notification is already recorded")
		case !c.WithdrawnAt.IsZero():
			v.Add("clock_id", "withdrawn", "the clock no longer applies")
		}
		notified := in.NotifiedAt
		if notified.IsZero() {
			notified = now
		}
		switch {
		case notified.After(now):
			v.Add("notified_at", "in_future", "the notification time cannot be in the future")
		case notified.Before(c.StartedAt):
			v.Add("notified_at", "before_start", "the notification time cannot be before the clock started")
		}
		hikeshi.ValidateText(&v, "reference", in.Reference, hikeshi.MaxClockReferenceLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		c.StoppedAt, c.Reference, c.DoneBy, c.DoneAt, c.UpdatedAt = notified.UTC().Truncate(time.Second), in.Reference, actor.UserID, now, now
		if err := tx.UpdateClock(ctx, c); err != nil {
			return err
		}
		if _, err := tx.CancelJobs(ctx, hikeshi.ClockJobPrefix(c.ID), now); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "incident.clock.done", "incident", inc.ID, nil,
			map[string]string{"clock_id": c.ID, "kind": string(c.Kind), "notified_at": hikeshi.FormatTime(c.StoppedAt)}); err != nil {
			return err
		}
		out = c
		return s.reconcile(ctx, tx, inc)
	})
	if err != nil {
		return hikeshi.IncidentClock{}, fmt.Errorf("record notification: %w", err)
	}
	return out, nil
}

// ClockView is a clock with what is computed at the moment it is shown.
type ClockView struct {
	Clock     hikeshi.IncidentClock
	State     hikeshi.ClockState
	Target    time.Duration // due − start
	Remaining time.Duration // due − now; negative when overdue
}

func viewClock(c hikeshi.IncidentClock, now time.Time) ClockView {
	return ClockView{Clock: c, State: c.State(now), Target: c.DueAt.Sub(c.StartedAt), Remaining: c.DueAt.Sub(now)}
}

// IncidentClocks is what the incident page and API show of its clocks.
type IncidentClocks struct {
	Clocks    []ClockView
	Facts     hikeshi.IncidentFacts // zero when none recorded
	CanHandle bool
	Now       time.Time
}

// ForIncident returns an incident's clocks and facts.
func (s *Clocks) ForIncident(ctx context.Context, actor hikeshi.Actor, incidentID string) (IncidentClocks, error) {
	inc, err := s.seeIncident(ctx, s.st, actor, incidentID)
	if err != nil {
		return IncidentClocks{}, fmt.Errorf("incident clocks: %w", err)
	}
	out := IncidentClocks{CanHandle: canHandle(actor), Now: s.clock.Now()}
	out.Facts, err = s.st.FindIncidentFacts(ctx, inc.ID)
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return IncidentClocks{}, fmt.Errorf("incident clocks: %w", err)
	}
	cs, err := s.st.FindIncidentClocks(ctx, inc.ID)
	if err != nil {
		return IncidentClocks{}, fmt.Errorf("incident clocks: %w", err)
	}
	for _, c := range cs {
		out.Clocks = append(out.Clocks, viewClock(c, out.Now))
	}
	return out, nil
}

// DueItem is one running clock in the list of everything due.
type DueItem struct {
	ClockView
	Number   string
	Title    string
	TLP      hikeshi.TLP
	Priority hikeshi.Priority
	OwnerID  string
}

// DueCursor encodes the position after a clock in the due list.
func DueCursor(c hikeshi.IncidentClock) string { return hikeshi.FormatTime(c.DueAt) + "_" + c.ID }

func parseDueCursor(s string) (time.Time, string, error) {
	ts, id, ok := strings.Cut(s, "_")
	t, err := time.Parse(hikeshi.TimeLayout, ts)
	if !ok || err != nil || id == "" || len(id) > 64 {
		return time.Time{}, "", hikeshi.Invalid("after", "invalid_cursor", "the cursor is not one this list gave")
	}
	return t, id, nil
}

// Due lists the running clocks the actor may see, earliest due first, after
// the cursor (DueCursor of the last item seen): the CSIRT, admins, managers
// and auditors, with the incidents' TLP visibility.
func (s *Clocks) Due(ctx context.Context, actor hikeshi.Actor, after string, limit int) ([]DueItem, error) {
	if !canReadClocks(actor) {
		return nil, forbid("list due clocks")
	}
	f := hikeshi.DueFilter{SeeRestricted: seesAll(actor), ViewerID: actor.UserID, Limit: limit}
	if after != "" {
		var err error
		if f.AfterDue, f.AfterID, err = parseDueCursor(after); err != nil {
			return nil, err
		}
	}
	list, err := s.st.FindDueClocks(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list due clocks: %w", err)
	}
	now := s.clock.Now()
	out := make([]DueItem, 0, len(list))
	for _, d := range list {
		out = append(out, DueItem{ClockView: viewClock(d.Clock, now), Number: d.Number, Title: d.Title, TLP: d.TLP,
			Priority: d.Priority, OwnerID: d.OwnerID})
	}
	return out, nil
}
