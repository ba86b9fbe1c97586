package hikeshi

import (
	"context"
	"time"
)

// OrgPattern is one version of the organisation's pattern (IN-2): a built-in
// template's responsibility matrix, possibly with edited cells, mapped onto
// the organisation's departments. Versions are never changed; the current
// pattern is the highest version.
type OrgPattern struct {
	ID       string
	Version  int
	Template PatternKey
	Trigger  ImprovementTrigger
	Matrix   PatternMatrix
	// Units maps each department kind the matrix names onto one of the
	// organisation's departments (by id).
	Units     map[DepartmentKind]string
	Note      string // why the change was made; may be empty
	CreatedBy string
	CreatedAt time.Time
}

// MaxPatternNoteLen bounds OrgPattern.Note.
const MaxPatternNoteLen = 2000

// Responsible returns the department that answers for a under p, or "" when
// the activity's lead kind is not mapped.
func (p OrgPattern) Responsible(a Activity) string {
	if p.Units == nil {
		return ""
	}
	return p.Units[p.Matrix[a].Lead]
}

// PatternKindsUsed lists, in PatternUnitKinds order, the kinds that lead or
// take part in some activity of m.
func PatternKindsUsed(m PatternMatrix) []DepartmentKind {
	var out []DepartmentKind
	for _, k := range PatternUnitKinds() {
		for _, a := range Activities() {
			if m[a].Has(k) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// RoutedItem is a piece of open work whose department the pattern chose:
// a task routed by an activity, a corrective action from a lesson (routed by
// ActivityImprovement), or an ISMS item given no department by a person
// (decision 0038): a risk (ActivityRiskAssessment), a basic policy or rules
// document (ActivityBasicPolicy, ActivityRules), an audit programme
// (ActivityInternalAudit) or a management review (ActivityManagementReview).
type RoutedItem struct {
	Entity       string // one of the Routed* entities
	ID           string
	Title        string
	IncidentID   string // tasks: the incident (for visibility checks)
	Activity     Activity
	DepartmentID string
}

// The routed items' entities.
const (
	RoutedTask      = "task"
	RoutedAction    = "corrective_action"
	RoutedRisk      = "risk"
	RoutedDocument  = "document"
	RoutedProgramme = "audit_programme"
	RoutedMgmt      = "management_review"
)

// RoutedEntities lists the routed items' entities in the order
// FindRoutedWork returns them.
func RoutedEntities() []string {
	return []string{RoutedTask, RoutedAction, RoutedRisk, RoutedDocument, RoutedProgramme, RoutedMgmt}
}

// OrgPatternReader is the read side of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.
type OrgPatternReader interface {
	// CurrentOrgPattern returns the highest version; ErrNotFound when no
	// pattern has been chosen.
	CurrentOrgPattern(ctx context.Context) (OrgPattern, error)
	// FindOrgPatterns lists versions newest first (keyset on id).
	FindOrgPatterns(ctx context.Context, p Page) ([]OrgPattern, error)
	// FindRoutedWork lists the open work the pattern routed: active tasks
	// with a routed activity, active corrective actions from lessons, and
	// the open routed ISMS items — risks, documents not archived, audit
	// programmes whose period ends on or after today (a date), management
	// reviews planned or held.
	FindRoutedWork(ctx context.Context, today string) ([]RoutedItem, error)
}

// OrgPatternWriter is the write side of IN-2: the organisation's pattern — the responsibility matrix mapped onto its departments — and the routing of work by it.
type OrgPatternWriter interface {
	// CreateOrgPattern inserts a version with its units.
	CreateOrgPattern(ctx context.Context, p OrgPattern) error
	// MarkTaskRouted records the activity by which a task's department was chosen.
	MarkTaskRouted(ctx context.Context, taskID string, a Activity) error
	// MarkRouted records (a != "") or clears (a == "") the activity by which
	// an ISMS item's department was chosen (RoutedRisk, RoutedDocument,
	// RoutedProgramme, RoutedMgmt).
	MarkRouted(ctx context.Context, entity, id string, a Activity) error
	// MoveRoutedItem moves an open routed item to another department,
	// dropping an assignee/owner who is not a member of it.
	MoveRoutedItem(ctx context.Context, it RoutedItem, departmentID string, at time.Time) error
}
