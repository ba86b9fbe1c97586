package api

import (
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["management_review_status"] = stringsOf(hikeshi.MgmtStatuses)
	enums["management_decision_kind"] = stringsOf(hikeshi.DecisionKinds)
}

// managementRoutes are the operations of IS-5: management reviews.
func (h *Handler) managementRoutes() []route {
	const planners = " Admins and managers; every other role reads only."
	return []route{
		{method: get, path: "/isms/management-reviews", op: "listManagementReviews", tag: "management", summary: "Management reviews, newest first",
			doc: "Every signed-in role reads. Lists carry no inputs; get one review for them.", list: true, status: http.StatusOK,
			resp: mgmtReviewJSON{}, handle: h.listMgmtReviews},
		{method: post, path: "/isms/management-reviews", op: "createManagementReview", tag: "management", summary: "Plan a management review",
			doc:  "The review starts planned; its inputs are compiled from the period's data whenever it is read, until it is held." + planners,
			body: mgmtReviewInputJSON{}, status: http.StatusCreated, resp: mgmtReviewJSON{}, handle: h.createMgmtReview},
		{method: get, path: "/isms/management-reviews/{id}", op: "getManagementReview", tag: "management", summary: "One management review with its inputs and decisions",
			doc:    "inputs are the snapshot taken when the review was held, or compiled now (inputs_live true) while it is planned.",
			status: http.StatusOK, resp: mgmtReviewJSON{}, handle: h.getMgmtReview},
		{method: put, path: "/isms/management-reviews/{id}", op: "putManagementReview", tag: "management", summary: "Rewrite a management review",
			doc: "While planned every field may change. Once held, the period and the typed inputs (issues, feedback) are frozen with the snapshot " +
				"(changing them is a 409, code frozen); title, meeting date, chair, attendees and minutes may still change. A closed review is a 409." + planners,
			body: mgmtReviewInputJSON{}, status: http.StatusOK, resp: mgmtReviewJSON{}, handle: h.putMgmtReview},
		{method: post, path: "/isms/management-reviews/{id}/hold", op: "holdManagementReview", tag: "management", summary: "Record that a planned review was held",
			doc:    "Compiles the inputs now and freezes them as the review's snapshot; they never change afterwards. Only a planned review (else 409)." + planners,
			status: http.StatusOK, resp: mgmtReviewJSON{}, handle: h.holdMgmtReview},
		{method: post, path: "/isms/management-reviews/{id}/recompile", op: "recompileManagementReview", tag: "management", summary: "Compile a planned review's inputs now",
			doc:    "Only while planned; a held or closed review keeps its snapshot (409)." + planners,
			status: http.StatusOK, resp: mgmtReviewJSON{}, handle: h.recompileMgmtReview},
		{method: post, path: "/isms/management-reviews/{id}/close", op: "closeManagementReview", tag: "management", summary: "Close a held review",
			doc: "Only a held review (else 409)." + planners, status: http.StatusOK, resp: mgmtReviewJSON{}, handle: h.closeMgmtReview},
		{method: post, path: "/isms/management-reviews/{id}/decisions", op: "createManagementDecision", tag: "management", summary: "Record a decision of a held review",
			doc: "Each decision opens a tracked corrective action (source_kind management_review) in the same transaction; its title is the text's first line. " +
				"Only on a held review (else 409)." + planners,
			body: mgmtDecisionInputJSON{}, status: http.StatusCreated, resp: mgmtDecisionJSON{}, handle: h.createMgmtDecision},
	}
}

type mgmtReviewJSON struct {
	ID          string   `json:"id" format:"uuid"`
	Title       string   `json:"title"`
	PeriodFrom  string   `json:"period_from" format:"date" doc:"The first day the review covers."`
	PeriodTo    string   `json:"period_to" format:"date" doc:"The last day it covers (inclusive; times are UTC)."`
	MeetingDate string   `json:"meeting_date" format:"date"`
	ChairID     string   `json:"chair_id" format:"uuid"`
	AttendeeIDs []string `json:"attendee_ids"`
	Status      string   `json:"status" enum:"management_review_status"`
	Issues      string   `json:"issues" doc:"Changes in external and internal issues, as typed (clause 9.3.2 b). Plain text."`
	Feedback    string   `json:"feedback" doc:"Interested parties' feedback, as typed (clause 9.3.2 d). Plain text."`
	Minutes     string   `json:"minutes" doc:"Plain text."`
	// DepartmentID and RoutedActivity: decision 0038.
	DepartmentID   *string               `json:"department_id" format:"uuid" doc:"The unit that prepares the review; null when none is named and no pattern is chosen."`
	RoutedActivity string                `json:"routed_activity" doc:"management_review when the organisation's pattern chose the department (a pattern change moves it while the review is planned or held); empty when a person did."`
	HeldBy         *string               `json:"held_by" format:"uuid"`
	HeldAt         *time.Time            `json:"held_at"`
	ClosedBy       *string               `json:"closed_by" format:"uuid"`
	ClosedAt       *time.Time            `json:"closed_at"`
	CreatedAt      time.Time             `json:"created_at"`
	UpdatedAt      time.Time             `json:"updated_at"`
	InputsLive     *bool                 `json:"inputs_live" doc:"True while planned (inputs compiled at this request), false once held (the snapshot); null in lists."`
	Inputs         *hikeshi.ReviewInputs `json:"inputs,omitempty" doc:"The inputs compiled from the period (single reads only): (a) prev_*; (b) documents, scope_changed; (c) findings_by_type, actions_*, metrics (result met, missed or no_value), audits, programmes; (e) risks_by_level, treatments_overdue, reviews_overdue, acceptances; (f) ofis, lessons (text empty and restricted true for TLP:RED and AMBER+STRICT incidents); incidents. Lists hold at most 200 items."`
	Decisions      []mgmtDecisionJSON    `json:"decisions,omitempty" doc:"The decisions with their corrective actions as they stand now (single reads only)."`
	CanEdit        bool                  `json:"can_edit" doc:"Whether the caller may change the review now."`
}

func toMgmtReview(m hikeshi.ManagementReview) mgmtReviewJSON {
	out := mgmtReviewJSON{ID: m.ID, Title: m.Title, PeriodFrom: m.PeriodFrom, PeriodTo: m.PeriodTo, MeetingDate: m.MeetingDate, ChairID: m.ChairID,
		AttendeeIDs: m.AttendeeIDs, Status: string(m.Status), Issues: m.Issues, Feedback: m.Feedback, Minutes: m.Minutes, HeldBy: strPtr(m.HeldBy),
		HeldAt: timePtr(m.HeldAt), ClosedBy: strPtr(m.ClosedBy), ClosedAt: timePtr(m.ClosedAt), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		DepartmentID: strPtr(m.DepartmentID), RoutedActivity: string(m.RoutedActivity)}
	if out.AttendeeIDs == nil {
		out.AttendeeIDs = []string{}
	}
	return out
}

func toMgmtReviewView(v service.MgmtReviewView) (mgmtReviewJSON, error) {
	out := toMgmtReview(v.Review)
	live := v.Live
	out.InputsLive, out.CanEdit = &live, v.CanEdit
	in := v.Inputs
	in.Normalize()
	out.Inputs = &in
	out.Decisions = []mgmtDecisionJSON{}
	now := time.Now()
	for _, d := range v.Decisions {
		out.Decisions = append(out.Decisions, toMgmtDecision(d, now))
	}
	return out, nil
}

type mgmtReviewInputJSON struct {
	Title       string   `json:"title"`
	PeriodFrom  string   `json:"period_from" format:"date"`
	PeriodTo    string   `json:"period_to" format:"date" doc:"Not before period_from (else 422, code before_start)."`
	MeetingDate string   `json:"meeting_date" format:"date"`
	ChairID     string   `json:"chair_id" format:"uuid" doc:"An active user (else 422 on chair_id, code unknown or disabled)."`
	AttendeeIDs []string `json:"attendee_ids,omitempty" doc:"Active users."`
	Issues      string   `json:"issues,omitempty"`
	Feedback    string   `json:"feedback,omitempty"`
	Minutes     string   `json:"minutes,omitempty"`
	// DepartmentID: decision 0038.
	DepartmentID string `json:"department_id,omitempty" format:"uuid" doc:"The unit that prepares the review. Omitted on creation: the unit responsible for management review under the organisation's pattern; omitted on a change: kept."`
}

func (in mgmtReviewInputJSON) input() service.MgmtReviewInput {
	return service.MgmtReviewInput{Title: in.Title, PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo, MeetingDate: in.MeetingDate,
		ChairID: in.ChairID, AttendeeIDs: in.AttendeeIDs, Issues: in.Issues, Feedback: in.Feedback, Minutes: in.Minutes, DepartmentID: in.DepartmentID}
}

type mgmtDecisionJSON struct {
	ID           string     `json:"id" format:"uuid"`
	ReviewID     string     `json:"review_id" format:"uuid"`
	Kind         string     `json:"kind" enum:"management_decision_kind"`
	Text         string     `json:"text"`
	DepartmentID string     `json:"department_id" format:"uuid"`
	OwnerID      *string    `json:"owner_id" format:"uuid"`
	DueDate      string     `json:"due_date" format:"date"`
	Action       actionJSON `json:"action" doc:"The corrective action the decision opened, as it stands now."`
	CreatedAt    time.Time  `json:"created_at"`
}

func toMgmtDecision(v service.MgmtDecisionView, now time.Time) mgmtDecisionJSON {
	d := v.Decision
	return mgmtDecisionJSON{ID: d.ID, ReviewID: d.ReviewID, Kind: string(d.Kind), Text: d.Text, DepartmentID: d.DepartmentID,
		OwnerID: strPtr(d.OwnerID), DueDate: d.DueDate, Action: toAction(service.ActionView{Action: v.Action}, now), CreatedAt: d.CreatedAt.UTC()}
}

type mgmtDecisionInputJSON struct {
	Kind         string `json:"kind" enum:"management_decision_kind" doc:"improvement (improvement opportunities), isms_change (changes to the ISMS) or resources (resource needs)."`
	Text         string `json:"text"`
	DepartmentID string `json:"department_id" format:"uuid" doc:"The department responsible for the action."`
	OwnerID      string `json:"owner_id,omitempty" format:"uuid" doc:"An active member of the department; absent: the department as a whole."`
	DueDate      string `json:"due_date" format:"date"`
}

func (h *Handler) listMgmtReviews(c *call) error {
	p, err := c.page("management-reviews", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.ManagementReview, error) {
		return h.svc.Management.Reviews(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(v hikeshi.ManagementReview) string { return v.ID })
	if err != nil {
		return err
	}
	out := make([]mgmtReviewJSON, len(items))
	for i, v := range items {
		out[i] = toMgmtReview(v)
	}
	return writePage(c, "management-reviews", out, next)
}

func (h *Handler) writeMgmtReview(c *call, status int, id string) error {
	v, err := h.svc.Management.Review(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	out, err := toMgmtReviewView(v)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		return c.created(Prefix+"/isms/management-reviews/"+id, out)
	}
	return c.json(status, out)
}

func (h *Handler) createMgmtReview(c *call) error {
	var in mgmtReviewInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Management.CreateReview(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	return h.writeMgmtReview(c, http.StatusCreated, m.ID)
}

func (h *Handler) getMgmtReview(c *call) error {
	return h.writeMgmtReview(c, http.StatusOK, c.r.PathValue("id"))
}

func (h *Handler) putMgmtReview(c *call) error {
	var in mgmtReviewInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.Management.UpdateReview(c.ctx(), c.actor, c.r.PathValue("id"), in.input()); err != nil {
		return err
	}
	return h.getMgmtReview(c)
}

func (h *Handler) holdMgmtReview(c *call) error {
	if _, err := h.svc.Management.Hold(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return h.getMgmtReview(c)
}

func (h *Handler) closeMgmtReview(c *call) error {
	if _, err := h.svc.Management.Close(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return h.getMgmtReview(c)
}

func (h *Handler) recompileMgmtReview(c *call) error {
	v, err := h.svc.Management.Recompile(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out, err := toMgmtReviewView(v)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) createMgmtDecision(c *call) error {
	var in mgmtDecisionInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	d, err := h.svc.Management.AddDecision(c.ctx(), c.actor, id, service.MgmtDecisionInput{Kind: hikeshi.DecisionKind(in.Kind), Text: in.Text,
		DepartmentID: in.DepartmentID, OwnerID: in.OwnerID, DueDate: in.DueDate})
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/management-reviews/"+id, toMgmtDecision(d, time.Now()))
}
