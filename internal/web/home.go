package web

import (
	"errors"
	"net/http"

	"github.com/hikeshi/hikeshi"
)

// homeView is the signed-in overview.
type homeView struct {
	page
	Department string // name; empty for none
	Areas      []area
}

// area is one part of the product on the overview, built or still coming.
type area struct {
	Title, Text string
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	v := &homeView{}
	v.Active = "home"
	dept, err := h.departmentName(r, st.user.DepartmentID)
	if err != nil {
		return err
	}
	v.Department = dept
	h.fill(r, &v.page)
	for _, k := range comingAreas {
		if builtAreas[k] {
			continue
		}
		v.Areas = append(v.Areas, area{Title: v.T("nav." + k), Text: v.T("home.area." + k)})
	}
	return h.render(w, r, http.StatusOK, "home", v)
}

// departmentName returns the name of a department, "" for none. A department
// deleted meanwhile shows as none rather than failing the page.
func (h *Handler) departmentName(r *http.Request, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	d, err := h.svc.Departments.Get(r.Context(), h.stateOf(r).actor(), id)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return "", nil
	}
	return d.Name, err
}

// adminIndex sends the admin area's root to its first page.
func (h *Handler) adminIndex(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireAdminArea(r); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users")
}

// requireAdminArea admits admins and auditors (who read only) to the admin
// pages; the services still decide every action.
func (h *Handler) requireAdminArea(r *http.Request) error {
	if !h.stateOf(r).actor().CanReadAudit() {
		return userError(http.StatusForbidden, "error.admin_only", hikeshi.ErrForbidden)
	}
	return nil
}
