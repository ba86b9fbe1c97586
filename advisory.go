package hikeshi

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Advisories (IM-3): the CSIRT's warnings (注意喚起) to its constituency,
// TLP-marked and versioned, published internally, by mail and as CSAF 2.0.
//
// An advisory is a working copy (its AdvisoryContent) that moves
//
//	draft → in_review → approved → published
//
// and, once published, back to draft when it is changed again. Every
// publication freezes the content into a new AdvisoryRevision (1, 2, 3, …)
// together with the exact CSAF 2.0 document built and validated for it;
// readers who are not CSIRT see only the latest revision, never the working
// copy. Approval must come from someone other than the people who wrote or
// submitted the change (decision 0039).

// AdvisoryCategory is the CSAF profile of an advisory.
type AdvisoryCategory string

// The categories: the two CSAF 2.0 profiles Hikeshi writes.
const (
	AdvisorySecurity         AdvisoryCategory = "csaf_security_advisory"
	AdvisoryIncidentResponse AdvisoryCategory = "csaf_security_incident_response"
)

// AdvisoryCategories lists every category.
var AdvisoryCategories = []AdvisoryCategory{AdvisorySecurity, AdvisoryIncidentResponse}

// Valid reports whether c is a known category.
func (c AdvisoryCategory) Valid() bool { return slices.Contains(AdvisoryCategories, c) }

// AdvisoryStatus is where the working copy of an advisory stands.
type AdvisoryStatus string

// The statuses.
const (
	AdvisoryDraft     AdvisoryStatus = "draft"
	AdvisoryInReview  AdvisoryStatus = "in_review"
	AdvisoryApproved  AdvisoryStatus = "approved"
	AdvisoryPublished AdvisoryStatus = "published"
)

// AdvisoryStatuses lists every status in workflow order.
var AdvisoryStatuses = []AdvisoryStatus{AdvisoryDraft, AdvisoryInReview, AdvisoryApproved, AdvisoryPublished}

// Valid reports whether s is a known status.
func (s AdvisoryStatus) Valid() bool { return slices.Contains(AdvisoryStatuses, s) }

// ProductStatus is what an advisory says about one product version.
type ProductStatus string

// The product statuses (CSAF product_status groups).
const (
	ProductKnownAffected ProductStatus = "known_affected"
	ProductFixed         ProductStatus = "fixed"
)

// ProductStatuses lists every product status.
var ProductStatuses = []ProductStatus{ProductKnownAffected, ProductFixed}

// Valid reports whether s is a known product status.
func (s ProductStatus) Valid() bool { return slices.Contains(ProductStatuses, s) }

// RemediationCategory is the kind of remedy for a product (CSAF 2.0 names).
type RemediationCategory string

// The remediation categories.
const (
	RemediationVendorFix     RemediationCategory = "vendor_fix"
	RemediationWorkaround    RemediationCategory = "workaround"
	RemediationMitigation    RemediationCategory = "mitigation"
	RemediationNoneAvailable RemediationCategory = "none_available"
	RemediationNoFixPlanned  RemediationCategory = "no_fix_planned"
)

// RemediationCategories lists every category; "" (no remediation) is valid too.
var RemediationCategories = []RemediationCategory{RemediationVendorFix, RemediationWorkaround,
	RemediationMitigation, RemediationNoneAvailable, RemediationNoFixPlanned}

// Valid reports whether c is empty or a known category.
func (c RemediationCategory) Valid() bool {
	return c == "" || slices.Contains(RemediationCategories, c)
}

// AdvisoryProduct is one affected (or fixed) product version and its remedy.
type AdvisoryProduct struct {
	Vendor             string              `json:"vendor"`
	Product            string              `json:"product"`
	Versions           string              `json:"versions"` // e.g. "2.4.1" or "< 2.4.2"
	Status             ProductStatus       `json:"status"`
	Remediation        RemediationCategory `json:"remediation,omitempty"`
	RemediationDetails string              `json:"remediation_details,omitempty"`
}

// AdvisoryReference is a link with a short summary.
type AdvisoryReference struct {
	URL     string `json:"url"`
	Summary string `json:"summary"`
}

// AdvisoryContent is what an author writes and what a revision freezes.
type AdvisoryContent struct {
	// Lang is the primary language: the CSAF document's document.lang; the
	// other language, when written, travels as a note (decision 0039).
	Lang       Locale              `json:"lang"`
	TitleJA    string              `json:"title_ja,omitempty"`
	TitleEN    string              `json:"title_en,omitempty"`
	BodyJA     string              `json:"body_ja,omitempty"`
	BodyEN     string              `json:"body_en,omitempty"`
	Category   AdvisoryCategory    `json:"category"`
	TLP        TLP                 `json:"tlp"`
	IncidentID string              `json:"incident_id,omitempty"` // incident response only
	Products   []AdvisoryProduct   `json:"products,omitempty"`
	CVEs       []string            `json:"cves,omitempty"`
	CVSS       string              `json:"cvss,omitempty"` // a CVSS v3.1 vector, stored as given
	References []AdvisoryReference `json:"references,omitempty"`
	// Interim marks a publication as provisional (CSAF tracking.status interim).
	Interim bool `json:"interim,omitempty"`
}

// Title is the title in the primary language, else the other one.
func (c AdvisoryContent) Title() string { return c.TitleIn(c.Lang) }

// TitleIn is the title in l, falling back to the other language.
func (c AdvisoryContent) TitleIn(l Locale) string {
	if l == LocaleEN && c.TitleEN != "" || c.TitleJA == "" {
		return c.TitleEN
	}
	return c.TitleJA
}

// BodyIn is the text in l, falling back to the other language.
func (c AdvisoryContent) BodyIn(l Locale) string {
	if l == LocaleEN && c.TitleEN != "" || c.TitleJA == "" {
		return c.BodyEN
	}
	return c.BodyJA
}

// Languages lists the languages the advisory is written in, primary first.
func (c AdvisoryContent) Languages() []Locale {
	var out []Locale
	if c.TitleJA != "" {
		out = append(out, LocaleJA)
	}
	if c.TitleEN != "" {
		out = append(out, LocaleEN)
	}
	if len(out) == 2 && c.Lang == LocaleEN {
		out[0], out[1] = LocaleEN, LocaleJA
	}
	return out
}

// Advisory is one advisory: its working copy and where it stands.
type Advisory struct {
	ID         string
	TrackingID string // ADV-2026-0001; CSAF document.tracking.id
	AdvisoryContent
	Status AdvisoryStatus
	// Revision is the latest published revision's number; 0 = never published.
	Revision int
	// PublishedTLP and PublishedCategory are the latest revision's: what
	// readers outside the CSIRT and the CSAF provider go by.
	PublishedTLP      TLP
	PublishedCategory AdvisoryCategory
	Recipients        []string // the mail list of this advisory
	AuthorID          string
	Editors           []string // everyone who saved the working copy since the last publication
	SubmittedBy       string
	SubmittedAt       time.Time
	ApprovedBy        string
	ApprovedAt        time.Time
	InitialRelease    time.Time // the first publication
	CurrentRelease    time.Time // the latest publication
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Published reports whether at least one revision was published.
func (a Advisory) Published() bool { return a.Revision > 0 }

// Contributors are the people who wrote or submitted the pending change:
// none of them may approve it.
func (a Advisory) Contributors() []string {
	var out []string
	for _, id := range append(append([]string{a.AuthorID}, a.Editors...), a.SubmittedBy) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// AdvisoryRevision is one publication of an advisory, frozen.
type AdvisoryRevision struct {
	ID          string
	AdvisoryID  string
	Number      int    // 1, 2, 3, … per advisory
	Summary     string // what changed, for the revision history
	Content     AdvisoryContent
	CSAF        string // the CSAF 2.0 JSON document exactly as published
	PublishedBy string
	ApprovedBy  string
	PublishedAt time.Time
}

// CanWriteAdvisories reports whether the actor writes, reviews and publishes
// advisories and sees drafts: the CSIRT and admins.
func (a Actor) CanWriteAdvisories() bool { return a.Role == RoleCSIRT || a.Role == RoleAdmin }

// AdvisoryTLPsFor lists the TLP labels of published advisories the actor may
// read: every label for CSIRT and admins (and the system), CLEAR, GREEN and
// AMBER for every other signed-in role, nothing for nobody.
func AdvisoryTLPsFor(a Actor) []TLP {
	switch {
	case a.CanWriteAdvisories() || a.IsSystem():
		return TLPs
	case a.UserID != "" && a.Role.Valid():
		return []TLP{TLPClear, TLPGreen, TLPAmber}
	}
	return nil
}

// Limits of advisory fields.
const (
	MaxAdvisoryTitleLen      = 200
	MaxAdvisoryBodyLen       = 20000
	MaxAdvisoryProducts      = 50
	MaxAdvisoryProductField  = 200
	MaxAdvisoryRemediation   = 2000
	MaxAdvisoryCVEs          = 20
	MaxAdvisoryReferences    = 20
	MaxAdvisoryURLLen        = 2048
	MaxAdvisoryRefSummaryLen = 500
	MaxAdvisoryRecipients    = 100
	MaxRevisionSummaryLen    = 500
)

// AdvisoryNumberPrefix starts every tracking id.
const AdvisoryNumberPrefix = "ADV"

// AdvisoryCounter names the counter of a year's tracking ids.
func AdvisoryCounter(year int) string { return fmt.Sprintf("advisory-%d", year) }

// AdvisoryTrackingID is the n-th tracking id of year.
func AdvisoryTrackingID(year int, n int64) string {
	return fmt.Sprintf("%s-%d-%04d", AdvisoryNumberPrefix, year, n)
}

var cveRe = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// ValidCVE reports whether s is a CVE id (CVE-YYYY-NNNN…).
func ValidCVE(s string) bool { return len(s) <= 40 && cveRe.MatchString(s) }

// NormalizeAdvisory trims the fields of c and drops empty list rows (a form
// always sends a few blank product and reference rows).
func NormalizeAdvisory(c AdvisoryContent) AdvisoryContent {
	c.TitleJA, c.TitleEN = strings.TrimSpace(c.TitleJA), strings.TrimSpace(c.TitleEN)
	c.BodyJA, c.BodyEN = strings.TrimSpace(c.BodyJA), strings.TrimSpace(c.BodyEN)
	c.CVSS, c.IncidentID = strings.TrimSpace(c.CVSS), strings.TrimSpace(c.IncidentID)
	var ps []AdvisoryProduct
	for _, p := range c.Products {
		p.Vendor, p.Product, p.Versions = strings.TrimSpace(p.Vendor), strings.TrimSpace(p.Product), strings.TrimSpace(p.Versions)
		p.RemediationDetails = strings.TrimSpace(p.RemediationDetails)
		if p.Vendor == "" && p.Product == "" && p.Versions == "" && p.RemediationDetails == "" {
			continue
		}
		ps = append(ps, p)
	}
	c.Products = ps
	var cves []string
	for _, id := range c.CVEs {
		if id = strings.ToUpper(strings.TrimSpace(id)); id != "" {
			cves = append(cves, id)
		}
	}
	c.CVEs = cves
	var refs []AdvisoryReference
	for _, r := range c.References {
		r.URL, r.Summary = strings.TrimSpace(r.URL), strings.TrimSpace(r.Summary)
		if r.URL == "" && r.Summary == "" {
			continue
		}
		refs = append(refs, r)
	}
	c.References = refs
	return c
}

// ValidateAdvisory checks normalised content and records field errors on v.
// Field names are those of the API: title_ja, products[0].vendor, cves[1], ….
func ValidateAdvisory(v *ValidationError, c AdvisoryContent) {
	if c.Lang != LocaleJA && c.Lang != LocaleEN {
		v.Add("lang", "unknown", "the primary language is ja or en")
	}
	if c.TitleJA == "" && c.TitleEN == "" {
		v.Add("title_ja", "required", "a title in Japanese or English is required")
	}
	for _, f := range []struct {
		field, title, body string
		l                  Locale
	}{{"ja", c.TitleJA, c.BodyJA, LocaleJA}, {"en", c.TitleEN, c.BodyEN, LocaleEN}} {
		ValidateText(v, "title_"+f.field, f.title, MaxAdvisoryTitleLen, false)
		if strings.ContainsAny(f.title, "\r\n") {
			v.Add("title_"+f.field, "invalid_text", "the title is one line")
		}
		ValidateText(v, "body_"+f.field, f.body, MaxAdvisoryBodyLen, false)
		if f.body != "" && f.title == "" {
			v.Add("title_"+f.field, "required", "text in this language needs a title in it too")
		}
		if f.title != "" && f.body == "" {
			v.Add("body_"+f.field, "required", "a title in this language needs the text in it too")
		}
		if f.l == c.Lang && f.title == "" && (c.TitleJA != "" || c.TitleEN != "") {
			v.Add("lang", "lang_unwritten", "the primary language must be one the advisory is written in")
		}
	}
	if !c.Category.Valid() {
		v.Add("category", "unknown", "unknown category")
	}
	if !c.TLP.Valid() {
		v.Add("tlp", "unknown", "unknown TLP label")
	}
	if c.IncidentID != "" && c.Category != AdvisoryIncidentResponse {
		v.Add("incident_id", "incident_category", "only an incident response advisory links an incident")
	}
	if len(c.Products) > MaxAdvisoryProducts {
		v.Add("products", "too_many", fmt.Sprintf("at most %d products", MaxAdvisoryProducts))
	}
	if c.Category == AdvisorySecurity && len(c.Products) == 0 {
		v.Add("products", "products_required", "a security advisory names at least one affected or fixed product")
	}
	seen := map[string]bool{}
	for i, p := range c.Products {
		f := fmt.Sprintf("products[%d].", i)
		for _, x := range []struct{ name, val string }{{"vendor", p.Vendor}, {"product", p.Product}, {"versions", p.Versions}} {
			ValidateText(v, f+x.name, x.val, MaxAdvisoryProductField, true)
			if strings.ContainsAny(x.val, "\r\n\t") {
				v.Add(f+x.name, "invalid_text", "one line without tabs")
			}
		}
		if !p.Status.Valid() {
			v.Add(f+"status", "unknown", "the status is known_affected or fixed")
		}
		if !p.Remediation.Valid() {
			v.Add(f+"remediation", "unknown", "unknown remediation category")
		}
		ValidateText(v, f+"remediation_details", p.RemediationDetails, MaxAdvisoryRemediation, p.Remediation != "")
		if p.Remediation == "" && p.RemediationDetails != "" {
			v.Add(f+"remediation", "remediation_kind", "say what kind of remediation the details describe")
		}
		key := strings.ToLower(p.Vendor + "\x00" + p.Product + "\x00" + p.Versions)
		if seen[key] {
			v.Add(f+"versions", "duplicate", "this product version is listed twice")
		}
		seen[key] = true
	}
	if len(c.CVEs) > MaxAdvisoryCVEs {
		v.Add("cves", "too_many", fmt.Sprintf("at most %d CVE ids", MaxAdvisoryCVEs))
	}
	for i, id := range c.CVEs {
		if !ValidCVE(id) {
			v.Add(fmt.Sprintf("cves[%d]", i), "invalid_cve", "not a CVE id like CVE-2026-12345")
		} else if slices.Index(c.CVEs, id) < i {
			v.Add(fmt.Sprintf("cves[%d]", i), "duplicate", "this CVE id is listed twice")
		}
	}
	if c.CVSS != "" {
		if _, err := ParseCVSS31(c.CVSS); err != nil {
			v.Add("cvss", "invalid_cvss", err.Error())
		}
	}
	if len(c.References) > MaxAdvisoryReferences {
		v.Add("references", "too_many", fmt.Sprintf("at most %d references", MaxAdvisoryReferences))
	}
	for i, r := range c.References {
		f := fmt.Sprintf("references[%d].", i)
		ValidateWebURL(v, f+"url", r.URL)
		ValidateText(v, f+"summary", r.Summary, MaxAdvisoryRefSummaryLen, true)
		if strings.ContainsAny(r.Summary, "\r\n") {
			v.Add(f+"summary", "invalid_text", "the summary is one line")
		}
	}
}

// ValidateWebURL checks an absolute https or http address of at most
// MaxAdvisoryURLLen characters with a host and no spaces.
func ValidateWebURL(v *ValidationError, field, s string) {
	switch {
	case s == "":
		v.Add(field, "required", "an address is required")
		return
	case len(s) > MaxAdvisoryURLLen:
		v.Add(field, "too_long", fmt.Sprintf("the address is longer than %d characters", MaxAdvisoryURLLen))
		return
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= 0x20 || r == 0x7f }):
		v.Add(field, "invalid_url", "the address contains spaces or control characters")
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		v.Add(field, "invalid_url", "not a web address like https://example.org/advisory")
	}
}

// ValidateRecipients checks a mail list.
func ValidateRecipients(v *ValidationError, addrs []string) {
	if len(addrs) > MaxAdvisoryRecipients {
		v.Add("recipients", "too_many", fmt.Sprintf("at most %d addresses", MaxAdvisoryRecipients))
		return
	}
	for i, a := range addrs {
		ValidateEmail(v, fmt.Sprintf("recipients[%d]", i), a)
	}
}

// AdvisoryFilter selects advisories, newest first.
type AdvisoryFilter struct {
	// PublishedOnly leaves out advisories never published.
	PublishedOnly bool
	// TLPs keeps only published advisories whose latest revision carries one
	// of these labels (and, unless Drafts, only published ones); nil = all.
	TLPs []TLP
	// Drafts keeps never-published advisories too when TLPs is set.
	Drafts bool
	Page
}

// AdvisoryReader is the read side of advisories.
type AdvisoryReader interface {
	FindAdvisoryByID(ctx context.Context, id string) (Advisory, error)
	FindAdvisoryByTrackingID(ctx context.Context, trackingID string) (Advisory, error)
	FindAdvisories(ctx context.Context, f AdvisoryFilter) ([]Advisory, error)
	// FindAdvisoryRevisions lists an advisory's revisions, newest first.
	FindAdvisoryRevisions(ctx context.Context, advisoryID string) ([]AdvisoryRevision, error)
	FindAdvisoryRevision(ctx context.Context, advisoryID string, number int) (AdvisoryRevision, error)
}

// AdvisoryWriter is the write side of advisories.
type AdvisoryWriter interface {
	// CreateAdvisory inserts an advisory; a tracking id in use is ErrConflict.
	CreateAdvisory(ctx context.Context, a Advisory) error
	// UpdateAdvisory writes every field of a except ID, TrackingID, AuthorID and CreatedAt.
	UpdateAdvisory(ctx context.Context, a Advisory) error
	CreateAdvisoryRevision(ctx context.Context, r AdvisoryRevision) error
}
