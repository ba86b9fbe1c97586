package hikeshi

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var updateAlertGolden = flag.Bool("update-alerts", false, "rewrite testdata/alerts/*.golden.json")

// goldenAlert is what a golden file records of a decoded alert.
type goldenAlert struct {
	Format      AlertFormat       `json:"format"`
	Fingerprint string            `json:"fingerprint"`
	GroupKey    string            `json:"group_key"`
	Rule        string            `json:"rule"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Severity    AlertSeverity     `json:"severity"`
	Status      AlertStatus       `json:"status"`
	Host        string            `json:"host"`
	Observables []AlertObservable `json:"observables"`
	Labels      map[string]string `json:"labels"`
	OccurredAt  string            `json:"occurred_at"`
	Raw         string            `json:"raw"`
}

type goldenPayload struct {
	Skipped int           `json:"skipped"`
	Alerts  []goldenAlert `json:"alerts"`
}

// sampleFormat is the format of a sample file, from its name.
func sampleFormat(name string) AlertFormat {
	f, _, _ := strings.Cut(filepath.Base(name), "-")
	return AlertFormat(f)
}

func alertSamples(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.json", "*.ndjson"} {
		m, err := filepath.Glob(filepath.Join("testdata", "alerts", pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, ".golden.json") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d alert samples", len(files))
	}
	return files
}

func TestDecodeAlertsGolden(t *testing.T) {
	for _, file := range alertSamples(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f := sampleFormat(file)
			if !f.Valid() {
				t.Fatalf("sample %s: unknown format %q", file, f)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := DecodeAlertPayload(f, body)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			got := goldenPayload{Skipped: r.Skipped, Alerts: []goldenAlert{}}
			for _, a := range r.Alerts {
				checkAlertInvariants(t, a)
				g := goldenAlert{Format: a.Format, Fingerprint: a.Fingerprint, GroupKey: AlertGroupKey(a), Rule: a.Rule,
					Title: a.Title, Description: a.Description, Severity: a.Severity, Status: a.Status, Host: a.Host,
					Observables: a.Observables, Labels: a.Labels, Raw: string(a.Raw)}
				if !a.OccurredAt.IsZero() {
					g.OccurredAt = a.OccurredAt.Format(time.RFC3339Nano)
				}
				got.Alerts = append(got.Alerts, g)
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := strings.TrimSuffix(strings.TrimSuffix(file, ".json"), ".ndjson") + ".golden.json"
			if *updateAlertGolden {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestDecodeAlertsGolden -update-alerts)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("%s differs from the decoded alerts:\n%s", golden, out)
			}
		})
	}
}

// checkAlertInvariants holds for every alert a decoder returns.
func checkAlertInvariants(t testing.TB, a AlertInput) {
	t.Helper()
	if !a.Format.Valid() || !a.Severity.Valid() || (a.Status != AlertFiring && a.Status != AlertResolved) {
		t.Fatalf("bad enums: %+v", a)
	}
	if strings.TrimSpace(a.Title) == "" || utf8.RuneCountInString(a.Title) > MaxAlertTitleLen || !utf8.ValidString(a.Title) || strings.ContainsAny(a.Title, "\x00\r\n") {
		t.Fatalf("bad title %q", a.Title)
	}
	for _, s := range []string{a.Rule, a.Host, a.Description} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("bad text %q", s)
		}
	}
	if utf8.RuneCountInString(a.Rule) > MaxAlertRuleLen || utf8.RuneCountInString(a.Host) > MaxAlertHostLen || utf8.RuneCountInString(a.Description) > MaxAlertDescriptionLen {
		t.Fatalf("text over its limit: %+v", a)
	}
	if a.Fingerprint == "" || len(a.Fingerprint) > MaxAlertFingerprintLen {
		t.Fatalf("bad fingerprint %q", a.Fingerprint)
	}
	if len(a.Labels) > MaxAlertLabels || len(a.Observables) > MaxAlertObservables {
		t.Fatalf("too many labels or observables: %d %d", len(a.Labels), len(a.Observables))
	}
	for k, v := range a.Labels {
		if k == "" || !utf8.ValidString(k) || !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxAlertLabelValueLen {
			t.Fatalf("bad label %q=%q", k, v)
		}
	}
	for _, o := range a.Observables {
		v, err := NormalizeObservable(o.Type, o.Value)
		if err != nil || v != o.Value {
			t.Fatalf("observable %+v is not canonical: %q %v", o, v, err)
		}
	}
	if len(a.Raw) == 0 || len(a.Raw) > MaxAlertRawBytes || !utf8.Valid(a.Raw) {
		t.Fatalf("bad raw (%d bytes)", len(a.Raw))
	}
}

func TestDecodeAlertsNormalises(t *testing.T) {
	body, _ := os.ReadFile("testdata/alerts/generic-single.json")
	as, err := DecodeAlerts(FormatGeneric, body)
	if err != nil || len(as) != 1 {
		t.Fatalf("%v %d", err, len(as))
	}
	a := as[0]
	if a.Severity != SeverityMedium || a.OccurredAt != time.Date(2026, 11, 26, 4, 5, 0, 0, time.UTC) {
		t.Errorf("severity/time: %s %s", a.Severity, a.OccurredAt)
	}
	want := []AlertObservable{{ObservableIP, "203.0.113.45"}, {ObservableDomain, "evil.example.com"}, {ObservableAccount, "yamada.taro"}}
	if fmt.Sprint(a.Observables) != fmt.Sprint(want) {
		t.Errorf("observables %v", a.Observables)
	}
	if !json.Valid(a.Raw) || !bytes.Contains(a.Raw, []byte("経理部")) {
		t.Errorf("raw %s", a.Raw)
	}

	// The same alert twice has one fingerprint; a different title without a
	// rule is a different alert.
	body, _ = os.ReadFile("testdata/alerts/generic-array.json")
	as, err = DecodeAlerts(FormatGeneric, body)
	if err != nil || len(as) != 2 || as[0].Fingerprint != as[1].Fingerprint {
		t.Fatalf("repeat: %v %+v", err, as)
	}
	x, _ := DecodeAlerts(FormatGeneric, []byte(`[{"title":"a"},{"title":"b"}]`))
	if x[0].Fingerprint == x[1].Fingerprint || AlertGroupKey(x[0]) == AlertGroupKey(x[1]) {
		t.Error("alerts without a rule but different titles share a fingerprint or group")
	}

	// Alertmanager keeps its own fingerprint; the instance's port is dropped.
	body, _ = os.ReadFile("testdata/alerts/alertmanager-firing.json")
	as, err = DecodeAlerts(FormatAlertmanager, body)
	if err != nil || len(as) != 2 || as[0].Fingerprint != "1c8b4c4e2f8a5a3d" || as[0].Host != "web01.example.jp" || as[1].Severity != SeverityCritical {
		t.Fatalf("alertmanager: %v %+v", err, as)
	}

	// Suricata: flow, dns and stats records are skipped and counted.
	body, _ = os.ReadFile("testdata/alerts/suricata-eve.ndjson")
	r, err := DecodeAlertPayload(FormatSuricata, body)
	if err != nil || len(r.Alerts) != 3 || r.Skipped != 3 {
		t.Fatalf("suricata: %v %d alerts, %d skipped", err, len(r.Alerts), r.Skipped)
	}
	if r.Alerts[0].Severity != SeverityHigh || r.Alerts[0].Rule != "2024364" {
		t.Errorf("suricata alert: %+v", r.Alerts[0])
	}

	// ECS: nested and dotted names read the same.
	nested := `{"event":{"kind":"alert"},"rule":{"name":"R"},"source":{"ip":"192.0.2.1"}}`
	dotted := `{"event.kind":"alert","rule.name":"R","source.ip":"192.0.2.1"}`
	a1, err1 := DecodeAlerts(FormatECS, []byte(nested))
	a2, err2 := DecodeAlerts(FormatECS, []byte(dotted))
	if err1 != nil || err2 != nil || len(a1) != 1 || len(a2) != 1 || a1[0].Fingerprint != a2[0].Fingerprint {
		t.Fatalf("ecs nested/dotted: %v %v %+v %+v", err1, err2, a1, a2)
	}
}

func TestDecodeAlertsRefuses(t *testing.T) {
	many := "[" + strings.Repeat(`{"title":"x"},`, MaxAlertsPerPayload) + `{"title":"x"}]`
	cases := []struct {
		name   string
		format AlertFormat
		body   string
		field  string
	}{
		{"empty", FormatGeneric, "  ", "body"},
		{"not json", FormatGeneric, "<html>", "body"},
		{"no title", FormatGeneric, `{"rule":"r"}`, "alerts[0].title"},
		{"title not string", FormatGeneric, `{"title":5}`, "alerts[0].title"},
		{"title two lines", FormatGeneric, `{"title":"a\nb"}`, "alerts[0].title"},
		{"title control", FormatGeneric, `{"title":"a\u0000b"}`, "alerts[0].title"},
		{"title too long", FormatGeneric, `{"title":"` + strings.Repeat("長", MaxAlertTitleLen+1) + `"}`, "alerts[0].title"},
		{"bad severity", FormatGeneric, `[{"title":"a"},{"title":"b","severity":"extreme"}]`, "alerts[1].severity"},
		{"severity 9", FormatGeneric, `{"title":"a","severity":9}`, "alerts[0].severity"},
		{"bad status", FormatGeneric, `{"title":"a","status":"open"}`, "alerts[0].status"},
		{"bad time", FormatGeneric, `{"title":"a","occurred_at":"yesterday"}`, "alerts[0].occurred_at"},
		{"bad observable", FormatGeneric, `{"alerts":[{"title":"a"},{"title":"b","observables":[{"type":"ip","value":"1.2.3.4"},{"type":"ip","value":"999.1.1.1"}]}]}`, "alerts[1].observables[1].value"},
		{"observable type", FormatGeneric, `{"title":"a","observables":[{"type":"phone","value":"1"}]}`, "alerts[0].observables[0].type"},
		{"observables not array", FormatGeneric, `{"title":"a","observables":"1.2.3.4"}`, "alerts[0].observables"},
		{"label not string", FormatGeneric, `{"title":"a","labels":{"n":1}}`, "alerts[0].labels.n"},
		{"labels not object", FormatGeneric, `{"title":"a","labels":["x"]}`, "alerts[0].labels"},
		{"fingerprint spaces", FormatGeneric, `{"title":"a","fingerprint":"a b"}`, "alerts[0].fingerprint"},
		{"too many", FormatGeneric, many, "alerts"},
		{"item not object", FormatGeneric, `[{"title":"a"}, 3]`, "alerts[1]"},
		{"unknown format", AlertFormat("snmp"), `{}`, "format"},
		{"am version", FormatAlertmanager, `{"version":"3","alerts":[]}`, "version"},
		{"am no alerts", FormatAlertmanager, `{"version":"4"}`, "alerts"},
		{"suricata bad line", FormatSuricata, "{\"event_type\":\"alert\"}\n{broken\n", "alerts[1]"},
		{"wazuh array junk", FormatWazuh, `[{"rule":{"id":"1"}}, "x"]`, "alerts[1]"},
		{"ecs deep", FormatECS, strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100), "alerts[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := DecodeAlertPayload(c.format, []byte(c.body))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if len(r.Alerts) != 0 {
				t.Errorf("alerts returned with an error")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != c.field {
				t.Errorf("err = %v, want field %s", err, c.field)
			}
		})
	}
}

func TestDecodeAlertsForeignLenient(t *testing.T) {
	// Foreign formats shorten what is too long and drop what does not
	// normalise instead of refusing the alert.
	long := strings.Repeat("あ", MaxAlertTitleLen*2)
	body := `{"receiver":"x","version":"4","alerts":[{"status":"firing","labels":{"alertname":"A","instance":"not an ip","src_ip":"999.0.0.1"},"annotations":{"summary":"` + long + `"}}]}`
	as, err := DecodeAlerts(FormatAlertmanager, []byte(body))
	if err != nil || len(as) != 1 {
		t.Fatal(err)
	}
	checkAlertInvariants(t, as[0])
	if len(as[0].Observables) != 0 || !strings.HasSuffix(as[0].Title, "…") {
		t.Errorf("%+v", as[0])
	}
	// Invalid UTF-8 and control characters are made storable.
	as, err = DecodeAlerts(FormatWazuh, []byte("{\"rule\":{\"id\":\"1\",\"description\":\"a\xff\\u0000b\\u001bc\"}}"))
	if err != nil || len(as) != 1 {
		t.Fatal(err)
	}
	checkAlertInvariants(t, as[0])
}

func TestDecodeECSSkipsLongNames(t *testing.T) {
	long := strings.Repeat("k", 300)
	body := `{"event.kind":"alert","rule.name":"R","` + long + `":{"a":[1,{"b":2}]},"source.ip":"192.0.2.7"}`
	as, err := DecodeAlerts(FormatECS, []byte(body))
	if err != nil || len(as) != 1 || len(as[0].Observables) != 1 {
		t.Fatalf("%v %+v", err, as)
	}
}

func TestParseAlertSeverity(t *testing.T) {
	for in, want := range map[string]AlertSeverity{"critical": SeverityCritical, "Warning": SeverityMedium, "error": SeverityHigh,
		"page": SeverityCritical, "5": SeverityCritical, "1": SeverityInfo, " info ": SeverityInfo, "notice": SeverityLow} {
		if got, ok := ParseAlertSeverity(in); !ok || got != want {
			t.Errorf("%q: %s %v", in, got, ok)
		}
	}
	if _, ok := ParseAlertSeverity("0"); ok {
		t.Error("0 accepted")
	}
	for lv, want := range map[int]AlertSeverity{0: SeverityInfo, 3: SeverityLow, 7: SeverityMedium, 12: SeverityHigh, 15: SeverityCritical} {
		if got := WazuhSeverity(lv); got != want {
			t.Errorf("wazuh %d: %s", lv, got)
		}
	}
	for n, want := range map[int]AlertSeverity{1: SeverityCritical, 3: SeverityHigh, 4: SeverityMedium, 6: SeverityInfo, 21: SeverityLow, 47: SeverityMedium, 73: SeverityHigh, 99: SeverityCritical} {
		if got := ECSSeverity(n); got != want {
			t.Errorf("ecs %d: %s", n, got)
		}
	}
}

func TestAlertSuppressionMatches(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	a := AlertInput{Format: FormatSuricata, Rule: "2024364", Host: "IDS-Tokyo-01", Observables: []AlertObservable{{ObservableIP, "192.0.2.1"}}}
	cases := []struct {
		s    AlertSuppression
		want bool
	}{
		{AlertSuppression{}, false},
		{AlertSuppression{Rule: "2024364"}, true},
		{AlertSuppression{Rule: "2024*"}, true},
		{AlertSuppression{Rule: "*4364"}, true},
		{AlertSuppression{Rule: "20*99"}, false},
		{AlertSuppression{Host: "ids-tokyo-*"}, true},
		{AlertSuppression{Host: "ids-osaka-*"}, false},
		{AlertSuppression{Format: FormatWazuh}, false},
		{AlertSuppression{Format: FormatSuricata, Observable: "192.0.2.1"}, true},
		{AlertSuppression{Observable: "192.0.2.2"}, false},
		{AlertSuppression{Rule: "2024364", ExpiresAt: now}, false},
		{AlertSuppression{Rule: "2024364", ExpiresAt: now.Add(time.Hour)}, true},
		{AlertSuppression{Rule: "2024364", DisabledAt: now}, false},
		{AlertSuppression{Rule: "a*a"}, false},
	}
	for i, c := range cases {
		if got := c.s.Matches(a, now); got != c.want {
			t.Errorf("%d %+v: %v", i, c.s, got)
		}
	}
}
