package hikeshi_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/nisttest"
)

func TestISO27001Data(t *testing.T) {
	reqs := hikeshi.ISO27001Requirements()
	seen := map[string]bool{}
	themes := map[string]int{}
	clauses := 0
	for _, r := range reqs {
		if seen[r.Ref] {
			t.Errorf("ref %s twice", r.Ref)
		}
		seen[r.Ref] = true
		if strings.TrimSpace(r.TitleEN) == "" || strings.TrimSpace(r.TitleJA) == "" || r.TitleEN == r.TitleJA {
			t.Errorf("%s: titles %q / %q", r.Ref, r.TitleEN, r.TitleJA)
		}
		if r.Parent != "" && !seen[r.Parent] {
			t.Errorf("%s: parent %s not before it", r.Ref, r.Parent)
		}
		switch r.Kind {
		case hikeshi.KindControl:
			themes[r.Theme]++
			if !hikeshi.IsAnnexAControl(r.Ref) {
				t.Errorf("%s not an Annex A control", r.Ref)
			}
		case hikeshi.KindClause:
			clauses++
		}
	}
	want := map[string]int{hikeshi.ThemeOrganizational: 37, hikeshi.ThemePeople: 8, hikeshi.ThemePhysical: 14, hikeshi.ThemeTechnological: 34}
	for k, n := range want {
		if themes[k] != n {
			t.Errorf("theme %s: %d controls, want %d", k, themes[k], n)
		}
	}
	if n := len(hikeshi.AnnexAControls()); n != 93 {
		t.Errorf("%d Annex A controls, want 93", n)
	}
	if clauses != 30 || !seen["4"] || !seen["10.2"] || !seen["A.5.37"] || !seen["A.8.34"] || seen["A.8.35"] {
		t.Errorf("clauses %d, refs %v", clauses, seen)
	}
	if hikeshi.IsAnnexAControl("A.5.38") || hikeshi.IsAnnexAControl("4.1") {
		t.Error("IsAnnexAControl accepts a non-control")
	}
}

// csfCatalog is NIST's official CSF 2.0 OSCAL catalog (see internal/nisttest).
func csfCatalog(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(nisttest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCSFCatalog(t *testing.T) {
	cat, err := hikeshi.ParseCatalog(bytes.NewReader(csfCatalog(t)))
	if err != nil {
		t.Fatal(err)
	}
	if cat.SuggestedKey != "nist-csf-2.0" || cat.Title != "NIST Cybersecurity Framework 2.0" {
		t.Errorf("key %q title %q", cat.SuggestedKey, cat.Title)
	}
	got := hikeshi.Counts(cat.Requirements)
	want := []hikeshi.KindCount{{"function", 6, 0}, {"category", 22, 12}, {"subcategory", 106, 79}}
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("counts %v, want %v", got, want)
		}
	}
	by := map[string]hikeshi.Requirement{}
	for _, r := range cat.Requirements {
		by[r.Ref] = r
	}
	for ref, withdrawn := range map[string]bool{"GV": false, "GV.OC": false, "GV.OC-01": false, "ID.BE": true, "ID.BE-01": true,
		"ID.AM-06": true, "ID.AM-07": false, "PR.DS-01": false, "PR.DS-03": true, "RC.CO-03": false, "RC.CO-01": true} {
		if r, ok := by[ref]; !ok || r.Withdrawn != withdrawn {
			t.Errorf("%s: %+v, want withdrawn %v", ref, r, withdrawn)
		}
	}
	if r := by["GV.OC-01"]; r.Parent != "GV.OC" || !strings.HasPrefix(r.TitleEN, "The organizational mission is understood") {
		t.Errorf("GV.OC-01: %+v", r)
	}
	if r := by["GV.OC"]; r.Parent != "GV" || r.TitleEN != "Organizational Context" || cat.Requirements[0].Ref != "GV" {
		t.Errorf("GV.OC: %+v, first %+v", r, cat.Requirements[0])
	}
}

const catalogHead = `<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="x"><metadata><title>Own</title><version>1</version></metadata>`

func TestParseCatalogMalformed(t *testing.T) {
	deep := catalogHead + strings.Repeat(`<group id="g"><title>t</title>`, 1) + strings.Repeat("<part>", 100) + strings.Repeat("</part>", 100) + "</group></catalog>"
	var many strings.Builder
	many.WriteString(catalogHead)
	for i := range hikeshi.MaxCatalogRequirements + 1 {
		many.WriteString(`<control id="c` + strings.Repeat("x", 0) + itoa(i) + `"><title>t</title></control>`)
	}
	many.WriteString("</catalog>")
	for name, c := range map[string]struct{ in, want string }{
		"empty":          {"", "line 1"},
		"not xml":        {"hello", "no <catalog>"},
		"wrong root":     {`<?xml version="1.0"?><profile xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>`, "element <profile>"},
		"no namespace":   {`<catalog><group id="a"><title>t</title></group></catalog>`, "root element must be an OSCAL"},
		"truncated":      {catalogHead + `<group id="a"><title>t</title>`, "line 1"},
		"truncated tag":  {catalogHead + "\n<group id=\"a\"><tit", "line 2"},
		"no id":          {catalogHead + "\n\n<group><title>t</title></group></catalog>", "line 3, element <group>: a group without an id"},
		"control no id":  {catalogHead + `<group id="a"><title>t</title>` + "\n<control class=\"x\"><title>t</title></control></group></catalog>", "line 2, element <control>: a control without an id"},
		"duplicate id":   {catalogHead + `<group id="a"><title>t</title></group><group id="a"><title>t</title></group></catalog>`, "appears twice"},
		"no title":       {catalogHead + `<group id="a"></group></catalog>`, "has no title"},
		"no controls":    {catalogHead + `</catalog>`, "no groups or controls"},
		"too deep":       {deep, "nested deeper"},
		"huge title":     {catalogHead + `<group id="a"><title>` + strings.Repeat("x", 70<<10) + `</title></group></catalog>`, "text longer"},
		"huge id":        {catalogHead + `<group id="` + strings.Repeat("x", 200) + `"><title>t</title></group></catalog>`, "id longer"},
		"too many":       {many.String(), "more than"},
		"control at top": {`<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><metadata><control id="a"/></metadata></catalog>`, "<control> in <metadata>"},
		"entity":         {catalogHead + `<group id="a"><title>&xxe;</title></group></catalog>`, "not well-formed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := hikeshi.ParseCatalog(strings.NewReader(c.in))
			var ce *hikeshi.CatalogError
			if !errors.As(err, &ce) || !errors.Is(err, hikeshi.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestParseCatalogTooBig(t *testing.T) {
	r := strings.NewReader(catalogHead + `<group id="a"><title>t</title><!--` + strings.Repeat("x", hikeshi.MaxCatalogBytes) + `--></group></catalog>`)
	if _, err := hikeshi.ParseCatalog(r); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
}

func TestParseCatalogWithdrawnProp(t *testing.T) {
	cat, err := hikeshi.ParseCatalog(strings.NewReader(catalogHead + `<group id="g" class="family"><title>G</title>` +
		`<control id="c1"><title>One</title><prop name="status" value="withdrawn"/><control id="c1.a"><title>Sub</title></control></control>` +
		`<control id="c2"><title>Two</title></control></group></catalog>`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range cat.Requirements {
		got[r.Ref] = r.Withdrawn
	}
	if got["g"] || !got["c1"] || !got["c1.a"] || got["c2"] || cat.Title != "Own" || cat.SuggestedKey != "" {
		t.Errorf("%v %+v", got, cat)
	}
}

func FuzzCatalogParse(f *testing.F) {
	f.Add([]byte(catalogHead + `<group id="g" class="function"><title>G</title><control id="c" class="category"><title>C</title>` +
		`<part name="statement"><p>s</p></part><control id="c-1" class="subcategory"><title>c-1</title><part name="example"/></control></control></group></catalog>`))
	f.Add([]byte(catalogHead + `<group id="g"><title>G</title></group></catalog>`))
	f.Add([]byte(`<catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><group id="`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cat, err := hikeshi.ParseCatalog(bytes.NewReader(b))
		if err != nil {
			var ce *hikeshi.CatalogError
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("error %v is not a CatalogError with a line", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range cat.Requirements {
			if r.Ref == "" || r.TitleEN == "" || seen[r.Ref] || len(r.Ref) > 100 || r.Kind == "" {
				t.Fatalf("bad requirement %+v", r)
			}
			if r.Parent != "" && !seen[r.Parent] {
				t.Fatalf("%s: parent %s not before it", r.Ref, r.Parent)
			}
			seen[r.Ref] = true
		}
	})
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestFrameworkProtected: the frameworks that ship with Hikeshi are protected.
func TestFrameworkProtected(t *testing.T) {
	for key, want := range map[string]bool{hikeshi.ISO27001Key: true, hikeshi.NISTCSF2Key: true, "own": false, "nist-csf-1.1": false, "": false} {
		if got := hikeshi.FrameworkProtected(key); got != want {
			t.Errorf("%q: %v, want %v", key, got, want)
		}
	}
}
