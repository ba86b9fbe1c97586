package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IS-5: management reviews.

// registerManagement mounts the area's pages.
func (h *Handler) registerManagement(handle handleFunc) {
	handle("GET /isms/management-reviews", signedIn, h.mgmtList)
	handle("POST /isms/management-reviews", signedIn, h.mgmtCreate)
	handle("GET /isms/management-reviews/{id}", signedIn, h.mgmtShow)
	handle("POST /isms/management-reviews/{id}", signedIn, h.mgmtUpdate)
	handle("POST /isms/management-reviews/{id}/hold", signedIn, h.mgmtHold)
	handle("POST /isms/management-reviews/{id}/close", signedIn, h.mgmtClose)
	handle("POST /isms/management-reviews/{id}/decisions", signedIn, h.mgmtDecide)
}

const mgmtPageSize = 50

// Localised names of the area's enumerations.

func (p *page) MgmtStatus(s hikeshi.MgmtStatus) string { return p.T("management.status." + string(s)) }
func (p *page) MgmtDecisionKind(k hikeshi.DecisionKind) string {
	return p.T("management.decision_kind." + string(k))
}
func (p *page) MgmtMetricResult(r string) string { return p.T("management.metric_result." + r) }
func (p *page) MgmtLevel(l string) string        { return p.T("management.level." + l) }

// MgmtDuration writes a median in seconds as hours and minutes.
func (p *page) MgmtDuration(sec *int64) string {
	if sec == nil {
		return p.T("management.unknown")
	}
	m := *sec / 60
	return p.T("management.duration", m/60, m%60)
}

// mgmtErrors localises a validation error with this area's codes.
func (h *Handler) mgmtErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		if key := "management.field." + f.Code; h.tr.Has(p.Lang, key) {
			msgs[f.Field] = p.T(key)
		}
	}
	return msgs, true
}

type mgmtForm struct {
	Title, PeriodFrom, PeriodTo, MeetingDate, ChairID, Issues, Feedback, Minutes string
	DepartmentID                                                                 string // the preparing unit (decision 0038)
	AttendeeIDs                                                                  []string
}

func (f mgmtForm) HasAttendee(id string) bool { return checkHas(f.AttendeeIDs, id) }

func (f mgmtForm) input() service.MgmtReviewInput {
	return service.MgmtReviewInput{Title: f.Title, PeriodFrom: f.PeriodFrom, PeriodTo: f.PeriodTo, MeetingDate: f.MeetingDate,
		ChairID: f.ChairID, AttendeeIDs: f.AttendeeIDs, Issues: f.Issues, Feedback: f.Feedback, Minutes: f.Minutes, DepartmentID: f.DepartmentID}
}

func readMgmtForm(r *http.Request) mgmtForm {
	return mgmtForm{Title: formValue(r, "title"), PeriodFrom: trimmed(r, "period_from"), PeriodTo: trimmed(r, "period_to"),
		MeetingDate: trimmed(r, "meeting_date"), ChairID: trimmed(r, "chair_id"), Issues: formValue(r, "issues"),
		Feedback: formValue(r, "feedback"), Minutes: formValue(r, "minutes"), AttendeeIDs: r.PostForm["attendee_ids"],
		DepartmentID: trimmed(r, "department_id")}
}

// ---- the list and the new-review form ----

type mgmtListView struct {
	page
	checkChoices
	Reviews []hikeshi.ManagementReview
	Next    string // the cursor of the next page
	CanPlan bool
	Form    mgmtForm
}

func (h *Handler) mgmtListView(r *http.Request) (*mgmtListView, error) {
	a := h.stateOf(r).actor()
	c, err := h.checkChoices(r)
	if err != nil {
		return nil, err
	}
	v := &mgmtListView{checkChoices: c, CanPlan: !a.ReadOnly() && (a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager)}
	v.Active = "isms"
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	rs, err := h.svc.Management.Reviews(r.Context(), a, hikeshi.Page{After: after, Limit: mgmtPageSize + 1})
	if err != nil {
		return nil, err
	}
	if len(rs) > mgmtPageSize {
		rs = rs[:mgmtPageSize]
		v.Next = rs[len(rs)-1].ID
	}
	v.Reviews = rs
	if a.UserID != "" {
		v.Form.ChairID = a.UserID
	}
	return v, nil
}

func (h *Handler) mgmtList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.mgmtListView(r)
	if err != nil {
		return err
	}
	h.fill(r, &v.page)
	return h.render(w, r, http.StatusOK, "management_list", v)
}

func (h *Handler) mgmtCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := readMgmtForm(r)
	m, err := h.svc.Management.CreateReview(r.Context(), h.stateOf(r).actor(), in.input())
	if err != nil {
		msgs, ok := h.mgmtErrors(r, err)
		if !ok {
			return err
		}
		v, verr := h.mgmtListView(r)
		if verr != nil {
			return verr
		}
		v.Form, v.Errors = in, msgs
		h.fill(r, &v.page)
		v.Alert = v.T("management.fix_errors")
		return h.render(w, r, statusOf(err), "management_list", v)
	}
	return redirect(w, r, "/isms/management-reviews/"+url.PathEscape(m.ID)+"?n=created")
}

// ---- one review ----

type mgmtDecisionForm struct{ Kind, Text, DepartmentID, OwnerID, DueDate string }

type mgmtShowView struct {
	page
	checkChoices
	V       service.MgmtReviewView
	In      hikeshi.ReviewInputs
	Form    mgmtForm
	DForm   mgmtDecisionForm
	DErrors map[string]string
	Kinds   []hikeshi.DecisionKind
	Types   []hikeshi.FindingType
	Levels  []string
	Print   bool
}

func (v *mgmtShowView) DErr(f string) string { return v.DErrors[f] }

// FindingCount is the number of findings of a type in the period.
func (v *mgmtShowView) FindingCount(t hikeshi.FindingType) int {
	return hikeshi.CountOf(v.In.FindingsByType, string(t))
}

// LevelCount is the number of risks at a level.
func (v *mgmtShowView) LevelCount(l string) int { return hikeshi.CountOf(v.In.RisksByLevel, l) }

// UserName is the name of a person the review names, whoever reads it.
func (v *mgmtShowView) UserName(id string) string {
	if n := v.V.Names[id]; n != "" {
		return n
	}
	return v.checkChoices.UserName(id)
}

// Names lists users' names, joined.
func (v *mgmtShowView) Names(ids []string) string {
	var out []string
	for _, id := range ids {
		if n := v.UserName(id); n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

func (h *Handler) renderMgmt(w http.ResponseWriter, r *http.Request, status int, adjust func(v *mgmtShowView)) error {
	a := h.stateOf(r).actor()
	rv, err := h.svc.Management.Review(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := h.checkChoices(r)
	if err != nil {
		return err
	}
	m := rv.Review
	v := &mgmtShowView{checkChoices: c, V: rv, In: rv.Inputs, Kinds: hikeshi.DecisionKinds, Types: hikeshi.FindingTypes,
		Levels: []string{"very_high", "high", "medium", "low"},
		Form: mgmtForm{Title: m.Title, PeriodFrom: m.PeriodFrom, PeriodTo: m.PeriodTo, MeetingDate: m.MeetingDate, ChairID: m.ChairID, DepartmentID: m.DepartmentID,
			Issues: m.Issues, Feedback: m.Feedback, Minutes: m.Minutes, AttendeeIDs: m.AttendeeIDs},
		DForm: mgmtDecisionForm{Kind: string(hikeshi.DecisionImprovement)}}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = m.Title
	h.notice(r, &v.page, "management")
	if adjust != nil {
		adjust(v)
	}
	if status != http.StatusOK || r.URL.Query().Get("print") != "1" {
		return h.render(w, r, status, "management_show", v)
	}
	v.Print = true
	set, ok := h.pages.sets["management_show"]
	if !ok {
		return errors.New("render: no page management_show")
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "management_print", v); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", string(v.Lang))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (h *Handler) mgmtShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderMgmt(w, r, http.StatusOK, nil)
}

func (h *Handler) mgmtUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	in := readMgmtForm(r)
	id := r.PathValue("id")
	a := h.stateOf(r).actor()
	if cur, err := h.svc.Management.Review(r.Context(), a, id); err == nil && cur.Review.Status != hikeshi.MgmtPlanned {
		// The form of a held review does not offer the frozen fields.
		in.PeriodFrom, in.PeriodTo, in.Issues, in.Feedback = cur.Review.PeriodFrom, cur.Review.PeriodTo, cur.Review.Issues, cur.Review.Feedback
	}
	if _, err := h.svc.Management.UpdateReview(r.Context(), a, id, in.input()); err != nil {
		msgs, ok := h.mgmtErrors(r, err)
		if !ok {
			return err
		}
		return h.renderMgmt(w, r, statusOf(err), func(v *mgmtShowView) {
			v.Form, v.Errors = in, msgs
			v.Alert = v.T("management.fix_errors")
			if _, st := msgs["status"]; st {
				v.Alert = v.T("management.conflict.status")
			}
		})
	}
	return redirect(w, r, "/isms/management-reviews/"+url.PathEscape(id)+"?n=saved")
}

func (h *Handler) mgmtMove(w http.ResponseWriter, r *http.Request, move func() error, notice string) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := move(); err != nil {
		if _, ok := h.mgmtErrors(r, err); !ok {
			return err
		}
		return h.renderMgmt(w, r, statusOf(err), func(v *mgmtShowView) { v.Alert = v.T("management.conflict.status") })
	}
	return redirect(w, r, "/isms/management-reviews/"+url.PathEscape(id)+"?n="+notice)
}

func (h *Handler) mgmtHold(w http.ResponseWriter, r *http.Request) error {
	return h.mgmtMove(w, r, func() error {
		_, err := h.svc.Management.Hold(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
		return err
	}, "held")
}

func (h *Handler) mgmtClose(w http.ResponseWriter, r *http.Request) error {
	return h.mgmtMove(w, r, func() error {
		_, err := h.svc.Management.Close(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
		return err
	}, "closed")
}

func (h *Handler) mgmtDecide(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := mgmtDecisionForm{Kind: trimmed(r, "kind"), Text: formValue(r, "text"), DepartmentID: trimmed(r, "department_id"),
		OwnerID: trimmed(r, "owner_id"), DueDate: trimmed(r, "due_date")}
	_, err := h.svc.Management.AddDecision(r.Context(), h.stateOf(r).actor(), id, service.MgmtDecisionInput{Kind: hikeshi.DecisionKind(in.Kind),
		Text: in.Text, DepartmentID: in.DepartmentID, OwnerID: in.OwnerID, DueDate: in.DueDate})
	if err != nil {
		msgs, ok := h.mgmtErrors(r, err)
		if !ok {
			return err
		}
		return h.renderMgmt(w, r, statusOf(err), func(v *mgmtShowView) {
			v.DForm, v.DErrors = in, msgs
			v.Alert = v.T("management.fix_errors")
			if _, st := msgs["status"]; st {
				v.Alert = v.T("management.conflict.status")
			}
		})
	}
	return redirect(w, r, "/isms/management-reviews/"+url.PathEscape(id)+"?n=decided#decisions")
}
