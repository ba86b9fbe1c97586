package service_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/nisttest"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

const ownCatalog = `<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><metadata><title>Own</title></metadata>` +
	`<group id="G"><title>Group</title><control id="C1"><title>One</title></control></group></catalog>`

// TestFrameworkRulesForEveryRole: everyone reads; admins import; admins and
// managers create measures and edit the SoA; a department's members change
// their department's measures but not the owner; auditors change nothing.
func TestFrameworkRulesForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "m",
			Role: hikeshi.RoleManager, DepartmentID: f.sales.ID, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := hikeshi.ParseCatalog(strings.NewReader(ownCatalog))
		if err != nil {
			t.Fatal(err)
		}
		roles := map[string]hikeshi.User{"admin": f.admin, "csirt": f.csirt, "manager": manager, "member": f.member, "auditor": f.auditor}
		order := []string{"admin", "csirt", "manager", "member", "auditor"}
		for name, u := range roles {
			_, err := f.svc.Frameworks.Import(ctx, actor(u), "own", "Own", cat)
			if (name == "admin") != (err == nil) || err != nil && !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s import: %v", name, err)
			}
		}
		itMeasure, err := f.svc.Frameworks.CreateMeasure(ctx, actor(f.admin), service.MeasureInput{Name: "Backups", DepartmentID: f.it.ID,
			Status: hikeshi.StatusPlanned, Requirements: []hikeshi.RequirementRef{{FrameworkKey: "own", Ref: "C1"}, {FrameworkKey: hikeshi.ISO27001Key, Ref: "A.8.13"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range order {
			a := actor(roles[name])
			wantCreate := name == "admin" || name == "manager"
			if _, err := f.svc.Frameworks.CreateMeasure(ctx, a, service.MeasureInput{Name: "m " + name, Status: hikeshi.StatusPlanned}); (err == nil) != wantCreate {
				t.Errorf("%s create measure: %v", name, err)
			}
			// The CSIRT is in the IT department, which owns the measure; the member is in sales.
			wantEdit := wantCreate || name == "csirt"
			_, err := f.svc.Frameworks.UpdateMeasure(ctx, a, itMeasure.ID, service.MeasureInput{Name: "Backups " + name, DepartmentID: f.it.ID,
				Status: hikeshi.StatusPartial, Requirements: itMeasure.Requirements})
			if (err == nil) != wantEdit || err != nil && !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s update measure: %v", name, err)
			}
			if _, err := f.svc.Frameworks.SetSoA(ctx, a, "A.5.1", service.SoAInput{Applicable: true, Justification: "policy " + name, Status: hikeshi.StatusPlanned}); (err == nil) != wantCreate {
				t.Errorf("%s set soa: %v", name, err)
			}
			fs, err := f.svc.Frameworks.Frameworks(ctx, a)
			if err != nil || len(fs) != 2 || fs[0].Key != hikeshi.ISO27001Key || fs[0].Requirements != 30+4+93 || fs[1].Requirements != 2 {
				t.Errorf("%s frameworks %+v, %v", name, fs, err)
			}
			soa, err := f.svc.Frameworks.SoA(ctx, a)
			if err != nil || len(soa) != 93 || !soa[0].Decided() || soa[1].Decided() {
				t.Errorf("%s soa: %d lines, %v", name, len(soa), err)
			}
			if ms, err := f.svc.Frameworks.Measures(ctx, a, hikeshi.MeasureFilter{}); err != nil || len(ms) == 0 {
				t.Errorf("%s measures %v", name, err)
			}
		}
		// The CSIRT may not move its department's measure to another owner.
		_, err = f.svc.Frameworks.UpdateMeasure(ctx, actor(f.csirt), itMeasure.ID, service.MeasureInput{Name: "x", DepartmentID: f.sales.ID, Status: hikeshi.StatusPlanned})
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("csirt moved the owner: %v", err)
		}
		soa, _ := f.svc.Frameworks.SoA(ctx, actor(f.auditor))
		for _, l := range soa {
			if l.Control.Ref == "A.8.13" && (len(l.Measures) != 1 || l.Measures[0].ID != itMeasure.ID) {
				t.Errorf("A.8.13 measures %+v", l.Measures)
			}
		}
	})
}

func TestFrameworkValidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := actor(f.admin)
		field := func(err error) string {
			var v *hikeshi.ValidationError
			if !errors.As(err, &v) {
				return "not a validation error: " + errorString(err)
			}
			return v.Fields[0].Field + ":" + v.Fields[0].Code
		}
		before := f.auditCount(t)
		for name, c := range map[string]struct {
			in   service.MeasureInput
			want string
		}{
			"no name":           {service.MeasureInput{Status: hikeshi.StatusPlanned}, "name:required"},
			"two lines":         {service.MeasureInput{Name: "a\nb", Status: hikeshi.StatusPlanned}, "name:invalid_text"},
			"control chars":     {service.MeasureInput{Name: "a\x00", Status: hikeshi.StatusPlanned}, "name:invalid_text"},
			"long description":  {service.MeasureInput{Name: "a", Description: strings.Repeat("x", 4001), Status: hikeshi.StatusPlanned}, "description:too_long"},
			"bad status":        {service.MeasureInput{Name: "a", Status: "done"}, "status:unknown"},
			"bad department":    {service.MeasureInput{Name: "a", Status: hikeshi.StatusPlanned, DepartmentID: "nope"}, "department_id:unknown"},
			"unknown ref":       {service.MeasureInput{Name: "a", Status: hikeshi.StatusPlanned, Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.9.1"}}}, "requirements:unknown"},
			"theme ref":         {service.MeasureInput{Name: "a", Status: hikeshi.StatusPlanned, Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5"}}}, "requirements:unknown"},
			"unknown framework": {service.MeasureInput{Name: "a", Status: hikeshi.StatusPlanned, Requirements: []hikeshi.RequirementRef{{FrameworkKey: "x'; DROP", Ref: "1"}}}, "requirements:unknown"},
			"too many":          {service.MeasureInput{Name: "a", Status: hikeshi.StatusPlanned, Requirements: make([]hikeshi.RequirementRef, 201)}, "requirements:too_many"},
		} {
			if _, err := f.svc.Frameworks.CreateMeasure(ctx, a, c.in); field(err) != c.want {
				t.Errorf("%s: %v, want %s", name, err, c.want)
			}
		}
		for name, c := range map[string]struct {
			in   service.SoAInput
			want string
		}{
			"no justification":        {service.SoAInput{Applicable: true, Status: hikeshi.StatusPlanned}, "justification:required"},
			"excluded but planned":    {service.SoAInput{Justification: "j", Status: hikeshi.StatusPlanned}, "status:invalid"},
			"applicable but excluded": {service.SoAInput{Applicable: true, Justification: "j", Status: hikeshi.StatusNotApplicable}, "status:invalid"},
			"applicable no status":    {service.SoAInput{Applicable: true, Justification: "j"}, "status:unknown"},
		} {
			if _, err := f.svc.Frameworks.SetSoA(ctx, a, "A.5.1", c.in); field(err) != c.want {
				t.Errorf("%s: %v, want %s", name, err, c.want)
			}
		}
		if _, err := f.svc.Frameworks.SetSoA(ctx, a, "A.5.38", service.SoAInput{Applicable: true, Justification: "j", Status: hikeshi.StatusPlanned}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown control: %v", err)
		}
		cat, _ := hikeshi.ParseCatalog(strings.NewReader(ownCatalog))
		for key, want := range map[string]string{"": "framework:required", hikeshi.ISO27001Key: "framework:reserved", "Bad Key": "framework:invalid"} {
			if _, err := f.svc.Frameworks.Import(ctx, a, key, "n", cat); field(err) != want {
				t.Errorf("key %q: %v", key, err)
			}
		}
		if _, err := f.svc.Frameworks.Import(ctx, a, "ok", "two\nlines", cat); field(err) != "name:invalid_text" {
			t.Errorf("name: %v", err)
		}
		if after := f.auditCount(t); after != before {
			t.Errorf("refused changes were audited: %d → %d", before, after)
		}
		// Excluded without a status becomes not_applicable; duplicates in mappings collapse.
		e, err := f.svc.Frameworks.SetSoA(ctx, a, "A.7.4", service.SoAInput{Justification: "no premises"})
		if err != nil || e.Status != hikeshi.StatusNotApplicable {
			t.Errorf("excluded: %+v, %v", e, err)
		}
		e, err = f.svc.Frameworks.SetSoA(ctx, a, "A.7.5", service.SoAInput{Justification: "no premises", Status: hikeshi.StatusNotApplicable})
		if err != nil || e.Status != hikeshi.StatusNotApplicable || e.Applicable {
			t.Errorf("excluded, status given: %+v, %v", e, err)
		}
		ref := hikeshi.RequirementRef{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.1"}
		m, err := f.svc.Frameworks.CreateMeasure(ctx, a, service.MeasureInput{Name: " a ", Status: hikeshi.StatusPlanned,
			Requirements: []hikeshi.RequirementRef{ref, ref, {FrameworkKey: hikeshi.ISO27001Key, Ref: "4.1"}}})
		if err != nil || m.Name != "a" || len(m.Requirements) != 2 || m.Requirements[0].Ref != "4.1" {
			t.Errorf("measure %+v, %v", m, err)
		}
	})
}

func errorString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// csfFile opens NIST's CSF 2.0 catalog (see internal/nisttest).
func csfFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open(nisttest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestImportCSFTwice imports the official CSF 2.0 catalog on both engines,
// twice: the same counts, the same rows, titles updated, one audit entry each.
func TestImportCSFTwice(t *testing.T) {
	cat, err := hikeshi.ParseCatalog(csfFile(t))
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		before := f.auditCount(t)
		for i, name := range []string{"NIST CSF 2.0", "NIST Cybersecurity Framework 2.0"} {
			res, err := f.svc.Frameworks.Import(ctx, actor(f.admin), cat.SuggestedKey, name, cat)
			if err != nil {
				t.Fatal(err)
			}
			want := []hikeshi.KindCount{{Kind: "function", Current: 6}, {Kind: "category", Current: 22, Withdrawn: 12}, {Kind: "subcategory", Current: 106, Withdrawn: 79}}
			if res.Created != (i == 0) || len(res.Counts) != 3 || res.Counts[0] != want[0] || res.Counts[1] != want[1] || res.Counts[2] != want[2] {
				t.Errorf("import %d: %+v", i, res)
			}
			fw, reqs, err := f.svc.Frameworks.Framework(ctx, actor(f.member), "nist-csf-2.0")
			if err != nil || fw.Name != name || len(reqs) != 225 || reqs[0].Ref != "GV" {
				t.Fatalf("after import %d: %+v, %d requirements, %v", i, fw, len(reqs), err)
			}
		}
		if n := f.auditCount(t); n != before+2 {
			t.Errorf("audit entries %d → %d", before, n)
		}
		m, err := f.svc.Frameworks.CreateMeasure(ctx, actor(f.admin), service.MeasureInput{Name: "MFA", Status: hikeshi.StatusImplemented,
			Requirements: []hikeshi.RequirementRef{{FrameworkKey: "nist-csf-2.0", Ref: "PR.AA-03"}, {FrameworkKey: hikeshi.ISO27001Key, Ref: "A.8.5"}}})
		if err != nil || len(m.Requirements) != 2 {
			t.Errorf("measure %+v, %v", m, err)
		}
	})
}
