package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
)

// addAdvisoryJobs adds the mail of published advisories (IM-3): one
// KindAdvisoryMail job per publication, enqueued in its transaction, sends
// the revision to every address of the list, one message each (so no
// recipient sees the others), in every language the advisory is written in.
// A retried job sends the same Message-IDs, so a recipient's system can
// recognise a duplicate.
func addAdvisoryJobs(d Deps, hs map[string]Handler, _ *[]Periodic) {
	tr, trErr := i18n.New()
	hs[service.KindAdvisoryMail] = func(ctx context.Context, j hikeshi.Job) error {
		if trErr != nil {
			return trErr
		}
		var p service.AdvisoryMailPayload
		if err := j.Decode(&p); err != nil {
			return err
		}
		if d.Mail == nil {
			d.Log.Warn("outbound mail is off; an advisory's mail is dropped", "job_id", j.ID, "advisory_id", p.AdvisoryID, "revision", p.Revision)
			return nil
		}
		m, err := d.Services.Advisories.MailFor(ctx, hikeshi.SystemActor("jobs"), p)
		if err != nil {
			return err
		}
		for i, to := range m.Recipients {
			msg := AdvisoryMessage(tr, d.BaseURL, m, to)
			msg.MessageID = fmt.Sprintf("advisory.%s.%d.%d@%s", m.Advisory.ID, m.Revision.Number, i, messageDomain(d.BaseURL))
			if err := d.Mail.Send(ctx, msg); err != nil {
				return fmt.Errorf("send advisory %s revision %d: %w", m.Advisory.TrackingID, m.Revision.Number, err)
			}
		}
		if len(m.Recipients) > 0 {
			d.Log.Info("advisory mailed", "job_id", j.ID, "advisory_id", p.AdvisoryID, "revision", p.Revision, "recipients", len(m.Recipients))
		}
		return nil
	}
}

// AdvisoryMessage is the plain-text mail of a published revision to one
// address: the subject in the primary language, the text in each language
// the advisory is written in, primary first.
func AdvisoryMessage(tr *i18n.Translator, baseURL string, m service.AdvisoryMail, to string) mailout.Message {
	c := m.Revision.Content
	langs := c.Languages()
	primary := hikeshi.LocaleEN
	if len(langs) > 0 {
		primary = langs[0]
	}
	link := strings.TrimRight(baseURL, "/") + "/advisories/" + m.Advisory.ID
	var b strings.Builder
	for i, l := range langs {
		if i > 0 {
			b.WriteString("\n----------------------------------------\n\n")
		}
		fmt.Fprintf(&b, "%s\n\nTLP:%s  %s\n%s\n\n%s\n\n", tr.T(l, "advisories.mail.intro", m.Revision.Number), c.TLP, m.Advisory.TrackingID, c.TitleIn(l), c.BodyIn(l))
		if len(c.Products) > 0 {
			b.WriteString(tr.T(l, "advisories.products") + ":\n")
			for _, p := range c.Products {
				fmt.Fprintf(&b, "- %s %s %s: %s", p.Vendor, p.Product, p.Versions, tr.T(l, "advisories.product_status."+string(p.Status)))
				if p.Remediation != "" {
					fmt.Fprintf(&b, " (%s: %s)", tr.T(l, "advisories.remediation."+string(p.Remediation)), p.RemediationDetails)
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
		if len(c.CVEs) > 0 {
			fmt.Fprintf(&b, "CVE: %s\n", strings.Join(c.CVEs, ", "))
		}
		if c.CVSS != "" {
			fmt.Fprintf(&b, "CVSS v3.1: %s\n", c.CVSS)
		}
		if len(c.References) > 0 {
			b.WriteString(tr.T(l, "advisories.references") + ":\n")
			for _, r := range c.References {
				fmt.Fprintf(&b, "- %s <%s>\n", r.Summary, r.URL)
			}
		}
		fmt.Fprintf(&b, "\n%s\n", tr.T(l, "advisories.mail.link", link))
	}
	subject := tr.T(primary, "advisories.mail.subject", string(c.TLP), m.Advisory.TrackingID, c.TitleIn(primary))
	return mailout.Message{To: []string{to}, Subject: strings.Join(strings.Fields(subject), " "), Text: b.String(), Locale: primary,
		Headers: map[string]string{"X-Hikeshi-Item": "advisory " + m.Advisory.TrackingID}}
}
