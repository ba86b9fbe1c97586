package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchMail(t *testing.T) {
	r := must(t, "", "bench", "mail", "--json", "--messages", "30", "--clients", "3", "--big-mb", "2")
	var rep benchMailReport
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("not the report's JSON: %v\n%s", err, r.stdout)
	}
	// Every message became a report (the large one too); the figures are there.
	if rep.Engine != "sqlite" || rep.Messages != 30 || rep.Reports != 31 || rep.MessagesPerSec <= 0 || rep.BigAttachmentMB != 2 ||
		rep.PeakRSSMB <= 0 || rep.RSSIncreaseMB < 0 || rep.Clients != 3 {
		t.Errorf("report %+v", rep)
	}
	for _, key := range []string{"messages_per_sec", "messages", "big_attachment_mb", "rss_increase_mb", "peak_rss_mb", "engine"} {
		if !strings.Contains(r.stdout, `"`+key+`"`) {
			t.Errorf("the JSON lacks %s", key)
		}
	}
	text := must(t, "", "bench", "mail", "--messages", "3", "--clients", "1", "--big-mb", "0")
	if !strings.Contains(text.stdout, "messages/s") || strings.Contains(text.stdout, "attachment") {
		t.Errorf("summary:\n%s", text.stdout)
	}
	for _, bad := range [][]string{{"--messages", "0"}, {"--clients", "65"}, {"--big-mb", "151"}, {"--db", "x.db"}, {"extra"}} {
		if r := cli(t, "", append([]string{"bench", "mail"}, bad...)...); r.code != 2 {
			t.Errorf("bench mail %v: exit %d, want 2 (usage)", bad, r.code)
		}
	}
}
