package hikeshi

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Mail intake (IH-2): the mailgate turns mail to the CSIRT's addresses into
// reports, and a reply into a new message on the report it answers. Every
// message taken in (and every acknowledgement sent back) is recorded as a
// MailMessage, so a reply threads by its In-Reply-To or References header.

// ReportChannel says how a report arrived.
type ReportChannel string

// The channels of reports.
const (
	ChannelWeb  ReportChannel = "web"
	ChannelMail ReportChannel = "mail"
)

// MailKind says whether a recorded mail came in or was sent back.
type MailKind string

// The kinds of recorded mail.
const (
	MailIn  MailKind = "in"  // taken in by the mailgate
	MailAck MailKind = "ack" // the acknowledgement sent to the sender
)

// MailMessage is one mail the mailgate took in or sent, linked to the report
// it made or joined.
type MailMessage struct {
	ID              string
	ReportID        string
	Kind            MailKind
	MessageID       string // the Message-ID without angle brackets; generated when the mail had none
	ReportMessageID string // the report message a reply became; empty for the mail that opened the report
	RawSHA256       string // the raw message as a blob; empty for an acknowledgement
	FromAddress     string // the author's address (From), normalised
	Subject         string // decoded, one line
	Language        string // "ja" or "en": the language of acknowledgements
	Notes           int    // how many parts could not be fully decoded
	ReceivedAt      time.Time
}

// MaxMailSubjectLen bounds the subject kept with a mail, in bytes.
const MaxMailSubjectLen = 500

// reportTag finds a report number in a subject: "[RPT-2026-0001]", also with
// full-width brackets as Japanese clients sometimes write them.
var reportTag = regexp.MustCompile(`[\[［【]\s*(RPT-\d{4}-\d{4,})\s*[\]］】]`)

// ReportTagIn returns the report number tagged in a subject, or "".
func ReportTagIn(subject string) string {
	m := reportTag.FindStringSubmatch(strings.ToUpper(subject))
	if m == nil {
		return ""
	}
	return m[1]
}

// ReportTag is the subject tag of a report number.
func ReportTag(number string) string { return "[" + number + "]" }

// MailIntakeReader is the read side of the mail intake (IH-2): threading of
// mail onto reports.
type MailIntakeReader interface {
	// FindMailByMessageIDs returns the newest recorded mail whose Message-ID
	// is one of ids; none is ErrNotFound.
	FindMailByMessageIDs(ctx context.Context, ids []string) (MailMessage, error)
	// FindMailDuplicate returns the mail taken in with this Message-ID and
	// this raw content (a retry of one already taken in); none is ErrNotFound.
	FindMailDuplicate(ctx context.Context, messageID, rawSHA256 string) (MailMessage, error)
	// FindMailMessages lists a report's recorded mail oldest first.
	FindMailMessages(ctx context.Context, reportID string) ([]MailMessage, error)
	// FindReportChannel returns how a report arrived.
	FindReportChannel(ctx context.Context, reportID string) (ReportChannel, error)
}

// MailIntakeWriter is the write side of the mail intake (IH-2).
type MailIntakeWriter interface {
	// CreateMailMessage records a mail.
	CreateMailMessage(ctx context.Context, m MailMessage) error
	// SetReportChannel records how a report arrived.
	SetReportChannel(ctx context.Context, reportID string, ch ReportChannel) error
}
