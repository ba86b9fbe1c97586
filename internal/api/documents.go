package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["document_kind"] = stringsOf(hikeshi.DocumentKinds)
	enums["version_status"] = stringsOf(hikeshi.VersionStatuses)
	enums["raci"] = stringsOf(hikeshi.RACILetters)
	enums["review_state"] = []string{string(hikeshi.ReviewDue), string(hikeshi.ReviewOverdue)}
}

// documentRoutes are the operations of IS-1: versioned policy documents, the ISMS scope and roles per department.
func (h *Handler) documentRoutes() []route {
	return []route{
		{method: get, path: "/isms/documents", op: "listDocuments", tag: "documents", summary: "Policy documents, newest first",
			doc: "Every signed-in user lists every document.",
			params: []param{
				{name: "kind", typ: "string", enum: "document_kind", doc: "Only documents of this kind."},
				{name: "department_id", typ: "uuid", doc: "Only documents this department owns."},
				{name: "archived", typ: "string", doc: "true lists archived documents too (left out by default)."},
				{name: "review", typ: "string", enum: "review_state", doc: "due: the next review is within 30 days; overdue: its date has passed."},
			},
			list: true, status: http.StatusOK, resp: documentJSON{}, handle: h.listDocuments},
		{method: post, path: "/isms/documents", op: "createDocument", tag: "documents", summary: "Create a document with its first draft (admins, departments' members)",
			doc:  "Members and managers create documents owned by their own department (department_id defaults to it); admins name any department.",
			body: documentCreateJSON{}, status: http.StatusCreated, resp: documentDetailJSON{}, handle: h.createDocument},
		{method: get, path: "/isms/documents/{id}", op: "getDocument", tag: "documents", summary: "A document with the versions the caller may read",
			doc:    "Approved and superseded versions are read by everyone signed in; drafts and versions in review by the owner department, managers, admins and auditors.",
			status: http.StatusOK, resp: documentDetailJSON{}, handle: h.getDocument},
		{method: patch, path: "/isms/documents/{id}", op: "updateDocument", tag: "documents", summary: "Change a document's kind, title or owner",
			doc:  "JSON merge-patch. Kind and title: the owner department and admins; department_id: admins only.",
			body: documentPatchJSON{}, status: http.StatusOK, resp: documentJSON{}, handle: h.updateDocument},
		{method: del, path: "/isms/documents/{id}", op: "deleteDocument", tag: "documents", summary: "Delete a document created by mistake (the owner department, admins)",
			doc:    "Only a document that was never approved: an approved or superseded version is evidence of the ISMS (409, code approved). Archive it instead.",
			status: http.StatusNoContent, handle: h.deleteDocument},
		{method: post, path: "/isms/documents/{id}/archive", op: "archiveDocument", tag: "documents", summary: "Archive a document (the owner department, admins)",
			doc:    "An archived document is read-only and left out of the list unless archived=true; it stays readable with every version.",
			status: http.StatusOK, resp: documentJSON{}, handle: h.archiveDocument(true)},
		{method: post, path: "/isms/documents/{id}/restore", op: "restoreDocument", tag: "documents", summary: "Restore an archived document (the owner department, admins)",
			status: http.StatusOK, resp: documentJSON{}, handle: h.archiveDocument(false)},
		{method: put, path: "/isms/documents/{id}/draft", op: "putDocumentDraft", tag: "documents", summary: "Write the draft (starts a new version when none is open)",
			doc:  "The owner department and admins. A version in review is returned to draft first (409 otherwise).",
			body: draftJSON{}, status: http.StatusOK, resp: versionJSON{}, handle: h.putDraft},
		{method: post, path: "/isms/documents/{id}/submit", op: "submitDocumentDraft", tag: "documents", summary: "Send the draft to review",
			status: http.StatusOK, resp: versionJSON{}, handle: h.submitDraft},
		{method: post, path: "/isms/documents/{id}/return", op: "returnDocumentVersion", tag: "documents", summary: "Return the version in review to draft",
			doc:    "The owner department, managers and admins.",
			status: http.StatusOK, resp: versionJSON{}, handle: h.returnVersion},
		{method: post, path: "/isms/documents/{id}/approve", op: "approveDocumentVersion", tag: "documents", summary: "Approve the version in review (managers, admins)",
			doc:  "Never by someone who started, edited or submitted the version (409 self_approval). The approved version before it becomes superseded in the same transaction. next_review defaults to a year ahead.",
			body: approveJSON{}, optionalBody: true, status: http.StatusOK, resp: versionJSON{}, handle: h.approveVersion},
		{method: put, path: "/isms/documents/{id}/next-review", op: "putDocumentNextReview", tag: "documents", summary: "Change the next review date of the approved version (managers, admins)",
			body: nextReviewJSON{}, status: http.StatusOK, resp: versionJSON{}, handle: h.putNextReview},
		{method: get, path: "/isms/documents/{id}/versions/{number}", op: "getDocumentVersion", tag: "documents", summary: "One version of a document",
			status: http.StatusOK, resp: versionJSON{}, handle: h.getVersion},
		{method: get, path: "/isms/documents/{id}/diff", op: "diffDocumentVersions", tag: "documents", summary: "A line diff between two versions",
			params: []param{
				{name: "from", typ: "integer", doc: "The older version's number."},
				{name: "to", typ: "integer", doc: "The newer version's number."},
			},
			status: http.StatusOK, resp: diffJSON{}, handle: h.diffVersions},
		{method: get, path: "/isms/scope", op: "getISMSScope", tag: "documents", summary: "The ISMS scope",
			doc:    "Every signed-in user reads it; updated_at is null while it has never been written. Its history is the audit log (entity isms_scope).",
			status: http.StatusOK, resp: scopeJSON{}, handle: h.getScope},
		{method: put, path: "/isms/scope", op: "putISMSScope", tag: "documents", summary: "Write the ISMS scope (managers, admins)",
			doc:  "Replaces the whole record; every exclusion needs its justification (why).",
			body: scopePutJSON{}, status: http.StatusOK, resp: scopeJSON{}, handle: h.putScope},
		{method: get, path: "/isms/roles", op: "listISMSRoles", tag: "documents", summary: "Every department's ISMS responsibilities and RACI parts",
			status: http.StatusOK, resp: []responsibilityJSON{}, handle: h.listRoles},
		{method: put, path: "/isms/roles/{id}", op: "putISMSRole", tag: "documents", summary: "Write a department's ISMS responsibilities (managers, admins)",
			doc:  "{id} is the department. Each activity has at most one accountable (A) department (422 accountable_taken naming the holder).",
			body: responsibilityPutJSON{}, status: http.StatusOK, resp: responsibilityJSON{}, handle: h.putRole},
	}
}

// documentJSON is a policy document.
type documentJSON struct {
	ID           string    `json:"id" format:"uuid"`
	Kind         string    `json:"kind" enum:"document_kind"`
	Title        string    `json:"title"`
	DepartmentID string    `json:"department_id" format:"uuid" doc:"The owner department."`
	CreatedBy    *string   `json:"created_by" format:"uuid"`
	Archived     bool      `json:"archived" doc:"Archived: read-only, kept with every version."`
	NextReview   *string   `json:"next_review" format:"date" doc:"The approved version's next review date; null while none is approved."`
	Review       *string   `json:"review" enum:"review_state" doc:"due (within 30 days) or overdue; null otherwise."`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toDocument(d hikeshi.Document, review hikeshi.ReviewState) documentJSON {
	out := documentJSON{ID: d.ID, Kind: string(d.Kind), Title: d.Title, DepartmentID: d.DepartmentID, CreatedBy: strPtr(d.CreatedBy),
		Archived: d.Archived, Review: strPtr(string(review)), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if !d.NextReview.IsZero() {
		s := d.NextReview.UTC().Format(time.DateOnly)
		out.NextReview = &s
	}
	return out
}

// versionJSON is one version of a document.
type versionJSON struct {
	ID          string     `json:"id" format:"uuid"`
	DocumentID  string     `json:"document_id" format:"uuid"`
	Number      int        `json:"number"`
	Body        string     `json:"body" doc:"Markdown. Raw HTML in it is never rendered by Hikeshi."`
	Note        string     `json:"note" doc:"What changed."`
	Status      string     `json:"status" enum:"version_status"`
	AuthorID    *string    `json:"author_id" format:"uuid"`
	Editors     []string   `json:"editors" doc:"User ids of everyone who saved the version; none of them may approve it."`
	SubmittedBy *string    `json:"submitted_by" format:"uuid"`
	SubmittedAt *time.Time `json:"submitted_at"`
	ApprovedBy  *string    `json:"approved_by" format:"uuid"`
	ApprovedAt  *time.Time `json:"approved_at"`
	NextReview  *string    `json:"next_review" format:"date"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func toVersion(v hikeshi.DocumentVersion) versionJSON {
	out := versionJSON{ID: v.ID, DocumentID: v.DocumentID, Number: v.Number, Body: v.Body, Note: v.Note, Status: string(v.Status),
		AuthorID: strPtr(v.AuthorID), Editors: v.Editors, SubmittedBy: strPtr(v.SubmittedBy), SubmittedAt: timePtr(v.SubmittedAt),
		ApprovedBy: strPtr(v.ApprovedBy), ApprovedAt: timePtr(v.ApprovedAt), CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	if out.Editors == nil {
		out.Editors = []string{}
	}
	if !v.NextReview.IsZero() {
		s := v.NextReview.UTC().Format(time.DateOnly)
		out.NextReview = &s
	}
	return out
}

// documentDetailJSON is a document with its readable versions.
type documentDetailJSON struct {
	documentJSON
	Versions   []versionJSON `json:"versions" doc:"The versions the caller may read, newest first."`
	OpenHidden bool          `json:"open_hidden" doc:"A draft or version in review exists that the caller may not read."`
}

// documentCreateJSON creates a document.
type documentCreateJSON struct {
	Kind         string `json:"kind" enum:"document_kind"`
	Title        string `json:"title" doc:"One line, at most 200 characters."`
	DepartmentID string `json:"department_id,omitempty" format:"uuid" doc:"The owner; defaults to the caller's department."`
	Body         string `json:"body" doc:"Markdown, at most 100000 characters."`
	Note         string `json:"note,omitempty" doc:"At most 1000 characters."`
}

// documentPatchJSON changes a document.
type documentPatchJSON struct {
	Kind         optional[string] `json:"kind" enum:"document_kind"`
	Title        optional[string] `json:"title"`
	DepartmentID optional[string] `json:"department_id" format:"uuid"`
}

// draftJSON is the draft's body.
type draftJSON struct {
	Body string `json:"body" doc:"Markdown, at most 100000 characters."`
	Note string `json:"note,omitempty" doc:"What changed, at most 1000 characters."`
}

// approveJSON approves the version in review.
type approveJSON struct {
	NextReview string `json:"next_review,omitempty" format:"date" doc:"YYYY-MM-DD after today, at most three years ahead; default a year ahead."`
}

// nextReviewJSON sets the next review date.
type nextReviewJSON struct {
	NextReview string `json:"next_review" format:"date"`
}

// diffJSON is a line diff between two versions.
type diffJSON struct {
	From  int    `json:"from"`
	To    int    `json:"to"`
	Exact bool   `json:"exact" doc:"false when the change was too large to align line by line and is shown as removed then added."`
	Text  string `json:"text" doc:"Every line prefixed with '  ' (same), '+ ' (added) or '- ' (removed)."`
}

func (h *Handler) listDocuments(c *call) error {
	p, err := c.page("documents", validID)
	if err != nil {
		return err
	}
	kind := hikeshi.DocumentKind(c.param("kind"))
	if kind != "" && !kind.Valid() {
		return fieldError("kind", "unknown", "kind must be one of basic_policy, rules, procedure, other.")
	}
	dept := c.param("department_id")
	if dept != "" && !validID(dept) {
		return fieldError("department_id", "invalid", "department_id is a UUID.")
	}
	f := hikeshi.DocumentFilter{Kind: kind, DepartmentID: dept, Review: hikeshi.ReviewState(c.param("review"))}
	switch c.param("archived") {
	case "", "false":
	case "true":
		f.IncludeArchived = true
	default:
		return fieldError("archived", "invalid", "archived must be true or false.")
	}
	if f.Review != "" && !f.Review.Valid() {
		return fieldError("review", "unknown", "review must be due or overdue.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Document, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Documents.List(c.ctx(), c.actor, f)
	}, func(d hikeshi.Document) string { return d.ID })
	if err != nil {
		return err
	}
	out := make([]documentJSON, len(items))
	for i, d := range items {
		out[i] = toDocument(d, h.svc.Documents.Review(d))
	}
	return writePage(c, "documents", out, next)
}

func toDocumentDetail(d service.DocumentDetail) documentDetailJSON {
	out := documentDetailJSON{documentJSON: toDocument(d.Document, d.Review), Versions: []versionJSON{}, OpenHidden: d.OpenHidden}
	for _, v := range d.Versions {
		out.Versions = append(out.Versions, toVersion(v))
	}
	return out
}

func (h *Handler) createDocument(c *call) error {
	var in documentCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	d, err := h.svc.Documents.Create(c.ctx(), c.actor, service.DocumentInput{Kind: hikeshi.DocumentKind(in.Kind), Title: in.Title,
		DepartmentID: in.DepartmentID, Body: in.Body, Note: in.Note})
	if err != nil {
		return err
	}
	det, err := h.svc.Documents.Get(c.ctx(), c.actor, d.ID)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/documents/"+d.ID, toDocumentDetail(det))
}

func (h *Handler) getDocument(c *call) error {
	det, err := h.svc.Documents.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toDocumentDetail(det))
}

func (h *Handler) updateDocument(c *call) error {
	var in documentPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.DocumentPatch
	var v hikeshi.ValidationError
	if in.Kind.Set {
		if in.Kind.Null {
			v.Add("kind", "required", "kind cannot be null")
		}
		k := hikeshi.DocumentKind(in.Kind.Value)
		p.Kind = &k
	}
	if in.Title.Set {
		if in.Title.Null {
			v.Add("title", "required", "title cannot be null")
		}
		t := in.Title.Value
		p.Title = &t
	}
	if in.DepartmentID.Set {
		if in.DepartmentID.Null {
			v.Add("department_id", "required", "department_id cannot be null")
		}
		d := in.DepartmentID.Value
		p.DepartmentID = &d
	}
	if err := v.Err(); err != nil {
		return err
	}
	d, err := h.svc.Documents.Update(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toDocument(d, h.svc.Documents.Review(d)))
}

func (h *Handler) archiveDocument(archived bool) func(c *call) error {
	return func(c *call) error {
		d, err := h.svc.Documents.SetArchived(c.ctx(), c.actor, c.r.PathValue("id"), archived)
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, toDocument(d, h.svc.Documents.Review(d)))
	}
}

func (h *Handler) deleteDocument(c *call) error {
	if err := h.svc.Documents.Delete(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) putDraft(c *call) error {
	var in draftJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	v, err := h.svc.Documents.SaveDraft(c.ctx(), c.actor, c.r.PathValue("id"), service.DraftInput{Body: in.Body, Note: in.Note})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVersion(v))
}

func (h *Handler) submitDraft(c *call) error {
	v, err := h.svc.Documents.Submit(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVersion(v))
}

func (h *Handler) returnVersion(c *call) error {
	v, err := h.svc.Documents.Return(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVersion(v))
}

// parseDate reads a YYYY-MM-DD date; "" gives nil.
func parseDate(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, hikeshi.Invalid(field, "invalid", field+" is a date like 2027-04-01")
	}
	return &t, nil
}

func (h *Handler) approveVersion(c *call) error {
	var in approveJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	next, err := parseDate("next_review", in.NextReview)
	if err != nil {
		return err
	}
	v, err := h.svc.Documents.Approve(c.ctx(), c.actor, c.r.PathValue("id"), next)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVersion(v))
}

func (h *Handler) putNextReview(c *call) error {
	var in nextReviewJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	next, err := parseDate("next_review", in.NextReview)
	if err != nil {
		return err
	}
	if next == nil {
		return hikeshi.Invalid("next_review", "required", "next_review is required")
	}
	v, err := h.svc.Documents.SetNextReview(c.ctx(), c.actor, c.r.PathValue("id"), *next)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVersion(v))
}

// versionNumber reads a version number; anything else is not found.
func versionNumber(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0 && n < 1_000_000
}

func (h *Handler) getVersion(c *call) error {
	n, ok := versionNumber(c.r.PathValue("number"))
	if !ok {
		return hikeshi.ErrNotFound
	}
	_, v, err := h.svc.Documents.Version(c.ctx(), c.actor, c.r.PathValue("id"), n)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVersion(v))
}

func (h *Handler) diffVersions(c *call) error {
	from, ok1 := versionNumber(c.param("from"))
	to, ok2 := versionNumber(c.param("to"))
	if !ok1 {
		return fieldError("from", "invalid", "from is a version number.")
	}
	if !ok2 {
		return fieldError("to", "invalid", "to is a version number.")
	}
	d, err := h.svc.Documents.Diff(c.ctx(), c.actor, c.r.PathValue("id"), from, to)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, diffJSON{From: from, To: to, Exact: d.Exact, Text: hikeshi.FormatDiff(d.Lines)})
}

// exclusionJSON is one exclusion from the scope.
type exclusionJSON struct {
	What string `json:"what" doc:"At most 1000 characters."`
	Why  string `json:"why" doc:"The justification, at most 1000 characters."`
}

// scopeJSON is the ISMS scope.
type scopeJSON struct {
	Statement     string          `json:"statement" doc:"Markdown."`
	DepartmentIDs []string        `json:"department_ids" doc:"The departments inside the scope."`
	Exclusions    []exclusionJSON `json:"exclusions"`
	UpdatedBy     *string         `json:"updated_by" format:"uuid"`
	UpdatedAt     *time.Time      `json:"updated_at"`
}

// scopePutJSON writes the ISMS scope.
type scopePutJSON struct {
	Statement     string          `json:"statement" doc:"Markdown, at most 20000 characters."`
	DepartmentIDs []string        `json:"department_ids,omitempty"`
	Exclusions    []exclusionJSON `json:"exclusions,omitempty" doc:"At most 50."`
}

func toScope(sc hikeshi.Scope) scopeJSON {
	out := scopeJSON{Statement: sc.Statement, DepartmentIDs: sc.DepartmentIDs, Exclusions: []exclusionJSON{},
		UpdatedBy: strPtr(sc.UpdatedBy), UpdatedAt: timePtr(sc.UpdatedAt)}
	if out.DepartmentIDs == nil {
		out.DepartmentIDs = []string{}
	}
	for _, e := range sc.Exclusions {
		out.Exclusions = append(out.Exclusions, exclusionJSON(e))
	}
	return out
}

func (h *Handler) getScope(c *call) error {
	sc, err := h.svc.Documents.Scope(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toScope(sc))
}

func (h *Handler) putScope(c *call) error {
	var in scopePutJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.ScopeInput{Statement: in.Statement, DepartmentIDs: in.DepartmentIDs}
	for _, e := range in.Exclusions {
		si.Exclusions = append(si.Exclusions, hikeshi.ScopeExclusion(e))
	}
	sc, err := h.svc.Documents.SaveScope(c.ctx(), c.actor, si)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toScope(sc))
}

// responsibilityJSON is a department's ISMS responsibilities.
type responsibilityJSON struct {
	DepartmentID string            `json:"department_id" format:"uuid"`
	Department   string            `json:"department,omitempty" doc:"The department's name, in the list."`
	Text         string            `json:"text" doc:"Markdown."`
	Parts        map[string]string `json:"parts" doc:"ISMS activity (policy, risk_assessment, measures, monitoring, internal_audit, management_review, incident_response) to R, A, C or I."`
	UpdatedBy    *string           `json:"updated_by" format:"uuid"`
	UpdatedAt    *time.Time        `json:"updated_at"`
}

// responsibilityPutJSON writes a department's responsibilities.
type responsibilityPutJSON struct {
	Text  string            `json:"text,omitempty" doc:"Markdown, at most 10000 characters."`
	Parts map[string]string `json:"parts,omitempty" doc:"Activity to R, A, C or I; an empty letter leaves the activity out."`
}

func toResponsibility(departmentID string, r hikeshi.Responsibility) responsibilityJSON {
	out := responsibilityJSON{DepartmentID: departmentID, Text: r.Text, Parts: map[string]string{}, UpdatedBy: strPtr(r.UpdatedBy), UpdatedAt: timePtr(r.UpdatedAt)}
	for a, l := range r.Parts {
		out.Parts[string(a)] = string(l)
	}
	return out
}

func (h *Handler) listRoles(c *call) error {
	roles, err := h.svc.Documents.Roles(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := make([]responsibilityJSON, len(roles))
	for i, dr := range roles {
		out[i] = toResponsibility(dr.Department.ID, dr.Responsibility)
		out[i].Department = dr.Department.Name
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) putRole(c *call) error {
	var in responsibilityPutJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.ResponsibilityInput{Text: in.Text, Parts: map[hikeshi.ISMSActivity]hikeshi.RACI{}}
	for a, l := range in.Parts {
		si.Parts[hikeshi.ISMSActivity(a)] = hikeshi.RACI(l)
	}
	r, err := h.svc.Documents.SaveResponsibility(c.ctx(), c.actor, c.r.PathValue("id"), si)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toResponsibility(r.DepartmentID, r))
}
