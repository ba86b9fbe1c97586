package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/hikeshi/hikeshi"
)

// This file stores IS-3 (decision 0024): imported frameworks and their
// requirements, the measure catalogue with its mappings, and the SoA.

const frameworkCols = "key, name, version, archived, created_at, updated_at"

func scanFramework(s interface{ Scan(...any) error }) (hikeshi.Framework, error) {
	var f hikeshi.Framework
	var archived int
	err := s.Scan(&f.Key, &f.Name, &f.Version, &archived, timeCol{&f.CreatedAt}, timeCol{&f.UpdatedAt})
	f.Archived = archived == 1
	return f, err
}

// FindFrameworks lists the imported frameworks by key.
func (q queries) FindFrameworks(ctx context.Context) ([]hikeshi.Framework, error) {
	rows, err := q.query(ctx, "SELECT "+frameworkCols+" FROM frameworks ORDER BY key")
	if err != nil {
		return nil, err
	}
	return collect(rows, scanFramework)
}

// FindFramework returns one imported framework.
func (q queries) FindFramework(ctx context.Context, key string) (hikeshi.Framework, error) {
	f, err := scanFramework(q.row(ctx, "SELECT "+frameworkCols+" FROM frameworks WHERE key = ?", key))
	return f, notFound(err)
}

// PutFramework inserts a framework or updates its name and version.
func (t *tx) PutFramework(ctx context.Context, f hikeshi.Framework) error {
	_, err := t.exec(ctx, "INSERT INTO frameworks ("+frameworkCols+") VALUES (?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (key) DO UPDATE SET name = excluded.name, version = excluded.version, updated_at = excluded.updated_at",
		f.Key, f.Name, f.Version, boolInt(f.Archived), t.d.t(f.CreatedAt), t.d.t(f.UpdatedAt))
	return err
}

// SetFrameworkArchived archives or restores an imported framework.
func (t *tx) SetFrameworkArchived(ctx context.Context, key string, archived bool, at time.Time) error {
	return t.execOne(ctx, "UPDATE frameworks SET archived = ?, updated_at = ? WHERE key = ?", boolInt(archived), t.d.t(at), key)
}

// DeleteFramework removes an imported framework; its requirements go with it
// (ON DELETE CASCADE) in the same statement.
func (t *tx) DeleteFramework(ctx context.Context, key string) error {
	return t.execOne(ctx, "DELETE FROM frameworks WHERE key = ?", key)
}

const requirementCols = "framework_key, ref, parent_ref, kind, title_en, title_ja, withdrawn, sort"

func scanRequirement(s interface{ Scan(...any) error }) (hikeshi.Requirement, error) {
	var r hikeshi.Requirement
	var withdrawn int
	err := s.Scan(&r.FrameworkKey, &r.Ref, &r.Parent, &r.Kind, &r.TitleEN, &r.TitleJA, &withdrawn, &r.Sort)
	r.Withdrawn = withdrawn == 1
	return r, err
}

// FindRequirements lists a stored framework's requirements in reading order.
func (q queries) FindRequirements(ctx context.Context, key string) ([]hikeshi.Requirement, error) {
	rows, err := q.query(ctx, "SELECT "+requirementCols+" FROM framework_requirements WHERE framework_key = ? ORDER BY sort, ref", key)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRequirement)
}

// FindRequirement returns one stored requirement.
func (q queries) FindRequirement(ctx context.Context, key, ref string) (hikeshi.Requirement, error) {
	r, err := scanRequirement(q.row(ctx, "SELECT "+requirementCols+" FROM framework_requirements WHERE framework_key = ? AND ref = ?", key, ref))
	return r, notFound(err)
}

// PutRequirement inserts a requirement or updates everything but its key.
func (t *tx) PutRequirement(ctx context.Context, r hikeshi.Requirement) error {
	_, err := t.exec(ctx, "INSERT INTO framework_requirements ("+requirementCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (framework_key, ref) DO UPDATE SET parent_ref = excluded.parent_ref, kind = excluded.kind, "+
		"title_en = excluded.title_en, title_ja = excluded.title_ja, withdrawn = excluded.withdrawn, sort = excluded.sort",
		r.FrameworkKey, r.Ref, r.Parent, r.Kind, r.TitleEN, r.TitleJA, boolInt(r.Withdrawn), r.Sort)
	return err
}

const measureCols = "id, name, description, department_id, status, archived, created_at, updated_at"

func scanMeasure(s interface{ Scan(...any) error }) (hikeshi.Measure, error) {
	var m hikeshi.Measure
	var dept sql.NullString
	var archived int
	err := s.Scan(&m.ID, &m.Name, &m.Description, &dept, &m.Status, &archived, timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt})
	m.DepartmentID, m.Archived = dept.String, archived == 1
	return m, err
}

// mappings fills each measure's requirement references.
func (q queries) mappings(ctx context.Context, ms []hikeshi.Measure) error {
	for i := range ms {
		rows, err := q.query(ctx, "SELECT framework_key, ref FROM measure_requirements WHERE measure_id = ? ORDER BY framework_key, ref", ms[i].ID)
		if err != nil {
			return err
		}
		ms[i].Requirements, err = collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.RequirementRef, error) {
			var r hikeshi.RequirementRef
			return r, s.Scan(&r.FrameworkKey, &r.Ref)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// FindMeasureByID returns one measure with its mappings.
func (q queries) FindMeasureByID(ctx context.Context, id string) (hikeshi.Measure, error) {
	m, err := scanMeasure(q.row(ctx, "SELECT "+measureCols+" FROM measures WHERE id = ?", id))
	if err != nil {
		return hikeshi.Measure{}, notFound(err)
	}
	ms := []hikeshi.Measure{m}
	err = q.mappings(ctx, ms)
	return ms[0], err
}

// FindMeasures lists measures newest first after the cursor, walking the
// primary key (or (department_id, id)) backwards: no count, no sort.
func (q queries) FindMeasures(ctx context.Context, f hikeshi.MeasureFilter) ([]hikeshi.Measure, error) {
	p := f.Page.Normalize()
	query := "SELECT " + measureCols + " FROM measures WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.DepartmentID != "" {
		query += " AND department_id = ?"
		args = append(args, f.DepartmentID)
	}
	if !f.IncludeArchived {
		query += " AND archived = 0"
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	ms, err := collect(rows, scanMeasure)
	if err != nil {
		return nil, err
	}
	return ms, q.mappings(ctx, ms)
}

// FindMeasuresByRequirement lists the measures mapped onto one requirement, by name.
func (q queries) FindMeasuresByRequirement(ctx context.Context, key, ref string) ([]hikeshi.Measure, error) {
	rows, err := q.query(ctx, "SELECT "+measureCols+" FROM measures WHERE id IN "+
		"(SELECT measure_id FROM measure_requirements WHERE framework_key = ? AND ref = ?) ORDER BY name, id", key, ref)
	if err != nil {
		return nil, err
	}
	ms, err := collect(rows, scanMeasure)
	if err != nil {
		return nil, err
	}
	return ms, q.mappings(ctx, ms)
}

// CreateMeasure inserts a measure and its mappings.
func (t *tx) CreateMeasure(ctx context.Context, m hikeshi.Measure) error {
	if _, err := t.exec(ctx, "INSERT INTO measures ("+measureCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.Name, m.Description, nullString(m.DepartmentID), string(m.Status), boolInt(m.Archived), t.d.t(m.CreatedAt), t.d.t(m.UpdatedAt)); err != nil {
		return err
	}
	return t.putMappings(ctx, m)
}

// UpdateMeasure writes every mutable field and replaces the mappings.
func (t *tx) UpdateMeasure(ctx context.Context, m hikeshi.Measure) error {
	if err := t.execOne(ctx, "UPDATE measures SET name = ?, description = ?, department_id = ?, status = ?, archived = ?, updated_at = ? WHERE id = ?",
		m.Name, m.Description, nullString(m.DepartmentID), string(m.Status), boolInt(m.Archived), t.d.t(m.UpdatedAt), m.ID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM measure_requirements WHERE measure_id = ?", m.ID); err != nil {
		return err
	}
	return t.putMappings(ctx, m)
}

// DeleteMeasure removes a measure; its mappings go with it (ON DELETE CASCADE).
func (t *tx) DeleteMeasure(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM measures WHERE id = ?", id)
}

// FindMeasuresByFramework lists up to limit measures, by name, mapped onto
// any requirement of a framework.
func (q queries) FindMeasuresByFramework(ctx context.Context, key string, limit int) ([]hikeshi.Measure, error) {
	rows, err := q.query(ctx, "SELECT "+measureCols+" FROM measures WHERE id IN "+
		"(SELECT measure_id FROM measure_requirements WHERE framework_key = ?) ORDER BY name, id LIMIT ?", key, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMeasure)
}

// FindFindingsByFramework lists up to limit findings (descriptions cut at 80
// characters) whose framework_key names the framework.
func (q queries) FindFindingsByFramework(ctx context.Context, key string, limit int) ([]string, error) {
	rows, err := q.query(ctx, "SELECT description FROM findings WHERE framework_key = ? ORDER BY id LIMIT ?", key, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (string, error) {
		var d string
		err := s.Scan(&d)
		return cutName(d), err
	})
}

// cutName shortens a text that names a record to 80 characters.
func cutName(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// measureRefColumns are the tables of the checks area whose measure_id may
// name a measure (migration 0019), with the column that names their rows.
var measureRefColumns = []struct{ kind, table, name string }{
	{hikeshi.MeasureRefMetric, "metrics", "name"},
	{hikeshi.MeasureRefFinding, "findings", "description"},
}

// FindMeasureReferences lists up to limit records of each kind that refer to
// a measure: its mappings ("framework ref"), the decided SoA entries of the
// Annex A controls it is mapped onto (control ref), and the metrics (name)
// and findings (description, cut at 80 characters) whose measure_id names it.
func (q queries) FindMeasureReferences(ctx context.Context, id string, limit int) ([]hikeshi.MeasureReference, error) {
	var out []hikeshi.MeasureReference
	scanRef := func(kind string) func(interface{ Scan(...any) error }) (hikeshi.MeasureReference, error) {
		return func(s interface{ Scan(...any) error }) (hikeshi.MeasureReference, error) {
			var name string
			err := s.Scan(&name)
			return hikeshi.MeasureReference{Kind: kind, Name: cutName(name)}, err
		}
	}
	add := func(kind, query string, args ...any) error {
		rows, err := q.query(ctx, query, args...)
		if err != nil {
			return err
		}
		refs, err := collect(rows, scanRef(kind))
		out = append(out, refs...)
		return err
	}
	if err := add(hikeshi.MeasureRefRequirement, "SELECT framework_key || ' ' || ref FROM measure_requirements WHERE measure_id = ? "+
		"ORDER BY framework_key, ref LIMIT ?", id, limit); err != nil {
		return nil, err
	}
	if err := add(hikeshi.MeasureRefSoA, "SELECT control_ref FROM soa_entries WHERE control_ref IN "+
		"(SELECT ref FROM measure_requirements WHERE measure_id = ? AND framework_key = ?) ORDER BY control_ref LIMIT ?",
		id, hikeshi.ISO27001Key, limit); err != nil {
		return nil, err
	}
	for _, c := range measureRefColumns {
		if err := add(c.kind, "SELECT "+c.name+" FROM "+c.table+" WHERE measure_id = ? ORDER BY id LIMIT ?", id, limit); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *tx) putMappings(ctx context.Context, m hikeshi.Measure) error {
	for _, r := range m.Requirements {
		if _, err := t.exec(ctx, "INSERT INTO measure_requirements (measure_id, framework_key, ref) VALUES (?, ?, ?)",
			m.ID, r.FrameworkKey, r.Ref); err != nil {
			return err
		}
	}
	return nil
}

const soaCols = "control_ref, applicable, justification, status, updated_by, updated_at"

// FindSoA lists the stored SoA entries by control ref.
func (q queries) FindSoA(ctx context.Context) ([]hikeshi.SoAEntry, error) {
	rows, err := q.query(ctx, "SELECT "+soaCols+" FROM soa_entries ORDER BY control_ref")
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.SoAEntry, error) {
		var e hikeshi.SoAEntry
		var applicable int
		var by sql.NullString
		err := s.Scan(&e.ControlRef, &applicable, &e.Justification, &e.Status, &by, timeCol{&e.UpdatedAt})
		e.Applicable, e.UpdatedBy = applicable == 1, by.String
		return e, err
	})
}

// PutSoAEntry inserts or replaces a control's SoA entry.
func (t *tx) PutSoAEntry(ctx context.Context, e hikeshi.SoAEntry) error {
	_, err := t.exec(ctx, "INSERT INTO soa_entries ("+soaCols+") VALUES (?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (control_ref) DO UPDATE SET applicable = excluded.applicable, justification = excluded.justification, "+
		"status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
		e.ControlRef, boolInt(e.Applicable), e.Justification, string(e.Status), nullString(e.UpdatedBy), t.d.t(e.UpdatedAt))
	return err
}
