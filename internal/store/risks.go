package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

const infoAssetCols = "id, name, type, owner_department_id, classification, confidentiality, integrity, availability, " +
	"description, archived, created_at, updated_at"

func scanInformationAsset(s interface{ Scan(...any) error }) (hikeshi.InformationAsset, error) {
	var a hikeshi.InformationAsset
	var archived int
	err := s.Scan(&a.ID, &a.Name, &a.Type, &a.OwnerDepartmentID, &a.Classification, &a.Confidentiality, &a.Integrity,
		&a.Availability, &a.Description, &archived, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.Archived = archived == 1
	return a, err
}

// FindInformationAssetByID returns one asset of the inventory.
func (q queries) FindInformationAssetByID(ctx context.Context, id string) (hikeshi.InformationAsset, error) {
	a, err := scanInformationAsset(q.row(ctx, "SELECT "+infoAssetCols+" FROM information_assets WHERE id = ?", id))
	return a, notFound(err)
}

// FindInformationAssets lists assets newest first after the cursor, walking
// the primary key (or (owner_department_id, id)) backwards to the limit.
func (q queries) FindInformationAssets(ctx context.Context, f hikeshi.InformationAssetFilter) ([]hikeshi.InformationAsset, error) {
	p := f.Page.Normalize()
	query := "SELECT " + infoAssetCols + " FROM information_assets WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.DepartmentID != "" {
		query += " AND owner_department_id = ?"
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
	return collect(rows, scanInformationAsset)
}

// CreateInformationAsset inserts an asset.
func (t *tx) CreateInformationAsset(ctx context.Context, a hikeshi.InformationAsset) error {
	_, err := t.exec(ctx, "INSERT INTO information_assets ("+infoAssetCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.Name, string(a.Type), a.OwnerDepartmentID, string(a.Classification), a.Confidentiality, a.Integrity,
		a.Availability, a.Description, boolInt(a.Archived), t.d.t(a.CreatedAt), t.d.t(a.UpdatedAt))
	return err
}

// UpdateInformationAsset writes every mutable field of an asset.
func (t *tx) UpdateInformationAsset(ctx context.Context, a hikeshi.InformationAsset) error {
	return t.execOne(ctx, `UPDATE information_assets SET name = ?, type = ?, owner_department_id = ?, classification = ?,
		confidentiality = ?, integrity = ?, availability = ?, description = ?, archived = ?, updated_at = ? WHERE id = ?`,
		a.Name, string(a.Type), a.OwnerDepartmentID, string(a.Classification), a.Confidentiality, a.Integrity, a.Availability,
		a.Description, boolInt(a.Archived), t.d.t(a.UpdatedAt), a.ID)
}

// DeleteInformationAsset removes an asset.
func (t *tx) DeleteInformationAsset(ctx context.Context, id string) error {
	return t.execOne(ctx, "DELETE FROM information_assets WHERE id = ?", id)
}

// scoreArgs are a score's four columns; an unscored score is NULL.
func scoreArgs(s hikeshi.RiskScore) []any {
	if !s.Scored() {
		return []any{nil, nil, nil, nil}
	}
	return []any{s.Likelihood, s.Impact, s.MatrixVersion, string(s.Level)}
}

// scoreCols scans a score's four columns.
type scoreCols struct {
	l, i, v sql.NullInt64
	level   sql.NullString
}

func (c *scoreCols) dest() []any { return []any{&c.l, &c.i, &c.v, &c.level} }

func (c *scoreCols) score() hikeshi.RiskScore {
	if !c.v.Valid {
		return hikeshi.RiskScore{}
	}
	return hikeshi.RiskScore{Likelihood: int(c.l.Int64), Impact: int(c.i.Int64), MatrixVersion: int(c.v.Int64), Level: hikeshi.RiskLevel(c.level.String)}
}

const riskMatrixCols = "version, likelihood_labels, impact_labels, cells, review_days, created_by, created_at"

func scanRiskMatrix(s interface{ Scan(...any) error }) (hikeshi.RiskMatrix, error) {
	var m hikeshi.RiskMatrix
	var l, i, c, d string
	var by sql.NullString
	if err := s.Scan(&m.Version, &l, &i, &c, &d, &by, timeCol{&m.CreatedAt}); err != nil {
		return m, err
	}
	m.CreatedBy = by.String
	for _, p := range []struct {
		src string
		dst any
	}{{l, &m.Likelihood}, {i, &m.Impact}, {c, &m.Cells}, {d, &m.ReviewDays}} {
		if err := json.Unmarshal([]byte(p.src), p.dst); err != nil {
			return m, fmt.Errorf("store: risk matrix %d: %w", m.Version, err)
		}
	}
	return m, nil
}

// FindRiskMatrix returns one version of the risk matrix.
func (q queries) FindRiskMatrix(ctx context.Context, version int) (hikeshi.RiskMatrix, error) {
	m, err := scanRiskMatrix(q.row(ctx, "SELECT "+riskMatrixCols+" FROM risk_matrices WHERE version = ?", version))
	return m, notFound(err)
}

// FindLatestRiskMatrix returns the newest version of the risk matrix.
func (q queries) FindLatestRiskMatrix(ctx context.Context) (hikeshi.RiskMatrix, error) {
	m, err := scanRiskMatrix(q.row(ctx, "SELECT "+riskMatrixCols+" FROM risk_matrices ORDER BY version DESC LIMIT 1"))
	return m, notFound(err)
}

// CreateRiskMatrix inserts a version of the matrix.
func (t *tx) CreateRiskMatrix(ctx context.Context, m hikeshi.RiskMatrix) error {
	var js [4]string
	for n, v := range []any{m.Likelihood, m.Impact, m.Cells, m.ReviewDays} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		js[n] = string(b)
	}
	_, err := t.exec(ctx, "INSERT INTO risk_matrices ("+riskMatrixCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		m.Version, js[0], js[1], js[2], js[3], nullString(m.CreatedBy), t.d.t(m.CreatedAt))
	return err
}

const riskCols = "id, title, scenario, owner_department_id, owner_user_id, " +
	"inherent_likelihood, inherent_impact, inherent_version, inherent_level, " +
	"residual_likelihood, residual_impact, residual_version, residual_level, assessed_at, next_review_at, " +
	"treatment, treatment_due_at, treatment_note, treatment_done_at, accepted_by, accepted_at, created_at, updated_at"

func scanRisk(s interface{ Scan(...any) error }) (hikeshi.Risk, error) {
	var r hikeshi.Risk
	var owner, accepted sql.NullString
	var in, res scoreCols
	dest := []any{&r.ID, &r.Title, &r.Scenario, &r.OwnerDepartmentID, &owner}
	dest = append(dest, in.dest()...)
	dest = append(dest, res.dest()...)
	dest = append(dest, timeCol{&r.AssessedAt}, timeCol{&r.NextReviewAt}, &r.Treatment, timeCol{&r.TreatmentDueAt},
		&r.TreatmentNote, timeCol{&r.TreatmentDoneAt}, &accepted, timeCol{&r.AcceptedAt}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	err := s.Scan(dest...)
	r.OwnerUserID, r.AcceptedBy, r.Inherent, r.Residual = owner.String, accepted.String, in.score(), res.score()
	return r, err
}

func (q queries) riskAssets(ctx context.Context, r *hikeshi.Risk) error {
	rows, err := q.query(ctx, "SELECT asset_id FROM risk_assets WHERE risk_id = ? ORDER BY asset_id", r.ID)
	if err != nil {
		return err
	}
	r.AssetIDs, err = collect(rows, func(s interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	return err
}

// FindRiskByID returns one risk with its assets.
func (q queries) FindRiskByID(ctx context.Context, id string) (hikeshi.Risk, error) {
	r, err := scanRisk(q.row(ctx, "SELECT "+riskCols+" FROM risks WHERE id = ?", id))
	if err != nil {
		return hikeshi.Risk{}, notFound(err)
	}
	return r, q.riskAssets(ctx, &r)
}

// FindRisks lists risks newest first after the cursor, walking the primary
// key (or (owner_department_id, id), or the asset's (asset_id, risk_id))
// backwards to the limit. Each risk comes with its assets.
func (q queries) FindRisks(ctx context.Context, f hikeshi.RiskFilter) ([]hikeshi.Risk, error) {
	p := f.Page.Normalize()
	query := "SELECT " + riskCols + " FROM risks WHERE 1 = 1"
	var args []any
	if p.After != "" {
		query += " AND id < ?"
		args = append(args, p.After)
	}
	if f.DepartmentID != "" {
		query += " AND owner_department_id = ?"
		args = append(args, f.DepartmentID)
	}
	if f.AssetID != "" {
		query += " AND id IN (SELECT risk_id FROM risk_assets WHERE asset_id = ?)"
		args = append(args, f.AssetID)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.Limit)
	return q.risks(ctx, query, args...)
}

func (q queries) risks(ctx context.Context, query string, args ...any) ([]hikeshi.Risk, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanRisk)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := q.riskAssets(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindRisksDue lists risks whose review is due by now or whose unfinished
// treatment is past due, by id after the cursor.
func (q queries) FindRisksDue(ctx context.Context, now time.Time, pg hikeshi.Page) ([]hikeshi.Risk, error) {
	p := pg.Normalize()
	query := "SELECT " + riskCols + " FROM risks WHERE (next_review_at <= ? OR (treatment_due_at <= ? AND treatment_done_at IS NULL))"
	args := []any{q.d.t(now), q.d.t(now)}
	if p.After != "" {
		query += " AND id > ?"
		args = append(args, p.After)
	}
	query += " ORDER BY id LIMIT ?"
	args = append(args, p.Limit)
	return q.risks(ctx, query, args...)
}

func riskArgs(d dialect, r hikeshi.Risk) []any {
	args := []any{r.Title, r.Scenario, r.OwnerDepartmentID, nullString(r.OwnerUserID)}
	args = append(args, scoreArgs(r.Inherent)...)
	args = append(args, scoreArgs(r.Residual)...)
	return append(args, d.t(r.AssessedAt), d.t(r.NextReviewAt), string(r.Treatment), d.t(r.TreatmentDueAt), r.TreatmentNote,
		d.t(r.TreatmentDoneAt), nullString(r.AcceptedBy), d.t(r.AcceptedAt))
}

// CreateRisk inserts a risk and its assets.
func (t *tx) CreateRisk(ctx context.Context, r hikeshi.Risk) error {
	args := append([]any{r.ID}, riskArgs(t.d, r)...)
	args = append(args, t.d.t(r.CreatedAt), t.d.t(r.UpdatedAt))
	if _, err := t.exec(ctx, "INSERT INTO risks ("+riskCols+") VALUES (?"+strings.Repeat(", ?", len(args)-1)+")", args...); err != nil {
		return err
	}
	return t.putRiskAssets(ctx, r)
}

// UpdateRisk writes every mutable field of a risk and replaces its assets.
func (t *tx) UpdateRisk(ctx context.Context, r hikeshi.Risk) error {
	args := append(riskArgs(t.d, r), t.d.t(r.UpdatedAt), r.ID)
	if err := t.execOne(ctx, `UPDATE risks SET title = ?, scenario = ?, owner_department_id = ?, owner_user_id = ?,
		inherent_likelihood = ?, inherent_impact = ?, inherent_version = ?, inherent_level = ?,
		residual_likelihood = ?, residual_impact = ?, residual_version = ?, residual_level = ?, assessed_at = ?, next_review_at = ?,
		treatment = ?, treatment_due_at = ?, treatment_note = ?, treatment_done_at = ?, accepted_by = ?, accepted_at = ?,
		updated_at = ? WHERE id = ?`, args...); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM risk_assets WHERE risk_id = ?", r.ID); err != nil {
		return err
	}
	return t.putRiskAssets(ctx, r)
}

func (t *tx) putRiskAssets(ctx context.Context, r hikeshi.Risk) error {
	for _, a := range r.AssetIDs {
		if _, err := t.exec(ctx, "INSERT INTO risk_assets (risk_id, asset_id) VALUES (?, ?)", r.ID, a); err != nil {
			return err
		}
	}
	return nil
}

const riskEventCols = "id, risk_id, kind, at, actor_id, inherent_likelihood, inherent_impact, inherent_version, inherent_level, " +
	"residual_likelihood, residual_impact, residual_version, residual_level, treatment, treatment_due_at, " +
	"owner_department_id, owner_user_id, note"

func scanRiskEvent(s interface{ Scan(...any) error }) (hikeshi.RiskEvent, error) {
	var e hikeshi.RiskEvent
	var actor, owner sql.NullString
	var in, res scoreCols
	dest := []any{&e.ID, &e.RiskID, &e.Kind, timeCol{&e.At}, &actor}
	dest = append(dest, in.dest()...)
	dest = append(dest, res.dest()...)
	dest = append(dest, &e.Treatment, timeCol{&e.TreatmentDueAt}, &e.OwnerDepartmentID, &owner, &e.Note)
	err := s.Scan(dest...)
	e.ActorID, e.OwnerUserID, e.Inherent, e.Residual = actor.String, owner.String, in.score(), res.score()
	return e, err
}

// FindRiskEvents lists a risk's history oldest first.
func (q queries) FindRiskEvents(ctx context.Context, riskID string) ([]hikeshi.RiskEvent, error) {
	rows, err := q.query(ctx, "SELECT "+riskEventCols+" FROM risk_events WHERE risk_id = ? ORDER BY id", riskID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRiskEvent)
}

// CreateRiskEvent appends a history row.
func (t *tx) CreateRiskEvent(ctx context.Context, e hikeshi.RiskEvent) error {
	args := []any{e.ID, e.RiskID, string(e.Kind), t.d.t(e.At), nullString(e.ActorID)}
	args = append(args, scoreArgs(e.Inherent)...)
	args = append(args, scoreArgs(e.Residual)...)
	args = append(args, string(e.Treatment), t.d.t(e.TreatmentDueAt), e.OwnerDepartmentID, nullString(e.OwnerUserID), e.Note)
	_, err := t.exec(ctx, "INSERT INTO risk_events ("+riskEventCols+") VALUES (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
	return err
}

const riskReminderCols = "id, risk_id, user_id, kind, due_at, created_at, read_at"

func scanRiskReminder(s interface{ Scan(...any) error }) (hikeshi.RiskReminder, error) {
	var n hikeshi.RiskReminder
	err := s.Scan(&n.ID, &n.RiskID, &n.UserID, &n.Kind, timeCol{&n.DueAt}, timeCol{&n.CreatedAt}, timeCol{&n.ReadAt})
	return n, err
}

// FindRiskReminders lists a user's unread reminders newest first.
func (q queries) FindRiskReminders(ctx context.Context, userID string, limit int) ([]hikeshi.RiskReminder, error) {
	rows, err := q.query(ctx, "SELECT "+riskReminderCols+" FROM risk_reminders WHERE user_id = ? AND read_at IS NULL ORDER BY id DESC LIMIT ?",
		userID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRiskReminder)
}

// CreateRiskReminder inserts a reminder unless its (risk, kind, due, user) exists.
func (t *tx) CreateRiskReminder(ctx context.Context, n hikeshi.RiskReminder) (bool, error) {
	res, err := t.exec(ctx, "INSERT INTO risk_reminders ("+riskReminderCols+") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		n.ID, n.RiskID, n.UserID, string(n.Kind), t.d.t(n.DueAt), t.d.t(n.CreatedAt), t.d.t(n.ReadAt))
	if err != nil {
		return false, err
	}
	c, err := res.RowsAffected()
	return c == 1, err
}

// MarkRiskReminderRead marks one of the user's reminders read.
func (t *tx) MarkRiskReminderRead(ctx context.Context, id, userID string, at time.Time) error {
	return t.execOne(ctx, "UPDATE risk_reminders SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?", t.d.t(at), id, userID)
}
