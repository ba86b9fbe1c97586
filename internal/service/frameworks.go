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

func (s *Frameworks) validateMeasure(ctx context.Context, r hikeshi.Reader, m *hikeshi.Measure) error {
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
	return map[string]any{"name": m.Name, "department_id": m.DepartmentID, "status": string(m.Status), "requirements": refs}
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
		if err := s.validateMeasure(ctx, tx, &m); err != nil {
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
		m := old
		m.Name, m.Description, m.Status, m.Requirements = in.Name, in.Description, in.Status, in.Requirements
		if canEditMeasures(actor) {
			m.DepartmentID = in.DepartmentID
		} else if strings.TrimSpace(in.DepartmentID) != old.DepartmentID {
			return hikeshi.Invalid("department_id", "forbidden", "only admins and managers change a measure's owner")
		}
		m.UpdatedAt = s.clock.Now()
		if err := s.validateMeasure(ctx, tx, &m); err != nil {
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
