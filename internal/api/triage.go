package api

import (
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["response_policy"] = stringsOf(hikeshi.ResponsePolicies)
	enums["triage_action"] = stringsOf(hikeshi.TriageActions)
	enums["triage_decision"] = stringsOf(hikeshi.TriageDecisions)
}

// triageRoutes are the operations of triage of reports and the priority matrix (IH-4).
func (h *Handler) triageRoutes() []route {
	return []route{
		{method: get, path: "/triage", op: "listTriageQueue", tag: "triage", summary: "Reports waiting for triage, oldest first (CSIRT, admins)",
			doc:  "Reports in status new or in_triage. Oldest first: the report that has waited longest is the one most at risk of missing its time to triage.",
			list: true, status: http.StatusOK, resp: triageQueueItemJSON{}, handle: h.listTriageQueue},
		{method: get, path: "/triage/reports/{id}", op: "getReportTriage", tag: "triage", summary: "A report's triage: its classification, decision and history (CSIRT, admins)",
			status: http.StatusOK, resp: reportTriageJSON{}, handle: h.getReportTriage},
		{method: put, path: "/triage/reports/{id}", op: "classifyReport", tag: "triage", summary: "Save a report's classification without deciding (CSIRT, admins)",
			doc:  "The priority follows impact × urgency through the organisation's matrix. A new report moves to in_triage. Saving the same classification again changes nothing.",
			body: classificationJSON{}, status: http.StatusOK, resp: reportTriageJSON{}, handle: h.classifyReport},
		{method: post, path: "/triage/reports/{id}/decisions", op: "decideReport", tag: "triage", summary: "Decide on a report (CSIRT, admins)",
			doc: "new_incident opens an incident from the report (title required; the report must be classified, or give classification here) — " +
				"a report that already belongs to an incident is a 409 naming it, so a repeated request opens one incident; " +
				"attach links the report to an incident you can see (incident: number or id); not_incident needs a reason and may answer the reporter " +
				"(message, read with the follow-up code); duplicate links it to another report (duplicate_of: number or id). " +
				"Every decision closes the report and is kept in the history with its time and author; a later decision revisits it.",
			body: decisionJSON{}, status: http.StatusCreated, resp: decisionResultJSON{}, handle: h.decideReport},

		{method: get, path: "/triage/matrix", op: "getPriorityMatrix", tag: "triage", summary: "The organisation's impact × urgency → priority matrix",
			status: http.StatusOK, resp: priorityMatrixJSON{}, handle: h.getMatrix},
		{method: put, path: "/triage/matrix", op: "updatePriorityMatrix", tag: "triage", summary: "Replace the priority matrix (admins, CSIRT)",
			body: priorityMatrixJSON{}, status: http.StatusOK, resp: priorityMatrixJSON{}, handle: h.updateMatrix},
		{method: get, path: "/triage/taxonomy", op: "getTaxonomy", tag: "triage", summary: "The Reference Security Incident Taxonomy and which of its classes and types the organisation uses",
			status: http.StatusOK, resp: taxonomyJSON{}, handle: h.getTaxonomy},
		{method: put, path: "/triage/taxonomy", op: "updateTaxonomy", tag: "triage", summary: "Choose the classes and types the organisation uses (admins, CSIRT)",
			doc:  "Keys left out are disabled: not offered for new classifications; records that carry one keep it. Disabling a class disables its types.",
			body: taxonomyUpdateJSON{}, status: http.StatusOK, resp: taxonomyJSON{}, handle: h.updateTaxonomy},

		{method: get, path: "/incidents/{id}/links", op: "getIncidentLinks", tag: "incidents", summary: "The reports an incident came from, its related incidents and merges",
			doc:    "Related and merged incidents you may not see are left out, and reports only for those who read reports.",
			status: http.StatusOK, resp: incidentLinksJSON{}, handle: h.getIncidentLinks},
		{method: post, path: "/incidents/{id}/links", op: "linkIncidents", tag: "incidents", summary: "Relate another incident to this one (CSIRT, admins)",
			doc:  "The link is symmetric: both incidents show it. An incident you may not see is a 404.",
			body: incidentLinkCreateJSON{}, status: http.StatusCreated, resp: incidentLinkJSON{}, handle: h.linkIncidents},
		{method: post, path: "/incidents/{id}/merge", op: "mergeIncident", tag: "incidents", summary: "Merge another incident into this one (CSIRT, admins)",
			doc:  "The other incident's reports move here, both timelines get a note, and the other incident is recorded as merged and closed.",
			body: incidentMergeCreateJSON{}, status: http.StatusOK, resp: incidentMergeJSON{}, handle: h.mergeIncident},
	}
}

// triageJSON is a report's current triage.
type triageJSON struct {
	Category     *string    `json:"category" doc:"A class or type key of the Reference Security Incident Taxonomy; null until classified."`
	Impact       *int       `json:"impact" doc:"1 (highest) to 4; null until classified."`
	Urgency      *int       `json:"urgency" doc:"1 (highest) to 4; null until classified."`
	Priority     *int       `json:"priority" doc:"1 (most urgent) to 4, from impact × urgency through the matrix."`
	TLP          *string    `json:"tlp" enum:"tlp"`
	OwnerID      *string    `json:"owner_id" format:"uuid"`
	Policy       *string    `json:"policy" enum:"response_policy"`
	PolicyNote   string     `json:"policy_note"`
	Decision     *string    `json:"decision" enum:"triage_decision" doc:"The latest decision; null while undecided."`
	DuplicateOf  *string    `json:"duplicate_of" format:"uuid" doc:"For duplicate: the original report."`
	Reason       string     `json:"reason" doc:"For not_incident: why."`
	ClassifiedBy *string    `json:"classified_by" format:"uuid"`
	ClassifiedAt *time.Time `json:"classified_at"`
	DecidedBy    *string    `json:"decided_by" format:"uuid"`
	DecidedAt    *time.Time `json:"decided_at"`
	IncidentID   *string    `json:"incident_id,omitempty" format:"uuid" doc:"The incident the report belongs to, when you may see it."`
	HasIncident  bool       `json:"has_incident,omitempty" doc:"The report belongs to an incident (perhaps one you may not see)."`
	AgeSeconds   int64      `json:"age_seconds,omitempty" doc:"How long the report has waited since it was reported."`
}

func triageInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func toTriage(t hikeshi.ReportTriage) triageJSON {
	return triageJSON{Category: strPtr(t.Category), Impact: triageInt(int(t.Impact)), Urgency: triageInt(int(t.Urgency)),
		Priority: triageInt(int(t.Priority)), TLP: strPtr(string(t.TLP)), OwnerID: strPtr(t.OwnerID), Policy: strPtr(string(t.Policy)),
		PolicyNote: t.PolicyNote, Decision: strPtr(string(t.Decision)), DuplicateOf: strPtr(t.DuplicateOfID), Reason: t.Reason,
		ClassifiedBy: strPtr(t.ClassifiedBy), ClassifiedAt: timePtr(t.ClassifiedAt), DecidedBy: strPtr(t.DecidedBy), DecidedAt: timePtr(t.DecidedAt)}
}

// triageQueueItemJSON is a report waiting for triage.
type triageQueueItemJSON struct {
	ID         string     `json:"id" format:"uuid"`
	Number     string     `json:"number"`
	Source     string     `json:"source" enum:"report_source"`
	Status     string     `json:"status" enum:"report_status"`
	ReportedAt time.Time  `json:"reported_at"`
	AgeSeconds int64      `json:"age_seconds" doc:"How long the report has waited since it was reported."`
	Excerpt    string     `json:"excerpt" doc:"The first words of the description, at most 120 characters."`
	Triage     triageJSON `json:"triage"`
}

// triageExcerpt is the first line of s, cut at n characters.
func triageExcerpt(s string, n int) string {
	for i, r := range s {
		if r == '\n' || r == '\r' {
			s = s[:i]
			break
		}
	}
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

func (h *Handler) listTriageQueue(c *call) error {
	p, err := c.page("triage", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.TriageQueueItem, error) {
		return h.svc.Triage.Queue(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(it hikeshi.TriageQueueItem) string { return it.Report.ID })
	if err != nil {
		return err
	}
	out := make([]triageQueueItemJSON, len(items))
	for i, it := range items {
		r := it.Report
		out[i] = triageQueueItemJSON{ID: r.ID, Number: r.Number, Source: string(r.Source), Status: string(r.Status),
			ReportedAt: r.ReportedAt.UTC(), AgeSeconds: int64(it.Waiting / time.Second),
			Excerpt: triageExcerpt(r.Description, 120), Triage: toTriage(it.Triage)}
	}
	return writePage(c, "triage", out, next)
}

// triageRecordJSON is one entry of a report's triage history.
type triageRecordJSON struct {
	ID          string    `json:"id" format:"uuid"`
	Action      string    `json:"action" enum:"triage_action" doc:"classified, or the decision taken."`
	Category    *string   `json:"category"`
	Impact      *int      `json:"impact"`
	Urgency     *int      `json:"urgency"`
	Priority    *int      `json:"priority"`
	TLP         *string   `json:"tlp" enum:"tlp"`
	OwnerID     *string   `json:"owner_id" format:"uuid"`
	Policy      *string   `json:"policy" enum:"response_policy"`
	IncidentID  *string   `json:"incident_id" format:"uuid"`
	DuplicateOf *string   `json:"duplicate_of" format:"uuid"`
	Reason      string    `json:"reason"`
	MessageID   *string   `json:"message_id" format:"uuid" doc:"The answer written to the reporter, if any."`
	AuthorID    *string   `json:"author_id" format:"uuid"`
	At          time.Time `json:"at"`
}

func toTriageRecord(r hikeshi.TriageRecord) triageRecordJSON {
	return triageRecordJSON{ID: r.ID, Action: string(r.Action), Category: strPtr(r.Category), Impact: triageInt(int(r.Impact)),
		Urgency: triageInt(int(r.Urgency)), Priority: triageInt(int(r.Priority)), TLP: strPtr(string(r.TLP)), OwnerID: strPtr(r.OwnerID),
		Policy: strPtr(string(r.Policy)), IncidentID: strPtr(r.IncidentID), DuplicateOf: strPtr(r.DuplicateOfID), Reason: r.Reason,
		MessageID: strPtr(r.MessageID), AuthorID: strPtr(r.AuthorID), At: r.At.UTC()}
}

// reportTriageJSON is a report with its triage and history.
type reportTriageJSON struct {
	Report  reportJSON         `json:"report"`
	Triage  triageJSON         `json:"triage"`
	History []triageRecordJSON `json:"history" doc:"Every classification and decision, oldest first, with its time and author."`
}

func (h *Handler) triageView(c *call, id string) (reportTriageJSON, error) {
	v, err := h.svc.Triage.Get(c.ctx(), c.actor, id)
	if err != nil {
		return reportTriageJSON{}, err
	}
	out := reportTriageJSON{Report: toReport(v.Report), Triage: toTriage(v.Triage), History: []triageRecordJSON{}}
	out.Triage.IncidentID, out.Triage.HasIncident = strPtr(v.Incident.ID), v.HasIncident
	out.Triage.AgeSeconds = int64(max(0, v.Now.Sub(v.Report.ReportedAt)/time.Second))
	for _, r := range v.History {
		out.History = append(out.History, toTriageRecord(r))
	}
	return out, nil
}

func (h *Handler) getReportTriage(c *call) error {
	out, err := h.triageView(c, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, out)
}

// classificationJSON classifies a report.
type classificationJSON struct {
	Category   string  `json:"category" doc:"A class or type key of the Reference Security Incident Taxonomy that the organisation uses."`
	Impact     int     `json:"impact" doc:"1 (highest) to 4."`
	Urgency    int     `json:"urgency" doc:"1 (highest) to 4."`
	TLP        string  `json:"tlp" enum:"tlp"`
	OwnerID    *string `json:"owner_id,omitempty" format:"uuid" doc:"A CSIRT member or admin; leave out for none."`
	Policy     string  `json:"policy,omitempty" enum:"response_policy"`
	PolicyNote string  `json:"policy_note,omitempty" doc:"Plain text, at most 2000 characters."`
}

func (in classificationJSON) input() service.ClassificationInput {
	out := service.ClassificationInput{Category: in.Category, Impact: hikeshi.Level(in.Impact), Urgency: hikeshi.Level(in.Urgency),
		TLP: hikeshi.TLP(in.TLP), Policy: hikeshi.ResponsePolicy(in.Policy), PolicyNote: in.PolicyNote}
	if in.OwnerID != nil {
		out.OwnerID = *in.OwnerID
	}
	return out
}

func (h *Handler) classifyReport(c *call) error {
	var in classificationJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	if _, err := h.svc.Triage.Classify(c.ctx(), c.actor, id, in.input()); err != nil {
		return err
	}
	return h.getReportTriage(c)
}

// decisionJSON decides on a report.
type decisionJSON struct {
	Decision       string              `json:"decision" enum:"triage_decision"`
	Classification *classificationJSON `json:"classification,omitempty" doc:"Saved first, in the same transaction."`
	Title          string              `json:"title,omitempty" doc:"new_incident: the incident's title, one line."`
	Incident       string              `json:"incident,omitempty" doc:"attach: the incident, by number (INC-2026-0001) or id."`
	DuplicateOf    string              `json:"duplicate_of,omitempty" doc:"duplicate: the original report, by number (RPT-2026-0001) or id."`
	Reason         string              `json:"reason,omitempty" doc:"not_incident: why (required)."`
	Message        string              `json:"message,omitempty" doc:"not_incident: an answer to the reporter, added to the report's thread."`
}

// decisionResultJSON is what a decision did.
type decisionResultJSON struct {
	Record   triageRecordJSON `json:"record"`
	Triage   triageJSON       `json:"triage"`
	Incident *incidentJSON    `json:"incident" doc:"new_incident and attach: the incident."`
}

func (h *Handler) decideReport(c *call) error {
	var in decisionJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	d := service.DecisionInput{Decision: hikeshi.TriageAction(in.Decision), Title: in.Title, Incident: in.Incident,
		DuplicateOf: in.DuplicateOf, Reason: in.Reason, Message: in.Message}
	if in.Classification != nil {
		ci := in.Classification.input()
		d.Classification = &ci
	}
	id := c.r.PathValue("id")
	res, err := h.svc.Triage.Decide(c.ctx(), c.actor, id, d)
	if err != nil {
		return err
	}
	out := decisionResultJSON{Record: toTriageRecord(res.Record), Triage: toTriage(res.Triage)}
	if res.Incident.ID != "" {
		inc := toIncident(res.Incident)
		out.Incident = &inc
		out.Triage.IncidentID = &inc.ID
	}
	return c.created(Prefix+"/triage/reports/"+id, out)
}

// priorityMatrixJSON is the priority matrix.
type priorityMatrixJSON struct {
	Matrix [][]int `json:"matrix" doc:"Four rows (impact 1–4) of four priorities (urgency 1–4); each 1 (most urgent) to 4."`
}

func (h *Handler) getMatrix(c *call) error {
	m, err := h.svc.Triage.Matrix(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, priorityMatrixJSON{Matrix: m.Rows()})
}

func (h *Handler) updateMatrix(c *call) error {
	var in priorityMatrixJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Triage.UpdateMatrix(c.ctx(), c.actor, in.Matrix)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, priorityMatrixJSON{Matrix: m.Rows()})
}

// rsitTypeJSON is one type of the taxonomy.
type rsitTypeJSON struct {
	Key     string `json:"key"`
	EN      string `json:"en"`
	JA      string `json:"ja"`
	Enabled bool   `json:"enabled"`
}

// rsitClassJSON is one class of the taxonomy with its types.
type rsitClassJSON struct {
	Key     string         `json:"key"`
	EN      string         `json:"en"`
	JA      string         `json:"ja"`
	Enabled bool           `json:"enabled"`
	Types   []rsitTypeJSON `json:"types"`
}

// taxonomyJSON is the taxonomy and what the organisation uses of it.
type taxonomyJSON struct {
	Enabled []string        `json:"enabled" doc:"The keys that may be chosen, in taxonomy order."`
	Classes []rsitClassJSON `json:"classes"`
}

// taxonomyUpdateJSON chooses the keys the organisation uses.
type taxonomyUpdateJSON struct {
	Enabled []string `json:"enabled" doc:"Class and type keys; at least one."`
}

func toTaxonomy(t hikeshi.Taxonomy) taxonomyJSON {
	out := taxonomyJSON{Enabled: t.EnabledKeys()}
	if out.Enabled == nil {
		out.Enabled = []string{}
	}
	for _, c := range hikeshi.RSIT {
		cj := rsitClassJSON{Key: c.Key, EN: c.EN, JA: c.JA, Enabled: t.Enabled(c.Key), Types: []rsitTypeJSON{}}
		for _, ty := range c.Types {
			cj.Types = append(cj.Types, rsitTypeJSON{Key: ty.Key, EN: ty.EN, JA: ty.JA, Enabled: slices.Contains(out.Enabled, ty.Key)})
		}
		out.Classes = append(out.Classes, cj)
	}
	return out
}

func (h *Handler) getTaxonomy(c *call) error {
	t, err := h.svc.Triage.Taxonomy(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toTaxonomy(t))
}

func (h *Handler) updateTaxonomy(c *call) error {
	var in taxonomyUpdateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	t, err := h.svc.Triage.UpdateTaxonomy(c.ctx(), c.actor, in.Enabled)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toTaxonomy(t))
}

// triageIncidentJSON names an incident briefly.
type triageIncidentJSON struct {
	ID     string `json:"id" format:"uuid"`
	Number string `json:"number"`
	Title  string `json:"title"`
	Phase  string `json:"phase" enum:"phase"`
	TLP    string `json:"tlp" enum:"tlp"`
}

func toTriageIncident(i hikeshi.Incident) triageIncidentJSON {
	return triageIncidentJSON{ID: i.ID, Number: i.Number, Title: i.Title, Phase: string(i.Phase), TLP: string(i.TLP)}
}

// triageReportRefJSON names a report briefly.
type triageReportRefJSON struct {
	ID         string    `json:"id" format:"uuid"`
	Number     string    `json:"number"`
	Source     string    `json:"source" enum:"report_source"`
	ReportedAt time.Time `json:"reported_at"`
}

// relatedIncidentJSON is an incident related to another.
type relatedIncidentJSON struct {
	Incident  triageIncidentJSON `json:"incident"`
	Note      string             `json:"note"`
	CreatedBy *string            `json:"created_by" format:"uuid"`
	CreatedAt time.Time          `json:"created_at"`
}

// incidentLinksJSON is the triage side of an incident.
type incidentLinksJSON struct {
	Reports    []triageReportRefJSON `json:"reports" doc:"The reports the incident came from, oldest first."`
	Related    []relatedIncidentJSON `json:"related"`
	MergedInto *triageIncidentJSON   `json:"merged_into" doc:"Set when this incident was merged into another you may see."`
	MergedFrom []triageIncidentJSON  `json:"merged_from" doc:"Incidents merged into this one."`
}

func (h *Handler) getIncidentLinks(c *call) error {
	l, err := h.svc.Triage.IncidentLinks(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := incidentLinksJSON{Reports: []triageReportRefJSON{}, Related: []relatedIncidentJSON{}, MergedFrom: []triageIncidentJSON{}}
	for _, r := range l.Reports {
		out.Reports = append(out.Reports, triageReportRefJSON{ID: r.ID, Number: r.Number, Source: string(r.Source), ReportedAt: r.ReportedAt.UTC()})
	}
	for _, r := range l.Related {
		out.Related = append(out.Related, relatedIncidentJSON{Incident: toTriageIncident(r.Incident), Note: r.Link.Note,
			CreatedBy: strPtr(r.Link.CreatedBy), CreatedAt: r.Link.CreatedAt.UTC()})
	}
	if l.MergedInto != nil {
		ref := toTriageIncident(*l.MergedInto)
		out.MergedInto = &ref
	}
	for _, i := range l.MergedFrom {
		out.MergedFrom = append(out.MergedFrom, toTriageIncident(i))
	}
	return c.json(http.StatusOK, out)
}

// incidentLinkCreateJSON relates another incident.
type incidentLinkCreateJSON struct {
	Incident string `json:"incident" doc:"The other incident, by number (INC-2026-0001) or id."`
	Note     string `json:"note,omitempty" doc:"Why they are related; plain text, at most 2000 characters."`
}

// incidentLinkJSON is a link between two incidents.
type incidentLinkJSON struct {
	ID         string    `json:"id" format:"uuid"`
	IncidentID string    `json:"incident_id" format:"uuid"`
	RelatedID  string    `json:"related_id" format:"uuid"`
	Note       string    `json:"note"`
	CreatedBy  *string   `json:"created_by" format:"uuid"`
	CreatedAt  time.Time `json:"created_at"`
}

func (h *Handler) linkIncidents(c *call) error {
	var in incidentLinkCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	l, err := h.svc.Triage.LinkIncidents(c.ctx(), c.actor, id, in.Incident, in.Note)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/incidents/"+id+"/links", incidentLinkJSON{ID: l.ID, IncidentID: l.IncidentID, RelatedID: l.RelatedID,
		Note: l.Note, CreatedBy: strPtr(l.CreatedBy), CreatedAt: l.CreatedAt.UTC()})
}

// incidentMergeCreateJSON merges another incident into this one.
type incidentMergeCreateJSON struct {
	Incident string `json:"incident" doc:"The incident to merge into this one, by number (INC-2026-0001) or id."`
	Note     string `json:"note,omitempty" doc:"Why; goes to both timelines. Plain text, at most 2000 characters."`
}

// incidentMergeJSON records a merge.
type incidentMergeJSON struct {
	IncidentID string    `json:"incident_id" format:"uuid" doc:"The merged incident, now closed."`
	IntoID     string    `json:"into_id" format:"uuid"`
	Note       string    `json:"note"`
	MergedBy   *string   `json:"merged_by" format:"uuid"`
	MergedAt   time.Time `json:"merged_at"`
}

func (h *Handler) mergeIncident(c *call) error {
	var in incidentMergeCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Triage.Merge(c.ctx(), c.actor, c.r.PathValue("id"), in.Incident, in.Note)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, incidentMergeJSON{IncidentID: m.IncidentID, IntoID: m.IntoID, Note: m.Note,
		MergedBy: strPtr(m.MergedBy), MergedAt: m.MergedAt.UTC()})
}
