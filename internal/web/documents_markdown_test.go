package web

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	mdTag  = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	mdAttr = regexp.MustCompile(`([a-zA-Z-]+)="([^"]*)"`)
	// mdTags are the elements Markdown may produce.
	mdTags = map[string]bool{"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "ul": true, "ol": true,
		"li": true, "blockquote": true, "pre": true, "code": true, "em": true, "strong": true, "del": true, "a": true, "img": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "hr": true, "br": true}
	mdAttrs = map[string]bool{"href": true, "src": true, "alt": true, "title": true, "start": true, "class": true, "style": true}
)

// checkSafeHTML fails when html holds an element or attribute Markdown must
// not produce, an event handler, or a link with a scheme other than http,
// https or mailto.
func checkSafeHTML(t *testing.T, name, html string) {
	t.Helper()
	for _, m := range mdTag.FindAllStringSubmatch(html, -1) {
		tag := strings.ToLower(m[2])
		if !mdTags[tag] {
			t.Errorf("%s: element <%s> in %q", name, tag, html)
		}
		rest := mdAttr.ReplaceAllString(m[3], "")
		if strings.Trim(rest, " /") != "" {
			t.Errorf("%s: unexpected attribute text %q in %q", name, rest, m[0])
		}
		for _, a := range mdAttr.FindAllStringSubmatch(m[3], -1) {
			attr := strings.ToLower(a[1])
			if !mdAttrs[attr] || strings.HasPrefix(attr, "on") {
				t.Errorf("%s: attribute %s in %q", name, attr, m[0])
			}
			if (attr == "href" || attr == "src") && !allowedURL(a[2]) {
				t.Errorf("%s: %s=%q is not an allowed destination", name, attr, a[2])
			}
			if attr == "style" && !regexp.MustCompile(`^text-align:(left|right|center)$`).MatchString(a[2]) {
				t.Errorf("%s: style %q", name, a[2])
			}
		}
	}
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Errorf("%s: a script element in %q", name, html)
	}
}

func TestRenderMarkdownHostile(t *testing.T) {
	cases := map[string]string{
		"script":          "<script>alert(1)</script>",
		"script inline":   "text <script>alert(1)</script> more",
		"img onerror":     `<img src=x onerror=alert(1)>`,
		"img onerror md":  `![x" onerror="alert(1)](http://example.org/a.png)`,
		"raw block":       "<div onclick=\"alert(1)\">\n\n**bold**\n\n</div>",
		"iframe":          `<iframe src="javascript:alert(1)"></iframe>`,
		"svg":             `<svg><script>alert(1)</script></svg>`,
		"style":           "<style>body{display:none}</style>",
		"a inline html":   `<a href="javascript:alert(1)">x</a>`,
		"js link":         "[click](javascript:alert(1))",
		"js link upper":   "[click](JaVaScRiPt:alert(1))",
		"js link entity":  "[click](&#106;avascript:alert(1))",
		"js link escaped": "[click](java&#x09;script:alert(1))",
		"js link spaces":  "[click]( javascript:alert(1) )",
		"js autolink":     "<javascript:alert(1)>",
		"js reference":    "[click][r]\n\n[r]: javascript:alert(1)",
		"data link":       "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"data image":      "![x](data:image/png;base64,iVBORw0KGgo=)",
		"data image svg":  "![x](data:image/svg+xml;base64,PHN2Zz4=)",
		"vbscript":        "[x](vbscript:msgbox(1))",
		"file":            "[x](file:///etc/passwd)",
		"title quote":     `[x](http://example.org "a\" onmouseover=\"alert(1)")`,
		"html comment":    "<!-- <script>alert(1)</script> -->",
		"cdata":           "<![CDATA[<script>alert(1)</script>]]>",
		"processing":      "<?php echo 1; ?>",
		"table":           "| a | b |\n|:-|-:|\n| <script>x</script> | [y](javascript:z) |",
	}
	for name, src := range cases {
		checkSafeHTML(t, name, string(renderMarkdown(src)))
	}
	// Allowed links stay links.
	out := string(renderMarkdown("[a](https://example.org/x?y=1) [b](/isms/documents) [c](mailto:isms@example.org) <https://example.org>"))
	for _, want := range []string{`href="https://example.org/x?y=1"`, `href="/isms/documents"`, `href="mailto:isms@example.org"`, `href="https://example.org"`} {
		if !strings.Contains(out, want) {
			t.Errorf("allowed link lost: %s in %s", want, out)
		}
	}
	// A refused link keeps its words.
	if out := string(renderMarkdown("[click here](javascript:alert(1))")); !strings.Contains(out, "click here") || strings.Contains(out, "<a") {
		t.Errorf("refused link: %s", out)
	}
}

// TestRenderMarkdownNesting: deep nesting at the body size limit renders
// quickly and safely.
func TestRenderMarkdownNesting(t *testing.T) {
	const n = 30000 // with the markers, about the 100,000-character limit
	for name, src := range map[string]string{
		"blockquotes": strings.Repeat(">", n) + " x",
		"lists":       strings.Repeat("- ", n) + "x",
		"brackets":    strings.Repeat("[", n) + "x" + strings.Repeat("](javascript:a)", 1000),
		"emphasis":    strings.Repeat("*_", n/2) + "x",
		"backticks":   strings.Repeat("`", n) + "x",
		"html open":   strings.Repeat("<div>", n/5),
		"links":       strings.Repeat("[a](javascript:b)", n/6),
		"ordered":     strings.Repeat("1. ", n) + "x",
		"mixed":       strings.Repeat("> - 1) ", n/4) + "x",
		"indented":    indentedList(100000),
	} {
		start := time.Now()
		out := string(renderMarkdown(src))
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: %v to render", name, d)
		}
		checkSafeHTML(t, name, out)
	}
}

// indentedList nests list items by indentation, one level per line.
func indentedList(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		b.WriteString(strings.Repeat(" ", 2*i) + "- x\n")
	}
	return b.String()
}

// TestMarkdownDepthGuard: ordinary nesting renders as Markdown; a line
// opening more containers than the limit is shown as escaped text.
func TestMarkdownDepthGuard(t *testing.T) {
	if out := string(renderMarkdown("> - 1. quoted\n> - **b**\n")); !strings.Contains(out, "<blockquote>") || !strings.Contains(out, "<strong>b</strong>") {
		t.Errorf("ordinary nesting: %s", out)
	}
	deep := strings.Repeat("> ", maxMarkdownDepth+1) + "<script>x</script>"
	if out := string(renderMarkdown(deep)); !strings.HasPrefix(out, "<pre") || strings.Contains(out, "<script") || strings.Contains(out, "<blockquote") {
		t.Errorf("deep nesting: %s", out)
	}
	if markdownTooDeep(strings.Repeat("> ", maxMarkdownDepth) + "x") {
		t.Error("the limit itself is refused")
	}
	if markdownTooDeep("1234567890123. x\n- - a\n") {
		t.Error("ordinary text counted as deep")
	}
}
