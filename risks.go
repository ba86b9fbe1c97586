package hikeshi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The ISMS's asset inventory (IS-2). An information asset is something of
// value to the organisation that the ISMS protects: information itself, the
// software, hardware and services that hold it, the people who know it and
// the sites that house them. It is not an incident's "affected asset"
// (evidence.go), which names a machine or an account an incident touched.
// Each asset has an owner department, a classification and a
// confidentiality / integrity / availability rating; an asset is archived,
// never deleted, once a risk refers to it.

// InformationAssetType is the kind of an information asset.
type InformationAssetType string

// The kinds of information asset.
const (
	AssetTypeInformation InformationAssetType = "information"
	AssetTypeSoftware    InformationAssetType = "software"
	AssetTypeHardware    InformationAssetType = "hardware"
	AssetTypeService     InformationAssetType = "service"
	AssetTypePeople      InformationAssetType = "people"
	AssetTypeSite        InformationAssetType = "site"
)

// InformationAssetTypes lists every kind of information asset in display order.
var InformationAssetTypes = []InformationAssetType{AssetTypeInformation, AssetTypeSoftware, AssetTypeHardware,
	AssetTypeService, AssetTypePeople, AssetTypeSite}

// Valid reports whether t is a known kind of asset.
func (t InformationAssetType) Valid() bool { return slices.Contains(InformationAssetTypes, t) }

// AssetClassification is how an asset's information may be shared.
type AssetClassification string

// The classifications, from least to most restricted.
const (
	ClassPublic       AssetClassification = "public"
	ClassInternal     AssetClassification = "internal"
	ClassConfidential AssetClassification = "confidential"
	ClassSecret       AssetClassification = "secret"
)

// AssetClassifications lists every classification, least restricted first.
var AssetClassifications = []AssetClassification{ClassPublic, ClassInternal, ClassConfidential, ClassSecret}

// Valid reports whether c is a known classification.
func (c AssetClassification) Valid() bool { return slices.Contains(AssetClassifications, c) }

// The confidentiality, integrity and availability ratings run from 1 (low)
// to 3 (high), the common three-step scale of Japanese ISMS practice.
const (
	MinCIA = 1
	MaxCIA = 3
)

// ValidCIA reports whether n is a rating on the scale.
func ValidCIA(n int) bool { return n >= MinCIA && n <= MaxCIA }

// Limits of asset fields.
const (
	MaxInformationAssetNameLen        = 200
	MaxInformationAssetDescriptionLen = 5000
)

// InformationAsset is one entry of the asset inventory.
type InformationAsset struct {
	ID                string
	Name              string
	Type              InformationAssetType
	OwnerDepartmentID string
	Classification    AssetClassification
	Confidentiality   int // 1–3
	Integrity         int // 1–3
	Availability      int // 1–3
	Description       string
	Archived          bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Value is the asset's highest rating: an asset is as valuable as its most
// demanding property.
func (a InformationAsset) Value() int { return max(a.Confidentiality, a.Integrity, a.Availability) }

// InformationAssetFilter selects assets newest first (Page.After is the id
// of the last asset seen).
type InformationAssetFilter struct {
	DepartmentID    string // only this owner department's; empty = all
	IncludeArchived bool
	Page
}

// The risk register (IS-2). A risk is a scenario that threatens one or more
// assets, scored likelihood × impact on the organisation's risk matrix. The
// matrix is a versioned setting: every score keeps the version it was made
// with, so changing the matrix never re-scores history — a risk scored on an
// older matrix says so until it is re-assessed on the current one.

// RiskLevel is the level a matrix cell maps to.
type RiskLevel string

// The risk levels, lowest first.
const (
	RiskLow      RiskLevel = "low"
	RiskMedium   RiskLevel = "medium"
	RiskHigh     RiskLevel = "high"
	RiskVeryHigh RiskLevel = "very_high"
)

// RiskLevels lists every level, lowest first.
var RiskLevels = []RiskLevel{RiskLow, RiskMedium, RiskHigh, RiskVeryHigh}

// Valid reports whether l is a known level.
func (l RiskLevel) Valid() bool { return slices.Contains(RiskLevels, l) }

// Rank is the level's place on the scale, 1 (low) to 4 (very high); 0 for none.
func (l RiskLevel) Rank() int { return slices.Index(RiskLevels, l) + 1 }

// The sizes a matrix axis may have.
const (
	MinMatrixSize     = 3
	MaxMatrixSize     = 5
	MaxScaleLabelLen  = 60
	MaxReviewDays     = 3650
	MaxRiskTitleLen   = 200
	MaxRiskTextLen    = 10000
	MaxRiskAssets     = 100
	MaxRiskNoteLen    = 2000
	RiskReminderLimit = 200 // reminders shown to one person
)

// ScaleLabel names one step of a matrix axis in both languages.
type ScaleLabel struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

// In returns the label in lang ("ja" or anything else for English).
func (l ScaleLabel) In(lang string) string {
	if lang == "ja" {
		return l.JA
	}
	return l.EN
}

// RiskMatrix is one version of the organisation's risk matrix: the steps of
// likelihood and impact (index 0 is step 1), the level of every cell
// (Cells[likelihood-1][impact-1]) and how often a risk of each level is
// reviewed.
type RiskMatrix struct {
	Version    int
	Likelihood []ScaleLabel
	Impact     []ScaleLabel
	Cells      [][]RiskLevel
	ReviewDays map[RiskLevel]int
	CreatedBy  string // empty for the built-in default
	CreatedAt  time.Time
}

// Size is the matrix's shape, "likelihood×impact", e.g. "4×4".
func (m RiskMatrix) Size() string { return fmt.Sprintf("%d×%d", len(m.Likelihood), len(m.Impact)) }

// Level maps a likelihood and impact to its level; ok is false off the matrix.
func (m RiskMatrix) Level(likelihood, impact int) (RiskLevel, bool) {
	if likelihood < 1 || likelihood > len(m.Likelihood) || impact < 1 || impact > len(m.Impact) ||
		likelihood > len(m.Cells) || impact > len(m.Cells[likelihood-1]) {
		return "", false
	}
	return m.Cells[likelihood-1][impact-1], true
}

// NextReview is when a risk of level l assessed at t is next reviewed.
func (m RiskMatrix) NextReview(l RiskLevel, t time.Time) time.Time {
	d := m.ReviewDays[l]
	if d <= 0 {
		d = 365
	}
	return t.AddDate(0, 0, d)
}

// DefaultRiskMatrix is the matrix an organisation starts with (version 1):
// 4×4, review every 30 / 90 / 180 / 365 days from very high to low.
func DefaultRiskMatrix() RiskMatrix {
	L, M, H, V := RiskLow, RiskMedium, RiskHigh, RiskVeryHigh
	return RiskMatrix{
		Version:    1,
		Likelihood: []ScaleLabel{{"Rare", "まれ"}, {"Unlikely", "起こりにくい"}, {"Likely", "起こりうる"}, {"Almost certain", "ほぼ確実"}},
		Impact:     []ScaleLabel{{"Minor", "軽微"}, {"Moderate", "中程度"}, {"Major", "重大"}, {"Severe", "深刻"}},
		Cells: [][]RiskLevel{
			{L, L, M, M},
			{L, M, M, H},
			{M, M, H, V},
			{M, H, V, V},
		},
		ReviewDays: map[RiskLevel]int{RiskVeryHigh: 30, RiskHigh: 90, RiskMedium: 180, RiskLow: 365},
	}
}

// ValidateRiskMatrix checks a matrix as an administrator submits it: each
// axis has 3 to 5 steps, every step is named in both languages, every cell
// holds a level, and the review period of every level is 1 to 3650 days.
// Fields are named likelihood[i].en, impact[i].ja, cells[l][i], review_days.<level>.
func ValidateRiskMatrix(m RiskMatrix) error {
	var v ValidationError
	axis := func(name string, labels []ScaleLabel) {
		if len(labels) < MinMatrixSize || len(labels) > MaxMatrixSize {
			v.Add(name, "out_of_range", fmt.Sprintf("%s needs %d to %d steps", name, MinMatrixSize, MaxMatrixSize))
			return
		}
		for i, l := range labels {
			for _, lang := range []struct{ key, text string }{{"en", l.EN}, {"ja", l.JA}} {
				f := fmt.Sprintf("%s[%d].%s", name, i, lang.key)
				ValidateText(&v, f, lang.text, MaxScaleLabelLen, true)
				if strings.ContainsAny(lang.text, "\r\n") {
					v.Add(f, "invalid_text", "a label is one line")
				}
			}
		}
	}
	axis("likelihood", m.Likelihood)
	axis("impact", m.Impact)
	if len(v.Fields) == 0 {
		if len(m.Cells) != len(m.Likelihood) {
			v.Add("cells", "mismatch", "the cells must have one row per likelihood step")
		} else {
			for li, row := range m.Cells {
				if len(row) != len(m.Impact) {
					v.Add(fmt.Sprintf("cells[%d]", li), "mismatch", "each row needs one cell per impact step")
					continue
				}
				for ii, c := range row {
					if !c.Valid() {
						v.Add(fmt.Sprintf("cells[%d][%d]", li, ii), "unknown", "a cell must be low, medium, high or very_high")
					}
				}
			}
		}
	}
	for _, l := range RiskLevels {
		if d := m.ReviewDays[l]; d < 1 || d > MaxReviewDays {
			v.Add("review_days."+string(l), "out_of_range", fmt.Sprintf("review days must be 1 to %d", MaxReviewDays))
		}
	}
	for l := range m.ReviewDays {
		if !l.Valid() {
			v.Add("review_days", "unknown", "review days are given for low, medium, high and very_high only")
		}
	}
	return v.Err()
}

// RiskScore is one likelihood × impact score and the matrix version it was
// made with. The zero score means "not scored".
type RiskScore struct {
	Likelihood    int
	Impact        int
	MatrixVersion int
	Level         RiskLevel
}

// Scored reports whether s holds a score.
func (s RiskScore) Scored() bool { return s.MatrixVersion != 0 }

// RiskTreatment is how the organisation treats a risk.
type RiskTreatment string

// The treatments (ISO/IEC 27005): reduce it, retain it, share it, or stop
// the activity. Empty means not decided yet.
const (
	TreatMitigate RiskTreatment = "mitigate"
	TreatAccept   RiskTreatment = "accept"
	TreatTransfer RiskTreatment = "transfer"
	TreatAvoid    RiskTreatment = "avoid"
)

// RiskTreatments lists every treatment in display order.
var RiskTreatments = []RiskTreatment{TreatMitigate, TreatAccept, TreatTransfer, TreatAvoid}

// Valid reports whether t is a known treatment.
func (t RiskTreatment) Valid() bool { return slices.Contains(RiskTreatments, t) }

// Risk is one entry of the risk register.
type Risk struct {
	ID                string
	Title             string
	Scenario          string
	AssetIDs          []string
	OwnerDepartmentID string
	OwnerUserID       string // optional person responsible
	Inherent          RiskScore
	Residual          RiskScore // optional: the score expected after treatment
	AssessedAt        time.Time
	NextReviewAt      time.Time
	Treatment         RiskTreatment
	TreatmentDueAt    time.Time
	TreatmentNote     string
	TreatmentDoneAt   time.Time
	AcceptedBy        string // the manager (or admin) who accepted the risk
	AcceptedAt        time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Current is the score the risk stands at: residual if scored, else inherent.
func (r Risk) Current() RiskScore {
	if r.Residual.Scored() {
		return r.Residual
	}
	return r.Inherent
}

// Accepted reports whether a manager has accepted the risk.
func (r Risk) Accepted() bool { return r.AcceptedBy != "" }

// RiskEventKind is what a history row of a risk records.
type RiskEventKind string

// The kinds of risk history.
const (
	RiskEventCreated   RiskEventKind = "created"
	RiskEventUpdated   RiskEventKind = "updated"
	RiskEventAssessed  RiskEventKind = "assessed"
	RiskEventTreatment RiskEventKind = "treatment"
	RiskEventAccepted  RiskEventKind = "accepted"
)

// RiskEventKinds lists every kind of history row.
var RiskEventKinds = []RiskEventKind{RiskEventCreated, RiskEventUpdated, RiskEventAssessed, RiskEventTreatment, RiskEventAccepted}

// RiskEvent is one row of a risk's history: what happened, who did it, and
// the risk's scores and treatment as they stood after it.
type RiskEvent struct {
	ID                string
	RiskID            string
	Kind              RiskEventKind
	At                time.Time
	ActorID           string
	Inherent          RiskScore
	Residual          RiskScore
	Treatment         RiskTreatment
	TreatmentDueAt    time.Time
	OwnerDepartmentID string
	OwnerUserID       string
	Note              string
}

// RiskFilter selects risks newest first (Page.After is the id of the last seen).
type RiskFilter struct {
	DepartmentID string // only this owner department's; empty = all
	AssetID      string // only risks to this asset; empty = all
	Page
}

// RiskReminderKind is why a reminder was made.
type RiskReminderKind string

// The kinds of risk reminder.
const (
	RiskReminderReview    RiskReminderKind = "review"
	RiskReminderTreatment RiskReminderKind = "treatment"
)

// RiskReminder is an in-app reminder of a risk whose review or treatment is
// due, unique per (risk, kind, due time, user).
type RiskReminder struct {
	ID        string
	RiskID    string
	UserID    string
	Kind      RiskReminderKind
	DueAt     time.Time
	CreatedAt time.Time
	ReadAt    time.Time
}

// RiskReader is the read side of IS-2: the asset inventory and the risk register.
type RiskReader interface {
	FindInformationAssetByID(ctx context.Context, id string) (InformationAsset, error)
	FindInformationAssets(ctx context.Context, f InformationAssetFilter) ([]InformationAsset, error)
	// FindRiskMatrix returns one version of the matrix (ErrNotFound if none).
	FindRiskMatrix(ctx context.Context, version int) (RiskMatrix, error)
	// FindLatestRiskMatrix returns the newest stored version (ErrNotFound if none).
	FindLatestRiskMatrix(ctx context.Context) (RiskMatrix, error)
	FindRiskByID(ctx context.Context, id string) (Risk, error)
	FindRisks(ctx context.Context, f RiskFilter) ([]Risk, error)
	// FindRiskEvents lists a risk's history oldest first.
	FindRiskEvents(ctx context.Context, riskID string) ([]RiskEvent, error)
	// FindRisksDue lists, by id after the cursor, risks whose review is due
	// by now or whose unfinished treatment is past its due time.
	FindRisksDue(ctx context.Context, now time.Time, p Page) ([]Risk, error)
	// FindRiskReminders lists a user's unread reminders newest first.
	FindRiskReminders(ctx context.Context, userID string, limit int) ([]RiskReminder, error)
}

// RiskWriter is the write side of IS-2: the asset inventory and the risk register.
type RiskWriter interface {
	CreateInformationAsset(ctx context.Context, a InformationAsset) error
	// UpdateInformationAsset writes every field of a except ID and CreatedAt.
	UpdateInformationAsset(ctx context.Context, a InformationAsset) error
	DeleteInformationAsset(ctx context.Context, id string) error
	CreateRiskMatrix(ctx context.Context, m RiskMatrix) error
	CreateRisk(ctx context.Context, r Risk) error
	// UpdateRisk writes every field of r except ID and CreatedAt, and
	// replaces its assets.
	UpdateRisk(ctx context.Context, r Risk) error
	CreateRiskEvent(ctx context.Context, e RiskEvent) error
	// CreateRiskReminder inserts a reminder unless one exists for the same
	// (risk, kind, due time, user); created reports whether it was new.
	CreateRiskReminder(ctx context.Context, n RiskReminder) (created bool, err error)
	// MarkRiskReminderRead marks a user's reminder read (ErrNotFound if not theirs).
	MarkRiskReminderRead(ctx context.Context, id, userID string, at time.Time) error
}
