package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Reports takes reports from people (IH-1) and lets the CSIRT answer them.
//
// Who sees what: admins, the CSIRT, managers and auditors read every report;
// a member reads only the reports they filed themselves without the anonymous
// option. The CSIRT and admins answer and move a report's status. A reporter
// without an account follows a report up with its follow-up code.
type Reports struct{ base }

// ReportInput is a report as a reporter typed it.
type ReportInput struct {
	Source       hikeshi.ReportSource
	Description  string
	NoticedAt    time.Time // zero when not given
	Contact      string
	ContactEmail string
	Organisation string
	Anonymous    bool
	// SubmissionToken is the one-time token of the form (see NewSubmissionToken);
	// sending the same token twice returns the first report. Empty: a fresh one.
	SubmissionToken string
	// Attachments are files stored beforehand with StoreAttachment.
	Attachments []AttachmentInput
}

// AttachmentInput names a stored blob to attach to a report and the file
// name the reporter's client gave it (sanitised on the way in).
type AttachmentInput struct {
	SHA256   string
	Filename string
}

// StoreAttachment stores a file a reporter is attaching, before the report
// itself is submitted: the upload streams into the blob store and only its
// hash travels on. More than limit bytes (at most
// hikeshi.MaxAttachmentSize) is a ValidationError with code too_large, and
// nothing is stored. A blob whose report is never submitted stays unreferenced.
func (s *Reports) StoreAttachment(ctx context.Context, r io.Reader, limit int64) (hikeshi.Blob, error) {
	if limit <= 0 || limit > hikeshi.MaxAttachmentSize {
		limit = hikeshi.MaxAttachmentSize
	}
	b, err := s.st.PutBlob(ctx, r, limit)
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		for i := range ve.Fields {
			ve.Fields[i].Field = "attachments"
		}
		return hikeshi.Blob{}, ve
	}
	if err != nil {
		return hikeshi.Blob{}, fmt.Errorf("store attachment: %w", err)
	}
	return b, nil
}

// Submission is the answer to a submitted report.
type Submission struct {
	Report hikeshi.Report
	// FollowUpCode lets the reporter read answers and add information. It is
	// shown once; only its hash is stored.
	FollowUpCode string
	// Repeated is true when the form had been submitted before: Report and
	// FollowUpCode are those of that first submission.
	Repeated bool
}

// submissionTokenLen is the length of a token from NewSubmissionToken.
const submissionTokenLen = 43

// NewSubmissionToken returns a one-time token for a report form: 256 random
// bits, base64url. The form carries it; the follow-up code derives from it.
func NewSubmissionToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("service: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidSubmissionToken reports whether s has the form of a token from
// NewSubmissionToken; anything else is replaced by a fresh token.
func ValidSubmissionToken(s string) bool {
	if len(s) != submissionTokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// reportAudit is what the audit log keeps of a report: its identity and
// state, never its text or contact details. The log is append-only and kept
// for good, and what a reporter wrote (perhaps personal data by mistake) must
// stay removable from the report itself.
type reportAudit struct {
	ID         string `json:"id"`
	Number     string `json:"number"`
	Source     string `json:"source"`
	Status     string `json:"status"`
	Anonymous  bool   `json:"anonymous"`
	NoticedAt  string `json:"noticed_at,omitempty"`
	ReportedAt string `json:"reported_at"`
	// Attachments are recorded by hash, size and type: never their content,
	// nor their names, which may hold personal data.
	Attachments []attachmentAudit `json:"attachments,omitempty"`
}

type attachmentAudit struct {
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
}

func auditOfReport(r hikeshi.Report) reportAudit {
	a := reportAudit{ID: r.ID, Number: r.Number, Source: string(r.Source), Status: string(r.Status),
		Anonymous: r.Anonymous, ReportedAt: hikeshi.FormatTime(r.ReportedAt)}
	if !r.NoticedAt.IsZero() {
		a.NoticedAt = hikeshi.FormatTime(r.NoticedAt)
	}
	return a
}

// Submit files a report. actor is the signed-in user, or the zero Actor for a
// reporter who is not signed in. An anonymous report keeps nothing that
// identifies its sender — not even a signed-in user's id — and is audited as
// the "anonymous reporter".
func (s *Reports) Submit(ctx context.Context, actor hikeshi.Actor, in ReportInput) (Submission, error) {
	now := s.clock.Now()
	if in.Source == "" {
		in.Source = hikeshi.SourceEmployee
	}
	in.Description = strings.TrimSpace(in.Description)
	in.Contact = strings.TrimSpace(in.Contact)
	in.ContactEmail = hikeshi.NormalizeEmail(in.ContactEmail)
	in.Organisation = strings.TrimSpace(in.Organisation)
	if in.Anonymous {
		in.Contact, in.ContactEmail, in.Organisation = "", "", ""
	}
	if err := validateReport(in, now); err != nil {
		return Submission{}, err
	}
	token := in.SubmissionToken
	if !ValidSubmissionToken(token) {
		token = NewSubmissionToken()
	}
	code := hikeshi.FollowUpCodeFor(token)
	norm, _ := hikeshi.NormalizeFollowUpCode(code)
	r := hikeshi.Report{
		ID: hikeshi.NewID(), Source: in.Source, Status: hikeshi.ReportNew, Description: in.Description,
		NoticedAt: in.NoticedAt.UTC(), ReportedAt: now, Contact: in.Contact, ContactEmail: in.ContactEmail,
		Organisation: in.Organisation, Anonymous: in.Anonymous, FollowUpHash: hikeshi.FollowUpHash(norm),
		SubmissionHash: hikeshi.SubmissionHash(token), CreatedAt: now, UpdatedAt: now,
	}
	auditActor := actor
	switch {
	case in.Anonymous:
		auditActor = hikeshi.AnonymousReporter(via(actor))
	case actor.UserID != "":
		r.ReporterUserID = actor.UserID
	default:
		auditActor = hikeshi.PublicReporter(via(actor))
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		n, err := tx.NextCounter(ctx, hikeshi.ReportCounter(now.Year()))
		if err != nil {
			return err
		}
		r.Number = hikeshi.ReportNumber(now.Year(), n)
		if err := tx.CreateReport(ctx, r); err != nil {
			return err
		}
		a := auditOfReport(r)
		atts, err := s.attach(ctx, tx, r, in.Attachments)
		if err != nil {
			return err
		}
		for _, at := range atts {
			a.Attachments = append(a.Attachments, attachmentAudit{at.SHA256, at.Size, at.MediaType})
		}
		return s.audit(ctx, tx, auditActor, "report.create", "report", r.ID, nil, a)
	})
	if errors.Is(err, hikeshi.ErrConflict) {
		// The same form again (a double click, a reload, a retry after a
		// lost answer): show the report it created the first time.
		first, ferr := s.st.FindReportBySubmissionHash(ctx, r.SubmissionHash)
		if ferr != nil {
			return Submission{}, fmt.Errorf("submit report: %w", errors.Join(err, ferr))
		}
		return Submission{Report: first, FollowUpCode: code, Repeated: true}, nil
	}
	if err != nil {
		return Submission{}, fmt.Errorf("submit report: %w", err)
	}
	return Submission{Report: r, FollowUpCode: code}, nil
}

// attach records a new report's attachments, checking the limits against
// the stored blobs' sizes.
func (s *Reports) attach(ctx context.Context, tx hikeshi.Tx, r hikeshi.Report, in []AttachmentInput) ([]hikeshi.ReportAttachment, error) {
	if len(in) > hikeshi.MaxReportAttachments {
		return nil, hikeshi.Invalid("attachments", "too_many", fmt.Sprintf("at most %d files may be attached to a report", hikeshi.MaxReportAttachments))
	}
	var out []hikeshi.ReportAttachment
	var total int64
	for _, a := range in {
		b, err := tx.FindBlob(ctx, a.SHA256)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return nil, hikeshi.Invalid("attachments", "unknown", "an attached file was not stored first")
		}
		if err != nil {
			return nil, err
		}
		if b.Size > hikeshi.MaxAttachmentSize {
			return nil, hikeshi.Invalid("attachments", "too_large", fmt.Sprintf("a file may hold at most %d MiB", hikeshi.MaxAttachmentSize>>20))
		}
		if total += b.Size; total > hikeshi.MaxReportAttachmentsTotal {
			return nil, hikeshi.Invalid("attachments", "too_large_total", fmt.Sprintf("the files of a report may hold at most %d MiB together", hikeshi.MaxReportAttachmentsTotal>>20))
		}
		at := hikeshi.ReportAttachment{ID: hikeshi.NewID(), ReportID: r.ID, SHA256: b.SHA256, Filename: hikeshi.SanitizeFilename(a.Filename),
			Size: b.Size, MediaType: b.MediaType, CreatedAt: r.CreatedAt}
		if err := tx.CreateReportAttachment(ctx, at); err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, nil
}

// Attachments lists a report's attachments; a report the actor may not read
// is ErrNotFound.
func (s *Reports) Attachments(ctx context.Context, actor hikeshi.Actor, reportID string) ([]hikeshi.ReportAttachment, error) {
	r, err := s.st.FindReportByID(ctx, reportID)
	if err == nil && !canRead(actor, r) {
		err = hikeshi.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("report attachments: %w", err)
	}
	atts, err := s.st.FindReportAttachments(ctx, reportID)
	if err != nil {
		return nil, fmt.Errorf("report attachments: %w", err)
	}
	return atts, nil
}

// OpenAttachment streams one attachment of a report, by the same rules as
// reading the report: anything the actor may not read is ErrNotFound. The
// caller closes the reader.
func (s *Reports) OpenAttachment(ctx context.Context, actor hikeshi.Actor, reportID, sha string) (io.ReadCloser, hikeshi.ReportAttachment, error) {
	atts, err := s.Attachments(ctx, actor, reportID)
	if err != nil {
		return nil, hikeshi.ReportAttachment{}, err
	}
	for _, a := range atts {
		if a.SHA256 == sha {
			rc, _, err := s.st.OpenBlob(ctx, sha)
			if err != nil {
				return nil, hikeshi.ReportAttachment{}, fmt.Errorf("open attachment: %w", err)
			}
			return rc, a, nil
		}
	}
	return nil, hikeshi.ReportAttachment{}, fmt.Errorf("open attachment: %w", hikeshi.ErrNotFound)
}

// via is the channel of an actor, "web" when it did not say.
func via(a hikeshi.Actor) string {
	if a.Via == "" {
		return "web"
	}
	return a.Via
}

func validateReport(in ReportInput, now time.Time) error {
	var v hikeshi.ValidationError
	if !in.Source.Valid() {
		v.Add("source", "unknown", "source must be employee or external")
	}
	hikeshi.ValidateText(&v, "description", in.Description, hikeshi.MaxReportTextLen, true)
	if !in.NoticedAt.IsZero() && in.NoticedAt.After(now.Add(5*time.Minute)) {
		// A few minutes of grace for a reporter's clock running ahead.
		v.Add("noticed_at", "in_future", "the time you noticed it cannot be in the future")
	}
	hikeshi.ValidateText(&v, "contact", in.Contact, hikeshi.MaxContactLen, false)
	if in.Source == hikeshi.SourceExternal && !in.Anonymous {
		hikeshi.ValidateEmail(&v, "contact_email", in.ContactEmail)
		hikeshi.ValidateText(&v, "organisation", in.Organisation, hikeshi.MaxOrganisationLen, false)
	} else if in.ContactEmail != "" {
		hikeshi.ValidateEmail(&v, "contact_email", in.ContactEmail)
	}
	if in.Source != hikeshi.SourceExternal && in.Organisation != "" {
		hikeshi.ValidateText(&v, "organisation", in.Organisation, hikeshi.MaxOrganisationLen, false)
	}
	return v.Err()
}

// canRead reports whether actor may read r.
func canRead(actor hikeshi.Actor, r hikeshi.Report) bool {
	if actor.CanReadAll() {
		return true
	}
	return actor.UserID != "" && !r.Anonymous && r.ReporterUserID == actor.UserID
}

// List returns reports newest first. Members see only their own reports.
func (s *Reports) List(ctx context.Context, actor hikeshi.Actor, f hikeshi.ReportFilter) ([]hikeshi.Report, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return nil, fmt.Errorf("list reports: %w", hikeshi.ErrUnauthenticated)
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, hikeshi.Invalid("status", "unknown", "status must be new, in_triage or closed")
	}
	if !actor.CanReadAll() {
		f.ReporterUserID = actor.UserID
	}
	return s.st.FindReports(ctx, f)
}

// Get returns a report and its thread. A report the actor may not read is
// ErrNotFound, so its existence is not revealed.
func (s *Reports) Get(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Report, []hikeshi.ReportMessage, error) {
	r, err := s.st.FindReportByID(ctx, id)
	if err != nil {
		return hikeshi.Report{}, nil, fmt.Errorf("get report: %w", err)
	}
	if !canRead(actor, r) {
		return hikeshi.Report{}, nil, fmt.Errorf("get report: %w", hikeshi.ErrNotFound)
	}
	msgs, err := s.st.FindReportMessages(ctx, id, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return hikeshi.Report{}, nil, fmt.Errorf("get report: %w", err)
	}
	return r, msgs, nil
}

// AddMessage adds a message to a report's thread. The CSIRT and admins
// answer as the CSIRT, and answering a new report takes it into triage; the
// member who filed the report adds information as its reporter.
func (s *Reports) AddMessage(ctx context.Context, actor hikeshi.Actor, id, body string) (hikeshi.ReportMessage, error) {
	body = strings.TrimSpace(body)
	var out hikeshi.ReportMessage
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		r, err := tx.FindReportByID(ctx, id)
		if err != nil {
			return err
		}
		var author hikeshi.MessageAuthor
		switch {
		case actor.CanAnswerReports():
			author = hikeshi.AuthorCSIRT
		case canRead(actor, r) && !actor.ReadOnly() && r.ReporterUserID == actor.UserID:
			author = hikeshi.AuthorReporter
		case canRead(actor, r):
			return forbid("answer report")
		default:
			return hikeshi.ErrNotFound
		}
		if err := validateMessage(body); err != nil {
			return err
		}
		out, err = s.addMessage(ctx, tx, actor, r, author, actor.UserID, body)
		return err
	})
	if err != nil {
		return hikeshi.ReportMessage{}, fmt.Errorf("add report message: %w", err)
	}
	return out, nil
}

func validateMessage(body string) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "body", body, hikeshi.MaxReportTextLen, true)
	return v.Err()
}

// addMessage writes a message, moves the report when the message calls for it,
// and audits both.
func (s *Reports) addMessage(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, r hikeshi.Report,
	author hikeshi.MessageAuthor, authorID, body string) (hikeshi.ReportMessage, error) {
	now := s.clock.Now()
	m := hikeshi.ReportMessage{ID: hikeshi.NewID(), ReportID: r.ID, Author: author, AuthorUserID: authorID, Body: body, CreatedAt: now}
	if err := tx.CreateReportMessage(ctx, m); err != nil {
		return hikeshi.ReportMessage{}, err
	}
	// The audit entry records that a message was written, not what it says.
	if err := s.audit(ctx, tx, actor, "report.message", "report", r.ID, nil,
		map[string]string{"message_id": m.ID, "author": string(author)}); err != nil {
		return hikeshi.ReportMessage{}, err
	}
	var next hikeshi.ReportStatus
	switch {
	case author == hikeshi.AuthorCSIRT && r.Status == hikeshi.ReportNew:
		next = hikeshi.ReportInTriage // the first answer is the first response
	case author == hikeshi.AuthorReporter && r.Status == hikeshi.ReportClosed:
		next = hikeshi.ReportInTriage // new information reopens a closed report
	}
	if next != "" {
		if err := s.setStatus(ctx, tx, actor, r, next, now); err != nil {
			return hikeshi.ReportMessage{}, err
		}
	}
	return m, nil
}

func (s *Reports) setStatus(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, r hikeshi.Report, next hikeshi.ReportStatus, now time.Time) error {
	if err := tx.UpdateReportStatus(ctx, r.ID, next, now); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "report.status", "report", r.ID,
		map[string]string{"status": string(r.Status)}, map[string]string{"status": string(next)})
}

// SetStatus moves a report (CSIRT and admins). A move the workflow does not
// allow is refused with the reason.
func (s *Reports) SetStatus(ctx context.Context, actor hikeshi.Actor, id string, next hikeshi.ReportStatus) (hikeshi.Report, error) {
	var out hikeshi.Report
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		r, err := tx.FindReportByID(ctx, id)
		if err != nil {
			return err
		}
		if !canRead(actor, r) {
			return hikeshi.ErrNotFound
		}
		if !actor.CanAnswerReports() {
			return forbid("change a report's status")
		}
		if !next.Valid() {
			return hikeshi.Invalid("status", "unknown", "status must be new, in_triage or closed")
		}
		if r.Status == next {
			out = r
			return nil
		}
		if !r.Status.CanMoveTo(next) {
			return hikeshi.Invalid("status", "transition",
				fmt.Sprintf("a report cannot go from %s to %s; it moves new → in_triage → closed, and a closed report back to in_triage", r.Status, next))
		}
		now := s.clock.Now()
		if err := s.setStatus(ctx, tx, actor, r, next, now); err != nil {
			return err
		}
		r.Status, r.UpdatedAt = next, now
		out = r
		return nil
	})
	if err != nil {
		return hikeshi.Report{}, fmt.Errorf("set report status: %w", err)
	}
	return out, nil
}

// ErrUnknownCode is what every follow-up look-up that finds nothing returns:
// a wrong code, an unknown one and a malformed one are indistinguishable.
var ErrUnknownCode = fmt.Errorf("no report has this follow-up code: %w", hikeshi.ErrNotFound)

// findByCode looks a code up. A malformed code is hashed and looked up too,
// so every failure takes one hash and one indexed query.
func findByCode(ctx context.Context, r hikeshi.Reader, code string) (hikeshi.Report, error) {
	norm, ok := hikeshi.NormalizeFollowUpCode(code)
	if !ok {
		norm = "!" + code // can never match: a stored code is 16 base32 characters
	}
	rep, err := r.FindReportByFollowUpHash(ctx, hikeshi.FollowUpHash(norm))
	if errors.Is(err, hikeshi.ErrNotFound) || (err == nil && !ok) {
		return hikeshi.Report{}, ErrUnknownCode
	}
	return rep, err
}

// FollowUp returns the report of a follow-up code and its thread, for the
// reporter. Callers rate-limit it; a wrong code is ErrUnknownCode.
func (s *Reports) FollowUp(ctx context.Context, code string) (hikeshi.Report, []hikeshi.ReportMessage, error) {
	r, err := findByCode(ctx, s.st, code)
	if err != nil {
		return hikeshi.Report{}, nil, err
	}
	msgs, err := s.st.FindReportMessages(ctx, r.ID, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return hikeshi.Report{}, nil, fmt.Errorf("follow up report: %w", err)
	}
	return r, msgs, nil
}

// FollowUpProgress is the stage of handling the reporter of a follow-up code
// sees: an unknown code is ErrUnknownCode, like FollowUp.
func (s *Reports) FollowUpProgress(ctx context.Context, code string) (hikeshi.ReporterProgress, error) {
	r, err := findByCode(ctx, s.st, code)
	if err != nil {
		return "", err
	}
	var phase hikeshi.Phase
	link, err := s.st.FindReportIncident(ctx, r.ID)
	switch {
	case err == nil:
		inc, err := s.st.FindIncidentByID(ctx, link.IncidentID)
		if err != nil {
			return "", fmt.Errorf("follow up report: %w", err)
		}
		phase = inc.Phase
	case !errors.Is(err, hikeshi.ErrNotFound):
		return "", fmt.Errorf("follow up report: %w", err)
	}
	return hikeshi.ProgressOf(r.Status, phase), nil
}

// AddFollowUpMessage adds the reporter's information to the report of a
// follow-up code. It is audited as the anonymous reporter for an anonymous
// report and as the "reporter" otherwise; it records no user.
func (s *Reports) AddFollowUpMessage(ctx context.Context, code, body, via string) (hikeshi.ReportMessage, error) {
	return s.AddFollowUpInformation(ctx, code, body, via, nil)
}

// AddFollowUpInformation is AddFollowUpMessage with files the reporter
// attached, stored beforehand with StoreAttachment. The files are held to
// the intake form's limits (per follow-up: hikeshi.MaxReportAttachments
// files, hikeshi.MaxAttachmentSize each, hikeshi.MaxReportAttachmentsTotal
// together), their names are sanitised, and nothing about the sender is
// kept: the audit entry lists the files' hashes, sizes and types only.
func (s *Reports) AddFollowUpInformation(ctx context.Context, code, body, via string, files []AttachmentInput) (hikeshi.ReportMessage, error) {
	body = strings.TrimSpace(body)
	if err := validateMessage(body); err != nil {
		return hikeshi.ReportMessage{}, err
	}
	var out hikeshi.ReportMessage
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		r, err := findByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		actor := hikeshi.PublicReporter(via)
		if r.Anonymous {
			actor = hikeshi.AnonymousReporter(via)
		}
		if out, err = s.addMessage(ctx, tx, actor, r, hikeshi.AuthorReporter, "", body); err != nil || len(files) == 0 {
			return err
		}
		stamped := r
		stamped.CreatedAt = out.CreatedAt // the attachments' time is the follow-up's
		atts, err := s.attach(ctx, tx, stamped, files)
		if err != nil {
			return err
		}
		a := map[string]any{"message_id": out.ID}
		var list []attachmentAudit
		for _, at := range atts {
			list = append(list, attachmentAudit{at.SHA256, at.Size, at.MediaType})
		}
		a["attachments"] = list
		return s.audit(ctx, tx, actor, "report.attach", "report", r.ID, nil, a)
	})
	if err != nil {
		if errors.Is(err, ErrUnknownCode) {
			return hikeshi.ReportMessage{}, ErrUnknownCode
		}
		return hikeshi.ReportMessage{}, fmt.Errorf("add follow-up message: %w", err)
	}
	return out, nil
}

// IntakeSettings returns the organisation's intake settings. Anyone may read
// them: the public forms and security.txt depend on them.
func (s *Reports) IntakeSettings(ctx context.Context) (hikeshi.IntakeSettings, error) {
	var out hikeshi.IntakeSettings
	get := func(key string) (string, error) {
		v, err := s.st.GetSetting(ctx, key)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return "", nil
		}
		return v, err
	}
	v, err := get(hikeshi.SettingReportRequireSignIn)
	if err != nil {
		return out, fmt.Errorf("intake settings: %w", err)
	}
	out.RequireSignIn = v == "true"
	if v, err = get(hikeshi.SettingSecurityContacts); err != nil {
		return out, fmt.Errorf("intake settings: %w", err)
	}
	for _, line := range strings.Split(v, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out.SecurityContacts = append(out.SecurityContacts, line)
		}
	}
	if out.SecurityPolicy, err = get(hikeshi.SettingSecurityPolicy); err != nil {
		return out, fmt.Errorf("intake settings: %w", err)
	}
	return out, nil
}

// maxSecurityContacts bounds the Contact lines of security.txt.
const maxSecurityContacts = 10

// UpdateIntakeSettings changes the intake settings. Admins only; audited as
// settings.update with the values before and after.
func (s *Reports) UpdateIntakeSettings(ctx context.Context, actor hikeshi.Actor, in hikeshi.IntakeSettings) (hikeshi.IntakeSettings, error) {
	if !actor.CanAdminister() {
		return hikeshi.IntakeSettings{}, forbid("change the intake settings")
	}
	var v hikeshi.ValidationError
	var contacts []string
	for _, c := range in.SecurityContacts {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !strings.Contains(c, ":") && strings.Contains(c, "@") {
			c = "mailto:" + c // a bare e-mail address is what people type
		}
		hikeshi.ValidateContactURI(&v, "security_contacts", c)
		contacts = append(contacts, c)
	}
	if len(contacts) > maxSecurityContacts {
		v.Add("security_contacts", "too_many", "at most 10 contacts")
	}
	in.SecurityPolicy = strings.TrimSpace(in.SecurityPolicy)
	if in.SecurityPolicy != "" {
		hikeshi.ValidateContactURI(&v, "security_policy", in.SecurityPolicy)
	}
	if err := v.Err(); err != nil {
		return hikeshi.IntakeSettings{}, err
	}
	in.SecurityContacts = contacts
	before, err := s.IntakeSettings(ctx)
	if err != nil {
		return hikeshi.IntakeSettings{}, err
	}
	now := s.clock.Now()
	err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		for _, kv := range [][2]string{
			{hikeshi.SettingReportRequireSignIn, fmt.Sprint(in.RequireSignIn)},
			{hikeshi.SettingSecurityContacts, strings.Join(in.SecurityContacts, "\n")},
			{hikeshi.SettingSecurityPolicy, in.SecurityPolicy},
		} {
			if err := tx.PutSetting(ctx, kv[0], kv[1], now); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "settings.update", "settings", "intake", settingsAudit(before), settingsAudit(in))
	})
	if err != nil {
		return hikeshi.IntakeSettings{}, fmt.Errorf("update intake settings: %w", err)
	}
	return in, nil
}

func settingsAudit(s hikeshi.IntakeSettings) map[string]any {
	return map[string]any{
		hikeshi.SettingReportRequireSignIn: s.RequireSignIn,
		hikeshi.SettingSecurityContacts:    s.SecurityContacts,
		hikeshi.SettingSecurityPolicy:      s.SecurityPolicy,
	}
}
