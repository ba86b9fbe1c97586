package demo

import (
	"context"
	"fmt"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadAdvisories publishes one advisory (IM-3) in Japanese and English,
// TLP:CLEAR, from the researcher's report of account enumeration on the
// customer portal: the CSIRT writes and submits it, the administrator
// approves it, the CSIRT publishes it. It is then on /advisories, in the
// feeds and in the CSAF provider's directory.
func loadAdvisories(ctx context.Context, svc *service.Services, users map[hikeshi.Role]hikeshi.User) error {
	csirt, admin := hikeshi.ActorFor(users[hikeshi.RoleCSIRT], "demo"), hikeshi.ActorFor(users[hikeshi.RoleAdmin], "demo")
	a, err := svc.Advisories.Create(ctx, csirt, service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{
		Lang:    hikeshi.LocaleJA,
		TitleJA: "顧客ポータルのパスワード再設定画面におけるアカウント列挙の問題",
		BodyJA: "顧客ポータルのパスワード再設定画面が、登録済みと未登録のメールアドレスで異なるメッセージを返していたため、" +
			"第三者が登録の有無を確かめられる状態でした（外部の研究者からの報告による）。\n\n" +
			"バージョン 3.2 で、どちらの場合も同じメッセージを返すよう修正しました。3.1 以前をお使いの拠点は更新してください。",
		TitleEN: "Account enumeration in the customer portal's password reset",
		BodyEN: "The customer portal's password reset page answered registered and unregistered e-mail addresses with " +
			"different messages, so anyone could learn whether an address was registered (reported by an outside researcher).\n\n" +
			"Version 3.2 answers both the same way. Sites on 3.1 or earlier should update.",
		Category: hikeshi.AdvisorySecurity,
		TLP:      hikeshi.TLPClear,
		CVSS:     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
		Products: []hikeshi.AdvisoryProduct{
			{Vendor: "デモ株式会社", Product: "顧客ポータル", Versions: "<= 3.1", Status: hikeshi.ProductKnownAffected,
				Remediation: hikeshi.RemediationVendorFix, RemediationDetails: "3.2 に更新する / Update to 3.2"},
			{Vendor: "デモ株式会社", Product: "顧客ポータル", Versions: "3.2", Status: hikeshi.ProductFixed},
		},
		References: []hikeshi.AdvisoryReference{{URL: "https://owasp.org/www-project-web-security-testing-guide/",
			Summary: "OWASP Web Security Testing Guide: testing for account enumeration"}},
	}})
	if err != nil {
		return fmt.Errorf("advisory: %w", err)
	}
	if _, err := svc.Advisories.Submit(ctx, csirt, a.ID, ""); err != nil {
		return fmt.Errorf("submit advisory: %w", err)
	}
	if _, err := svc.Advisories.Approve(ctx, admin, a.ID); err != nil {
		return fmt.Errorf("approve advisory: %w", err)
	}
	if _, err := svc.Advisories.Publish(ctx, csirt, a.ID, service.PublishInput{Summary: "初版 / Initial publication"}); err != nil {
		return fmt.Errorf("publish advisory: %w", err)
	}
	return nil
}
