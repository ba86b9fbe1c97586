package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillPatterns) }

// fillPatterns fills org_patterns and org_pattern_units: the traditional
// template, then the IT-led one with an edited cell and a note (CSIRT inside
// the IT department: both kinds map onto it).
func fillPatterns(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	sys := hikeshi.SystemActor("test")
	mgmt, it := f.depts[0].ID, f.depts[1].ID
	if _, err := f.svc.Patterns.Apply(ctx, sys, service.PatternInput{Template: hikeshi.PatternTraditional,
		Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mgmt, hikeshi.KindIT: it}}); err != nil {
		t.Fatal(err)
	}
	tpl, _ := hikeshi.PatternByKey(hikeshi.PatternITLed)
	m := tpl.Matrix.Clone()
	m[hikeshi.ActivityInternalAudit] = hikeshi.Assignment{Lead: hikeshi.KindManagement, With: []hikeshi.DepartmentKind{hikeshi.KindIT}}
	if _, err := f.svc.Patterns.Apply(ctx, sys, service.PatternInput{Template: hikeshi.PatternITLed, Matrix: m, BaseVersion: 1,
		Note:  "CSIRT を <情報システム部> に置く\n二行目",
		Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mgmt, hikeshi.KindIT: it, hikeshi.KindCSIRT: it}}); err != nil {
		t.Fatal(err)
	}
}
