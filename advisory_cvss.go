package hikeshi

import (
	"fmt"
	"math"
	"strings"
)

// CVSS v3.1 vectors of advisories. The vector is stored as the author gave it;
// the base score is computed here from the FIRST specification (section 7)
// because a CSAF cvss_v3 object requires baseScore and baseSeverity. The
// vulnerability area may later bring a full calculator; this one needs only
// the base metrics.

// CVSS31 is a parsed CVSS v3.1 vector: its base metrics by name ("AV" → "N").
type CVSS31 struct {
	Vector  string
	Metrics map[string]string
}

// cvss31Values lists each metric's allowed values; the first eight are the
// base metrics, every one of which is required.
var cvss31Values = map[string]string{
	"AV": "NALP", "AC": "LH", "PR": "NLH", "UI": "NR", "S": "UC", "C": "NLH", "I": "NLH", "A": "NLH",
	"E": "XUPFH", "RL": "XOTWU", "RC": "XURC", "CR": "XLMH", "IR": "XLMH", "AR": "XLMH",
	"MAV": "XNALP", "MAC": "XLH", "MPR": "XNLH", "MUI": "XNR", "MS": "XUC", "MC": "XNLH", "MI": "XNLH", "MA": "XNLH",
}

var cvss31Base = []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}

// CVSSError says where a vector stopped making sense (1-based character position).
type CVSSError struct {
	Pos     int
	Message string
}

func (e *CVSSError) Error() string { return fmt.Sprintf("position %d: %s", e.Pos, e.Message) }

// ParseCVSS31 parses a CVSS v3.1 vector such as
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H". Metrics may come in any
// order, each at most once; every base metric is required. The error is a
// *CVSSError naming the position of the first problem.
func ParseCVSS31(s string) (CVSS31, error) {
	const prefix = "CVSS:3.1/"
	if len(s) > 200 {
		return CVSS31{}, &CVSSError{201, "the vector is longer than 200 characters"}
	}
	if !strings.HasPrefix(s, prefix) {
		pos := 1
		for pos <= len(s) && pos <= len(prefix) && s[pos-1] == prefix[pos-1] {
			pos++
		}
		return CVSS31{}, &CVSSError{pos, `a CVSS v3.1 vector starts with "CVSS:3.1/"`}
	}
	c := CVSS31{Vector: s, Metrics: map[string]string{}}
	pos := len(prefix) + 1
	for part := range strings.SplitSeq(s[len(prefix):], "/") {
		name, val, ok := strings.Cut(part, ":")
		allowed, known := cvss31Values[name]
		switch {
		case part == "":
			return CVSS31{}, &CVSSError{pos, "empty metric (two slashes or a slash at the end)"}
		case !ok:
			return CVSS31{}, &CVSSError{pos, fmt.Sprintf("%q is not METRIC:VALUE", part)}
		case !known:
			return CVSS31{}, &CVSSError{pos, fmt.Sprintf("unknown metric %q", name)}
		case len(val) != 1 || !strings.Contains(allowed, val):
			return CVSS31{}, &CVSSError{pos + len(name) + 1, fmt.Sprintf("metric %s takes one of %s", name, strings.Join(strings.Split(allowed, ""), ", "))}
		}
		if _, dup := c.Metrics[name]; dup {
			return CVSS31{}, &CVSSError{pos, fmt.Sprintf("metric %s is given twice", name)}
		}
		c.Metrics[name] = val
		pos += len(part) + 1
	}
	for _, m := range cvss31Base {
		if _, ok := c.Metrics[m]; !ok {
			return CVSS31{}, &CVSSError{len(s) + 1, fmt.Sprintf("base metric %s is missing", m)}
		}
	}
	return c, nil
}

// BaseScore is the CVSS v3.1 base score (0.0–10.0).
func (c CVSS31) BaseScore() float64 {
	m := c.Metrics
	changed := m["S"] == "C"
	av := map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}[m["AV"]]
	ac := map[string]float64{"L": 0.77, "H": 0.44}[m["AC"]]
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}[m["PR"]]
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}[m["PR"]]
	}
	ui := map[string]float64{"N": 0.85, "R": 0.62}[m["UI"]]
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	iss := 1 - (1-cia[m["C"]])*(1-cia[m["I"]])*(1-cia[m["A"]])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0
	}
	expl := 8.22 * av * ac * pr * ui
	if changed {
		return roundUp1(math.Min(1.08*(impact+expl), 10))
	}
	return roundUp1(math.Min(impact+expl, 10))
}

// roundUp1 is the specification's Roundup: the smallest number with one
// decimal that is at least x, robust against floating-point noise.
func roundUp1(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// CVSSSeverity is the qualitative rating of a score: NONE, LOW, MEDIUM, HIGH or CRITICAL.
func CVSSSeverity(score float64) string {
	switch {
	case score == 0:
		return "NONE"
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	case score < 9:
		return "HIGH"
	}
	return "CRITICAL"
}
