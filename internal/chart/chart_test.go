package chart

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// wellFormed parses s as XML and returns the text of every <title> and <text>.
func wellFormed(t *testing.T, s string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var texts []string
	var in string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return texts
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			in = x.Name.Local
			if x.Name.Local == "script" || x.Name.Local == "foreignObject" {
				t.Fatalf("the chart holds a <%s>: %s", x.Name.Local, s)
			}
			for _, a := range x.Attr {
				if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
					t.Fatalf("the chart holds a %s attribute: %s", a.Name.Local, s)
				}
			}
		case xml.CharData:
			if in == "title" || in == "text" {
				texts = append(texts, string(x))
			}
		case xml.EndElement:
			in = ""
		}
	}
}

func TestChartsAreSafeWellFormedSVG(t *testing.T) {
	hostile := `<script>alert(1)</script>" onload="x`
	charts := map[string]string{
		"hbars":   string(HBars(hostile, "h", []Bar{{Label: hostile, Value: 3, Href: `/x?a=1&b="2"`}, {Label: "封じ込め", Value: math.NaN()}, {Label: "負", Value: -4}})),
		"grouped": string(Grouped("中央値", " h", []string{"従来型", hostile}, []Series{{Name: "p50", Values: []float64{1, 2}}, {Name: hostile, Values: []float64{math.Inf(1)}}})),
		"lines":   string(Lines("件数", "", []string{"2026-01", "2026-02", "2026-03"}, []Series{{Name: "incidents", Values: []float64{3, math.NaN(), 5}}})),
		"empty":   string(HBars("empty", "", nil)),
	}
	for name, svg := range charts {
		texts := wellFormed(t, svg)
		if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label=`) {
			t.Errorf("%s: %s", name, svg[:80])
		}
		if strings.Contains(svg, "<script") {
			t.Errorf("%s: unescaped script", name)
		}
		if name != "empty" && len(texts) == 0 {
			t.Errorf("%s: no text", name)
		}
	}
	if !strings.Contains(charts["hbars"], `href="/x?a=1&amp;b=&#34;2&#34;"`) {
		t.Errorf("the link is not escaped: %s", charts["hbars"])
	}
}

func TestHBarsScaleToTheLargest(t *testing.T) {
	svg := string(HBars("t", "", []Bar{{Label: "a", Value: 10}, {Label: "b", Value: 5}, {Label: "c", Value: -1}}))
	for _, want := range []string{`width="300.0"`, `width="150.0"`, `width="0.0"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("bars lack %s: %s", want, svg)
		}
	}
}

func TestFormatAndNiceCeil(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{3, "3"}, {2.345, "2.35"}, {12.34, "12.3"}, {-1, "0"}, {math.NaN(), "0"}} {
		if got := Format(c.v); got != c.want {
			t.Errorf("Format(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range [][2]float64{{0, 0}, {0.7, 1}, {3, 5}, {13, 20}, {100, 100}, {101, 200}} {
		if got := niceCeil(c[0]); got != c[1] {
			t.Errorf("niceCeil(%v) = %v, want %v", c[0], got, c[1])
		}
	}
}
