package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// anaSetup opens a GREEN and a RED incident sharing an observable and an
// asset, and returns a manager who is not a member of the RED one.
func anaSetup(t *testing.T, f *fixture) (green, red hikeshi.Incident, manager hikeshi.User) {
	t.Helper()
	ctx := context.Background()
	sys := hikeshi.SystemActor("test")
	var err error
	manager, err = f.svc.Users.Create(ctx, sys, service.UserInput{Email: "manager@example.org", Name: "Manager",
		Role: hikeshi.RoleManager, DepartmentID: f.sales.ID, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	cs := actor(f.csirt)
	if green, err = f.svc.Incidents.Create(ctx, cs, newIncidentInput("見慣れない請求メール", hikeshi.TLPGreen)); err != nil {
		t.Fatal(err)
	}
	if red, err = f.svc.Incidents.Create(ctx, cs, newIncidentInput("=秘密の漏えい調査", hikeshi.TLPRed)); err != nil {
		t.Fatal(err)
	}
	third, err := f.svc.Incidents.Create(ctx, cs, newIncidentInput("もう一件", hikeshi.TLPRed))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{green.ID, red.ID} {
		if _, err := f.svc.Evidence.AddObservables(ctx, cs, id, service.ObservablesInput{Values: []string{"198.51.100.7"}}); err != nil {
			t.Fatal(err)
		}
	}
	// A secret observable only in the two RED incidents.
	for _, id := range []string{red.ID, third.ID} {
		if _, err := f.svc.Evidence.AddObservables(ctx, cs, id, service.ObservablesInput{Values: []string{"=cmd|' /C calc'!A0.secret.example"}, Type: hikeshi.ObservableAccount}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.svc.Incidents.Transition(ctx, cs, green.ID, hikeshi.PhaseInitialResponse, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(4 * time.Hour)
	if _, err := f.svc.Incidents.Transition(ctx, cs, green.ID, hikeshi.PhaseRecovery, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	return green, red, manager
}

// TestAnalysisForEveryRole checks who reads the analysis and what is named:
// every reading role gets the same counts; restricted incidents are named
// only to the CSIRT; department members get ErrNotFound everywhere.
func TestAnalysisForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		green, red, manager := anaSetup(t, f)
		roles := map[string]hikeshi.User{"admin": f.admin, "csirt": f.csirt, "manager": manager, "auditor": f.auditor, "member": f.member}
		for name, u := range roles {
			a := actor(u)
			if got, want := service.CanReadAnalysis(a), name != "member"; got != want {
				t.Errorf("%s: CanReadAnalysis = %v", name, got)
			}
			d, err := f.svc.Analysis.Get(ctx, a, service.AnalysisQuery{})
			_, _, csvErr := f.svc.Analysis.CSV(ctx, a, service.AnalysisQuery{}, "months")
			if name == "member" {
				if !errors.Is(err, hikeshi.ErrNotFound) || !errors.Is(csvErr, hikeshi.ErrNotFound) {
					t.Errorf("member: %v / %v", err, csvErr)
				}
				continue
			}
			if err != nil || csvErr != nil {
				t.Fatalf("%s: %v / %v", name, err, csvErr)
			}
			// Counted for everyone, the RED ones included.
			last := d.Trends.Months[len(d.Trends.Months)-1]
			if len(d.Trends.Months) != 12 || last.Month != "2026-05" || last.Incidents != 3 {
				t.Errorf("%s: months %+v", name, d.Trends.Months)
			}
			byCat, _ := d.Trends.Table("incidents_by_category")
			if len(byCat.Rows) != 1 || byCat.Rows[0].Key != "phishing" || byCat.Rows[0].Count != 3 || byCat.Total != 3 {
				t.Errorf("%s: by category %+v", name, byCat)
			}
			obs := d.Patterns.Kinds[0]
			seesRed := name == "csirt"
			var names []string
			for _, p := range obs.Patterns {
				names = append(names, p.Value)
				for _, r := range p.Refs {
					if r.ID == red.ID && !seesRed {
						t.Errorf("%s: the RED incident is named: %+v", name, r)
					}
					if strings.Contains(r.Title, "秘密") && !seesRed {
						t.Errorf("%s: a RED title is shown", name)
					}
				}
			}
			if seesRed {
				if len(obs.Patterns) != 2 || obs.Hidden != 0 {
					t.Errorf("csirt: observables %v hidden %d", names, obs.Hidden)
				}
			} else if len(obs.Patterns) != 1 || obs.Patterns[0].Value != "198.51.100.7" || obs.Hidden != 1 ||
				obs.Patterns[0].Incidents != 2 || len(obs.Patterns[0].Refs) != 1 || obs.Patterns[0].Refs[0].ID != green.ID {
				t.Errorf("%s: observables %+v hidden %d", name, obs.Patterns, obs.Hidden)
			}
			// Time to contain: the green one, 6h; the RED ones are not contained.
			for _, m := range d.Times.Measures {
				if m.Measure != hikeshi.MeasureContain {
					continue
				}
				if m.All.Items != 3 || m.All.Measured != 1 || m.All.Mean != 6*3600 || m.All.Median != 6*3600 {
					t.Errorf("%s: contain %+v", name, m.All)
				}
				if len(m.Groups) != 4 {
					t.Errorf("%s: contain groups %+v", name, m.Groups)
				}
			}
		}
		if !service.CanReadAnalysis(hikeshi.SystemActor("test")) || service.CanReadAnalysis(hikeshi.Actor{Role: hikeshi.RoleManager}) {
			t.Error("CanReadAnalysis of the system or an actor without a user")
		}
		if _, err := f.svc.Analysis.Trends(ctx, hikeshi.Actor{Role: hikeshi.RoleCSIRT}, service.AnalysisQuery{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("no user: %v", err)
		}
	})
}

// TestAnalysisBadInput checks the period and table checks with hostile input.
func TestAnalysisBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := actor(f.csirt)
		cases := []struct {
			from, to, field, code string
		}{
			{"2026-13-01", "", "from", "invalid"},
			{"2026-1-1", "", "from", "invalid"},
			{"'; DROP TABLE incidents; --", "", "from", "invalid"},
			{"<script>", "2026-01-01", "from", "invalid"},
			{"", "2026-02-30", "to", "invalid"},
			{"1999-12-31", "", "from", "range"},
			{"0001-01-01", "", "from", "range"},
			{"2026-05-02", "", "from", "range"}, // after today
			{"2026-03-01", "2026-02-01", "to", "order"},
			{"2020-01-01", "2026-04-01", "to", "range"},
			{strings.Repeat("9", 100), "", "from", "invalid"},
			{"", strings.Repeat("2", 1<<16), "to", "invalid"},
		}
		for _, c := range cases {
			_, err := f.svc.Analysis.Trends(ctx, a, service.AnalysisQuery{From: c.from, To: c.to})
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%q..%q: %v", c.from, c.to, err)
				continue
			}
			found := false
			for _, fe := range ve.Fields {
				found = found || (fe.Field == c.field && fe.Code == c.code)
			}
			if !found {
				t.Errorf("%q..%q: %+v, want %s/%s", c.from, c.to, ve.Fields, c.field, c.code)
			}
		}
		// A future end is cut to today; a whole three years is accepted.
		p, err := f.svc.Analysis.Period(service.AnalysisQuery{From: "2026-01-01", To: "2099-01-01"})
		if err != nil || !p.To.Equal(time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)) || p.ToDate() != "2026-05-01" || p.FromDate() != "2026-01-01" || len(p.Months) != 5 {
			t.Errorf("future end: %+v %v", p, err)
		}
		if _, err := f.svc.Analysis.Period(service.AnalysisQuery{From: "2023-05-01", To: "2026-04-30"}); err != nil {
			t.Errorf("three years: %v", err)
		}
		for _, table := range []string{"", "nope", "../../etc/passwd", "incidents_by_nope", "alerts_by_category", "patterns_"} {
			if _, _, err := f.svc.Analysis.CSV(ctx, a, service.AnalysisQuery{}, table); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("table %q: %v", table, err)
			}
		}
	})
}

// TestAnalysisCSV exports every table and checks that formula cells are
// defused, the BOM is there, and restricted words stay out for a manager.
func TestAnalysisCSV(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, _, manager := anaSetup(t, f)
		for _, who := range []hikeshi.User{f.csirt, manager} {
			for _, table := range service.AnalysisCSVTables() {
				name, rows, err := f.svc.Analysis.CSV(ctx, actor(who), service.AnalysisQuery{From: "2026-01-01"}, table)
				if err != nil {
					t.Fatalf("%s: %v", table, err)
				}
				if name != "analysis-"+table+"-2026-01-01-2026-05-01.csv" {
					t.Errorf("file name %q", name)
				}
				var buf bytes.Buffer
				if err := service.WriteAnalysisCSV(&buf, rows); err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(buf.Bytes(), []byte("\uFEFF")) || !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
					t.Errorf("%s: no BOM or CRLF", table)
				}
				back, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
				if err != nil || len(back) != len(rows) {
					t.Fatalf("%s: %d rows, %v", table, len(back), err)
				}
				for _, r := range back {
					for _, c := range r {
						if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
							t.Errorf("%s: a formula cell %q", table, c)
						}
						if who.ID == manager.ID && strings.Contains(c, "secret") {
							t.Errorf("%s: a restricted observable is named to a manager: %q", table, c)
						}
					}
				}
				if table == "patterns_observable" && who.ID == f.csirt.ID && !strings.Contains(buf.String(), "'=cmd|") {
					t.Errorf("the formula observable is not defused: %s", buf.String())
				}
			}
		}
		var buf bytes.Buffer
		service.WriteAnalysisCSV(&buf, [][]string{{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "safe", "日本語"}})
		// encoding/csv with CRLF line ends drops a lone CR inside a quoted cell; the quote mark stays first.
		want := "\uFEFF'=1+1,'+1,'-1,'@SUM(A1),'\tx,\"'x\",safe,日本語\r\n"
		if buf.String() != want {
			t.Errorf("csv = %q, want %q", buf.String(), want)
		}
	})
}
