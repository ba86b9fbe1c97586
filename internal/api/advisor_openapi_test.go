package api

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestOpenAPINumbersAndQueryValidation (decision 0038): float64 fields are
// numbers, uint64 fields non-negative integers of format uint64 (the
// advisor's DTOs use them plainly, no "any value" wrappers), and an
// operation whose only input is query parameters documents its 422.
func TestOpenAPINumbersAndQueryValidation(t *testing.T) {
	g := &schemaGen{defs: map[string]any{}}
	type probe struct {
		F  float64  `json:"f"`
		F4 float32  `json:"f4"`
		U  uint64   `json:"u"`
		P  *float64 `json:"p,omitempty"`
	}
	g.of(reflect.TypeFor[probe]())
	props := g.defs["Probe"].(map[string]any)["properties"].(map[string]any)
	want := map[string]map[string]any{
		"f":  {"type": "number", "format": "double"},
		"f4": {"type": "number", "format": "float"},
		"u":  {"type": "integer", "format": "uint64", "minimum": 0},
	}
	for k, w := range want {
		if !reflect.DeepEqual(props[k], w) {
			t.Errorf("%s: %v, want %v", k, props[k], w)
		}
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(New(Options{}).document(), &doc); err != nil {
		t.Fatal(err)
	}
	dash, ok := doc.Paths["/api/v1/dashboard"]["get"]
	if _, has := dash.Responses["422"]; !ok || !has {
		t.Error("GET /dashboard (query parameters only) documents no 422")
	}
	tpl, ok := doc.Paths["/api/v1/patterns/templates"]["get"]
	if _, has := tpl.Responses["422"]; !ok || has {
		t.Error("an operation without input documents a 422 (or the path is gone)")
	}
	for _, c := range [][2]string{{"SimInput", "years"}, {"Advice", "seed"}, {"Advice", "incidents_per_year"}} {
		var s map[string]any
		if err := json.Unmarshal(doc.Components.Schemas[c[0]].Properties[c[1]], &s); err != nil {
			t.Fatalf("%s.%s: %v", c[0], c[1], err)
		}
		if s["type"] == nil {
			t.Errorf("%s.%s is still any value: %v", c[0], c[1], s)
		}
	}
}
