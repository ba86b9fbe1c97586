package api

import (
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["improvement_state"] = stringsOf([]hikeshi.ImprovementState{hikeshi.ImprovementWaiting, hikeshi.ImprovementOpen})
	enums["improvement_release"] = []string{"", hikeshi.ReleasedByLesson, hikeshi.ReleasedByInternalAudit, hikeshi.ReleasedByManagementReview}
}

// improvementRoutes are the operations of IN-1: lessons from incidents that become improvement actions on measures and risks, and the improvement lead time.
func (h *Handler) improvementRoutes() []route {
	return []route{
		{method: get, path: "/improvements", op: "listImprovements", tag: "improvements", summary: "Improvements from accepted lessons, newest first",
			doc: "Every accepted lesson has one: waiting for the next internal audit or management review (audit-triggered patterns), or open with its corrective action (source_kind lesson). " +
				"For incidents the caller may not see (TLP:RED, AMBER+STRICT) hidden is true and the incident's number, category and lesson are left out.",
			params: []param{
				{name: "state", typ: "string", enum: "improvement_state", doc: "Only improvements in this state."},
				{name: "measure_id", typ: "uuid", doc: "Only those concerning this measure: the measure's history of incidents that changed it."},
				{name: "risk_id", typ: "uuid", doc: "Only those concerning this risk."},
			},
			list: true, status: http.StatusOK, resp: improvementJSON{}, handle: h.listImprovements},
		{method: get, path: "/improvements/lead-times", op: "listImprovementLeadTimes", tag: "improvements", summary: "Improvement lead times of actions closed in a period",
			doc: "Incident closed → improvement action closed as effective (the measure changed), for improvements of closed incidents whose action closed in [from, to). Ids, categories and departments only.",
			params: []param{
				{name: "from", typ: "date-time", doc: "Start (inclusive); default 365 days before to."},
				{name: "to", typ: "date-time", doc: "End (exclusive); default now."},
			},
			status: http.StatusOK, resp: []leadTimeJSON{}, handle: h.listLeadTimes},
		{method: get, path: "/lessons/{id}/improvement", op: "getLessonImprovement", tag: "improvements", summary: "A lesson's measures and risks, suggestions and improvement",
			doc:    "Suggested measures are those mapped onto the ISO/IEC 27001 Annex A controls typical of the incident's category (decision 0032) and those linked to the incident's other lessons.",
			status: http.StatusOK, resp: lessonImprovementJSON{}, handle: h.getLessonImprovement},
		{method: put, path: "/lessons/{id}/links", op: "putLessonLinks", tag: "improvements", summary: "Choose the measures and risks a lesson concerns (CSIRT, admins)",
			doc:  "Replaces both lists. Refused once the lesson is declined or its improvement action closed.",
			body: linksPutJSON{}, status: http.StatusOK, resp: linksJSON{}, handle: h.putLessonLinks},
		{method: get, path: "/risks/{id}/reassessment", op: "getRiskReassessment", tag: "improvements", summary: "Whether a risk is flagged for re-assessment",
			doc:    "Flagged when an improvement action concerning the risk closed after its last assessment; the next assessment clears it.",
			status: http.StatusOK, resp: reassessJSON{}, handle: h.getRiskReassessment},
	}
}

// improvementJSON is an improvement.
type improvementJSON struct {
	ID             string     `json:"id" format:"uuid"`
	LessonID       string     `json:"lesson_id" format:"uuid"`
	IncidentID     string     `json:"incident_id" format:"uuid"`
	Hidden         bool       `json:"hidden" doc:"The incident is restricted and the caller may not see it."`
	IncidentNumber string     `json:"incident_number,omitempty"`
	Category       string     `json:"category,omitempty" doc:"The incident's RSIT category when the lesson was accepted."`
	State          string     `json:"state" enum:"improvement_state"`
	DepartmentID   *string    `json:"department_id" format:"uuid" doc:"The department the action was routed to."`
	ActionID       *string    `json:"action_id" format:"uuid" doc:"The corrective action (source_kind lesson)."`
	ActionStatus   string     `json:"action_status,omitempty"`
	ReleasedBy     string     `json:"released_by" enum:"improvement_release" doc:"What opened the action: lesson (real time), internal_audit or management_review."`
	MeasureIDs     []string   `json:"measure_ids"`
	RiskIDs        []string   `json:"risk_ids"`
	AcceptedAt     time.Time  `json:"accepted_at"`
	OpenedAt       *time.Time `json:"opened_at"`
	LeadTimeSecs   *int64     `json:"lead_time_seconds" doc:"Incident closed → action closed as effective, in seconds; null until both happened."`
}

func toImprovement(v service.ImprovementView) improvementJSON {
	im := v.Improvement
	out := improvementJSON{ID: im.ID, LessonID: im.LessonID, IncidentID: im.IncidentID, Hidden: v.Hidden, Category: im.Category,
		State: string(im.State), DepartmentID: strPtr(im.DepartmentID), ActionID: strPtr(im.ActionID), ActionStatus: string(im.ActionStatus),
		ReleasedBy: im.ReleasedBy, MeasureIDs: []string{}, RiskIDs: []string{}, AcceptedAt: im.AcceptedAt.UTC(), OpenedAt: timePtr(im.OpenedAt)}
	if !v.Hidden {
		out.IncidentNumber = v.Incident.Number
	}
	for _, m := range v.Measures {
		out.MeasureIDs = append(out.MeasureIDs, m.ID)
	}
	for _, r := range v.Risks {
		out.RiskIDs = append(out.RiskIDs, r.ID)
	}
	if v.HasLeadTime {
		secs := int64(v.LeadTime / time.Second)
		out.LeadTimeSecs = &secs
	}
	return out
}

// leadTimeJSON is one improvement lead time.
type leadTimeJSON struct {
	ImprovementID string    `json:"improvement_id" format:"uuid"`
	IncidentID    string    `json:"incident_id" format:"uuid"`
	Category      string    `json:"category"`
	DepartmentID  *string   `json:"department_id" format:"uuid"`
	ClosedAt      time.Time `json:"closed_at" doc:"When the improvement action closed."`
	LeadTimeSecs  int64     `json:"lead_time_seconds"`
}

// measureRefJSON names a measure or a risk.
type measureRefJSON struct {
	ID   string `json:"id" format:"uuid"`
	Name string `json:"name"`
}

// lessonImprovementJSON is a lesson's improvement page.
type lessonImprovementJSON struct {
	LessonID          string           `json:"lesson_id" format:"uuid"`
	MeasureIDs        []string         `json:"measure_ids"`
	RiskIDs           []string         `json:"risk_ids"`
	Controls          []string         `json:"controls" doc:"The Annex A controls typical of the incident's category."`
	SuggestedMeasures []measureRefJSON `json:"suggested_measures"`
	SuggestedRisks    []measureRefJSON `json:"suggested_risks"`
	Improvement       *improvementJSON `json:"improvement" doc:"null until the lesson is accepted."`
	CanEdit           bool             `json:"can_edit"`
}

// linksJSON are the measures and risks a lesson concerns.
type linksJSON struct {
	MeasureIDs []string `json:"measure_ids" doc:"At most 50 measure ids (not archived)."`
	RiskIDs    []string `json:"risk_ids" doc:"At most 50 risk ids."`
}

// linksPutJSON chooses the measures and risks a lesson concerns; a list left out is emptied.
type linksPutJSON struct {
	MeasureIDs []string `json:"measure_ids,omitempty" doc:"At most 50 measure ids (not archived)."`
	RiskIDs    []string `json:"risk_ids,omitempty" doc:"At most 50 risk ids."`
}

// reassessJSON is a risk's re-assessment flag.
type reassessJSON struct {
	RiskID  string     `json:"risk_id" format:"uuid"`
	Flagged bool       `json:"flagged"`
	Since   *time.Time `json:"since" doc:"When the last improvement action concerning it closed."`
}

func (h *Handler) listImprovements(c *call) error {
	p, err := c.page("improvements", validID)
	if err != nil {
		return err
	}
	f := hikeshi.ImprovementFilter{State: hikeshi.ImprovementState(c.param("state")), MeasureID: c.param("measure_id"), RiskID: c.param("risk_id")}
	if f.State != "" && !f.State.Valid() {
		return fieldError("state", "unknown", "state must be one of waiting, open.")
	}
	for name, v := range map[string]string{"measure_id": f.MeasureID, "risk_id": f.RiskID} {
		if v != "" && !validID(v) {
			return fieldError(name, "invalid", name+" must be a UUID.")
		}
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.ImprovementView, error) {
		g := f
		g.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Improvements.List(c.ctx(), c.actor, g)
	}, func(v service.ImprovementView) string { return v.Improvement.ID })
	if err != nil {
		return err
	}
	out := make([]improvementJSON, len(items))
	for i, v := range items {
		out[i] = toImprovement(v)
	}
	return writePage(c, "improvements", out, next)
}

func (h *Handler) listLeadTimes(c *call) error {
	to, from := time.Now().UTC(), time.Time{}
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if s := c.param(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return fieldError(name, "invalid", name+" must be an RFC 3339 date-time.")
			}
			*dst = t
		}
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -365)
	}
	if !from.Before(to) {
		return fieldError("from", "after_to", "from must be before to.")
	}
	lts, err := h.svc.Improvements.LeadTimes(c.ctx(), c.actor, from, to)
	if err != nil {
		return err
	}
	out := make([]leadTimeJSON, len(lts))
	for i, lt := range lts {
		out[i] = leadTimeJSON{ImprovementID: lt.ImprovementID, IncidentID: lt.IncidentID, Category: lt.Category, DepartmentID: strPtr(lt.DepartmentID),
			ClosedAt: lt.ClosedAt.UTC(), LeadTimeSecs: int64(lt.LeadTime / time.Second)}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getLessonImprovement(c *call) error {
	li, err := h.svc.Improvements.ForLesson(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := lessonImprovementJSON{LessonID: li.Lesson.ID, MeasureIDs: nonNil(li.Links.MeasureIDs), RiskIDs: nonNil(li.Links.RiskIDs),
		Controls: nonNil(li.Controls), SuggestedMeasures: []measureRefJSON{}, SuggestedRisks: []measureRefJSON{}, CanEdit: li.CanEdit}
	for _, m := range li.SuggestedMeasures {
		out.SuggestedMeasures = append(out.SuggestedMeasures, measureRefJSON{m.ID, m.Name})
	}
	for _, r := range li.SuggestedRisks {
		out.SuggestedRisks = append(out.SuggestedRisks, measureRefJSON{r.ID, r.Title})
	}
	if li.Improvement != nil {
		v := toImprovement(*li.Improvement)
		out.Improvement = &v
	}
	return c.json(http.StatusOK, out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *Handler) putLessonLinks(c *call) error {
	var in linksPutJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	l, err := h.svc.Improvements.SetLinks(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.LessonLinks{MeasureIDs: in.MeasureIDs, RiskIDs: in.RiskIDs})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, linksJSON{MeasureIDs: nonNil(l.MeasureIDs), RiskIDs: nonNil(l.RiskIDs)})
}

func (h *Handler) getRiskReassessment(c *call) error {
	id := c.r.PathValue("id")
	flagged, since, err := h.svc.Improvements.RiskFlag(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, reassessJSON{RiskID: id, Flagged: flagged, Since: timePtr(since)})
}
