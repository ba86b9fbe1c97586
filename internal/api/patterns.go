package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["pattern_key"] = stringsOf(hikeshi.PatternKeys())
	enums["pattern_activity"] = stringsOf(hikeshi.Activities())
	enums["pattern_kind"] = stringsOf(hikeshi.PatternUnitKinds())
	enums["improvement_trigger"] = []string{string(hikeshi.TriggerAuditResults), string(hikeshi.TriggerIncidentResults)}
	enums["routed_entity"] = hikeshi.RoutedEntities()
}

// patternRoutes are the operations of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.
func (h *Handler) patternRoutes() []route {
	const change = "Admins only. The template's matrix is taken unless matrix is given (then it must assign every activity: " +
		"an activity without a responsible unit is a 422 on matrix.<activity>, code unassigned, naming it). " +
		"units maps every kind the matrix names onto a department (any department: the mapping says which one plays the role); " +
		"kinds the template puts in one unit (the CSIRT inside the IT or management department) map onto one department (code same_unit). " +
		"base_version, when given, must be the current version (else 409). "
	return []route{
		{method: get, path: "/patterns", op: "getOrgPattern", tag: "patterns", summary: "The organisation's pattern and its history",
			doc: "Every signed-in role reads the current pattern (null before one is chosen); the history (newest first, at most 50 versions) " +
				"is given to admins, managers, the CSIRT and auditors and is empty for members.",
			status: http.StatusOK, resp: patternsJSON{}, handle: h.getPatterns},
		{method: get, path: "/patterns/templates", op: "listPatternTemplates", tag: "patterns", summary: "The six built-in templates with the seed's reasons",
			status: http.StatusOK, resp: []patternTemplateJSON{}, handle: h.listPatternTemplates},
		{method: post, path: "/patterns/preview", op: "previewOrgPattern", tag: "patterns", summary: "What a change of the pattern would move, without changing anything",
			doc: change + "moves lists the open work the pattern routed (tasks routed by an activity, corrective actions from lessons) whose " +
				"responsible department would change; the title is empty (hidden true) for work of an incident the caller may not see.",
			body: patternInputJSON{}, status: http.StatusOK, resp: patternPreviewJSON{}, handle: h.previewPattern},
		{method: put, path: "/patterns", op: "putOrgPattern", tag: "patterns", summary: "Change the pattern and move the open work it routes",
			doc:  change + "The new version and every move are written in one transaction, with an audit entry for the change and one per moved item.",
			body: patternInputJSON{}, status: http.StatusOK, resp: patternPreviewJSON{}, handle: h.putPattern},
	}
}

type patternCellJSON struct {
	Activity string   `json:"activity" enum:"pattern_activity"`
	Lead     string   `json:"lead" enum:"pattern_kind" doc:"The unit that answers for the activity and receives its work."`
	With     []string `json:"with" doc:"Units that do the work together with lead (management, it, csirt)."`
	Default  bool     `json:"default,omitempty" doc:"A cell the seed leaves open, filled by PATTERNS.md's reading; read only."`
}

type patternUnitJSON struct {
	Kind         string `json:"kind" enum:"pattern_kind"`
	DepartmentID string `json:"department_id" format:"uuid"`
}

type patternTextJSON struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

type orgPatternJSON struct {
	ID        string            `json:"id" doc:"Empty in a preview."`
	Version   int               `json:"version" doc:"1, 2, 3 …; 0 in a preview."`
	Template  string            `json:"template" enum:"pattern_key"`
	Trigger   string            `json:"trigger" enum:"improvement_trigger"`
	Note      string            `json:"note" doc:"Plain text; never HTML."`
	Units     []patternUnitJSON `json:"units"`
	Matrix    []patternCellJSON `json:"matrix"`
	CreatedBy string            `json:"created_by"`
	CreatedAt *time.Time        `json:"created_at" doc:"Null in a preview."`
}

type patternsJSON struct {
	Current *orgPatternJSON  `json:"current"`
	History []orgPatternJSON `json:"history"`
}

type patternTemplateJSON struct {
	Key         string            `json:"key" enum:"pattern_key"`
	Name        patternTextJSON   `json:"name"`
	Units       [][]string        `json:"units" doc:"The template's units, each a list of kinds with the host first: [\"it\",\"csirt\"] is the CSIRT inside the IT department."`
	CSIRTInside string            `json:"csirt_inside" doc:"The kind of the department the CSIRT sits inside; empty when it is a unit of its own or absent."`
	Trigger     string            `json:"trigger" enum:"improvement_trigger"`
	Suits       string            `json:"suits"`
	Matrix      []patternCellJSON `json:"matrix"`
	Reasons     []patternTextJSON `json:"reasons"`
	Source      string            `json:"source"`
}

type patternInputJSON struct {
	Template    string            `json:"template"`
	Units       []patternUnitJSON `json:"units"`
	Matrix      []patternCellJSON `json:"matrix,omitempty" doc:"Edited cells: every activity once. Omit to take the template's."`
	Note        string            `json:"note,omitempty"`
	BaseVersion int               `json:"base_version,omitempty"`
}

type patternMoveJSON struct {
	Entity           string `json:"entity" enum:"routed_entity"`
	ID               string `json:"id" format:"uuid"`
	Title            string `json:"title"`
	Hidden           bool   `json:"hidden"`
	IncidentID       string `json:"incident_id"`
	Activity         string `json:"activity" enum:"pattern_activity"`
	FromDepartmentID string `json:"from_department_id" format:"uuid"`
	ToDepartmentID   string `json:"to_department_id" format:"uuid"`
}

// patternReleaseJSON: decision 0038.
type patternReleaseJSON struct {
	ImprovementID  string  `json:"improvement_id" format:"uuid"`
	LessonID       string  `json:"lesson_id" format:"uuid"`
	IncidentID     string  `json:"incident_id" format:"uuid"`
	Hidden         bool    `json:"hidden" doc:"True when you may not see the incident (TLP:RED, AMBER+STRICT): incident_number and lesson are then empty."`
	IncidentNumber string  `json:"incident_number"`
	Lesson         string  `json:"lesson" doc:"The lesson's first line."`
	ToDepartmentID *string `json:"to_department_id" format:"uuid" doc:"Where the action goes; null when neither the pattern nor the lesson says (the incident owner's department, or it keeps waiting)."`
}

type patternPreviewJSON struct {
	Pattern orgPatternJSON    `json:"pattern" doc:"The new version; id, version and created_at are empty in a preview."`
	Moves   []patternMoveJSON `json:"moves" doc:"Open work the pattern routed that moves: tasks, improvement actions, and ISMS items given no unit by a person (risks, basic policy and rules documents, audit programmes, management reviews)."`
	// Releases and ReleasesMore: decision 0038.
	Releases     []patternReleaseJSON `json:"releases" doc:"Waiting improvements that a switch from an audit-triggered to a real-time pattern opens at once (at most 200)."`
	ReleasesMore bool                 `json:"releases_more" doc:"More improvements wait than are listed; all of them are released."`
}

func toCells(m hikeshi.PatternMatrix) []patternCellJSON {
	out := []patternCellJSON{}
	for _, a := range hikeshi.Activities() {
		c, ok := m[a]
		if !ok {
			continue
		}
		w := stringsOf(c.With)
		out = append(out, patternCellJSON{Activity: string(a), Lead: string(c.Lead), With: w, Default: c.Default})
	}
	return out
}

func toOrgPattern(p hikeshi.OrgPattern) orgPatternJSON {
	out := orgPatternJSON{ID: p.ID, Version: p.Version, Template: string(p.Template), Trigger: string(p.Trigger), Note: p.Note,
		Units: []patternUnitJSON{}, Matrix: toCells(p.Matrix), CreatedBy: p.CreatedBy}
	if !p.CreatedAt.IsZero() {
		at := p.CreatedAt.UTC()
		out.CreatedAt = &at
	}
	for _, k := range hikeshi.PatternUnitKinds() {
		if d, ok := p.Units[k]; ok {
			out.Units = append(out.Units, patternUnitJSON{Kind: string(k), DepartmentID: d})
		}
	}
	return out
}

func (in patternInputJSON) input() (service.PatternInput, error) {
	out := service.PatternInput{Template: hikeshi.PatternKey(in.Template), Note: in.Note, BaseVersion: in.BaseVersion,
		Units: map[hikeshi.DepartmentKind]string{}}
	for _, u := range in.Units {
		k := hikeshi.DepartmentKind(u.Kind)
		if _, dup := out.Units[k]; dup {
			return out, hikeshi.Invalid("units", "duplicate", "each kind is mapped once")
		}
		out.Units[k] = u.DepartmentID
	}
	if in.Matrix != nil {
		out.Matrix = hikeshi.PatternMatrix{}
		for _, c := range in.Matrix {
			a := hikeshi.Activity(c.Activity)
			if _, dup := out.Matrix[a]; dup {
				return out, hikeshi.Invalid("matrix", "duplicate", "each activity is given once")
			}
			cell := hikeshi.Assignment{Lead: hikeshi.DepartmentKind(c.Lead)}
			for _, w := range c.With {
				cell.With = append(cell.With, hikeshi.DepartmentKind(w))
			}
			out.Matrix[a] = cell
		}
	}
	return out, nil
}

func toPreview(p service.PatternPreview) patternPreviewJSON {
	out := patternPreviewJSON{Pattern: toOrgPattern(p.Pattern), Moves: []patternMoveJSON{}}
	for _, m := range p.Moves {
		out.Moves = append(out.Moves, patternMoveJSON{Entity: m.Item.Entity, ID: m.Item.ID, Title: m.Item.Title, Hidden: m.Hidden,
			IncidentID: m.Item.IncidentID, Activity: string(m.Item.Activity), FromDepartmentID: m.From, ToDepartmentID: m.To})
	}
	out.Releases, out.ReleasesMore = []patternReleaseJSON{}, p.ReleasesMore
	for _, r := range p.Releases {
		out.Releases = append(out.Releases, patternReleaseJSON{ImprovementID: r.Improvement.ID, LessonID: r.Improvement.LessonID,
			IncidentID: r.Improvement.IncidentID, Hidden: r.Hidden, IncidentNumber: r.IncidentNumber, Lesson: r.Lesson, ToDepartmentID: strPtr(r.To)})
	}
	return out
}

func (h *Handler) getPatterns(c *call) error {
	cur, ok, err := h.svc.Patterns.Current(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := patternsJSON{History: []orgPatternJSON{}}
	if ok {
		j := toOrgPattern(cur)
		out.Current = &j
	}
	hist, err := h.svc.Patterns.History(c.ctx(), c.actor, hikeshi.Page{Limit: 50})
	if err != nil && !errors.Is(err, hikeshi.ErrForbidden) {
		return err
	}
	for _, p := range hist {
		out.History = append(out.History, toOrgPattern(p))
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) listPatternTemplates(c *call) error {
	ps, err := h.svc.Patterns.Templates(c.actor)
	if err != nil {
		return err
	}
	out := make([]patternTemplateJSON, 0, len(ps))
	for _, p := range ps {
		j := patternTemplateJSON{Key: string(p.Key), Name: patternTextJSON{p.Name.EN, p.Name.JA}, Units: [][]string{}, CSIRTInside: string(p.CSIRTInside()),
			Trigger: string(p.Trigger), Suits: string(p.Suits), Matrix: toCells(p.Matrix), Reasons: []patternTextJSON{}, Source: p.Source}
		for _, u := range p.Units {
			j.Units = append(j.Units, stringsOf(u))
		}
		for _, r := range p.Reasons {
			j.Reasons = append(j.Reasons, patternTextJSON{r.EN, r.JA})
		}
		out = append(out, j)
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) previewPattern(c *call) error {
	var body patternInputJSON
	if err := c.decode(&body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	p, err := h.svc.Patterns.Preview(c.ctx(), c.actor, in)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toPreview(p))
}

func (h *Handler) putPattern(c *call) error {
	var body patternInputJSON
	if err := c.decode(&body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	p, err := h.svc.Patterns.Apply(c.ctx(), c.actor, in)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toPreview(p))
}
