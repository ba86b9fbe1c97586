package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// This file implements hikeshi.AnalysisReader (IM-2, decision 0042). Every
// statement is bounded by the period (incidents and reports by reported_at,
// alert events by first_seen, all indexed) and aggregates in SQL: counts by
// GROUP BY, means by AVG and medians by ROW_NUMBER over the ordered
// durations, so no statement returns more rows than it has groups. Dates
// are bucketed into months by text on SQLite (times are stored as
// 2006-01-02T15:04:05.000000Z) and by to_char in UTC on PostgreSQL.

// analysisMonth is the SQL expression of a time column's month, YYYY-MM (UTC).
func (d dialect) analysisMonth(col string) string {
	if d.engine == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// analysisSeconds is the SQL expression of the seconds from a to b, both
// time columns; never negative.
func (d dialect) analysisSeconds(a, b string) string {
	raw := "(julianday(" + b + ") - julianday(" + a + ")) * 86400.0"
	if d.engine == Postgres {
		raw = "CAST(EXTRACT(EPOCH FROM (" + b + " - " + a + ")) AS DOUBLE PRECISION)"
	}
	return "CASE WHEN " + b + " < " + a + " THEN 0.0 ELSE " + raw + " END"
}

// analysisObservables is the FROM clause that spreads an alert's observables
// (a JSON array of {"type", "value"} in alerts.observables) into rows with
// columns ot and ov.
func (d dialect) analysisObservables() (from, typ, val string) {
	if d.engine == Postgres {
		return "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.observables::jsonb) = 'array' THEN a.observables::jsonb ELSE '[]'::jsonb END) AS j(el)",
			"CASE WHEN jsonb_typeof(j.el) = 'object' THEN j.el->>'type' END", "CASE WHEN jsonb_typeof(j.el) = 'object' THEN j.el->>'value' END"
	}
	return "CROSS JOIN json_each(CASE WHEN json_valid(a.observables) AND json_type(a.observables) = 'array' THEN a.observables ELSE '[]' END) AS j",
		"CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.type') END", "CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.value') END"
}

// analysisCountSQL is the statement of one trend; each takes from and to.
// Department trends are read by their own methods.
func (q queries) analysisCountSQL(s hikeshi.AnalysisSubject, dim hikeshi.AnalysisDimension) (string, bool) {
	most := " ORDER BY n DESC, k"
	switch s {
	case hikeshi.AnalysisIncidents:
		const from = " FROM incidents i WHERE i.reported_at >= ? AND i.reported_at < ?"
		switch dim {
		case hikeshi.ByMonth:
			m := q.d.analysisMonth("i.reported_at")
			return "SELECT " + m + " AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY " + m + " ORDER BY k", true
		case hikeshi.ByCategory:
			return "SELECT i.category AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY i.category" + most, true
		case hikeshi.ByPriority:
			return "SELECT CAST(i.priority AS TEXT) AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY i.priority ORDER BY k", true
		case hikeshi.BySource:
			src := `CASE WHEN EXISTS (SELECT 1 FROM alert_events e WHERE e.incident_id = i.id) THEN '` + hikeshi.IncidentSourceAlert + `'
				ELSE COALESCE((SELECT r.source || ':' || r.channel FROM report_incidents ri JOIN reports r ON r.id = ri.report_id
					WHERE ri.incident_id = i.id ORDER BY r.reported_at, r.id LIMIT 1), '` + hikeshi.IncidentSourceDirect + `') END`
			return "SELECT k, '' AS l, COUNT(*) AS n FROM (SELECT " + src + " AS k" + from + ") x GROUP BY k" + most, true
		}
	case hikeshi.AnalysisReports:
		const from = " FROM reports r WHERE r.reported_at >= ? AND r.reported_at < ?"
		switch dim {
		case hikeshi.ByMonth:
			m := q.d.analysisMonth("r.reported_at")
			return "SELECT " + m + " AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY " + m + " ORDER BY k", true
		case hikeshi.BySource:
			return "SELECT r.source || ':' || r.channel AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY r.source, r.channel" + most, true
		case hikeshi.ByCategory:
			return `SELECT COALESCE(t.category, '') AS k, '' AS l, COUNT(*) AS n FROM reports r
				LEFT JOIN report_triage t ON t.report_id = r.id WHERE r.reported_at >= ? AND r.reported_at < ?
				GROUP BY COALESCE(t.category, '')` + most, true
		case hikeshi.ByPriority:
			return `SELECT CAST(COALESCE(t.priority, 0) AS TEXT) AS k, '' AS l, COUNT(*) AS n FROM reports r
				LEFT JOIN report_triage t ON t.report_id = r.id WHERE r.reported_at >= ? AND r.reported_at < ?
				GROUP BY COALESCE(t.priority, 0) ORDER BY k`, true
		case hikeshi.ByDepartment:
			return `SELECT COALESCE(d.id, '') AS k, COALESCE(d.name, '') AS l, COUNT(*) AS n FROM reports r
				LEFT JOIN users u ON u.id = r.reporter_user_id LEFT JOIN departments d ON d.id = u.department_id
				WHERE r.reported_at >= ? AND r.reported_at < ? GROUP BY d.id, d.name ORDER BY n DESC, l, k`, true
		}
	case hikeshi.AnalysisAlerts:
		const from = " FROM alert_events e WHERE e.first_seen >= ? AND e.first_seen < ?"
		switch dim {
		case hikeshi.ByMonth:
			m := q.d.analysisMonth("e.first_seen")
			return "SELECT " + m + " AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY " + m + " ORDER BY k", true
		case hikeshi.ByPriority:
			return "SELECT e.severity AS k, '' AS l, COUNT(*) AS n" + from + " GROUP BY e.severity" + most, true
		case hikeshi.BySource:
			// An event counts once for each sender of its alerts.
			return `SELECT COALESCE(s.id, '') AS k, COALESCE(s.name, '') AS l, COUNT(DISTINCT e.id) AS n
				FROM alert_events e JOIN alerts a ON a.event_id = e.id LEFT JOIN alert_senders s ON s.id = a.sender_id
				WHERE e.first_seen >= ? AND e.first_seen < ? GROUP BY s.id, s.name ORDER BY n DESC, l, k`, true
		}
	}
	return "", false
}

// AnalysisCounts counts a subject in [from, to) by a dimension.
func (q queries) AnalysisCounts(ctx context.Context, s hikeshi.AnalysisSubject, dim hikeshi.AnalysisDimension, from, to time.Time) ([]hikeshi.AnalysisCount, error) {
	if s == hikeshi.AnalysisIncidents && dim == hikeshi.ByDepartment {
		ds, err := q.DashboardDepartments(ctx, from, to)
		if err != nil {
			return nil, fmt.Errorf("analysis counts: %w", err)
		}
		out := make([]hikeshi.AnalysisCount, len(ds))
		for i, d := range ds {
			out[i] = hikeshi.AnalysisCount{Key: d.DepartmentID, Label: d.Name, Count: d.Count}
		}
		return out, nil
	}
	stmt, ok := q.analysisCountSQL(s, dim)
	if !ok {
		return nil, fmt.Errorf("analysis counts: %s by %s: %w", s, dim, hikeshi.ErrInvalid)
	}
	rows, err := q.query(ctx, stmt, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, fmt.Errorf("analysis counts: %s by %s: %w", s, dim, err)
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.AnalysisCount, error) {
		var c hikeshi.AnalysisCount
		return c, sc.Scan(&c.Key, &c.Label, &c.Count)
	})
}

// analysisDurationSQL is the inner statement of a measure: one row per item
// started in the period with its group g, start s and end e (NULL until it
// happens). It takes from and to.
func analysisDurationSQL(m hikeshi.AnalysisMeasure) (string, bool) {
	incidents := func(end string) string {
		return `SELECT CAST(i.priority AS TEXT) AS g, i.reported_at AS s, i.` + end + ` AS e
			FROM incidents i WHERE i.reported_at >= ? AND i.reported_at < ?`
	}
	switch m {
	case hikeshi.MeasureAckReport:
		return `SELECT g, s, CASE WHEN m IS NULL THEN t WHEN t IS NULL THEN m WHEN m < t THEN m ELSE t END AS e FROM (
			SELECT CAST(COALESCE(rt.priority, 0) AS TEXT) AS g, r.reported_at AS s,
				(SELECT MIN(rm.created_at) FROM report_messages rm WHERE rm.report_id = r.id AND rm.author = 'csirt') AS m,
				(SELECT MIN(td.at) FROM triage_decisions td WHERE td.report_id = r.id) AS t
			FROM reports r LEFT JOIN report_triage rt ON rt.report_id = r.id
			WHERE r.reported_at >= ? AND r.reported_at < ?) y`, true
	case hikeshi.MeasureAckAlert:
		return `SELECT e.severity AS g, e.first_seen AS s, e.decided_at AS e
			FROM alert_events e WHERE e.first_seen >= ? AND e.first_seen < ?`, true
	case hikeshi.MeasureAckIncident:
		return incidents("triaged_at"), true
	case hikeshi.MeasureContain:
		return incidents("contained_at"), true
	case hikeshi.MeasureRecover:
		return incidents("recovered_at"), true
	}
	return "", false
}

// AnalysisDurations computes one measure over the items started in [from,
// to), by group, the row of every group first. The median is the value at
// the nearest rank ⌈n/2⌉ of the ordered durations (hikeshi.StatsOf's rule),
// picked by ROW_NUMBER in the query; unmeasured items sort last.
func (q queries) AnalysisDurations(ctx context.Context, m hikeshi.AnalysisMeasure, from, to time.Time) ([]hikeshi.AnalysisDurations, error) {
	inner, ok := analysisDurationSQL(m)
	if !ok {
		return nil, fmt.Errorf("analysis durations: %s: %w", m, hikeshi.ErrInvalid)
	}
	stmt := `WITH x AS (` + inner + `),
		d AS (SELECT g, CASE WHEN e IS NULL THEN NULL ELSE ` + q.d.analysisSeconds("s", "e") + ` END AS d FROM x),
		a AS (SELECT '` + hikeshi.AnalysisAllGroups + `' AS g, d FROM d UNION ALL SELECT g, d FROM d),
		r AS (SELECT g, d, ROW_NUMBER() OVER (PARTITION BY g ORDER BY CASE WHEN d IS NULL THEN 1 ELSE 0 END, d) AS rn,
			COUNT(d) OVER (PARTITION BY g) AS n FROM a)
		SELECT g, COUNT(*), COUNT(d), AVG(d), MAX(CASE WHEN d IS NOT NULL AND rn = (n + 1) / 2 THEN d END)
		FROM r GROUP BY g ORDER BY CASE WHEN g = '` + hikeshi.AnalysisAllGroups + `' THEN 0 ELSE 1 END, g`
	rows, err := q.query(ctx, stmt, q.d.t(from), q.d.t(to))
	if err != nil {
		return nil, fmt.Errorf("analysis durations: %s: %w", m, err)
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.AnalysisDurations, error) {
		var x hikeshi.AnalysisDurations
		var mean, median sql.NullFloat64
		err := sc.Scan(&x.Group, &x.Items, &x.Measured, &mean, &median)
		x.Mean, x.Median = mean.Float64, median.Float64
		return x, err
	})
}

// analysisItems is the statement of the items a pattern kind is seen in:
// one row per (type, value, record) with the record's kind src ('i' an
// incident, 'e' an alert event), id, number, title, time and whether the
// viewer may open it (vis 1/0). The returned args fill its placeholders.
func (q queries) analysisItems(f hikeshi.AnalysisPatternFilter) (string, []any, error) {
	seeAll, seeInc, seeAlerts := 0, 0, 0
	if f.SeeRestricted {
		seeAll = 1
	}
	if f.SeeIncidents {
		seeInc = 1
	}
	if f.SeeAlerts {
		seeAlerts = 1
	}
	incVis := `CASE WHEN ? = 1 OR (? = 1 AND i.tlp NOT IN ` + restrictedTLPs + `)
		OR EXISTS (SELECT 1 FROM incident_members mb WHERE mb.incident_id = i.id AND mb.user_id = ?) THEN 1 ELSE 0 END`
	incArgs := func() []any { return []any{seeAll, seeInc, f.ViewerID, q.d.t(f.From), q.d.t(f.To)} }
	const incCols = "'i' AS src, i.id AS rid, i.number AS num, i.title AS title, i.reported_at AS at, "
	const period = " WHERE i.reported_at >= ? AND i.reported_at < ?"
	switch f.Kind {
	case hikeshi.PatternObservable:
		from, typ, val := q.d.analysisObservables()
		stmt := `SELECT o.type AS t, o.value AS v, ` + incCols + incVis + ` AS vis
			FROM incidents i JOIN incident_observables io ON io.incident_id = i.id JOIN observables o ON o.id = io.observable_id` + period + `
			UNION ALL
			SELECT ` + typ + `, ` + val + `, 'e', e.id, e.number, e.title, e.first_seen, CAST(? AS INTEGER)
			FROM alert_events e JOIN alerts a ON a.event_id = e.id ` + from + `
			WHERE e.first_seen >= ? AND e.first_seen < ? AND ` + typ + ` IS NOT NULL AND ` + val + ` IS NOT NULL AND ` + val + ` <> ''`
		return stmt, append(incArgs(), seeAlerts, q.d.t(f.From), q.d.t(f.To)), nil
	case hikeshi.PatternAsset:
		key := "LOWER(CASE WHEN aa.identifier <> '' THEN aa.identifier ELSE aa.name END)"
		stmt := `SELECT aa.kind AS t, ` + key + ` AS v, ` + incCols + incVis + ` AS vis
			FROM incidents i JOIN affected_assets aa ON aa.incident_id = i.id` + period
		return stmt, incArgs(), nil
	case hikeshi.PatternCategory:
		stmt := `SELECT '' AS t, i.category AS v, ` + incCols + incVis + ` AS vis FROM incidents i` + period
		return stmt, incArgs(), nil
	}
	return "", nil, fmt.Errorf("analysis patterns: kind %q: %w", f.Kind, hikeshi.ErrInvalid)
}

// AnalysisPatterns lists the recurring patterns of one kind: seen in at
// least two records (incidents and alert events) in the period. A pattern
// is named only when the viewer may open at least one of its records; the
// others are only counted. Each named pattern's refs are the newest
// records the viewer may open, at most hikeshi.AnalysisRefLimit.
func (q queries) AnalysisPatterns(ctx context.Context, f hikeshi.AnalysisPatternFilter) ([]hikeshi.AnalysisPattern, int, error) {
	items, args, err := q.analysisItems(f)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > hikeshi.AnalysisPatternLimit {
		limit = hikeshi.AnalysisPatternLimit
	}
	grouped := `WITH x AS (` + items + `)
		SELECT t, v, COUNT(DISTINCT CASE WHEN src = 'i' THEN rid END) AS ni, COUNT(DISTINCT CASE WHEN src = 'e' THEN rid END) AS ne,
			MIN(at) AS first_at, MAX(at) AS last_at, MAX(vis) AS named
		FROM x GROUP BY t, v HAVING COUNT(DISTINCT src || rid) >= 2`
	// One pass: the named patterns first, and over every recurring pattern
	// (before the LIMIT) how many are not named.
	rows, err := q.query(ctx, `SELECT t, v, ni, ne, first_at, last_at, named, SUM(1 - named) OVER () AS hidden FROM (`+grouped+`) g
		ORDER BY named DESC, ni + ne DESC, last_at DESC, t, v LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("analysis patterns: %w", err)
	}
	var hidden int
	all, err := collect(rows, func(sc interface{ Scan(...any) error }) (hikeshi.AnalysisPattern, error) {
		p := hikeshi.AnalysisPattern{Kind: f.Kind}
		var named int
		err := sc.Scan(&p.Type, &p.Value, &p.Incidents, &p.Events, timeCol{&p.FirstSeen}, timeCol{&p.LastSeen}, &named, &hidden)
		if named == 0 {
			p.Kind = "" // counted, not named: dropped below
		}
		return p, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("analysis patterns: %w", err)
	}
	var out []hikeshi.AnalysisPattern
	for _, p := range all {
		if p.Kind != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, hidden, nil
	}
	// The refs of the named patterns: the newest records the viewer may open.
	keys := make([]string, len(out))
	refArgs := append([]any{}, args...)
	index := map[string]int{}
	for i, p := range out {
		keys[i] = "?"
		k := p.Type + "|" + p.Value
		index[k] = i
		refArgs = append(refArgs, k)
	}
	refArgs = append(refArgs, hikeshi.AnalysisRefLimit)
	rows, err = q.query(ctx, `WITH x AS (`+items+`),
		y AS (SELECT DISTINCT t, v, src, rid, num, title, at FROM x WHERE vis = 1 AND t || '|' || v IN (`+strings.Join(keys, ", ")+`)),
		r AS (SELECT t, v, src, rid, num, title, at, ROW_NUMBER() OVER (PARTITION BY t, v ORDER BY at DESC, rid DESC) AS rn FROM y)
		SELECT t, v, src, rid, num, title, at FROM r WHERE rn <= ? ORDER BY t, v, rn`, refArgs...)
	if err != nil {
		return nil, 0, fmt.Errorf("analysis patterns: refs: %w", err)
	}
	type keyed struct {
		key string
		ref hikeshi.AnalysisRef
	}
	refs, err := collect(rows, func(sc interface{ Scan(...any) error }) (keyed, error) {
		var k keyed
		var t, v, src string
		err := sc.Scan(&t, &v, &src, &k.ref.ID, &k.ref.Number, &k.ref.Title, timeCol{&k.ref.At})
		k.key, k.ref.Event = t+"|"+v, src == "e"
		return k, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("analysis patterns: refs: %w", err)
	}
	for _, r := range refs {
		if i, ok := index[r.key]; ok {
			out[i].Refs = append(out[i].Refs, r.ref)
		}
	}
	return out, hidden, nil
}
