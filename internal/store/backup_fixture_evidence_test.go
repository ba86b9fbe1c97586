package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillEvidence) }

// fillEvidence fills the evidence area's tables through the services: an
// observable shared by the RED and the GREEN incident, an affected asset and
// an evidence file on each.
func fillEvidence(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, inc := range f.incidents {
		_, err := f.svc.Evidence.AddObservables(ctx, f.csirt, inc.ID, service.ObservablesInput{
			Values: []string{"192.0.2.1", "https://evil.example/ログイン", "", "d41d8cd98f00b204e9800998ecf8427e"}, Note: "メール本文から"})
		must(err)
		_, err = f.svc.Evidence.AddAsset(ctx, f.csirt, inc.ID, service.AssetInput{Name: "web01 <b>", Kind: hikeshi.AssetServer,
			Identifier: "192.0.2.10", DepartmentID: f.depts[0].ID, Criticality: 2, Note: "停止済み"})
		must(err)
		_, err = f.svc.Evidence.UploadEvidence(ctx, f.csirt, inc.ID, strings.NewReader(strings.Repeat("証拠", 1000+i)),
			service.EvidenceInput{Filename: "../メール.eml", Description: "受信したメール"})
		must(err)
	}
}
