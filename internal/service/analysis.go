package service

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Analysis is IM-2: trends, recurring patterns and mean times over reports,
// alerts and incidents (decision 0042).
//
// Who sees what: the CSIRT, admins, auditors and managers read every count
// and duration — restricted incidents (TLP:RED, AMBER+STRICT) are counted
// like any other. Words are named only as far as the viewer may open the
// record they come from: a recurring observable, asset or category is
// listed with links to the incidents the viewer may see (restricted ones
// only for the CSIRT and members) and the alert events the viewer may open
// (the alert queue's roles); a pattern seen only in records the viewer may
// not open is counted, never named. Department members do not have the
// analysis at all (ErrNotFound). Reading writes no audit entry: nothing changes.
type Analysis struct {
	base
}

// CanReadAnalysis says whether a may open the analysis pages.
func CanReadAnalysis(a hikeshi.Actor) bool { return a.IsSystem() || (a.UserID != "" && a.CanReadAll()) }

// AnalysisQuery is the period asked for: dates YYYY-MM-DD (UTC), both
// included; empty for the default (the last 12 calendar months).
type AnalysisQuery struct {
	From, To string
}

// AnalysisPeriod is a checked period [From, To).
type AnalysisPeriod struct {
	From, To time.Time
	Months   []string // every month it touches, YYYY-MM, oldest first
}

// FromDate is the first day of the period, YYYY-MM-DD.
func (p AnalysisPeriod) FromDate() string { return p.From.Format(hikeshi.DateLayout) }

// ToDate is the last day of the period (included), YYYY-MM-DD.
func (p AnalysisPeriod) ToDate() string { return p.To.Add(-time.Nanosecond).Format(hikeshi.DateLayout) }

// AnalysisTable is one trend: a subject counted by a dimension.
type AnalysisTable struct {
	Name      string // <subject>_by_<dimension>
	Subject   hikeshi.AnalysisSubject
	Dimension hikeshi.AnalysisDimension
	Rows      []hikeshi.AnalysisCount
	Total     int
	Folded    int // departments folded into hikeshi.AnalysisOther
}

// AnalysisMonthRow counts every subject in one month.
type AnalysisMonthRow struct {
	Month                      string
	Reports, Alerts, Incidents int
}

// AnalysisTrends are the counts of the period.
type AnalysisTrends struct {
	Period AnalysisPeriod
	Months []AnalysisMonthRow
	Tables []AnalysisTable // every applicable subject × dimension but the month, subjects in hikeshi.AnalysisSubjects order
}

// Table returns the named table.
func (t AnalysisTrends) Table(name string) (AnalysisTable, bool) {
	for _, x := range t.Tables {
		if x.Name == name {
			return x, true
		}
	}
	return AnalysisTable{}, false
}

// AnalysisPatternList are the recurring patterns of one kind.
type AnalysisPatternList struct {
	Kind     hikeshi.AnalysisPatternKind
	Patterns []hikeshi.AnalysisPattern
	Hidden   int // recurring, but seen only in records the viewer may not open
}

// AnalysisPatterns are the recurring patterns of the period.
type AnalysisPatterns struct {
	Period AnalysisPeriod
	Kinds  []AnalysisPatternList
}

// AnalysisMeasureFigures are one measure's figures: overall and by group
// (priorities 1–4 for incidents, 0–4 for reports with 0 unclassified,
// severities for alert events).
type AnalysisMeasureFigures struct {
	Measure hikeshi.AnalysisMeasure
	All     hikeshi.AnalysisDurations
	Groups  []hikeshi.AnalysisDurations
}

// AnalysisTimes are the mean times of the period.
type AnalysisTimes struct {
	Period   AnalysisPeriod
	Measures []AnalysisMeasureFigures
}

// AnalysisData is the whole analysis page.
type AnalysisData struct {
	Trends   AnalysisTrends
	Patterns AnalysisPatterns
	Times    AnalysisTimes
}

// read refuses who may not read the analysis: it does not exist for them.
func (s *Analysis) read(a hikeshi.Actor, what string) error {
	if err := readCheck(a, what); err != nil {
		return err
	}
	if !CanReadAnalysis(a) {
		return fmt.Errorf("%s: %w", what, hikeshi.ErrNotFound)
	}
	return nil
}

// Period checks a query's period against the service's clock.
func (s *Analysis) Period(q AnalysisQuery) (AnalysisPeriod, error) {
	if len(q.From) > 64 || len(q.To) > 64 {
		var v hikeshi.ValidationError
		if len(q.From) > 64 {
			v.Add("from", "invalid", "from must be a date like 2026-01-31")
		}
		if len(q.To) > 64 {
			v.Add("to", "invalid", "to must be a date like 2026-01-31")
		}
		return AnalysisPeriod{}, v.Err()
	}
	from, to, err := hikeshi.AnalysisPeriodOf(q.From, q.To, s.clock.Now())
	if err != nil {
		return AnalysisPeriod{}, err
	}
	return AnalysisPeriod{From: from, To: to, Months: hikeshi.AnalysisMonths(from, to)}, nil
}

// Get computes the trends, patterns and mean times of the period.
func (s *Analysis) Get(ctx context.Context, actor hikeshi.Actor, q AnalysisQuery) (AnalysisData, error) {
	var d AnalysisData
	var err error
	if d.Trends, err = s.Trends(ctx, actor, q); err != nil {
		return d, err
	}
	if d.Patterns, err = s.Patterns(ctx, actor, q); err != nil {
		return d, err
	}
	d.Times, err = s.Times(ctx, actor, q)
	return d, err
}

// TableName is the name of a subject's trend by a dimension.
func TableName(s hikeshi.AnalysisSubject, d hikeshi.AnalysisDimension) string {
	return string(s) + "_by_" + string(d)
}

// Trends counts reports, alert events and incidents of the period by month
// and by every other dimension that applies.
func (s *Analysis) Trends(ctx context.Context, actor hikeshi.Actor, q AnalysisQuery) (AnalysisTrends, error) {
	if err := s.read(actor, "analysis trends"); err != nil {
		return AnalysisTrends{}, err
	}
	p, err := s.Period(q)
	if err != nil {
		return AnalysisTrends{}, err
	}
	t := AnalysisTrends{Period: p, Months: make([]AnalysisMonthRow, len(p.Months))}
	at := map[string]int{}
	for i, m := range p.Months {
		t.Months[i].Month, at[m] = m, i
	}
	for _, sub := range hikeshi.AnalysisSubjects {
		rows, err := s.st.AnalysisCounts(ctx, sub, hikeshi.ByMonth, p.From, p.To)
		if err != nil {
			return t, fmt.Errorf("analysis trends: %w", err)
		}
		for _, r := range rows {
			i, ok := at[r.Key]
			if !ok {
				continue
			}
			switch sub {
			case hikeshi.AnalysisReports:
				t.Months[i].Reports = r.Count
			case hikeshi.AnalysisAlerts:
				t.Months[i].Alerts = r.Count
			case hikeshi.AnalysisIncidents:
				t.Months[i].Incidents = r.Count
			}
		}
		for _, dim := range hikeshi.AnalysisDimensions {
			if dim == hikeshi.ByMonth || !sub.Applies(dim) {
				continue
			}
			tb, err := s.table(ctx, p, sub, dim)
			if err != nil {
				return t, err
			}
			t.Tables = append(t.Tables, tb)
		}
	}
	return t, nil
}

// table counts one subject by one dimension.
func (s *Analysis) table(ctx context.Context, p AnalysisPeriod, sub hikeshi.AnalysisSubject, dim hikeshi.AnalysisDimension) (AnalysisTable, error) {
	rows, err := s.st.AnalysisCounts(ctx, sub, dim, p.From, p.To)
	if err != nil {
		return AnalysisTable{}, fmt.Errorf("analysis trends: %w", err)
	}
	tb := AnalysisTable{Name: TableName(sub, dim), Subject: sub, Dimension: dim, Rows: rows}
	if sub == hikeshi.AnalysisReports && dim == hikeshi.ByDepartment {
		tb.Rows, tb.Folded = foldSmall(rows)
	}
	if !(sub == hikeshi.AnalysisIncidents && dim == hikeshi.ByDepartment) { // an incident counts once per department
		for _, r := range rows {
			tb.Total += r.Count
		}
	}
	return tb, nil
}

// foldSmall folds the groups with fewer than hikeshi.ReportingMinReports
// reports into one row, as the dashboard's reporting culture does.
func foldSmall(rows []hikeshi.AnalysisCount) ([]hikeshi.AnalysisCount, int) {
	var out []hikeshi.AnalysisCount
	other, folded := 0, 0
	for _, r := range rows {
		if r.Count < hikeshi.ReportingMinReports {
			other += r.Count
			folded++
			continue
		}
		out = append(out, r)
	}
	if folded > 0 {
		out = append(out, hikeshi.AnalysisCount{Key: hikeshi.AnalysisOther, Count: other})
	}
	return out, folded
}

// Patterns lists what recurred in the period: observables, assets and
// categories seen in at least two records.
func (s *Analysis) Patterns(ctx context.Context, actor hikeshi.Actor, q AnalysisQuery) (AnalysisPatterns, error) {
	if err := s.read(actor, "analysis patterns"); err != nil {
		return AnalysisPatterns{}, err
	}
	p, err := s.Period(q)
	if err != nil {
		return AnalysisPatterns{}, err
	}
	return s.patterns(ctx, actor, p, hikeshi.AnalysisPatternKinds)
}

// patterns lists the recurring patterns of the kinds.
func (s *Analysis) patterns(ctx context.Context, actor hikeshi.Actor, p AnalysisPeriod, kinds []hikeshi.AnalysisPatternKind) (AnalysisPatterns, error) {
	out := AnalysisPatterns{Period: p}
	for _, k := range kinds {
		list, hidden, err := s.st.AnalysisPatterns(ctx, hikeshi.AnalysisPatternFilter{Kind: k, From: p.From, To: p.To,
			SeeRestricted: seesAll(actor), SeeIncidents: actor.CanListIncidents() || actor.IsSystem(),
			SeeAlerts: canReadAlerts(actor), ViewerID: actor.UserID, Limit: hikeshi.AnalysisPatternLimit})
		if err != nil {
			return out, fmt.Errorf("analysis patterns: %w", err)
		}
		out.Kinds = append(out.Kinds, AnalysisPatternList{Kind: k, Patterns: list, Hidden: hidden})
	}
	return out, nil
}

// analysisGroups are the groups every measure shows, even when empty.
func analysisGroups(m hikeshi.AnalysisMeasure) []string {
	switch m {
	case hikeshi.MeasureAckReport:
		return []string{"1", "2", "3", "4", "0"}
	case hikeshi.MeasureAckAlert:
		out := make([]string, len(hikeshi.AlertSeverities))
		for i, sv := range hikeshi.AlertSeverities {
			out[i] = string(sv)
		}
		return out
	}
	return []string{"1", "2", "3", "4"}
}

// Times computes the mean and median times of the period.
func (s *Analysis) Times(ctx context.Context, actor hikeshi.Actor, q AnalysisQuery) (AnalysisTimes, error) {
	if err := s.read(actor, "analysis times"); err != nil {
		return AnalysisTimes{}, err
	}
	p, err := s.Period(q)
	if err != nil {
		return AnalysisTimes{}, err
	}
	out := AnalysisTimes{Period: p}
	for _, m := range hikeshi.AnalysisMeasures {
		rows, err := s.st.AnalysisDurations(ctx, m, p.From, p.To)
		if err != nil {
			return out, fmt.Errorf("analysis times: %w", err)
		}
		f := AnalysisMeasureFigures{Measure: m, All: hikeshi.AnalysisDurations{Group: hikeshi.AnalysisAllGroups}}
		by := map[string]hikeshi.AnalysisDurations{}
		for _, r := range rows {
			if r.Group == hikeshi.AnalysisAllGroups {
				f.All = r
			} else {
				by[r.Group] = r
			}
		}
		for _, g := range analysisGroups(m) {
			r, ok := by[g]
			if !ok {
				r = hikeshi.AnalysisDurations{Group: g}
			}
			f.Groups = append(f.Groups, r)
		}
		out.Measures = append(out.Measures, f)
	}
	return out, nil
}

// AnalysisCSVTables lists the names of the tables that export as CSV.
func AnalysisCSVTables() []string {
	out := []string{"months"}
	for _, sub := range hikeshi.AnalysisSubjects {
		for _, dim := range hikeshi.AnalysisDimensions {
			if dim != hikeshi.ByMonth && sub.Applies(dim) {
				out = append(out, TableName(sub, dim))
			}
		}
	}
	for _, k := range hikeshi.AnalysisPatternKinds {
		out = append(out, "patterns_"+string(k))
	}
	return append(out, "times")
}

// CSV returns the rows of one table (its header first) for export, and
// the file name to offer. An unknown table is ErrNotFound.
func (s *Analysis) CSV(ctx context.Context, actor hikeshi.Actor, q AnalysisQuery, table string) (string, [][]string, error) {
	if err := s.read(actor, "analysis export"); err != nil {
		return "", nil, err
	}
	known := false
	for _, n := range AnalysisCSVTables() {
		known = known || n == table
	}
	if !known {
		return "", nil, fmt.Errorf("analysis export: table: %w", hikeshi.ErrNotFound)
	}
	p, err := s.Period(q)
	if err != nil {
		return "", nil, err
	}
	name := "analysis-" + table + "-" + p.FromDate() + "-" + p.ToDate() + ".csv"
	var rows [][]string
	itoa := strconv.Itoa
	switch {
	case table == "times":
		t, err := s.Times(ctx, actor, q)
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, []string{"measure", "group", "items", "measured", "mean_seconds", "median_seconds", "not_available"})
		for _, m := range t.Measures {
			for _, d := range append([]hikeshi.AnalysisDurations{m.All}, m.Groups...) {
				mean, median := "", ""
				if d.Measured > 0 {
					mean, median = strconv.FormatFloat(d.Mean, 'f', 0, 64), strconv.FormatFloat(d.Median, 'f', 0, 64)
				}
				rows = append(rows, []string{string(m.Measure), d.Group, itoa(d.Items), itoa(d.Measured), mean, median, d.NA()})
			}
		}
	case strings.HasPrefix(table, "patterns_"):
		ps, err := s.patterns(ctx, actor, p, []hikeshi.AnalysisPatternKind{hikeshi.AnalysisPatternKind(strings.TrimPrefix(table, "patterns_"))})
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, []string{"kind", "type", "value", "incidents", "alert_events", "first_seen", "last_seen", "seen_in"})
		for _, l := range ps.Kinds {
			for _, pt := range l.Patterns {
				nums := make([]string, len(pt.Refs))
				for i, r := range pt.Refs {
					nums[i] = r.Number
				}
				rows = append(rows, []string{string(pt.Kind), pt.Type, pt.Value, itoa(pt.Incidents), itoa(pt.Events),
					pt.FirstSeen.UTC().Format(time.RFC3339), pt.LastSeen.UTC().Format(time.RFC3339), strings.Join(nums, "; ")})
			}
			if l.Hidden > 0 {
				rows = append(rows, []string{string(l.Kind), "", "(not named: seen only in records you may not open)", itoa(l.Hidden), "", "", "", ""})
			}
		}
	case table == "months":
		t, err := s.Trends(ctx, actor, q)
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, []string{"month", "reports", "alert_events", "incidents"})
		for _, m := range t.Months {
			rows = append(rows, []string{m.Month, itoa(m.Reports), itoa(m.Alerts), itoa(m.Incidents)})
		}
	default: // <subject>_by_<dimension>, known to apply
		sub, dim, _ := strings.Cut(table, "_by_")
		tb, err := s.table(ctx, p, hikeshi.AnalysisSubject(sub), hikeshi.AnalysisDimension(dim))
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, []string{string(tb.Dimension), "label", "count"})
		for _, r := range tb.Rows {
			rows = append(rows, []string{r.Key, r.Label, itoa(r.Count)})
		}
	}
	return name, rows, nil
}

// WriteAnalysisCSV writes rows as CSV for spreadsheets: UTF-8 with a
// byte-order mark (so Excel in Japan reads it as UTF-8), CRLF line ends,
// and every cell that starts with =, +, -, @, tab or CR prefixed with a
// single quote so a spreadsheet does not run it as a formula.
func WriteAnalysisCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = noFormula(c)
		}
		if err := cw.Write(safe); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
