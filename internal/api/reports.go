package api

import (
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
)

// reportJSON is a report from a person. It never carries the follow-up code
// or its hash, nor the form's submission token.
type reportJSON struct {
	ID           string     `json:"id" format:"uuid"`
	Number       string     `json:"number" doc:"Human number, e.g. RPT-2026-0001."`
	Source       string     `json:"source" enum:"report_source"`
	Status       string     `json:"status" enum:"report_status"`
	Description  string     `json:"description" doc:"What happened, in the reporter's words (plain text; never HTML)."`
	NoticedAt    *time.Time `json:"noticed_at" doc:"When the reporter noticed it, as they say; null when not given."`
	ReportedAt   time.Time  `json:"reported_at" doc:"When the report arrived, set by the system."`
	Anonymous    bool       `json:"anonymous" doc:"True when the reporter chose anonymity: nothing identifying is kept."`
	ReporterID   *string    `json:"reporter_id" format:"uuid" doc:"The signed-in reporter; null when anonymous or not signed in."`
	Contact      *string    `json:"contact" doc:"How to reach the reporter, free text; null when not given."`
	ContactEmail *string    `json:"contact_email" format:"email" doc:"Null when not given."`
	Organisation *string    `json:"organisation" doc:"An external reporter's organisation; null when not given."`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func toReport(r hikeshi.Report) reportJSON {
	return reportJSON{ID: r.ID, Number: r.Number, Source: string(r.Source), Status: string(r.Status), Description: r.Description,
		NoticedAt: timePtr(r.NoticedAt), ReportedAt: r.ReportedAt.UTC(), Anonymous: r.Anonymous, ReporterID: strPtr(r.ReporterUserID),
		Contact: strPtr(r.Contact), ContactEmail: strPtr(r.ContactEmail), Organisation: strPtr(r.Organisation),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// reportDetailJSON is a report with its thread.
type reportDetailJSON struct {
	reportJSON
	Messages []reportMessageJSON `json:"messages" doc:"The thread, oldest first."`
}

// reportMessageJSON is one message of a report's thread.
type reportMessageJSON struct {
	ID        string    `json:"id" format:"uuid"`
	Author    string    `json:"author" enum:"message_author"`
	AuthorID  *string   `json:"author_id" format:"uuid" doc:"The signed-in author; null for a reporter using the follow-up code."`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func toReportMessage(m hikeshi.ReportMessage) reportMessageJSON {
	return reportMessageJSON{ID: m.ID, Author: string(m.Author), AuthorID: strPtr(m.AuthorUserID), Body: m.Body, CreatedAt: m.CreatedAt.UTC()}
}

// reportMessageCreateJSON answers a reporter.
type reportMessageCreateJSON struct {
	Body string `json:"body" doc:"Plain text, at most 10000 characters."`
}

func (h *Handler) listReports(c *call) error {
	p, err := c.page("reports", validID)
	if err != nil {
		return err
	}
	status := hikeshi.ReportStatus(c.param("status"))
	if status != "" && !status.Valid() {
		return fieldError("status", "unknown", "status must be one of new, in_triage, closed.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Report, error) {
		return h.svc.Reports.List(c.ctx(), c.actor, hikeshi.ReportFilter{Status: status, Page: hikeshi.Page{After: after, Limit: n}})
	}, func(r hikeshi.Report) string { return r.ID })
	if err != nil {
		return err
	}
	out := make([]reportJSON, len(items))
	for i, r := range items {
		out[i] = toReport(r)
	}
	return writePage(c, "reports", out, next)
}

func (h *Handler) getReport(c *call) error {
	r, msgs, err := h.svc.Reports.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := reportDetailJSON{reportJSON: toReport(r), Messages: make([]reportMessageJSON, len(msgs))}
	for i, m := range msgs {
		out.Messages[i] = toReportMessage(m)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) createReportMessage(c *call) error {
	var in reportMessageCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	m, err := h.svc.Reports.AddMessage(c.ctx(), c.actor, id, in.Body)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/reports/"+id, toReportMessage(m))
}
