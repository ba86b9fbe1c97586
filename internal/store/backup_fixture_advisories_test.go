package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillAdvisories) }

// fillAdvisories writes an advisory published twice (CSIRT writes, admin
// approves) and an unpublished draft.
func fillAdvisories(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin := hikeshi.ActorFor(f.users[0], "test")
	in := service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{Lang: hikeshi.LocaleJA,
		TitleJA: "VPN 装置の脆弱性 <script>", BodyJA: "更新してください。\n\"quoted\"", TitleEN: "VPN vulnerability", BodyEN: "Update.",
		Category: hikeshi.AdvisorySecurity, TLP: hikeshi.TLPClear, CVEs: []string{"CVE-2026-1234"},
		CVSS: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		Products: []hikeshi.AdvisoryProduct{{Vendor: "Example", Product: "VPN", Versions: "2.4.1", Status: hikeshi.ProductKnownAffected,
			Remediation: hikeshi.RemediationVendorFix, RemediationDetails: "2.4.2"}},
		References: []hikeshi.AdvisoryReference{{URL: "https://example.com/a", Summary: "vendor"}}},
		Recipients: []string{"list@example.org"}}
	a, err := f.svc.Advisories.Create(ctx, f.csirt, in)
	must(err)
	for i := range 2 {
		if i > 0 {
			in.BodyJA += "\n追記"
			_, err = f.svc.Advisories.Update(ctx, f.csirt, a.ID, in)
			must(err)
		}
		_, err = f.svc.Advisories.Submit(ctx, f.csirt, a.ID, "https://hikeshi.example.org")
		must(err)
		_, err = f.svc.Advisories.Approve(ctx, admin, a.ID)
		must(err)
		_, err = f.svc.Advisories.Publish(ctx, f.csirt, a.ID, service.PublishInput{BaseURL: "https://hikeshi.example.org"})
		must(err)
	}
	in.TLP = hikeshi.TLPAmberStrict
	_, err = f.svc.Advisories.Create(ctx, f.csirt, in)
	must(err)
}
