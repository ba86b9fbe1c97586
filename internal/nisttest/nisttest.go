// Package nisttest finds NIST's official CSF 2.0 OSCAL catalog for tests. The
// file is not ours to copy into the repository; it lives beside the project,
// in ../shared/data/nist from the module root, or wherever HIKESHI_NIST_CSF
// says. Without it tests skip with a message, unless HIKESHI_REQUIRE_NIST=1,
// when they fail.
package nisttest

import (
	"os"
	"path/filepath"
	"testing"
)

// FileName is the catalog's name as NIST publishes it.
const FileName = "NIST_CSF_v2.0_catalog.xml"

// Path returns the catalog's path, or skips (fails when required) t.
func Path(t testing.TB) string {
	t.Helper()
	p := os.Getenv("HIKESHI_NIST_CSF")
	if p == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			if filepath.Dir(dir) == dir {
				t.Fatal("nisttest: no go.mod above the test's directory")
			}
			dir = filepath.Dir(dir)
		}
		p = filepath.Join(dir, "..", "shared", "data", "nist", FileName)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("HIKESHI_REQUIRE_NIST") == "1" {
			t.Fatalf("nisttest: HIKESHI_REQUIRE_NIST=1 but the NIST CSF 2.0 catalog is missing: %v", err)
		}
		t.Skipf("nisttest: skipping, the NIST CSF 2.0 catalog is not here (set HIKESHI_NIST_CSF): %v", err)
	}
	return p
}
