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

// Playbooks (IH-5) are methods of Tasks: every signed-in person reads them;
// the CSIRT and admins write custom ones, switch any off and on, copy them
// and apply them to incidents. Built-ins are never edited: their words ship
// with the code in both languages, and the store keeps only whether each is
// switched off.

// PlaybookInput is a custom playbook as its author types it.
type PlaybookInput struct {
	Name        string
	Description string
	Categories  []string
	Tasks       []hikeshi.PlaybookTask
}

func canEditPlaybooks(a hikeshi.Actor) bool { return canHandle(a) }

func signedIn(a hikeshi.Actor, what string) error {
	if a.UserID == "" && !a.IsSystem() {
		return fmt.Errorf("%s: %w", what, hikeshi.ErrUnauthenticated)
	}
	return nil
}

// playbooks returns every playbook, built-ins first (in l, with their
// switches) and then the custom ones by name.
func playbooks(ctx context.Context, r hikeshi.Reader, l hikeshi.Locale) ([]hikeshi.Playbook, error) {
	recs, err := r.FindPlaybookRecords(ctx)
	if err != nil {
		return nil, err
	}
	switches := map[string]hikeshi.Playbook{}
	var custom []hikeshi.Playbook
	for _, p := range recs {
		if p.BuiltIn {
			switches[p.Key] = p
		} else {
			custom = append(custom, p)
		}
	}
	out := make([]hikeshi.Playbook, 0, len(hikeshi.BuiltinPlaybooks)+len(custom))
	for _, b := range hikeshi.BuiltinPlaybooks {
		p := b.In(l)
		if sw, ok := switches[b.Key]; ok {
			p.ID, p.DisabledAt, p.CreatedAt, p.UpdatedAt = sw.ID, sw.DisabledAt, sw.CreatedAt, sw.UpdatedAt
		}
		out = append(out, p)
	}
	slices.SortStableFunc(custom, func(a, b hikeshi.Playbook) int { return strings.Compare(a.Name, b.Name) })
	return append(out, custom...), nil
}

// playbook returns one playbook by key, a built-in in l.
func playbook(ctx context.Context, r hikeshi.Reader, key string, l hikeshi.Locale) (hikeshi.Playbook, error) {
	if b, ok := hikeshi.FindBuiltinPlaybook(key); ok {
		p := b.In(l)
		sw, err := r.FindPlaybookRecordByKey(ctx, key)
		switch {
		case err == nil:
			p.ID, p.DisabledAt, p.CreatedAt, p.UpdatedAt = sw.ID, sw.DisabledAt, sw.CreatedAt, sw.UpdatedAt
		case !errors.Is(err, hikeshi.ErrNotFound):
			return hikeshi.Playbook{}, err
		}
		return p, nil
	}
	p, err := r.FindPlaybookRecordByKey(ctx, key)
	if err == nil && p.BuiltIn {
		return hikeshi.Playbook{}, hikeshi.ErrNotFound // the switch of a built-in this version no longer ships
	}
	return p, err
}

// Playbooks lists every playbook: the built-ins in language l, then the
// organisation's own.
func (s *Tasks) Playbooks(ctx context.Context, actor hikeshi.Actor, l hikeshi.Locale) ([]hikeshi.Playbook, error) {
	if err := signedIn(actor, "list playbooks"); err != nil {
		return nil, err
	}
	out, err := playbooks(ctx, s.st, l)
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	return out, nil
}

// Playbook returns one playbook, a built-in in language l.
func (s *Tasks) Playbook(ctx context.Context, actor hikeshi.Actor, key string, l hikeshi.Locale) (hikeshi.Playbook, error) {
	if err := signedIn(actor, "get playbook"); err != nil {
		return hikeshi.Playbook{}, err
	}
	p, err := playbook(ctx, s.st, key, l)
	if err != nil {
		return hikeshi.Playbook{}, fmt.Errorf("get playbook: %w", err)
	}
	return p, nil
}

// SuggestPlaybooks lists the enabled playbooks that suit an incident's
// category, for someone who can see the incident.
func (s *Tasks) SuggestPlaybooks(ctx context.Context, actor hikeshi.Actor, incidentID string, l hikeshi.Locale) ([]hikeshi.Playbook, error) {
	inc, err := s.incidents().get(ctx, s.st, actor, incidentID)
	if err != nil {
		return nil, fmt.Errorf("suggest playbooks: %w", err)
	}
	all, err := playbooks(ctx, s.st, l)
	if err != nil {
		return nil, fmt.Errorf("suggest playbooks: %w", err)
	}
	var out []hikeshi.Playbook
	for _, p := range all {
		if !p.Disabled() && p.Suits(inc.Category) {
			out = append(out, p)
		}
	}
	return out, nil
}

func cleanPlaybook(in PlaybookInput) hikeshi.Playbook {
	p := hikeshi.Playbook{Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description)}
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(p.Categories, c) {
			p.Categories = append(p.Categories, c)
		}
	}
	for _, t := range in.Tasks {
		t.Title, t.Description = strings.TrimSpace(t.Title), strings.TrimSpace(t.Description)
		p.Tasks = append(p.Tasks, t)
	}
	return p
}

// playbookAudit is what the audit log keeps of a playbook. Playbooks are the
// organisation's procedures, not incident words, so the name is kept.
type playbookAudit struct {
	Key        string   `json:"key"`
	BuiltIn    bool     `json:"builtin,omitempty"`
	Name       string   `json:"name,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Tasks      int      `json:"tasks,omitempty"`
	Disabled   bool     `json:"disabled"`
}

func auditOfPlaybook(p hikeshi.Playbook) playbookAudit {
	a := playbookAudit{Key: p.Key, BuiltIn: p.BuiltIn, Disabled: p.Disabled()}
	if !p.BuiltIn {
		a.Name, a.Categories, a.Tasks = p.Name, p.Categories, len(p.Tasks)
	}
	return a
}

// CreatePlaybook stores a custom playbook (CSIRT and admins).
func (s *Tasks) CreatePlaybook(ctx context.Context, actor hikeshi.Actor, in PlaybookInput) (hikeshi.Playbook, error) {
	var out hikeshi.Playbook
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		var err error
		out, err = s.createPlaybook(ctx, tx, actor, cleanPlaybook(in))
		return err
	})
	if err != nil {
		return hikeshi.Playbook{}, fmt.Errorf("create playbook: %w", err)
	}
	return out, nil
}

func (s *Tasks) createPlaybook(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, p hikeshi.Playbook) (hikeshi.Playbook, error) {
	if !canEditPlaybooks(actor) {
		return hikeshi.Playbook{}, forbid("create playbook")
	}
	var v hikeshi.ValidationError
	hikeshi.ValidatePlaybook(&v, p)
	if err := v.Err(); err != nil {
		return hikeshi.Playbook{}, err
	}
	now := s.clock.Now()
	p.ID = hikeshi.NewID()
	p.Key, p.BuiltIn, p.CreatedBy, p.CreatedAt, p.UpdatedAt, p.DisabledAt = p.ID, false, actor.UserID, now, now, time.Time{}
	if err := tx.CreatePlaybookRecord(ctx, p); err != nil {
		return hikeshi.Playbook{}, err
	}
	return p, s.audit(ctx, tx, actor, "playbook.create", "playbook", p.ID, nil, auditOfPlaybook(p))
}

// UpdatePlaybook rewrites a custom playbook (CSIRT and admins). Built-ins
// are refused: copy one instead.
func (s *Tasks) UpdatePlaybook(ctx context.Context, actor hikeshi.Actor, key string, in PlaybookInput) (hikeshi.Playbook, error) {
	var out hikeshi.Playbook
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if !canEditPlaybooks(actor) {
			return forbid("update playbook")
		}
		before, err := playbook(ctx, tx, key, "")
		if err != nil {
			return err
		}
		if before.BuiltIn {
			return hikeshi.Invalid("key", "builtin", "built-in playbooks cannot be edited; copy one and edit the copy")
		}
		p := cleanPlaybook(in)
		var v hikeshi.ValidationError
		hikeshi.ValidatePlaybook(&v, p)
		if err := v.Err(); err != nil {
			return err
		}
		p.ID, p.Key, p.CreatedBy, p.CreatedAt, p.DisabledAt = before.ID, before.Key, before.CreatedBy, before.CreatedAt, before.DisabledAt
		p.UpdatedAt = s.clock.Now()
		if err := tx.UpdatePlaybookRecord(ctx, p); err != nil {
			return err
		}
		out = p
		return s.audit(ctx, tx, actor, "playbook.update", "playbook", p.ID, auditOfPlaybook(before), auditOfPlaybook(p))
	})
	if err != nil {
		return hikeshi.Playbook{}, fmt.Errorf("update playbook: %w", err)
	}
	return out, nil
}

// SetPlaybookDisabled switches a playbook off (no longer suggested or
// applied) or on again (CSIRT and admins).
func (s *Tasks) SetPlaybookDisabled(ctx context.Context, actor hikeshi.Actor, key string, disabled bool) (hikeshi.Playbook, error) {
	var out hikeshi.Playbook
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if !canEditPlaybooks(actor) {
			return forbid("switch a playbook")
		}
		before, err := playbook(ctx, tx, key, "")
		if err != nil {
			return err
		}
		if before.Disabled() == disabled {
			out = before
			return nil
		}
		now := s.clock.Now()
		p := before
		p.DisabledAt, p.UpdatedAt = time.Time{}, now
		if disabled {
			p.DisabledAt = now
		}
		switch {
		case p.BuiltIn && p.ID == "":
			// The first switch of a built-in: a row holding only key and state.
			sw := hikeshi.Playbook{ID: hikeshi.NewID(), Key: p.Key, BuiltIn: true, DisabledAt: p.DisabledAt,
				CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreatePlaybookRecord(ctx, sw); err != nil {
				return err
			}
			p.ID, p.CreatedAt = sw.ID, now
		case p.BuiltIn:
			sw := hikeshi.Playbook{ID: p.ID, Key: p.Key, BuiltIn: true, DisabledAt: p.DisabledAt, UpdatedAt: now}
			if err := tx.UpdatePlaybookRecord(ctx, sw); err != nil {
				return err
			}
		default:
			if err := tx.UpdatePlaybookRecord(ctx, p); err != nil {
				return err
			}
		}
		out = p
		return s.audit(ctx, tx, actor, "playbook.switch", "playbook", p.Key, auditOfPlaybook(before), auditOfPlaybook(p))
	})
	if err != nil {
		return hikeshi.Playbook{}, fmt.Errorf("switch playbook: %w", err)
	}
	return out, nil
}

// CopyPlaybook makes a custom playbook from another one (CSIRT and admins);
// a built-in is copied in language l.
func (s *Tasks) CopyPlaybook(ctx context.Context, actor hikeshi.Actor, key string, l hikeshi.Locale) (hikeshi.Playbook, error) {
	var out hikeshi.Playbook
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		src, err := playbook(ctx, tx, key, l)
		if err != nil {
			return err
		}
		out, err = s.createPlaybook(ctx, tx, actor, hikeshi.Playbook{Name: src.Name, Description: src.Description,
			Categories: src.Categories, Tasks: src.Tasks})
		return err
	})
	if err != nil {
		return hikeshi.Playbook{}, fmt.Errorf("copy playbook: %w", err)
	}
	return out, nil
}

// ApplyPlaybook creates a playbook's tasks on an incident in one transaction
// (CSIRT and admins who can see it). Each task goes to the department chosen
// for its kind in departments, else to the organisation's first department of
// that kind by name; if there is none, nothing is created and the error names
// the kind (field departments.<kind>, code no_department). A built-in's tasks
// are written in language l, the applier's: tasks are read by people, and the
// applier chooses the language the organisation works in. Due dates are
// counted from now.
func (s *Tasks) ApplyPlaybook(ctx context.Context, actor hikeshi.Actor, incidentID, key string, l hikeshi.Locale,
	departments map[hikeshi.DepartmentKind]string) ([]hikeshi.Task, error) {
	var out []hikeshi.Task
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		inc, err := s.incidents().handle(ctx, tx, actor, incidentID, "apply a playbook")
		if err != nil {
			return err
		}
		if err := refuseClosed(inc); err != nil {
			return err
		}
		p, err := playbook(ctx, tx, key, l)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return hikeshi.Invalid("key", "unknown", "no such playbook")
		}
		if err != nil {
			return err
		}
		if p.Disabled() {
			return hikeshi.Invalid("key", "disabled", "the playbook is switched off")
		}
		first, byID, err := firstOfKind(ctx, tx)
		if err != nil {
			return err
		}
		var v hikeshi.ValidationError
		for k := range departments {
			if !k.Valid() {
				v.Add("departments", "unknown", "departments are chosen per kind: management, it, csirt or business_unit")
			}
		}
		target := map[hikeshi.DepartmentKind]string{}
		routed := map[hikeshi.DepartmentKind]bool{} // kinds whose department the organisation's pattern chose
		for _, k := range p.Kinds() {
			field := "departments." + string(k)
			if id := departments[k]; id != "" {
				d, ok := byID[id]
				switch {
				case !ok:
					v.Add(field, "unknown", "no such department")
				case d.Kind != k:
					v.Add(field, "wrong_kind", fmt.Sprintf("the department is not of kind %s", k))
				default:
					target[k] = d.ID
				}
				continue
			}
			d, ok := first[k]
			if k == hikeshi.KindCSIRT { // incident response steps go to the unit the pattern makes responsible
				id, byPattern, err := s.patterns.route(ctx, tx, hikeshi.ActivityIncidentResponse, d.ID)
				if err != nil {
					return err
				}
				if byPattern {
					target[k], routed[k] = id, true
					continue
				}
			}
			if !ok {
				v.Add(field, "no_department", fmt.Sprintf("the organisation has no department of kind %s; add one or choose another playbook", k))
				continue
			}
			target[k] = d.ID
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.clock.Now()
		ids := make([]string, 0, len(p.Tasks))
		for _, pt := range p.Tasks {
			t := hikeshi.Task{ID: hikeshi.NewID(), IncidentID: inc.ID, Title: pt.Title, Description: pt.Description,
				DepartmentID: target[pt.Kind], Status: hikeshi.TaskOpen, PlaybookKey: p.Key, CreatedBy: actor.UserID,
				CreatedAt: now, UpdatedAt: now}
			if pt.DueHours > 0 {
				t.DueAt = now.Add(time.Duration(pt.DueHours) * time.Hour)
			}
			if err := validateTask(ctx, tx, t); err != nil {
				return err
			}
			if err := s.createTask(ctx, tx, actor, t); err != nil {
				return err
			}
			if routed[pt.Kind] {
				if err := s.patterns.markRouted(ctx, tx, t.ID, hikeshi.ActivityIncidentResponse); err != nil {
					return err
				}
			}
			out = append(out, t)
			ids = append(ids, t.ID)
		}
		if err := s.incidents().event(ctx, tx, actor, inc.ID, hikeshi.IncidentEvent{Kind: hikeshi.EventNote,
			Text: "playbook: " + p.Name}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "playbook.apply", "incident", inc.ID, nil,
			map[string]any{"playbook_key": p.Key, "task_ids": ids})
	})
	if err != nil {
		return nil, fmt.Errorf("apply playbook: %w", err)
	}
	return out, nil
}
