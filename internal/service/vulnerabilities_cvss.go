package service

import (
	"fmt"
	"math"
	"slices"
	"strings"

	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/hikeshi/hikeshi"
)

// CVSS vectors of vulnerabilities: scores come from
// github.com/pandatix/go-cvss (v3.1: base, temporal and environmental; v4.0:
// the score of every metric given). go-cvss says what is wrong but not
// where, so a vector it refuses is walked again here to find the first bad
// metric and its 1-based character position (decision 0041).

// CVSSProblem says where a CVSS vector stops making sense.
type CVSSProblem struct {
	Version string // "3.1" or "4.0"
	Pos     int    // 1-based character position
	// Code is what is wrong: too_long, prefix, empty, format,
	// unknown_metric, bad_value, duplicate, order, missing, invalid.
	Code   string
	Metric string // the metric concerned, when there is one
}

func (p *CVSSProblem) Error() string {
	what := map[string]string{
		"too_long":       "the vector is too long",
		"prefix":         fmt.Sprintf("a CVSS v%s vector starts with \"CVSS:%s/\"", p.Version, p.Version),
		"empty":          "empty metric (two slashes or a slash at the end)",
		"format":         "not METRIC:VALUE",
		"unknown_metric": fmt.Sprintf("unknown metric %q", p.Metric),
		"bad_value":      fmt.Sprintf("metric %s does not take this value", p.Metric),
		"duplicate":      fmt.Sprintf("metric %s is given twice", p.Metric),
		"order":          fmt.Sprintf("metric %s is out of the specification's order", p.Metric),
		"missing":        fmt.Sprintf("base metric %s is missing", p.Metric),
	}[p.Code]
	if what == "" {
		what = "the vector is not valid"
	}
	return fmt.Sprintf("CVSS v%s, position %d: %s", p.Version, p.Pos, what)
}

type cvssMetric struct {
	name   string
	values []string
	base   bool
}

func cvssMetrics(spec string) []cvssMetric {
	var out []cvssMetric
	for f := range strings.FieldsSeq(spec) {
		name, vals, _ := strings.Cut(f, "=")
		base := strings.HasSuffix(name, "!")
		out = append(out, cvssMetric{strings.TrimSuffix(name, "!"), strings.Split(vals, ","), base})
	}
	return out
}

// The metrics of each version in the specification's order; "!" marks the
// base metrics, which are required.
var (
	cvss31Metrics = cvssMetrics(`AV!=N,A,L,P AC!=L,H PR!=N,L,H UI!=N,R S!=U,C C!=H,L,N I!=H,L,N A!=H,L,N
		E=X,H,F,P,U RL=X,U,W,T,O RC=X,C,R,U CR=X,H,M,L IR=X,H,M,L AR=X,H,M,L
		MAV=X,N,A,L,P MAC=X,L,H MPR=X,N,L,H MUI=X,N,R MS=X,U,C MC=X,H,L,N MI=X,H,L,N MA=X,H,L,N`)
	cvss40Metrics = cvssMetrics(`AV!=N,A,L,P AC!=L,H AT!=N,P PR!=N,L,H UI!=N,P,A VC!=H,L,N VI!=H,L,N VA!=H,L,N SC!=H,L,N SI!=H,L,N SA!=H,L,N
		E=X,A,P,U CR=X,H,M,L IR=X,H,M,L AR=X,H,M,L
		MAV=X,N,A,L,P MAC=X,L,H MAT=X,N,P MPR=X,N,L,H MUI=X,N,P,A MVC=X,H,L,N MVI=X,H,L,N MVA=X,H,L,N MSC=X,H,L,N MSI=X,S,H,L,N MSA=X,S,H,L,N
		S=X,N,P AU=X,N,Y R=X,A,U,I V=X,D,C RE=X,L,M,H U=X,Clear,Green,Amber,Red`)
)

// FindCVSSProblem walks a vector of version ("3.1" or "4.0") and returns
// its first problem, or nil when the grammar holds. v3.1 metrics may come in
// any order; v4.0 metrics must follow the specification's order.
func FindCVSSProblem(version, s string) *CVSSProblem {
	metrics, ordered := cvss31Metrics, false
	if version == "4.0" {
		metrics, ordered = cvss40Metrics, true
	}
	bad := func(pos int, code, metric string) *CVSSProblem {
		return &CVSSProblem{Version: version, Pos: pos, Code: code, Metric: metric}
	}
	if len(s) > hikeshi.MaxVulnCVSSLen {
		return bad(hikeshi.MaxVulnCVSSLen+1, "too_long", "")
	}
	prefix := "CVSS:" + version + "/"
	if !strings.HasPrefix(s, prefix) {
		pos := 1
		for pos <= len(s) && pos <= len(prefix) && s[pos-1] == prefix[pos-1] {
			pos++
		}
		return bad(pos, "prefix", "")
	}
	pos, last := len(prefix)+1, -1
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s[len(prefix):], "/") {
		name, val, ok := strings.Cut(part, ":")
		i := slices.IndexFunc(metrics, func(m cvssMetric) bool { return m.name == name })
		switch {
		case part == "":
			return bad(pos, "empty", "")
		case !ok:
			return bad(pos, "format", "")
		case i < 0:
			return bad(pos, "unknown_metric", name)
		case seen[name]:
			return bad(pos, "duplicate", name)
		case ordered && i < last:
			return bad(pos, "order", name)
		case !slices.Contains(metrics[i].values, val):
			return bad(pos+len(name)+1, "bad_value", name)
		}
		seen[name], last = true, i
		pos += len(part) + 1
	}
	for _, m := range metrics {
		if m.base && !seen[m.name] {
			return bad(len(s)+1, "missing", m.name)
		}
	}
	return nil
}

func tenths(score float64) int { return int(math.Round(score * 10)) }

// ScoreCVSS31 scores a CVSS v3.1 vector: the base score and the overall
// (environmental) score, in tenths. A vector go-cvss refuses is a
// *CVSSProblem with the position of the first bad metric.
func ScoreCVSS31(s string) (base, overall int, err error) {
	if p := FindCVSSProblem("3.1", s); p != nil {
		return 0, 0, p
	}
	c, err := gocvss31.ParseVector(s)
	if err != nil {
		return 0, 0, &CVSSProblem{Version: "3.1", Pos: 1, Code: "invalid"}
	}
	return tenths(c.BaseScore()), tenths(c.EnvironmentalScore()), nil
}

// ScoreCVSS40 scores a CVSS v4.0 vector (every metric given counts), in tenths.
func ScoreCVSS40(s string) (int, error) {
	if p := FindCVSSProblem("4.0", s); p != nil {
		return 0, p
	}
	c, err := gocvss40.ParseVector(s)
	if err != nil {
		return 0, &CVSSProblem{Version: "4.0", Pos: 1, Code: "invalid"}
	}
	return tenths(c.Score()), nil
}
