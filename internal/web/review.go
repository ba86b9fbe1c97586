package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of the post-incident review and its lessons (IH-8):
// the review section of the incident page (the blameless review form, the
// lessons with their add form and accept / decline) and the global lessons
// list at /lessons. The service decides who sees and who writes.

const lessonsPageSize = 50

// registerReview mounts the area's pages.
func (h *Handler) registerReview(handle handleFunc) {
	handle("POST /incidents/{id}/review", signedIn, h.reviewSave)
	handle("POST /incidents/{id}/review/reopen", signedIn, h.reviewReopen)
	handle("POST /incidents/{id}/lessons", signedIn, h.lessonAdd)
	handle("POST /lessons/{id}/status", signedIn, h.lessonDecide)
	handle("GET /lessons", signedIn, h.lessonList)
}

// reviewForm is the review form's values, as stored or as typed.
type reviewForm struct {
	RootCause    string
	WentWell     string
	ToChange     string
	Factors      []hikeshi.Factor
	Participants []string
}

// lessonForm is the add-lesson form's values.
type lessonForm struct {
	Text           string
	ProposedChange string
	Kind           string
	DepartmentID   string
}

// personView is a user offered as a participant.
type personView struct {
	ID      string
	Name    string
	Checked bool
}

// incidentReviewSection is what the incident page shows of the area.
type incidentReviewSection struct {
	D            service.ReviewDetail
	Form         reviewForm
	Lesson       lessonForm
	People       []personView // participants to tick (the form) or who took part (read-only)
	Departments  []hikeshi.Department
	Factors      []hikeshi.Factor
	Kinds        []hikeshi.MeasureKind
	CompletedBy  string // the name of who completed the review
	DecideID     string // the lesson whose decision form is shown again
	DecideReason string
}

// HasFactor reports whether the form has factor f ticked.
func (s incidentReviewSection) HasFactor(f hikeshi.Factor) bool {
	return slices.Contains(s.Form.Factors, f)
}

// DepartmentName is the name of a department of the list, or "".
func (s incidentReviewSection) DepartmentName(id string) string {
	for _, d := range s.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}

// FactorName is the localised name of a contributing factor.
func (p *page) FactorName(f hikeshi.Factor) string { return p.T("review.factor." + string(f)) }

// MeasureName is the localised name of a kind of measure.
func (p *page) MeasureName(k hikeshi.MeasureKind) string { return p.T("lesson.kind." + string(k)) }

// LessonStatusName is the localised name of a lesson's status.
func (p *page) LessonStatusName(s hikeshi.LessonStatus) string {
	return p.T("lesson.status." + string(s))
}

// LessonBadge is the badge class of a lesson's status.
func (p *page) LessonBadge(s hikeshi.LessonStatus) string {
	switch s {
	case hikeshi.LessonAccepted:
		return "badge badge-ok"
	case hikeshi.LessonDeclined:
		return "badge badge-muted"
	}
	return "badge badge-warn"
}

// loadIncidentReview fills the area's section of the incident page.
func (h *Handler) loadIncidentReview(r *http.Request, v *incidentView) error {
	ctx, a := r.Context(), h.stateOf(r).actor()
	d, err := h.svc.Reviews.Get(ctx, a, v.D.Incident.ID)
	if err != nil {
		return err
	}
	s := &v.Review
	s.D, s.Factors, s.Kinds = d, hikeshi.Factors, hikeshi.MeasureKinds
	if !d.Offered {
		return nil
	}
	rv := d.Review
	s.Form = reviewForm{RootCause: rv.RootCause, WentWell: rv.WentWell, ToChange: rv.ToChange, Factors: rv.Factors, Participants: rv.Participants}
	if rv.CompletedBy != "" {
		s.CompletedBy = h.personName(r, rv.CompletedBy)
	}
	if a.CanReadAll() {
		if s.Departments, err = h.svc.Departments.List(ctx, a, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
			return err
		}
	}
	// Who may be ticked: those who took part, the CSIRT, the owner and the members.
	ids := slices.Clone(rv.Participants)
	if d.CanWrite {
		if i := v.D.Incident; i.OwnerID != "" {
			ids = append(ids, i.OwnerID)
		}
		for _, m := range v.D.Members {
			ids = append(ids, m.UserID)
		}
		if csirt, err := h.svc.Users.List(ctx, a, hikeshi.UserFilter{Role: hikeshi.RoleCSIRT, Page: hikeshi.Page{Limit: 100}}); err == nil {
			for _, u := range csirt {
				ids = append(ids, u.ID)
			}
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			s.People = append(s.People, personView{ID: id, Name: h.personName(r, id)})
		}
	}
	s.tickPeople()
	return nil
}

// personName is a user's name as the viewer may see it, else "" (a member
// sees only the accounts of their own department).
func (h *Handler) personName(r *http.Request, id string) string {
	if u, err := h.svc.Users.Get(r.Context(), h.stateOf(r).actor(), id); err == nil {
		return u.Name
	}
	return ""
}

// tickPeople marks the people of the section that the form has ticked,
// adding those ticked who are not offered (so that what was typed is shown again).
func (s *incidentReviewSection) tickPeople() {
	for i := range s.People {
		s.People[i].Checked = slices.Contains(s.Form.Participants, s.People[i].ID)
	}
}

// reviewFieldAlert turns a refusal of the review's state into a page alert.
func reviewFieldAlert(v *incidentView, err error) bool {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, f := range ve.Fields {
		if f.Field == "review" {
			v.Alert = v.T("review.refused." + f.Code)
			return true
		}
	}
	return false
}

func (h *Handler) reviewSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id, a := r.PathValue("id"), h.stateOf(r).actor()
	f := reviewForm{RootCause: formValue(r, "root_cause"), WentWell: formValue(r, "went_well"), ToChange: formValue(r, "to_change"),
		Participants: r.PostForm["participant"]}
	for _, k := range r.PostForm["factor"] {
		f.Factors = append(f.Factors, hikeshi.Factor(k))
	}
	in := service.ReviewInput{RootCause: f.RootCause, WentWell: f.WentWell, ToChange: f.ToChange, Factors: f.Factors, Participants: f.Participants}
	var err error
	if formValue(r, "complete") != "" {
		_, err = h.svc.Reviews.Complete(r.Context(), a, id, &in)
	} else {
		_, err = h.svc.Reviews.Save(r.Context(), a, id, in)
	}
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Review.Form = f
			v.Review.tickPeople()
			v.Errors = msgs
			if !reviewFieldAlert(v, err) {
				v.Alert = v.T("review.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#review")
}

func (h *Handler) reviewReopen(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	_, err := h.svc.Reviews.Reopen(r.Context(), h.stateOf(r).actor(), id)
	if _, ok := h.formErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Review.tickPeople()
			reviewFieldAlert(v, err)
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#review")
}

// lessonFields maps the service's lesson fields to the form's, which are
// prefixed so as not to clash with the other forms of the incident page.
var lessonFields = map[string]string{"text": "lesson_text", "proposed_change": "lesson_change", "kind": "lesson_kind",
	"department_id": "lesson_department"}

func (h *Handler) lessonAdd(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := lessonForm{Text: formValue(r, "lesson_text"), ProposedChange: formValue(r, "lesson_change"), Kind: formValue(r, "lesson_kind"),
		DepartmentID: formValue(r, "lesson_department")}
	_, err := h.svc.Reviews.AddLesson(r.Context(), h.stateOf(r).actor(), id, service.LessonInput{Text: f.Text, ProposedChange: f.ProposedChange,
		Kind: hikeshi.MeasureKind(f.Kind), DepartmentID: f.DepartmentID})
	if msgs, ok := h.formErrors(r, err); ok {
		for from, to := range lessonFields {
			if m, ok := msgs[from]; ok {
				msgs[to] = m
				delete(msgs, from)
			}
		}
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Review.Lesson = f
			v.Review.tickPeople()
			v.Errors = msgs
			if !reviewFieldAlert(v, err) {
				v.Alert = v.T("review.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#lessons")
}

func (h *Handler) lessonDecide(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	l, err := h.svc.Reviews.GetLesson(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	status, reason := hikeshi.LessonStatus(formValue(r, "status")), formValue(r, "reason")
	_, err = h.svc.Reviews.UpdateLesson(r.Context(), a, l.ID, service.LessonPatch{Status: &status, Reason: &reason})
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), l.IncidentID, func(v *incidentView) {
			v.Review.DecideID, v.Review.DecideReason = l.ID, reason
			v.Review.tickPeople()
			v.Errors = map[string]string{"reason-" + l.ID: msgs["reason"]}
			switch {
			case reviewFieldAlert(v, err):
			case msgs["status"] != "":
				v.Alert = v.T("lesson.refused")
			case msgs["department_id"] != "":
				v.Alert = v.T("improvements.refused.no_department")
			default:
				v.Alert = v.T("review.fix_errors")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(l.IncidentID)+"?m=saved#lesson-"+l.ID)
}

// lessonListView is one page of lessons across incidents, newest first.
type lessonListView struct {
	page
	Lessons   []service.LessonEntry
	Statuses  []hikeshi.LessonStatus
	Status    string // the filter
	OlderURL  string
	NewestURL string
}

func (h *Handler) lessonList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	v := &lessonListView{Statuses: hikeshi.LessonStatuses, Status: q.Get("status")}
	v.Active = "lessons"
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	if v.Status != "" && !hikeshi.LessonStatus(v.Status).Valid() {
		v.Status = ""
	}
	list, err := h.svc.Reviews.ListLessons(r.Context(), a, hikeshi.LessonFilter{Status: hikeshi.LessonStatus(v.Status),
		Page: hikeshi.Page{After: after, Limit: lessonsPageSize + 1}})
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	filter := url.Values{}
	if v.Status != "" {
		filter.Set("status", v.Status)
	}
	if len(list) > lessonsPageSize {
		list = list[:lessonsPageSize]
		older := url.Values{"after": {list[len(list)-1].Lesson.ID}}
		if v.Status != "" {
			older.Set("status", v.Status)
		}
		v.OlderURL = "/lessons?" + older.Encode()
	}
	if after != "" {
		v.NewestURL = "/lessons"
		if len(filter) > 0 {
			v.NewestURL += "?" + filter.Encode()
		}
	}
	v.Lessons = list
	h.fill(r, &v.page)
	v.Title = v.T("lessons.title")
	return h.render(w, r, http.StatusOK, "lessons", v)
}
