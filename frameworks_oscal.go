package hikeshi

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// OSCAL catalog import (decision 0024). The parser streams the XML with
// encoding/xml and trusts no size in it: the input, each text, the nesting
// depth and the number of controls are capped, and every mistake names the
// line and the element.

// OSCAL limits.
const (
	MaxCatalogBytes        = 32 << 20 // the whole file
	MaxCatalogRequirements = 20000
	maxCatalogDepth        = 64
	maxCatalogText         = 64 << 10 // one title, statement or id
	maxRequirementTitle    = 500      // kept of a title, in characters
	maxRequirementRef      = 100
)

const oscalNS = "http://csrc.nist.gov/ns/oscal/1.0"

// Catalog is what an OSCAL catalog holds for Hikeshi.
type Catalog struct {
	Title        string // metadata/title
	Version      string // metadata/version
	SuggestedKey string // a framework key derived from the metadata ("nist-csf-2.0"), or ""
	Requirements []Requirement
}

// KindCount is how many requirements of one kind, current and withdrawn.
type KindCount struct {
	Kind      string
	Current   int
	Withdrawn int
}

// Counts tallies requirements by kind in order of first appearance.
func Counts(reqs []Requirement) []KindCount {
	var out []KindCount
	idx := map[string]int{}
	for _, r := range reqs {
		i, ok := idx[r.Kind]
		if !ok {
			i = len(out)
			idx[r.Kind] = i
			out = append(out, KindCount{Kind: r.Kind})
		}
		if r.Withdrawn {
			out[i].Withdrawn++
		} else {
			out[i].Current++
		}
	}
	return out
}

// CatalogError is a malformed catalog: where and what.
type CatalogError struct {
	Line    int
	Element string // the element being read, "" at the document level
	Msg     string
}

func (e *CatalogError) Error() string {
	if e.Element != "" {
		return fmt.Sprintf("line %d, element <%s>: %s", e.Line, e.Element, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// Unwrap makes a CatalogError an ErrInvalid.
func (e *CatalogError) Unwrap() error { return ErrInvalid }

// oscalNode is a group or control being read.
type oscalNode struct {
	id, class, title string
	line             int // order of the start tag
	statement        strings.Builder
	hasStatement     bool
	hasExample       bool
	withdrawnProp    bool
	parent           *oscalNode
	withdrawn        bool
}

type limitedReader struct {
	r io.Reader
	n int64
}

var errCatalogTooBig = errors.New("catalog too big")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errCatalogTooBig
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// ParseCatalog reads an OSCAL XML catalog: every group and control becomes
// a requirement (Kind = its class, or "group"/"control" without one), with
// its parent, its title (a subcategory whose title is only its id takes its
// statement instead) and whether it is withdrawn:
//
//   - a prop name="status" value="withdrawn" (the OSCAL convention) withdraws it;
//   - everything under a withdrawn group or control is withdrawn;
//   - NIST CSF 2.0 (classes function/category/subcategory) carries the CSF 1.1
//     items 2.0 withdrew without marking them: such a category has an empty
//     statement, such a subcategory has no implementation example
//     (part name="example"); every current 2.0 category has a statement and
//     every current subcategory at least one example.
func ParseCatalog(r io.Reader) (Catalog, error) {
	d := xml.NewDecoder(&limitedReader{r: r, n: MaxCatalogBytes + 1})
	d.Strict = true
	var (
		cat      Catalog
		stack    []string // element local names
		node     *oscalNode
		text     *strings.Builder // where character data goes, nil = nowhere
		textLen  int
		textOf   int // stack depth of the element whose text is captured
		seen     = map[string]bool{}
		metaProp = map[string]string{}
		rootSeen bool
	)
	fail := func(msg string, a ...any) error {
		line, _ := d.InputPos()
		el := ""
		if len(stack) > 0 {
			el = stack[len(stack)-1]
		}
		return &CatalogError{Line: line, Element: el, Msg: fmt.Sprintf(msg, a...)}
	}
	var metaTitle, metaVersion strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			if errors.Is(err, errCatalogTooBig) {
				return Catalog{}, &CatalogError{Line: line, Msg: fmt.Sprintf("the file is larger than %d MiB", MaxCatalogBytes>>20)}
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
				err = errors.New(se.Msg)
			}
			el := ""
			if len(stack) > 0 {
				el = stack[len(stack)-1]
			}
			return Catalog{}, &CatalogError{Line: line, Element: el, Msg: "not well-formed XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 {
				if rootSeen {
					return Catalog{}, fail("a second root element <%s>", name)
				}
				rootSeen = true
				if name != "catalog" || t.Name.Space != oscalNS {
					stack = append(stack, name)
					return Catalog{}, fail("the root element must be an OSCAL <catalog> (namespace %s)", oscalNS)
				}
			}
			stack = append(stack, name)
			if len(stack) > maxCatalogDepth {
				return Catalog{}, fail("nested deeper than %d elements", maxCatalogDepth)
			}
			parentName := ""
			if len(stack) > 1 {
				parentName = stack[len(stack)-2]
			}
			attr := func(k string) string {
				for _, a := range t.Attr {
					if a.Name.Local == k && a.Name.Space == "" {
						return a.Value
					}
				}
				return ""
			}
			switch {
			case name == "group" || name == "control":
				if node == nil && parentName != "catalog" || node != nil && parentName != "group" && parentName != "control" {
					return Catalog{}, fail("<%s> in <%s>", name, parentName)
				}
				id := strings.TrimSpace(attr("id"))
				switch {
				case id == "":
					return Catalog{}, fail("a %s without an id", name)
				case len(id) > maxRequirementRef:
					return Catalog{}, fail("an id longer than %d bytes", maxRequirementRef)
				case seen[id]:
					return Catalog{}, fail("the id %q appears twice", id)
				}
				if len(seen) >= MaxCatalogRequirements {
					return Catalog{}, fail("more than %d groups and controls", MaxCatalogRequirements)
				}
				seen[id] = true
				class := strings.TrimSpace(attr("class"))
				if class == "" {
					class = name
				}
				if len(class) > 40 {
					return Catalog{}, fail("a class longer than 40 bytes")
				}
				node = &oscalNode{id: id, class: class, parent: node, line: len(seen)}
			case node != nil && name == "title" && (parentName == "group" || parentName == "control"):
				text, textOf, textLen = &strings.Builder{}, len(stack), 0
			case node != nil && name == "prop" && (parentName == "group" || parentName == "control"):
				if attr("name") == "status" && strings.EqualFold(attr("value"), "withdrawn") {
					node.withdrawnProp = true
				}
			case node != nil && name == "part" && (parentName == "group" || parentName == "control"):
				switch attr("name") {
				case "statement":
					node.hasStatement = true
					node.statement.Reset()
					text, textOf, textLen = &node.statement, len(stack), 0
				case "example":
					node.hasExample = true
				}
			case node == nil && name == "title" && parentName == "metadata":
				text, textOf, textLen = &metaTitle, len(stack), 0
			case node == nil && name == "version" && parentName == "metadata":
				text, textOf, textLen = &metaVersion, len(stack), 0
			case node == nil && name == "prop" && parentName == "metadata":
				metaProp[attr("name")] = attr("value")
			}
		case xml.CharData:
			if text != nil {
				textLen += len(t)
				if textLen > maxCatalogText {
					return Catalog{}, fail("a text longer than %d KiB", maxCatalogText>>10)
				}
				text.Write(t)
				text.WriteByte(' ')
			}
		case xml.EndElement:
			if text != nil && len(stack) == textOf {
				if node != nil && t.Name.Local == "title" {
					node.title = text.String()
				}
				text = nil
			}
			name := t.Name.Local
			if (name == "group" || name == "control") && node != nil && len(stack) > 0 {
				n := node
				title := collapse(n.title)
				stmt := collapse(n.statement.String())
				if (title == "" || title == n.id) && stmt != "" {
					title = stmt
				}
				if title == "" {
					return Catalog{}, fail("the %s %q has no title", name, n.id)
				}
				if r := []rune(title); len(r) > maxRequirementTitle {
					title = string(r[:maxRequirementTitle-1]) + "…"
				}
				n.withdrawn = n.withdrawnProp
				switch n.class {
				case KindCategory:
					n.withdrawn = n.withdrawn || stmt == ""
				case KindSubcategory:
					n.withdrawn = n.withdrawn || !n.hasExample
				}
				parent := ""
				if n.parent != nil {
					parent = n.parent.id
				}
				cat.Requirements = append(cat.Requirements, Requirement{Ref: n.id, Parent: parent, Kind: n.class,
					TitleEN: title, Withdrawn: n.withdrawn, Sort: n.line})
				node = n.parent
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !rootSeen {
		return Catalog{}, &CatalogError{Line: 1, Msg: "no <catalog> element: the file is empty or not XML"}
	}
	if len(stack) > 0 {
		return Catalog{}, fail("the file ends before </%s>", stack[len(stack)-1])
	}
	if len(cat.Requirements) == 0 {
		return Catalog{}, &CatalogError{Line: 1, Element: "catalog", Msg: "the catalog holds no groups or controls"}
	}
	// A parent is finished after its children; put the requirements in
	// reading order (the order each began in), then pass withdrawal down.
	slices.SortStableFunc(cat.Requirements, func(a, b Requirement) int { return a.Sort - b.Sort })
	withdrawn := map[string]bool{}
	for i := range cat.Requirements {
		r := &cat.Requirements[i]
		r.Sort = i + 1
		r.Withdrawn = r.Withdrawn || withdrawn[r.Parent]
		withdrawn[r.Ref] = r.Withdrawn
	}
	cat.Title = collapse(metaTitle.String())
	cat.Version = collapse(metaVersion.String())
	if len([]rune(cat.Title)) > 200 {
		cat.Title = string([]rune(cat.Title)[:200])
	}
	if len(cat.Version) > 100 {
		cat.Version = cat.Version[:100]
	}
	if metaProp["framework-identifier"] == "CSF" && strings.HasPrefix(metaProp["framework-version-identifier"], "CSF_2_0") {
		cat.SuggestedKey = "nist-csf-2.0"
	}
	return cat, nil
}

// collapse trims s and turns every run of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
