package api

import (
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["vuln_status"] = stringsOf(hikeshi.VulnStatuses)
	enums["vuln_severity"] = stringsOf(hikeshi.VulnSeverities)
	enums["vuln_disclosure"] = stringsOf(hikeshi.DisclosureStatuses)
	enums["vuln_disclosure_any"] = append([]string{""}, stringsOf(hikeshi.DisclosureStatuses)...)
	enums["vuln_remediation_status"] = []string{string(hikeshi.RemediationOpen), string(hikeshi.RemediationDone), string(hikeshi.RemediationPaused)}
	enums["vuln_exception_status"] = []string{string(hikeshi.ExceptionRequested), string(hikeshi.ExceptionApproved),
		string(hikeshi.ExceptionRejected), string(hikeshi.ExceptionExpired)}
	enums["vuln_decision"] = []string{"approve", "reject"}
}

// vulnerabilityRoutes are the operations of vulnerability handling (IM-1).
func (h *Handler) vulnerabilityRoutes() []route {
	const tag = "vulnerabilities"
	const who = " Admins, CSIRT, managers and auditors read vulnerabilities; CSIRT and admins change them. Others are 404."
	return []route{
		{method: get, path: "/vulnerabilities", op: "listVulnerabilities", tag: tag, summary: "Vulnerabilities, newest first",
			doc: who, params: []param{
				{name: "status", typ: "string", enum: "vuln_status", doc: "Only vulnerabilities in this status."},
				{name: "severity", typ: "string", enum: "vuln_severity", doc: "Only vulnerabilities of this severity."},
			},
			list: true, status: http.StatusOK, resp: vulnJSON{}, handle: h.listVulns},
		{method: post, path: "/vulnerabilities", op: "createVulnerability", tag: tag, summary: "Record a vulnerability (CSIRT, admins)",
			doc: "CVSS v3.1 and v4.0 vectors are scored by go-cvss; a vector that does not parse is 422 with the 1-based position of its first bad " +
				"metric in the message. The severity comes from the v4.0 score, else the v3.1 score, else the severity given. With report_id the " +
				"vulnerability is opened from that outside report and its coordinated disclosure starts as received.",
			body: vulnInputJSON{}, status: http.StatusCreated, resp: vulnJSON{}, handle: h.createVuln},
		{method: get, path: "/vulnerabilities/publications", op: "listVulnerabilityPublications", tag: tag, summary: "Upcoming agreed publication dates",
			doc:    "Open coordinated disclosures whose agreed publication date is today or later, soonest first (at most 50)." + who,
			status: http.StatusOK, resp: []vulnJSON{}, handle: h.vulnPublications},
		{method: get, path: "/vulnerabilities/{id}", op: "getVulnerability", tag: tag, summary: "One vulnerability with its tasks, exceptions and links",
			doc: "Linked incidents and advisories the caller may not see are left out." + who, status: http.StatusOK, resp: vulnJSON{}, handle: h.getVuln},
		{method: put, path: "/vulnerabilities/{id}", op: "putVulnerability", tag: tag, summary: "Replace the words, vectors and assets (CSIRT, admins)",
			doc: "report_id is ignored here. A closed vulnerability is 409.", body: vulnInputJSON{}, status: http.StatusOK, resp: vulnJSON{}, handle: h.putVuln},
		{method: post, path: "/vulnerabilities/{id}/status", op: "setVulnerabilityStatus", tag: tag, summary: "Move a vulnerability (CSIRT, admins)",
			doc:  "open → in_remediation → remediated → closed; accepted is reached only by approving an exception. A move not allowed is 409.",
			body: vulnStatusJSON{}, status: http.StatusOK, resp: vulnJSON{}, handle: h.setVulnStatus},
		{method: post, path: "/vulnerabilities/{id}/incidents", op: "linkVulnerabilityIncident", tag: tag, summary: "Link an incident that exploited the vulnerability",
			doc: "The incident must be one the caller may see (else 422 unknown).", body: vulnLinkJSON{}, status: http.StatusOK, resp: vulnJSON{}, handle: h.linkVuln("incident")},
		{method: del, path: "/vulnerabilities/{id}/incidents/{target}", op: "unlinkVulnerabilityIncident", tag: tag, summary: "Remove an incident link",
			status: http.StatusOK, resp: vulnJSON{}, handle: h.unlinkVuln("incident")},
		{method: post, path: "/vulnerabilities/{id}/advisories", op: "linkVulnerabilityAdvisory", tag: tag, summary: "Link an advisory that announces the vulnerability",
			doc: "By id or tracking id; an advisory the caller may see.", body: vulnLinkJSON{}, status: http.StatusOK, resp: vulnJSON{}, handle: h.linkVuln("advisory")},
		{method: del, path: "/vulnerabilities/{id}/advisories/{target}", op: "unlinkVulnerabilityAdvisory", tag: tag, summary: "Remove an advisory link",
			status: http.StatusOK, resp: vulnJSON{}, handle: h.unlinkVuln("advisory")},
		{method: post, path: "/vulnerabilities/{id}/advisory-draft", op: "draftVulnerabilityAdvisory", tag: tag, summary: "Draft an advisory from the vulnerability",
			doc: "Creates an advisory draft (csaf_security_advisory) with the title and description in both languages, the CVE, the CVSS v3.1 vector, " +
				"the linked assets as affected products, the fix and the references, and links it. Needs the affected versions and at least one asset.",
			body: vulnDraftJSON{}, optionalBody: true, status: http.StatusCreated, resp: advisoryJSON{}, handle: h.draftVulnAdvisory},
		{method: post, path: "/vulnerabilities/{id}/remediations", op: "addVulnerabilityRemediation", tag: tag, summary: "Send remediation tasks to departments",
			doc: "To department_id, or to the owner department of asset_id, or (neither) to the owner departments of every linked asset. Due by severity: " +
				"critical 7 days, high 30, medium 90, low 180, none 365.",
			body: vulnRemediationInputJSON{}, optionalBody: true, status: http.StatusCreated, resp: []vulnRemediationJSON{}, handle: h.addVulnRemediation},
		{method: get, path: "/vulnerability-remediations", op: "listMyVulnerabilityRemediations", tag: tag, summary: "The caller's department's remediation tasks",
			doc:    "Newest first, each with the vulnerability it is about. Every signed-in person with a department.",
			params: []param{{name: "open", typ: "string", enum: "vuln_bool", doc: "true: only open tasks."}},
			list:   true, status: http.StatusOK, resp: vulnRemediationJSON{}, handle: h.listMyRemediations},
		{method: post, path: "/vulnerability-remediations/{id}/complete", op: "completeVulnerabilityRemediation", tag: tag, summary: "Complete a remediation task",
			doc:  "The task's department's people (auditors aside), CSIRT and admins; the note of what was done is required.",
			body: vulnCompleteJSON{}, status: http.StatusOK, resp: vulnRemediationJSON{}, handle: h.completeVulnRemediation},
		{method: post, path: "/vulnerabilities/{id}/exceptions", op: "requestVulnerabilityException", tag: tag, summary: "Request an exception (risk acceptance)",
			doc:  "CSIRT and admins, with a reason and an expiry date (at most 730 days ahead). One exception is requested or in force at a time.",
			body: vulnExceptionInputJSON{}, status: http.StatusCreated, resp: vulnExceptionJSON{}, handle: h.requestVulnException},
		{method: post, path: "/vulnerability-exceptions/{id}/decision", op: "decideVulnerabilityException", tag: tag, summary: "Approve or reject an exception",
			doc: "A manager or admin who did not request it (409 self_approval otherwise). Approval makes the vulnerability accepted and pauses its " +
				"open tasks until the expiry; then remediation reopens.",
			body: vulnDecisionJSON{}, status: http.StatusOK, resp: vulnExceptionJSON{}, handle: h.decideVulnException},
		{method: post, path: "/vulnerabilities/{id}/acknowledge", op: "acknowledgeVulnerabilityReport", tag: tag, summary: "Record the acknowledgement of the outside report",
			status: http.StatusOK, resp: vulnJSON{}, handle: h.ackVuln},
		{method: post, path: "/vulnerabilities/{id}/disclosure", op: "setVulnerabilityDisclosure", tag: tag, summary: "Change the coordinated disclosure",
			doc: "The disclosure status and the agreed publication date (empty: none agreed).", body: vulnDisclosureJSON{}, status: http.StatusOK, resp: vulnJSON{}, handle: h.setVulnDisclosure},
	}
}

func init() { enums["vuln_bool"] = []string{"true", "false"} }

type vulnInputJSON struct {
	CVE           string                  `json:"cve,omitempty" doc:"CVE-YYYY-NNNN…"`
	TitleJA       string                  `json:"title_ja,omitempty"`
	TitleEN       string                  `json:"title_en,omitempty"`
	DescriptionJA string                  `json:"description_ja,omitempty"`
	DescriptionEN string                  `json:"description_en,omitempty"`
	Vendor        string                  `json:"vendor,omitempty"`
	Versions      string                  `json:"versions,omitempty" doc:"The affected versions, e.g. <= 3.1."`
	Fix           string                  `json:"fix,omitempty"`
	CVSS31        string                  `json:"cvss31,omitempty" doc:"A CVSS v3.1 vector."`
	CVSS40        string                  `json:"cvss40,omitempty" doc:"A CVSS v4.0 vector."`
	Severity      string                  `json:"severity,omitempty" enum:"vuln_severity" doc:"Used only without a vector; default medium."`
	AssetIDs      []string                `json:"asset_ids,omitempty"`
	References    []advisoryReferenceJSON `json:"references,omitempty"`
	ReportID      string                  `json:"report_id,omitempty" doc:"Create only: the outside report the vulnerability comes from."`
}

func (in vulnInputJSON) input() service.VulnerabilityInput {
	out := service.VulnerabilityInput{CVE: in.CVE, TitleJA: in.TitleJA, TitleEN: in.TitleEN, DescriptionJA: in.DescriptionJA,
		DescriptionEN: in.DescriptionEN, Vendor: in.Vendor, Versions: in.Versions, Fix: in.Fix, CVSS31: in.CVSS31, CVSS40: in.CVSS40,
		Severity: hikeshi.VulnSeverity(in.Severity), AssetIDs: in.AssetIDs, ReportID: in.ReportID}
	for _, r := range in.References {
		out.References = append(out.References, hikeshi.AdvisoryReference{URL: r.URL, Summary: r.Summary})
	}
	return out
}

type vulnRemediationJSON struct {
	ID                 string     `json:"id" format:"uuid"`
	VulnerabilityID    string     `json:"vulnerability_id" format:"uuid"`
	VulnerabilityTitle string     `json:"vulnerability_title"`
	CVE                string     `json:"cve,omitempty"`
	Severity           string     `json:"severity" enum:"vuln_severity"`
	DepartmentID       string     `json:"department_id" format:"uuid"`
	AssetID            string     `json:"asset_id,omitempty"`
	Status             string     `json:"status" enum:"vuln_remediation_status"`
	DueAt              time.Time  `json:"due_at"`
	Note               string     `json:"note,omitempty"`
	CompletedBy        *string    `json:"completed_by" format:"uuid"`
	CompletedAt        *time.Time `json:"completed_at"`
	CreatedAt          time.Time  `json:"created_at"`
}

func toVulnRemediation(r hikeshi.VulnerabilityRemediation, v hikeshi.Vulnerability, l hikeshi.Locale) vulnRemediationJSON {
	return vulnRemediationJSON{ID: r.ID, VulnerabilityID: r.VulnerabilityID, VulnerabilityTitle: v.TitleIn(l), CVE: v.CVE, Severity: string(v.Severity),
		DepartmentID: r.DepartmentID, AssetID: r.AssetID, Status: string(r.Status), DueAt: r.DueAt.UTC(), Note: r.Note,
		CompletedBy: strPtr(r.CompletedBy), CompletedAt: timePtr(r.CompletedAt), CreatedAt: r.CreatedAt.UTC()}
}

type vulnExceptionJSON struct {
	ID              string     `json:"id" format:"uuid"`
	VulnerabilityID string     `json:"vulnerability_id" format:"uuid"`
	Reason          string     `json:"reason"`
	ExpiresAt       time.Time  `json:"expires_at"`
	Status          string     `json:"status" enum:"vuln_exception_status"`
	RequestedBy     *string    `json:"requested_by" format:"uuid"`
	DecidedBy       *string    `json:"decided_by" format:"uuid"`
	DecidedAt       *time.Time `json:"decided_at"`
}

func toVulnException(e hikeshi.VulnerabilityException) vulnExceptionJSON {
	return vulnExceptionJSON{ID: e.ID, VulnerabilityID: e.VulnerabilityID, Reason: e.Reason, ExpiresAt: e.ExpiresAt.UTC(), Status: string(e.Status),
		RequestedBy: strPtr(e.RequestedBy), DecidedBy: strPtr(e.DecidedBy), DecidedAt: timePtr(e.DecidedAt)}
}

type vulnLinkedJSON struct {
	ID    string `json:"id" format:"uuid"`
	Label string `json:"label" doc:"The incident's number or the advisory's tracking id."`
	Title string `json:"title"`
}

type vulnJSON struct {
	ID string `json:"id" format:"uuid"`
	vulnInputJSON
	CVSS31Base      *float64              `json:"cvss31_base_score"`
	CVSS31Score     *float64              `json:"cvss31_score" doc:"The v3.1 environmental score (equals the temporal or base score without those metrics)."`
	CVSS40Score     *float64              `json:"cvss40_score"`
	Status          string                `json:"status" enum:"vuln_status"`
	Disclosure      string                `json:"disclosure" enum:"vuln_disclosure_any"`
	AcknowledgedAt  *time.Time            `json:"acknowledged_at"`
	AcknowledgedBy  *string               `json:"acknowledged_by" format:"uuid"`
	PublicationDate *string               `json:"publication_date" format:"date"`
	Incidents       []vulnLinkedJSON      `json:"incidents,omitempty" doc:"One vulnerability only; those the caller may see."`
	Advisories      []vulnLinkedJSON      `json:"advisories,omitempty" doc:"One vulnerability only; those the caller may see."`
	Remediations    []vulnRemediationJSON `json:"remediations,omitempty" doc:"One vulnerability only."`
	Exceptions      []vulnExceptionJSON   `json:"exceptions,omitempty" doc:"One vulnerability only, newest first."`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
}

func score(tenths int, vector string) *float64 {
	if vector == "" {
		return nil
	}
	f := float64(tenths) / 10
	return &f
}

func toVuln(v hikeshi.Vulnerability) vulnJSON {
	out := vulnJSON{ID: v.ID, vulnInputJSON: vulnInputJSON{CVE: v.CVE, TitleJA: v.TitleJA, TitleEN: v.TitleEN, DescriptionJA: v.DescriptionJA,
		DescriptionEN: v.DescriptionEN, Vendor: v.Vendor, Versions: v.Versions, Fix: v.Fix, CVSS31: v.CVSS31, CVSS40: v.CVSS40,
		Severity: string(v.Severity), AssetIDs: v.AssetIDs, ReportID: v.ReportID},
		CVSS31Base: score(v.CVSS31Base, v.CVSS31), CVSS31Score: score(v.CVSS31Score, v.CVSS31), CVSS40Score: score(v.CVSS40Score, v.CVSS40),
		Status: string(v.Status), Disclosure: string(v.Disclosure), AcknowledgedAt: timePtr(v.AcknowledgedAt), AcknowledgedBy: strPtr(v.AcknowledgedBy),
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	if !v.PublicationDate.IsZero() {
		d := v.PublicationDate.UTC().Format(time.DateOnly)
		out.PublicationDate = &d
	}
	for _, r := range v.References {
		out.References = append(out.References, advisoryReferenceJSON{URL: r.URL, Summary: r.Summary})
	}
	return out
}

type vulnStatusJSON struct {
	Status string `json:"status" enum:"vuln_status"`
}

type vulnLinkJSON struct {
	ID string `json:"id" doc:"The incident's id, or the advisory's id or tracking id."`
}

type vulnDraftJSON struct {
	Lang string `json:"lang,omitempty" enum:"advisory_lang" doc:"The advisory's primary language; default ja (or the one the vulnerability is written in)."`
	TLP  string `json:"tlp,omitempty" enum:"advisory_tlp" doc:"Default AMBER; only TLP:CLEAR advisories are public."`
}

type vulnRemediationInputJSON struct {
	DepartmentID string `json:"department_id,omitempty"`
	AssetID      string `json:"asset_id,omitempty"`
}

type vulnCompleteJSON struct {
	Note string `json:"note" doc:"What was done."`
}

type vulnExceptionInputJSON struct {
	Reason    string `json:"reason"`
	ExpiresOn string `json:"expires_on" format:"date" doc:"The exception ends at the start of this day (UTC)."`
}

type vulnDecisionJSON struct {
	Decision string `json:"decision" enum:"vuln_decision"`
}

type vulnDisclosureJSON struct {
	Status          string `json:"status" enum:"vuln_disclosure"`
	PublicationDate string `json:"publication_date,omitempty" format:"date" doc:"The agreed publication date; empty: none agreed."`
}

func (h *Handler) listVulns(c *call) error {
	p, err := c.page("vulnerabilities", validID)
	if err != nil {
		return err
	}
	f := hikeshi.VulnerabilityFilter{Status: hikeshi.VulnStatus(c.param("status")), Severity: hikeshi.VulnSeverity(c.param("severity"))}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Vulnerability, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Vulns.List(c.ctx(), c.actor, f)
	}, func(v hikeshi.Vulnerability) string { return v.ID })
	if err != nil {
		return err
	}
	out := make([]vulnJSON, len(items))
	for i, v := range items {
		out[i] = toVuln(v)
		out[i].ReportID = "" // the detail says which report the caller may read
	}
	return writePage(c, "vulnerabilities", out, next)
}

func (h *Handler) vulnPublications(c *call) error {
	if !c.actor.CanReadAll() {
		return hikeshi.ErrForbidden
	}
	items, err := h.svc.Vulns.UpcomingPublications(c.ctx(), c.actor, 50)
	if err != nil {
		return err
	}
	out := make([]vulnJSON, 0, len(items))
	for _, v := range items {
		j := toVuln(v)
		j.ReportID = ""
		out = append(out, j)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) createVuln(c *call) error {
	var in vulnInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	v, err := h.svc.Vulns.Create(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	return c.created(Prefix+"/vulnerabilities/"+v.ID, toVuln(v))
}

func (h *Handler) vulnDetail(c *call, id string) error {
	v, err := h.svc.Vulns.Get(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	out := toVuln(v.Vulnerability)
	if v.Report == nil {
		out.ReportID = ""
	}
	for _, inc := range v.Incidents {
		out.Incidents = append(out.Incidents, vulnLinkedJSON{ID: inc.ID, Label: inc.Number, Title: inc.Title})
	}
	for _, a := range v.Advisories {
		out.Advisories = append(out.Advisories, vulnLinkedJSON{ID: a.ID, Label: a.TrackingID, Title: a.Title()})
	}
	for _, r := range v.Remediations {
		out.Remediations = append(out.Remediations, toVulnRemediation(r.VulnerabilityRemediation, v.Vulnerability, hikeshi.LocaleEN))
	}
	for _, e := range v.Exceptions {
		out.Exceptions = append(out.Exceptions, toVulnException(e.VulnerabilityException))
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getVuln(c *call) error { return h.vulnDetail(c, c.r.PathValue("id")) }

func (h *Handler) putVuln(c *call) error {
	var in vulnInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	v, err := h.svc.Vulns.Update(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return h.vulnDetail(c, v.ID)
}

func (h *Handler) setVulnStatus(c *call) error {
	var in vulnStatusJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	v, err := h.svc.Vulns.SetStatus(c.ctx(), c.actor, c.r.PathValue("id"), hikeshi.VulnStatus(in.Status))
	if err != nil {
		return err
	}
	return h.vulnDetail(c, v.ID)
}

func (h *Handler) linkVuln(kind string) func(c *call) error {
	return func(c *call) error {
		var in vulnLinkJSON
		if err := c.decode(&in); err != nil {
			return err
		}
		var err error
		id := c.r.PathValue("id")
		if kind == "incident" {
			_, err = h.svc.Vulns.LinkIncident(c.ctx(), c.actor, id, in.ID)
		} else {
			_, err = h.svc.Vulns.LinkAdvisory(c.ctx(), c.actor, id, in.ID)
		}
		if err != nil {
			return err
		}
		return h.vulnDetail(c, id)
	}
}

func (h *Handler) unlinkVuln(kind string) func(c *call) error {
	return func(c *call) error {
		id := c.r.PathValue("id")
		if _, err := h.svc.Vulns.Unlink(c.ctx(), c.actor, id, kind, c.r.PathValue("target")); err != nil {
			return err
		}
		return h.vulnDetail(c, id)
	}
}

func (h *Handler) draftVulnAdvisory(c *call) error {
	var in vulnDraftJSON
	if c.rt.body != nil {
		if err := c.decode(&in); err != nil {
			return err
		}
	}
	a, err := h.svc.Vulns.DraftAdvisory(c.ctx(), c.actor, c.r.PathValue("id"), service.AdvisoryDraftInput{Lang: hikeshi.Locale(in.Lang),
		TLP: hikeshi.TLP(in.TLP), BaseURL: h.requestBase(c.r)})
	if err != nil {
		return err
	}
	return c.created(Prefix+"/advisories/"+a.ID, toAdvisory(a))
}

func (h *Handler) addVulnRemediation(c *call) error {
	var in vulnRemediationInputJSON
	if c.rt.body != nil {
		if err := c.decode(&in); err != nil {
			return err
		}
	}
	id := c.r.PathValue("id")
	rs, err := h.svc.Vulns.AddRemediation(c.ctx(), c.actor, id, service.RemediationInput{DepartmentID: in.DepartmentID, AssetID: in.AssetID})
	if err != nil {
		return err
	}
	v, err := h.svc.Vulns.Get(c.ctx(), c.actor, id)
	if err != nil {
		return err
	}
	out := make([]vulnRemediationJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, toVulnRemediation(r, v.Vulnerability, hikeshi.LocaleEN))
	}
	return c.created(Prefix+"/vulnerabilities/"+id, out)
}

func (h *Handler) listMyRemediations(c *call) error {
	p, err := c.page("vulnerability-remediations", validID)
	if err != nil {
		return err
	}
	open := c.param("open")
	if open != "" && open != "true" && open != "false" {
		return fieldError("open", "invalid", "open must be true or false.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]service.RemediationItem, error) {
		return h.svc.Vulns.MyRemediations(c.ctx(), c.actor, open == "true", hikeshi.Page{After: after, Limit: n})
	}, func(r service.RemediationItem) string { return r.ID })
	if err != nil {
		return err
	}
	out := make([]vulnRemediationJSON, len(items))
	for i, r := range items {
		out[i] = toVulnRemediation(r.VulnerabilityRemediation, r.Vulnerability, hikeshi.LocaleEN)
	}
	return writePage(c, "vulnerability-remediations", out, next)
}

func (h *Handler) completeVulnRemediation(c *call) error {
	var in vulnCompleteJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	r, err := h.svc.Vulns.CompleteRemediation(c.ctx(), c.actor, c.r.PathValue("id"), in.Note)
	if err != nil {
		return err
	}
	it, err := h.svc.Vulns.Remediation(c.ctx(), c.actor, r.ID)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVulnRemediation(it.VulnerabilityRemediation, it.Vulnerability, hikeshi.LocaleEN))
}

func (h *Handler) requestVulnException(c *call) error {
	var in vulnExceptionInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	day, err := service.ParseDay("expires_on", in.ExpiresOn)
	if err != nil {
		return err
	}
	id := c.r.PathValue("id")
	e, err := h.svc.Vulns.RequestException(c.ctx(), c.actor, id, service.ExceptionInput{Reason: in.Reason, ExpiresAt: day})
	if err != nil {
		return err
	}
	return c.created(Prefix+"/vulnerabilities/"+id, toVulnException(e))
}

func (h *Handler) decideVulnException(c *call) error {
	var in vulnDecisionJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		return hikeshi.Invalid("decision", "unknown", "decision must be approve or reject.")
	}
	e, err := h.svc.Vulns.DecideException(c.ctx(), c.actor, c.r.PathValue("id"), in.Decision == "approve")
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toVulnException(e))
}

func (h *Handler) ackVuln(c *call) error {
	v, err := h.svc.Vulns.Acknowledge(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.vulnDetail(c, v.ID)
}

func (h *Handler) setVulnDisclosure(c *call) error {
	var in vulnDisclosureJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	day, err := service.ParseDay("publication_date", in.PublicationDate)
	if err != nil {
		return err
	}
	v, err := h.svc.Vulns.SetDisclosure(c.ctx(), c.actor, c.r.PathValue("id"), service.DisclosureInput{Status: hikeshi.DisclosureStatus(in.Status), PublicationDate: day})
	if err != nil {
		return err
	}
	return h.vulnDetail(c, v.ID)
}
