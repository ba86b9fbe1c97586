package api

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/hikeshi/hikeshi"
)

// The API's own representations. Domain types carry no json tags; these do,
// and the OpenAPI schemas are generated from them (see openapi.go), so the
// document describes exactly what is sent and accepted. Struct tags used by the
// generator: doc (description), format, enum (a key of enums), nullable (for
// optional fields whose null means "clear it"). A field is required unless its
// json tag says omitempty or it is an optional.

// enums lists the allowed values of enumerated fields, taken from the domain
// so the document follows it.
var enums = map[string][]string{
	"department_kind": stringsOf(hikeshi.DepartmentKinds),
	"role":            stringsOf(hikeshi.Roles),
	"locale":          {string(hikeshi.LocaleJA), string(hikeshi.LocaleEN)},
	"report_source":   stringsOf(hikeshi.ReportSources),
	"report_status":   stringsOf(hikeshi.ReportStatuses),
	"message_author":  {string(hikeshi.AuthorReporter), string(hikeshi.AuthorCSIRT)},
	"tlp":             stringsOf(hikeshi.TLPs),
	"phase":           stringsOf(hikeshi.Phases),
	"ooda_kind":       stringsOf(hikeshi.OODAKinds),
	"incident_event_kind": {string(hikeshi.EventCreated), string(hikeshi.EventPhase), string(hikeshi.EventReopened),
		string(hikeshi.EventNote), string(hikeshi.EventUpdated), string(hikeshi.EventMember), string(hikeshi.EventOODA)},
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// optional is a field of a JSON merge-patch (RFC 7396): Set when the field
// was present, Null when it was present as null.
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records presence; encoding/json calls it for null too.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// valueType tells the schema generator what the optional holds.
func (optional[T]) valueType() reflect.Type { return reflect.TypeFor[T]() }

// listJSON is one page of a collection.
type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// timePtr returns nil for the zero time, so "never" is null.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// departmentJSON is a department.
type departmentJSON struct {
	ID        string    `json:"id" format:"uuid"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind" enum:"department_kind" doc:"The part the department plays: management, IT (information systems), CSIRT or a business unit."`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toDepartment(d hikeshi.Department) departmentJSON {
	return departmentJSON{ID: d.ID, Name: d.Name, Kind: string(d.Kind), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// departmentCreateJSON creates a department.
type departmentCreateJSON struct {
	Name string `json:"name" doc:"Unique name, at most 200 characters."`
	Kind string `json:"kind" enum:"department_kind"`
}

// departmentPatchJSON changes a department (JSON merge-patch: absent fields stay).
type departmentPatchJSON struct {
	Name optional[string] `json:"name"`
	Kind optional[string] `json:"kind" enum:"department_kind"`
}

// userJSON is an account. It never carries the password hash.
type userJSON struct {
	ID           string     `json:"id" format:"uuid"`
	Email        string     `json:"email" format:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role" enum:"role"`
	DepartmentID *string    `json:"department_id" format:"uuid" doc:"Null only for admins without a department."`
	Locale       *string    `json:"locale" enum:"locale" doc:"The UI language; null follows the browser."`
	Active       bool       `json:"active" doc:"False while the account is disabled."`
	HasPassword  bool       `json:"has_password" doc:"Whether the account can sign in with a password."`
	FailedLogins int        `json:"failed_logins" doc:"Failed sign-ins in a row since the last success."`
	LockedUntil  *time.Time `json:"locked_until" doc:"Sign-in is refused until then after repeated failures; null when never locked."`
	DisabledAt   *time.Time `json:"disabled_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func toUser(u hikeshi.User) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), DepartmentID: strPtr(u.DepartmentID),
		Locale: strPtr(string(u.Locale)), Active: u.Active(), HasPassword: u.PasswordHash != "", FailedLogins: u.FailedLogins,
		LockedUntil: timePtr(u.LockedUntil), DisabledAt: timePtr(u.DisabledAt), CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	return out
}

// userCreateJSON creates an account.
type userCreateJSON struct {
	Email        string `json:"email" format:"email"`
	Name         string `json:"name"`
	Role         string `json:"role" enum:"role"`
	DepartmentID string `json:"department_id,omitempty" format:"uuid" doc:"Required for every role except admin."`
	Locale       string `json:"locale,omitempty" enum:"locale"`
	Password     string `json:"password,omitempty" format:"password" doc:"Initial password; without one the account cannot sign in with a password until one is set."`
}

// userPatchJSON changes an account (JSON merge-patch: absent fields stay,
// null clears department_id and locale). Admins may change every field;
// users their own name and locale.
type userPatchJSON struct {
	Name         optional[string] `json:"name"`
	Role         optional[string] `json:"role" enum:"role"`
	DepartmentID optional[string] `json:"department_id" format:"uuid" nullable:"true" doc:"Null removes the department (admins only)."`
	Locale       optional[string] `json:"locale" enum:"locale" nullable:"true" doc:"Null follows the browser."`
}

// tokenJSON is an API token, without its secret.
type tokenJSON struct {
	ID         string     `json:"id" format:"uuid"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the token, to recognise it."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" doc:"Updated at most once a minute; null when never used."`
	RevokedAt  *time.Time `json:"revoked_at" doc:"Null while the token is valid."`
}

func toToken(t hikeshi.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt.UTC(),
		LastUsedAt: timePtr(t.LastUsedAt), RevokedAt: timePtr(t.RevokedAt)}
}

// tokenCreateJSON creates an API token.
type tokenCreateJSON struct {
	Name string `json:"name,omitempty" doc:"A label to recognise the token by; default \"API token\"."`
}

// tokenCreatedJSON is a new API token with its secret, shown this once.
type tokenCreatedJSON struct {
	tokenJSON
	Token string `json:"token" doc:"The secret bearer token. It is shown only in this response; store it now."`
}

// auditJSON is one entry of the hash-chained audit log.
type auditJSON struct {
	Seq        int64           `json:"seq" doc:"Position in the chain: 1, 2, 3 … without gaps."`
	ID         string          `json:"id" format:"uuid"`
	At         time.Time       `json:"at"`
	ActorID    *string         `json:"actor_id" format:"uuid" doc:"Null for the system itself."`
	ActorLabel string          `json:"actor_label" doc:"The actor's e-mail address at the time, or system (…)."`
	Via        string          `json:"via" doc:"web, api, cli or system."`
	Action     string          `json:"action" doc:"e.g. user.create, session.login_failed."`
	Entity     string          `json:"entity"`
	EntityID   *string         `json:"entity_id"`
	Before     json.RawMessage `json:"before" doc:"The state before the change (any JSON value), or null."`
	After      json.RawMessage `json:"after" doc:"The state after the change (any JSON value), or null."`
	PrevHash   string          `json:"prev_hash" doc:"Hex SHA-256 of the previous entry."`
	Hash       string          `json:"hash" doc:"Hex SHA-256 over this entry and prev_hash."`
}

func toAudit(r hikeshi.AuditRecord) auditJSON {
	return auditJSON{Seq: r.Seq, ID: r.ID, At: r.At.UTC(), ActorID: strPtr(r.ActorID), ActorLabel: r.ActorLabel, Via: r.Via,
		Action: r.Action, Entity: r.Entity, EntityID: strPtr(r.EntityID), Before: rawJSON(r.Before), After: rawJSON(r.After),
		PrevHash: r.PrevHash, Hash: r.Hash}
}

// rawJSON embeds a stored JSON snapshot as is; empty or (never expected)
// invalid text becomes null, so one bad row cannot break the response.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}
