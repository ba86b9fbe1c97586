package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/mailgate"
	"github.com/hikeshi/hikeshi/internal/mailout"
)

// MailIntake turns mail to the CSIRT's addresses into reports (IH-2).
//
// A message becomes a new report (source employee when its From address is
// an active user's, external otherwise), or — when it answers a mail of a
// report (In-Reply-To / References) or carries the report's tag in its
// subject ([RPT-2026-0001]) and its sender is that report's reporter — a new
// reporter message on that report. A reply from anyone else becomes a new
// report: knowing or guessing a tag lets nobody add to, or read, another
// report. See docs/decisions/0037-mailgate.md.
type MailIntake struct {
	base
}

// MaxMailBlobBytes bounds one stored part or raw message of a mail.
const MaxMailBlobBytes = 64 << 20

// maxMailAttachments bounds the files kept of one mail (beyond: a note;
// everything stays in the raw message).
const maxMailAttachments = 50

// MailOutcome is what became of a mail.
type MailOutcome struct {
	Report    hikeshi.Report
	Mail      hikeshi.MailMessage
	Message   hikeshi.ReportMessage // the reporter message a reply became
	Reply     bool                  // the mail joined an existing report
	Duplicate bool                  // the same mail had been taken in before: nothing was added
	// FollowUpCode is the new report's code, for the acknowledgement only:
	// it is never stored.
	FollowUpCode string
	Parsed       *mailgate.Message
}

// mailSink stores parts of a mail in the blob store.
type mailSink struct{ st hikeshi.Store }

func (k mailSink) Store(ctx context.Context, r io.Reader) (string, int64, string, error) {
	b, err := k.st.PutBlob(ctx, r, MaxMailBlobBytes)
	if err != nil {
		return "", 0, "", err
	}
	return b.SHA256, b.Size, b.MediaType, nil
}

// Ingest takes one mail in: raw is the spooled message (read from its
// start). The raw message and every attachment are streamed to the blob
// store; the report (or reply), its attachments and the mail record are
// written in one transaction with the audit entries. An error means nothing
// was recorded (stored blobs may stay unreferenced) and the sender should
// try again.
func (s *MailIntake) Ingest(ctx context.Context, env mailgate.Envelope, raw io.ReadSeeker) (MailOutcome, error) {
	rawBlob, err := s.st.PutBlob(ctx, raw, MaxMailBlobBytes)
	if err != nil {
		return MailOutcome{}, fmt.Errorf("mail intake: store the raw message: %w", err)
	}
	if _, err := raw.Seek(0, io.SeekStart); err != nil {
		return MailOutcome{}, fmt.Errorf("mail intake: %w", err)
	}
	p, err := mailgate.Parse(ctx, raw, mailSink{s.st}, mailgate.Options{})
	if err != nil {
		return MailOutcome{}, fmt.Errorf("mail intake: %w", err)
	}
	out := MailOutcome{Parsed: p}
	now := s.clock.Now()
	sender := p.From
	if sender == "" {
		sender = hikeshi.NormalizeEmail(env.From)
	}
	var ev hikeshi.ValidationError
	hikeshi.ValidateEmail(&ev, "from", sender)
	if ev.Err() != nil {
		sender = ""
	}
	messageID := p.MessageID
	if messageID == "" {
		messageID = "hikeshi-" + hikeshi.NewID() + "@mail-intake" // so the mail can still be recorded
	}
	if len(messageID) > 500 {
		messageID = messageID[:500]
	}
	if p.MessageID != "" {
		dup, err := s.st.FindMailDuplicate(ctx, messageID, rawBlob.SHA256)
		if err == nil {
			r, err := s.st.FindReportByID(ctx, dup.ReportID)
			if err != nil {
				return MailOutcome{}, fmt.Errorf("mail intake: %w", err)
			}
			out.Report, out.Mail, out.Duplicate = r, dup, true
			return out, nil
		}
		if !errors.Is(err, hikeshi.ErrNotFound) {
			return MailOutcome{}, fmt.Errorf("mail intake: %w", err)
		}
	}
	notes := append([]string(nil), p.Notes...)
	atts := p.Attachments
	if len(atts) > maxMailAttachments {
		notes = append(notes, fmt.Sprintf("the mail has %d files; the first %d are attached, all are in the raw message", len(atts), maxMailAttachments))
		atts = atts[:maxMailAttachments]
	}
	subject := p.Subject
	if len(subject) > hikeshi.MaxMailSubjectLen {
		subject = strings.ToValidUTF8(subject[:hikeshi.MaxMailSubjectLen], "")
	}
	mail := hikeshi.MailMessage{ID: hikeshi.NewID(), Kind: hikeshi.MailIn, MessageID: messageID, RawSHA256: rawBlob.SHA256,
		FromAddress: sender, Subject: subject, Language: p.Language, Notes: len(notes), ReceivedAt: now}

	err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		target, refused, err := s.thread(ctx, tx, p, sender)
		if err != nil {
			return err
		}
		switch {
		case refused == "":
		case strings.HasPrefix(refused, "RPT-"):
			// The number is the sender's own words (the subject's tag).
			notes = append(notes, fmt.Sprintf("this mail names report %s, but its sender is not that report's reporter, so it was filed as a new report", refused))
		default:
			// Matched by a Message-ID: the number is not told, since the
			// sender may read this report with its follow-up code.
			notes = append(notes, "this mail answers a mail of another report, but its sender is not that report's reporter, so it was filed as a new report (see In-Reply-To and References in the original message)")
		}
		mail.Notes = len(notes)
		if target != nil {
			return s.reply(ctx, tx, &out, *target, mail, subject, p.Text, notes, atts, rawBlob)
		}
		return s.newReport(ctx, tx, &out, p, sender, mail, subject, notes, atts, rawBlob)
	})
	if err != nil {
		return MailOutcome{}, fmt.Errorf("mail intake: %w", err)
	}
	return out, nil
}

// thread finds the report a mail answers, when its sender is that report's
// reporter. refused tells of a report the mail pointed at whose reporter is
// someone else: its number when the mail's subject tagged it, else
// "by-reference" (a Message-ID matched; the number is not for the sender).
func (s *MailIntake) thread(ctx context.Context, tx hikeshi.Tx, p *mailgate.Message, sender string) (*hikeshi.Report, string, error) {
	var ids []string
	var fromTag []bool
	if len(p.References) > 0 {
		m, err := tx.FindMailByMessageIDs(ctx, p.References)
		switch {
		case err == nil:
			ids, fromTag = append(ids, m.ReportID), append(fromTag, false)
		case !errors.Is(err, hikeshi.ErrNotFound):
			return nil, "", err
		}
	}
	if tag := hikeshi.ReportTagIn(p.Subject); tag != "" {
		id, err := tx.FindReportIDByNumber(ctx, tag)
		switch {
		case err == nil:
			ids, fromTag = append(ids, id), append(fromTag, true)
		case !errors.Is(err, hikeshi.ErrNotFound):
			return nil, "", err
		}
	}
	refused := ""
	for i, id := range ids {
		r, err := tx.FindReportByID(ctx, id)
		if errors.Is(err, hikeshi.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		ok, err := s.isReporter(ctx, tx, r, sender)
		if err != nil {
			return nil, "", err
		}
		if ok {
			return &r, "", nil
		}
		if refused == "" || (fromTag[i] && !strings.HasPrefix(refused, "RPT-")) {
			refused = "by-reference"
			if fromTag[i] {
				refused = r.Number
			}
		}
	}
	return nil, refused, nil
}

// isReporter reports whether sender is the reporter of r: its contact
// address, or the address of the user who filed it. An anonymous report has
// neither, so no mail ever joins it.
func (s *MailIntake) isReporter(ctx context.Context, tx hikeshi.Tx, r hikeshi.Report, sender string) (bool, error) {
	if sender == "" || r.Anonymous {
		return false, nil
	}
	if r.ContactEmail != "" && hikeshi.NormalizeEmail(r.ContactEmail) == sender {
		return true, nil
	}
	if r.ReporterUserID != "" {
		u, err := tx.FindUserByID(ctx, r.ReporterUserID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return u.Active() && u.Email == sender, nil
	}
	return false, nil
}

// mailText is the text kept of a mail: the subject, the body and the notes
// of what could not be read, within hikeshi.MaxReportTextLen characters
// (the whole message stays in the attached raw message).
func mailText(subject, body string, notes []string) string {
	var tail strings.Builder
	if len(notes) > 0 {
		tail.WriteString("\n\n[mail intake] Some parts of this mail could not be read fully; the original message is attached:\n")
		for _, n := range notes {
			tail.WriteString("- " + n + "\n")
		}
	}
	body = strings.TrimSpace(body)
	if body == "" {
		body = "(the mail has no readable text)"
	}
	head := body
	if subject != "" {
		head = subject + "\n\n" + body
	}
	t := strings.TrimRight(tail.String(), "\n")
	budget := hikeshi.MaxReportTextLen - utf8.RuneCountInString(t)
	if budget < 2000 { // too many notes: cut them, keep the words
		t = truncRunes(t, hikeshi.MaxReportTextLen/2-1) + "…"
		budget = hikeshi.MaxReportTextLen - utf8.RuneCountInString(t)
	}
	const cut = "\n… (the text goes on in the attached original message)"
	if utf8.RuneCountInString(head) > budget {
		head = truncRunes(head, budget-utf8.RuneCountInString(cut)) + cut
	}
	return head + t
}

func truncRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// rawName is the file name of a mail's raw message among the attachments.
func rawName(m hikeshi.MailMessage) string {
	return "mail-" + m.ReceivedAt.UTC().Format("20060102-150405") + ".eml"
}

// attachMail records a mail's files and its raw message on a report, at at.
func attachMail(ctx context.Context, tx hikeshi.Tx, reportID string, at hikeshi.MailMessage, atts []mailgate.Attachment, raw hikeshi.Blob) ([]hikeshi.ReportAttachment, error) {
	var out []hikeshi.ReportAttachment
	add := func(sha, name string) error {
		b, err := tx.FindBlob(ctx, sha)
		if err != nil {
			return err
		}
		a := hikeshi.ReportAttachment{ID: hikeshi.NewID(), ReportID: reportID, SHA256: b.SHA256, Filename: hikeshi.SanitizeFilename(name),
			Size: b.Size, MediaType: b.MediaType, CreatedAt: at.ReceivedAt}
		if err := tx.CreateReportAttachment(ctx, a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}
	for _, a := range atts {
		if err := add(a.SHA256, a.Filename); err != nil {
			return nil, err
		}
	}
	if err := add(raw.SHA256, rawName(at)); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *MailIntake) newReport(ctx context.Context, tx hikeshi.Tx, out *MailOutcome, p *mailgate.Message, sender string,
	mail hikeshi.MailMessage, subject string, notes []string, atts []mailgate.Attachment, raw hikeshi.Blob) error {
	now := mail.ReceivedAt
	token := NewSubmissionToken()
	code := hikeshi.FollowUpCodeFor(token)
	norm, _ := hikeshi.NormalizeFollowUpCode(code)
	r := hikeshi.Report{ID: hikeshi.NewID(), Source: hikeshi.SourceExternal, Status: hikeshi.ReportNew,
		Description: mailText(subject, p.Text, notes), ReportedAt: now, ContactEmail: sender,
		Contact: truncRunes(p.FromName, hikeshi.MaxContactLen), FollowUpHash: hikeshi.FollowUpHash(norm),
		SubmissionHash: hikeshi.SubmissionHash(token), CreatedAt: now, UpdatedAt: now}
	actor := hikeshi.PublicReporter("mail")
	if sender != "" {
		u, err := tx.FindUserByEmail(ctx, sender)
		switch {
		case err == nil && u.Active():
			r.Source, r.ReporterUserID = hikeshi.SourceEmployee, u.ID
			actor = hikeshi.ActorFor(u, "mail")
		case err != nil && !errors.Is(err, hikeshi.ErrNotFound):
			return err
		}
	}
	n, err := tx.NextCounter(ctx, hikeshi.ReportCounter(now.Year()))
	if err != nil {
		return err
	}
	r.Number = hikeshi.ReportNumber(now.Year(), n)
	if err := tx.CreateReport(ctx, r); err != nil {
		return err
	}
	if err := tx.SetReportChannel(ctx, r.ID, hikeshi.ChannelMail); err != nil {
		return err
	}
	list, err := attachMail(ctx, tx, r.ID, mail, atts, raw)
	if err != nil {
		return err
	}
	mail.ReportID = r.ID
	if err := tx.CreateMailMessage(ctx, mail); err != nil {
		return err
	}
	a := auditOfReport(r)
	for _, at := range list {
		a.Attachments = append(a.Attachments, attachmentAudit{at.SHA256, at.Size, at.MediaType})
	}
	if err := s.audit(ctx, tx, actor, "report.create", "report", r.ID, nil, a); err != nil {
		return err
	}
	out.Report, out.Mail, out.FollowUpCode = r, mail, code
	return nil
}

func (s *MailIntake) reply(ctx context.Context, tx hikeshi.Tx, out *MailOutcome, r hikeshi.Report, mail hikeshi.MailMessage,
	subject, text string, notes []string, atts []mailgate.Attachment, raw hikeshi.Blob) error {
	actor := hikeshi.PublicReporter("mail")
	authorID := ""
	if r.ReporterUserID != "" {
		u, err := tx.FindUserByID(ctx, r.ReporterUserID)
		if err != nil {
			return err
		}
		actor, authorID = hikeshi.ActorFor(u, "mail"), u.ID
	}
	rep := &Reports{base: s.base}
	msg, err := rep.addMessage(ctx, tx, actor, r, hikeshi.AuthorReporter, authorID, mailText(subject, text, notes))
	if err != nil {
		return err
	}
	mail.ReceivedAt = msg.CreatedAt
	list, err := attachMail(ctx, tx, r.ID, mail, atts, raw)
	if err != nil {
		return err
	}
	mail.ReportID, mail.ReportMessageID = r.ID, msg.ID
	if err := tx.CreateMailMessage(ctx, mail); err != nil {
		return err
	}
	var la []attachmentAudit
	for _, at := range list {
		la = append(la, attachmentAudit{at.SHA256, at.Size, at.MediaType})
	}
	if err := s.audit(ctx, tx, actor, "report.attach", "report", r.ID, nil, map[string]any{"message_id": msg.ID, "attachments": la}); err != nil {
		return err
	}
	out.Report, out.Mail, out.Message, out.Reply = r, mail, msg, true
	return nil
}

// MailMessages lists the mail recorded for a report, by the rules of
// reading the report (anything else is ErrNotFound).
func (s *MailIntake) MailMessages(ctx context.Context, actor hikeshi.Actor, reportID string) ([]hikeshi.MailMessage, error) {
	r, err := s.st.FindReportByID(ctx, reportID)
	if err == nil && !canRead(actor, r) {
		err = hikeshi.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("report mail: %w", err)
	}
	return s.st.FindMailMessages(ctx, reportID)
}

// AckReason says why a mail gets no acknowledgement ("" when it gets one).
// Mail from machines, bounces and mailing lists is never answered, so the
// mailgate cannot take part in a mail loop; a reply or a duplicate is not
// acknowledged either.
func AckReason(env mailgate.Envelope, out MailOutcome) string {
	p := out.Parsed
	from := strings.ToLower(env.From)
	switch {
	case out.Duplicate:
		return "duplicate"
	case out.Reply:
		return "reply"
	case out.FollowUpCode == "" || out.Report.ContactEmail == "":
		return "no sender address"
	case from == "" || from == "<>":
		return "empty return path"
	case strings.HasPrefix(from, "mailer-daemon@") || strings.HasPrefix(from, "postmaster@"):
		return "mailer-daemon"
	case p != nil && p.Automated != "":
		return "automated: " + p.Automated
	}
	return ""
}

// AckMessage builds the acknowledgement of a new report: its number and
// follow-up code, in the sender's language, threaded onto the sender's mail.
func AckMessage(tr *i18n.Translator, out MailOutcome) mailout.Message {
	l := hikeshi.LocaleEN
	if out.Parsed != nil && out.Parsed.Language == "ja" {
		l = hikeshi.LocaleJA
	}
	m := mailout.Message{
		To:      []string{out.Report.ContactEmail},
		Subject: tr.T(l, "mailintake.ack.subject", hikeshi.ReportTag(out.Report.Number)),
		Text:    tr.T(l, "mailintake.ack.body", out.Report.Number, out.FollowUpCode),
		Locale:  l,
		Headers: map[string]string{},
	}
	if out.Parsed != nil && out.Parsed.MessageID != "" {
		m.Headers["In-Reply-To"] = "<" + out.Parsed.MessageID + ">"
		m.Headers["References"] = "<" + out.Parsed.MessageID + ">"
	}
	return m
}

// RecordAck records a sent acknowledgement, so that an answer to it threads
// onto its report.
func (s *MailIntake) RecordAck(ctx context.Context, reportID, messageID, to, subject, lang string) error {
	m := hikeshi.MailMessage{ID: hikeshi.NewID(), ReportID: reportID, Kind: hikeshi.MailAck, MessageID: messageID,
		FromAddress: to, Subject: truncRunes(subject, hikeshi.MaxMailSubjectLen), Language: lang, ReceivedAt: s.clock.Now()}
	return s.st.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateMailMessage(ctx, m) })
}

// MailHandler is the mailgate's Handler: it takes each message in and, when
// Ack is set, answers the sender of a new report. The acknowledgement
// carries the follow-up code, which is never stored, so it is sent at once
// after the commit (not through a durable job); a failed acknowledgement is
// logged and the report stands.
type MailHandler struct {
	Intake     *MailIntake
	Ack        mailout.Sender // nil: no acknowledgements
	AckDomain  string         // right-hand side of acknowledgement Message-IDs
	Translator *i18n.Translator
	Log        *slog.Logger
	wg         sync.WaitGroup
}

// Deliver implements mailgate.Handler.
func (h *MailHandler) Deliver(ctx context.Context, env mailgate.Envelope, spool *os.File, _ int64) error {
	out, err := h.Intake.Ingest(ctx, env, spool)
	if err != nil {
		return err
	}
	log := h.log()
	log.Info("mail intake: message taken in", "report", out.Report.Number, "reply", out.Reply, "duplicate", out.Duplicate,
		"attachments", len(out.Parsed.Attachments), "notes", len(out.Parsed.Notes))
	if h.Ack == nil || h.Translator == nil {
		return nil
	}
	if why := AckReason(env, out); why != "" {
		log.Info("mail intake: no acknowledgement", "report", out.Report.Number, "reason", why)
		return nil
	}
	m := AckMessage(h.Translator, out)
	domain := h.AckDomain
	if domain == "" {
		domain = "hikeshi.invalid"
	}
	m.MessageID = "ack-" + hikeshi.NewID() + "@" + domain
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), mailgate.DefaultTimeout)
		defer cancel()
		if err := h.Ack.Send(ctx, m); err != nil {
			log.Warn("mail intake: the acknowledgement could not be sent", "report", out.Report.Number, "err", err)
			return
		}
		if err := h.Intake.RecordAck(ctx, out.Report.ID, m.MessageID, m.To[0], m.Subject, string(m.Locale)); err != nil {
			log.Warn("mail intake: the acknowledgement could not be recorded", "report", out.Report.Number, "err", err)
		}
	}()
	return nil
}

// Wait waits for acknowledgements being sent.
func (h *MailHandler) Wait() { h.wg.Wait() }

func (h *MailHandler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}
