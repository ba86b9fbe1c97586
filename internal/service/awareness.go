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

// Awareness is IM-4: awareness material from incidents' lessons and the
// campaigns that send it to departments.
//
// Who sees what (decision 0043), enforced here: the CSIRT and admins write
// material and run campaigns, and see every campaign with every figure.
// Every signed-in person reads the campaigns sent to them (from their start)
// and records that they read and confirmed them. A manager sees the figures
// and the people of their own department in a campaign sent to it. The
// effect (incidents of the category per month) is shown to the roles that
// may list incidents, counting only the incidents they may see. The link
// from a material to its source incident is shown only to those who may see
// the incident.
type Awareness struct {
	base
}

// KindAwarenessMail is the job that mails a campaign to its recipients.
const KindAwarenessMail = "awareness.mail"

// AwarenessMailPayload is the payload of a KindAwarenessMail job.
type AwarenessMailPayload struct {
	CampaignID string `json:"campaign_id"`
}

// CanWriteAwareness reports whether the actor writes material and runs campaigns.
func CanWriteAwareness(a hikeshi.Actor) bool { return a.CanWriteAwareness() || a.IsSystem() }

// Refusals no single input field explains (409 in the API); field "material".
func awarenessConflict(code, message string) error {
	return &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "material", Code: code, Message: message}}, Conflict: true}
}

var (
	errAwarenessPublished    = awarenessConflict("published", "the material is published and can no longer be changed")
	errAwarenessNotPublished = awarenessConflict("not_published", "only published material can be sent")
	errAwarenessNotClosed    = &hikeshi.ValidationError{Fields: []hikeshi.FieldError{{Field: "incident", Code: "not_closed",
		Message: "material is made from a closed incident"}}, Conflict: true}
)

type awarenessMaterialAudit struct {
	Status     string `json:"status"`
	Category   string `json:"category,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
}

// auditOfMaterial keeps ids and classifications only: never the words.
func auditOfMaterial(m hikeshi.AwarenessMaterial) awarenessMaterialAudit {
	return awarenessMaterialAudit{Status: string(m.Status), Category: m.Category, IncidentID: m.IncidentID}
}

func awarenessSignedIn(a hikeshi.Actor) error {
	if a.UserID == "" && !a.IsSystem() {
		return hikeshi.ErrUnauthenticated
	}
	return nil
}

// MaterialInput is what the CSIRT writes.
type MaterialInput struct {
	hikeshi.AwarenessContent
}

// MaterialView is a material with what the reader may do and see.
type MaterialView struct {
	hikeshi.AwarenessMaterial
	// Incident is the source incident when the reader may see it.
	Incident  *hikeshi.Incident
	Campaigns []hikeshi.AwarenessCampaign
	CanEdit   bool
	CanSend   bool
}

func (s *Awareness) writer(actor hikeshi.Actor, what string) error {
	if err := awarenessSignedIn(actor); err != nil {
		return err
	}
	if !CanWriteAwareness(actor) {
		return forbid(what)
	}
	return nil
}

// ListMaterials lists the material, newest first (CSIRT, admins).
func (s *Awareness) ListMaterials(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]hikeshi.AwarenessMaterial, error) {
	if err := s.writer(actor, "list awareness material"); err != nil {
		return nil, fmt.Errorf("list awareness material: %w", err)
	}
	out, err := s.st.FindAwarenessMaterials(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list awareness material: %w", err)
	}
	return out, nil
}

// material loads a material for a writer; anyone else gets ErrNotFound
// (they read material only through the campaigns sent to them).
func (s *Awareness) material(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.AwarenessMaterial, error) {
	if err := awarenessSignedIn(actor); err != nil {
		return hikeshi.AwarenessMaterial{}, err
	}
	if !CanWriteAwareness(actor) || id == "" || len(id) > 64 {
		return hikeshi.AwarenessMaterial{}, hikeshi.ErrNotFound
	}
	return r.FindAwarenessMaterialByID(ctx, id)
}

// visibleIncident returns the incident when the actor may see it, else nil.
func visibleIncident(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (*hikeshi.Incident, error) {
	if id == "" {
		return nil, nil
	}
	inc, err := r.FindIncidentByID(ctx, id)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ok, err := canSeeIncident(ctx, r, actor, inc)
	if err != nil || !ok {
		return nil, err
	}
	return &inc, nil
}

// GetMaterial returns a material with its campaigns (CSIRT, admins).
func (s *Awareness) GetMaterial(ctx context.Context, actor hikeshi.Actor, id string) (MaterialView, error) {
	m, err := s.material(ctx, s.st, actor, id)
	if err != nil {
		return MaterialView{}, fmt.Errorf("get awareness material: %w", err)
	}
	v := MaterialView{AwarenessMaterial: m}
	if v.Incident, err = visibleIncident(ctx, s.st, actor, m.IncidentID); err != nil {
		return MaterialView{}, fmt.Errorf("get awareness material: %w", err)
	}
	if v.Incident == nil {
		v.IncidentID = ""
	}
	if v.Campaigns, err = s.st.FindAwarenessCampaigns(ctx, hikeshi.AwarenessCampaignFilter{MaterialID: m.ID,
		Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}); err != nil {
		return MaterialView{}, fmt.Errorf("get awareness material: %w", err)
	}
	v.CanEdit = m.Status == hikeshi.AwarenessDraft
	v.CanSend = m.Status == hikeshi.AwarenessPublished
	return v, nil
}

func validateMaterial(in MaterialInput) (MaterialInput, error) {
	in.AwarenessContent = hikeshi.NormalizeAwareness(in.AwarenessContent)
	var v hikeshi.ValidationError
	hikeshi.ValidateAwareness(&v, in.AwarenessContent)
	return in, v.Err()
}

// CreateMaterial writes new material from scratch as a draft (CSIRT, admins).
func (s *Awareness) CreateMaterial(ctx context.Context, actor hikeshi.Actor, in MaterialInput) (hikeshi.AwarenessMaterial, error) {
	if err := s.writer(actor, "write awareness material"); err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("create awareness material: %w", err)
	}
	in, err := validateMaterial(in)
	if err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("create awareness material: %w", err)
	}
	return s.createMaterial(ctx, actor, in.AwarenessContent, "")
}

func (s *Awareness) createMaterial(ctx context.Context, actor hikeshi.Actor, c hikeshi.AwarenessContent, incidentID string) (hikeshi.AwarenessMaterial, error) {
	now := s.clock.Now()
	m := hikeshi.AwarenessMaterial{ID: hikeshi.NewID(), AwarenessContent: c, IncidentID: incidentID, Status: hikeshi.AwarenessDraft,
		AuthorID: actor.UserID, CreatedAt: now, UpdatedAt: now}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := tx.CreateAwarenessMaterial(ctx, m); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "awareness.material.create", "awareness_material", m.ID, nil, auditOfMaterial(m))
	})
	if err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("create awareness material: %w", err)
	}
	return m, nil
}

// UpdateMaterial changes a draft (CSIRT, admins); published material is final.
func (s *Awareness) UpdateMaterial(ctx context.Context, actor hikeshi.Actor, id string, in MaterialInput) (hikeshi.AwarenessMaterial, error) {
	if err := s.writer(actor, "change awareness material"); err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("update awareness material: %w", err)
	}
	var out hikeshi.AwarenessMaterial
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := s.material(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if m.Status != hikeshi.AwarenessDraft {
			return errAwarenessPublished
		}
		if in, err = validateMaterial(in); err != nil {
			return err
		}
		before := m
		m.AwarenessContent, m.UpdatedAt = in.AwarenessContent, s.clock.Now()
		if err := tx.UpdateAwarenessMaterial(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, "awareness.material.update", "awareness_material", m.ID, auditOfMaterial(before), auditOfMaterial(m))
	})
	if err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("update awareness material: %w", err)
	}
	return out, nil
}

// PublishMaterial publishes a draft (CSIRT, admins): from then on it can be
// sent and no longer changed.
func (s *Awareness) PublishMaterial(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AwarenessMaterial, error) {
	if err := s.writer(actor, "publish awareness material"); err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("publish awareness material: %w", err)
	}
	var out hikeshi.AwarenessMaterial
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := s.material(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if m.Status != hikeshi.AwarenessDraft {
			return errAwarenessPublished
		}
		var v hikeshi.ValidationError
		hikeshi.ValidateAwareness(&v, m.AwarenessContent)
		if err := v.Err(); err != nil {
			return err
		}
		before := m
		now := s.clock.Now()
		m.Status, m.PublishedBy, m.PublishedAt, m.UpdatedAt = hikeshi.AwarenessPublished, actor.UserID, now, now
		if err := tx.UpdateAwarenessMaterial(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, "awareness.material.publish", "awareness_material", m.ID, auditOfMaterial(before), auditOfMaterial(m))
	})
	if err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("publish awareness material: %w", err)
	}
	return out, nil
}

// DraftFromIncident makes a draft from a closed incident in one step (CSIRT,
// admins who may see the incident): the anonymised story of its category,
// summary, review and lessons (declined lessons left out), in Japanese and
// English. The names of every account, the incident's number and every
// address are replaced by placeholders; the CSIRT edits the draft before
// publishing it.
func (s *Awareness) DraftFromIncident(ctx context.Context, actor hikeshi.Actor, incidentID string) (hikeshi.AwarenessMaterial, error) {
	if err := awarenessSignedIn(actor); err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", err)
	}
	if len(incidentID) > 64 {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", hikeshi.ErrNotFound)
	}
	inc, err := s.st.FindIncidentByID(ctx, incidentID)
	if err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", err)
	}
	if ok, err := canSeeIncident(ctx, s.st, actor, inc); err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", err)
	} else if !ok {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", hikeshi.ErrNotFound)
	}
	if !CanWriteAwareness(actor) {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", forbid("make awareness material"))
	}
	if inc.Phase != hikeshi.PhaseClosed {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", errAwarenessNotClosed)
	}
	src := hikeshi.AwarenessSource{Category: inc.Category, Summary: inc.Summary, Numbers: []string{inc.Number}}
	rev, err := s.st.FindReviewByIncident(ctx, inc.ID)
	switch {
	case err == nil:
		src.RootCause, src.WentWell, src.ToChange = rev.RootCause, rev.WentWell, rev.ToChange
	case !errors.Is(err, hikeshi.ErrNotFound):
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", err)
	}
	lessons, err := s.st.FindLessons(ctx, hikeshi.LessonFilter{IncidentID: inc.ID, SeeRestricted: true, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}})
	if err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", err)
	}
	slices.Reverse(lessons)
	for _, l := range lessons {
		if l.Status != hikeshi.LessonDeclined {
			src.Lessons = append(src.Lessons, hikeshi.AwarenessLesson{Text: l.Text, ProposedChange: l.ProposedChange})
		}
	}
	if src.Names, err = s.peopleNames(ctx); err != nil {
		return hikeshi.AwarenessMaterial{}, fmt.Errorf("awareness draft: %w", err)
	}
	return s.createMaterial(ctx, actor, hikeshi.AwarenessDraftFrom(src), inc.ID)
}

// peopleNames lists the names and e-mail addresses of every account.
func (s *Awareness) peopleNames(ctx context.Context) ([]string, error) {
	var out []string
	f := hikeshi.UserFilter{Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}
	for {
		us, err := s.st.FindUsers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			out = append(out, u.Name, u.Email)
		}
		if len(us) < f.Limit {
			return out, nil
		}
		f.After = us[len(us)-1].ID
	}
}

// IncidentAwareness is the incident page's awareness section.
type IncidentAwareness struct {
	Materials []hikeshi.AwarenessMaterial
	Closed    bool
	CanCreate bool
}

// ForIncident returns the material made from an incident and whether the
// actor may make more. Only writers see the material; others get an empty
// section.
func (s *Awareness) ForIncident(ctx context.Context, actor hikeshi.Actor, incidentID string) (IncidentAwareness, error) {
	var out IncidentAwareness
	inc, err := visibleIncident(ctx, s.st, actor, incidentID)
	if err != nil || inc == nil {
		if err == nil {
			err = hikeshi.ErrNotFound
		}
		return out, fmt.Errorf("incident awareness: %w", err)
	}
	if !CanWriteAwareness(actor) {
		return out, nil
	}
	out.Closed = inc.Phase == hikeshi.PhaseClosed
	out.CanCreate = out.Closed
	if out.Materials, err = s.st.FindAwarenessMaterialsByIncident(ctx, inc.ID); err != nil {
		return out, fmt.Errorf("incident awareness: %w", err)
	}
	return out, nil
}

// CampaignInput is a campaign as the CSIRT starts it.
type CampaignInput struct {
	MaterialID string
	// DepartmentIDs are the departments to send to; All sends to everyone.
	DepartmentIDs []string
	All           bool
	StartsAt      time.Time // zero: now
	EndsAt        time.Time // zero: open-ended
}

// CreateCampaign sends a published material to departments (or everyone)
// for a period (CSIRT, admins). The recipients are the active accounts of
// those departments now, each with their language; the mail goes out from
// the start through a job enqueued in the same transaction.
func (s *Awareness) CreateCampaign(ctx context.Context, actor hikeshi.Actor, in CampaignInput) (hikeshi.AwarenessCampaign, error) {
	if err := s.writer(actor, "send awareness material"); err != nil {
		return hikeshi.AwarenessCampaign{}, fmt.Errorf("create awareness campaign: %w", err)
	}
	now := s.clock.Now()
	var v hikeshi.ValidationError
	if in.StartsAt.IsZero() {
		in.StartsAt = now
	}
	if in.StartsAt.Before(now.Add(-24 * time.Hour)) {
		v.Add("starts_at", "in_past", "a campaign starts today or later")
	} else if in.StartsAt.After(now.AddDate(1, 0, 0)) {
		v.Add("starts_at", "out_of_range", "a campaign starts within a year")
	}
	if !in.EndsAt.IsZero() && !in.EndsAt.After(in.StartsAt) {
		v.Add("ends_at", "before_start", "the end is after the start")
	} else if !in.EndsAt.IsZero() && in.EndsAt.After(in.StartsAt.AddDate(2, 0, 0)) {
		v.Add("ends_at", "out_of_range", "a campaign lasts at most two years")
	}
	var depts []string
	for _, d := range in.DepartmentIDs {
		if d = strings.TrimSpace(d); d != "" && !slices.Contains(depts, d) {
			depts = append(depts, d)
		}
	}
	if in.All {
		depts = nil
	} else if len(depts) == 0 {
		v.Add("department_ids", "required", "choose departments or everyone")
	} else if len(depts) > hikeshi.MaxAwarenessDepts {
		v.Add("department_ids", "too_many", "too many departments")
	}
	if in.MaterialID == "" {
		v.Add("material_id", "required", "choose the material")
	}
	if err := v.Err(); err != nil {
		return hikeshi.AwarenessCampaign{}, fmt.Errorf("create awareness campaign: %w", err)
	}
	var out hikeshi.AwarenessCampaign
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := s.material(ctx, tx, actor, in.MaterialID)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.Invalid("material_id", "unknown", "no such material")
		} else if err != nil {
			return err
		}
		if m.Status != hikeshi.AwarenessPublished {
			return errAwarenessNotPublished
		}
		for i, d := range depts {
			if len(d) > 64 {
				return hikeshi.Invalid(fmt.Sprintf("department_ids[%d]", i), "unknown", "no such department")
			}
			if _, err := tx.FindDepartmentByID(ctx, d); errors.Is(err, hikeshi.ErrNotFound) {
				return hikeshi.Invalid(fmt.Sprintf("department_ids[%d]", i), "unknown", "no such department")
			} else if err != nil {
				return err
			}
		}
		c := hikeshi.AwarenessCampaign{ID: hikeshi.NewID(), MaterialID: m.ID, Category: m.Category, DepartmentIDs: depts,
			StartsAt: in.StartsAt, EndsAt: in.EndsAt, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		var rs []hikeshi.AwarenessRecipient
		add := func(us []hikeshi.User) {
			for _, u := range us {
				if !u.Active() {
					continue
				}
				l := u.Locale
				if l != hikeshi.LocaleEN {
					l = hikeshi.LocaleJA
				}
				rs = append(rs, hikeshi.AwarenessRecipient{CampaignID: c.ID, UserID: u.ID, DepartmentID: u.DepartmentID, Locale: l})
			}
		}
		targets := depts
		if targets == nil {
			targets = []string{""}
		}
		for _, d := range targets {
			f := hikeshi.UserFilter{DepartmentID: d, Page: hikeshi.Page{Limit: hikeshi.MaxPageLimit}}
			for {
				us, err := tx.FindUsers(ctx, f)
				if err != nil {
					return err
				}
				add(us)
				if len(us) < f.Limit {
					break
				}
				f.After = us[len(us)-1].ID
			}
		}
		if len(rs) == 0 {
			return hikeshi.Invalid("department_ids", "no_recipients", "nobody is in these departments")
		}
		c.Recipients = len(rs)
		if err := tx.CreateAwarenessCampaign(ctx, c); err != nil {
			return err
		}
		if err := tx.CreateAwarenessRecipients(ctx, rs); err != nil {
			return err
		}
		j, err := hikeshi.NewJob(KindAwarenessMail, AwarenessMailPayload{CampaignID: c.ID}, now, c.StartsAt)
		if err != nil {
			return err
		}
		j.UniqueKey = KindAwarenessMail + ":" + c.ID
		if _, err := tx.EnqueueJob(ctx, j); err != nil {
			return err
		}
		out = c
		return s.audit(ctx, tx, actor, "awareness.campaign.create", "awareness_campaign", c.ID, nil, map[string]any{
			"material_id": c.MaterialID, "category": c.Category, "departments": len(c.DepartmentIDs), "all": len(c.DepartmentIDs) == 0,
			"recipients": c.Recipients, "starts_at": hikeshi.FormatTime(c.StartsAt), "ends_at": formatOptional(c.EndsAt)})
	})
	if err != nil {
		return hikeshi.AwarenessCampaign{}, fmt.Errorf("create awareness campaign: %w", err)
	}
	return out, nil
}

func formatOptional(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return hikeshi.FormatTime(t)
}

// ListCampaigns lists campaigns newest first: every campaign for the CSIRT
// and admins (or those of one material); the started campaigns sent to the
// actor for everyone else (and for writers when mine is true).
func (s *Awareness) ListCampaigns(ctx context.Context, actor hikeshi.Actor, mine bool, f hikeshi.AwarenessCampaignFilter) ([]hikeshi.AwarenessCampaign, error) {
	if err := awarenessSignedIn(actor); err != nil {
		return nil, fmt.Errorf("list awareness campaigns: %w", err)
	}
	if mine || !CanWriteAwareness(actor) {
		if actor.UserID == "" {
			return nil, nil
		}
		f.RecipientID, f.StartedBy, f.MaterialID = actor.UserID, s.clock.Now(), ""
	}
	out, err := s.st.FindAwarenessCampaigns(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list awareness campaigns: %w", err)
	}
	return out, nil
}

// CampaignView is a campaign as one reader may see it.
type CampaignView struct {
	hikeshi.AwarenessCampaign
	Material hikeshi.AwarenessMaterial
	// Mine is the reader's own row; nil when it was not sent to them.
	Mine *hikeshi.AwarenessRecipient
	// Figures are per department: every department for the CSIRT and
	// admins, their own for a manager, none for others.
	Figures []hikeshi.AwarenessFigure
	// People are the per-person rows the reader may see (same rule),
	// ordered by user id, at most MaxPageLimit (see PeopleNext).
	People     []hikeshi.AwarenessRecipient
	PeopleNext string
	// Manage: the reader runs campaigns; SeesEffect: the reader may see the
	// effect (roles that may list incidents).
	Manage     bool
	SeesEffect bool
	// Incident is the material's source incident when the reader may see it.
	Incident *hikeshi.Incident
}

// scope says which department's people the actor may see in a campaign:
// all ("", true) for writers; their own for a manager; none otherwise.
func awarenessScope(actor hikeshi.Actor) (dept string, ok bool) {
	switch {
	case CanWriteAwareness(actor):
		return "", true
	case actor.Role == hikeshi.RoleManager && actor.DepartmentID != "":
		return actor.DepartmentID, true
	}
	return "", false
}

// campaign loads a campaign the actor may see: writers every one; others a
// started campaign sent to them, or (managers) to their department.
func (s *Awareness) campaign(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, id string) (hikeshi.AwarenessCampaign, *hikeshi.AwarenessRecipient, error) {
	if err := awarenessSignedIn(actor); err != nil {
		return hikeshi.AwarenessCampaign{}, nil, err
	}
	if id == "" || len(id) > 64 {
		return hikeshi.AwarenessCampaign{}, nil, hikeshi.ErrNotFound
	}
	c, err := r.FindAwarenessCampaignByID(ctx, id)
	if err != nil {
		return c, nil, err
	}
	var mine *hikeshi.AwarenessRecipient
	if actor.UserID != "" {
		rc, err := r.FindAwarenessRecipient(ctx, c.ID, actor.UserID)
		switch {
		case err == nil:
			mine = &rc
		case !errors.Is(err, hikeshi.ErrNotFound):
			return c, nil, err
		}
	}
	if CanWriteAwareness(actor) {
		return c, mine, nil
	}
	if !c.Started(s.clock.Now()) {
		return c, nil, hikeshi.ErrNotFound
	}
	if mine != nil {
		return c, mine, nil
	}
	if dept, ok := awarenessScope(actor); ok && dept != "" {
		rs, err := r.FindAwarenessRecipients(ctx, c.ID, dept, hikeshi.Page{Limit: 1})
		if err != nil {
			return c, nil, err
		}
		if len(rs) > 0 {
			return c, nil, nil
		}
	}
	return c, nil, hikeshi.ErrNotFound
}

// GetCampaign returns a campaign with its material and the figures the
// actor may see; after is the cursor of the people list (a user id).
func (s *Awareness) GetCampaign(ctx context.Context, actor hikeshi.Actor, id, after string) (CampaignView, error) {
	c, mine, err := s.campaign(ctx, s.st, actor, id)
	if err != nil {
		return CampaignView{}, fmt.Errorf("get awareness campaign: %w", err)
	}
	v := CampaignView{AwarenessCampaign: c, Mine: mine, Manage: CanWriteAwareness(actor), SeesEffect: actor.CanListIncidents() || actor.IsSystem()}
	if v.Material, err = s.st.FindAwarenessMaterialByID(ctx, c.MaterialID); err != nil {
		return CampaignView{}, fmt.Errorf("get awareness campaign: %w", err)
	}
	if v.Incident, err = visibleIncident(ctx, s.st, actor, v.Material.IncidentID); err != nil {
		return CampaignView{}, fmt.Errorf("get awareness campaign: %w", err)
	}
	if v.Incident == nil {
		v.Material.IncidentID = ""
	}
	dept, ok := awarenessScope(actor)
	if !ok {
		return v, nil
	}
	figs, err := s.st.AwarenessFigures(ctx, c.ID)
	if err != nil {
		return CampaignView{}, fmt.Errorf("get awareness campaign: %w", err)
	}
	for _, f := range figs {
		if dept == "" || f.DepartmentID == dept {
			v.Figures = append(v.Figures, f)
		}
	}
	if len(after) > 64 {
		after = ""
	}
	if v.People, err = s.st.FindAwarenessRecipients(ctx, c.ID, dept, hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit}); err != nil {
		return CampaignView{}, fmt.Errorf("get awareness campaign: %w", err)
	}
	if dept != "" {
		// A manager's own department only (department "" never matches a manager's).
		v.People = slices.DeleteFunc(v.People, func(r hikeshi.AwarenessRecipient) bool { return r.DepartmentID != dept })
	}
	if len(v.People) == hikeshi.MaxPageLimit {
		v.PeopleNext = v.People[len(v.People)-1].UserID
	}
	return v, nil
}

// record sets the actor's read (and confirmed) time on a started campaign
// sent to them; an action already recorded keeps its first time and writes
// nothing. Recording one's own reading is open to every role, auditors
// included: it changes nothing but the person's own row.
func (s *Awareness) record(ctx context.Context, actor hikeshi.Actor, id string, confirm bool) (hikeshi.AwarenessRecipient, error) {
	var out hikeshi.AwarenessRecipient
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		c, mine, err := s.campaign(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if mine == nil {
			return forbid("record reading a campaign not sent to you")
		}
		now := s.clock.Now()
		if !c.Started(now) {
			return hikeshi.ErrNotFound
		}
		r := *mine
		out = r
		if !r.ReadAt.IsZero() && (!confirm || !r.ConfirmedAt.IsZero()) {
			return nil
		}
		action := "awareness.read"
		if r.ReadAt.IsZero() {
			r.ReadAt = now
		}
		if confirm {
			r.ConfirmedAt, action = now, "awareness.confirm"
		}
		if err := tx.UpdateAwarenessRecipient(ctx, r); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, actor, action, "awareness_campaign", c.ID, nil, map[string]any{"user_id": actor.UserID,
			"read": !r.ReadAt.IsZero(), "confirmed": !r.ConfirmedAt.IsZero()})
	})
	if err != nil {
		return hikeshi.AwarenessRecipient{}, fmt.Errorf("record awareness: %w", err)
	}
	return out, nil
}

// MarkRead records that the actor opened a campaign sent to them.
func (s *Awareness) MarkRead(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AwarenessRecipient, error) {
	return s.record(ctx, actor, id, false)
}

// Confirm records that the actor has read and understood a campaign sent to them.
func (s *Awareness) Confirm(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.AwarenessRecipient, error) {
	return s.record(ctx, actor, id, true)
}

// AwarenessEffect is the number of incidents of a campaign's category per
// month before and after its start. It is a comparison, not a proof: the
// page says that correlation is not causation, and gives no verdict when
// there are fewer than hikeshi.AwarenessSmallNumber incidents.
type AwarenessEffect struct {
	Category string
	Before   []hikeshi.MonthCount // the months before the start's month, oldest first
	After    []hikeshi.MonthCount // the start's month and after, up to the current month
	// Pending counts the after months that have not begun yet.
	Pending                 int
	BeforeTotal, AfterTotal int
	// Complete counts the after months that have ended: the current month
	// is shown but left out of AfterRate, being incomplete.
	Complete int
	// BeforeRate and AfterRate are incidents per month (AfterRate over the
	// complete months).
	BeforeRate, AfterRate float64
	// Verdict is fell, rose or same; empty when the numbers are too small
	// (Small) or no month after the start has ended yet.
	Verdict string
	Small   bool
}

// Effect counts the incidents of the campaign's category per month, months
// each side of its start (1 … 12; 0 = 6), in loc, counting only the
// incidents the actor may see. Roles that may list incidents only.
func (s *Awareness) Effect(ctx context.Context, actor hikeshi.Actor, id string, months int, loc *time.Location) (AwarenessEffect, error) {
	if months == 0 {
		months = hikeshi.DefaultAwarenessMonths
	}
	if months < 1 || months > hikeshi.MaxAwarenessMonths {
		return AwarenessEffect{}, hikeshi.Invalid("months", "out_of_range", "months is 1 to 12")
	}
	c, _, err := s.campaign(ctx, s.st, actor, id)
	if err != nil {
		return AwarenessEffect{}, fmt.Errorf("awareness effect: %w", err)
	}
	if !actor.CanListIncidents() && !actor.IsSystem() {
		return AwarenessEffect{}, fmt.Errorf("awareness effect: %w", forbid("see the effect of a campaign"))
	}
	e := AwarenessEffect{Category: c.Category}
	before, after, end := hikeshi.AwarenessMonths(c.StartsAt, months, loc)
	now := s.clock.Now()
	for len(after) > 0 && after[len(after)-1].After(now) {
		after, end = after[:len(after)-1], after[len(after)-1]
		e.Pending++
	}
	if end.After(now) {
		end = now
	}
	f := hikeshi.IncidentCountFilter{Categories: hikeshi.AwarenessCategoryKeys(c.Category), SeeRestricted: seesAll(actor), ViewerID: actor.UserID}
	all, err := s.st.CountIncidentsByMonth(ctx, f, append(slices.Clone(before), after...), end)
	if err != nil {
		return AwarenessEffect{}, fmt.Errorf("awareness effect: %w", err)
	}
	e.Before, e.After = all[:len(before)], all[len(before):]
	for _, m := range e.Before {
		e.BeforeTotal += m.Count
	}
	for _, m := range e.After {
		e.AfterTotal += m.Count
	}
	e.BeforeRate = float64(e.BeforeTotal) / float64(len(e.Before))
	completeTotal := 0
	for i, m := range e.After {
		next := end
		if i+1 < len(e.After) {
			next = e.After[i+1].Month
		}
		if !next.After(now) && next.Equal(m.Month.In(next.Location()).AddDate(0, 1, 0)) {
			e.Complete++
			completeTotal += m.Count
		}
	}
	if e.Complete > 0 {
		e.AfterRate = float64(completeTotal) / float64(e.Complete)
	}
	e.Small = e.BeforeTotal+e.AfterTotal < hikeshi.AwarenessSmallNumber
	if !e.Small && e.Complete > 0 {
		switch {
		case e.AfterRate < e.BeforeRate:
			e.Verdict = "fell"
		case e.AfterRate > e.BeforeRate:
			e.Verdict = "rose"
		default:
			e.Verdict = "same"
		}
	}
	return e, nil
}

// AwarenessMail is what the mail job sends: the campaign, its material and
// the recipients not mailed yet, with their addresses.
type AwarenessMail struct {
	Campaign hikeshi.AwarenessCampaign
	Material hikeshi.AwarenessMaterial
	To       []AwarenessMailRecipient
}

// AwarenessMailRecipient is one recipient's address and language.
type AwarenessMailRecipient struct {
	hikeshi.AwarenessRecipient
	Email string
}

// MailFor loads what the mail job of a campaign sends (the system actor):
// nothing once the campaign has ended.
func (s *Awareness) MailFor(ctx context.Context, actor hikeshi.Actor, p AwarenessMailPayload) (AwarenessMail, error) {
	if !actor.IsSystem() {
		return AwarenessMail{}, forbid("read a campaign's mail")
	}
	c, err := s.st.FindAwarenessCampaignByID(ctx, p.CampaignID)
	if err != nil {
		return AwarenessMail{}, err
	}
	m, err := s.st.FindAwarenessMaterialByID(ctx, c.MaterialID)
	if err != nil {
		return AwarenessMail{}, err
	}
	out := AwarenessMail{Campaign: c, Material: m}
	if !c.EndsAt.IsZero() && !s.clock.Now().Before(c.EndsAt) {
		return out, nil
	}
	page := hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for {
		rs, err := s.st.FindAwarenessRecipients(ctx, c.ID, "", page)
		if err != nil {
			return out, err
		}
		for _, r := range rs {
			if !r.MailedAt.IsZero() {
				continue
			}
			u, err := s.st.FindUserByID(ctx, r.UserID)
			if errors.Is(err, hikeshi.ErrNotFound) {
				continue
			} else if err != nil {
				return out, err
			}
			if u.Active() && u.Email != "" {
				out.To = append(out.To, AwarenessMailRecipient{AwarenessRecipient: r, Email: u.Email})
			}
		}
		if len(rs) < page.Limit {
			return out, nil
		}
		page.After = rs[len(rs)-1].UserID
	}
}

// MarkMailed records that a recipient was mailed (the system actor), so a
// retried job does not mail them again.
func (s *Awareness) MarkMailed(ctx context.Context, actor hikeshi.Actor, campaignID, userID string) error {
	if !actor.IsSystem() {
		return forbid("record a campaign's mail")
	}
	return s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		r, err := tx.FindAwarenessRecipient(ctx, campaignID, userID)
		if err != nil {
			return err
		}
		if !r.MailedAt.IsZero() {
			return nil
		}
		r.MailedAt = s.clock.Now()
		return tx.UpdateAwarenessRecipient(ctx, r)
	})
}

// CampaignItem is a campaign in a list: with its material's titles and the
// reader's own state.
type CampaignItem struct {
	hikeshi.AwarenessCampaign
	Titles hikeshi.AwarenessContent // the titles only
	Mine   *hikeshi.AwarenessRecipient
}

// ListCampaignItems is ListCampaigns with each campaign's titles and the
// actor's own state, for the pages.
func (s *Awareness) ListCampaignItems(ctx context.Context, actor hikeshi.Actor, mine bool, f hikeshi.AwarenessCampaignFilter) ([]CampaignItem, error) {
	cs, err := s.ListCampaigns(ctx, actor, mine, f)
	if err != nil {
		return nil, err
	}
	titles := map[string]hikeshi.AwarenessContent{}
	out := make([]CampaignItem, len(cs))
	for i, c := range cs {
		out[i].AwarenessCampaign = c
		t, ok := titles[c.MaterialID]
		if !ok {
			m, err := s.st.FindAwarenessMaterialByID(ctx, c.MaterialID)
			if err != nil {
				return nil, fmt.Errorf("list awareness campaigns: %w", err)
			}
			t = hikeshi.AwarenessContent{TitleJA: m.TitleJA, TitleEN: m.TitleEN, Category: m.Category}
			titles[c.MaterialID] = t
		}
		out[i].Titles = t
		if actor.UserID != "" {
			r, err := s.st.FindAwarenessRecipient(ctx, c.ID, actor.UserID)
			if err == nil {
				out[i].Mine = &r
			} else if !errors.Is(err, hikeshi.ErrNotFound) {
				return nil, fmt.Errorf("list awareness campaigns: %w", err)
			}
		}
	}
	return out, nil
}
