package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillFrameworks) }

// fillFrameworks imports a small own framework (one item withdrawn), adds
// two measures mapped onto it and onto Annex A, and decides two SoA lines.
func fillFrameworks(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sys := hikeshi.SystemActor("test")
	cat, err := hikeshi.ParseCatalog(strings.NewReader(`<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0">` +
		`<metadata><title>社内基準 "v1"</title><version>1.0</version></metadata>` +
		`<group id="OWN-1" class="family"><title>アクセス &lt;管理&gt;</title>` +
		`<control id="OWN-1.1"><title>Passwords</title></control>` +
		`<control id="OWN-1.2"><title>Old rule</title><prop name="status" value="withdrawn"/></control></group></catalog>`))
	must(err)
	_, err = f.svc.Frameworks.Import(ctx, sys, "own-standard", "社内基準", cat)
	must(err)
	_, err = f.svc.Frameworks.Import(ctx, sys, "old-standard", "旧基準", cat)
	must(err)
	_, err = f.svc.Frameworks.SetFrameworkArchived(ctx, sys, "old-standard", true)
	must(err)
	m, err := f.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "多要素認証 <MFA>", Description: "全社員に \"必須\"\n段階導入",
		DepartmentID: f.depts[0].ID, Status: hikeshi.StatusPartial,
		Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.8.5"}, {FrameworkKey: "own-standard", Ref: "OWN-1.1"}}})
	must(err)
	_, err = f.svc.Frameworks.UpdateMeasure(ctx, sys, m.ID, service.MeasureInput{Name: m.Name, Description: m.Description,
		DepartmentID: m.DepartmentID, Status: hikeshi.StatusImplemented,
		Requirements: append(m.Requirements, hikeshi.RequirementRef{FrameworkKey: hikeshi.ISO27001Key, Ref: "9.1"})})
	must(err)
	spare, err := f.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "no owner", Status: hikeshi.StatusPlanned})
	must(err)
	_, err = f.svc.Frameworks.SetMeasureArchived(ctx, sys, spare.ID, true) // decision 0027: the flag survives the backup
	must(err)
	_, err = f.svc.Frameworks.SetSoA(ctx, sys, "A.8.5", service.SoAInput{Applicable: true, Justification: "リスク対応 R-1", Status: hikeshi.StatusImplemented})
	must(err)
	_, err = f.svc.Frameworks.SetSoA(ctx, sys, "A.7.4", service.SoAInput{Applicable: false, Justification: "no premises, \"cloud only\""})
	must(err)
}
