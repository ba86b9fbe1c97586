package hikeshi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// JSON helpers of the alert decoders. They stream through a payload with
// encoding/json's tokenizer so that no payload, however shaped, makes them
// allocate more than a small multiple of its size, and they stop at the
// limits (records per payload, members per record, nesting).

// firstByte is the first non-space byte of data, or 0.
func firstByte(data []byte) byte {
	data = bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(data) == 0 {
		return 0
	}
	return data[0]
}

// trimBOM drops a UTF-8 byte order mark some tools write.
func trimBOM(data []byte) []byte {
	return bytes.TrimPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("\ufeff"))
}

// jsonArrayEach calls fn with each element of the JSON array in data, in
// order, refusing more than max elements and anything after the array.
func jsonArrayEach(data []byte, max int, fn func(i int, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(trimBOM(data)))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return errors.New("expected an array")
	}
	i := 0
	for dec.More() {
		if i >= max {
			return errTooManyAlerts()
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := fn(i, raw); err != nil {
			return err
		}
		i++
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	return jsonEnd(dec)
}

// jsonEnd refuses anything but white space after the value dec read.
func jsonEnd(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// jsonObjectEach calls fn with each member of the JSON object in data,
// refusing more than max members and anything after the object.
func jsonObjectEach(data []byte, max int, fn func(key string, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(trimBOM(data)))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return errors.New("expected an object")
	}
	n := 0
	for dec.More() {
		if n >= max {
			return fmt.Errorf("more than %d members in an object", max)
		}
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := fn(key, raw); err != nil {
			return err
		}
		n++
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	return jsonEnd(dec)
}

// jsonLines calls fn with each non-empty line of data (JSON Lines, as
// Suricata's eve.json and Wazuh's alerts.json are written), with the line's
// 1-based number and the record's 0-based index.
func jsonLines(data []byte, fn func(index, line int, raw []byte) error) error {
	data = trimBOM(data)
	index, line := 0, 0
	for len(data) > 0 {
		line++
		var l []byte
		if j := bytes.IndexByte(data, '\n'); j >= 0 {
			l, data = data[:j], data[j+1:]
		} else {
			l, data = data, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		if index >= MaxAlertsPerPayload {
			return errTooManyAlerts()
		}
		if err := fn(index, line, l); err != nil {
			return err
		}
		index++
	}
	return nil
}

// jsonRecords calls fn with each record of a payload that may be one JSON
// object, a JSON array of objects, or JSON Lines (one object per line). The
// field of an error names the record: alerts[i].
func jsonRecords(data []byte, fn func(i int, raw []byte) error) error {
	switch firstByte(data) {
	case '[':
		err := jsonArrayEach(data, MaxAlertsPerPayload, func(i int, raw json.RawMessage) error {
			if firstByte(raw) != '{' {
				return alertInvalid(i, "", "invalid_json", "each alert must be a JSON object")
			}
			return fn(i, raw)
		})
		if err != nil {
			return jsonSyntax("body", err)
		}
		return nil
	case '{':
		// One object, or JSON Lines: try the lines first when there are
		// several, so that a single pretty-printed object also reads.
		trimmed := bytes.TrimSpace(trimBOM(data))
		if json.Valid(trimmed) {
			return fn(0, trimmed)
		}
		return jsonLines(data, func(i, line int, raw []byte) error {
			if !json.Valid(raw) || firstByte(raw) != '{' {
				return alertInvalid(i, "", "invalid_json", fmt.Sprintf("line %d is not a JSON object", line))
			}
			return fn(i, raw)
		})
	}
	return Invalid("body", "invalid_json", "the payload must be a JSON object, an array of objects, or one object per line")
}

// flatJSON is a JSON object flattened to dotted names: {"a":{"b":1}} and
// {"a.b":1} both give "a.b" → ["1"]. Each name holds the scalar values
// found under it (several when arrays hold them), as text.
type flatJSON map[string][]string

// flattenJSON flattens the JSON object in data, reading at most
// maxAlertFields values and maxAlertDepth levels.
func flattenJSON(data []byte) (flatJSON, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	out := flatJSON{}
	n := 0
	var walk func(prefix string, depth int) error
	value := func(prefix string, t json.Token, depth int) error {
		switch v := t.(type) {
		case json.Delim:
			switch v {
			case '{':
				if depth >= maxAlertDepth {
					return errors.New("the JSON is nested too deeply")
				}
				return walk(prefix, depth+1)
			case '[':
				if depth >= maxAlertDepth {
					return errors.New("the JSON is nested too deeply")
				}
				for dec.More() {
					et, err := dec.Token()
					if err != nil {
						return err
					}
					if d, ok := et.(json.Delim); ok && d == '[' {
						// Arrays in arrays: read their values under the same name.
						if err := skipInto(dec, prefix, out, &n, depth+1); err != nil {
							return err
						}
						continue
					}
					if d, ok := et.(json.Delim); ok && d == '{' {
						if err := walk(prefix, depth+1); err != nil {
							return err
						}
						continue
					}
					if err := addFlat(out, prefix, et, &n); err != nil {
						return err
					}
				}
				_, err := dec.Token()
				return err
			}
			return errors.New("unexpected JSON delimiter")
		default:
			return addFlat(out, prefix, t, &n)
		}
	}
	walk = func(prefix string, depth int) error {
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			name := key
			if prefix != "" {
				name = prefix + "." + key
			}
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if len(name) > 256 {
				// No field Hikeshi reads has such a name: skip it.
				if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
					if err := skipDepth(dec, depth+1); err != nil {
						return err
					}
				}
				continue
			}
			if err := value(name, t, depth); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("expected an object")
	}
	if err := walk("", 1); err != nil {
		return nil, err
	}
	if err := jsonEnd(dec); err != nil {
		return nil, err
	}
	return out, nil
}

// skipInto reads the rest of an array nested in an array, keeping its
// scalar values under name.
func skipInto(dec *json.Decoder, name string, out flatJSON, n *int, depth int) error {
	if depth >= maxAlertDepth {
		return errors.New("the JSON is nested too deeply")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '[' || d == '{' {
				if err := skipDepth(dec, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		if err := addFlat(out, name, t, n); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// skipDepth skips the rest of the value whose opening delimiter was read.
func skipDepth(dec *json.Decoder, depth int) error {
	level := 1
	for level > 0 {
		if depth+level > maxAlertDepth {
			return errors.New("the JSON is nested too deeply")
		}
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '[', '{':
				level++
			case ']', '}':
				level--
			}
		}
	}
	return nil
}

func addFlat(out flatJSON, name string, t json.Token, n *int) error {
	*n++
	if *n > maxAlertFields {
		return fmt.Errorf("a record has more than %d fields", maxAlertFields)
	}
	var s string
	switch v := t.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	case bool:
		if v {
			s = "true"
		} else {
			s = "false"
		}
	case nil:
		return nil
	default:
		return nil
	}
	out[name] = append(out[name], s)
	return nil
}

// get returns the first value of the first name that has one.
func (f flatJSON) get(names ...string) string {
	for _, n := range names {
		for _, v := range f[n] {
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
	}
	return ""
}

// all returns every value under the names.
func (f flatJSON) all(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, f[n]...)
	}
	return out
}

// Walkers over JSON already known to be valid (json.Valid, or a value the
// tokenizer has read). They find the same members and elements, in the same
// order and with the same limits, as jsonObjectEach and jsonArrayEach, but
// without a tokenizer or a copy of each value: the raw values they pass are
// slices of data, so a caller must copy what it keeps.

// jsonSkipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func jsonSkipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonSkipString returns the index just after the string starting at data[i].
func jsonSkipString(data []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return len(data)
		}
		end := i + j
		k := end
		for k > i && data[k-1] == '\\' {
			k--
		}
		if (end-k)%2 == 0 {
			return end + 1
		}
		i = end + 1
	}
}

// jsonSkipValue returns the index just after the value starting at data[i].
func jsonSkipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return jsonSkipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = jsonSkipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// jsonFastString returns the text of a JSON string without escapes, as
// json.Unmarshal would; ok is false for anything else (escapes, another
// type, invalid UTF-8), which the caller then unmarshals.
func jsonFastString(v []byte) (s string, ok bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
			if c >= 0x80 && bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
				return string(in), true
			}
			return "", false
		}
	}
	return string(in), true
}

// jsonValidKey unquotes a member name as the tokenizer would.
func jsonValidKey(q []byte) string {
	if s, ok := jsonFastString(q); ok {
		return s
	}
	var s string
	_ = json.Unmarshal(q, &s)
	return s
}

// jsonValidObjectEach is jsonObjectEach for an object known to be valid JSON.
func jsonValidObjectEach(data []byte, max int, fn func(key string, raw []byte) error) error {
	data = trimBOM(data)
	i := jsonSkipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errors.New("expected an object")
	}
	i++
	for n := 0; ; n++ {
		i = jsonSkipSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return nil
		}
		if data[i] == ',' {
			i = jsonSkipSpace(data, i+1)
		}
		if n >= max {
			return fmt.Errorf("more than %d members in an object", max)
		}
		ke := jsonSkipString(data, i)
		key := jsonValidKey(data[i:ke])
		i = jsonSkipSpace(data, ke)
		i = jsonSkipSpace(data, i+1) // past ':'
		ve := jsonSkipValue(data, i)
		if err := fn(key, data[i:ve]); err != nil {
			return err
		}
		i = ve
	}
}

// jsonValidArrayEach is jsonArrayEach for an array known to be valid JSON.
func jsonValidArrayEach(data []byte, max int, fn func(i int, raw []byte) error) error {
	data = trimBOM(data)
	i := jsonSkipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return errors.New("expected an array")
	}
	i++
	for n := 0; ; n++ {
		i = jsonSkipSpace(data, i)
		if i >= len(data) || data[i] == ']' {
			return nil
		}
		if data[i] == ',' {
			i = jsonSkipSpace(data, i+1)
		}
		if n >= max {
			return errTooManyAlerts()
		}
		ve := jsonSkipValue(data, i)
		if err := fn(n, data[i:ve]); err != nil {
			return err
		}
		i = ve
	}
}

// jsonValidRecords is jsonRecords for an array known to be valid JSON.
func jsonValidRecords(data []byte, fn func(i int, raw []byte) error) error {
	err := jsonValidArrayEach(data, MaxAlertsPerPayload, func(i int, raw []byte) error {
		if firstByte(raw) != '{' {
			return alertInvalid(i, "", "invalid_json", "each alert must be a JSON object")
		}
		return fn(i, raw)
	})
	if err != nil {
		return jsonSyntax("body", err)
	}
	return nil
}
