package web

import (
	"net/http"
	"net/url"

	"github.com/hikeshi/hikeshi"
)

// The CSIRT's side of reports from people: the list, one report with its
// thread, the answer form and the status. Members see here the reports they
// filed under their name; the service decides who sees what.

// reportsPageSize is the number of reports a page of the list shows.
const reportsPageSize = 50

// reportListView is one page of reports, newest first.
type reportListView struct {
	page
	Reports   []hikeshi.Report
	Statuses  []hikeshi.ReportStatus
	Status    string // the filter
	OlderURL  string
	NewestURL string
	CanAnswer bool
}

// reportView is one report with its thread.
type reportView struct {
	page
	R        hikeshi.Report
	Messages []hikeshi.ReportMessage
	// Attachments are offered as downloads only, never shown inline.
	Attachments []hikeshi.ReportAttachment
	CanAnswer   bool
	IsMine      bool // the signed-in user filed it and may add information
	Body        string
	Moves       []hikeshi.ReportStatus // statuses the report may move to
	Mails       int                    // messages the mail intake took for this report (IH-2)
}

// Status is the localised name of a report status.
func (p *page) ReportStatus(s hikeshi.ReportStatus) string { return p.T("report.status." + string(s)) }

// Source is the localised name of a report source.
func (p *page) ReportSource(s hikeshi.ReportSource) string { return p.T("report.source." + string(s)) }

// Author is the localised name of a message's author.
func (p *page) ReportAuthor(a hikeshi.MessageAuthor) string { return p.T("report.author." + string(a)) }

// Excerpt is the first line of a text, cut at n characters.
func (p *page) Excerpt(s string, n int) string {
	for i, r := range s {
		if r == '\n' || r == '\r' {
			s = s[:i]
			break
		}
	}
	rs := []rune(s)
	if len(rs) > n {
		return string(rs[:n]) + "…"
	}
	return s
}

func (h *Handler) reportList(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	q := r.URL.Query()
	v := &reportListView{Statuses: hikeshi.ReportStatuses, Status: q.Get("status"), CanAnswer: st.actor().CanAnswerReports()}
	v.Active = "reports"
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	list, err := h.svc.Reports.List(r.Context(), st.actor(), hikeshi.ReportFilter{Status: hikeshi.ReportStatus(v.Status),
		Page: hikeshi.Page{After: after, Limit: reportsPageSize + 1}})
	if err != nil {
		return err
	}
	if len(list) > reportsPageSize {
		list = list[:reportsPageSize]
		older := url.Values{"after": {list[len(list)-1].ID}}
		if v.Status != "" {
			older.Set("status", v.Status)
		}
		v.OlderURL = "/reports?" + older.Encode()
	}
	if after != "" {
		v.NewestURL = "/reports"
		if v.Status != "" {
			v.NewestURL += "?" + url.Values{"status": {v.Status}}.Encode()
		}
	}
	v.Reports = list
	return h.render(w, r, http.StatusOK, "reports", v)
}

func (h *Handler) renderReport(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *reportView)) error {
	st := h.stateOf(r)
	rep, msgs, err := h.svc.Reports.Get(r.Context(), st.actor(), id)
	if err != nil {
		return err
	}
	a := st.actor()
	atts, err := h.svc.Reports.Attachments(r.Context(), a, id)
	if err != nil {
		return err
	}
	mails, err := h.svc.MailIntake.MailMessages(r.Context(), a, id)
	if err != nil {
		return err
	}
	v := &reportView{R: rep, Messages: msgs, Attachments: atts, CanAnswer: a.CanAnswerReports(),
		IsMine: !rep.Anonymous && rep.ReporterUserID != "" && rep.ReporterUserID == a.UserID && !a.ReadOnly(), Mails: len(mails)}
	if v.CanAnswer {
		for _, s := range hikeshi.ReportStatuses {
			if rep.Status.CanMoveTo(s) {
				v.Moves = append(v.Moves, s)
			}
		}
	}
	v.Active, v.Title = "reports", rep.Number
	h.fill(r, &v.page)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "report", v)
}

func (h *Handler) reportShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderReport(w, r, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handler) reportAnswer(w http.ResponseWriter, r *http.Request) error {
	tooLarge, err := readReportForm(w, r)
	if err != nil {
		return err
	}
	id, body := r.PathValue("id"), formValue(r, "body")
	p := &page{}
	h.fill(r, p)
	if tooLarge {
		return h.renderReport(w, r, http.StatusRequestEntityTooLarge, id, func(v *reportView) {
			v.Body, v.Alert = body, v.T("report.err_body", "1 MiB")
		})
	}
	_, err = h.svc.Reports.AddMessage(r.Context(), h.stateOf(r).actor(), id, body)
	if msgs, ok := h.reportErrors(p, err); ok {
		return h.renderReport(w, r, statusOf(err), id, func(v *reportView) {
			v.Body, v.Errors, v.Alert = body, msgs, v.T("report.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/reports/"+url.PathEscape(id)+"?m=report_message_added#thread")
}

func (h *Handler) reportSetStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	_, err := h.svc.Reports.SetStatus(r.Context(), h.stateOf(r).actor(), id, hikeshi.ReportStatus(formValue(r, "status")))
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderReport(w, r, statusOf(err), id, func(v *reportView) {
			v.Errors, v.Alert = msgs, v.T("report.err_status")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/reports/"+url.PathEscape(id)+"?m=saved")
}
