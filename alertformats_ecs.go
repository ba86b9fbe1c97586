package hikeshi

import (
	"strconv"
	"strings"
)

// Elastic Common Schema documents (one object, an array, or one per line;
// a search hit's _source is read too). Field names may be nested objects or
// dotted names ({"event": {"kind": "alert"}} and {"event.kind": "alert"} are
// the same). Only documents with event.kind "alert" — or "signal", which
// Elastic Security's detection alerts carry — are alerts; others are skipped
// and counted.
//
// rule = rule.id (else rule.uuid, kibana.alert.rule.rule_id …); title =
// rule.name (else kibana.alert.rule.name, else the message's first line);
// description = kibana.alert.reason, else message; severity from a named
// severity (kibana.alert.severity, log.level, event.severity_name), else
// numeric event.severity: 0–7 as syslog severities (0–2 critical, 3 high,
// 4 medium, 5 low, 6–7 info), above 7 on Elastic's 0–100 risk scale
// (≥ 74 critical, ≥ 48 high, ≥ 22 medium, else low); host = host.name;
// observables = source/destination/client/server addresses, related.ip,
// url.full, domains, file/process hashes, mail addresses and user.name.

func decodeECS(body []byte) (DecodeResult, error) {
	var r DecodeResult
	err := jsonRecords(body, func(i int, raw []byte) error {
		f, err := flattenJSON(raw)
		if err != nil {
			return alertInvalid(i, "", "invalid_json", err.Error())
		}
		if _, ok := f["_source.@timestamp"]; ok || f.get("_source.event.kind") != "" {
			f = f.sub("_source")
		}
		switch strings.ToLower(f.get("event.kind")) {
		case "alert", "signal":
		default:
			r.Skipped++
			return nil
		}
		a, err := ecsAlert(i, f, raw)
		if err != nil {
			return err
		}
		r.Alerts = append(r.Alerts, a)
		return nil
	})
	if err != nil {
		return DecodeResult{}, err
	}
	return r, nil
}

// sub returns the fields under prefix, without it.
func (f flatJSON) sub(prefix string) flatJSON {
	out := flatJSON{}
	p := prefix + "."
	for k, v := range f {
		if rest, ok := strings.CutPrefix(k, p); ok {
			out[rest] = v
		}
	}
	return out
}

// ECSSeverity reads ECS's numeric event.severity (see decodeECS).
func ECSSeverity(n int) AlertSeverity {
	switch {
	case n < 0:
		return SeverityMedium
	case n <= 2:
		return SeverityCritical
	case n == 3:
		return SeverityHigh
	case n == 4:
		return SeverityMedium
	case n == 5:
		return SeverityLow
	case n <= 7:
		return SeverityInfo
	case n >= 74:
		return SeverityCritical
	case n >= 48:
		return SeverityHigh
	case n >= 22:
		return SeverityMedium
	}
	return SeverityLow
}

func ecsAlert(i int, f flatJSON, raw []byte) (AlertInput, error) {
	b := newAlertBuilder(FormatECS, false)
	a := &b.a
	a.Rule = f.get("rule.id", "rule.uuid", "kibana.alert.rule.rule_id", "kibana.alert.rule.uuid", "signal.rule.rule_id", "signal.rule.id", "rule.name")
	msg := f.get("message")
	firstLine, _, _ := strings.Cut(msg, "\n")
	a.Title = firstNonEmpty(f.get("rule.name", "kibana.alert.rule.name", "signal.rule.name"), firstLine, f.get("event.action"))
	a.Description = firstNonEmpty(f.get("kibana.alert.reason", "signal.reason"), msg, f.get("rule.description", "event.reason"))
	if sev, ok := ParseAlertSeverity(f.get("kibana.alert.severity", "signal.rule.severity", "event.severity_name", "log.level")); ok {
		a.Severity = sev
	} else if n, err := strconv.Atoi(f.get("event.severity")); err == nil {
		a.Severity = ECSSeverity(n)
	} else if n, err := strconv.ParseFloat(f.get("kibana.alert.risk_score", "event.risk_score", "signal.rule.risk_score"), 64); err == nil && n >= 0 && n <= 100 {
		a.Severity = ECSSeverity(max(8, int(n)))
	}
	a.Host = f.get("host.name", "host.hostname", "observer.name", "observer.hostname", "agent.name")
	if t, ok := parseAlertTime(f.get("@timestamp", "event.created")); ok {
		a.OccurredAt = t
	}
	b.label("category", strings.Join(f.all("event.category"), ","))
	b.label("module", f.get("event.module"))
	b.label("dataset", f.get("event.dataset"))
	b.label("action", f.get("event.action"))
	b.label("rule_category", f.get("rule.category"))
	b.label("ruleset", f.get("rule.ruleset"))
	b.label("observer", strings.TrimSpace(f.get("observer.vendor")+" "+f.get("observer.product")))
	b.label("tags", strings.Join(f.all("tags"), ","))
	for _, ip := range f.all("source.ip", "destination.ip", "client.ip", "server.ip", "related.ip") {
		b.observe(ObservableIP, ip)
	}
	for _, u := range f.all("url.full", "url.original") {
		if strings.Contains(u, "://") {
			b.observe(ObservableURL, u)
		}
	}
	for _, d := range f.all("url.domain", "destination.domain", "source.domain", "dns.question.name", "tls.client.server_name") {
		b.observe(ObservableDomain, d)
	}
	for _, h := range f.all("file.hash.sha256", "file.hash.sha1", "file.hash.md5", "process.hash.sha256", "process.hash.md5", "related.hash") {
		b.observe(ObservableHash, h)
	}
	for _, m := range f.all("email.from.address", "email.sender.address", "email.to.address") {
		b.observe(ObservableEmail, m)
	}
	for _, u := range f.all("user.name") {
		b.observe(ObservableAccount, u)
	}
	return b.finish(i, raw)
}
