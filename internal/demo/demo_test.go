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
