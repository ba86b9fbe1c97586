package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// Patterns is IN-2: the organisation's pattern — the responsibility matrix
// mapped onto its departments — and the routing of work by it.
//
// Everyone signed in reads the current pattern (members see who does what);
// the history of versions is read by the roles that read everything; only
// admins change the pattern. A change is a new version; the open work the
// pattern routed (tasks routed by an activity, corrective actions from
// lessons) moves to the new responsible department in the same transaction,
// with an audit entry per moved item.
type Patterns struct {
	base
	improvements *Improvements // releases waiting improvements when the trigger becomes real time
}

// PatternInput is a change of the organisation's pattern.
type PatternInput struct {
	Template hikeshi.PatternKey
	// Units maps each department kind the matrix names onto a department.
	Units map[hikeshi.DepartmentKind]string
	// Matrix holds the edited cells; nil takes the template's.
	Matrix hikeshi.PatternMatrix
	Note   string
	// BaseVersion, when not 0, is the version the change was made from: a
	// change made from an older one is refused as a conflict.
	BaseVersion int
}

// PatternMove is one item of open work that a change moves.
type PatternMove struct {
	Item hikeshi.RoutedItem
	// Hidden is true when the actor may not see the item's incident: the
	// title is then empty (the ids and departments are not restricted).
	Hidden bool
	From   string
	To     string
}

// PatternRelease is a waiting improvement that a change to a real-time
// pattern opens at once.
type PatternRelease struct {
	Improvement hikeshi.Improvement
	// Hidden is true when the actor may not see the improvement's incident:
	// the number and the lesson are then empty.
	Hidden         bool
	IncidentNumber string
	Lesson         string // the lesson's first line
	// To is the department the action goes to: the one responsible for
	// review and improvement of measures under the new pattern, else the
	// department the lesson concerns; "" when neither says (the
	// improvement then goes to the incident owner's department or keeps
	// waiting).
	To string
}

// PatternPreview is what a change would do (Preview) or did (Apply).
type PatternPreview struct {
	Pattern hikeshi.OrgPattern // the new version (ID and version set on Apply)
	Moves   []PatternMove
	// Releases are the waiting improvements a switch from an audit-triggered
	// to a real-time pattern opens at once (listed in full up to
	// MaxPreviewReleases; ReleasesMore says more wait).
	Releases     []PatternRelease
	ReleasesMore bool
}

// MaxPreviewReleases bounds the waiting improvements a preview lists.
const MaxPreviewReleases = 200

func canChangePattern(a hikeshi.Actor) bool { return a.Role == hikeshi.RoleAdmin }

// Current returns the organisation's current pattern; ok is false when none
// has been chosen. Everyone signed in may read it.
func (s *Patterns) Current(ctx context.Context, actor hikeshi.Actor) (p hikeshi.OrgPattern, ok bool, err error) {
	if err := signedIn(actor, "read the pattern"); err != nil {
		return p, false, err
	}
	p, err = s.st.CurrentOrgPattern(ctx)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return hikeshi.OrgPattern{}, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("read pattern: %w", err)
	}
	return p, true, nil
}

// History lists the versions newest first (admins, managers, CSIRT, auditors).
func (s *Patterns) History(ctx context.Context, actor hikeshi.Actor, pg hikeshi.Page) ([]hikeshi.OrgPattern, error) {
	if err := signedIn(actor, "read the pattern history"); err != nil {
		return nil, err
	}
	if !actor.CanReadAll() {
		return nil, forbid("read the pattern history")
	}
	out, err := s.st.FindOrgPatterns(ctx, pg)
	if err != nil {
		return nil, fmt.Errorf("pattern history: %w", err)
	}
	return out, nil
}

// Templates returns the six built-in templates, in the seed's order.
func (s *Patterns) Templates(actor hikeshi.Actor) ([]hikeshi.Pattern, error) {
	if err := signedIn(actor, "read the templates"); err != nil {
		return nil, err
	}
	return hikeshi.Patterns(), nil
}

// Preview validates a change and lists the open work it would move,
// without changing anything (admins).
func (s *Patterns) Preview(ctx context.Context, actor hikeshi.Actor, in PatternInput) (PatternPreview, error) {
	if !canChangePattern(actor) {
		return PatternPreview{}, forbid("change the pattern")
	}
	out, err := s.plan(ctx, s.st, actor, in)
	if err != nil {
		return PatternPreview{}, fmt.Errorf("preview pattern: %w", err)
	}
	return out, nil
}

// Apply saves a change as a new version and moves the open work it routes
// elsewhere, in one transaction with an audit entry for the change and one
// per moved item (admins).
func (s *Patterns) Apply(ctx context.Context, actor hikeshi.Actor, in PatternInput) (PatternPreview, error) {
	if !canChangePattern(actor) {
		return PatternPreview{}, forbid("change the pattern")
	}
	var out PatternPreview
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		plan, err := s.plan(ctx, tx, actor, in)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		p := plan.Pattern
		p.ID, p.CreatedBy, p.CreatedAt = hikeshi.NewID(), actor.UserID, now
		var before any
		wasRealTime := true // no pattern: improvements are real time
		if cur, err := tx.CurrentOrgPattern(ctx); err == nil {
			p.Version = cur.Version + 1
			before = patternAudit(cur)
			wasRealTime = cur.Trigger.RealTime()
		} else if errors.Is(err, hikeshi.ErrNotFound) {
			p.Version = 1
		} else {
			return err
		}
		if err := tx.CreateOrgPattern(ctx, p); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "pattern.change", "org_pattern", p.ID, before, patternAudit(p)); err != nil {
			return err
		}
		for _, m := range plan.Moves {
			if err := tx.MoveRoutedItem(ctx, m.Item, m.To, now); err != nil {
				return fmt.Errorf("move %s %s: %w", m.Item.Entity, m.Item.ID, err)
			}
			if err := s.audit(ctx, tx, actor, "pattern.route", m.Item.Entity, m.Item.ID,
				map[string]any{"department_id": m.From},
				map[string]any{"department_id": m.To, "activity": m.Item.Activity, "pattern_version": p.Version}); err != nil {
				return err
			}
		}
		// Lessons that waited for an audit or a review under the old
		// pattern go to work now that incident results start improvement.
		if !wasRealTime && p.Trigger.RealTime() && s.improvements != nil {
			if err := s.improvements.release(ctx, tx, actor, hikeshi.ReleasedByPatternChange); err != nil {
				return err
			}
		}
		plan.Pattern = p
		out = plan
		return nil
	})
	if err != nil {
		return PatternPreview{}, fmt.Errorf("apply pattern: %w", err)
	}
	return out, nil
}

// patternAudit is the audit form of a version: keys and ids only.
func patternAudit(p hikeshi.OrgPattern) map[string]any {
	units := map[string]string{}
	for k, d := range p.Units {
		units[string(k)] = d
	}
	cells := map[string]string{}
	for _, a := range hikeshi.Activities() {
		c := p.Matrix[a]
		cells[string(a)] = strings.Join(kindStrings(c.Kinds()), "+")
	}
	return map[string]any{"version": p.Version, "template": p.Template, "trigger": p.Trigger, "units": units, "matrix": cells}
}

func kindStrings(ks []hikeshi.DepartmentKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// plan validates in against the organisation and computes the moves.
func (s *Patterns) plan(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, in PatternInput) (PatternPreview, error) {
	p, err := s.build(ctx, r, in)
	if err != nil {
		return PatternPreview{}, err
	}
	cur, err := r.CurrentOrgPattern(ctx)
	hasCur := err == nil
	if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
		return PatternPreview{}, err
	}
	if in.BaseVersion != 0 && cur.Version != in.BaseVersion {
		return PatternPreview{}, fmt.Errorf("the pattern was changed meanwhile (version %d): %w", cur.Version, hikeshi.ErrConflict)
	}
	items, err := r.FindRoutedWork(ctx, s.clock.Now().UTC().Format(hikeshi.DateLayout))
	if err != nil {
		return PatternPreview{}, err
	}
	out := PatternPreview{Pattern: p}
	seen := map[string]bool{} // incident id → visible
	for _, it := range items {
		to := p.Responsible(it.Activity)
		if to == "" || to == it.DepartmentID {
			continue
		}
		m := PatternMove{Item: it, From: it.DepartmentID, To: to}
		if it.IncidentID != "" {
			vis, ok := seen[it.IncidentID]
			if !ok {
				inc, err := r.FindIncidentByID(ctx, it.IncidentID)
				if err != nil {
					return PatternPreview{}, err
				}
				if vis, err = canSeeIncident(ctx, r, actor, inc); err != nil {
					return PatternPreview{}, err
				}
				seen[it.IncidentID] = vis
			}
			if !vis {
				m.Hidden, m.Item.Title = true, ""
			}
		}
		out.Moves = append(out.Moves, m)
	}
	// Without a pattern improvements are real time already: nothing waits.
	if hasCur && !cur.Trigger.RealTime() && p.Trigger.RealTime() {
		if err := s.planReleases(ctx, r, actor, p, &out, seen); err != nil {
			return PatternPreview{}, err
		}
	}
	return out, nil
}

// planReleases lists the waiting improvements that switching to p opens.
func (s *Patterns) planReleases(ctx context.Context, r hikeshi.Reader, actor hikeshi.Actor, p hikeshi.OrgPattern, out *PatternPreview, seen map[string]bool) error {
	waiting, err := r.FindWaitingImprovements(ctx, "", MaxPreviewReleases+1)
	if err != nil {
		return err
	}
	if len(waiting) > MaxPreviewReleases {
		waiting, out.ReleasesMore = waiting[:MaxPreviewReleases], true
	}
	to := p.Responsible(hikeshi.ActivityImprovement)
	for _, im := range waiting {
		rel := PatternRelease{Improvement: im, To: to}
		inc, err := r.FindIncidentByID(ctx, im.IncidentID)
		if err != nil {
			return err
		}
		vis, ok := seen[im.IncidentID]
		if !ok {
			if vis, err = canSeeIncident(ctx, r, actor, inc); err != nil {
				return err
			}
			seen[im.IncidentID] = vis
		}
		l, err := r.FindLessonByID(ctx, im.LessonID)
		if err != nil {
			return err
		}
		if rel.To == "" {
			rel.To = l.DepartmentID
		}
		if vis {
			rel.IncidentNumber = inc.Number
			rel.Lesson, _, _ = strings.Cut(strings.TrimSpace(l.Text), "\n")
		} else {
			rel.Hidden = true
		}
		out.Releases = append(out.Releases, rel)
	}
	return nil
}

// build validates in and returns the version it describes (no ID yet).
func (s *Patterns) build(ctx context.Context, r hikeshi.Reader, in PatternInput) (hikeshi.OrgPattern, error) {
	v := &hikeshi.ValidationError{}
	tpl, ok := hikeshi.PatternByKey(in.Template)
	if !ok {
		v.Add("template", "unknown", "choose one of the six templates: "+strings.Join(patternKeyStrings(), ", "))
		return hikeshi.OrgPattern{}, v.Err()
	}
	m := tpl.Matrix.Clone()
	if in.Matrix != nil {
		m = in.Matrix.Clone()
		if err := m.Validate(); err != nil {
			return hikeshi.OrgPattern{}, err
		}
		for a, c := range m {
			t := tpl.Matrix[a]
			c.Default = t.Default && c.Lead == t.Lead && slices.Equal(c.With, t.With)
			m[a] = c
		}
	}
	hikeshi.ValidateText(v, "note", in.Note, hikeshi.MaxPatternNoteLen, false)
	for k := range in.Units {
		if !slices.Contains(hikeshi.PatternUnitKinds(), k) {
			v.Add("units", "unknown", "departments are mapped per kind: management, it or csirt")
		}
	}
	// Every kind the matrix names needs a department; a kind it does not
	// name may be mapped too (kept for the next change of template).
	units := map[hikeshi.DepartmentKind]string{}
	used := hikeshi.PatternKindsUsed(m)
	for _, k := range hikeshi.PatternUnitKinds() {
		f := "units." + string(k)
		id := strings.TrimSpace(in.Units[k])
		if id == "" && !slices.Contains(used, k) {
			continue
		}
		if id == "" {
			v.Add(f, "required", fmt.Sprintf("choose the department that acts as %s", kindName(k)))
			continue
		}
		if _, err := r.FindDepartmentByID(ctx, id); errors.Is(err, hikeshi.ErrNotFound) {
			v.Add(f, "unknown", "no such department")
			continue
		} else if err != nil {
			return hikeshi.OrgPattern{}, err
		}
		units[k] = id
	}
	// Kinds the template puts in one unit ("CSIRT inside the IT
	// department") map onto one department.
	for _, u := range tpl.Units {
		for _, k := range u[1:] {
			host, d := units[u[0]], units[k]
			if host != "" && d != "" && host != d {
				v.Add("units."+string(k), "same_unit", fmt.Sprintf("the %s template puts %s inside %s: map both onto one department",
					strings.ToLower(tpl.Name.EN), kindName(k), strings.ToLower(kindName(u[0]))))
			}
		}
	}
	if err := v.Err(); err != nil {
		return hikeshi.OrgPattern{}, err
	}
	return hikeshi.OrgPattern{Template: tpl.Key, Trigger: tpl.Trigger, Matrix: m, Units: units, Note: strings.TrimSpace(in.Note)}, nil
}

func kindName(k hikeshi.DepartmentKind) string {
	switch k {
	case hikeshi.KindManagement:
		return "Management"
	case hikeshi.KindIT:
		return "IT"
	case hikeshi.KindCSIRT:
		return "CSIRT"
	}
	return string(k)
}

func patternKeyStrings() []string {
	var out []string
	for _, k := range hikeshi.PatternKeys() {
		out = append(out, string(k))
	}
	return out
}

// responsible returns the department that answers for an activity under the
// organisation's current pattern, read inside the caller's transaction or
// snapshot. "" means no pattern has been chosen (or the activity's unit is
// not mapped onto a department): the caller keeps its own choice.
func (s *Patterns) responsible(ctx context.Context, r hikeshi.Reader, a hikeshi.Activity) (string, error) {
	return responsibleFor(ctx, r, a)
}

// responsibleFor is Patterns.responsible for the services that hold no
// *Patterns (the ISMS areas: risks, documents, checks, management).
func responsibleFor(ctx context.Context, r hikeshi.Reader, a hikeshi.Activity) (string, error) {
	p, err := r.CurrentOrgPattern(ctx)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("responsible for %s: %w", a, err)
	}
	return p.Responsible(a), nil
}

// trigger returns what starts a review of measures under the organisation's
// current pattern: incident results in real time, or internal-audit (and
// management-review) results. "" means no pattern has been chosen; callers
// then treat improvements as real time.
func (s *Patterns) trigger(ctx context.Context, r hikeshi.Reader) (hikeshi.ImprovementTrigger, error) {
	p, err := r.CurrentOrgPattern(ctx)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("improvement trigger: %w", err)
	}
	return p.Trigger, nil
}

// route picks the department for work of activity a that was given no
// department explicitly: the responsible one under the current pattern, or
// fallback when there is none. routed reports whether the pattern chose it.
func (s *Patterns) route(ctx context.Context, r hikeshi.Reader, a hikeshi.Activity, fallback string) (dept string, routed bool, err error) {
	if s == nil {
		return fallback, false, nil
	}
	d, err := s.responsible(ctx, r, a)
	if err != nil || d == "" {
		return fallback, false, err
	}
	return d, true, nil
}

// routeISMS records, in the caller's transaction, that the pattern chose an
// ISMS item's department by activity a, with an audit entry
// (pattern.route, ids only).
func routeISMS(ctx context.Context, b base, tx hikeshi.Tx, actor hikeshi.Actor, entity, id string, a hikeshi.Activity, dept string) error {
	if err := tx.MarkRouted(ctx, entity, id, a); err != nil {
		return err
	}
	return b.audit(ctx, tx, actor, "pattern.route", entity, id, nil, map[string]any{"department_id": dept, "activity": a})
}

// placeISMS chooses the unit of a new audit programme or management review:
// the department a person named (it must exist), else the one responsible
// for activity a under the current pattern (routed = a), else none.
func placeISMS(ctx context.Context, r hikeshi.Reader, field, named string, a hikeshi.Activity) (dept string, routed hikeshi.Activity, err error) {
	named = strings.TrimSpace(named)
	if named == "" {
		d, err := responsibleFor(ctx, r, a)
		if err != nil || d == "" {
			return "", "", err
		}
		return d, a, nil
	}
	if len(named) > 64 {
		return "", "", hikeshi.Invalid(field, "unknown", "no such department")
	}
	if _, err := r.FindDepartmentByID(ctx, named); errors.Is(err, hikeshi.ErrNotFound) {
		return "", "", hikeshi.Invalid(field, "unknown", "no such department")
	} else if err != nil {
		return "", "", err
	}
	return named, "", nil
}

// replaceISMS is placeISMS for a change: no department named keeps the
// item where it is (routed or not); another one named is a person's choice.
func replaceISMS(ctx context.Context, r hikeshi.Reader, field, named, dept string, routed hikeshi.Activity) (string, hikeshi.Activity, error) {
	named = strings.TrimSpace(named)
	if named == "" || named == dept {
		return dept, routed, nil
	}
	return placeISMS(ctx, r, field, named, "")
}

// documentActivity is the activity whose unit answers for a document of
// kind k when no person names its owner: basic policy and rules; "" for the
// other kinds (they need an owner named).
func documentActivity(k hikeshi.DocumentKind) hikeshi.Activity {
	switch k {
	case hikeshi.DocBasicPolicy:
		return hikeshi.ActivityBasicPolicy
	case hikeshi.DocRules:
		return hikeshi.ActivityRules
	}
	return ""
}

// markRouted records that the pattern chose task id's department by activity a.
func (s *Patterns) markRouted(ctx context.Context, tx hikeshi.Tx, taskID string, a hikeshi.Activity) error {
	return tx.MarkTaskRouted(ctx, taskID, a)
}
