package api

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/hikeshi/hikeshi"
)

// The OpenAPI 3.1 document is generated from the route table and the DTO
// types, once, on first request.

func (h *Handler) openAPI(c *call) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(h.document())
	return nil
}

// document returns the OpenAPI document as JSON.
func (h *Handler) document() []byte {
	h.docOnce.Do(func() {
		b, err := json.MarshalIndent(h.buildDocument(), "", "  ")
		if err != nil {
			panic("api: cannot encode the OpenAPI document: " + err.Error())
		}
		h.doc = append(b, '\n')
	})
	return h.doc
}

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// errorResponses names the shared problem responses: component name, kind.
var errorResponses = []struct {
	name string
	kind kind
}{
	{"BadRequest", kindBadRequest}, {"Unauthenticated", kindUnauthenticated}, {"Forbidden", kindForbidden},
	{"NotFound", kindNotFound}, {"Conflict", kindConflict}, {"TooLarge", kindTooLarge},
	{"UnsupportedMediaType", kindUnsupportedMediaType}, {"Validation", kindValidation},
	{"RateLimited", kindRateLimited}, {"Internal", kindInternal},
}

func (h *Handler) buildDocument() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	problemRef := g.of(reflect.TypeFor[problemJSON]())
	server := h.baseURL
	if server == "" {
		server = "/"
	}
	var kinds strings.Builder
	for _, k := range allKinds {
		fmt.Fprintf(&kinds, "\n- `%s%s` (%d): %s", ProblemBase, k.slug, k.status, k.title)
	}
	doc := map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{
			"title":   "Hikeshi API",
			"version": "1",
			"description": "The JSON API of Hikeshi, an integrated CSIRT and ISMS platform.\n\n" +
				"**Authentication**: send `Authorization: Bearer <token>` (create a token with `hikeshi token create` " +
				"or `POST /api/v1/me/tokens`). Session cookies are never accepted, so the API needs no CSRF protection.\n\n" +
				"**Requests**: bodies are JSON objects (`Content-Type: application/json`; PATCH also takes " +
				"`application/merge-patch+json`), at most 1 MiB. Unknown fields, duplicate fields, unknown query " +
				"parameters and values of the wrong type are refused with 400, naming the field.\n\n" +
				"**Lists** are cursor-paginated: `?limit=` (1–500, default 50) and `?cursor=`; the response's " +
				"`next_cursor` (null on the last page) and the `Link: <…>; rel=\"next\"` header give the next page.\n\n" +
				"**Rate limit**: a burst of requests per token (per address before authentication), then a steady rate; " +
				"beyond it 429 with `Retry-After`.\n\n" +
				"**Errors** are RFC 9457 problem details (`application/problem+json`) whose `type` is one of:" + kinds.String(),
		},
		"servers":  []any{map[string]any{"url": server}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"tags": []any{
			map[string]any{"name": "me", "description": "The caller's account and API tokens."},
			map[string]any{"name": "departments", "description": "The organisation's units."},
			map[string]any{"name": "users", "description": "Accounts."},
			map[string]any{"name": "audit", "description": "The append-only, hash-chained audit log."},
			map[string]any{"name": "meta", "description": "This document."},
		},
	}
	responses := map[string]any{}
	for _, e := range errorResponses {
		r := map[string]any{
			"description": e.kind.title,
			"content":     map[string]any{"application/problem+json": map[string]any{"schema": problemRef}},
		}
		switch e.kind {
		case kindRateLimited:
			r["headers"] = map[string]any{"Retry-After": map[string]any{
				"description": "Seconds to wait before the next request.", "schema": map[string]any{"type": "integer", "minimum": 1}}}
		case kindUnauthenticated:
			r["headers"] = map[string]any{"WWW-Authenticate": map[string]any{
				"description": "The Bearer challenge (RFC 6750).", "schema": map[string]any{"type": "string"}}}
		}
		responses[e.name] = r
	}
	paths := map[string]any{}
	for i := range h.routes {
		rt := &h.routes[i]
		item, _ := paths[Prefix+rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[Prefix+rt.path] = item
		}
		item[strings.ToLower(rt.method)] = g.operation(rt)
	}
	doc["paths"] = paths
	for i := range h.routes {
		if rt := &h.routes[i]; rt.body != nil {
			def := g.defs[schemaName(reflect.TypeOf(rt.body))].(map[string]any)
			def["additionalProperties"] = false
		}
	}
	doc["components"] = map[string]any{
		"schemas":   g.defs,
		"responses": responses,
		"securitySchemes": map[string]any{"bearer": map[string]any{
			"type": "http", "scheme": "bearer",
			"description": "An API token (hks_…). Session cookies are not accepted.",
		}},
	}
	return doc
}

// pathSchema describes a path parameter by its name: ids are UUIDs, a
// sha256 is 64 lower-case hex digits, and anything else (a playbook's key) is
// a plain string.
func pathSchema(name string) map[string]any {
	switch {
	case name == "sha256":
		return map[string]any{"type": "string", "pattern": "^[0-9a-f]{64}$"}
	case name == "id" || name == "user" || strings.HasSuffix(name, "ID") || name == "asset" || name == "evidence" || name == "observable":
		return map[string]any{"type": "string", "format": "uuid"}
	}
	return map[string]any{"type": "string"}
}

// operation describes one route.
func (g *schemaGen) operation(rt *route) map[string]any {
	op := map[string]any{"operationId": rt.op, "summary": rt.summary, "tags": []any{rt.tag}}
	if rt.doc != "" {
		op["description"] = rt.doc
	}
	if rt.public {
		op["security"] = []any{}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": pathSchema(m[1])})
	}
	for _, p := range rt.params {
		s := map[string]any{"type": "string"}
		switch p.typ {
		case "integer":
			s = map[string]any{"type": "integer"}
		case "uuid", "date-time":
			s["format"] = p.typ
		}
		if p.enum != "" {
			s["enum"] = enumValues(p.enum, false)
		}
		params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.doc, "schema": s})
	}
	if rt.list {
		params = append(params,
			map[string]any{"name": "limit", "in": "query", "description": "Items per page.",
				"schema": map[string]any{"type": "integer", "minimum": 1, "maximum": hikeshi.MaxPageLimit, "default": hikeshi.DefaultPageLimit}},
			map[string]any{"name": "cursor", "in": "query", "description": "The next_cursor of the previous page.",
				"schema": map[string]any{"type": "string"}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if rt.body != nil {
		schema := g.of(reflect.TypeOf(rt.body))
		content := map[string]any{"application/json": map[string]any{"schema": schema}}
		if rt.method == http.MethodPatch {
			content["application/merge-patch+json"] = map[string]any{"schema": schema}
		}
		op["requestBody"] = map[string]any{"required": !rt.optionalBody, "content": content}
	}
	if rt.rawBody != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{rt.rawBody: map[string]any{
			"schema": map[string]any{"type": "string", "contentMediaType": rt.rawBody}}}}
	}

	ok := map[string]any{"description": http.StatusText(rt.status)}
	if rt.resp != nil {
		schema := g.of(reflect.TypeOf(rt.resp))
		if rt.list {
			schema = g.list(reflect.TypeOf(rt.resp))
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
	}
	if rt.binary {
		media := cmp.Or(rt.media, "application/octet-stream")
		ok["content"] = map[string]any{media: map[string]any{
			"schema": map[string]any{"type": "string", "contentMediaType": media}}}
	}
	headers := map[string]any{}
	if rt.status == http.StatusCreated {
		headers["Location"] = map[string]any{"description": "The path of the new resource.", "schema": map[string]any{"type": "string"}}
	}
	if rt.list {
		headers["Link"] = map[string]any{"description": `The next page, as <…>; rel="next" (RFC 8288); absent on the last page.`,
			"schema": map[string]any{"type": "string"}}
	}
	if len(headers) > 0 {
		ok["headers"] = headers
	}
	responses := map[string]any{fmt.Sprint(rt.status): ok}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/responses/" + name} }
	responses["429"] = ref("RateLimited")
	responses["500"] = ref("Internal")
	if len(params) > 0 || rt.body != nil || rt.rawBody != "" {
		responses["400"] = ref("BadRequest")
	}
	if !rt.public {
		responses["401"] = ref("Unauthenticated")
		responses["403"] = ref("Forbidden")
	}
	if strings.Contains(rt.path, "{") {
		responses["404"] = ref("NotFound")
	}
	if rt.method != http.MethodGet {
		responses["409"] = ref("Conflict")
	}
	if rt.body != nil || rt.rawBody != "" {
		responses["413"] = ref("TooLarge")
		responses["415"] = ref("UnsupportedMediaType")
		responses["422"] = ref("Validation")
	}
	if len(rt.params) > 0 {
		// Query parameters are validated like a body: a bad value is a
		// 422 naming the parameter.
		responses["422"] = ref("Validation")
	}
	op["responses"] = responses
	return op
}

// schemaGen turns DTO types into JSON Schema (2020-12) component schemas.
type schemaGen struct {
	defs map[string]any
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	rawType      = reflect.TypeFor[json.RawMessage]()
	optionalType = reflect.TypeFor[interface{ valueType() reflect.Type }]()
)

// schemaName is a DTO type's component name: userCreateJSON → UserCreate.
func schemaName(t reflect.Type) string {
	n := []rune(strings.TrimSuffix(t.Name(), "JSON"))
	n[0] = unicode.ToUpper(n[0])
	return string(n)
}

// list returns the schema of a page of items of type t.
func (g *schemaGen) list(t reflect.Type) map[string]any {
	name := schemaName(t) + "List"
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = map[string]any{
			"type":        "object",
			"description": "One page of a list.",
			"properties": map[string]any{
				"items": map[string]any{"type": "array", "items": g.of(t)},
				"next_cursor": map[string]any{"type": []any{"string", "null"},
					"description": "Pass as ?cursor= for the next page; null on the last page."},
			},
			"required": []any{"items", "next_cursor"},
		}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// of returns the schema of t; named structs become components.
func (g *schemaGen) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t.Kind() == reflect.Pointer:
		return nullable(g.of(t.Elem()))
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Uint, reflect.Uint32:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Uint64:
		return map[string]any{"type": "integer", "format": "uint64", "minimum": 0}
	case reflect.Float32:
		return map[string]any{"type": "number", "format": "float"}
	case reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var required []any
			g.fields(t, props, &required)
			def := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				def["required"] = required
			}
			g.defs[name] = def
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic("api: no JSON schema for " + t.String())
}

// fields adds the properties of struct t, flattening embedded structs.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		var s map[string]any
		isNullable := f.Type.Kind() == reflect.Pointer
		if f.Type.Implements(optionalType) {
			s = g.of(reflect.Zero(f.Type).Interface().(interface{ valueType() reflect.Type }).valueType())
			if f.Tag.Get("nullable") == "true" {
				s, isNullable = nullable(s), true
			}
		} else {
			s = g.of(f.Type)
			if !strings.Contains(opts, "omitempty") {
				*required = append(*required, tag)
			}
		}
		if v := f.Tag.Get("format"); v != "" {
			s["format"] = v
		}
		if v := f.Tag.Get("enum"); v != "" {
			s["enum"] = enumValues(v, isNullable)
		}
		if v := f.Tag.Get("doc"); v != "" {
			s["description"] = v
		}
		if f.Name == "Password" {
			s["writeOnly"] = true
		}
		props[tag] = s
	}
}

// enumValues returns the values of an enum, with null when the field is nullable.
func enumValues(key string, withNull bool) []any {
	vs, ok := enums[key]
	if !ok {
		panic("api: unknown enum " + key)
	}
	out := make([]any, 0, len(vs)+1)
	for _, v := range vs {
		out = append(out, v)
	}
	if withNull {
		out = append(out, nil)
	}
	return out
}

// nullable lets s also be null.
func nullable(s map[string]any) map[string]any {
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
		return s
	case nil:
		if _, ok := s["$ref"]; ok {
			return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
		}
	}
	return s
}
