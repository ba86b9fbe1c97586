package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchIntake(t *testing.T) {
	r := must(t, "", "bench", "intake", "--json", "--alerts", "600", "--batch", "50", "--single", "200", "--clients", "4")
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"alerts_per_sec", "single_alerts_per_sec", "p50_ms", "p99_ms", "peak_rss_mb", "baseline_rows_per_sec", "ratio"} {
		if v, ok := rep[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, rep[k])
		}
	}
	if rep["engine"] != "sqlite" || rep["alerts"] != float64(600) || rep["batch"] != float64(50) || rep["single_alerts"] != float64(200) {
		t.Errorf("report %v", rep)
	}
	// Every alert sent was acknowledged and stored: about one in ten is a
	// repeat, which raises a count instead of adding a row.
	stored, dups := rep["stored_alerts"].(float64), rep["duplicates"].(float64)
	if stored+dups != 800 || dups == 0 {
		t.Errorf("stored %v + repeats %v, want 800 alerts in all", stored, dups)
	}

	// --trace and --cpuprofile write what go tool trace and pprof read.
	dir := t.TempDir()
	tr, prof := filepath.Join(dir, "intake.trace"), filepath.Join(dir, "intake.prof")
	text := must(t, "", "bench", "intake", "--alerts", "100", "--single", "10", "--trace", tr, "--cpuprofile", prof).stdout
	if b, err := os.ReadFile(tr); err != nil || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Errorf("trace file: %.20q %v", b, err)
	}
	if b, err := os.ReadFile(prof); err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("CPU profile (gzipped protobuf): %.20q %v", b, err)
	}
	for _, want := range []string{"alerts/s", "p99", "baseline", "ratio", "peak RSS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the table lacks %q:\n%s", want, text)
		}
	}
	for _, args := range [][]string{{"--alerts", "0"}, {"--batch", "0"}, {"--clients", "0"}, {"--db", "mysql://x"}, {"extra"}} {
		if r := cli(t, "", append([]string{"bench", "intake"}, args...)...); r.code == 0 || !strings.Contains(r.stderr, "bench intake") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
