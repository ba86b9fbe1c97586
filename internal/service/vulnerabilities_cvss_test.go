package service_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/hikeshi/hikeshi/internal/service"
)

// The metrics of each version in order, with their values (base first).
var (
	refBase31 = [][]string{{"AV", "N", "A", "L", "P"}, {"AC", "L", "H"}, {"PR", "N", "L", "H"}, {"UI", "N", "R"}, {"S", "U", "C"},
		{"C", "H", "L", "N"}, {"I", "H", "L", "N"}, {"A", "H", "L", "N"}}
	refMore31 = [][]string{{"E", "X", "H", "F", "P", "U"}, {"RL", "X", "U", "W", "T", "O"}, {"RC", "X", "C", "R", "U"},
		{"CR", "X", "H", "M", "L"}, {"IR", "X", "H", "M", "L"}, {"AR", "X", "H", "M", "L"}, {"MAV", "X", "N", "A", "L", "P"},
		{"MAC", "X", "L", "H"}, {"MPR", "X", "N", "L", "H"}, {"MUI", "X", "N", "R"}, {"MS", "X", "U", "C"},
		{"MC", "X", "H", "L", "N"}, {"MI", "X", "H", "L", "N"}, {"MA", "X", "H", "L", "N"}}
	refBase40 = [][]string{{"AV", "N", "A", "L", "P"}, {"AC", "L", "H"}, {"AT", "N", "P"}, {"PR", "N", "L", "H"}, {"UI", "N", "P", "A"},
		{"VC", "H", "L", "N"}, {"VI", "H", "L", "N"}, {"VA", "H", "L", "N"}, {"SC", "H", "L", "N"}, {"SI", "H", "L", "N"}, {"SA", "H", "L", "N"}}
	refMore40 = [][]string{{"E", "X", "A", "P", "U"}, {"CR", "X", "H", "M", "L"}, {"IR", "X", "H", "M", "L"}, {"AR", "X", "H", "M", "L"},
		{"MAV", "X", "N", "A", "L", "P"}, {"MAC", "X", "L", "H"}, {"MAT", "X", "N", "P"}, {"MPR", "X", "N", "L", "H"},
		{"MUI", "X", "N", "P", "A"}, {"MVC", "X", "H", "L", "N"}, {"MVI", "X", "H", "L", "N"}, {"MVA", "X", "H", "L", "N"},
		{"MSC", "X", "H", "L", "N"}, {"MSI", "X", "S", "H", "L", "N"}, {"MSA", "X", "S", "H", "L", "N"},
		{"S", "X", "N", "P"}, {"AU", "X", "N", "Y"}, {"R", "X", "A", "U", "I"}, {"V", "X", "D", "C"}, {"RE", "X", "L", "M", "H"},
		{"U", "X", "Clear", "Green", "Amber", "Red"}}
)

// randomVector builds a valid vector: every base metric, and each further
// metric with probability p (so some vectors carry threat, temporal and
// environmental metrics and some do not).
func randomVector(r *rand.Rand, prefix string, base, more [][]string, p float64) string {
	parts := []string{prefix}
	for _, m := range base {
		parts = append(parts, m[0]+":"+m[1+r.IntN(len(m)-1)])
	}
	for _, m := range more {
		if r.Float64() < p {
			parts = append(parts, m[0]+":"+m[1+r.IntN(len(m)-1)])
		}
	}
	return strings.Join(parts, "/")
}

func refVectors() []string {
	r := rand.New(rand.NewPCG(41, 2026))
	vs := []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
		"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N",
		"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:H/E:F/RL:U/RC:R/CR:H/MAV:L",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:H/MAV:L",
		"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/MSI:S/MSA:S",
	}
	for i := range 300 {
		p := []float64{0, 0.3, 0.8}[i%3]
		vs = append(vs, randomVector(r, "CVSS:3.1", refBase31, refMore31, p), randomVector(r, "CVSS:4.0", refBase40, refMore40, p))
	}
	return vs
}

// TestCVSSAgainstReference scores hundreds of v3.1 and v4.0 vectors — base
// only, with temporal/threat metrics, with environmental and supplemental
// metrics — with go-cvss (through the service) and with the independent
// npm package ae-cvss-calculator run by Node, and wants the same scores.
// Without Node or the package it skips, unless HIKESHI_REQUIRE_CVSS_REF=1.
func TestCVSSAgainstReference(t *testing.T) {
	t.Parallel()
	need := os.Getenv("HIKESHI_REQUIRE_CVSS_REF") == "1"
	missing := func(why string) {
		if need {
			t.Fatalf("the CVSS reference is required (HIKESHI_REQUIRE_CVSS_REF=1): %s", why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	pkg := os.Getenv("HIKESHI_AE_CVSS")
	if pkg == "" {
		missing("HIKESHI_AE_CVSS (the ae-cvss-calculator directory) is not set")
	}
	if _, err := os.Stat(filepath.Join(pkg, "package.json")); err != nil {
		missing("ae-cvss-calculator is not at " + pkg)
	}
	vs := refVectors()
	cmd := exec.Command(node, filepath.Join("testdata", "vulnerabilities_cvss_ref.js"), pkg)
	cmd.Stdin = strings.NewReader(strings.Join(vs, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	type ref struct {
		V       string   `json:"v"`
		Base    *float64 `json:"base"`
		Overall *float64 `json:"overall"`
		Error   string   `json:"error"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(vs) {
		t.Fatalf("the reference answered %d lines for %d vectors", len(lines), len(vs))
	}
	tenths := func(f *float64) int { return int(*f*10 + 0.5) }
	n31, n40, ties := 0, 0, 0
	for i, l := range lines {
		var r ref
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.V != vs[i] {
			t.Fatalf("line %d: %v %q", i, err, l)
		}
		if r.Error != "" || r.Overall == nil {
			t.Errorf("the reference refuses %s: %s", r.V, r.Error)
			continue
		}
		if strings.HasPrefix(r.V, "CVSS:3.1/") {
			n31++
			base, overall, err := service.ScoreCVSS31(r.V)
			if err != nil {
				t.Errorf("%s: %v", r.V, err)
				continue
			}
			if base != tenths(r.Base) || overall != tenths(r.Overall) {
				t.Errorf("%s: go-cvss base %d overall %d (tenths), ae-cvss-calculator %.1f %.1f", r.V, base, overall, *r.Base, *r.Overall)
			}
			continue
		}
		n40++
		score, err := service.ScoreCVSS40(r.V)
		if err != nil {
			t.Errorf("%s: %v", r.V, err)
			continue
		}
		switch want := tenths(r.Overall); {
		case score == want:
		case score == want-1:
			// go-cvss v0.6.4 rounds the v4.0 score without the 1e-6 lift
			// FIRST's calculator (and ae-cvss-calculator) add, so a score one
			// floating-point step below an x.x5 tie comes out a tenth lower
			// (pandatix/go-cvss#292; decision 0041). Counted, not hidden.
			ties++
			t.Logf("known go-cvss rounding at a tie: %s: go-cvss %d (tenths), reference %.1f", r.V, score, *r.Overall)
		default:
			t.Errorf("%s: go-cvss %d (tenths), ae-cvss-calculator %.1f", r.V, score, *r.Overall)
		}
	}
	if n31 < 300 || n40 < 300 {
		t.Errorf("compared %d v3.1 and %d v4.0 vectors, want at least 300 each", n31, n40)
	}
	if ties*50 > n40 {
		t.Errorf("%d of %d v4.0 scores are a tenth below the reference: more than the rounding ties explain", ties, n40)
	}
}

// TestCVSSProblemPositions: a refused vector names the 1-based position of
// its first problem, and what it is.
func TestCVSSProblemPositions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version, vector string
		pos             int
		code, metric    string
	}{
		{"3.1", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8, "prefix", ""},
		{"3.1", "", 1, "prefix", ""},
		{"3.1", "cvss:3.1/AV:N", 1, "prefix", ""},
		{"3.1", "CVSS:3.1/AV:N/AC:L/PR:X/UI:N/S:U/C:H/I:H/A:H", 23, "bad_value", "PR"},
		{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", 46, "empty", ""},
		{"3.1", "CVSS:3.1/AV:N//AC:L", 15, "empty", ""},
		{"3.1", "CVSS:3.1/AV:N/XX:L/PR:N", 15, "unknown_metric", "XX"},
		{"3.1", "CVSS:3.1/AV:N/AV:L", 15, "duplicate", "AV"},
		{"3.1", "CVSS:3.1/AVN/AC:L", 10, "format", ""},
		{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", 41, "missing", "A"},
		{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z", 48, "bad_value", "E"},
		{"4.0", "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 15, "order", "AV"},
		{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Purple", 67, "bad_value", "U"},
		{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", 59, "missing", "SA"},
		{"4.0", "CVSS:3.1/AV:N", 6, "prefix", ""},
		{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/E:A", 71, "order", "E"},
		{"3.1", strings.Repeat("A", 400), 301, "too_long", ""},
	} {
		p := service.FindCVSSProblem(tc.version, tc.vector)
		if p == nil || p.Pos != tc.pos || p.Code != tc.code || p.Metric != tc.metric {
			t.Errorf("%q: got %+v, want position %d %s %s", tc.vector, p, tc.pos, tc.code, tc.metric)
			continue
		}
		if !strings.Contains(p.Error(), "position") {
			t.Errorf("%q: the message %q names no position", tc.vector, p.Error())
		}
		var err error
		if tc.version == "3.1" {
			_, _, err = service.ScoreCVSS31(tc.vector)
		} else {
			_, err = service.ScoreCVSS40(tc.vector)
		}
		var got *service.CVSSProblem
		if !errors.As(err, &got) || got.Pos != tc.pos {
			t.Errorf("%q: scoring says %v, want the problem at %d", tc.vector, err, tc.pos)
		}
	}
}

// FuzzCVSSProblem: for any input the position finder agrees with go-cvss
// (it finds a problem exactly when go-cvss refuses the vector), never
// panics, and names a position inside the vector or just past its end.
func FuzzCVSSProblem(f *testing.F) {
	for _, v := range refVectors()[:20] {
		f.Add(v)
	}
	for _, v := range []string{"", "CVSS:", "CVSS:3.1/", "CVSS:4.0/", "CVSS:3.1/AV:N//", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Clear",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/E:X", "CVSS:3.1/AV:\x00", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/E:X"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, version := range []string{"3.1", "4.0"} {
			p := service.FindCVSSProblem(version, s)
			if p != nil && (p.Pos < 1 || p.Pos > max(len(s), 300)+1) {
				t.Fatalf("%q (v%s): position %d outside 1..%d", s, version, p.Pos, len(s)+1)
			}
			var libErr error
			if len(s) <= 300 {
				if version == "3.1" {
					_, libErr = gocvss31.ParseVector(s)
				} else {
					_, libErr = gocvss40.ParseVector(s)
				}
				if (p == nil) != (libErr == nil) {
					t.Fatalf("%q (v%s): finder %v, go-cvss %v", s, version, p, libErr)
				}
			}
		}
	})
}

// BenchmarkScoreCVSS measures scoring (the position walk plus go-cvss) of a
// full v3.1 and v4.0 vector.
func BenchmarkScoreCVSS(b *testing.B) {
	v31 := "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:H/E:F/RL:U/RC:R/CR:H/IR:X/AR:X/MAV:L/MAC:X/MPR:X/MUI:X/MS:X/MC:X/MI:X/MA:X"
	v40 := "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:H/IR:X/AR:X/MAV:L/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X"
	b.Run("v3.1", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := service.ScoreCVSS31(v31); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("v4.0", func(b *testing.B) {
		for b.Loop() {
			if _, err := service.ScoreCVSS40(v40); err != nil {
				b.Fatal(err)
			}
		}
	})
}
