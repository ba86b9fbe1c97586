// Package pdftest reads PDFs back for tests with poppler's pdftotext, a
// reader independent of the code that wrote them. Without pdftotext tests
// skip with a message, unless HIKESHI_REQUIRE_PDFTOTEXT=1, when they fail.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Need returns pdftotext's path, or skips (fails when required) t. Tests
// that do costly work before they read a PDF call it first.
func Need(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("HIKESHI_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext is required (HIKESHI_REQUIRE_PDFTOTEXT=1) but not installed")
		}
		t.Skip("pdftotext not installed")
	}
	return bin
}

// Text returns the text of pdf as pdftotext extracts it, in UTF-8.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	bin := Need(t)
	p := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
