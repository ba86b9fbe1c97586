package hikeshi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of what one payload may carry. A payload over a limit is refused with
// an error that names the limit; nothing is allocated beyond them.
const (
	MaxAlertPayloadBytes   = 16 << 20 // bytes of one payload (intake limits a request further)
	MaxAlertsPerPayload    = 10_000   // alerts (records) in one payload
	MaxAlertTitleLen       = 500      // characters
	MaxAlertRuleLen        = 500      // characters
	MaxAlertHostLen        = 500      // characters
	MaxAlertDescriptionLen = 20_000   // characters
	MaxAlertFingerprintLen = 200      // bytes
	MaxAlertLabels         = 100      // labels per alert
	MaxAlertLabelKeyLen    = 200      // characters of a label's name
	MaxAlertLabelValueLen  = 2_000    // characters of a label's value
	MaxAlertObservables    = 100      // observables per alert
	MaxAlertRawBytes       = 1 << 20  // bytes of one alert's raw JSON
	maxAlertFields         = 20_000   // JSON members read from one record
	maxAlertDepth          = 64       // nesting of JSON read from one record
)

// DecodeResult is what a decoder made of a payload: the alerts, and how many
// records it skipped because they are not alerts (Suricata flow, dns, stats …
// records; ECS documents whose event.kind is not "alert" or "signal").
type DecodeResult struct {
	Alerts  []AlertInput
	Skipped int
}

// DecodeAlerts turns a sender's payload in format f into normalised alerts.
// It never panics on hostile input; a payload it cannot read is an error that
// wraps ErrInvalid (usually a *ValidationError naming the record and field,
// e.g. "alerts[3].title"). Records that are not alerts are skipped; use
// DecodeAlertPayload to learn how many.
func DecodeAlerts(f AlertFormat, body []byte) ([]AlertInput, error) {
	r, err := DecodeAlertPayload(f, body)
	return r.Alerts, err
}

// DecodeAlertPayload is DecodeAlerts that also reports the records skipped
// as not being alerts. On error the result is empty.
func DecodeAlertPayload(f AlertFormat, body []byte) (DecodeResult, error) {
	if len(body) > MaxAlertPayloadBytes {
		return DecodeResult{}, Invalid("body", "too_large", fmt.Sprintf("the payload is larger than %d bytes", MaxAlertPayloadBytes))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return DecodeResult{}, Invalid("body", "required", "the payload is empty")
	}
	var (
		r   DecodeResult
		err error
	)
	switch f {
	case FormatGeneric:
		r, err = decodeGeneric(body)
	case FormatAlertmanager:
		r, err = decodeAlertmanager(body)
	case FormatSuricata:
		r, err = decodeSuricata(body)
	case FormatWazuh:
		r, err = decodeWazuh(body)
	case FormatECS:
		r, err = decodeECS(body)
	default:
		return DecodeResult{}, Invalid("format", "unknown_format", fmt.Sprintf("alert format %q is not one of generic, alertmanager, suricata, wazuh, ecs", f))
	}
	if err != nil {
		return DecodeResult{}, err
	}
	return r, nil
}

// AlertFingerprint is the fingerprint of an alert whose sender gave none: the
// same format, rule, host, observables and labels make the same alert. An
// alert without a rule is told apart by its title instead.
func AlertFingerprint(a AlertInput) string {
	h := sha256.New()
	// Each field is written as "<length>:<text>;" (the fingerprints of
	// stored alerts depend on these exact bytes).
	var buf []byte
	field := func(s string) {
		buf = strconv.AppendInt(buf[:0], int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
		buf = append(buf, ';')
		h.Write(buf)
	}
	field(string(a.Format))
	field(alertRuleOrTitle(a))
	field(strings.ToLower(a.Host))
	obs := make([]string, 0, len(a.Observables))
	for _, o := range a.Observables {
		obs = append(obs, string(o.Type)+"="+o.Value)
	}
	slices.Sort(obs)
	obs = slices.Compact(obs)
	for _, o := range obs {
		field(o)
	}
	keys := make([]string, 0, len(a.Labels))
	for k := range a.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field(k)
		field(a.Labels[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AlertGroupKey is the key that puts alerts into one event while it is open:
// the same format, rule (the title when there is no rule) and host (host
// compared without case).
func AlertGroupKey(a AlertInput) string {
	return strings.Join([]string{string(a.Format), alertRuleOrTitle(a), strings.ToLower(a.Host)}, "\x1f")
}

// alertRuleOrTitle is what names an alert's kind: its rule, or its title
// when the sender gave no rule.
func alertRuleOrTitle(a AlertInput) string {
	if a.Rule != "" {
		return a.Rule
	}
	return "title:" + a.Title
}

// Matches reports whether suppression rule s holds back alert a at now. A
// disabled or expired rule, or one with no match field set, matches nothing.
// Rule and host are patterns where * stands for any run of characters; the
// host is compared without case. Observable is an exact canonical value.
func (s AlertSuppression) Matches(a AlertInput, now time.Time) bool {
	if !s.DisabledAt.IsZero() || (!s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt)) {
		return false
	}
	if s.Format == "" && s.Rule == "" && s.Host == "" && s.Observable == "" {
		return false
	}
	if s.Format != "" && s.Format != a.Format {
		return false
	}
	if s.Rule != "" && !wildcardMatch(s.Rule, a.Rule) {
		return false
	}
	if s.Host != "" && !wildcardMatch(strings.ToLower(s.Host), strings.ToLower(a.Host)) {
		return false
	}
	if s.Observable != "" && !slices.ContainsFunc(a.Observables, func(o AlertObservable) bool { return o.Value == s.Observable }) {
		return false
	}
	return true
}

// wildcardMatch matches s against pattern p, where * stands for any run of
// characters (and nothing else is special).
func wildcardMatch(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// ParseAlertSeverity reads a severity as senders write it. The five names
// are accepted as they are; the usual other words map onto them
// (emergency/alert/crit/fatal/page → critical; error/err/major/severe →
// high; warning/warn/moderate → medium; minor/notice → low;
// informational/information/debug/none/ok → info), without case. The digits
// 1–5 read as info (1) … critical (5), the order of AlertSeverity.Rank.
func ParseAlertSeverity(s string) (AlertSeverity, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "crit", "emergency", "emerg", "alert", "fatal", "page", "disaster", "5":
		return SeverityCritical, true
	case "high", "error", "err", "major", "severe", "4":
		return SeverityHigh, true
	case "medium", "warning", "warn", "moderate", "average", "3":
		return SeverityMedium, true
	case "low", "minor", "notice", "2":
		return SeverityLow, true
	case "info", "informational", "information", "debug", "none", "ok", "1":
		return SeverityInfo, true
	}
	return "", false
}

// alertField names field of the i-th record of a payload.
func alertField(i int, field string) string {
	if field == "" {
		return fmt.Sprintf("alerts[%d]", i)
	}
	return fmt.Sprintf("alerts[%d].%s", i, field)
}

// alertInvalid is the error for field of the i-th record.
func alertInvalid(i int, field, code, message string) error {
	return Invalid(alertField(i, field), code, message)
}

// parseAlertTime reads a time as senders write it: RFC 3339, or ISO 8601
// with a +0000 style offset (Suricata, Wazuh). The result is in UTC.
func parseAlertTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1 || t.Year() > 9999 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// alertBuilder collects an alert's observables and labels while a decoder
// reads a record, then checks and completes the alert in finish.
type alertBuilder struct {
	a      AlertInput
	strict bool // refuse what does not fit (generic); else drop or shorten it
	seen   map[AlertObservable]bool
}

func newAlertBuilder(f AlertFormat, strict bool) *alertBuilder {
	return &alertBuilder{a: AlertInput{Format: f}, strict: strict}
}

// observe adds an observable when raw normalises as type t; a value that
// does not is dropped (decoders of foreign formats never fail an alert for
// it). It reports whether the value was kept.
func (b *alertBuilder) observe(t ObservableType, raw string) bool {
	if raw == "" || len(raw) > MaxObservableLen*2 {
		return false
	}
	v, err := NormalizeObservable(t, raw)
	if err != nil {
		return false
	}
	return b.add(AlertObservable{Type: t, Value: v})
}

func (b *alertBuilder) add(o AlertObservable) bool {
	if b.seen == nil {
		b.seen = map[AlertObservable]bool{}
	}
	if b.seen[o] {
		return true
	}
	if len(b.a.Observables) >= MaxAlertObservables {
		return false
	}
	b.seen[o] = true
	b.a.Observables = append(b.a.Observables, o)
	return true
}

// label sets a label when the value is not empty.
func (b *alertBuilder) label(k, v string) {
	if v == "" {
		return
	}
	if b.a.Labels == nil {
		b.a.Labels = map[string]string{}
	}
	b.a.Labels[k] = v
}

// finish checks and completes the i-th alert: text limits, defaults,
// fingerprint and raw payload. Strict builders refuse what is over a limit;
// others shorten text and drop extra labels.
func (b *alertBuilder) finish(i int, raw []byte) (AlertInput, error) {
	a := b.a
	var err error
	line := func(field, s string, max int, required bool) string {
		if err != nil {
			return s
		}
		s = strings.TrimSpace(s)
		if b.strict {
			// The field's name is made only for an error.
			v := &ValidationError{}
			ValidateText(v, "", s, max, required)
			if strings.ContainsAny(s, "\r\n") && max != MaxAlertDescriptionLen {
				v.Add("", "invalid_text", "the text must be one line")
			}
			if e := v.Err(); e != nil {
				v.Fields[0].Field = alertField(i, field)
				err = &ValidationError{Fields: v.Fields[:1]}
			}
			return s
		}
		return cleanAlertText(s, max, max == MaxAlertDescriptionLen)
	}
	a.Title = line("title", a.Title, MaxAlertTitleLen, true)
	a.Rule = line("rule", a.Rule, MaxAlertRuleLen, false)
	a.Host = line("host", a.Host, MaxAlertHostLen, false)
	a.Description = line("description", a.Description, MaxAlertDescriptionLen, false)
	if err != nil {
		return AlertInput{}, err
	}
	if a.Title == "" {
		a.Title = a.Rule
	}
	if a.Title == "" {
		a.Title = string(a.Format) + " alert"
	}
	if a.Severity == "" {
		a.Severity = SeverityMedium
	}
	if a.Status == "" {
		a.Status = AlertFiring
	}
	if !a.OccurredAt.IsZero() {
		a.OccurredAt = a.OccurredAt.UTC()
	}
	if len(a.Labels) > 0 {
		keys := make([]string, 0, len(a.Labels))
		for k := range a.Labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > MaxAlertLabels {
			if b.strict {
				return AlertInput{}, alertInvalid(i, "labels", "too_many", fmt.Sprintf("an alert may have at most %d labels", MaxAlertLabels))
			}
			keys = keys[:MaxAlertLabels]
		}
		labels := make(map[string]string, len(keys))
		for _, k := range keys {
			v := a.Labels[k]
			if b.strict {
				ve := &ValidationError{}
				ValidateText(ve, "", k, MaxAlertLabelKeyLen, true)
				if len(ve.Fields) > 0 {
					ve.Fields[0].Field = alertField(i, "labels")
				}
				ValidateText(ve, "v", v, MaxAlertLabelValueLen, false)
				if len(ve.Fields) > 0 {
					if ve.Fields[0].Field == "v" {
						ve.Fields[0].Field = alertField(i, "labels."+k)
					}
					if len(k) > MaxAlertLabelKeyLen*4 || !utf8.ValidString(k) {
						ve.Fields[0].Field = alertField(i, "labels")
					}
					return AlertInput{}, &ValidationError{Fields: ve.Fields[:1]}
				}
			}
			ck := cleanAlertText(k, MaxAlertLabelKeyLen, false)
			if ck == "" {
				continue
			}
			labels[ck] = cleanAlertText(v, MaxAlertLabelValueLen, false)
		}
		a.Labels = labels
	} else {
		a.Labels = nil
	}
	if a.Fingerprint != "" {
		fp := a.Fingerprint
		if len(fp) > MaxAlertFingerprintLen || !utf8.ValidString(fp) || strings.ContainsFunc(fp, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
			if b.strict {
				return AlertInput{}, alertInvalid(i, "fingerprint", "invalid", fmt.Sprintf("a fingerprint is at most %d bytes of printable text without spaces", MaxAlertFingerprintLen))
			}
			sum := sha256.Sum256([]byte(fp))
			fp = hex.EncodeToString(sum[:])
		}
		a.Fingerprint = fp
	} else {
		a.Fingerprint = AlertFingerprint(a)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > MaxAlertRawBytes {
		return AlertInput{}, alertInvalid(i, "", "too_large", fmt.Sprintf("one alert is larger than %d bytes", MaxAlertRawBytes))
	}
	if !utf8.Valid(raw) {
		raw = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
	} else {
		raw = bytes.Clone(raw)
	}
	a.Raw = raw
	return a, nil
}

// cleanAlertText makes foreign text storable: valid UTF-8, no control
// characters (line breaks and tabs kept when multiline), trimmed, and at
// most max characters (cut with "…").
func cleanAlertText(s string, max int, multiline bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
		s = strings.Map(func(r rune) rune {
			switch {
			case multiline && (r == '\n' || r == '\t'):
				return r
			case r == '\r' && multiline:
				return -1
			case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
				if r == 0 {
					return -1
				}
				return ' '
			}
			return r
		}, s)
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		n := 0
		for j := range s {
			if n == max-1 {
				s = strings.TrimSpace(s[:j]) + "…"
				break
			}
			n++
		}
	}
	return s
}

// firstNonEmpty returns the first of ss that is not empty after trimming.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// errTooManyAlerts is the error of a payload with too many records.
func errTooManyAlerts() error {
	return Invalid("alerts", "too_many", fmt.Sprintf("a payload may carry at most %d alerts", MaxAlertsPerPayload))
}

// jsonSyntax explains a JSON error in a field error.
func jsonSyntax(field string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	msg := "not valid JSON"
	if err != nil {
		msg += ": " + err.Error()
	}
	return Invalid(field, "invalid_json", msg)
}

// hostWithoutPort strips a :port from host:port (and the brackets of
// [v6]:port), leaving other names as they are.
func hostWithoutPort(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			return s[1:i]
		}
		return s
	}
	if i := strings.LastIndexByte(s, ':'); i > 0 && strings.Count(s, ":") == 1 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			return s[:i]
		}
	}
	return s
}
