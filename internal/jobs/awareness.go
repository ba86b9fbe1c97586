package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
)

// addAwarenessJobs adds the mail of awareness campaigns (IM-4): one
// KindAwarenessMail job per campaign, enqueued in its transaction to run at
// its start, mails every recipient one bilingual message (their language
// first), and records each recipient as mailed right after their message,
// so a retried job mails only those it had not reached. A campaign that
// ended before the job ran mails nobody.
func addAwarenessJobs(d Deps, hs map[string]Handler, _ *[]Periodic) {
	tr, trErr := i18n.New()
	hs[service.KindAwarenessMail] = func(ctx context.Context, j hikeshi.Job) error {
		if trErr != nil {
			return trErr
		}
		var p service.AwarenessMailPayload
		if err := j.Decode(&p); err != nil {
			return err
		}
		if d.Mail == nil {
			d.Log.Warn("outbound mail is off; a campaign is in-app only", "job_id", j.ID, "campaign_id", p.CampaignID)
			return nil
		}
		sys := hikeshi.SystemActor("jobs")
		m, err := d.Services.Awareness.MailFor(ctx, sys, p)
		if err != nil {
			return err
		}
		for _, to := range m.To {
			msg := AwarenessMessage(tr, d.BaseURL, d.Location, m, to)
			msg.MessageID = fmt.Sprintf("awareness.%s.%s@%s", m.Campaign.ID, to.UserID, messageDomain(d.BaseURL))
			if err := d.Mail.Send(ctx, msg); err != nil {
				return fmt.Errorf("send campaign %s: %w", m.Campaign.ID, err)
			}
			if err := d.Services.Awareness.MarkMailed(ctx, sys, m.Campaign.ID, to.UserID); err != nil {
				return err
			}
		}
		if len(m.To) > 0 {
			d.Log.Info("awareness campaign mailed", "job_id", j.ID, "campaign_id", p.CampaignID, "recipients", len(m.To))
		}
		return nil
	}
}

// AwarenessMessage is the plain-text mail of a campaign to one person: the
// subject and the first text in their language, then the other language.
func AwarenessMessage(tr *i18n.Translator, baseURL string, loc *time.Location, m service.AwarenessMail, to service.AwarenessMailRecipient) mailout.Message {
	if loc == nil {
		loc = time.Local
	}
	first := to.Locale
	if first != hikeshi.LocaleEN {
		first = hikeshi.LocaleJA
	}
	second := hikeshi.LocaleEN
	if first == hikeshi.LocaleEN {
		second = hikeshi.LocaleJA
	}
	link := strings.TrimRight(baseURL, "/") + "/awareness/campaigns/" + m.Campaign.ID
	var b strings.Builder
	for i, l := range []hikeshi.Locale{first, second} {
		if i > 0 {
			b.WriteString("\n----------------------------------------\n\n")
		}
		end := tr.T(l, "awareness.open_ended")
		if !m.Campaign.EndsAt.IsZero() {
			end = m.Campaign.EndsAt.In(loc).Format("2006-01-02")
		}
		fmt.Fprintf(&b, "%s\n\n%s\n\n%s\n\n%s\n\n%s\n", tr.T(l, "awareness.mail.intro"), m.Material.TitleIn(l), m.Material.BodyIn(l),
			tr.T(l, "awareness.mail.period", m.Campaign.StartsAt.In(loc).Format("2006-01-02"), end), tr.T(l, "awareness.mail.link", link))
	}
	subject := tr.T(first, "awareness.mail.subject", m.Material.TitleIn(first))
	return mailout.Message{To: []string{to.Email}, Subject: strings.Join(strings.Fields(subject), " "), Text: b.String(), Locale: first,
		Headers: map[string]string{"X-Hikeshi-Item": "awareness " + m.Campaign.ID}}
}
