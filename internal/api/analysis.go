package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["analysis_subject"] = stringsOf(hikeshi.AnalysisSubjects)
	enums["analysis_dimension"] = stringsOf(hikeshi.AnalysisDimensions)
	enums["analysis_measure"] = stringsOf(hikeshi.AnalysisMeasures)
	enums["analysis_pattern_kind"] = stringsOf(hikeshi.AnalysisPatternKinds)
	enums["analysis_na"] = []string{"", hikeshi.AnalysisNANoItems, hikeshi.AnalysisNANotReached}
}

// analysisPeriodParams are the query parameters of every analysis operation.
var analysisPeriodParams = []param{
	{name: "from", typ: "string", doc: "The first day of the period, YYYY-MM-DD (UTC); default the first day of the month 11 months ago. " +
		"Not a date, before 2000-01-01 or after today is a 422 naming from."},
	{name: "to", typ: "string", doc: "The last day of the period (included), YYYY-MM-DD (UTC); default today; later days are cut to today. " +
		"Not a date, before from, or a period longer than three years is a 422 naming to."},
}

// analysisRoutes are the operations of event analysis (IM-2).
func (h *Handler) analysisRoutes() []route {
	const vis = " Admins, the CSIRT, auditors and managers read it; anyone else gets 403 here and 404 for a table (the analysis does not exist for them). Restricted incidents " +
		"(TLP:RED, AMBER+STRICT) are counted like any other but named only to the CSIRT and their members."
	return []route{
		{method: get, path: "/analysis/trends", op: "getAnalysisTrends", tag: "analysis", summary: "Reports, alert events and incidents counted by month, category, source, department and priority",
			doc: "Reports count by when they arrived, alert events by their first alert, incidents by when they were reported. " +
				"Sources: reports employee|external:web|mail; alert events the sender's id (label: its name; an event counts once per sender); " +
				"incidents alert, the earliest report's source, or direct. Departments: the reporter's (reports; groups with fewer than 3 " +
				"reports are folded into key other) or those with tasks (incidents; an incident counts once per department, key \"\" for none). " +
				"Alert events have no category or department." + vis,
			params: analysisPeriodParams, status: http.StatusOK, resp: analysisTrendsJSON{}, handle: h.getAnalysisTrends},
		{method: get, path: "/analysis/patterns", op: "getAnalysisPatterns", tag: "analysis", summary: "Observables, assets and categories seen again in the period",
			doc: "A pattern is seen in at least two records (incidents and alert events); at most 50 per kind, most seen first, each with up to " +
				"10 links to the newest records the caller may open. A pattern seen only in records the caller may not open is counted in hidden, never named." + vis,
			params: analysisPeriodParams, status: http.StatusOK, resp: analysisPatternsJSON{}, handle: h.getAnalysisPatterns},
		{method: get, path: "/analysis/times", op: "getAnalysisTimes", tag: "analysis", summary: "Mean and median times to acknowledge, contain and recover, by priority",
			doc: "Seconds. ack_report: a report's arrival → the first of the CSIRT's first message and its first triage entry; ack_alert: an alert " +
				"event's first alert → the CSIRT's decision; ack_incident: reported → triaged; contain: reported → contained (recovery phase entered); " +
				"recover: reported → recovered (recurrence prevention entered). Medians use the nearest rank. Without a measurement, not_available " +
				"says why (no_items, not_reached) and mean and median are null." + vis,
			params: analysisPeriodParams, status: http.StatusOK, resp: analysisTimesJSON{}, handle: h.getAnalysisTimes},
		{method: get, path: "/analysis/export/{table}", op: "getAnalysisCSV", tag: "analysis", summary: "One analysis table as CSV",
			doc: "A CSV file sent as application/octet-stream (a download): UTF-8 with a byte-order mark (for Excel), CRLF line ends; " +
				"a cell that would start a formula (=, +, -, @, tab, CR) is prefixed with a single quote. table is months, " +
				"<subject>_by_<dimension> (e.g. incidents_by_category), patterns_observable, patterns_asset, patterns_category or times; others are 404." + vis,
			params: analysisPeriodParams, status: http.StatusOK, binary: true, handle: h.getAnalysisCSV},
	}
}

type analysisPeriodJSON struct {
	From time.Time `json:"from" doc:"The period's start (inclusive)."`
	To   time.Time `json:"to" doc:"The period's end (exclusive)."`
}

type analysisCountJSON struct {
	Key   string `json:"key" doc:"A month YYYY-MM, a category, a source, a department or sender id, a priority or severity."`
	Label string `json:"label,omitempty" doc:"The name of a department or sender."`
	Count int    `json:"count"`
}

type analysisMonthJSON struct {
	Month       string `json:"month"`
	Reports     int    `json:"reports"`
	AlertEvents int    `json:"alert_events"`
	Incidents   int    `json:"incidents"`
}

type analysisTableJSON struct {
	Name      string              `json:"name"`
	Subject   string              `json:"subject" enum:"analysis_subject"`
	Dimension string              `json:"dimension" enum:"analysis_dimension"`
	Total     int                 `json:"total" doc:"0 for incidents by department, where an incident counts once per department."`
	Folded    int                 `json:"folded" doc:"Groups folded into key other."`
	Rows      []analysisCountJSON `json:"rows"`
}

type analysisTrendsJSON struct {
	Period analysisPeriodJSON  `json:"period"`
	Months []analysisMonthJSON `json:"months"`
	Tables []analysisTableJSON `json:"tables"`
}

// analysisErr answers a role without the analysis with 403 on the routes
// without a path parameter, as the alert queue's collections do: the
// service says ErrNotFound, which the OpenAPI document keeps for routes
// naming a resource.
func analysisErr(err error) error {
	if errors.Is(err, hikeshi.ErrNotFound) {
		return fmt.Errorf("only admins, the CSIRT, auditors and managers read the analysis: %w", hikeshi.ErrForbidden)
	}
	return err
}

func (h *Handler) analysisQuery(c *call) service.AnalysisQuery {
	return service.AnalysisQuery{From: c.param("from"), To: c.param("to")}
}

func toAnalysisPeriod(p service.AnalysisPeriod) analysisPeriodJSON {
	return analysisPeriodJSON{From: p.From.UTC(), To: p.To.UTC()}
}

func (h *Handler) getAnalysisTrends(c *call) error {
	t, err := h.svc.Analysis.Trends(c.ctx(), c.actor, h.analysisQuery(c))
	if err != nil {
		return analysisErr(err)
	}
	out := analysisTrendsJSON{Period: toAnalysisPeriod(t.Period), Months: []analysisMonthJSON{}, Tables: []analysisTableJSON{}}
	for _, m := range t.Months {
		out.Months = append(out.Months, analysisMonthJSON{Month: m.Month, Reports: m.Reports, AlertEvents: m.Alerts, Incidents: m.Incidents})
	}
	for _, tb := range t.Tables {
		j := analysisTableJSON{Name: tb.Name, Subject: string(tb.Subject), Dimension: string(tb.Dimension), Total: tb.Total,
			Folded: tb.Folded, Rows: []analysisCountJSON{}}
		for _, r := range tb.Rows {
			j.Rows = append(j.Rows, analysisCountJSON{Key: r.Key, Label: r.Label, Count: r.Count})
		}
		out.Tables = append(out.Tables, j)
	}
	return c.json(http.StatusOK, out)
}

type analysisRefJSON struct {
	Kind   string    `json:"kind" doc:"incident or alert_event."`
	ID     string    `json:"id"`
	Number string    `json:"number"`
	Title  string    `json:"title"`
	At     time.Time `json:"at" doc:"When the incident was reported or the event's first alert arrived."`
}

type analysisPatternJSON struct {
	Type        string            `json:"type" doc:"The observable type or asset kind; empty for categories."`
	Value       string            `json:"value"`
	Incidents   int               `json:"incidents" doc:"Every incident, restricted ones included."`
	AlertEvents int               `json:"alert_events"`
	FirstSeen   time.Time         `json:"first_seen"`
	LastSeen    time.Time         `json:"last_seen"`
	SeenIn      []analysisRefJSON `json:"seen_in" doc:"The newest records the caller may open, at most 10."`
}

type analysisPatternListJSON struct {
	Kind     string                `json:"kind" enum:"analysis_pattern_kind"`
	Hidden   int                   `json:"hidden" doc:"Recurring, but seen only in records the caller may not open."`
	Patterns []analysisPatternJSON `json:"patterns"`
}

type analysisPatternsJSON struct {
	Period analysisPeriodJSON        `json:"period"`
	Kinds  []analysisPatternListJSON `json:"kinds"`
}

func (h *Handler) getAnalysisPatterns(c *call) error {
	ps, err := h.svc.Analysis.Patterns(c.ctx(), c.actor, h.analysisQuery(c))
	if err != nil {
		return analysisErr(err)
	}
	out := analysisPatternsJSON{Period: toAnalysisPeriod(ps.Period), Kinds: []analysisPatternListJSON{}}
	for _, l := range ps.Kinds {
		j := analysisPatternListJSON{Kind: string(l.Kind), Hidden: l.Hidden, Patterns: []analysisPatternJSON{}}
		for _, p := range l.Patterns {
			pj := analysisPatternJSON{Type: p.Type, Value: p.Value, Incidents: p.Incidents, AlertEvents: p.Events,
				FirstSeen: p.FirstSeen.UTC(), LastSeen: p.LastSeen.UTC(), SeenIn: []analysisRefJSON{}}
			for _, r := range p.Refs {
				kind := "incident"
				if r.Event {
					kind = "alert_event"
				}
				pj.SeenIn = append(pj.SeenIn, analysisRefJSON{Kind: kind, ID: r.ID, Number: r.Number, Title: r.Title, At: r.At.UTC()})
			}
			j.Patterns = append(j.Patterns, pj)
		}
		out.Kinds = append(out.Kinds, j)
	}
	return c.json(http.StatusOK, out)
}

type analysisDurationsJSON struct {
	Group         string   `json:"group" doc:"* for every group; a priority 1-4 (0 = reports not classified) or an alert severity."`
	Items         int      `json:"items" doc:"Started in the period."`
	Measured      int      `json:"measured" doc:"Of them, with the end reached."`
	MeanSeconds   *float64 `json:"mean_seconds"`
	MedianSeconds *float64 `json:"median_seconds"`
	NotAvailable  string   `json:"not_available" enum:"analysis_na" doc:"Why there is no figure: no_items or not_reached; empty when there is one."`
}

type analysisMeasureJSON struct {
	Measure string                  `json:"measure" enum:"analysis_measure"`
	All     analysisDurationsJSON   `json:"all"`
	Groups  []analysisDurationsJSON `json:"groups"`
}

type analysisTimesJSON struct {
	Period   analysisPeriodJSON    `json:"period"`
	Measures []analysisMeasureJSON `json:"measures"`
}

func toAnalysisDurations(d hikeshi.AnalysisDurations) analysisDurationsJSON {
	j := analysisDurationsJSON{Group: d.Group, Items: d.Items, Measured: d.Measured, NotAvailable: d.NA()}
	if d.Measured > 0 {
		mean, median := d.Mean, d.Median
		j.MeanSeconds, j.MedianSeconds = &mean, &median
	}
	return j
}

func (h *Handler) getAnalysisTimes(c *call) error {
	t, err := h.svc.Analysis.Times(c.ctx(), c.actor, h.analysisQuery(c))
	if err != nil {
		return analysisErr(err)
	}
	out := analysisTimesJSON{Period: toAnalysisPeriod(t.Period), Measures: []analysisMeasureJSON{}}
	for _, m := range t.Measures {
		j := analysisMeasureJSON{Measure: string(m.Measure), All: toAnalysisDurations(m.All), Groups: []analysisDurationsJSON{}}
		for _, g := range m.Groups {
			j.Groups = append(j.Groups, toAnalysisDurations(g))
		}
		out.Measures = append(out.Measures, j)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getAnalysisCSV(c *call) error {
	name, rows, err := h.svc.Analysis.CSV(c.ctx(), c.actor, h.analysisQuery(c), c.r.PathValue("table"))
	if err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "application/octet-stream") // the OpenAPI document declares binary files so (decision 0024)
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	c.w.WriteHeader(http.StatusOK)
	return service.WriteAnalysisCSV(c.w, rows)
}
