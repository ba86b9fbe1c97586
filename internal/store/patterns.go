package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
)

// The organisation's pattern (IN-2, decision 0031): versions of the
// responsibility matrix with their department mapping, and the open work the
// pattern routed.

const orgPatternCols = "id, version, template_key, improvement_trigger, matrix, note, created_by, created_at"

// patternCell is the stored form of one cell of the matrix.
type patternCell struct {
	Lead    hikeshi.DepartmentKind   `json:"lead"`
	With    []hikeshi.DepartmentKind `json:"with,omitempty"`
	Default bool                     `json:"default,omitempty"`
}

func encodeMatrix(m hikeshi.PatternMatrix) (string, error) {
	cells := make(map[hikeshi.Activity]patternCell, len(m))
	for a, r := range m {
		cells[a] = patternCell{Lead: r.Lead, With: r.With, Default: r.Default}
	}
	b, err := json.Marshal(cells)
	return string(b), err
}

func scanOrgPattern(s checkScanner) (hikeshi.OrgPattern, error) {
	var p hikeshi.OrgPattern
	var matrix string
	var by sql.NullString
	if err := s.Scan(&p.ID, &p.Version, &p.Template, &p.Trigger, &matrix, &p.Note, &by, timeCol{&p.CreatedAt}); err != nil {
		return p, err
	}
	p.CreatedBy = by.String
	var cells map[hikeshi.Activity]patternCell
	if err := json.Unmarshal([]byte(matrix), &cells); err != nil {
		return p, fmt.Errorf("store: pattern %s matrix: %w", p.ID, err)
	}
	p.Matrix = make(hikeshi.PatternMatrix, len(cells))
	for a, c := range cells {
		p.Matrix[a] = hikeshi.Assignment{Lead: c.Lead, With: c.With, Default: c.Default}
	}
	return p, nil
}

// units fills the department mapping of each pattern.
func (q queries) orgPatternUnits(ctx context.Context, ps []hikeshi.OrgPattern) error {
	for i := range ps {
		rows, err := q.query(ctx, "SELECT kind, department_id FROM org_pattern_units WHERE pattern_id = ? ORDER BY kind", ps[i].ID)
		if err != nil {
			return err
		}
		ps[i].Units = map[hikeshi.DepartmentKind]string{}
		for rows.Next() {
			var k, d string
			if err := rows.Scan(&k, &d); err != nil {
				rows.Close()
				return err
			}
			ps[i].Units[hikeshi.DepartmentKind(k)] = d
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// CurrentOrgPattern returns the highest version.
func (q queries) CurrentOrgPattern(ctx context.Context) (hikeshi.OrgPattern, error) {
	p, err := scanOrgPattern(q.row(ctx, "SELECT "+orgPatternCols+" FROM org_patterns ORDER BY version DESC LIMIT 1"))
	if err != nil {
		return p, notFound(err)
	}
	ps := []hikeshi.OrgPattern{p}
	if err := q.orgPatternUnits(ctx, ps); err != nil {
		return p, err
	}
	return ps[0], nil
}

// FindOrgPatterns lists versions newest first.
func (q queries) FindOrgPatterns(ctx context.Context, p hikeshi.Page) ([]hikeshi.OrgPattern, error) {
	query, args := checkPageDesc("SELECT "+orgPatternCols+" FROM org_patterns WHERE 1 = 1", nil, p)
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	ps, err := collect(rows, scanOrgPattern)
	if err != nil {
		return nil, err
	}
	return ps, q.orgPatternUnits(ctx, ps)
}

// FindRoutedWork lists active routed tasks and active corrective actions from lessons, oldest first.
func (q queries) FindRoutedWork(ctx context.Context, today string) ([]hikeshi.RoutedItem, error) {
	var out []hikeshi.RoutedItem
	scan := func(query string, entity string, args ...any) error {
		rows, err := q.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := hikeshi.RoutedItem{Entity: entity}
			if err := rows.Scan(&it.ID, &it.Title, &it.IncidentID, &it.Activity, &it.DepartmentID); err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	}
	if err := scan(`SELECT id, title, incident_id, routed_activity, department_id FROM tasks
		WHERE routed_activity <> '' AND status IN ('open', 'in_progress') ORDER BY id`, hikeshi.RoutedTask); err != nil {
		return nil, err
	}
	if err := scan(`SELECT id, title, '', 'improvement', department_id FROM corrective_actions
		WHERE source_kind = 'lesson' AND status IN ('open', 'in_progress', 'ineffective') ORDER BY id`, hikeshi.RoutedAction); err != nil {
		return nil, err
	}
	if err := scan(`SELECT id, title, '', routed_activity, owner_department_id FROM risks
		WHERE routed_activity <> '' ORDER BY id`, hikeshi.RoutedRisk); err != nil {
		return nil, err
	}
	if err := scan(`SELECT id, title, '', routed_activity, department_id FROM documents
		WHERE routed_activity <> '' AND archived = 0 ORDER BY id`, hikeshi.RoutedDocument); err != nil {
		return nil, err
	}
	if err := scan(`SELECT id, title, '', routed_activity, COALESCE(department_id, '') FROM audit_programmes
		WHERE routed_activity <> '' AND period_end >= ? ORDER BY id`, hikeshi.RoutedProgramme, today); err != nil {
		return nil, err
	}
	if err := scan(`SELECT id, title, '', routed_activity, COALESCE(department_id, '') FROM management_reviews
		WHERE routed_activity <> '' AND status IN ('planned', 'held') ORDER BY id`, hikeshi.RoutedMgmt); err != nil {
		return nil, err
	}
	return out, nil
}

// routedTables maps the ISMS items' entities onto their table and department column.
var routedTables = map[string][2]string{
	hikeshi.RoutedRisk:      {"risks", "owner_department_id"},
	hikeshi.RoutedDocument:  {"documents", "department_id"},
	hikeshi.RoutedProgramme: {"audit_programmes", "department_id"},
	hikeshi.RoutedMgmt:      {"management_reviews", "department_id"},
}

// MarkRouted records or clears the activity that chose an ISMS item's department.
func (t *tx) MarkRouted(ctx context.Context, entity, id string, a hikeshi.Activity) error {
	tbl, ok := routedTables[entity]
	if !ok {
		return fmt.Errorf("store: mark routed %q: unknown entity", entity)
	}
	return t.execOne(ctx, "UPDATE "+tbl[0]+" SET routed_activity = ? WHERE id = ?", string(a), id)
}

// CreateOrgPattern inserts a version and its units.
func (t *tx) CreateOrgPattern(ctx context.Context, p hikeshi.OrgPattern) error {
	matrix, err := encodeMatrix(p.Matrix)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, "INSERT INTO org_patterns ("+orgPatternCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.Version, string(p.Template), string(p.Trigger), matrix, p.Note, nullString(p.CreatedBy), t.d.t(p.CreatedAt)); err != nil {
		return err
	}
	for _, k := range hikeshi.PatternUnitKinds() {
		d, ok := p.Units[k]
		if !ok || d == "" {
			continue
		}
		if _, err := t.exec(ctx, "INSERT INTO org_pattern_units (pattern_id, kind, department_id) VALUES (?, ?, ?)", p.ID, string(k), d); err != nil {
			return err
		}
	}
	return nil
}

// MarkTaskRouted records the activity that chose a task's department.
func (t *tx) MarkTaskRouted(ctx context.Context, taskID string, a hikeshi.Activity) error {
	return t.execOne(ctx, "UPDATE tasks SET routed_activity = ? WHERE id = ?", string(a), taskID)
}

// MoveRoutedItem moves a routed task or lesson action to another department;
// an assignee or owner who is not a member of it is dropped.
func (t *tx) MoveRoutedItem(ctx context.Context, it hikeshi.RoutedItem, departmentID string, at time.Time) error {
	switch it.Entity {
	case hikeshi.RoutedTask:
		return t.execOne(ctx, `UPDATE tasks SET department_id = ?,
			assignee_id = CASE WHEN assignee_id IN (SELECT id FROM users WHERE department_id = ?) THEN assignee_id ELSE NULL END,
			updated_at = ? WHERE id = ?`, departmentID, departmentID, t.d.t(at), it.ID)
	case hikeshi.RoutedAction:
		return t.execOne(ctx, `UPDATE corrective_actions SET department_id = ?,
			owner_id = CASE WHEN owner_id IN (SELECT id FROM users WHERE department_id = ?) THEN owner_id ELSE NULL END,
			updated_at = ? WHERE id = ?`, departmentID, departmentID, t.d.t(at), it.ID)
	}
	if tbl, ok := routedTables[it.Entity]; ok {
		// Only an item still routed moves: one a person placed meanwhile stays.
		return t.execOne(ctx, "UPDATE "+tbl[0]+" SET "+tbl[1]+" = ?, updated_at = ? WHERE id = ? AND routed_activity <> ''",
			departmentID, t.d.t(at), it.ID)
	}
	return fmt.Errorf("store: move %q: unknown entity", it.Entity)
}
