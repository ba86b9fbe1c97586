package hikeshi

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSAF 2.0 documents of advisories (OASIS CSAF Version 2.0, decision 0039).
// The structs follow the CSAF 2.0 JSON schema for the parts Hikeshi writes;
// ValidateCSAF checks what the schema requires of them and the mandatory
// tests of section 6.1 that apply to such documents.

// CSAFDocument is a CSAF 2.0 document.
type CSAFDocument struct {
	Document        CSAFMeta            `json:"document"`
	ProductTree     *CSAFProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities []CSAFVulnerability `json:"vulnerabilities,omitempty"`
}

// CSAFMeta is the document-level metadata.
type CSAFMeta struct {
	Category     string           `json:"category"`
	CSAFVersion  string           `json:"csaf_version"`
	Distribution CSAFDistribution `json:"distribution"`
	Lang         string           `json:"lang"`
	Notes        []CSAFNote       `json:"notes,omitempty"`
	Publisher    CSAFPublisher    `json:"publisher"`
	References   []CSAFReference  `json:"references,omitempty"`
	Title        string           `json:"title"`
	Tracking     CSAFTracking     `json:"tracking"`
}

// CSAFDistribution is document.distribution.
type CSAFDistribution struct {
	Text string   `json:"text,omitempty"`
	TLP  *CSAFTLP `json:"tlp,omitempty"`
}

// CSAFTLP is document.distribution.tlp (TLP 1.0 labels in CSAF 2.0).
type CSAFTLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// CSAFNote is a note.
type CSAFNote struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

// CSAFPublisher is document.publisher (also the provider metadata's publisher).
type CSAFPublisher struct {
	Category       string `json:"category"`
	ContactDetails string `json:"contact_details,omitempty"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
}

// CSAFReference is a reference.
type CSAFReference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// CSAFTracking is document.tracking.
type CSAFTracking struct {
	CurrentReleaseDate string         `json:"current_release_date"`
	Generator          *CSAFGenerator `json:"generator,omitempty"`
	ID                 string         `json:"id"`
	InitialReleaseDate string         `json:"initial_release_date"`
	RevisionHistory    []CSAFRevision `json:"revision_history"`
	Status             string         `json:"status"`
	Version            string         `json:"version"`
}

// CSAFGenerator names the engine that wrote the document.
type CSAFGenerator struct {
	Date   string     `json:"date,omitempty"`
	Engine CSAFEngine `json:"engine"`
}

// CSAFEngine is the generator's engine.
type CSAFEngine struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// CSAFRevision is one entry of the revision history.
type CSAFRevision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

// CSAFProductTree is the product tree.
type CSAFProductTree struct {
	Branches []CSAFBranch `json:"branches,omitempty"`
}

// CSAFBranch is one branch: either further branches or a product.
type CSAFBranch struct {
	Branches []CSAFBranch `json:"branches,omitempty"`
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Product  *CSAFProduct `json:"product,omitempty"`
}

// CSAFProduct is a full product name.
type CSAFProduct struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
}

// CSAFVulnerability is one vulnerability.
type CSAFVulnerability struct {
	CVE           string             `json:"cve,omitempty"`
	Notes         []CSAFNote         `json:"notes,omitempty"`
	ProductStatus *CSAFProductStatus `json:"product_status,omitempty"`
	Remediations  []CSAFRemediation  `json:"remediations,omitempty"`
	Scores        []CSAFScore        `json:"scores,omitempty"`
	Title         string             `json:"title,omitempty"`
}

// CSAFProductStatus groups product ids by status.
type CSAFProductStatus struct {
	Fixed         []string `json:"fixed,omitempty"`
	KnownAffected []string `json:"known_affected,omitempty"`
}

// CSAFRemediation is one remediation.
type CSAFRemediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids,omitempty"`
}

// CSAFScore is a score for products.
type CSAFScore struct {
	CVSSV3   *CSAFCVSSV3 `json:"cvss_v3,omitempty"`
	Products []string    `json:"products"`
}

// CSAFCVSSV3 is a CVSS v3.1 score (the fields the schema requires).
type CSAFCVSSV3 struct {
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
	VectorString string  `json:"vectorString"`
	Version      string  `json:"version"`
}

// CSAFTLPLabel maps a TLP 2.0 label to CSAF 2.0's TLP 1.0 label: CLEAR is
// WHITE, AMBER+STRICT is AMBER (the distribution text keeps the "+STRICT";
// such documents are never served publicly).
func CSAFTLPLabel(t TLP) string {
	switch t {
	case TLPClear:
		return "WHITE"
	case TLPAmberStrict:
		return "AMBER"
	}
	return string(t)
}

// CSAFTLPFolder is the provider directory of a label: white, green, amber, red.
func CSAFTLPFolder(t TLP) string { return strings.ToLower(CSAFTLPLabel(t)) }

var csafFileRe = regexp.MustCompile(`[^+\-a-z0-9]+`)

// CSAFFilename is the file name of a tracking id (CSAF 2.0 section 5.1):
// lower case, every run of characters other than + - a-z 0-9 replaced by _,
// and ".json".
func CSAFFilename(trackingID string) string {
	return csafFileRe.ReplaceAllString(strings.ToLower(trackingID), "_") + ".json"
}

// CSAFTime formats a time the way Hikeshi writes CSAF dates (RFC 3339, UTC).
func CSAFTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// CSAFInput is what a CSAF document is built from.
type CSAFInput struct {
	TrackingID string
	Content    AdvisoryContent
	// History is the revision history including the revision being built,
	// in any order.
	History   []AdvisoryRevision
	Publisher CSAFPublisher
	// SelfURL is where this revision's document can be fetched.
	SelfURL string
	// Generated is when the document was built.
	Generated time.Time
	// EngineVersion is Hikeshi's version ("" leaves it out).
	EngineVersion string
}

// DefaultCSAFPublisher derives a publisher from the base URL when the
// organisation has not configured one.
func DefaultCSAFPublisher(baseURL string) CSAFPublisher {
	name := "Hikeshi"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		name = u.Hostname() + " CSIRT"
	}
	return CSAFPublisher{Category: "coordinator", Name: name, Namespace: strings.TrimRight(baseURL, "/")}
}

// CSAFPublisherCategories are the publisher categories of CSAF 2.0.
var CSAFPublisherCategories = []string{"coordinator", "discoverer", "other", "translator", "user", "vendor"}

// BuildCSAF builds the CSAF 2.0 document of one revision.
func BuildCSAF(in CSAFInput) CSAFDocument {
	c := in.Content
	lang := c.Lang
	if len(c.Languages()) > 0 {
		lang = c.Languages()[0]
	}
	other := LocaleJA
	if lang == LocaleJA {
		other = LocaleEN
	}
	title, body := c.TitleIn(lang), c.BodyIn(lang)
	doc := CSAFDocument{Document: CSAFMeta{
		Category:    string(c.Category),
		CSAFVersion: "2.0",
		Lang:        string(lang),
		Publisher:   in.Publisher,
		Title:       title,
	}}
	d := &doc.Document
	d.Distribution = CSAFDistribution{
		Text: "TLP:" + string(c.TLP) + tlpDistributionText[c.TLP],
		TLP:  &CSAFTLP{Label: CSAFTLPLabel(c.TLP), URL: "https://www.first.org/tlp/"},
	}
	summaryTitle := map[Locale]string{LocaleJA: "概要", LocaleEN: "Summary"}
	if body != "" {
		d.Notes = append(d.Notes, CSAFNote{Category: "summary", Title: summaryTitle[lang], Text: body})
	}
	if c.TitleIn(other) != title && slices.Contains(c.Languages(), other) {
		label := map[Locale]string{LocaleJA: "日本語版: ", LocaleEN: "English version: "}[other]
		d.Notes = append(d.Notes, CSAFNote{Category: "general", Title: label + c.TitleIn(other), Text: c.BodyIn(other)})
	}
	if in.SelfURL != "" {
		d.References = append(d.References, CSAFReference{Category: "self", Summary: "URL of this document", URL: in.SelfURL})
	}
	for _, r := range c.References {
		d.References = append(d.References, CSAFReference{Category: "external", Summary: r.Summary, URL: r.URL})
	}
	hist := slices.Clone(in.History)
	slices.SortFunc(hist, func(a, b AdvisoryRevision) int { return cmp.Compare(a.Number, b.Number) })
	t := CSAFTracking{ID: in.TrackingID, Status: "final"}
	if c.Interim {
		t.Status = "interim"
	}
	for _, h := range hist {
		t.RevisionHistory = append(t.RevisionHistory, CSAFRevision{Date: CSAFTime(h.PublishedAt), Number: strconv.Itoa(h.Number), Summary: h.Summary})
	}
	if len(hist) > 0 {
		t.InitialReleaseDate = CSAFTime(hist[0].PublishedAt)
		last := hist[len(hist)-1]
		t.CurrentReleaseDate, t.Version = CSAFTime(last.PublishedAt), strconv.Itoa(last.Number)
	}
	t.Generator = &CSAFGenerator{Date: CSAFTime(in.Generated), Engine: CSAFEngine{Name: "Hikeshi", Version: in.EngineVersion}}
	d.Tracking = t

	// Product tree: vendor → product name → version (or version range) → product.
	var ids []string
	var affected, fixed []string
	type rem struct{ cat, details string }
	var rems []rem
	remIDs := map[rem][]string{}
	if len(c.Products) > 0 {
		tree := &CSAFProductTree{}
		for i, p := range c.Products {
			id := fmt.Sprintf("CSAFPID-%04d", i+1)
			ids = append(ids, id)
			vi := slices.IndexFunc(tree.Branches, func(b CSAFBranch) bool { return b.Name == p.Vendor })
			if vi < 0 {
				tree.Branches = append(tree.Branches, CSAFBranch{Category: "vendor", Name: p.Vendor})
				vi = len(tree.Branches) - 1
			}
			vb := &tree.Branches[vi]
			pi := slices.IndexFunc(vb.Branches, func(b CSAFBranch) bool { return b.Name == p.Product })
			if pi < 0 {
				vb.Branches = append(vb.Branches, CSAFBranch{Category: "product_name", Name: p.Product})
				pi = len(vb.Branches) - 1
			}
			cat := "product_version"
			if IsVersionRange(p.Versions) {
				cat = "product_version_range"
			}
			vb.Branches[pi].Branches = append(vb.Branches[pi].Branches, CSAFBranch{Category: cat, Name: p.Versions,
				Product: &CSAFProduct{Name: p.Vendor + " " + p.Product + " " + p.Versions, ProductID: id}})
			if p.Status == ProductFixed {
				fixed = append(fixed, id)
			} else {
				affected = append(affected, id)
			}
			if p.Remediation != "" {
				k := rem{string(p.Remediation), p.RemediationDetails}
				if _, ok := remIDs[k]; !ok {
					rems = append(rems, k)
				}
				remIDs[k] = append(remIDs[k], id)
			}
		}
		doc.ProductTree = tree
	}

	// Vulnerabilities: one per CVE id, or one without when none is known.
	cves := c.CVEs
	if len(cves) == 0 && (len(ids) > 0 || c.Category == AdvisorySecurity) {
		cves = []string{""}
	}
	for _, cve := range cves {
		v := CSAFVulnerability{CVE: cve, Title: title,
			Notes: []CSAFNote{{Category: "summary", Title: summaryTitle[lang], Text: title}}}
		if len(ids) > 0 {
			v.ProductStatus = &CSAFProductStatus{KnownAffected: affected, Fixed: fixed}
		}
		for _, r := range rems {
			v.Remediations = append(v.Remediations, CSAFRemediation{Category: r.cat, Details: r.details, ProductIDs: remIDs[r]})
		}
		if cv, err := ParseCVSS31(c.CVSS); err == nil && len(ids) > 0 {
			scored := affected
			if len(scored) == 0 {
				scored = ids
			}
			s := cv.BaseScore()
			v.Scores = []CSAFScore{{CVSSV3: &CSAFCVSSV3{Version: "3.1", VectorString: cv.Vector, BaseScore: s, BaseSeverity: CVSSSeverity(s)}, Products: scored}}
		}
		doc.Vulnerabilities = append(doc.Vulnerabilities, v)
	}
	return doc
}

var tlpDistributionText = map[TLP]string{
	TLPClear:       " — may be shared without restriction.",
	TLPGreen:       " — may be shared within the community, not publicly.",
	TLPAmber:       " — may be shared within the recipient's organisation and its clients on a need-to-know basis.",
	TLPAmberStrict: " — may be shared only within the recipient's organisation (TLP 2.0 AMBER+STRICT; CSAF 2.0 has no such label and carries it as AMBER).",
	TLPRed:         " — for the named recipients only.",
}

var versionRangeWords = regexp.MustCompile(`(?i)(<|>|\b(after|all|before|earlier|later|prior|versions)\b)`)

// IsVersionRange reports whether a version text describes a range (CSAF 6.1.31):
// such text goes into a product_version_range branch.
func IsVersionRange(s string) bool {
	return versionRangeWords.MatchString(s) || strings.HasPrefix(s, "vers:")
}

// CSAFProblem is one failed check of a CSAF document.
type CSAFProblem struct {
	Test    string // "schema" or the mandatory test's number, e.g. "6.1.16"
	Path    string // JSON path of the offending value, e.g. /document/tracking/version
	Message string
}

func (p CSAFProblem) String() string {
	if p.Test == "schema" {
		return fmt.Sprintf("CSAF schema: %s: %s", p.Path, p.Message)
	}
	return fmt.Sprintf("CSAF %s: %s: %s", p.Test, p.Path, p.Message)
}

var (
	csafLangRe    = regexp.MustCompile(`^(([A-Za-z]{2,3}(-[A-Za-z]{3}(-[A-Za-z]{3}){0,2})?|[A-Za-z]{4,8})(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-[A-WY-Za-wy-z0-9](-[A-Za-z0-9]{2,8})+)*(-[Xx](-[A-Za-z0-9]{1,8})+)?|[Xx](-[A-Za-z0-9]{1,8})+|[Ii]-[Dd][Ee][Ff][Aa][Uu][Ll][Tt]|[Ii]-[Mm][Ii][Nn][Gg][Oo])$`)
	csafVersionRe = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	csafIDRe      = regexp.MustCompile(`^[\S](.*[\S])?$`)
	csafCatRe     = regexp.MustCompile(`^[^\s\-_\.](.*[^\s\-_\.])?$`)
)

// ValidateCSAF checks a document Hikeshi built: the JSON schema's
// requirements for the parts Hikeshi writes and the mandatory tests 6.1.1,
// 6.1.2, 6.1.6, 6.1.7, 6.1.8, 6.1.12, 6.1.14, 6.1.15, 6.1.16, 6.1.17,
// 6.1.21, 6.1.22, 6.1.23, 6.1.27.1–6.1.27.6 and 6.1.31. It returns every
// problem found; none means the document may be published.
func ValidateCSAF(d CSAFDocument) []CSAFProblem {
	var ps []CSAFProblem
	add := func(test, path, format string, args ...any) {
		ps = append(ps, CSAFProblem{Test: test, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	m := d.Document
	// Schema.
	if m.CSAFVersion != "2.0" {
		add("schema", "/document/csaf_version", "must be 2.0")
	}
	if !csafCatRe.MatchString(m.Category) {
		add("schema", "/document/category", "empty or badly formed category")
	}
	if strings.TrimSpace(m.Title) == "" {
		add("schema", "/document/title", "the title is required")
	}
	if !slices.Contains(CSAFPublisherCategories, m.Publisher.Category) {
		add("schema", "/document/publisher/category", "unknown publisher category %q", m.Publisher.Category)
	}
	if m.Publisher.Name == "" {
		add("schema", "/document/publisher/name", "the publisher's name is required")
	}
	if u, err := url.Parse(m.Publisher.Namespace); err != nil || u.Scheme == "" || u.Host == "" {
		add("schema", "/document/publisher/namespace", "the namespace must be an absolute URL")
	}
	if m.Distribution.TLP == nil && m.Distribution.Text == "" {
		add("schema", "/document/distribution", "needs a TLP label or a text")
	}
	if m.Distribution.TLP != nil && !slices.Contains([]string{"WHITE", "GREEN", "AMBER", "RED"}, m.Distribution.TLP.Label) {
		add("schema", "/document/distribution/tlp/label", "CSAF 2.0 labels are WHITE, GREEN, AMBER and RED, not %q", m.Distribution.TLP.Label)
	}
	for i, n := range m.Notes {
		checkNote(add, fmt.Sprintf("/document/notes/%d", i), n)
	}
	for i, r := range m.References {
		p := fmt.Sprintf("/document/references/%d", i)
		if r.Category != "" && r.Category != "external" && r.Category != "self" {
			add("schema", p+"/category", "unknown reference category %q", r.Category)
		}
		if r.Summary == "" {
			add("schema", p+"/summary", "a reference needs a summary")
		}
		if u, err := url.Parse(r.URL); err != nil || u.Scheme == "" {
			add("schema", p+"/url", "not an absolute URL")
		}
	}
	// 6.1.12 Language.
	if m.Lang == "" || !csafLangRe.MatchString(m.Lang) {
		add("6.1.12", "/document/lang", "%q is not a valid language tag", m.Lang)
	}
	t := m.Tracking
	if !csafIDRe.MatchString(t.ID) {
		add("schema", "/document/tracking/id", "empty or surrounded by white space")
	}
	if !slices.Contains([]string{"draft", "final", "interim"}, t.Status) {
		add("schema", "/document/tracking/status", "unknown status %q", t.Status)
	}
	for _, f := range []struct{ path, val string }{{"current_release_date", t.CurrentReleaseDate}, {"initial_release_date", t.InitialReleaseDate}} {
		if _, err := time.Parse(time.RFC3339, f.val); err != nil {
			add("schema", "/document/tracking/"+f.path, "not an RFC 3339 date-time")
		}
	}
	if !csafVersionRe.MatchString(t.Version) {
		add("schema", "/document/tracking/version", "%q is not an integer version", t.Version)
	}
	if len(t.RevisionHistory) == 0 {
		add("schema", "/document/tracking/revision_history", "at least one revision is required")
	}
	nums := make([]int, 0, len(t.RevisionHistory))
	var last time.Time
	for i, r := range t.RevisionHistory {
		p := fmt.Sprintf("/document/tracking/revision_history/%d", i)
		n, err := strconv.Atoi(r.Number)
		if err != nil || !csafVersionRe.MatchString(r.Number) {
			add("schema", p+"/number", "%q is not an integer version", r.Number)
		}
		nums = append(nums, n)
		if r.Summary == "" {
			add("schema", p+"/summary", "a revision needs a summary")
		}
		at, err := time.Parse(time.RFC3339, r.Date)
		if err != nil {
			add("schema", p+"/date", "not an RFC 3339 date-time")
		}
		// 6.1.14 Sorted revision history: ascending numbers must have ascending dates.
		if i > 0 && at.Before(last) {
			add("6.1.14", p+"/date", "revision %s is dated before the revision above it", r.Number)
		}
		last = at
	}
	if len(nums) > 0 {
		sorted := slices.Clone(nums)
		slices.Sort(sorted)
		// 6.1.14: the items sorted by number must be sorted by date too (checked above on number order).
		if !slices.Equal(sorted, nums) {
			add("6.1.14", "/document/tracking/revision_history", "the revision history is not sorted by number")
		}
		// 6.1.16 Latest document version.
		if strconv.Itoa(sorted[len(sorted)-1]) != t.Version {
			add("6.1.16", "/document/tracking/version", "version %s is not the latest revision %d", t.Version, sorted[len(sorted)-1])
		}
		// 6.1.21 Missing item in revision history / 6.1.22 multiple definitions.
		for i := 1; i < len(sorted); i++ {
			switch {
			case sorted[i] == sorted[i-1]:
				add("6.1.22", "/document/tracking/revision_history", "revision %d appears twice", sorted[i])
			case sorted[i] != sorted[i-1]+1:
				add("6.1.21", "/document/tracking/revision_history", "revision %d is missing", sorted[i-1]+1)
			}
		}
		if sorted[0] > 1 {
			add("6.1.21", "/document/tracking/revision_history", "the history starts at %d, not 1", sorted[0])
		}
		// 6.1.17 Document status draft: version 0 only in drafts.
		if t.Version == "0" && t.Status != "draft" {
			add("6.1.17", "/document/tracking/status", "version 0 must be a draft")
		}
	}
	// 6.1.15 Translator: a translator publisher needs source_lang (Hikeshi never writes one).
	if m.Publisher.Category == "translator" {
		add("6.1.15", "/document/publisher/category", "a translator's document needs source_lang, which Hikeshi does not write")
	}

	// Products: 6.1.2 multiple definitions, 6.1.31 version ranges.
	defined := map[string]bool{}
	var walk func(path string, bs []CSAFBranch)
	walk = func(path string, bs []CSAFBranch) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/branches/%d", path, i)
			if b.Name == "" {
				add("schema", p+"/name", "a branch needs a name")
			}
			if (b.Product == nil) == (len(b.Branches) == 0) {
				add("schema", p, "a branch holds either branches or one product")
			}
			if b.Product != nil {
				if b.Product.ProductID == "" || b.Product.Name == "" {
					add("schema", p+"/product", "a product needs a name and an id")
				}
				if defined[b.Product.ProductID] {
					add("6.1.2", p+"/product/product_id", "product id %s is defined twice", b.Product.ProductID)
				}
				defined[b.Product.ProductID] = true
				if b.Category == "product_version" && IsVersionRange(b.Name) {
					add("6.1.31", p+"/name", "%q is a version range in a product_version branch", b.Name)
				}
			}
			walk(p, b.Branches)
		}
	}
	if d.ProductTree != nil {
		walk("/product_tree", d.ProductTree.Branches)
	}
	// 6.1.1 Missing definition of product id.
	ref := func(path string, ids []string) {
		for i, id := range ids {
			if !defined[id] {
				add("6.1.1", fmt.Sprintf("%s/%d", path, i), "product id %s is not defined in the product tree", id)
			}
		}
	}
	seenCVE := map[string]bool{}
	for i, v := range d.Vulnerabilities {
		p := fmt.Sprintf("/vulnerabilities/%d", i)
		if v.CVE != "" {
			if !cveRe.MatchString(v.CVE) {
				add("schema", p+"/cve", "%q is not a CVE id", v.CVE)
			}
			// 6.1.23 Multiple use of same CVE.
			if seenCVE[v.CVE] {
				add("6.1.23", p+"/cve", "%s is used by two vulnerabilities", v.CVE)
			}
			seenCVE[v.CVE] = true
		}
		for j, n := range v.Notes {
			checkNote(add, fmt.Sprintf("%s/notes/%d", p, j), n)
		}
		status := map[string]string{}
		if s := v.ProductStatus; s != nil {
			if len(s.Fixed)+len(s.KnownAffected) == 0 {
				add("schema", p+"/product_status", "needs at least one product")
			}
			ref(p+"/product_status/fixed", s.Fixed)
			ref(p+"/product_status/known_affected", s.KnownAffected)
			for _, id := range s.Fixed {
				status[id] = "fixed"
			}
			// 6.1.6 Contradicting product status.
			for j, id := range s.KnownAffected {
				if status[id] == "fixed" {
					add("6.1.6", fmt.Sprintf("%s/product_status/known_affected/%d", p, j), "product %s is both fixed and known affected", id)
				}
			}
		}
		for j, r := range v.Remediations {
			rp := fmt.Sprintf("%s/remediations/%d", p, j)
			if !slices.Contains(RemediationCategories, RemediationCategory(r.Category)) {
				add("schema", rp+"/category", "unknown remediation category %q", r.Category)
			}
			if r.Details == "" {
				add("schema", rp+"/details", "a remediation needs details")
			}
			// 6.1.29 Remediation without product reference.
			if len(r.ProductIDs) == 0 {
				add("6.1.29", rp, "a remediation must name its products")
			}
			ref(rp+"/product_ids", r.ProductIDs)
		}
		// 6.1.7 Multiple scores with same version per product.
		scored := map[string]bool{}
		for j, s := range v.Scores {
			sp := fmt.Sprintf("%s/scores/%d", p, j)
			if len(s.Products) == 0 {
				add("schema", sp+"/products", "a score needs at least one product")
			}
			ref(sp+"/products", s.Products)
			if s.CVSSV3 == nil {
				add("schema", sp, "a score needs a CVSS object")
				continue
			}
			for _, id := range s.Products {
				if scored[id] {
					add("6.1.7", sp+"/products", "product %s has two CVSS v3 scores", id)
				}
				scored[id] = true
			}
			// 6.1.8/6.1.9 Invalid CVSS and CVSS computation.
			cv, err := ParseCVSS31(s.CVSSV3.VectorString)
			switch {
			case err != nil || s.CVSSV3.Version != "3.1":
				add("6.1.8", sp+"/cvss_v3/vectorString", "not a CVSS v3.1 vector")
			case cv.BaseScore() != s.CVSSV3.BaseScore || CVSSSeverity(cv.BaseScore()) != s.CVSSV3.BaseSeverity:
				add("6.1.9", sp+"/cvss_v3/baseScore", "the score does not match the vector")
			}
		}
	}
	// 6.1.27 Profile tests.
	switch m.Category {
	case string(AdvisoryIncidentResponse):
		if !slices.ContainsFunc(m.Notes, func(n CSAFNote) bool {
			return slices.Contains([]string{"description", "details", "general", "summary"}, n.Category)
		}) {
			add("6.1.27.1", "/document/notes", "an incident response needs a note of category description, details, general or summary")
		}
		if !slices.ContainsFunc(m.References, func(r CSAFReference) bool { return r.Category == "external" }) {
			add("6.1.27.2", "/document/references", "an incident response needs at least one external reference")
		}
	case string(AdvisorySecurity):
		if d.ProductTree == nil || len(d.ProductTree.Branches) == 0 {
			add("6.1.27.4", "/product_tree", "a security advisory needs a product tree")
		}
		if len(d.Vulnerabilities) == 0 {
			add("6.1.27.5", "/vulnerabilities", "a security advisory needs at least one vulnerability")
		}
		for i, v := range d.Vulnerabilities {
			if len(v.Notes) == 0 {
				add("6.1.27.5", fmt.Sprintf("/vulnerabilities/%d/notes", i), "each vulnerability of a security advisory needs notes")
			}
			if v.ProductStatus == nil {
				add("6.1.27.6", fmt.Sprintf("/vulnerabilities/%d/product_status", i), "each vulnerability of a security advisory needs a product status")
			}
		}
	}
	return ps
}

var csafNoteCategories = []string{"description", "details", "faq", "general", "legal_disclaimer", "other", "summary"}

func checkNote(add func(test, path, format string, args ...any), p string, n CSAFNote) {
	if !slices.Contains(csafNoteCategories, n.Category) {
		add("schema", p+"/category", "unknown note category %q", n.Category)
	}
	if n.Text == "" {
		add("schema", p+"/text", "a note needs text")
	}
}
