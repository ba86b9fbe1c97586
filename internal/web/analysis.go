package web

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/chart"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of event analysis (IM-2, decision 0042): /analysis
// shows the trends, recurring patterns and mean times of a period in three
// sections, each table with a server-rendered chart beside it and a CSV
// download (/analysis/export/{table}). Who sees what is decided by the
// service: department members get a 404 and no navigation item.

// registerAnalysis mounts the event analysis pages (IM-2).
func (h *Handler) registerAnalysis(handle handleFunc) {
	handle("GET /analysis", signedIn, h.analysis)
	handle("GET /analysis/export/{table}", signedIn, h.analysisExport)
}

// analysisView is the analysis page.
type analysisView struct {
	page
	Q       service.AnalysisQuery // what was asked, as typed
	D       service.AnalysisData
	Failed  bool // the period was refused: only the form is shown
	Charts  map[string]template.HTML
	Subject []hikeshi.AnalysisSubject
}

// CSVHref is the download of one table for the period shown.
func (v *analysisView) CSVHref(table string) string {
	q := url.Values{"from": {v.D.Trends.Period.FromDate()}, "to": {v.D.Trends.Period.ToDate()}}
	return "/analysis/export/" + url.PathEscape(table) + "?" + q.Encode()
}

// Tables are the trends of one subject.
func (v *analysisView) Tables(s hikeshi.AnalysisSubject) []service.AnalysisTable {
	var out []service.AnalysisTable
	for _, t := range v.D.Trends.Tables {
		if t.Subject == s {
			out = append(out, t)
		}
	}
	return out
}

// Chart is the chart of a table.
func (v *analysisView) Chart(name string) template.HTML { return v.Charts[name] }

// AnaKey is the localised label of one row of a trend.
func (p *page) AnaKey(t service.AnalysisTable, c hikeshi.AnalysisCount) string {
	if c.Key == hikeshi.AnalysisOther && t.Folded > 0 {
		return p.T("analysis.row.other", t.Folded)
	}
	switch t.Dimension {
	case hikeshi.ByCategory:
		if c.Key == "" {
			return p.T("analysis.row.unclassified")
		}
		return p.Category(c.Key)
	case hikeshi.ByPriority:
		if t.Subject == hikeshi.AnalysisAlerts {
			return p.SeverityName(hikeshi.AlertSeverity(c.Key))
		}
		return p.AnaGroup(c.Key)
	case hikeshi.ByDepartment:
		switch {
		case c.Key == "" && t.Subject == hikeshi.AnalysisReports:
			return p.T("analysis.row.no_reporter_department")
		case c.Key == "":
			return p.T("analysis.row.no_tasks")
		}
		return c.Label
	case hikeshi.BySource:
		if t.Subject == hikeshi.AnalysisAlerts {
			if c.Key == "" {
				return p.T("analysis.row.no_sender")
			}
			return c.Label
		}
		src, ch, ok := strings.Cut(c.Key, ":")
		if !ok {
			return p.T("analysis.source." + src)
		}
		return p.T("analysis.source."+src) + " (" + p.T("analysis.channel."+ch) + ")"
	}
	return c.Key
}

// AnaGroup is the localised name of a priority group ("0"–"4") or a severity.
func (p *page) AnaGroup(g string) string {
	switch g {
	case hikeshi.AnalysisAllGroups:
		return p.T("analysis.times.all")
	case "0":
		return p.T("analysis.row.unclassified")
	case "1", "2", "3", "4":
		n, _ := strconv.Atoi(g)
		return p.T("analysis.priority", n)
	}
	return p.SeverityName(hikeshi.AlertSeverity(g))
}

// AnaDur formats seconds: minutes below an hour, hours below two days, else days.
func (p *page) AnaDur(secs float64) string {
	switch {
	case secs < 3600:
		return p.T("analysis.dur.minutes", int(math.Round(secs/60)))
	case secs < 48*3600:
		return p.T("analysis.dur.hours", chart.Format(math.Round(secs/3600*10)/10))
	}
	return p.T("analysis.dur.days", chart.Format(math.Round(secs/86400*10)/10))
}

// AnaNA is "n/a" with its reason.
func (p *page) AnaNA(d hikeshi.AnalysisDurations) string {
	return p.T("analysis.na." + d.NA())
}

// AnaRefHref is the page of a record a pattern was seen in.
func (p *page) AnaRefHref(r hikeshi.AnalysisRef) string {
	if r.Event {
		return "/alerts/events/" + url.PathEscape(r.ID)
	}
	return "/incidents/" + url.PathEscape(r.ID)
}

// AnaPatternType is the localised type of a pattern.
func (p *page) AnaPatternType(pt hikeshi.AnalysisPattern) string {
	switch pt.Kind {
	case hikeshi.PatternObservable:
		return p.ObservableType(hikeshi.ObservableType(pt.Type))
	case hikeshi.PatternAsset:
		return p.AssetKind(hikeshi.AssetKind(pt.Type))
	}
	return p.T("analysis.patterns.kind.category")
}

// AnaPatternValue is how a pattern's value is shown: observables defanged.
func (p *page) AnaPatternValue(pt hikeshi.AnalysisPattern) string {
	switch pt.Kind {
	case hikeshi.PatternObservable:
		return hikeshi.Defang(hikeshi.ObservableType(pt.Type), pt.Value)
	case hikeshi.PatternCategory:
		return p.Category(pt.Value)
	}
	return pt.Value
}

func (h *Handler) analysis(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	if !service.CanReadAnalysis(a) {
		return errNotFoundPage
	}
	q := r.URL.Query()
	v := &analysisView{Q: service.AnalysisQuery{From: q.Get("from"), To: q.Get("to")}, Subject: hikeshi.AnalysisSubjects,
		Charts: map[string]template.HTML{}}
	v.Active = "analysis"
	h.fill(r, &v.page)
	v.Title = v.T("analysis.title")
	d, err := h.svc.Analysis.Get(r.Context(), a, v.Q)
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		v.Failed, v.Errors, v.Alert = true, map[string]string{}, v.T("analysis.bad_period")
		for _, f := range ve.Fields {
			if _, dup := v.Errors[f.Field]; !dup {
				v.Errors[f.Field] = v.T("analysis.error." + f.Field + "." + f.Code)
			}
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "analysis_page", v)
	}
	if err != nil {
		return err
	}
	v.D = d
	if v.Q.From == "" {
		v.Q.From = d.Trends.Period.FromDate()
	}
	if v.Q.To == "" {
		v.Q.To = d.Trends.Period.ToDate()
	}
	h.analysisCharts(v)
	return h.render(w, r, http.StatusOK, "analysis_page", v)
}

// analysisCharts draws the charts; the page shows the same numbers in tables.
func (h *Handler) analysisCharts(v *analysisView) {
	t := v.D.Trends
	var months []string
	series := []chart.Series{{Name: v.T("analysis.subject.reports")}, {Name: v.T("analysis.subject.alerts")}, {Name: v.T("analysis.subject.incidents")}}
	var desc []string
	for _, m := range t.Months {
		months = append(months, m.Month)
		series[0].Values = append(series[0].Values, float64(m.Reports))
		series[1].Values = append(series[1].Values, float64(m.Alerts))
		series[2].Values = append(series[2].Values, float64(m.Incidents))
		desc = append(desc, v.T("analysis.chart.month_desc", m.Month, m.Reports, m.Alerts, m.Incidents))
	}
	v.Charts["months"] = chart.AnalysisDescribe(chart.Lines(v.T("analysis.chart.months"), "", months, series), "ana-desc-months",
		strings.Join(desc, "; "))
	for _, tb := range t.Tables {
		var bars []chart.Bar
		var parts []string
		for _, c := range tb.Rows {
			label := v.AnaKey(tb, c)
			bars = append(bars, chart.Bar{Label: label, Value: float64(c.Count)})
			parts = append(parts, fmt.Sprintf("%s: %d", label, c.Count))
		}
		title := v.T("analysis.table."+tb.Name) + " (" + v.T("analysis.period_short", t.Period.FromDate(), t.Period.ToDate()) + ")"
		d := strings.Join(parts, "; ")
		if d == "" {
			d = v.T("analysis.none")
		}
		v.Charts[tb.Name] = chart.AnalysisDescribe(chart.HBars(title, "", bars), "ana-desc-"+tb.Name, d)
	}
	var names []string
	mean := chart.Series{Name: v.T("analysis.times.mean")}
	median := chart.Series{Name: v.T("analysis.times.median")}
	var parts []string
	for _, m := range v.D.Times.Measures {
		name := v.T("analysis.measure." + string(m.Measure))
		names = append(names, name)
		mean.Values = append(mean.Values, m.All.Mean/3600)
		median.Values = append(median.Values, m.All.Median/3600)
		if m.All.Measured > 0 {
			parts = append(parts, v.T("analysis.chart.times_desc", name, v.AnaDur(m.All.Mean), v.AnaDur(m.All.Median), m.All.Measured))
		} else {
			parts = append(parts, name+": "+v.AnaNA(m.All))
		}
	}
	v.Charts["times"] = chart.AnalysisDescribe(chart.Grouped(v.T("analysis.chart.times"), v.T("analysis.unit.hours"), names,
		[]chart.Series{mean, median}), "ana-desc-times", strings.Join(parts, "; "))
}

func (h *Handler) analysisExport(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	name, rows, err := h.svc.Analysis.CSV(r.Context(), a, service.AnalysisQuery{From: q.Get("from"), To: q.Get("to")}, r.PathValue("table"))
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return userError(http.StatusUnprocessableEntity, "analysis.bad_period", err)
	}
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	return service.WriteAnalysisCSV(w, rows)
}

// TimeRows are a measure's rows: every group first, then each group.
func (v *analysisView) TimeRows(m service.AnalysisMeasureFigures) []hikeshi.AnalysisDurations {
	return append([]hikeshi.AnalysisDurations{m.All}, m.Groups...)
}
