package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// incidentJSON is an incident.
type incidentJSON struct {
	ID              string     `json:"id" format:"uuid"`
	Number          string     `json:"number" doc:"Human number, e.g. INC-2026-0042."`
	Title           string     `json:"title"`
	Summary         string     `json:"summary" doc:"Plain text; never HTML."`
	Category        string     `json:"category" doc:"A class or type key of the Reference Security Incident Taxonomy, e.g. phishing."`
	Impact          int        `json:"impact" doc:"1 (highest) to 4."`
	Urgency         int        `json:"urgency" doc:"1 (highest) to 4."`
	Priority        int        `json:"priority" doc:"1 (most urgent) to 4, from impact × urgency through the priority matrix."`
	TLP             string     `json:"tlp" enum:"tlp" doc:"TLP 2.0. RED and AMBER+STRICT incidents are visible only to the CSIRT and the people added to them."`
	Phase           string     `json:"phase" enum:"phase"`
	OwnerID         *string    `json:"owner_id" format:"uuid" doc:"The handler in charge; null when unassigned."`
	NoticedAt       *time.Time `json:"noticed_at" doc:"When its first reporter noticed the problem, as they said; null when no report said. Set by triage, never typed in."`
	ReportedAt      time.Time  `json:"reported_at" doc:"When it first reached the CSIRT: its earliest report, else its creation. Service-level clocks count from here."`
	CreatedAt       time.Time  `json:"created_at" doc:"When the incident was opened."`
	TriagedAt       *time.Time `json:"triaged_at" doc:"Set by the workflow on entering initial_response."`
	FirstResponseAt *time.Time `json:"first_response_at" doc:"Set by the workflow at the first OODA act step."`
	ContainedAt     *time.Time `json:"contained_at" doc:"Set by the workflow on entering recovery."`
	RecoveredAt     *time.Time `json:"recovered_at" doc:"Set by the workflow on entering recurrence_prevention."`
	ClosedAt        *time.Time `json:"closed_at" doc:"Set on closing; cleared by a reopen."`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func toIncident(i hikeshi.Incident) incidentJSON {
	return incidentJSON{ID: i.ID, Number: i.Number, Title: i.Title, Summary: i.Summary, Category: i.Category,
		Impact: int(i.Impact), Urgency: int(i.Urgency), Priority: int(i.Priority), TLP: string(i.TLP), Phase: string(i.Phase),
		OwnerID: strPtr(i.OwnerID), NoticedAt: timePtr(i.NoticedAt), ReportedAt: i.ReportedAt.UTC(), CreatedAt: i.CreatedAt.UTC(), TriagedAt: timePtr(i.TriagedAt), FirstResponseAt: timePtr(i.FirstResponseAt),
		ContainedAt: timePtr(i.ContainedAt), RecoveredAt: timePtr(i.RecoveredAt), ClosedAt: timePtr(i.ClosedAt), UpdatedAt: i.UpdatedAt.UTC()}
}

// incidentCreateJSON opens an incident.
type incidentCreateJSON struct {
	Title    string  `json:"title" doc:"One line, at most 200 characters."`
	Summary  string  `json:"summary,omitempty"`
	Category string  `json:"category" doc:"A class or type key of the Reference Security Incident Taxonomy."`
	Impact   int     `json:"impact" doc:"1 (highest) to 4."`
	Urgency  int     `json:"urgency" doc:"1 (highest) to 4."`
	TLP      string  `json:"tlp,omitempty" enum:"tlp" doc:"Default AMBER."`
	OwnerID  *string `json:"owner_id,omitempty" format:"uuid"`
}

// incidentPatchJSON changes an incident (JSON merge-patch).
type incidentPatchJSON struct {
	Title    optional[string] `json:"title"`
	Summary  optional[string] `json:"summary"`
	Category optional[string] `json:"category"`
	Impact   optional[int]    `json:"impact"`
	Urgency  optional[int]    `json:"urgency"`
	TLP      optional[string] `json:"tlp" enum:"tlp"`
	OwnerID  optional[string] `json:"owner_id" format:"uuid" nullable:"true" doc:"null unassigns."`
}

// transitionJSON moves an incident to another phase.
type transitionJSON struct {
	To     string `json:"to,omitempty" enum:"phase" doc:"The next phase: one step forward or one step back. Leave out with reopen."`
	Reopen bool   `json:"reopen,omitempty" doc:"Reopen a closed incident (back to recurrence_prevention)."`
	Note   string `json:"note,omitempty" doc:"Goes to the timeline with the move."`
}

// oodaStepJSON is one step of the OODA record.
type oodaStepJSON struct {
	ID              string    `json:"id" format:"uuid"`
	Kind            string    `json:"kind" enum:"ooda_kind"`
	Text            string    `json:"text"`
	AuthorID        *string   `json:"author_id" format:"uuid"`
	At              time.Time `json:"at"`
	Loop            int       `json:"loop" doc:"1-based loop number, derived: each observe after an act opens a new loop."`
	DurationSeconds int64     `json:"duration_seconds" doc:"Until the next step, derived; 0 for the last step."`
}

// oodaStepCreateJSON records an OODA step.
type oodaStepCreateJSON struct {
	Kind string `json:"kind" enum:"ooda_kind"`
	Text string `json:"text"`
}

func (h *Handler) listIncidents(c *call) error {
	p, err := c.page("incidents", validID)
	if err != nil {
		return err
	}
	phase := hikeshi.Phase(c.param("phase"))
	if phase != "" && !phase.Valid() {
		return fieldError("phase", "unknown", "phase must be one of discovery, initial_response, recovery, recurrence_prevention, closed.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Incident, error) {
		return h.svc.Incidents.List(c.ctx(), c.actor, hikeshi.IncidentFilter{Phase: phase, Page: hikeshi.Page{After: after, Limit: n}})
	}, func(i hikeshi.Incident) string { return i.ID })
	if err != nil {
		return err
	}
	out := make([]incidentJSON, len(items))
	for i, inc := range items {
		out[i] = toIncident(inc)
	}
	return writePage(c, "incidents", out, next)
}

func (h *Handler) createIncident(c *call) error {
	var in incidentCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.IncidentInput{Title: in.Title, Summary: in.Summary, Category: in.Category, Impact: hikeshi.Level(in.Impact),
		Urgency: hikeshi.Level(in.Urgency), TLP: hikeshi.TLP(in.TLP)}
	if in.OwnerID != nil {
		si.OwnerID = *in.OwnerID
	}
	inc, err := h.svc.Incidents.Create(c.ctx(), c.actor, si)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/incidents/"+inc.ID, toIncident(inc))
}

func (h *Handler) getIncident(c *call) error {
	inc, err := h.svc.Incidents.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toIncident(inc))
}

func (h *Handler) updateIncident(c *call) error {
	var in incidentPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.IncidentPatch
	var v hikeshi.ValidationError
	str := func(name string, o optional[string], dst **string) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			*dst = &o.Value
		}
	}
	lvl := func(name string, o optional[int], dst **hikeshi.Level) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			l := hikeshi.Level(o.Value)
			*dst = &l
		}
	}
	str("title", in.Title, &p.Title)
	str("summary", in.Summary, &p.Summary)
	str("category", in.Category, &p.Category)
	lvl("impact", in.Impact, &p.Impact)
	lvl("urgency", in.Urgency, &p.Urgency)
	if in.TLP.Set {
		if in.TLP.Null {
			v.Add("tlp", "required", "tlp cannot be null")
		}
		t := hikeshi.TLP(in.TLP.Value)
		p.TLP = &t
	}
	if in.OwnerID.Set {
		owner := in.OwnerID.Value // null unassigns: the zero value
		p.OwnerID = &owner
	}
	if err := v.Err(); err != nil {
		return err
	}
	inc, err := h.svc.Incidents.Update(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toIncident(inc))
}

func (h *Handler) transitionIncident(c *call) error {
	var in transitionJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	var inc hikeshi.Incident
	var err error
	switch {
	case in.Reopen && in.To != "":
		return fieldError("to", "conflict", "give either to or reopen, not both.")
	case in.Reopen:
		inc, err = h.svc.Incidents.Reopen(c.ctx(), c.actor, id, in.Note)
	default:
		inc, err = h.svc.Incidents.Transition(c.ctx(), c.actor, id, hikeshi.Phase(in.To), in.Note)
	}
	var te *hikeshi.TransitionError
	if errors.As(err, &te) {
		return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "to", Code: te.Code, Message: te.Reason}}}
	}
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toIncident(inc))
}

func (h *Handler) listOODA(c *call) error {
	stats, _, err := h.svc.Incidents.OODA(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]oodaStepJSON, len(stats))
	for i, s := range stats {
		out[i] = oodaStepJSON{ID: s.Step.ID, Kind: string(s.Step.Kind), Text: s.Step.Text, AuthorID: strPtr(s.Step.AuthorID),
			At: s.Step.At.UTC(), Loop: s.Loop, DurationSeconds: int64(s.Duration / time.Second)}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) createOODAStep(c *call) error {
	var in oodaStepCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	s, err := h.svc.Incidents.AddOODAStep(c.ctx(), c.actor, id, hikeshi.OODAKind(in.Kind), in.Text)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/incidents/"+id+"/ooda", oodaStepJSON{ID: s.ID, Kind: string(s.Kind), Text: s.Text,
		AuthorID: strPtr(s.AuthorID), At: s.At.UTC()})
}

// incidentMemberJSON is a person explicitly added to an incident.
type incidentMemberJSON struct {
	UserID  string    `json:"user_id" format:"uuid"`
	AddedBy *string   `json:"added_by" format:"uuid"`
	AddedAt time.Time `json:"added_at"`
}

// incidentMemberCreateJSON adds a person to an incident.
type incidentMemberCreateJSON struct {
	UserID string `json:"user_id" format:"uuid"`
}

// incidentEventJSON is one entry of an incident's timeline.
type incidentEventJSON struct {
	ID        string    `json:"id" format:"uuid"`
	Kind      string    `json:"kind" enum:"incident_event_kind"`
	FromPhase *string   `json:"from_phase" enum:"phase" doc:"For phase changes and reopens."`
	ToPhase   *string   `json:"to_phase" enum:"phase" doc:"For phase changes, reopens and creation."`
	Text      string    `json:"text" doc:"The note given with the change; the step kind for ooda entries; +user or -user for member changes."`
	AuthorID  *string   `json:"author_id" format:"uuid"`
	At        time.Time `json:"at"`
}

func (h *Handler) listIncidentMembers(c *call) error {
	d, err := h.svc.Incidents.Detail(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]incidentMemberJSON, len(d.Members))
	for i, m := range d.Members {
		out[i] = incidentMemberJSON{UserID: m.UserID, AddedBy: strPtr(m.AddedBy), AddedAt: m.AddedAt.UTC()}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) addIncidentMember(c *call) error {
	var in incidentMemberCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if err := h.svc.Incidents.AddMember(c.ctx(), c.actor, c.r.PathValue("id"), in.UserID); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) removeIncidentMember(c *call) error {
	if err := h.svc.Incidents.RemoveMember(c.ctx(), c.actor, c.r.PathValue("id"), c.r.PathValue("user")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) listIncidentEvents(c *call) error {
	d, err := h.svc.Incidents.Detail(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]incidentEventJSON, len(d.Events))
	for i, e := range d.Events {
		out[i] = incidentEventJSON{ID: e.ID, Kind: string(e.Kind), FromPhase: strPtr(string(e.FromPhase)), ToPhase: strPtr(string(e.ToPhase)),
			Text: e.Text, AuthorID: strPtr(e.AuthorID), At: e.At.UTC()}
	}
	return c.json(http.StatusOK, out)
}

// incidentNoteCreateJSON writes a note to the timeline.
type incidentNoteCreateJSON struct {
	Text string `json:"text" doc:"Plain text, at most 20000 characters."`
}

func (h *Handler) createIncidentNote(c *call) error {
	var in incidentNoteCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	e, err := h.svc.Incidents.AddNote(c.ctx(), c.actor, id, in.Text)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/incidents/"+id+"/events", incidentEventJSON{ID: e.ID, Kind: string(e.Kind), Text: e.Text,
		AuthorID: strPtr(e.AuthorID), At: e.At.UTC()})
}
