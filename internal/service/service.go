// Package service holds Hikeshi's business rules: authorization, validation
// and the audit entry of every change, each written in the same transaction
// as the change. It depends on the domain package only; the store is reached
// through hikeshi.Store.
package service

import (
	"context"
	"fmt"

	"github.com/hikeshi/hikeshi"
)

// Options configure the services.
type Options struct {
	Clock    hikeshi.Clock
	Sessions hikeshi.SessionPolicy
	Login    hikeshi.LoginPolicy
	Argon    ArgonParams
}

// Services bundles every service over one store.
type Services struct {
	Departments       *Departments
	Users             *Users
	Auth              *Auth
	Audit             *Audit
	Reports           *Reports
	Incidents         *Incidents
	Triage            *Triage
	Tasks             *Tasks
	Evidence          *Evidence
	Clocks            *Clocks
	Reviews           *Reviews
	Documents         *Documents
	Risks             *Risks
	Frameworks        *Frameworks
	Checks            *Checks
	Management        *Management
	ISMS              *ISMS
	Patterns          *Patterns
	Improvements      *Improvements
	Dashboard         *Dashboard
	Advisor           *Advisor
	AlertIntake       *AlertIntake
	AlertQueue        *AlertQueue
	MailIntake        *MailIntake
	Advisories        *Advisories
	IncidentReporting *IncidentReporting
	Vulns             *Vulnerabilities
	Analysis          *Analysis
	Awareness         *Awareness
}

// New builds the services. Zero options take the defaults.
func New(st hikeshi.Store, o Options) *Services {
	if o.Clock == nil {
		o.Clock = hikeshi.SystemClock{}
	}
	if o.Sessions == (hikeshi.SessionPolicy{}) {
		o.Sessions = hikeshi.DefaultSessionPolicy
	}
	if o.Login == (hikeshi.LoginPolicy{}) {
		o.Login = hikeshi.DefaultLoginPolicy
	}
	if o.Argon == (ArgonParams{}) {
		o.Argon = DefaultArgon
	}
	b := base{st: st, clock: o.Clock}
	s := &Services{
		Departments:       &Departments{base: b},
		Users:             &Users{base: b, argon: o.Argon},
		Auth:              newAuth(b, o),
		Audit:             &Audit{base: b},
		Reports:           &Reports{base: b},
		Incidents:         &Incidents{base: b},
		Triage:            &Triage{base: b},
		Tasks:             &Tasks{base: b},
		Evidence:          &Evidence{base: b},
		Clocks:            &Clocks{base: b},
		Reviews:           &Reviews{base: b},
		Documents:         &Documents{base: b},
		Risks:             &Risks{base: b},
		Frameworks:        &Frameworks{base: b},
		Checks:            &Checks{base: b},
		Management:        &Management{base: b},
		ISMS:              &ISMS{base: b},
		Patterns:          &Patterns{base: b},
		Improvements:      &Improvements{base: b},
		Dashboard:         &Dashboard{base: b},
		Advisor:           &Advisor{base: b},
		AlertIntake:       &AlertIntake{base: b},
		AlertQueue:        &AlertQueue{base: b},
		MailIntake:        &MailIntake{base: b},
		Advisories:        &Advisories{base: b},
		IncidentReporting: &IncidentReporting{base: b},
		Vulns:             &Vulnerabilities{base: b},
		Analysis:          &Analysis{base: b},
		Awareness:         &Awareness{base: b},
	}
	s.Triage.incidents = s.Incidents
	s.Vulns.advisories = s.Advisories
	s.AlertQueue.intake = s.AlertIntake
	s.Tasks.patterns = s.Patterns
	s.Management.checks = s.Checks
	s.Improvements.patterns, s.Improvements.checks = s.Patterns, s.Checks
	s.Patterns.improvements = s.Improvements
	s.Reviews.improvements, s.Management.improvements, s.Checks.improvements = s.Improvements, s.Improvements, s.Improvements
	s.Incidents.observers = []incidentObserver{s.Clocks}
	s.Incidents.closeCheck = func(ctx context.Context, tx hikeshi.Tx, i hikeshi.Incident) error {
		if err := s.Tasks.checkClose(ctx, tx, i); err != nil {
			return err
		}
		return s.Reviews.checkClose(ctx, tx, i)
	}
	return s
}

// base is what every service shares.
type base struct {
	st    hikeshi.Store
	clock hikeshi.Clock
}

// audit appends one audit entry inside tx.
func (b base) audit(ctx context.Context, tx hikeshi.Tx, actor hikeshi.Actor, action, entity, id string, before, after any) error {
	if _, err := tx.AppendAudit(ctx, b.clock.Now(), hikeshi.AuditEvent{
		Actor: actor, Action: action, Entity: entity, EntityID: id, Before: before, After: after,
	}); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	return nil
}

// forbid returns ErrForbidden wrapped with what was refused.
func forbid(what string) error { return fmt.Errorf("%s: %w", what, hikeshi.ErrForbidden) }

// requireWriter refuses read-only actors.
func requireWriter(a hikeshi.Actor, what string) error {
	if a.ReadOnly() {
		return forbid(what)
	}
	return nil
}
