package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// mgmtExec runs literal SQL on the writer pool: timestamps are written as
// 'YYYY-MM-DDTHH:MM:SS.ffffffZ' literals, which both engines take (TEXT on
// SQLite, timestamptz on PostgreSQL).
func mgmtExec(t *testing.T, db *store.DB, stmts ...string) {
	t.Helper()
	pools := db.Pools()
	w := pools["writer"]
	if w == nil {
		w = pools["main"]
	}
	for _, s := range stmts {
		if _, err := w.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestManagementStore writes and reads reviews and decisions, and compiles
// the inputs of a period with data just inside and just outside it, on both
// engines: only what lies inside counts.
func TestManagementStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const (
			before = "2026-03-31T23:59:59.999999Z" // the instant before the period
			first  = "2026-04-01T00:00:00.000000Z" // its first instant
			inside = "2026-05-10T10:00:00.000000Z"
			last   = "2026-06-30T23:59:59.999999Z" // its last instant
			after  = "2026-07-01T00:00:00.000000Z" // the day after: outside
			old    = "2026-01-10T10:00:00.000000Z"
		)
		id := func() string { return hikeshi.NewID() }
		dept, user := id(), id()
		mgmtExec(t, db,
			fmt.Sprintf("INSERT INTO departments (id, name, kind, created_at, updated_at) VALUES ('%s', 'IT', 'it', '%s', '%s')", dept, old, old),
			fmt.Sprintf("INSERT INTO users (id, email, name, role, department_id, created_at, updated_at) VALUES ('%s', 'a@example.org', 'A', 'admin', '%s', '%s', '%s')", user, dept, old, old))

		// Findings: one of each time; the inside ones are a minor NC and an OFI.
		prog, audIn, audOut := id(), id(), id()
		mgmtExec(t, db,
			fmt.Sprintf("INSERT INTO audit_programmes (id, year, title, period_start, period_end, objectives, created_at, updated_at) VALUES ('%s', 2026, 'P', '2026-04-01', '2027-03-31', '目的', '%s', '%s')", prog, old, old),
			fmt.Sprintf("INSERT INTO internal_audits (id, programme_id, title, scope, department_ids, criteria, planned_start, planned_end, auditor_ids, status, created_at, updated_at) VALUES ('%s', '%s', 'In', 's', '%s', 'c', '2026-06-01', '2026-06-05', '%s', 'reported', '%s', '%s')", audIn, prog, dept, user, old, old),
			fmt.Sprintf("INSERT INTO internal_audits (id, programme_id, title, scope, department_ids, criteria, planned_start, planned_end, auditor_ids, status, created_at, updated_at) VALUES ('%s', '%s', 'Out', 's', '%s', 'c', '2026-07-01', '2026-07-05', '%s', 'planned', '%s', '%s')", audOut, prog, dept, user, old, old))
		finding := func(typ, at string) string {
			f := id()
			mgmtExec(t, db, fmt.Sprintf("INSERT INTO findings (id, audit_id, type, description, department_id, created_at, updated_at) VALUES ('%s', '%s', '%s', 'd %s', '%s', '%s', '%s')", f, audIn, typ, typ, dept, at, at))
			return f
		}
		finding("major_nc", before)
		finding("minor_nc", first)
		ofi := finding("ofi", last)
		finding("minor_nc", after)

		// Corrective actions: opened before / inside / after; closed inside; one overdue; one checked ineffective inside.
		action := func(kind, source, status, due, created, closed, checkedAt, result string) string {
			a := id()
			cl, ch := "NULL", "NULL"
			if closed != "" {
				cl = "'" + closed + "'"
			}
			if checkedAt != "" {
				ch = "'" + checkedAt + "'"
			}
			mgmtExec(t, db, fmt.Sprintf(`INSERT INTO corrective_actions (id, source_kind, source_id, title, action, department_id, due_date, status, checked_at, check_result, created_at, updated_at, closed_at)
				VALUES ('%s', '%s', '%s', 'T %s', 'a', '%s', '%s', '%s', %s, '%s', '%s', '%s', %s)`, a, kind, source, status, dept, due, status, ch, result, created, created, cl))
			return a
		}
		prevReview := id()
		action("finding", ofi, "open", "2026-06-01", before, "", "", "")                           // overdue (as of July), opened before
		action("finding", ofi, "closed", "2026-06-01", inside, inside, inside, "effective")        // opened and closed inside
		action("finding", ofi, "ineffective", "2026-12-01", inside, "", last, "ineffective")       // ineffective inside
		action("finding", ofi, "open", "2026-12-01", after, "", "", "")                            // opened after
		prevOpen := action("management_review", prevReview, "open", "2026-05-01", old, "", "", "") // previous review's, overdue
		action("management_review", prevReview, "closed", "2026-05-01", old, inside, inside, "effective")
		action("management_review", prevReview, "open", "2026-12-01", after, "", "", "") // opened after the period: not listed

		// Metrics: one met by its latest value inside the period (an older value outside missed), one missed, one without a value inside.
		m1, m2, m3 := id(), id(), id()
		mgmtExec(t, db,
			fmt.Sprintf("INSERT INTO metrics (id, name, target, comparison, frequency, department_id, created_at, updated_at) VALUES ('%s', 'a-met', '95', 'ge', 'monthly', '%s', '%s', '%s')", m1, dept, old, old),
			fmt.Sprintf("INSERT INTO metrics (id, name, target, comparison, frequency, department_id, created_at, updated_at) VALUES ('%s', 'b-missed', '5', 'le', 'monthly', '%s', '%s', '%s')", m2, dept, old, old),
			fmt.Sprintf("INSERT INTO metrics (id, name, target, comparison, frequency, department_id, created_at, updated_at) VALUES ('%s', 'c-none', '1', 'ge', 'monthly', '%s', '%s', '%s')", m3, dept, old, old))
		value := func(metric, period, v string) {
			mgmtExec(t, db, fmt.Sprintf("INSERT INTO metric_values (id, metric_id, period, value, recorded_at) VALUES ('%s', '%s', '%s', '%s', '%s')", id(), metric, period, v, inside))
		}
		value(m1, "2026-04-30", "90")
		value(m1, "2026-06-30", "97")
		value(m1, "2026-07-31", "10") // after the period: ignored
		value(m2, "2026-05-31", "7")
		value(m3, "2026-03-31", "3") // before the period: ignored

		// Documents: a version approved inside, one approved before.
		doc := id()
		mgmtExec(t, db,
			fmt.Sprintf("INSERT INTO documents (id, kind, title, department_id, created_at, updated_at) VALUES ('%s', 'basic_policy', '基本方針', '%s', '%s', '%s')", doc, dept, old, old),
			fmt.Sprintf("INSERT INTO document_versions (id, document_id, number, status, approved_at, created_at, updated_at) VALUES ('%s', '%s', 1, 'superseded', '%s', '%s', '%s')", id(), doc, before, old, inside),
			fmt.Sprintf("INSERT INTO document_versions (id, document_id, number, status, approved_at, created_at, updated_at) VALUES ('%s', '%s', 2, 'approved', '%s', '%s', '%s')", id(), doc, inside, old, inside),
			fmt.Sprintf("INSERT INTO isms_scope (id, statement, updated_at) VALUES ('scope', 's', '%s')", after))

		// Risks: matrix, two risks (one high residual, one medium inherent), an acceptance inside, one overdue treatment.
		mgmtExec(t, db,
			fmt.Sprintf(`INSERT INTO risk_matrices (version, likelihood_labels, impact_labels, cells, review_days, created_at) VALUES (1, '[]', '[]', '[]', '{}', '%s')`, old))
		r1, r2 := id(), id()
		mgmtExec(t, db,
			fmt.Sprintf(`INSERT INTO risks (id, title, owner_department_id, inherent_likelihood, inherent_impact, inherent_version, inherent_level, residual_likelihood, residual_impact, residual_version, residual_level, assessed_at, next_review_at, treatment, treatment_due_at, accepted_at, created_at, updated_at)
				VALUES ('%s', 'R1', '%s', 3, 3, 1, 'very_high', 2, 3, 1, 'high', '%s', '%s', 'accept', '%s', '%s', '%s', '%s')`, r1, dept, old, "2030-01-01T00:00:00.000000Z", "2026-02-01T00:00:00.000000Z", inside, old, old),
			fmt.Sprintf(`INSERT INTO risks (id, title, owner_department_id, inherent_likelihood, inherent_impact, inherent_version, inherent_level, assessed_at, next_review_at, accepted_at, created_at, updated_at)
				VALUES ('%s', 'R2', '%s', 2, 2, 1, 'medium', '%s', '%s', '%s', '%s', '%s')`, r2, dept, old, "2026-02-01T00:00:00.000000Z", before, old, old))

		// Incidents: two opened inside (one RED), one opened before and closed inside, one opened after.
		inc := func(n, cat string, prio int, tlp, created, reported, triaged, contained, closed string) string {
			i := id()
			q := func(s string) string {
				if s == "" {
					return "NULL"
				}
				return "'" + s + "'"
			}
			phase := "recovery"
			if closed != "" {
				phase = "closed"
			}
			mgmtExec(t, db, fmt.Sprintf(`INSERT INTO incidents (id, number, title, category, impact, urgency, priority, tlp, phase, created_at, reported_at, triaged_at, contained_at, closed_at, updated_at)
				VALUES ('%s', '%s', 't', '%s', 2, 2, %d, '%s', '%s', '%s', %s, %s, %s, %s, '%s')`, i, n, cat, prio, tlp, phase, created, q(reported), q(triaged), q(contained), q(closed), created))
			return i
		}
		red := inc("INC-1", "malware", 1, "RED", inside, "2026-05-10T09:00:00.000000Z", "2026-05-10T11:00:00.000000Z", "2026-05-10T13:00:00.000000Z", "")
		inc("INC-2", "phishing", 3, "GREEN", first, "", "2026-04-01T00:30:00.000000Z", "", "")
		green := inc("INC-3", "phishing", 2, "GREEN", old, "", "", "", inside)
		inc("INC-4", "malware", 1, "GREEN", after, "", "", "", "")

		// Lessons decided inside (one of the RED incident) and before.
		rvRed, rvGreen := id(), id()
		mgmtExec(t, db,
			fmt.Sprintf("INSERT INTO reviews (id, incident_id, status, created_at, updated_at) VALUES ('%s', '%s', 'draft', '%s', '%s')", rvRed, red, inside, inside),
			fmt.Sprintf("INSERT INTO reviews (id, incident_id, status, created_at, updated_at) VALUES ('%s', '%s', 'draft', '%s', '%s')", rvGreen, green, inside, inside))
		lesson := func(inc, rv, text, status, decided string) {
			mgmtExec(t, db, fmt.Sprintf("INSERT INTO lessons (id, incident_id, review_id, text, kind, status, decided_at, created_at, updated_at) VALUES ('%s', '%s', '%s', '%s', 'process', '%s', '%s', '%s', '%s')",
				id(), inc, rv, text, status, decided, old, old))
		}
		lesson(red, rvRed, "secret lesson", "accepted", inside)
		lesson(green, rvGreen, "open lesson", "accepted", last)
		lesson(green, rvGreen, "older lesson", "declined", before)

		// Reports: two inside, one after.
		for i, at := range []string{first, inside, after} {
			mgmtExec(t, db, fmt.Sprintf(`INSERT INTO reports (id, number, source, status, description, reported_at, anonymous, followup_hash, submission_hash, created_at, updated_at)
				VALUES ('%s', 'R-%d', 'employee', 'new', 'd', '%s', 1, 'f%d', 's%d', '%s', '%s')`, id(), i, at, i, i, at, at))
		}

		now := time.Date(2026, 7, 15, 9, 0, 0, 0, time.UTC)
		this := id()
		in, err := db.CompileReviewInputs(ctx, this, "2026-04-01", "2026-06-30", now)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, got, want any) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: got %v, want %v", what, got, want)
			}
		}
		// (a)
		check("previous open", in.PrevOpen, 1)
		check("previous overdue", in.PrevOverdue, 1)
		check("previous closed", in.PrevClosed, 1)
		check("previous listed", len(in.PrevActions), 1)
		if len(in.PrevActions) == 1 {
			check("previous listed id", in.PrevActions[0].ID, prevOpen)
		}
		// (b)
		check("documents", len(in.Documents), 2) // v2 approved inside, v1 superseded inside
		check("scope changed", in.ScopeChanged, false)
		// (c)
		check("findings", in.FindingsByType, []hikeshi.MgmtCount{{Key: "minor_nc", N: 1}, {Key: "ofi", N: 1}})
		check("actions opened", in.ActionsOpened, 2) // the closed and the ineffective one
		check("actions closed", in.ActionsClosed, 2)
		check("actions ineffective", in.ActionsIneffective, 1)
		check("actions overdue", in.ActionsOverdue, 2)
		check("metrics met/missed/none", []int{in.MetricsMet, in.MetricsMissed, in.MetricsNoValue}, []int{1, 1, 1})
		if len(in.Metrics) == 3 {
			check("met value", in.Metrics[0].Value+" "+in.Metrics[0].Result, "97 met")
			check("missed value", in.Metrics[1].Value+" "+in.Metrics[1].Result, "7 missed")
			check("no value", in.Metrics[2].Result, "no_value")
		}
		check("audits", len(in.Audits), 1)
		if len(in.Audits) == 1 {
			check("audit findings", []int{in.Audits[0].Findings, in.Audits[0].Nonconformities}, []int{4, 3})
		}
		check("programmes", len(in.Programmes), 1)
		// (e)
		check("risks by level", in.RisksByLevel, []hikeshi.MgmtCount{{Key: "high", N: 1}, {Key: "medium", N: 1}})
		check("treatments overdue", in.TreatmentsOverdue, 1)
		check("reviews overdue", in.ReviewsOverdue, 1)
		check("acceptances", len(in.Acceptances), 1)
		// (f)
		check("ofis", len(in.OFIs), 1)
		check("lessons", len(in.Lessons), 2)
		for _, l := range in.Lessons {
			if l.IncidentID == red && (!l.Restricted || l.Text != "") {
				t.Errorf("a RED incident's lesson shows its text: %+v", l)
			}
			if l.IncidentID == green && l.Text != "open lesson" {
				t.Errorf("lesson: %+v", l)
			}
		}
		// Incidents.
		st := in.Incidents
		check("incidents opened/closed/reports", []int{st.Opened, st.Closed, st.Reports}, []int{2, 1, 2})
		check("by category", st.ByCategory, []hikeshi.MgmtCount{{Key: "malware", N: 1}, {Key: "phishing", N: 1}})
		check("by priority", st.ByPriority, []hikeshi.MgmtCount{{Key: "1", N: 1}, {Key: "3", N: 1}})
		if st.MedianToTriage == nil || *st.MedianToTriage != (2*3600+30*60)/2 || st.TriageSamples != 2 {
			t.Errorf("median to triage: %v (%d samples)", st.MedianToTriage, st.TriageSamples)
		}
		if st.MedianToContain == nil || *st.MedianToContain != 4*3600 || st.ContainSamples != 1 {
			t.Errorf("median to contain: %v", st.MedianToContain)
		}

		// A period with nothing in it gives empty lists, not nulls.
		empty, err := db.CompileReviewInputs(ctx, this, "2020-01-01", "2020-01-31", now)
		if err != nil || empty.Documents == nil || empty.Incidents.ByCategory == nil || empty.Incidents.Opened != 0 || len(empty.Metrics) != 0 || empty.TreatmentsOverdue != 1 {
			t.Errorf("empty period: %+v %v", empty, err)
		}
		if _, err := db.CompileReviewInputs(ctx, this, "2026-06-30", "2026-04-01", now); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("period end before start: %v", err)
		}

		// Reviews and decisions round-trip; the snapshot survives as JSON.
		at := time.Date(2026, 7, 1, 9, 0, 0, 123000000, time.UTC)
		var ids []string
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i := range 3 {
				m := hikeshi.ManagementReview{ID: id(), Title: fmt.Sprintf("MR %d", i), PeriodFrom: "2026-04-01", PeriodTo: "2026-06-30",
					MeetingDate: "2026-07-10", ChairID: user, AttendeeIDs: []string{user}, Status: hikeshi.MgmtPlanned, Issues: "<b>x</b>",
					CreatedBy: user, CreatedAt: at, UpdatedAt: at}
				if err := tx.CreateManagementReview(ctx, m); err != nil {
					return err
				}
				ids = append(ids, m.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := db.FindManagementReviewByID(ctx, ids[0])
		if err != nil || m.Inputs != nil || m.Issues != "<b>x</b>" || len(m.AttendeeIDs) != 1 || !m.CreatedAt.Equal(at) {
			t.Fatalf("read back: %+v %v", m, err)
		}
		m.Status, m.Inputs, m.HeldBy, m.HeldAt, m.UpdatedAt = hikeshi.MgmtHeld, &in, user, at, at
		var actionID string
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.UpdateManagementReview(ctx, m); err != nil {
				return err
			}
			actionID = prevOpen
			return tx.CreateMgmtDecision(ctx, hikeshi.MgmtDecision{ID: id(), ReviewID: m.ID, Kind: hikeshi.DecisionResources, Text: "t",
				DepartmentID: dept, DueDate: "2026-12-31", ActionID: actionID, CreatedBy: user, CreatedAt: at})
		})
		if err != nil {
			t.Fatal(err)
		}
		m2r, err := db.FindManagementReviewByID(ctx, ids[0])
		if err != nil || m2r.Inputs == nil || m2r.Inputs.Incidents.Opened != 2 || !m2r.Inputs.CompiledAt.Equal(now) || !m2r.HeldAt.Equal(at) {
			t.Fatalf("held read back: %+v %v", m2r, err)
		}
		ds, err := db.FindMgmtDecisions(ctx, m.ID)
		if err != nil || len(ds) != 1 || ds[0].ActionID != actionID || ds[0].OwnerID != "" {
			t.Fatalf("decisions: %+v %v", ds, err)
		}
		// A planned review with a snapshot, or a held one without, is refused by the schema.
		bad := m2r
		bad.Status = hikeshi.MgmtPlanned
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateManagementReview(ctx, bad) }); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("planned with a snapshot: %v", err)
		}
		// Newest first, keyset.
		page1, err := db.FindManagementReviews(ctx, hikeshi.Page{Limit: 2})
		if err != nil || len(page1) != 2 || page1[0].ID != ids[2] || page1[1].ID != ids[1] {
			t.Fatalf("page 1: %v", err)
		}
		page2, err := db.FindManagementReviews(ctx, hikeshi.Page{After: page1[1].ID, Limit: 2})
		if err != nil || len(page2) != 1 || page2[0].ID != ids[0] {
			t.Fatalf("page 2: %v", err)
		}
		if _, err := db.FindManagementReviewByID(ctx, id()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
	})
}
