package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/demo"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestLoadOnceAndSignIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, service.Options{})
		accounts, err := demo.Load(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[hikeshi.Role]bool{}
		for _, a := range accounts {
			roles[a.Role] = true
			if _, _, _, err := svc.Auth.Login(ctx, a.Email, a.Password, service.ClientInfo{}); err != nil {
				t.Errorf("%s cannot sign in: %v", a.Email, err)
			}
		}
		for _, r := range hikeshi.Roles {
			if !roles[r] {
				t.Errorf("no demo account with role %s", r)
			}
		}
		kinds := map[hikeshi.DepartmentKind]int{}
		ds, _ := svc.Departments.List(ctx, hikeshi.SystemActor("test"), hikeshi.Page{})
		for _, d := range ds {
			kinds[d.Kind]++
		}
		if kinds[hikeshi.KindManagement] != 1 || kinds[hikeshi.KindIT] != 1 || kinds[hikeshi.KindCSIRT] != 1 || kinds[hikeshi.KindBusinessUnit] != 2 {
			t.Errorf("departments by kind: %v", kinds)
		}
		reports, err := svc.Reports.List(ctx, hikeshi.SystemActor("test"), hikeshi.ReportFilter{})
		if err != nil || len(reports) != 2 {
			t.Errorf("demo reports: %d, %v", len(reports), err)
		}
		for _, r := range reports {
			if r.Anonymous && (r.ReporterUserID != "" || r.Contact != "" || r.ContactEmail != "") {
				t.Errorf("the anonymous demo report identifies its sender: %+v", r)
			}
		}
		// The incidents: the phishing report triaged into one in initial
		// response, a RED lost laptop in recovery with APPI clocks, and a
		// closed defacement with a completed review and two lessons.
		sys := hikeshi.SystemActor("test")
		incs, err := svc.Incidents.List(ctx, sys, hikeshi.IncidentFilter{})
		if err != nil || len(incs) != 3 {
			t.Fatalf("demo incidents: %d, %v", len(incs), err)
		}
		phases := map[hikeshi.Phase]hikeshi.Incident{}
		for _, i := range incs {
			phases[i.Phase] = i
		}
		if len(phases[hikeshi.PhaseInitialResponse].ID) == 0 || phases[hikeshi.PhaseRecovery].TLP != hikeshi.TLPRed || phases[hikeshi.PhaseClosed].ClosedAt.IsZero() {
			t.Errorf("demo incidents by phase: %+v", phases)
		}
		lessons, err := svc.Reviews.ListLessons(ctx, sys, hikeshi.LessonFilter{})
		if err != nil || len(lessons) != 2 {
			t.Errorf("demo lessons: %d, %v", len(lessons), err)
		}
		clocks, err := svc.Clocks.ForIncident(ctx, sys, phases[hikeshi.PhaseRecovery].ID)
		if err != nil || len(clocks.Clocks) == 0 {
			t.Errorf("lost laptop clocks: %+v, %v", clocks, err)
		}
		queue, err := svc.Triage.Queue(ctx, sys, hikeshi.Page{})
		if err != nil || len(queue) != 1 || queue[0].Report.Source != hikeshi.SourceExternal {
			t.Errorf("triage queue after the demo: %d, %v", len(queue), err)
		}
		// A second start does nothing: the organisation is already there.
		again, err := demo.Load(ctx, svc)
		if err != nil || again != nil {
			t.Errorf("second load: %v, %v", again, err)
		}
		var out bytes.Buffer
		demo.Print(&out, "http://127.0.0.1:8080", accounts)
		for _, a := range accounts {
			if !strings.Contains(out.String(), a.Password) {
				t.Errorf("the printed table lacks %s's password", a.Email)
			}
		}
	})
}
