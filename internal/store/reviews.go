package store

import (
	"context"
	"database/sql"

	"github.com/hikeshi/hikeshi"
)

const reviewCols = "id, incident_id, root_cause, went_well, to_change, factors, status, completed_at, completed_by, created_at, updated_at"

func scanReview(s interface{ Scan(...any) error }) (hikeshi.Review, error) {
	var r hikeshi.Review
	var factors string
	var by sql.NullString
	err := s.Scan(&r.ID, &r.IncidentID, &r.RootCause, &r.WentWell, &r.ToChange, &factors, &r.Status,
		timeCol{&r.CompletedAt}, &by, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	r.Factors, r.CompletedBy = hikeshi.SplitFactors(factors), by.String
	return r, err
}

// FindReviewByIncident returns an incident's review with its participants.
func (q queries) FindReviewByIncident(ctx context.Context, incidentID string) (hikeshi.Review, error) {
	r, err := scanReview(q.row(ctx, "SELECT "+reviewCols+" FROM reviews WHERE incident_id = ?", incidentID))
	if err != nil {
		return hikeshi.Review{}, notFound(err)
	}
	rows, err := q.query(ctx, "SELECT user_id FROM review_participants WHERE review_id = ? ORDER BY user_id", r.ID)
	if err != nil {
		return hikeshi.Review{}, err
	}
	r.Participants, err = collect(rows, func(s interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	return r, err
}

// CreateReview inserts a review and its participants.
func (t *tx) CreateReview(ctx context.Context, r hikeshi.Review) error {
	if _, err := t.exec(ctx, "INSERT INTO reviews ("+reviewCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.IncidentID, r.RootCause, r.WentWell, r.ToChange, hikeshi.JoinFactors(r.Factors), string(r.Status),
		t.d.t(r.CompletedAt), nullString(r.CompletedBy), t.d.t(r.CreatedAt), t.d.t(r.UpdatedAt)); err != nil {
		return err
	}
	return t.putParticipants(ctx, r)
}

// UpdateReview writes every mutable field of a review and replaces its participants.
func (t *tx) UpdateReview(ctx context.Context, r hikeshi.Review) error {
	if err := t.execOne(ctx, `UPDATE reviews SET root_cause = ?, went_well = ?, to_change = ?, factors = ?, status = ?,
		completed_at = ?, completed_by = ?, updated_at = ? WHERE id = ?`,
		r.RootCause, r.WentWell, r.ToChange, hikeshi.JoinFactors(r.Factors), string(r.Status), t.d.t(r.CompletedAt),
		nullString(r.CompletedBy), t.d.t(r.UpdatedAt), r.ID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM review_participants WHERE review_id = ?", r.ID); err != nil {
		return err
	}
	return t.putParticipants(ctx, r)
}

func (t *tx) putParticipants(ctx context.Context, r hikeshi.Review) error {
	for _, u := range r.Participants {
		if _, err := t.exec(ctx, "INSERT INTO review_participants (review_id, user_id) VALUES (?, ?)", r.ID, u); err != nil {
			return err
		}
	}
	return nil
}

const lessonCols = "id, incident_id, review_id, text, proposed_change, kind, department_id, status, decision_reason, " +
	"decided_by, decided_at, improvement_action_id, author_id, created_at, updated_at"

func scanLesson(s interface{ Scan(...any) error }) (hikeshi.Lesson, error) {
	var l hikeshi.Lesson
	var dept, decidedBy, action, author sql.NullString
	err := s.Scan(&l.ID, &l.IncidentID, &l.ReviewID, &l.Text, &l.ProposedChange, &l.Kind, &dept, &l.Status, &l.DecisionReason,
		&decidedBy, timeCol{&l.DecidedAt}, &action, &author, timeCol{&l.CreatedAt}, timeCol{&l.UpdatedAt})
	l.DepartmentID, l.DecidedBy, l.ImprovementActionID, l.AuthorID = dept.String, decidedBy.String, action.String, author.String
	return l, err
}

// FindLessonByID returns one lesson.
func (q queries) FindLessonByID(ctx context.Context, id string) (hikeshi.Lesson, error) {
	l, err := scanLesson(q.row(ctx, "SELECT "+lessonCols+" FROM lessons WHERE id = ?", id))
	return l, notFound(err)
}

// FindLessons lists lessons newest first, after the cursor. It walks the
// primary key (or (status, id) or (incident_id, id) when filtered) backwards
// and stops at the limit: no count, no sort. Lessons of restricted incidents
// the viewer may not see are filtered here, so every page is full and the
// cursor stays correct.
func (q queries) FindLessons(ctx context.Context, f hikeshi.LessonFilter) ([]hikeshi.Lesson, error) {
	query, args := lessonsQuery(f)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanLesson)
}

// lessonsQuery builds FindLessons' statement.
func lessonsQuery(f hikeshi.LessonFilter) (string, []any) {
	p := f.Page.Normalize()
	query := "SELECT " + lessonCols + " FROM lessons WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.Status != "" {
		query += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if f.IncidentID != "" {
		query += " AND incident_id = ?"
		args = append(args, f.IncidentID)
	}
	if !f.SeeRestricted {
		query += " AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = lessons.incident_id AND (i.tlp NOT IN ('RED', 'AMBER+STRICT')" +
			" OR EXISTS (SELECT 1 FROM incident_members m WHERE m.incident_id = i.id AND m.user_id = ?)))"
		args = append(args, f.ViewerID)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	return query, args
}

// CreateLesson inserts a lesson.
func (t *tx) CreateLesson(ctx context.Context, l hikeshi.Lesson) error {
	_, err := t.exec(ctx, "INSERT INTO lessons ("+lessonCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		l.ID, l.IncidentID, l.ReviewID, l.Text, l.ProposedChange, string(l.Kind), nullString(l.DepartmentID), string(l.Status),
		l.DecisionReason, nullString(l.DecidedBy), t.d.t(l.DecidedAt), nullString(l.ImprovementActionID), nullString(l.AuthorID),
		t.d.t(l.CreatedAt), t.d.t(l.UpdatedAt))
	return err
}

// UpdateLesson writes every mutable field of a lesson.
func (t *tx) UpdateLesson(ctx context.Context, l hikeshi.Lesson) error {
	return t.execOne(ctx, `UPDATE lessons SET text = ?, proposed_change = ?, kind = ?, department_id = ?, status = ?,
		decision_reason = ?, decided_by = ?, decided_at = ?, improvement_action_id = ?, updated_at = ? WHERE id = ?`,
		l.Text, l.ProposedChange, string(l.Kind), nullString(l.DepartmentID), string(l.Status), l.DecisionReason,
		nullString(l.DecidedBy), t.d.t(l.DecidedAt), nullString(l.ImprovementActionID), t.d.t(l.UpdatedAt), l.ID)
}
