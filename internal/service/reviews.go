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

// Reviews are post-incident reviews and their lessons (IH-8), blameless by
// design: root cause, what went well, what to change, and lessons that later
// become ISMS improvement actions.
//
// Who does what: the CSIRT and admins write the review and its lessons, and
// accept or decline lessons, on incidents they can see. Everyone who can see
// the incident reads its review. The global lessons list is for the CSIRT,
// admins, managers and auditors, and lists only lessons of incidents the
// viewer can see. A review is written once the incident has reached recovery
// (recurrence prevention is its natural phase); a closed incident's review is
// read-only, and closing needs a completed review (checkClose).
type Reviews struct {
	base
	improvements *Improvements // records and opens the improvement of an accepted lesson (IN-1)
}

// ReviewInput is a review as the CSIRT writes it.
type ReviewInput struct {
	RootCause    string
	WentWell     string
	ToChange     string
	Factors      []hikeshi.Factor
	Participants []string // user ids
}

// ReviewDetail is an incident's review with its lessons and what the actor may do.
type ReviewDetail struct {
	Incident hikeshi.Incident
	Review   hikeshi.Review // the zero Review (no ID) while none has been written
	Lessons  []hikeshi.Lesson
	// Offered: the incident has reached recovery, so the review is shown.
	Offered bool
	// CanWrite: the actor may change the review and add lessons now.
	CanWrite bool
	// CanReopen: the actor may take the completed review back to draft.
	CanReopen bool
	// CanDecide: the actor may accept or decline lessons.
	CanDecide bool
}

// Exists reports whether the review has been written.
func (d ReviewDetail) Exists() bool { return d.Review.ID != "" }

// LessonInput is a new lesson.
type LessonInput struct {
	Text           string
	ProposedChange string
	Kind           hikeshi.MeasureKind
	DepartmentID   string
}

// LessonPatch changes a lesson; nil fields stay as they are. Status moves it
// (accept, decline, reconsider); Reason is why (required to decline).
type LessonPatch struct {
	Text           *string
	ProposedChange *string
	Kind           *hikeshi.MeasureKind
	DepartmentID   *string // "" clears
	Status         *hikeshi.LessonStatus
	Reason         *string
}

// LessonEntry is a lesson with the incident it came from, for the global list.
type LessonEntry struct {
	Lesson   hikeshi.Lesson
	Incident hikeshi.Incident
}

// reviewAudit is what the audit log keeps of a review: ids, status and the
// factor keys, never its words.
type reviewAudit struct {
	IncidentID   string   `json:"incident_id"`
	Status       string   `json:"status"`
	Factors      []string `json:"factors"`
	Participants []string `json:"participants"`
}

func auditOfReview(r hikeshi.Review) reviewAudit {
	a := reviewAudit{IncidentID: r.IncidentID, Status: string(r.Status), Factors: []string{}, Participants: r.Participants}
	for _, f := range r.Factors {
		a.Factors = append(a.Factors, string(f))
	}
	if a.Participants == nil {
		a.Participants = []string{}
	}
	return a
}

// lessonAudit is what the audit log keeps of a lesson: never its words.
type lessonAudit struct {
	IncidentID   string `json:"incident_id"`
	Kind         string `json:"kind"`
	Status       string `json:"status"`
	DepartmentID string `json:"department_id,omitempty"`
}

func auditOfLesson(l hikeshi.Lesson) lessonAudit {
	return lessonAudit{IncidentID: l.IncidentID, Kind: string(l.Kind), Status: string(l.Status), DepartmentID: l.DepartmentID}
}

// Refusals of a review change that no field of the input explains: the
// review's or the incident's state collides with the change (a conflict, 409
// in the API). The UI localises them by code (field "review").
var (
	errReviewNotOffered = reviewConflict("not_offered", "a review is written once the incident has reached recovery")
	errReviewClosed     = reviewConflict("incident_closed", "the incident is closed; reopen it to change its review")
	errReviewCompleted  = reviewConflict("completed", "the review is completed; reopen it to change it")
	errReviewNotDone    = reviewConflict("not_completed", "only a completed review can be reopened")
)

func reviewConflict(code, message string) error {
	return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "review", Code: code, Message: message}}, Conflict: true}
}

// incident loads an incident the actor may see.
func (s *Reviews) incident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.Incident, error) {
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

// writable loads an incident whose review the actor changes now.
func (s *Reviews) writable(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Incident, error) {
	i, err := s.incident(ctx, tx, actor, id)
	if err != nil {
		return hikeshi.Incident{}, err
	}
	if !canHandle(actor) {
		return hikeshi.Incident{}, forbid(what)
	}
	switch {
	case i.Phase == hikeshi.PhaseClosed:
		return hikeshi.Incident{}, errReviewClosed
	case !hikeshi.ReviewPhase(i.Phase):
		return hikeshi.Incident{}, errReviewNotOffered
	}
	return i, nil
}

// Get returns an incident's review, its lessons (oldest first) and what the
// actor may do. An incident without a review yet gives the zero Review.
func (s *Reviews) Get(ctx context.Context, actor hikeshi.Actor, incidentID string) (ReviewDetail, error) {
	i, err := s.incident(ctx, s.st, actor, incidentID)
	if err != nil {
		return ReviewDetail{}, fmt.Errorf("get review: %w", err)
	}
	d := ReviewDetail{Incident: i, Offered: hikeshi.ReviewOffered(i.Phase)}
	d.Review, err = s.st.FindReviewByIncident(ctx, i.ID)
	switch {
	case errors.Is(err, hikeshi.ErrNotFound):
		d.Review = hikeshi.Review{}
	case err != nil:
		return ReviewDetail{}, fmt.Errorf("get review: %w", err)
	}
	if d.Lessons, err = s.st.FindLessons(ctx, hikeshi.LessonFilter{IncidentID: i.ID, SeeRestricted: true,
		Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}); err != nil {
		return ReviewDetail{}, fmt.Errorf("get review: %w", err)
	}
	slices.Reverse(d.Lessons)
	handler := canHandle(actor)
	d.CanWrite = handler && hikeshi.ReviewPhase(i.Phase) && d.Review.Status != hikeshi.ReviewCompleted
	d.CanReopen = handler && hikeshi.ReviewPhase(i.Phase) && d.Review.Status == hikeshi.ReviewCompleted
	d.CanDecide = handler && d.Offered
	return d, nil
}

func (s *Reviews) validateReview(ctx context.Context, r hikeshi.Reader, in *ReviewInput) error {
	var v hikeshi.ValidationError
	in.RootCause, in.WentWell, in.ToChange = strings.TrimSpace(in.RootCause), strings.TrimSpace(in.WentWell), strings.TrimSpace(in.ToChange)
	hikeshi.ValidateText(&v, "root_cause", in.RootCause, hikeshi.MaxReviewTextLen, false)
	hikeshi.ValidateText(&v, "went_well", in.WentWell, hikeshi.MaxReviewTextLen, false)
	hikeshi.ValidateText(&v, "to_change", in.ToChange, hikeshi.MaxReviewTextLen, false)
	in.Factors = hikeshi.SortFactors(in.Factors)
	for _, f := range in.Factors {
		if !f.Valid() {
			v.Add("factors", "unknown", "factors must be among process, technology, skills, communication, supplier, other")
			break
		}
	}
	var people []string
	for _, p := range in.Participants {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(people, p) {
			people = append(people, p)
		}
	}
	slices.Sort(people)
	in.Participants = people
	if len(people) > hikeshi.MaxReviewParticipants {
		v.Add("participants", "too_long", fmt.Sprintf("at most %d participants", hikeshi.MaxReviewParticipants))
		return v.Err()
	}
	for _, p := range people {
		if len(p) > 64 {
			v.Add("participants", "unknown", "no such user")
			break
		}
		_, err := r.FindUserByID(ctx, p)
		if errors.Is(err, hikeshi.ErrNotFound) {
			v.Add("participants", "unknown", "no such user")
			break
		}
		if err != nil {
			return err
		}
	}
	return v.Err()
}

// review loads an incident's review inside tx, creating an empty draft when
// none has been written yet.
func (s *Reviews) review(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, i hikeshi.Incident) (hikeshi.Review, error) {
	r, err := tx.FindReviewByIncident(ctx, i.ID)
	if !errors.Is(err, hikeshi.ErrNotFound) {
		return r, err
	}
	now := s.clock.Now()
	r = hikeshi.Review{ID: hikeshi.NewID(), IncidentID: i.ID, Status: hikeshi.ReviewDraft, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateReview(ctx, r); err != nil {
		if errors.Is(err, hikeshi.ErrConflict) {
			return hikeshi.Review{}, fmt.Errorf("the review was created concurrently: %w", hikeshi.ErrConflict)
		}
		return hikeshi.Review{}, err
	}
	return r, s.audit(ctx, tx, actor, "review.create", "review", r.ID, nil, auditOfReview(r))
}

// save writes in to the draft review of i inside tx.
func (s *Reviews) save(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, i hikeshi.Incident, in ReviewInput) (hikeshi.Review, error) {
	if err := s.validateReview(ctx, tx, &in); err != nil {
		return hikeshi.Review{}, err
	}
	before, err := s.review(ctx, tx, actor, i)
	if err != nil {
		return hikeshi.Review{}, err
	}
	if before.Status == hikeshi.ReviewCompleted {
		return hikeshi.Review{}, errReviewCompleted
	}
	r := before
	r.RootCause, r.WentWell, r.ToChange, r.Factors, r.Participants = in.RootCause, in.WentWell, in.ToChange, in.Factors, in.Participants
	if r.RootCause == before.RootCause && r.WentWell == before.WentWell && r.ToChange == before.ToChange &&
		slices.Equal(r.Factors, before.Factors) && slices.Equal(r.Participants, before.Participants) {
		return r, nil
	}
	r.UpdatedAt = s.clock.Now()
	if err := tx.UpdateReview(ctx, r); err != nil {
		return hikeshi.Review{}, err
	}
	return r, s.audit(ctx, tx, actor, "review.save", "review", r.ID, auditOfReview(before), auditOfReview(r))
}

// Save writes the draft review of an incident (CSIRT and admins), creating it
// on first save. A completed review is reopened before it changes.
func (s *Reviews) Save(ctx context.Context, actor hikeshi.Actor, incidentID string, in ReviewInput) (hikeshi.Review, error) {
	var out hikeshi.Review
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.writable(ctx, tx, actor, incidentID, "write a review")
		if err != nil {
			return err
		}
		out, err = s.save(ctx, tx, actor, i, in)
		return err
	})
	if err != nil {
		return hikeshi.Review{}, fmt.Errorf("save review: %w", err)
	}
	return out, nil
}

// Complete finishes the review (CSIRT and admins): saved with in first when
// in is not nil, it must state the root cause and what to change. The
// completion time and who completed it are set here.
func (s *Reviews) Complete(ctx context.Context, actor hikeshi.Actor, incidentID string, in *ReviewInput) (hikeshi.Review, error) {
	var out hikeshi.Review
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.writable(ctx, tx, actor, incidentID, "complete a review")
		if err != nil {
			return err
		}
		var r hikeshi.Review
		if in != nil {
			// Report what completion needs together with the input's other errors.
			var need hikeshi.ValidationError
			hikeshi.ValidateText(&need, "root_cause", in.RootCause, hikeshi.MaxReviewTextLen, true)
			hikeshi.ValidateText(&need, "to_change", in.ToChange, hikeshi.MaxReviewTextLen, true)
			r, err = s.save(ctx, tx, actor, i, *in)
			var ve *hikeshi.ValidationError
			if errors.As(err, &ve) && !ve.Conflict {
				for _, f := range need.Fields {
					if !slices.ContainsFunc(ve.Fields, func(g hikeshi.FieldError) bool { return g.Field == f.Field }) {
						ve.Fields = append(ve.Fields, f)
					}
				}
			}
		} else {
			r, err = s.review(ctx, tx, actor, i)
		}
		if err != nil {
			return err
		}
		if r.Status == hikeshi.ReviewCompleted {
			return errReviewCompleted
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "root_cause", r.RootCause, hikeshi.MaxReviewTextLen, true)
		hikeshi.ValidateText(&v, "to_change", r.ToChange, hikeshi.MaxReviewTextLen, true)
		if err := v.Err(); err != nil {
			return err
		}
		before := r
		now := s.clock.Now()
		r.Status, r.CompletedAt, r.CompletedBy, r.UpdatedAt = hikeshi.ReviewCompleted, now, actor.UserID, now
		if err := tx.UpdateReview(ctx, r); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "review.complete", "review", r.ID, auditOfReview(before), auditOfReview(r))
	})
	if err != nil {
		return hikeshi.Review{}, fmt.Errorf("complete review: %w", err)
	}
	return out, nil
}

// Reopen takes a completed review back to draft (CSIRT and admins) while the
// incident is open; a closed incident is reopened first.
func (s *Reviews) Reopen(ctx context.Context, actor hikeshi.Actor, incidentID string) (hikeshi.Review, error) {
	var out hikeshi.Review
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.writable(ctx, tx, actor, incidentID, "reopen a review")
		if err != nil {
			return err
		}
		before, err := tx.FindReviewByIncident(ctx, i.ID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return errReviewNotDone
		}
		if err != nil {
			return err
		}
		if before.Status != hikeshi.ReviewCompleted {
			return errReviewNotDone
		}
		r := before
		r.Status, r.CompletedAt, r.CompletedBy, r.UpdatedAt = hikeshi.ReviewDraft, time.Time{}, "", s.clock.Now()
		if err := tx.UpdateReview(ctx, r); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "review.reopen", "review", r.ID, auditOfReview(before), auditOfReview(r))
	})
	if err != nil {
		return hikeshi.Review{}, fmt.Errorf("reopen review: %w", err)
	}
	return out, nil
}

// checkClose refuses to close an incident whose review is not completed,
// with a *hikeshi.TransitionError naming the reason. Every priority needs
// one (decision 0019): the priority can be lowered at any time, so an
// exemption for P4 would be a way around the rule.
func (s *Reviews) checkClose(ctx context.Context, tx hikeshi.Tx, i hikeshi.Incident) error {
	r, err := tx.FindReviewByIncident(ctx, i.ID)
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return err
	}
	if err != nil || r.Status != hikeshi.ReviewCompleted {
		return &hikeshi.TransitionError{From: i.Phase, To: hikeshi.PhaseClosed, Code: "review_required",
			Reason: "the post-incident review must be completed before the incident is closed"}
	}
	return nil
}

func (s *Reviews) validateLesson(ctx context.Context, r hikeshi.Reader, l *hikeshi.Lesson) error {
	var v hikeshi.ValidationError
	l.Text, l.ProposedChange = strings.TrimSpace(l.Text), strings.TrimSpace(l.ProposedChange)
	hikeshi.ValidateText(&v, "text", l.Text, hikeshi.MaxLessonTextLen, true)
	hikeshi.ValidateText(&v, "proposed_change", l.ProposedChange, hikeshi.MaxLessonTextLen, true)
	if !l.Kind.Valid() {
		v.Add("kind", "unknown", "kind must be policy, process, technical, training or organisation")
	}
	if l.DepartmentID != "" {
		_, err := r.FindDepartmentByID(ctx, l.DepartmentID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound), errors.Is(err, hikeshi.ErrInvalid):
			v.Add("department_id", "unknown", "no such department")
		case err != nil:
			return err
		}
	}
	return v.Err()
}

// AddLesson adds a lesson to an incident's review (CSIRT and admins), creating
// the draft review if none has been written yet. It starts as proposed.
func (s *Reviews) AddLesson(ctx context.Context, actor hikeshi.Actor, incidentID string, in LessonInput) (hikeshi.Lesson, error) {
	var out hikeshi.Lesson
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		i, err := s.writable(ctx, tx, actor, incidentID, "add a lesson")
		if err != nil {
			return err
		}
		now := s.clock.Now()
		l := hikeshi.Lesson{ID: hikeshi.NewID(), IncidentID: i.ID, Text: in.Text, ProposedChange: in.ProposedChange, Kind: in.Kind,
			DepartmentID: strings.TrimSpace(in.DepartmentID), Status: hikeshi.LessonProposed, AuthorID: actor.UserID, CreatedAt: now, UpdatedAt: now}
		if err := s.validateLesson(ctx, tx, &l); err != nil {
			return err
		}
		r, err := s.review(ctx, tx, actor, i)
		if err != nil {
			return err
		}
		l.ReviewID = r.ID
		if err := tx.CreateLesson(ctx, l); err != nil {
			return err
		}
		out = l
		return s.audit(ctx, tx, actor, "lesson.create", "lesson", l.ID, nil, auditOfLesson(l))
	})
	if err != nil {
		return hikeshi.Lesson{}, fmt.Errorf("add lesson: %w", err)
	}
	return out, nil
}

// UpdateLesson changes a lesson's words while it is proposed and the incident
// open, or moves its status (CSIRT and admins): accept, decline (with a
// reason) or reconsider, also after the incident has closed, until an
// improvement action has been opened from it.
func (s *Reviews) UpdateLesson(ctx context.Context, actor hikeshi.Actor, lessonID string, p LessonPatch) (hikeshi.Lesson, error) {
	var out hikeshi.Lesson
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindLessonByID(ctx, lessonID)
		if err != nil {
			return err
		}
		i, err := s.incident(ctx, tx, actor, before.IncidentID)
		if err != nil {
			return err
		}
		if !canHandle(actor) {
			return forbid("change a lesson")
		}
		l := before
		words := p.Text != nil || p.ProposedChange != nil || p.Kind != nil || p.DepartmentID != nil
		if words {
			switch {
			case i.Phase == hikeshi.PhaseClosed:
				return errReviewClosed
			case !hikeshi.ReviewPhase(i.Phase):
				return errReviewNotOffered
			case before.Status != hikeshi.LessonProposed:
				return hikeshi.Invalid("status", "decided", "only a proposed lesson can be changed; reconsider it first")
			}
			if p.Text != nil {
				l.Text = *p.Text
			}
			if p.ProposedChange != nil {
				l.ProposedChange = *p.ProposedChange
			}
			if p.Kind != nil {
				l.Kind = *p.Kind
			}
			if p.DepartmentID != nil {
				l.DepartmentID = strings.TrimSpace(*p.DepartmentID)
			}
			if err := s.validateLesson(ctx, tx, &l); err != nil {
				return err
			}
		}
		action := "lesson.update"
		if p.Status != nil && (*p.Status != before.Status || !words) {
			if !hikeshi.ReviewOffered(i.Phase) {
				return errReviewNotOffered
			}
			if err := hikeshi.CheckLessonStatus(before, *p.Status); err != nil {
				var le *hikeshi.LessonError
				errors.As(err, &le)
				return hikeshi.Invalid("status", le.Code, le.Reason)
			}
			reason := ""
			if p.Reason != nil {
				reason = strings.TrimSpace(*p.Reason)
			}
			var v hikeshi.ValidationError
			hikeshi.ValidateText(&v, "reason", reason, hikeshi.MaxLessonReasonLen, *p.Status == hikeshi.LessonDeclined)
			if err := v.Err(); err != nil {
				return err
			}
			action = "lesson.decide"
			l.Status = *p.Status
			if l.Status == hikeshi.LessonProposed {
				l.DecisionReason, l.DecidedBy, l.DecidedAt = "", "", time.Time{}
			} else {
				l.DecisionReason, l.DecidedBy, l.DecidedAt = reason, actor.UserID, s.clock.Now()
			}
		} else if p.Reason != nil && !words {
			return hikeshi.Invalid("reason", "invalid", "a reason goes with a status change")
		}
		if l == before {
			out = l
			return nil
		}
		switch {
		case l.Status == hikeshi.LessonAccepted && before.Status != hikeshi.LessonAccepted:
			if l, err = s.improvements.accepted(ctx, tx, actor, l, i); err != nil {
				return err
			}
		case before.Status == hikeshi.LessonAccepted && l.Status != hikeshi.LessonAccepted:
			if err := s.improvements.withdrawn(ctx, tx, actor, before); err != nil {
				return err
			}
		}
		l.UpdatedAt = s.clock.Now()
		if err := tx.UpdateLesson(ctx, l); err != nil {
			return err
		}
		out = l
		return s.audit(ctx, tx, actor, action, "lesson", l.ID, auditOfLesson(before), auditOfLesson(l))
	})
	if err != nil {
		return hikeshi.Lesson{}, fmt.Errorf("update lesson: %w", err)
	}
	return out, nil
}

// GetLesson returns one lesson of an incident the actor can see.
func (s *Reviews) GetLesson(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Lesson, error) {
	l, err := s.st.FindLessonByID(ctx, id)
	if err == nil {
		_, err = s.incident(ctx, s.st, actor, l.IncidentID)
	}
	if err != nil {
		return hikeshi.Lesson{}, fmt.Errorf("get lesson: %w", err)
	}
	return l, nil
}

// ListLessons lists lessons across incidents, newest first (CSIRT, admins,
// managers, auditors), leaving out those of incidents the actor cannot see in
// the query itself, so pages stay full and cursors correct.
func (s *Reviews) ListLessons(ctx context.Context, actor hikeshi.Actor, f hikeshi.LessonFilter) ([]LessonEntry, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return nil, fmt.Errorf("list lessons: %w", hikeshi.ErrUnauthenticated)
	}
	if !actor.CanReadAll() {
		return nil, forbid("list lessons")
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, hikeshi.Invalid("status", "unknown", "status must be proposed, accepted or declined")
	}
	f.IncidentID, f.ViewerID, f.SeeRestricted = "", actor.UserID, seesAll(actor)
	lessons, err := s.st.FindLessons(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list lessons: %w", err)
	}
	incidents := map[string]hikeshi.Incident{}
	out := make([]LessonEntry, 0, len(lessons))
	for _, l := range lessons {
		i, ok := incidents[l.IncidentID]
		if !ok {
			if i, err = s.st.FindIncidentByID(ctx, l.IncidentID); err != nil {
				return nil, fmt.Errorf("list lessons: %w", err)
			}
			incidents[i.ID] = i
		}
		out = append(out, LessonEntry{Lesson: l, Incident: i})
	}
	return out, nil
}
