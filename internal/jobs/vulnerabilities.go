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

// KindVulnerabilitySweep is the hourly job of vulnerability handling.
const KindVulnerabilitySweep = "vulnerability.sweep"

// addVulnerabilityJobs adds the hourly sweep of vulnerability handling
// (IM-1): expired exceptions end and reopen remediation, and the people of
// each department with an overdue remediation task get a reminder mail (in
// their language, with the other language below), again every
// hikeshi.RemindAgainAfter while the task stays overdue. A task is marked
// reminded after its mails went out, so delivery is at least once; the
// Message-ID derives from the task and the day, so a retry is recognisable.
func addVulnerabilityJobs(d Deps, hs map[string]Handler, periodic *[]Periodic) {
	tr, trErr := i18n.New()
	loc := d.Location
	if loc == nil {
		loc = time.Local
	}
	sys := hikeshi.SystemActor("jobs")
	hs[KindVulnerabilitySweep] = func(ctx context.Context, j hikeshi.Job) error {
		if trErr != nil {
			return trErr
		}
		n, err := d.Services.Vulns.ExpireExceptions(ctx, sys)
		if err != nil {
			return err
		}
		if n > 0 {
			d.Log.Info("vulnerability exceptions expired", "job_id", j.ID, "exceptions", n)
		}
		if d.Mail == nil {
			return nil // reminders are mail only; the tasks show as overdue in the app
		}
		rs, err := d.Services.Vulns.OverdueReminders(ctx, sys)
		if err != nil {
			return err
		}
		var order []string
		byTask := map[string][]service.RemediationReminder{}
		for _, r := range rs {
			if _, ok := byTask[r.Remediation.ID]; !ok {
				order = append(order, r.Remediation.ID)
			}
			byTask[r.Remediation.ID] = append(byTask[r.Remediation.ID], r)
		}
		for _, id := range order {
			for i, r := range byTask[id] {
				msg := VulnerabilityReminder(tr, d.BaseURL, loc, r)
				msg.MessageID = fmt.Sprintf("vulnerability.%s.%s.%d@%s", id, r.Remediation.DueAt.UTC().Format("20060102"), i, messageDomain(d.BaseURL))
				if err := d.Mail.Send(ctx, msg); err != nil {
					return fmt.Errorf("send remediation reminder %s: %w", id, err)
				}
			}
			if err := d.Services.Vulns.MarkReminded(ctx, sys, id); err != nil {
				return err
			}
		}
		if len(order) > 0 {
			d.Log.Info("remediation reminders", "job_id", j.ID, "tasks", len(order), "mails", len(rs))
		}
		return nil
	}
	*periodic = append(*periodic, Periodic{Kind: KindVulnerabilitySweep, Every: time.Hour})
}

// VulnerabilityReminder is the plain-text reminder of an overdue
// remediation task to one person: in their language first (Japanese when
// they chose none), then in the other.
func VulnerabilityReminder(tr *i18n.Translator, baseURL string, loc *time.Location, r service.RemediationReminder) mailout.Message {
	primary := r.Locale
	if primary != hikeshi.LocaleEN {
		primary = hikeshi.LocaleJA
	}
	other := hikeshi.LocaleEN
	if primary == hikeshi.LocaleEN {
		other = hikeshi.LocaleJA
	}
	base := strings.TrimRight(baseURL, "/")
	if base == "" {
		base = "http://localhost"
	}
	v := r.Vulnerability
	var b strings.Builder
	for i, l := range []hikeshi.Locale{primary, other} {
		if i > 0 {
			b.WriteString("\n----------------------------------------\n\n")
		}
		title := v.TitleIn(l)
		if v.CVE != "" {
			title = v.CVE + " " + title
		}
		fmt.Fprintf(&b, "%s\n\n%s\n%s\n", tr.T(l, "vulnerabilities.mail.intro", r.Remediation.DueAt.In(loc).Format("2006-01-02 15:04")), title,
			tr.T(l, "vulnerabilities.mail.severity", tr.T(l, "vulnerabilities.severity."+string(v.Severity))))
		if v.Fix != "" {
			fmt.Fprintf(&b, "%s\n", tr.T(l, "vulnerabilities.mail.fix", v.Fix))
		}
		fmt.Fprintf(&b, "\n%s\n", tr.T(l, "vulnerabilities.mail.link", base+"/vulnerabilities"))
	}
	subject := tr.T(primary, "vulnerabilities.mail.subject", strings.TrimSpace(v.CVE+" "+v.TitleIn(primary)))
	return mailout.Message{To: []string{r.To}, Subject: strings.Join(strings.Fields(subject), " "), Text: b.String(), Locale: primary,
		Headers: map[string]string{"X-Hikeshi-Item": "remediation " + r.Remediation.ID}}
}
