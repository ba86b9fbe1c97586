package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hikeshi/hikeshi"
)

// ISMSOverview counts where the PDCA cycle stands at now. Each part is one
// aggregate query over an ISMS table; the due list takes the soonest items
// of every kind and keeps the first hikeshi.DueLimit of them all.
func (q queries) ISMSOverview(ctx context.Context, now time.Time) (hikeshi.ISMSOverview, error) {
	o := hikeshi.ISMSOverview{AnnexAControls: len(hikeshi.AnnexAControls())}
	now = now.UTC()
	horizon := now.Add(hikeshi.DueHorizon)
	today, until := now.Format(hikeshi.DateLayout), horizon.Format(hikeshi.DateLayout)
	counts := []struct {
		what  string
		query string
		args  []any
		into  []*int
	}{
		{"documents", `SELECT COALESCE(SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'in_review' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'approved' AND next_review >= ? AND next_review < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'approved' AND next_review < ? THEN 1 ELSE 0 END), 0)
			FROM document_versions v WHERE status IN ('draft', 'in_review', 'approved')
			AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = v.document_id AND d.archived = 1)`,
			[]any{q.d.t(now), q.d.t(horizon), q.d.t(now)},
			[]*int{&o.DocumentsApproved, &o.DocumentsInReview, &o.DocumentsDraft, &o.DocumentReviewsDue, &o.DocumentReviewsOverdue}},
		{"risks", `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN COALESCE(residual_level, inherent_level) IN ('high', 'very_high') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN treatment = '' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN next_review_at < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN treatment_due_at < ? AND treatment_done_at IS NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN treatment = 'accept' AND accepted_at IS NULL THEN 1 ELSE 0 END), 0)
			FROM risks`,
			[]any{q.d.t(now), q.d.t(now)},
			[]*int{&o.Risks, &o.RisksHigh, &o.RisksUntreated, &o.RiskReviewsOverdue, &o.TreatmentsOverdue, &o.RisksAwaitingAcceptance}},
		{"measures", `SELECT COALESCE(SUM(CASE WHEN status = 'planned' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'partial' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'implemented' THEN 1 ELSE 0 END), 0)
			FROM measures WHERE archived = 0`, nil,
			[]*int{&o.MeasuresPlanned, &o.MeasuresPartial, &o.MeasuresImplemented}},
		{"soa", `SELECT COUNT(*), COALESCE(SUM(applicable), 0),
			COALESCE(SUM(CASE WHEN applicable = 1 AND status = 'implemented' THEN 1 ELSE 0 END), 0)
			FROM soa_entries`, nil,
			[]*int{&o.SoADecided, &o.SoAApplicable, &o.SoAImplemented}},
		{"audits", `SELECT COALESCE(SUM(CASE WHEN status = 'planned' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'reported' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN ('planned', 'in_progress') AND planned_end < ? THEN 1 ELSE 0 END), 0)
			FROM internal_audits`, []any{today},
			[]*int{&o.AuditsPlanned, &o.AuditsInProgress, &o.AuditsReported, &o.AuditsClosed, &o.AuditsOverdue}},
		{"nonconformities", `SELECT COUNT(*) FROM findings f WHERE f.type IN ('major_nc', 'minor_nc')
			AND NOT EXISTS (SELECT 1 FROM corrective_actions a WHERE a.source_kind = 'finding' AND a.source_id = f.id AND a.status = 'closed')`,
			nil, []*int{&o.Nonconformities}},
		{"actions", `SELECT COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status <> 'closed' AND due_date < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'implemented' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'ineffective' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0)
			FROM corrective_actions`, []any{today},
			[]*int{&o.ActionsOpen, &o.ActionsOverdue, &o.ActionsAwaitingCheck, &o.ActionsIneffective, &o.ActionsClosed}},
		{"management reviews", `SELECT COALESCE(SUM(CASE WHEN status = 'planned' THEN 1 ELSE 0 END), 0) FROM management_reviews`, nil,
			[]*int{&o.ManagementReviewsPlanned}},
		{"lessons", `SELECT COALESCE(SUM(CASE WHEN status = 'proposed' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'accepted' AND COALESCE(improvement_action_id, '') = '' THEN 1 ELSE 0 END), 0)
			FROM lessons`, nil,
			[]*int{&o.LessonsProposed, &o.LessonsWithoutAction}},
	}
	for _, c := range counts {
		dest := make([]any, len(c.into))
		for i, p := range c.into {
			dest[i] = p
		}
		if err := q.row(ctx, c.query, c.args...).Scan(dest...); err != nil {
			return o, fmt.Errorf("isms overview: %s: %w", c.what, err)
		}
	}

	var statement string
	switch err := q.row(ctx, "SELECT statement FROM isms_scope WHERE id = 'scope'").Scan(&statement); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return o, fmt.Errorf("isms overview: scope: %w", err)
	}
	o.ScopeDefined = statement != ""

	var lastHeld sql.NullString
	if err := q.row(ctx, "SELECT MAX(meeting_date) FROM management_reviews WHERE status <> 'planned'").Scan(&lastHeld); err != nil {
		return o, fmt.Errorf("isms overview: management reviews: %w", err)
	}
	if lastHeld.Valid {
		t, err := time.Parse(hikeshi.DateLayout, lastHeld.String)
		if err != nil {
			return o, fmt.Errorf("isms overview: management review date %q: %w", lastHeld.String, err)
		}
		o.LastManagementReview = t
	}

	if err := q.metricsMet(ctx, &o); err != nil {
		return o, err
	}
	due, err := q.dueItems(ctx, now, horizon, today, until)
	if err != nil {
		return o, err
	}
	o.Due = due
	return o, nil
}

// metricsMet judges every metric by its latest recorded value (values carry
// UUIDv7 ids, so the greatest id is the latest).
func (q queries) metricsMet(ctx context.Context, o *hikeshi.ISMSOverview) error {
	rows, err := q.query(ctx, `SELECT m.target, m.comparison, COALESCE(v.value, '')
		FROM metrics m LEFT JOIN metric_values v
		ON v.id = (SELECT MAX(x.id) FROM metric_values x WHERE x.metric_id = m.id)
		WHERE m.archived_at IS NULL`)
	if err != nil {
		return fmt.Errorf("isms overview: metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m hikeshi.Metric
		var value string
		if err := rows.Scan(&m.Target, &m.Comparison, &value); err != nil {
			return fmt.Errorf("isms overview: metrics: %w", err)
		}
		o.Metrics++
		switch {
		case value == "":
			o.MetricsNoValue++
		case m.Met(value):
			o.MetricsMet++
		default:
			o.MetricsMissed++
		}
	}
	return rows.Err()
}

// dueItems gathers what falls due before the horizon (times) or until
// (dates), overdue first, soonest first.
func (q queries) dueItems(ctx context.Context, now, horizon time.Time, today, until string) ([]hikeshi.DueItem, error) {
	limit := hikeshi.DueLimit
	timed := []struct {
		kind  hikeshi.DueKind
		query string
	}{
		{hikeshi.DueDocumentReview, `SELECT d.id, d.title, v.next_review FROM document_versions v JOIN documents d ON d.id = v.document_id
			WHERE v.status = 'approved' AND d.archived = 0 AND v.next_review < ? ORDER BY v.next_review, d.id LIMIT ?`},
		{hikeshi.DueRiskReview, `SELECT id, title, next_review_at FROM risks WHERE next_review_at < ? ORDER BY next_review_at, id LIMIT ?`},
		{hikeshi.DueRiskTreatment, `SELECT id, title, treatment_due_at FROM risks WHERE treatment_done_at IS NULL AND treatment_due_at < ?
			ORDER BY treatment_due_at, id LIMIT ?`},
	}
	var out []hikeshi.DueItem
	for _, t := range timed {
		rows, err := q.query(ctx, t.query, q.d.t(horizon), limit)
		if err != nil {
			return nil, fmt.Errorf("isms overview: due %s: %w", t.kind, err)
		}
		items, err := collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.DueItem, error) {
			it := hikeshi.DueItem{Kind: t.kind}
			err := s.Scan(&it.ID, &it.Title, timeCol{&it.Due})
			it.Overdue = it.Due.Before(now)
			return it, err
		})
		if err != nil {
			return nil, fmt.Errorf("isms overview: due %s: %w", t.kind, err)
		}
		out = append(out, items...)
	}
	dated := []struct {
		kind  hikeshi.DueKind
		query string
	}{
		// An audit falls due when it should start (planned) or end (in progress).
		{hikeshi.DueAudit, `SELECT id, title, CASE WHEN status = 'planned' THEN planned_start ELSE planned_end END AS due
			FROM internal_audits WHERE status IN ('planned', 'in_progress')
			AND (CASE WHEN status = 'planned' THEN planned_start ELSE planned_end END) <= ? ORDER BY due, id LIMIT ?`},
		{hikeshi.DueAction, `SELECT id, title, due_date FROM corrective_actions WHERE status <> 'closed' AND due_date <= ?
			ORDER BY due_date, id LIMIT ?`},
		// A planned management review falls due on its meeting day.
		{hikeshi.DueManagementReview, `SELECT id, title, meeting_date FROM management_reviews WHERE status = 'planned' AND meeting_date <= ?
			ORDER BY meeting_date, id LIMIT ?`},
	}
	for _, d := range dated {
		rows, err := q.query(ctx, d.query, until, limit)
		if err != nil {
			return nil, fmt.Errorf("isms overview: due %s: %w", d.kind, err)
		}
		items, err := collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.DueItem, error) {
			it := hikeshi.DueItem{Kind: d.kind}
			var day string
			if err := s.Scan(&it.ID, &it.Title, &day); err != nil {
				return it, err
			}
			due, err := time.Parse(hikeshi.DateLayout, day)
			if err != nil {
				return it, fmt.Errorf("date %q: %w", day, err)
			}
			it.Due, it.Overdue = due, day < today
			return it, nil
		})
		if err != nil {
			return nil, fmt.Errorf("isms overview: due %s: %w", d.kind, err)
		}
		out = append(out, items...)
	}
	slices.SortStableFunc(out, func(a, b hikeshi.DueItem) int { return a.Due.Compare(b.Due) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
