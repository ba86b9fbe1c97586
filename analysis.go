package hikeshi

import (
	"context"
	"slices"
	"time"
)

// Event analysis (IM-2, decision 0042): trends over reports, alerts and
// incidents, recurring patterns, and the mean times to acknowledge, contain
// and recover. Every figure covers one bounded period of calendar days
// (UTC): a report belongs to it when it arrived in it, an alert event when
// its first alert arrived in it, an incident when it was reported in it.
// Counts and durations are aggregated in SQL; only bounded lists come back.

// AnalysisSubject is what a trend counts.
type AnalysisSubject string

// The subjects.
const (
	AnalysisReports   AnalysisSubject = "reports"
	AnalysisAlerts    AnalysisSubject = "alerts" // alert events (groups of alerts decided together)
	AnalysisIncidents AnalysisSubject = "incidents"
)

// AnalysisSubjects lists the subjects in the order the pages show them.
var AnalysisSubjects = []AnalysisSubject{AnalysisReports, AnalysisAlerts, AnalysisIncidents}

// Valid reports whether s is a known subject.
func (s AnalysisSubject) Valid() bool { return slices.Contains(AnalysisSubjects, s) }

// AnalysisDimension is what a trend is counted by.
type AnalysisDimension string

// The dimensions.
const (
	ByMonth      AnalysisDimension = "month"      // calendar month (UTC), YYYY-MM
	ByCategory   AnalysisDimension = "category"   // RSIT key of incidents; triage category of reports
	BySource     AnalysisDimension = "source"     // report channel; alert sender; how an incident reached the CSIRT
	ByDepartment AnalysisDimension = "department" // departments with tasks (incidents); the reporter's department (reports)
	ByPriority   AnalysisDimension = "priority"   // priority 1–4 (0 = not classified); severity of alert events
)

// AnalysisDimensions lists every dimension.
var AnalysisDimensions = []AnalysisDimension{ByMonth, ByCategory, BySource, ByDepartment, ByPriority}

// Valid reports whether d is a known dimension.
func (d AnalysisDimension) Valid() bool { return slices.Contains(AnalysisDimensions, d) }

// Applies reports whether the subject has the dimension: alert events
// carry neither a category nor a department.
func (s AnalysisSubject) Applies(d AnalysisDimension) bool {
	if s == AnalysisAlerts {
		return d == ByMonth || d == BySource || d == ByPriority
	}
	return s.Valid() && d.Valid()
}

// The sources of reports (BySource) are "<source>:<channel>": employee or
// external, through the web form or by mail (e.g. "external:mail"). The
// source of an incident is the first way it reached the CSIRT: "alert" when
// it was promoted from an alert event; else its earliest report's source;
// else "direct" (opened by the CSIRT).
const (
	IncidentSourceAlert  = "alert"
	IncidentSourceDirect = "direct"
)

// AnalysisCount is one row of a trend: a key (a month, a category, a
// priority, an id …), its label where the key is an id, and a count.
type AnalysisCount struct {
	Key   string
	Label string
	Count int
}

// Period bounds.
const (
	AnalysisDefaultMonths = 12   // the default period: the last 12 calendar months, this one included
	AnalysisMaxDays       = 1096 // the longest period: three years
)

// AnalysisEarliest is the earliest date a period may start on.
var AnalysisEarliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// AnalysisPeriodOf parses a period of whole calendar days (UTC) given as
// YYYY-MM-DD, both ends included, into [from, to). An empty from is the
// first day of the month AnalysisDefaultMonths-1 months before now's; an
// empty to is today. An end after today is cut to today: records are never
// in the future. Errors name the field.
func AnalysisPeriodOf(fromS, toS string, now time.Time) (from, to time.Time, err error) {
	now = now.UTC()
	tomorrow := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	var v ValidationError
	parse := func(field, s string) (time.Time, bool) {
		t, err := time.Parse(DateLayout, s)
		if len(s) != len(DateLayout) || err != nil {
			v.Add(field, "invalid", field+" must be a date like 2026-01-31")
			return time.Time{}, false
		}
		return t, true
	}
	from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(AnalysisDefaultMonths - 1), 0)
	to = tomorrow
	okFrom, okTo := true, true
	if fromS != "" {
		from, okFrom = parse("from", fromS)
	}
	if toS != "" {
		var t time.Time
		if t, okTo = parse("to", toS); okTo {
			to = t.AddDate(0, 0, 1) // the end date is included
			if to.After(tomorrow) {
				to = tomorrow
			}
		}
	}
	if okFrom && (from.Before(AnalysisEarliest) || !from.Before(tomorrow)) {
		v.Add("from", "range", "from must be between 2000-01-01 and today")
		okFrom = false
	}
	if okFrom && okTo {
		switch {
		case !from.Before(to):
			v.Add("to", "order", "to must not be before from")
		case to.Sub(from) > AnalysisMaxDays*24*time.Hour:
			v.Add("to", "range", "the period may be at most three years")
		}
	}
	if err := v.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return from, to, nil
}

// AnalysisMonths lists every calendar month (UTC) that [from, to) touches,
// oldest first, as YYYY-MM.
func AnalysisMonths(from, to time.Time) []string {
	var out []string
	last := to.Add(-time.Nanosecond).UTC()
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(last); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// AnalysisMeasure is one of the mean times.
type AnalysisMeasure string

// The measures. Each is a duration from a start to an end that the
// workflow records (never typed in); an item counts when it started in the
// period and is measured once its end has happened. An end before its
// start counts as zero.
const (
	// reports: reported_at → the first of the CSIRT's first message to the
	// reporter and the first triage entry (a classification or decision).
	MeasureAckReport AnalysisMeasure = "ack_report"
	// alert events: first alert received → the CSIRT's decision (promoted or dismissed).
	MeasureAckAlert AnalysisMeasure = "ack_alert"
	// incidents: reported (its earliest report, else its creation) → triaged
	// (the triage decision that opened it, else entering initial response).
	MeasureAckIncident AnalysisMeasure = "ack_incident"
	// incidents: reported → contained (entered the recovery phase).
	MeasureContain AnalysisMeasure = "contain"
	// incidents: reported → recovered (entered recurrence prevention).
	MeasureRecover AnalysisMeasure = "recover"
)

// AnalysisMeasures lists the measures in the order the pages show them.
var AnalysisMeasures = []AnalysisMeasure{MeasureAckReport, MeasureAckAlert, MeasureAckIncident, MeasureContain, MeasureRecover}

// Valid reports whether m is a known measure.
func (m AnalysisMeasure) Valid() bool { return slices.Contains(AnalysisMeasures, m) }

// AnalysisAllGroups is the Group of the row that covers every group.
const AnalysisAllGroups = "*"

// AnalysisDurations are the figures of one measure for one group (a
// priority "0"–"4", a severity, or AnalysisAllGroups).
type AnalysisDurations struct {
	Group    string
	Items    int     // started in the period
	Measured int     // of them, with the end reached
	Mean     float64 // seconds; 0 when Measured is 0
	Median   float64 // seconds, nearest rank (the lower middle of an even count); 0 when Measured is 0
}

// AnalysisPatternKind is what recurs.
type AnalysisPatternKind string

// The kinds of recurring patterns.
const (
	PatternObservable AnalysisPatternKind = "observable" // the same observable in incidents and alert events
	PatternAsset      AnalysisPatternKind = "asset"      // the same affected asset (kind and identifier, else name, ignoring case)
	PatternCategory   AnalysisPatternKind = "category"   // the same incident category
)

// AnalysisPatternKinds lists the kinds.
var AnalysisPatternKinds = []AnalysisPatternKind{PatternObservable, PatternAsset, PatternCategory}

// Valid reports whether k is a known kind.
func (k AnalysisPatternKind) Valid() bool { return slices.Contains(AnalysisPatternKinds, k) }

// Limits of the recurring patterns.
const (
	AnalysisPatternLimit = 50 // rows per kind, most frequent first
	AnalysisRefLimit     = 10 // links per row, newest first
)

// AnalysisPatternFilter selects recurring patterns in [From, To) and what
// the viewer may be shown of them.
type AnalysisPatternFilter struct {
	Kind     AnalysisPatternKind
	From, To time.Time
	// SeeRestricted names TLP:RED and AMBER+STRICT incidents too; without
	// it only those of which ViewerID is a member are named.
	SeeRestricted bool
	SeeIncidents  bool // the viewer lists unrestricted incidents
	SeeAlerts     bool // the viewer opens alert events
	ViewerID      string
	Limit         int
}

// AnalysisRef is an incident or alert event a pattern was seen in.
type AnalysisRef struct {
	Event  bool // an alert event, else an incident
	ID     string
	Number string
	Title  string
	At     time.Time
}

// AnalysisPattern is one thing seen again in the period: at least twice
// across incidents and alert events. Type is the observable type or asset
// kind; Value the canonical observable, the asset's identifier (else name)
// or the category. Only patterns seen in at least one record the viewer
// may open are named; Refs hold only those records.
type AnalysisPattern struct {
	Kind      AnalysisPatternKind
	Type      string
	Value     string
	Incidents int // every incident, restricted ones included
	Events    int // alert events
	FirstSeen time.Time
	LastSeen  time.Time
	Refs      []AnalysisRef
}

// Seen is how often the pattern was seen.
func (p AnalysisPattern) Seen() int { return p.Incidents + p.Events }

// AnalysisReader is the read side of event analysis (it writes nothing).
// Every method reads one bounded period and aggregates in the query.
type AnalysisReader interface {
	// AnalysisCounts counts a subject in [from, to) by a dimension: months
	// oldest first, others most first. Departments of reports are the
	// reporter's ("" for reports without a signed-in reporter); departments
	// of incidents are those with tasks on them ("" for none).
	AnalysisCounts(ctx context.Context, s AnalysisSubject, d AnalysisDimension, from, to time.Time) ([]AnalysisCount, error)
	// AnalysisDurations computes one measure over the items started in
	// [from, to), by group, the AnalysisAllGroups row first.
	AnalysisDurations(ctx context.Context, m AnalysisMeasure, from, to time.Time) ([]AnalysisDurations, error)
	// AnalysisPatterns lists the named recurring patterns, most seen first,
	// at most f.Limit, with their refs; and counts the recurring patterns
	// that are not named to the viewer.
	AnalysisPatterns(ctx context.Context, f AnalysisPatternFilter) ([]AnalysisPattern, int, error)
}

// AnalysisOther is the key of the row that folds the departments with
// fewer than ReportingMinReports reports (k-anonymity of reporters).
const AnalysisOther = "other"

// Why a measure has no figure.
const (
	AnalysisNANoItems    = "no_items"    // nothing started in the period
	AnalysisNANotReached = "not_reached" // items started, none reached the end yet
)

// NA says why there is no figure ("" when there is one).
func (d AnalysisDurations) NA() string {
	switch {
	case d.Measured > 0:
		return ""
	case d.Items == 0:
		return AnalysisNANoItems
	}
	return AnalysisNANotReached
}
