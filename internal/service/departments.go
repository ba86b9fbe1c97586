package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// Departments manages the organisation's units.
type Departments struct{ base }

// DepartmentInput creates a department.
type DepartmentInput struct {
	Name string
	Kind hikeshi.DepartmentKind
}

// DepartmentPatch changes a department; nil fields stay as they are.
type DepartmentPatch struct {
	Name *string
	Kind *hikeshi.DepartmentKind
}

func validateDepartment(name string, kind hikeshi.DepartmentKind) error {
	var v hikeshi.ValidationError
	hikeshi.ValidateName(&v, "name", name)
	if !kind.Valid() {
		v.Add("kind", "unknown", "kind must be one of management, it, csirt, business_unit")
	}
	return v.Err()
}

// List returns departments; every signed-in user may see the organisation.
func (s *Departments) List(ctx context.Context, actor hikeshi.Actor, p hikeshi.Page) ([]hikeshi.Department, error) {
	return s.st.FindDepartments(ctx, p)
}

// Get returns one department.
func (s *Departments) Get(ctx context.Context, actor hikeshi.Actor, id string) (hikeshi.Department, error) {
	return s.st.FindDepartmentByID(ctx, id)
}

// Create adds a department. Admins only.
func (s *Departments) Create(ctx context.Context, actor hikeshi.Actor, in DepartmentInput) (hikeshi.Department, error) {
	if !actor.CanAdminister() {
		return hikeshi.Department{}, forbid("create department")
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := validateDepartment(in.Name, in.Kind); err != nil {
		return hikeshi.Department{}, err
	}
	now := s.clock.Now()
	d := hikeshi.Department{ID: hikeshi.NewID(), Name: in.Name, Kind: in.Kind, CreatedAt: now, UpdatedAt: now}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return conflictField(err, "name", "a department with this name already exists")
		}
		return s.audit(ctx, tx, actor, "department.create", "department", d.ID, nil, d)
	})
	if err != nil {
		return hikeshi.Department{}, fmt.Errorf("create department: %w", err)
	}
	return d, nil
}

// Update changes a department. Admins only.
func (s *Departments) Update(ctx context.Context, actor hikeshi.Actor, id string, p DepartmentPatch) (hikeshi.Department, error) {
	if !actor.CanAdminister() {
		return hikeshi.Department{}, forbid("update department")
	}
	var out hikeshi.Department
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		before, err := tx.FindDepartmentByID(ctx, id)
		if err != nil {
			return err
		}
		d := before
		if p.Name != nil {
			d.Name = strings.TrimSpace(*p.Name)
		}
		if p.Kind != nil {
			d.Kind = *p.Kind
		}
		if err := validateDepartment(d.Name, d.Kind); err != nil {
			return err
		}
		if d == before {
			out = d
			return nil
		}
		d.UpdatedAt = s.clock.Now()
		if err := tx.UpdateDepartment(ctx, d); err != nil {
			return conflictField(err, "name", "a department with this name already exists")
		}
		out = d
		return s.audit(ctx, tx, actor, "department.update", "department", d.ID, before, d)
	})
	if err != nil {
		return hikeshi.Department{}, fmt.Errorf("update department: %w", err)
	}
	return out, nil
}

// Delete removes a department that has no members. Admins only.
func (s *Departments) Delete(ctx context.Context, actor hikeshi.Actor, id string) error {
	if !actor.CanAdminister() {
		return forbid("delete department")
	}
	err := s.st.InTx(ctx, func(tx hikeshi.Tx) error {
		d, err := tx.FindDepartmentByID(ctx, id)
		if err != nil {
			return err
		}
		n, err := tx.CountUsersInDepartment(ctx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the department still has %d member(s); move them first: %w", n, hikeshi.ErrConflict)
		}
		if err := tx.DeleteDepartment(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "department.delete", "department", id, d, nil)
	})
	if err != nil {
		return fmt.Errorf("delete department: %w", err)
	}
	return nil
}

// conflictField turns a store conflict into a field error, so the user sees
// which input collided.
func conflictField(err error, field, msg string) error {
	if errors.Is(err, hikeshi.ErrConflict) {
		return hikeshi.Conflict(field, msg)
	}
	return err
}
