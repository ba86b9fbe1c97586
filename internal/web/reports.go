package web

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
)

// The public intake (IH-1): the employee form /report, the form for
// customers and researchers /report/external, the follow-up page
// /report/status and /.well-known/security.txt. None needs a session; every
// POST is rate-limited per client address (held in memory only, never
// stored), and nothing a reporter typed is lost when a form is refused.

// hardFormLimit is what a report form may send at most before it is refused
// unread. Between hikeshi.MaxReportFormBytes and this, the form is read,
// refused with the limit named, and shown again with everything typed.
const hardFormLimit = 4 << 20

// reportForm holds a report form's fields as typed.
type reportForm struct {
	Description, NoticedAt, Contact, ContactEmail, Organisation string
	Anonymous                                                   bool
	// HadFiles says files were chosen: a form shown again cannot keep them,
	// so the reporter is asked to choose them again.
	HadFiles bool
}

// reportFormView is the employee or the external form.
type reportFormView struct {
	page
	External bool
	Form     reportForm
	Token    string // one-time submission token
	MaxText  int
	MaxBytes string // "1 MiB"
	// Attachment limits, as shown to the reporter.
	MaxFiles     int
	MaxFileSize  string
	MaxFilesSize string
}

// reportDoneView thanks the reporter and shows the follow-up code once.
type reportDoneView struct {
	page
	Number   string
	Code     string
	External bool
	Repeated bool
}

// reportStatusView is the reporter's follow-up page: the code form, or the
// report and its thread with the form that adds information.
type reportStatusView struct {
	page
	Found    bool
	Code     string // the normalised code, carried in the POST body only
	Report   hikeshi.Report
	Progress hikeshi.ReporterProgress
	Messages []hikeshi.ReportMessage
	Body     string // information being added, kept when refused
	// Limits of the files a follow-up may carry, as shown to the reporter;
	// HadFiles says files were chosen and must be chosen again.
	MaxFiles                  int
	MaxFileSize, MaxFilesSize string
	HadFiles                  bool
}

func (h *Handler) reportForm(w http.ResponseWriter, r *http.Request) error {
	if redirected, err := h.requireReportSignIn(w, r); redirected || err != nil {
		return err
	}
	return h.renderReportForm(w, r, http.StatusOK, false, reportForm{}, service.NewSubmissionToken(), nil, "")
}

func (h *Handler) reportExternalForm(w http.ResponseWriter, r *http.Request) error {
	return h.renderReportForm(w, r, http.StatusOK, true, reportForm{}, service.NewSubmissionToken(), nil, "")
}

// requireReportSignIn sends a visitor to the sign-in page when the
// organisation wants employees signed in to report.
func (h *Handler) requireReportSignIn(w http.ResponseWriter, r *http.Request) (bool, error) {
	set, err := h.svc.Reports.IntakeSettings(r.Context())
	if err != nil {
		return false, err
	}
	if !set.RequireSignIn || h.stateOf(r).user != nil {
		return false, nil
	}
	return true, redirect(w, r, "/login?"+url.Values{"next": {"/report"}, "m": {"report_signin"}}.Encode())
}

func (h *Handler) renderReportForm(w http.ResponseWriter, r *http.Request, status int, external bool, form reportForm, token string, errs map[string]string, alert string) error {
	v := &reportFormView{External: external, Form: form, Token: token, MaxText: hikeshi.MaxReportTextLen, MaxBytes: "1 MiB",
		MaxFiles: hikeshi.MaxReportAttachments, MaxFileSize: fileSize(hikeshi.MaxAttachmentSize), MaxFilesSize: fileSize(hikeshi.MaxReportAttachmentsTotal)}
	v.Active = "reports"
	name := "report_form"
	h.fill(r, &v.page)
	if external {
		v.Title = v.T("title.report_external")
	}
	v.Errors, v.Alert = errs, alert
	if errs != nil && alert == "" {
		v.Alert = v.T("report.fix_errors")
	}
	return h.render(w, r, status, name, v)
}

// readReportForm reads a report form. It returns tooLarge when the body is
// over hikeshi.MaxReportFormBytes but still readable, so the caller can show
// everything again with the limit named.
func readReportForm(w http.ResponseWriter, r *http.Request) (tooLarge bool, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, hardFormLimit)
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return false, userError(http.StatusRequestEntityTooLarge, "report.err_body_hard", err, "1 MiB")
		}
		return false, userError(http.StatusBadRequest, "error.bad_form", err)
	}
	vals, err := url.ParseQuery(string(b))
	if err != nil {
		return false, userError(http.StatusBadRequest, "error.bad_form", err)
	}
	for k, vs := range vals {
		if !utf8.ValidString(k) {
			return false, userError(http.StatusBadRequest, "error.invalid_utf8", nil)
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false, userError(http.StatusBadRequest, "error.invalid_utf8", nil)
			}
		}
	}
	r.PostForm, r.Form = vals, vals
	return len(b) > hikeshi.MaxReportFormBytes, nil
}

// allowReport applies a limiter; a refusal carries the seconds to wait.
func allowReport(l *httpx.Limiter, r *http.Request) (bool, int) {
	ok, wait := l.Allow(httpx.ClientIP(r))
	return ok, int(math.Ceil(wait.Seconds()))
}

func (h *Handler) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	return h.submitReport(w, r, false)
}

func (h *Handler) reportExternalSubmit(w http.ResponseWriter, r *http.Request) error {
	return h.submitReport(w, r, true)
}

func (h *Handler) submitReport(w http.ResponseWriter, r *http.Request, external bool) error {
	if !external {
		if redirected, err := h.requireReportSignIn(w, r); redirected || err != nil {
			return err
		}
	}
	// A multipart form is rate-limited before its files are stored, so a
	// refused sender fills no storage; its text is still read to be shown again.
	var (
		tooLarge, allowed bool
		waitSecs          int
		up                reportUpload
		err               error
	)
	if isMultipart(r) {
		allowed, waitSecs = allowReport(h.reportLimit, r)
		tooLarge, up, err = h.readReportMultipart(w, r, allowed)
	} else {
		tooLarge, err = readReportForm(w, r)
		if err == nil && !tooLarge {
			allowed, waitSecs = allowReport(h.reportLimit, r)
		}
	}
	if err != nil {
		return err
	}
	form := reportForm{Description: formValue(r, "description"), NoticedAt: trimmed(r, "noticed_at"), Contact: formValue(r, "contact"),
		ContactEmail: trimmed(r, "contact_email"), Organisation: trimmed(r, "organisation"), Anonymous: formValue(r, "anonymous") == "1",
		HadFiles: up.chosen}
	token := formValue(r, "token")
	if !service.ValidSubmissionToken(token) {
		token = service.NewSubmissionToken()
	}
	p := &page{}
	h.fill(r, p)
	if tooLarge {
		return h.renderReportForm(w, r, http.StatusRequestEntityTooLarge, external, form, token, nil, p.T("report.err_body", "1 MiB"))
	}
	if !allowed {
		w.Header().Set("Retry-After", fmt.Sprint(waitSecs))
		return h.renderReportForm(w, r, http.StatusTooManyRequests, external, form, token, nil, p.T("report.rate_limited", waitSecs))
	}
	if up.limit != "" {
		return h.renderReportForm(w, r, http.StatusRequestEntityTooLarge, external, form, token,
			map[string]string{attachmentsField: attachmentLimitMessage(p, up.limit)}, "")
	}
	in := service.ReportInput{Source: hikeshi.SourceEmployee, Description: form.Description, Contact: form.Contact,
		ContactEmail: form.ContactEmail, Organisation: form.Organisation, Anonymous: form.Anonymous, SubmissionToken: token,
		Attachments: up.files}
	if external {
		in.Source = hikeshi.SourceExternal
	}
	errs := map[string]string{}
	if form.NoticedAt != "" {
		t, perr := time.ParseInLocation("2006-01-02T15:04", form.NoticedAt, h.loc)
		if perr != nil {
			errs["noticed_at"] = p.T("report.err_noticed_format")
		}
		in.NoticedAt = t
	}
	var actor hikeshi.Actor
	if st := h.stateOf(r); st.user != nil {
		actor = st.actor()
	}
	var sub service.Submission
	if len(errs) == 0 {
		sub, err = h.svc.Reports.Submit(r.Context(), actor, in)
		if msgs, ok := h.reportErrors(p, err); ok {
			errs = msgs
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderReportForm(w, r, http.StatusUnprocessableEntity, external, form, token, errs, "")
	}
	v := &reportDoneView{Number: sub.Report.Number, Code: sub.FollowUpCode, External: external, Repeated: sub.Repeated}
	v.Active = "reports"
	return h.render(w, r, http.StatusOK, "report_done", v)
}

// reportErrors localises the field errors of a report or a message, naming
// the exact limit a text went over.
func (h *Handler) reportErrors(p *page, err error) (map[string]string, bool) {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	msgs := map[string]string{}
	for _, f := range ve.Fields {
		if _, dup := msgs[f.Field]; dup {
			continue
		}
		switch {
		case f.Code == "too_long" && (f.Field == "description" || f.Field == "body"):
			msgs[f.Field] = p.T("report.err_text_too_long", hikeshi.MaxReportTextLen)
		case f.Code == "too_long" && f.Field == "contact":
			msgs[f.Field] = p.T("report.err_text_too_long", hikeshi.MaxContactLen)
		case f.Code == "too_long" && f.Field == "organisation":
			msgs[f.Field] = p.T("report.err_text_too_long", hikeshi.MaxOrganisationLen)
		case f.Code == "invalid_uri":
			msgs[f.Field] = p.T("report.err_uri")
		case f.Code == "too_many":
			msgs[f.Field] = p.T("report.err_too_many_contacts", 10)
		case f.Code == "in_future":
			msgs[f.Field] = p.T("report.err_noticed_future")
		case f.Code == "required" && f.Field == "description":
			msgs[f.Field] = p.T("report.err_description_required")
		case f.Code == "required" && f.Field == "contact_email":
			msgs[f.Field] = p.T("report.err_email_required")
		case f.Field == attachmentsField && (f.Code == "too_many" || f.Code == "too_large" || f.Code == "too_large_total"):
			msgs[f.Field] = attachmentLimitMessage(p, f.Code)
		default:
			msgs[f.Field] = fieldMessage(p, f)
		}
	}
	return msgs, true
}

// reportStatusForm asks for the follow-up code.
func (h *Handler) reportStatusForm(w http.ResponseWriter, r *http.Request) error {
	v := &reportStatusView{}
	v.Active = "reports"
	return h.render(w, r, http.StatusOK, "report_status", v)
}

// reportStatusSubmit looks a code up and, when the form says so, adds the
// reporter's information. The code travels only in POST bodies, so it never
// lands in a URL, a log or the browser's history. A wrong, unknown or
// malformed code gets one and the same answer.
func (h *Handler) reportStatusSubmit(w http.ResponseWriter, r *http.Request) error {
	// A multipart form (information with files) is rate-limited before its
	// files are stored, so a limited sender fills no storage. Files sent with
	// a wrong code are stored but never referenced; the daily sweep removes them.
	var (
		tooLarge, allowed bool
		secs              int
		up                reportUpload
		err               error
	)
	if isMultipart(r) {
		allowed, secs = allowReport(h.followUpLimit, r)
		tooLarge, up, err = h.readReportMultipart(w, r, allowed)
	} else if tooLarge, err = readReportForm(w, r); err == nil {
		allowed, secs = allowReport(h.followUpLimit, r)
	}
	if err != nil {
		return err
	}
	p := &page{}
	h.fill(r, p)
	v := &reportStatusView{Body: formValue(r, "body"), HadFiles: up.chosen}
	v.Active = "reports"
	code := formValue(r, "code")
	if !allowed {
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		// No look-up at all while limited. What was typed is shown again
		// (the code as typed, unchecked) so nothing is lost.
		v.Alert, v.Code = p.T("report.rate_limited", secs), code
		if formValue(r, "action") != "add" {
			v.Body = ""
		}
		return h.render(w, r, http.StatusTooManyRequests, "report_status", v)
	}
	status := http.StatusOK
	if formValue(r, "action") == "add" {
		switch {
		case tooLarge:
			status, v.Alert = http.StatusRequestEntityTooLarge, p.T("report.err_body", "1 MiB")
		case up.limit != "":
			status, v.Alert = http.StatusRequestEntityTooLarge, followUpLimitMessage(p, up.limit)
			v.Errors = map[string]string{attachmentsField: v.Alert}
		default:
			_, err := h.svc.Reports.AddFollowUpInformation(r.Context(), code, v.Body, "web", up.files)
			if msgs, ok := h.reportErrors(p, err); ok {
				if m, files := msgs[attachmentsField]; files {
					var ve *hikeshi.ValidationError
					errors.As(err, &ve)
					for _, f := range ve.Fields {
						if f.Field == attachmentsField && (f.Code == "too_many" || f.Code == "too_large" || f.Code == "too_large_total") {
							m = followUpLimitMessage(p, f.Code)
						}
					}
					msgs[attachmentsField] = m
				}
				status, v.Errors, v.Alert = http.StatusUnprocessableEntity, msgs, p.T("report.fix_errors")
			} else if err != nil && !errors.Is(err, service.ErrUnknownCode) {
				return err
			} else if err == nil {
				v.Body, v.HadFiles, v.Notice = "", false, p.T("report.info_added")
			}
		}
	}
	return h.renderFollowUp(w, r, status, code, v)
}

// followUpLimitMessage tells the reporter which limit the files of a
// follow-up went over, and that their text is kept.
func followUpLimitMessage(p *page, code string) string {
	switch code {
	case "too_many":
		return p.T("evidence.followup.err_too_many", hikeshi.MaxReportAttachments)
	case "too_large_total":
		return p.T("evidence.followup.err_total", fileSize(hikeshi.MaxReportAttachmentsTotal))
	}
	return p.T("evidence.followup.err_size", fileSize(hikeshi.MaxAttachmentSize))
}

// renderFollowUp shows the report of code, or the one answer for every code
// that finds none.
func (h *Handler) renderFollowUp(w http.ResponseWriter, r *http.Request, status int, code string, v *reportStatusView) error {
	rep, msgs, err := h.svc.Reports.FollowUp(r.Context(), code)
	if errors.Is(err, service.ErrUnknownCode) {
		nv := &reportStatusView{}
		nv.Active = "reports"
		h.fill(r, &nv.page)
		nv.Alert = nv.T("report.status_unknown")
		return h.render(w, r, http.StatusNotFound, "report_status", nv)
	}
	if err != nil {
		return err
	}
	if v.Progress, err = h.svc.Reports.FollowUpProgress(r.Context(), code); err != nil {
		return err
	}
	norm, _ := hikeshi.NormalizeFollowUpCode(code)
	v.Found, v.Code, v.Report, v.Messages = true, hikeshi.FormatFollowUpCode(norm), rep, msgs
	v.MaxFiles, v.MaxFileSize, v.MaxFilesSize = hikeshi.MaxReportAttachments, fileSize(hikeshi.MaxAttachmentSize), fileSize(hikeshi.MaxReportAttachmentsTotal)
	v.Title = rep.Number
	return h.render(w, r, status, "report_status", v)
}

// securityTxt serves /.well-known/security.txt (RFC 9116) from the settings.
func (h *Handler) securityTxt(w http.ResponseWriter, r *http.Request) error {
	set, err := h.svc.Reports.IntakeSettings(r.Context())
	if err != nil {
		return err
	}
	base := h.baseURL(r)
	contacts := set.SecurityContacts
	if len(contacts) == 0 {
		contacts = []string{base + "/report/external"}
	}
	var b strings.Builder
	b.WriteString("# Security contact of this Hikeshi instance (RFC 9116).\n")
	b.WriteString("# Reports in Japanese or English are welcome; a follow-up code lets you read our answer.\n")
	for _, c := range contacts {
		fmt.Fprintf(&b, "Contact: %s\n", c)
	}
	// A rolling expiry well inside RFC 9116's "less than a year": the file is
	// generated, so it is as fresh as the settings it comes from.
	expires := h.clock.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 180)
	fmt.Fprintf(&b, "Expires: %s\n", expires.Format(time.RFC3339))
	b.WriteString("Preferred-Languages: ja, en\n")
	fmt.Fprintf(&b, "Canonical: %s/.well-known/security.txt\n", base)
	// The CSAF provider (IM-3, decision 0039), once it has a public document.
	if ok, err := h.svc.Advisories.HasPublicDocuments(r.Context()); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(&b, "CSAF: %s/.well-known/csaf/provider-metadata.json\n", base)
	}
	if set.SecurityPolicy != "" {
		fmt.Fprintf(&b, "Policy: %s\n", set.SecurityPolicy)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = io.WriteString(w, b.String())
	return err
}

// baseURL is the public address: the configured base URL, else this request's origin.
func (h *Handler) baseURL(r *http.Request) string {
	if b := strings.TrimRight(h.o.BaseURL, "/"); b != "" {
		return b
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
