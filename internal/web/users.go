package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// userRow is a user as the admin pages list it.
type userRow struct {
	hikeshi.User
	Department string
	Locked     bool
}

// userForm holds the editable fields of a user as typed.
type userForm struct {
	Email, Name, Role, DepartmentID, Locale string
}

// userChoices are the options of the user forms.
type userChoices struct {
	Departments []hikeshi.Department
	Roles       []hikeshi.Role
	Locales     []hikeshi.Locale
}

// userListView is the list of users.
type userListView struct {
	page
	userChoices
	Users      []userRow
	FilterDept string
	FilterRole string
	NextURL    string
}

// userNewView is the form that creates a user.
type userNewView struct {
	page
	userChoices
	Form userForm
}

// userShowView shows one user; admins get the forms that change it.
type userShowView struct {
	page
	userChoices
	U           userRow
	Form        userForm
	IsSelf      bool
	Secret      string // a generated password, shown this once
	SecretTitle string
	SecretNote  string
}

func (h *Handler) choices(r *http.Request) (userChoices, error) {
	ds, err := h.svc.Departments.List(r.Context(), h.stateOf(r).actor(), hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil {
		return userChoices{}, err
	}
	return userChoices{Departments: ds, Roles: hikeshi.Roles, Locales: []hikeshi.Locale{"", hikeshi.LocaleJA, hikeshi.LocaleEN}}, nil
}

func (c userChoices) deptName(id string) string {
	for _, d := range c.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}

func (h *Handler) row(c userChoices, u hikeshi.User) userRow {
	return userRow{User: u, Department: c.deptName(u.DepartmentID), Locked: u.Locked(h.clock.Now())}
}

func (h *Handler) userList(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireAdminArea(r); err != nil {
		return err
	}
	c, err := h.choices(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := &userListView{userChoices: c, FilterDept: q.Get("department"), FilterRole: q.Get("role")}
	v.Active = "users"
	f := hikeshi.UserFilter{Page: hikeshi.Page{After: q.Get("after"), Limit: hikeshi.DefaultPageLimit}}
	if c.deptName(v.FilterDept) != "" {
		f.DepartmentID = v.FilterDept
	} else {
		v.FilterDept = ""
	}
	if hikeshi.Role(v.FilterRole).Valid() {
		f.Role = hikeshi.Role(v.FilterRole)
	} else {
		v.FilterRole = ""
	}
	us, err := h.svc.Users.List(r.Context(), h.stateOf(r).actor(), f)
	if err != nil {
		return err
	}
	for _, u := range us {
		v.Users = append(v.Users, h.row(c, u))
	}
	if len(us) == f.Limit {
		nq := url.Values{"after": {us[len(us)-1].ID}}
		if f.DepartmentID != "" {
			nq.Set("department", f.DepartmentID)
		}
		if f.Role != "" {
			nq.Set("role", string(f.Role))
		}
		v.NextURL = "/admin/users?" + nq.Encode()
	}
	return h.render(w, r, http.StatusOK, "users", v)
}

func (h *Handler) userNew(w http.ResponseWriter, r *http.Request) error {
	if !h.stateOf(r).actor().CanAdminister() {
		return userError(http.StatusForbidden, "error.admin_only", hikeshi.ErrForbidden)
	}
	c, err := h.choices(r)
	if err != nil {
		return err
	}
	v := &userNewView{userChoices: c, Form: userForm{Role: string(hikeshi.RoleMember)}}
	v.Active = "users"
	return h.render(w, r, http.StatusOK, "user_new", v)
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	form := userForm{Email: trimmed(r, "email"), Name: trimmed(r, "name"), Role: formValue(r, "role"),
		DepartmentID: formValue(r, "department"), Locale: formValue(r, "locale")}
	password, generated := formValue(r, "password"), false
	if password == "" {
		password, generated = service.GeneratePassword(), true
	}
	st := h.stateOf(r)
	u, err := h.svc.Users.Create(r.Context(), st.actor(), service.UserInput{Email: form.Email, Name: form.Name,
		Role: hikeshi.Role(form.Role), DepartmentID: form.DepartmentID, Locale: hikeshi.Locale(form.Locale), Password: password})
	if msgs, ok := h.formErrors(r, err); ok {
		c, cerr := h.choices(r)
		if cerr != nil {
			return cerr
		}
		v := &userNewView{userChoices: c, Form: form}
		v.Active, v.Errors = "users", msgs
		h.fill(r, &v.page)
		v.Alert = v.T("form.fix_errors")
		return h.render(w, r, statusOf(err), "user_new", v)
	}
	if err != nil {
		return err
	}
	if !generated {
		return redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?m=user_created")
	}
	return h.renderUser(w, r, http.StatusCreated, u, func(v *userShowView) {
		v.Notice = v.T("notice.user_created")
		v.Secret, v.SecretTitle, v.SecretNote = password, v.T("user.password_once"), v.T("user.initial_password_note")
	})
}

// renderUser shows the user page for u; adjust may add messages.
func (h *Handler) renderUser(w http.ResponseWriter, r *http.Request, status int, u hikeshi.User, adjust func(v *userShowView)) error {
	c, err := h.choices(r)
	if err != nil {
		return err
	}
	st := h.stateOf(r)
	v := &userShowView{userChoices: c, U: h.row(c, u), IsSelf: u.ID == st.user.ID,
		Form: userForm{Email: u.Email, Name: u.Name, Role: string(u.Role), DepartmentID: u.DepartmentID, Locale: string(u.Locale)}}
	v.Active = "users"
	v.Title = u.Name
	h.fill(r, &v.page)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "user", v)
}

func (h *Handler) userShow(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireAdminArea(r); err != nil {
		return err
	}
	u, err := h.svc.Users.Get(r.Context(), h.stateOf(r).actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderUser(w, r, http.StatusOK, u, nil)
}

func (h *Handler) userUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, largeForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	id := r.PathValue("id")
	name, role, dept, locale := trimmed(r, "name"), hikeshi.Role(formValue(r, "role")), formValue(r, "department"), hikeshi.Locale(formValue(r, "locale"))
	_, err := h.svc.Users.Update(r.Context(), st.actor(), id, service.UserPatch{Name: &name, Role: &role, DepartmentID: &dept, Locale: &locale})
	msgs, invalid := h.formErrors(r, err)
	selfDemotion := err != nil && !invalid && errors.Is(err, hikeshi.ErrConflict)
	if invalid || selfDemotion {
		u, gerr := h.svc.Users.Get(r.Context(), st.actor(), id)
		if gerr != nil {
			return gerr
		}
		status := http.StatusUnprocessableEntity
		if selfDemotion {
			status = http.StatusConflict
		}
		return h.renderUser(w, r, status, u, func(v *userShowView) {
			v.Form = userForm{Email: u.Email, Name: name, Role: string(role), DepartmentID: dept, Locale: string(locale)}
			v.Errors = msgs
			v.Alert = v.T("form.fix_errors")
			if selfDemotion {
				v.Alert = v.T("user.err_self_role")
			}
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?m=saved")
}

func (h *Handler) userDisable(w http.ResponseWriter, r *http.Request) error {
	return h.userSetDisabled(w, r, true)
}

func (h *Handler) userEnable(w http.ResponseWriter, r *http.Request) error {
	return h.userSetDisabled(w, r, false)
}

func (h *Handler) userSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	_, err := h.svc.Users.SetDisabled(r.Context(), h.stateOf(r).actor(), id, disabled)
	if err != nil {
		if errors.Is(err, hikeshi.ErrConflict) {
			return userError(http.StatusConflict, "user.err_self_disable", err)
		}
		return err
	}
	m := "user_enabled"
	if disabled {
		m = "user_disabled"
	}
	return redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?m="+m)
}

func (h *Handler) userUnlock(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := h.svc.Users.Unlock(r.Context(), h.stateOf(r).actor(), id); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?m=user_unlocked")
}

// userResetPassword sets a new password for someone else: the one typed, or
// a generated one shown once. Every session of that user ends.
func (h *Handler) userResetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	id := r.PathValue("id")
	if id == st.user.ID {
		return userError(http.StatusConflict, "user.err_self_password", hikeshi.ErrConflict)
	}
	password, generated := formValue(r, "password"), false
	if password == "" {
		password, generated = service.GeneratePassword(), true
	}
	err := h.svc.Users.SetPassword(r.Context(), st.actor(), id, "", password, "")
	if msgs, ok := h.formErrors(r, err); ok {
		u, gerr := h.svc.Users.Get(r.Context(), st.actor(), id)
		if gerr != nil {
			return gerr
		}
		return h.renderUser(w, r, http.StatusUnprocessableEntity, u, func(v *userShowView) {
			v.Errors = map[string]string{"reset_password": msgs["new_password"]}
			v.Alert = v.T("form.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	if !generated {
		return redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?m=password_reset")
	}
	u, err := h.svc.Users.Get(r.Context(), st.actor(), id)
	if err != nil {
		return err
	}
	return h.renderUser(w, r, http.StatusOK, u, func(v *userShowView) {
		v.Notice = v.T("notice.password_reset")
		v.Secret, v.SecretTitle, v.SecretNote = password, v.T("user.new_password_once"), v.T("user.reset_password_note")
	})
}
