// Package chart renders small charts as inline SVG on the server: no
// script, no style attribute (the pages' CSP forbids both), text that is
// escaped and readable in Japanese and English, and colours that stay
// distinct when printed in grey. Every chart is an <svg role="img"> with a
// <title>, and the caller shows the same numbers as a table or list beside
// it for screen readers and for copying.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Palette holds the series colours, chosen to differ in lightness too.
var Palette = []string{"#1f4e79", "#c0504d", "#7f9f3f", "#e3a21a", "#6b4c9a", "#3a9fb0", "#8c8c8c"}

const (
	font       = `font-family="'Noto Sans CJK JP','Noto Sans JP',system-ui,sans-serif"`
	fontSize   = 12
	rowHeight  = 22
	labelWidth = 180
	barArea    = 300
	valueWidth = 90
)

// Bar is one bar of a horizontal bar chart. Href, when set, makes the bar
// and its label a link to the records behind the number.
type Bar struct {
	Label string
	Value float64
	Href  string
}

// Series is one named series of values, one per category or point.
type Series struct {
	Name   string
	Values []float64
}

// HBars renders one horizontal bar per item, the label on the left and the
// value (with unit) on the right. Negative and non-finite values draw as 0.
func HBars(title, unit string, bars []Bar) template.HTML {
	w := labelWidth + barArea + valueWidth
	h := rowHeight*len(bars) + 8
	if len(bars) == 0 {
		h = rowHeight
	}
	var b strings.Builder
	open(&b, title, w, h)
	max := 0.0
	for _, x := range bars {
		max = math.Max(max, clean(x.Value))
	}
	for i, x := range bars {
		y := 4 + i*rowHeight
		v := clean(x.Value)
		bw := 0.0
		if max > 0 {
			bw = v / max * barArea
		}
		if x.Href != "" {
			fmt.Fprintf(&b, `<a href="%s">`, esc(x.Href))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" %s font-size="%d" fill="#222">%s</text>`,
			labelWidth-6, y+15, font, fontSize, esc(cut(x.Label, 26)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="%d" fill="%s"><title>%s: %s</title></rect>`,
			labelWidth, y+3, num(bw), rowHeight-6, Palette[0], esc(x.Label), esc(Format(v)+unit))
		fmt.Fprintf(&b, `<text x="%s" y="%d" %s font-size="%d" fill="#222">%s</text>`,
			num(float64(labelWidth)+bw+4), y+15, font, fontSize, esc(Format(v)+unit))
		if x.Href != "" {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Grouped renders vertical bars grouped by category, one bar per series in
// each group, with a legend. Values missing from a series draw as 0.
func Grouped(title, unit string, categories []string, series []Series) template.HTML {
	const plotH, top, left, bottom = 180, 10, 60, 40
	groupW := 24*len(series) + 16
	w := left + groupW*max(1, len(categories)) + 10
	legendH := 18 * len(series)
	h := top + plotH + bottom + legendH
	var b strings.Builder
	open(&b, title, w, h)
	hi := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			hi = math.Max(hi, clean(v))
		}
	}
	axisMax := niceCeil(hi)
	// Axis and gridlines at 0, ½ and the top.
	for _, f := range []float64{0, 0.5, 1} {
		y := float64(top) + float64(plotH)*(1-f)
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#ccc" stroke-width="1"/>`, left, num(y), w-10, num(y))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" %s font-size="%d" fill="#555">%s</text>`,
			left-4, num(y+4), font, fontSize-1, esc(Format(axisMax*f)+unit))
	}
	for ci, c := range categories {
		gx := left + ci*groupW + 8
		for si, s := range series {
			v := 0.0
			if ci < len(s.Values) {
				v = clean(s.Values[ci])
			}
			bh := 0.0
			if axisMax > 0 {
				bh = v / axisMax * plotH
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%s" width="20" height="%s" fill="%s"><title>%s — %s: %s</title></rect>`,
				gx+si*24, num(float64(top+plotH)-bh), num(bh), Palette[si%len(Palette)], esc(c), esc(s.Name), esc(Format(v)+unit))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" %s font-size="%d" fill="#222">%s</text>`,
			gx+groupW/2-8, top+plotH+16, font, fontSize-1, esc(cut(c, 14)))
	}
	legend(&b, series, top+plotH+bottom-8)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Lines renders one line per series over the x labels (e.g. months), with
// a dot per point and a legend. Missing values end a line's segment.
func Lines(title, unit string, xLabels []string, series []Series) template.HTML {
	const plotH, top, left, bottom = 160, 10, 60, 40
	step := 48
	w := left + step*max(1, len(xLabels)) + 10
	h := top + plotH + bottom + 18*len(series)
	var b strings.Builder
	open(&b, title, w, h)
	hi := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			hi = math.Max(hi, clean(v))
		}
	}
	axisMax := niceCeil(hi)
	for _, f := range []float64{0, 0.5, 1} {
		y := float64(top) + float64(plotH)*(1-f)
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#ccc" stroke-width="1"/>`, left, num(y), w-10, num(y))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" %s font-size="%d" fill="#555">%s</text>`,
			left-4, num(y+4), font, fontSize-1, esc(Format(axisMax*f)+unit))
	}
	x := func(i int) float64 { return float64(left + step*i + step/2) }
	y := func(v float64) float64 {
		if axisMax == 0 {
			return float64(top + plotH)
		}
		return float64(top) + float64(plotH)*(1-clean(v)/axisMax)
	}
	for i, l := range xLabels {
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" %s font-size="%d" fill="#222">%s</text>`,
			num(x(i)), top+plotH+16, font, fontSize-1, esc(cut(l, 8)))
	}
	for si, s := range series {
		color := Palette[si%len(Palette)]
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), color)
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if i >= len(xLabels) {
				break
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			pts = append(pts, num(x(i))+","+num(y(v)))
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s — %s: %s</title></circle>`,
				num(x(i)), num(y(v)), color, esc(xLabels[i]), esc(s.Name), esc(Format(clean(v))+unit))
		}
		flush()
	}
	legend(&b, series, top+plotH+bottom-8)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Format writes a number the way the charts do: integers as such, others
// with up to one decimal (two below 10).
func Format(v float64) string {
	v = clean(v)
	if v == math.Trunc(v) && v < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func open(b *strings.Builder, title string, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d">`,
		esc(title), w, h, w, h)
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
}

func legend(b *strings.Builder, series []Series, y int) {
	for i, s := range series {
		yy := y + 18*i
		fmt.Fprintf(b, `<rect x="10" y="%d" width="12" height="12" fill="%s"/>`, yy, Palette[i%len(Palette)])
		fmt.Fprintf(b, `<text x="28" y="%d" %s font-size="%d" fill="#222">%s</text>`, yy+11, font, fontSize, esc(cut(s.Name, 60)))
	}
}

// clean maps negative and non-finite values to 0.
func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

// niceCeil rounds a maximum up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string { return html.EscapeString(s) }

// cut shortens a label to n characters with an ellipsis; the full text stays
// in the bar's tooltip.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
