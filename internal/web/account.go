package web

import (
	"net/http"

	"github.com/hikeshi/hikeshi"
)

// accountView is the signed-in user's own settings.
type accountView struct {
	page
	Department string
	Locales    []hikeshi.Locale
	Tokens     []hikeshi.APIToken
	TokenName  string
	NewToken   string // a new token's secret, shown this once
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, adjust func(v *accountView)) error {
	st := h.stateOf(r)
	toks, err := h.svc.Auth.ListTokens(r.Context(), st.actor(), st.user.ID)
	if err != nil {
		return err
	}
	dept, err := h.departmentName(r, st.user.DepartmentID)
	if err != nil {
		return err
	}
	v := &accountView{Department: dept, Tokens: toks, Locales: []hikeshi.Locale{"", hikeshi.LocaleJA, hikeshi.LocaleEN}}
	v.Active = "account"
	h.fill(r, &v.page)
	if adjust != nil {
		adjust(v)
	}
	return h.render(w, r, status, "account", v)
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request) error {
	return h.renderAccount(w, r, http.StatusOK, nil)
}

func (h *Handler) accountPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	current, next, confirm := formValue(r, "current_password"), formValue(r, "new_password"), formValue(r, "confirm_password")
	var err error
	if next != confirm {
		err = hikeshi.Invalid("confirm_password", "mismatch", "the two new passwords differ")
	} else {
		err = h.svc.Users.SetPassword(r.Context(), st.actor(), st.user.ID, current, next, st.sess.ID)
	}
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, func(v *accountView) {
			v.Errors, v.Alert = msgs, v.T("form.fix_errors")
		})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/account?m=password_changed")
}

func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	name := trimmed(r, "name")
	_, secret, err := h.svc.Auth.CreateToken(r.Context(), st.actor(), st.user.ID, name)
	if msgs, ok := h.formErrors(r, err); ok {
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, func(v *accountView) {
			v.Errors, v.Alert, v.TokenName = map[string]string{"token_name": msgs["name"]}, v.T("form.fix_errors"), name
		})
	}
	if err != nil {
		return err
	}
	return h.renderAccount(w, r, http.StatusCreated, func(v *accountView) {
		v.NewToken, v.Notice = secret, v.T("notice.token_created")
	})
}

func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	st := h.stateOf(r)
	if err := h.svc.Auth.RevokeToken(r.Context(), st.actor(), st.user.ID, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/account?m=token_revoked#tokens")
}
