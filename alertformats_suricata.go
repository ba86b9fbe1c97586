package hikeshi

import (
	"fmt"
	"strconv"
	"strings"
)

// Suricata's EVE JSON (eve.json), one record per line as Suricata writes it
// (a JSON array of records, or one record, also reads). Only records with
// event_type "alert" are alerts; flow, dns, http, tls, stats … records are
// skipped and counted. An alert record:
//
//	{"timestamp": "2026-11-26T13:04:05.123456+0900", "flow_id": 1234,
//	 "in_iface": "eth0", "event_type": "alert", "src_ip": "…", "src_port": 443,
//	 "dest_ip": "…", "dest_port": 51000, "proto": "TCP", "app_proto": "http",
//	 "alert": {"action": "allowed", "gid": 1, "signature_id": 2024364,
//	   "rev": 4, "signature": "ET …", "category": "…", "severity": 2},
//	 "http": {"hostname": "…", "url": "/…"}, "host": "sensor-01"}
//
// rule = the signature id (gid:sid when gid is not 1); title = the
// signature; severity 1 → high, 2 → medium, 3 → low, higher → info; host =
// the sensor name ("host", set by Suricata's sensor-name); observables =
// source and destination addresses, HTTP host and URL, TLS SNI, DNS names,
// file hashes and mail senders. Ports and flow ids stay in the raw record
// only, so that the same signature between the same addresses is one alert.

func decodeSuricata(body []byte) (DecodeResult, error) {
	var r DecodeResult
	err := jsonRecords(body, func(i int, raw []byte) error {
		f, err := flattenJSON(raw)
		if err != nil {
			return alertInvalid(i, "", "invalid_json", err.Error())
		}
		if f.get("event_type") != "alert" {
			r.Skipped++
			return nil
		}
		a, err := suricataAlert(i, f, raw)
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

func suricataAlert(i int, f flatJSON, raw []byte) (AlertInput, error) {
	b := newAlertBuilder(FormatSuricata, false)
	a := &b.a
	sid, gid := f.get("alert.signature_id"), f.get("alert.gid")
	a.Rule = sid
	if gid != "" && gid != "1" && sid != "" {
		a.Rule = gid + ":" + sid
	}
	a.Title = f.get("alert.signature")
	sev, _ := strconv.Atoi(f.get("alert.severity"))
	switch {
	case sev == 1:
		a.Severity = SeverityHigh
	case sev == 2:
		a.Severity = SeverityMedium
	case sev == 3:
		a.Severity = SeverityLow
	case sev >= 4:
		a.Severity = SeverityInfo
	default:
		a.Severity = SeverityMedium
	}
	a.Host = f.get("host", "sensor_name")
	if t, ok := parseAlertTime(f.get("timestamp")); ok {
		a.OccurredAt = t
	}
	proto := f.get("proto")
	src, dst := f.get("src_ip"), f.get("dest_ip")
	var d strings.Builder
	if c := f.get("alert.category"); c != "" {
		d.WriteString(c)
	}
	if src != "" || dst != "" {
		if d.Len() > 0 {
			d.WriteString("\n")
		}
		fmt.Fprintf(&d, "%s %s → %s", proto, joinHostPort(src, f.get("src_port")), joinHostPort(dst, f.get("dest_port")))
	}
	if act := f.get("alert.action"); act != "" {
		fmt.Fprintf(&d, " (%s)", act)
	}
	a.Description = strings.TrimSpace(d.String())
	b.label("category", f.get("alert.category"))
	b.label("action", f.get("alert.action"))
	b.label("proto", proto)
	b.label("app_proto", f.get("app_proto"))
	b.label("in_iface", f.get("in_iface"))
	b.label("gid", gid)
	b.label("sid", sid)
	b.label("rev", f.get("alert.rev"))
	b.observe(ObservableIP, src)
	b.observe(ObservableIP, dst)
	host := f.get("http.hostname")
	b.observe(ObservableDomain, host)
	if u := f.get("http.url"); u != "" {
		if strings.Contains(u, "://") {
			b.observe(ObservableURL, u)
		} else if host != "" && strings.HasPrefix(u, "/") {
			scheme := "http"
			if p := f.get("dest_port"); p == "443" {
				scheme = "https"
			}
			b.observe(ObservableURL, scheme+"://"+host+u)
		}
	}
	b.observe(ObservableDomain, f.get("tls.sni"))
	for _, n := range f.all("dns.rrname", "dns.query.rrname", "dns.queries.rrname", "dns.answers.rrname") {
		b.observe(ObservableDomain, n)
	}
	for _, h := range f.all("fileinfo.sha256", "fileinfo.sha1", "fileinfo.md5", "files.sha256", "files.md5") {
		b.observe(ObservableHash, h)
	}
	for _, m := range f.all("smtp.mail_from", "email.from") {
		b.observe(ObservableEmail, strings.Trim(m, "<> "))
	}
	return b.finish(i, raw)
}

// joinHostPort writes an address and port for people ([v6]:port).
func joinHostPort(ip, port string) string {
	if port == "" {
		return ip
	}
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:" + port
	}
	return ip + ":" + port
}
