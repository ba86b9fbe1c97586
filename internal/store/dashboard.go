package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// The dashboard (IN-5, IN-6, decision 0033). Every statement is bounded by
// the period (incidents by reported_at, reports by reported_at) or by the
// running clocks' partial index; counts are GROUP BY in SQL, and the
// durations behind the percentiles are read as timestamps and picked in Go
// (hikeshi.StatsOf), the same on both engines.

// DashboardIncidentTimes lists the incidents reported in [from, to) with
// their workflow timestamps, oldest first.
func (q queries) DashboardIncidentTimes(ctx context.Context, from, to time.Time) ([]hikeshi.IncidentTimes, error) {
	rows, err := q.query(ctx, dashTimesQuery, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, fmt.Errorf("dashboard incident times: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.IncidentTimes, error) {
		var t hikeshi.IncidentTimes
		err := s.Scan(&t.ID, &t.Priority, timeCol{&t.ReportedAt}, timeCol{&t.TriagedAt}, timeCol{&t.FirstResponseAt},
			timeCol{&t.ContainedAt}, timeCol{&t.RecoveredAt})
		return t, err
	})
}

// DashboardCategories counts the incidents reported in [from, to) by
// category, most first.
func (q queries) DashboardCategories(ctx context.Context, from, to time.Time) ([]hikeshi.CategoryCount, error) {
	rows, err := q.query(ctx, dashCategoriesQuery, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, fmt.Errorf("dashboard categories: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.CategoryCount, error) {
		var c hikeshi.CategoryCount
		return c, s.Scan(&c.Category, &c.Count)
	})
}

// The statements a plan test checks (dashboard_internal_test.go). The
// departments are counted driven from the period's incidents (SQLite keeps
// a CROSS JOIN's order; PostgreSQL plans it as any inner join), so the
// tasks of other periods are never read.
const (
	dashTimesQuery = `SELECT id, priority, reported_at, triaged_at, first_response_at, contained_at, recovered_at
		FROM incidents WHERE reported_at >= ? AND reported_at < ? ORDER BY reported_at, id`
	dashCategoriesQuery = `SELECT category, COUNT(*) AS n FROM incidents WHERE reported_at >= ? AND reported_at < ?
		GROUP BY category ORDER BY n DESC, category`
	dashDepartmentsQuery = `SELECT d.id, d.name, COUNT(DISTINCT t.incident_id) AS n
		FROM incidents i CROSS JOIN tasks t CROSS JOIN departments d
		WHERE i.reported_at >= ? AND i.reported_at < ? AND t.incident_id = i.id AND d.id = t.department_id
		GROUP BY d.id, d.name ORDER BY n DESC, d.name`
	dashNoDepartmentQuery = `SELECT COUNT(*) FROM incidents i WHERE i.reported_at >= ? AND i.reported_at < ?
		AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.incident_id = i.id)`
)

// DashboardDepartments counts the incidents reported in [from, to) by the
// departments with tasks on them (each incident once per department), most
// first, then the incidents without any task under DepartmentID "".
func (q queries) DashboardDepartments(ctx context.Context, from, to time.Time) ([]hikeshi.DepartmentCount, error) {
	rows, err := q.query(ctx, dashDepartmentsQuery, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, fmt.Errorf("dashboard departments: %w", err)
	}
	out, err := collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.DepartmentCount, error) {
		var c hikeshi.DepartmentCount
		return c, s.Scan(&c.DepartmentID, &c.Name, &c.Count)
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard departments: %w", err)
	}
	var none int
	if err := q.row(ctx, dashNoDepartmentQuery, q.d.t(from), q.d.t(to)).Scan(&none); err != nil {
		return nil, fmt.Errorf("dashboard departments: without tasks: %w", err)
	}
	if none > 0 {
		out = append(out, hikeshi.DepartmentCount{Count: none})
	}
	return out, nil
}

// regulatoryKinds is the SQL list of the regulatory clocks' kinds.
func regulatoryKinds() string {
	var ks []string
	for _, k := range hikeshi.ClockKinds {
		if k.Regulatory() {
			ks = append(ks, "'"+string(k)+"'")
		}
	}
	return "(" + strings.Join(ks, ", ") + ")"
}

// DashboardClocks counts the running regulatory clocks by kind at now
// (through the partial index of running clocks), overdue ones first.
func (q queries) DashboardClocks(ctx context.Context, now time.Time) ([]hikeshi.ClockCount, error) {
	rows, err := q.query(ctx, `SELECT kind, COUNT(*), COALESCE(SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END), 0) AS overdue, MIN(due_at)
		FROM incident_clocks WHERE stopped_at IS NULL AND withdrawn_at IS NULL AND kind IN `+regulatoryKinds()+`
		GROUP BY kind ORDER BY overdue DESC, MIN(due_at), kind`, q.d.t(now))
	if err != nil {
		return nil, fmt.Errorf("dashboard clocks: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.ClockCount, error) {
		var c hikeshi.ClockCount
		return c, s.Scan(&c.Kind, &c.Open, &c.Overdue, timeCol{&c.NextDue})
	})
}

// DashboardReporting counts the reports that arrived in [from, to) by the
// reporter's department (none for anonymous reports and those filed
// without an account), and lists their times — never who filed them.
func (q queries) DashboardReporting(ctx context.Context, from, to time.Time) ([]hikeshi.ReportingGroup, []hikeshi.ReportTimes, error) {
	answered := "EXISTS (SELECT 1 FROM report_messages m WHERE m.report_id = r.id AND m.author = 'csirt')"
	rows, err := q.query(ctx, `SELECT COALESCE(d.id, ''), COALESCE(d.name, ''), COUNT(*),
		COALESCE(SUM(CASE WHEN r.source = 'employee' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(r.anonymous), 0),
		COALESCE(SUM(CASE WHEN `+answered+` THEN 1 ELSE 0 END), 0)
		FROM reports r LEFT JOIN users u ON u.id = r.reporter_user_id LEFT JOIN departments d ON d.id = u.department_id
		WHERE r.reported_at >= ? AND r.reported_at < ?
		GROUP BY d.id, d.name ORDER BY COUNT(*) DESC, COALESCE(d.name, '')`, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, nil, fmt.Errorf("dashboard reporting: %w", err)
	}
	groups, err := collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.ReportingGroup, error) {
		var g hikeshi.ReportingGroup
		return g, s.Scan(&g.DepartmentID, &g.Name, &g.Reports, &g.Employee, &g.Anonymous, &g.Answered)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("dashboard reporting: %w", err)
	}
	rows, err = q.query(ctx, `SELECT COALESCE(u.department_id, ''), r.noticed_at, r.reported_at,
		(SELECT MIN(m.created_at) FROM report_messages m WHERE m.report_id = r.id AND m.author = 'csirt')
		FROM reports r LEFT JOIN users u ON u.id = r.reporter_user_id
		WHERE r.reported_at >= ? AND r.reported_at < ? ORDER BY r.reported_at, r.id`, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, nil, fmt.Errorf("dashboard reporting times: %w", err)
	}
	times, err := collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.ReportTimes, error) {
		var t hikeshi.ReportTimes
		return t, s.Scan(&t.DepartmentID, timeCol{&t.NoticedAt}, timeCol{&t.ReportedAt}, timeCol{&t.AnsweredAt})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("dashboard reporting times: %w", err)
	}
	return groups, times, nil
}

// DashboardIncidents lists the incidents behind a number, newest first. A
// viewer who may not see every restricted incident gets only the
// unrestricted ones and the restricted ones they were added to.
func (q queries) DashboardIncidents(ctx context.Context, f hikeshi.DashboardIncidentFilter) ([]hikeshi.Incident, error) {
	var where []string
	args := []any{q.d.t(f.From), q.d.t(f.To)}
	where = append(where, "i.reported_at >= ?", "i.reported_at < ?")
	if f.Category != "" {
		where = append(where, "i.category = ?")
		args = append(args, f.Category)
	}
	switch f.DepartmentID {
	case "":
	case hikeshi.DashboardNoDepartment:
		where = append(where, "NOT EXISTS (SELECT 1 FROM tasks t WHERE t.incident_id = i.id)")
	default:
		where = append(where, "EXISTS (SELECT 1 FROM tasks t WHERE t.incident_id = i.id AND t.department_id = ?)")
		args = append(args, f.DepartmentID)
	}
	if f.Priority != 0 {
		where = append(where, "i.priority = ?")
		args = append(args, int(f.Priority))
	}
	switch f.Step {
	case "":
	case hikeshi.StepTriage:
		where = append(where, "i.triaged_at IS NOT NULL")
	case hikeshi.StepFirstResponse:
		where = append(where, "i.triaged_at IS NOT NULL AND i.first_response_at IS NOT NULL")
	case hikeshi.StepContain:
		where = append(where, "i.first_response_at IS NOT NULL AND i.contained_at IS NOT NULL")
	case hikeshi.StepRecover:
		where = append(where, "i.contained_at IS NOT NULL AND i.recovered_at IS NOT NULL")
	case hikeshi.StepLoop:
		where = append(where, "i.contained_at IS NOT NULL")
	default:
		return nil, fmt.Errorf("dashboard incidents: step %q: %w", f.Step, hikeshi.ErrInvalid)
	}
	if !f.SeeRestricted {
		where = append(where, "(i.tlp NOT IN "+restrictedTLPs+
			" OR EXISTS (SELECT 1 FROM incident_members m WHERE m.incident_id = i.id AND m.user_id = ?))")
		args = append(args, f.ViewerID)
	}
	limit := f.Limit
	if limit <= 0 || limit > hikeshi.DashboardIncidentLimit {
		limit = hikeshi.DashboardIncidentLimit
	}
	args = append(args, limit)
	rows, err := q.query(ctx, "SELECT "+prefixed("i", incidentCols)+" FROM incidents i WHERE "+strings.Join(where, " AND ")+
		" ORDER BY i.reported_at DESC, i.id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("dashboard incidents: %w", err)
	}
	return collect(rows, scanIncident)
}
