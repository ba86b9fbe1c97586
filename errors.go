package hikeshi

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors shared by every layer. The edge (web, api, cmd) maps them
// to HTTP statuses and exit codes in one table each; inner layers wrap them
// with %w and the operation that failed.
var (
	// ErrNotFound means the record does not exist or the actor may not know it exists.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with existing data (a duplicate name, a stale version).
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input was rejected; a *ValidationError usually says which field.
	ErrInvalid = errors.New("invalid input")
	// ErrForbidden means the actor is known but not allowed to do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated means no valid credentials were presented.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrLocked means the account is temporarily locked after repeated failed sign-ins.
	ErrLocked = errors.New("account locked")
	// ErrRateLimited means too many attempts in a short time.
	ErrRateLimited = errors.New("too many attempts")
)

// FieldError names one rejected input field and why it was rejected.
type FieldError struct {
	Field   string // the input's field name as the client sent it, e.g. "email"
	Code    string // stable machine code, e.g. "required", "too_long", "unknown"
	Message string // one English sentence for logs and the API; the UI localises Code
}

// ValidationError collects field errors. It unwraps to ErrInvalid.
type ValidationError struct {
	Fields []FieldError
	// Conflict marks input that is well-formed but collides with existing
	// data (a taken name); it then unwraps to ErrConflict instead.
	Conflict bool
}

// Add records a field error.
func (v *ValidationError) Add(field, code, message string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Code: code, Message: message})
}

// Err returns v as an error when it holds at least one field error, else nil.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string {
	parts := make([]string, 0, len(v.Fields))
	for _, f := range v.Fields {
		parts = append(parts, fmt.Sprintf("%s: %s", f.Field, f.Message))
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is(err, ErrInvalid) (or ErrConflict) match.
func (v *ValidationError) Unwrap() error {
	if v.Conflict {
		return ErrConflict
	}
	return ErrInvalid
}

// Conflict is a ValidationError for a value that is already taken.
func Conflict(field, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Code: "taken", Message: message}}, Conflict: true}
}

// Invalid is a shorthand for a ValidationError with a single field.
func Invalid(field, code, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Code: code, Message: message}}}
}
