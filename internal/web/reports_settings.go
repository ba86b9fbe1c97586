package web

import (
	"net/http"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// The admin page of the intake settings: whether the employee form needs
// sign-in, and what /.well-known/security.txt says.

// settingsForm holds the settings as typed.
type settingsForm struct {
	RequireSignIn bool
	Contacts      string // one per line
	Policy        string
}

// reportSettingsView is the settings page.
type reportSettingsView struct {
	page
	Form           settingsForm
	DefaultContact string
}

func (h *Handler) reportSettings(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireAdminArea(r); err != nil {
		return err
	}
	set, err := h.svc.Reports.IntakeSettings(r.Context())
	if err != nil {
		return err
	}
	form := settingsForm{RequireSignIn: set.RequireSignIn, Contacts: strings.Join(set.SecurityContacts, "\n"), Policy: set.SecurityPolicy}
	return h.renderReportSettings(w, r, http.StatusOK, form, nil)
}

func (h *Handler) renderReportSettings(w http.ResponseWriter, r *http.Request, status int, form settingsForm, errs map[string]string) error {
	v := &reportSettingsView{Form: form, DefaultContact: h.baseURL(r) + "/report/external"}
	v.Active, v.Errors = "settings", errs
	if errs != nil {
		h.fill(r, &v.page)
		v.Alert = v.T("form.fix_errors")
	}
	return h.render(w, r, status, "report_settings", v)
}

func (h *Handler) reportSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	form := settingsForm{RequireSignIn: formValue(r, "require_signin") == "1", Contacts: formValue(r, "security_contacts"),
		Policy: trimmed(r, "security_policy")}
	in := hikeshi.IntakeSettings{RequireSignIn: form.RequireSignIn, SecurityPolicy: form.Policy}
	for _, line := range strings.Split(form.Contacts, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.SecurityContacts = append(in.SecurityContacts, line)
		}
	}
	_, err := h.svc.Reports.UpdateIntakeSettings(r.Context(), h.stateOf(r).actor(), in)
	p := &page{}
	h.fill(r, p)
	if msgs, ok := h.reportErrors(p, err); ok {
		return h.renderReportSettings(w, r, statusOf(err), form, msgs)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/settings?m=saved")
}
