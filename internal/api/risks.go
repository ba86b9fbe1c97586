package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() {
	enums["information_asset_type"] = stringsOf(hikeshi.InformationAssetTypes)
	enums["asset_classification"] = stringsOf(hikeshi.AssetClassifications)
	enums["risk_level"] = stringsOf(hikeshi.RiskLevels)
	enums["risk_treatment"] = stringsOf(hikeshi.RiskTreatments)
	enums["risk_event_kind"] = stringsOf(hikeshi.RiskEventKinds)
	enums["risk_reminder_kind"] = []string{string(hikeshi.RiskReminderReview), string(hikeshi.RiskReminderTreatment)}
}

// riskRoutes are the operations of IS-2: the asset inventory and the risk register.
func (h *Handler) riskRoutes() []route {
	return []route{
		{method: get, path: "/isms/assets", op: "listInformationAssets", tag: "isms-risks", summary: "The asset inventory, newest first",
			doc: "Every signed-in role reads the whole inventory. Archived assets are left out unless archived=true.",
			params: []param{
				{name: "department_id", typ: "uuid", doc: "Only assets this department owns."},
				{name: "archived", typ: "string", doc: "true lists archived assets too."},
			},
			list: true, status: http.StatusOK, resp: informationAssetJSON{}, handle: h.listInformationAssets},
		{method: post, path: "/isms/assets", op: "createInformationAsset", tag: "isms-risks", summary: "Add an asset (its owner department's people, admins)",
			doc:  "owner_department_id defaults to the caller's department; only admins add assets for another department. Auditors change nothing.",
			body: informationAssetCreateJSON{}, status: http.StatusCreated, resp: informationAssetJSON{}, handle: h.createInformationAsset},
		{method: get, path: "/isms/assets/{id}", op: "getInformationAsset", tag: "isms-risks", summary: "One asset",
			status: http.StatusOK, resp: informationAssetJSON{}, handle: h.getInformationAsset},
		{method: patch, path: "/isms/assets/{id}", op: "updateInformationAsset", tag: "isms-risks", summary: "Change or archive an asset (its owner department's people, admins)",
			doc:  "JSON merge-patch (RFC 7396). archived=true archives the asset: it stays on record and is no longer offered for new risks.",
			body: informationAssetPatchJSON{}, status: http.StatusOK, resp: informationAssetJSON{}, handle: h.updateInformationAsset},
		{method: del, path: "/isms/assets/{id}", op: "deleteInformationAsset", tag: "isms-risks", summary: "Delete an asset entered by mistake (its owner department's people, admins)",
			doc:    "Refused (409) while a risk refers to the asset; the error names the risks. Archive it instead.",
			status: http.StatusNoContent, handle: h.deleteInformationAsset},

		{method: get, path: "/isms/risk-matrix", op: "getRiskMatrix", tag: "isms-risks", summary: "The current risk matrix",
			doc:    "The newest version; while none has been stored, the built-in 4×4 default as version 1.",
			status: http.StatusOK, resp: riskMatrixJSON{}, handle: h.getRiskMatrix},
		{method: put, path: "/isms/risk-matrix", op: "putRiskMatrix", tag: "isms-risks", summary: "Store a new version of the risk matrix (admins)",
			doc:  "3 to 5 steps per axis, each named in English and Japanese; one level per cell; review days 1 to 3650 per level. Creates the next version: existing scores keep the version they were made with and are not re-scored.",
			body: riskMatrixPutJSON{}, status: http.StatusOK, resp: riskMatrixJSON{}, handle: h.putRiskMatrix},
		{method: get, path: "/isms/risk-matrix/versions/{version}", op: "getRiskMatrixVersion", tag: "isms-risks", summary: "One version of the risk matrix",
			status: http.StatusOK, resp: riskMatrixJSON{}, handle: h.getRiskMatrixVersion},
		{method: get, path: "/isms/risks", op: "listRisks", tag: "isms-risks", summary: "The risk register, newest first",
			doc: "Every signed-in role reads the whole register.",
			params: []param{
				{name: "department_id", typ: "uuid", doc: "Only risks this department owns."},
				{name: "asset_id", typ: "uuid", doc: "Only risks to this asset."},
			},
			list: true, status: http.StatusOK, resp: riskJSON{}, handle: h.listRisks},
		{method: post, path: "/isms/risks", op: "createRisk", tag: "isms-risks", summary: "Enter a risk with its first assessment (its owner department's people, admins)",
			doc:  "Scored on the current matrix; the next review follows from the level (the residual one when scored) and the matrix's review days.",
			body: riskCreateJSON{}, status: http.StatusCreated, resp: riskJSON{}, handle: h.createRisk},
		{method: get, path: "/isms/risks/{id}", op: "getRisk", tag: "isms-risks", summary: "One risk",
			status: http.StatusOK, resp: riskJSON{}, handle: h.getRisk},
		{method: patch, path: "/isms/risks/{id}", op: "updateRisk", tag: "isms-risks", summary: "Change a risk's words, assets or owner (its owner department's people, admins)",
			doc:  "JSON merge-patch (RFC 7396). Scores change through assessments, the treatment through PUT …/treatment.",
			body: riskPatchJSON{}, status: http.StatusOK, resp: riskJSON{}, handle: h.updateRisk},
		{method: get, path: "/isms/risks/{id}/history", op: "listRiskHistory", tag: "isms-risks", summary: "A risk's history, oldest first",
			status: http.StatusOK, resp: []riskEventJSON{}, handle: h.listRiskHistory},
		{method: post, path: "/isms/risks/{id}/assessments", op: "assessRisk", tag: "isms-risks", summary: "Re-assess a risk on the current matrix (its owner department's people, admins)",
			doc:  "Replaces the current scores (history keeps the old ones) and sets the next review. Takes back an earlier acceptance.",
			body: riskAssessJSON{}, status: http.StatusOK, resp: riskJSON{}, handle: h.assessRisk},
		{method: put, path: "/isms/risks/{id}/treatment", op: "setRiskTreatment", tag: "isms-risks", summary: "Decide a risk's treatment",
			doc:  "The owner department's people and admins. Choosing accept is the acceptance itself: managers and admins only (403 for others), recorded with who and when. Another treatment takes back an earlier acceptance.",
			body: riskTreatmentJSON{}, status: http.StatusOK, resp: riskJSON{}, handle: h.setRiskTreatment},
		{method: post, path: "/isms/risks/{id}/accept", op: "acceptRisk", tag: "isms-risks", summary: "Accept the risk as it stands (managers, admins)",
			doc:  "Accepts the residual risk (or the risk, when its treatment is accept); 409 when there is neither. Records who and when.",
			body: riskAcceptJSON{}, optionalBody: true, status: http.StatusOK, resp: riskJSON{}, handle: h.acceptRisk},
		{method: get, path: "/isms/risk-reminders", op: "listRiskReminders", tag: "isms-risks", summary: "The caller's unread risk reminders, newest first",
			doc:    "Made by the daily job for risks whose review is due or whose treatment is past due: for the owner department's people and the managers.",
			status: http.StatusOK, resp: []riskReminderJSON{}, handle: h.listRiskReminders},
		{method: post, path: "/isms/risk-reminders/{id}/dismiss", op: "dismissRiskReminder", tag: "isms-risks", summary: "Mark one of the caller's risk reminders read",
			status: http.StatusNoContent, handle: h.dismissRiskReminder},
	}
}

// informationAssetJSON is an entry of the ISMS asset inventory.
type informationAssetJSON struct {
	ID                string    `json:"id" format:"uuid"`
	Name              string    `json:"name" doc:"Plain text, one line."`
	Type              string    `json:"type" enum:"information_asset_type"`
	OwnerDepartmentID string    `json:"owner_department_id" format:"uuid"`
	Classification    string    `json:"classification" enum:"asset_classification"`
	Confidentiality   int       `json:"confidentiality" doc:"1 (low) to 3 (high)."`
	Integrity         int       `json:"integrity" doc:"1 (low) to 3 (high)."`
	Availability      int       `json:"availability" doc:"1 (low) to 3 (high)."`
	Value             int       `json:"value" doc:"The highest of the three ratings."`
	Description       string    `json:"description"`
	Archived          bool      `json:"archived"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func toInformationAsset(a hikeshi.InformationAsset) informationAssetJSON {
	return informationAssetJSON{ID: a.ID, Name: a.Name, Type: string(a.Type), OwnerDepartmentID: a.OwnerDepartmentID,
		Classification: string(a.Classification), Confidentiality: a.Confidentiality, Integrity: a.Integrity,
		Availability: a.Availability, Value: a.Value(), Description: a.Description, Archived: a.Archived,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

// informationAssetCreateJSON adds an asset.
type informationAssetCreateJSON struct {
	Name              string  `json:"name" doc:"At most 200 characters, one line."`
	Type              string  `json:"type" enum:"information_asset_type"`
	OwnerDepartmentID *string `json:"owner_department_id,omitempty" format:"uuid" doc:"Defaults to the caller's department."`
	Classification    string  `json:"classification" enum:"asset_classification"`
	Confidentiality   int     `json:"confidentiality" doc:"1 to 3."`
	Integrity         int     `json:"integrity" doc:"1 to 3."`
	Availability      int     `json:"availability" doc:"1 to 3."`
	Description       string  `json:"description,omitempty" doc:"At most 5000 characters."`
}

// informationAssetPatchJSON changes an asset (JSON merge-patch).
type informationAssetPatchJSON struct {
	Name              optional[string] `json:"name"`
	Type              optional[string] `json:"type" enum:"information_asset_type"`
	OwnerDepartmentID optional[string] `json:"owner_department_id" format:"uuid"`
	Classification    optional[string] `json:"classification" enum:"asset_classification"`
	Confidentiality   optional[int]    `json:"confidentiality"`
	Integrity         optional[int]    `json:"integrity"`
	Availability      optional[int]    `json:"availability"`
	Description       optional[string] `json:"description"`
	Archived          optional[bool]   `json:"archived"`
}

func (h *Handler) listInformationAssets(c *call) error {
	p, err := c.page("isms_assets", validID)
	if err != nil {
		return err
	}
	f := hikeshi.InformationAssetFilter{DepartmentID: c.param("department_id")}
	if f.DepartmentID != "" && !validID(f.DepartmentID) {
		return fieldError("department_id", "invalid", "department_id must be a UUID.")
	}
	switch c.param("archived") {
	case "", "false":
	case "true":
		f.IncludeArchived = true
	default:
		return fieldError("archived", "invalid", "archived must be true or false.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.InformationAsset, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Risks.ListAssets(c.ctx(), c.actor, f)
	}, func(a hikeshi.InformationAsset) string { return a.ID })
	if err != nil {
		return err
	}
	out := make([]informationAssetJSON, len(items))
	for i, a := range items {
		out[i] = toInformationAsset(a)
	}
	return writePage(c, "isms_assets", out, next)
}

func (h *Handler) createInformationAsset(c *call) error {
	var in informationAssetCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.InformationAssetInput{Name: in.Name, Type: hikeshi.InformationAssetType(in.Type),
		Classification: hikeshi.AssetClassification(in.Classification), Confidentiality: in.Confidentiality,
		Integrity: in.Integrity, Availability: in.Availability, Description: in.Description}
	if in.OwnerDepartmentID != nil {
		si.OwnerDepartmentID = *in.OwnerDepartmentID
	}
	a, err := h.svc.Risks.CreateAsset(c.ctx(), c.actor, si)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/assets/"+a.ID, toInformationAsset(a))
}

func (h *Handler) getInformationAsset(c *call) error {
	d, err := h.svc.Risks.Asset(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toInformationAsset(d.Asset))
}

func (h *Handler) updateInformationAsset(c *call) error {
	var in informationAssetPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.InformationAssetPatch
	var v hikeshi.ValidationError
	str := func(name string, o optional[string], dst **string) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			val := o.Value
			*dst = &val
		}
	}
	num := func(name string, o optional[int], dst **int) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			val := o.Value
			*dst = &val
		}
	}
	str("name", in.Name, &p.Name)
	str("owner_department_id", in.OwnerDepartmentID, &p.OwnerDepartmentID)
	str("description", in.Description, &p.Description)
	var typ, class *string
	str("type", in.Type, &typ)
	str("classification", in.Classification, &class)
	if typ != nil {
		t := hikeshi.InformationAssetType(*typ)
		p.Type = &t
	}
	if class != nil {
		cl := hikeshi.AssetClassification(*class)
		p.Classification = &cl
	}
	num("confidentiality", in.Confidentiality, &p.Confidentiality)
	num("integrity", in.Integrity, &p.Integrity)
	num("availability", in.Availability, &p.Availability)
	if in.Archived.Set {
		if in.Archived.Null {
			v.Add("archived", "required", "archived cannot be null")
		}
		b := in.Archived.Value
		p.Archived = &b
	}
	if err := v.Err(); err != nil {
		return err
	}
	a, err := h.svc.Risks.UpdateAsset(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toInformationAsset(a))
}

func (h *Handler) deleteInformationAsset(c *call) error {
	if err := h.svc.Risks.DeleteAsset(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}

// scaleLabelJSON names one step of a matrix axis.
type scaleLabelJSON struct {
	EN string `json:"en" doc:"English, at most 60 characters."`
	JA string `json:"ja" doc:"Japanese, at most 60 characters."`
}

// reviewDaysJSON is how often a risk of each level is reviewed.
type reviewDaysJSON struct {
	Low      int `json:"low"`
	Medium   int `json:"medium"`
	High     int `json:"high"`
	VeryHigh int `json:"very_high"`
}

// riskMatrixJSON is one version of the risk matrix.
type riskMatrixJSON struct {
	Version    int              `json:"version"`
	Size       string           `json:"size" doc:"likelihood×impact, e.g. 4×4."`
	Likelihood []scaleLabelJSON `json:"likelihood" doc:"Step 1 first."`
	Impact     []scaleLabelJSON `json:"impact" doc:"Step 1 first."`
	Cells      [][]string       `json:"cells" doc:"cells[likelihood-1][impact-1]: low, medium, high or very_high."`
	ReviewDays reviewDaysJSON   `json:"review_days"`
	CreatedBy  *string          `json:"created_by" format:"uuid"`
	CreatedAt  *time.Time       `json:"created_at" doc:"null for the built-in default not yet stored."`
}

func toRiskMatrix(m hikeshi.RiskMatrix) riskMatrixJSON {
	out := riskMatrixJSON{Version: m.Version, Size: m.Size(), Cells: [][]string{}, CreatedBy: strPtr(m.CreatedBy), CreatedAt: timePtr(m.CreatedAt),
		ReviewDays: reviewDaysJSON{Low: m.ReviewDays[hikeshi.RiskLow], Medium: m.ReviewDays[hikeshi.RiskMedium],
			High: m.ReviewDays[hikeshi.RiskHigh], VeryHigh: m.ReviewDays[hikeshi.RiskVeryHigh]}}
	for _, l := range m.Likelihood {
		out.Likelihood = append(out.Likelihood, scaleLabelJSON{EN: l.EN, JA: l.JA})
	}
	for _, l := range m.Impact {
		out.Impact = append(out.Impact, scaleLabelJSON{EN: l.EN, JA: l.JA})
	}
	for _, row := range m.Cells {
		out.Cells = append(out.Cells, stringsOf(row))
	}
	return out
}

// riskMatrixPutJSON is a new version of the matrix.
type riskMatrixPutJSON struct {
	Likelihood []scaleLabelJSON `json:"likelihood" doc:"3 to 5 steps, step 1 first."`
	Impact     []scaleLabelJSON `json:"impact" doc:"3 to 5 steps, step 1 first."`
	Cells      [][]string       `json:"cells" doc:"One row per likelihood step, one cell per impact step: low, medium, high or very_high."`
	ReviewDays reviewDaysJSON   `json:"review_days" doc:"1 to 3650 days per level."`
}

func (in riskMatrixPutJSON) matrix() hikeshi.RiskMatrix {
	m := hikeshi.RiskMatrix{ReviewDays: map[hikeshi.RiskLevel]int{hikeshi.RiskLow: in.ReviewDays.Low, hikeshi.RiskMedium: in.ReviewDays.Medium,
		hikeshi.RiskHigh: in.ReviewDays.High, hikeshi.RiskVeryHigh: in.ReviewDays.VeryHigh}}
	for _, l := range in.Likelihood {
		m.Likelihood = append(m.Likelihood, hikeshi.ScaleLabel{EN: l.EN, JA: l.JA})
	}
	for _, l := range in.Impact {
		m.Impact = append(m.Impact, hikeshi.ScaleLabel{EN: l.EN, JA: l.JA})
	}
	for _, row := range in.Cells {
		var r []hikeshi.RiskLevel
		for _, c := range row {
			r = append(r, hikeshi.RiskLevel(c))
		}
		m.Cells = append(m.Cells, r)
	}
	return m
}

// riskScoreJSON is a likelihood × impact score and the matrix it was made on.
type riskScoreJSON struct {
	Likelihood    int    `json:"likelihood"`
	Impact        int    `json:"impact"`
	Level         string `json:"level" enum:"risk_level"`
	MatrixVersion int    `json:"matrix_version" doc:"The matrix version the score was made with; a later matrix never re-scores it."`
}

func toRiskScore(s hikeshi.RiskScore) *riskScoreJSON {
	if !s.Scored() {
		return nil
	}
	return &riskScoreJSON{Likelihood: s.Likelihood, Impact: s.Impact, Level: string(s.Level), MatrixVersion: s.MatrixVersion}
}

// riskJSON is an entry of the risk register.
type riskJSON struct {
	ID                string         `json:"id" format:"uuid"`
	Title             string         `json:"title"`
	Scenario          string         `json:"scenario" doc:"Plain text."`
	AssetIDs          []string       `json:"asset_ids"`
	OwnerDepartmentID string         `json:"owner_department_id" format:"uuid"`
	OwnerUserID       *string        `json:"owner_user_id" format:"uuid"`
	Inherent          riskScoreJSON  `json:"inherent"`
	Residual          *riskScoreJSON `json:"residual" doc:"null while not scored."`
	AssessedAt        time.Time      `json:"assessed_at"`
	NextReviewAt      time.Time      `json:"next_review_at"`
	Treatment         *string        `json:"treatment" enum:"risk_treatment" doc:"null while not decided."`
	TreatmentDueAt    *time.Time     `json:"treatment_due_at"`
	TreatmentNote     string         `json:"treatment_note"`
	TreatmentDoneAt   *time.Time     `json:"treatment_done_at"`
	AcceptedBy        *string        `json:"accepted_by" format:"uuid" doc:"The manager or admin who accepted the risk."`
	AcceptedAt        *time.Time     `json:"accepted_at"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
}

func toRisk(r hikeshi.Risk) riskJSON {
	out := riskJSON{ID: r.ID, Title: r.Title, Scenario: r.Scenario, AssetIDs: r.AssetIDs, OwnerDepartmentID: r.OwnerDepartmentID,
		OwnerUserID: strPtr(r.OwnerUserID), Residual: toRiskScore(r.Residual), AssessedAt: r.AssessedAt.UTC(),
		NextReviewAt: r.NextReviewAt.UTC(), Treatment: strPtr(string(r.Treatment)), TreatmentDueAt: timePtr(r.TreatmentDueAt),
		TreatmentNote: r.TreatmentNote, TreatmentDoneAt: timePtr(r.TreatmentDoneAt), AcceptedBy: strPtr(r.AcceptedBy),
		AcceptedAt: timePtr(r.AcceptedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if in := toRiskScore(r.Inherent); in != nil {
		out.Inherent = *in
	}
	if out.AssetIDs == nil {
		out.AssetIDs = []string{}
	}
	return out
}

// riskAssessJSON scores a risk on the current matrix.
type riskAssessJSON struct {
	Likelihood         int    `json:"likelihood" doc:"1 to the matrix's likelihood steps."`
	Impact             int    `json:"impact" doc:"1 to the matrix's impact steps."`
	ResidualLikelihood int    `json:"residual_likelihood,omitempty" doc:"With residual_impact: the score expected after treatment. Leave both out for none."`
	ResidualImpact     int    `json:"residual_impact,omitempty"`
	Note               string `json:"note,omitempty" doc:"At most 2000 characters; kept in the history."`
}

func (in riskAssessJSON) assessment() service.RiskAssessment {
	return service.RiskAssessment{Likelihood: in.Likelihood, Impact: in.Impact, ResidualLikelihood: in.ResidualLikelihood,
		ResidualImpact: in.ResidualImpact, Note: in.Note}
}

// riskCreateJSON enters a risk.
type riskCreateJSON struct {
	Title             string   `json:"title" doc:"At most 200 characters, one line."`
	Scenario          string   `json:"scenario" doc:"At most 10000 characters."`
	AssetIDs          []string `json:"asset_ids,omitempty" doc:"Assets the risk threatens (not archived ones), at most 100."`
	OwnerDepartmentID *string  `json:"owner_department_id,omitempty" format:"uuid" doc:"Defaults to the caller's department."`
	OwnerUserID       *string  `json:"owner_user_id,omitempty" format:"uuid" doc:"The person responsible, optional."`
	riskAssessJSON
}

// riskPatchJSON changes a risk (JSON merge-patch).
type riskPatchJSON struct {
	Title             optional[string]   `json:"title"`
	Scenario          optional[string]   `json:"scenario"`
	AssetIDs          optional[[]string] `json:"asset_ids"`
	OwnerDepartmentID optional[string]   `json:"owner_department_id" format:"uuid"`
	OwnerUserID       optional[string]   `json:"owner_user_id" format:"uuid" nullable:"true" doc:"null clears."`
}

// riskTreatmentJSON decides a risk's treatment.
type riskTreatmentJSON struct {
	Treatment string     `json:"treatment" enum:"risk_treatment"`
	DueAt     *time.Time `json:"due_at,omitempty" doc:"When the treatment is due; reminders follow it until done."`
	Note      string     `json:"note,omitempty" doc:"At most 2000 characters."`
	Done      bool       `json:"done,omitempty" doc:"The treatment has been carried out."`
}

// riskAcceptJSON accepts a risk.
type riskAcceptJSON struct {
	Note string `json:"note,omitempty" doc:"At most 2000 characters; kept in the history."`
}

// riskEventJSON is one row of a risk's history.
type riskEventJSON struct {
	ID                string         `json:"id" format:"uuid"`
	Kind              string         `json:"kind" enum:"risk_event_kind"`
	At                time.Time      `json:"at"`
	ActorID           *string        `json:"actor_id" format:"uuid"`
	Inherent          riskScoreJSON  `json:"inherent"`
	Residual          *riskScoreJSON `json:"residual"`
	Treatment         *string        `json:"treatment" enum:"risk_treatment"`
	TreatmentDueAt    *time.Time     `json:"treatment_due_at"`
	OwnerDepartmentID string         `json:"owner_department_id" format:"uuid"`
	OwnerUserID       *string        `json:"owner_user_id" format:"uuid"`
	Note              string         `json:"note"`
}

// riskReminderJSON is a reminder of a risk whose review or treatment is due.
type riskReminderJSON struct {
	ID        string    `json:"id" format:"uuid"`
	RiskID    string    `json:"risk_id" format:"uuid"`
	RiskTitle string    `json:"risk_title"`
	Kind      string    `json:"kind" enum:"risk_reminder_kind"`
	DueAt     time.Time `json:"due_at"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *Handler) getRiskMatrix(c *call) error {
	m, err := h.svc.Risks.RiskMatrix(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRiskMatrix(m))
}

func (h *Handler) getRiskMatrixVersion(c *call) error {
	v, err := strconv.Atoi(c.r.PathValue("version"))
	if err != nil || v < 1 {
		return hikeshi.ErrNotFound
	}
	m, err := h.svc.Risks.MatrixVersion(c.ctx(), c.actor, v)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRiskMatrix(m))
}

func (h *Handler) putRiskMatrix(c *call) error {
	var in riskMatrixPutJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := h.svc.Risks.SetRiskMatrix(c.ctx(), c.actor, in.matrix())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRiskMatrix(m))
}

func (h *Handler) listRisks(c *call) error {
	p, err := c.page("isms_risks", validID)
	if err != nil {
		return err
	}
	f := hikeshi.RiskFilter{DepartmentID: c.param("department_id"), AssetID: c.param("asset_id")}
	if f.DepartmentID != "" && !validID(f.DepartmentID) {
		return fieldError("department_id", "invalid", "department_id must be a UUID.")
	}
	if f.AssetID != "" && !validID(f.AssetID) {
		return fieldError("asset_id", "invalid", "asset_id must be a UUID.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Risk, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Risks.ListRisks(c.ctx(), c.actor, f)
	}, func(r hikeshi.Risk) string { return r.ID })
	if err != nil {
		return err
	}
	out := make([]riskJSON, len(items))
	for i, r := range items {
		out[i] = toRisk(r)
	}
	return writePage(c, "isms_risks", out, next)
}

func (h *Handler) createRisk(c *call) error {
	var in riskCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	si := service.RiskInput{Title: in.Title, Scenario: in.Scenario, AssetIDs: in.AssetIDs, Assessment: in.assessment()}
	if in.OwnerDepartmentID != nil {
		si.OwnerDepartmentID = *in.OwnerDepartmentID
	}
	if in.OwnerUserID != nil {
		si.OwnerUserID = *in.OwnerUserID
	}
	r, err := h.svc.Risks.CreateRisk(c.ctx(), c.actor, si)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/isms/risks/"+r.ID, toRisk(r))
}

func (h *Handler) getRisk(c *call) error {
	d, err := h.svc.Risks.Risk(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRisk(d.Risk))
}

func (h *Handler) listRiskHistory(c *call) error {
	d, err := h.svc.Risks.Risk(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]riskEventJSON, len(d.Events))
	for i, e := range d.Events {
		out[i] = riskEventJSON{ID: e.ID, Kind: string(e.Kind), At: e.At.UTC(), ActorID: strPtr(e.ActorID), Residual: toRiskScore(e.Residual),
			Treatment: strPtr(string(e.Treatment)), TreatmentDueAt: timePtr(e.TreatmentDueAt), OwnerDepartmentID: e.OwnerDepartmentID,
			OwnerUserID: strPtr(e.OwnerUserID), Note: e.Note}
		if in := toRiskScore(e.Inherent); in != nil {
			out[i].Inherent = *in
		}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) updateRisk(c *call) error {
	var in riskPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.RiskPatch
	var v hikeshi.ValidationError
	str := func(name string, o optional[string], dst **string) {
		if o.Set {
			if o.Null {
				v.Add(name, "required", name+" cannot be null")
			}
			val := o.Value
			*dst = &val
		}
	}
	str("title", in.Title, &p.Title)
	str("scenario", in.Scenario, &p.Scenario)
	str("owner_department_id", in.OwnerDepartmentID, &p.OwnerDepartmentID)
	if in.OwnerUserID.Set {
		u := in.OwnerUserID.Value // null clears
		p.OwnerUserID = &u
	}
	if in.AssetIDs.Set {
		ids := in.AssetIDs.Value // null clears
		p.AssetIDs = &ids
	}
	if err := v.Err(); err != nil {
		return err
	}
	r, err := h.svc.Risks.UpdateRisk(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRisk(r))
}

func (h *Handler) assessRisk(c *call) error {
	var in riskAssessJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	r, err := h.svc.Risks.AssessRisk(c.ctx(), c.actor, c.r.PathValue("id"), in.assessment())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRisk(r))
}

func (h *Handler) setRiskTreatment(c *call) error {
	var in riskTreatmentJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	ti := service.TreatmentInput{Treatment: hikeshi.RiskTreatment(in.Treatment), Note: in.Note, Done: in.Done}
	if in.DueAt != nil {
		ti.DueAt = in.DueAt.UTC()
	}
	r, err := h.svc.Risks.SetTreatment(c.ctx(), c.actor, c.r.PathValue("id"), ti)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRisk(r))
}

func (h *Handler) acceptRisk(c *call) error {
	var in riskAcceptJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	r, err := h.svc.Risks.AcceptRisk(c.ctx(), c.actor, c.r.PathValue("id"), in.Note)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toRisk(r))
}

func (h *Handler) listRiskReminders(c *call) error {
	es, err := h.svc.Risks.Reminders(c.ctx(), c.actor)
	if err != nil {
		return err
	}
	out := make([]riskReminderJSON, len(es))
	for i, e := range es {
		out[i] = riskReminderJSON{ID: e.Reminder.ID, RiskID: e.Risk.ID, RiskTitle: e.Risk.Title, Kind: string(e.Reminder.Kind),
			DueAt: e.Reminder.DueAt.UTC(), CreatedAt: e.Reminder.CreatedAt.UTC()}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) dismissRiskReminder(c *call) error {
	if err := h.svc.Risks.DismissReminder(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}
