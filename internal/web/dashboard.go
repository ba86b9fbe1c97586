package web

import (
	"errors"
	"html"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/chart"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
//
// /dashboard shows the numbers, each a link to the records behind it when
// the viewer's role may open them; /dashboard/incidents is the list behind
// an incident number (the incident list has no category, department,
// priority or period filters), named only as far as the viewer may see.

// registerDashboard mounts the area's pages.
func (h *Handler) registerDashboard(handle handleFunc) {
	handle("GET /dashboard", signedIn, h.dashboard)
	handle("GET /dashboard/incidents", signedIn, h.dashboardIncidents)
}

// dashboardView is the dashboard for one period.
type dashboardView struct {
	page
	D     service.DashboardData
	Days  []int
	Steps []hikeshi.LoopStep

	LoopChart, PriorityChart, TrendChart template.HTML
	CategoryChart, DepartmentChart       template.HTML
	ReportingChart                       template.HTML
	PDCAOverdue                          int
	ReportingRows                        []reportingRow
}

// reportingRow is one row of the reporting culture's table.
type reportingRow struct {
	Name string
	F    service.ReportingFigures
}

// Hours is a duration in hours, for the charts.
func hours(d time.Duration) float64 { return d.Hours() }

// DashDur formats a duration for a figure: minutes below an hour, hours
// below two days, else days; a dash when nothing was measured.
func (p *page) DashDur(s hikeshi.DurationStats, which string) string {
	if s.Count == 0 {
		return "—"
	}
	d := s.Median
	if which == "p90" {
		d = s.P90
	}
	switch {
	case d < time.Hour:
		return p.T("dashboard.dur.minutes", int(math.Round(d.Minutes())))
	case d < 48*time.Hour:
		return p.T("dashboard.dur.hours", chart.Format(math.Round(d.Hours()*10)/10))
	}
	return p.T("dashboard.dur.days", chart.Format(math.Round(d.Hours()/24*10)/10))
}

// DashPct is a share as a whole percentage.
func (p *page) DashPct(share float64) int { return service.Percent(share) }

// DashLink writes text as a link to href, or as plain text when href is "".
func (p *page) DashLink(text any, href string) template.HTML {
	var s string
	switch v := text.(type) {
	case string:
		s = v
	case int:
		s = strconv.Itoa(v)
	default:
		s = ""
	}
	if href == "" {
		return template.HTML(html.EscapeString(s))
	}
	return template.HTML(`<a href="` + html.EscapeString(href) + `">` + html.EscapeString(s) + `</a>`)
}

// DashStep is the localised name of a loop step.
func (p *page) DashStep(s hikeshi.LoopStep) string { return p.T("dashboard.step." + string(s)) }

// IncidentsHref links to the incidents behind a number: kv are query
// pairs (category, X, department, Y, priority, N, step, S). "" when the
// viewer's role does not list incidents.
func (v *dashboardView) IncidentsHref(kv ...string) string {
	if !v.D.CanListIncidents {
		return ""
	}
	q := url.Values{"days": {strconv.Itoa(v.D.Days)}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" && kv[i+1] != "0" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return "/dashboard/incidents?" + q.Encode()
}

// PriorityHref links to the incidents of one priority for which the step was measured.
func (v *dashboardView) PriorityHref(p hikeshi.Priority, s hikeshi.LoopStep) string {
	return v.IncidentsHref("priority", strconv.Itoa(int(p)), "step", string(s))
}

// DeptHref links to the incidents of one department ("" = without tasks).
func (v *dashboardView) DeptHref(id string) string {
	if id == "" {
		id = hikeshi.DashboardNoDepartment
	}
	return v.IncidentsHref("department", id)
}

// DueHref is the due list of clocks, for the roles that may open it.
func (v *dashboardView) DueHref() string {
	if !v.D.CanListDue {
		return ""
	}
	return "/due"
}

// ReportsHref is the list of reports, for the roles that read every report.
func (v *dashboardView) ReportsHref() string {
	if !v.D.CanListReports {
		return ""
	}
	return "/reports"
}

// DueItemHref is the page of a thing that falls due (as on /isms).
func (v *dashboardView) DueItemHref(it hikeshi.DueItem) string { return (&ismsView{}).DueHref(it) }

// DueWhen is when a thing falls due (as on /isms).
func (v *dashboardView) DueWhen(it hikeshi.DueItem) string {
	switch it.Kind {
	case hikeshi.DueAudit, hikeshi.DueAction, hikeshi.DueManagementReview:
		return it.Due.Format(hikeshi.DateLayout)
	}
	return v.Time(it.Due)
}

// DashDept is a department's name, or the label of incidents without tasks.
func (p *page) DashDept(id, name string) string {
	if id == "" {
		return p.T("dashboard.dept.none")
	}
	return name
}

// DashGroup names a reporting group.
func (p *page) DashGroup(f service.ReportingFigures) string {
	if f.NoDepartment {
		return p.T("dashboard.reporting.no_department")
	}
	return f.Name
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	status, days, alert := http.StatusOK, hikeshi.DashboardDefaultDays, ""
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !hikeshi.ValidDashboardDays(n) {
			status, alert = http.StatusUnprocessableEntity, "dashboard.bad_days"
		} else {
			days = n
		}
	}
	d, err := h.svc.Dashboard.Get(r.Context(), a, days)
	if err != nil {
		return err
	}
	v := &dashboardView{D: d, Days: hikeshi.DashboardDays, Steps: hikeshi.LoopSteps}
	v.Active = "dashboard"
	h.fill(r, &v.page)
	if alert != "" {
		v.Alert = v.T(alert)
	}
	for _, it := range d.ISMS.Due {
		if it.Overdue {
			v.PDCAOverdue++
		}
	}
	h.dashboardCharts(v)
	return h.render(w, r, status, "dashboard", v)
}

// dashboardCharts draws the charts; the page shows the same numbers in tables.
func (h *Handler) dashboardCharts(v *dashboardView) {
	d := v.D
	unit := v.T("dashboard.unit.hours")
	var stepNames []string
	for _, s := range v.Steps {
		stepNames = append(stepNames, v.DashStep(s))
	}
	med := chart.Series{Name: v.T("dashboard.median")}
	p90 := chart.Series{Name: v.T("dashboard.p90")}
	for _, s := range v.Steps {
		st := d.Loop.Step(s)
		med.Values = append(med.Values, hours(st.Median))
		p90.Values = append(p90.Values, hours(st.P90))
	}
	v.LoopChart = chart.Grouped(v.T("dashboard.chart.loop"), unit, stepNames, []chart.Series{med, p90})

	var prios []chart.Series
	for _, p := range d.Loop.ByPriority {
		s := chart.Series{Name: v.T("dashboard.priority", int(p.Priority))}
		for _, st := range v.Steps {
			s.Values = append(s.Values, hours(p.Step(st).Median))
		}
		prios = append(prios, s)
	}
	v.PriorityChart = chart.Grouped(v.T("dashboard.chart.priority"), unit, stepNames, prios)

	var months []string
	lines := make([]chart.Series, len(v.Steps))
	for i, s := range v.Steps {
		lines[i].Name = v.DashStep(s)
	}
	for _, m := range d.Loop.Months {
		months = append(months, m.Month)
		for i, s := range v.Steps {
			st := m.Step(s)
			val := math.NaN() // no point for a month without a measurement
			if st.Count > 0 {
				val = hours(st.Median)
			}
			lines[i].Values = append(lines[i].Values, val)
		}
	}
	v.TrendChart = chart.Lines(v.T("dashboard.chart.trend"), unit, months, lines)

	var cats []chart.Bar
	for _, c := range d.Categories {
		cats = append(cats, chart.Bar{Label: v.Category(c.Category), Value: float64(c.Count), Href: v.IncidentsHref("category", c.Category)})
	}
	v.CategoryChart = chart.HBars(v.T("dashboard.chart.categories"), "", cats)
	var depts []chart.Bar
	for _, c := range d.Departments {
		depts = append(depts, chart.Bar{Label: v.DashDept(c.DepartmentID, c.Name), Value: float64(c.Count), Href: v.DeptHref(c.DepartmentID)})
	}
	v.DepartmentChart = chart.HBars(v.T("dashboard.chart.departments"), "", depts)

	var groups []string
	emp := chart.Series{Name: v.T("dashboard.reporting.employee_share")}
	anon := chart.Series{Name: v.T("dashboard.reporting.anonymous_share")}
	ans := chart.Series{Name: v.T("dashboard.reporting.answered_share")}
	add := func(name string, f service.ReportingFigures) {
		v.ReportingRows = append(v.ReportingRows, reportingRow{Name: name, F: f})
		if !f.Shown {
			return
		}
		groups = append(groups, name)
		emp.Values = append(emp.Values, float64(service.Percent(f.EmployeeShare)))
		anon.Values = append(anon.Values, float64(service.Percent(f.AnonymousShare)))
		ans.Values = append(ans.Values, float64(service.Percent(f.AnsweredShare)))
	}
	add(v.T("dashboard.reporting.total"), d.Reporting.Total)
	for _, f := range d.Reporting.Departments {
		add(v.DashGroup(f), f)
	}
	if d.Reporting.Folded > 0 {
		add(v.T("dashboard.reporting.other"), d.Reporting.Other)
	}
	v.ReportingChart = chart.Grouped(v.T("dashboard.chart.reporting"), "%", groups, []chart.Series{emp, anon, ans})
}

// dashboardIncidentsView is the list of incidents behind a number.
type dashboardIncidentsView struct {
	page
	Incidents []hikeshi.Incident
	Q         service.DashboardIncidentQuery
	DeptName  string
	Full      bool // the list reached hikeshi.DashboardIncidentLimit
	BackURL   string
}

// StepLabel is the localised step of the query, or "".
func (v *dashboardIncidentsView) StepLabel() string {
	if v.Q.Step == "" {
		return ""
	}
	return v.DashStep(hikeshi.LoopStep(v.Q.Step))
}

func (h *Handler) dashboardIncidents(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	q := r.URL.Query()
	atoi := func(name string, def int) int {
		s := q.Get(name)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || len(s) > 4 {
			return -1 // refused by the service with the range
		}
		return n
	}
	dq := service.DashboardIncidentQuery{Days: atoi("days", hikeshi.DashboardDefaultDays), Category: q.Get("category"),
		DepartmentID: q.Get("department"), Priority: atoi("priority", 0), Step: q.Get("step"), Month: q.Get("month")}
	list, err := h.svc.Dashboard.Incidents(r.Context(), a, dq)
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return userError(http.StatusUnprocessableEntity, "dashboard.bad_query", err)
	}
	if err != nil {
		return err
	}
	v := &dashboardIncidentsView{Incidents: list, Q: dq, Full: len(list) >= hikeshi.DashboardIncidentLimit,
		BackURL: "/dashboard?" + url.Values{"days": {strconv.Itoa(dq.Days)}}.Encode()}
	v.Active = "dashboard"
	h.fill(r, &v.page)
	switch dq.DepartmentID {
	case "":
	case hikeshi.DashboardNoDepartment:
		v.DeptName = v.T("dashboard.dept.none")
	default:
		if dept, err := h.svc.Departments.Get(r.Context(), a, dq.DepartmentID); err == nil {
			v.DeptName = dept.Name
		} else {
			v.DeptName = dq.DepartmentID
		}
	}
	return h.render(w, r, http.StatusOK, "dashboard_incidents", v)
}
