package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadReporting records the communication log of the lost laptop (IH-7):
// the notice to employees, the preliminary report to the Personal
// Information Protection Commission, which records the APPI preliminary
// clock done, and the letter to the customers concerned.
func loadReporting(ctx context.Context, svc *service.Services, users map[hikeshi.Role]hikeshi.User, depts []string) error {
	csirt := hikeshi.ActorFor(users[hikeshi.RoleCSIRT], "demo")
	list, err := svc.Incidents.List(ctx, csirt, hikeshi.IncidentFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil {
		return err
	}
	var laptop hikeshi.Incident
	for _, i := range list {
		if strings.HasPrefix(i.Title, "顧客名簿を含むノート PC") {
			laptop = i
		}
	}
	if laptop.ID == "" {
		return fmt.Errorf("reporting: the lost laptop incident is missing")
	}
	ic, err := svc.Clocks.ForIncident(ctx, csirt, laptop.ID)
	if err != nil {
		return err
	}
	prelim := ""
	for _, c := range ic.Clocks {
		if c.Clock.Kind == hikeshi.ClockAPPIPreliminary {
			prelim = c.Clock.ID
		}
	}
	for _, in := range []service.CommInput{
		{Audience: hikeshi.AudienceEmployees, Channel: hikeshi.ChannelEmail, Recipient: "営業部 全員 / all of Sales",
			Summary: "社外で PC を使うときの画面ロック設定を再確認するよう依頼した。/ Asked everyone to check the screen lock of laptops used outside."},
		{Audience: hikeshi.AudienceRegulator, Channel: hikeshi.ChannelWebForm, Recipient: "個人情報保護委員会 / Personal Information Protection Commission",
			Summary: "漏えいのおそれとして速報を提出した(対象 約 1,200 名)。/ Filed the preliminary report of a possible leak (about 1,200 people).",
			ClockID: prelim, Reference: "PPC-2026-000123"},
		{Audience: hikeshi.AudienceCustomers, Channel: hikeshi.ChannelLetter, Recipient: "名簿に記載の顧客 / customers on the list",
			Summary: "お詫びと経緯、不審な連絡への注意のお願いを郵送した。/ Mailed an apology, what happened and a warning about suspicious contacts."},
	} {
		if _, err := svc.IncidentReporting.LogCommunication(ctx, csirt, laptop.ID, in); err != nil {
			return fmt.Errorf("communication log: %w", err)
		}
	}
	return nil
}
