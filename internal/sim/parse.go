package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// MaxConfigBytes bounds a configuration given as JSON.
const MaxConfigBytes = 64 << 10

// ParseConfig reads a configuration as JSON, one object whose fields
// override DefaultConfig (a distribution's fields one by one), and validates
// it. Unknown fields, a second value and more than MaxConfigBytes are
// refused; every error is one sentence naming the field.
func ParseConfig(b []byte) (Config, error) {
	if len(b) > MaxConfigBytes {
		return Config{}, fmt.Errorf("the configuration is larger than %d KiB: %w", MaxConfigBytes>>10, hikeshi.ErrInvalid)
	}
	c := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: %w", jsonMessage(err), hikeshi.ErrInvalid)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("the configuration has more after its JSON object: %w", hikeshi.ErrInvalid)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// jsonMessage turns encoding/json's errors into a sentence that names the
// field and never echoes more than a short piece of the input.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the configuration"
		}
		return fmt.Sprintf("%s must be %s, not %s", field, typeWord(te.Type), quote(te.Value))
	case errors.As(err, &se):
		return fmt.Sprintf("the configuration is not valid JSON at byte %d", se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the configuration is empty or cut short"
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return "unknown field " + quote(strings.Trim(name, `"`))
	}
	return "the configuration is not valid: " + quote(msg)
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Uint64:
		return "a whole number from 0 to 18446744073709551615"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}
