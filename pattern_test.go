package hikeshi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
)

// TestPatternTable pins the six templates to PATTERNS.md's table, cell by
// cell, in the words the matrix page shows.
func TestPatternTable(t *testing.T) {
	want := map[hikeshi.Activity][6]string{ // traditional, field-driven, independent, IT-led, management-led, integrated
		hikeshi.ActivityBasicPolicy:      {"Management", "Management", "Management", "Management", "Management (+CSIRT inside)", "One unit"},
		hikeshi.ActivityOrganisation:     {"Management", "Management", "Management", "Management", "Management (+CSIRT inside)", "One unit"},
		hikeshi.ActivityRiskAssessment:   {"Management (default)", "IT (default)", "IT (default)", "IT (+CSIRT inside) (default)", "IT (default)", "One unit (default)"},
		hikeshi.ActivityRules:            {"Management", "IT", "IT", "IT (+CSIRT inside)", "IT", "One unit"},
		hikeshi.ActivityMeasures:         {"IT", "IT", "IT", "IT (+CSIRT inside)", "IT", "One unit"},
		hikeshi.ActivityMonitoring:       {"IT", "IT", "IT", "IT (+CSIRT inside)", "IT", "One unit"},
		hikeshi.ActivityIncidentResponse: {"IT (default)", "IT + CSIRT", "CSIRT + IT", "IT (+CSIRT inside)", "Management (+CSIRT inside)", "One unit"},
		hikeshi.ActivityImprovement:      {"Management", "IT", "IT", "IT (+CSIRT inside)", "IT", "One unit"},
		hikeshi.ActivityInternalAudit:    {"Management", "Management", "Management", "Management", "Management (+CSIRT inside)", "One unit"},
		hikeshi.ActivityManagementReview: {"Management", "Management", "Management", "Management", "Management (+CSIRT inside)", "One unit"},
	}
	ps := hikeshi.Patterns()
	var keys []hikeshi.PatternKey
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	if diff := cmp.Diff(hikeshi.PatternKeys(), keys); diff != "" {
		t.Fatalf("Patterns() keys (-want +got):\n%s", diff)
	}
	if len(want) != len(hikeshi.Activities()) {
		t.Fatalf("the test covers %d activities, there are %d", len(want), len(hikeshi.Activities()))
	}
	for i, p := range ps {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Key, err)
		}
		for _, a := range hikeshi.Activities() {
			if got := p.CellText(a).EN; got != want[a][i] {
				t.Errorf("%s / %s = %q, want %q", p.Key, a, got, want[a][i])
			}
			if ja := p.CellText(a).JA; ja == "" || ja == p.CellText(a).EN && a != hikeshi.ActivityIncidentResponse {
				t.Errorf("%s / %s has no Japanese text: %q", p.Key, a, ja)
			}
		}
	}
}

func TestPatternProperties(t *testing.T) {
	for _, tc := range []struct {
		key      hikeshi.PatternKey
		inside   hikeshi.DepartmentKind
		realTime bool
		suits    hikeshi.Suitability
		units    int
	}{
		{hikeshi.PatternTraditional, "", false, "", 2},
		{hikeshi.PatternFieldDriven, "", true, "", 3},
		{hikeshi.PatternIndependent, "", true, hikeshi.SuitsLargeManyIncidents, 3},
		{hikeshi.PatternITLed, hikeshi.KindIT, true, hikeshi.SuitsSmallFewIncidents, 2},
		{hikeshi.PatternManagementLed, hikeshi.KindManagement, true, hikeshi.SuitsSmallFewIncidents, 2},
		{hikeshi.PatternIntegrated, hikeshi.KindManagement, false, hikeshi.SuitsSmallFewIncidents, 1},
	} {
		p, ok := hikeshi.PatternByKey(tc.key)
		if !ok {
			t.Fatalf("no pattern %s", tc.key)
		}
		if got := p.CSIRTInside(); got != tc.inside {
			t.Errorf("%s: CSIRT inside %q, want %q", tc.key, got, tc.inside)
		}
		if p.Trigger.RealTime() != tc.realTime {
			t.Errorf("%s: trigger %s, real time want %v", tc.key, p.Trigger, tc.realTime)
		}
		if p.Suits != tc.suits || len(p.Units) != tc.units {
			t.Errorf("%s: suits %q with %d units, want %q and %d", tc.key, p.Suits, len(p.Units), tc.suits, tc.units)
		}
		if len(p.Reasons) < 2 || p.Source == "" || p.Name.EN == "" || p.Name.JA == "" {
			t.Errorf("%s: reasons, source or name missing", tc.key)
		}
		for _, r := range p.Reasons {
			if r.EN == "" || r.JA == "" || !strings.HasSuffix(r.EN, ".") || !strings.HasSuffix(r.JA, "。") {
				t.Errorf("%s: reason is not a sentence in both languages: %+v", tc.key, r)
			}
		}
	}
	if _, ok := hikeshi.PatternByKey("matrix"); ok || hikeshi.PatternKey("").Valid() {
		t.Error("an unknown key is accepted")
	}
}

// TestPatternsAreFresh checks there is no shared state: a caller that edits
// its copy (an organisation changing a cell) changes nobody else's.
func TestPatternsAreFresh(t *testing.T) {
	p := hikeshi.Patterns()[3]
	p.Matrix[hikeshi.ActivityRules] = hikeshi.Assignment{Lead: hikeshi.KindManagement}
	c := p.Matrix[hikeshi.ActivityMeasures]
	c.With[0] = hikeshi.KindManagement
	q, _ := hikeshi.PatternByKey(p.Key)
	if q.CellText(hikeshi.ActivityRules).EN != "IT (+CSIRT inside)" || q.CellText(hikeshi.ActivityMeasures).EN != "IT (+CSIRT inside)" {
		t.Errorf("editing one copy changed another: %v", q.Matrix)
	}
	clone := q.Matrix.Clone()
	clone[hikeshi.ActivityMonitoring].With[0] = hikeshi.KindManagement
	if q.Matrix[hikeshi.ActivityMonitoring].With[0] != hikeshi.KindCSIRT {
		t.Error("Clone shares its cells' slices")
	}
}

func TestPatternMatrixValidate(t *testing.T) {
	base := func() hikeshi.PatternMatrix {
		p, _ := hikeshi.PatternByKey(hikeshi.PatternIndependent)
		return p.Matrix
	}
	for _, tc := range []struct {
		name   string
		edit   func(m hikeshi.PatternMatrix)
		fields []string // "field code"
		text   string
	}{
		{"valid", func(hikeshi.PatternMatrix) {}, nil, ""},
		{"missing activity", func(m hikeshi.PatternMatrix) { delete(m, hikeshi.ActivityImprovement) },
			[]string{"matrix.improvement unassigned"}, "no unit is responsible for review and improvement of measures"},
		{"empty lead", func(m hikeshi.PatternMatrix) {
			m[hikeshi.ActivityInternalAudit] = hikeshi.Assignment{With: []hikeshi.DepartmentKind{hikeshi.KindIT}}
		}, []string{"matrix.internal_audit unassigned"}, "no unit is responsible for internal audit"},
		{"two missing", func(m hikeshi.PatternMatrix) {
			delete(m, hikeshi.ActivityBasicPolicy)
			delete(m, hikeshi.ActivityMonitoring)
		}, []string{"matrix.basic_policy unassigned", "matrix.monitoring unassigned"}, "monitoring"},
		{"unknown kind", func(m hikeshi.PatternMatrix) {
			m[hikeshi.ActivityRules] = hikeshi.Assignment{Lead: hikeshi.KindBusinessUnit}
		}, []string{"matrix.rules unknown"}, `"business_unit" is not management, it or csirt`},
		{"duplicate", func(m hikeshi.PatternMatrix) {
			m[hikeshi.ActivityRules] = hikeshi.Assignment{Lead: hikeshi.KindIT, With: []hikeshi.DepartmentKind{hikeshi.KindIT}}
		}, []string{"matrix.rules duplicate"}, "it is named twice for rules"},
		{"unknown activity", func(m hikeshi.PatternMatrix) {
			m["golf\n"] = hikeshi.Assignment{Lead: hikeshi.KindIT}
		}, []string{"matrix.golf\n unknown"}, `"golf\n" is not an activity`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			err := m.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, hikeshi.ErrInvalid) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field+" "+f.Code)
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("%v does not say %q", err, tc.text)
			}
		})
	}
}

func TestUnassignedActivities(t *testing.T) {
	got := hikeshi.UnassignedActivities(func(a hikeshi.Activity) bool { return a.Side() == hikeshi.SideField })
	want := []hikeshi.Activity{hikeshi.ActivityBasicPolicy, hikeshi.ActivityOrganisation,
		hikeshi.ActivityInternalAudit, hikeshi.ActivityManagementReview}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, a := range hikeshi.Activities() {
		if !a.Valid() || a.Label().JA == "" || a.Label().EN == string(a) {
			t.Errorf("%s has no label", a)
		}
	}
}
