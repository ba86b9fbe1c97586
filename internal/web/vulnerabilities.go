package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IM-1: vulnerability handling — the list with its
// filters and the upcoming publication dates, the department's remediation
// tasks, the editor, and the vulnerability page with its remediation tasks,
// exceptions, links, coordinated disclosure and "Draft advisory". The
// service decides who sees and does what.

const vulnsPageSize = 50

// registerVulnerabilities mounts the vulnerability pages (IM-1).
func (h *Handler) registerVulnerabilities(handle handleFunc) {
	handle("GET /vulnerabilities", signedIn, h.vulnList)
	handle("GET /vulnerabilities/new", signedIn, h.vulnNew)
	handle("POST /vulnerabilities", signedIn, h.vulnCreate)
	handle("GET /vulnerabilities/{id}", signedIn, h.vulnShow)
	handle("GET /vulnerabilities/{id}/edit", signedIn, h.vulnEdit)
	handle("POST /vulnerabilities/{id}", signedIn, h.vulnUpdate)
	for _, a := range []string{"status", "link", "unlink", "draft-advisory", "remediations", "exceptions", "acknowledge", "disclosure"} {
		handle("POST /vulnerabilities/{id}/"+a, signedIn, h.vulnAction(a))
	}
	handle("POST /vulnerability-tasks/{id}/complete", signedIn, h.vulnTaskComplete)
	handle("POST /vulnerability-exceptions/{id}/decide", signedIn, h.vulnExceptionDecide)
}

// VulnTitle is a vulnerability's title in the page's language (else the other).
func (p *page) VulnTitle(v hikeshi.Vulnerability) string { return v.TitleIn(p.Lang) }

// VulnScore formats a score in tenths ("9.8").
func (p *page) VulnScore(tenths int) string { return fmt.Sprintf("%d.%d", tenths/10, tenths%10) }

// VulnDay formats a day (stored at midnight UTC); zero is a dash.
func (p *page) VulnDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.DateOnly)
}

// vulnListView is the list page.
type vulnListView struct {
	page
	Items     []hikeshi.Vulnerability
	Upcoming  []hikeshi.Vulnerability
	Tasks     []service.RemediationItem
	Reports   []hikeshi.Report // recent outside reports a vulnerability can be opened from
	ReadAll   bool
	CanCreate bool
	Status    string
	Severity  string
	Statuses  []hikeshi.VulnStatus
	Sevs      []hikeshi.VulnSeverity
	NextURL   string
	Now       time.Time
}

func (h *Handler) vulnList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	if !service.CanReadVulnerabilities(a) {
		return hikeshi.ErrNotFound
	}
	q := r.URL.Query()
	v := &vulnListView{ReadAll: a.CanReadAll(), CanCreate: a.CanWriteVulnerabilities(), Statuses: hikeshi.VulnStatuses,
		Sevs: hikeshi.VulnSeverities, Now: h.clock.Now()}
	if st := hikeshi.VulnStatus(q.Get("status")); st.Valid() {
		v.Status = string(st)
	}
	if sv := hikeshi.VulnSeverity(q.Get("severity")); sv.Valid() {
		v.Severity = string(sv)
	}
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	if v.ReadAll {
		items, err := h.svc.Vulns.List(r.Context(), a, hikeshi.VulnerabilityFilter{Status: hikeshi.VulnStatus(v.Status),
			Severity: hikeshi.VulnSeverity(v.Severity), Page: hikeshi.Page{After: after, Limit: vulnsPageSize + 1}})
		if err != nil {
			return err
		}
		if len(items) > vulnsPageSize {
			items = items[:vulnsPageSize]
			v.NextURL = "/vulnerabilities?" + url.Values{"after": {items[len(items)-1].ID}, "status": {v.Status}, "severity": {v.Severity}}.Encode()
		}
		v.Items = items
		if v.Upcoming, err = h.svc.Vulns.UpcomingPublications(r.Context(), a, 10); err != nil {
			return err
		}
	}
	if v.CanCreate {
		reps, err := h.svc.Reports.List(r.Context(), a, hikeshi.ReportFilter{Page: hikeshi.Page{Limit: vulnsPageSize}})
		if err != nil {
			return err
		}
		for _, rep := range reps {
			if rep.Source == hikeshi.SourceExternal {
				v.Reports = append(v.Reports, rep)
			}
		}
	}
	tasks, err := h.svc.Vulns.MyRemediations(r.Context(), a, true, hikeshi.Page{Limit: vulnsPageSize})
	if err != nil {
		return err
	}
	v.Tasks, v.Active = tasks, "vulnerabilities"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "vulnerabilities")
	v.Title = v.T("vulnerabilities.title")
	return h.render(w, r, http.StatusOK, "vulnerabilities_list", v)
}

// vulnRefRow is a reference row of the editor.
type vulnRefRow struct {
	hikeshi.AdvisoryReference
	I int
}

// vulnFormView is the editor.
type vulnFormView struct {
	page
	ID       string
	Form     service.VulnerabilityInput
	Report   *hikeshi.Report
	Assets   []hikeshi.InformationAsset
	Refs     []vulnRefRow
	Sevs     []hikeshi.VulnSeverity
	Selected map[string]bool
}

// RowErr is the message of a reference row's field.
func (v *vulnFormView) RowErr(i int, field string) string {
	return v.Errors[fmt.Sprintf("references[%d].%s", i, field)]
}

func (h *Handler) renderVulnForm(w http.ResponseWriter, r *http.Request, status int, v *vulnFormView) error {
	a := h.stateOf(r).actor()
	if !a.CanWriteVulnerabilities() {
		return hikeshi.ErrNotFound
	}
	v.Active = "vulnerabilities"
	h.fill(r, &v.page)
	if v.ID == "" {
		v.Title = v.T("vulnerabilities.new")
	} else {
		v.Title = v.T("vulnerabilities.edit")
	}
	assets, err := h.svc.Risks.ListAssets(r.Context(), a, hikeshi.InformationAssetFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil {
		return err
	}
	v.Assets, v.Sevs, v.Selected = assets, hikeshi.VulnSeverities, map[string]bool{}
	for _, id := range v.Form.AssetIDs {
		v.Selected[id] = true
	}
	v.Refs = nil
	for i, ref := range v.Form.References {
		v.Refs = append(v.Refs, vulnRefRow{ref, i})
	}
	for range 2 {
		v.Refs = append(v.Refs, vulnRefRow{I: len(v.Refs)})
	}
	if v.Form.ReportID != "" && v.Report == nil {
		if rep, _, err := h.svc.Reports.Get(r.Context(), a, v.Form.ReportID); err == nil {
			v.Report = &rep
		}
	}
	return h.render(w, r, status, "vulnerabilities_form", v)
}

func (h *Handler) vulnNew(w http.ResponseWriter, r *http.Request) error {
	v := &vulnFormView{Form: service.VulnerabilityInput{Severity: hikeshi.VulnMedium}}
	if rid := r.URL.Query().Get("report"); rid != "" && len(rid) <= 64 {
		rep, _, err := h.svc.Reports.Get(r.Context(), h.stateOf(r).actor(), rid)
		if err != nil {
			return err
		}
		v.Report, v.Form.ReportID = &rep, rep.ID
		v.Form.DescriptionEN = rep.Description
	}
	return h.renderVulnForm(w, r, http.StatusOK, v)
}

// readVulnForm reads the editor's fields.
func readVulnForm(r *http.Request) service.VulnerabilityInput {
	in := service.VulnerabilityInput{CVE: trimmed(r, "cve"), TitleJA: formValue(r, "title_ja"), TitleEN: formValue(r, "title_en"),
		DescriptionJA: formValue(r, "description_ja"), DescriptionEN: formValue(r, "description_en"), Vendor: formValue(r, "vendor"),
		Versions: formValue(r, "versions"), Fix: formValue(r, "fix"), CVSS31: trimmed(r, "cvss31"), CVSS40: trimmed(r, "cvss40"),
		Severity: hikeshi.VulnSeverity(trimmed(r, "severity")), ReportID: trimmed(r, "report_id")}
	for i, id := range r.PostForm["asset_id"] {
		if i < maxFormRows {
			in.AssetIDs = append(in.AssetIDs, id)
		}
	}
	urls, sums := r.PostForm["ref_url"], r.PostForm["ref_summary"]
	for i := range min(len(urls), maxFormRows) {
		ref := hikeshi.AdvisoryReference{URL: strings.TrimSpace(urls[i])}
		if i < len(sums) {
			ref.Summary = strings.TrimSpace(sums[i])
		}
		if ref.URL != "" || ref.Summary != "" {
			in.References = append(in.References, ref)
		}
	}
	return in
}

// vulnFieldErrors localises field errors; a CVSS vector's error names its position.
func (h *Handler) vulnFieldErrors(p *page, ve *hikeshi.ValidationError, vectors map[string]string) {
	p.Errors = map[string]string{}
	for _, f := range ve.Fields {
		switch {
		case f.Code == "invalid_cvss":
			version := "3.1"
			if f.Field == "cvss40" {
				version = "4.0"
			}
			if pr := service.FindCVSSProblem(version, vectors[f.Field]); pr != nil {
				what := p.T("vulnerabilities.cvss." + pr.Code)
				if pr.Metric != "" {
					what = p.T("vulnerabilities.cvss."+pr.Code, pr.Metric)
				}
				p.Errors[f.Field] = p.T("vulnerabilities.cvss_error", pr.Pos, what)
			} else {
				p.Errors[f.Field] = p.T("vulnerabilities.cvss_error", 1, p.T("vulnerabilities.cvss.invalid"))
			}
		case h.tr.Has(p.Lang, "vulnerabilities.error."+f.Code):
			p.Errors[f.Field] = p.T("vulnerabilities.error." + f.Code)
		default:
			p.Errors[f.Field] = fieldMessage(p, f)
		}
	}
}

func (h *Handler) vulnFormError(w http.ResponseWriter, r *http.Request, v *vulnFormView, err error) error {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	h.fill(r, &v.page)
	h.vulnFieldErrors(&v.page, ve, map[string]string{"cvss31": v.Form.CVSS31, "cvss40": v.Form.CVSS40})
	v.Alert = v.T("vulnerabilities.fix_errors")
	return h.renderVulnForm(w, r, statusOf(err), v)
}

func (h *Handler) vulnCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	in := readVulnForm(r)
	v, err := h.svc.Vulns.Create(r.Context(), h.stateOf(r).actor(), in)
	if err != nil {
		return h.vulnFormError(w, r, &vulnFormView{Form: in}, err)
	}
	return redirect(w, r, "/vulnerabilities/"+url.PathEscape(v.ID)+"?n=created")
}

func (h *Handler) vulnEdit(w http.ResponseWriter, r *http.Request) error {
	view, err := h.svc.Vulns.Get(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !view.CanEdit {
		return hikeshi.ErrNotFound
	}
	x := view.Vulnerability
	in := service.VulnerabilityInput{CVE: x.CVE, TitleJA: x.TitleJA, TitleEN: x.TitleEN, DescriptionJA: x.DescriptionJA, DescriptionEN: x.DescriptionEN,
		Vendor: x.Vendor, Versions: x.Versions, Fix: x.Fix, CVSS31: x.CVSS31, CVSS40: x.CVSS40, Severity: x.Severity, AssetIDs: x.AssetIDs,
		References: x.References}
	return h.renderVulnForm(w, r, http.StatusOK, &vulnFormView{ID: x.ID, Form: in})
}

func (h *Handler) vulnUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := readVulnForm(r)
	in.ReportID = ""
	if _, err := h.svc.Vulns.Update(r.Context(), h.stateOf(r).actor(), id, in); err != nil {
		if _, gerr := h.svc.Vulns.Get(r.Context(), h.stateOf(r).actor(), id); gerr != nil {
			return gerr
		}
		return h.vulnFormError(w, r, &vulnFormView{ID: id, Form: in}, err)
	}
	return redirect(w, r, "/vulnerabilities/"+url.PathEscape(id)+"?n=saved")
}

// vulnShowView is the vulnerability page.
type vulnShowView struct {
	page
	V           service.VulnerabilityView
	Description string
	OtherTitle  string
	OtherDesc   string
	Departments []hikeshi.Department
	TLPs        []hikeshi.TLP
	Disclosures []hikeshi.DisclosureStatus
	CanDraft    bool
	Now         time.Time
	// What was typed into a refused form, shown again.
	Typed map[string]string
}

func (h *Handler) renderVuln(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *vulnShowView)) error {
	a := h.stateOf(r).actor()
	view, err := h.svc.Vulns.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	v := &vulnShowView{V: view, TLPs: hikeshi.TLPs, Disclosures: hikeshi.DisclosureStatuses, Typed: map[string]string{},
		CanDraft: view.CanEdit && a.CanWriteAdvisories(), Now: h.clock.Now()}
	v.Active = "vulnerabilities"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "vulnerabilities")
	v.Title = view.TitleIn(v.Lang)
	v.Description = view.DescriptionIn(v.Lang)
	other := hikeshi.LocaleJA
	if v.Lang == hikeshi.LocaleJA {
		other = hikeshi.LocaleEN
	}
	if t := view.TitleIn(other); t != v.Title {
		v.OtherTitle, v.OtherDesc = t, view.DescriptionIn(other)
	}
	if view.CanEdit {
		if v.Departments, err = h.svc.Departments.List(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
			return err
		}
	}
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "vulnerabilities_show", v)
}

func (h *Handler) vulnShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderVuln(w, r, http.StatusOK, r.PathValue("id"), nil)
}

// vulnAction runs one of the vulnerability page's forms; a refusal shows
// the page again with the reason beside the form and what was typed.
func (h *Handler) vulnAction(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		a, id, ctx := h.stateOf(r).actor(), r.PathValue("id"), r.Context()
		var err error
		to := "/vulnerabilities/" + url.PathEscape(id) + "?n=" + strings.ReplaceAll(action, "-", "_")
		switch action {
		case "status":
			_, err = h.svc.Vulns.SetStatus(ctx, a, id, hikeshi.VulnStatus(trimmed(r, "status")))
		case "link":
			if trimmed(r, "kind") == "advisory" {
				_, err = h.svc.Vulns.LinkAdvisory(ctx, a, id, trimmed(r, "advisory_id"))
			} else {
				_, err = h.svc.Vulns.LinkIncident(ctx, a, id, trimmed(r, "incident_id"))
			}
		case "unlink":
			_, err = h.svc.Vulns.Unlink(ctx, a, id, trimmed(r, "kind"), trimmed(r, "target"))
		case "draft-advisory":
			var adv hikeshi.Advisory
			lang := hikeshi.Locale(trimmed(r, "lang"))
			if lang == "" {
				lang = h.stateOf(r).lang
			}
			adv, err = h.svc.Vulns.DraftAdvisory(ctx, a, id, service.AdvisoryDraftInput{Lang: lang, TLP: hikeshi.TLP(trimmed(r, "tlp")), BaseURL: h.baseURL(r)})
			if err == nil {
				to = "/advisories/" + url.PathEscape(adv.ID) + "?n=created"
			}
		case "remediations":
			_, err = h.svc.Vulns.AddRemediation(ctx, a, id, service.RemediationInput{DepartmentID: trimmed(r, "department_id"), AssetID: trimmed(r, "asset_id")})
		case "exceptions":
			day, derr := service.ParseDay("expires_at", trimmed(r, "expires_at"))
			if err = derr; err == nil {
				_, err = h.svc.Vulns.RequestException(ctx, a, id, service.ExceptionInput{Reason: formValue(r, "reason"), ExpiresAt: day})
			}
		case "acknowledge":
			_, err = h.svc.Vulns.Acknowledge(ctx, a, id)
		case "disclosure":
			day, derr := service.ParseDay("publication_date", trimmed(r, "publication_date"))
			if err = derr; err == nil {
				_, err = h.svc.Vulns.SetDisclosure(ctx, a, id, service.DisclosureInput{Status: hikeshi.DisclosureStatus(trimmed(r, "disclosure")), PublicationDate: day})
			}
		}
		if err != nil {
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			return h.renderVuln(w, r, statusOf(err), id, func(v *vulnShowView) {
				h.vulnFieldErrors(&v.page, ve, nil)
				for k, vs := range r.PostForm {
					if len(vs) > 0 {
						v.Typed[k] = vs[0]
					}
				}
				v.Alert = v.T("vulnerabilities.refused")
			})
		}
		return redirect(w, r, to)
	}
}

func (h *Handler) vulnTaskComplete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	rem, err := h.svc.Vulns.CompleteRemediation(r.Context(), a, r.PathValue("id"), formValue(r, "note"))
	if err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		it, gerr := h.svc.Vulns.Remediation(r.Context(), a, r.PathValue("id"))
		if gerr != nil {
			return gerr
		}
		back := "/vulnerabilities"
		if a.CanReadAll() {
			back = "/vulnerabilities/" + url.PathEscape(it.VulnerabilityID)
		}
		return h.renderVulnTaskError(w, r, statusOf(err), it, ve, back)
	}
	if r.PostFormValue("back") == "list" || !a.CanReadAll() {
		return redirect(w, r, "/vulnerabilities?n=task_done")
	}
	return redirect(w, r, "/vulnerabilities/"+url.PathEscape(rem.VulnerabilityID)+"?n=task_done")
}

// vulnTaskView shows a refused completion again.
type vulnTaskView struct {
	page
	Task service.RemediationItem
	Back string
	Note string
}

func (h *Handler) renderVulnTaskError(w http.ResponseWriter, r *http.Request, status int, it service.RemediationItem, ve *hikeshi.ValidationError, back string) error {
	v := &vulnTaskView{Task: it, Back: back, Note: formValue(r, "note")}
	v.Active = "vulnerabilities"
	h.fill(r, &v.page)
	h.vulnFieldErrors(&v.page, ve, nil)
	v.Alert = v.T("vulnerabilities.refused")
	v.Title = v.T("vulnerabilities.task_complete")
	return h.render(w, r, status, "vulnerabilities_task", v)
}

func (h *Handler) vulnExceptionDecide(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	e, err := h.svc.Vulns.DecideException(r.Context(), a, r.PathValue("id"), r.PostFormValue("decision") == "approve")
	if err != nil {
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		vid := trimmed(r, "vulnerability_id")
		if len(vid) > 64 || vid == "" {
			return err
		}
		return h.renderVuln(w, r, statusOf(err), vid, func(v *vulnShowView) {
			h.vulnFieldErrors(&v.page, ve, nil)
			v.Alert = v.T("vulnerabilities.refused")
		})
	}
	return redirect(w, r, "/vulnerabilities/"+url.PathEscape(e.VulnerabilityID)+"?n=decided")
}
