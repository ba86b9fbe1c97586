package chart

import (
	"html/template"
	"strings"
)

// AnalysisDescribe adds a <desc> right after the chart's <title>: SVG takes
// its first <title> and <desc> children as the accessible name and
// description, so screen readers get the figures in words too. id must be
// unique on the page; it becomes the desc element's id. The text is escaped.
func AnalysisDescribe(svg template.HTML, id, desc string) template.HTML {
	s := string(svg)
	i := strings.Index(s, "</title>")
	if i < 0 || desc == "" {
		return svg
	}
	i += len("</title>")
	d := `<desc id="` + esc(id) + `">` + esc(desc) + `</desc>`
	return template.HTML(s[:i] + d + s[i:])
}
