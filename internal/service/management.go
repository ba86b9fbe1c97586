package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// Management is the ISMS's IS-5: management reviews, with inputs compiled
// from the period's data and decisions that become corrective actions.
//
// Who does what (docs/decisions/0026-management-review.md): every signed-in
// role reads reviews, their inputs and decisions; admins and managers plan,
// edit, hold and close reviews and record decisions; auditors change nothing.
type Management struct {
	base
	checks *Checks // opens the decisions' corrective actions in the review's transaction

	improvements *Improvements // opens waiting improvements when a review is held (IN-1)
}

// MgmtReviewInput is a management review as typed. Issues and Feedback are the
// typed inputs (9.3.2 b and d); they freeze when the review is held.
type MgmtReviewInput struct {
	Title       string
	PeriodFrom  string
	PeriodTo    string
	MeetingDate string
	ChairID     string
	AttendeeIDs []string
	Issues      string
	Feedback    string
	Minutes     string
	// DepartmentID is the unit that prepares the review; "" on creation
	// leaves it to the organisation's pattern (management review), on a
	// change keeps the current one.
	DepartmentID string
}

// MgmtDecisionInput is a management review decision as typed.
type MgmtDecisionInput struct {
	Kind         hikeshi.DecisionKind
	Text         string
	DepartmentID string
	OwnerID      string // "" = the department as a whole
	DueDate      string
}

// MgmtDecisionView is a decision with its corrective action as it stands now.
type MgmtDecisionView struct {
	Decision hikeshi.MgmtDecision
	Action   hikeshi.CorrectiveAction
}

// MgmtReviewView is a management review with its inputs, decisions and what the viewer may do.
type MgmtReviewView struct {
	Review hikeshi.ManagementReview
	// Inputs are the snapshot when held or closed, else compiled now (Live).
	Inputs    hikeshi.ReviewInputs
	Live      bool
	Decisions []MgmtDecisionView
	CanEdit   bool // may edit the record now
	CanHold   bool
	CanClose  bool
	CanDecide bool // may record decisions now
	// Names of the people the review names (chair, attendees, decision
	// owners), for every reader: the record is the organisation's.
	Names map[string]string
}

type mgmtAudit struct {
	ID          string   `json:"id"`
	PeriodFrom  string   `json:"period_from"`
	PeriodTo    string   `json:"period_to"`
	MeetingDate string   `json:"meeting_date"`
	ChairID     string   `json:"chair_id"`
	AttendeeIDs []string `json:"attendee_ids"`
	Status      string   `json:"status"`
	Department  string   `json:"department_id,omitempty"`
}

func auditOfMgmt(m hikeshi.ManagementReview) mgmtAudit {
	return mgmtAudit{m.ID, m.PeriodFrom, m.PeriodTo, m.MeetingDate, m.ChairID, m.AttendeeIDs, string(m.Status), m.DepartmentID}
}

type mgmtDecisionAudit struct {
	ID           string `json:"id"`
	ReviewID     string `json:"review_id"`
	Kind         string `json:"kind"`
	DepartmentID string `json:"department_id"`
	OwnerID      string `json:"owner_id,omitempty"`
	DueDate      string `json:"due_date"`
	ActionID     string `json:"action_id"`
}

// canReview reports whether the actor plans, holds and decides management reviews.
func canReview(a hikeshi.Actor) bool { return !a.ReadOnly() && canPlan(a) }

// Reviews lists management reviews, newest first.
func (s *Management) Reviews(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]hikeshi.ManagementReview, error) {
	if err := readCheck(actor, "list management reviews"); err != nil {
		return nil, err
	}
	return s.st.FindManagementReviews(ctx, p)
}

// Review returns one management review with its inputs: the frozen snapshot
// once held, else compiled now from the period's data.
func (s *Management) Review(ctx context.Context, actor hikeshi.Actor, id string) (MgmtReviewView, error) {
	if err := readCheck(actor, "get management review"); err != nil {
		return MgmtReviewView{}, err
	}
	var v MgmtReviewView
	r := s.st
	err := func() error {
		m, err := r.FindManagementReviewByID(ctx, id)
		if err != nil {
			return err
		}
		v.Review = m
		if m.Inputs != nil {
			v.Inputs = *m.Inputs
		} else {
			if v.Inputs, err = r.CompileReviewInputs(ctx, m.ID, m.PeriodFrom, m.PeriodTo, s.clock.Now()); err != nil {
				return err
			}
			v.Live = true
		}
		ds, err := r.FindMgmtDecisions(ctx, m.ID)
		if err != nil {
			return err
		}
		for _, d := range ds {
			a, err := r.FindCorrectiveActionByID(ctx, d.ActionID)
			if err != nil {
				return err
			}
			v.Decisions = append(v.Decisions, MgmtDecisionView{Decision: d, Action: a})
		}
		v.Names = map[string]string{}
		ids := append([]string{m.ChairID}, m.AttendeeIDs...)
		for _, d := range ds {
			ids = append(ids, d.OwnerID)
		}
		for _, uid := range ids {
			if _, done := v.Names[uid]; done || uid == "" {
				continue
			}
			u, err := r.FindUserByID(ctx, uid)
			if errors.Is(err, hikeshi.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			v.Names[uid] = u.Name
		}
		return nil
	}()
	if err != nil {
		return MgmtReviewView{}, fmt.Errorf("get management review: %w", err)
	}
	ok := canReview(actor)
	v.CanEdit = ok && v.Review.Status != hikeshi.MgmtClosed
	v.CanHold = ok && v.Review.Status == hikeshi.MgmtPlanned
	v.CanClose = ok && v.Review.Status == hikeshi.MgmtHeld
	v.CanDecide = ok && v.Review.Status == hikeshi.MgmtHeld
	return v, nil
}

// Recompile compiles a planned review's inputs now. Held and closed reviews
// keep their snapshot: recompiling them is a conflict.
func (s *Management) Recompile(ctx context.Context, actor hikeshi.Actor, id string) (MgmtReviewView, error) {
	if !canReview(actor) {
		return MgmtReviewView{}, forbid("recompile a management review")
	}
	v, err := s.Review(ctx, actor, id)
	if err != nil {
		return MgmtReviewView{}, err
	}
	if v.Review.Status != hikeshi.MgmtPlanned {
		return MgmtReviewView{}, fmt.Errorf("recompile management review: %w",
			hikeshi.Conflict("status", "the review was held: its inputs are the snapshot taken then"))
	}
	return v, nil
}

func trimReview(m *hikeshi.ManagementReview, in MgmtReviewInput) {
	m.Title, m.PeriodFrom, m.PeriodTo, m.MeetingDate = strings.TrimSpace(in.Title), strings.TrimSpace(in.PeriodFrom),
		strings.TrimSpace(in.PeriodTo), strings.TrimSpace(in.MeetingDate)
	m.ChairID = strings.TrimSpace(in.ChairID)
	m.AttendeeIDs = nil
	for _, id := range in.AttendeeIDs {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(m.AttendeeIDs, id) {
			m.AttendeeIDs = append(m.AttendeeIDs, id)
		}
	}
	m.Issues, m.Feedback, m.Minutes = strings.TrimSpace(in.Issues), strings.TrimSpace(in.Feedback), strings.TrimSpace(in.Minutes)
}

// validateReviewPeople checks that the chair and the attendees are active users.
func validateReviewPeople(ctx context.Context, r hikeshi.Reader, m hikeshi.ManagementReview) error {
	var v hikeshi.ValidationError
	check := func(field, id string) error {
		u, err := r.FindUserByID(ctx, id)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			v.Add(field, "unknown", "no such user")
		case err != nil:
			return err
		case !u.Active():
			v.Add(field, "disabled", "the user is disabled")
		}
		return nil
	}
	if m.ChairID != "" {
		if err := check("chair_id", m.ChairID); err != nil {
			return err
		}
	}
	for _, id := range m.AttendeeIDs {
		if len(v.Fields) > 0 && v.Fields[len(v.Fields)-1].Field == "attendee_ids" {
			break
		}
		if err := check("attendee_ids", id); err != nil {
			return err
		}
	}
	return v.Err()
}

// CreateReview plans a management review (admins, managers).
func (s *Management) CreateReview(ctx context.Context, actor hikeshi.Actor, in MgmtReviewInput) (hikeshi.ManagementReview, error) {
	if !canReview(actor) {
		return hikeshi.ManagementReview{}, forbid("plan a management review")
	}
	now := s.clock.Now()
	m := hikeshi.ManagementReview{ID: hikeshi.NewID(), Status: hikeshi.MgmtPlanned, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	trimReview(&m, in)
	if err := m.Validate(); err != nil {
		return hikeshi.ManagementReview{}, err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := validateReviewPeople(ctx, tx, m); err != nil {
			return err
		}
		var err error
		if m.DepartmentID, m.RoutedActivity, err = placeISMS(ctx, tx, "department_id", in.DepartmentID, hikeshi.ActivityManagementReview); err != nil {
			return err
		}
		if err := tx.CreateManagementReview(ctx, m); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "management_review.create", "management_review", m.ID, nil, auditOfMgmt(m)); err != nil {
			return err
		}
		if m.RoutedActivity != "" {
			return s.audit(ctx, tx, actor, "pattern.route", hikeshi.RoutedMgmt, m.ID, nil,
				map[string]any{"department_id": m.DepartmentID, "activity": m.RoutedActivity})
		}
		return nil
	})
	if err != nil {
		return hikeshi.ManagementReview{}, fmt.Errorf("create management review: %w", err)
	}
	return m, nil
}

// UpdateReview rewrites a review (admins, managers). While planned every
// field may change; once held the period and the typed inputs are frozen
// with the snapshot (changing them is a conflict) and the title, meeting,
// people and minutes may still change; a closed review does not change.
func (s *Management) UpdateReview(ctx context.Context, actor hikeshi.Actor, id string, in MgmtReviewInput) (hikeshi.ManagementReview, error) {
	if !canReview(actor) {
		return hikeshi.ManagementReview{}, forbid("change a management review")
	}
	var out hikeshi.ManagementReview
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindManagementReviewByID(ctx, id)
		if err != nil {
			return err
		}
		if before.Status == hikeshi.MgmtClosed {
			return hikeshi.Conflict("status", "the management review is closed")
		}
		m := before
		trimReview(&m, in)
		if before.Status != hikeshi.MgmtPlanned {
			var v hikeshi.ValidationError
			if m.PeriodFrom != before.PeriodFrom || m.PeriodTo != before.PeriodTo {
				v.Add("period_from", "frozen", "the period is frozen once the review is held")
			}
			if m.Issues != before.Issues {
				v.Add("issues", "frozen", "the inputs are frozen once the review is held")
			}
			if m.Feedback != before.Feedback {
				v.Add("feedback", "frozen", "the inputs are frozen once the review is held")
			}
			if len(v.Fields) > 0 {
				v.Conflict = true
				return &v
			}
		}
		if err := m.Validate(); err != nil {
			return err
		}
		if err := validateReviewPeople(ctx, tx, m); err != nil {
			return err
		}
		if m.DepartmentID, m.RoutedActivity, err = replaceISMS(ctx, tx, "department_id", in.DepartmentID, before.DepartmentID, before.RoutedActivity); err != nil {
			return err
		}
		m.UpdatedAt = s.clock.Now()
		if err := tx.UpdateManagementReview(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, "management_review.update", "management_review", m.ID, auditOfMgmt(before), auditOfMgmt(m))
	})
	if err != nil {
		return hikeshi.ManagementReview{}, fmt.Errorf("update management review: %w", err)
	}
	return out, nil
}

func (s *Management) move(ctx context.Context, actor hikeshi.Actor, id string, to hikeshi.MgmtStatus) (hikeshi.ManagementReview, error) {
	if !canReview(actor) {
		return hikeshi.ManagementReview{}, forbid("move a management review")
	}
	var out hikeshi.ManagementReview
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindManagementReviewByID(ctx, id)
		if err != nil {
			return err
		}
		if !hikeshi.CanMoveMgmt(before.Status, to) {
			msg := "the review must be planned to be held"
			if to == hikeshi.MgmtClosed {
				msg = "the review must be held to be closed"
			}
			return hikeshi.Conflict("status", msg)
		}
		m := before
		now := s.clock.Now()
		m.Status, m.UpdatedAt = to, now
		switch to {
		case hikeshi.MgmtHeld:
			in, err := tx.CompileReviewInputs(ctx, m.ID, m.PeriodFrom, m.PeriodTo, now)
			if err != nil {
				return err
			}
			m.Inputs, m.HeldBy, m.HeldAt = &in, actor.UserID, now
		case hikeshi.MgmtClosed:
			m.ClosedBy, m.ClosedAt = actor.UserID, now
		}
		if err := tx.UpdateManagementReview(ctx, m); err != nil {
			return err
		}
		if to == hikeshi.MgmtHeld { // IN-1: improvements waiting for a review open now
			if err := s.improvements.release(ctx, tx, actor, hikeshi.ReleasedByManagementReview); err != nil {
				return err
			}
		}
		out = m
		return s.audit(ctx, tx, actor, "management_review."+map[hikeshi.MgmtStatus]string{hikeshi.MgmtHeld: "hold", hikeshi.MgmtClosed: "close"}[to],
			"management_review", m.ID, auditOfMgmt(before), auditOfMgmt(m))
	})
	if err != nil {
		return hikeshi.ManagementReview{}, fmt.Errorf("move management review: %w", err)
	}
	return out, nil
}

// Hold records that the review was held: its inputs are compiled now and
// frozen as its snapshot (admins, managers; planned reviews only).
func (s *Management) Hold(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.ManagementReview, error) {
	return s.move(ctx, actor, id, hikeshi.MgmtHeld)
}

// Close closes a held review (admins, managers).
func (s *Management) Close(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.ManagementReview, error) {
	return s.move(ctx, actor, id, hikeshi.MgmtClosed)
}

// AddDecision records a decision of a held review and opens its corrective
// action (source management_review) in the same transaction (admins, managers).
func (s *Management) AddDecision(ctx context.Context, actor hikeshi.Actor, reviewID string, in MgmtDecisionInput) (MgmtDecisionView, error) {
	if !canReview(actor) {
		return MgmtDecisionView{}, forbid("record a management review decision")
	}
	now := s.clock.Now()
	d := hikeshi.MgmtDecision{ID: hikeshi.NewID(), ReviewID: reviewID, Kind: in.Kind, Text: strings.TrimSpace(in.Text),
		DepartmentID: strings.TrimSpace(in.DepartmentID), OwnerID: strings.TrimSpace(in.OwnerID), DueDate: strings.TrimSpace(in.DueDate),
		CreatedBy: actor.UserID, CreatedAt: now}
	var out MgmtDecisionView
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := tx.FindManagementReviewByID(ctx, reviewID)
		if err != nil {
			return err
		}
		if m.Status != hikeshi.MgmtHeld {
			return hikeshi.Conflict("status", "decisions are recorded on a held review")
		}
		if err := d.Validate(); err != nil {
			return err
		}
		a, err := s.checks.createAction(ctx, tx, actor, ActionInput{SourceKind: hikeshi.SourceReview, SourceID: m.ID,
			Title: hikeshi.DecisionTitle(d.Text), Action: d.Text, DepartmentID: d.DepartmentID, OwnerID: d.OwnerID, DueDate: d.DueDate})
		if err != nil {
			return err
		}
		d.ActionID = a.ID
		if err := tx.CreateMgmtDecision(ctx, d); err != nil {
			return err
		}
		out = MgmtDecisionView{Decision: d, Action: a}
		return s.audit(ctx, tx, actor, "management_review.decide", "management_review", m.ID, nil,
			mgmtDecisionAudit{d.ID, d.ReviewID, string(d.Kind), d.DepartmentID, d.OwnerID, d.DueDate, d.ActionID})
	})
	if err != nil {
		return MgmtDecisionView{}, fmt.Errorf("record management review decision: %w", err)
	}
	return out, nil
}
