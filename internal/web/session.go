package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/i18n"
)

// Cookie names.
const (
	sessionCookie = "hikeshi_session"
	langCookie    = "hikeshi_lang"
)

// state is what the UI knows about the request: who is signed in and in
// which language to answer. It travels in the request's context.
type state struct {
	user *hikeshi.User // nil when not signed in
	sess hikeshi.Session
	lang hikeshi.Locale
}

type stateKey struct{}

// stateOf returns the request's state. Outside the session middleware (the
// cross-origin deny handler, for one) it is computed from the request alone.
func (h *Handler) stateOf(r *http.Request) *state {
	if s, ok := r.Context().Value(stateKey{}).(*state); ok {
		return s
	}
	return &state{lang: chooseLanguage(nil, r)}
}

// actor is the signed-in user acting through the web UI.
func (s *state) actor() hikeshi.Actor { return hikeshi.ActorFor(*s.user, "web") }

// loadSession authenticates the session cookie and decides the language. For
// signed-in routes a missing or ended session redirects to the sign-in page
// and ok is false.
func (h *Handler) loadSession(w http.ResponseWriter, r *http.Request, a access) (_ *http.Request, ok bool) {
	st := &state{}
	c, err := r.Cookie(sessionCookie)
	hadCookie := err == nil && c.Value != ""
	if hadCookie {
		u, sess, err := h.svc.Auth.Authenticate(r.Context(), c.Value)
		switch {
		case err == nil:
			st.user, st.sess = &u, sess
		case errors.Is(err, hikeshi.ErrUnauthenticated):
			h.clearSessionCookie(w)
		default:
			st.lang = chooseLanguage(nil, r)
			r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
			h.serveError(w, r, err)
			return r, false
		}
	}
	st.lang = chooseLanguage(st.user, r)
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	if a == signedIn && st.user == nil {
		next := "/"
		if r.Method == http.MethodGet {
			next = localPath(r.URL.RequestURI())
		}
		q := url.Values{"next": {next}}
		if hadCookie {
			q.Set("m", "ended")
		}
		if q.Get("next") == "/" {
			q.Del("next")
		}
		target := "/login"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		if httpx.IsHTMX(r) {
			w.Header().Set("HX-Redirect", target)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return r, false
	}
	return r, true
}

// chooseLanguage picks the interface language: the user's saved choice, else
// the language cookie, else the browser's Accept-Language, else English.
func chooseLanguage(u *hikeshi.User, r *http.Request) hikeshi.Locale {
	if u != nil && u.Locale != "" && i18n.IsSupported(u.Locale) {
		return u.Locale
	}
	if c, err := r.Cookie(langCookie); err == nil && i18n.IsSupported(hikeshi.Locale(c.Value)) {
		return hikeshi.Locale(c.Value)
	}
	if l, ok := i18n.Match(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return i18n.Default
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, secret string, s hikeshi.Session) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: h.o.Secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.o.Secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) setLangCookie(w http.ResponseWriter, l hikeshi.Locale) {
	c := &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.o.Secure, SameSite: http.SameSiteLaxMode}
	if l == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// localPath returns p when it is a path on this site, else "/". It refuses
// everything a browser could read as another origin ("//evil", "/\evil",
// "https://evil", schemes, control characters), so a ?next= value can never
// become an open redirect.
func localPath(p string) string {
	if p == "" || len(p) > 2048 || !utf8.ValidString(p) || p[0] != '/' {
		return "/"
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return "/"
	}
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	if u.Path == "/login" {
		return "/"
	}
	return p
}
