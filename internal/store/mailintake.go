package store

// This file implements hikeshi.MailIntakeReader and hikeshi.MailIntakeWriter.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
)

const mailCols = "id, report_id, kind, message_id, report_message_id, raw_sha256, from_address, subject, language, notes, received_at"

func scanMail(s interface{ Scan(...any) error }) (hikeshi.MailMessage, error) {
	var m hikeshi.MailMessage
	var msg, raw sql.NullString
	err := s.Scan(&m.ID, &m.ReportID, &m.Kind, &m.MessageID, &msg, &raw, &m.FromAddress, &m.Subject, &m.Language, &m.Notes,
		timeCol{&m.ReceivedAt})
	m.ReportMessageID, m.RawSHA256 = msg.String, raw.String
	return m, err
}

// maxThreadIDs bounds how many Message-IDs of a References header are looked up.
const maxThreadIDs = 50

// FindMailByMessageIDs returns the newest recorded mail with one of the ids.
func (q queries) FindMailByMessageIDs(ctx context.Context, ids []string) (hikeshi.MailMessage, error) {
	var args []any
	for _, id := range ids {
		if id != "" && len(args) < maxThreadIDs {
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return hikeshi.MailMessage{}, fmt.Errorf("mail thread: %w", hikeshi.ErrNotFound)
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	m, err := scanMail(q.row(ctx, "SELECT "+mailCols+" FROM mail_messages WHERE message_id IN ("+in+") ORDER BY id DESC LIMIT 1", args...))
	if err != nil {
		return hikeshi.MailMessage{}, fmt.Errorf("mail thread: %w", notFound(err))
	}
	return m, nil
}

// FindMailDuplicate returns the mail taken in with this Message-ID and content.
func (q queries) FindMailDuplicate(ctx context.Context, messageID, rawSHA256 string) (hikeshi.MailMessage, error) {
	m, err := scanMail(q.row(ctx, "SELECT "+mailCols+" FROM mail_messages WHERE message_id = ? AND kind = 'in' AND raw_sha256 = ? ORDER BY id LIMIT 1",
		messageID, rawSHA256))
	if err != nil {
		return hikeshi.MailMessage{}, fmt.Errorf("mail duplicate: %w", notFound(err))
	}
	return m, nil
}

// FindMailMessages lists a report's recorded mail oldest first.
func (q queries) FindMailMessages(ctx context.Context, reportID string) ([]hikeshi.MailMessage, error) {
	rows, err := q.query(ctx, "SELECT "+mailCols+" FROM mail_messages WHERE report_id = ? ORDER BY id", reportID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMail)
}

// FindReportChannel returns how a report arrived.
func (q queries) FindReportChannel(ctx context.Context, reportID string) (hikeshi.ReportChannel, error) {
	var ch hikeshi.ReportChannel
	if err := q.row(ctx, "SELECT channel FROM reports WHERE id = ?", reportID).Scan(&ch); err != nil {
		return "", fmt.Errorf("report channel: %w", notFound(err))
	}
	return ch, nil
}

// CreateMailMessage records a mail.
func (t *tx) CreateMailMessage(ctx context.Context, m hikeshi.MailMessage) error {
	_, err := t.exec(ctx, "INSERT INTO mail_messages ("+mailCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.ReportID, string(m.Kind), m.MessageID, nullString(m.ReportMessageID), nullString(m.RawSHA256), m.FromAddress,
		m.Subject, m.Language, m.Notes, t.d.t(m.ReceivedAt))
	return err
}

// SetReportChannel records how a report arrived.
func (t *tx) SetReportChannel(ctx context.Context, reportID string, ch hikeshi.ReportChannel) error {
	res, err := t.exec(ctx, "UPDATE reports SET channel = ? WHERE id = ?", string(ch), reportID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("report %s: %w", reportID, hikeshi.ErrNotFound)
	}
	return nil
}
