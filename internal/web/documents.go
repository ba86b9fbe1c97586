package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IS-1: versioned policy documents, the ISMS scope and roles per department.

// registerDocuments mounts the area's pages.
func (h *Handler) registerDocuments(handle handleFunc) {
	handle("GET /isms/documents", signedIn, h.documentList)
	handle("POST /isms/documents", signedIn, h.documentCreate)
	handle("GET /isms/documents/{id}", signedIn, h.documentShow)
	handle("POST /isms/documents/{id}", signedIn, h.documentUpdate)
	handle("POST /isms/documents/{id}/draft", signedIn, h.documentDraft)
	handle("POST /isms/documents/{id}/archive", signedIn, h.documentArchive(true))
	handle("POST /isms/documents/{id}/restore", signedIn, h.documentArchive(false))
	handle("POST /isms/documents/{id}/delete", signedIn, h.documentDelete)
	handle("POST /isms/documents/{id}/submit", signedIn, h.documentMove("submit"))
	handle("POST /isms/documents/{id}/return", signedIn, h.documentMove("return"))
	handle("POST /isms/documents/{id}/approve", signedIn, h.documentMove("approve"))
	handle("POST /isms/documents/{id}/next-review", signedIn, h.documentMove("next_review"))
	handle("GET /isms/documents/{id}/versions/{number}", signedIn, h.documentVersion)
	handle("GET /isms/documents/{id}/diff", signedIn, h.documentDiff)
	handle("GET /isms/scope", signedIn, h.scopeShow)
	handle("POST /isms/scope", signedIn, h.scopeSave)
	handle("GET /isms/roles", signedIn, h.rolesShow)
	handle("GET /isms/roles/{id}", signedIn, h.roleEdit)
	handle("POST /isms/roles/{id}", signedIn, h.roleSave)
}

// documentsPageSize is the list's page size.
const documentsPageSize = 50

// DocKindName is the localised name of a document kind.
func (p *page) DocKindName(k hikeshi.DocumentKind) string { return p.T("documents.kind." + string(k)) }

// DocStatusName is the localised name of a version status.
func (p *page) DocStatusName(s hikeshi.VersionStatus) string {
	return p.T("documents.status." + string(s))
}

// DocDate formats a date (no time of day); a zero date is a dash.
func (p *page) DocDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.DateOnly)
}

// documentForm is the new-document form as typed.
type documentForm struct {
	Kind, Title, DepartmentID, Body, Note string
}

type documentRow struct {
	Doc            hikeshi.Document
	DepartmentName string
	Review         hikeshi.ReviewState
}

// ReviewBadge is the badge of a review state ("" for none).
func (p *page) ReviewBadge(s hikeshi.ReviewState) string {
	if s == hikeshi.ReviewOverdue {
		return "badge badge-danger"
	}
	return "badge badge-warn"
}

type documentListView struct {
	page
	Rows        []documentRow
	Kinds       []hikeshi.DocumentKind
	Kind        string // the filter
	Review      string // the review filter: "", due, overdue
	Archived    bool   // archived documents listed too
	Next        string // cursor of the next page
	NextURL     string
	CanCreate   bool
	ChooseDept  bool // admins choose the owner; others own it through their department
	Departments []hikeshi.Department
	Form        documentForm
}

func (h *Handler) docDeptNames(r *http.Request) (map[string]string, []hikeshi.Department, error) {
	ds, err := h.svc.Departments.List(r.Context(), h.stateOf(r).actor(), hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, d := range ds {
		names[d.ID] = d.Name
	}
	return names, ds, nil
}

func (h *Handler) documentListView(r *http.Request) (*documentListView, error) {
	a := h.stateOf(r).actor()
	v := &documentListView{Kinds: hikeshi.DocumentKinds, Kind: r.URL.Query().Get("kind"), CanCreate: h.svc.Documents.CanCreate(a),
		ChooseDept: a.Role == hikeshi.RoleAdmin}
	v.Active = "isms"
	kind := hikeshi.DocumentKind(v.Kind)
	if !kind.Valid() {
		kind, v.Kind = "", ""
	}
	review := hikeshi.ReviewState(r.URL.Query().Get("review"))
	if !review.Valid() {
		review = ""
	}
	v.Review, v.Archived = string(review), r.URL.Query().Get("archived") == "1"
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	docs, err := h.svc.Documents.List(r.Context(), a, hikeshi.DocumentFilter{Kind: kind, Review: review, IncludeArchived: v.Archived,
		Page: hikeshi.Page{After: after, Limit: documentsPageSize + 1}})
	if err != nil {
		return nil, err
	}
	if len(docs) > documentsPageSize {
		docs = docs[:documentsPageSize]
		v.Next = docs[len(docs)-1].ID
		q := url.Values{"after": {v.Next}}
		if v.Kind != "" {
			q.Set("kind", v.Kind)
		}
		if v.Review != "" {
			q.Set("review", v.Review)
		}
		if v.Archived {
			q.Set("archived", "1")
		}
		v.NextURL = "/isms/documents?" + q.Encode()
	}
	names, ds, err := h.docDeptNames(r)
	if err != nil {
		return nil, err
	}
	v.Departments = ds
	for _, d := range docs {
		v.Rows = append(v.Rows, documentRow{Doc: d, DepartmentName: names[d.DepartmentID], Review: h.svc.Documents.Review(d)})
	}
	return v, nil
}

func (h *Handler) documentList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.documentListView(r)
	if err != nil {
		return err
	}
	v.Form.Kind = string(hikeshi.DocBasicPolicy)
	if n := r.URL.Query().Get("n"); n != "" {
		h.fill(r, &v.page)
		if h.tr.Has(v.Lang, "documents.notice."+n) {
			v.Notice = v.T("documents.notice." + n)
		}
	}
	return h.render(w, r, http.StatusOK, "documents_list", v)
}

func (h *Handler) documentCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	in := documentForm{Kind: trimmed(r, "kind"), Title: formValue(r, "title"), DepartmentID: trimmed(r, "department_id"),
		Body: formValue(r, "body"), Note: formValue(r, "note")}
	if a.Role != hikeshi.RoleAdmin {
		in.DepartmentID = "" // the service uses the actor's department
	}
	d, err := h.svc.Documents.Create(r.Context(), a, service.DocumentInput{Kind: hikeshi.DocumentKind(in.Kind), Title: in.Title,
		DepartmentID: in.DepartmentID, Body: in.Body, Note: in.Note})
	if err != nil {
		msgs, ok := h.formErrors(r, err)
		if !ok {
			return err
		}
		v, verr := h.documentListView(r)
		if verr != nil {
			return verr
		}
		v.Form, v.Errors = in, msgs
		h.fill(r, &v.page)
		v.Alert = v.T("documents.fix_errors")
		return h.render(w, r, statusOf(err), "documents_list", v)
	}
	return redirect(w, r, "/isms/documents/"+url.PathEscape(d.ID)+"?n=created")
}

// documentVersionRow is a version in the history table.
type documentVersionRow struct {
	V                           hikeshi.DocumentVersion
	Author, Submitter, Approver string
	Editors                     []string // besides the author
	Previous                    int      // the number of the previous readable version, 0 if none
}

type documentShowView struct {
	page
	D              service.DocumentDetail
	DepartmentName string
	Approved       template.HTML // the approved version, rendered
	Open           template.HTML // the open version, rendered
	Rows           []documentVersionRow
	Kinds          []hikeshi.DocumentKind
	Departments    []hikeshi.Department
	IsAdmin        bool
	// The forms as typed.
	FormTitle, FormKind, DepartmentID, Body, Note, NextReview, ReviewDate string
}

// docPerson is a user's name when the viewer may see the user.
func (h *Handler) docPerson(r *http.Request, cache map[string]string, id string) string {
	if id == "" {
		return ""
	}
	if n, ok := cache[id]; ok {
		return n
	}
	n := "—"
	if u, err := h.svc.Users.Get(r.Context(), h.stateOf(r).actor(), id); err == nil {
		n = u.Name
	}
	cache[id] = n
	return n
}

func (h *Handler) documentShowView(r *http.Request, id string) (*documentShowView, error) {
	a := h.stateOf(r).actor()
	d, err := h.svc.Documents.Get(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	names, ds, err := h.docDeptNames(r)
	if err != nil {
		return nil, err
	}
	v := &documentShowView{D: d, DepartmentName: names[d.Document.DepartmentID], Kinds: hikeshi.DocumentKinds, Departments: ds,
		IsAdmin: a.Role == hikeshi.RoleAdmin, FormTitle: d.Document.Title, FormKind: string(d.Document.Kind), DepartmentID: d.Document.DepartmentID}
	v.Active = "isms"
	if d.Approved != nil {
		v.Approved = renderMarkdown(d.Approved.Body)
		v.ReviewDate = d.Approved.NextReview.UTC().Format(time.DateOnly)
	}
	if d.Open != nil {
		v.Open = renderMarkdown(d.Open.Body)
		v.Body, v.Note = d.Open.Body, d.Open.Note
	} else if d.Approved != nil {
		v.Body = d.Approved.Body // a new draft starts from the approved text
	}
	people := map[string]string{}
	for i, ver := range d.Versions {
		row := documentVersionRow{V: ver, Author: h.docPerson(r, people, ver.AuthorID),
			Submitter: h.docPerson(r, people, ver.SubmittedBy), Approver: h.docPerson(r, people, ver.ApprovedBy)}
		for _, e := range ver.Editors {
			if e != ver.AuthorID {
				row.Editors = append(row.Editors, h.docPerson(r, people, e))
			}
		}
		if i+1 < len(d.Versions) {
			row.Previous = d.Versions[i+1].Number
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func (h *Handler) renderDocument(w http.ResponseWriter, r *http.Request, status int, v *documentShowView) error {
	h.fill(r, &v.page)
	v.Title = v.D.Document.Title
	h.notice(r, &v.page, "documents")
	return h.render(w, r, status, "documents_show", v)
}

func (h *Handler) documentShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.documentShowView(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderDocument(w, r, http.StatusOK, v)
}

// documentFormError shows the document page again with the error beside its
// field, or as an alert when it concerns the version's state.
func (h *Handler) documentFormError(w http.ResponseWriter, r *http.Request, err error, typed func(v *documentShowView)) error {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	v, verr := h.documentShowView(r, r.PathValue("id"))
	if verr != nil {
		return verr
	}
	typed(v)
	v.Errors, _ = h.formErrors(r, err)
	h.fill(r, &v.page)
	v.Alert = v.T("documents.fix_errors")
	for _, f := range ve.Fields {
		if (f.Field == "version" || f.Field == "document") && h.tr.Has(v.Lang, "documents.conflict."+f.Code) {
			v.Alert = v.T("documents.conflict." + f.Code)
		}
		if f.Code == "not_own" {
			v.Errors[f.Field] = v.T("documents.error.not_own")
		}
		if f.Field == "next_review" && (f.Code == "not_future" || f.Code == "too_far") {
			v.Errors[f.Field] = v.T("documents.error." + f.Code)
		}
	}
	return h.renderDocument(w, r, statusOf(err), v)
}

func (h *Handler) documentUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	title, kind := formValue(r, "title"), hikeshi.DocumentKind(trimmed(r, "kind"))
	p := service.DocumentPatch{Title: &title, Kind: &kind}
	dept := trimmed(r, "department_id")
	if a.Role == hikeshi.RoleAdmin && dept != "" {
		p.DepartmentID = &dept
	}
	if _, err := h.svc.Documents.Update(r.Context(), a, r.PathValue("id"), p); err != nil {
		return h.documentFormError(w, r, err, func(v *documentShowView) { v.FormTitle, v.FormKind, v.DepartmentID = title, string(kind), dept })
	}
	return redirect(w, r, "/isms/documents/"+url.PathEscape(r.PathValue("id"))+"?n=saved")
}

func (h *Handler) documentDraft(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	in := service.DraftInput{Body: formValue(r, "body"), Note: formValue(r, "note")}
	if _, err := h.svc.Documents.SaveDraft(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), in); err != nil {
		return h.documentFormError(w, r, err, func(v *documentShowView) { v.Body, v.Note = in.Body, in.Note })
	}
	return redirect(w, r, "/isms/documents/"+url.PathEscape(r.PathValue("id"))+"?n=saved#draft")
}

// documentMove answers the workflow's buttons.
func (h *Handler) documentMove(what string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		ctx, a, id := r.Context(), h.stateOf(r).actor(), r.PathValue("id")
		date := trimmed(r, "next_review")
		var err error
		switch what {
		case "submit":
			_, err = h.svc.Documents.Submit(ctx, a, id)
		case "return":
			_, err = h.svc.Documents.Return(ctx, a, id)
		case "approve", "next_review":
			var next *time.Time
			if date != "" {
				t, perr := time.Parse(time.DateOnly, date)
				if perr != nil {
					err = hikeshi.Invalid("next_review", "invalid", "a date like 2027-04-01")
					break
				}
				next = &t
			}
			if what == "approve" {
				_, err = h.svc.Documents.Approve(ctx, a, id, next)
			} else if next == nil {
				err = hikeshi.Invalid("next_review", "required", "name the next review date")
			} else {
				_, err = h.svc.Documents.SetNextReview(ctx, a, id, *next)
			}
		}
		if err != nil {
			return h.documentFormError(w, r, err, func(v *documentShowView) {
				if what == "approve" {
					v.NextReview = date
				} else {
					v.ReviewDate = date
				}
			})
		}
		return redirect(w, r, "/isms/documents/"+url.PathEscape(id)+"?n="+what)
	}
}

// documentArchive answers the archive and restore buttons.
func (h *Handler) documentArchive(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		id := r.PathValue("id")
		if _, err := h.svc.Documents.SetArchived(r.Context(), h.stateOf(r).actor(), id, archived); err != nil {
			return h.documentFormError(w, r, err, func(*documentShowView) {})
		}
		n := "archived"
		if !archived {
			n = "restored"
		}
		return redirect(w, r, "/isms/documents/"+url.PathEscape(id)+"?n="+n)
	}
}

// documentDelete answers the delete button: a document that was approved is
// refused and the page says to archive it instead.
func (h *Handler) documentDelete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	if err := h.svc.Documents.Delete(r.Context(), h.stateOf(r).actor(), r.PathValue("id")); err != nil {
		return h.documentFormError(w, r, err, func(*documentShowView) {})
	}
	return redirect(w, r, "/isms/documents?n=deleted")
}

type documentVersionView struct {
	page
	Doc      hikeshi.Document
	V        hikeshi.DocumentVersion
	Rendered template.HTML
	Approver string
}

func (h *Handler) documentVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n <= 0 || n > 1_000_000 {
		return hikeshi.ErrNotFound
	}
	d, ver, err := h.svc.Documents.Version(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	v := &documentVersionView{Doc: d, V: ver, Rendered: renderMarkdown(ver.Body), Approver: h.docPerson(r, map[string]string{}, ver.ApprovedBy)}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = v.T("documents.version.title", d.Title, ver.Number)
	return h.render(w, r, http.StatusOK, "documents_version", v)
}

type documentDiffView struct {
	page
	Diff service.DocumentDiff
	// Added and Removed count the changed lines.
	Added, Removed int
}

func (h *Handler) documentDiff(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(q.Get("to"))
	if err1 != nil || err2 != nil || from <= 0 || to <= 0 || from > 1_000_000 || to > 1_000_000 {
		return userError(http.StatusBadRequest, "documents.error.bad_diff", hikeshi.ErrInvalid)
	}
	d, err := h.svc.Documents.Diff(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), from, to)
	if err != nil {
		return err
	}
	v := &documentDiffView{Diff: d}
	for _, l := range d.Lines {
		switch l.Op {
		case hikeshi.DiffAdded:
			v.Added++
		case hikeshi.DiffRemoved:
			v.Removed++
		}
	}
	v.Active = "isms"
	h.fill(r, &v.page)
	v.Title = v.T("documents.diff.title", d.Document.Title, from, to)
	return h.render(w, r, http.StatusOK, "documents_diff", v)
}

// scopeBlankRows is how many empty exclusion rows the scope form offers.
const scopeBlankRows = 2

// scopeRow is an exclusion row of the scope form.
type scopeRow struct {
	What, Why, WhatErr, WhyErr string
}

type scopeView struct {
	page
	Scope       hikeshi.Scope
	Rendered    template.HTML
	Included    []string // names of the departments inside the scope
	Departments []hikeshi.Department
	CanEdit     bool
	UpdatedBy   string
	// The form as typed.
	Statement string
	Selected  map[string]bool
	Rows      []scopeRow
}

func (h *Handler) scopeView(r *http.Request) (*scopeView, error) {
	a := h.stateOf(r).actor()
	sc, err := h.svc.Documents.Scope(r.Context(), a)
	if err != nil {
		return nil, err
	}
	names, ds, err := h.docDeptNames(r)
	if err != nil {
		return nil, err
	}
	v := &scopeView{Scope: sc, Rendered: renderMarkdown(sc.Statement), Departments: ds, CanEdit: h.svc.Documents.CanEditScope(a),
		Statement: sc.Statement, Selected: map[string]bool{}, UpdatedBy: h.docPerson(r, map[string]string{}, sc.UpdatedBy)}
	v.Active = "isms"
	for _, id := range sc.DepartmentIDs {
		v.Selected[id] = true
		if n, ok := names[id]; ok {
			v.Included = append(v.Included, n)
		}
	}
	for _, e := range sc.Exclusions {
		v.Rows = append(v.Rows, scopeRow{What: e.What, Why: e.Why})
	}
	return v, nil
}

func (h *Handler) renderScope(w http.ResponseWriter, r *http.Request, status int, v *scopeView) error {
	for range scopeBlankRows {
		v.Rows = append(v.Rows, scopeRow{})
	}
	h.fill(r, &v.page)
	if r.URL.Query().Get("n") == "saved" && v.Notice == "" {
		v.Notice = v.T("documents.notice.saved")
	}
	return h.render(w, r, status, "scope", v)
}

func (h *Handler) scopeShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.scopeView(r)
	if err != nil {
		return err
	}
	return h.renderScope(w, r, http.StatusOK, v)
}

func (h *Handler) scopeSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	in := service.ScopeInput{Statement: formValue(r, "statement"), DepartmentIDs: r.PostForm["department_ids"]}
	var rows []scopeRow
	for i := 0; i < hikeshi.MaxScopeExclusions+scopeBlankRows; i++ {
		n := strconv.Itoa(i)
		row := scopeRow{What: formValue(r, "what_"+n), Why: formValue(r, "why_"+n)}
		in.Exclusions = append(in.Exclusions, hikeshi.ScopeExclusion{What: row.What, Why: row.Why})
		rows = append(rows, row)
	}
	if _, err := h.svc.Documents.SaveScope(r.Context(), h.stateOf(r).actor(), in); err != nil {
		msgs, ok := h.formErrors(r, err)
		if !ok {
			return err
		}
		v, verr := h.scopeView(r)
		if verr != nil {
			return verr
		}
		v.Statement, v.Selected, v.Rows = in.Statement, map[string]bool{}, nil
		for _, id := range in.DepartmentIDs {
			v.Selected[id] = true
		}
		for i, row := range rows {
			if strings.TrimSpace(row.What) == "" && strings.TrimSpace(row.Why) == "" {
				continue
			}
			pre := "exclusions[" + strconv.Itoa(i) + "]."
			row.WhatErr, row.WhyErr = msgs[pre+"what"], msgs[pre+"why"]
			v.Rows = append(v.Rows, row)
		}
		v.Errors = msgs
		h.fill(r, &v.page)
		v.Alert = v.T("documents.fix_errors")
		return h.renderScope(w, r, statusOf(err), v)
	}
	return redirect(w, r, "/isms/scope?n=saved")
}

// ActivityName is the localised name of an ISMS activity.
func (p *page) ActivityName(a hikeshi.ISMSActivity) string { return p.T("roles.activity." + string(a)) }

// roleRow is a department in the roles table.
type roleRow struct {
	service.DepartmentRole
	Rendered template.HTML
}

// Letter is the department's part in activity a, or "".
func (r roleRow) Letter(a hikeshi.ISMSActivity) string { return string(r.Responsibility.Parts[a]) }

type rolesView struct {
	page
	Rows       []roleRow
	Activities []hikeshi.ISMSActivity
	Letters    []hikeshi.RACI
	CanEdit    bool
	// The edit page.
	Edit  *roleRow
	Text  string
	Parts map[string]string // activity → letter as typed
}

func (h *Handler) rolesView(r *http.Request) (*rolesView, error) {
	a := h.stateOf(r).actor()
	roles, err := h.svc.Documents.Roles(r.Context(), a)
	if err != nil {
		return nil, err
	}
	v := &rolesView{Activities: hikeshi.ISMSActivities, Letters: hikeshi.RACILetters, CanEdit: h.svc.Documents.CanEditRoles(a)}
	v.Active = "isms"
	for _, dr := range roles {
		v.Rows = append(v.Rows, roleRow{DepartmentRole: dr, Rendered: renderMarkdown(dr.Responsibility.Text)})
	}
	return v, nil
}

func (h *Handler) rolesShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.rolesView(r)
	if err != nil {
		return err
	}
	h.fill(r, &v.page)
	if r.URL.Query().Get("n") == "saved" {
		v.Notice = v.T("documents.notice.saved")
	}
	return h.render(w, r, http.StatusOK, "roles", v)
}

// roleEditView loads the edit page of department id.
func (h *Handler) roleEditView(r *http.Request, id string) (*rolesView, error) {
	v, err := h.rolesView(r)
	if err != nil {
		return nil, err
	}
	if !v.CanEdit {
		return nil, userError(http.StatusForbidden, "error.forbidden", hikeshi.ErrForbidden)
	}
	for i := range v.Rows {
		if v.Rows[i].Department.ID == id {
			v.Edit = &v.Rows[i]
		}
	}
	if v.Edit == nil {
		return nil, hikeshi.ErrNotFound
	}
	v.Text, v.Parts = v.Edit.Responsibility.Text, map[string]string{}
	for a, l := range v.Edit.Responsibility.Parts {
		v.Parts[string(a)] = string(l)
	}
	return v, nil
}

func (h *Handler) roleEdit(w http.ResponseWriter, r *http.Request) error {
	v, err := h.roleEditView(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.fill(r, &v.page)
	v.Title = v.T("roles.edit", v.Edit.Department.Name)
	return h.render(w, r, http.StatusOK, "roles_edit", v)
}

func (h *Handler) roleSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := service.ResponsibilityInput{Text: formValue(r, "text"), Parts: map[hikeshi.ISMSActivity]hikeshi.RACI{}}
	typed := map[string]string{}
	for _, a := range hikeshi.ISMSActivities {
		l := trimmed(r, "part_"+string(a))
		in.Parts[a], typed[string(a)] = hikeshi.RACI(l), l
	}
	if _, err := h.svc.Documents.SaveResponsibility(r.Context(), h.stateOf(r).actor(), id, in); err != nil {
		msgs, ok := h.formErrors(r, err)
		if !ok {
			return err
		}
		v, verr := h.roleEditView(r, id)
		if verr != nil {
			return verr
		}
		v.Text, v.Parts, v.Errors = in.Text, typed, msgs
		h.fill(r, &v.page)
		var ve *hikeshi.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				if f.Code == "accountable_taken" {
					v.Errors[f.Field] = v.T("roles.error.accountable_taken")
				}
			}
		}
		v.Alert = v.T("documents.fix_errors")
		v.Title = v.T("roles.edit", v.Edit.Department.Name)
		return h.render(w, r, statusOf(err), "roles_edit", v)
	}
	return redirect(w, r, "/isms/roles?n=saved")
}
