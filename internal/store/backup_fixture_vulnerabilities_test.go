package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillVulnerabilities) }

// fillVulnerabilities writes a vulnerability opened from the external
// report, with an asset, a remediation task (completed), a linked incident,
// an acknowledged disclosure with a publication date, and an approved
// exception on a second vulnerability.
func fillVulnerabilities(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin := hikeshi.ActorFor(f.users[0], "test")
	asset, err := f.svc.Risks.CreateAsset(ctx, admin, service.InformationAssetInput{Name: "顧客ポータル <vuln>", Type: hikeshi.AssetTypeSoftware,
		OwnerDepartmentID: f.depts[0].ID, Classification: hikeshi.ClassInternal, Confidentiality: 2, Integrity: 2, Availability: 2})
	must(err)
	in := service.VulnerabilityInput{CVE: "CVE-2026-9999", TitleJA: "脆弱性 \"quoted\"", DescriptionJA: "説明\n二行目", TitleEN: "Vuln", DescriptionEN: "Text",
		Versions: "<= 3.1", Fix: "3.2", CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/CR:H",
		CVSS40: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", AssetIDs: []string{asset.ID},
		References: []hikeshi.AdvisoryReference{{URL: "https://example.com/v", Summary: "vendor"}}}
	for _, r := range f.reports {
		if r.Source == hikeshi.SourceExternal {
			in.ReportID = r.ID
		}
	}
	v, err := f.svc.Vulns.Create(ctx, f.csirt, in)
	must(err)
	_, err = f.svc.Vulns.Acknowledge(ctx, f.csirt, v.ID)
	must(err)
	_, err = f.svc.Vulns.SetDisclosure(ctx, f.csirt, v.ID, service.DisclosureInput{Status: hikeshi.DisclosureFixing,
		PublicationDate: time.Date(2031, 1, 15, 0, 0, 0, 0, time.UTC)})
	must(err)
	_, err = f.svc.Vulns.LinkIncident(ctx, f.csirt, v.ID, f.incidents[0].ID)
	must(err)
	rs, err := f.svc.Vulns.AddRemediation(ctx, f.csirt, v.ID, service.RemediationInput{})
	must(err)
	_, err = f.svc.Vulns.CompleteRemediation(ctx, f.csirt, rs[0].ID, "更新済み")
	must(err)
	in.ReportID, in.CVE = "", ""
	v2, err := f.svc.Vulns.Create(ctx, f.csirt, in)
	must(err)
	_, err = f.svc.Vulns.AddRemediation(ctx, f.csirt, v2.ID, service.RemediationInput{DepartmentID: f.depts[0].ID})
	must(err)
	e, err := f.svc.Vulns.RequestException(ctx, f.csirt, v2.ID, service.ExceptionInput{Reason: "next release", ExpiresAt: f.svc.Vulns.Now().AddDate(0, 3, 0)})
	must(err)
	_, err = f.svc.Vulns.DecideException(ctx, admin, e.ID, true)
	must(err)
}
