package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestDashboardAPI reads the dashboard with every role on both engines: the
// same numbers for all, RED incidents counted but never named, bad periods
// refused with the range.
func TestDashboardAPI(t *testing.T) {
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
		for _, tlp := range []hikeshi.TLP{hikeshi.TLPGreen, hikeshi.TLPRed} {
			if _, err := e.svc.Incidents.Create(ctx, cs, service.IncidentInput{Title: "秘密 " + string(tlp), Summary: "s", Category: "phishing",
				Impact: 2, Urgency: 2, TLP: tlp}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tok := range []string{e.adminToken, csirtToken, managerToken, auditorToken, memberToken} {
			r := e.get("/api/v1/dashboard", tok).want(http.StatusOK)
			if strings.Contains(string(r.body), "秘密") {
				t.Errorf("the dashboard names an incident: %s", r.body)
			}
			var d dashboardJSON
			r.into(&d)
			if d.Days != 90 || d.Loop.Incidents != 2 || len(d.Loop.Overall) != len(hikeshi.LoopSteps) || len(d.Loop.ByPriority) != 4 {
				t.Errorf("dashboard %+v", d.Loop)
			}
			if len(d.Categories) != 1 || d.Categories[0] != (categoryCountJSON{Category: "phishing", Count: 2}) {
				t.Errorf("categories %+v", d.Categories)
			}
			if len(d.Departments) != 1 || d.Departments[0].DepartmentID != nil || d.Departments[0].Count != 2 {
				t.Errorf("departments %+v", d.Departments)
			}
		}
		var d dashboardJSON
		e.get("/api/v1/dashboard?days=365", csirtToken).want(http.StatusOK).into(&d)
		if d.Days != 365 || len(d.Loop.Months) < 12 {
			t.Errorf("365 days: %d days, %d months", d.Days, len(d.Loop.Months))
		}
		for _, bad := range []string{"0", "7", "-90", "abc", "1e3", "99999999999999999999", "%3Cscript%3E"} {
			p := e.get("/api/v1/dashboard?days="+bad, csirtToken).problem(kindValidation)
			wantField(t, p, "days", "range")
			if !strings.Contains(p.Detail+mustJSON(t, p), "30, 90 or 365") {
				t.Errorf("days=%s: the problem does not name the range: %+v", bad, p)
			}
		}
		e.get("/api/v1/dashboard", "").want(http.StatusUnauthorized)
	})
}
