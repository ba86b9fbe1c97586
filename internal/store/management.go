package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// The ISMS's Act (IS-5): management reviews, their decisions, and the
// compilation of a review's inputs from the data of its period. The period
// is a range of instants [from 00:00 UTC, the day after to 00:00 UTC):
// timestamps compare through dialect.t (fixed-width text on SQLite, so text
// order is time order; timestamptz on PostgreSQL); calendar dates (due dates,
// metric periods, audit plans) compare as 'YYYY-MM-DD' text on both.

const mgmtReviewCols = "id, title, period_from, period_to, meeting_date, chair_id, attendee_ids, status, issues, feedback, minutes, inputs, " +
	"held_by, held_at, closed_by, closed_at, created_by, created_at, updated_at, department_id, routed_activity"

func scanMgmtReview(s checkScanner) (hikeshi.ManagementReview, error) {
	var m hikeshi.ManagementReview
	var attendees, inputs string
	var heldBy, closedBy, by, dept sql.NullString
	err := s.Scan(&m.ID, &m.Title, &m.PeriodFrom, &m.PeriodTo, &m.MeetingDate, &m.ChairID, &attendees, &m.Status, &m.Issues, &m.Feedback,
		&m.Minutes, &inputs, &heldBy, timeCol{&m.HeldAt}, &closedBy, timeCol{&m.ClosedAt}, &by, timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt},
		&dept, &m.RoutedActivity)
	if err != nil {
		return m, err
	}
	m.AttendeeIDs, m.HeldBy, m.ClosedBy, m.CreatedBy = strings.Fields(attendees), heldBy.String, closedBy.String, by.String
	m.DepartmentID = dept.String
	if inputs != "" {
		var in hikeshi.ReviewInputs
		if err := json.Unmarshal([]byte(inputs), &in); err != nil {
			return m, fmt.Errorf("store: management review %s inputs: %w", m.ID, err)
		}
		in.Normalize()
		m.Inputs = &in
	}
	return m, nil
}

// FindManagementReviewByID returns one management review.
func (q queries) FindManagementReviewByID(ctx context.Context, id string) (hikeshi.ManagementReview, error) {
	m, err := scanMgmtReview(q.row(ctx, "SELECT "+mgmtReviewCols+" FROM management_reviews WHERE id = ?", id))
	return m, notFound(err)
}

// FindManagementReviews lists management reviews newest first.
func (q queries) FindManagementReviews(ctx context.Context, p hikeshi.Page) ([]hikeshi.ManagementReview, error) {
	query, args := checkPageDesc("SELECT "+mgmtReviewCols+" FROM management_reviews WHERE 1 = 1", nil, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMgmtReview)
}

func (t *tx) mgmtArgs(m hikeshi.ManagementReview) ([]any, error) {
	inputs := ""
	if m.Inputs != nil {
		b, err := json.Marshal(m.Inputs)
		if err != nil {
			return nil, err
		}
		inputs = string(b)
	}
	return []any{m.Title, m.PeriodFrom, m.PeriodTo, m.MeetingDate, m.ChairID, strings.Join(m.AttendeeIDs, " "), string(m.Status), m.Issues,
		m.Feedback, m.Minutes, inputs, nullString(m.HeldBy), t.d.t(m.HeldAt), nullString(m.ClosedBy), t.d.t(m.ClosedAt)}, nil
}

// CreateManagementReview inserts a management review.
func (t *tx) CreateManagementReview(ctx context.Context, m hikeshi.ManagementReview) error {
	args, err := t.mgmtArgs(m)
	if err != nil {
		return err
	}
	args = append(append([]any{m.ID}, args...), nullString(m.CreatedBy), t.d.t(m.CreatedAt), t.d.t(m.UpdatedAt),
		nullString(m.DepartmentID), string(m.RoutedActivity))
	_, err = t.exec(ctx, "INSERT INTO management_reviews ("+mgmtReviewCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
	return err
}

// UpdateManagementReview writes a review's mutable fields.
func (t *tx) UpdateManagementReview(ctx context.Context, m hikeshi.ManagementReview) error {
	args, err := t.mgmtArgs(m)
	if err != nil {
		return err
	}
	args = append(args, t.d.t(m.UpdatedAt), nullString(m.DepartmentID), string(m.RoutedActivity), m.ID)
	return t.execOne(ctx, `UPDATE management_reviews SET title = ?, period_from = ?, period_to = ?, meeting_date = ?, chair_id = ?, attendee_ids = ?,
		status = ?, issues = ?, feedback = ?, minutes = ?, inputs = ?, held_by = ?, held_at = ?, closed_by = ?, closed_at = ?, updated_at = ?,
		department_id = ?, routed_activity = ? WHERE id = ?`, args...)
}

const mgmtDecisionCols = "id, review_id, kind, text, department_id, owner_id, due_date, action_id, created_by, created_at"

func scanMgmtDecision(s checkScanner) (hikeshi.MgmtDecision, error) {
	var d hikeshi.MgmtDecision
	var owner, by sql.NullString
	err := s.Scan(&d.ID, &d.ReviewID, &d.Kind, &d.Text, &d.DepartmentID, &owner, &d.DueDate, &d.ActionID, &by, timeCol{&d.CreatedAt})
	d.OwnerID, d.CreatedBy = owner.String, by.String
	return d, err
}

// FindMgmtDecisions lists a review's decisions, oldest first.
func (q queries) FindMgmtDecisions(ctx context.Context, reviewID string) ([]hikeshi.MgmtDecision, error) {
	rows, err := q.query(ctx, "SELECT "+mgmtDecisionCols+" FROM management_decisions WHERE review_id = ? ORDER BY id", reviewID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMgmtDecision)
}

// CreateMgmtDecision inserts a decision.
func (t *tx) CreateMgmtDecision(ctx context.Context, d hikeshi.MgmtDecision) error {
	_, err := t.exec(ctx, "INSERT INTO management_decisions ("+mgmtDecisionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		d.ID, d.ReviewID, string(d.Kind), d.Text, d.DepartmentID, nullString(d.OwnerID), d.DueDate, d.ActionID, nullString(d.CreatedBy),
		t.d.t(d.CreatedAt))
	return err
}

// ---- compiling the inputs ----

// counts runs a "SELECT key, count(*) … GROUP BY key" query.
func (q queries) counts(ctx context.Context, query string, args ...any) ([]hikeshi.MgmtCount, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.MgmtCount, error) {
		var c hikeshi.MgmtCount
		var key any
		err := s.Scan(&key, &c.N)
		c.Key = fmt.Sprint(key)
		if b, ok := key.([]byte); ok {
			c.Key = string(b)
		}
		return c, err
	})
}

func (q queries) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := q.row(ctx, query, args...).Scan(&n)
	return n, err
}

// activeActions is the SQL list of the statuses that still ask for work (ActionStatus.Active).
const activeActions = "('open', 'in_progress', 'ineffective')"

// CompileReviewInputs compiles a management review's inputs from the data
// of the period from → to, as of now. Counts are aggregated in SQL; lists
// are capped at MaxMgmtListItems.
func (q queries) CompileReviewInputs(ctx context.Context, reviewID, from, to string, now time.Time) (hikeshi.ReviewInputs, error) {
	start, end, ok := hikeshi.PeriodRange(from, to)
	if !ok {
		return hikeshi.ReviewInputs{}, fmt.Errorf("compile review inputs: bad period %q – %q: %w", from, to, hikeshi.ErrInvalid)
	}
	now = now.UTC()
	today := now.Format(hikeshi.DateLayout)
	s, e, n := q.d.t(start), q.d.t(end), q.d.t(now)
	in := hikeshi.ReviewInputs{From: from, To: to, CompiledAt: now}
	lim := hikeshi.MaxMgmtListItems
	steps := []func() error{
		// (a) actions of previous management reviews: every such action opened
		// before the period ended, with its status now.
		func() error {
			rows, err := q.query(ctx, `SELECT id, source_id, title, status, due_date FROM corrective_actions
				WHERE source_kind = 'management_review' AND source_id <> ? AND created_at < ? ORDER BY id DESC`, reviewID, e)
			if err != nil {
				return err
			}
			items, err := collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtActionItem, error) {
				var a hikeshi.MgmtActionItem
				err := sc.Scan(&a.ID, &a.SourceID, &a.Title, &a.Status, &a.DueDate)
				a.Overdue = a.Status.Active() && a.DueDate < today
				return a, err
			})
			if err != nil {
				return err
			}
			for _, a := range items {
				switch {
				case a.Status == hikeshi.ActionClosed:
					in.PrevClosed++
				case a.Status == hikeshi.ActionIneffective:
					in.PrevIneffective++
				}
				if a.Status != hikeshi.ActionClosed {
					in.PrevOpen++
				}
				if a.Overdue {
					in.PrevOverdue++
				}
				if a.Status != hikeshi.ActionClosed && len(in.PrevActions) < lim {
					in.PrevActions = append(in.PrevActions, a)
				}
			}
			return nil
		},
		// (b) document versions approved, or superseded, in the period; the scope's change.
		func() error {
			rows, err := q.query(ctx, `SELECT d.id, d.title, v.number, v.status, v.approved_at FROM document_versions v JOIN documents d ON d.id = v.document_id
				WHERE v.approved_at >= ? AND v.approved_at < ?
				UNION ALL
				SELECT d.id, d.title, v.number, v.status, v.updated_at FROM document_versions v JOIN documents d ON d.id = v.document_id
				WHERE v.status = 'superseded' AND v.updated_at >= ? AND v.updated_at < ?
				ORDER BY 5 DESC LIMIT ?`, s, e, s, e, lim)
			if err != nil {
				return err
			}
			in.Documents, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtDocumentItem, error) {
				var d hikeshi.MgmtDocumentItem
				err := sc.Scan(&d.DocumentID, &d.Title, &d.Number, &d.Status, timeCol{&d.At})
				return d, err
			})
			if err != nil {
				return err
			}
			var at time.Time
			err = q.row(ctx, "SELECT updated_at FROM isms_scope WHERE updated_at >= ? AND updated_at < ?", s, e).Scan(timeCol{&at})
			if err == sql.ErrNoRows {
				return nil
			}
			in.ScopeChanged, in.ScopeChangedAt = err == nil, at
			return err
		},
		// (c) findings of the period by type; corrective actions of the period.
		func() (err error) {
			if in.FindingsByType, err = q.counts(ctx, "SELECT type, count(*) FROM findings WHERE created_at >= ? AND created_at < ? GROUP BY type ORDER BY type", s, e); err != nil {
				return err
			}
			if in.ActionsOpened, err = q.count(ctx, "SELECT count(*) FROM corrective_actions WHERE created_at >= ? AND created_at < ?", s, e); err != nil {
				return err
			}
			if in.ActionsClosed, err = q.count(ctx, "SELECT count(*) FROM corrective_actions WHERE closed_at >= ? AND closed_at < ?", s, e); err != nil {
				return err
			}
			if in.ActionsOverdue, err = q.count(ctx, "SELECT count(*) FROM corrective_actions WHERE status IN "+activeActions+
				" AND due_date < ? AND due_date <= ? AND created_at < ?", today, to, e); err != nil {
				return err
			}
			in.ActionsIneffective, err = q.count(ctx, "SELECT count(*) FROM corrective_actions WHERE check_result = 'ineffective' AND checked_at >= ? AND checked_at < ?", s, e)
			return err
		},
		// Monitoring and measurement: each metric's latest value whose period falls in the review's.
		func() error {
			rows, err := q.query(ctx, `SELECT m.id, m.name, m.unit, m.target, m.comparison,
				(SELECT v.value FROM metric_values v WHERE v.metric_id = m.id AND v.period >= ? AND v.period <= ? ORDER BY v.period DESC, v.id DESC LIMIT 1),
				(SELECT v.period FROM metric_values v WHERE v.metric_id = m.id AND v.period >= ? AND v.period <= ? ORDER BY v.period DESC, v.id DESC LIMIT 1)
				FROM metrics m WHERE m.created_at < ? ORDER BY m.name, m.id LIMIT ?`, from, to, from, to, e, lim)
			if err != nil {
				return err
			}
			in.Metrics, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtMetricItem, error) {
				var m hikeshi.MgmtMetricItem
				var value, period sql.NullString
				if err := sc.Scan(&m.ID, &m.Name, &m.Unit, &m.Target, &m.Comparison, &value, &period); err != nil {
					return m, err
				}
				m.Value, m.Period = value.String, period.String
				switch {
				case !value.Valid:
					m.Result = hikeshi.MetricNoValue
				case hikeshi.Metric{Target: m.Target, Comparison: m.Comparison}.Met(m.Value):
					m.Result = hikeshi.MetricMet
				default:
					m.Result = hikeshi.MetricMissed
				}
				return m, nil
			})
			for _, m := range in.Metrics {
				switch m.Result {
				case hikeshi.MetricMet:
					in.MetricsMet++
				case hikeshi.MetricMissed:
					in.MetricsMissed++
				default:
					in.MetricsNoValue++
				}
			}
			return err
		},
		// Audit results: the audits planned within the period, with their finding counts; the programmes' objectives.
		func() error {
			rows, err := q.query(ctx, `SELECT a.id, a.title, a.status, a.planned_start, a.planned_end, count(f.id),
				COALESCE(SUM(CASE WHEN f.type IN ('major_nc', 'minor_nc') THEN 1 ELSE 0 END), 0)
				FROM internal_audits a LEFT JOIN findings f ON f.audit_id = a.id
				WHERE a.planned_start <= ? AND a.planned_end >= ?
				GROUP BY a.id, a.title, a.status, a.planned_start, a.planned_end ORDER BY a.planned_start, a.id LIMIT ?`, to, from, lim)
			if err != nil {
				return err
			}
			if in.Audits, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtAuditItem, error) {
				var a hikeshi.MgmtAuditItem
				err := sc.Scan(&a.ID, &a.Title, &a.Status, &a.PlannedStart, &a.PlannedEnd, &a.Findings, &a.Nonconformities)
				return a, err
			}); err != nil {
				return err
			}
			rows, err = q.query(ctx, `SELECT id, year, title, objectives FROM audit_programmes WHERE period_start <= ? AND period_end >= ?
				ORDER BY year LIMIT ?`, to, from, lim)
			if err != nil {
				return err
			}
			in.Programmes, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtProgrammeItem, error) {
				var p hikeshi.MgmtProgrammeItem
				err := sc.Scan(&p.ID, &p.Year, &p.Title, &p.Objectives)
				return p, err
			})
			return err
		},
		// (e) risks by current level (residual when assessed, else inherent); overdue treatments and reviews; acceptances of the period.
		func() (err error) {
			if in.RisksByLevel, err = q.counts(ctx, `SELECT COALESCE(residual_level, inherent_level) AS lvl, count(*) FROM risks
				WHERE created_at < ? GROUP BY COALESCE(residual_level, inherent_level) ORDER BY 1`, e); err != nil {
				return err
			}
			if in.TreatmentsOverdue, err = q.count(ctx, "SELECT count(*) FROM risks WHERE treatment_done_at IS NULL AND treatment_due_at < ?", n); err != nil {
				return err
			}
			if in.ReviewsOverdue, err = q.count(ctx, "SELECT count(*) FROM risks WHERE next_review_at < ?", n); err != nil {
				return err
			}
			rows, err := q.query(ctx, `SELECT id, title, COALESCE(residual_level, inherent_level), accepted_at FROM risks
				WHERE accepted_at >= ? AND accepted_at < ? ORDER BY accepted_at DESC, id DESC LIMIT ?`, s, e, lim)
			if err != nil {
				return err
			}
			in.Acceptances, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtRiskItem, error) {
				var r hikeshi.MgmtRiskItem
				err := sc.Scan(&r.ID, &r.Title, &r.Level, timeCol{&r.At})
				return r, err
			})
			return err
		},
		// (f) opportunities for improvement: OFI findings and the incident lessons decided in the period.
		func() error {
			rows, err := q.query(ctx, `SELECT id, audit_id, description, requirement FROM findings
				WHERE type = 'ofi' AND created_at >= ? AND created_at < ? ORDER BY id DESC LIMIT ?`, s, e, lim)
			if err != nil {
				return err
			}
			if in.OFIs, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtFindingItem, error) {
				var f hikeshi.MgmtFindingItem
				err := sc.Scan(&f.ID, &f.AuditID, &f.Description, &f.Requirement)
				return f, err
			}); err != nil {
				return err
			}
			rows, err = q.query(ctx, `SELECT l.id, l.incident_id, i.number, l.kind, l.status, l.text, i.tlp, l.decided_at
				FROM lessons l JOIN incidents i ON i.id = l.incident_id
				WHERE l.status IN ('accepted', 'declined') AND l.decided_at >= ? AND l.decided_at < ? ORDER BY l.decided_at DESC, l.id DESC LIMIT ?`, s, e, lim)
			if err != nil {
				return err
			}
			in.Lessons, err = collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.MgmtLessonItem, error) {
				var l hikeshi.MgmtLessonItem
				var tlp string
				err := sc.Scan(&l.ID, &l.IncidentID, &l.IncidentNumber, &l.Kind, &l.Status, &l.Text, &tlp, timeCol{&l.DecidedAt})
				if tlp == "RED" || tlp == "AMBER+STRICT" {
					l.Text, l.Restricted = "", true
				}
				return l, err
			})
			return err
		},
		// Incident statistics of the period.
		func() (err error) {
			st := &in.Incidents
			if st.Opened, err = q.count(ctx, "SELECT count(*) FROM incidents WHERE created_at >= ? AND created_at < ?", s, e); err != nil {
				return err
			}
			if st.Closed, err = q.count(ctx, "SELECT count(*) FROM incidents WHERE closed_at >= ? AND closed_at < ?", s, e); err != nil {
				return err
			}
			if st.Reports, err = q.count(ctx, "SELECT count(*) FROM reports WHERE reported_at >= ? AND reported_at < ?", s, e); err != nil {
				return err
			}
			if st.ByCategory, err = q.counts(ctx, "SELECT category, count(*) FROM incidents WHERE created_at >= ? AND created_at < ? GROUP BY category ORDER BY category", s, e); err != nil {
				return err
			}
			if st.ByPriority, err = q.counts(ctx, "SELECT priority, count(*) FROM incidents WHERE created_at >= ? AND created_at < ? GROUP BY priority ORDER BY priority", s, e); err != nil {
				return err
			}
			rows, err := q.query(ctx, `SELECT COALESCE(reported_at, created_at), triaged_at, contained_at FROM incidents
				WHERE created_at >= ? AND created_at < ? AND (triaged_at IS NOT NULL OR contained_at IS NOT NULL)`, s, e)
			if err != nil {
				return err
			}
			type times struct{ rep, tri, con time.Time }
			ts, err := collect(rows, func(sc interface{ Scan(...any) error }) (times, error) {
				var x times
				err := sc.Scan(timeCol{&x.rep}, timeCol{&x.tri}, timeCol{&x.con})
				return x, err
			})
			if err != nil {
				return err
			}
			var tri, con []time.Duration
			for _, x := range ts {
				if !x.tri.IsZero() && !x.tri.Before(x.rep) {
					tri = append(tri, x.tri.Sub(x.rep))
				}
				if !x.con.IsZero() && !x.con.Before(x.rep) {
					con = append(con, x.con.Sub(x.rep))
				}
			}
			st.MedianToTriage, st.TriageSamples = hikeshi.MedianSeconds(tri), len(tri)
			st.MedianToContain, st.ContainSamples = hikeshi.MedianSeconds(con), len(con)
			return nil
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return hikeshi.ReviewInputs{}, fmt.Errorf("compile review inputs: %w", err)
		}
	}
	in.Normalize()
	return in, nil
}
