package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// readBody checks the Content-Type and reads the body, at most MaxBodyBytes.
// mediaTypes lists the accepted media types (application/json first).
func readBody(w http.ResponseWriter, r *http.Request, mediaTypes []string) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	accepted := false
	for _, m := range mediaTypes {
		accepted = accepted || (err == nil && mt == m)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		accepted = false
	}
	if !accepted {
		got := ct
		if got == "" {
			got = "no Content-Type"
		}
		return nil, newError(kindUnsupportedMediaType, fmt.Sprintf(
			"The request body must be sent as %s (UTF-8); got %s.", strings.Join(mediaTypes, " or "), got))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError(kindTooLarge, fmt.Sprintf("The request body is larger than %d bytes (1 MiB).", MaxBodyBytes))
		}
		return nil, newError(kindBadRequest, "The request body could not be read.")
	}
	return body, nil
}

// decodeJSON decodes one JSON object from data into v, which points to a
// struct. It is strict: unknown fields, duplicate fields, trailing data,
// invalid UTF-8 and values of the wrong type are refused with a 400 problem
// that says where. Every failure is an *apiError.
func decodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return newError(kindBadRequest, "The request body is empty; send a JSON object.")
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return newError(kindMalformedJSON, fmt.Sprintf("The request body is not valid UTF-8 (at byte offset %d).", i))
	}
	if err := checkStructure(data, fieldNames(reflect.TypeOf(v).Elem())); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError describes a decoding failure of an already well-formed body.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return newError(kindBadRequest, fmt.Sprintf("The request body must be a JSON object, not %s.", jsonKind(te.Value)))
		}
		want := jsonTypeName(te.Type)
		return fieldError(te.Field, "wrong_type", fmt.Sprintf("%s must be %s, not %s (at byte offset %d).",
			te.Field, want, jsonKind(te.Value), te.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldError(name, "unknown_field", fmt.Sprintf("%s is not a field of this request; the OpenAPI document lists the fields.", name))
	case errors.As(err, &se):
		return newError(kindMalformedJSON, fmt.Sprintf("The request body is not valid JSON: %s (at byte offset %d).", strings.TrimPrefix(se.Error(), "json: "), max(se.Offset-1, 0)))
	}
	return newError(kindBadRequest, "The request body could not be decoded: "+strings.TrimPrefix(err.Error(), "json: ")+".")
}

// maxDepth bounds the nesting of request bodies; no request needs more.
const maxDepth = 32

// checkStructure walks the tokens of data once. It reports syntax errors with
// their offset, and refuses a top level that is not an object, nesting deeper
// than maxDepth, duplicate keys in any object (which decoders resolve
// differently, so they could smuggle a second value past a reviewer) and
// anything after the first value.
//
// Keys of the top-level object must be exactly one of fields: encoding/json
// would match "NAME" to "name", letting {"name":…,"NAME":…} smuggle a second
// value past the duplicate check.
func checkStructure(data []byte, fields map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := nextToken(dec, data)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return newError(kindBadRequest, fmt.Sprintf("The request body must be a JSON object, not %s.", tokenKind(tok)))
	}
	if err := walkObject(dec, data, "", 1, fields); err != nil {
		return err
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return newError(kindMalformedJSON, fmt.Sprintf("The request body has data after the JSON object (at byte offset %d).", off))
	}
	return nil
}

func nextToken(dec *json.Decoder, data []byte) (json.Token, error) {
	off := dec.InputOffset()
	tok, err := dec.Token()
	if err == nil {
		return tok, nil
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// A Decoder's offsets are relative to its buffer; a whole-input
		// check gives the absolute one.
		var whole *json.SyntaxError
		if errors.As(json.Unmarshal(data, new(any)), &whole) {
			se = whole
		}
		return nil, newError(kindMalformedJSON, fmt.Sprintf("The request body is not valid JSON: %s (at byte offset %d).", strings.TrimPrefix(se.Error(), "json: "), max(se.Offset-1, 0)))
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, newError(kindMalformedJSON, fmt.Sprintf("The request body is not valid JSON: it ends unexpectedly (at byte offset %d).", len(data)))
	}
	return nil, newError(kindMalformedJSON, fmt.Sprintf("The request body is not valid JSON (at byte offset %d).", off))
}

func walkValue(dec *json.Decoder, data []byte, path string, depth int, tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxDepth {
		return newError(kindBadRequest, fmt.Sprintf("The request body is nested more than %d levels deep (at byte offset %d).", maxDepth, dec.InputOffset()))
	}
	if d == '{' {
		return walkObject(dec, data, path, depth+1, nil)
	}
	for { // d == '['
		tok, err := nextToken(dec, data)
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			return nil
		}
		if err := walkValue(dec, data, path+"[]", depth+1, tok); err != nil {
			return err
		}
	}
}

func walkObject(dec *json.Decoder, data []byte, path string, depth int, fields map[string]bool) error {
	seen := map[string]bool{}
	for {
		off := dec.InputOffset()
		tok, err := nextToken(dec, data)
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return nil
		}
		key, _ := tok.(string) // the decoder only gives strings in key position
		field := key
		if path != "" {
			field = path + "." + key
		}
		if seen[key] {
			return fieldError(field, "duplicate_field", fmt.Sprintf("%s appears more than once (at byte offset %d).", field, off))
		}
		seen[key] = true
		if fields != nil && !fields[key] {
			return fieldError(field, "unknown_field", fmt.Sprintf("%s is not a field of this request (names are case-sensitive); the OpenAPI document lists the fields.", field))
		}
		tok, err = nextToken(dec, data)
		if err != nil {
			return err
		}
		if err := walkValue(dec, data, field, depth, tok); err != nil {
			return err
		}
	}
}

// tokenKind names the JSON type of a top-level token.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "this value"
}

// jsonKind turns the Value of an UnmarshalTypeError ("string", "number 5",
// "array", …) into words.
func jsonKind(v string) string {
	switch {
	case v == "string":
		return "a string"
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "bool":
		return "a boolean"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	case v == "null":
		return "null"
	}
	return v
}

// jsonTypeName names the JSON type a Go type decodes from.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}

// fieldNames returns the JSON names of struct t's fields, embedded ones included.
func fieldNames(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k := range fieldNames(f.Type) {
				out[k] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}
