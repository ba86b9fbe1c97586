package web

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IM-3: advisories (注意喚起) — the list of
// published advisories (and, for the CSIRT, drafts), the editor, the review
// and publication steps, the Atom feeds, the CSAF export of each revision,
// and the CSAF provider's public endpoints under /.well-known/csaf/ (TLP:CLEAR
// only). The service decides who sees what.

const advisoriesPageSize = 50

// registerAdvisories mounts the advisories' pages and the CSAF provider's
// public endpoints (IM-3).
func (h *Handler) registerAdvisories(handle handleFunc) {
	handle("GET /advisories", signedIn, h.advisoryList)
	handle("GET /advisories/new", signedIn, h.advisoryNew)
	handle("POST /advisories", signedIn, h.advisoryCreate)
	handle("GET /advisories/feed.atom", signedIn, h.advisoryFeed)
	handle("GET /advisories/public.atom", public, h.advisoryPublicFeed)
	handle("GET /advisories/settings", signedIn, h.advisorySettings)
	handle("POST /advisories/settings", signedIn, h.advisorySettingsSave)
	handle("GET /advisories/{id}", signedIn, h.advisoryShow)
	handle("GET /advisories/{id}/edit", signedIn, h.advisoryEdit)
	handle("POST /advisories/{id}", signedIn, h.advisoryUpdate)
	handle("POST /advisories/{id}/submit", signedIn, h.advisoryStep("submit"))
	handle("POST /advisories/{id}/return", signedIn, h.advisoryStep("return"))
	handle("POST /advisories/{id}/approve", signedIn, h.advisoryStep("approve"))
	handle("POST /advisories/{id}/publish", signedIn, h.advisoryStep("publish"))
	handle("GET /advisories/{id}/csaf.json", signedIn, h.advisoryCSAF)

	handle("GET /.well-known/csaf/provider-metadata.json", public, h.csafProviderMetadata)
	handle("GET /.well-known/csaf/white/{$}", public, h.csafWhiteDir)
	handle("GET /.well-known/csaf/white/index.txt", public, h.csafIndex)
	handle("GET /.well-known/csaf/white/changes.csv", public, h.csafChanges)
	handle("GET /.well-known/csaf/white/{year}/{$}", public, h.csafYearDir)
	handle("GET /.well-known/csaf/white/{year}/{file}", public, h.csafFile)
}

// AdvisoryTitle is the advisory's title in the page's language (else the other).
func (p *page) AdvisoryTitle(c hikeshi.AdvisoryContent) string { return c.TitleIn(p.Lang) }

// AdvisoryStatusName is the localised name of an advisory's status.
func (p *page) AdvisoryStatusName(s hikeshi.AdvisoryStatus) string {
	return p.T("advisories.status." + string(s))
}

// AdvisoryCategoryName is the localised name of a CSAF profile.
func (p *page) AdvisoryCategoryName(c hikeshi.AdvisoryCategory) string {
	return p.T("advisories.category." + string(c))
}

// advisoryListView is one page of advisories, newest first.
type advisoryListView struct {
	page
	Items     []hikeshi.Advisory
	CanCreate bool
	CanAdmin  bool
	NextURL   string
}

func (h *Handler) advisoryList(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	items, err := h.svc.Advisories.List(r.Context(), a, hikeshi.AdvisoryFilter{Page: hikeshi.Page{After: after, Limit: advisoriesPageSize + 1}})
	if err != nil {
		return err
	}
	v := &advisoryListView{CanCreate: a.CanWriteAdvisories(), CanAdmin: a.CanAdminister()}
	if len(items) > advisoriesPageSize {
		items = items[:advisoriesPageSize]
		v.NextURL = "/advisories?" + url.Values{"after": {items[len(items)-1].ID}}.Encode()
	}
	v.Items, v.Active = items, "advisories"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "advisories")
	v.Title = v.T("title.advisories")
	return h.render(w, r, http.StatusOK, "advisories_list", v)
}

// advisoryProductRow and advisoryRefRow are rows of the editor.
type advisoryProductRow struct {
	hikeshi.AdvisoryProduct
	I, N int // index and number shown
}

type advisoryRefRow struct {
	hikeshi.AdvisoryReference
	I, N int
}

// advisoryFormView is the editor, for a new advisory or a change.
type advisoryFormView struct {
	page
	ID         string // empty: a new advisory
	TrackingID string
	Form       service.AdvisoryInput
	CVEs       string // one a line
	Recipients string // one a line
	Products   []advisoryProductRow
	Refs       []advisoryRefRow
	CSAFErrors []string
	Categories []hikeshi.AdvisoryCategory
	TLPs       []hikeshi.TLP
	Statuses   []hikeshi.ProductStatus
	Remedies   []hikeshi.RemediationCategory
}

// RowErr is the message of the field of a row ("products[2].vendor").
func (v *advisoryFormView) RowErr(list string, i int, field string) string {
	return v.Errors[fmt.Sprintf("%s[%d].%s", list, i, field)]
}

func (h *Handler) renderAdvisoryForm(w http.ResponseWriter, r *http.Request, status int, v *advisoryFormView) error {
	v.Active = "advisories"
	h.fill(r, &v.page)
	if v.ID == "" {
		v.Title = v.T("title.advisories_new")
	} else {
		v.Title = v.T("title.advisories_edit", v.TrackingID)
	}
	v.Categories, v.TLPs, v.Statuses, v.Remedies = hikeshi.AdvisoryCategories, hikeshi.TLPs, hikeshi.ProductStatuses, hikeshi.RemediationCategories
	v.CVEs, v.Recipients = strings.Join(v.Form.CVEs, "\n"), strings.Join(v.Form.Recipients, "\n")
	v.Products, v.Refs = nil, nil
	for i, p := range v.Form.Products {
		v.Products = append(v.Products, advisoryProductRow{p, i, i + 1})
	}
	for range 2 {
		v.Products = append(v.Products, advisoryProductRow{hikeshi.AdvisoryProduct{Status: hikeshi.ProductKnownAffected}, len(v.Products), len(v.Products) + 1})
	}
	for i, ref := range v.Form.References {
		v.Refs = append(v.Refs, advisoryRefRow{ref, i, i + 1})
	}
	for range 2 {
		v.Refs = append(v.Refs, advisoryRefRow{I: len(v.Refs), N: len(v.Refs) + 1})
	}
	return h.render(w, r, status, "advisories_form", v)
}

func (h *Handler) advisoryNew(w http.ResponseWriter, r *http.Request) error {
	if !h.stateOf(r).actor().CanWriteAdvisories() {
		return hikeshi.ErrNotFound
	}
	st := h.stateOf(r)
	lang := st.lang
	if lang != hikeshi.LocaleEN {
		lang = hikeshi.LocaleJA
	}
	v := &advisoryFormView{Form: service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{Lang: lang,
		Category: hikeshi.AdvisorySecurity, TLP: hikeshi.TLPClear}}}
	return h.renderAdvisoryForm(w, r, http.StatusOK, v)
}

// maxFormRows bounds the rows of a list read from a form.
const maxFormRows = 200

// readAdvisoryForm reads the editor's fields.
func readAdvisoryForm(r *http.Request) service.AdvisoryInput {
	in := service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{
		Lang: hikeshi.Locale(trimmed(r, "lang")), TitleJA: formValue(r, "title_ja"), BodyJA: formValue(r, "body_ja"),
		TitleEN: formValue(r, "title_en"), BodyEN: formValue(r, "body_en"),
		Category: hikeshi.AdvisoryCategory(trimmed(r, "category")), TLP: hikeshi.TLP(trimmed(r, "tlp")),
		IncidentID: trimmed(r, "incident_id"), CVSS: trimmed(r, "cvss"), Interim: r.PostFormValue("interim") == "1",
	}}
	lines := func(s string) []string {
		var out []string
		for l := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' || r == '\t' }) {
			if len(out) < maxFormRows {
				out = append(out, l)
			}
		}
		return out
	}
	in.CVEs, in.Recipients = lines(r.PostFormValue("cves")), lines(r.PostFormValue("recipients"))
	f := r.PostForm
	col := func(name string, i int) string {
		if vs := f[name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i := range min(len(f["product_vendor"]), maxFormRows) {
		in.Products = append(in.Products, hikeshi.AdvisoryProduct{Vendor: col("product_vendor", i), Product: col("product_product", i),
			Versions: col("product_versions", i), Status: hikeshi.ProductStatus(col("product_status", i)),
			Remediation: hikeshi.RemediationCategory(col("product_remediation", i)), RemediationDetails: col("product_details", i)})
	}
	for i := range min(len(f["ref_url"]), maxFormRows) {
		in.References = append(in.References, hikeshi.AdvisoryReference{URL: col("ref_url", i), Summary: col("ref_summary", i)})
	}
	// Blank rows are dropped as the service does, so the row numbers of
	// field errors match what is shown again.
	c := hikeshi.NormalizeAdvisory(in.AdvisoryContent)
	in.Products, in.References = c.Products, c.References
	return in
}

// advisoryErrors localises the field errors of the editor; CSAF rule
// failures are listed apart, each naming its rule.
func (h *Handler) advisoryErrors(r *http.Request, v *advisoryFormView, err error) bool {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	h.fill(r, &v.page)
	v.Errors = map[string]string{}
	for _, f := range ve.Fields {
		switch {
		case f.Field == "csaf":
			v.CSAFErrors = append(v.CSAFErrors, f.Message)
			continue
		case f.Code == "invalid_cvss":
			var ce *hikeshi.CVSSError
			if _, err := hikeshi.ParseCVSS31(v.Form.CVSS); errors.As(err, &ce) {
				v.Errors[f.Field] = v.T("advisories.error.invalid_cvss", ce.Pos, ce.Message)
			} else {
				v.Errors[f.Field] = fieldMessage(&v.page, f)
			}
		case h.tr.Has(v.Lang, "advisories.error."+f.Code):
			v.Errors[f.Field] = v.T("advisories.error." + f.Code)
		default:
			v.Errors[f.Field] = fieldMessage(&v.page, f)
		}
	}
	v.Alert = v.T("advisories.fix_errors")
	if len(v.CSAFErrors) > 0 {
		v.Alert = v.T("advisories.csaf_failed")
	}
	return true
}

func (h *Handler) advisoryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	in := readAdvisoryForm(r)
	a, err := h.svc.Advisories.Create(r.Context(), h.stateOf(r).actor(), in)
	if err != nil {
		v := &advisoryFormView{Form: in}
		if !h.advisoryErrors(r, v, err) {
			return err
		}
		return h.renderAdvisoryForm(w, r, statusOf(err), v)
	}
	return redirect(w, r, "/advisories/"+url.PathEscape(a.ID)+"?n=created")
}

func (h *Handler) advisoryEdit(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	view, err := h.svc.Advisories.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !view.CanEdit {
		return hikeshi.ErrNotFound
	}
	v := &advisoryFormView{ID: view.ID, TrackingID: view.TrackingID, Form: service.AdvisoryInput{AdvisoryContent: view.AdvisoryContent,
		Recipients: view.Recipients}}
	return h.renderAdvisoryForm(w, r, http.StatusOK, v)
}

func (h *Handler) advisoryUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := readAdvisoryForm(r)
	a, err := h.svc.Advisories.Update(r.Context(), h.stateOf(r).actor(), id, in)
	if err != nil {
		v := &advisoryFormView{ID: id, Form: in}
		if cur, gerr := h.svc.Advisories.Get(r.Context(), h.stateOf(r).actor(), id); gerr == nil {
			v.TrackingID = cur.TrackingID
		} else {
			return gerr
		}
		if !h.advisoryErrors(r, v, err) {
			return err
		}
		return h.renderAdvisoryForm(w, r, statusOf(err), v)
	}
	return redirect(w, r, "/advisories/"+url.PathEscape(a.ID)+"?n=saved")
}

// advisoryShowView is one advisory.
type advisoryShowView struct {
	page
	V          service.AdvisoryView
	Body       string
	OtherTitle string
	OtherBody  string
	Score      string // "9.8 CRITICAL" when the vector parses
	CSAFErrors []string
	Summary    string // the publish form's summary, shown again
}

func (h *Handler) renderAdvisory(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *advisoryShowView)) error {
	a := h.stateOf(r).actor()
	view, err := h.svc.Advisories.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	v := &advisoryShowView{V: view}
	v.Active = "advisories"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "advisories")
	v.Title = view.TrackingID + " " + view.TitleIn(v.Lang)
	v.Body = view.BodyIn(v.Lang)
	for _, l := range view.Languages() {
		if view.TitleIn(l) != view.TitleIn(v.Lang) {
			v.OtherTitle, v.OtherBody = view.TitleIn(l), view.BodyIn(l)
		}
	}
	if cv, err := hikeshi.ParseCVSS31(view.CVSS); err == nil {
		s := cv.BaseScore()
		v.Score = fmt.Sprintf("%.1f %s", s, hikeshi.CVSSSeverity(s))
	}
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "advisories_show", v)
}

func (h *Handler) advisoryShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderAdvisory(w, r, http.StatusOK, r.PathValue("id"), nil)
}

// advisoryStep takes one workflow step; refusals show the advisory again
// with the reason (and the failed CSAF rules).
func (h *Handler) advisoryStep(step string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		a, id := h.stateOf(r).actor(), r.PathValue("id")
		summary := formValue(r, "summary")
		var err error
		switch step {
		case "submit":
			_, err = h.svc.Advisories.Submit(r.Context(), a, id, h.baseURL(r))
		case "return":
			_, err = h.svc.Advisories.Return(r.Context(), a, id)
		case "approve":
			_, err = h.svc.Advisories.Approve(r.Context(), a, id)
		case "publish":
			_, err = h.svc.Advisories.Publish(r.Context(), a, id, service.PublishInput{Summary: summary, BaseURL: h.baseURL(r)})
		}
		if err != nil {
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			return h.renderAdvisory(w, r, statusOf(err), id, func(v *advisoryShowView) {
				v.Summary = summary
				v.Errors = map[string]string{}
				for _, f := range ve.Fields {
					switch {
					case f.Field == "csaf":
						v.CSAFErrors = append(v.CSAFErrors, f.Message)
					case h.tr.Has(v.Lang, "advisories.error."+f.Code):
						v.Errors[f.Field] = v.T("advisories.error." + f.Code)
					default:
						v.Errors[f.Field] = fieldMessage(&v.page, f)
					}
				}
				v.Alert = v.T("advisories.step_refused")
				if len(v.CSAFErrors) > 0 {
					v.Alert = v.T("advisories.csaf_failed")
				}
			})
		}
		return redirect(w, r, "/advisories/"+url.PathEscape(id)+"?n="+step)
	}
}

// advisoryCSAF serves a revision's CSAF document to a signed-in reader.
func (h *Handler) advisoryCSAF(w http.ResponseWriter, r *http.Request) error {
	n := 0
	if s := r.URL.Query().Get("revision"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > 1_000_000 {
			return hikeshi.ErrNotFound
		}
	}
	rev, err := h.svc.Advisories.CSAF(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = io.WriteString(w, rev.CSAF)
	return err
}

// Atom feeds (RFC 4287).

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title    string       `xml:"title"`
	ID       string       `xml:"id"`
	Updated  string       `xml:"updated"`
	Link     []atomLink   `xml:"link"`
	Category atomCategory `xml:"category"`
	Summary  string       `xml:"summary"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func writeAtom(w http.ResponseWriter, f atomFeed, private bool) error {
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	if private {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	return xml.NewEncoder(w).Encode(f)
}

// advisoryFeed is the Atom feed of the published advisories the reader may see.
func (h *Handler) advisoryFeed(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	items, err := h.svc.Advisories.List(r.Context(), st.actor(), hikeshi.AdvisoryFilter{PublishedOnly: true, Page: hikeshi.Page{Limit: advisoriesPageSize}})
	if err != nil {
		return err
	}
	base := h.baseURL(r)
	p := &page{}
	h.fill(r, p)
	f := atomFeed{Title: p.T("advisories.feed_title"), ID: base + "/advisories/feed.atom", Author: atomAuthor{Name: "Hikeshi"},
		Link: []atomLink{{Rel: "self", Href: base + "/advisories/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: base + "/advisories"}}}
	var newest time.Time
	for _, a := range items {
		if a.CurrentRelease.After(newest) {
			newest = a.CurrentRelease
		}
		f.Entries = append(f.Entries, atomEntry{Title: "[TLP:" + string(a.PublishedTLP) + "] " + a.TrackingID + " " + a.TitleIn(p.Lang),
			ID: base + "/advisories/" + a.ID, Updated: hikeshi.CSAFTime(a.CurrentRelease), Category: atomCategory{Term: "TLP:" + string(a.PublishedTLP)},
			Link:    []atomLink{{Rel: "alternate", Type: "text/html", Href: base + "/advisories/" + a.ID}, {Rel: "related", Type: "application/json", Href: base + "/advisories/" + a.ID + "/csaf.json"}},
			Summary: a.BodyIn(p.Lang)})
	}
	if newest.IsZero() {
		newest = time.Unix(0, 0)
	}
	f.Updated = hikeshi.CSAFTime(newest)
	return writeAtom(w, f, true)
}

// advisoryPublicFeed is the Atom feed of the public (TLP:CLEAR) advisories:
// no sign-in; each entry links the CSAF document.
func (h *Handler) advisoryPublicFeed(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.svc.Advisories.PublicDocuments(r.Context())
	if err != nil {
		return err
	}
	base := h.baseURL(r)
	f := atomFeed{Title: "TLP:CLEAR advisories", ID: base + "/advisories/public.atom", Author: atomAuthor{Name: "Hikeshi"},
		Link: []atomLink{{Rel: "self", Href: base + "/advisories/public.atom"}}, Updated: hikeshi.CSAFTime(time.Unix(0, 0))}
	for i, d := range docs {
		if i == advisoriesPageSize {
			break
		}
		full, err := h.svc.Advisories.PublicDocument(r.Context(), d.Year, d.Filename)
		if err != nil {
			return err
		}
		var doc struct {
			Document struct {
				Title string `json:"title"`
				Notes []struct {
					Category string `json:"category"`
					Text     string `json:"text"`
				} `json:"notes"`
			} `json:"document"`
		}
		if err := json.Unmarshal([]byte(full.JSON), &doc); err != nil {
			return err
		}
		href := base + "/.well-known/csaf/white/" + d.Path()
		e := atomEntry{Title: d.TrackingID + " " + doc.Document.Title, ID: href, Updated: hikeshi.CSAFTime(d.Updated),
			Link: []atomLink{{Rel: "alternate", Type: "application/json", Href: href}}, Category: atomCategory{Term: "TLP:CLEAR"}}
		if len(doc.Document.Notes) > 0 {
			e.Summary = doc.Document.Notes[0].Text
		}
		if i == 0 {
			f.Updated = e.Updated
		}
		f.Entries = append(f.Entries, e)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return writeAtom(w, f, false)
}

// The CSAF provider (CSAF 2.0 section 7): TLP:CLEAR documents only, served
// without sign-in as the directory-based distribution.

type providerMetadata struct {
	CanonicalURL            string                 `json:"canonical_url"`
	Distributions           []providerDistribution `json:"distributions"`
	LastUpdated             string                 `json:"last_updated"`
	ListOnCSAFAggregators   bool                   `json:"list_on_CSAF_aggregators"`
	MetadataVersion         string                 `json:"metadata_version"`
	MirrorOnCSAFAggregators bool                   `json:"mirror_on_CSAF_aggregators"`
	Publisher               hikeshi.CSAFPublisher  `json:"publisher"`
	Role                    string                 `json:"role"`
}

type providerDistribution struct {
	DirectoryURL string `json:"directory_url"`
}

func (h *Handler) csafProviderMetadata(w http.ResponseWriter, r *http.Request) error {
	base := h.baseURL(r)
	pub, err := h.svc.Advisories.Publisher(r.Context(), base)
	if err != nil {
		return err
	}
	docs, err := h.svc.Advisories.PublicDocuments(r.Context())
	if err != nil {
		return err
	}
	updated := time.Unix(0, 0)
	if len(docs) > 0 {
		updated = docs[0].Updated
	}
	m := providerMetadata{CanonicalURL: base + "/.well-known/csaf/provider-metadata.json",
		Distributions: []providerDistribution{{DirectoryURL: base + "/.well-known/csaf/white/"}},
		LastUpdated:   hikeshi.CSAFTime(updated), ListOnCSAFAggregators: true, MetadataVersion: "2.0",
		MirrorOnCSAFAggregators: true, Publisher: pub, Role: "csaf_provider"}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(append(b, '\n'))
	return err
}

// csafListing writes a plain HTML directory listing (CSAF requirement 14).
func csafListing(w http.ResponseWriter, title string, names []string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
	template.HTMLEscape(&b, []byte(title))
	b.WriteString("</title></head><body><h1>")
	template.HTMLEscape(&b, []byte(title))
	b.WriteString("</h1><ul>\n")
	for _, n := range names {
		b.WriteString(`<li><a href="`)
		template.HTMLEscape(&b, []byte(n))
		b.WriteString(`">`)
		template.HTMLEscape(&b, []byte(n))
		b.WriteString("</a></li>\n")
	}
	b.WriteString("</ul></body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (h *Handler) csafWhiteDir(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.svc.Advisories.PublicDocuments(r.Context())
	if err != nil {
		return err
	}
	seen := map[int]bool{}
	var years []int
	for _, d := range docs {
		if !seen[d.Year] {
			seen[d.Year] = true
			years = append(years, d.Year)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(years)))
	names := []string{"changes.csv", "index.txt"}
	for _, y := range years {
		names = append(names, strconv.Itoa(y)+"/")
	}
	return csafListing(w, "/.well-known/csaf/white/", names)
}

func (h *Handler) csafIndex(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.svc.Advisories.PublicDocuments(r.Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, d := range docs {
		b.WriteString(d.Path() + "\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = io.WriteString(w, b.String())
	return err
}

// csafChanges is changes.csv: the quoted path and the RFC 3339 time of the
// latest change, newest first.
func (h *Handler) csafChanges(w http.ResponseWriter, r *http.Request) error {
	docs, err := h.svc.Advisories.PublicDocuments(r.Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, d := range docs {
		fmt.Fprintf(&b, "%q,%q\n", d.Path(), hikeshi.CSAFTime(d.Updated))
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = io.WriteString(w, b.String())
	return err
}

func csafYearParam(r *http.Request) (int, bool) {
	s := r.PathValue("year")
	y, err := strconv.Atoi(s)
	return y, err == nil && len(s) == 4 && y >= 1000
}

func (h *Handler) csafYearDir(w http.ResponseWriter, r *http.Request) error {
	year, ok := csafYearParam(r)
	if !ok {
		return hikeshi.ErrNotFound
	}
	docs, err := h.svc.Advisories.PublicDocuments(r.Context())
	if err != nil {
		return err
	}
	var names []string
	for _, d := range docs {
		if d.Year == year {
			names = append(names, d.Filename, d.Filename+".sha256", d.Filename+".sha512")
		}
	}
	if names == nil {
		return hikeshi.ErrNotFound
	}
	sort.Strings(names)
	return csafListing(w, fmt.Sprintf("/.well-known/csaf/white/%d/", year), names)
}

// csafFile serves a document or its hash file.
func (h *Handler) csafFile(w http.ResponseWriter, r *http.Request) error {
	year, ok := csafYearParam(r)
	if !ok {
		return hikeshi.ErrNotFound
	}
	file := r.PathValue("file")
	name, kind := file, ""
	for _, ext := range []string{".sha256", ".sha512"} {
		if n, ok := strings.CutSuffix(file, ext); ok {
			name, kind = n, ext
		}
	}
	d, err := h.svc.Advisories.PublicDocument(r.Context(), year, name)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Last-Modified", d.Updated.UTC().Format(http.TimeFormat))
	switch kind {
	case ".sha256":
		sum := sha256.Sum256([]byte(d.JSON))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err = fmt.Fprintf(w, "%s  %s\n", hex.EncodeToString(sum[:]), d.Filename)
	case ".sha512":
		sum := sha512.Sum512([]byte(d.JSON))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err = fmt.Fprintf(w, "%s  %s\n", hex.EncodeToString(sum[:]), d.Filename)
	default:
		w.Header().Set("Content-Type", "application/json")
		_, err = io.WriteString(w, d.JSON)
	}
	return err
}

// advisorySettingsView is the organisation's advisory settings (admins).
type advisorySettingsView struct {
	page
	Publisher  hikeshi.CSAFPublisher
	Recipients string
	Categories []string
}

func (h *Handler) renderAdvisorySettings(w http.ResponseWriter, r *http.Request, status int, v *advisorySettingsView) error {
	v.Active = "advisories"
	h.fill(r, &v.page)
	h.notice(r, &v.page, "advisories")
	v.Title = v.T("title.advisories_settings")
	for _, c := range hikeshi.CSAFPublisherCategories {
		if c != "translator" {
			v.Categories = append(v.Categories, c)
		}
	}
	return h.render(w, r, status, "advisories_settings", v)
}

func (h *Handler) advisorySettings(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	if !a.CanAdminister() {
		return hikeshi.ErrNotFound
	}
	set, err := h.svc.Advisories.Settings(r.Context(), a, h.baseURL(r))
	if err != nil {
		return err
	}
	return h.renderAdvisorySettings(w, r, http.StatusOK, &advisorySettingsView{Publisher: set.Publisher, Recipients: strings.Join(set.Recipients, "\n")})
}

func (h *Handler) advisorySettingsSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	v := &advisorySettingsView{Publisher: hikeshi.CSAFPublisher{Name: formValue(r, "publisher_name"), Namespace: trimmed(r, "publisher_namespace"),
		Category: trimmed(r, "publisher_category"), ContactDetails: formValue(r, "publisher_contact")}, Recipients: formValue(r, "recipients")}
	_, err := h.svc.Advisories.UpdateSettings(r.Context(), h.stateOf(r).actor(), service.AdvisorySettings{Publisher: v.Publisher,
		Recipients: strings.FieldsFunc(v.Recipients, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' })})
	if err != nil {
		msgs, ok := h.formErrors(r, err)
		if !ok {
			return err
		}
		h.fill(r, &v.page)
		v.Errors, v.Alert = msgs, v.T("advisories.fix_errors")
		for _, f := range []string{"publisher_namespace"} {
			if _, bad := msgs[f]; bad {
				msgs[f] = v.T("advisories.error.invalid_url")
			}
		}
		return h.renderAdvisorySettings(w, r, statusOf(err), v)
	}
	return redirect(w, r, "/advisories/settings?n=settings")
}
