package hikeshi

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The generic format is Hikeshi's own documented JSON (docs/decisions/0036):
// one alert object, an array of them, or {"alerts": [...]}. An alert:
//
//	{
//	  "title": "…",                 required, one line, ≤ 500 characters
//	  "rule": "…",                  the detection rule (groups alerts into events)
//	  "severity": "high",           critical|high|medium|low|info, or an alias
//	                                (warning, error, …), or 1–5 (5 = critical);
//	                                default medium
//	  "description": "…",
//	  "host": "…",
//	  "observables": [{"type": "ip", "value": "203.0.113.7"}],
//	  "labels": {"team": "…"},      strings only
//	  "occurred_at": "2026-11-26T04:00:00+09:00",   RFC 3339
//	  "fingerprint": "…",           optional: the sender's own identity of "the same alert"
//	  "status": "firing"            firing|resolved, default firing
//	}
//
// Unknown members are ignored. The generic format is strict: a value that is
// not as documented refuses the payload, naming the alert and field.

// decodeGeneric decodes the generic format.
func decodeGeneric(body []byte) (DecodeResult, error) {
	var r DecodeResult
	one := func(i int, raw []byte) error {
		if len(r.Alerts) >= MaxAlertsPerPayload {
			return errTooManyAlerts()
		}
		a, err := decodeGenericAlert(i, raw)
		if err != nil {
			return err
		}
		r.Alerts = append(r.Alerts, a)
		return nil
	}
	if firstByte(body) == '{' && json.Valid(trimBOM(body)) {
		// {"alerts": [...]} is a batch when it holds an "alerts" array and
		// no title of its own.
		var batch []byte
		hasTitle := false
		err := jsonValidObjectEach(body, maxAlertFields, func(key string, raw []byte) error {
			switch key {
			case "alerts":
				if firstByte(raw) == '[' {
					batch = raw
				}
			case "title":
				hasTitle = true
			}
			return nil
		})
		if err != nil {
			return DecodeResult{}, jsonSyntax("body", err)
		}
		if batch != nil && !hasTitle {
			if err := jsonValidRecords(batch, one); err != nil {
				return DecodeResult{}, err
			}
			return r, nil
		}
		if err := one(0, trimBOM(body)); err != nil {
			return DecodeResult{}, err
		}
		return r, nil
	}
	if firstByte(body) == '[' && json.Valid(trimBOM(body)) {
		if err := jsonValidRecords(body, one); err != nil {
			return DecodeResult{}, err
		}
		return r, nil
	}
	if err := jsonRecords(body, one); err != nil {
		return DecodeResult{}, err
	}
	return r, nil
}

// decodeGenericAlert decodes the i-th alert of a generic payload.
func decodeGenericAlert(i int, raw []byte) (AlertInput, error) {
	b := newAlertBuilder(FormatGeneric, true)
	a := &b.a
	str := func(field string, v []byte) (string, error) {
		if s, ok := jsonFastString(v); ok {
			return s, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			if string(v) == "null" {
				return "", nil
			}
			return "", alertInvalid(i, field, "invalid_type", "must be a string")
		}
		return s, nil
	}
	// raw is valid JSON (the callers checked it), so it is walked without a
	// tokenizer; obsRaw and labelsRaw are slices of it.
	var obsRaw, labelsRaw []byte
	err := jsonValidObjectEach(raw, maxAlertFields, func(key string, v []byte) error {
		var err error
		switch key {
		case "title":
			a.Title, err = str(key, v)
		case "rule":
			a.Rule, err = str(key, v)
		case "description":
			a.Description, err = str(key, v)
		case "host":
			a.Host, err = str(key, v)
		case "fingerprint":
			a.Fingerprint, err = str(key, v)
			a.Fingerprint = strings.TrimSpace(a.Fingerprint)
		case "severity":
			var s string
			if n, e := strconv.Atoi(strings.TrimSpace(string(v))); e == nil {
				s = strconv.Itoa(n)
			} else if s, err = str(key, v); err != nil {
				return alertInvalid(i, key, "invalid_type", "must be a severity name or a number 1–5")
			}
			if strings.TrimSpace(s) == "" {
				return nil
			}
			sev, ok := ParseAlertSeverity(s)
			if !ok {
				return alertInvalid(i, key, "invalid_choice", "must be critical, high, medium, low or info (or 1–5, 5 = critical)")
			}
			a.Severity = sev
		case "status":
			var s string
			if s, err = str(key, v); err == nil {
				switch strings.ToLower(strings.TrimSpace(s)) {
				case "", "firing":
					a.Status = AlertFiring
				case "resolved":
					a.Status = AlertResolved
				default:
					return alertInvalid(i, key, "invalid_choice", "must be firing or resolved")
				}
			}
		case "occurred_at":
			var s string
			if s, err = str(key, v); err == nil && strings.TrimSpace(s) != "" {
				t, ok := parseAlertTime(s)
				if !ok {
					return alertInvalid(i, key, "invalid_time", "must be an RFC 3339 time such as 2026-11-26T13:00:00+09:00")
				}
				a.OccurredAt = t
			}
		case "observables":
			obsRaw = v
		case "labels":
			labelsRaw = v
		}
		return err
	})
	if err != nil {
		return AlertInput{}, jsonSyntax(alertField(i, ""), err)
	}
	if obsRaw != nil && string(obsRaw) != "null" {
		if firstByte(obsRaw) != '[' {
			return AlertInput{}, alertInvalid(i, "observables", "invalid_type", `must be an array of {"type", "value"} objects`)
		}
		err := jsonValidArrayEach(obsRaw, MaxAlertObservables, func(j int, v []byte) error {
			field := "observables[" + strconv.Itoa(j) + "]"
			o, ok := genericObservable(v)
			if !ok {
				return alertInvalid(i, field, "invalid_type", `must be an object {"type": "ip", "value": "…"}`)
			}
			if o.Type == nil || !ObservableType(strings.ToLower(strings.TrimSpace(*o.Type))).Valid() {
				return alertInvalid(i, field+".type", "unknown_type", "the type must be ip, domain, url, hash, email or account")
			}
			t := ObservableType(strings.ToLower(strings.TrimSpace(*o.Type)))
			if o.Value == nil {
				return alertInvalid(i, field+".value", "required", "the value is required")
			}
			val, err := NormalizeObservable(t, *o.Value)
			if err != nil {
				return alertInvalid(i, field+".value", "invalid_observable", err.Error())
			}
			b.add(AlertObservable{Type: t, Value: val})
			return nil
		})
		if err != nil {
			if isTooMany(err) {
				return AlertInput{}, alertInvalid(i, "observables", "too_many", fmt.Sprintf("an alert may have at most %d observables", MaxAlertObservables))
			}
			return AlertInput{}, jsonSyntax(alertField(i, "observables"), err)
		}
	}
	if labelsRaw != nil && string(labelsRaw) != "null" {
		if firstByte(labelsRaw) != '{' {
			return AlertInput{}, alertInvalid(i, "labels", "invalid_type", "must be an object of strings")
		}
		a.Labels = map[string]string{}
		err := jsonValidObjectEach(labelsRaw, MaxAlertLabels, func(k string, v []byte) error {
			s, ok := jsonFastString(v)
			if !ok {
				if err := json.Unmarshal(v, &s); err != nil {
					return alertInvalid(i, "labels."+truncateKey(k), "invalid_type", "a label's value must be a string")
				}
			}
			a.Labels[k] = s
			return nil
		})
		if err != nil {
			if strings.Contains(err.Error(), "more than") {
				return AlertInput{}, alertInvalid(i, "labels", "too_many", fmt.Sprintf("an alert may have at most %d labels", MaxAlertLabels))
			}
			return AlertInput{}, jsonSyntax(alertField(i, "labels"), err)
		}
	}
	if strings.TrimSpace(a.Title) == "" {
		return AlertInput{}, alertInvalid(i, "title", "required", "a title is required")
	}
	return b.finish(i, raw)
}

// isTooMany reports whether err is the "too many alerts" error of a capped
// array reader.
func isTooMany(err error) bool {
	ve, ok := err.(*ValidationError)
	return ok && len(ve.Fields) == 1 && ve.Fields[0].Code == "too_many"
}

// truncateKey keeps a field name in an error message short.
func truncateKey(k string) string {
	if len(k) > 64 {
		k = k[:64] + "…"
	}
	return strings.ToValidUTF8(k, "\uFFFD")
}

// genericObservable reads {"type", "value"} from v (valid JSON) as
// json.Unmarshal into struct{Type, Value *string} would: member names
// without case, the last of repeated members winning, null leaving a field
// nil; ok is false where Unmarshal would fail (v not an object, or a member
// that is neither a string nor null).
func genericObservable(v []byte) (o struct{ Type, Value *string }, ok bool) {
	if firstByte(v) != '{' {
		return o, false
	}
	ok = true
	_ = jsonValidObjectEach(v, math.MaxInt, func(key string, raw []byte) error {
		var dst **string
		switch {
		case strings.EqualFold(key, "type"):
			dst = &o.Type
		case strings.EqualFold(key, "value"):
			dst = &o.Value
		default:
			return nil
		}
		if string(raw) == "null" {
			*dst = nil
			return nil
		}
		s, fast := jsonFastString(raw)
		if !fast && (firstByte(raw) != '"' || json.Unmarshal(raw, &s) != nil) {
			ok = false
			return nil
		}
		*dst = &s
		return nil
	})
	return o, ok
}
