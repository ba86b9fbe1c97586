package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/reportpdf"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of reporting and disclosure (IH-7): the incident
// page's section (documents to download, the communication log and its
// form), the draft editor and the report templates page.

// registerReporting mounts the pages of reporting and disclosure (IH-7).
func (h *Handler) registerReporting(handle handleFunc) {
	handle("GET /incidents/{id}/reports/{kind}/{file}", signedIn, h.reportDownload)
	handle("GET /incidents/{id}/reports/{kind}/{lang}/edit", signedIn, h.reportDraftEdit)
	handle("POST /incidents/{id}/reports/{kind}/{lang}", signedIn, h.reportDraftSave)
	handle("POST /incidents/{id}/communications", signedIn, h.commCreate)
	handle("GET /reporting/templates", signedIn, h.reportTemplates)
	handle("GET /reporting/templates/{kind}/{lang}", signedIn, h.reportTemplateEdit)
	handle("POST /reporting/templates/{kind}/{lang}", signedIn, h.reportTemplateSave)
	handle("POST /reporting/templates/{kind}/{lang}/reset", signedIn, h.reportTemplateReset)
}

// commForm is the communication form's values as typed.
type commForm struct {
	Audience, Channel, Recipient, Summary, ClockID, SentAt, Reference string
}

// incidentReportingSection is what the incident page shows of the area.
type incidentReportingSection struct {
	service.IncidentReportingView
	Audiences []hikeshi.Audience
	Channels  []hikeshi.CommChannel
	Form      commForm
}

// loadIncidentReporting fills the incident page's reporting section.
func (h *Handler) loadIncidentReporting(r *http.Request, v *incidentView) error {
	rv, err := h.svc.IncidentReporting.ForIncident(r.Context(), h.stateOf(r).actor(), v.D.Incident.ID, hikeshi.Page{Limit: 100})
	if err != nil {
		return err
	}
	v.Reporting = incidentReportingSection{IncidentReportingView: rv, Audiences: hikeshi.Audiences, Channels: hikeshi.CommChannels,
		Form: commForm{Audience: string(hikeshi.AudienceRegulator), Channel: string(hikeshi.ChannelEmail)}}
	return nil
}

// ReportKindName is the localised name of a document kind.
func (p *page) ReportKindName(k hikeshi.ReportKind) string { return p.T("reporting.kind." + string(k)) }

// AudienceName is the localised name of an audience.
func (p *page) AudienceName(a hikeshi.Audience) string { return p.T("reporting.audience." + string(a)) }

// ChannelName is the localised name of a channel.
func (p *page) ChannelName(c hikeshi.CommChannel) string {
	return p.T("reporting.channel." + string(c))
}

// LangName is the name of a report language.
func (p *page) LangName(l hikeshi.Locale) string { return p.T("reporting.lang." + string(l)) }

// reportErrorCodes are the field error codes this area words itself.
var reportErrorCodes = map[string]bool{"in_future": true, "too_old": true, "invalid_time": true, "not_applicable": true,
	"not_draft": true, "before_start": true, "withdrawn": true}

func (h *Handler) reportFormErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		switch {
		case reportErrorCodes[f.Code]:
			msgs[f.Field] = p.T("reporting.error." + f.Code)
		case f.Code == "invalid_template" || f.Code == "template_failed":
			msgs[f.Field] = p.T("reporting.error.invalid_template", f.Message)
		case f.Code == "unknown" && f.Field == "clock_id":
			msgs[f.Field] = p.T("reporting.error.clock")
		}
	}
	return msgs, true
}

func reportLang(s string) (hikeshi.Locale, bool) {
	l := hikeshi.Locale(s)
	return l, hikeshi.ValidReportLanguage(l)
}

// reportDownload serves a document as Markdown (text/markdown) or PDF.
func (h *Handler) reportDownload(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	base, ext, _ := strings.Cut(file, ".")
	lang, ok := reportLang(base)
	if !ok || (ext != "md" && ext != "pdf") {
		return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
	}
	doc, err := h.svc.IncidentReporting.Generate(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), hikeshi.ReportKind(r.PathValue("kind")), lang, h.loc)
	if err != nil {
		var ve *hikeshi.ValidationError
		if errors.As(err, &ve) {
			if f := ve.Fields[0]; f.Code == "template_failed" {
				return userError(http.StatusUnprocessableEntity, "reporting.error.generate", err, f.Message)
			}
			return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
		}
		return err
	}
	return writeDocument(w, doc, ext)
}

// writeDocument writes doc as Markdown or PDF; a PDF that cannot be made
// (too large) is refused with a clear message, before any byte is sent.
func writeDocument(w http.ResponseWriter, doc service.Document, ext string) error {
	hd := w.Header()
	var body []byte
	switch ext {
	case "pdf":
		pdf, err := reportpdf.Render(reportpdf.Input{Markdown: doc.Markdown, Title: doc.Incident.Number + " " + doc.Incident.Title,
			Marking: "TLP:" + string(doc.Incident.TLP), Colour: doc.Incident.TLP.Colour(), Footer: doc.Incident.Number})
		if errors.Is(err, reportpdf.ErrTooLarge) {
			return userError(http.StatusUnprocessableEntity, "reporting.error.too_large", err)
		}
		if err != nil {
			return err
		}
		body = pdf
		hd.Set("Content-Type", "application/pdf")
	default:
		body = []byte(doc.Markdown)
		hd.Set("Content-Type", "text/markdown; charset=utf-8")
	}
	name := doc.Filename() + "." + ext
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiName(name), url.PathEscape(name)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// asciiName keeps the characters of a file name safe in a quoted header.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}

// reportDraftView is the draft editor.
type reportDraftView struct {
	page
	Incident hikeshi.Incident
	Kind     hikeshi.ReportKind
	Lang     hikeshi.Locale
	Body     string
	Saved    bool
}

func (h *Handler) renderDraft(w http.ResponseWriter, r *http.Request, status int, adjust func(v *reportDraftView)) error {
	lang, ok := reportLang(r.PathValue("lang"))
	kind := hikeshi.ReportKind(r.PathValue("kind"))
	if !ok || !kind.Valid() || kind == hikeshi.ReportInternal {
		return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
	}
	doc, err := h.svc.IncidentReporting.Generate(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), kind, lang, h.loc)
	if err != nil {
		var ve *hikeshi.ValidationError
		if errors.As(err, &ve) {
			if ve.Fields[0].Code == "template_failed" {
				return userError(http.StatusUnprocessableEntity, "reporting.error.generate", err, ve.Fields[0].Message)
			}
			return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
		}
		return err
	}
	v := &reportDraftView{Incident: doc.Incident, Kind: kind, Lang: lang, Body: doc.Markdown, Saved: doc.Saved}
	v.Active = "incidents"
	h.fill(r, &v.page)
	v.Title = v.ReportKindName(kind) + " — " + doc.Incident.Number
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "reporting_draft", v)
}

func (h *Handler) reportDraftEdit(w http.ResponseWriter, r *http.Request) error {
	return h.renderDraft(w, r, http.StatusOK, func(v *reportDraftView) {
		if r.URL.Query().Get("m") == "saved" {
			v.Notice = v.T("reporting.draft.saved")
		}
	})
}

func (h *Handler) reportDraftSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id, kind, langText := r.PathValue("id"), hikeshi.ReportKind(r.PathValue("kind")), r.PathValue("lang")
	body := strings.ReplaceAll(formValue(r, "body"), "\r\n", "\n")
	if formValue(r, "discard") != "" {
		body = ""
	}
	_, err := h.svc.IncidentReporting.SaveDraft(r.Context(), h.stateOf(r).actor(), id, kind, hikeshi.Locale(langText), body)
	if msgs, ok := h.reportFormErrors(r, err); ok {
		if _, field := msgs["body"]; !field {
			return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
		}
		return h.renderDraft(w, r, statusOf(err), func(v *reportDraftView) {
			v.Body, v.Errors, v.Alert = body, msgs, v.T("reporting.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"/reports/"+url.PathEscape(string(kind))+"/"+url.PathEscape(langText)+"/edit?m=saved")
}

func (h *Handler) commCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := commForm{Audience: formValue(r, "audience"), Channel: formValue(r, "channel"), Recipient: formValue(r, "recipient"),
		Summary: formValue(r, "summary"), ClockID: formValue(r, "clock_id"), SentAt: formValue(r, "sent_at"), Reference: formValue(r, "reference")}
	sent, err := h.parseFormTime("sent_at", f.SentAt)
	if err == nil {
		_, err = h.svc.IncidentReporting.LogCommunication(r.Context(), h.stateOf(r).actor(), id, service.CommInput{
			Audience: hikeshi.Audience(f.Audience), Channel: hikeshi.CommChannel(f.Channel), Recipient: f.Recipient, Summary: f.Summary,
			ClockID: f.ClockID, SentAt: sent, Reference: f.Reference})
	}
	if msgs, ok := h.reportFormErrors(r, err); ok {
		return h.renderIncident(w, r, statusOf(err), id, func(v *incidentView) {
			v.Reporting.Form, v.Errors, v.Alert = f, msgs, v.T("reporting.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(id)+"?m=saved#reporting")
}

// reportTemplatesView is the templates page: the list, or one template's editor.
type reportTemplatesView struct {
	page
	Templates []service.TemplateView
	Current   service.TemplateView
	Editing   bool
	Body      string
}

func (h *Handler) renderTemplates(w http.ResponseWriter, r *http.Request, status int, edit bool, adjust func(v *reportTemplatesView)) error {
	a := h.stateOf(r).actor()
	if !service.CanEditReportTemplates(a) {
		return userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	all, err := h.svc.IncidentReporting.Templates(r.Context(), a)
	if err != nil {
		return err
	}
	v := &reportTemplatesView{Templates: all, Editing: edit}
	if edit {
		found := false
		for _, t := range all {
			if string(t.Kind) == r.PathValue("kind") && string(t.Lang) == r.PathValue("lang") {
				v.Current, v.Body, found = t, t.Body, true
			}
		}
		if !found {
			return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
		}
	}
	v.Active = "incidents"
	h.fill(r, &v.page)
	v.Title = v.T("reporting.templates.title")
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "reporting_templates", v)
}

func (h *Handler) reportTemplates(w http.ResponseWriter, r *http.Request) error {
	return h.renderTemplates(w, r, http.StatusOK, false, nil)
}

func (h *Handler) reportTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	return h.renderTemplates(w, r, http.StatusOK, true, func(v *reportTemplatesView) {
		switch {
		case r.URL.Query().Get("m") == "saved":
			v.Notice = v.T("reporting.templates.saved")
		case r.URL.Query().Get("done") == "reset":
			v.Notice = v.T("reporting.templates.reset_done")
		}
	})
}

func (h *Handler) templatePath(r *http.Request) string {
	return "/reporting/templates/" + url.PathEscape(r.PathValue("kind")) + "/" + url.PathEscape(r.PathValue("lang"))
}

func (h *Handler) reportTemplateSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	body := formValue(r, "body")
	err := h.svc.IncidentReporting.SetTemplate(r.Context(), h.stateOf(r).actor(), hikeshi.ReportKind(r.PathValue("kind")),
		hikeshi.Locale(r.PathValue("lang")), body)
	if msgs, ok := h.reportFormErrors(r, err); ok {
		if _, field := msgs["body"]; !field {
			return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
		}
		return h.renderTemplates(w, r, statusOf(err), true, func(v *reportTemplatesView) {
			v.Body, v.Errors, v.Alert = body, msgs, msgs["body"]
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, h.templatePath(r)+"?m=saved")
}

func (h *Handler) reportTemplateReset(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	err := h.svc.IncidentReporting.ResetTemplate(r.Context(), h.stateOf(r).actor(), hikeshi.ReportKind(r.PathValue("kind")),
		hikeshi.Locale(r.PathValue("lang")))
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		return userError(http.StatusNotFound, "error.not_found", hikeshi.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, h.templatePath(r)+"?done=reset")
}
