package hikeshi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DecodeAlerts turns a sender's payload in format f into normalised alerts.
// It never panics on hostile input; a payload it cannot read is an error that
// says what was wrong.
func DecodeAlerts(f AlertFormat, body []byte) ([]AlertInput, error) {
	return nil, fmt.Errorf("%w: alert format %q cannot be decoded yet", ErrInvalid, f)
}

// AlertFingerprint is the fingerprint of an alert whose sender gave none: the
// same format, rule, host, observables and labels make the same alert.
func AlertFingerprint(a AlertInput) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field(string(a.Format))
	field(a.Rule)
	field(a.Host)
	obs := make([]string, 0, len(a.Observables))
	for _, o := range a.Observables {
		obs = append(obs, string(o.Type)+"="+o.Value)
	}
	slices.Sort(obs)
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
// the same format, rule and host.
func AlertGroupKey(a AlertInput) string {
	return strings.Join([]string{string(a.Format), a.Rule, strings.ToLower(a.Host)}, "\x1f")
}

// Matches reports whether suppression rule s holds back alert a at now. A
// disabled or expired rule, or one with no match field set, matches nothing.
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
	return strings.HasSuffix(s, last)
}
