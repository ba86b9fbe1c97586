package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// patternOrg adds a management department and a CSIRT to the fixture.
func patternOrg(t *testing.T, f *fixture) (mgmt, csirt hikeshi.Department) {
	t.Helper()
	ctx, sys := context.Background(), hikeshi.SystemActor("test")
	var err error
	if mgmt, err = f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "経営企画部", Kind: hikeshi.KindManagement}); err != nil {
		t.Fatal(err)
	}
	if csirt, err = f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindCSIRT}); err != nil {
		t.Fatal(err)
	}
	return mgmt, csirt
}

func units(m, it, c string) map[hikeshi.DepartmentKind]string {
	out := map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: m, hikeshi.KindIT: it}
	if c != "" {
		out[hikeshi.KindCSIRT] = c
	}
	return out
}

// TestPatternRoles: everyone signed in reads the current pattern and the
// templates; the roles that read everything read the history; only admins
// preview and change; the anonymous read nothing.
func TestPatternRoles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgmt, _ := patternOrg(t, f)
		mgr := f.manager(t)
		in := service.PatternInput{Template: hikeshi.PatternTraditional, Units: units(mgmt.ID, f.it.ID, "")}
		ps := f.svc.Patterns

		if _, ok, err := ps.Current(ctx, actor(f.member)); err != nil || ok {
			t.Fatalf("no pattern yet: %v %v", ok, err)
		}
		for _, a := range []hikeshi.Actor{actor(f.csirt), actor(mgr), actor(f.member), actor(f.auditor), {}} {
			_, err := ps.Apply(ctx, a, in)
			wantForbidden(t, err)
			_, err = ps.Preview(ctx, a, in)
			wantForbidden(t, err)
		}
		before := f.auditCount(t)
		res, err := ps.Apply(ctx, actor(f.admin), in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Pattern.Version != 1 || f.auditCount(t) != before+1 {
			t.Fatalf("applied %+v, %d audit entries", res.Pattern, f.auditCount(t)-before)
		}
		for _, a := range []hikeshi.Actor{actor(f.admin), actor(f.csirt), actor(mgr), actor(f.member), actor(f.auditor)} {
			p, ok, err := ps.Current(ctx, a)
			if err != nil || !ok || p.ID != res.Pattern.ID || p.Units[hikeshi.KindIT] != f.it.ID {
				t.Fatalf("%s reads %+v %v %v", a.Role, p, ok, err)
			}
			if tpl, err := ps.Templates(a); err != nil || len(tpl) != 6 {
				t.Fatalf("%s templates: %d %v", a.Role, len(tpl), err)
			}
			hist, err := ps.History(ctx, a, hikeshi.Page{})
			if a.Role == hikeshi.RoleMember {
				wantForbidden(t, err)
			} else if err != nil || len(hist) != 1 || hist[0].CreatedBy != f.admin.ID {
				t.Fatalf("%s history: %+v %v", a.Role, hist, err)
			}
		}
		if _, _, err := ps.Current(ctx, hikeshi.Actor{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Fatalf("anonymous read: %v", err)
		}
		if _, err := ps.Templates(hikeshi.Actor{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Fatalf("anonymous templates: %v", err)
		}
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "pattern.change", Limit: 5})
		if err != nil || len(recs) != 1 || recs[0].EntityID != res.Pattern.ID || !strings.Contains(recs[0].After, `"template":"traditional"`) {
			t.Fatalf("audit: %+v %v", recs, err)
		}
	})
}

// TestPatternValidation: hostile and incomplete changes are refused by
// field, naming the activity left without a responsible unit; nothing is
// stored or audited.
func TestPatternValidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgmt, cs := patternOrg(t, f)
		admin := actor(f.admin)
		tpl, _ := hikeshi.PatternByKey(hikeshi.PatternFieldDriven)
		noImprove := tpl.Matrix.Clone()
		noImprove[hikeshi.ActivityImprovement] = hikeshi.Assignment{}
		badKind := tpl.Matrix.Clone()
		badKind[hikeshi.ActivityRules] = hikeshi.Assignment{Lead: "<script>alert(1)</script>"}
		dupWith := tpl.Matrix.Clone()
		dupWith[hikeshi.ActivityMonitoring] = hikeshi.Assignment{Lead: hikeshi.KindIT, With: []hikeshi.DepartmentKind{hikeshi.KindCSIRT, hikeshi.KindCSIRT}}
		before := f.auditCount(t)
		for _, c := range []struct {
			name        string
			in          service.PatternInput
			field, code string
			says        string
		}{
			{"unknown template", service.PatternInput{Template: "<script>x</script>", Units: units(mgmt.ID, f.it.ID, cs.ID)}, "template", "unknown", "six templates"},
			{"empty template", service.PatternInput{Units: units(mgmt.ID, f.it.ID, cs.ID)}, "template", "unknown", ""},
			{"activity without a unit", service.PatternInput{Template: hikeshi.PatternFieldDriven, Matrix: noImprove, Units: units(mgmt.ID, f.it.ID, cs.ID)},
				"matrix.improvement", "unassigned", "review and improvement of measures"},
			{"unknown kind in a cell", service.PatternInput{Template: hikeshi.PatternFieldDriven, Matrix: badKind, Units: units(mgmt.ID, f.it.ID, cs.ID)},
				"matrix.rules", "unknown", ""},
			{"a unit twice in a cell", service.PatternInput{Template: hikeshi.PatternFieldDriven, Matrix: dupWith, Units: units(mgmt.ID, f.it.ID, cs.ID)},
				"matrix.monitoring", "duplicate", ""},
			{"unknown department", service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units(mgmt.ID, "'; DROP TABLE departments; --", cs.ID)},
				"units.it", "unknown", ""},
			{"unmapped kind", service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units(mgmt.ID, f.it.ID, "")}, "units.csirt", "required", "CSIRT"},
			{"unknown kind in the mapping", service.PatternInput{Template: hikeshi.PatternTraditional,
				Units: map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mgmt.ID, hikeshi.KindIT: f.it.ID, "business_unit": f.sales.ID}}, "units", "unknown", ""},
			{"CSIRT inside IT mapped elsewhere", service.PatternInput{Template: hikeshi.PatternITLed, Units: units(mgmt.ID, f.it.ID, cs.ID)},
				"units.csirt", "same_unit", "inside it"},
			{"note with a control character", service.PatternInput{Template: hikeshi.PatternTraditional, Units: units(mgmt.ID, f.it.ID, ""), Note: "a\x00b"}, "note", "", ""},
			{"note too long", service.PatternInput{Template: hikeshi.PatternTraditional, Units: units(mgmt.ID, f.it.ID, ""), Note: strings.Repeat("あ", hikeshi.MaxPatternNoteLen+1)}, "note", "", ""},
		} {
			_, err := f.svc.Patterns.Apply(ctx, admin, c.in)
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: got %v", c.name, err)
			}
			found := false
			for _, fe := range ve.Fields {
				if fe.Field == c.field && (c.code == "" || fe.Code == c.code) && strings.Contains(fe.Message, c.says) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: want %s/%s saying %q, got %+v", c.name, c.field, c.code, c.says, ve.Fields)
			}
			if _, err := f.svc.Patterns.Preview(ctx, admin, c.in); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("%s: preview accepted it: %v", c.name, err)
			}
		}
		if f.auditCount(t) != before {
			t.Fatal("a refused change was audited")
		}
		if _, ok, _ := f.svc.Patterns.Current(ctx, admin); ok {
			t.Fatal("a refused change was stored")
		}
		// Decision 0031: the mapping names the department that plays the
		// role, whatever its kind: a business unit may act as the IT unit.
		// Markup in the note is kept as typed (the pages show it as text).
		res, err := f.svc.Patterns.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternTraditional, Units: units(mgmt.ID, f.sales.ID, ""),
			Note: "<script>alert(1)</script>"})
		if err != nil || res.Pattern.Units[hikeshi.KindIT] != f.sales.ID || res.Pattern.Note != "<script>alert(1)</script>" {
			t.Fatalf("business unit as IT: %+v %v", res.Pattern, err)
		}
		// Edited cells: the default mark stays only on unchanged default cells.
		m := tpl.Matrix.Clone()
		m[hikeshi.ActivityRiskAssessment] = hikeshi.Assignment{Lead: hikeshi.KindManagement}
		res, err = f.svc.Patterns.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternFieldDriven, Matrix: m, Units: units(mgmt.ID, f.it.ID, cs.ID), BaseVersion: 1})
		if err != nil || res.Pattern.Version != 2 || res.Pattern.Matrix[hikeshi.ActivityRiskAssessment].Default ||
			res.Pattern.Matrix[hikeshi.ActivityRiskAssessment].Lead != hikeshi.KindManagement {
			t.Fatalf("edited cell: %+v %v", res.Pattern, err)
		}
		// A change made from an older version is a conflict.
		_, err = f.svc.Patterns.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternIndependent, Units: units(mgmt.ID, f.it.ID, cs.ID), BaseVersion: 1})
		wantConflict(t, err)
		// A template that leaves a kind out does not need it mapped.
		if _, err := f.svc.Patterns.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternIntegrated,
			Units: units(mgmt.ID, mgmt.ID, mgmt.ID)}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPatternRoutesAndReroutes: a playbook's incident response steps given
// no department go to the unit responsible under the pattern (and without a
// pattern to the first CSIRT, as before); changing the pattern previews and
// then moves the routed open tasks and the lessons' open actions, with an
// audit entry per moved item, and leaves work placed by hand alone.
func TestPatternRoutesAndReroutes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mgmt, cs := patternOrg(t, f)
		admin, handler := actor(f.admin), actor(f.csirt)
		ts := f.svc.Tasks
		kinds := func(tasks []hikeshi.Task, p hikeshi.Playbook) map[string]string { // title → department
			out := map[string]string{}
			for _, t := range tasks {
				out[t.Title] = t.DepartmentID
			}
			return out
		}
		pb, err := ts.Playbook(ctx, handler, "phishing", hikeshi.LocaleEN)
		if err != nil {
			t.Fatal(err)
		}
		csirtSteps := 0
		for _, st := range pb.Tasks {
			if st.Kind == hikeshi.KindCSIRT {
				csirtSteps++
			}
		}
		if csirtSteps == 0 {
			t.Fatal("the phishing playbook has no CSIRT step")
		}
		check := func(tasks []hikeshi.Task, want string) {
			t.Helper()
			got := kinds(tasks, pb)
			for _, st := range pb.Tasks {
				if st.Kind == hikeshi.KindCSIRT && got[st.Title] != want {
					t.Errorf("step %q went to %s, want %s", st.Title, got[st.Title], want)
				}
			}
		}
		// No pattern: the first CSIRT department, as before.
		inc0 := f.incident(t, "before", hikeshi.TLPGreen)
		tasks0, err := ts.ApplyPlaybook(ctx, handler, inc0.ID, "phishing", hikeshi.LocaleEN, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(tasks0, cs.ID)

		// Traditional: incident response is the IT department's.
		if _, err := f.svc.Patterns.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternTraditional, Units: units(mgmt.ID, f.it.ID, "")}); err != nil {
			t.Fatal(err)
		}
		inc1 := f.incident(t, "routed", hikeshi.TLPGreen)
		routed, err := ts.ApplyPlaybook(ctx, handler, inc1.ID, "phishing", hikeshi.LocaleEN, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(routed, f.it.ID)
		red := f.incident(t, "秘密の件名", hikeshi.TLPRed)
		routedRed, err := ts.ApplyPlaybook(ctx, handler, red.ID, "phishing", hikeshi.LocaleEN, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Chosen explicitly: stays where it was put.
		inc2 := f.incident(t, "explicit", hikeshi.TLPGreen)
		explicit, err := ts.ApplyPlaybook(ctx, handler, inc2.ID, "phishing", hikeshi.LocaleEN, map[hikeshi.DepartmentKind]string{hikeshi.KindCSIRT: cs.ID})
		if err != nil {
			t.Fatal(err)
		}
		check(explicit, cs.ID)
		// A finished routed task does not move.
		isCSIRTStep := map[string]bool{}
		for _, st := range pb.Tasks {
			isCSIRTStep[st.Title] = st.Kind == hikeshi.KindCSIRT
		}
		var done hikeshi.Task
		for _, tk := range routed {
			if isCSIRTStep[tk.Title] {
				done = tk
				break
			}
		}
		if _, err := ts.SetStatus(ctx, handler, done.ID, hikeshi.TaskCancelled, "不要"); err != nil {
			t.Fatal(err)
		}
		// A lesson's open corrective action, routed by "improvement" (to the
		// management department under traditional).
		lessonAction := hikeshi.NewID()
		w := db.Pools()["writer"]
		if w == nil {
			w = db.Pools()["main"]
		}
		if _, err := w.Exec(fmt.Sprintf(`INSERT INTO corrective_actions (id, source_kind, source_id, title, action, department_id, due_date, status, created_at, updated_at)
			VALUES ('%s', 'lesson', 'l1', '教訓', 'a', '%s', '2026-06-30', 'open', '2026-05-01T09:00:00.000000Z', '2026-05-01T09:00:00.000000Z')`, lessonAction, mgmt.ID)); err != nil {
			t.Fatal(err)
		}

		// Field-driven: incident response stays with IT (nothing moves
		// there), improvement moves to IT. Independent: incident response
		// moves to the CSIRT.
		fd := service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units(mgmt.ID, f.it.ID, cs.ID), BaseVersion: 1}
		pv, err := f.svc.Patterns.Preview(ctx, admin, fd)
		if err != nil {
			t.Fatal(err)
		}
		if len(pv.Moves) != 1 || pv.Moves[0].Item.ID != lessonAction || pv.Moves[0].From != mgmt.ID || pv.Moves[0].To != f.it.ID || pv.Moves[0].Item.Entity != hikeshi.RoutedAction {
			t.Fatalf("field-driven preview: %+v", pv.Moves)
		}
		if _, ok, _ := f.svc.Patterns.Current(ctx, admin); !ok {
			t.Fatal("no current pattern")
		}
		if p, _, _ := f.svc.Patterns.Current(ctx, admin); p.Version != 1 {
			t.Fatal("a preview changed the pattern")
		}
		before := f.auditCount(t)
		res, err := f.svc.Patterns.Apply(ctx, admin, fd)
		if err != nil || len(res.Moves) != 1 || res.Pattern.Version != 2 || res.Pattern.Trigger != hikeshi.TriggerIncidentResults {
			t.Fatalf("apply field-driven: %+v %v", res, err)
		}
		if f.auditCount(t) != before+2 {
			t.Fatalf("want 2 audit entries (change + one move), got %d", f.auditCount(t)-before)
		}
		ca, err := f.svc.Checks.Action(ctx, admin, lessonAction)
		if err != nil || ca.Action.DepartmentID != f.it.ID {
			t.Fatalf("lesson action after the change: %+v %v", ca.Action, err)
		}

		ind := service.PatternInput{Template: hikeshi.PatternIndependent, Units: units(mgmt.ID, f.it.ID, cs.ID), BaseVersion: 2}
		pv, err = f.svc.Patterns.Preview(ctx, admin, ind)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, tk := range append(append([]hikeshi.Task{}, routed...), routedRed...) {
			if isCSIRTStep[tk.Title] && tk.ID != done.ID {
				want[tk.ID] = true
			}
		}
		redTask := map[string]bool{}
		for _, tk := range routedRed {
			redTask[tk.ID] = true
		}
		if len(pv.Moves) != len(want) || len(want) != 2*csirtSteps-1 {
			t.Fatalf("independent preview: %d moves, want %d: %+v", len(pv.Moves), len(want), pv.Moves)
		}
		for _, m := range pv.Moves {
			if !want[m.Item.ID] || m.From != f.it.ID || m.To != cs.ID || m.Item.Activity != hikeshi.ActivityIncidentResponse ||
				m.Hidden != redTask[m.Item.ID] || (m.Hidden && m.Item.Title != "") || (!m.Hidden && m.Item.Title == "") {
				t.Errorf("unexpected move %+v", m)
			}
		}
		before = f.auditCount(t)
		if _, err := f.svc.Patterns.Apply(ctx, admin, ind); err != nil {
			t.Fatal(err)
		}
		if f.auditCount(t) != before+1+int64(len(want)) {
			t.Fatalf("want %d audit entries, got %d", 1+len(want), f.auditCount(t)-before)
		}
		recs, err := f.svc.Audit.List(ctx, admin, hikeshi.AuditFilter{Action: "pattern.route", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		audited := map[string]bool{}
		for _, r := range recs {
			audited[r.EntityID] = true
			if strings.Contains(r.Before+r.After, "秘密") {
				t.Errorf("the audit entry carries a restricted incident's words: %s %s", r.Before, r.After)
			}
		}
		for id := range want {
			if !audited[id] {
				t.Errorf("task %s moved without an audit entry", id)
			}
			tk, err := db.FindTaskByID(ctx, id)
			if err != nil || tk.DepartmentID != cs.ID {
				t.Errorf("task %s: %+v %v", id, tk, err)
			}
		}
		if tk, _ := db.FindTaskByID(ctx, done.ID); tk.DepartmentID != f.it.ID {
			t.Error("a finished task moved")
		}
		for _, tk := range append(explicit, tasks0...) {
			if got, _ := db.FindTaskByID(ctx, tk.ID); got.DepartmentID != tk.DepartmentID {
				t.Errorf("a task placed without the pattern moved: %+v", got)
			}
		}
	})
}
