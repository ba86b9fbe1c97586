package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["clock_kind"] = stringsOf(hikeshi.ClockKinds)
	enums["clock_state"] = []string{string(hikeshi.ClockRunning), string(hikeshi.ClockOverdue), string(hikeshi.ClockMet),
		string(hikeshi.ClockMissed), string(hikeshi.ClockWithdrawn)}
	enums["clock_stage"] = []string{string(hikeshi.StageRemind), string(hikeshi.StageRemindDay), string(hikeshi.StageEscalate)}
}

// clockRoutes are the operations of service-level and regulatory clocks and notifications (IH-6).
func (h *Handler) clockRoutes() []route {
	return []route{
		{method: get, path: "/clocks/due", op: "listDueClocks", tag: "clocks", summary: "Running clocks, the earliest due first",
			doc:  "The CSIRT, admins, managers and auditors; TLP:RED and AMBER+STRICT incidents only for the CSIRT and their members.",
			list: true, status: http.StatusOK, resp: dueClockJSON{}, handle: h.listDueClocks},
		{method: get, path: "/clocks/targets", op: "getClockTargets", tag: "clocks", summary: "Service-level targets by priority",
			status: http.StatusOK, resp: clockTargetsJSON{}, handle: h.getClockTargets},
		{method: put, path: "/clocks/targets", op: "putClockTargets", tag: "clocks", summary: "Set the service-level targets (CSIRT, admins)",
			doc:  "Every priority's three targets, in minutes (1 to 525600); triage and first response no longer than containment. Running clocks are rescheduled.",
			body: clockTargetsJSON{}, status: http.StatusOK, resp: clockTargetsJSON{}, handle: h.putClockTargets},
		{method: get, path: "/incidents/{id}/clocks", op: "listIncidentClocks", tag: "clocks", summary: "An incident's clocks and facts",
			status: http.StatusOK, resp: incidentClocksJSON{}, handle: h.listIncidentClocks},
		{method: put, path: "/incidents/{id}/facts", op: "putIncidentFacts", tag: "clocks", summary: "Set the facts that start regulatory clocks (CSIRT, admins)",
			doc:  "aware_at is when the organisation became aware (RFC 3339, not in the future); left out, the recorded time stays, or now when the first fact is set.",
			body: factsInputJSON{}, status: http.StatusOK, resp: factsJSON{}, handle: h.putIncidentFacts},
		{method: post, path: "/incidents/{id}/clocks/{clockID}/done", op: "recordClockDone", tag: "clocks", summary: "Record a regulatory notification as done (CSIRT, admins)",
			doc:  "Stops the clock at notified_at (RFC 3339; default now, not in the future). Recording the NIS2 notification starts the NIS2 final report's clock.",
			body: clockDoneJSON{}, optionalBody: true, status: http.StatusOK, resp: clockJSON{}, handle: h.recordClockDone},
		{method: get, path: "/notifications", op: "listNotifications", tag: "notifications", summary: "Your notifications, newest first",
			params: []param{{name: "unread", typ: "string", doc: "true: only unread ones."}},
			list:   true, status: http.StatusOK, resp: notificationJSON{}, handle: h.listNotifications},
		{method: post, path: "/notifications/read-all", op: "readAllNotifications", tag: "notifications", summary: "Mark all your notifications read",
			status: http.StatusOK, resp: readAllJSON{}, handle: h.readAllNotifications},
		{method: post, path: "/notifications/{id}/read", op: "readNotification", tag: "notifications", summary: "Mark one of your notifications read",
			status: http.StatusNoContent, handle: h.readNotification},
	}
}

// clockJSON is one clock of an incident, with what is computed at the request.
type clockJSON struct {
	ID               string     `json:"id" format:"uuid"`
	IncidentID       string     `json:"incident_id" format:"uuid"`
	Kind             string     `json:"kind" enum:"clock_kind"`
	Regulatory       bool       `json:"regulatory" doc:"A notification clock, stopped by recording it done; otherwise a service-level timer stopped by the workflow."`
	StartedAt        time.Time  `json:"started_at"`
	DueAt            time.Time  `json:"due_at"`
	StoppedAt        *time.Time `json:"stopped_at" doc:"The workflow's timestamp, or the notification time."`
	WithdrawnAt      *time.Time `json:"withdrawn_at" doc:"Set when the fact that started it was unset."`
	State            string     `json:"state" enum:"clock_state"`
	TargetSeconds    int64      `json:"target_seconds"`
	RemainingSeconds int64      `json:"remaining_seconds" doc:"Until due at the time of the request; negative when overdue."`
	Reference        string     `json:"reference" doc:"The reference or note recorded with the notification."`
	DoneBy           *string    `json:"done_by" format:"uuid"`
	DoneAt           *time.Time `json:"done_at"`
}

func toClock(v service.ClockView) clockJSON {
	c := v.Clock
	return clockJSON{ID: c.ID, IncidentID: c.IncidentID, Kind: string(c.Kind), Regulatory: c.Kind.Regulatory(), StartedAt: c.StartedAt.UTC(),
		DueAt: c.DueAt.UTC(), StoppedAt: timePtr(c.StoppedAt), WithdrawnAt: timePtr(c.WithdrawnAt), State: string(v.State),
		TargetSeconds: int64(v.Target / time.Second), RemainingSeconds: int64(v.Remaining / time.Second), Reference: c.Reference,
		DoneBy: strPtr(c.DoneBy), DoneAt: timePtr(c.DoneAt)}
}

// factsJSON are the facts recorded about an incident.
type factsJSON struct {
	PersonalData bool       `json:"personal_data" doc:"A personal-data breach reportable under Japan's APPI."`
	Malicious    bool       `json:"malicious" doc:"Caused by a malicious act: the APPI final report is due in 60 days instead of 30."`
	GDPR         bool       `json:"gdpr" doc:"EU personal data: GDPR art. 33 (72 hours)."`
	NIS2         bool       `json:"nis2" doc:"An essential or important entity under NIS2 (24 h, 72 h, one month)."`
	AwareAt      *time.Time `json:"aware_at" doc:"When the organisation became aware; null before any fact is set."`
	UpdatedAt    *time.Time `json:"updated_at"`
}

func toFacts(f hikeshi.IncidentFacts) factsJSON {
	return factsJSON{PersonalData: f.PersonalData, Malicious: f.Malicious, GDPR: f.GDPR, NIS2: f.NIS2, AwareAt: timePtr(f.AwareAt),
		UpdatedAt: timePtr(f.UpdatedAt)}
}

// factsInputJSON sets the facts; every boolean left out is false.
type factsInputJSON struct {
	PersonalData bool   `json:"personal_data,omitempty"`
	Malicious    bool   `json:"malicious,omitempty" doc:"Only with personal_data."`
	GDPR         bool   `json:"gdpr,omitempty"`
	NIS2         bool   `json:"nis2,omitempty"`
	AwareAt      string `json:"aware_at,omitempty" doc:"RFC 3339, e.g. 2026-04-01T09:30:00+09:00; not in the future."`
}

// incidentClocksJSON is an incident's clocks and facts.
type incidentClocksJSON struct {
	Facts  factsJSON   `json:"facts"`
	Clocks []clockJSON `json:"clocks"`
}

// clockDoneJSON records a notification as done.
type clockDoneJSON struct {
	NotifiedAt string `json:"notified_at,omitempty" doc:"RFC 3339; default now."`
	Reference  string `json:"reference,omitempty" doc:"The authority's reference or a note, at most 500 characters."`
}

// dueClockJSON is a running clock in the list of everything due.
type dueClockJSON struct {
	Clock          clockJSON `json:"clock"`
	IncidentNumber string    `json:"incident_number"`
	IncidentTitle  string    `json:"incident_title"`
	TLP            string    `json:"tlp" enum:"tlp"`
	Priority       int       `json:"priority"`
}

// slaTargetJSON is one priority's targets, in minutes.
type slaTargetJSON struct {
	Priority      int   `json:"priority" doc:"1 to 4."`
	Triage        int64 `json:"triage_minutes"`
	FirstResponse int64 `json:"first_response_minutes"`
	Containment   int64 `json:"containment_minutes"`
}

// clockTargetsJSON are the targets of the four priorities.
type clockTargetsJSON struct {
	Targets []slaTargetJSON `json:"targets"`
}

// notificationJSON is an in-app notification.
type notificationJSON struct {
	ID             string     `json:"id" format:"uuid"`
	Stage          string     `json:"stage" enum:"clock_stage"`
	IncidentID     *string    `json:"incident_id" format:"uuid" doc:"null when you can no longer see the incident."`
	IncidentNumber *string    `json:"incident_number"`
	ClockKind      string     `json:"clock_kind" enum:"clock_kind"`
	DueAt          time.Time  `json:"due_at"`
	CreatedAt      time.Time  `json:"created_at"`
	ReadAt         *time.Time `json:"read_at"`
}

// readAllJSON says how many notifications were marked read.
type readAllJSON struct {
	Count int `json:"count"`
}

func (h *Handler) listDueClocks(c *call) error {
	p, err := c.page("due", func(s string) bool {
		ts, id, ok := strings.Cut(s, "_")
		_, terr := time.Parse(hikeshi.TimeLayout, ts)
		return ok && terr == nil && validID(id)
	})
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.DueItem, error) {
		return h.svc.Clocks.Due(c.ctx(), c.actor, after, n)
	}, func(d service.DueItem) string { return service.DueCursor(d.Clock) })
	if err != nil {
		return err
	}
	out := make([]dueClockJSON, len(items))
	for i, d := range items {
		out[i] = dueClockJSON{Clock: toClock(d.ClockView), IncidentNumber: d.Number, IncidentTitle: d.Title, TLP: string(d.TLP),
			Priority: int(d.Priority)}
	}
	return writePage(c, "due", out, next)
}

func toTargets(t hikeshi.ClockTargets) clockTargetsJSON {
	out := clockTargetsJSON{}
	for i, s := range t {
		out.Targets = append(out.Targets, slaTargetJSON{Priority: i + 1, Triage: int64(s.Triage / time.Minute),
			FirstResponse: int64(s.FirstResponse / time.Minute), Containment: int64(s.Containment / time.Minute)})
	}
	return out
}

func (h *Handler) getClockTargets(c *call) error {
	t, err := h.svc.Clocks.Targets(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toTargets(t))
}

func (h *Handler) putClockTargets(c *call) error {
	var in clockTargetsJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var t hikeshi.ClockTargets
	seen := map[int]bool{}
	var v hikeshi.ValidationError
	for _, s := range in.Targets {
		if s.Priority < 1 || s.Priority > 4 || seen[s.Priority] {
			v.Add("targets", "invalid", "give each priority 1 to 4 once")
			continue
		}
		seen[s.Priority] = true
		minutes := func(n int64) time.Duration {
			if n < 0 || n > int64(hikeshi.MaxSLATarget/time.Minute) {
				return 0 // refused by Validate as out of range
			}
			return time.Duration(n) * time.Minute
		}
		t[s.Priority-1] = hikeshi.SLATarget{Triage: minutes(s.Triage), FirstResponse: minutes(s.FirstResponse), Containment: minutes(s.Containment)}
	}
	if len(seen) != 4 && len(v.Fields) == 0 {
		v.Add("targets", "invalid", "give the targets of all four priorities")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := h.svc.Clocks.SetTargets(c.ctx(), c.actor, t); err != nil {
		return err
	}
	return h.getClockTargets(c)
}

func (h *Handler) listIncidentClocks(c *call) error {
	ic, err := h.svc.Clocks.ForIncident(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := incidentClocksJSON{Facts: toFacts(ic.Facts), Clocks: []clockJSON{}}
	for _, v := range ic.Clocks {
		out.Clocks = append(out.Clocks, toClock(v))
	}
	return c.json(http.StatusOK, out)
}

// parseAPITime reads an optional RFC 3339 time.
func parseAPITime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, hikeshi.Invalid(field, "invalid_time", field+" must be an RFC 3339 time such as 2026-04-01T09:30:00+09:00")
	}
	return t, nil
}

func (h *Handler) putIncidentFacts(c *call) error {
	var in factsInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	aware, err := parseAPITime("aware_at", in.AwareAt)
	if err != nil {
		return err
	}
	f, err := h.svc.Clocks.SetFacts(c.ctx(), c.actor, c.r.PathValue("id"), service.FactsInput{PersonalData: in.PersonalData,
		Malicious: in.Malicious, GDPR: in.GDPR, NIS2: in.NIS2, AwareAt: aware})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toFacts(f))
}

func (h *Handler) recordClockDone(c *call) error {
	var in clockDoneJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	at, err := parseAPITime("notified_at", in.NotifiedAt)
	if err != nil {
		return err
	}
	cl, err := h.svc.Clocks.RecordDone(c.ctx(), c.actor, c.r.PathValue("id"), c.r.PathValue("clockID"),
		service.DoneInput{NotifiedAt: at, Reference: in.Reference})
	if err != nil {
		return err
	}
	ic, err := h.svc.Clocks.ForIncident(c.ctx(), c.actor, cl.IncidentID)
	if err != nil {
		return err
	}
	for _, v := range ic.Clocks {
		if v.Clock.ID == cl.ID {
			return c.json(http.StatusOK, toClock(v))
		}
	}
	return hikeshi.ErrNotFound
}

func (h *Handler) listNotifications(c *call) error {
	p, err := c.page("notifications", validID)
	if err != nil {
		return err
	}
	unread := false
	switch c.param("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return fieldError("unread", "invalid", "unread must be true or false.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.NotificationView, error) {
		return h.svc.Clocks.Notifications(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n}, unread)
	}, func(n service.NotificationView) string { return n.ID })
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(items))
	for i, n := range items {
		out[i] = notificationJSON{ID: n.ID, Stage: string(n.Stage), ClockKind: string(n.ClockKind), DueAt: n.DueAt.UTC(),
			CreatedAt: n.CreatedAt.UTC(), ReadAt: timePtr(n.ReadAt)}
		if n.Visible {
			out[i].IncidentID, out[i].IncidentNumber = strPtr(n.IncidentID), strPtr(n.Number)
		}
	}
	return writePage(c, "notifications", out, next)
}

func (h *Handler) readNotification(c *call) error {
	if err := h.svc.Clocks.MarkRead(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) readAllNotifications(c *call) error {
	n, err := h.svc.Clocks.MarkAllRead(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, readAllJSON{Count: n})
}
