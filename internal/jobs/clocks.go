package jobs

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
)

// addClockJobs adds the reminder and escalation jobs of incident clocks (IH-6).
//
// KindClockAlert creates the in-app notifications of one stage of a clock
// and, when mail is on, one KindClockMail job per new notification in the
// same transaction. KindClockMail sends that one message. Delivery of the
// mail is at least once: if the process dies after the relay accepted the
// message and before the job is recorded done, the retry sends it again —
// with the same Message-ID (derived from the notification), so the
// recipient's system can recognise the duplicate. A notification already
// marked mailed is not sent again.
func addClockJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {
	clocks := d.Services.Clocks
	sys := hikeshi.SystemActor("jobs")
	hs[service.KindClockAlert] = func(ctx context.Context, j hikeshi.Job) error {
		var p service.ClockAlertPayload
		if err := j.Decode(&p); err != nil {
			return err
		}
		n, err := clocks.Alert(ctx, sys, p, d.Mail != nil)
		if err != nil {
			return err
		}
		if n > 0 {
			d.Log.Info("clock alert", "job_id", j.ID, "clock_id", p.ClockID, "stage", string(p.Stage), "notifications", n)
		}
		return nil
	}
	tr, trErr := i18n.New()
	loc := d.Location
	if loc == nil {
		loc = time.Local
	}
	hs[service.KindClockMail] = func(ctx context.Context, j hikeshi.Job) error {
		if trErr != nil {
			return trErr
		}
		var p service.ClockMailPayload
		if err := j.Decode(&p); err != nil {
			return err
		}
		if d.Mail == nil {
			// Mail was on when the job was enqueued and is off now: the
			// notification stays in the app.
			d.Log.Warn("outbound mail is off; a notification's e-mail is dropped", "job_id", j.ID, "notification_id", p.NotificationID)
			return nil
		}
		m, err := clocks.MailFor(ctx, sys, p.NotificationID)
		if err != nil || m.Skip {
			return err
		}
		msg, err := clockMessage(tr, d.BaseURL, loc, m)
		if err != nil {
			return err
		}
		if err := d.Mail.Send(ctx, msg); err != nil {
			return fmt.Errorf("send notification %s: %w", p.NotificationID, err)
		}
		return clocks.MarkMailed(ctx, sys, p.NotificationID)
	}
}

// clockMessage renders the reminder e-mail of a notification in the
// recipient's language (English when they chose none).
func clockMessage(tr *i18n.Translator, baseURL string, loc *time.Location, m service.NotificationMail) (mailout.Message, error) {
	n := m.Notification
	locale := m.Locale
	if locale == "" {
		locale = mailout.DefaultLocale
	}
	title := m.Number + " " + tr.T(locale, "clocks.kind."+string(n.ClockKind))
	if m.Title != "" {
		title += " — " + m.Title
	}
	reason := mailout.ReasonWatcher
	if n.Stage == hikeshi.StageEscalate {
		reason = mailout.ReasonEscalation
	}
	base := strings.TrimRight(baseURL, "/")
	if base == "" {
		base = "http://localhost"
	}
	c, err := mailout.Render(locale, "reminder", mailout.Reminder{Name: m.Name, Title: title, Due: n.DueAt.In(loc),
		Overdue: n.Stage == hikeshi.StageEscalate, URL: base + "/incidents/" + url.PathEscape(n.IncidentID) + "#clocks", Reason: reason})
	if err != nil {
		return mailout.Message{}, err
	}
	msg := c.Message(m.To)
	msg.MessageID = "notification." + n.ID + "@" + messageDomain(base)
	return msg, nil
}

// messageDomain is the domain of generated Message-IDs: the base URL's host
// when it is a domain name, else localhost.
func messageDomain(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "localhost"
	}
	h := u.Hostname()
	if net.ParseIP(h) != nil || !strings.Contains(h, ".") {
		return "localhost"
	}
	return strings.ToLower(h)
}
