package web

import (
	"errors"
	"math"
	"net/http"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loginView is the sign-in page.
type loginView struct {
	page
	Email string
	Next  string
}

// loginMessages are the notices the sign-in page shows for ?m=…
var loginMessages = map[string]string{
	"ended":          "login.ended",
	"signed_out":     "login.signed_out",
	"signed_out_all": "login.signed_out_all",
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if h.stateOf(r).user != nil {
		return redirect(w, r, next)
	}
	v := &loginView{Next: next}
	h.fill(r, &v.page)
	if key, ok := loginMessages[r.URL.Query().Get("m")]; ok {
		v.Notice = v.T(key)
	}
	return h.render(w, r, http.StatusOK, "login", v)
}

func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if ok, wait := h.login.Allow(httpx.ClientIP(r)); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		return userError(http.StatusTooManyRequests, "login.rate_limited", hikeshi.ErrRateLimited, secs)
	}
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	v := &loginView{Email: trimmed(r, "email"), Next: localPath(formValue(r, "next"))}
	_, secret, _, err := h.svc.Auth.Login(r.Context(), v.Email, formValue(r, "password"),
		service.ClientInfo{UserAgent: r.UserAgent(), RemoteAddr: httpx.ClientIP(r)})
	var locked *service.LockedError
	switch {
	case err == nil:
		// Authenticate again to get the full session (expiry for the cookie).
		sess, serr := h.sessionOf(r, secret)
		if serr != nil {
			return serr
		}
		h.setSessionCookie(w, secret, sess)
		return redirect(w, r, v.Next)
	case errors.As(err, &locked):
		h.fill(r, &v.page)
		v.Alert = v.T("login.locked", locked.Until.In(h.loc).Format("15:04"))
		return h.render(w, r, http.StatusLocked, "login", v)
	case errors.Is(err, hikeshi.ErrUnauthenticated):
		h.fill(r, &v.page)
		v.Alert = v.T("login.wrong")
		return h.render(w, r, http.StatusUnauthorized, "login", v)
	}
	return err
}

// sessionOf returns the session of a fresh secret.
func (h *Handler) sessionOf(r *http.Request, secret string) (hikeshi.Session, error) {
	_, sess, err := h.svc.Auth.Authenticate(r.Context(), secret)
	return sess, err
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	if err := h.svc.Auth.Logout(r.Context(), st.actor(), st.sess.ID); err != nil {
		return err
	}
	h.clearSessionCookie(w)
	return redirect(w, r, "/login?m=signed_out")
}

func (h *Handler) logoutAll(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	if _, err := h.svc.Auth.LogoutEverywhere(r.Context(), st.actor(), st.user.ID); err != nil {
		return err
	}
	h.clearSessionCookie(w)
	return redirect(w, r, "/login?m=signed_out_all")
}

// switchLanguage is the header's language switch. It always sets the
// language cookie; for a signed-in user it also saves the choice.
func (h *Handler) switchLanguage(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, smallForm); err != nil {
		return err
	}
	l := hikeshi.Locale(formValue(r, "lang"))
	if !l.Valid() {
		return userError(http.StatusBadRequest, "error.bad_language", nil)
	}
	st := h.stateOf(r)
	if st.user != nil && st.user.Locale != l {
		_, err := h.svc.Users.Update(r.Context(), st.actor(), st.user.ID, service.UserPatch{Locale: &l})
		// A read-only account (an auditor) may not change its record; the
		// cookie still carries the choice for this browser.
		if err != nil && !errors.Is(err, hikeshi.ErrForbidden) {
			return err
		}
	}
	h.setLangCookie(w, l)
	return redirect(w, r, localPath(formValue(r, "next")))
}
