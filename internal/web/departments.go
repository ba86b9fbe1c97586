package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// departmentForm holds a department's fields as typed.
type departmentForm struct {
	Name, Kind string
}

// departmentListView lists departments, with the form that adds one.
type departmentListView struct {
	page
	Departments []hikeshi.Department
	Kinds       []hikeshi.DepartmentKind
	Form        departmentForm
}

// departmentView shows one department, its members and, for admins, the
// forms that change or delete it.
type departmentView struct {
	page
	D       hikeshi.Department
	Kinds   []hikeshi.DepartmentKind
	Form    departmentForm
	Members []hikeshi.User
	More    bool // more members than listed
}

func (h *Handler) departmentList(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireAdminArea(r); err != nil {
		return err
	}
	return h.renderDepartments(w, r, http.StatusOK, departmentForm{Kind: string(hikeshi.KindBusinessUnit)}, nil)
}

func (h *Handler) renderDepartments(w http.ResponseWriter, r *http.Request, status int, form departmentForm, errs map[string]string) error {
	ds, err := h.svc.Departments.List(r.Context(), h.stateOf(r).actor(), hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return err
	}
	v := &departmentListView{Departments: ds, Kinds: hikeshi.DepartmentKinds, Form: form}
	v.Active, v.Errors = "departments", errs
	if errs != nil {
		h.fill(r, &v.page)
		v.Alert = v.T("form.fix_errors")
	}
	return h.render(w, r, status, "departments", v)
}

func (h *Handler) departmentCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	form := departmentForm{Name: trimmed(r, "name"), Kind: formValue(r, "kind")}
	_, err := h.svc.Departments.Create(r.Context(), h.stateOf(r).actor(),
		service.DepartmentInput{Name: form.Name, Kind: hikeshi.DepartmentKind(form.Kind)})
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderDepartments(w, r, statusOf(err), form, msgs)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/departments?m=department_created")
}

func (h *Handler) renderDepartment(w http.ResponseWriter, r *http.Request, status int, d hikeshi.Department, adjust func(v *departmentView)) error {
	st := h.stateOf(r)
	const shown = 100
	members, err := h.svc.Users.List(r.Context(), st.actor(), hikeshi.UserFilter{DepartmentID: d.ID, Page: hikeshi.Page{Limit: shown}})
	if err != nil {
		return err
	}
	v := &departmentView{D: d, Kinds: hikeshi.DepartmentKinds, Form: departmentForm{Name: d.Name, Kind: string(d.Kind)},
		Members: members, More: len(members) == shown}
	v.Active, v.Title = "departments", d.Name
	h.fill(r, &v.page)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "department", v)
}

func (h *Handler) departmentShow(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireAdminArea(r); err != nil {
		return err
	}
	d, err := h.svc.Departments.Get(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderDepartment(w, r, http.StatusOK, d, nil)
}

func (h *Handler) departmentUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	id := r.PathValue("id")
	form := departmentForm{Name: trimmed(r, "name"), Kind: formValue(r, "kind")}
	kind := hikeshi.DepartmentKind(form.Kind)
	_, err := h.svc.Departments.Update(r.Context(), st.actor(), id, service.DepartmentPatch{Name: &form.Name, Kind: &kind})
	if msgs, ok := h.formErrors(r, err); ok {
		d, gerr := h.svc.Departments.Get(r.Context(), st.actor(), id)
		if gerr != nil {
			return gerr
		}
		return h.renderDepartment(w, r, statusOf(err), d, func(v *departmentView) {
			v.Form, v.Errors, v.Alert = form, msgs, v.T("form.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/departments/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) departmentDelete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	id := r.PathValue("id")
	err := h.svc.Departments.Delete(r.Context(), st.actor(), id)
	if errors.Is(err, hikeshi.ErrConflict) {
		d, gerr := h.svc.Departments.Get(r.Context(), st.actor(), id)
		if gerr != nil {
			return gerr
		}
		return h.renderDepartment(w, r, http.StatusConflict, d, func(v *departmentView) {
			v.Alert = v.T("department.err_has_members")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/departments?m=department_deleted")
}
