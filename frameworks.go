package hikeshi

import (
	"context"
	"regexp"
	"time"
)

// Frameworks (IS-3): the requirements an organisation measures itself
// against (the built-in ISO/IEC 27001:2022, imported OSCAL catalogs such as
// NIST CSF 2.0), the organisation's own measures mapped onto them, and the
// Statement of Applicability over the Annex A controls (decision 0024).

// Framework is a set of requirements. The built-in one lives in code
// (ISO27001Requirements) and is never stored; imported ones are rows.
type Framework struct {
	Key       string // stable identifier, e.g. "nist-csf-2.0"
	Name      string
	Version   string
	Builtin   bool
	Archived  bool // retired: its requirements are no longer offered for new mappings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Requirement kinds: the built-in framework's, then the NIST CSF's classes;
// other OSCAL catalogs' classes are kept as they come (checked by RequirementKindValid).
const (
	KindClause      = "clause"
	KindTheme       = "theme"
	KindControl     = "control"
	KindFunction    = "function"
	KindCategory    = "category"
	KindSubcategory = "subcategory"
)

// Requirement is one clause, control, category … of a framework.
type Requirement struct {
	FrameworkKey string
	Ref          string // the framework's own id: "A.5.1", "GV.OC-01"
	Parent       string // the enclosing requirement's Ref, "" at the top
	Kind         string
	Theme        string // Annex A theme of ISO controls, else ""
	TitleEN      string
	TitleJA      string // "" when the framework has no Japanese title
	Withdrawn    bool
	Sort         int // reading order within the framework
}

// Title returns the title in lang ("ja" or else English), falling back to English.
func (r Requirement) Title(lang string) string {
	if lang == "ja" && r.TitleJA != "" {
		return r.TitleJA
	}
	return r.TitleEN
}

var frameworkKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.\-]{0,62}$`)

// FrameworkKeyValid reports whether k may name a framework: lower-case
// letters, digits, dots and dashes, at most 63 characters.
func FrameworkKeyValid(k string) bool { return frameworkKeyRe.MatchString(k) }

// NISTCSF2Key is the key NIST's CSF 2.0 catalog is imported under.
const NISTCSF2Key = "nist-csf-2.0"

// FrameworkProtected reports whether the framework ships with Hikeshi and may
// not be deleted: the built-in ISO/IEC 27001:2022 and NIST CSF 2.0 (imported
// from NIST's official catalog under its reserved key).
func FrameworkProtected(key string) bool { return key == ISO27001Key || key == NISTCSF2Key }

// MeasureStatus is how far a measure (or an Annex A control in the SoA) is implemented.
type MeasureStatus string

// Implementation statuses.
const (
	StatusPlanned       MeasureStatus = "planned"
	StatusPartial       MeasureStatus = "partial"
	StatusImplemented   MeasureStatus = "implemented"
	StatusNotApplicable MeasureStatus = "not_applicable"
)

// MeasureStatuses lists the statuses in their display order.
var MeasureStatuses = []MeasureStatus{StatusPlanned, StatusPartial, StatusImplemented, StatusNotApplicable}

// Valid reports whether s is a known status.
func (s MeasureStatus) Valid() bool {
	for _, v := range MeasureStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// RequirementRef names a requirement of a framework.
type RequirementRef struct {
	FrameworkKey string
	Ref          string
}

// Measure is a control the organisation implements, mapped onto any number
// of framework requirements.
type Measure struct {
	ID           string
	Name         string
	Description  string
	DepartmentID string // the owner department, "" = none
	Status       MeasureStatus
	Requirements []RequirementRef // sorted by framework key, then ref
	Archived     bool             // retired: read-only, not newly mapped or linked, kept for the record
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// SoAEntry is the Statement of Applicability's line for one Annex A control.
// A control without a stored entry is undecided.
type SoAEntry struct {
	ControlRef    string
	Applicable    bool
	Justification string // why included, or why excluded
	Status        MeasureStatus
	UpdatedBy     string // user id, "" for the system
	UpdatedAt     time.Time
}

// MeasureFilter selects measures.
type MeasureFilter struct {
	DepartmentID    string
	IncludeArchived bool // archived measures are left out unless set
	Page
}

// What refers to a measure (MeasureReference.Kind).
const (
	MeasureRefRequirement = "requirement" // a mapping onto a framework requirement
	MeasureRefSoA         = "soa"         // a decided Annex A control of the SoA the measure is linked to
	MeasureRefMetric      = "metric"      // a metric whose measure_id names it
	MeasureRefFinding     = "finding"     // an audit finding whose measure_id names it
)

// MeasureReference is one record that refers to a measure, named for people.
type MeasureReference struct {
	Kind string // MeasureRef…
	Name string // "iso27001-2022 A.5.1", a control ref, a metric's name, a finding's description (cut)
}

// FrameworkReader is the read side of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
type FrameworkReader interface {
	// FindFrameworks lists the stored (imported) frameworks by key.
	FindFrameworks(ctx context.Context) ([]Framework, error)
	FindFramework(ctx context.Context, key string) (Framework, error)
	// FindRequirements lists a stored framework's requirements in reading order.
	FindRequirements(ctx context.Context, frameworkKey string) ([]Requirement, error)
	FindRequirement(ctx context.Context, frameworkKey, ref string) (Requirement, error)
	FindMeasureByID(ctx context.Context, id string) (Measure, error)
	// FindMeasures lists measures newest first (keyset by id).
	FindMeasures(ctx context.Context, f MeasureFilter) ([]Measure, error)
	// FindMeasuresByRequirement lists the measures mapped onto one requirement.
	FindMeasuresByRequirement(ctx context.Context, frameworkKey, ref string) ([]Measure, error)
	// FindSoA lists the stored SoA entries by control ref.
	FindSoA(ctx context.Context) ([]SoAEntry, error)
	// FindMeasureReferences lists up to limit records of each kind that
	// refer to a measure: its mappings, the SoA entries of the Annex A
	// controls it is mapped onto, and metrics and findings naming it.
	FindMeasureReferences(ctx context.Context, id string, limit int) ([]MeasureReference, error)
	// FindMeasuresByFramework lists up to limit measures (by name) mapped
	// onto any requirement of a framework.
	FindMeasuresByFramework(ctx context.Context, key string, limit int) ([]Measure, error)
	// FindFindingsByFramework lists up to limit audit findings (their
	// descriptions, cut at 80 characters) that name a requirement of a framework.
	FindFindingsByFramework(ctx context.Context, key string, limit int) ([]string, error)
}

// FrameworkWriter is the write side of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
type FrameworkWriter interface {
	// PutFramework inserts a framework or updates its name and version.
	PutFramework(ctx context.Context, f Framework) error
	// SetFrameworkArchived archives or restores an imported framework.
	SetFrameworkArchived(ctx context.Context, key string, archived bool, at time.Time) error
	// DeleteFramework removes an imported framework with its requirements.
	DeleteFramework(ctx context.Context, key string) error
	// PutRequirement inserts a requirement or updates everything but its key.
	PutRequirement(ctx context.Context, r Requirement) error
	CreateMeasure(ctx context.Context, m Measure) error
	// UpdateMeasure writes every mutable field (archived too) and replaces the mappings.
	UpdateMeasure(ctx context.Context, m Measure) error
	// DeleteMeasure removes a measure (and its mappings).
	DeleteMeasure(ctx context.Context, id string) error
	// PutSoAEntry inserts or replaces a control's SoA entry.
	PutSoAEntry(ctx context.Context, e SoAEntry) error
}
