package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/hikeshi/hikeshi"
)

// improvementSelect reads an improvement with its action's status and close
// time and its incident's close time (decision 0032: read, not copied).
const improvementSelect = `SELECT im.id, im.lesson_id, im.incident_id, im.category, im.department_id, im.state, im.action_id,
	im.released_by, im.accepted_at, im.opened_at, im.created_by, im.created_at, im.updated_at,
	a.status, a.closed_at, i.closed_at
	FROM improvements im
	JOIN incidents i ON i.id = im.incident_id
	LEFT JOIN corrective_actions a ON a.id = im.action_id`

func scanImprovement(s interface{ Scan(...any) error }) (hikeshi.Improvement, error) {
	var im hikeshi.Improvement
	var dept, action, by, status sql.NullString
	err := s.Scan(&im.ID, &im.LessonID, &im.IncidentID, &im.Category, &dept, &im.State, &action, &im.ReleasedBy,
		timeCol{&im.AcceptedAt}, timeCol{&im.OpenedAt}, &by, timeCol{&im.CreatedAt}, timeCol{&im.UpdatedAt},
		&status, timeCol{&im.ActionClosedAt}, timeCol{&im.IncidentClosedAt})
	im.DepartmentID, im.ActionID, im.CreatedBy, im.ActionStatus = dept.String, action.String, by.String, hikeshi.ActionStatus(status.String)
	if im.ActionStatus != hikeshi.ActionClosed {
		im.ActionClosedAt = time.Time{}
	}
	return im, err
}

// FindImprovementByLesson returns the improvement of an accepted lesson.
func (q queries) FindImprovementByLesson(ctx context.Context, lessonID string) (hikeshi.Improvement, error) {
	im, err := scanImprovement(q.row(ctx, improvementSelect+" WHERE im.lesson_id = ?", lessonID))
	return im, notFound(err)
}

// FindImprovements lists improvements newest first after the cursor,
// walking the primary key (or (state, id), or a link table's index).
func (q queries) FindImprovements(ctx context.Context, f hikeshi.ImprovementFilter) ([]hikeshi.Improvement, error) {
	p := f.Page.Normalize()
	query := improvementSelect + " WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND im.id < ?"
		args = append(args, p.After)
	}
	if f.State != "" {
		query += " AND im.state = ?"
		args = append(args, string(f.State))
	}
	if f.MeasureID != "" {
		query += " AND im.lesson_id IN (SELECT lesson_id FROM improvement_measures WHERE measure_id = ?)"
		args = append(args, f.MeasureID)
	}
	if f.RiskID != "" {
		query += " AND im.lesson_id IN (SELECT lesson_id FROM improvement_risks WHERE risk_id = ?)"
		args = append(args, f.RiskID)
	}
	query += " ORDER BY im.id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanImprovement)
}

// FindWaitingImprovements lists waiting improvements oldest first.
func (q queries) FindWaitingImprovements(ctx context.Context, after string, limit int) ([]hikeshi.Improvement, error) {
	rows, err := q.query(ctx, improvementSelect+" WHERE im.state = 'waiting' AND im.id > ? ORDER BY im.id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanImprovement)
}

// FindLessonLinks returns the measures and risks a lesson concerns, by id.
func (q queries) FindLessonLinks(ctx context.Context, lessonID string) (hikeshi.LessonLinks, error) {
	var l hikeshi.LessonLinks
	scanID := func(s interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, s.Scan(&id)
	}
	rows, err := q.query(ctx, "SELECT measure_id FROM improvement_measures WHERE lesson_id = ? ORDER BY measure_id", lessonID)
	if err != nil {
		return l, err
	}
	if l.MeasureIDs, err = collect(rows, scanID); err != nil {
		return l, err
	}
	rows, err = q.query(ctx, "SELECT risk_id FROM improvement_risks WHERE lesson_id = ? ORDER BY risk_id", lessonID)
	if err != nil {
		return l, err
	}
	l.RiskIDs, err = collect(rows, scanID)
	return l, err
}

// FindImprovementLeadTimes lists improvements of closed incidents whose
// action closed in [from, to), oldest close first.
func (q queries) FindImprovementLeadTimes(ctx context.Context, from, to time.Time) ([]hikeshi.ImprovementLeadTime, error) {
	rows, err := q.query(ctx, `SELECT im.id, im.incident_id, im.category, im.department_id, a.closed_at, i.closed_at
		FROM improvements im
		JOIN corrective_actions a ON a.id = im.action_id
		JOIN incidents i ON i.id = im.incident_id
		WHERE a.status = 'closed' AND a.closed_at >= ? AND a.closed_at < ? AND i.closed_at IS NOT NULL
		ORDER BY a.closed_at, im.id`, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.ImprovementLeadTime, error) {
		var lt hikeshi.ImprovementLeadTime
		var dept sql.NullString
		var incClosed time.Time
		err := s.Scan(&lt.ImprovementID, &lt.IncidentID, &lt.Category, &dept, timeCol{&lt.ClosedAt}, timeCol{&incClosed})
		lt.DepartmentID = dept.String
		lt.LeadTime = max(0, lt.ClosedAt.Sub(incClosed))
		return lt, err
	})
}

// FindRiskReassessSince returns the latest close of an improvement action
// linked to the risk, zero if none.
func (q queries) FindRiskReassessSince(ctx context.Context, riskID string) (time.Time, error) {
	var at time.Time
	err := q.row(ctx, `SELECT max(a.closed_at) FROM improvement_risks r
		JOIN improvements im ON im.lesson_id = r.lesson_id
		JOIN corrective_actions a ON a.id = im.action_id
		WHERE r.risk_id = ? AND a.status = 'closed'`, riskID).Scan(timeCol{&at})
	return at, notFound(err)
}

// CreateImprovement inserts an improvement.
func (t *tx) CreateImprovement(ctx context.Context, im hikeshi.Improvement) error {
	_, err := t.exec(ctx, `INSERT INTO improvements (id, lesson_id, incident_id, category, department_id, state, action_id,
		released_by, accepted_at, opened_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.ID, im.LessonID, im.IncidentID, im.Category, nullString(im.DepartmentID), string(im.State), nullString(im.ActionID),
		im.ReleasedBy, t.d.t(im.AcceptedAt), t.d.t(im.OpenedAt), nullString(im.CreatedBy), t.d.t(im.CreatedAt), t.d.t(im.UpdatedAt))
	return err
}

// UpdateImprovement writes an improvement's routing, state and action.
func (t *tx) UpdateImprovement(ctx context.Context, im hikeshi.Improvement) error {
	return t.execOne(ctx, `UPDATE improvements SET department_id = ?, state = ?, action_id = ?, released_by = ?, opened_at = ?,
		updated_at = ? WHERE id = ?`, nullString(im.DepartmentID), string(im.State), nullString(im.ActionID), im.ReleasedBy,
		t.d.t(im.OpenedAt), t.d.t(im.UpdatedAt), im.ID)
}

// DeleteImprovement removes a waiting improvement.
func (t *tx) DeleteImprovement(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM improvements WHERE id = ? AND state = 'waiting'", id)
}

// SetLessonLinks replaces a lesson's measures and risks.
func (t *tx) SetLessonLinks(ctx context.Context, lessonID string, l hikeshi.LessonLinks) error {
	if _, err := t.exec(ctx, "DELETE FROM improvement_measures WHERE lesson_id = ?", lessonID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM improvement_risks WHERE lesson_id = ?", lessonID); err != nil {
		return err
	}
	for _, id := range l.MeasureIDs {
		if _, err := t.exec(ctx, "INSERT INTO improvement_measures (lesson_id, measure_id) VALUES (?, ?)", lessonID, id); err != nil {
			return err
		}
	}
	for _, id := range l.RiskIDs {
		if _, err := t.exec(ctx, "INSERT INTO improvement_risks (lesson_id, risk_id) VALUES (?, ?)", lessonID, id); err != nil {
			return err
		}
	}
	return nil
}
