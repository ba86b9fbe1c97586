package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Frameworks is the ISMS's IS-3: frameworks, the measure catalogue and the
// Statement of Applicability (decision 0024).
//
// Who does what: every signed-in role reads all of it (a framework, the
// measures and the SoA are the organisation's shared map, not one
// department's records). Admins import frameworks. Admins and managers
// create and change any measure and edit the SoA; a department's members
// (the CSIRT included) change the measures their department owns, but not
// their owner. Auditors change nothing.
type Frameworks struct{ base }

// Limits of IS-3 input.
const (
	MaxMeasureNameLen        = 200
	MaxMeasureDescriptionLen = 4000
	MaxMeasureRequirements   = 200
	MaxJustificationLen      = 2000
)

// FrameworkInfo is a framework with how many requirements it has.
type FrameworkInfo struct {
	hikeshi.Framework
	Requirements int
	Withdrawn    int
}

// Frameworks lists the built-in framework, then the imported ones by key.
func (s *Frameworks) Frameworks(ctx context.Context, actor hikeshi.Actor) ([]FrameworkInfo, error) {
	out := []FrameworkInfo{{Framework: builtinFramework(), Requirements: len(hikeshi.ISO27001Requirements())}}
	fs, err := s.st.FindFrameworks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list frameworks: %w", err)
	}
	for _, f := range fs {
		reqs, err := s.st.FindRequirements(ctx, f.Key)
		if err != nil {
			return nil, fmt.Errorf("list frameworks: %w", err)
		}
		info := FrameworkInfo{Framework: f, Requirements: len(reqs)}
		for _, r := range reqs {
			if r.Withdrawn {
				info.Withdrawn++
			}
		}
		out = append(out, info)
	}
	return out, nil
}

func builtinFramework() hikeshi.Framework {
	return hikeshi.Framework{Key: hikeshi.ISO27001Key, Name: hikeshi.ISO27001Name, Version: "2022", Builtin: true}
}

// Framework returns one framework and its requirements in reading order.
func (s *Frameworks) Framework(ctx context.Context, actor hikeshi.Actor, key string) (hikeshi.Framework, []hikeshi.Requirement, error) {
	return s.framework(ctx, s.st, key)
}

func (s *Frameworks) framework(ctx context.Context, r hikeshi.Reader, key string) (hikeshi.Framework, []hikeshi.Requirement, error) {
	if key == hikeshi.ISO27001Key {
		return builtinFramework(), hikeshi.ISO27001Requirements(), nil
	}
	if !hikeshi.FrameworkKeyValid(key) {
		return hikeshi.Framework{}, nil, fmt.Errorf("framework %q: %w", key, hikeshi.ErrNotFound)
	}
	f, err := r.FindFramework(ctx, key)
	if err != nil {
		return hikeshi.Framework{}, nil, fmt.Errorf("framework: %w", err)
	}
	reqs, err := r.FindRequirements(ctx, key)
	if err != nil {
		return hikeshi.Framework{}, nil, fmt.Errorf("framework: %w", err)
	}
	return f, reqs, nil
}

// ImportResult is what an import did.
type ImportResult struct {
	Framework hikeshi.Framework
	Created   bool // false: an earlier import was updated
	Counts    []hikeshi.KindCount
}

// Import stores a parsed OSCAL catalog as framework key, in one transaction:
// a re-import updates titles, parents and withdrawal and adds new items;
// items no longer in the file are kept (mappings may name them). Admins only.
func (s *Frameworks) Import(ctx context.Context, actor hikeshi.Actor, key, name string, cat hikeshi.Catalog) (ImportResult, error) {
	if !actor.CanAdminister() {
		return ImportResult{}, forbid("import a framework")
	}
	key, name = strings.TrimSpace(key), strings.TrimSpace(name)
	var v hikeshi.ValidationError
	switch {
	case key == "":
		v.Add("framework", "required", "a framework key is required")
	case key == hikeshi.ISO27001Key:
		v.Add("framework", "reserved", "this key is the built-in framework's")
	case !hikeshi.FrameworkKeyValid(key):
		v.Add("framework", "invalid", "a framework key is 1 to 63 lower-case letters, digits, dots and dashes")
	}
	hikeshi.ValidateText(&v, "name", name, 200, true)
	if strings.ContainsAny(name, "\r\n") {
		v.Add("name", "invalid_text", "the name must be one line")
	}
	if len(cat.Requirements) == 0 {
		v.Add("catalog", "required", "the catalog holds no requirements")
	}
	if err := v.Err(); err != nil {
		return ImportResult{}, fmt.Errorf("import framework: %w", err)
	}
	res := ImportResult{Counts: hikeshi.Counts(cat.Requirements)}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		now := s.clock.Now()
		f := hikeshi.Framework{Key: key, Name: name, Version: cat.Version, CreatedAt: now, UpdatedAt: now}
		old, err := tx.FindFramework(ctx, key)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound):
			res.Created = true
		case err != nil:
			return err
		default:
			f.CreatedAt = old.CreatedAt
		}
		if err := tx.PutFramework(ctx, f); err != nil {
			return err
		}
		for _, r := range cat.Requirements {
			r.FrameworkKey = key
			if err := tx.PutRequirement(ctx, r); err != nil {
				return fmt.Errorf("requirement %s: %w", r.Ref, err)
			}
		}
		res.Framework = f
		counts := map[string]any{}
		for _, c := range res.Counts {
			counts[c.Kind] = map[string]int{"current": c.Current, "withdrawn": c.Withdrawn}
		}
		return s.audit(ctx, tx, actor, "framework.import", "framework", key, nil,
			map[string]any{"key": key, "name": name, "version": cat.Version, "created": res.Created, "counts": counts})
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import framework: %w", err)
	}
	return res, nil
}

// MeasureInput is a measure as typed.
type MeasureInput struct {
	Name         string
	Description  string
	DepartmentID string
	Status       hikeshi.MeasureStatus
	Requirements []hikeshi.RequirementRef
}

// canEditMeasures reports whether the actor may create measures and change any.
func canEditMeasures(a hikeshi.Actor) bool {
	return a.Role == hikeshi.RoleAdmin || a.Role == hikeshi.RoleManager
}

// CanEditMeasure reports whether the actor may change m.
func CanEditMeasure(a hikeshi.Actor, m hikeshi.Measure) bool {
	if a.ReadOnly() {
		return false
	}
	return canEditMeasures(a) || m.DepartmentID != "" && a.DepartmentID == m.DepartmentID
}

// CanCreateMeasure reports whether the actor may add measures.
func CanCreateMeasure(a hikeshi.Actor) bool { return canEditMeasures(a) }

// CanEditSoA reports whether the actor may change the Statement of Applicability.
func CanEditSoA(a hikeshi.Actor) bool { return canEditMeasures(a) }

// CanImportFramework reports whether the actor may import frameworks.
func CanImportFramework(a hikeshi.Actor) bool { return a.CanAdminister() }

// validateMeasure checks a measure as typed; keep are the mappings it had
// before, which may stay although their framework has since been archived.
func (s *Frameworks) validateMeasure(ctx context.Context, r hikeshi.Reader, m *hikeshi.Measure, keep []hikeshi.RequirementRef) error {
	var v hikeshi.ValidationError
	m.Name, m.Description, m.DepartmentID = strings.TrimSpace(m.Name), strings.TrimSpace(m.Description), strings.TrimSpace(m.DepartmentID)
	hikeshi.ValidateText(&v, "name", m.Name, MaxMeasureNameLen, true)
	if strings.ContainsAny(m.Name, "\r\n") {
		v.Add("name", "invalid_text", "the name must be one line")
	}
	hikeshi.ValidateText(&v, "description", m.Description, MaxMeasureDescriptionLen, false)
	if !m.Status.Valid() {
		v.Add("status", "unknown", "status must be planned, partial, implemented or not_applicable")
	}
	if m.DepartmentID != "" {
		_, err := r.FindDepartmentByID(ctx, m.DepartmentID)
		switch {
		case errors.Is(err, hikeshi.ErrNotFound), errors.Is(err, hikeshi.ErrInvalid):
			v.Add("department_id", "unknown", "no such department")
		case err != nil:
			return err
		}
	}
	if len(m.Requirements) > MaxMeasureRequirements {
		v.Add("requirements", "too_many", fmt.Sprintf("a measure maps onto at most %d requirements", MaxMeasureRequirements))
		return v.Err()
	}
	seen := map[hikeshi.RequirementRef]bool{}
	fwArchived := map[string]bool{}
	var refs []hikeshi.RequirementRef
	for _, ref := range m.Requirements {
		ref.FrameworkKey, ref.Ref = strings.TrimSpace(ref.FrameworkKey), strings.TrimSpace(ref.Ref)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		ok, err := s.requirementExists(ctx, r, ref)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("requirements", "unknown", fmt.Sprintf("no requirement %q in framework %q", trimForMsg(ref.Ref), trimForMsg(ref.FrameworkKey)))
			continue
		}
		if !slices.Contains(keep, ref) {
			archived, err := frameworkArchived(ctx, r, ref.FrameworkKey, fwArchived)
			if err != nil {
				return err
			}
			if archived {
				v.Add("requirements", "archived", fmt.Sprintf("framework %q is archived: its requirements are not newly mapped", trimForMsg(ref.FrameworkKey)))
				continue
			}
		}
		refs = append(refs, ref)
	}
	slices.SortFunc(refs, func(a, b hikeshi.RequirementRef) int {
		if c := strings.Compare(a.FrameworkKey, b.FrameworkKey); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	m.Requirements = refs
	return v.Err()
}

// frameworkArchived reports whether a stored framework is archived,
// remembering answers in seen. The built-in framework never is.
func frameworkArchived(ctx context.Context, r hikeshi.Reader, key string, seen map[string]bool) (bool, error) {
	if key == hikeshi.ISO27001Key {
		return false, nil
	}
	if a, ok := seen[key]; ok {
		return a, nil
	}
	f, err := r.FindFramework(ctx, key)
	if err != nil {
		return false, err
	}
	seen[key] = f.Archived
	return f.Archived, nil
}

func trimForMsg(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func (s *Frameworks) requirementExists(ctx context.Context, r hikeshi.Reader, ref hikeshi.RequirementRef) (bool, error) {
	if ref.FrameworkKey == hikeshi.ISO27001Key {
		for _, q := range hikeshi.ISO27001Requirements() {
			if q.Ref == ref.Ref && q.Kind != hikeshi.KindTheme {
				return true, nil
			}
		}
		return false, nil
	}
	if !hikeshi.FrameworkKeyValid(ref.FrameworkKey) || ref.Ref == "" || len(ref.Ref) > 100 {
		return false, nil
	}
	_, err := r.FindRequirement(ctx, ref.FrameworkKey, ref.Ref)
	switch {
	case errors.Is(err, hikeshi.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// measureAudit is what the audit log keeps of a measure.
func measureAudit(m hikeshi.Measure) map[string]any {
	refs := make([]string, 0, len(m.Requirements))
	for _, r := range m.Requirements {
		refs = append(refs, r.FrameworkKey+":"+r.Ref)
	}
	return map[string]any{"name": m.Name, "department_id": m.DepartmentID, "status": string(m.Status), "requirements": refs, "archived": m.Archived}
}

// CreateMeasure adds a measure to the catalogue. Admins and managers.
func (s *Frameworks) CreateMeasure(ctx context.Context, actor hikeshi.Actor, in MeasureInput) (hikeshi.Measure, error) {
	if !CanCreateMeasure(actor) {
		return hikeshi.Measure{}, forbid("create a measure")
	}
	var out hikeshi.Measure
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		now := s.clock.Now()
		m := hikeshi.Measure{ID: hikeshi.NewID(), Name: in.Name, Description: in.Description, DepartmentID: in.DepartmentID,
			Status: in.Status, Requirements: in.Requirements, CreatedAt: now, UpdatedAt: now}
		if err := s.validateMeasure(ctx, tx, &m, nil); err != nil {
			return err
		}
		if err := tx.CreateMeasure(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, "measure.create", "measure", m.ID, nil, measureAudit(m))
	})
	if err != nil {
		return hikeshi.Measure{}, fmt.Errorf("create measure: %w", err)
	}
	return out, nil
}

// UpdateMeasure changes a measure. Admins and managers change any; a
// department's members change their department's, but not its owner.
func (s *Frameworks) UpdateMeasure(ctx context.Context, actor hikeshi.Actor, id string, in MeasureInput) (hikeshi.Measure, error) {
	var out hikeshi.Measure
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		old, err := tx.FindMeasureByID(ctx, id)
		if err != nil {
			return err
		}
		if !CanEditMeasure(actor, old) {
			return forbid("change this measure")
		}
		if old.Archived {
			return errMeasureArchived
		}
		m := old
		m.Name, m.Description, m.Status, m.Requirements = in.Name, in.Description, in.Status, in.Requirements
		if canEditMeasures(actor) {
			m.DepartmentID = in.DepartmentID
		} else if strings.TrimSpace(in.DepartmentID) != old.DepartmentID {
			return hikeshi.Invalid("department_id", "forbidden", "only admins and managers change a measure's owner")
		}
		m.UpdatedAt = s.clock.Now()
		if err := s.validateMeasure(ctx, tx, &m, old.Requirements); err != nil {
			return err
		}
		if err := tx.UpdateMeasure(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, "measure.update", "measure", m.ID, measureAudit(old), measureAudit(m))
	})
	if err != nil {
		return hikeshi.Measure{}, fmt.Errorf("update measure: %w", err)
	}
	return out, nil
}

// Measure returns one measure.
func (s *Frameworks) Measure(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Measure, error) {
	m, err := s.st.FindMeasureByID(ctx, id)
	if err != nil {
		return hikeshi.Measure{}, fmt.Errorf("measure: %w", err)
	}
	return m, nil
}

// Measures lists measures newest first.
func (s *Frameworks) Measures(ctx context.Context, actor hikeshi.Actor, f hikeshi.MeasureFilter) ([]hikeshi.Measure, error) {
	ms, err := s.st.FindMeasures(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list measures: %w", err)
	}
	return ms, nil
}

// SoALine is one Annex A control in the Statement of Applicability.
type SoALine struct {
	Control  hikeshi.Requirement
	Entry    hikeshi.SoAEntry // zero ControlRef while undecided
	Measures []hikeshi.Measure
}

// Decided reports whether the control has an SoA entry.
func (l SoALine) Decided() bool { return l.Entry.ControlRef != "" }

// SoA returns the Statement of Applicability: the 93 Annex A controls in
// order, each with its entry and the measures mapped onto it.
func (s *Frameworks) SoA(ctx context.Context, actor hikeshi.Actor) ([]SoALine, error) {
	entries, err := s.st.FindSoA(ctx)
	if err != nil {
		return nil, fmt.Errorf("soa: %w", err)
	}
	by := map[string]hikeshi.SoAEntry{}
	for _, e := range entries {
		by[e.ControlRef] = e
	}
	controls := hikeshi.AnnexAControls()
	out := make([]SoALine, 0, len(controls))
	for _, c := range controls {
		ms, err := s.st.FindMeasuresByRequirement(ctx, hikeshi.ISO27001Key, c.Ref)
		if err != nil {
			return nil, fmt.Errorf("soa: %w", err)
		}
		// An archived measure no longer implements the control (decision 0027).
		ms = slices.DeleteFunc(ms, func(m hikeshi.Measure) bool { return m.Archived })
		out = append(out, SoALine{Control: c, Entry: by[c.Ref], Measures: ms})
	}
	return out, nil
}

// SoAInput is one control's decision.
type SoAInput struct {
	Applicable    bool
	Justification string
	Status        hikeshi.MeasureStatus
}

// SetSoA records a control's applicability, the reason for including or
// excluding it (required either way) and its implementation status (an
// excluded control is not_applicable). Admins and managers.
func (s *Frameworks) SetSoA(ctx context.Context, actor hikeshi.Actor, ref string, in SoAInput) (hikeshi.SoAEntry, error) {
	if !CanEditSoA(actor) {
		return hikeshi.SoAEntry{}, forbid("change the statement of applicability")
	}
	if !hikeshi.IsAnnexAControl(ref) {
		return hikeshi.SoAEntry{}, fmt.Errorf("soa control %q: %w", trimForMsg(ref), hikeshi.ErrNotFound)
	}
	e := hikeshi.SoAEntry{ControlRef: ref, Applicable: in.Applicable, Justification: strings.TrimSpace(in.Justification),
		Status: in.Status, UpdatedBy: actor.UserID}
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "justification", e.Justification, MaxJustificationLen, true)
	switch {
	case !e.Applicable && e.Status == "":
		e.Status = hikeshi.StatusNotApplicable
	case !e.Applicable && e.Status != hikeshi.StatusNotApplicable:
		v.Add("status", "invalid", "an excluded control's status is not_applicable")
	case !e.Applicable:
	case !e.Status.Valid():
		v.Add("status", "unknown", "status must be planned, partial or implemented")
	case e.Status == hikeshi.StatusNotApplicable:
		v.Add("status", "invalid", "an applicable control is planned, partial or implemented")
	}
	if err := v.Err(); err != nil {
		return hikeshi.SoAEntry{}, fmt.Errorf("set soa: %w", err)
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var before any
		entries, err := tx.FindSoA(ctx)
		if err != nil {
			return err
		}
		for _, old := range entries {
			if old.ControlRef == ref {
				before = soaAudit(old)
			}
		}
		e.UpdatedAt = s.clock.Now()
		if err := tx.PutSoAEntry(ctx, e); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "soa.set", "soa_entry", ref, before, soaAudit(e))
	})
	if err != nil {
		return hikeshi.SoAEntry{}, fmt.Errorf("set soa: %w", err)
	}
	return e, nil
}

func soaAudit(e hikeshi.SoAEntry) map[string]any {
	return map[string]any{"applicable": e.Applicable, "status": string(e.Status), "justification": e.Justification}
}

// SoACSVHeader is the first row of the SoA export.
var SoACSVHeader = []string{"control", "theme", "title_en", "title_ja", "applicable", "justification", "status", "measures", "updated_at"}

// WriteSoACSV writes the Statement of Applicability as CSV for spreadsheets
// (decision 0024): UTF-8 with a byte-order mark, so Excel in Japan opens it
// as UTF-8; CRLF line ends; every field quoted as needed by encoding/csv.
// A typed cell that starts with =, +, -, @, tab or CR is prefixed with a
// single quote so a spreadsheet does not run it as a formula. applicable is
// yes, no or empty (undecided); measures are names joined by "; ".
func WriteSoACSV(w io.Writer, lines []SoALine) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(SoACSVHeader); err != nil {
		return err
	}
	for _, l := range lines {
		applicable, updated := "", ""
		if l.Decided() {
			applicable = "no"
			if l.Entry.Applicable {
				applicable = "yes"
			}
			updated = l.Entry.UpdatedAt.UTC().Format(time.RFC3339)
		}
		names := make([]string, len(l.Measures))
		for i, m := range l.Measures {
			names[i] = m.Name
		}
		if err := cw.Write([]string{l.Control.Ref, l.Control.Theme, l.Control.TitleEN, l.Control.TitleJA, applicable,
			noFormula(l.Entry.Justification), string(l.Entry.Status), noFormula(strings.Join(names, "; ")), updated}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// noFormula defuses a cell a spreadsheet would read as a formula.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Refusals of archiving and deleting (409 in the API). The web localises them
// by field and code; "referenced" messages end with ": " and the names.
var (
	errMeasureArchived = &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "measure", Code: "archived",
		Message: "the measure is archived; restore it to change it"}}}
	errFrameworkBuiltin = &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "framework", Code: "builtin",
		Message: "the built-in framework ISO/IEC 27001:2022 is part of Hikeshi and cannot be archived or deleted"}}}
	errFrameworkProtected = &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "framework", Code: "protected",
		Message: "NIST CSF 2.0 ships with Hikeshi and cannot be deleted; archive it instead"}}}
)

// MaxReferencesNamed is how many references of each kind a refusal names.
const MaxReferencesNamed = 10

// SetMeasureArchived archives (true) or restores (false) a measure: whoever
// may change it. An archived measure is read-only, left out of the catalogue
// and the SoA unless asked for, cannot be newly mapped or linked, and stays on
// record with its history and mappings.
func (s *Frameworks) SetMeasureArchived(ctx context.Context, actor hikeshi.Actor, id string, archived bool) (hikeshi.Measure, error) {
	what := "archive measure"
	if !archived {
		what = "restore measure"
	}
	var out hikeshi.Measure
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := tx.FindMeasureByID(ctx, id)
		if err != nil {
			return err
		}
		if !CanEditMeasure(actor, m) {
			return forbid(what)
		}
		out = m
		if m.Archived == archived {
			return nil
		}
		before := m
		out.Archived, out.UpdatedAt = archived, s.clock.Now()
		if err := tx.UpdateMeasure(ctx, out); err != nil {
			return err
		}
		action := "measure.archive"
		if !archived {
			action = "measure.restore"
		}
		return s.audit(ctx, tx, actor, action, "measure", m.ID, measureAudit(before), measureAudit(out))
	})
	if err != nil {
		return hikeshi.Measure{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// MeasureReferenceNames formats references for people: "mapping
// iso27001-2022 A.5.1", "SoA A.5.1", "metric …", "finding …".
func MeasureReferenceNames(refs []hikeshi.MeasureReference) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		switch r.Kind {
		case hikeshi.MeasureRefRequirement:
			names[i] = "mapping " + r.Name
		case hikeshi.MeasureRefSoA:
			names[i] = "SoA " + r.Name
		default:
			names[i] = r.Kind + " " + r.Name
		}
	}
	return strings.Join(names, ", ")
}

// DeleteMeasure removes a measure entered by mistake: whoever may change it.
// A measure that anything refers to — a mapping onto a requirement, an SoA
// entry of a control it is linked to, a metric or a finding — is refused
// (409, code referenced) naming them: archive it instead.
func (s *Frameworks) DeleteMeasure(ctx context.Context, actor hikeshi.Actor, id string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := tx.FindMeasureByID(ctx, id)
		if err != nil {
			return err
		}
		if !CanEditMeasure(actor, m) {
			return forbid("delete measure")
		}
		refs, err := tx.FindMeasureReferences(ctx, id, MaxReferencesNamed)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "measure", Code: "referenced",
				Message: "other records refer to the measure; archive it instead: " + MeasureReferenceNames(refs)}}}
		}
		if err := tx.DeleteMeasure(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "measure.delete", "measure", id, measureAudit(m), nil)
	})
	if err != nil {
		return fmt.Errorf("delete measure: %w", err)
	}
	return nil
}

// CanManageFrameworks reports whether the actor may archive, restore and
// delete imported frameworks (whoever imports them: admins).
func CanManageFrameworks(a hikeshi.Actor) bool { return a.CanAdminister() }

// SetFrameworkArchived archives (true) or restores (false) an imported
// framework (admins). An archived framework stays readable and its existing
// mappings stay; its requirements are not offered for new mappings. The
// built-in ISO/IEC 27001:2022 is never archived.
func (s *Frameworks) SetFrameworkArchived(ctx context.Context, actor hikeshi.Actor, key string, archived bool) (hikeshi.Framework, error) {
	what := "archive framework"
	if !archived {
		what = "restore framework"
	}
	if !CanManageFrameworks(actor) {
		return hikeshi.Framework{}, forbid(what)
	}
	if key == hikeshi.ISO27001Key {
		return hikeshi.Framework{}, fmt.Errorf("%s: %w", what, errFrameworkBuiltin)
	}
	if !hikeshi.FrameworkKeyValid(key) {
		return hikeshi.Framework{}, fmt.Errorf("%s %q: %w", what, trimForMsg(key), hikeshi.ErrNotFound)
	}
	var out hikeshi.Framework
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		f, err := tx.FindFramework(ctx, key)
		if err != nil {
			return err
		}
		out = f
		if f.Archived == archived {
			return nil
		}
		now := s.clock.Now()
		if err := tx.SetFrameworkArchived(ctx, key, archived, now); err != nil {
			return err
		}
		out.Archived, out.UpdatedAt = archived, now
		action := "framework.archive"
		if !archived {
			action = "framework.restore"
		}
		return s.audit(ctx, tx, actor, action, "framework", key, map[string]any{"archived": f.Archived}, map[string]any{"archived": archived})
	})
	if err != nil {
		return hikeshi.Framework{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// DeleteFramework removes an imported framework and its requirements in one
// transaction (admins). The frameworks that ship with Hikeshi are refused
// (409: builtin for ISO/IEC 27001:2022, protected for NIST CSF 2.0), and so
// is a framework whose requirements measures are mapped onto or audit
// findings name (409, referenced, naming them): archive it instead.
func (s *Frameworks) DeleteFramework(ctx context.Context, actor hikeshi.Actor, key string) error {
	if !CanManageFrameworks(actor) {
		return forbid("delete framework")
	}
	switch {
	case key == hikeshi.ISO27001Key:
		return fmt.Errorf("delete framework: %w", errFrameworkBuiltin)
	case hikeshi.FrameworkProtected(key):
		return fmt.Errorf("delete framework: %w", errFrameworkProtected)
	case !hikeshi.FrameworkKeyValid(key):
		return fmt.Errorf("delete framework %q: %w", trimForMsg(key), hikeshi.ErrNotFound)
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		f, err := tx.FindFramework(ctx, key)
		if err != nil {
			return err
		}
		ms, err := tx.FindMeasuresByFramework(ctx, key, MaxReferencesNamed)
		if err != nil {
			return err
		}
		findings, err := tx.FindFindingsByFramework(ctx, key, MaxReferencesNamed)
		if err != nil {
			return err
		}
		if len(ms)+len(findings) > 0 {
			var names []string
			for _, m := range ms {
				names = append(names, m.Name)
			}
			for _, f := range findings {
				names = append(names, "finding "+f)
			}
			return &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "framework", Code: "referenced",
				Message: "measures or audit findings refer to the framework's requirements; archive it instead: " + strings.Join(names, ", ")}}}
		}
		reqs, err := tx.FindRequirements(ctx, key)
		if err != nil {
			return err
		}
		if err := tx.DeleteFramework(ctx, key); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "framework.delete", "framework", key,
			map[string]any{"key": f.Key, "name": f.Name, "version": f.Version, "archived": f.Archived, "requirements": len(reqs)}, nil)
	})
	if err != nil {
		return fmt.Errorf("delete framework: %w", err)
	}
	return nil
}
