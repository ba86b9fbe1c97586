package chart

import (
	"strings"
	"testing"
)

func TestAnalysisDescribeIsWellFormed(t *testing.T) {
	hostile := `<script>alert(1)</script>" onload="x`
	svg := string(AnalysisDescribe(HBars("件数", "", []Bar{{Label: "a", Value: 1}}), `d"1`, hostile+" 2026-01: 3"))
	texts := wellFormed(t, svg)
	if !strings.Contains(svg, `</title><desc id="d&#34;1">&lt;script&gt;`) {
		t.Errorf("desc not after the title or not escaped: %s", svg)
	}
	if len(texts) == 0 || texts[0] != "件数" {
		t.Errorf("texts %q", texts)
	}
	if got := AnalysisDescribe("<svg/>", "x", "d"); got != "<svg/>" {
		t.Errorf("without a title: %s", got)
	}
}
