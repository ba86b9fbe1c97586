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

// Improvements is IN-1: lessons from incidents that become improvement
// actions on measures and risks, and the improvement lead time (decision 0032).
//
// Who does what: the CSIRT and admins choose the measures and risks a lesson
// concerns (as they decide lessons); accepting a lesson opens its improvement
// (Reviews.UpdateLesson calls accepted in its transaction). Every signed-in
// role that reads the ISMS reads improvements; words of restricted incidents
// only for those who may see the incident.
type Improvements struct {
	base
	patterns *Patterns // routes an improvement to the unit responsible for review and improvement of measures
	checks   *Checks   // opens improvement actions as corrective actions (source "lesson") in the caller's transaction
	// route, when set (by tests in this package), replaces the patterns
	// service's answer: the trigger and the responsible department.
	route func(ctx context.Context, r hikeshi.Reader) (hikeshi.ImprovementTrigger, string, error)
}

// ImprovementDueDays is how long an opened improvement action has by default.
const ImprovementDueDays = 30

// routing asks the organisation's pattern what triggers a review of
// measures and which department answers for it.
func (s *Improvements) routing(ctx context.Context, r hikeshi.Reader) (hikeshi.ImprovementTrigger, string, error) {
	if s.route != nil {
		return s.route(ctx, r)
	}
	t, err := s.patterns.trigger(ctx, r)
	if err != nil {
		return "", "", err
	}
	d, err := s.patterns.responsible(ctx, r, hikeshi.ActivityImprovement)
	return t, d, err
}

type improvementAudit struct {
	LessonID     string `json:"lesson_id"`
	IncidentID   string `json:"incident_id"`
	State        string `json:"state"`
	DepartmentID string `json:"department_id,omitempty"`
	ActionID     string `json:"action_id,omitempty"`
	ReleasedBy   string `json:"released_by,omitempty"`
}

func auditOfImprovement(im hikeshi.Improvement) improvementAudit {
	return improvementAudit{im.LessonID, im.IncidentID, string(im.State), im.DepartmentID, im.ActionID, im.ReleasedBy}
}

// accepted is called in the transaction that accepts lesson l of incident
// i: it records the improvement and, under a real-time pattern (or none),
// opens its action at once, returning l with ImprovementActionID set (the
// caller stores l). Under an audit-triggered pattern the improvement waits.
func (s *Improvements) accepted(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, l hikeshi.Lesson, i hikeshi.Incident) (hikeshi.Lesson, error) {
	trigger, dept, err := s.routing(ctx, tx)
	if err != nil {
		return l, err
	}
	now := s.clock.Now()
	im := hikeshi.Improvement{ID: hikeshi.NewID(), LessonID: l.ID, IncidentID: i.ID, Category: i.Category, State: hikeshi.ImprovementWaiting,
		AcceptedAt: now, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateImprovement(ctx, im); err != nil {
		return l, err
	}
	if err := s.audit(ctx, tx, actor, "improvement.create", "improvement", im.ID, nil, auditOfImprovement(im)); err != nil {
		return l, err
	}
	if trigger != "" && !trigger.RealTime() {
		return l, nil
	}
	im, err = s.open(ctx, tx, actor, im, l, i, dept, actor.DepartmentID, hikeshi.ReleasedByLesson)
	if err != nil {
		return l, err
	}
	l.ImprovementActionID = im.ActionID
	return l, nil
}

// withdrawn is called when an accepted lesson whose improvement still waits
// is reconsidered or declined: the waiting improvement goes.
func (s *Improvements) withdrawn(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, l hikeshi.Lesson) error {
	im, err := tx.FindImprovementByLesson(ctx, l.ID)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.DeleteImprovement(ctx, im.ID); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "improvement.withdraw", "improvement", im.ID, auditOfImprovement(im), nil)
}

// department decides where an improvement action goes (decision 0032): the
// department the pattern makes responsible for review and improvement of
// measures; else the department the lesson concerns; else the incident
// owner's department; else (when accepted in real time) the department of
// who accepted the lesson.
func (s *Improvements) department(ctx context.Context, r hikeshi.Reader, responsible string, l hikeshi.Lesson, i hikeshi.Incident, deciderDept string) (string, error) {
	if responsible != "" {
		return responsible, nil
	}
	if l.DepartmentID != "" {
		return l.DepartmentID, nil
	}
	if i.OwnerID != "" {
		u, err := r.FindUserByID(ctx, i.OwnerID)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return "", err
		}
		if u.DepartmentID != "" {
			return u.DepartmentID, nil
		}
	}
	if deciderDept != "" {
		return deciderDept, nil
	}
	return "", hikeshi.Invalid("department_id", "required",
		"no department to route the improvement to: choose the department the lesson concerns, or an organisation pattern")
}

// open opens the corrective action of a waiting improvement in tx.
func (s *Improvements) open(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, im hikeshi.Improvement, l hikeshi.Lesson,
	i hikeshi.Incident, responsible, deciderDept, by string) (hikeshi.Improvement, error) {
	dept, err := s.department(ctx, tx, responsible, l, i, deciderDept)
	if err != nil {
		return im, err
	}
	now := s.clock.Now()
	in := ActionInput{SourceKind: hikeshi.SourceLesson, SourceID: l.ID, DepartmentID: dept,
		DueDate: now.AddDate(0, 0, ImprovementDueDays).Format(hikeshi.DateLayout)}
	if i.TLP.Restricted() {
		// The action is read by every ISMS reader: no words of a restricted incident.
		in.Title = "Improvement from incident " + i.Number
		in.Action = "Lesson " + l.ID + " of a restricted incident: see the incident's review."
	} else {
		in.Title = oneLineTitle(l.Text, hikeshi.MaxCheckTitleLen)
		in.RootCause = l.Text
		in.Action = l.ProposedChange
		if strings.TrimSpace(in.Action) == "" {
			in.Action = l.Text
		}
	}
	a, err := s.checks.createAction(ctx, tx, actor, in)
	if err != nil {
		return im, err
	}
	before := im
	im.State, im.ActionID, im.DepartmentID, im.ReleasedBy, im.OpenedAt, im.UpdatedAt = hikeshi.ImprovementOpen, a.ID, dept, by, now, now
	if err := tx.UpdateImprovement(ctx, im); err != nil {
		return im, err
	}
	return im, s.audit(ctx, tx, actor, "improvement.open", "improvement", im.ID, auditOfImprovement(before), auditOfImprovement(im))
}

// oneLineTitle is the first line of s, cut to n runes.
func oneLineTitle(s string, n int) string {
	s = strings.TrimSpace(s)
	if k := strings.IndexAny(s, "\r\n"); k >= 0 {
		s = strings.TrimSpace(s[:k])
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// release opens the actions of every waiting improvement, in the
// transaction that reports an internal audit (by = "internal_audit") or
// holds a management review (by = "management_review"). An improvement with
// no department to go to keeps waiting (shown so on /improvements) rather
// than refusing the audit or the review.
func (s *Improvements) release(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, by string) error {
	_, dept, err := s.routing(ctx, tx)
	if err != nil {
		return err
	}
	after := ""
	for {
		waiting, err := tx.FindWaitingImprovements(ctx, after, 100)
		if err != nil || len(waiting) == 0 {
			return err
		}
		for _, im := range waiting {
			after = im.ID
			l, err := tx.FindLessonByID(ctx, im.LessonID)
			if err != nil {
				return err
			}
			i, err := tx.FindIncidentByID(ctx, im.IncidentID)
			if err != nil {
				return err
			}
			im, err = s.open(ctx, tx, actor, im, l, i, dept, "", by)
			var ve *hikeshi.ValidationError
			if errors.As(err, &ve) && len(ve.Fields) == 1 && ve.Fields[0].Field == "department_id" {
				continue
			}
			if err != nil {
				return fmt.Errorf("open the improvement of lesson %s: %w", l.ID, err)
			}
			l.ImprovementActionID, l.UpdatedAt = im.ActionID, s.clock.Now()
			if err := tx.UpdateLesson(ctx, l); err != nil {
				return err
			}
		}
	}
}

// ImprovementView is an improvement with what the viewer may read of it.
type ImprovementView struct {
	Improvement hikeshi.Improvement
	// Hidden: the incident is restricted and the viewer may not see it; its
	// number, title and lesson are left out.
	Hidden         bool
	Incident       hikeshi.Incident
	Lesson         hikeshi.Lesson
	DepartmentName string
	Measures       []hikeshi.Measure
	Risks          []hikeshi.Risk
	LeadTime       time.Duration
	HasLeadTime    bool
}

func readImprovements(actor hikeshi.Actor, what string) error {
	if actor.UserID == "" && !actor.IsSystem() {
		return fmt.Errorf("%s: %w", what, hikeshi.ErrUnauthenticated)
	}
	return nil
}

// List lists improvements newest first (every signed-in role).
func (s *Improvements) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.ImprovementFilter) ([]ImprovementView, error) {
	if err := readImprovements(actor, "list improvements"); err != nil {
		return nil, err
	}
	if f.State != "" && !f.State.Valid() {
		return nil, hikeshi.Invalid("state", "unknown", "state must be waiting or open")
	}
	ims, err := s.st.FindImprovements(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list improvements: %w", err)
	}
	out := make([]ImprovementView, 0, len(ims))
	for _, im := range ims {
		v, err := s.view(ctx, s.st, actor, im)
		if err != nil {
			return nil, fmt.Errorf("list improvements: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Improvements) view(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, im hikeshi.Improvement) (ImprovementView, error) {
	v := ImprovementView{Improvement: im}
	v.LeadTime, v.HasLeadTime = im.LeadTime()
	i, err := r.FindIncidentByID(ctx, im.IncidentID)
	if err != nil {
		return v, err
	}
	ok, err := canSeeIncident(ctx, r, actor, i)
	if err != nil {
		return v, err
	}
	if ok {
		v.Incident = i
		if v.Lesson, err = r.FindLessonByID(ctx, im.LessonID); err != nil {
			return v, err
		}
	} else {
		v.Hidden = true
		v.Improvement.Category = ""
	}
	if im.DepartmentID != "" {
		if d, err := r.FindDepartmentByID(ctx, im.DepartmentID); err == nil {
			v.DepartmentName = d.Name
		}
	}
	links, err := r.FindLessonLinks(ctx, im.LessonID)
	if err != nil {
		return v, err
	}
	v.Measures, v.Risks, err = s.linked(ctx, r, links)
	return v, err
}

func (s *Improvements) linked(ctx context.Context, r hikeshi.Reader, l hikeshi.LessonLinks) ([]hikeshi.Measure, []hikeshi.Risk, error) {
	var ms []hikeshi.Measure
	var rs []hikeshi.Risk
	for _, id := range l.MeasureIDs {
		m, err := r.FindMeasureByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		ms = append(ms, m)
	}
	for _, id := range l.RiskIDs {
		k, err := r.FindRiskByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, k)
	}
	return ms, rs, nil
}

// LessonImprovement is what the lesson's improvement page shows: the lesson,
// its chosen measures and risks, suggestions, and its improvement.
type LessonImprovement struct {
	Lesson      hikeshi.Lesson
	Incident    hikeshi.Incident
	Links       hikeshi.LessonLinks
	Improvement *ImprovementView // nil until the lesson is accepted
	// Suggested measures: mapped to the Annex A controls typical of the
	// incident's category, and those already linked to the incident's other
	// lessons. Suggested risks: those linked to the incident's other lessons.
	SuggestedMeasures []hikeshi.Measure
	SuggestedRisks    []hikeshi.Risk
	Controls          []string          // the Annex A controls behind the suggestions
	Measures          []hikeshi.Measure // every measure one may choose (not archived)
	Risks             []hikeshi.Risk
	CanEdit           bool
}

// ForLesson returns a lesson's improvement page (anyone who can see the incident).
func (s *Improvements) ForLesson(ctx context.Context, actor hikeshi.Actor, lessonID string) (LessonImprovement, error) {
	var out LessonImprovement
	err := func(r hikeshi.Reader) error {
		l, err := r.FindLessonByID(ctx, lessonID)
		if err != nil {
			return err
		}
		i, err := r.FindIncidentByID(ctx, l.IncidentID)
		if err != nil {
			return err
		}
		if ok, err := canSeeIncident(ctx, r, actor, i); err != nil {
			return err
		} else if !ok {
			return hikeshi.ErrNotFound
		}
		out.Lesson, out.Incident = l, i
		if out.Links, err = r.FindLessonLinks(ctx, l.ID); err != nil {
			return err
		}
		im, err := r.FindImprovementByLesson(ctx, l.ID)
		switch {
		case err == nil:
			v, err := s.view(ctx, r, actor, im)
			if err != nil {
				return err
			}
			out.Improvement = &v
		case !errors.Is(err, hikeshi.ErrNotFound):
			return err
		}
		out.CanEdit = canHandle(actor) && l.Status != hikeshi.LessonDeclined &&
			(out.Improvement == nil || out.Improvement.Improvement.ActionStatus != hikeshi.ActionClosed)
		seen := map[string]bool{}
		out.Controls = hikeshi.SuggestedControls(i.Category)
		for _, ref := range out.Controls {
			ms, err := r.FindMeasuresByRequirement(ctx, hikeshi.ISO27001Key, ref)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if !seen[m.ID] && !m.Archived {
					seen[m.ID] = true
					out.SuggestedMeasures = append(out.SuggestedMeasures, m)
				}
			}
		}
		others, err := r.FindLessons(ctx, hikeshi.LessonFilter{IncidentID: i.ID, SeeRestricted: true, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
		if err != nil {
			return err
		}
		seenRisk := map[string]bool{}
		for _, o := range others {
			if o.ID == l.ID {
				continue
			}
			ol, err := r.FindLessonLinks(ctx, o.ID)
			if err != nil {
				return err
			}
			ms, rs, err := s.linked(ctx, r, ol)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if !seen[m.ID] && !m.Archived {
					seen[m.ID] = true
					out.SuggestedMeasures = append(out.SuggestedMeasures, m)
				}
			}
			for _, k := range rs {
				if !seenRisk[k.ID] {
					seenRisk[k.ID] = true
					out.SuggestedRisks = append(out.SuggestedRisks, k)
				}
			}
		}
		if out.Measures, err = r.FindMeasures(ctx, hikeshi.MeasureFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}); err != nil {
			return err
		}
		out.Risks, err = r.FindRisks(ctx, hikeshi.RiskFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
		return err
	}(s.st)
	if err != nil {
		return LessonImprovement{}, fmt.Errorf("get lesson improvement: %w", err)
	}
	return out, nil
}

type linksAudit struct {
	IncidentID string   `json:"incident_id"`
	MeasureIDs []string `json:"measure_ids"`
	RiskIDs    []string `json:"risk_ids"`
}

func sortedIDs(ids []string) []string {
	out := nz(cleanIDs(ids))
	slices.Sort(out)
	return out
}

// SetLinks chooses the measures and risks a lesson concerns (CSIRT and
// admins, on incidents they can see), until its improvement action closes.
func (s *Improvements) SetLinks(ctx context.Context, actor hikeshi.Actor, lessonID string, in hikeshi.LessonLinks) (hikeshi.LessonLinks, error) {
	var out hikeshi.LessonLinks
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		l, err := tx.FindLessonByID(ctx, lessonID)
		if err != nil {
			return err
		}
		i, err := tx.FindIncidentByID(ctx, l.IncidentID)
		if err != nil {
			return err
		}
		if ok, err := canSeeIncident(ctx, tx, actor, i); err != nil {
			return err
		} else if !ok {
			return hikeshi.ErrNotFound
		}
		if !canHandle(actor) {
			return forbid("choose a lesson's measures and risks")
		}
		if l.Status == hikeshi.LessonDeclined {
			return hikeshi.Conflict("status", "the lesson was declined")
		}
		if im, err := tx.FindImprovementByLesson(ctx, l.ID); err == nil && im.ActionStatus == hikeshi.ActionClosed {
			return hikeshi.Conflict("status", "the improvement action is closed")
		} else if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		links := hikeshi.LessonLinks{MeasureIDs: sortedIDs(in.MeasureIDs), RiskIDs: sortedIDs(in.RiskIDs)}
		var v hikeshi.ValidationError
		if len(links.MeasureIDs) > hikeshi.MaxLessonLinks {
			v.Add("measure_ids", "too_long", fmt.Sprintf("at most %d measures", hikeshi.MaxLessonLinks))
		} else {
			for _, id := range links.MeasureIDs {
				m, err := tx.FindMeasureByID(ctx, id)
				if errors.Is(err, hikeshi.ErrNotFound) || errors.Is(err, hikeshi.ErrInvalid) || (err == nil && m.Archived) || len(id) > 64 {
					v.Add("measure_ids", "unknown", "no such measure")
					break
				} else if err != nil {
					return err
				}
			}
		}
		if len(links.RiskIDs) > hikeshi.MaxLessonLinks {
			v.Add("risk_ids", "too_long", fmt.Sprintf("at most %d risks", hikeshi.MaxLessonLinks))
		} else {
			for _, id := range links.RiskIDs {
				_, err := tx.FindRiskByID(ctx, id)
				if errors.Is(err, hikeshi.ErrNotFound) || errors.Is(err, hikeshi.ErrInvalid) || len(id) > 64 {
					v.Add("risk_ids", "unknown", "no such risk")
					break
				} else if err != nil {
					return err
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		before, err := tx.FindLessonLinks(ctx, l.ID)
		if err != nil {
			return err
		}
		out = links
		if slices.Equal(before.MeasureIDs, links.MeasureIDs) && slices.Equal(before.RiskIDs, links.RiskIDs) {
			return nil
		}
		if err := tx.SetLessonLinks(ctx, l.ID, links); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "lesson.links", "lesson", l.ID, linksAudit{i.ID, nz(before.MeasureIDs), nz(before.RiskIDs)},
			linksAudit{i.ID, links.MeasureIDs, links.RiskIDs})
	})
	if err != nil {
		return hikeshi.LessonLinks{}, fmt.Errorf("set lesson links: %w", err)
	}
	return out, nil
}

func nz(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RiskFlag reports whether a risk is flagged for re-assessment: an
// improvement action linked to it closed after its last assessment. since
// is that close.
func (s *Improvements) RiskFlag(ctx context.Context, actor hikeshi.Actor, riskID string) (flagged bool, since time.Time, err error) {
	if err := readImprovements(actor, "risk re-assessment flag"); err != nil {
		return false, time.Time{}, err
	}
	k, err := s.st.FindRiskByID(ctx, riskID)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("risk re-assessment flag: %w", err)
	}
	since, err = s.st.FindRiskReassessSince(ctx, riskID)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("risk re-assessment flag: %w", err)
	}
	return !since.IsZero() && since.After(k.AssessedAt), since, nil
}

// LeadTimes lists the improvement lead times of actions closed in [from, to)
// (every signed-in role: no words, ids and categories only).
func (s *Improvements) LeadTimes(ctx context.Context, actor hikeshi.Actor, from, to time.Time) ([]hikeshi.ImprovementLeadTime, error) {
	if err := readImprovements(actor, "improvement lead times"); err != nil {
		return nil, err
	}
	out, err := s.st.FindImprovementLeadTimes(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("improvement lead times: %w", err)
	}
	return out, nil
}
