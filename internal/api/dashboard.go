package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["loop_step"] = stringsOf(hikeshi.LoopSteps)
	enums["clock_kind_regulatory"] = func() []string {
		var out []string
		for _, k := range hikeshi.ClockKinds {
			if k.Regulatory() {
				out = append(out, string(k))
			}
		}
		return out
	}()
}

// dashboardRoutes are the operations of IN-5 and IN-6: the two loops on one screen, and the reporting culture.
func (h *Handler) dashboardRoutes() []route {
	return []route{
		{method: get, path: "/dashboard", op: "getDashboard", tag: "dashboard", summary: "The two loops on one screen, and the reporting culture",
			doc: "Every signed-in role reads it: counts and durations only, no titles of incidents and no names of reporters. " +
				"Restricted incidents (TLP:RED, AMBER+STRICT) are counted like any other. Durations are in seconds; median and p90 " +
				"use the nearest-rank method. A department's reporting figures are given only from 3 reports in the period " +
				"(smaller ones are folded into other).",
			params: []param{{name: "days", typ: "integer", doc: "The period ending now: 30, 90 (the default) or 365 days. Anything else is a 422 naming the range (field days, code range)."}},
			status: http.StatusOK, resp: dashboardJSON{}, handle: h.getDashboard},
	}
}

type durationStatsJSON struct {
	Count         int   `json:"count"`
	MedianSeconds int64 `json:"median_seconds" doc:"0 when count is 0."`
	P90Seconds    int64 `json:"p90_seconds" doc:"0 when count is 0."`
}

func toStats(s hikeshi.DurationStats) durationStatsJSON {
	return durationStatsJSON{Count: s.Count, MedianSeconds: int64(s.Median / time.Second), P90Seconds: int64(s.P90 / time.Second)}
}

type stepStatsJSON struct {
	Step string `json:"step" enum:"loop_step" doc:"triage: reported → triaged; first_response: triaged → first response; contain: first response → contained; recover: contained → recovered; loop: reported → contained."`
	durationStatsJSON
}

func toSteps(ss []service.StepStats) []stepStatsJSON {
	out := make([]stepStatsJSON, len(ss))
	for i, s := range ss {
		out[i] = stepStatsJSON{Step: string(s.Step), durationStatsJSON: toStats(s.DurationStats)}
	}
	return out
}

type priorityStatsJSON struct {
	Priority  int             `json:"priority"`
	Incidents int             `json:"incidents"`
	Steps     []stepStatsJSON `json:"steps"`
}

type monthStatsJSON struct {
	Month     string          `json:"month" doc:"The calendar month (UTC) the incidents were reported in, YYYY-MM."`
	Incidents int             `json:"incidents"`
	Steps     []stepStatsJSON `json:"steps"`
}

type loopJSON struct {
	Incidents  int                 `json:"incidents" doc:"Incidents reported in the period."`
	Overall    []stepStatsJSON     `json:"overall"`
	ByPriority []priorityStatsJSON `json:"by_priority"`
	Months     []monthStatsJSON    `json:"months"`
}

type pdcaJSON struct {
	DocumentReviewsDue     int `json:"document_reviews_due"`
	DocumentReviewsOverdue int `json:"document_reviews_overdue"`
	RiskReviewsOverdue     int `json:"risk_reviews_overdue"`
	TreatmentsOverdue      int `json:"treatments_overdue"`
	MeasuresPlanned        int `json:"measures_planned"`
	MeasuresImplemented    int `json:"measures_implemented"`
	AuditsOverdue          int `json:"audits_overdue"`
	Nonconformities        int `json:"nonconformities"`
	ActionsOpen            int `json:"actions_open"`
	ActionsOverdue         int `json:"actions_overdue"`
	LessonsWithoutAction   int `json:"lessons_without_action"`
	DueItems               int `json:"due_items" doc:"Items due within 30 days or overdue (at most 25; see the ISMS overview)."`
	OverdueItems           int `json:"overdue_items"`
}

type clockCountJSON struct {
	Kind    string    `json:"kind" enum:"clock_kind_regulatory"`
	Open    int       `json:"open"`
	Overdue int       `json:"overdue"`
	NextDue time.Time `json:"next_due"`
}

type categoryCountJSON struct {
	Category string `json:"category" doc:"An RSIT class or type key."`
	Count    int    `json:"count"`
}

type departmentCountJSON struct {
	DepartmentID *string `json:"department_id" format:"uuid" doc:"Null for the incidents no department has a task on."`
	Name         string  `json:"name"`
	Count        int     `json:"count" doc:"Incidents with at least one task for the department; an incident counts for each of its departments."`
}

type reportingFiguresJSON struct {
	DepartmentID   *string           `json:"department_id" format:"uuid" doc:"Null for the total, for other, and for reports without a signed-in reporter."`
	Name           string            `json:"name"`
	NoDepartment   bool              `json:"no_department" doc:"Reports without a signed-in reporter: anonymous ones and those filed without an account."`
	Shown          bool              `json:"shown" doc:"False when the group has fewer than 3 reports: its figures are then withheld (all zero but reports)."`
	Reports        int               `json:"reports"`
	Employee       int               `json:"employee"`
	Anonymous      int               `json:"anonymous"`
	Answered       int               `json:"answered" doc:"Reports with at least one message from the CSIRT."`
	NoticeToReport durationStatsJSON `json:"noticed_to_reported"`
	ReportToAnswer durationStatsJSON `json:"reported_to_answered"`
}

func toFigures(f service.ReportingFigures) reportingFiguresJSON {
	out := reportingFiguresJSON{DepartmentID: strPtr(f.DepartmentID), Name: f.Name, NoDepartment: f.NoDepartment, Shown: f.Shown, Reports: f.Reports}
	if f.Shown {
		out.Employee, out.Anonymous, out.Answered = f.Employee, f.Anonymous, f.Answered
		out.NoticeToReport, out.ReportToAnswer = toStats(f.NoticeToReport), toStats(f.ReportToAnswer)
	}
	return out
}

type reportingJSON struct {
	Total       reportingFiguresJSON   `json:"total"`
	Departments []reportingFiguresJSON `json:"departments"`
	Other       reportingFiguresJSON   `json:"other" doc:"The groups with fewer than 3 reports, together; withheld when they hold fewer than 3 in all."`
	Folded      int                    `json:"folded" doc:"How many groups were folded into other."`
}

// dashboardJSON is the dashboard for one period.
type dashboardJSON struct {
	Days        int                   `json:"days"`
	From        time.Time             `json:"from"`
	To          time.Time             `json:"to"`
	Loop        loopJSON              `json:"loop"`
	PDCA        pdcaJSON              `json:"pdca"`
	LeadTime    durationStatsJSON     `json:"improvement_lead_time" doc:"Incident closed → improvement action closed as effective, for the actions closed in the period."`
	Clocks      []clockCountJSON      `json:"regulatory_clocks" doc:"Running regulatory clocks by kind, now; kinds with overdue clocks first."`
	Categories  []categoryCountJSON   `json:"categories"`
	Departments []departmentCountJSON `json:"departments"`
	Reporting   reportingJSON         `json:"reporting"`
}

func (h *Handler) getDashboard(c *call) error {
	days := hikeshi.DashboardDefaultDays
	if s := c.param("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1 // not a whole number: refused by the service like any value outside the range
		}
		days = n // the service refuses a bad value with a 422 naming the range, as the page does
	}
	d, err := h.svc.Dashboard.Get(c.ctx(), c.actor, days)
	if err != nil {
		return err
	}
	out := dashboardJSON{Days: d.Days, From: d.From.UTC(), To: d.To.UTC(), LeadTime: toStats(d.LeadTime),
		Clocks: []clockCountJSON{}, Categories: []categoryCountJSON{}, Departments: []departmentCountJSON{}}
	out.Loop = loopJSON{Incidents: d.Loop.Incidents, Overall: toSteps(d.Loop.Overall), ByPriority: []priorityStatsJSON{}, Months: []monthStatsJSON{}}
	for _, p := range d.Loop.ByPriority {
		out.Loop.ByPriority = append(out.Loop.ByPriority, priorityStatsJSON{Priority: int(p.Priority), Incidents: p.Incidents, Steps: toSteps(p.Steps)})
	}
	for _, m := range d.Loop.Months {
		out.Loop.Months = append(out.Loop.Months, monthStatsJSON{Month: m.Month, Incidents: m.Incidents, Steps: toSteps(m.Steps)})
	}
	o := d.ISMS
	out.PDCA = pdcaJSON{DocumentReviewsDue: o.DocumentReviewsDue, DocumentReviewsOverdue: o.DocumentReviewsOverdue,
		RiskReviewsOverdue: o.RiskReviewsOverdue, TreatmentsOverdue: o.TreatmentsOverdue, MeasuresPlanned: o.MeasuresPlanned,
		MeasuresImplemented: o.MeasuresImplemented, AuditsOverdue: o.AuditsOverdue, Nonconformities: o.Nonconformities,
		ActionsOpen: o.ActionsOpen, ActionsOverdue: o.ActionsOverdue, LessonsWithoutAction: o.LessonsWithoutAction, DueItems: len(o.Due)}
	for _, it := range o.Due {
		if it.Overdue {
			out.PDCA.OverdueItems++
		}
	}
	for _, k := range d.Clocks {
		out.Clocks = append(out.Clocks, clockCountJSON{Kind: string(k.Kind), Open: k.Open, Overdue: k.Overdue, NextDue: k.NextDue.UTC()})
	}
	for _, k := range d.Categories {
		out.Categories = append(out.Categories, categoryCountJSON{Category: k.Category, Count: k.Count})
	}
	for _, k := range d.Departments {
		out.Departments = append(out.Departments, departmentCountJSON{DepartmentID: strPtr(k.DepartmentID), Name: k.Name, Count: k.Count})
	}
	out.Reporting = reportingJSON{Total: toFigures(d.Reporting.Total), Departments: []reportingFiguresJSON{},
		Other: toFigures(d.Reporting.Other), Folded: d.Reporting.Folded}
	for _, f := range d.Reporting.Departments {
		out.Reporting.Departments = append(out.Reporting.Departments, toFigures(f))
	}
	return c.json(http.StatusOK, out)
}
