package hikeshi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Reports from people (IH-1): an employee or an outside reporter tells the
// CSIRT that something looks wrong. The wording everywhere is blameless — a
// report describes what happened, never who is to blame; there is no field
// for a culprit, by design (PATTERNS.md "Reporting culture").

// ReportSource says who filed a report.
type ReportSource string

// The sources of reports from people.
const (
	SourceEmployee ReportSource = "employee" // the organisation's own staff, through /report
	SourceExternal ReportSource = "external" // customers and researchers, through /report/external
)

// ReportSources lists every source in display order.
var ReportSources = []ReportSource{SourceEmployee, SourceExternal}

// Valid reports whether s is a known source.
func (s ReportSource) Valid() bool { return s == SourceEmployee || s == SourceExternal }

// ReportStatus is where a report stands. Triage proper (IH-4) refines
// in_triage later; for now a report is new, being looked at, or closed.
type ReportStatus string

// The statuses of a report.
const (
	ReportNew      ReportStatus = "new"
	ReportInTriage ReportStatus = "in_triage"
	ReportClosed   ReportStatus = "closed"
)

// ReportStatuses lists every status in workflow order.
var ReportStatuses = []ReportStatus{ReportNew, ReportInTriage, ReportClosed}

// Valid reports whether s is a known status.
func (s ReportStatus) Valid() bool {
	return s == ReportNew || s == ReportInTriage || s == ReportClosed
}

// CanMoveTo reports whether a report may go from s to next: forward only
// (new → in_triage → closed, or new → closed), and a closed report may be
// reopened into triage when the reporter brings new information.
func (s ReportStatus) CanMoveTo(next ReportStatus) bool {
	switch s {
	case ReportNew:
		return next == ReportInTriage || next == ReportClosed
	case ReportInTriage:
		return next == ReportClosed
	case ReportClosed:
		return next == ReportInTriage
	}
	return false
}

// Report is one report from a person. An anonymous report holds nothing that
// identifies its sender: no user, no contact, no organisation, and — like
// every report — no address, user agent or session.
type Report struct {
	ID             string
	Number         string // human number, e.g. RPT-2026-0001
	Source         ReportSource
	Status         ReportStatus
	Description    string    // what happened, in the reporter's words
	NoticedAt      time.Time // when the reporter noticed it, as they say; zero when not given
	ReportedAt     time.Time // set by the system when the report arrives
	Contact        string    // how to reach the reporter (name, phone …), free text; optional
	ContactEmail   string    // e-mail address; required for external reports unless anonymous
	Organisation   string    // the external reporter's organisation
	Anonymous      bool
	ReporterUserID string // the signed-in reporter; empty when anonymous or not signed in
	FollowUpHash   string // FollowUpHash of the follow-up code; the code itself is never stored
	SubmissionHash string // SHA-256 of the form's one-time submission token: a resubmitted form finds its report
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ReportAttachment is a file a reporter attached to a report: a stored Blob
// under a sanitised file name. Nothing about the sender is kept.
type ReportAttachment struct {
	ID        string
	ReportID  string
	SHA256    string
	Filename  string // SanitizeFilename of the name the client sent
	Size      int64
	MediaType string // sniffed when stored
	CreatedAt time.Time
}

// MessageAuthor says who wrote a message in a report's thread.
type MessageAuthor string

// The authors of report messages.
const (
	AuthorReporter MessageAuthor = "reporter"
	AuthorCSIRT    MessageAuthor = "csirt"
)

// ReporterProgress is what a reporter reads of their report's handling on
// the follow-up page: a triage decision closes the report, but a reporter
// whose report became an incident should read that it is being handled,
// not that it is closed. It tells nothing else of the incident.
type ReporterProgress string

// The stages a reporter sees.
const (
	ProgressReceived ReporterProgress = "received"    // new: not looked at yet
	ProgressInTriage ReporterProgress = "in_triage"   // being assessed
	ProgressInHand   ReporterProgress = "in_progress" // part of an incident the CSIRT is handling
	ProgressResolved ReporterProgress = "resolved"    // its incident is closed
	ProgressClosed   ReporterProgress = "closed"      // closed without an incident (not one, or a duplicate)
)

// ProgressOf is the stage a reporter sees for a report in status st, linked
// to an incident in phase linked ("" when the report belongs to none).
func ProgressOf(st ReportStatus, linked Phase) ReporterProgress {
	switch {
	case linked == PhaseClosed:
		return ProgressResolved
	case linked != "":
		return ProgressInHand
	case st == ReportNew:
		return ProgressReceived
	case st == ReportInTriage:
		return ProgressInTriage
	}
	return ProgressClosed
}

// ReportMessage is one message in a report's thread: the CSIRT answers, the
// reporter adds information.
type ReportMessage struct {
	ID           string
	ReportID     string
	Author       MessageAuthor
	AuthorUserID string // the signed-in author; empty for a reporter using the follow-up code or anonymous
	Body         string
	CreatedAt    time.Time
}

// Limits of report fields, in characters. The description is generous for a
// story told in a hurry and small enough to refuse abuse.
const (
	MaxReportTextLen    = 10000 // description and each message
	MaxContactLen       = 500
	MaxOrganisationLen  = 200
	MaxReportFormBytes  = 1 << 20 // a whole form, as sent
	ReportNumberPrefix  = "RPT"
	reportCounterPrefix = "report-"
)

// ReportCounter names the counter row that numbers the reports of a year.
func ReportCounter(year int) string { return fmt.Sprintf("%s%d", reportCounterPrefix, year) }

// ReportNumber formats the human number of the n-th report of a year.
func ReportNumber(year int, n int64) string {
	return fmt.Sprintf("%s-%d-%04d", ReportNumberPrefix, year, n)
}

// ReportFilter selects reports. Lists are newest first: Page.After is the id
// of the last report seen and the next page holds older ones.
type ReportFilter struct {
	ReporterUserID string       // only the reports this user filed (non-anonymously)
	Status         ReportStatus // only reports in this status; empty = all
	Page
}

// IntakeSettings are the organisation's settings for reports from people and
// for /.well-known/security.txt (RFC 9116).
type IntakeSettings struct {
	// RequireSignIn makes the employee form ask for sign-in first. Off by
	// default: an employee on the internal network reports without an account.
	RequireSignIn bool
	// SecurityContacts are the Contact URIs of security.txt (https:, mailto:
	// or tel:); empty means the instance's own /report/external.
	SecurityContacts []string
	// SecurityPolicy is an optional Policy URI of security.txt.
	SecurityPolicy string
}

// The settings keys of IntakeSettings.
const (
	SettingReportRequireSignIn = "report.require_signin"
	SettingSecurityContacts    = "security_txt.contacts" // one URI per line
	SettingSecurityPolicy      = "security_txt.policy"
)

// ValidateContactURI checks one security.txt URI and records a field error on
// v. security.txt is line based, so a URI may hold no white space or control
// character; only https:, http:, mailto: and tel: are accepted.
func ValidateContactURI(v *ValidationError, field, s string) {
	switch {
	case s == "":
		v.Add(field, "required", "a contact is required")
		return
	case len(s) > 2048:
		v.Add(field, "too_long", "the address is longer than 2048 characters")
		return
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= 0x20 || r == 0x7f }):
		v.Add(field, "invalid_text", "the address contains spaces or control characters")
		return
	}
	u, err := url.Parse(s)
	if err != nil {
		v.Add(field, "invalid_uri", "not a valid https:, mailto: or tel: address")
		return
	}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			v.Add(field, "invalid_uri", "a web address needs a host, like https://example.org/security")
		}
	case "mailto", "tel":
		if u.Opaque == "" {
			v.Add(field, "invalid_uri", "the address is empty after its scheme")
		}
	default:
		v.Add(field, "invalid_uri", "not a valid https:, mailto: or tel: address")
	}
}

// ValidateText checks free text of at most max characters and records a field
// error on v. Line breaks and tabs are allowed; other control characters are not.
func ValidateText(v *ValidationError, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "required", "this field is required")
	case !utf8.ValidString(s):
		v.Add(field, "invalid_text", "the text is not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", fmt.Sprintf("the text is longer than %d characters", max))
	case strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f
	}):
		v.Add(field, "invalid_text", "the text contains control characters")
	}
}

// Follow-up codes. A code is 80 random-looking bits written as 16 characters
// of Crockford's base32 in groups of four (ABCD-EFGH-JKMN-PQRS): easy to read
// aloud and to type, with no I, L, O or U to confuse. The code is derived from
// the form's one-time submission token (a secret only the reporter's browser
// holds), so a resubmitted form shows the same code again although the
// database keeps only a hash of it.

// followUpAlphabet is Crockford's base32.
const followUpAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// FollowUpCodeLen is the number of characters of a code, without hyphens.
const FollowUpCodeLen = 16

// FollowUpCodeFor derives the follow-up code of a submission token.
func FollowUpCodeFor(submissionToken string) string {
	m := hmac.New(sha256.New, []byte(submissionToken))
	m.Write([]byte("hikeshi follow-up code v1"))
	sum := m.Sum(nil)
	// 16 characters × 5 bits = 80 bits, taken from the first 10 bytes.
	var b strings.Builder
	var acc uint64
	bits := 0
	for _, c := range sum[:10] {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			b.WriteByte(followUpAlphabet[(acc>>bits)&31])
		}
	}
	return FormatFollowUpCode(b.String())
}

// FormatFollowUpCode writes a normalised code in groups of four.
func FormatFollowUpCode(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i:min(i+4, len(code))])
	}
	return b.String()
}

// NormalizeFollowUpCode turns what a person typed into the canonical 16
// characters: case, spaces and hyphens (also full-width ones from a Japanese
// input method) do not matter, and I/L read as 1, O as 0. ok is false when the
// result cannot be a code; callers still look it up, so a malformed code takes
// as long as a wrong one.
func NormalizeFollowUpCode(s string) (code string, ok bool) {
	if len(s) > 200 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		// Full-width ASCII (U+FF01–U+FF5E) to ASCII.
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0x3000 || r == 0x2010 || r == 0x2011 ||
			r == 0x2012 || r == 0x2013 || r == 0x2014 || r == 0x2212 || r == 0x30FC || r == 0xFF70:
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if r > 0x7f || strings.IndexRune(followUpAlphabet, r) < 0 {
			return "", false
		}
		b.WriteRune(r)
		if b.Len() > FollowUpCodeLen {
			return "", false
		}
	}
	if b.Len() != FollowUpCodeLen {
		return "", false
	}
	return b.String(), true
}

// FollowUpHash is what the database keeps of a follow-up code: the hex
// SHA-256 of the normalised code with a domain prefix. Anything typed can be
// hashed, so a malformed code costs the same look-up as a wrong one.
func FollowUpHash(normalised string) string {
	sum := sha256.Sum256([]byte("hikeshi-follow-up-v1:" + normalised))
	return hex.EncodeToString(sum[:])
}

// SubmissionHash is what the database keeps of a form's one-time submission token.
func SubmissionHash(token string) string {
	sum := sha256.Sum256([]byte("hikeshi-submission-v1:" + token))
	return hex.EncodeToString(sum[:])
}

// AnonymousReporter is the actor of everything an anonymous reporter does: it
// carries no user id, no address and no e-mail, so the audit log cannot
// identify the sender either.
func AnonymousReporter(via string) Actor { return Actor{Email: "anonymous reporter", Via: via} }

// PublicReporter is the actor of a reporter who is not signed in but gave
// their contact (an outside reporter, or an employee without an account), or
// who follows a report up with its code.
func PublicReporter(via string) Actor { return Actor{Email: "reporter", Via: via} }

// CanAnswerReports reports whether the actor answers reporters and changes a
// report's status: the CSIRT and admins.
func (a Actor) CanAnswerReports() bool { return a.Role == RoleCSIRT || a.Role == RoleAdmin }

// ReportReader is the read side of reports from people (IH-1).
type ReportReader interface {
	FindReportByID(ctx context.Context, id string) (Report, error)
	// FindReportByFollowUpHash finds a report by the hash of its follow-up code.
	FindReportByFollowUpHash(ctx context.Context, hash string) (Report, error)
	// FindReportBySubmissionHash finds the report a submission token created.
	FindReportBySubmissionHash(ctx context.Context, hash string) (Report, error)
	// FindReports lists reports newest first (by id, which is time-ordered).
	FindReports(ctx context.Context, f ReportFilter) ([]Report, error)
	// FindReportMessages lists a report's thread oldest first.
	FindReportMessages(ctx context.Context, reportID string, p Page) ([]ReportMessage, error)
	// FindReportAttachments lists a report's attachments oldest first.
	FindReportAttachments(ctx context.Context, reportID string) ([]ReportAttachment, error)
	// FindBlob returns a stored blob's metadata.
	FindBlob(ctx context.Context, sha256 string) (Blob, error)
}

// ReportWriter is the write side of reports from people (IH-1).
type ReportWriter interface {
	// NextCounter increments the named counter and returns its new value
	// (1 for a new counter). Human numbers come from it in the transaction
	// that creates the record, so they have no gaps and no duplicates.
	NextCounter(ctx context.Context, name string) (int64, error)
	// CreateReport inserts a report; a SubmissionHash or number already used is ErrConflict.
	CreateReport(ctx context.Context, r Report) error
	// UpdateReportStatus sets a report's status and updated time.
	UpdateReportStatus(ctx context.Context, id string, status ReportStatus, at time.Time) error
	// CreateReportMessage appends a message to a report's thread and touches the report.
	CreateReportMessage(ctx context.Context, m ReportMessage) error
	// CreateReportAttachment records a stored blob as a report's attachment.
	CreateReportAttachment(ctx context.Context, a ReportAttachment) error
}
