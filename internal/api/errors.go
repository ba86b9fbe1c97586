package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
)

// ProblemBase is the prefix of every problem type URI. The URIs are stable
// identifiers that clients may switch on; they need not resolve.
const ProblemBase = "https://hikeshi.dev/problems/"

// kind is one kind of problem: its type URI suffix, HTTP status and title.
// The type alone determines the status, so clients may switch on either.
type kind struct {
	slug   string
	status int
	title  string
	detail string // the detail when nothing more specific may be said
}

// The kinds of problem the API answers with.
var (
	kindBadRequest = kind{"bad-request", http.StatusBadRequest, "Bad request",
		"The request is not well-formed."}
	kindMalformedJSON = kind{"malformed-json", http.StatusBadRequest, "Malformed JSON",
		"The request body is not valid JSON."}
	kindUnauthenticated = kind{"unauthenticated", http.StatusUnauthorized, "Authentication required",
		"Send a valid API token in the header Authorization: Bearer <token>."}
	kindForbidden = kind{"forbidden", http.StatusForbidden, "Forbidden",
		"Your role does not allow this."}
	kindNotFound = kind{"not-found", http.StatusNotFound, "Not found",
		"The resource does not exist, or you may not see it."}
	kindMethodNotAllowed = kind{"method-not-allowed", http.StatusMethodNotAllowed, "Method not allowed",
		"This resource does not support this method; the Allow header lists those it does."}
	kindConflict = kind{"conflict", http.StatusConflict, "Conflict",
		"The change collides with existing data."}
	kindTooLarge = kind{"too-large", http.StatusRequestEntityTooLarge, "Request body too large",
		"The request body is larger than 1 MiB."}
	kindUnsupportedMediaType = kind{"unsupported-media-type", http.StatusUnsupportedMediaType, "Unsupported media type",
		"Send the request body as application/json."}
	kindValidation = kind{"validation", http.StatusUnprocessableEntity, "Validation failed",
		"Some fields are invalid; see errors."}
	kindLocked = kind{"locked", http.StatusLocked, "Account locked",
		"The account is locked after too many failed sign-ins."}
	kindRateLimited = kind{"rate-limited", http.StatusTooManyRequests, "Too many requests",
		"Slow down; the Retry-After header says when to try again."}
	kindInternal = kind{"internal", http.StatusInternalServerError, "Internal server error",
		"Something went wrong on our side. Quote the request id when you report it."}
)

// allKinds lists every kind, for the OpenAPI document and tests.
var allKinds = []kind{kindBadRequest, kindMalformedJSON, kindUnauthenticated, kindForbidden, kindNotFound,
	kindMethodNotAllowed, kindConflict, kindTooLarge, kindUnsupportedMediaType, kindValidation, kindLocked,
	kindRateLimited, kindInternal}

// errorTable is the one place that maps the domain's sentinel errors to
// problems. Order matters: the first match wins.
var errorTable = []struct {
	err  error
	kind kind
}{
	{hikeshi.ErrNotFound, kindNotFound},
	{hikeshi.ErrUnauthenticated, kindUnauthenticated},
	{hikeshi.ErrForbidden, kindForbidden},
	{hikeshi.ErrConflict, kindConflict},
	{hikeshi.ErrInvalid, kindValidation},
	{hikeshi.ErrLocked, kindLocked},
	{hikeshi.ErrRateLimited, kindRateLimited},
}

// apiError is a problem raised by the API layer itself (decoding, query
// parameters, authentication), with a detail that is safe to show.
type apiError struct {
	kind   kind
	detail string
	fields []hikeshi.FieldError
	header http.Header // extra response headers, e.g. Retry-After
}

func (e *apiError) Error() string { return e.kind.slug + ": " + e.detail }

// newError returns an API-layer problem of kind k.
func newError(k kind, detail string) *apiError { return &apiError{kind: k, detail: detail} }

// fieldError returns a 400 problem that names one field of the request.
func fieldError(field, code, message string) *apiError {
	return &apiError{kind: kindBadRequest, detail: message,
		fields: []hikeshi.FieldError{{Field: field, Code: code, Message: message}}}
}

// problemJSON is an RFC 9457 problem details object.
type problemJSON struct {
	Type      string           `json:"type" format:"uri" doc:"Stable URI naming the kind of problem; switch on it."`
	Title     string           `json:"title" doc:"Short summary of the kind of problem."`
	Status    int              `json:"status" doc:"The HTTP status code."`
	Detail    string           `json:"detail,omitempty" doc:"What went wrong with this request."`
	Instance  string           `json:"instance,omitempty" doc:"The request path."`
	RequestID string           `json:"request_id,omitempty" doc:"The request's id, also sent as X-Request-ID; quote it when reporting a problem."`
	Errors    []fieldErrorJSON `json:"errors,omitempty" doc:"The rejected fields, for validation and bad-request problems."`
}

// fieldErrorJSON names one rejected field.
type fieldErrorJSON struct {
	Field   string `json:"field" doc:"The field or query parameter as the client sent it."`
	Code    string `json:"code" doc:"Stable machine-readable reason, e.g. required, too_long, unknown_field, wrong_type."`
	Message string `json:"message" doc:"One English sentence."`
}

// classify turns any error into a problem and its extra headers. internal
// reports that the error was not recognised and must be logged.
func classify(err error) (p problemJSON, header http.Header, internal bool) {
	var k kind
	var detail string
	var fields []hikeshi.FieldError
	var ae *apiError
	var ve *hikeshi.ValidationError
	switch {
	case errors.As(err, &ae):
		k, detail, fields, header = ae.kind, ae.detail, ae.fields, ae.header
	case errors.As(err, &ve):
		k, fields = kindValidation, ve.Fields
		if ve.Conflict {
			k = kindConflict
		}
		detail = k.detail
		if len(fields) > 0 {
			detail = fields[0].Message
			if len(fields) > 1 {
				detail = "Some fields are invalid; see errors."
			}
		}
	default:
		k, internal = kindInternal, true
		for _, row := range errorTable {
			if errors.Is(err, row.err) {
				k, internal = row.kind, false
				detail = safeDetail(err, row.err)
				break
			}
		}
	}
	if detail == "" || k == kindNotFound || k == kindInternal {
		detail = k.detail
	}
	p = problemJSON{Type: ProblemBase + k.slug, Title: k.title, Status: k.status, Detail: detail}
	for _, f := range fields {
		p.Errors = append(p.Errors, fieldErrorJSON(f))
	}
	return p, header, internal
}

// safeDetail returns the part of err's message written by the service layer:
// everything before the sentinel's text. What follows the sentinel (the store
// appends the driver's message there) is never shown.
func safeDetail(err, sentinel error) string {
	msg := err.Error()
	i := strings.Index(msg, sentinel.Error())
	if i < 0 {
		return ""
	}
	d := strings.TrimRight(strings.TrimSpace(msg[:i]), ":")
	if d == "" {
		return ""
	}
	return strings.ToUpper(d[:1]) + d[1:] + "."
}

// writeProblem answers with err as problem+json. A 5xx is logged once, with
// the request id; its cause is never sent to the client.
func writeProblem(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	p, header, internal := classify(err)
	p.Instance = r.URL.Path
	p.RequestID = httpx.RequestID(r.Context())
	if internal || p.Status >= 500 {
		log.ErrorContext(r.Context(), "api request failed", "request_id", p.RequestID,
			"method", r.Method, "path", r.URL.Path, "error", err.Error())
	}
	h := w.Header()
	for k, v := range header {
		h[k] = v
	}
	if p.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="hikeshi"`)
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(p) // the client is gone when this fails; nothing left to do
}
