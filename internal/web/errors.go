package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
)

// This file is the one place where errors become HTTP statuses and pages.

// uiError carries a status and a catalogue key for the message a user sees,
// around the error that caused it.
type uiError struct {
	status int
	key    string // message key; its heading is the status's
	args   []any
	err    error
}

func (e *uiError) Error() string {
	if e.err != nil {
		return e.key + ": " + e.err.Error()
	}
	return e.key
}

func (e *uiError) Unwrap() error { return e.err }

// userError returns an error shown to the user as the message key with status.
func userError(status int, key string, err error, args ...any) error {
	return &uiError{status: status, key: key, err: err, args: args}
}

var errNotFoundPage = fmt.Errorf("no such page: %w", hikeshi.ErrNotFound)

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var ui *uiError
	var mb *http.MaxBytesError
	var locked *service.LockedError
	var ve *hikeshi.ValidationError
	switch {
	case errors.As(err, &ui):
		return ui.status
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, hikeshi.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, hikeshi.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, hikeshi.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.As(err, &locked), errors.Is(err, hikeshi.ErrLocked):
		return http.StatusLocked
	case errors.Is(err, hikeshi.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.As(err, &ve) && !ve.Conflict:
		return http.StatusUnprocessableEntity
	case errors.Is(err, hikeshi.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, hikeshi.ErrInvalid):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// messageKey is the catalogue key of the explanation for an error.
func messageKey(err error, status int) (string, []any) {
	var ui *uiError
	if errors.As(err, &ui) {
		return ui.key, ui.args
	}
	switch status {
	case http.StatusNotFound:
		return "error.not_found", nil
	case http.StatusForbidden:
		return "error.forbidden", nil
	case http.StatusRequestEntityTooLarge:
		return "error.too_large", nil
	case http.StatusUnprocessableEntity:
		return "error.invalid", nil
	case http.StatusConflict:
		return "error.conflict", nil
	case http.StatusLocked:
		return "error.locked", nil
	case http.StatusTooManyRequests:
		return "error.rate_limited", nil
	case http.StatusBadRequest:
		return "error.bad_request", nil
	}
	return "error.internal", nil
}

// headingKey is the catalogue key of an error page's heading.
func headingKey(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusLocked,
		http.StatusTooManyRequests:
		return "error.heading." + strconv.Itoa(status)
	}
	return "error.heading.500"
}

// errorView is the error page.
type errorView struct {
	page
	Status  int
	Heading string
	Message string
	Fields  []string // translated field problems of a validation error
}

// serveError answers a failed request: an ended session goes to the sign-in
// page, everything else gets a friendly page in the user's language. Server
// faults are logged here, once, with the request id the page shows.
func (h *Handler) serveError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, hikeshi.ErrUnauthenticated) && statusOf(err) == http.StatusUnauthorized {
		h.clearSessionCookie(w)
		q := url.Values{"m": {"ended"}}
		if r.Method == http.MethodGet {
			q.Set("next", localPath(r.URL.RequestURI()))
		}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
		return
	}
	status := statusOf(err)
	id := httpx.RequestID(r.Context())
	if status >= 500 {
		h.log.ErrorContext(r.Context(), "request failed", "request_id", id, "method", r.Method,
			"path", r.URL.Path, "error", err.Error())
	}
	v := &errorView{Status: status}
	h.fill(r, &v.page)
	v.Heading = v.T(headingKey(status))
	key, args := messageKey(err, status)
	v.Message = v.T(key, args...)
	v.Title = v.Heading
	var ve *hikeshi.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			v.Fields = append(v.Fields, v.T("label."+f.Field)+": "+fieldMessage(&v.page, f))
		}
	}
	if status == http.StatusTooManyRequests {
		var ui *uiError
		if errors.As(err, &ui) && len(ui.args) > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(ui.args[0]))
		}
	}
	if rerr := h.render(w, r, status, "error", v); rerr != nil {
		// The error page itself failed: log that once and send plain text.
		h.log.ErrorContext(r.Context(), "error page failed", "request_id", id, "error", rerr.Error(), "cause", err.Error())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Internal server error. Request id: %s\n", id)
	}
}

// formErrors returns the translated field messages of a validation error, so
// a handler can show its form again with each message beside its field. ok is
// false when err is no validation error.
func (h *Handler) formErrors(r *http.Request, err error) (msgs map[string]string, ok bool) {
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	p := &page{}
	h.fill(r, p)
	msgs = map[string]string{}
	for _, f := range ve.Fields {
		if _, dup := msgs[f.Field]; !dup {
			msgs[f.Field] = fieldMessage(p, f)
		}
	}
	return msgs, true
}

// fieldMessage localises one field error by its stable code.
func fieldMessage(p *page, f hikeshi.FieldError) string {
	switch f.Code {
	case "required", "too_long", "invalid_email", "unknown", "taken", "wrong", "invalid_text", "mismatch":
		return p.T("field." + f.Code)
	case "too_short":
		return p.T("field.too_short", service.MinPasswordLen)
	}
	return p.T("field.invalid")
}

// crossOriginDenied answers a state-changing request from another origin.
func (h *Handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	h.serveError(w, r, userError(http.StatusForbidden, "error.cross_origin", nil))
}
