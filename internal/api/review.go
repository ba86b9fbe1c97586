package api

import (
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["review_status"] = stringsOf(hikeshi.ReviewStatuses)
	enums["measure_kind"] = stringsOf(hikeshi.MeasureKinds)
	enums["lesson_status"] = stringsOf(hikeshi.LessonStatuses)
}

// reviewRoutes are the operations of post-incident reviews and lessons (IH-8).
func (h *Handler) reviewRoutes() []route {
	return []route{
		{method: get, path: "/incidents/{id}/review", op: "getIncidentReview", tag: "reviews", summary: "The post-incident review of an incident",
			doc:    "Readable by whoever may see the incident; 404 while no review has been written. Blameless by design: there is no field for a person besides the participants (attendance).",
			status: http.StatusOK, resp: reviewJSON{}, handle: h.getReview},
		{method: put, path: "/incidents/{id}/review", op: "putIncidentReview", tag: "reviews", summary: "Write the draft review (CSIRT, admins)",
			doc:  "Creates the review on first write and replaces every field after; fields left out are empty. Possible once the incident has reached recovery and until it is closed; a completed review is reopened first.",
			body: reviewPutJSON{}, status: http.StatusOK, resp: reviewJSON{}, handle: h.putReview},
		{method: post, path: "/incidents/{id}/review/complete", op: "completeIncidentReview", tag: "reviews", summary: "Complete the review (CSIRT, admins)",
			doc:  "Needs root_cause and to_change. With a non-empty body, the review is written with it first (as PUT does), in the same transaction; without one, what is stored is completed. Sets completed_at and completed_by. Closing an incident needs a completed review.",
			body: reviewPutJSON{}, optionalBody: true, status: http.StatusOK, resp: reviewJSON{}, handle: h.completeReview},
		{method: post, path: "/incidents/{id}/review/reopen", op: "reopenIncidentReview", tag: "reviews", summary: "Take a completed review back to draft (CSIRT, admins)",
			doc:    "Only while the incident is not closed (reopen the incident first).",
			status: http.StatusOK, resp: reviewJSON{}, handle: h.reopenReview},
		{method: get, path: "/incidents/{id}/lessons", op: "listIncidentLessons", tag: "reviews", summary: "The lessons of an incident, oldest first",
			status: http.StatusOK, resp: []lessonJSON{}, handle: h.listIncidentLessons},
		{method: post, path: "/incidents/{id}/lessons", op: "createIncidentLesson", tag: "reviews", summary: "Add a lesson to the review (CSIRT, admins)",
			doc:  "Starts as proposed; opens the draft review if none has been written yet.",
			body: lessonCreateJSON{}, status: http.StatusCreated, resp: lessonJSON{}, handle: h.createLesson},
		{method: get, path: "/lessons", op: "listLessons", tag: "reviews", summary: "Lessons across incidents, newest first (CSIRT, admins, managers, auditors)",
			doc: "Lessons of TLP:RED and AMBER+STRICT incidents are listed only to the CSIRT and the people added to the incident.",
			params: []param{
				{name: "status", typ: "string", enum: "lesson_status", doc: "Only lessons in this status."},
			},
			list: true, status: http.StatusOK, resp: lessonJSON{}, handle: h.listLessons},
		{method: get, path: "/lessons/{id}", op: "getLesson", tag: "reviews", summary: "One lesson",
			status: http.StatusOK, resp: lessonJSON{}, handle: h.getLesson},
		{method: patch, path: "/lessons/{id}", op: "updateLesson", tag: "reviews", summary: "Change, accept or decline a lesson (CSIRT, admins)",
			doc:  "JSON merge-patch (RFC 7396). Words change only while the lesson is proposed and the incident open. status moves it: accepted, declined (reason required) or back to proposed, also after closing, until an improvement action has been opened from it. improvement_action_id is set by the ISMS workflow only.",
			body: lessonPatchJSON{}, status: http.StatusOK, resp: lessonJSON{}, handle: h.updateLesson},
	}
}

// reviewJSON is a post-incident review.
type reviewJSON struct {
	ID           string     `json:"id" format:"uuid"`
	IncidentID   string     `json:"incident_id" format:"uuid"`
	RootCause    string     `json:"root_cause" doc:"What in the system, process or technology allowed the incident. Plain text."`
	WentWell     string     `json:"went_well"`
	ToChange     string     `json:"to_change"`
	Factors      []string   `json:"factors" doc:"Contributing factors (conditions, not persons): process, technology, skills, communication, supplier, other."`
	Participants []string   `json:"participants" doc:"User ids of those who took part: attendance, not blame."`
	Status       string     `json:"status" enum:"review_status"`
	CompletedAt  *time.Time `json:"completed_at" doc:"Set by the workflow on completion; cleared by a reopen."`
	CompletedBy  *string    `json:"completed_by" format:"uuid"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func toReview(r hikeshi.Review) reviewJSON {
	out := reviewJSON{ID: r.ID, IncidentID: r.IncidentID, RootCause: r.RootCause, WentWell: r.WentWell, ToChange: r.ToChange,
		Factors: stringsOf(r.Factors), Participants: r.Participants, Status: string(r.Status), CompletedAt: timePtr(r.CompletedAt),
		CompletedBy: strPtr(r.CompletedBy), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if out.Participants == nil {
		out.Participants = []string{}
	}
	return out
}

// reviewPutJSON writes the draft review.
type reviewPutJSON struct {
	RootCause    string   `json:"root_cause,omitempty" doc:"At most 20000 characters."`
	WentWell     string   `json:"went_well,omitempty"`
	ToChange     string   `json:"to_change,omitempty"`
	Factors      []string `json:"factors,omitempty" doc:"Any of process, technology, skills, communication, supplier, other."`
	Participants []string `json:"participants,omitempty" doc:"User ids, at most 100."`
}

// lessonJSON is a lesson learned from an incident.
type lessonJSON struct {
	ID                  string     `json:"id" format:"uuid"`
	IncidentID          string     `json:"incident_id" format:"uuid"`
	IncidentNumber      string     `json:"incident_number,omitempty" doc:"In the global list."`
	ReviewID            string     `json:"review_id" format:"uuid"`
	Text                string     `json:"text" doc:"What we learned. Plain text."`
	ProposedChange      string     `json:"proposed_change" doc:"What to change."`
	Kind                string     `json:"kind" enum:"measure_kind" doc:"The kind of measure it suggests, mapped to ISMS improvement actions."`
	DepartmentID        *string    `json:"department_id" format:"uuid"`
	Status              string     `json:"status" enum:"lesson_status"`
	DecisionReason      string     `json:"decision_reason"`
	DecidedBy           *string    `json:"decided_by" format:"uuid"`
	DecidedAt           *time.Time `json:"decided_at"`
	ImprovementActionID *string    `json:"improvement_action_id" format:"uuid" doc:"The ISMS improvement action opened from the lesson; set by that workflow only."`
	AuthorID            *string    `json:"author_id" format:"uuid"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func toLesson(l hikeshi.Lesson) lessonJSON {
	return lessonJSON{ID: l.ID, IncidentID: l.IncidentID, ReviewID: l.ReviewID, Text: l.Text, ProposedChange: l.ProposedChange,
		Kind: string(l.Kind), DepartmentID: strPtr(l.DepartmentID), Status: string(l.Status), DecisionReason: l.DecisionReason,
		DecidedBy: strPtr(l.DecidedBy), DecidedAt: timePtr(l.DecidedAt), ImprovementActionID: strPtr(l.ImprovementActionID),
		AuthorID: strPtr(l.AuthorID), CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC()}
}

// lessonCreateJSON adds a lesson.
type lessonCreateJSON struct {
	Text           string  `json:"text" doc:"At most 5000 characters."`
	ProposedChange string  `json:"proposed_change" doc:"At most 5000 characters."`
	Kind           string  `json:"kind" enum:"measure_kind"`
	DepartmentID   *string `json:"department_id,omitempty" format:"uuid" doc:"The department it concerns."`
}

// lessonPatchJSON changes a lesson (JSON merge-patch).
type lessonPatchJSON struct {
	Text           optional[string] `json:"text"`
	ProposedChange optional[string] `json:"proposed_change"`
	Kind           optional[string] `json:"kind" enum:"measure_kind"`
	DepartmentID   optional[string] `json:"department_id" format:"uuid" nullable:"true" doc:"null clears."`
	Status         optional[string] `json:"status" enum:"lesson_status"`
	Reason         optional[string] `json:"reason" doc:"Why; required to decline."`
}

func (h *Handler) getReview(c *call) error {
	d, err := h.svc.Reviews.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if !d.Exists() {
		return hikeshi.ErrNotFound
	}
	return c.json(http.StatusOK, toReview(d.Review))
}

func (in reviewPutJSON) input() service.ReviewInput {
	si := service.ReviewInput{RootCause: in.RootCause, WentWell: in.WentWell, ToChange: in.ToChange, Participants: in.Participants}
	for _, f := range in.Factors {
		si.Factors = append(si.Factors, hikeshi.Factor(f))
	}
	return si
}

func (h *Handler) putReview(c *call) error {
	var in reviewPutJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	r, err := h.svc.Reviews.Save(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toReview(r))
}

func (h *Handler) completeReview(c *call) error {
	var in reviewPutJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var si *service.ReviewInput // no body (or an empty object): complete what is stored
	if in.RootCause != "" || in.WentWell != "" || in.ToChange != "" || len(in.Factors) > 0 || len(in.Participants) > 0 {
		v := in.input()
		si = &v
	}
	r, err := h.svc.Reviews.Complete(c.ctx(), c.actor, c.r.PathValue("id"), si)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toReview(r))
}

func (h *Handler) reopenReview(c *call) error {
	r, err := h.svc.Reviews.Reopen(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toReview(r))
}

func (h *Handler) listIncidentLessons(c *call) error {
	d, err := h.svc.Reviews.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]lessonJSON, len(d.Lessons))
	for i, l := range d.Lessons {
		out[i] = toLesson(l)
		out[i].IncidentNumber = d.Incident.Number
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) createLesson(c *call) error {
	var in lessonCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.LessonInput{Text: in.Text, ProposedChange: in.ProposedChange, Kind: hikeshi.MeasureKind(in.Kind)}
	if in.DepartmentID != nil {
		si.DepartmentID = *in.DepartmentID
	}
	l, err := h.svc.Reviews.AddLesson(c.ctx(), c.actor, c.r.PathValue("id"), si)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/lessons/"+l.ID, toLesson(l))
}

func (h *Handler) listLessons(c *call) error {
	p, err := c.page("lessons", validID)
	if err != nil {
		return err
	}
	status := hikeshi.LessonStatus(c.param("status"))
	if status != "" && !status.Valid() {
		return fieldError("status", "unknown", "status must be one of proposed, accepted, declined.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.LessonEntry, error) {
		return h.svc.Reviews.ListLessons(c.ctx(), c.actor, hikeshi.LessonFilter{Status: status, Page: hikeshi.Page{After: after, Limit: n}})
	}, func(e service.LessonEntry) string { return e.Lesson.ID })
	if err != nil {
		return err
	}
	out := make([]lessonJSON, len(items))
	for i, e := range items {
		out[i] = toLesson(e.Lesson)
		out[i].IncidentNumber = e.Incident.Number
	}
	return writePage(c, "lessons", out, next)
}

func (h *Handler) getLesson(c *call) error {
	l, err := h.svc.Reviews.GetLesson(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toLesson(l))
}

func (h *Handler) updateLesson(c *call) error {
	var in lessonPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.LessonPatch
	var v hikeshi.ValidationError
	str := func(name string, o optional[string], dst **string) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			val := o.Value
			*dst = &val
		}
	}
	str("text", in.Text, &p.Text)
	str("proposed_change", in.ProposedChange, &p.ProposedChange)
	str("reason", in.Reason, &p.Reason)
	if in.Kind.Set {
		if in.Kind.Null {
			v.Add("kind", "required", "kind cannot be null")
		}
		k := hikeshi.MeasureKind(in.Kind.Value)
		p.Kind = &k
	}
	if in.Status.Set {
		if in.Status.Null {
			v.Add("status", "required", "status cannot be null")
		}
		s := hikeshi.LessonStatus(in.Status.Value)
		p.Status = &s
	}
	if in.DepartmentID.Set {
		d := in.DepartmentID.Value // null clears: the zero value
		p.DepartmentID = &d
	}
	if err := v.Err(); err != nil {
		return err
	}
	l, err := h.svc.Reviews.UpdateLesson(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toLesson(l))
}
