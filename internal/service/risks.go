package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// Risks is the ISMS's IS-2: the asset inventory and the risk register.
//
// Who does what (asset inventory): every signed-in role reads the whole
// inventory — an ISMS is transparent inside the organisation, and a member
// needs to see which assets other departments own to report on them.
// Admins create, change, archive and delete any asset; the other writers
// (CSIRT, managers, members) do so for the assets their own department owns,
// and create assets only for their own department. Auditors change nothing.
type Risks struct{ base }

// InformationAssetInput is an asset as its owner types it.
type InformationAssetInput struct {
	Name              string
	Type              hikeshi.InformationAssetType
	OwnerDepartmentID string
	Classification    hikeshi.AssetClassification
	Confidentiality   int
	Integrity         int
	Availability      int
	Description       string
}

// InformationAssetDetail is an asset with what the actor may do with it.
type InformationAssetDetail struct {
	Asset   hikeshi.InformationAsset
	CanEdit bool
}

// infoAssetAudit is what the audit log keeps of an asset.
type infoAssetAudit struct {
	Name              string `json:"name"`
	Type              string `json:"type"`
	OwnerDepartmentID string `json:"owner_department_id"`
	Classification    string `json:"classification"`
	C                 int    `json:"confidentiality"`
	I                 int    `json:"integrity"`
	A                 int    `json:"availability"`
	Archived          bool   `json:"archived"`
}

func auditOfInfoAsset(a hikeshi.InformationAsset) infoAssetAudit {
	return infoAssetAudit{Name: a.Name, Type: string(a.Type), OwnerDepartmentID: a.OwnerDepartmentID,
		Classification: string(a.Classification), C: a.Confidentiality, I: a.Integrity, A: a.Availability, Archived: a.Archived}
}

// canEditAsset reports whether actor may change assets owned by department.
func canEditAsset(actor hikeshi.Actor, departmentID string) bool {
	switch {
	case actor.ReadOnly():
		return false
	case actor.CanAdminister():
		return true
	}
	return actor.DepartmentID != "" && actor.DepartmentID == departmentID
}

func validateInformationAsset(ctx context.Context, r hikeshi.Reader, a hikeshi.InformationAsset) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateText(&v, "name", a.Name, hikeshi.MaxInformationAssetNameLen, true)
	if strings.ContainsAny(a.Name, "\r\n") {
		v.Add("name", "invalid_text", "the name is one line")
	}
	if !a.Type.Valid() {
		v.Add("type", "unknown", "type must be information, software, hardware, service, people or site")
	}
	if !a.Classification.Valid() {
		v.Add("classification", "unknown", "classification must be public, internal, confidential or secret")
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"confidentiality", a.Confidentiality}, {"integrity", a.Integrity}, {"availability", a.Availability}} {
		if !hikeshi.ValidCIA(c.n) {
			v.Add(c.field, "out_of_range", fmt.Sprintf("%s must be %d to %d", c.field, hikeshi.MinCIA, hikeshi.MaxCIA))
		}
	}
	hikeshi.ValidateText(&v, "description", a.Description, hikeshi.MaxInformationAssetDescriptionLen, false)
	if a.OwnerDepartmentID == "" {
		v.Add("owner_department_id", "required", "an asset needs an owner department")
	} else if _, err := r.FindDepartmentByID(ctx, a.OwnerDepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
		v.Add("owner_department_id", "unknown", "no such department")
	} else if err != nil {
		return err
	}
	return v.Err()
}

// ListAssets lists the inventory newest first. Every signed-in role reads it.
func (s *Risks) ListAssets(ctx context.Context, actor hikeshi.Actor, f hikeshi.InformationAssetFilter) ([]hikeshi.InformationAsset, error) {
	out, err := s.st.FindInformationAssets(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list assets: %w", err)
	}
	return out, nil
}

// Asset returns one asset and whether the actor may change it.
func (s *Risks) Asset(ctx context.Context, actor hikeshi.Actor, id string) (InformationAssetDetail, error) {
	a, err := s.st.FindInformationAssetByID(ctx, id)
	if err != nil {
		return InformationAssetDetail{}, fmt.Errorf("asset: %w", err)
	}
	return InformationAssetDetail{Asset: a, CanEdit: canEditAsset(actor, a.OwnerDepartmentID)}, nil
}

// CanCreateAsset reports whether the actor may add assets at all.
func CanCreateAsset(actor hikeshi.Actor) bool {
	return !actor.ReadOnly() && (actor.CanAdminister() || actor.DepartmentID != "")
}

// CreateAsset adds an asset to the inventory, owned by in.OwnerDepartmentID
// (the actor's own department unless the actor is an admin).
func (s *Risks) CreateAsset(ctx context.Context, actor hikeshi.Actor, in InformationAssetInput) (hikeshi.InformationAsset, error) {
	if in.OwnerDepartmentID == "" && !actor.CanAdminister() {
		in.OwnerDepartmentID = actor.DepartmentID
	}
	if !CanCreateAsset(actor) {
		return hikeshi.InformationAsset{}, forbid("create asset")
	}
	if in.OwnerDepartmentID != "" && !canEditAsset(actor, in.OwnerDepartmentID) {
		return hikeshi.InformationAsset{}, hikeshi.Invalid("owner_department_id", "not_allowed", "you may add assets only for your own department")
	}
	now := s.clock.Now()
	a := hikeshi.InformationAsset{ID: hikeshi.NewID(), Name: strings.TrimSpace(in.Name), Type: in.Type,
		OwnerDepartmentID: in.OwnerDepartmentID, Classification: in.Classification, Confidentiality: in.Confidentiality,
		Integrity: in.Integrity, Availability: in.Availability, Description: strings.TrimSpace(in.Description),
		CreatedAt: now, UpdatedAt: now}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := validateInformationAsset(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.CreateInformationAsset(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "asset.create", "information_asset", a.ID, nil, auditOfInfoAsset(a))
	})
	if err != nil {
		return hikeshi.InformationAsset{}, fmt.Errorf("create asset: %w", err)
	}
	return a, nil
}

// InformationAssetPatch changes an asset; nil fields stay as they are.
type InformationAssetPatch struct {
	Name              *string
	Type              *hikeshi.InformationAssetType
	OwnerDepartmentID *string
	Classification    *hikeshi.AssetClassification
	Confidentiality   *int
	Integrity         *int
	Availability      *int
	Description       *string
	Archived          *bool
}

// UpdateAsset changes an asset. Its owner department's people and admins may;
// moving it to another department needs rights over that one too.
func (s *Risks) UpdateAsset(ctx context.Context, actor hikeshi.Actor, id string, p InformationAssetPatch) (hikeshi.InformationAsset, error) {
	if err := requireWriter(actor, "update asset"); err != nil {
		return hikeshi.InformationAsset{}, err
	}
	var out hikeshi.InformationAsset
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindInformationAssetByID(ctx, id)
		if err != nil {
			return err
		}
		if !canEditAsset(actor, before.OwnerDepartmentID) {
			return forbid("update asset")
		}
		a := before
		if p.Name != nil {
			a.Name = strings.TrimSpace(*p.Name)
		}
		if p.Type != nil {
			a.Type = *p.Type
		}
		if p.OwnerDepartmentID != nil {
			a.OwnerDepartmentID = *p.OwnerDepartmentID
			if a.OwnerDepartmentID != before.OwnerDepartmentID && a.OwnerDepartmentID != "" && !canEditAsset(actor, a.OwnerDepartmentID) {
				return hikeshi.Invalid("owner_department_id", "not_allowed", "you may give an asset only to a department you edit for")
			}
		}
		if p.Classification != nil {
			a.Classification = *p.Classification
		}
		if p.Confidentiality != nil {
			a.Confidentiality = *p.Confidentiality
		}
		if p.Integrity != nil {
			a.Integrity = *p.Integrity
		}
		if p.Availability != nil {
			a.Availability = *p.Availability
		}
		if p.Description != nil {
			a.Description = strings.TrimSpace(*p.Description)
		}
		if p.Archived != nil {
			a.Archived = *p.Archived
		}
		if err := validateInformationAsset(ctx, tx, a); err != nil {
			return err
		}
		a.UpdatedAt = s.clock.Now()
		if err := tx.UpdateInformationAsset(ctx, a); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, tx, actor, "asset.update", "information_asset", a.ID, auditOfInfoAsset(before), auditOfInfoAsset(a))
	})
	if err != nil {
		return hikeshi.InformationAsset{}, fmt.Errorf("update asset: %w", err)
	}
	return out, nil
}

// DeleteAsset removes an asset entered by mistake. Its owner department's
// people and admins may. An asset a risk refers to is kept: the refusal
// names the risks (up to ten), and archiving is the way to retire it.
func (s *Risks) DeleteAsset(ctx context.Context, actor hikeshi.Actor, id string) error {
	if err := requireWriter(actor, "delete asset"); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := tx.FindInformationAssetByID(ctx, id)
		if err != nil {
			return err
		}
		if !canEditAsset(actor, a.OwnerDepartmentID) {
			return forbid("delete asset")
		}
		refs, err := tx.FindRisks(ctx, hikeshi.RiskFilter{AssetID: id, Page: hikeshi.Page{Limit: 10}})
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			titles := make([]string, len(refs))
			for i, r := range refs {
				titles[i] = r.Title
			}
			return &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "asset", Code: "referenced",
				Message: "risks refer to the asset; archive it instead: " + strings.Join(titles, ", ")}}}
		}
		if err := tx.DeleteInformationAsset(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "asset.delete", "information_asset", id, auditOfInfoAsset(a), nil)
	})
	if err != nil {
		return fmt.Errorf("delete asset: %w", err)
	}
	return nil
}

// The risk register. Who does what: everyone signed in reads every risk;
// the owner department's people (CSIRT, managers, members) and admins
// create, change, re-assess and set the treatment of its risks; only
// managers and admins accept a risk (treatment "accept", or accepting the
// residual risk), and who and when is recorded. The matrix is an
// organisation setting that admins change; each change is a new version.

// KindRiskRemind is the daily job that reminds the owners of risks whose
// review or treatment is due.
const KindRiskRemind = "risk.remind"

// CanAcceptRisk reports whether the actor may accept risks: managers and admins.
func CanAcceptRisk(a hikeshi.Actor) bool {
	return !a.ReadOnly() && (a.Role == hikeshi.RoleManager || a.CanAdminister())
}

// RiskMatrix returns the current matrix: the newest stored version, or the
// built-in default (version 1) while none has been stored.
func (s *Risks) RiskMatrix(ctx context.Context, actor hikeshi.Actor) (hikeshi.RiskMatrix, error) {
	return currentMatrix(ctx, s.st)
}

func currentMatrix(ctx context.Context, r hikeshi.Reader) (hikeshi.RiskMatrix, error) {
	m, err := r.FindLatestRiskMatrix(ctx)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.DefaultRiskMatrix(), nil
	}
	return m, err
}

// ensureMatrix returns the current matrix, storing the default as version 1
// first when none has been stored (a score must name a stored version).
func (s *Risks) ensureMatrix(ctx context.Context, tx hikeshi.Tx) (hikeshi.RiskMatrix, error) {
	m, err := tx.FindLatestRiskMatrix(ctx)
	if !errors.Is(err, hikeshi.ErrNotFound) {
		return m, err
	}
	m = hikeshi.DefaultRiskMatrix()
	m.CreatedAt = s.clock.Now()
	return m, tx.CreateRiskMatrix(ctx, m)
}

// MatrixVersion returns one version of the matrix, the default for version
// 1 while none is stored.
func (s *Risks) MatrixVersion(ctx context.Context, actor hikeshi.Actor, version int) (hikeshi.RiskMatrix, error) {
	m, err := s.st.FindRiskMatrix(ctx, version)
	if errors.Is(err, hikeshi.ErrNotFound) && version == 1 {
		return hikeshi.DefaultRiskMatrix(), nil
	}
	return m, err
}

// SetRiskMatrix stores a new version of the matrix (admins only). Existing
// scores keep the version they were made with.
func (s *Risks) SetRiskMatrix(ctx context.Context, actor hikeshi.Actor, m hikeshi.RiskMatrix) (hikeshi.RiskMatrix, error) {
	if !actor.CanAdminister() {
		return hikeshi.RiskMatrix{}, forbid("set risk matrix")
	}
	if err := hikeshi.ValidateRiskMatrix(m); err != nil {
		return hikeshi.RiskMatrix{}, err
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		cur, err := s.ensureMatrix(ctx, tx)
		if err != nil {
			return err
		}
		m.Version, m.CreatedBy, m.CreatedAt = cur.Version+1, actor.UserID, s.clock.Now()
		if err := tx.CreateRiskMatrix(ctx, m); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "risk_matrix.create", "risk_matrix", fmt.Sprint(m.Version), nil,
			map[string]any{"version": m.Version, "size": m.Size(), "cells": m.Cells, "review_days": m.ReviewDays})
	})
	if err != nil {
		return hikeshi.RiskMatrix{}, fmt.Errorf("set risk matrix: %w", err)
	}
	return m, nil
}

// RiskInput is a new risk with its first assessment.
type RiskInput struct {
	Title             string
	Scenario          string
	AssetIDs          []string
	OwnerDepartmentID string // defaults to the actor's department
	OwnerUserID       string
	Assessment        RiskAssessment
}

// RiskAssessment scores a risk on the current matrix: inherent likelihood
// and impact, and optionally the residual ones (0 = not scored).
type RiskAssessment struct {
	Likelihood         int
	Impact             int
	ResidualLikelihood int
	ResidualImpact     int
	Note               string
}

// RiskPatch changes a risk's words, assets or owner; nil fields stay.
type RiskPatch struct {
	Title             *string
	Scenario          *string
	AssetIDs          *[]string
	OwnerDepartmentID *string
	OwnerUserID       *string // "" clears
}

// TreatmentInput sets a risk's treatment.
type TreatmentInput struct {
	Treatment hikeshi.RiskTreatment
	DueAt     time.Time // optional
	Note      string
	Done      bool // the treatment has been carried out
}

// RiskDetail is a risk with its assets, history and matrices, and what the
// actor may do.
type RiskDetail struct {
	Risk      hikeshi.Risk
	Assets    []hikeshi.InformationAsset
	Events    []hikeshi.RiskEvent
	Matrix    hikeshi.RiskMatrix         // the current one
	Matrices  map[int]hikeshi.RiskMatrix // every version the risk's scores and history use
	People    map[string]string          // names of the people the risk and its history name
	CanEdit   bool
	CanAccept bool
}

// Stale reports whether a score was made on an older matrix than the current one.
func (d RiskDetail) Stale(sc hikeshi.RiskScore) bool {
	return sc.Scored() && sc.MatrixVersion != d.Matrix.Version
}

// riskAudit is what the audit log keeps of a risk.
type riskAudit struct {
	Title        string   `json:"title"`
	Department   string   `json:"owner_department_id"`
	Owner        string   `json:"owner_user_id,omitempty"`
	Assets       []string `json:"assets"`
	Inherent     string   `json:"inherent"`
	Residual     string   `json:"residual,omitempty"`
	Treatment    string   `json:"treatment"`
	AcceptedBy   string   `json:"accepted_by,omitempty"`
	NextReviewAt string   `json:"next_review_at"`
}

func scoreText(s hikeshi.RiskScore) string {
	if !s.Scored() {
		return ""
	}
	return fmt.Sprintf("%d×%d=%s (v%d)", s.Likelihood, s.Impact, s.Level, s.MatrixVersion)
}

func auditOfRisk(r hikeshi.Risk) riskAudit {
	a := riskAudit{Title: r.Title, Department: r.OwnerDepartmentID, Owner: r.OwnerUserID, Assets: r.AssetIDs,
		Inherent: scoreText(r.Inherent), Residual: scoreText(r.Residual), Treatment: string(r.Treatment),
		AcceptedBy: r.AcceptedBy, NextReviewAt: hikeshi.FormatTime(r.NextReviewAt)}
	if a.Assets == nil {
		a.Assets = []string{}
	}
	return a
}

// score places likelihood × impact on m, naming the fields on failure.
func score(v *hikeshi.ValidationError, m hikeshi.RiskMatrix, lf, imf string, l, i int) hikeshi.RiskScore {
	ok := true
	if l < 1 || l > len(m.Likelihood) {
		v.Add(lf, "out_of_range", fmt.Sprintf("%s must be 1 to %d on matrix v%d", lf, len(m.Likelihood), m.Version))
		ok = false
	}
	if i < 1 || i > len(m.Impact) {
		v.Add(imf, "out_of_range", fmt.Sprintf("%s must be 1 to %d on matrix v%d", imf, len(m.Impact), m.Version))
		ok = false
	}
	if !ok {
		return hikeshi.RiskScore{}
	}
	level, _ := m.Level(l, i)
	return hikeshi.RiskScore{Likelihood: l, Impact: i, MatrixVersion: m.Version, Level: level}
}

// assess scores r on m and sets its next review from the current level.
func (s *Risks) assess(v *hikeshi.ValidationError, r *hikeshi.Risk, m hikeshi.RiskMatrix, a RiskAssessment) {
	r.Inherent = score(v, m, "likelihood", "impact", a.Likelihood, a.Impact)
	r.Residual = hikeshi.RiskScore{}
	if a.ResidualLikelihood != 0 || a.ResidualImpact != 0 {
		r.Residual = score(v, m, "residual_likelihood", "residual_impact", a.ResidualLikelihood, a.ResidualImpact)
	}
	hikeshi.ValidateText(v, "note", a.Note, hikeshi.MaxRiskNoteLen, false)
	r.AssessedAt = s.clock.Now()
	if r.Inherent.Scored() {
		r.NextReviewAt = m.NextReview(r.Current().Level, r.AssessedAt)
	}
}

// validateRisk checks a risk's words, owner and assets. Archived assets are
// refused unless the risk already referred to them (before).
func validateRisk(ctx context.Context, r hikeshi.Reader, v *hikeshi.ValidationError, risk hikeshi.Risk, before []string) error {
	hikeshi.ValidateText(v, "title", risk.Title, hikeshi.MaxRiskTitleLen, true)
	if strings.ContainsAny(risk.Title, "\r\n") {
		v.Add("title", "invalid_text", "the title is one line")
	}
	hikeshi.ValidateText(v, "scenario", risk.Scenario, hikeshi.MaxRiskTextLen, true)
	hikeshi.ValidateText(v, "treatment_note", risk.TreatmentNote, hikeshi.MaxRiskNoteLen, false)
	if len(risk.AssetIDs) > hikeshi.MaxRiskAssets {
		v.Add("asset_ids", "too_long", fmt.Sprintf("at most %d assets", hikeshi.MaxRiskAssets))
	}
	for _, id := range risk.AssetIDs {
		a, err := r.FindInformationAssetByID(ctx, id)
		if errors.Is(err, hikeshi.ErrNotFound) {
			v.Add("asset_ids", "unknown", "no such asset: "+id)
			continue
		} else if err != nil {
			return err
		}
		if a.Archived && !slices.Contains(before, id) {
			v.Add("asset_ids", "archived", "the asset is archived: "+a.Name)
		}
	}
	if risk.OwnerDepartmentID == "" {
		v.Add("owner_department_id", "required", "a risk needs an owner department")
	} else if _, err := r.FindDepartmentByID(ctx, risk.OwnerDepartmentID); errors.Is(err, hikeshi.ErrNotFound) {
		v.Add("owner_department_id", "unknown", "no such department")
	} else if err != nil {
		return err
	}
	if risk.OwnerUserID != "" {
		u, err := r.FindUserByID(ctx, risk.OwnerUserID)
		if errors.Is(err, hikeshi.ErrNotFound) || (err == nil && !u.Active()) {
			v.Add("owner_user_id", "unknown", "no such active user")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// dedupe returns ids without duplicates or blanks, sorted.
func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// event appends a history row with the risk as it stands.
func (s *Risks) event(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, r hikeshi.Risk, kind hikeshi.RiskEventKind, note string) error {
	return tx.CreateRiskEvent(ctx, hikeshi.RiskEvent{ID: hikeshi.NewID(), RiskID: r.ID, Kind: kind, At: s.clock.Now(),
		ActorID: actor.UserID, Inherent: r.Inherent, Residual: r.Residual, Treatment: r.Treatment,
		TreatmentDueAt: r.TreatmentDueAt, OwnerDepartmentID: r.OwnerDepartmentID, OwnerUserID: r.OwnerUserID, Note: note})
}

// ListRisks lists the register newest first. Every signed-in role reads it.
func (s *Risks) ListRisks(ctx context.Context, actor hikeshi.Actor, f hikeshi.RiskFilter) ([]hikeshi.Risk, error) {
	out, err := s.st.FindRisks(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list risks: %w", err)
	}
	return out, nil
}

// Risk returns one risk with its assets, history and the matrices its scores use.
func (s *Risks) Risk(ctx context.Context, actor hikeshi.Actor, id string) (RiskDetail, error) {
	r, err := s.st.FindRiskByID(ctx, id)
	if err != nil {
		return RiskDetail{}, fmt.Errorf("risk: %w", err)
	}
	d := RiskDetail{Risk: r, Matrices: map[int]hikeshi.RiskMatrix{}, CanEdit: canEditAsset(actor, r.OwnerDepartmentID),
		CanAccept: CanAcceptRisk(actor)}
	for _, a := range r.AssetIDs {
		asset, err := s.st.FindInformationAssetByID(ctx, a)
		if err != nil {
			return RiskDetail{}, fmt.Errorf("risk: %w", err)
		}
		d.Assets = append(d.Assets, asset)
	}
	if d.Events, err = s.st.FindRiskEvents(ctx, id); err != nil {
		return RiskDetail{}, fmt.Errorf("risk: %w", err)
	}
	if d.Matrix, err = currentMatrix(ctx, s.st); err != nil {
		return RiskDetail{}, fmt.Errorf("risk: %w", err)
	}
	d.Matrices[d.Matrix.Version] = d.Matrix
	versions := []int{r.Inherent.MatrixVersion, r.Residual.MatrixVersion}
	for _, e := range d.Events {
		versions = append(versions, e.Inherent.MatrixVersion, e.Residual.MatrixVersion)
	}
	d.People = map[string]string{}
	ids := []string{r.OwnerUserID, r.AcceptedBy}
	for _, e := range d.Events {
		ids = append(ids, e.ActorID, e.OwnerUserID)
	}
	for _, id := range ids {
		if _, ok := d.People[id]; ok || id == "" {
			continue
		}
		u, err := s.st.FindUserByID(ctx, id)
		if errors.Is(err, hikeshi.ErrNotFound) {
			continue
		} else if err != nil {
			return RiskDetail{}, fmt.Errorf("risk: %w", err)
		}
		d.People[id] = u.Name
	}
	for _, v := range versions {
		if _, ok := d.Matrices[v]; ok || v == 0 {
			continue
		}
		m, err := s.st.FindRiskMatrix(ctx, v)
		if err != nil {
			return RiskDetail{}, fmt.Errorf("risk: matrix v%d: %w", v, err)
		}
		d.Matrices[v] = m
	}
	return d, nil
}

// CreateRisk enters a risk with its first assessment on the current matrix.
func (s *Risks) CreateRisk(ctx context.Context, actor hikeshi.Actor, in RiskInput) (hikeshi.Risk, error) {
	if in.OwnerDepartmentID == "" && !actor.CanAdminister() {
		in.OwnerDepartmentID = actor.DepartmentID
	}
	if !CanCreateAsset(actor) {
		return hikeshi.Risk{}, forbid("create risk")
	}
	if in.OwnerDepartmentID != "" && !canEditAsset(actor, in.OwnerDepartmentID) {
		return hikeshi.Risk{}, hikeshi.Invalid("owner_department_id", "not_allowed", "you may enter risks only for your own department")
	}
	now := s.clock.Now()
	r := hikeshi.Risk{ID: hikeshi.NewID(), Title: strings.TrimSpace(in.Title), Scenario: strings.TrimSpace(in.Scenario),
		AssetIDs: dedupe(in.AssetIDs), OwnerDepartmentID: in.OwnerDepartmentID, OwnerUserID: in.OwnerUserID, CreatedAt: now, UpdatedAt: now}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := s.ensureMatrix(ctx, tx)
		if err != nil {
			return err
		}
		// No owner department named: the unit responsible for risk
		// assessment under the organisation's pattern reviews it (decision 0038).
		routed := false
		if r.OwnerDepartmentID == "" {
			if r.OwnerDepartmentID, err = responsibleFor(ctx, tx, hikeshi.ActivityRiskAssessment); err != nil {
				return err
			}
			routed = r.OwnerDepartmentID != ""
		}
		var v hikeshi.ValidationError
		if err := validateRisk(ctx, tx, &v, r, nil); err != nil {
			return err
		}
		s.assess(&v, &r, m, in.Assessment)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.CreateRisk(ctx, r); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, r, hikeshi.RiskEventCreated, strings.TrimSpace(in.Assessment.Note)); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "risk.create", "risk", r.ID, nil, auditOfRisk(r)); err != nil {
			return err
		}
		if routed {
			return routeISMS(ctx, s.base, tx, actor, hikeshi.RoutedRisk, r.ID, hikeshi.ActivityRiskAssessment, r.OwnerDepartmentID)
		}
		return nil
	})
	if err != nil {
		return hikeshi.Risk{}, fmt.Errorf("create risk: %w", err)
	}
	return r, nil
}

// change loads a risk for a change by its owner department's people or admins.
func (s *Risks) change(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, id, what string) (hikeshi.Risk, error) {
	if err := requireWriter(actor, what); err != nil {
		return hikeshi.Risk{}, err
	}
	r, err := tx.FindRiskByID(ctx, id)
	if err != nil {
		return hikeshi.Risk{}, err
	}
	if !canEditAsset(actor, r.OwnerDepartmentID) {
		return hikeshi.Risk{}, forbid(what)
	}
	return r, nil
}

// UpdateRisk changes a risk's title, scenario, assets or owner.
func (s *Risks) UpdateRisk(ctx context.Context, actor hikeshi.Actor, id string, p RiskPatch) (hikeshi.Risk, error) {
	var out hikeshi.Risk
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := s.change(ctx, tx, actor, id, "update risk")
		if err != nil {
			return err
		}
		r := before
		if p.Title != nil {
			r.Title = strings.TrimSpace(*p.Title)
		}
		if p.Scenario != nil {
			r.Scenario = strings.TrimSpace(*p.Scenario)
		}
		if p.AssetIDs != nil {
			r.AssetIDs = dedupe(*p.AssetIDs)
		}
		if p.OwnerDepartmentID != nil {
			r.OwnerDepartmentID = *p.OwnerDepartmentID
			if r.OwnerDepartmentID != before.OwnerDepartmentID && r.OwnerDepartmentID != "" && !canEditAsset(actor, r.OwnerDepartmentID) {
				return hikeshi.Invalid("owner_department_id", "not_allowed", "you may give a risk only to a department you edit for")
			}
		}
		if p.OwnerUserID != nil {
			r.OwnerUserID = *p.OwnerUserID
		}
		var v hikeshi.ValidationError
		if err := validateRisk(ctx, tx, &v, r, before.AssetIDs); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		r.UpdatedAt = s.clock.Now()
		if err := tx.UpdateRisk(ctx, r); err != nil {
			return err
		}
		if r.OwnerDepartmentID != before.OwnerDepartmentID {
			// A person chose the owner: the pattern no longer moves it.
			if err := tx.MarkRouted(ctx, hikeshi.RoutedRisk, r.ID, ""); err != nil {
				return err
			}
		}
		if err := s.event(ctx, tx, actor, r, hikeshi.RiskEventUpdated, ""); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "risk.update", "risk", r.ID, auditOfRisk(before), auditOfRisk(r))
	})
	if err != nil {
		return hikeshi.Risk{}, fmt.Errorf("update risk: %w", err)
	}
	return out, nil
}

// AssessRisk re-scores a risk on the current matrix (a review). A new score
// takes back an earlier acceptance: the manager accepts the new one.
func (s *Risks) AssessRisk(ctx context.Context, actor hikeshi.Actor, id string, a RiskAssessment) (hikeshi.Risk, error) {
	var out hikeshi.Risk
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := s.change(ctx, tx, actor, id, "assess risk")
		if err != nil {
			return err
		}
		m, err := s.ensureMatrix(ctx, tx)
		if err != nil {
			return err
		}
		r := before
		var v hikeshi.ValidationError
		s.assess(&v, &r, m, a)
		if err := v.Err(); err != nil {
			return err
		}
		r.AcceptedBy, r.AcceptedAt, r.UpdatedAt = "", time.Time{}, s.clock.Now()
		if err := tx.UpdateRisk(ctx, r); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, r, hikeshi.RiskEventAssessed, strings.TrimSpace(a.Note)); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "risk.assess", "risk", r.ID, auditOfRisk(before), auditOfRisk(r))
	})
	if err != nil {
		return hikeshi.Risk{}, fmt.Errorf("assess risk: %w", err)
	}
	return out, nil
}

// SetTreatment decides how a risk is treated. Choosing "accept" is itself
// the acceptance, so only managers and admins may choose it, and who and
// when is recorded; another treatment takes back an earlier acceptance.
func (s *Risks) SetTreatment(ctx context.Context, actor hikeshi.Actor, id string, in TreatmentInput) (hikeshi.Risk, error) {
	if in.Treatment == hikeshi.TreatAccept && !CanAcceptRisk(actor) {
		return hikeshi.Risk{}, forbid("accept risk")
	}
	var out hikeshi.Risk
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var before hikeshi.Risk
		var err error
		if in.Treatment == hikeshi.TreatAccept {
			// Accepting is the managers' decision for every department.
			before, err = tx.FindRiskByID(ctx, id)
		} else {
			before, err = s.change(ctx, tx, actor, id, "set risk treatment")
		}
		if err != nil {
			return err
		}
		r := before
		var v hikeshi.ValidationError
		if !in.Treatment.Valid() {
			v.Add("treatment", "unknown", "treatment must be mitigate, accept, transfer or avoid")
		}
		note := strings.TrimSpace(in.Note)
		hikeshi.ValidateText(&v, "treatment_note", note, hikeshi.MaxRiskNoteLen, false)
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		r.Treatment, r.TreatmentDueAt, r.TreatmentNote = in.Treatment, in.DueAt, note
		switch {
		case in.Done && r.TreatmentDoneAt.IsZero():
			r.TreatmentDoneAt = now
		case !in.Done:
			r.TreatmentDoneAt = time.Time{}
		}
		if in.Treatment == hikeshi.TreatAccept {
			if before.Treatment != hikeshi.TreatAccept || !before.Accepted() {
				r.AcceptedBy, r.AcceptedAt = actor.UserID, now
			}
		} else if before.Treatment != r.Treatment {
			r.AcceptedBy, r.AcceptedAt = "", time.Time{}
		}
		r.UpdatedAt = now
		if err := tx.UpdateRisk(ctx, r); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, r, hikeshi.RiskEventTreatment, note); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "risk.treatment", "risk", r.ID, auditOfRisk(before), auditOfRisk(r))
	})
	if err != nil {
		return hikeshi.Risk{}, fmt.Errorf("set risk treatment: %w", err)
	}
	return out, nil
}

// errNothingToAccept refuses accepting a risk that has neither the
// treatment "accept" nor a residual score.
var errNothingToAccept = &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "risk", Code: "nothing_to_accept",
	Message: "score the residual risk (or choose the treatment accept) before accepting it"}}, Conflict: true}

// AcceptRisk records a manager's acceptance of the risk as it stands: its
// residual risk, or the risk itself when its treatment is "accept".
// Managers and admins only.
func (s *Risks) AcceptRisk(ctx context.Context, actor hikeshi.Actor, id, note string) (hikeshi.Risk, error) {
	if !CanAcceptRisk(actor) {
		return hikeshi.Risk{}, forbid("accept risk")
	}
	note = strings.TrimSpace(note)
	if err := func() error {
		var v hikeshi.ValidationError
		hikeshi.ValidateText(&v, "note", note, hikeshi.MaxRiskNoteLen, false)
		return v.Err()
	}(); err != nil {
		return hikeshi.Risk{}, err
	}
	var out hikeshi.Risk
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindRiskByID(ctx, id)
		if err != nil {
			return err
		}
		if !before.Residual.Scored() && before.Treatment != hikeshi.TreatAccept {
			return errNothingToAccept
		}
		r := before
		r.AcceptedBy, r.AcceptedAt = actor.UserID, s.clock.Now()
		r.UpdatedAt = r.AcceptedAt
		if err := tx.UpdateRisk(ctx, r); err != nil {
			return err
		}
		if err := s.event(ctx, tx, actor, r, hikeshi.RiskEventAccepted, note); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, "risk.accept", "risk", r.ID, auditOfRisk(before), auditOfRisk(r))
	})
	if err != nil {
		return hikeshi.Risk{}, fmt.Errorf("accept risk: %w", err)
	}
	return out, nil
}

// RiskReminderEntry is a reminder with its risk.
type RiskReminderEntry struct {
	Reminder hikeshi.RiskReminder
	Risk     hikeshi.Risk
}

// Reminders lists the actor's unread risk reminders, newest first.
func (s *Risks) Reminders(ctx context.Context, actor hikeshi.Actor) ([]RiskReminderEntry, error) {
	if actor.UserID == "" {
		return nil, nil
	}
	ns, err := s.st.FindRiskReminders(ctx, actor.UserID, hikeshi.RiskReminderLimit)
	if err != nil {
		return nil, fmt.Errorf("risk reminders: %w", err)
	}
	out := make([]RiskReminderEntry, 0, len(ns))
	for _, n := range ns {
		r, err := s.st.FindRiskByID(ctx, n.RiskID)
		if err != nil {
			return nil, fmt.Errorf("risk reminders: %w", err)
		}
		out = append(out, RiskReminderEntry{Reminder: n, Risk: r})
	}
	return out, nil
}

// DismissReminder marks one of the actor's reminders read.
func (s *Risks) DismissReminder(ctx context.Context, actor hikeshi.Actor, id string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		return tx.MarkRiskReminderRead(ctx, id, actor.UserID, s.clock.Now())
	})
	if err != nil {
		return fmt.Errorf("dismiss risk reminder: %w", err)
	}
	return nil
}

// Remind creates the reminders of every risk whose review is due or whose
// unfinished treatment is past due (the system only): one per (risk, kind,
// due time, user), for the owner department's active people (auditors
// aside), the owner person, and the organisation's managers. Running it
// again creates nothing new. It returns how many reminders it created.
func (s *Risks) Remind(ctx context.Context, actor hikeshi.Actor) (int, error) {
	if !actor.IsSystem() {
		return 0, forbid("remind risk owners")
	}
	now := s.clock.Now()
	created, after := 0, ""
	for {
		rs, err := s.st.FindRisksDue(ctx, now, hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit})
		if err != nil {
			return created, fmt.Errorf("remind: %w", err)
		}
		for _, r := range rs {
			n, err := s.remindOne(ctx, r, now)
			if err != nil {
				return created, fmt.Errorf("remind: %w", err)
			}
			created += n
		}
		if len(rs) < hikeshi.MaxPageLimit {
			return created, nil
		}
		after = rs[len(rs)-1].ID
	}
}

func (s *Risks) remindOne(ctx context.Context, r hikeshi.Risk, now time.Time) (int, error) {
	users, err := s.riskRecipients(ctx, r)
	if err != nil {
		return 0, err
	}
	type due struct {
		kind hikeshi.RiskReminderKind
		at   time.Time
	}
	var dues []due
	if !r.NextReviewAt.After(now) {
		dues = append(dues, due{hikeshi.RiskReminderReview, r.NextReviewAt})
	}
	if !r.TreatmentDueAt.IsZero() && r.TreatmentDoneAt.IsZero() && !r.TreatmentDueAt.After(now) {
		dues = append(dues, due{hikeshi.RiskReminderTreatment, r.TreatmentDueAt})
	}
	created := 0
	err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		created = 0
		for _, d := range dues {
			for _, u := range users {
				ok, err := tx.CreateRiskReminder(ctx, hikeshi.RiskReminder{ID: hikeshi.NewID(), RiskID: r.ID, UserID: u,
					Kind: d.kind, DueAt: d.at, CreatedAt: now})
				if err != nil {
					return err
				}
				if ok {
					created++
				}
			}
		}
		return nil
	})
	return created, err
}

// riskRecipients are the ids of the active people a risk's reminder goes to.
func (s *Risks) riskRecipients(ctx context.Context, r hikeshi.Risk) ([]string, error) {
	var out []string
	add := func(u hikeshi.User) {
		if u.Active() && u.Role != hikeshi.RoleAuditor && !slices.Contains(out, u.ID) {
			out = append(out, u.ID)
		}
	}
	for _, f := range []hikeshi.UserFilter{{DepartmentID: r.OwnerDepartmentID}, {Role: hikeshi.RoleManager}} {
		after := ""
		for {
			f.Page = hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit}
			us, err := s.st.FindUsers(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				add(u)
			}
			if len(us) < hikeshi.MaxPageLimit {
				break
			}
			after = us[len(us)-1].ID
		}
	}
	if r.OwnerUserID != "" {
		u, err := s.st.FindUserByID(ctx, r.OwnerUserID)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			add(u)
		}
	}
	return out, nil
}
