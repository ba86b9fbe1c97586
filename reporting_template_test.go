package hikeshi

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultReportTemplatesValidate(t *testing.T) {
	for _, k := range ReportKinds {
		for _, l := range ReportLanguages {
			src := DefaultReportTemplate(k, l)
			if err := ValidateReportTemplate(k, l, src); err != nil {
				t.Errorf("%s/%s: %v", k, l, err)
				continue
			}
			out, _ := RenderReport(src, SampleReportData(k, l))
			if !strings.HasPrefix(out, "# ") {
				t.Errorf("%s/%s: output does not start with a title: %.80q", k, l, out)
			}
			if strings.Contains(out, "<no value>") {
				t.Errorf("%s/%s: <no value> in output", k, l)
			}
		}
	}
}

func TestReportTemplateRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"parse error line", "# ok\n\n{{.Incident.Title}\n", 3, "bad character"},
		{"unknown field", "# x\n{{.Incident.Nope}}", 2, "Nope"},
		{"no database handle", "{{.DB}}", 1, "DB"},
		{"define", `{{define "a"}}x{{end}}y`, 0, "define"},
		{"template call", `{{template "report"}}`, 1, "template calls"},
		{"range over int", "x\n{{range 1000000000}}{{end}}", 2, "range"},
		{"range over variable", "{{$n := 100000}}{{range $n}}{{end}}", 1, "range"},
		{"deep range", "{{range .Timeline}}{{range $.Timeline}}{{range $.Timeline}}{{end}}{{end}}{{end}}", 1, "nested"},
		{"printf width", `{{printf "%0999999999d" 1}}`, 1, "printf"},
		{"printf star", `{{printf "%*d" 999999999 1}}`, 1, "printf"},
		{"printf precision", `{{printf "%.999999f" 1.0}}`, 1, "printf"},
		{"printf index", `{{printf "%[1]*d" 999999999 1}}`, 1, "printf"},
		{"empty", "  \n", 0, "empty"},
		{"invalid utf8", "a\xffb", 0, "UTF-8"},
		{"too long", strings.Repeat("a", MaxReportTemplateLen+1), 0, "longer"},
		{"huge output", "{{range .Timeline}}{{range $.Timeline}}" + strings.Repeat("x", 60000) + "{{end}}{{end}}", 0, "larger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := SampleReportData(ReportInternal, LocaleEN)
			for range 11 {
				d.Timeline = append(d.Timeline, d.Timeline[0])
			}
			_, err := RenderReport(tc.src, d)
			var te *ReportTemplateError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a ReportTemplateError", err)
			}
			if te.Line != tc.line || !strings.Contains(te.Message, tc.want) {
				t.Errorf("err = line %d %q, want line %d containing %q", te.Line, te.Message, tc.line, tc.want)
			}
		})
	}
	var ve *ValidationError
	if err := ValidateReportTemplate(ReportInternal, LocaleJA, "# a\n{{.Incident.Title"); !errors.As(err, &ve) || ve.Fields[0].Field != "body" ||
		!strings.Contains(ve.Fields[0].Message, "line 2") {
		t.Errorf("ValidateReportTemplate = %v, want a body error naming line 2", err)
	}
}

func TestReportTemplateCellAndScript(t *testing.T) {
	d := SampleReportData(ReportInternal, LocaleEN)
	d.Incident.Title = "<script>alert(1)</script> | x\nnext"
	out, err := RenderReport("{{cell .Incident.Title}}", d)
	if err != nil || out != `<script>alert(1)</script> \| x next` {
		t.Errorf("cell = %q, %v", out, err)
	}
	if out, err := RenderReport(`{{printf "%5d|%-10s" 3 "a"}}`, d); err != nil || out != "    3|a         " {
		t.Errorf("printf = %q, %v", out, err)
	}
}

func FuzzReportTemplate(f *testing.F) {
	for _, k := range ReportKinds {
		f.Add(DefaultReportTemplate(k, LocaleJA))
	}
	f.Add("{{range .Timeline}}{{.At}}{{end}}")
	f.Add(`{{printf "%5d" 3}}{{index .Tasks 0}}{{slice .Incident.Title 1}}`)
	f.Add(`{{range $i, $e := .Tasks}}{{range $.Lessons}}{{$e.Title}}{{end}}{{end}}`)
	f.Fuzz(func(t *testing.T, src string) {
		out, err := RenderReport(src, SampleReportData(ReportInternal, LocaleJA))
		if err == nil && len(out) > MaxReportOutput {
			t.Fatalf("output of %d bytes", len(out))
		}
		if err != nil {
			var te *ReportTemplateError
			if !errors.As(err, &te) {
				t.Fatalf("error %T %v is not a ReportTemplateError", err, err)
			}
		}
	})
}
