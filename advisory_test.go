package hikeshi_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Scores published by NVD / the FIRST specification's examples.
func TestCVSS31BaseScore(t *testing.T) {
	for _, c := range []struct {
		vec      string
		score    float64
		severity string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "CRITICAL"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "HIGH"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "MEDIUM"},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, "HIGH"},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, "MEDIUM"},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, "HIGH"},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "HIGH"},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "MEDIUM"},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "LOW"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, "NONE"},
		// Any order, temporal metrics accepted (the base score ignores them).
		{"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:P", 9.8, "CRITICAL"},
	} {
		cv, err := hikeshi.ParseCVSS31(c.vec)
		if err != nil {
			t.Fatalf("%s: %v", c.vec, err)
		}
		if s := cv.BaseScore(); s != c.score || hikeshi.CVSSSeverity(s) != c.severity {
			t.Errorf("%s: %.1f %s, want %.1f %s", c.vec, s, hikeshi.CVSSSeverity(s), c.score, c.severity)
		}
	}
}

func TestCVSS31Errors(t *testing.T) {
	for _, c := range []struct {
		vec string
		pos int
	}{
		{"", 1},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 13},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", 41},
		{"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 15},
		{"CVSS:3.1/AV:N//AC:L", 15},
		{"CVSS:3.1/FOO:N", 10},
		{"CVSS:3.1/AVN", 10},
		{"<script>alert(1)</script>", 1},
		{strings.Repeat("A", 300), 201},
	} {
		_, err := hikeshi.ParseCVSS31(c.vec)
		var ce *hikeshi.CVSSError
		if !errors.As(err, &ce) {
			t.Errorf("%q: %v, want a CVSSError", c.vec, err)
			continue
		}
		if ce.Pos != c.pos {
			t.Errorf("%q: position %d (%v), want %d", c.vec, ce.Pos, err, c.pos)
		}
	}
}

func FuzzParseCVSS31(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:X/MAV:N")
	f.Add("CVSS:3.1/")
	f.Fuzz(func(t *testing.T, s string) {
		cv, err := hikeshi.ParseCVSS31(s)
		if err != nil {
			var ce *hikeshi.CVSSError
			if !errors.As(err, &ce) || ce.Pos < 1 || ce.Pos > len(s)+1 && ce.Pos != 201 {
				t.Fatalf("%q: bad error %v", s, err)
			}
			return
		}
		if sc := cv.BaseScore(); sc < 0 || sc > 10 {
			t.Fatalf("%q: score %v", s, sc)
		}
	})
}

func sampleContent() hikeshi.AdvisoryContent {
	return hikeshi.AdvisoryContent{
		Lang: hikeshi.LocaleJA, TitleJA: "Example VPN 装置の脆弱性に関する注意喚起", TitleEN: "Vulnerability in Example VPN appliances",
		BodyJA:   "Example VPN の 2.4.1 以前に認証回避の脆弱性があります。2.4.2 に更新してください。",
		BodyEN:   "Example VPN up to 2.4.1 allows authentication bypass. Update to 2.4.2.",
		Category: hikeshi.AdvisorySecurity, TLP: hikeshi.TLPClear,
		Products: []hikeshi.AdvisoryProduct{
			{Vendor: "Example Corp", Product: "Example VPN", Versions: "<= 2.4.1", Status: hikeshi.ProductKnownAffected,
				Remediation: hikeshi.RemediationVendorFix, RemediationDetails: "2.4.2 に更新する / Update to 2.4.2"},
			{Vendor: "Example Corp", Product: "Example VPN", Versions: "2.4.2", Status: hikeshi.ProductFixed},
			{Vendor: "Other Inc.", Product: "Gateway", Versions: "1.0", Status: hikeshi.ProductKnownAffected,
				Remediation: hikeshi.RemediationWorkaround, RemediationDetails: "Disable the web portal."},
		},
		CVEs:       []string{"CVE-2026-12345", "CVE-2026-0001"},
		CVSS:       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		References: []hikeshi.AdvisoryReference{{URL: "https://example.com/psirt/2026-01", Summary: "Vendor advisory"}},
	}
}

func sampleHistory(n int) []hikeshi.AdvisoryRevision {
	var out []hikeshi.AdvisoryRevision
	for i := 1; i <= n; i++ {
		out = append(out, hikeshi.AdvisoryRevision{Number: i, Summary: "Revision " + string(rune('0'+i)),
			PublishedAt: time.Date(2026, 5, i, 9, 0, 0, 0, time.UTC)})
	}
	return out
}

func buildSample(c hikeshi.AdvisoryContent, n int) hikeshi.CSAFDocument {
	return hikeshi.BuildCSAF(hikeshi.CSAFInput{TrackingID: "ADV-2026-0001", Content: c, History: sampleHistory(n),
		Publisher: hikeshi.DefaultCSAFPublisher("https://hikeshi.example.org"),
		SelfURL:   "https://hikeshi.example.org/.well-known/csaf/white/2026/adv-2026-0001.json",
		Generated: time.Date(2026, 5, 9, 0, 0, 0, 0, time.UTC), EngineVersion: "test"})
}

func TestBuildCSAFPassesOwnAndIndependentValidation(t *testing.T) {
	ir := sampleContent()
	ir.Category, ir.TLP, ir.Products, ir.CVEs, ir.CVSS, ir.TitleEN, ir.BodyEN = hikeshi.AdvisoryIncidentResponse, hikeshi.TLPAmberStrict, nil, nil, "", "", ""
	en := sampleContent()
	en.Lang, en.TitleJA, en.BodyJA, en.CVEs, en.TLP = hikeshi.LocaleEN, "", "", nil, hikeshi.TLPRed
	cases := map[string]struct {
		c hikeshi.AdvisoryContent
		n int
	}{"security": {sampleContent(), 1}, "three revisions": {sampleContent(), 3}, "incident response": {ir, 2}, "english only": {en, 1}}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var v hikeshi.ValidationError
			hikeshi.ValidateAdvisory(&v, c.c)
			if v.Err() != nil {
				t.Fatalf("sample invalid: %v", v.Err())
			}
			doc := buildSample(c.c, c.n)
			if ps := hikeshi.ValidateCSAF(doc); len(ps) > 0 {
				t.Fatalf("own validation: %v", ps)
			}
			b, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkWithCSAFValidator(t, "adv-2026-0001.json", b)
		})
	}
	doc := buildSample(sampleContent(), 1)
	if doc.Document.Distribution.TLP.Label != "WHITE" || doc.Document.Lang != "ja" || len(doc.Vulnerabilities) != 2 {
		t.Errorf("mapping: %+v", doc.Document.Distribution)
	}
	if got := doc.ProductTree.Branches[0].Branches[0].Branches[0].Category; got != "product_version_range" {
		t.Errorf("<= 2.4.1 is in a %s branch", got)
	}
	if s := doc.Vulnerabilities[0].Scores[0].CVSSV3; s.BaseScore != 9.8 || len(doc.Vulnerabilities[0].Scores[0].Products) != 2 {
		t.Errorf("score %+v", doc.Vulnerabilities[0].Scores[0])
	}
	if doc.Document.Notes[1].Title != "English version: Vulnerability in Example VPN appliances" {
		t.Errorf("second language note %+v", doc.Document.Notes[1])
	}
}

// Every mandatory rule ValidateCSAF implements fails on a document broken for it.
func TestValidateCSAFNamesTheRule(t *testing.T) {
	for test, breakIt := range map[string]func(d *hikeshi.CSAFDocument){
		"6.1.1": func(d *hikeshi.CSAFDocument) {
			d.Vulnerabilities[0].ProductStatus.KnownAffected = append(d.Vulnerabilities[0].ProductStatus.KnownAffected, "CSAFPID-9999")
		},
		"6.1.2": func(d *hikeshi.CSAFDocument) {
			d.ProductTree.Branches[1].Branches[0].Branches[0].Product.ProductID = "CSAFPID-0001"
		},
		"6.1.6": func(d *hikeshi.CSAFDocument) {
			d.Vulnerabilities[0].ProductStatus.KnownAffected = append(d.Vulnerabilities[0].ProductStatus.KnownAffected, "CSAFPID-0002")
		},
		"6.1.7": func(d *hikeshi.CSAFDocument) {
			d.Vulnerabilities[0].Scores = append(d.Vulnerabilities[0].Scores, d.Vulnerabilities[0].Scores[0])
		},
		"6.1.9":  func(d *hikeshi.CSAFDocument) { d.Vulnerabilities[0].Scores[0].CVSSV3.BaseScore = 5 },
		"6.1.12": func(d *hikeshi.CSAFDocument) { d.Document.Lang = "japanese!" },
		"6.1.14": func(d *hikeshi.CSAFDocument) {
			h := d.Document.Tracking.RevisionHistory
			h[0].Date, h[1].Date = h[1].Date, h[0].Date
		},
		"6.1.16": func(d *hikeshi.CSAFDocument) { d.Document.Tracking.Version = "2" },
		"6.1.21": func(d *hikeshi.CSAFDocument) {
			d.Document.Tracking.RevisionHistory = append(d.Document.Tracking.RevisionHistory[:1], d.Document.Tracking.RevisionHistory[2:]...)
		},
		"6.1.23":   func(d *hikeshi.CSAFDocument) { d.Vulnerabilities[1].CVE = d.Vulnerabilities[0].CVE },
		"6.1.27.4": func(d *hikeshi.CSAFDocument) { d.ProductTree = nil; d.Vulnerabilities = nil },
		"6.1.27.6": func(d *hikeshi.CSAFDocument) { d.Vulnerabilities[0].ProductStatus = nil },
		"6.1.31": func(d *hikeshi.CSAFDocument) {
			d.ProductTree.Branches[0].Branches[0].Branches[0].Category = "product_version"
		},
		"schema": func(d *hikeshi.CSAFDocument) { d.Document.Distribution.TLP.Label = "CLEAR" },
	} {
		doc := buildSample(sampleContent(), 3)
		breakIt(&doc)
		ps := hikeshi.ValidateCSAF(doc)
		found := false
		for _, p := range ps {
			if p.Test == test {
				found = true
				if want := "CSAF " + test; test != "schema" && !strings.HasPrefix(p.String(), want) {
					t.Errorf("%s: message %q", test, p)
				}
			}
		}
		if !found {
			t.Errorf("%s: not detected, got %v", test, ps)
		}
	}
	ir := sampleContent()
	ir.Category, ir.References = hikeshi.AdvisoryIncidentResponse, nil
	if ps := hikeshi.ValidateCSAF(buildSample(ir, 1)); len(ps) != 1 || ps[0].Test != "6.1.27.2" {
		t.Errorf("incident response without reference: %v", ps)
	}
}

func TestCSAFFilenameAndTLP(t *testing.T) {
	for in, want := range map[string]string{"ADV-2026-0001": "adv-2026-0001.json", "Example Co/ID 1+2": "example_co_id_1+2.json", "a..b": "a_b.json"} {
		if got := hikeshi.CSAFFilename(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	want := map[hikeshi.TLP]string{hikeshi.TLPClear: "WHITE", hikeshi.TLPGreen: "GREEN", hikeshi.TLPAmber: "AMBER", hikeshi.TLPAmberStrict: "AMBER", hikeshi.TLPRed: "RED"}
	for tlp, label := range want {
		if hikeshi.CSAFTLPLabel(tlp) != label {
			t.Errorf("%s → %s", tlp, hikeshi.CSAFTLPLabel(tlp))
		}
	}
}

func TestValidateAdvisoryHostileInput(t *testing.T) {
	c := sampleContent()
	c.TitleJA = "<script>alert(1)</script>" // text, not refused: shown escaped
	c.BodyEN = strings.Repeat("x", hikeshi.MaxAdvisoryBodyLen+1)
	c.CVEs = []string{"CVE-26-1", "cve-2026-1234", "CVE-2026-12345", "CVE-2026-12345"}
	c.CVSS = "CVSS:3.1/AV:N"
	c.References = []hikeshi.AdvisoryReference{{URL: "javascript:alert(1)", Summary: "x"}, {URL: "https://exa mple.org", Summary: "y"},
		{URL: "https://user:pw@example.org/", Summary: "z"}, {URL: "https://example.org/" + strings.Repeat("a", 3000), Summary: "w"}}
	c.Products = append(c.Products, hikeshi.AdvisoryProduct{Vendor: "V", Product: "P", Versions: "1", Status: "broken", Remediation: "magic"})
	c.Products = append(c.Products, c.Products[0])
	c = hikeshi.NormalizeAdvisory(c)
	var v hikeshi.ValidationError
	hikeshi.ValidateAdvisory(&v, c)
	got := map[string]string{}
	for _, f := range v.Fields {
		got[f.Field] = f.Code
	}
	for field, code := range map[string]string{
		"body_en": "too_long", "cves[0]": "invalid_cve", "cves[3]": "duplicate", "cvss": "invalid_cvss",
		"references[0].url": "invalid_url", "references[1].url": "invalid_url", "references[2].url": "invalid_url", "references[3].url": "too_long",
		"products[3].status": "unknown", "products[3].remediation": "unknown", "products[4].versions": "duplicate",
	} {
		if got[field] != code {
			t.Errorf("%s: %q, want %q (all: %v)", field, got[field], code, got)
		}
	}
	if _, ok := got["title_ja"]; ok {
		t.Errorf("markup in a title is text, not an error: %v", got)
	}
	if _, ok := got["cves[1]"]; ok {
		t.Errorf("a lower-case CVE id is normalised: %v", got)
	}
	var none hikeshi.ValidationError
	hikeshi.ValidateAdvisory(&none, hikeshi.AdvisoryContent{Lang: "fr"})
	codes := map[string]bool{}
	for _, f := range none.Fields {
		codes[f.Field] = true
	}
	for _, f := range []string{"lang", "title_ja", "category", "tlp"} {
		if !codes[f] {
			t.Errorf("empty advisory: no error on %s (%v)", f, none.Fields)
		}
	}
}

// checkWithCSAFValidator writes the document under name and runs the
// independent csaf_validator (github.com/gocsaf/csaf/v3) on it: any schema
// error, a non-conforming file name or an id/file name mismatch fails.
func checkWithCSAFValidator(t *testing.T, name string, doc []byte) {
	t.Helper()
	bin := csafTool(t, "csaf_validator")
	if bin == "" {
		return
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if !csafValidatorPassed(string(out), err) {
		t.Errorf("csaf_validator refuses %s: %v\n%s\n%s", name, err, out, doc)
	}
}

// csafValidatorPassed reads csaf_validator's verdict. Without a remote
// validator it checks the JSON schema and the file name and exits with 4
// ("no remote validator") when all else is fine; any other exit status, and
// any output line but the pass line and that warning, is a failure.
func csafValidatorPassed(out string, err error) bool {
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 4) {
		return false
	}
	passed := false
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case strings.HasSuffix(l, "passes the schema validation."):
			passed = true
		case strings.HasSuffix(l, "warn: no remote validator specified"):
		default:
			return false
		}
	}
	return passed
}

// csafTool finds a CSAF tool in /usr/local/bin or PATH; missing, the test
// fails when HIKESHI_REQUIRE_CSAF=1 and is skipped otherwise.
func csafTool(t *testing.T, name string) string {
	t.Helper()
	for _, p := range []string{"/usr/local/bin/" + name, name} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	if os.Getenv("HIKESHI_REQUIRE_CSAF") == "1" {
		t.Fatalf("%s is not installed and HIKESHI_REQUIRE_CSAF=1", name)
	}
	t.Skipf("%s is not installed (set HIKESHI_REQUIRE_CSAF=1 to require it)", name)
	return ""
}

// BenchmarkBuildAndValidateCSAF measures what a publication adds to its
// transaction: building the document of an advisory with 50 products and 20
// CVE ids at revision 10, checking it, and encoding it.
func BenchmarkBuildAndValidateCSAF(b *testing.B) {
	c := sampleContent()
	c.Products, c.CVEs = nil, nil
	for i := range hikeshi.MaxAdvisoryProducts {
		c.Products = append(c.Products, hikeshi.AdvisoryProduct{Vendor: "Vendor " + string(rune('A'+i%5)), Product: "Product", Versions: "1." + strings.Repeat("1", i+1),
			Status: hikeshi.ProductKnownAffected, Remediation: hikeshi.RemediationVendorFix, RemediationDetails: "Update"})
	}
	for i := range hikeshi.MaxAdvisoryCVEs {
		c.CVEs = append(c.CVEs, "CVE-2026-"+strings.Repeat("1", 4)+string(rune('0'+i%10))+string(rune('0'+i/10)))
	}
	for b.Loop() {
		doc := buildSample(c, 10)
		if ps := hikeshi.ValidateCSAF(doc); len(ps) > 0 {
			b.Fatal(ps)
		}
		if _, err := json.Marshal(doc); err != nil {
			b.Fatal(err)
		}
	}
}
