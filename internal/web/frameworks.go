package web

// This file holds the UI of IS-3: frameworks, the measure catalogue and the
// Statement of Applicability (decision 0024).

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// registerFrameworks mounts the area's pages.
func (h *Handler) registerFrameworks(handle handleFunc) {
	handle("GET /isms/frameworks", signedIn, h.frameworkList)
	handle("GET /isms/frameworks/{key}", signedIn, h.frameworkShow)
	handle("POST /isms/frameworks/{key}/archive", signedIn, h.frameworkArchive(true))
	handle("POST /isms/frameworks/{key}/restore", signedIn, h.frameworkArchive(false))
	handle("POST /isms/frameworks/{key}/delete", signedIn, h.frameworkDelete)
	handle("GET /isms/measures", signedIn, h.measureList)
	handle("POST /isms/measures", signedIn, h.measureCreate)
	handle("GET /isms/measures/{id}", signedIn, h.measureShow)
	handle("POST /isms/measures/{id}", signedIn, h.measureUpdate)
	handle("POST /isms/measures/{id}/archive", signedIn, h.measureArchive(true))
	handle("POST /isms/measures/{id}/restore", signedIn, h.measureArchive(false))
	handle("POST /isms/measures/{id}/delete", signedIn, h.measureDelete)
	handle("GET /isms/soa", signedIn, h.soaPage)
	handle("GET /isms/soa.csv", signedIn, h.soaCSV)
	handle("GET /isms/soa/{control}", signedIn, h.soaEdit)
	handle("POST /isms/soa/{control}", signedIn, h.soaSave)
}

// fwPage is what every page of the area shares: titles and names in the page's language.
type fwPage struct {
	page
	deptNames map[string]string
}

// ReqTitle is a requirement's title in the page's language.
func (p *fwPage) ReqTitle(r hikeshi.Requirement) string { return r.Title(string(p.Lang)) }

// StatusName is the localised name of an implementation status.
func (p *fwPage) StatusName(s hikeshi.MeasureStatus) string {
	if !s.Valid() {
		return ""
	}
	return p.T("frameworks.status." + string(s))
}

// StatusBadge is the badge class of an implementation status.
func (p *fwPage) StatusBadge(s hikeshi.MeasureStatus) string {
	switch s {
	case hikeshi.StatusImplemented:
		return "badge badge-ok"
	case hikeshi.StatusPartial:
		return "badge badge-warn"
	}
	return "badge badge-muted"
}

// ThemeName is the localised name of an Annex A theme.
func (p *fwPage) ThemeName(theme string) string {
	if theme == "" {
		return ""
	}
	return p.T("frameworks.theme." + theme)
}

// notice sets the page's notice from ?n= (this area's own notices).
func (h *Handler) fwNotice(r *http.Request, p *page) { h.notice(r, p, "frameworks") }

// refusal localises a refused archive or delete (409): the alert for its
// code, with the names after the message's colon for "referenced".
func (h *Handler) refusal(p *page, ve *hikeshi.ValidationError) string {
	for _, f := range ve.Fields {
		key := "frameworks.refused." + f.Field + "." + f.Code
		if !h.tr.Has(p.Lang, key) {
			break
		}
		if f.Code == "referenced" {
			names := f.Message
			if i := strings.Index(names, ": "); i >= 0 {
				names = names[i+2:]
			}
			return p.T(key, names)
		}
		return p.T(key)
	}
	return p.T("frameworks.fix_errors")
}

// DeptName is a department's name, "" for none.
func (p *fwPage) DeptName(id string) string { return p.deptNames[id] }

// Refs shows a measure's mappings, one per line as the form takes them.
func (p *fwPage) Refs(rs []hikeshi.RequirementRef) string { return formatRefs(rs) }

func (h *Handler) loadDepartments(r *http.Request, p *fwPage) ([]hikeshi.Department, error) {
	ds, err := h.svc.Departments.List(r.Context(), h.stateOf(r).actor(), hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	p.deptNames = map[string]string{}
	for _, d := range ds {
		p.deptNames[d.ID] = d.Name
	}
	return ds, nil
}

// --- frameworks ---

type frameworkListView struct {
	fwPage
	Frameworks []service.FrameworkInfo
}

func (h *Handler) frameworkList(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.svc.Frameworks.Frameworks(r.Context(), h.stateOf(r).actor())
	if err != nil {
		return err
	}
	v := &frameworkListView{Frameworks: fs}
	v.Active = "isms"
	h.fill(r, &v.page)
	h.fwNotice(r, &v.page)
	return h.render(w, r, http.StatusOK, "frameworks_list", v)
}

type frameworkView struct {
	fwPage
	Framework    hikeshi.Framework
	Requirements []hikeshi.Requirement
	CanManage    bool // may archive or restore it (admins, imported frameworks)
	CanDelete    bool // may try to delete it (admins, not a framework that ships with Hikeshi)
}

func (h *Handler) frameworkShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderFramework(w, r, http.StatusOK, "")
}

func (h *Handler) renderFramework(w http.ResponseWriter, r *http.Request, status int, alert string) error {
	a := h.stateOf(r).actor()
	f, reqs, err := h.svc.Frameworks.Framework(r.Context(), a, r.PathValue("key"))
	if err != nil {
		return err
	}
	v := &frameworkView{Framework: f, Requirements: reqs}
	v.CanManage = service.CanManageFrameworks(a) && !f.Builtin
	v.CanDelete = v.CanManage && !hikeshi.FrameworkProtected(f.Key)
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = f.Name
	v.Alert = alert
	h.fwNotice(r, &v.page)
	return h.render(w, r, status, "frameworks_show", v)
}

// frameworkRefused shows the framework page again with a refusal, or
// returns the error when it is not one.
func (h *Handler) frameworkRefused(w http.ResponseWriter, r *http.Request, err error) error {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	p := &page{}
	h.fill(r, p)
	return h.renderFramework(w, r, statusOf(err), h.refusal(p, ve))
}

func (h *Handler) frameworkArchive(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		key := r.PathValue("key")
		if _, err := h.svc.Frameworks.SetFrameworkArchived(r.Context(), h.stateOf(r).actor(), key, archived); err != nil {
			return h.frameworkRefused(w, r, err)
		}
		n := "archived"
		if !archived {
			n = "restored"
		}
		return redirect(w, r, "/isms/frameworks/"+url.PathEscape(key)+"?n="+n)
	}
}

func (h *Handler) frameworkDelete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	if err := h.svc.Frameworks.DeleteFramework(r.Context(), h.stateOf(r).actor(), r.PathValue("key")); err != nil {
		return h.frameworkRefused(w, r, err)
	}
	return redirect(w, r, "/isms/frameworks?n=framework_deleted")
}

// --- measures ---

const measuresPageSize = 50

// measureForm is the measure form as typed.
type measureForm struct {
	Name, Description, DepartmentID, Status, Requirements string
}

func measureFormOf(m hikeshi.Measure) measureForm {
	return measureForm{Name: m.Name, Description: m.Description, DepartmentID: m.DepartmentID, Status: string(m.Status), Requirements: formatRefs(m.Requirements)}
}

// formatRefs writes mappings one per line: an ISO/IEC 27001 ref alone,
// another framework's as "key ref".
func formatRefs(rs []hikeshi.RequirementRef) string {
	var b strings.Builder
	for _, r := range rs {
		if r.FrameworkKey != hikeshi.ISO27001Key {
			b.WriteString(r.FrameworkKey + " ")
		}
		b.WriteString(r.Ref + "\n")
	}
	return b.String()
}

// parseRefs reads the form's mappings: one per line, "A.5.1" for ISO/IEC
// 27001:2022 or "key ref" for another framework.
func parseRefs(s string) []hikeshi.RequirementRef {
	var out []hikeshi.RequirementRef
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		switch len(f) {
		case 0:
		case 1:
			out = append(out, hikeshi.RequirementRef{FrameworkKey: hikeshi.ISO27001Key, Ref: f[0]})
		default:
			out = append(out, hikeshi.RequirementRef{FrameworkKey: f[0], Ref: strings.Join(f[1:], " ")})
		}
	}
	return out
}

func (f measureForm) input() service.MeasureInput {
	return service.MeasureInput{Name: f.Name, Description: f.Description, DepartmentID: f.DepartmentID,
		Status: hikeshi.MeasureStatus(f.Status), Requirements: parseRefs(f.Requirements)}
}

func readMeasureForm(r *http.Request) measureForm {
	return measureForm{Name: formValue(r, "name"), Description: formValue(r, "description"), DepartmentID: formValue(r, "department_id"),
		Status: formValue(r, "status"), Requirements: formValue(r, "requirements")}
}

type measureListView struct {
	fwPage
	Measures    []hikeshi.Measure
	Departments []hikeshi.Department
	Statuses    []hikeshi.MeasureStatus
	CanCreate   bool
	Form        measureForm
	OlderURL    string
	NewestURL   string
	Archived    bool // archived measures listed too
}

func (h *Handler) measureList(w http.ResponseWriter, r *http.Request) error {
	return h.renderMeasures(w, r, http.StatusOK, nil)
}

func (h *Handler) renderMeasures(w http.ResponseWriter, r *http.Request, status int, edit func(*measureListView)) error {
	a := h.stateOf(r).actor()
	v := &measureListView{Statuses: hikeshi.MeasureStatuses, CanCreate: service.CanCreateMeasure(a), Form: measureForm{Status: string(hikeshi.StatusPlanned)}}
	v.Active = "isms"
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	v.Archived = r.URL.Query().Get("archived") == "1"
	list, err := h.svc.Frameworks.Measures(r.Context(), a, hikeshi.MeasureFilter{IncludeArchived: v.Archived,
		Page: hikeshi.Page{After: after, Limit: measuresPageSize + 1}})
	if err != nil {
		return err
	}
	if len(list) > measuresPageSize {
		list = list[:measuresPageSize]
		q := url.Values{"after": {list[len(list)-1].ID}}
		if v.Archived {
			q.Set("archived", "1")
		}
		v.OlderURL = "/isms/measures?" + q.Encode()
	}
	if after != "" {
		v.NewestURL = "/isms/measures"
		if v.Archived {
			v.NewestURL += "?archived=1"
		}
	}
	v.Measures = list
	if v.Departments, err = h.loadDepartments(r, &v.fwPage); err != nil {
		return err
	}
	h.fill(r, &v.page)
	h.fwNotice(r, &v.page)
	if edit != nil {
		edit(v)
	}
	return h.render(w, r, status, "measures", v)
}

func (h *Handler) measureCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	form := readMeasureForm(r)
	m, err := h.svc.Frameworks.CreateMeasure(r.Context(), h.stateOf(r).actor(), form.input())
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderMeasures(w, r, statusOf(err), func(v *measureListView) {
			v.Form, v.Errors, v.Alert = form, archivedMapping(&v.page, err, msgs), v.T("frameworks.fix_errors")
		})
	}
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/isms/measures/"+url.PathEscape(m.ID)+"?m=saved")
}

type measureView struct {
	fwPage
	Measure     hikeshi.Measure
	Departments []hikeshi.Department
	Statuses    []hikeshi.MeasureStatus
	CanEdit     bool
	CanArchive  bool // may archive, restore or (try to) delete it
	CanMove     bool // may change the owner department
	Form        measureForm
	// Improvements are the incident lessons that changed the measure (IN-1).
	Improvements improvementsSection
}

func (h *Handler) renderMeasure(w http.ResponseWriter, r *http.Request, status int, edit func(*measureView)) error {
	a := h.stateOf(r).actor()
	m, err := h.svc.Frameworks.Measure(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &measureView{Measure: m, Statuses: hikeshi.MeasureStatuses, CanEdit: service.CanEditMeasure(a, m) && !m.Archived,
		CanArchive: service.CanEditMeasure(a, m), CanMove: service.CanCreateMeasure(a), Form: measureFormOf(m)}
	v.Active = "isms"
	if v.Departments, err = h.loadDepartments(r, &v.fwPage); err != nil {
		return err
	}
	h.fill(r, &v.page)
	v.Title = m.Name
	h.fwNotice(r, &v.page)
	if v.Improvements, err = h.improvementsFor(r, &v.page, m.ID, ""); err != nil {
		return err
	}
	if edit != nil {
		edit(v)
	}
	return h.render(w, r, status, "measures_show", v)
}

// archivedMapping words a mapping onto an archived framework's requirement.
func archivedMapping(p *page, err error, msgs map[string]string) map[string]string {
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			if f.Field == "requirements" && f.Code == "archived" {
				msgs["requirements"] = p.T("frameworks.error.archived_framework")
			}
		}
	}
	return msgs
}

// measureRefused shows the measure page again with a refusal.
func (h *Handler) measureRefused(w http.ResponseWriter, r *http.Request, err error) error {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		if errors.Is(err, hikeshi.ErrForbidden) {
			return userError(http.StatusForbidden, "error.forbidden", err)
		}
		return err
	}
	return h.renderMeasure(w, r, statusOf(err), func(v *measureView) { v.Alert = h.refusal(&v.page, ve) })
}

func (h *Handler) measureArchive(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		id := r.PathValue("id")
		if _, err := h.svc.Frameworks.SetMeasureArchived(r.Context(), h.stateOf(r).actor(), id, archived); err != nil {
			return h.measureRefused(w, r, err)
		}
		n := "archived"
		if !archived {
			n = "restored"
		}
		return redirect(w, r, "/isms/measures/"+url.PathEscape(id)+"?n="+n)
	}
}

func (h *Handler) measureDelete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	if err := h.svc.Frameworks.DeleteMeasure(r.Context(), h.stateOf(r).actor(), r.PathValue("id")); err != nil {
		return h.measureRefused(w, r, err)
	}
	return redirect(w, r, "/isms/measures?n=measure_deleted")
}

func (h *Handler) measureShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderMeasure(w, r, http.StatusOK, nil)
}

func (h *Handler) measureUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	form := readMeasureForm(r)
	if !service.CanCreateMeasure(a) {
		// The owner is not the member's to change: keep the stored one.
		if m, err := h.svc.Frameworks.Measure(r.Context(), a, r.PathValue("id")); err == nil {
			form.DepartmentID = m.DepartmentID
		}
	}
	m, err := h.svc.Frameworks.UpdateMeasure(r.Context(), a, r.PathValue("id"), form.input())
	if ve := (*hikeshi.ValidationError)(nil); errors.As(err, &ve) && ve.Conflict {
		return h.measureRefused(w, r, err)
	}
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderMeasure(w, r, statusOf(err), func(v *measureView) {
			v.Form, v.Errors, v.Alert = form, archivedMapping(&v.page, err, msgs), v.T("frameworks.fix_errors")
		})
	}
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/isms/measures/"+url.PathEscape(m.ID)+"?m=saved")
}

// --- the Statement of Applicability ---

type soaTheme struct {
	Theme string
	Lines []service.SoALine
}

type soaView struct {
	fwPage
	Themes   []soaTheme
	CanEdit  bool
	Print    bool
	Decided  int
	Excluded int
}

func (h *Handler) soaView(r *http.Request) (*soaView, error) {
	a := h.stateOf(r).actor()
	lines, err := h.svc.Frameworks.SoA(r.Context(), a)
	if err != nil {
		return nil, err
	}
	v := &soaView{CanEdit: service.CanEditSoA(a)}
	v.Active = "isms"
	for _, l := range lines {
		if len(v.Themes) == 0 || v.Themes[len(v.Themes)-1].Theme != l.Control.Theme {
			v.Themes = append(v.Themes, soaTheme{Theme: l.Control.Theme})
		}
		th := &v.Themes[len(v.Themes)-1]
		th.Lines = append(th.Lines, l)
		if l.Decided() {
			v.Decided++
			if !l.Entry.Applicable {
				v.Excluded++
			}
		}
	}
	return v, nil
}

// soaPage is the SoA; with ?print=1 a plain document without navigation
// or forms, for printing.
func (h *Handler) soaPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.soaView(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("print") != "1" {
		return h.render(w, r, http.StatusOK, "soa", v)
	}
	v.Print, v.CanEdit = true, false
	h.fill(r, &v.page)
	v.Title = v.T("title.soa")
	set, ok := h.pages.sets["soa"]
	if !ok {
		return errors.New("render: no page soa")
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "soa_print", v); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", string(v.Lang))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// soaCSV downloads the SoA as CSV (UTF-8 with a byte-order mark, for Excel).
func (h *Handler) soaCSV(w http.ResponseWriter, r *http.Request) error {
	lines, err := h.svc.Frameworks.SoA(r.Context(), h.stateOf(r).actor())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := service.WriteSoACSV(&buf, lines); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="statement-of-applicability.csv"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// soaForm is one control's decision as typed.
type soaForm struct {
	Applicable    string // "yes", "no"
	Justification string
	Status        string
}

type soaEditView struct {
	fwPage
	Line     service.SoALine
	Statuses []hikeshi.MeasureStatus
	Form     soaForm
}

func (h *Handler) renderSoAEdit(w http.ResponseWriter, r *http.Request, status int, edit func(*soaEditView)) error {
	a := h.stateOf(r).actor()
	if !service.CanEditSoA(a) {
		return userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	ref := r.PathValue("control")
	lines, err := h.svc.Frameworks.SoA(r.Context(), a)
	if err != nil {
		return err
	}
	v := &soaEditView{Statuses: []hikeshi.MeasureStatus{hikeshi.StatusPlanned, hikeshi.StatusPartial, hikeshi.StatusImplemented}}
	v.Active = "isms"
	found := false
	for _, l := range lines {
		if l.Control.Ref == ref {
			v.Line, found = l, true
		}
	}
	if !found {
		return hikeshi.ErrNotFound
	}
	v.Form = soaForm{Applicable: "yes", Justification: v.Line.Entry.Justification, Status: string(v.Line.Entry.Status)}
	if v.Line.Decided() && !v.Line.Entry.Applicable {
		v.Form.Applicable = "no"
	}
	h.fill(r, &v.page)
	v.Title = v.T("frameworks.soa.edit_title", ref)
	if edit != nil {
		edit(v)
	}
	return h.render(w, r, status, "soa_edit", v)
}

func (h *Handler) soaEdit(w http.ResponseWriter, r *http.Request) error {
	return h.renderSoAEdit(w, r, http.StatusOK, nil)
}

func (h *Handler) soaSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	form := soaForm{Applicable: formValue(r, "applicable"), Justification: formValue(r, "justification"), Status: formValue(r, "status")}
	in := service.SoAInput{Applicable: form.Applicable == "yes", Justification: form.Justification, Status: hikeshi.MeasureStatus(form.Status)}
	if !in.Applicable {
		in.Status = hikeshi.StatusNotApplicable
	}
	ref := r.PathValue("control")
	_, err := h.svc.Frameworks.SetSoA(r.Context(), h.stateOf(r).actor(), ref, in)
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderSoAEdit(w, r, statusOf(err), func(v *soaEditView) {
			v.Form, v.Errors, v.Alert = form, msgs, v.T("frameworks.fix_errors")
		})
	}
	if errors.Is(err, hikeshi.ErrForbidden) {
		return userError(http.StatusForbidden, "error.forbidden", err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/isms/soa?m=saved#"+url.PathEscape(ref))
}
