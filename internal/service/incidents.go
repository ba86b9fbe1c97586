package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Incidents is the CSIRT's response to incidents (IH-5).
//
// Who sees what (issue 3, part 7): the CSIRT sees every incident. Admins,
// managers and auditors see every incident except TLP:RED and AMBER+STRICT
// ones, which only the CSIRT and the people explicitly added to them see. A
// department member sees only the incidents they were explicitly added to
// (their task inbox comes with tasks). The CSIRT and admins create and work
// incidents they can see. An incident the actor may not see is ErrNotFound,
// so its existence is not revealed.
type Incidents struct {
	base
	observers []incidentObserver
	// closeCheck, when set, may refuse to close an incident (with a
	// *hikeshi.TransitionError), e.g. while its review is unfinished.
	closeCheck func(ctx context.Context, tx hikeshi.Tx, i hikeshi.Incident) error
}

// incidentObserver is told of every change to an incident inside the
// transaction that makes it, so that what follows from the change (clocks and
// their reminder jobs) commits or rolls back with it. before is the zero
// Incident when the incident is created.
type incidentObserver interface {
	incidentChanged(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, before, after hikeshi.Incident) error
}

// changed tells every observer of a change to an incident.
func (s *Incidents) changed(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, before, after hikeshi.Incident) error {
	for _, o := range s.observers {
		if err := o.incidentChanged(ctx, tx, actor, before, after); err != nil {
			return err
		}
	}
	return nil
}

// IncidentInput is a new incident as the CSIRT types it.
type IncidentInput struct {
	Title    string
	Summary  string
	Category string // an RSIT class or type key
	Impact   hikeshi.Level
	Urgency  hikeshi.Level
	TLP      hikeshi.TLP // empty = AMBER
	OwnerID  string      // empty = unassigned

	// Set by triage from the report the incident is opened from, never
	// typed in: when the reporter noticed it, when it was reported, and when
	// it was triaged (the decision that opens it).
	noticedAt, reportedAt time.Time
	triaged               bool
}

// IncidentPatch changes an incident; nil fields stay as they are.
type IncidentPatch struct {
	Title    *string
	Summary  *string
	Category *string
	Impact   *hikeshi.Level
	Urgency  *hikeshi.Level
	TLP      *hikeshi.TLP
	OwnerID  *string // "" unassigns
}

// IncidentDetail is an incident with everything its page shows.
type IncidentDetail struct {
	Incident hikeshi.Incident
	Members  []hikeshi.IncidentMember
	Steps    []hikeshi.OODAStepStat
	Loops    int
	Events   []hikeshi.IncidentEvent
	// Allowed are the phases the actor may move the incident to now; a
	// closed incident offers none (it is reopened instead).
	Allowed   []hikeshi.Phase
	CanHandle bool // the actor may change the incident
	CanReopen bool
}

// incidentAudit is what the audit log keeps of an incident: identity and
// classification, never its title or summary (a TLP:RED incident's words must
// not reach everyone who reads the audit log).
type incidentAudit struct {
	ID       string `json:"id"`
	Number   string `json:"number"`
	Category string `json:"category"`
	Impact   int    `json:"impact"`
	Urgency  int    `json:"urgency"`
	Priority int    `json:"priority"`
	TLP      string `json:"tlp"`
	Phase    string `json:"phase"`
	OwnerID  string `json:"owner_id,omitempty"`
}

func auditOfIncident(i hikeshi.Incident) incidentAudit {
	return incidentAudit{ID: i.ID, Number: i.Number, Category: i.Category, Impact: int(i.Impact), Urgency: int(i.Urgency),
		Priority: int(i.Priority), TLP: string(i.TLP), Phase: string(i.Phase), OwnerID: i.OwnerID}
}

// seesAll reports whether the actor sees restricted incidents without membership.
func seesAll(a hikeshi.Actor) bool { return a.SeesRestrictedIncidents() || a.IsSystem() }

// canSeeIncident applies the visibility rule to one incident.
func canSeeIncident(ctx context.Context, r hikeshi.Reader, a hikeshi.Actor, i hikeshi.Incident) (bool, error) {
	if seesAll(a) {
		return true, nil
	}
	if a.UserID == "" {
		return false, nil
	}
	if a.CanListIncidents() && !i.TLP.Restricted() {
		return true, nil
	}
	return r.IsIncidentMember(ctx, i.ID, a.UserID)
}

func canHandle(a hikeshi.Actor) bool { return a.CanHandleIncidents() || a.IsSystem() }

// List returns the incidents the actor may see, newest first. Invisible
// incidents are filtered in the query, so pages stay full and cursors correct.
func (s *Incidents) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.IncidentFilter) ([]hikeshi.Incident, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return nil, fmt.Errorf("list incidents: %w", hikeshi.ErrUnauthenticated)
	}
	if f.Phase != "" && !f.Phase.Valid() {
		return nil, hikeshi.Invalid("phase", "unknown", "unknown phase")
	}
	f.ViewerID, f.SeeRestricted, f.MemberOnly = actor.UserID, seesAll(actor), false
	if !actor.CanListIncidents() && !actor.IsSystem() {
		f.MemberOnly = true
	}
	out, err := s.st.FindIncidents(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return out, nil
}

// get loads an incident the actor may see.
func (s *Incidents) get(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.Incident, error) {
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

// Get returns one incident.
func (s *Incidents) Get(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Incident, error) {
	i, err := s.get(ctx, s.st, actor, id)
	if err != nil {
		return hikeshi.Incident{}, fmt.Errorf("get incident: %w", err)
	}
	return i, nil
}

// Detail returns an incident with its members, OODA record, timeline and the
// moves the actor may make.
func (s *Incidents) Detail(ctx context.Context, actor hikeshi.Actor, id string) (IncidentDetail, error) {
	i, err := s.get(ctx, s.st, actor, id)
	if err != nil {
		return IncidentDetail{}, fmt.Errorf("get incident: %w", err)
	}
	d := IncidentDetail{Incident: i, CanHandle: canHandle(actor)}
	if d.Members, err = s.st.FindIncidentMembers(ctx, id); err != nil {
		return IncidentDetail{}, fmt.Errorf("get incident: %w", err)
	}
	steps, err := s.st.FindOODASteps(ctx, id, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return IncidentDetail{}, fmt.Errorf("get incident: %w", err)
	}
	d.Steps, d.Loops = hikeshi.OODALoops(steps)
	if d.Events, err = s.st.FindIncidentEvents(ctx, id, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return IncidentDetail{}, fmt.Errorf("get incident: %w", err)
	}
	if d.CanHandle {
		d.Allowed = hikeshi.AllowedTransitions(i.Phase)
		d.CanReopen = hikeshi.CheckReopen(i.Phase) == nil
	}
	return d, nil
}

// validateIncident checks an incident before it is written. before is the
// incident as it was (zero when it is new): a category the organisation no
// longer uses is refused, unless the incident already carries it.
func validateIncident(ctx context.Context, r hikeshi.Reader, i, before hikeshi.Incident) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "title", i.Title, hikeshi.MaxIncidentTitleLen, true)
	if strings.ContainsAny(i.Title, "\r\n") {
		v.Add("title", "invalid_text", "the title is one line")
	}
	hikeshi.ValidateText(&v, "summary", i.Summary, hikeshi.MaxIncidentTextLen, false)
	if _, _, ok := hikeshi.RSITLookup(i.Category); !ok {
		v.Add("category", "unknown", "category must be a class or type of the Reference Security Incident Taxonomy")
	} else if i.Category != before.Category {
		tax, err := taxonomy(ctx, r)
		if err != nil {
			return err
		}
		if !tax.Enabled(i.Category) {
			v.Add("category", "not_in_use", "the organisation does not use this category; choose another or enable it in the triage settings")
		}
	}
	if !i.Impact.Valid() {
		v.Add("impact", "out_of_range", "impact must be 1 (highest) to 4")
	}
	if !i.Urgency.Valid() {
		v.Add("urgency", "out_of_range", "urgency must be 1 (highest) to 4")
	}
	if !i.TLP.Valid() {
		v.Add("tlp", "unknown", "tlp must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	}
	if i.OwnerID != "" {
		u, err := r.FindUserByID(ctx, i.OwnerID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add("owner_id", "unknown", "no such user")
		case err != nil:
			return err
		case !u.Active():
			v.Add("owner_id", "disabled", "the user is disabled")
		case u.Role != hikeshi.RoleCSIRT && u.Role != hikeshi.RoleAdmin && i.OwnerID != before.OwnerID:
			v.Add("owner_id", "not_handler", "the owner is a member of the CSIRT or an admin")
		}
	}
	return v.Err()
}

// Create opens an incident in the discovery phase (CSIRT and admins). Its
// number comes from the year's counter in the same transaction. A creator who
// would not see a restricted incident without membership is added as a member.
func (s *Incidents) Create(ctx context.Context, actor hikeshi.Actor, in IncidentInput) (hikeshi.Incident, error) {
	var i hikeshi.Incident
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var err error
		i, err = s.create(ctx, tx, actor, in)
		return err
	})
	if err != nil {
		return hikeshi.Incident{}, fmt.Errorf("create incident: %w", err)
	}
	return i, nil
}

// create opens an incident inside tx; triage uses it to open an incident from
// a report in the transaction that records the decision.
func (s *Incidents) create(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, in IncidentInput) (hikeshi.Incident, error) {
	if !canHandle(actor) {
		return hikeshi.Incident{}, forbid("create incident")
	}
	now := s.clock.Now()
	if in.TLP == "" {
		in.TLP = hikeshi.TLPAmber
	}
	i := hikeshi.Incident{ID: hikeshi.NewID(), Title: strings.TrimSpace(in.Title), Summary: strings.TrimSpace(in.Summary),
		Category: in.Category, Impact: in.Impact, Urgency: in.Urgency, TLP: in.TLP, Phase: hikeshi.PhaseDiscovery,
		OwnerID: in.OwnerID, ReportedAt: now, CreatedAt: now, UpdatedAt: now}
	i = i.Reported(in.noticedAt, in.reportedAt)
	if in.triaged {
		i.TriagedAt = now
	}
	m, err := priorityMatrix(ctx, tx)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	i.Priority = m.Priority(i.Impact, i.Urgency)
	if err := validateIncident(ctx, tx, i, hikeshi.Incident{}); err != nil {
		return hikeshi.Incident{}, err
	}
	n, err := tx.NextCounter(ctx, hikeshi.IncidentCounter(now.Year()))
	if err != nil {
		return hikeshi.Incident{}, err
	}
	i.Number = hikeshi.IncidentNumber(now.Year(), n)
	if err := tx.CreateIncident(ctx, i); err != nil {
		return hikeshi.Incident{}, err
	}
	if err := s.event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventCreated, ToPhase: i.Phase}); err != nil {
		return hikeshi.Incident{}, err
	}
	if err := s.audit(ctx, tx, actor, "incident.create", "incident", i.ID, nil, auditOfIncident(i)); err != nil {
		return hikeshi.Incident{}, err
	}
	if err := s.changed(ctx, tx, actor, hikeshi.Incident{}, i); err != nil {
		return hikeshi.Incident{}, err
	}
	return i, s.keepSight(ctx, tx, actor, i)
}

// keepSight adds a handler as a member of a restricted incident they would
// otherwise lose sight of (an admin labelling an incident RED).
func (s *Incidents) keepSight(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, i hikeshi.Incident) error {
	if !i.TLP.Restricted() || seesAll(actor) || actor.UserID == "" {
		return nil
	}
	member, err := tx.IsIncidentMember(ctx, i.ID, actor.UserID)
	if err != nil || member {
		return err
	}
	return s.addMember(ctx, tx, actor, i, actor.UserID)
}

// event appends a timeline entry authored by actor.
func (s *Incidents) event(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id string, e hikeshi.IncidentEvent) error {
	e.ID, e.IncidentID, e.AuthorID, e.At = hikeshi.NewID(), id, actor.UserID, s.clock.Now()
	return tx.CreateIncidentEvent(ctx, e)
}

// handle loads an incident for a change by a handler who can see it.
func (s *Incidents) handle(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Incident, error) {
	i, err := s.get(ctx, tx, actor, id)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	if !canHandle(actor) {
		return hikeshi.Incident{}, forbid(what)
	}
	return i, nil
}

// Update changes an incident's classification, owner or words (CSIRT and admins).
func (s *Incidents) Update(ctx context.Context, actor hikeshi.Actor, id string, p IncidentPatch) (hikeshi.Incident, error) {
	var out hikeshi.Incident
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := s.handle(ctx, tx, actor, id, "update incident")
		if err != nil {
			return err
		}
		i := before
		if p.Title != nil {
			i.Title = strings.TrimSpace(*p.Title)
		}
		if p.Summary != nil {
			i.Summary = strings.TrimSpace(*p.Summary)
		}
		if p.Category != nil {
			i.Category = *p.Category
		}
		if p.Impact != nil {
			i.Impact = *p.Impact
		}
		if p.Urgency != nil {
			i.Urgency = *p.Urgency
		}
		if p.TLP != nil {
			i.TLP = *p.TLP
		}
		if p.OwnerID != nil {
			i.OwnerID = *p.OwnerID
		}
		m, err := priorityMatrix(ctx, tx)
		if err != nil {
			return err
		}
		i.Priority = m.Priority(i.Impact, i.Urgency)
		if err := validateIncident(ctx, tx, i, before); err != nil {
			return err
		}
		if i == before {
			out = i
			return nil
		}
		i.UpdatedAt = s.clock.Now()
		if err := tx.UpdateIncident(ctx, i); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventUpdated}); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "incident.update", "incident", i.ID, auditOfIncident(before), auditOfIncident(i)); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, actor, before, i); err != nil {
			return err
		}
		out = i
		return s.keepSight(ctx, tx, actor, i)
	})
	if err != nil {
		return hikeshi.Incident{}, fmt.Errorf("update incident: %w", err)
	}
	return out, nil
}

// Transition moves an incident to another phase (CSIRT and admins). A move
// the phase table does not allow is refused with a *hikeshi.TransitionError
// giving the reason. The note, if any, goes to the timeline with the move.
func (s *Incidents) Transition(ctx context.Context, actor hikeshi.Actor, id string, to hikeshi.Phase, note string) (hikeshi.Incident, error) {
	return s.move(ctx, actor, id, to, note, false)
}

// Reopen takes a closed incident back to recurrence prevention (CSIRT and
// admins); it is the only way out of closed.
func (s *Incidents) Reopen(ctx context.Context, actor hikeshi.Actor, id, note string) (hikeshi.Incident, error) {
	return s.move(ctx, actor, id, hikeshi.ReopenPhase, note, true)
}

func (s *Incidents) move(ctx context.Context, actor hikeshi.Actor, id string, to hikeshi.Phase, note string, reopen bool) (hikeshi.Incident, error) {
	note = strings.TrimSpace(note)
	var out hikeshi.Incident
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := s.handle(ctx, tx, actor, id, "change an incident's phase")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "note", note, hikeshi.MaxIncidentTextLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		kind, action := hikeshi.EventPhase, "incident.phase"
		if reopen {
			err, kind, action = hikeshi.CheckReopen(before.Phase), hikeshi.EventReopened, "incident.reopen"
		} else {
			err = hikeshi.CheckTransition(before.Phase, to)
		}
		if err == nil && to == hikeshi.PhaseClosed && s.closeCheck != nil {
			err = s.closeCheck(ctx, tx, before)
		}
		if err != nil {
			return err
		}
		i := hikeshi.EnterPhase(before, to, s.clock.Now())
		if err := tx.UpdateIncident(ctx, i); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: kind, FromPhase: before.Phase, ToPhase: to, Text: note}); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, action, "incident", i.ID,
			map[string]string{"phase": string(before.Phase)}, map[string]string{"phase": string(to)}); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, actor, before, i); err != nil {
			return err
		}
		out = i
		return nil
	})
	if err != nil {
		return hikeshi.Incident{}, fmt.Errorf("move incident: %w", err)
	}
	return out, nil
}

// AddNote writes a note to the timeline (CSIRT and admins).
func (s *Incidents) AddNote(ctx context.Context, actor hikeshi.Actor, id, text string) (hikeshi.IncidentEvent, error) {
	text = strings.TrimSpace(text)
	var out hikeshi.IncidentEvent
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.handle(ctx, tx, actor, id, "add a note")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "text", text, hikeshi.MaxIncidentTextLen, true)
		if err := v.Err(); err != nil {
			return err
		}
		out = hikeshi.IncidentEvent{ID: hikeshi.NewID(), IncidentID: i.ID, Kind: hikeshi.EventNote, Text: text,
			AuthorID: actor.UserID, At: s.clock.Now()}
		if err := tx.CreateIncidentEvent(ctx, out); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "incident.note", "incident", i.ID, nil, map[string]string{"event_id": out.ID})
	})
	if err != nil {
		return hikeshi.IncidentEvent{}, fmt.Errorf("add incident note: %w", err)
	}
	return out, nil
}

// AddOODAStep records an observe, orient, decide or act step (CSIRT and
// admins). The first act step is the incident's first response.
func (s *Incidents) AddOODAStep(ctx context.Context, actor hikeshi.Actor, id string, kind hikeshi.OODAKind, text string) (hikeshi.OODAStep, error) {
	text = strings.TrimSpace(text)
	var out hikeshi.OODAStep
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.handle(ctx, tx, actor, id, "record an OODA step")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		if !kind.Valid() {
			v.Add("kind", "unknown", "kind must be observe, orient, decide or act")
		}
		hikeshi.ValidateText(&v, "text", text, hikeshi.MaxIncidentTextLen, true)
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		out = hikeshi.OODAStep{ID: hikeshi.NewID(), IncidentID: i.ID, Kind: kind, Text: text, AuthorID: actor.UserID, At: now}
		if err := tx.CreateOODAStep(ctx, out); err != nil {
			return err
		}
		if kind == hikeshi.OODAAct && i.FirstResponseAt.IsZero() {
			before := i
			i.FirstResponseAt, i.UpdatedAt = now, now
			if err := tx.UpdateIncident(ctx, i); err != nil {
				return err
			}
			if err := s.changed(ctx, tx, actor, before, i); err != nil {
				return err
			}
		}
		if err := s.event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventOODA, Text: string(kind)}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "incident.ooda", "incident", i.ID, nil, map[string]string{"step_id": out.ID, "kind": string(kind)})
	})
	if err != nil {
		return hikeshi.OODAStep{}, fmt.Errorf("add OODA step: %w", err)
	}
	return out, nil
}

// OODA returns an incident's OODA record with the derived loops and durations.
func (s *Incidents) OODA(ctx context.Context, actor hikeshi.Actor, id string) ([]hikeshi.OODAStepStat, int, error) {
	if _, err := s.get(ctx, s.st, actor, id); err != nil {
		return nil, 0, fmt.Errorf("get OODA record: %w", err)
	}
	steps, err := s.st.FindOODASteps(ctx, id, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, 0, fmt.Errorf("get OODA record: %w", err)
	}
	stats, loops := hikeshi.OODALoops(steps)
	return stats, loops, nil
}

func (s *Incidents) addMember(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, i hikeshi.Incident, userID string) error {
	m := hikeshi.IncidentMember{IncidentID: i.ID, UserID: userID, AddedBy: actor.UserID, AddedAt: s.clock.Now()}
	if err := tx.AddIncidentMember(ctx, m); err != nil {
		if errors.Is(err, hikeshi.ErrConflict) {
			return hikeshi.Conflict("user_id", "the person is already a member")
		}
		return err
	}
	if err := s.event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventMember, Text: "+" + userID}); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "incident.member.add", "incident", i.ID, nil, map[string]string{"user_id": userID})
}

// AddMember adds a person to an incident (CSIRT and admins); on a TLP:RED or
// AMBER+STRICT incident that is what lets them see it.
func (s *Incidents) AddMember(ctx context.Context, actor hikeshi.Actor, id, userID string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.handle(ctx, tx, actor, id, "add an incident member")
		if err != nil {
			return err
		}
		u, err := tx.FindUserByID(ctx, userID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.Invalid("user_id", "unknown", "no such user")
		}
		if err != nil {
			return err
		}
		if !u.Active() {
			return hikeshi.Invalid("user_id", "disabled", "the user is disabled")
		}
		return s.addMember(ctx, tx, actor, i, u.ID)
	})
	if err != nil {
		return fmt.Errorf("add incident member: %w", err)
	}
	return nil
}

// RemoveMember takes a person off an incident (CSIRT and admins).
func (s *Incidents) RemoveMember(ctx context.Context, actor hikeshi.Actor, id, userID string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.handle(ctx, tx, actor, id, "remove an incident member")
		if err != nil {
			return err
		}
		if err := tx.RemoveIncidentMember(ctx, i.ID, userID); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, i.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventMember, Text: "-" + userID}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "incident.member.remove", "incident", i.ID, map[string]string{"user_id": userID}, nil)
	})
	if err != nil {
		return fmt.Errorf("remove incident member: %w", err)
	}
	return nil
}
