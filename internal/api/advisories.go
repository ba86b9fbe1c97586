package api

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["advisory_category"] = stringsOf(hikeshi.AdvisoryCategories)
	enums["advisory_status"] = stringsOf(hikeshi.AdvisoryStatuses)
	enums["advisory_tlp"] = stringsOf(hikeshi.TLPs)
	enums["advisory_published_tlp"] = append([]string{""}, stringsOf(hikeshi.TLPs)...)
	enums["advisory_lang"] = []string{string(hikeshi.LocaleJA), string(hikeshi.LocaleEN)}
	enums["product_status"] = stringsOf(hikeshi.ProductStatuses)
	enums["remediation_category"] = append([]string{""}, stringsOf(hikeshi.RemediationCategories)...)
}

// advisoryRoutes are the operations of advisories (IM-3).
func (h *Handler) advisoryRoutes() []route {
	const vis = " CSIRT and admins see every advisory with its working copy; every other role sees published advisories whose latest revision is " +
		"TLP:CLEAR, GREEN or AMBER, as published. Others are 404."
	return []route{
		{method: get, path: "/advisories", op: "listAdvisories", tag: "advisories", summary: "Advisories the caller may see, newest first",
			doc:  "Drafts are listed for CSIRT and admins only." + vis,
			list: true, status: http.StatusOK, resp: advisoryJSON{}, handle: h.listAdvisories},
		{method: post, path: "/advisories", op: "createAdvisory", tag: "advisories", summary: "Write a new advisory as a draft (CSIRT, admins)",
			doc:  "At least one language (title and text) is required; the tracking id (ADV-YYYY-NNNN) is assigned.",
			body: advisoryInputJSON{}, status: http.StatusCreated, resp: advisoryJSON{}, handle: h.createAdvisory},
		{method: get, path: "/advisories/{id}", op: "getAdvisory", tag: "advisories", summary: "One advisory with its revision history",
			doc: vis, status: http.StatusOK, resp: advisoryJSON{}, handle: h.getAdvisory},
		{method: put, path: "/advisories/{id}", op: "putAdvisory", tag: "advisories", summary: "Replace the working copy (CSIRT, admins)",
			doc:  "Refused while in review (409). An approved or published advisory goes back to draft: the change needs a new review.",
			body: advisoryInputJSON{}, status: http.StatusOK, resp: advisoryJSON{}, handle: h.putAdvisory},
		{method: post, path: "/advisories/{id}/submit", op: "submitAdvisory", tag: "advisories", summary: "Send the draft to review",
			doc:  "The CSAF 2.0 document of the next revision is built and validated first; failures are 422 with field csaf, one error per failed rule (\"CSAF 6.1.27.2: …\"). The body, if any, is an empty object.",
			body: advisorySubmitJSON{}, optionalBody: true, status: http.StatusOK, resp: advisoryJSON{}, handle: h.advisoryStep("submit")},
		{method: post, path: "/advisories/{id}/return", op: "returnAdvisory", tag: "advisories", summary: "Take an advisory in review or approved back to draft",
			status: http.StatusOK, resp: advisoryJSON{}, handle: h.advisoryStep("return")},
		{method: post, path: "/advisories/{id}/approve", op: "approveAdvisory", tag: "advisories", summary: "Approve the change in review",
			doc:    "By a CSIRT member or admin who neither wrote nor submitted the change (409 self_approval otherwise).",
			status: http.StatusOK, resp: advisoryJSON{}, handle: h.advisoryStep("approve")},
		{method: post, path: "/advisories/{id}/publish", op: "publishAdvisory", tag: "advisories", summary: "Publish the approved change as the next revision",
			doc: "Builds and validates the revision's CSAF 2.0 document (never published when it fails: 422, field csaf), stores it, and mails the " +
				"advisory's list (or the organisation's default list) through a background job.",
			body: advisoryPublishJSON{}, optionalBody: true, status: http.StatusCreated, resp: advisoryRevisionJSON{}, handle: h.publishAdvisory},
		{method: get, path: "/advisories/{id}/csaf", op: "getAdvisoryCSAF", tag: "advisories", summary: "The CSAF 2.0 document of a revision",
			doc: "Exactly the document published for the revision (the latest unless revision is given). TLP:CLEAR is WHITE in CSAF 2.0; " +
				"AMBER+STRICT is carried as AMBER with the distribution text saying AMBER+STRICT.",
			params: []param{{name: "revision", typ: "integer", doc: "The revision number; default the latest."}},
			status: http.StatusOK, resp: map[string]any{}, handle: h.getAdvisoryCSAF},
	}
}

// advisoryProductJSON is one product version.
type advisoryProductJSON struct {
	Vendor             string `json:"vendor"`
	Product            string `json:"product"`
	Versions           string `json:"versions" doc:"A version (2.4.1) or a range (< 2.4.2)."`
	Status             string `json:"status" enum:"product_status"`
	Remediation        string `json:"remediation,omitempty" enum:"remediation_category"`
	RemediationDetails string `json:"remediation_details,omitempty"`
}

// advisoryReferenceJSON is a reference.
type advisoryReferenceJSON struct {
	URL     string `json:"url" format:"uri"`
	Summary string `json:"summary"`
}

// advisoryInputJSON is what an author writes.
type advisoryInputJSON struct {
	Lang       string                  `json:"lang" enum:"advisory_lang" doc:"The primary language: the CSAF document's language."`
	TitleJA    string                  `json:"title_ja,omitempty"`
	BodyJA     string                  `json:"body_ja,omitempty"`
	TitleEN    string                  `json:"title_en,omitempty"`
	BodyEN     string                  `json:"body_en,omitempty"`
	Category   string                  `json:"category" enum:"advisory_category"`
	TLP        string                  `json:"tlp" enum:"advisory_tlp"`
	IncidentID string                  `json:"incident_id,omitempty" doc:"Incident response advisories only; an incident the caller may see."`
	Products   []advisoryProductJSON   `json:"products,omitempty"`
	CVEs       []string                `json:"cves,omitempty"`
	CVSS       string                  `json:"cvss,omitempty" doc:"A CVSS v3.1 vector; a vector that does not parse is refused with the position of the error."`
	References []advisoryReferenceJSON `json:"references,omitempty"`
	Interim    bool                    `json:"interim,omitempty" doc:"Publish as CSAF tracking status interim instead of final."`
	Recipients []string                `json:"recipients,omitempty" doc:"The mail list of this advisory; empty: the organisation's default."`
}

// advisorySubmitJSON is the (empty) body of a submission.
type advisorySubmitJSON struct{}

// advisoryPublishJSON is what the publisher adds.
type advisoryPublishJSON struct {
	Summary string `json:"summary,omitempty" doc:"What changed, for the revision history."`
}

// advisoryRevisionJSON is a published revision.
type advisoryRevisionJSON struct {
	Number      int       `json:"number"`
	Summary     string    `json:"summary"`
	TLP         string    `json:"tlp" enum:"advisory_tlp"`
	PublishedBy *string   `json:"published_by" format:"uuid"`
	ApprovedBy  *string   `json:"approved_by" format:"uuid"`
	PublishedAt time.Time `json:"published_at"`
}

// advisoryJSON is an advisory as the caller may see it.
type advisoryJSON struct {
	ID         string `json:"id" format:"uuid"`
	TrackingID string `json:"tracking_id"`
	advisoryInputJSON
	Status         string                 `json:"status" enum:"advisory_status"`
	Revision       int                    `json:"revision" doc:"The latest published revision; 0 = never published."`
	PublishedTLP   string                 `json:"published_tlp" enum:"advisory_published_tlp"`
	IncidentNumber string                 `json:"incident_number,omitempty"`
	InitialRelease *time.Time             `json:"initial_release"`
	CurrentRelease *time.Time             `json:"current_release"`
	Revisions      []advisoryRevisionJSON `json:"revisions,omitempty" doc:"Newest first (one advisory only)."`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

func toAdvisory(a hikeshi.Advisory) advisoryJSON {
	c := a.AdvisoryContent
	out := advisoryJSON{ID: a.ID, TrackingID: a.TrackingID, Status: string(a.Status), Revision: a.Revision, PublishedTLP: string(a.PublishedTLP),
		InitialRelease: timePtr(a.InitialRelease), CurrentRelease: timePtr(a.CurrentRelease), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		advisoryInputJSON: advisoryInputJSON{Lang: string(c.Lang), TitleJA: c.TitleJA, BodyJA: c.BodyJA, TitleEN: c.TitleEN, BodyEN: c.BodyEN,
			Category: string(c.Category), TLP: string(c.TLP), IncidentID: c.IncidentID, CVEs: c.CVEs, CVSS: c.CVSS, Interim: c.Interim,
			Recipients: a.Recipients}}
	for _, p := range c.Products {
		out.Products = append(out.Products, advisoryProductJSON{Vendor: p.Vendor, Product: p.Product, Versions: p.Versions, Status: string(p.Status),
			Remediation: string(p.Remediation), RemediationDetails: p.RemediationDetails})
	}
	for _, r := range c.References {
		out.References = append(out.References, advisoryReferenceJSON{URL: r.URL, Summary: r.Summary})
	}
	return out
}

func toRevision(r hikeshi.AdvisoryRevision, tlp hikeshi.TLP) advisoryRevisionJSON {
	return advisoryRevisionJSON{Number: r.Number, Summary: r.Summary, TLP: string(tlp), PublishedBy: strPtr(r.PublishedBy), ApprovedBy: strPtr(r.ApprovedBy),
		PublishedAt: r.PublishedAt.UTC()}
}

func (in advisoryInputJSON) input() service.AdvisoryInput {
	out := service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{Lang: hikeshi.Locale(in.Lang), TitleJA: in.TitleJA, BodyJA: in.BodyJA,
		TitleEN: in.TitleEN, BodyEN: in.BodyEN, Category: hikeshi.AdvisoryCategory(in.Category), TLP: hikeshi.TLP(in.TLP), IncidentID: in.IncidentID,
		CVEs: in.CVEs, CVSS: in.CVSS, Interim: in.Interim}, Recipients: in.Recipients}
	for _, p := range in.Products {
		out.Products = append(out.Products, hikeshi.AdvisoryProduct{Vendor: p.Vendor, Product: p.Product, Versions: p.Versions,
			Status: hikeshi.ProductStatus(p.Status), Remediation: hikeshi.RemediationCategory(p.Remediation), RemediationDetails: p.RemediationDetails})
	}
	for _, r := range in.References {
		out.References = append(out.References, hikeshi.AdvisoryReference{URL: r.URL, Summary: r.Summary})
	}
	return out
}

// requestBase is the public address for links in CSAF documents: the
// configured base URL, else this request's origin.
func (h *Handler) requestBase(r *http.Request) string {
	if h.baseURL != "" {
		return h.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (h *Handler) listAdvisories(c *call) error {
	p, err := c.page("advisories", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Advisory, error) {
		return h.svc.Advisories.List(c.ctx(), c.actor, hikeshi.AdvisoryFilter{Page: hikeshi.Page{After: after, Limit: n}})
	}, func(a hikeshi.Advisory) string { return a.ID })
	if err != nil {
		return err
	}
	out := make([]advisoryJSON, len(items))
	for i, a := range items {
		out[i] = toAdvisory(a)
		if !c.actor.CanWriteAdvisories() {
			out[i].IncidentID, out[i].Recipients = "", nil // the detail says which incidents the caller may see
		}
	}
	return writePage(c, "advisories", out, next)
}

func (h *Handler) createAdvisory(c *call) error {
	var in advisoryInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	a, err := h.svc.Advisories.Create(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	return c.created(Prefix+"/advisories/"+a.ID, toAdvisory(a))
}

func (h *Handler) getAdvisory(c *call) error {
	v, err := h.svc.Advisories.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := toAdvisory(v.Advisory)
	if v.Incident != nil {
		out.IncidentNumber = v.Incident.Number
	}
	for _, r := range v.Revisions {
		out.Revisions = append(out.Revisions, toRevision(r, r.Content.TLP))
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) putAdvisory(c *call) error {
	var in advisoryInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	a, err := h.svc.Advisories.Update(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAdvisory(a))
}

func (h *Handler) advisoryStep(step string) func(c *call) error {
	return func(c *call) error {
		if c.rt.body != nil {
			var in advisorySubmitJSON
			if err := c.decode(&in); err != nil {
				return err
			}
		}
		id := c.r.PathValue("id")
		var a hikeshi.Advisory
		var err error
		switch step {
		case "submit":
			a, err = h.svc.Advisories.Submit(c.ctx(), c.actor, id, h.requestBase(c.r))
		case "return":
			a, err = h.svc.Advisories.Return(c.ctx(), c.actor, id)
		case "approve":
			a, err = h.svc.Advisories.Approve(c.ctx(), c.actor, id)
		}
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, toAdvisory(a))
	}
}

func (h *Handler) publishAdvisory(c *call) error {
	var in advisoryPublishJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	r, err := h.svc.Advisories.Publish(c.ctx(), c.actor, id, service.PublishInput{Summary: in.Summary, BaseURL: h.requestBase(c.r)})
	if err != nil {
		return err
	}
	return c.created(Prefix+"/advisories/"+id+"/csaf?revision="+strconv.Itoa(r.Number), toRevision(r, r.Content.TLP))
}

func (h *Handler) getAdvisoryCSAF(c *call) error {
	n := 0
	if s := c.param("revision"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > 1_000_000 {
			return fieldError("revision", "invalid", "revision must be a positive integer.")
		}
	}
	r, err := h.svc.Advisories.CSAF(c.ctx(), c.actor, c.r.PathValue("id"), n)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(http.StatusOK)
	_, err = io.Copy(c.w, strings.NewReader(r.CSAF))
	return err
}
