package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file holds the UI of IS-2: the asset inventory (/isms/assets), the
// risk register (/isms/risks) with each risk's scores, treatment, acceptance
// and history, the risk matrix (/isms/risk-matrix), and the reminders of
// risks due for review. The service decides who may do what; the pages only
// hide what the actor may not use.

const risksPageSize = 100

// registerRisks mounts the area's pages.
func (h *Handler) registerRisks(handle handleFunc) {
	handle("GET /isms/assets", signedIn, h.infoAssetList)
	handle("POST /isms/assets", signedIn, h.infoAssetCreate)
	handle("GET /isms/assets/{id}", signedIn, h.infoAssetShow)
	handle("POST /isms/assets/{id}", signedIn, h.infoAssetUpdate)
	handle("POST /isms/assets/{id}/archive", signedIn, h.infoAssetArchive(true))
	handle("POST /isms/assets/{id}/restore", signedIn, h.infoAssetArchive(false))
	handle("POST /isms/assets/{id}/delete", signedIn, h.infoAssetDelete)

	handle("GET /isms/risks", signedIn, h.riskList)
	handle("POST /isms/risks", signedIn, h.riskCreate)
	handle("GET /isms/risks/{id}", signedIn, h.riskShow)
	handle("POST /isms/risks/{id}", signedIn, h.riskUpdate)
	handle("POST /isms/risks/{id}/assess", signedIn, h.riskAssess)
	handle("POST /isms/risks/{id}/treatment", signedIn, h.riskTreatment)
	handle("POST /isms/risks/{id}/accept", signedIn, h.riskAccept)
	handle("POST /isms/risk-reminders/{id}/dismiss", signedIn, h.riskReminderDismiss)
	handle("GET /isms/risk-matrix", signedIn, h.riskMatrixShow)
	handle("POST /isms/risk-matrix", signedIn, h.riskMatrixSave)
}

// AssetTypeName is the localised name of an asset type.
func (p *page) AssetTypeName(t hikeshi.InformationAssetType) string {
	return p.T("risks.asset_type." + string(t))
}

// ClassificationName is the localised name of a classification.
func (p *page) ClassificationName(c hikeshi.AssetClassification) string {
	return p.T("risks.classification." + string(c))
}

// CIAName is the localised name of a rating 1–3.
func (p *page) CIAName(n int) string { return p.T("risks.cia." + strconv.Itoa(n)) }

// RiskLevelName is the localised name of a risk level.
func (p *page) RiskLevelName(l hikeshi.RiskLevel) string { return p.T("risks.level." + string(l)) }

// RiskLevelBadge is the badge class of a risk level.
func (p *page) RiskLevelBadge(l hikeshi.RiskLevel) string {
	switch l {
	case hikeshi.RiskVeryHigh, hikeshi.RiskHigh:
		return "badge-warn"
	case hikeshi.RiskMedium:
		return "badge-muted"
	}
	return "badge-ok"
}

// TreatmentName is the localised name of a treatment ("not decided" for none).
func (p *page) TreatmentName(t hikeshi.RiskTreatment) string {
	if t == "" {
		return p.T("risks.treatment.none")
	}
	return p.T("risks.treatment." + string(t))
}

// RiskEventName is the localised name of a kind of history row.
func (p *page) RiskEventName(k hikeshi.RiskEventKind) string { return p.T("risks.event." + string(k)) }

// ReminderName is the localised text of a reminder.
func (p *page) ReminderName(k hikeshi.RiskReminderKind) string {
	return p.T("risks.reminder." + string(k))
}

// ScaleName is a matrix step's label in the page's language.
func (p *page) ScaleName(l hikeshi.ScaleLabel) string { return l.In(string(p.Lang)) }

// RiskDay formats a date without the time.
func (p *page) RiskDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(p.loc).Format("2006-01-02")
}

// riskErrors localises a validation error, with this area's own codes.
func (h *Handler) riskErrors(r *http.Request, err error) (map[string]string, bool) {
	msgs, ok := h.formErrors(r, err)
	if !ok {
		return nil, false
	}
	var ve *hikeshi.ValidationError
	errors.As(err, &ve)
	p := &page{}
	h.fill(r, p)
	for _, f := range ve.Fields {
		switch f.Code {
		case "out_of_range", "not_allowed", "archived", "invalid_date", "nothing_to_accept":
			msgs[f.Field] = p.T("risks.field." + f.Code)
		case "referenced":
			msgs[f.Field] = p.T("risks.field.referenced", strings.TrimPrefix(f.Message[strings.Index(f.Message, ":")+1:], " "))
		}
	}
	return msgs, true
}

// riskFormChoices are the departments and people the forms offer.
type riskFormChoices struct {
	Departments []hikeshi.Department
	People      []hikeshi.User
}

// DepartmentName is the name of a department, or "—".
func (c riskFormChoices) DepartmentName(id string) string {
	for _, d := range c.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return "—"
}

func (h *Handler) riskFormChoices(r *http.Request) (riskFormChoices, error) {
	a := h.stateOf(r).actor()
	var c riskFormChoices
	var err error
	if c.Departments, err = h.svc.Departments.List(r.Context(), a, hikeshi.Page{Limit: hikeshi.MaxPageLimit}); err != nil {
		return c, err
	}
	slices.SortFunc(c.Departments, func(x, y hikeshi.Department) int { return strings.Compare(x.Name, y.Name) })
	us, err := h.svc.Users.List(r.Context(), a, hikeshi.UserFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil && !errors.Is(err, hikeshi.ErrForbidden) {
		return c, err
	}
	for _, u := range us {
		if u.Active() {
			c.People = append(c.People, u)
		}
	}
	return c, nil
}

// ---- assets ----

// infoAssetForm is the asset form's values, as stored or as typed.
type infoAssetForm struct {
	Name, Type, Department, Classification, Description string
	C, I, A                                             string
}

func infoAssetFormOf(a hikeshi.InformationAsset) infoAssetForm {
	return infoAssetForm{Name: a.Name, Type: string(a.Type), Department: a.OwnerDepartmentID, Classification: string(a.Classification),
		Description: a.Description, C: strconv.Itoa(a.Confidentiality), I: strconv.Itoa(a.Integrity), A: strconv.Itoa(a.Availability)}
}

func readInfoAssetForm(r *http.Request) (infoAssetForm, service.InformationAssetInput) {
	f := infoAssetForm{Name: formValue(r, "name"), Type: trimmed(r, "type"), Department: trimmed(r, "owner_department_id"),
		Classification: trimmed(r, "classification"), Description: formValue(r, "description"),
		C: trimmed(r, "confidentiality"), I: trimmed(r, "integrity"), A: trimmed(r, "availability")}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1 // refused as out of range
		}
		return n
	}
	return f, service.InformationAssetInput{Name: f.Name, Type: hikeshi.InformationAssetType(f.Type), OwnerDepartmentID: f.Department,
		Classification: hikeshi.AssetClassification(f.Classification), Confidentiality: num(f.C), Integrity: num(f.I),
		Availability: num(f.A), Description: f.Description}
}

// infoAssetsView is the asset inventory page.
type infoAssetsView struct {
	page
	riskFormChoices
	Assets          []hikeshi.InformationAsset
	Archived        bool // archived assets listed too
	Next            string
	CanCreate       bool
	Form            infoAssetForm
	Types           []hikeshi.InformationAssetType
	Classifications []hikeshi.AssetClassification
	Ratings         []int
}

func (h *Handler) renderInfoAssets(w http.ResponseWriter, r *http.Request, status int, adjust func(v *infoAssetsView)) error {
	st := h.stateOf(r)
	a := st.actor()
	q := r.URL.Query()
	v := &infoAssetsView{Archived: q.Get("archived") == "1", CanCreate: service.CanCreateAsset(a), Types: hikeshi.InformationAssetTypes,
		Classifications: hikeshi.AssetClassifications, Ratings: []int{1, 2, 3},
		Form: infoAssetForm{Type: string(hikeshi.AssetTypeInformation), Classification: string(hikeshi.ClassInternal), Department: a.DepartmentID,
			C: "2", I: "2", A: "2"}}
	after := q.Get("after")
	if len(after) > 64 {
		after = ""
	}
	list, err := h.svc.Risks.ListAssets(r.Context(), a, hikeshi.InformationAssetFilter{IncludeArchived: v.Archived,
		Page: hikeshi.Page{After: after, Limit: risksPageSize + 1}})
	if err != nil {
		return err
	}
	if len(list) > risksPageSize {
		list = list[:risksPageSize]
		v.Next = list[len(list)-1].ID
	}
	v.Assets = list
	if v.riskFormChoices, err = h.riskFormChoices(r); err != nil {
		return err
	}
	v.Active = "isms"
	if adjust != nil {
		adjust(v)
	}
	h.fill(r, &v.page)
	return h.render(w, r, status, "assets_list", v)
}

func (h *Handler) infoAssetList(w http.ResponseWriter, r *http.Request) error {
	return h.renderInfoAssets(w, r, http.StatusOK, nil)
}

func (h *Handler) infoAssetCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	f, in := readInfoAssetForm(r)
	a, err := h.svc.Risks.CreateAsset(r.Context(), h.stateOf(r).actor(), in)
	if err != nil {
		msgs, ok := h.riskErrors(r, err)
		if !ok {
			return err
		}
		return h.renderInfoAssets(w, r, statusOf(err), func(v *infoAssetsView) {
			v.Form, v.Errors = f, msgs
			h.fill(r, &v.page)
			v.Alert = v.T("incident.fix_errors")
		})
	}
	return redirect(w, r, "/isms/assets/"+url.PathEscape(a.ID)+"?m=saved")
}

// infoAssetView is one asset's page.
type infoAssetView struct {
	page
	riskFormChoices
	D               service.InformationAssetDetail
	Risks           []hikeshi.Risk
	Form            infoAssetForm
	Types           []hikeshi.InformationAssetType
	Classifications []hikeshi.AssetClassification
	Ratings         []int
}

func (h *Handler) renderInfoAsset(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *infoAssetView)) error {
	a := h.stateOf(r).actor()
	d, err := h.svc.Risks.Asset(r.Context(), a, id)
	if err != nil {
		return err
	}
	v := &infoAssetView{D: d, Form: infoAssetFormOf(d.Asset), Types: hikeshi.InformationAssetTypes, Classifications: hikeshi.AssetClassifications,
		Ratings: []int{1, 2, 3}}
	if v.Risks, err = h.svc.Risks.ListRisks(r.Context(), a, hikeshi.RiskFilter{AssetID: id, Page: hikeshi.Page{Limit: risksPageSize}}); err != nil {
		return err
	}
	if v.riskFormChoices, err = h.riskFormChoices(r); err != nil {
		return err
	}
	v.Active = "isms"
	if adjust != nil {
		adjust(v)
	}
	h.fill(r, &v.page)
	v.Title = d.Asset.Name
	return h.render(w, r, status, "assets_asset", v)
}

func (h *Handler) infoAssetShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderInfoAsset(w, r, http.StatusOK, r.PathValue("id"), nil)
}

// infoAssetFailed shows the asset page again with the error beside its field.
func (h *Handler) infoAssetFailed(w http.ResponseWriter, r *http.Request, id string, err error, f *infoAssetForm) error {
	msgs, ok := h.riskErrors(r, err)
	if !ok {
		return err
	}
	return h.renderInfoAsset(w, r, statusOf(err), id, func(v *infoAssetView) {
		if f != nil {
			v.Form = *f
		}
		v.Errors = msgs
		h.fill(r, &v.page)
		v.Alert = v.T("incident.fix_errors")
		if m, ok := msgs["asset"]; ok {
			v.Alert = m
		}
	})
}

func (h *Handler) infoAssetUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	f, in := readInfoAssetForm(r)
	typ, class := in.Type, in.Classification
	_, err := h.svc.Risks.UpdateAsset(r.Context(), h.stateOf(r).actor(), id, service.InformationAssetPatch{Name: &in.Name, Type: &typ,
		OwnerDepartmentID: &in.OwnerDepartmentID, Classification: &class, Confidentiality: &in.Confidentiality,
		Integrity: &in.Integrity, Availability: &in.Availability, Description: &in.Description})
	if err != nil {
		return h.infoAssetFailed(w, r, id, err, &f)
	}
	return redirect(w, r, "/isms/assets/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) infoAssetArchive(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, smallForm); err != nil {
			return err
		}
		id := r.PathValue("id")
		if _, err := h.svc.Risks.UpdateAsset(r.Context(), h.stateOf(r).actor(), id, service.InformationAssetPatch{Archived: &archived}); err != nil {
			return h.infoAssetFailed(w, r, id, err, nil)
		}
		return redirect(w, r, "/isms/assets/"+url.PathEscape(id)+"?m=saved")
	}
}

func (h *Handler) infoAssetDelete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.Risks.DeleteAsset(r.Context(), h.stateOf(r).actor(), id); err != nil {
		return h.infoAssetFailed(w, r, id, err, nil)
	}
	return redirect(w, r, "/isms/assets?m=asset_deleted")
}

// ---- risks ----

// riskForm is the new-risk and edit forms' values.
type riskForm struct {
	Title, Scenario, Department, Owner string
	Assets                             []string
	L, I, RL, RI, Note                 string
}

// HasAsset reports whether the form has asset id chosen.
func (f riskForm) HasAsset(id string) bool { return slices.Contains(f.Assets, id) }

func riskAtoi(s string, blank int) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return blank
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1 // refused as out of range
	}
	return n
}

func readRiskForm(r *http.Request) riskForm {
	return riskForm{Title: formValue(r, "title"), Scenario: formValue(r, "scenario"), Department: trimmed(r, "owner_department_id"),
		Owner: trimmed(r, "owner_user_id"), Assets: r.PostForm["asset_ids"], L: trimmed(r, "likelihood"), I: trimmed(r, "impact"),
		RL: trimmed(r, "residual_likelihood"), RI: trimmed(r, "residual_impact"), Note: formValue(r, "note")}
}

func (f riskForm) assessment() service.RiskAssessment {
	return service.RiskAssessment{Likelihood: riskAtoi(f.L, 0), Impact: riskAtoi(f.I, 0), ResidualLikelihood: riskAtoi(f.RL, 0),
		ResidualImpact: riskAtoi(f.RI, 0), Note: f.Note}
}

// Steps are 1 … n for a select.
func riskSteps(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// risksView is the risk register page.
type risksView struct {
	page
	riskFormChoices
	Risks     []hikeshi.Risk
	Next      string
	Reminders []service.RiskReminderEntry
	Matrix    hikeshi.RiskMatrix
	Assets    []hikeshi.InformationAsset // offered for a new risk
	CanCreate bool
	Form      riskForm
}

// LSteps and ISteps are the current matrix's likelihood and impact riskSteps.
func (v *risksView) LSteps() []int { return riskSteps(len(v.Matrix.Likelihood)) }
func (v *risksView) ISteps() []int { return riskSteps(len(v.Matrix.Impact)) }

func (h *Handler) renderRisks(w http.ResponseWriter, r *http.Request, status int, adjust func(v *risksView)) error {
	st := h.stateOf(r)
	a := st.actor()
	v := &risksView{CanCreate: service.CanCreateAsset(a), Form: riskForm{Department: a.DepartmentID}}
	after := r.URL.Query().Get("after")
	if len(after) > 64 {
		after = ""
	}
	list, err := h.svc.Risks.ListRisks(r.Context(), a, hikeshi.RiskFilter{Page: hikeshi.Page{After: after, Limit: risksPageSize + 1}})
	if err != nil {
		return err
	}
	if len(list) > risksPageSize {
		list = list[:risksPageSize]
		v.Next = list[len(list)-1].ID
	}
	v.Risks = list
	if v.Reminders, err = h.svc.Risks.Reminders(r.Context(), a); err != nil {
		return err
	}
	if v.Matrix, err = h.svc.Risks.RiskMatrix(r.Context(), a); err != nil {
		return err
	}
	if v.CanCreate {
		if v.Assets, err = h.svc.Risks.ListAssets(r.Context(), a, hikeshi.InformationAssetFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}); err != nil {
			return err
		}
	}
	if v.riskFormChoices, err = h.riskFormChoices(r); err != nil {
		return err
	}
	v.Active = "isms"
	if adjust != nil {
		adjust(v)
	}
	h.fill(r, &v.page)
	return h.render(w, r, status, "risks_list", v)
}

func (h *Handler) riskList(w http.ResponseWriter, r *http.Request) error {
	return h.renderRisks(w, r, http.StatusOK, nil)
}

func (h *Handler) riskCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	f := readRiskForm(r)
	risk, err := h.svc.Risks.CreateRisk(r.Context(), h.stateOf(r).actor(), service.RiskInput{Title: f.Title, Scenario: f.Scenario,
		AssetIDs: f.Assets, OwnerDepartmentID: f.Department, OwnerUserID: f.Owner, Assessment: f.assessment()})
	if err != nil {
		msgs, ok := h.riskErrors(r, err)
		if !ok {
			return err
		}
		return h.renderRisks(w, r, statusOf(err), func(v *risksView) {
			v.Form, v.Errors = f, msgs
			h.fill(r, &v.page)
			v.Alert = v.T("incident.fix_errors")
		})
	}
	return redirect(w, r, "/isms/risks/"+url.PathEscape(risk.ID)+"?m=saved")
}

// riskView is one risk's page.
type riskView struct {
	page
	riskFormChoices
	D          service.RiskDetail
	Assets     []hikeshi.InformationAsset // offered for the edit form
	Form       riskForm                   // the edit form
	Assess     riskForm                   // the assessment form
	Treatments []hikeshi.RiskTreatment
	Treatment  string
	DueAt      string
	TNote      string
	Done       bool
	AcceptNote string
	// Improvements are the incident lessons concerning the risk, and its re-assessment flag (IN-1).
	Improvements improvementsSection
}

// LSteps and ISteps are the current matrix's likelihood and impact riskSteps.
func (v *riskView) LSteps() []int { return riskSteps(len(v.D.Matrix.Likelihood)) }
func (v *riskView) ISteps() []int { return riskSteps(len(v.D.Matrix.Impact)) }

// ScoreText describes a score in words: "high (likelihood 3 Likely × impact 2 Moderate)".
func (v *riskView) ScoreText(s hikeshi.RiskScore) string {
	if !s.Scored() {
		return v.T("risks.score.none")
	}
	m := v.D.Matrices[s.MatrixVersion]
	label := func(ls []hikeshi.ScaleLabel, n int) string {
		if n >= 1 && n <= len(ls) {
			return ls[n-1].In(string(v.Lang))
		}
		return ""
	}
	return v.T("risks.score.text", s.Likelihood, label(m.Likelihood, s.Likelihood), s.Impact, label(m.Impact, s.Impact))
}

// MatrixNote says which matrix a score was made on when it is not the current one.
func (v *riskView) MatrixNote(s hikeshi.RiskScore) string {
	if !v.D.Stale(s) {
		return ""
	}
	return v.T("risks.score.old_matrix", s.MatrixVersion, v.D.Matrices[s.MatrixVersion].Size())
}

// Person is the name of a person the risk names, or "—".
func (v *riskView) Person(id string) string {
	if n, ok := v.D.People[id]; ok {
		return n
	}
	return "—"
}

// RiskSel reports whether a select's value s is n.
func (p *page) RiskSel(s string, n int) bool { return s == strconv.Itoa(n) }

func (h *Handler) renderRisk(w http.ResponseWriter, r *http.Request, status int, id string, adjust func(v *riskView)) error {
	a := h.stateOf(r).actor()
	d, err := h.svc.Risks.Risk(r.Context(), a, id)
	if err != nil {
		return err
	}
	rk := d.Risk
	v := &riskView{D: d, Treatments: hikeshi.RiskTreatments, Treatment: string(rk.Treatment), TNote: rk.TreatmentNote,
		Done: !rk.TreatmentDoneAt.IsZero(),
		Form: riskForm{Title: rk.Title, Scenario: rk.Scenario, Department: rk.OwnerDepartmentID, Owner: rk.OwnerUserID, Assets: rk.AssetIDs}}
	if !rk.TreatmentDueAt.IsZero() {
		v.DueAt = rk.TreatmentDueAt.In(h.loc).Format("2006-01-02")
	}
	if !d.Stale(rk.Inherent) {
		v.Assess = riskForm{L: strconv.Itoa(rk.Inherent.Likelihood), I: strconv.Itoa(rk.Inherent.Impact)}
		if rk.Residual.Scored() && !d.Stale(rk.Residual) {
			v.Assess.RL, v.Assess.RI = strconv.Itoa(rk.Residual.Likelihood), strconv.Itoa(rk.Residual.Impact)
		}
	}
	if d.CanEdit {
		all, err := h.svc.Risks.ListAssets(r.Context(), a, hikeshi.InformationAssetFilter{IncludeArchived: true, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
		if err != nil {
			return err
		}
		for _, x := range all { // archived assets only when the risk has them already
			if !x.Archived || slices.Contains(rk.AssetIDs, x.ID) {
				v.Assets = append(v.Assets, x)
			}
		}
	}
	if v.riskFormChoices, err = h.riskFormChoices(r); err != nil {
		return err
	}
	v.Active = "isms"
	if adjust != nil {
		adjust(v)
	}
	h.fill(r, &v.page)
	v.Title = rk.Title
	if v.Improvements, err = h.improvementsFor(r, &v.page, "", rk.ID); err != nil {
		return err
	}
	return h.render(w, r, status, "risks_risk", v)
}

func (h *Handler) riskShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderRisk(w, r, http.StatusOK, r.PathValue("id"), nil)
}

// riskFailed shows the risk page again with the errors and what was typed.
func (h *Handler) riskFailed(w http.ResponseWriter, r *http.Request, id string, err error, adjust func(v *riskView)) error {
	msgs, ok := h.riskErrors(r, err)
	if !ok {
		return err
	}
	return h.renderRisk(w, r, statusOf(err), id, func(v *riskView) {
		adjust(v)
		v.Errors = msgs
		h.fill(r, &v.page)
		v.Alert = v.T("incident.fix_errors")
		if m, ok := msgs["risk"]; ok {
			v.Alert = m
		}
	})
}

func (h *Handler) riskUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := readRiskForm(r)
	assets := f.Assets
	if assets == nil {
		assets = []string{}
	}
	_, err := h.svc.Risks.UpdateRisk(r.Context(), h.stateOf(r).actor(), id, service.RiskPatch{Title: &f.Title, Scenario: &f.Scenario,
		AssetIDs: &assets, OwnerDepartmentID: &f.Department, OwnerUserID: &f.Owner})
	if err != nil {
		return h.riskFailed(w, r, id, err, func(v *riskView) { v.Form = f })
	}
	return redirect(w, r, "/isms/risks/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) riskAssess(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	f := readRiskForm(r)
	if _, err := h.svc.Risks.AssessRisk(r.Context(), h.stateOf(r).actor(), id, f.assessment()); err != nil {
		return h.riskFailed(w, r, id, err, func(v *riskView) { v.Assess = f })
	}
	return redirect(w, r, "/isms/risks/"+url.PathEscape(id)+"?m=risk_assessed")
}

func (h *Handler) riskTreatment(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	tr, due, note, done := trimmed(r, "treatment"), trimmed(r, "due_at"), formValue(r, "note"), formValue(r, "done") == "1"
	keep := func(v *riskView) { v.Treatment, v.DueAt, v.TNote, v.Done = tr, due, note, done }
	in := service.TreatmentInput{Treatment: hikeshi.RiskTreatment(tr), Note: note, Done: done}
	if due != "" {
		d, err := time.ParseInLocation("2006-01-02", due, h.loc)
		if err != nil {
			return h.riskFailed(w, r, id, hikeshi.Invalid("due_at", "invalid_date", "a date like 2026-05-01"), keep)
		}
		in.DueAt = d.Add(18 * time.Hour) // the end of that working day
	}
	if _, err := h.svc.Risks.SetTreatment(r.Context(), h.stateOf(r).actor(), id, in); err != nil {
		return h.riskFailed(w, r, id, err, keep)
	}
	return redirect(w, r, "/isms/risks/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) riskAccept(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	note := formValue(r, "note")
	if _, err := h.svc.Risks.AcceptRisk(r.Context(), h.stateOf(r).actor(), id, note); err != nil {
		return h.riskFailed(w, r, id, err, func(v *riskView) { v.AcceptNote = note })
	}
	return redirect(w, r, "/isms/risks/"+url.PathEscape(id)+"?m=risk_accepted")
}

func (h *Handler) riskReminderDismiss(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	if err := h.svc.Risks.DismissReminder(r.Context(), h.stateOf(r).actor(), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/isms/risks?m=risk_reminder_dismissed")
}

// ---- the matrix ----

// riskMatrixCell is one cell of the matrix form.
type riskMatrixCell struct {
	L, I  int
	Level string
}

// riskMatrixRow is one likelihood step of the matrix form.
type riskMatrixRow struct {
	Index  int // 0-based
	EN, JA string
	Cells  []riskMatrixCell
}

// riskMatrixView is the risk matrix page: the current matrix and, for admins,
// the form of a new version (always 5×5 inputs; the sizes say how many count).
type riskMatrixView struct {
	page
	M       hikeshi.RiskMatrix
	CanEdit bool
	LCount  int
	ICount  int
	Rows    []riskMatrixRow // likelihood riskSteps with the cells, 5 of them
	Impact  []riskMatrixRow // impact step labels, 5 of them
	Days    map[string]string
	Sizes   []int
	Levels  []hikeshi.RiskLevel
}

func (v *riskMatrixView) Cell(l, i int) string {
	for _, r := range v.Rows {
		for _, c := range r.Cells {
			if c.L == l && c.I == i {
				return c.Level
			}
		}
	}
	return ""
}

func newRiskMatrixView(m hikeshi.RiskMatrix) *riskMatrixView {
	v := &riskMatrixView{M: m, LCount: len(m.Likelihood), ICount: len(m.Impact), Days: map[string]string{},
		Sizes: []int{3, 4, 5}, Levels: hikeshi.RiskLevels}
	for l := range hikeshi.MaxMatrixSize {
		row := riskMatrixRow{Index: l}
		if l < len(m.Likelihood) {
			row.EN, row.JA = m.Likelihood[l].EN, m.Likelihood[l].JA
		}
		for i := range hikeshi.MaxMatrixSize {
			lv, _ := m.Level(l+1, i+1)
			if lv == "" {
				lv = hikeshi.RiskMedium
			}
			row.Cells = append(row.Cells, riskMatrixCell{L: l, I: i, Level: string(lv)})
		}
		v.Rows = append(v.Rows, row)
		imp := riskMatrixRow{Index: l}
		if l < len(m.Impact) {
			imp.EN, imp.JA = m.Impact[l].EN, m.Impact[l].JA
		}
		v.Impact = append(v.Impact, imp)
	}
	for _, lv := range hikeshi.RiskLevels {
		v.Days[string(lv)] = strconv.Itoa(m.ReviewDays[lv])
	}
	return v
}

// DisplayRows are the current matrix's rows, highest likelihood first, for the grid.
func (v *riskMatrixView) DisplayRows() []int {
	out := riskSteps(len(v.M.Likelihood))
	slices.Reverse(out)
	return out
}

// ISteps are the current matrix's impact riskSteps.
func (v *riskMatrixView) ISteps() []int { return riskSteps(len(v.M.Impact)) }

// LevelAt is the current matrix's level of a cell.
func (v *riskMatrixView) LevelAt(l, i int) hikeshi.RiskLevel {
	lv, _ := v.M.Level(l, i)
	return lv
}

// LLabel and ILabel are the current matrix's step labels.
func (v *riskMatrixView) LLabel(n int) hikeshi.ScaleLabel { return v.M.Likelihood[n-1] }
func (v *riskMatrixView) ILabel(n int) hikeshi.ScaleLabel { return v.M.Impact[n-1] }

func (h *Handler) renderRiskMatrix(w http.ResponseWriter, r *http.Request, status int, v *riskMatrixView) error {
	v.CanEdit = h.stateOf(r).actor().CanAdminister()
	v.Active = "isms"
	h.fill(r, &v.page)
	return h.render(w, r, status, "risks_matrix", v)
}

func (h *Handler) riskMatrixShow(w http.ResponseWriter, r *http.Request) error {
	m, err := h.svc.Risks.RiskMatrix(r.Context(), h.stateOf(r).actor())
	if err != nil {
		return err
	}
	return h.renderRiskMatrix(w, r, http.StatusOK, newRiskMatrixView(m))
}

func (h *Handler) riskMatrixSave(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	a := h.stateOf(r).actor()
	cur, err := h.svc.Risks.RiskMatrix(r.Context(), a)
	if err != nil {
		return err
	}
	lc, ic := riskAtoi(trimmed(r, "likelihood_count"), 0), riskAtoi(trimmed(r, "impact_count"), 0)
	var m hikeshi.RiskMatrix
	m.ReviewDays = map[hikeshi.RiskLevel]int{}
	for _, lv := range hikeshi.RiskLevels {
		m.ReviewDays[lv] = riskAtoi(trimmed(r, "days_"+string(lv)), 0)
	}
	label := func(prefix string, n int) hikeshi.ScaleLabel {
		s := strconv.Itoa(n)
		return hikeshi.ScaleLabel{EN: strings.TrimSpace(formValue(r, prefix+s+"_en")), JA: strings.TrimSpace(formValue(r, prefix+s+"_ja"))}
	}
	// Sizes outside 1…5 are passed through so that validation names them.
	for l := range min(max(lc, 0), hikeshi.MaxMatrixSize+1) {
		m.Likelihood = append(m.Likelihood, label("l", l))
	}
	for i := range min(max(ic, 0), hikeshi.MaxMatrixSize+1) {
		m.Impact = append(m.Impact, label("i", i))
	}
	for l := range len(m.Likelihood) {
		var row []hikeshi.RiskLevel
		for i := range len(m.Impact) {
			row = append(row, hikeshi.RiskLevel(trimmed(r, "cell_"+strconv.Itoa(l)+"_"+strconv.Itoa(i))))
		}
		m.Cells = append(m.Cells, row)
	}
	if _, err := h.svc.Risks.SetRiskMatrix(r.Context(), a, m); err != nil {
		msgs, ok := h.riskErrors(r, err)
		if !ok {
			return err
		}
		v := newRiskMatrixView(cur)
		// Show what was typed.
		v.LCount, v.ICount = lc, ic
		for l := range hikeshi.MaxMatrixSize {
			lab := label("l", l)
			v.Rows[l].EN, v.Rows[l].JA = lab.EN, lab.JA
			ilab := label("i", l)
			v.Impact[l].EN, v.Impact[l].JA = ilab.EN, ilab.JA
			for i := range hikeshi.MaxMatrixSize {
				v.Rows[l].Cells[i].Level = trimmed(r, "cell_"+strconv.Itoa(l)+"_"+strconv.Itoa(i))
			}
		}
		for _, lv := range hikeshi.RiskLevels {
			v.Days[string(lv)] = trimmed(r, "days_"+string(lv))
		}
		v.Errors = msgs
		h.fill(r, &v.page)
		v.Alert = v.T("incident.fix_errors")
		return h.renderRiskMatrix(w, r, statusOf(err), v)
	}
	return redirect(w, r, "/isms/risk-matrix?m=risk_matrix_saved")
}

// RiskStep is the 1-based step of a 0-based index.
func (p *page) RiskStep(i int) int { return i + 1 }

// ScoreForm and CurrentMatrix feed the score fields of the new-risk form.
func (v *risksView) ScoreForm() riskForm               { return v.Form }
func (v *risksView) CurrentMatrix() hikeshi.RiskMatrix { return v.Matrix }

// ScoreForm and CurrentMatrix feed the score fields of the assessment form.
func (v *riskView) ScoreForm() riskForm               { return v.Assess }
func (v *riskView) CurrentMatrix() hikeshi.RiskMatrix { return v.D.Matrix }
