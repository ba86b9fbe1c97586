package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"
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
	Messages    []reportMessageJSON    `json:"messages" doc:"The thread, oldest first."`
	Attachments []reportAttachmentJSON `json:"attachments" doc:"Files the reporter attached; the web UI offers them as downloads."`
}

// reportAttachmentJSON describes a file attached to a report; not its content.
type reportAttachmentJSON struct {
	SHA256    string    `json:"sha256" doc:"Hex SHA-256 of the content, which identifies the file."`
	Filename  string    `json:"filename" doc:"The name the reporter's client gave, sanitised (no directories, control or direction-override characters)."`
	Size      int64     `json:"size" doc:"Bytes."`
	MediaType string    `json:"media_type" doc:"Sniffed from the content when stored, never taken from the client."`
	CreatedAt time.Time `json:"created_at"`
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
	atts, err := h.svc.Reports.Attachments(c.ctx(), c.actor, r.ID)
	if err != nil {
		return err
	}
	out := reportDetailJSON{reportJSON: toReport(r), Messages: make([]reportMessageJSON, len(msgs)), Attachments: make([]reportAttachmentJSON, len(atts))}
	for i, m := range msgs {
		out.Messages[i] = toReportMessage(m)
	}
	for i, a := range atts {
		out.Attachments[i] = reportAttachmentJSON{SHA256: a.SHA256, Filename: a.Filename, Size: a.Size, MediaType: a.MediaType, CreatedAt: a.CreatedAt.UTC()}
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

// getReportAttachment streams one attachment of a report. It is never meant
// to be shown inline: attachment disposition, nosniff, and a type from the
// same allow-list as the web UI's.
func (h *Handler) getReportAttachment(c *call) error {
	rc, a, err := h.svc.Reports.OpenAttachment(c.ctx(), c.actor, c.r.PathValue("id"), c.r.PathValue("sha256"))
	if err != nil {
		return err
	}
	defer rc.Close()
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})
	if disp == "" {
		disp = "attachment"
	}
	hd := c.w.Header()
	hd.Set("Content-Type", hikeshi.DownloadType(a.MediaType))
	hd.Set("Content-Disposition", disp)
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	c.w.WriteHeader(http.StatusOK)
	// Once the status is sent an error can only cut the body short; the
	// client sees the length mismatch.
	io.Copy(c.w, rc)
	return nil
}
