package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/reportpdf"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["report_kind"] = stringsOf(hikeshi.ReportKinds)
	enums["report_lang"] = stringsOf(hikeshi.ReportLanguages)
	enums["audience"] = stringsOf(hikeshi.Audiences)
	enums["comm_channel"] = stringsOf(hikeshi.CommChannels)
}

// reportingRoutes are the operations of reporting and disclosure (IH-7).
func (h *Handler) reportingRoutes() []route {
	return []route{
		{method: get, path: "/incidents/{id}/reporting", op: "getIncidentReporting", tag: "reporting", summary: "The documents an incident offers and the clocks a message may satisfy",
			doc:    "The internal report for everyone who sees the incident; the regulator drafts whose clock applies and the public statement for the CSIRT and admins.",
			status: http.StatusOK, resp: incidentReportingJSON{}, handle: h.getIncidentReporting},
		{method: get, path: "/incidents/{id}/reports/{kind}/{lang}", op: "getReportDocument", tag: "reporting", summary: "Generate a document of an incident as Markdown",
			doc:    "kind is a report kind; lang is ja or en. A saved draft is returned as saved; otherwise the organisation's template (or the default) is executed. Times are in UTC.",
			params: []param{{name: "tz", typ: "string", doc: "An IANA time zone for the times in the document, e.g. Asia/Tokyo; default UTC."}},
			status: http.StatusOK, resp: reportDocumentJSON{}, handle: h.getReportDocument},
		{method: get, path: "/incidents/{id}/reports/{kind}/{lang}/pdf", op: "getReportPDF", tag: "reporting", summary: "The document as PDF (IPAex Gothic embedded)",
			doc:    "A PDF (application/pdf). A report too large for a PDF is refused with 422; download the Markdown instead.",
			params: []param{{name: "tz", typ: "string", doc: "An IANA time zone for the times in the document, e.g. Asia/Tokyo; default UTC."}},
			status: http.StatusOK, binary: true, media: "application/pdf", handle: h.getReportDocumentPDF},
		{method: put, path: "/incidents/{id}/reports/{kind}/{lang}", op: "saveReportDraft", tag: "reporting", summary: "Save an edited regulator draft or public statement (CSIRT, admins)",
			doc:  "An empty markdown discards the saved draft. The internal report is generated, not saved.",
			body: reportDraftInJSON{}, status: http.StatusOK, resp: reportDocumentJSON{}, handle: h.saveReportDraft},
		{method: get, path: "/incidents/{id}/communications", op: "listCommunications", tag: "reporting", summary: "An incident's communication log, newest first",
			list: true, status: http.StatusOK, resp: commJSON{}, handle: h.listCommunications},
		{method: post, path: "/incidents/{id}/communications", op: "recordCommunication", tag: "reporting", summary: "Record who was told what (CSIRT, admins)",
			doc:  "sent_at (RFC 3339) defaults to now and cannot be in the future. A message to the regulator linked to a running regulatory clock records that notification done at sent_at.",
			body: commInJSON{}, status: http.StatusCreated, resp: commJSON{}, handle: h.recordCommunication},
		{method: get, path: "/report-templates", op: "listReportTemplates", tag: "reporting", summary: "The report templates in force (CSIRT, admins)",
			status: http.StatusOK, resp: []reportTemplateJSON{}, handle: h.listReportTemplates},
		{method: put, path: "/report-templates/{kind}/{lang}", op: "putReportTemplate", tag: "reporting", summary: "Set the organisation's template (CSIRT, admins)",
			doc:  "Go text/template writing Markdown over the report data model; checked by executing it against a sample incident. A refused template's error names the line.",
			body: reportTemplateInJSON{}, status: http.StatusOK, resp: reportTemplateJSON{}, handle: h.putReportTemplate},
		{method: del, path: "/report-templates/{kind}/{lang}", op: "resetReportTemplate", tag: "reporting", summary: "Return to the built-in template (CSIRT, admins)",
			status: http.StatusNoContent, handle: h.resetReportTemplate},
	}
}

// reportDocJSON is one document an incident offers.
type reportDocJSON struct {
	Kind      string     `json:"kind" enum:"report_kind"`
	Lang      string     `json:"lang" enum:"report_lang"`
	Saved     bool       `json:"saved" doc:"The CSIRT saved an edited draft."`
	UpdatedAt *time.Time `json:"updated_at" doc:"When the draft was saved; null when none is."`
}

// incidentReportingJSON is the area's view of an incident.
type incidentReportingJSON struct {
	Documents []reportDocJSON `json:"documents"`
	Clocks    []string        `json:"regulatory_clock_ids" doc:"The incident's regulatory clocks a message may satisfy."`
	CanHandle bool            `json:"can_handle"`
}

// reportDocumentJSON is a generated or saved document.
type reportDocumentJSON struct {
	IncidentID string     `json:"incident_id" format:"uuid"`
	Kind       string     `json:"kind" enum:"report_kind"`
	Lang       string     `json:"lang" enum:"report_lang"`
	TLP        string     `json:"tlp" enum:"tlp" doc:"The incident's TLP: handle the document accordingly."`
	Filename   string     `json:"filename" doc:"A download name without extension."`
	Markdown   string     `json:"markdown"`
	Saved      bool       `json:"saved"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

// reportDraftInJSON saves a draft.
type reportDraftInJSON struct {
	Markdown string `json:"markdown" doc:"At most 100000 characters; empty discards the saved draft."`
}

// commJSON is one communication log entry.
type commJSON struct {
	ID         string    `json:"id" format:"uuid"`
	IncidentID string    `json:"incident_id" format:"uuid"`
	Audience   string    `json:"audience" enum:"audience"`
	Channel    string    `json:"channel" enum:"comm_channel"`
	Recipient  string    `json:"recipient"`
	Summary    string    `json:"summary"`
	ClockID    *string   `json:"clock_id" format:"uuid" doc:"The incident clock the message satisfies."`
	SentAt     time.Time `json:"sent_at"`
	RecordedBy *string   `json:"recorded_by" format:"uuid"`
	RecordedAt time.Time `json:"recorded_at"`
}

func toComm(e hikeshi.CommEntry) commJSON {
	return commJSON{ID: e.ID, IncidentID: e.IncidentID, Audience: string(e.Audience), Channel: string(e.Channel), Recipient: e.Recipient,
		Summary: e.Summary, ClockID: strPtr(e.ClockID), SentAt: e.SentAt.UTC(), RecordedBy: strPtr(e.RecordedBy), RecordedAt: e.RecordedAt.UTC()}
}

// commInJSON records a communication.
type commInJSON struct {
	Audience  string `json:"audience" enum:"audience"`
	Channel   string `json:"channel" enum:"comm_channel"`
	Recipient string `json:"recipient,omitempty" doc:"At most 200 characters."`
	Summary   string `json:"summary" doc:"What was said, at most 4000 characters."`
	ClockID   string `json:"clock_id,omitempty" doc:"One of the incident's regulatory clocks."`
	SentAt    string `json:"sent_at,omitempty" doc:"RFC 3339; default now; not in the future."`
	Reference string `json:"reference,omitempty" doc:"The authority's reference, recorded with the clock it satisfies."`
}

// reportTemplateJSON is a template in force.
type reportTemplateJSON struct {
	Kind      string     `json:"kind" enum:"report_kind"`
	Lang      string     `json:"lang" enum:"report_lang"`
	Body      string     `json:"body"`
	Custom    bool       `json:"custom" doc:"The organisation's own; otherwise the built-in default."`
	UpdatedAt *time.Time `json:"updated_at"`
}

// reportTemplateInJSON sets a template.
type reportTemplateInJSON struct {
	Body string `json:"body" doc:"At most 65536 bytes."`
}

func (h *Handler) getIncidentReporting(c *call) error {
	v, err := h.svc.IncidentReporting.ForIncident(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.Page{Limit: 1})
	if err != nil {
		return err
	}
	out := incidentReportingJSON{Documents: []reportDocJSON{}, Clocks: []string{}, CanHandle: v.CanHandle}
	for _, d := range v.Documents {
		out.Documents = append(out.Documents, reportDocJSON{Kind: string(d.Kind), Lang: string(d.Lang), Saved: d.Saved, UpdatedAt: timePtr(d.UpdatedAt)})
	}
	for _, cl := range v.Clocks {
		out.Clocks = append(out.Clocks, cl.ID)
	}
	return c.json(http.StatusOK, out)
}

func toReportDocument(d service.Document) reportDocumentJSON {
	return reportDocumentJSON{IncidentID: d.Incident.ID, Kind: string(d.Kind), Lang: string(d.Lang), TLP: string(d.Incident.TLP), Filename: d.Filename(),
		Markdown: d.Markdown, Saved: d.Saved, UpdatedAt: timePtr(d.UpdatedAt)}
}

func (h *Handler) generate(c *call) (service.Document, error) {
	loc := time.UTC
	// Saving a draft answers with the document in UTC; the GET routes take ?tz=.
	if tz := ""; c.rt.declares("tz") {
		if tz = c.param("tz"); tz != "" {
			bad := hikeshi.Invalid("tz", "invalid", "tz must be an IANA time zone such as Asia/Tokyo")
			if len(tz) > 64 {
				return service.Document{}, bad
			}
			l, err := time.LoadLocation(tz)
			if err != nil {
				return service.Document{}, bad
			}
			loc = l
		}
	}
	return h.svc.IncidentReporting.Generate(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.ReportKind(c.r.PathValue("kind")),
		hikeshi.Locale(c.r.PathValue("lang")), loc)
}

func (h *Handler) getReportDocument(c *call) error {
	d, err := h.generate(c)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toReportDocument(d))
}

func (h *Handler) getReportDocumentPDF(c *call) error {
	d, err := h.generate(c)
	if err != nil {
		return err
	}
	pdf, err := reportpdf.Render(reportpdf.Input{Markdown: d.Markdown, Title: d.Incident.Number + " " + d.Incident.Title,
		Marking: "TLP:" + string(d.Incident.TLP), Colour: d.Incident.TLP.Colour(), Footer: d.Incident.Number})
	if errors.Is(err, reportpdf.ErrTooLarge) {
		return hikeshi.Invalid("markdown", "too_large", err.Error())
	}
	if err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "application/pdf")
	name := d.Filename() + ".pdf"
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(name)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	c.w.WriteHeader(http.StatusOK)
	_, err = c.w.Write(pdf)
	return err
}

func (h *Handler) saveReportDraft(c *call) error {
	var in reportDraftInJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := h.svc.IncidentReporting.SaveDraft(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.ReportKind(c.r.PathValue("kind")),
		hikeshi.Locale(c.r.PathValue("lang")), in.Markdown); err != nil {
		return err
	}
	return h.getReportDocument(c)
}

func (h *Handler) listCommunications(c *call) error {
	p, err := c.page("communications", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.CommEntry, error) {
		return h.svc.IncidentReporting.Communications(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.Page{After: after, Limit: n})
	}, func(e hikeshi.CommEntry) string { return e.ID })
	if err != nil {
		return err
	}
	out := make([]commJSON, len(items))
	for i, e := range items {
		out[i] = toComm(e)
	}
	return writePage(c, "communications", out, next)
}

func (h *Handler) recordCommunication(c *call) error {
	var in commInJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	sent, err := parseAPITime("sent_at", in.SentAt)
	if err != nil {
		return err
	}
	e, err := h.svc.IncidentReporting.LogCommunication(c.ctx(), c.actor, c.r.PathValue("id"), service.CommInput{Audience: hikeshi.Audience(in.Audience),
		Channel: hikeshi.CommChannel(in.Channel), Recipient: in.Recipient, Summary: in.Summary, ClockID: in.ClockID, SentAt: sent, Reference: in.Reference})
	if err != nil {
		return err
	}
	return c.created("/api/v1/incidents/"+e.IncidentID+"/communications", toComm(e))
}

func toTemplate(t service.TemplateView) reportTemplateJSON {
	return reportTemplateJSON{Kind: string(t.Kind), Lang: string(t.Lang), Body: t.Body, Custom: t.Custom, UpdatedAt: timePtr(t.UpdatedAt)}
}

func (h *Handler) listReportTemplates(c *call) error {
	ts, err := h.svc.IncidentReporting.Templates(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := make([]reportTemplateJSON, len(ts))
	for i, t := range ts {
		out[i] = toTemplate(t)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) putReportTemplate(c *call) error {
	var in reportTemplateInJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	kind, lang := hikeshi.ReportKind(c.r.PathValue("kind")), hikeshi.Locale(c.r.PathValue("lang"))
	if err := h.svc.IncidentReporting.SetTemplate(c.ctx(), c.actor, kind, lang, in.Body); err != nil {
		return err
	}
	t, err := h.svc.IncidentReporting.Template(c.ctx(), c.actor, kind, lang)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toTemplate(t))
}

func (h *Handler) resetReportTemplate(c *call) error {
	err := h.svc.IncidentReporting.ResetTemplate(c.ctx(), c.actor, hikeshi.ReportKind(c.r.PathValue("kind")), hikeshi.Locale(c.r.PathValue("lang")))
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return hikeshi.ErrNotFound // no such template
	}
	if err != nil {
		return err
	}
	return c.noContent()
}
