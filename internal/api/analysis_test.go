package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestAnalysisAPI reads the analysis with every role on both engines: the
// same counts for the reading roles, a RED incident counted but named only
// to the CSIRT, 404 for members, hostile periods refused naming the field,
// and CSV downloads with formula cells defused.
func TestAnalysisAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, it.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, it.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, it.ID)
		cs := hikeshi.ActorFor(csirt, "test")
		var red hikeshi.Incident
		for _, tlp := range []hikeshi.TLP{hikeshi.TLPGreen, hikeshi.TLPRed} {
			inc, err := e.svc.Incidents.Create(ctx, cs, service.IncidentInput{Title: "秘密ZQX " + string(tlp), Summary: "s", Category: "phishing",
				Impact: 2, Urgency: 2, TLP: tlp})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Evidence.AddObservables(ctx, cs, inc.ID, service.ObservablesInput{Values: []string{"-2+3"},
				Type: hikeshi.ObservableAccount}); err != nil {
				t.Fatal(err)
			}
			red = inc
		}
		for name, tok := range map[string]string{"admin": e.adminToken, "csirt": csirtToken, "manager": managerToken, "auditor": auditorToken} {
			var tr analysisTrendsJSON
			e.get("/api/v1/analysis/trends", tok).want(http.StatusOK).into(&tr)
			if len(tr.Months) != 12 || tr.Months[11].Incidents != 2 || len(tr.Tables) != 10 {
				t.Errorf("%s: trends %+v", name, tr)
			}
			var ps analysisPatternsJSON
			r := e.get("/api/v1/analysis/patterns", tok).want(http.StatusOK)
			r.into(&ps)
			obs := ps.Kinds[0]
			if len(obs.Patterns) != 1 || obs.Patterns[0].Value != "-2+3" || obs.Patterns[0].Incidents != 2 {
				t.Fatalf("%s: observables %+v", name, obs)
			}
			namesRed := strings.Contains(string(r.body), red.ID) || strings.Contains(string(r.body), "RED")
			if namesRed != (name == "csirt") {
				t.Errorf("%s: names the RED incident = %v: %s", name, namesRed, r.body)
			}
			var tm analysisTimesJSON
			e.get("/api/v1/analysis/times", tok).want(http.StatusOK).into(&tm)
			if len(tm.Measures) != len(hikeshi.AnalysisMeasures) || tm.Measures[3].Measure != "contain" ||
				tm.Measures[3].All.Items != 2 || tm.Measures[3].All.MeanSeconds != nil || tm.Measures[3].All.NotAvailable != "not_reached" {
				t.Errorf("%s: times %+v", name, tm.Measures)
			}
		}
		for _, path := range []string{"/analysis/trends", "/analysis/patterns", "/analysis/times"} {
			e.get("/api/v1"+path, memberToken).problem(kindForbidden)
			e.get("/api/v1"+path, "").want(http.StatusUnauthorized)
		}
		e.get("/api/v1/analysis/export/months", memberToken).problem(kindNotFound)
		e.get("/api/v1/analysis/export/months", "").want(http.StatusUnauthorized)
		for _, bad := range []struct{ query, field, code string }{
			{"from=abc", "from", "invalid"},
			{"from=%3Cscript%3E", "from", "invalid"},
			{"from=2026-02-31", "from", "invalid"},
			{"from=1999-01-01", "from", "range"},
			{"to=2026-1-1", "to", "invalid"},
			{"from=2025-05-01&to=2025-04-01", "to", "order"},
			{"from=2000-01-01&to=2025-01-01", "to", "range"},
			{"from=2025-01-01%27%20OR%201%3D1", "from", "invalid"},
		} {
			p := e.get("/api/v1/analysis/trends?"+bad.query, csirtToken).problem(kindValidation)
			wantField(t, p, bad.field, bad.code)
		}
		e.get("/api/v1/analysis/export/nope", csirtToken).want(http.StatusNotFound)

		r := e.get("/api/v1/analysis/export/patterns_observable", managerToken).want(http.StatusOK)
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="analysis-patterns_observable-`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !bytes.HasPrefix(r.body, []byte("\uFEFF")) {
			t.Error("no BOM")
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][2] != "'-2+3" || rows[1][3] != "2" {
			t.Errorf("csv %q %v", rows, err)
		}
		if strings.Contains(string(r.body), "ZQX") {
			t.Errorf("the CSV names an incident title: %s", r.body)
		}
	})
}
