package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func (h *Handler) listUsers(c *call) error {
	p, err := c.page("users", validID)
	if err != nil {
		return err
	}
	f := hikeshi.UserFilter{DepartmentID: c.param("department_id"), Role: hikeshi.Role(c.param("role"))}
	if f.Role != "" && !f.Role.Valid() {
		return fieldError("role", "unknown", "role must be one of admin, csirt, manager, member, auditor.")
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.User, error) {
		f.Page = hikeshi.Page{After: after, Limit: n}
		return h.svc.Users.List(c.ctx(), c.actor, f)
	}, func(u hikeshi.User) string { return u.ID })
	if err != nil {
		return err
	}
	out := make([]userJSON, len(items))
	for i, u := range items {
		out[i] = toUser(u)
	}
	return writePage(c, "users", out, next)
}

func (h *Handler) createUser(c *call) error {
	var in userCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	u, err := h.svc.Users.Create(c.ctx(), c.actor, service.UserInput{Email: in.Email, Name: in.Name,
		Role: hikeshi.Role(in.Role), DepartmentID: in.DepartmentID, Locale: hikeshi.Locale(in.Locale), Password: in.Password})
	if err != nil {
		return renameField(err, "department", "department_id")
	}
	return c.created(Prefix+"/users/"+u.ID, toUser(u))
}

func (h *Handler) getUser(c *call) error {
	u, err := h.svc.Users.Get(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toUser(u))
}

func (h *Handler) updateUser(c *call) error {
	var in userPatchJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	var p service.UserPatch
	var v hikeshi.ValidationError
	if in.Name.Set {
		if in.Name.Null {
			v.Add("name", "required", "name cannot be null; an account needs a name")
		}
		p.Name = &in.Name.Value
	}
	if in.Role.Set {
		if in.Role.Null {
			v.Add("role", "required", "role cannot be null")
		}
		r := hikeshi.Role(in.Role.Value)
		p.Role = &r
	}
	if in.DepartmentID.Set {
		p.DepartmentID = &in.DepartmentID.Value // null leaves "": no department
	}
	if in.Locale.Set {
		l := hikeshi.Locale(in.Locale.Value) // null leaves "": follow the browser
		p.Locale = &l
	}
	if err := v.Err(); err != nil {
		return err
	}
	u, err := h.svc.Users.Update(c.ctx(), c.actor, c.r.PathValue("id"), p)
	if err != nil {
		return renameField(err, "department", "department_id")
	}
	return c.json(http.StatusOK, toUser(u))
}

func (h *Handler) setDisabled(disabled bool) func(c *call) error {
	return func(c *call) error {
		u, err := h.svc.Users.SetDisabled(c.ctx(), c.actor, c.r.PathValue("id"), disabled)
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, toUser(u))
	}
}

func (h *Handler) unlockUser(c *call) error {
	u, err := h.svc.Users.Unlock(c.ctx(), c.actor, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toUser(u))
}

// renameField renames a field of a validation error from the service's name
// to the API's.
func renameField(err error, from, to string) error {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &hikeshi.ValidationError{Conflict: ve.Conflict, Fields: slices.Clone(ve.Fields)}
	for i := range out.Fields {
		if out.Fields[i].Field == from {
			out.Fields[i].Field = to
		}
	}
	return out
}
