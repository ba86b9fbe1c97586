package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.

// registerPatterns mounts the area's pages.
func (h *Handler) registerPatterns(handle handleFunc) {
	handle("GET /patterns", signedIn, h.patternsShow)
	handle("GET /patterns/edit", signedIn, h.patternsEdit)
	handle("POST /patterns/preview", signedIn, h.patternsPreview)
	handle("POST /patterns", signedIn, h.patternsApply)
}

// ---- localised names ----

// Activity names an activity of the responsibility matrix.
func (p *page) PatternActivity(a hikeshi.Activity) string { return a.Label().In(p.Lang) }

// PatternText is a text of the pattern data in the page's language.
func (p *page) PatternText(t hikeshi.Text) string { return t.In(p.Lang) }

// PatternTrigger names what starts a review of measures.
func (p *page) PatternTrigger(t hikeshi.ImprovementTrigger) string {
	if t == "" {
		return "—"
	}
	return t.Label().In(p.Lang)
}

// PatternCell is a template's cell the way the seed's tables read.
func (p *page) PatternCell(tpl hikeshi.Pattern, a hikeshi.Activity) string {
	return tpl.CellText(a).In(p.Lang)
}

// PatternSuits names the organisation a template suits.
func (p *page) PatternSuits(s hikeshi.Suitability) string {
	if s == "" {
		return "—"
	}
	return p.T("patterns.suits." + string(s))
}

// PatternInside says where a template's CSIRT sits.
func (p *page) PatternInside(tpl hikeshi.Pattern) string {
	if in := tpl.CSIRTInside(); in != "" {
		return p.T("patterns.csirt.inside", p.Kind(in))
	}
	if tpl.UnitOf(hikeshi.KindCSIRT) == nil {
		return p.T("patterns.csirt.none")
	}
	return p.T("patterns.csirt.own")
}

// ---- the matrix as the seed's tables draw it ----

// patternColumn is one unit of the organisation: a department and the kinds
// it plays.
type patternColumn struct {
	DepartmentID string
	Name         string
	Kinds        []hikeshi.DepartmentKind
}

// patternRow is one activity with a mark per column: "R" responsible,
// "+" together with, "" nothing.
type patternRow struct {
	Activity hikeshi.Activity
	Marks    []string
	Default  bool
}

func patternTable(p hikeshi.OrgPattern, names map[string]string) ([]patternColumn, []patternRow) {
	var cols []patternColumn
	for _, k := range hikeshi.PatternKindsUsed(p.Matrix) {
		d := p.Units[k]
		i := slices.IndexFunc(cols, func(c patternColumn) bool { return c.DepartmentID == d })
		if i < 0 {
			cols = append(cols, patternColumn{DepartmentID: d, Name: names[d]})
			i = len(cols) - 1
		}
		cols[i].Kinds = append(cols[i].Kinds, k)
	}
	var rows []patternRow
	for _, a := range hikeshi.Activities() {
		c := p.Matrix[a]
		row := patternRow{Activity: a, Default: c.Default}
		for _, col := range cols {
			switch {
			case slices.Contains(col.Kinds, c.Lead):
				row.Marks = append(row.Marks, "R")
			case slices.ContainsFunc(col.Kinds, func(k hikeshi.DepartmentKind) bool { return slices.Contains(c.With, k) }):
				row.Marks = append(row.Marks, "+")
			default:
				row.Marks = append(row.Marks, "")
			}
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// ColumnKinds describes the kinds a column plays: "IT department (CSIRT inside)".
func (p *page) PatternColumnKinds(c patternColumn) string {
	if len(c.Kinds) == 0 {
		return ""
	}
	s := p.Kind(c.Kinds[0])
	if len(c.Kinds) > 1 {
		var in []string
		for _, k := range c.Kinds[1:] {
			in = append(in, p.Kind(k))
		}
		s = p.T("patterns.column.inside", s, strings.Join(in, ", "))
	}
	return s
}

// ---- the page ----

type patternsView struct {
	page
	Current   *hikeshi.OrgPattern
	Template  hikeshi.Pattern // the current pattern's template
	Columns   []patternColumn
	Rows      []patternRow
	Templates []hikeshi.Pattern
	History   []hikeshi.OrgPattern
	Names     map[string]string // department id → name
	Users     map[string]string // user id → name, for who changed the pattern
	CanChange bool
}

// TemplateActivities lists the activities in the seed's order.
func (v *patternsView) TemplateActivities() []hikeshi.Activity { return hikeshi.Activities() }

// UserOf names who made a version; "—" when the reader may not see them.
func (v *patternsView) UserOf(id string) string {
	if n, ok := v.Users[id]; ok {
		return n
	}
	return "—"
}

// DeptOf names a department by id.
func (v *patternsView) DeptOf(id string) string {
	if n, ok := v.Names[id]; ok {
		return n
	}
	return id
}

// TemplateName names a template by key.
func (p *page) PatternName(k hikeshi.PatternKey) string {
	if t, ok := hikeshi.PatternByKey(k); ok {
		return t.Name.In(p.Lang)
	}
	return string(k)
}

func (h *Handler) departmentNames(r *http.Request) ([]hikeshi.Department, map[string]string, error) {
	ds, err := h.svc.Departments.List(r.Context(), h.stateOf(r).actor(), hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, d := range ds {
		names[d.ID] = d.Name
	}
	return ds, names, nil
}

func (h *Handler) patternsShow(w http.ResponseWriter, r *http.Request) error {
	a := h.stateOf(r).actor()
	cur, ok, err := h.svc.Patterns.Current(r.Context(), a)
	if err != nil {
		return err
	}
	tpls, err := h.svc.Patterns.Templates(a)
	if err != nil {
		return err
	}
	_, names, err := h.departmentNames(r)
	if err != nil {
		return err
	}
	v := &patternsView{Templates: tpls, Names: names, CanChange: a.Role == hikeshi.RoleAdmin}
	v.Active = "patterns"
	if ok {
		v.Current = &cur
		v.Template, _ = hikeshi.PatternByKey(cur.Template)
		v.Columns, v.Rows = patternTable(cur, names)
	}
	if a.CanReadAll() {
		if v.History, err = h.svc.Patterns.History(r.Context(), a, hikeshi.Page{Limit: 20}); err != nil {
			return err
		}
	}
	v.Users = map[string]string{}
	for _, p := range append(v.History, cur) {
		if _, done := v.Users[p.CreatedBy]; done || p.CreatedBy == "" {
			continue
		}
		u, err := h.svc.Users.Get(r.Context(), a, p.CreatedBy)
		if err == nil {
			v.Users[p.CreatedBy] = u.Name
		} else if !errors.Is(err, hikeshi.ErrNotFound) && !errors.Is(err, hikeshi.ErrForbidden) {
			return err
		}
	}
	h.fill(r, &v.page)
	switch r.URL.Query().Get("n") {
	case "applied":
		v.Notice = v.T("patterns.notice.applied")
	}
	return h.render(w, r, http.StatusOK, "patterns_show", v)
}

// ---- the change form, its preview and its confirmation ----

// patternForm is the change form as typed: fields template, units.<kind>,
// lead.<activity>, with.<activity> (checkboxes), note, base_version.
type patternForm struct {
	Template    string
	Units       map[hikeshi.DepartmentKind]string
	Lead        map[hikeshi.Activity]string
	With        map[hikeshi.Activity][]string
	Note        string
	BaseVersion string
}

// HasWith reports whether kind k is ticked as "with" for activity a.
func (f patternForm) HasWith(a hikeshi.Activity, k hikeshi.DepartmentKind) bool {
	return slices.Contains(f.With[a], string(k))
}

func patternFormOf(tpl hikeshi.Pattern, m hikeshi.PatternMatrix, units map[hikeshi.DepartmentKind]string, note string, base int) patternForm {
	f := patternForm{Template: string(tpl.Key), Units: map[hikeshi.DepartmentKind]string{}, Lead: map[hikeshi.Activity]string{},
		With: map[hikeshi.Activity][]string{}, Note: note}
	if base > 0 {
		f.BaseVersion = strconv.Itoa(base)
	}
	for k, d := range units {
		f.Units[k] = d
	}
	for a, c := range m {
		f.Lead[a] = string(c.Lead)
		for _, w := range c.With {
			f.With[a] = append(f.With[a], string(w))
		}
	}
	return f
}

func readPatternForm(r *http.Request) patternForm {
	f := patternForm{Template: trimmed(r, "template"), Units: map[hikeshi.DepartmentKind]string{}, Lead: map[hikeshi.Activity]string{},
		With: map[hikeshi.Activity][]string{}, Note: formValue(r, "note"), BaseVersion: trimmed(r, "base_version")}
	for _, k := range hikeshi.PatternUnitKinds() {
		f.Units[k] = trimmed(r, "units."+string(k))
	}
	for _, a := range hikeshi.Activities() {
		f.Lead[a] = trimmed(r, "lead."+string(a))
		f.With[a] = r.PostForm["with."+string(a)]
	}
	return f
}

func (f patternForm) input() (service.PatternInput, bool) {
	in := service.PatternInput{Template: hikeshi.PatternKey(f.Template), Note: f.Note, Units: map[hikeshi.DepartmentKind]string{},
		Matrix: hikeshi.PatternMatrix{}}
	for k, d := range f.Units {
		if d != "" {
			in.Units[k] = d
		}
	}
	for _, a := range hikeshi.Activities() {
		c := hikeshi.Assignment{Lead: hikeshi.DepartmentKind(f.Lead[a])}
		for _, w := range f.With[a] {
			if w != "" && w != f.Lead[a] { // "with" the lead itself is the lead
				c.With = append(c.With, hikeshi.DepartmentKind(w))
			}
		}
		in.Matrix[a] = c
	}
	if f.BaseVersion != "" {
		n, err := strconv.Atoi(f.BaseVersion)
		if err != nil || n < 0 {
			return in, false
		}
		in.BaseVersion = n
	}
	return in, true
}

type patternsEditView struct {
	page
	Form         patternForm
	Template     hikeshi.Pattern
	Templates    []hikeshi.Pattern
	Depts        []hikeshi.Department
	Names        map[string]string
	Activities   []hikeshi.Activity
	Kinds        []hikeshi.DepartmentKind
	Previewed    bool
	Moves        []service.PatternMove
	Releases     []service.PatternRelease
	ReleasesMore bool
	Pattern      hikeshi.OrgPattern // the previewed version
	Columns      []patternColumn
	Rows         []patternRow
}

// DeptOf names a department by id.
func (v *patternsEditView) DeptOf(id string) string {
	if n, ok := v.Names[id]; ok {
		return n
	}
	return id
}

// PatternEntity names the kind of a moved item.
func (p *page) PatternEntity(e string) string { return p.T("patterns.entity." + e) }

// routedPaths are the pages of the routed items' entities.
var routedPaths = map[string]string{
	hikeshi.RoutedTask:      "/tasks/",
	hikeshi.RoutedAction:    "/isms/actions/",
	hikeshi.RoutedRisk:      "/isms/risks/",
	hikeshi.RoutedDocument:  "/isms/documents/",
	hikeshi.RoutedProgramme: "/isms/audit-programmes/",
	hikeshi.RoutedMgmt:      "/isms/management-reviews/",
}

// RoutedLink is the page of a routed item.
func (p *page) RoutedLink(entity, id string) string {
	if base, ok := routedPaths[entity]; ok {
		return base + id
	}
	return "/patterns"
}

func (h *Handler) patternsEditView(r *http.Request) (*patternsEditView, error) {
	a := h.stateOf(r).actor()
	if a.Role != hikeshi.RoleAdmin {
		return nil, hikeshi.ErrForbidden
	}
	tpls, err := h.svc.Patterns.Templates(a)
	if err != nil {
		return nil, err
	}
	ds, names, err := h.departmentNames(r)
	if err != nil {
		return nil, err
	}
	v := &patternsEditView{Templates: tpls, Depts: ds, Names: names, Activities: hikeshi.Activities(), Kinds: hikeshi.PatternUnitKinds()}
	v.Active = "patterns"
	return v, nil
}

// defaultUnits maps each kind of tpl onto a department: the current
// pattern's choice, else the first department of that kind; kinds inside
// another unit go with their host.
func defaultUnits(tpl hikeshi.Pattern, cur map[hikeshi.DepartmentKind]string, ds []hikeshi.Department) map[hikeshi.DepartmentKind]string {
	out := map[hikeshi.DepartmentKind]string{}
	for _, k := range hikeshi.PatternUnitKinds() {
		if d := cur[k]; d != "" {
			out[k] = d
			continue
		}
		for _, d := range ds {
			if d.Kind == k {
				out[k] = d.ID
				break
			}
		}
	}
	for _, u := range tpl.Units {
		for _, k := range u[1:] {
			if host := out[u[0]]; host != "" {
				out[k] = host
			}
		}
	}
	return out
}

func (h *Handler) patternsEdit(w http.ResponseWriter, r *http.Request) error {
	v, err := h.patternsEditView(r)
	if err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	cur, ok, err := h.svc.Patterns.Current(r.Context(), a)
	if err != nil {
		return err
	}
	key := hikeshi.PatternKey(r.URL.Query().Get("template"))
	tpl, known := hikeshi.PatternByKey(key)
	switch {
	case known:
		// A template chosen to start from: its cells.
		v.Form = patternFormOf(tpl, tpl.Matrix, defaultUnits(tpl, cur.Units, v.Depts), "", cur.Version)
	case ok:
		tpl, _ = hikeshi.PatternByKey(cur.Template)
		v.Form = patternFormOf(tpl, cur.Matrix, defaultUnits(tpl, cur.Units, v.Depts), "", cur.Version)
	default:
		tpl, _ = hikeshi.PatternByKey(hikeshi.PatternTraditional)
		v.Form = patternFormOf(tpl, tpl.Matrix, defaultUnits(tpl, nil, v.Depts), "", 0)
	}
	v.Template = tpl
	h.fill(r, &v.page)
	if key != "" && !known {
		v.Alert = v.T("patterns.field.template")
	}
	return h.render(w, r, http.StatusOK, "patterns_edit", v)
}

// patternsErrors localises a validation error with this area's codes; the
// message of an activity left without a unit names it.
func (h *Handler) patternsErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		switch {
		case f.Code == "unassigned" && strings.HasPrefix(f.Field, "matrix."):
			msgs[f.Field] = p.T("patterns.field.unassigned", p.PatternActivity(hikeshi.Activity(strings.TrimPrefix(f.Field, "matrix."))))
		case f.Code == "same_unit" || f.Code == "duplicate":
			msgs[f.Field] = p.T("patterns.field." + f.Code)
		case f.Field == "template":
			msgs[f.Field] = p.T("patterns.field.template")
		}
	}
	return msgs, true
}

// patternsSubmit previews (apply false) or applies the typed change.
func (h *Handler) patternsSubmit(w http.ResponseWriter, r *http.Request, apply bool) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	v, err := h.patternsEditView(r)
	if err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	f := readPatternForm(r)
	v.Form = f
	v.Template, _ = hikeshi.PatternByKey(hikeshi.PatternKey(f.Template))
	in, ok := f.input()
	var res service.PatternPreview
	switch {
	case !ok:
		err = hikeshi.Invalid("base_version", "invalid", "the version is a whole number")
	case apply:
		res, err = h.svc.Patterns.Apply(r.Context(), a, in)
	default:
		res, err = h.svc.Patterns.Preview(r.Context(), a, in)
	}
	if err != nil {
		if errors.Is(err, hikeshi.ErrConflict) {
			h.fill(r, &v.page)
			v.Alert = v.T("patterns.conflict")
			return h.render(w, r, http.StatusConflict, "patterns_edit", v)
		}
		msgs, ok := h.patternsErrors(r, err)
		if !ok {
			return err
		}
		v.Errors = msgs
		h.fill(r, &v.page)
		v.Alert = v.T("patterns.fix_errors")
		if m := msgs["matrix"]; m != "" {
			v.Alert += " " + m
		}
		for _, act := range v.Activities {
			if m := msgs["matrix."+string(act)]; m != "" {
				v.Alert += " " + m
			}
		}
		return h.render(w, r, statusOf(err), "patterns_edit", v)
	}
	if apply {
		return redirect(w, r, "/patterns?n=applied")
	}
	v.Previewed, v.Moves, v.Pattern = true, res.Moves, res.Pattern
	v.Releases, v.ReleasesMore = res.Releases, res.ReleasesMore
	v.Columns, v.Rows = patternTable(res.Pattern, v.Names)
	h.fill(r, &v.page)
	return h.render(w, r, http.StatusOK, "patterns_edit", v)
}

func (h *Handler) patternsPreview(w http.ResponseWriter, r *http.Request) error {
	return h.patternsSubmit(w, r, false)
}

func (h *Handler) patternsApply(w http.ResponseWriter, r *http.Request) error {
	return h.patternsSubmit(w, r, true)
}
