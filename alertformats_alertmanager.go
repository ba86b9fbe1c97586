package hikeshi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Prometheus Alertmanager's webhook (webhook_configs), version 4:
//
//	{"version": "4", "groupKey": "…", "truncatedAlerts": 0, "status": "firing",
//	 "receiver": "hikeshi", "groupLabels": {…}, "commonLabels": {…},
//	 "commonAnnotations": {…}, "externalURL": "http://alertmanager:9093",
//	 "alerts": [{"status": "firing", "labels": {…}, "annotations": {…},
//	   "startsAt": "…", "endsAt": "…", "generatorURL": "…", "fingerprint": "…"}]}
//
// Each alert becomes one alert: rule = labels.alertname; title =
// annotations.summary (else title, else the alertname); description =
// annotations.description (else message); severity = labels.severity read
// by ParseAlertSeverity (warning → medium; none given → medium); host =
// labels.instance without its port (else host, hostname, node, pod);
// observables = label values that are IP addresses, and the ip/src_ip/
// dst_ip/domain/url/hash labels; fingerprint = Alertmanager's own (stable
// per label set); occurred_at = startsAt. Labels keep every label.

type amAlert struct {
	Status       string          `json:"status"`
	Labels       json.RawMessage `json:"labels"`
	Annotations  json.RawMessage `json:"annotations"`
	StartsAt     string          `json:"startsAt"`
	EndsAt       string          `json:"endsAt"`
	GeneratorURL string          `json:"generatorURL"`
	Fingerprint  string          `json:"fingerprint"`
}

// decodeAlertmanager decodes an Alertmanager webhook notification.
func decodeAlertmanager(body []byte) (DecodeResult, error) {
	if firstByte(body) != '{' {
		return DecodeResult{}, Invalid("body", "invalid_json", "an Alertmanager notification is one JSON object")
	}
	var (
		version  string
		receiver string
		alerts   json.RawMessage
	)
	err := jsonObjectEach(body, maxAlertFields, func(key string, raw json.RawMessage) error {
		switch key {
		case "version":
			if json.Unmarshal(raw, &version) != nil {
				return Invalid("version", "invalid_type", "must be a string")
			}
		case "receiver":
			_ = json.Unmarshal(raw, &receiver)
		case "alerts":
			alerts = raw
		}
		return nil
	})
	if err != nil {
		return DecodeResult{}, jsonSyntax("body", err)
	}
	if version != "" && version != "4" {
		return DecodeResult{}, Invalid("version", "unsupported", fmt.Sprintf("webhook version %q is not supported; Alertmanager sends version 4", truncateKey(version)))
	}
	if firstByte(alerts) != '[' {
		return DecodeResult{}, Invalid("alerts", "required", "an Alertmanager notification carries an alerts array")
	}
	var r DecodeResult
	err = jsonArrayEach(alerts, MaxAlertsPerPayload, func(i int, raw json.RawMessage) error {
		a, err := decodeAlertmanagerAlert(i, raw, receiver)
		if err != nil {
			return err
		}
		r.Alerts = append(r.Alerts, a)
		return nil
	})
	if err != nil {
		return DecodeResult{}, jsonSyntax("alerts", err)
	}
	return r, nil
}

// stringMap reads a JSON object of strings (Alertmanager labels and
// annotations), at most max members; other values are kept as their JSON.
func stringMap(raw json.RawMessage, max int) (map[string]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	m := map[string]string{}
	err := jsonObjectEach(raw, max, func(k string, v json.RawMessage) error {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		m[k] = s
		return nil
	})
	return m, err
}

func decodeAlertmanagerAlert(i int, raw json.RawMessage, receiver string) (AlertInput, error) {
	var in amAlert
	if firstByte(raw) != '{' || json.Unmarshal(raw, &in) != nil {
		return AlertInput{}, alertInvalid(i, "", "invalid_json", "each alert must be an Alertmanager alert object")
	}
	labels, err := stringMap(in.Labels, maxAlertFields)
	if err != nil {
		return AlertInput{}, alertInvalid(i, "labels", "invalid_json", "labels must be an object of strings")
	}
	ann, err := stringMap(in.Annotations, maxAlertFields)
	if err != nil {
		return AlertInput{}, alertInvalid(i, "annotations", "invalid_json", "annotations must be an object of strings")
	}
	b := newAlertBuilder(FormatAlertmanager, false)
	a := &b.a
	a.Rule = labels["alertname"]
	a.Title = firstNonEmpty(ann["summary"], ann["title"], ann["message"], labels["alertname"])
	a.Description = firstNonEmpty(ann["description"], ann["message"])
	if sev, ok := ParseAlertSeverity(firstNonEmpty(labels["severity"], labels["priority"], labels["level"])); ok {
		a.Severity = sev
	}
	switch strings.ToLower(in.Status) {
	case "resolved":
		a.Status = AlertResolved
	default:
		a.Status = AlertFiring
	}
	a.Host = firstNonEmpty(hostWithoutPort(labels["instance"]), labels["host"], labels["hostname"], labels["node"], labels["nodename"], labels["pod"])
	if t, ok := parseAlertTime(in.StartsAt); ok && t.Year() > 1 {
		a.OccurredAt = t
	}
	a.Fingerprint = strings.TrimSpace(in.Fingerprint)
	for k, v := range labels {
		b.label(k, v)
	}
	if u := strings.TrimSpace(ann["runbook_url"]); u != "" {
		b.label("runbook_url", u)
	}
	// Observables: the instance when it is an address, and labels whose
	// names say what they hold.
	b.observe(ObservableIP, a.Host)
	for _, k := range alertLabelKeys(labels) {
		v := labels[k]
		lk := strings.ToLower(k)
		switch {
		case strings.Contains(lk, "url"):
			b.observe(ObservableURL, v)
		case lk == "domain" || strings.HasSuffix(lk, "_domain") || lk == "fqdn":
			b.observe(ObservableDomain, v)
		case strings.Contains(lk, "hash") || lk == "sha256" || lk == "md5" || lk == "sha1":
			b.observe(ObservableHash, v)
		case strings.Contains(lk, "email") || lk == "mail":
			b.observe(ObservableEmail, v)
		case lk == "ip" || strings.HasSuffix(lk, "_ip") || strings.HasSuffix(lk, "ip_address") || lk == "address":
			b.observe(ObservableIP, hostWithoutPort(v))
		}
	}
	_ = receiver
	return b.finish(i, raw)
}

// alertLabelKeys returns m's keys in order (decoders read maps deterministically).
func alertLabelKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
