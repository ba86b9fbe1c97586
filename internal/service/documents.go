package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Documents is the ISMS's IS-1: versioned policy documents, the ISMS scope and roles per department.
//
// Who does what (docs/decisions/0022-policy-documents.md):
//   - every signed-in user reads every document's title and its approved and
//     superseded versions (a policy is meant to be known);
//   - open versions (draft, in review) are read by the owner department's
//     members, managers, admins and auditors;
//   - admins and the owner department's members (not auditors) create
//     documents, write drafts and send them to review;
//   - managers and admins approve — never a version they started, edited or
//     submitted themselves (segregation of duties); they or the drafters
//     return a version in review to draft;
//   - auditors read everything and change nothing.
type Documents struct{ base }

// DocumentInput is a new document with the body of its first draft.
type DocumentInput struct {
	Kind         hikeshi.DocumentKind
	Title        string
	DepartmentID string // the owner; members may only name their own department
	Body         string
	Note         string
}

// DocumentPatch changes a document's metadata; nil fields stay.
type DocumentPatch struct {
	Kind         *hikeshi.DocumentKind
	Title        *string
	DepartmentID *string // admins only
}

// DraftInput is the body of the open draft.
type DraftInput struct {
	Body string
	Note string
}

// DocumentDetail is a document with the versions the actor may read and what
// the actor may do.
type DocumentDetail struct {
	Document hikeshi.Document
	Versions []hikeshi.DocumentVersion // readable ones, newest first
	Approved *hikeshi.DocumentVersion  // the approved version, if any
	Open     *hikeshi.DocumentVersion  // the open (draft or in review) version, if readable
	// OpenHidden: an open version exists that the actor may not read.
	OpenHidden bool
	CanDraft   bool // may write the draft, submit, change metadata
	CanApprove bool // may approve the open version now (in review, not a contributor)
	CanReturn  bool // may return the version in review to draft
	CanReview  bool // may change the next review date of the approved version
	CanArchive bool // may archive or restore the document
	// CanDelete: may delete it (it was never approved); the service still
	// refuses when something refers to it.
	CanDelete bool
	Review    hikeshi.ReviewState // due or overdue today, or ""
}

// documentAudit is what the audit log keeps of a document.
type documentAudit struct {
	Kind         string `json:"kind"`
	Title        string `json:"title"`
	DepartmentID string `json:"department_id"`
	Archived     bool   `json:"archived,omitempty"`
}

// versionAudit is what the audit log keeps of a version: its number, status,
// size and people, never the whole text (the versions themselves keep it).
type versionAudit struct {
	DocumentID string `json:"document_id"`
	Number     int    `json:"number"`
	Status     string `json:"status"`
	BodyChars  int    `json:"body_chars"`
	ApprovedBy string `json:"approved_by,omitempty"`
	NextReview string `json:"next_review,omitempty"`
}

func auditOfDocument(d hikeshi.Document) documentAudit {
	return documentAudit{Kind: string(d.Kind), Title: d.Title, DepartmentID: d.DepartmentID, Archived: d.Archived}
}

func auditOfVersion(v hikeshi.DocumentVersion) versionAudit {
	a := versionAudit{DocumentID: v.DocumentID, Number: v.Number, Status: string(v.Status), BodyChars: len([]rune(v.Body)), ApprovedBy: v.ApprovedBy}
	if !v.NextReview.IsZero() {
		a.NextReview = v.NextReview.UTC().Format(time.DateOnly)
	}
	return a
}

// Refusals that no field of the input explains (409 in the API); the UI
// localises them by code (field "version").
var (
	errNoOpenVersion   = documentConflict("no_open_version", "the document has no draft or version in review")
	errVersionInReview = documentConflict("in_review", "the version is in review; return it to draft to change it")
	errNotInReview     = documentConflict("not_in_review", "only a version in review can be approved or returned")
	errNoApproved      = documentConflict("no_approved_version", "the document has no approved version")
	errSelfApproval    = documentConflict("self_approval", "a version is approved by someone who did not write or submit it")
	errDocArchived     = documentConflict("archived", "the document is archived; restore it to change it")
	// errDocApproved refuses deleting a document that was ever approved: its
	// approved versions are evidence of the ISMS (decision 0027).
	errDocApproved = &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "document", Code: "approved",
		Message: "the document has been approved and is evidence of the ISMS; archive it instead"}}}
)

func documentConflict(code, message string) error {
	return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "version", Code: code, Message: message}}, Conflict: true}
}

// signedIn refuses anonymous actors.
func docSignedIn(a hikeshi.Actor) error {
	if a.UserID == "" && !a.IsSystem() {
		return hikeshi.ErrUnauthenticated
	}
	return nil
}

// canDraftDocument: admins and the owner department's members, never auditors.
func canDraftDocument(a hikeshi.Actor, d hikeshi.Document) bool {
	if a.ReadOnly() {
		return false
	}
	return a.Role == hikeshi.RoleAdmin || (a.DepartmentID != "" && a.DepartmentID == d.DepartmentID)
}

// canApproveDocuments: managers and admins.
func canApproveDocuments(a hikeshi.Actor) bool {
	return !a.ReadOnly() && (a.Role == hikeshi.RoleManager || a.Role == hikeshi.RoleAdmin)
}

// canReadOpen: the owner department, managers, admins and auditors.
func canReadOpen(a hikeshi.Actor, d hikeshi.Document) bool {
	switch a.Role {
	case hikeshi.RoleAdmin, hikeshi.RoleManager, hikeshi.RoleAuditor:
		return true
	}
	return a.DepartmentID != "" && a.DepartmentID == d.DepartmentID
}

// CanCreate reports whether the actor may create documents at all.
func (s *Documents) CanCreate(a hikeshi.Actor) bool {
	return !a.ReadOnly() && (a.Role == hikeshi.RoleAdmin || a.DepartmentID != "")
}

// List returns documents newest first. Every signed-in user lists them.
func (s *Documents) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.DocumentFilter) ([]hikeshi.Document, error) {
	if err := docSignedIn(actor); err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, hikeshi.Invalid("kind", "unknown", "kind must be basic_policy, rules, procedure or other")
	}
	if !f.Review.Valid() {
		return nil, hikeshi.Invalid("review", "unknown", "review must be due or overdue")
	}
	f.Today = hikeshi.ReviewDay(s.clock.Now())
	return s.st.FindDocuments(ctx, f)
}

// Review tells whether d's review is due or overdue today (the service's clock).
func (s *Documents) Review(d hikeshi.Document) hikeshi.ReviewState {
	return d.ReviewState(s.clock.Now())
}

// Get returns a document with the versions the actor may read.
func (s *Documents) Get(ctx context.Context, actor hikeshi.Actor, id string) (DocumentDetail, error) {
	if err := docSignedIn(actor); err != nil {
		return DocumentDetail{}, fmt.Errorf("get document: %w", err)
	}
	d, err := s.st.FindDocumentByID(ctx, id)
	if err != nil {
		return DocumentDetail{}, fmt.Errorf("get document: %w", err)
	}
	all, err := s.st.FindDocumentVersions(ctx, d.ID)
	if err != nil {
		return DocumentDetail{}, fmt.Errorf("get document: %w", err)
	}
	out := DocumentDetail{Document: d, CanDraft: canDraftDocument(actor, d) && !d.Archived, CanArchive: canDraftDocument(actor, d),
		Review: d.ReviewState(s.clock.Now())}
	readOpen := canReadOpen(actor, d)
	for _, v := range all {
		if v.Status.Open() && !readOpen {
			out.OpenHidden = true
			continue
		}
		out.Versions = append(out.Versions, v)
	}
	for i := range out.Versions {
		v := &out.Versions[i]
		switch {
		case v.Status == hikeshi.VersionApproved:
			out.Approved = v
		case v.Status.Open():
			out.Open = v
		}
	}
	approver := canApproveDocuments(actor) && !d.Archived
	out.CanDelete = out.CanArchive && !everApproved(all)
	if out.Open != nil && out.Open.Status == hikeshi.VersionInReview {
		out.CanApprove = approver && !slices.Contains(out.Open.Contributors(), actor.UserID)
		out.CanReturn = approver || out.CanDraft
	}
	out.CanReview = approver && out.Approved != nil
	return out, nil
}

// Version returns one version the actor may read.
func (s *Documents) Version(ctx context.Context, actor hikeshi.Actor, id string, number int) (hikeshi.Document, hikeshi.DocumentVersion, error) {
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Document{}, hikeshi.DocumentVersion{}, fmt.Errorf("get version: %w", err)
	}
	d, err := s.st.FindDocumentByID(ctx, id)
	if err != nil {
		return hikeshi.Document{}, hikeshi.DocumentVersion{}, fmt.Errorf("get version: %w", err)
	}
	v, err := s.st.FindDocumentVersion(ctx, d.ID, number)
	if err != nil {
		return hikeshi.Document{}, hikeshi.DocumentVersion{}, fmt.Errorf("get version: %w", err)
	}
	if v.Status.Open() && !canReadOpen(actor, d) {
		return hikeshi.Document{}, hikeshi.DocumentVersion{}, fmt.Errorf("get version: %w", hikeshi.ErrNotFound)
	}
	return d, v, nil
}

// DocumentDiff is a line diff between two versions.
type DocumentDiff struct {
	Document hikeshi.Document
	From, To hikeshi.DocumentVersion
	Lines    []hikeshi.DiffLine
	Exact    bool // false: the change was too large to align line by line
}

// Diff compares two versions the actor may read.
func (s *Documents) Diff(ctx context.Context, actor hikeshi.Actor, id string, from, to int) (DocumentDiff, error) {
	d, a, err := s.Version(ctx, actor, id, from)
	if err != nil {
		return DocumentDiff{}, err
	}
	_, b, err := s.Version(ctx, actor, id, to)
	if err != nil {
		return DocumentDiff{}, err
	}
	lines, exact := hikeshi.LineDiff(a.Body, b.Body)
	return DocumentDiff{Document: d, From: a, To: b, Lines: lines, Exact: exact}, nil
}

func validateDraft(v *hikeshi.ValidationError, in *DraftInput) {
	in.Note = strings.TrimSpace(in.Note)
	hikeshi.ValidateText(v, "body", in.Body, hikeshi.MaxDocumentBodyLen, true)
	hikeshi.ValidateText(v, "note", in.Note, hikeshi.MaxDocumentNoteLen, false)
}

// Create opens a document with its first draft (version 1).
func (s *Documents) Create(ctx context.Context, actor hikeshi.Actor, in DocumentInput) (hikeshi.Document, error) {
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Document{}, fmt.Errorf("create document: %w", err)
	}
	if !s.CanCreate(actor) {
		return hikeshi.Document{}, forbid("create document")
	}
	var v hikeshi.ValidationError
	in.Title = strings.TrimSpace(in.Title)
	if !in.Kind.Valid() {
		v.Add("kind", "unknown", "kind must be basic_policy, rules, procedure or other")
	}
	hikeshi.ValidateDocumentTitle(&v, "title", in.Title)
	draft := DraftInput{Body: in.Body, Note: in.Note}
	validateDraft(&v, &draft)
	if in.DepartmentID == "" && actor.Role != hikeshi.RoleAdmin {
		in.DepartmentID = actor.DepartmentID
	}
	var out hikeshi.Document
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		// No owner named: the basic policy and the rules belong to the unit
		// responsible for them under the organisation's pattern (decision 0038).
		routed := hikeshi.Activity("")
		if a := documentActivity(in.Kind); in.DepartmentID == "" && a != "" {
			d, err := responsibleFor(ctx, tx, a)
			if err != nil {
				return err
			}
			if d != "" {
				in.DepartmentID, routed = d, a
			}
		}
		if in.DepartmentID == "" {
			v.Add("department_id", "required", "name the owner department")
		} else if len(in.DepartmentID) > 64 {
			v.Add("department_id", "unknown", "no such department")
		} else if _, err := tx.FindDepartmentByID(ctx, in.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
			v.Add("department_id", "unknown", "no such department")
		} else if err != nil {
			return err
		} else if actor.Role != hikeshi.RoleAdmin && in.DepartmentID != actor.DepartmentID && routed == "" {
			v.Add("department_id", "not_own", "members create documents owned by their own department")
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		out = hikeshi.Document{ID: hikeshi.NewID(), Kind: in.Kind, Title: in.Title, DepartmentID: in.DepartmentID,
			CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateDocument(ctx, out); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "document.create", "document", out.ID, nil, auditOfDocument(out)); err != nil {
			return err
		}
		if routed != "" {
			if err := routeISMS(ctx, s.base, tx, actor, hikeshi.RoutedDocument, out.ID, routed, out.DepartmentID); err != nil {
				return err
			}
		}
		_, err := s.newVersion(ctx, tx, actor, out, 1, draft)
		return err
	})
	if err != nil {
		return hikeshi.Document{}, fmt.Errorf("create document: %w", err)
	}
	return out, nil
}

func (s *Documents) newVersion(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, d hikeshi.Document, n int, in DraftInput) (hikeshi.DocumentVersion, error) {
	now := s.clock.Now()
	v := hikeshi.DocumentVersion{ID: hikeshi.NewID(), DocumentID: d.ID, Number: n, Body: in.Body, Note: in.Note,
		Status: hikeshi.VersionDraft, AuthorID: actor.UserID, Editors: editorsWith(nil, actor.UserID), CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateDocumentVersion(ctx, v); err != nil {
		if errors.Is(err, hikeshi.ErrConflict) {
			return hikeshi.DocumentVersion{}, fmt.Errorf("a draft was started concurrently: %w", hikeshi.ErrConflict)
		}
		return hikeshi.DocumentVersion{}, err
	}
	return v, s.audit(ctx, tx, actor, "document.version.create", "document_version", v.ID, nil, auditOfVersion(v))
}

// drafting loads a document the actor drafts, with its versions.
func (s *Documents) drafting(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Document, []hikeshi.DocumentVersion, error) {
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Document{}, nil, err
	}
	d, err := tx.FindDocumentByID(ctx, id)
	if err != nil {
		return hikeshi.Document{}, nil, err
	}
	vs, err := tx.FindDocumentVersions(ctx, d.ID)
	if err != nil {
		return hikeshi.Document{}, nil, err
	}
	if what != "" && !canDraftDocument(actor, d) {
		return hikeshi.Document{}, nil, forbid(what)
	}
	if d.Archived {
		return hikeshi.Document{}, nil, errDocArchived
	}
	return d, vs, nil
}

// everApproved reports whether any version was ever approved.
func everApproved(vs []hikeshi.DocumentVersion) bool {
	for _, v := range vs {
		if v.Status == hikeshi.VersionApproved || v.Status == hikeshi.VersionSuperseded || !v.ApprovedAt.IsZero() {
			return true
		}
	}
	return false
}

// SetArchived archives (true) or restores (false) a document: admins and the
// owner department's people, never auditors. An archived document is
// read-only, left out of the list unless asked for, and still readable with
// every version. Archiving an archived document (or restoring an active one)
// changes nothing.
func (s *Documents) SetArchived(ctx context.Context, actor hikeshi.Actor, id string, archived bool) (hikeshi.Document, error) {
	what := "archive document"
	if !archived {
		what = "restore document"
	}
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Document{}, fmt.Errorf("%s: %w", what, err)
	}
	var out hikeshi.Document
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		d, err := tx.FindDocumentByID(ctx, id)
		if err != nil {
			return err
		}
		if !canDraftDocument(actor, d) {
			return forbid(what)
		}
		out = d
		if d.Archived == archived {
			return nil
		}
		before := d
		out.Archived, out.UpdatedAt = archived, s.clock.Now()
		if err := tx.UpdateDocument(ctx, out); err != nil {
			return err
		}
		action := "document.archive"
		if !archived {
			action = "document.restore"
		}
		return s.audit(ctx, tx, actor, action, "document", d.ID, auditOfDocument(before), auditOfDocument(out))
	})
	if err != nil {
		return hikeshi.Document{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Delete removes a document created by mistake, with its versions: admins
// and the owner department's people. A document that was ever approved is
// evidence of the ISMS and is refused (409, code approved): archive it
// instead. No other record refers to a document (migrations 0013–0016 hold
// no reference to documents besides their own versions), so nothing else is
// checked; a later reference must be checked here.
func (s *Documents) Delete(ctx context.Context, actor hikeshi.Actor, id string) error {
	if err := docSignedIn(actor); err != nil {
		return fmt.Errorf("delete document: %w", err)
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		d, err := tx.FindDocumentByID(ctx, id)
		if err != nil {
			return err
		}
		if !canDraftDocument(actor, d) {
			return forbid("delete document")
		}
		vs, err := tx.FindDocumentVersions(ctx, d.ID)
		if err != nil {
			return err
		}
		if everApproved(vs) {
			return errDocApproved
		}
		if err := tx.DeleteDocument(ctx, d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "document.delete", "document", d.ID, auditOfDocument(d), nil)
	})
	if err != nil {
		return fmt.Errorf("delete document: %w", err)
	}
	return nil
}

func openVersion(vs []hikeshi.DocumentVersion) (hikeshi.DocumentVersion, bool) {
	for _, v := range vs {
		if v.Status.Open() {
			return v, true
		}
	}
	return hikeshi.DocumentVersion{}, false
}

func approvedVersion(vs []hikeshi.DocumentVersion) (hikeshi.DocumentVersion, bool) {
	for _, v := range vs {
		if v.Status == hikeshi.VersionApproved {
			return v, true
		}
	}
	return hikeshi.DocumentVersion{}, false
}

// Update changes a document's kind and title (drafters) or owner (admins).
func (s *Documents) Update(ctx context.Context, actor hikeshi.Actor, id string, p DocumentPatch) (hikeshi.Document, error) {
	var out hikeshi.Document
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		d, _, err := s.drafting(ctx, tx, actor, id, "change document")
		if err != nil {
			return err
		}
		before := d
		var v hikeshi.ValidationError
		if p.Kind != nil {
			if !p.Kind.Valid() {
				v.Add("kind", "unknown", "kind must be basic_policy, rules, procedure or other")
			}
			d.Kind = *p.Kind
		}
		if p.Title != nil {
			d.Title = strings.TrimSpace(*p.Title)
			hikeshi.ValidateDocumentTitle(&v, "title", d.Title)
		}
		if p.DepartmentID != nil && *p.DepartmentID != d.DepartmentID {
			if actor.Role != hikeshi.RoleAdmin {
				return forbid("change the owner department")
			}
			if _, err := tx.FindDepartmentByID(ctx, *p.DepartmentID); errors.Is(err, hikeshi.ErrNotFound) || len(*p.DepartmentID) > 64 {
				v.Add("department_id", "unknown", "no such department")
			} else if err != nil {
				return err
			}
			d.DepartmentID = *p.DepartmentID
		}
		if err := v.Err(); err != nil {
			return err
		}
		out = d
		if d == before {
			return nil
		}
		out.UpdatedAt = s.clock.Now()
		if err := tx.UpdateDocument(ctx, out); err != nil {
			return err
		}
		if out.DepartmentID != before.DepartmentID {
			// A person chose the owner: the pattern no longer moves it.
			if err := tx.MarkRouted(ctx, hikeshi.RoutedDocument, d.ID, ""); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "document.update", "document", d.ID, auditOfDocument(before), auditOfDocument(out))
	})
	if err != nil {
		return hikeshi.Document{}, fmt.Errorf("update document: %w", err)
	}
	return out, nil
}

// SaveDraft writes the open draft, or starts a new draft version (numbered
// after the highest) when the document has none. A version in review is
// returned to draft before it changes.
func (s *Documents) SaveDraft(ctx context.Context, actor hikeshi.Actor, id string, in DraftInput) (hikeshi.DocumentVersion, error) {
	var out hikeshi.DocumentVersion
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		d, vs, err := s.drafting(ctx, tx, actor, id, "write a draft")
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		validateDraft(&v, &in)
		if err := v.Err(); err != nil {
			return err
		}
		open, ok := openVersion(vs)
		if !ok {
			n := 1
			if len(vs) > 0 {
				n = vs[0].Number + 1
			}
			out, err = s.newVersion(ctx, tx, actor, d, n, in)
			return err
		}
		if open.Status == hikeshi.VersionInReview {
			return errVersionInReview
		}
		before := open
		open.Body, open.Note, open.Editors = in.Body, in.Note, editorsWith(open.Editors, actor.UserID)
		out = open
		if open.Body == before.Body && open.Note == before.Note {
			return nil
		}
		out.UpdatedAt = s.clock.Now()
		if err := tx.UpdateDocumentVersion(ctx, out); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "document.version.save", "document_version", out.ID, auditOfVersion(before), auditOfVersion(out))
	})
	if err != nil {
		return hikeshi.DocumentVersion{}, fmt.Errorf("save draft: %w", err)
	}
	return out, nil
}

// editorsWith adds id to the editors of a version (the system actor has no id).
func editorsWith(editors []string, id string) []string {
	if id == "" || slices.Contains(editors, id) {
		return editors
	}
	return append(slices.Clone(editors), id)
}

// Submit sends the draft to review (drafters).
func (s *Documents) Submit(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.DocumentVersion, error) {
	var out hikeshi.DocumentVersion
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		_, vs, err := s.drafting(ctx, tx, actor, id, "submit a draft")
		if err != nil {
			return err
		}
		open, ok := openVersion(vs)
		switch {
		case !ok:
			return errNoOpenVersion
		case open.Status == hikeshi.VersionInReview:
			return errVersionInReview
		}
		before := open
		now := s.clock.Now()
		open.Status, open.SubmittedBy, open.SubmittedAt, open.UpdatedAt = hikeshi.VersionInReview, actor.UserID, now, now
		if err := tx.UpdateDocumentVersion(ctx, open); err != nil {
			return err
		}
		out = open
		return s.audit(ctx, tx, actor, "document.version.submit", "document_version", open.ID, auditOfVersion(before), auditOfVersion(open))
	})
	if err != nil {
		return hikeshi.DocumentVersion{}, fmt.Errorf("submit draft: %w", err)
	}
	return out, nil
}

// Return takes the version in review back to draft (drafters, managers, admins).
func (s *Documents) Return(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.DocumentVersion, error) {
	var out hikeshi.DocumentVersion
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		d, vs, err := s.drafting(ctx, tx, actor, id, "")
		if err != nil {
			return err
		}
		if !canDraftDocument(actor, d) && !canApproveDocuments(actor) {
			return forbid("return a version to draft")
		}
		open, ok := openVersion(vs)
		if !ok || open.Status != hikeshi.VersionInReview {
			return errNotInReview
		}
		before := open
		open.Status, open.SubmittedBy, open.SubmittedAt, open.UpdatedAt = hikeshi.VersionDraft, "", time.Time{}, s.clock.Now()
		if err := tx.UpdateDocumentVersion(ctx, open); err != nil {
			return err
		}
		out = open
		return s.audit(ctx, tx, actor, "document.version.return", "document_version", open.ID, auditOfVersion(before), auditOfVersion(open))
	})
	if err != nil {
		return hikeshi.DocumentVersion{}, fmt.Errorf("return version: %w", err)
	}
	return out, nil
}

// reviewDate checks a next review date (a day, from now) or gives the default.
func (s *Documents) reviewDate(next *time.Time) (time.Time, error) {
	now := s.clock.Now()
	if next == nil || next.IsZero() {
		return dateOf(now.Add(hikeshi.DefaultReviewInterval)), nil
	}
	d := dateOf(*next)
	if !d.After(now) {
		return time.Time{}, hikeshi.Invalid("next_review", "not_future", "the next review is a date after today")
	}
	if d.After(now.Add(hikeshi.MaxReviewInterval)) {
		return time.Time{}, hikeshi.Invalid("next_review", "too_far", "the next review is at most three years ahead")
	}
	return d, nil
}

// dateOf is t's calendar day at UTC midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Approve approves the version in review (managers, admins; never one the
// approver started, edited or submitted). The approved version it replaces is
// superseded in the same transaction. next is the next review date; nil
// means a year from now.
func (s *Documents) Approve(ctx context.Context, actor hikeshi.Actor, id string, next *time.Time) (hikeshi.DocumentVersion, error) {
	var out hikeshi.DocumentVersion
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		_, vs, err := s.drafting(ctx, tx, actor, id, "")
		if err != nil {
			return err
		}
		if !canApproveDocuments(actor) {
			return forbid("approve a document")
		}
		open, ok := openVersion(vs)
		if !ok || open.Status != hikeshi.VersionInReview {
			return errNotInReview
		}
		if actor.UserID != "" && slices.Contains(open.Contributors(), actor.UserID) {
			return errSelfApproval
		}
		date, err := s.reviewDate(next)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if old, ok := approvedVersion(vs); ok {
			before := old
			old.Status, old.UpdatedAt = hikeshi.VersionSuperseded, now
			if err := tx.UpdateDocumentVersion(ctx, old); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, actor, "document.version.supersede", "document_version", old.ID, auditOfVersion(before), auditOfVersion(old)); err != nil {
				return err
			}
		}
		before := open
		open.Status, open.ApprovedBy, open.ApprovedAt, open.NextReview, open.UpdatedAt = hikeshi.VersionApproved, actor.UserID, now, date, now
		if err := tx.UpdateDocumentVersion(ctx, open); err != nil {
			return err
		}
		out = open
		return s.audit(ctx, tx, actor, "document.version.approve", "document_version", open.ID, auditOfVersion(before), auditOfVersion(open))
	})
	if err != nil {
		return hikeshi.DocumentVersion{}, fmt.Errorf("approve version: %w", err)
	}
	return out, nil
}

// SetNextReview changes the next review date of the approved version
// (managers, admins).
func (s *Documents) SetNextReview(ctx context.Context, actor hikeshi.Actor, id string, next time.Time) (hikeshi.DocumentVersion, error) {
	var out hikeshi.DocumentVersion
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		_, vs, err := s.drafting(ctx, tx, actor, id, "")
		if err != nil {
			return err
		}
		if !canApproveDocuments(actor) {
			return forbid("change the next review date")
		}
		cur, ok := approvedVersion(vs)
		if !ok {
			return errNoApproved
		}
		if next.IsZero() {
			return hikeshi.Invalid("next_review", "required", "name the next review date")
		}
		date, err := s.reviewDate(&next)
		if err != nil {
			return err
		}
		before := cur
		cur.NextReview, cur.UpdatedAt = date, s.clock.Now()
		if cur.NextReview.Equal(before.NextReview) {
			out = before
			return nil
		}
		if err := tx.UpdateDocumentVersion(ctx, cur); err != nil {
			return err
		}
		out = cur
		return s.audit(ctx, tx, actor, "document.version.next_review", "document_version", cur.ID, auditOfVersion(before), auditOfVersion(cur))
	})
	if err != nil {
		return hikeshi.DocumentVersion{}, fmt.Errorf("set next review: %w", err)
	}
	return out, nil
}

// ScopeInput is the ISMS scope as written.
type ScopeInput struct {
	Statement     string
	DepartmentIDs []string
	Exclusions    []hikeshi.ScopeExclusion // rows with both fields empty are left out
}

// CanEditScope reports whether the actor changes the ISMS scope: managers
// and admins (management sets the scope; auditors never change anything).
func (s *Documents) CanEditScope(a hikeshi.Actor) bool { return canApproveDocuments(a) }

// Scope returns the ISMS scope; every signed-in user reads it. A scope never
// written is the zero Scope.
func (s *Documents) Scope(ctx context.Context, actor hikeshi.Actor) (hikeshi.Scope, error) {
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Scope{}, fmt.Errorf("get scope: %w", err)
	}
	sc, err := s.st.FindScope(ctx)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.Scope{}, nil
	}
	return sc, err
}

// scopeAudit is the whole scope record: it is not confidential, and the
// audit log is its history (before and after of every change).
type scopeAudit struct {
	Statement     string                   `json:"statement"`
	DepartmentIDs []string                 `json:"department_ids"`
	Exclusions    []hikeshi.ScopeExclusion `json:"exclusions"`
}

func auditOfScope(sc hikeshi.Scope) scopeAudit {
	a := scopeAudit{Statement: sc.Statement, DepartmentIDs: sc.DepartmentIDs, Exclusions: sc.Exclusions}
	if a.DepartmentIDs == nil {
		a.DepartmentIDs = []string{}
	}
	if a.Exclusions == nil {
		a.Exclusions = []hikeshi.ScopeExclusion{}
	}
	return a
}

// SaveScope writes the ISMS scope (managers, admins).
func (s *Documents) SaveScope(ctx context.Context, actor hikeshi.Actor, in ScopeInput) (hikeshi.Scope, error) {
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Scope{}, fmt.Errorf("save scope: %w", err)
	}
	if !s.CanEditScope(actor) {
		return hikeshi.Scope{}, forbid("save scope")
	}
	var v hikeshi.ValidationError
	in.Statement = strings.TrimSpace(in.Statement)
	hikeshi.ValidateText(&v, "statement", in.Statement, hikeshi.MaxScopeStatementLen, true)
	var excl []hikeshi.ScopeExclusion
	for i, e := range in.Exclusions {
		e.What, e.Why = strings.TrimSpace(e.What), strings.TrimSpace(e.Why)
		if e.What == "" && e.Why == "" {
			continue
		}
		f := fmt.Sprintf("exclusions[%d].", i)
		hikeshi.ValidateText(&v, f+"what", e.What, hikeshi.MaxExclusionLen, true)
		hikeshi.ValidateText(&v, f+"why", e.Why, hikeshi.MaxExclusionLen, true) // an exclusion needs its justification
		excl = append(excl, e)
	}
	if len(excl) > hikeshi.MaxScopeExclusions {
		v.Add("exclusions", "too_long", fmt.Sprintf("at most %d exclusions", hikeshi.MaxScopeExclusions))
	}
	var depts []string
	for _, d := range in.DepartmentIDs {
		if d = strings.TrimSpace(d); d != "" && !slices.Contains(depts, d) {
			depts = append(depts, d)
		}
	}
	slices.Sort(depts)
	var out hikeshi.Scope
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if len(depts) > hikeshi.MaxPageLimit {
			v.Add("department_ids", "unknown", "no such department")
		} else {
			for _, d := range depts {
				if _, err := tx.FindDepartmentByID(ctx, d); errors.Is(err, hikeshi.ErrNotFound) || len(d) > 64 {
					v.Add("department_ids", "unknown", "no such department")
					break
				} else if err != nil {
					return err
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		before, err := tx.FindScope(ctx)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return err
		}
		out = hikeshi.Scope{Statement: in.Statement, DepartmentIDs: depts, Exclusions: excl, UpdatedBy: actor.UserID, UpdatedAt: s.clock.Now()}
		if err := tx.PutScope(ctx, out); err != nil {
			return err
		}
		var prev any
		if before.UpdatedAt.IsZero() {
			prev = nil
		} else {
			prev = auditOfScope(before)
		}
		return s.audit(ctx, tx, actor, "scope.save", "isms_scope", "scope", prev, auditOfScope(out))
	})
	if err != nil {
		return hikeshi.Scope{}, fmt.Errorf("save scope: %w", err)
	}
	return out, nil
}

// ResponsibilityInput is a department's ISMS responsibilities as written.
type ResponsibilityInput struct {
	Text  string
	Parts map[hikeshi.ISMSActivity]hikeshi.RACI // "" letters are left out
}

// DepartmentRole is a department with its responsibilities (the zero
// Responsibility while none have been written).
type DepartmentRole struct {
	Department     hikeshi.Department
	Responsibility hikeshi.Responsibility
}

// CanEditRoles reports whether the actor assigns responsibilities: managers
// and admins (management assigns roles, ISO/IEC 27001 clause 5.3).
func (s *Documents) CanEditRoles(a hikeshi.Actor) bool { return canApproveDocuments(a) }

// Roles lists every department (in the order of the departments list) with
// its responsibilities; every signed-in user reads them.
func (s *Documents) Roles(ctx context.Context, actor hikeshi.Actor) ([]DepartmentRole, error) {
	if err := docSignedIn(actor); err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	ds, err := s.st.FindDepartments(ctx, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	rs, err := s.st.FindResponsibilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	by := map[string]hikeshi.Responsibility{}
	for _, r := range rs {
		by[r.DepartmentID] = r
	}
	out := make([]DepartmentRole, 0, len(ds))
	for _, d := range ds {
		out = append(out, DepartmentRole{Department: d, Responsibility: by[d.ID]})
	}
	return out, nil
}

// responsibilityAudit is the whole record: responsibilities are not confidential.
type responsibilityAudit struct {
	Text  string                                `json:"text"`
	Parts map[hikeshi.ISMSActivity]hikeshi.RACI `json:"parts"`
}

// SaveResponsibility writes a department's responsibilities (managers,
// admins). Each activity has at most one accountable (A) department: an A
// already held by another department is refused, naming it.
func (s *Documents) SaveResponsibility(ctx context.Context, actor hikeshi.Actor, departmentID string, in ResponsibilityInput) (hikeshi.Responsibility, error) {
	if err := docSignedIn(actor); err != nil {
		return hikeshi.Responsibility{}, fmt.Errorf("save responsibilities: %w", err)
	}
	if !s.CanEditRoles(actor) {
		return hikeshi.Responsibility{}, forbid("save responsibilities")
	}
	var v hikeshi.ValidationError
	in.Text = strings.TrimSpace(in.Text)
	hikeshi.ValidateText(&v, "text", in.Text, hikeshi.MaxResponsibilityLen, false)
	parts := map[hikeshi.ISMSActivity]hikeshi.RACI{}
	for a, r := range in.Parts {
		switch {
		case !a.Valid():
			v.Add("parts", "unknown", "activities are policy, risk_assessment, measures, monitoring, internal_audit, management_review, incident_response")
		case r == "":
		case !r.Valid():
			v.Add("parts."+string(a), "unknown", "the part is R, A, C or I")
		default:
			parts[a] = r
		}
	}
	var out hikeshi.Responsibility
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if len(departmentID) > 64 {
			return hikeshi.ErrNotFound
		}
		if _, err := tx.FindDepartmentByID(ctx, departmentID); err != nil {
			return err
		}
		all, err := tx.FindResponsibilities(ctx)
		if err != nil {
			return err
		}
		var before *hikeshi.Responsibility
		for i, r := range all {
			if r.DepartmentID == departmentID {
				before = &all[i]
				continue
			}
			for _, a := range hikeshi.ISMSActivities {
				if parts[a] == hikeshi.RACIAccountable && r.Parts[a] == hikeshi.RACIAccountable {
					name := r.DepartmentID
					if d, err := tx.FindDepartmentByID(ctx, r.DepartmentID); err == nil {
						name = d.Name
					}
					v.Add("parts."+string(a), "accountable_taken", "already accountable: "+name)
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		out = hikeshi.Responsibility{DepartmentID: departmentID, Text: in.Text, Parts: parts, UpdatedBy: actor.UserID, UpdatedAt: s.clock.Now()}
		if err := tx.PutResponsibility(ctx, out); err != nil {
			return err
		}
		var prev any
		if before != nil {
			prev = responsibilityAudit{Text: before.Text, Parts: before.Parts}
		}
		return s.audit(ctx, tx, actor, "responsibility.save", "isms_responsibility", departmentID, prev, responsibilityAudit{Text: out.Text, Parts: out.Parts})
	})
	if err != nil {
		return hikeshi.Responsibility{}, fmt.Errorf("save responsibilities: %w", err)
	}
	return out, nil
}
