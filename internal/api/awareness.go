package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["awareness_status"] = stringsOf(hikeshi.AwarenessStatuses)
	enums["awareness_scope"] = []string{"mine", "all"}
	enums["awareness_verdict"] = []string{"", "fell", "rose", "same"}
	enums["awareness_locale"] = []string{string(hikeshi.LocaleJA), string(hikeshi.LocaleEN)}
}

// awarenessRoutes are the operations of awareness (IM-4).
func (h *Handler) awarenessRoutes() []route {
	const writers = " CSIRT and admins only; others get 403 (lists) or 404."
	return []route{
		{method: get, path: "/awareness/materials", op: "listAwarenessMaterials", tag: "awareness", summary: "Awareness material, newest first",
			doc: "Drafts and published material." + writers, list: true, status: http.StatusOK, resp: awarenessMaterialJSON{}, handle: h.listAwarenessMaterials},
		{method: post, path: "/awareness/materials", op: "createAwarenessMaterial", tag: "awareness", summary: "Write awareness material from scratch (CSIRT, admins)",
			doc:  "A draft; the title and text are required in Japanese and English (every person gets it in their language).",
			body: awarenessMaterialInputJSON{}, status: http.StatusCreated, resp: awarenessMaterialJSON{}, handle: h.createAwarenessMaterial},
		{method: get, path: "/awareness/materials/{id}", op: "getAwarenessMaterial", tag: "awareness", summary: "One material with its campaigns",
			doc:    "incident_id and incident_number are given only when the caller may see the source incident." + writers,
			status: http.StatusOK, resp: awarenessMaterialJSON{}, handle: h.getAwarenessMaterial},
		{method: put, path: "/awareness/materials/{id}", op: "putAwarenessMaterial", tag: "awareness", summary: "Replace a draft's words (CSIRT, admins)",
			doc:  "Published material is final (409 published).",
			body: awarenessMaterialInputJSON{}, status: http.StatusOK, resp: awarenessMaterialJSON{}, handle: h.putAwarenessMaterial},
		{method: post, path: "/awareness/materials/{id}/publish", op: "publishAwarenessMaterial", tag: "awareness", summary: "Publish a draft (CSIRT, admins)",
			doc: "From then on it can be sent in campaigns and no longer changed.", status: http.StatusOK, resp: awarenessMaterialJSON{}, handle: h.publishAwarenessMaterial},
		{method: post, path: "/incidents/{id}/awareness-material", op: "createAwarenessMaterialFromIncident", tag: "awareness",
			summary: "Make a draft from a closed incident in one step (CSIRT, admins)",
			doc: "An anonymised story in Japanese and English from the incident's category, summary, review and lessons (declined ones left out): " +
				"names, e-mail and IP addresses, host names, URLs, phone numbers and the incident number become placeholders. Edit it before publishing. " +
				"409 not_closed when the incident is not closed.",
			status: http.StatusCreated, resp: awarenessMaterialJSON{}, handle: h.awarenessFromIncident},
		{method: get, path: "/awareness/campaigns", op: "listAwarenessCampaigns", tag: "awareness", summary: "Campaigns, newest first",
			doc: "scope=mine (the default for everyone but CSIRT and admins): the started campaigns sent to the caller. scope=all: every campaign (CSIRT, admins).",
			params: []param{{name: "scope", typ: "string", enum: "awareness_scope", doc: "mine or all; default all for CSIRT and admins, mine otherwise."},
				{name: "material_id", typ: "uuid", doc: "Only the campaigns of this material (scope all)."}},
			list: true, status: http.StatusOK, resp: awarenessCampaignJSON{}, handle: h.listAwarenessCampaigns},
		{method: post, path: "/awareness/campaigns", op: "createAwarenessCampaign", tag: "awareness", summary: "Send published material to departments (CSIRT, admins)",
			doc: "The recipients are the active accounts of the departments (or everyone, all=true) now; each gets it in their language in the app " +
				"and by mail from starts_at (default now). ends_at is optional.",
			body: awarenessCampaignInputJSON{}, status: http.StatusCreated, resp: awarenessCampaignJSON{}, handle: h.createAwarenessCampaign},
		{method: get, path: "/awareness/campaigns/{id}", op: "getAwarenessCampaign", tag: "awareness", summary: "One campaign with its material and figures",
			doc: "Visible to CSIRT and admins, and from its start to the people it was sent to and the managers of its departments. Figures per department " +
				"and per person: every department for CSIRT and admins, their own for a manager, none for others (mine is the caller's own state). " +
				"people is at most 500 rows; people_next is the cursor of the rest (param people_after).",
			params: []param{{name: "people_after", typ: "uuid", doc: "The user id after which to list people."}},
			status: http.StatusOK, resp: awarenessCampaignJSON{}, handle: h.getAwarenessCampaign},
		{method: post, path: "/awareness/campaigns/{id}/read", op: "readAwarenessCampaign", tag: "awareness", summary: "Record that you opened a campaign sent to you",
			doc: "The first time is kept. 403 when it was not sent to you.", status: http.StatusOK, resp: awarenessRecipientJSON{}, handle: h.recordAwareness(false)},
		{method: post, path: "/awareness/campaigns/{id}/confirm", op: "confirmAwarenessCampaign", tag: "awareness",
			summary: "Record that you have read and understood a campaign sent to you", doc: "The first time is kept. 403 when it was not sent to you.",
			status: http.StatusOK, resp: awarenessRecipientJSON{}, handle: h.recordAwareness(true)},
		{method: get, path: "/awareness/campaigns/{id}/effect", op: "getAwarenessCampaignEffect", tag: "awareness",
			summary: "Incidents of the campaign's category per month before and after its start",
			doc: "Counted in the server's time zone, only incidents the caller may see; roles that may list incidents only. A comparison, not a proof: " +
				"correlation is not causation, and verdict is empty when there are fewer than 5 incidents in all.",
			params: []param{{name: "months", typ: "integer", doc: "Months on each side, 1 to 12; default 6."}},
			status: http.StatusOK, resp: awarenessEffectJSON{}, handle: h.getAwarenessEffect},
	}
}

// awarenessMaterialInputJSON is what the CSIRT writes.
type awarenessMaterialInputJSON struct {
	TitleJA  string `json:"title_ja"`
	BodyJA   string `json:"body_ja"`
	TitleEN  string `json:"title_en"`
	BodyEN   string `json:"body_en"`
	Category string `json:"category,omitempty" doc:"An RSIT class or type key; what the effect of its campaigns counts."`
}

// awarenessMaterialJSON is a material.
type awarenessMaterialJSON struct {
	ID string `json:"id" format:"uuid"`
	awarenessMaterialInputJSON
	Status         string                  `json:"status" enum:"awareness_status"`
	IncidentID     string                  `json:"incident_id,omitempty" format:"uuid"`
	IncidentNumber string                  `json:"incident_number,omitempty"`
	AuthorID       *string                 `json:"author_id" format:"uuid"`
	PublishedAt    *time.Time              `json:"published_at"`
	Campaigns      []awarenessCampaignJSON `json:"campaigns,omitempty" doc:"Newest first (one material only)."`
	CreatedAt      time.Time               `json:"created_at"`
	UpdatedAt      time.Time               `json:"updated_at"`
}

func toAwarenessMaterial(m hikeshi.AwarenessMaterial) awarenessMaterialJSON {
	return awarenessMaterialJSON{ID: m.ID, awarenessMaterialInputJSON: awarenessMaterialInputJSON{TitleJA: m.TitleJA, BodyJA: m.BodyJA,
		TitleEN: m.TitleEN, BodyEN: m.BodyEN, Category: m.Category}, Status: string(m.Status), AuthorID: strPtr(m.AuthorID),
		PublishedAt: timePtr(m.PublishedAt), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

func (in awarenessMaterialInputJSON) input() service.MaterialInput {
	return service.MaterialInput{AwarenessContent: hikeshi.AwarenessContent{TitleJA: in.TitleJA, BodyJA: in.BodyJA, TitleEN: in.TitleEN,
		BodyEN: in.BodyEN, Category: in.Category}}
}

// awarenessCampaignInputJSON starts a campaign.
type awarenessCampaignInputJSON struct {
	MaterialID    string     `json:"material_id" format:"uuid"`
	DepartmentIDs []string   `json:"department_ids,omitempty" doc:"The departments to send to; required unless all."`
	All           bool       `json:"all,omitempty" doc:"Send to everyone."`
	StartsAt      *time.Time `json:"starts_at,omitempty" doc:"Default now; today or later, within a year."`
	EndsAt        *time.Time `json:"ends_at,omitempty" doc:"Optional; after the start."`
}

// awarenessRecipientJSON is one person's state in a campaign.
type awarenessRecipientJSON struct {
	UserID       string     `json:"user_id" format:"uuid"`
	DepartmentID *string    `json:"department_id" format:"uuid"`
	Locale       string     `json:"locale" enum:"awareness_locale"`
	ReadAt       *time.Time `json:"read_at"`
	ConfirmedAt  *time.Time `json:"confirmed_at"`
	MailedAt     *time.Time `json:"mailed_at"`
}

func toAwarenessRecipient(r hikeshi.AwarenessRecipient) awarenessRecipientJSON {
	return awarenessRecipientJSON{UserID: r.UserID, DepartmentID: strPtr(r.DepartmentID), Locale: string(r.Locale), ReadAt: timePtr(r.ReadAt),
		ConfirmedAt: timePtr(r.ConfirmedAt), MailedAt: timePtr(r.MailedAt)}
}

// awarenessFigureJSON is one department's figures.
type awarenessFigureJSON struct {
	DepartmentID *string `json:"department_id" format:"uuid" doc:"null: people without a department."`
	Recipients   int     `json:"recipients"`
	Read         int     `json:"read"`
	Confirmed    int     `json:"confirmed"`
}

// awarenessCampaignJSON is a campaign.
type awarenessCampaignJSON struct {
	ID            string                   `json:"id" format:"uuid"`
	MaterialID    string                   `json:"material_id" format:"uuid"`
	Category      string                   `json:"category"`
	DepartmentIDs []string                 `json:"department_ids" doc:"Empty: everyone."`
	StartsAt      time.Time                `json:"starts_at"`
	EndsAt        *time.Time               `json:"ends_at"`
	Recipients    int                      `json:"recipients"`
	CreatedAt     time.Time                `json:"created_at"`
	Material      *awarenessMaterialJSON   `json:"material,omitempty" doc:"One campaign only."`
	Mine          *awarenessRecipientJSON  `json:"mine,omitempty" doc:"The caller's own state, when it was sent to them."`
	Figures       []awarenessFigureJSON    `json:"figures,omitempty"`
	People        []awarenessRecipientJSON `json:"people,omitempty"`
	PeopleNext    string                   `json:"people_next,omitempty"`
}

func toAwarenessCampaign(c hikeshi.AwarenessCampaign) awarenessCampaignJSON {
	out := awarenessCampaignJSON{ID: c.ID, MaterialID: c.MaterialID, Category: c.Category, DepartmentIDs: c.DepartmentIDs, StartsAt: c.StartsAt.UTC(),
		EndsAt: timePtr(c.EndsAt), Recipients: c.Recipients, CreatedAt: c.CreatedAt.UTC()}
	if out.DepartmentIDs == nil {
		out.DepartmentIDs = []string{}
	}
	return out
}

// awarenessMonthJSON is one month's count.
type awarenessMonthJSON struct {
	Month string `json:"month" doc:"YYYY-MM."`
	Count int    `json:"count"`
}

// awarenessEffectJSON is the effect of a campaign.
type awarenessEffectJSON struct {
	Category    string               `json:"category"`
	Before      []awarenessMonthJSON `json:"before" doc:"The months before the start's month, oldest first."`
	After       []awarenessMonthJSON `json:"after" doc:"The start's month and after, up to the current month."`
	Pending     int                  `json:"pending" doc:"After-months that have not begun yet."`
	Complete    int                  `json:"complete" doc:"After-months that have ended; after_rate counts only these."`
	BeforeTotal int                  `json:"before_total"`
	AfterTotal  int                  `json:"after_total"`
	BeforeRate  float64              `json:"before_rate" doc:"Incidents per month."`
	AfterRate   float64              `json:"after_rate"`
	Small       bool                 `json:"small" doc:"Fewer than 5 incidents in all: no verdict."`
	Verdict     string               `json:"verdict" enum:"awareness_verdict"`
}

func (h *Handler) listAwarenessMaterials(c *call) error {
	p, err := c.page("awareness-materials", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.AwarenessMaterial, error) {
		return h.svc.Awareness.ListMaterials(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(m hikeshi.AwarenessMaterial) string { return m.ID })
	if err != nil {
		return err
	}
	out := make([]awarenessMaterialJSON, len(items))
	for i, m := range items {
		out[i] = toAwarenessMaterial(m) // the source incident: in the detail, for those who may see it
	}
	return writePage(c, "awareness-materials", out, next)
}

func (h *Handler) createAwarenessMaterial(c *call) error {
	var in awarenessMaterialInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Awareness.CreateMaterial(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	return c.created(Prefix+"/awareness/materials/"+m.ID, toAwarenessMaterial(m))
}

func (h *Handler) getAwarenessMaterial(c *call) error {
	v, err := h.svc.Awareness.GetMaterial(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := toAwarenessMaterial(v.AwarenessMaterial)
	if v.Incident != nil {
		out.IncidentID, out.IncidentNumber = v.Incident.ID, v.Incident.Number
	}
	for _, cp := range v.Campaigns {
		out.Campaigns = append(out.Campaigns, toAwarenessCampaign(cp))
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) putAwarenessMaterial(c *call) error {
	var in awarenessMaterialInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Awareness.UpdateMaterial(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAwarenessMaterial(m))
}

func (h *Handler) publishAwarenessMaterial(c *call) error {
	m, err := h.svc.Awareness.PublishMaterial(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toAwarenessMaterial(m))
}

func (h *Handler) awarenessFromIncident(c *call) error {
	m, err := h.svc.Awareness.DraftFromIncident(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := toAwarenessMaterial(m)
	out.IncidentID = m.IncidentID
	return c.created(Prefix+"/awareness/materials/"+m.ID, out)
}

func (h *Handler) listAwarenessCampaigns(c *call) error {
	p, err := c.page("awareness-campaigns", validID)
	if err != nil {
		return err
	}
	scope := c.param("scope")
	if scope != "" && scope != "mine" && scope != "all" {
		return fieldError("scope", "unknown", "scope is mine or all.")
	}
	mid := c.param("material_id")
	if mid != "" && !validID(mid) {
		return fieldError("material_id", "invalid", "material_id must be a UUID.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.AwarenessCampaign, error) {
		return h.svc.Awareness.ListCampaigns(c.ctx(), c.actor, scope == "mine",
			hikeshi.AwarenessCampaignFilter{MaterialID: mid, Page: hikeshi.Page{After: after, Limit: n}})
	}, func(a hikeshi.AwarenessCampaign) string { return a.ID })
	if err != nil {
		return err
	}
	out := make([]awarenessCampaignJSON, len(items))
	for i, a := range items {
		out[i] = toAwarenessCampaign(a)
	}
	return writePage(c, "awareness-campaigns", out, next)
}

func (h *Handler) createAwarenessCampaign(c *call) error {
	var in awarenessCampaignInputJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.CampaignInput{MaterialID: in.MaterialID, DepartmentIDs: in.DepartmentIDs, All: in.All}
	if len(si.DepartmentIDs) > hikeshi.MaxAwarenessDepts {
		return fieldError("department_ids", "too_many", "too many departments.")
	}
	if in.StartsAt != nil {
		si.StartsAt = *in.StartsAt
	}
	if in.EndsAt != nil {
		si.EndsAt = *in.EndsAt
	}
	cp, err := h.svc.Awareness.CreateCampaign(c.ctx(), c.actor, si)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/awareness/campaigns/"+cp.ID, toAwarenessCampaign(cp))
}

func (h *Handler) getAwarenessCampaign(c *call) error {
	after := c.param("people_after")
	if after != "" && !validID(after) {
		return fieldError("people_after", "invalid", "people_after must be a UUID.")
	}
	v, err := h.svc.Awareness.GetCampaign(c.ctx(), c.actor, c.r.PathValue("id"), after)
	if err != nil {
		return err
	}
	out := toAwarenessCampaign(v.AwarenessCampaign)
	m := toAwarenessMaterial(v.Material)
	m.IncidentID = v.Material.IncidentID
	if v.Incident != nil {
		m.IncidentNumber = v.Incident.Number
	}
	out.Material = &m
	if v.Mine != nil {
		r := toAwarenessRecipient(*v.Mine)
		out.Mine = &r
	}
	for _, f := range v.Figures {
		out.Figures = append(out.Figures, awarenessFigureJSON{DepartmentID: strPtr(f.DepartmentID), Recipients: f.Recipients, Read: f.Read, Confirmed: f.Confirmed})
	}
	for _, p := range v.People {
		out.People = append(out.People, toAwarenessRecipient(p))
	}
	out.PeopleNext = v.PeopleNext
	return c.json(http.StatusOK, out)
}

func (h *Handler) recordAwareness(confirm bool) func(c *call) error {
	return func(c *call) error {
		var r hikeshi.AwarenessRecipient
		var err error
		if confirm {
			r, err = h.svc.Awareness.Confirm(c.ctx(), c.actor, c.r.PathValue("id"))
		} else {
			r, err = h.svc.Awareness.MarkRead(c.ctx(), c.actor, c.r.PathValue("id"))
		}
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, toAwarenessRecipient(r))
	}
}

func (h *Handler) getAwarenessEffect(c *call) error {
	months := 0
	if s := c.param("months"); s != "" {
		var err error
		if months, err = strconv.Atoi(s); err != nil || months < 1 || months > hikeshi.MaxAwarenessMonths {
			return fieldError("months", "out_of_range", "months is an integer from 1 to 12.")
		}
	}
	e, err := h.svc.Awareness.Effect(c.ctx(), c.actor, c.r.PathValue("id"), months, time.Local)
	if err != nil {
		return err
	}
	conv := func(ms []hikeshi.MonthCount) []awarenessMonthJSON {
		out := []awarenessMonthJSON{}
		for _, m := range ms {
			out = append(out, awarenessMonthJSON{Month: m.Month.Format("2006-01"), Count: m.Count})
		}
		return out
	}
	return c.json(http.StatusOK, awarenessEffectJSON{Category: e.Category, Before: conv(e.Before), After: conv(e.After), Pending: e.Pending, Complete: e.Complete,
		BeforeTotal: e.BeforeTotal, AfterTotal: e.AfterTotal, BeforeRate: e.BeforeRate, AfterRate: e.AfterRate, Small: e.Small, Verdict: e.Verdict})
}
