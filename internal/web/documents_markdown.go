package web

import (
	"bytes"
	"html"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Policy documents are written in Markdown and shown rendered. The renderer
// is goldmark without html.WithUnsafe: raw HTML (blocks and inline) is
// omitted, never passed through. On top of goldmark's own filter, links and
// images keep only http, https and mailto destinations or relative ones;
// any other scheme (javascript:, data:, vbscript:, file: …) turns the link
// into its plain text and the image into its alternative text. Only the
// output of this renderer is ever marked template.HTML.

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeLinks{}, 100))),
)

// maxMarkdownDepth bounds the containers (block quotes, list items) one
// line may open. goldmark's time grows with the square of that depth (a
// 100,000-character line of "- - - …" takes seconds); no policy nests
// that deep, so such a text is shown as plain preformatted text instead.
const maxMarkdownDepth = 32

// markdownTooDeep reports whether a line of src opens more than
// maxMarkdownDepth containers.
func markdownTooDeep(src string) bool {
	for line := range strings.Lines(src) {
		depth, i := 0, 0
		for i < len(line) {
			switch c := line[i]; {
			case c == ' ' || c == '\t':
				i++
				continue
			case c == '>':
				i++
			case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
				i += 2
			case c >= '0' && c <= '9':
				j := i
				for j < len(line) && j-i < 10 && line[j] >= '0' && line[j] <= '9' {
					j++
				}
				if j+1 < len(line) && (line[j] == '.' || line[j] == ')') && (line[j+1] == ' ' || line[j+1] == '\t') {
					i = j + 2
				} else {
					i = len(line)
					continue
				}
			default:
				i = len(line)
				continue
			}
			if depth++; depth > maxMarkdownDepth {
				return true
			}
		}
	}
	return false
}

// renderMarkdown renders a document body to safe HTML.
func renderMarkdown(src string) template.HTML {
	if markdownTooDeep(src) {
		return template.HTML("<pre class=\"report-text\">" + template.HTMLEscapeString(src) + "</pre>")
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// Rendering to a buffer does not fail; if it did, show the text escaped.
		return template.HTML("<pre>" + template.HTMLEscapeString(src) + "</pre>")
	}
	return template.HTML(buf.String()) // #nosec: goldmark without WithUnsafe, links filtered by safeLinks
}

// safeLinks replaces links and images whose destinations are not allowed.
type safeLinks struct{}

func (safeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	var bad []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch l := n.(type) {
		case *ast.Link:
			if !allowedURL(string(l.Destination)) {
				bad = append(bad, n)
			}
		case *ast.Image:
			if !allowedURL(string(l.Destination)) {
				bad = append(bad, n)
			}
		case *ast.AutoLink:
			if !allowedURL(string(l.URL(reader.Source()))) {
				bad = append(bad, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range bad {
		parent := n.Parent()
		if parent == nil {
			continue
		}
		switch l := n.(type) {
		case *ast.AutoLink:
			parent.ReplaceChild(parent, n, ast.NewString(l.Label(reader.Source())))
		default:
			// Keep the link's (or the image's alternative) text, without the link.
			for c := n.FirstChild(); c != nil; {
				next := c.NextSibling()
				parent.InsertBefore(parent, n, c)
				c = next
			}
			parent.RemoveChild(parent, n)
		}
	}
}

// allowedURL reports whether a link destination is relative or uses http,
// https or mailto.
func allowedURL(u string) bool {
	u = strings.TrimSpace(html.UnescapeString(u))
	// Browsers ignore tabs and newlines inside a scheme; so do we.
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	i := strings.IndexAny(u, ":/?#")
	if i < 0 || u[i] != ':' {
		return true // relative: no scheme
	}
	switch strings.ToLower(u[:i]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}
