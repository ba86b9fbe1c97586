package web

import (
	"os"
	"regexp"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
)

// TestReportKeysInCatalogues covers the keys of the reports pages that the
// general scan does not see: literals of the report, reports and settings
// namespaces in Go code, and the keys built from statuses, sources and authors.
func TestReportKeysInCatalogues(t *testing.T) {
	tr, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"notice.report_signin": true, "nav.settings": true}
	for _, s := range hikeshi.ReportStatuses {
		keys["report.status."+string(s)] = true
	}
	for _, s := range hikeshi.ReportSources {
		keys["report.source."+string(s)] = true
	}
	for _, a := range []hikeshi.MessageAuthor{hikeshi.AuthorReporter, hikeshi.AuthorCSIRT} {
		keys["report.author."+string(a)] = true
	}
	lit := regexp.MustCompile(`"((?:report|reports|settings)\.[a-z0-9_.]+[a-z0-9_])"`)
	for _, f := range []string{"reports.go", "reports_csirt.go", "reports_settings.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys; is the scan broken?", len(keys))
	}
	for k := range keys {
		for _, l := range i18n.Supported {
			if !tr.Has(l, k) {
				t.Errorf("key %q is missing from the %s catalogue", k, l)
			}
		}
	}
}
