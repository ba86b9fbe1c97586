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
	DepartmentID string
	Page
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
}

// FrameworkWriter is the write side of IS-3: frameworks, the measure catalogue and the Statement of Applicability.
type FrameworkWriter interface {
	// PutFramework inserts a framework or updates its name and version.
	PutFramework(ctx context.Context, f Framework) error
	// PutRequirement inserts a requirement or updates everything but its key.
	PutRequirement(ctx context.Context, r Requirement) error
	CreateMeasure(ctx context.Context, m Measure) error
	// UpdateMeasure writes every mutable field and replaces the mappings.
	UpdateMeasure(ctx context.Context, m Measure) error
	// PutSoAEntry inserts or replaces a control's SoA entry.
	PutSoAEntry(ctx context.Context, e SoAEntry) error
}
