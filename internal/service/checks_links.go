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

// The Check area's links to the measure catalogue and the frameworks, its
// deletions (refused while anything refers to the thing, naming it), the
// archiving of metrics, the overdue corrective actions and their reminders
// (docs/decisions/0028-checks-links.md).

// KindActionRemind is the daily job that reminds the owners of overdue
// corrective actions.
const KindActionRemind = "action.remind"

// linkedMeasure loads the measure a finding or metric links to (nil for none
// or one that no longer exists).
func (s *Checks) linkedMeasure(ctx context.Context, id string) (*hikeshi.Measure, error) {
	if id == "" {
		return nil, nil
	}
	m, err := s.st.FindMeasureByID(ctx, id)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &m, nil
}

// checkMeasureLink records a field error on measure_id unless id is empty or
// names a measure. A new link to an archived measure is refused; a link
// kept as it was (id == before) stays even if the measure was archived since.
func checkMeasureLink(ctx context.Context, r hikeshi.Reader, v *hikeshi.ValidationError, id, before string) error {
	if id == "" {
		return nil
	}
	if len(id) > 64 || strings.ContainsAny(id, " \t\r\n") {
		v.Add("measure_id", "unknown", "no such measure")
		return nil
	}
	m, err := r.FindMeasureByID(ctx, id)
	switch {
	case errors.Is(err, hikeshi.ErrNotFound):
		v.Add("measure_id", "unknown", "no such measure")
	case err != nil:
		return err
	case m.Archived && id != before:
		v.Add("measure_id", "archived", "the measure is archived; link one in use")
	}
	return nil
}

// findRequirement looks a requirement up: the built-in ISO/IEC 27001:2022 in
// code (its themes are headings, not requirements), imported frameworks in
// framework_requirements. Withdrawn requirements are found.
func findRequirement(ctx context.Context, r hikeshi.Reader, ref hikeshi.RequirementRef) (hikeshi.Requirement, bool, error) {
	if ref.FrameworkKey == hikeshi.ISO27001Key {
		for _, q := range hikeshi.ISO27001Requirements() {
			if q.Ref == ref.Ref && q.Kind != hikeshi.KindTheme {
				return q, true, nil
			}
		}
		return hikeshi.Requirement{}, false, nil
	}
	if !hikeshi.FrameworkKeyValid(ref.FrameworkKey) || ref.Ref == "" || len(ref.Ref) > hikeshi.MaxCheckRefLen {
		return hikeshi.Requirement{}, false, nil
	}
	q, err := r.FindRequirement(ctx, ref.FrameworkKey, ref.Ref)
	switch {
	case errors.Is(err, hikeshi.ErrNotFound):
		return hikeshi.Requirement{}, false, nil
	case err != nil:
		return hikeshi.Requirement{}, false, err
	}
	return q, true, nil
}

// maxNamed is how many references a refusal names.
const maxNamed = 10

// referenced is the refusal of a deletion while others refer to the thing:
// a 409 on field whose message ends with ": " and the names (the web shows
// them after its own words), as Risks.DeleteAsset does.
func referenced(field, why string, names []string, more bool) error {
	list := strings.Join(names, ", ")
	if more {
		list += ", …"
	}
	return &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: field, Code: "referenced", Message: why + ": " + list}}}
}

// cut shortens free text to name it in a message.
func cut(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// findingName names a finding in a refusal: its type and the start of its description.
func findingName(f hikeshi.Finding) string {
	return string(f.Type) + " “" + cut(f.Description) + "”"
}

// DeleteProgramme removes an audit programme written by mistake (admins,
// managers). A programme with audits is kept: the refusal names them.
func (s *Checks) DeleteProgramme(ctx context.Context, actor hikeshi.Actor, id string) error {
	if !canPlan(actor) {
		return forbid("delete an audit programme")
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		p, err := tx.FindAuditProgrammeByID(ctx, id)
		if err != nil {
			return err
		}
		as, err := tx.FindInternalAudits(ctx, id, hikeshi.Page{Limit: maxNamed + 1})
		if err != nil {
			return err
		}
		if len(as) > 0 {
			var names []string
			for _, a := range as[:min(len(as), maxNamed)] {
				names = append(names, cut(a.Title))
			}
			return referenced("programme", "the programme has audits; delete or close them first", names, len(as) > maxNamed)
		}
		if err := tx.DeleteAuditProgramme(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "audit_programme.delete", "audit_programme", id, programmeAudit{p.ID, p.Year, p.DepartmentID}, nil)
	})
	if err != nil {
		return fmt.Errorf("delete audit programme: %w", err)
	}
	return nil
}

// DeleteAudit removes a planned audit that has no findings (admins,
// managers). An audit with findings is refused naming them; one that has
// started is closed, not deleted.
func (s *Checks) DeleteAudit(ctx context.Context, actor hikeshi.Actor, id string) error {
	if !canPlan(actor) {
		return forbid("delete an internal audit")
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		a, err := tx.FindInternalAuditByID(ctx, id)
		if err != nil {
			return err
		}
		fs, err := tx.FindFindings(ctx, id, hikeshi.Page{Limit: maxNamed + 1})
		if err != nil {
			return err
		}
		if len(fs) > 0 {
			var names []string
			for _, f := range fs[:min(len(fs), maxNamed)] {
				names = append(names, findingName(f))
			}
			return referenced("audit", "the audit has findings; close it instead", names, len(fs) > maxNamed)
		}
		if a.Status != hikeshi.AuditPlanned {
			return &hikeshi.ValidationError{Conflict: true, Fields: []hikeshi.FieldError{{Field: "audit", Code: "not_planned",
				Message: "only a planned audit is deleted; one that has started is closed instead"}}}
		}
		if err := tx.DeleteInternalAudit(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "internal_audit.delete", "internal_audit", id, auditOfInternalAudit(a), nil)
	})
	if err != nil {
		return fmt.Errorf("delete internal audit: %w", err)
	}
	return nil
}

// DeleteFinding removes a finding recorded by mistake (its audit's auditors,
// admins, while the audit is in progress or reported). A finding with
// corrective actions is refused naming them.
func (s *Checks) DeleteFinding(ctx context.Context, actor hikeshi.Actor, id string) error {
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		f, err := tx.FindFindingByID(ctx, id)
		if err != nil {
			return err
		}
		a, err := tx.FindInternalAuditByID(ctx, f.AuditID)
		if err != nil {
			return err
		}
		if !recordsFindings(actor, a) {
			return forbid("delete a finding")
		}
		if a.Status != hikeshi.AuditInProgress && a.Status != hikeshi.AuditReported {
			return hikeshi.Invalid("status", "not_in_progress", "findings change while the audit is in progress or reported")
		}
		as, err := tx.FindCorrectiveActions(ctx, hikeshi.SourceFinding, id, hikeshi.Page{Limit: maxNamed + 1})
		if err != nil {
			return err
		}
		if len(as) > 0 {
			var names []string
			for _, x := range as[:min(len(as), maxNamed)] {
				names = append(names, cut(x.Title))
			}
			return referenced("finding", "corrective actions answer the finding; it stays on record", names, len(as) > maxNamed)
		}
		if err := tx.DeleteFinding(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "finding.delete", "finding", id, auditOfFinding(f), nil)
	})
	if err != nil {
		return fmt.Errorf("delete finding: %w", err)
	}
	return nil
}

// DeleteMetric removes a metric defined by mistake (admins, managers). A
// metric with recorded values is refused naming their periods: archive it.
func (s *Checks) DeleteMetric(ctx context.Context, actor hikeshi.Actor, id string) error {
	if !canPlan(actor) {
		return forbid("delete a metric")
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		m, err := tx.FindMetricByID(ctx, id)
		if err != nil {
			return err
		}
		vs, err := tx.FindMetricValues(ctx, id, hikeshi.Page{Limit: maxNamed + 1})
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			var names []string
			for _, v := range vs[:min(len(vs), maxNamed)] {
				names = append(names, v.Period+" = "+v.Value)
			}
			return referenced("metric", "values are recorded for the metric; archive it instead", names, len(vs) > maxNamed)
		}
		if err := tx.DeleteMetric(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "metric.delete", "metric", id, auditOfMetric(m), nil)
	})
	if err != nil {
		return fmt.Errorf("delete metric: %w", err)
	}
	return nil
}

// SetMetricArchived archives a metric (it keeps its values and takes no new
// ones) or restores it (admins, managers). Doing what is already done is
// no change and writes nothing.
func (s *Checks) SetMetricArchived(ctx context.Context, actor hikeshi.Actor, id string, archived bool) (hikeshi.Metric, error) {
	if !canPlan(actor) {
		return hikeshi.Metric{}, forbid("archive a metric")
	}
	var out hikeshi.Metric
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindMetricByID(ctx, id)
		if err != nil {
			return err
		}
		out = before
		if before.Archived() == archived {
			return nil
		}
		m := before
		m.UpdatedAt = s.clock.Now()
		m.ArchivedAt = time.Time{}
		op := "metric.restore"
		if archived {
			m.ArchivedAt, op = m.UpdatedAt, "metric.archive"
		}
		if err := tx.UpdateMetric(ctx, m); err != nil {
			return err
		}
		out = m
		return s.audit(ctx, tx, actor, op, "metric", m.ID, auditOfMetric(before), auditOfMetric(m))
	})
	if err != nil {
		return hikeshi.Metric{}, fmt.Errorf("archive metric: %w", err)
	}
	return out, nil
}

// ---- Overdue corrective actions ----

// ListActions lists corrective actions newest first; with f.OverdueOn (a
// date, today in the viewer's zone) only those overdue that day.
func (s *Checks) ListActions(ctx context.Context, actor hikeshi.Actor, f hikeshi.ActionFilter) ([]ActionView, error) {
	if err := readCheck(actor, "list corrective actions"); err != nil {
		return nil, err
	}
	if f.OverdueOn != "" && !hikeshi.ValidDate(f.OverdueOn) {
		return nil, hikeshi.Invalid("overdue_on", "invalid_date", "not a date like 2026-05-01")
	}
	as, err := s.st.FindActions(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list corrective actions: %w", err)
	}
	out := make([]ActionView, 0, len(as))
	for _, a := range as {
		v, err := s.actionView(ctx, actor, a)
		if err != nil {
			return nil, fmt.Errorf("list corrective actions: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// ActionReminderEntry is a reminder with its action.
type ActionReminderEntry struct {
	Reminder hikeshi.ActionReminder
	Action   hikeshi.CorrectiveAction
}

// ActionReminders lists the actor's unread reminders of overdue actions, newest first.
func (s *Checks) ActionReminders(ctx context.Context, actor hikeshi.Actor) ([]ActionReminderEntry, error) {
	if actor.UserID == "" {
		return nil, nil
	}
	ns, err := s.st.FindActionReminders(ctx, actor.UserID, hikeshi.ActionReminderLimit)
	if err != nil {
		return nil, fmt.Errorf("action reminders: %w", err)
	}
	out := make([]ActionReminderEntry, 0, len(ns))
	for _, n := range ns {
		a, err := s.st.FindCorrectiveActionByID(ctx, n.ActionID)
		if err != nil {
			return nil, fmt.Errorf("action reminders: %w", err)
		}
		out = append(out, ActionReminderEntry{Reminder: n, Action: a})
	}
	return out, nil
}

// DismissActionReminder marks one of the actor's reminders read; another
// person's reminder is ErrNotFound.
func (s *Checks) DismissActionReminder(ctx context.Context, actor hikeshi.Actor, id string) error {
	if actor.UserID == "" {
		return fmt.Errorf("dismiss action reminder: %w", hikeshi.ErrUnauthenticated)
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		return tx.MarkActionReminderRead(ctx, id, actor.UserID, s.clock.Now())
	})
	if err != nil {
		return fmt.Errorf("dismiss action reminder: %w", err)
	}
	return nil
}

// Remind creates the reminders of every overdue corrective action (the
// system only), judging "overdue" by today's date in loc: one per (action,
// due date, user) for the named owner and the owner department's active
// people (auditors aside). Running it again creates nothing new; moving the
// due date reminds again once the new one passes. It returns how many
// reminders it created.
func (s *Checks) Remind(ctx context.Context, actor hikeshi.Actor, loc *time.Location) (int, error) {
	if !actor.IsSystem() {
		return 0, forbid("remind action owners")
	}
	if loc == nil {
		loc = time.Local
	}
	now := s.clock.Now()
	today := now.In(loc).Format(hikeshi.DateLayout)
	created, after := 0, ""
	for {
		as, err := s.st.FindActions(ctx, hikeshi.ActionFilter{OverdueOn: today, Page: hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit}})
		if err != nil {
			return created, fmt.Errorf("remind: %w", err)
		}
		for _, a := range as {
			users, err := s.actionRecipients(ctx, a)
			if err != nil {
				return created, fmt.Errorf("remind: %w", err)
			}
			err = s.st.InTx(ctx, func(tx hikeshi.Tx) error {
				for _, u := range users {
					ok, err := tx.CreateActionReminder(ctx, hikeshi.ActionReminder{ID: hikeshi.NewID(), ActionID: a.ID, UserID: u,
						DueDate: a.DueDate, CreatedAt: now})
					if err != nil {
						return err
					}
					if ok {
						created++
					}
				}
				return nil
			})
			if err != nil {
				return created, fmt.Errorf("remind: %w", err)
			}
		}
		if len(as) < hikeshi.MaxPageLimit {
			return created, nil
		}
		after = as[len(as)-1].ID
	}
}

// actionRecipients are the ids of the active people an action's reminder goes to.
func (s *Checks) actionRecipients(ctx context.Context, a hikeshi.CorrectiveAction) ([]string, error) {
	var out []string
	add := func(u hikeshi.User) {
		if u.Active() && u.Role != hikeshi.RoleAuditor && !slices.Contains(out, u.ID) {
			out = append(out, u.ID)
		}
	}
	if a.OwnerID != "" {
		u, err := s.st.FindUserByID(ctx, a.OwnerID)
		if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			add(u)
		}
	}
	after := ""
	for {
		us, err := s.st.FindUsers(ctx, hikeshi.UserFilter{DepartmentID: a.DepartmentID, Page: hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit}})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			add(u)
		}
		if len(us) < hikeshi.MaxPageLimit {
			return out, nil
		}
		after = us[len(us)-1].ID
	}
}
