package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadVulnerabilities adds the demo's vulnerabilities (IM-1): the account
// enumeration an outside researcher reported in the customer portal —
// opened from their report, acknowledged, its fix in progress with the IT
// department, a publication date agreed, and linked to the published demo
// advisory — and a critical vulnerability of the VPN gateway that the IT
// department has to patch within a week.
func loadVulnerabilities(ctx context.Context, svc *service.Services, users map[hikeshi.Role]hikeshi.User, depts []string) error {
	csirt, admin := hikeshi.ActorFor(users[hikeshi.RoleCSIRT], "demo"), hikeshi.ActorFor(users[hikeshi.RoleAdmin], "demo")
	it := depts[1]
	portal, err := svc.Risks.CreateAsset(ctx, admin, service.InformationAssetInput{Name: "顧客ポータル (Customer portal)", Type: hikeshi.AssetTypeSoftware,
		OwnerDepartmentID: it, Classification: hikeshi.ClassConfidential, Confidentiality: 3, Integrity: 2, Availability: 2,
		Description: "顧客向けのウェブポータル（注文履歴、パスワード再設定）"})
	if err != nil {
		return fmt.Errorf("asset: %w", err)
	}
	vpn, err := svc.Risks.CreateAsset(ctx, admin, service.InformationAssetInput{Name: "VPN 装置 (VPN gateway)", Type: hikeshi.AssetTypeHardware,
		OwnerDepartmentID: it, Classification: hikeshi.ClassInternal, Confidentiality: 2, Integrity: 3, Availability: 3,
		Description: "社外からの接続に使う VPN 装置"})
	if err != nil {
		return fmt.Errorf("asset: %w", err)
	}
	reports, err := svc.Reports.List(ctx, csirt, hikeshi.ReportFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil {
		return err
	}
	var researcher string
	for _, r := range reports {
		if r.Source == hikeshi.SourceExternal {
			researcher = r.ID
		}
	}
	enum, err := svc.Vulns.Create(ctx, csirt, service.VulnerabilityInput{
		TitleJA: "顧客ポータルのパスワード再設定画面でアカウントの有無が分かる",
		DescriptionJA: "パスワード再設定画面が、登録済みと未登録のメールアドレスで異なるメッセージを返すため、第三者がアカウントの有無を確かめられます。" +
			"外部の研究者から報告があり、CSIRT で再現を確認しました。",
		TitleEN: "Customer portal password reset reveals which accounts exist",
		DescriptionEN: "The password reset page answers registered and unregistered e-mail addresses with different messages, so anyone can " +
			"learn whether an account exists. Reported by an outside researcher; the CSIRT reproduced it.",
		Vendor: "デモ株式会社 (Demo Corp)", Versions: "<= 3.1", Fix: "3.2 に更新する / Update to 3.2",
		CVSS31:     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
		CVSS40:     "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
		AssetIDs:   []string{portal.ID},
		References: []hikeshi.AdvisoryReference{{URL: "https://owasp.org/www-project-web-security-testing-guide/", Summary: "OWASP WSTG: account enumeration"}},
		ReportID:   researcher,
	})
	if err != nil {
		return fmt.Errorf("vulnerability: %w", err)
	}
	if researcher != "" {
		if _, err := svc.Vulns.Acknowledge(ctx, csirt, enum.ID); err != nil {
			return fmt.Errorf("acknowledge: %w", err)
		}
		now := svc.Vulns.Now()
		day := now.AddDate(0, 0, 30).UTC().Truncate(24 * time.Hour)
		if _, err := svc.Vulns.SetDisclosure(ctx, csirt, enum.ID, service.DisclosureInput{Status: hikeshi.DisclosureFixing, PublicationDate: day}); err != nil {
			return fmt.Errorf("disclosure: %w", err)
		}
	}
	if _, err := svc.Vulns.AddRemediation(ctx, csirt, enum.ID, service.RemediationInput{}); err != nil {
		return fmt.Errorf("remediation: %w", err)
	}
	advs, err := svc.Advisories.List(ctx, csirt, hikeshi.AdvisoryFilter{Page: hikeshi.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(advs) > 0 {
		if _, err := svc.Vulns.LinkAdvisory(ctx, csirt, enum.ID, advs[0].ID); err != nil {
			return fmt.Errorf("link advisory: %w", err)
		}
	}

	gw, err := svc.Vulns.Create(ctx, csirt, service.VulnerabilityInput{
		CVE:     "CVE-2024-3400",
		TitleJA: "VPN 装置の OS にコマンドインジェクションの脆弱性",
		DescriptionJA: "VPN 装置の OS の GlobalProtect 機能に、認証なしで任意のコマンドを実行される脆弱性があります。ベンダーが修正版を公開しており、" +
			"悪用も報告されています。修正版への更新が済むまで、ベンダーの示す緩和策を適用してください。",
		TitleEN: "Command injection in the VPN gateway's OS",
		DescriptionEN: "The GlobalProtect feature of the VPN gateway's OS lets an unauthenticated attacker run arbitrary commands. The vendor " +
			"has released fixed versions and exploitation has been reported. Apply the vendor's mitigation until the gateway is updated.",
		Vendor: "Palo Alto Networks", Versions: "PAN-OS 10.2, 11.0, 11.1 (before the hotfixes)", Fix: "ベンダーの修正版に更新する / Update to the vendor's fixed version",
		CVSS31:     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
		AssetIDs:   []string{vpn.ID},
		References: []hikeshi.AdvisoryReference{{URL: "https://security.paloaltonetworks.com/CVE-2024-3400", Summary: "Vendor advisory CVE-2024-3400"}},
	})
	if err != nil {
		return fmt.Errorf("vulnerability: %w", err)
	}
	if _, err := svc.Vulns.AddRemediation(ctx, csirt, gw.ID, service.RemediationInput{}); err != nil {
		return fmt.Errorf("remediation: %w", err)
	}
	return nil
}
