package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Body limits: a sign-in form is tiny; other forms get room for long text.
const (
	smallForm = 64 << 10
	largeForm = 1 << 20
)

// parseForm reads a POSTed form of at most limit bytes. An oversized body is
// reported as *http.MaxBytesError (413); a body that is not valid UTF-8 text
// is refused whole, before any service sees it.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return userError(http.StatusBadRequest, "error.bad_form", err)
	}
	for k, vs := range r.PostForm {
		if !utf8.ValidString(k) {
			return userError(http.StatusBadRequest, "error.invalid_utf8", nil)
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return userError(http.StatusBadRequest, "error.invalid_utf8", nil)
			}
		}
	}
	return nil
}

// formValue returns a POSTed field. Line breaks from browsers (CRLF) are
// kept as they are; callers trim where the service does not.
func formValue(r *http.Request, name string) string { return r.PostFormValue(name) }

// trimmed returns a POSTed field without surrounding spaces.
func trimmed(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
