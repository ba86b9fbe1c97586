package api

import (
	"net/http"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func (h *Handler) listDepartments(c *call) error {
	p, err := c.page("departments", validID)
	if err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.Department, error) {
		return h.svc.Departments.List(c.ctx(), c.actor, hikeshi.Page{After: after, Limit: n})
	}, func(d hikeshi.Department) string { return d.ID })
	if err != nil {
		return err
	}
	out := make([]departmentJSON, len(items))
	for i, d := range items {
		out[i] = toDepartment(d)
	}
	return writePage(c, "departments", out, next)
}

func (h *Handler) createDepartment(c *call) error {
	var in departmentCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	d, err := h.svc.Departments.Create(c.ctx(), c.actor, service.DepartmentInput{Name: in.Name, Kind: hikeshi.DepartmentKind(in.Kind)})
	if err != nil {
		return err
	}
	return c.created(Prefix+"/departments/"+d.ID, toDepartment(d))
}

func (h *Handler) getDepartment(c *call) error {
	d, err := h.svc.Departments.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toDepartment(d))
}

func (h *Handler) updateDepartment(c *call) error {
	var in departmentPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.DepartmentPatch
	var v hikeshi.ValidationError
	if in.Name.Set {
		if in.Name.Null {
			v.Add("name", "required", "name cannot be null; a department needs a name")
		}
		p.Name = &in.Name.Value
	}
	if in.Kind.Set {
		if in.Kind.Null {
			v.Add("kind", "required", "kind cannot be null")
		}
		k := hikeshi.DepartmentKind(in.Kind.Value)
		p.Kind = &k
	}
	if err := v.Err(); err != nil {
		return err
	}
	d, err := h.svc.Departments.Update(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toDepartment(d))
}

func (h *Handler) deleteDepartment(c *call) error {
	if err := h.svc.Departments.Delete(c.ctx(), c.actor, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}
