package api

import (
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["implementation_status"] = stringsOf(hikeshi.MeasureStatuses)
}

// frameworkRoutes are the operations of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
func (h *Handler) frameworkRoutes() []route {
	return []route{
		{method: get, path: "/isms/frameworks", op: "listFrameworks", tag: "frameworks", summary: "The frameworks: the built-in ISO/IEC 27001:2022, then the imported ones",
			doc:    "Readable by every signed-in role. Frameworks are imported with the command `hikeshi catalog import` (OSCAL catalogs).",
			status: http.StatusOK, resp: []frameworkJSON{}, handle: h.listFrameworks},
		{method: get, path: "/isms/frameworks/{key}/requirements", op: "listFrameworkRequirements", tag: "frameworks", summary: "A framework's requirements in reading order",
			doc:    "Clauses, themes and controls of ISO/IEC 27001:2022 (reference numbers and short titles only), or the groups and controls of an imported catalog, withdrawn ones flagged.",
			status: http.StatusOK, resp: []requirementJSON{}, handle: h.listRequirements},
		{method: post, path: "/isms/frameworks/{key}/archive", op: "archiveFramework", tag: "frameworks", summary: "Archive an imported framework (admins)",
			doc:    "Its requirements stay readable and existing mappings stay; they are no longer offered for new mappings. The built-in ISO/IEC 27001:2022 cannot be archived (409, code builtin).",
			status: http.StatusOK, resp: frameworkJSON{}, handle: h.archiveFramework(true)},
		{method: post, path: "/isms/frameworks/{key}/restore", op: "restoreFramework", tag: "frameworks", summary: "Restore an archived framework (admins)",
			status: http.StatusOK, resp: frameworkJSON{}, handle: h.archiveFramework(false)},
		{method: del, path: "/isms/frameworks/{key}", op: "deleteFramework", tag: "frameworks", summary: "Delete an imported framework with its requirements (admins)",
			doc:    "Refused (409) for the frameworks that ship with Hikeshi (code builtin for ISO/IEC 27001:2022, protected for nist-csf-2.0) and while measures are mapped onto its requirements (code referenced, naming the measures). Archive it instead.",
			status: http.StatusNoContent, handle: h.deleteFramework},
		{method: get, path: "/isms/measures", op: "listMeasures", tag: "frameworks", summary: "The measure catalogue, newest first",
			doc: "Archived measures are left out unless archived=true.",
			params: []param{
				{name: "department_id", typ: "uuid", doc: "Only measures this department owns."},
				{name: "archived", typ: "string", doc: "true lists archived measures too."},
			},
			list: true, status: http.StatusOK, resp: measureJSON{}, handle: h.listMeasures},
		{method: post, path: "/isms/measures", op: "createMeasure", tag: "frameworks", summary: "Add a measure (admins, managers)",
			body: measureInJSON{}, status: http.StatusCreated, resp: measureJSON{}, handle: h.createMeasure},
		{method: get, path: "/isms/measures/{id}", op: "getMeasure", tag: "frameworks", summary: "One measure",
			status: http.StatusOK, resp: measureJSON{}, handle: h.getMeasure},
		{method: put, path: "/isms/measures/{id}", op: "putMeasure", tag: "frameworks", summary: "Replace a measure (admins, managers; members of the owner department)",
			doc:  "Every field is replaced, the mappings too. Only admins and managers change the owner department.",
			body: measureInJSON{}, status: http.StatusOK, resp: measureJSON{}, handle: h.putMeasure},
		{method: del, path: "/isms/measures/{id}", op: "deleteMeasure", tag: "frameworks", summary: "Delete a measure entered by mistake (whoever may change it)",
			doc:    "Refused (409, code referenced) while anything refers to the measure: mappings onto requirements, SoA entries of the controls it is linked to, metrics or findings; the error names them. Archive it instead.",
			status: http.StatusNoContent, handle: h.deleteMeasure},
		{method: post, path: "/isms/measures/{id}/archive", op: "archiveMeasure", tag: "frameworks", summary: "Archive a measure (whoever may change it)",
			doc:    "An archived measure is read-only, left out of the catalogue and the SoA, and cannot be newly mapped or linked; it stays on record with its mappings and history.",
			status: http.StatusOK, resp: measureJSON{}, handle: h.archiveMeasure(true)},
		{method: post, path: "/isms/measures/{id}/restore", op: "restoreMeasure", tag: "frameworks", summary: "Restore an archived measure (whoever may change it)",
			status: http.StatusOK, resp: measureJSON{}, handle: h.archiveMeasure(false)},
		{method: get, path: "/isms/soa", op: "getSoA", tag: "frameworks", summary: "The Statement of Applicability: the 93 Annex A controls",
			status: http.StatusOK, resp: []soaJSON{}, handle: h.getSoA},
		{method: get, path: "/isms/soa.csv", op: "getSoACSV", tag: "frameworks", summary: "The Statement of Applicability as CSV",
			doc:    "A CSV file sent as application/octet-stream (a download, statement-of-applicability.csv): UTF-8 with a byte-order mark (for Excel), CRLF line ends; columns control, theme, title_en, title_ja, applicable (yes/no/empty), justification, status, measures, updated_at. A cell that would start a formula is prefixed with a single quote.",
			status: http.StatusOK, binary: true, handle: h.getSoACSV},
		{method: put, path: "/isms/soa/{control}", op: "putSoAEntry", tag: "frameworks", summary: "Decide one Annex A control (admins, managers)",
			doc:  "justification is required both ways: why the control is included, or why it is excluded. An excluded control's status is not_applicable (the default when left out).",
			body: soaInJSON{}, status: http.StatusOK, resp: soaJSON{}, handle: h.putSoA},
	}
}

// frameworkJSON is a framework.
type frameworkJSON struct {
	Key          string `json:"key"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Builtin      bool   `json:"builtin"`
	Archived     bool   `json:"archived" doc:"Archived: its requirements are not offered for new mappings."`
	Requirements int    `json:"requirements" doc:"How many requirements, withdrawn ones included."`
	Withdrawn    int    `json:"withdrawn"`
}

// requirementJSON is one requirement of a framework.
type requirementJSON struct {
	Ref       string  `json:"ref" doc:"The framework's own id, e.g. A.5.1 or GV.OC-01."`
	Parent    *string `json:"parent"`
	Kind      string  `json:"kind" doc:"clause, theme, control; or an OSCAL class such as function, category, subcategory."`
	Theme     *string `json:"theme" doc:"The Annex A theme of an ISO/IEC 27001 control."`
	TitleEN   string  `json:"title_en"`
	TitleJA   *string `json:"title_ja"`
	Withdrawn bool    `json:"withdrawn"`
}

func toRequirement(r hikeshi.Requirement) requirementJSON {
	return requirementJSON{Ref: r.Ref, Parent: strPtr(r.Parent), Kind: r.Kind, Theme: strPtr(r.Theme), TitleEN: r.TitleEN,
		TitleJA: strPtr(r.TitleJA), Withdrawn: r.Withdrawn}
}

// requirementRefJSON names a requirement.
type requirementRefJSON struct {
	Framework string `json:"framework" doc:"The framework's key, e.g. iso27001-2022."`
	Ref       string `json:"ref"`
}

// measureJSON is a measure of the catalogue.
type measureJSON struct {
	ID           string               `json:"id" format:"uuid"`
	Name         string               `json:"name"`
	Description  string               `json:"description"`
	DepartmentID *string              `json:"department_id" format:"uuid"`
	Status       string               `json:"status" enum:"implementation_status"`
	Requirements []requirementRefJSON `json:"requirements"`
	Archived     bool                 `json:"archived" doc:"Archived: read-only, not newly mapped or linked."`
	CreatedAt    time.Time            `json:"created_at"`
	UpdatedAt    time.Time            `json:"updated_at"`
}

func toMeasure(m hikeshi.Measure) measureJSON {
	out := measureJSON{ID: m.ID, Name: m.Name, Description: m.Description, DepartmentID: strPtr(m.DepartmentID), Status: string(m.Status),
		Requirements: make([]requirementRefJSON, len(m.Requirements)), Archived: m.Archived, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	for i, r := range m.Requirements {
		out.Requirements[i] = requirementRefJSON{Framework: r.FrameworkKey, Ref: r.Ref}
	}
	return out
}

// measureInJSON creates or replaces a measure.
type measureInJSON struct {
	Name         string               `json:"name" doc:"One line, at most 200 characters."`
	Description  string               `json:"description,omitempty" doc:"At most 4000 characters."`
	DepartmentID *string              `json:"department_id,omitempty" format:"uuid" doc:"The owner department."`
	Status       string               `json:"status" enum:"implementation_status"`
	Requirements []requirementRefJSON `json:"requirements,omitempty" doc:"At most 200."`
}

func (in measureInJSON) input() service.MeasureInput {
	out := service.MeasureInput{Name: in.Name, Description: in.Description, Status: hikeshi.MeasureStatus(in.Status)}
	if in.DepartmentID != nil {
		out.DepartmentID = *in.DepartmentID
	}
	for _, r := range in.Requirements {
		out.Requirements = append(out.Requirements, hikeshi.RequirementRef{FrameworkKey: r.Framework, Ref: r.Ref})
	}
	return out
}

// soaJSON is one control of the Statement of Applicability.
type soaJSON struct {
	Control       string     `json:"control" doc:"The Annex A control, e.g. A.5.1."`
	Theme         string     `json:"theme"`
	TitleEN       string     `json:"title_en"`
	TitleJA       string     `json:"title_ja"`
	Decided       bool       `json:"decided" doc:"false while no decision has been recorded; applicable and justification are then empty."`
	Applicable    bool       `json:"applicable"`
	Justification string     `json:"justification"`
	Status        *string    `json:"status" enum:"implementation_status"`
	Measures      []string   `json:"measures" doc:"Ids of the measures mapped onto the control."`
	UpdatedAt     *time.Time `json:"updated_at"`
}

func toSoA(l service.SoALine) soaJSON {
	out := soaJSON{Control: l.Control.Ref, Theme: l.Control.Theme, TitleEN: l.Control.TitleEN, TitleJA: l.Control.TitleJA,
		Decided: l.Decided(), Applicable: l.Entry.Applicable, Justification: l.Entry.Justification, Status: strPtr(string(l.Entry.Status)),
		Measures: make([]string, len(l.Measures)), UpdatedAt: timePtr(l.Entry.UpdatedAt)}
	for i, m := range l.Measures {
		out.Measures[i] = m.ID
	}
	return out
}

// soaInJSON decides one control.
type soaInJSON struct {
	Applicable    bool   `json:"applicable"`
	Justification string `json:"justification" doc:"Required: why included or why excluded. At most 2000 characters."`
	Status        string `json:"status,omitempty" enum:"implementation_status"`
}

func (h *Handler) listFrameworks(c *call) error {
	fs, err := h.svc.Frameworks.Frameworks(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := make([]frameworkJSON, len(fs))
	for i, f := range fs {
		out[i] = frameworkJSON{Key: f.Key, Name: f.Name, Version: f.Version, Builtin: f.Builtin, Archived: f.Archived,
			Requirements: f.Requirements, Withdrawn: f.Withdrawn}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) archiveFramework(archived bool) func(c *call) error {
	return func(c *call) error {
		key := c.r.PathValue("key")
		if _, err := h.svc.Frameworks.SetFrameworkArchived(c.ctx(), c.actor, key, archived); err != nil {
			return err
		}
		fs, err := h.svc.Frameworks.Frameworks(c.ctx(), c.actor)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.Key == key {
				return c.json(http.StatusOK, frameworkJSON{Key: f.Key, Name: f.Name, Version: f.Version, Builtin: f.Builtin, Archived: f.Archived,
					Requirements: f.Requirements, Withdrawn: f.Withdrawn})
			}
		}
		return hikeshi.ErrNotFound
	}
}

func (h *Handler) deleteFramework(c *call) error {
	if err := h.svc.Frameworks.DeleteFramework(c.ctx(), c.actor, c.r.PathValue("key")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) archiveMeasure(archived bool) func(c *call) error {
	return func(c *call) error {
		m, err := h.svc.Frameworks.SetMeasureArchived(c.ctx(), c.actor, c.r.PathValue("id"), archived)
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, toMeasure(m))
	}
}

func (h *Handler) deleteMeasure(c *call) error {
	if err := h.svc.Frameworks.DeleteMeasure(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) listRequirements(c *call) error {
	_, reqs, err := h.svc.Frameworks.Framework(c.ctx(), c.actor, c.r.PathValue("key"))
	if err != nil {
		return err
	}
	out := make([]requirementJSON, len(reqs))
	for i, r := range reqs {
		out[i] = toRequirement(r)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) listMeasures(c *call) error {
	p, err := c.page("measures", validID)
	if err != nil {
		return err
	}
	dept := c.param("department_id")
	if dept != "" && !validID(dept) {
		return fieldError("department_id", "invalid", "department_id must be a UUID.")
	}
	var archived bool
	switch c.param("archived") {
	case "", "false":
	case "true":
		archived = true
	default:
		return fieldError("archived", "invalid", "archived must be true or false.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Measure, error) {
		return h.svc.Frameworks.Measures(c.ctx(), c.actor, hikeshi.MeasureFilter{DepartmentID: dept, IncludeArchived: archived,
			Page: hikeshi.Page{After: after, Limit: n}})
	}, func(m hikeshi.Measure) string { return m.ID })
	if err != nil {
		return err
	}
	out := make([]measureJSON, len(items))
	for i, m := range items {
		out[i] = toMeasure(m)
	}
	return writePage(c, "measures", out, next)
}

func (h *Handler) createMeasure(c *call) error {
	var in measureInJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Frameworks.CreateMeasure(c.ctx(), c.actor, in.input())
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/measures/"+m.ID, toMeasure(m))
}

func (h *Handler) getMeasure(c *call) error {
	m, err := h.svc.Frameworks.Measure(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toMeasure(m))
}

func (h *Handler) putMeasure(c *call) error {
	var in measureInJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Frameworks.UpdateMeasure(c.ctx(), c.actor, c.r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toMeasure(m))
}

func (h *Handler) getSoA(c *call) error {
	lines, err := h.svc.Frameworks.SoA(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := make([]soaJSON, len(lines))
	for i, l := range lines {
		out[i] = toSoA(l)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getSoACSV(c *call) error {
	lines, err := h.svc.Frameworks.SoA(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "application/octet-stream") // the OpenAPI document declares binary files so (decision 0024)
	hd.Set("Content-Disposition", `attachment; filename="statement-of-applicability.csv"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	c.w.WriteHeader(http.StatusOK)
	service.WriteSoACSV(c.w, lines)
	return nil
}

func (h *Handler) putSoA(c *call) error {
	var in soaInJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	ref := c.r.PathValue("control")
	if _, err := h.svc.Frameworks.SetSoA(c.ctx(), c.actor, ref, service.SoAInput{Applicable: in.Applicable,
		Justification: in.Justification, Status: hikeshi.MeasureStatus(in.Status)}); err != nil {
		return err
	}
	lines, err := h.svc.Frameworks.SoA(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if l.Control.Ref == ref {
			return c.json(http.StatusOK, toSoA(l))
		}
	}
	return hikeshi.ErrNotFound
}
