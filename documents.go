package hikeshi

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Policy documents (IS-1): the basic policy, rules and procedures of the
// ISMS, written in Markdown and kept in versions. A version moves
// draft → in_review → approved → superseded; a newly approved version
// supersedes the one approved before it in the same transaction. A document
// has at most one open (draft or in-review) version at a time and at most one
// approved version.

// DocumentKind is what kind of document it is.
type DocumentKind string

// The kinds of document.
const (
	DocBasicPolicy DocumentKind = "basic_policy" // 基本方針
	DocRules       DocumentKind = "rules"        // 規程
	DocProcedure   DocumentKind = "procedure"    // 手順書
	DocOther       DocumentKind = "other"
)

// DocumentKinds lists every kind in display order.
var DocumentKinds = []DocumentKind{DocBasicPolicy, DocRules, DocProcedure, DocOther}

// Valid reports whether k is a known kind.
func (k DocumentKind) Valid() bool { return slices.Contains(DocumentKinds, k) }

// VersionStatus is where a document version stands.
type VersionStatus string

// The statuses of a version.
const (
	VersionDraft      VersionStatus = "draft"
	VersionInReview   VersionStatus = "in_review"
	VersionApproved   VersionStatus = "approved"
	VersionSuperseded VersionStatus = "superseded"
)

// VersionStatuses lists every status in workflow order.
var VersionStatuses = []VersionStatus{VersionDraft, VersionInReview, VersionApproved, VersionSuperseded}

// Valid reports whether s is a known status.
func (s VersionStatus) Valid() bool { return slices.Contains(VersionStatuses, s) }

// Open reports whether a version in status s is still being written or reviewed.
func (s VersionStatus) Open() bool { return s == VersionDraft || s == VersionInReview }

// Document is a policy document; its words live in its versions.
type Document struct {
	ID           string
	Kind         DocumentKind
	Title        string
	DepartmentID string // the owner department
	CreatedBy    string
	// Archived: retired, read-only, left out of the list unless asked for;
	// still readable with every version (decision 0027).
	Archived bool
	// NextReview is the approved version's next review date (read from it;
	// zero while no version is approved).
	NextReview time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// DocumentReviewWindow is how close a next review must be for the document's
// review to count as due.
const DocumentReviewWindow = 30 * 24 * time.Hour

// ReviewState is where a document's periodic review stands.
type ReviewState string

// The review states; "" is neither due nor overdue (or no approved version).
const (
	ReviewDue     ReviewState = "due"     // the next review is within DocumentReviewWindow
	ReviewOverdue ReviewState = "overdue" // the next review date has passed
)

// Valid reports whether s is "", due or overdue.
func (s ReviewState) Valid() bool { return s == "" || s == ReviewDue || s == ReviewOverdue }

// ReviewDay is the calendar day of now (UTC midnight) that review states count from.
func ReviewDay(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ReviewState tells whether the document's review is due or overdue on
// now's day: overdue once the next review date is before today, due while
// it is at most DocumentReviewWindow ahead.
func (d Document) ReviewState(now time.Time) ReviewState {
	if d.NextReview.IsZero() {
		return ""
	}
	today := ReviewDay(now)
	switch {
	case d.NextReview.Before(today):
		return ReviewOverdue
	case !d.NextReview.After(today.Add(DocumentReviewWindow)):
		return ReviewDue
	}
	return ""
}

// DocumentVersion is one version of a document's body.
type DocumentVersion struct {
	ID          string
	DocumentID  string
	Number      int    // 1, 2, … per document
	Body        string // Markdown
	Note        string // what changed, in the author's words
	Status      VersionStatus
	AuthorID    string   // who started the version
	Editors     []string // everyone who saved it, in order of their first save
	SubmittedBy string   // who sent it to review
	SubmittedAt time.Time
	ApprovedBy  string // set by the workflow
	ApprovedAt  time.Time
	NextReview  time.Time // a date (UTC midnight); set on approval
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Contributors are the people who wrote or submitted the version: none of
// them may approve it (segregation of duties).
func (v DocumentVersion) Contributors() []string {
	var out []string
	for _, id := range append(append([]string{v.AuthorID}, v.Editors...), v.SubmittedBy) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Limits of document fields.
const (
	MaxDocumentTitleLen = 200
	MaxDocumentBodyLen  = 100000 // characters of Markdown
	MaxDocumentNoteLen  = 1000
	// DefaultReviewInterval is the next review date's default distance from approval.
	DefaultReviewInterval = 365 * 24 * time.Hour
	// MaxReviewInterval is how far ahead a next review may be set.
	MaxReviewInterval = 3 * 366 * 24 * time.Hour
)

// ValidateDocumentTitle checks a title.
func ValidateDocumentTitle(v *ValidationError, field, title string) {
	ValidateText(v, field, title, MaxDocumentTitleLen, true)
	if strings.ContainsAny(title, "\r\n") {
		v.Add(field, "invalid_text", "the title is one line")
	}
}

// DocumentFilter selects documents, newest first.
type DocumentFilter struct {
	Kind            DocumentKind // empty = all
	DepartmentID    string       // empty = all
	IncludeArchived bool         // archived documents are left out unless set
	// Review keeps only documents whose review is due or overdue on Today
	// (the day, UTC midnight, the service's clock gives); "" = all.
	Review ReviewState
	Today  time.Time
	Page
}

// DocumentReader is the read side of IS-1: versioned policy documents, the ISMS scope and roles per department.
type DocumentReader interface {
	FindDocumentByID(ctx context.Context, id string) (Document, error)
	FindDocuments(ctx context.Context, f DocumentFilter) ([]Document, error)
	// FindDocumentVersions lists a document's versions, newest (highest number) first.
	FindDocumentVersions(ctx context.Context, documentID string) ([]DocumentVersion, error)
	FindDocumentVersion(ctx context.Context, documentID string, number int) (DocumentVersion, error)
	ScopeReader
	ResponsibilityReader
}

// DocumentWriter is the write side of IS-1: versioned policy documents, the ISMS scope and roles per department.
type DocumentWriter interface {
	CreateDocument(ctx context.Context, d Document) error
	// UpdateDocument writes kind, title, department, archived and updated_at.
	UpdateDocument(ctx context.Context, d Document) error
	// DeleteDocument removes a document and its versions.
	DeleteDocument(ctx context.Context, id string) error
	CreateDocumentVersion(ctx context.Context, v DocumentVersion) error
	// UpdateDocumentVersion writes every field of v except ID, DocumentID,
	// Number, AuthorID and CreatedAt.
	UpdateDocumentVersion(ctx context.Context, v DocumentVersion) error
	ScopeWriter
	ResponsibilityWriter
}

// DiffOp marks a line of a diff.
type DiffOp byte

// The marks of a diff line.
const (
	DiffSame    DiffOp = ' '
	DiffAdded   DiffOp = '+'
	DiffRemoved DiffOp = '-'
)

// DiffLine is one line of a line diff.
type DiffLine struct {
	Op   DiffOp
	Text string
}

// MaxDiffCells bounds the LCS table of LineDiff (lines × lines after the
// common head and tail are taken off): beyond it the changed middle is shown
// as removed then added, without alignment.
const MaxDiffCells = 4_000_000

// LineDiff compares a and b line by line (longest common subsequence) and
// returns every line marked same, added or removed. exact is false when the
// changed part was too large to align and is shown whole.
func LineDiff(a, b string) (lines []DiffLine, exact bool) {
	x, y := splitLines(a), splitLines(b)
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	for _, l := range x[:head] {
		lines = append(lines, DiffLine{DiffSame, l})
	}
	mx, my := x[head:len(x)-tail], y[head:len(y)-tail]
	exact = true
	if len(mx)*len(my) > MaxDiffCells {
		exact = false
		for _, l := range mx {
			lines = append(lines, DiffLine{DiffRemoved, l})
		}
		for _, l := range my {
			lines = append(lines, DiffLine{DiffAdded, l})
		}
	} else {
		lines = append(lines, lcsDiff(mx, my)...)
	}
	for _, l := range x[len(x)-tail:] {
		lines = append(lines, DiffLine{DiffSame, l})
	}
	return lines, exact
}

// lcsDiff aligns x and y by their longest common subsequence.
func lcsDiff(x, y []string) []DiffLine {
	n, m := len(x), len(y)
	// t[i][j] is the LCS length of x[i:] and y[j:], in one slice.
	w := m + 1
	t := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	out := make([]DiffLine, 0, n+m)
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{DiffSame, x[i]})
			i, j = i+1, j+1
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			out = append(out, DiffLine{DiffRemoved, x[i]})
			i++
		default:
			out = append(out, DiffLine{DiffAdded, y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{DiffRemoved, x[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{DiffAdded, y[j]})
	}
	return out
}

// splitLines splits s into lines without their ends; CRLF counts as one end.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// FormatDiff renders a diff as text, each line prefixed with its mark.
func FormatDiff(lines []DiffLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteByte(byte(l.Op))
		b.WriteByte(' ')
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// ScopeExclusion is a part of the organisation or its information left out
// of the ISMS, with the reason (ISO/IEC 27001 clause 4.3 asks for both).
type ScopeExclusion struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// Scope is the ISMS scope: one record for the organisation, changed with an
// audit entry holding the whole record before and after.
type Scope struct {
	Statement     string // Markdown
	DepartmentIDs []string
	Exclusions    []ScopeExclusion
	UpdatedBy     string
	UpdatedAt     time.Time // zero while the scope has never been written
}

// Limits of the scope.
const (
	MaxScopeStatementLen = 20000
	MaxScopeExclusions   = 50
	MaxExclusionLen      = 1000
)

// ScopeReader reads the ISMS scope.
type ScopeReader interface {
	// FindScope returns the scope (ErrNotFound while none has been written).
	FindScope(ctx context.Context) (Scope, error)
}

// ScopeWriter writes the ISMS scope.
type ScopeWriter interface {
	// PutScope writes the one scope record, creating it the first time.
	PutScope(ctx context.Context, s Scope) error
}

// ISMSActivity is an activity of the ISMS that departments take part in
// (the seed's activities, PRODUCT.md IN-2).
type ISMSActivity string

// The ISMS activities, in PDCA order.
const (
	ActPolicy           ISMSActivity = "policy"
	ActRiskAssessment   ISMSActivity = "risk_assessment"
	ActMeasures         ISMSActivity = "measures"
	ActMonitoring       ISMSActivity = "monitoring"
	ActInternalAudit    ISMSActivity = "internal_audit"
	ActManagementReview ISMSActivity = "management_review"
	ActIncidentResponse ISMSActivity = "incident_response"
)

// ISMSActivities lists every activity in display order.
var ISMSActivities = []ISMSActivity{ActPolicy, ActRiskAssessment, ActMeasures, ActMonitoring, ActInternalAudit,
	ActManagementReview, ActIncidentResponse}

// Valid reports whether a is a known activity.
func (a ISMSActivity) Valid() bool { return slices.Contains(ISMSActivities, a) }

// RACI is a department's part in an activity: Responsible, Accountable,
// Consulted or Informed.
type RACI string

// The RACI letters.
const (
	RACIResponsible RACI = "R"
	RACIAccountable RACI = "A"
	RACIConsulted   RACI = "C"
	RACIInformed    RACI = "I"
)

// RACILetters lists the letters in order.
var RACILetters = []RACI{RACIResponsible, RACIAccountable, RACIConsulted, RACIInformed}

// Valid reports whether r is a known letter.
func (r RACI) Valid() bool { return slices.Contains(RACILetters, r) }

// Responsibility is a department's ISMS responsibilities: a Markdown text and
// its part (RACI) in each activity it takes part in.
type Responsibility struct {
	DepartmentID string
	Text         string
	Parts        map[ISMSActivity]RACI // activities without a part are absent
	UpdatedBy    string
	UpdatedAt    time.Time
}

// MaxResponsibilityLen bounds the responsibilities text.
const MaxResponsibilityLen = 10000

// ResponsibilityReader reads roles and responsibilities.
type ResponsibilityReader interface {
	// FindResponsibilities lists every department's responsibilities that has been written.
	FindResponsibilities(ctx context.Context) ([]Responsibility, error)
}

// ResponsibilityWriter writes roles and responsibilities.
type ResponsibilityWriter interface {
	// PutResponsibility writes a department's responsibilities, creating them the first time.
	PutResponsibility(ctx context.Context, r Responsibility) error
}
