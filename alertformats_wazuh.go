package hikeshi

import (
	"strconv"
	"strings"
)

// Wazuh alerts as the manager writes them to alerts.json (one per line) and
// as integrations post them (one object, or an array):
//
//	{"timestamp": "2026-11-26T04:05:06.789+0000",
//	 "rule": {"level": 10, "description": "…", "id": "5712", "groups": ["syslog", "sshd"],
//	   "mitre": {"id": ["T1110"], "tactic": ["Credential Access"]}},
//	 "agent": {"id": "001", "name": "web01", "ip": "10.0.0.5"},
//	 "manager": {"name": "wazuh-manager"}, "id": "1732593906.12345",
//	 "full_log": "…", "decoder": {"name": "sshd"},
//	 "data": {"srcip": "203.0.113.50", "srcuser": "root"}, "location": "/var/log/auth.log"}
//
// rule = rule.id; title = rule.description; description = full_log;
// severity from rule.level on Wazuh's own scale (0–2 info, 3–6 low, 7–11
// medium, 12–14 high, 15 critical); host = agent.name; observables =
// agent.ip, data.srcip/dstip, users, URLs and syscheck hashes. A record
// without a rule is not an alert and is skipped.

func decodeWazuh(body []byte) (DecodeResult, error) {
	var r DecodeResult
	err := jsonRecords(body, func(i int, raw []byte) error {
		f, err := flattenJSON(raw)
		if err != nil {
			return alertInvalid(i, "", "invalid_json", err.Error())
		}
		if f.get("rule.id") == "" && f.get("rule.description") == "" {
			r.Skipped++
			return nil
		}
		a, err := wazuhAlert(i, f, raw)
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

// WazuhSeverity maps a Wazuh rule level (0–15) onto a severity.
func WazuhSeverity(level int) AlertSeverity {
	switch {
	case level >= 15:
		return SeverityCritical
	case level >= 12:
		return SeverityHigh
	case level >= 7:
		return SeverityMedium
	case level >= 3:
		return SeverityLow
	}
	return SeverityInfo
}

func wazuhAlert(i int, f flatJSON, raw []byte) (AlertInput, error) {
	b := newAlertBuilder(FormatWazuh, false)
	a := &b.a
	a.Rule = f.get("rule.id")
	a.Title = f.get("rule.description")
	a.Description = f.get("full_log")
	if lv, err := strconv.Atoi(f.get("rule.level")); err == nil {
		a.Severity = WazuhSeverity(lv)
	}
	a.Host = f.get("agent.name", "hostname", "predecoder.hostname")
	if t, ok := parseAlertTime(f.get("timestamp", "@timestamp")); ok {
		a.OccurredAt = t
	}
	b.label("groups", strings.Join(f.all("rule.groups"), ","))
	b.label("mitre", strings.Join(f.all("rule.mitre.id"), ","))
	b.label("level", f.get("rule.level"))
	b.label("decoder", f.get("decoder.name"))
	b.label("location", f.get("location"))
	b.label("agent_id", f.get("agent.id"))
	b.label("manager", f.get("manager.name"))
	b.observe(ObservableIP, f.get("agent.ip"))
	for _, ip := range f.all("data.srcip", "data.src_ip", "data.dstip", "data.dst_ip", "data.win.eventdata.ipAddress", "data.aws.sourceIPAddress") {
		b.observe(ObservableIP, ip)
	}
	for _, u := range f.all("data.srcuser", "data.dstuser", "data.win.eventdata.targetUserName") {
		b.observe(ObservableAccount, u)
	}
	for _, u := range f.all("data.url") {
		b.observe(ObservableURL, u)
	}
	for _, h := range f.all("syscheck.sha256_after", "syscheck.sha1_after", "syscheck.md5_after", "data.virustotal.source.sha1") {
		b.observe(ObservableHash, h)
	}
	return b.finish(i, raw)
}
