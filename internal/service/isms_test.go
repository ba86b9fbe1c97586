package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestISMSOverview builds a little of every PDCA step and reads back where
// the cycle stands: the counts of each step, and what falls due within 30
// days or is overdue, soonest first — for every role, and refused to nobody
// signed in.
func TestISMSOverview(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, _, mgrIT := docFixture(t, db)
		member, mgr, admin := actor(f.member), actor(mgrIT), actor(f.admin)

		empty, err := f.svc.ISMS.Overview(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if empty.Risks != 0 || empty.DocumentsApproved != 0 || len(empty.Due) != 0 || empty.AnnexAControls != 93 || empty.ScopeDefined {
			t.Errorf("empty ISMS: %+v", empty)
		}

		// Plan: one approved policy due for review in 10 days, one draft; two risks.
		d, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocBasicPolicy, Title: "情報セキュリティ基本方針", Body: "# 方針\n"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.Submit(ctx, member, d.ID); err != nil {
			t.Fatal(err)
		}
		reviewAt := f.clock.Now().Add(10 * 24 * time.Hour)
		if _, err := f.svc.Documents.Approve(ctx, mgr, d.ID, &reviewAt); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocProcedure, Title: "手順書", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		high, err := f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "顧客情報の漏えい", Scenario: "誤送信",
			Assessment: service.RiskAssessment{Likelihood: 4, Impact: 4}})
		if err != nil {
			t.Fatal(err)
		}
		low, err := f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "掲示物の紛失", Scenario: "紛失",
			Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Risks.SetTreatment(ctx, member, high.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate,
			DueAt: f.clock.Now().Add(2 * 24 * time.Hour), Note: "DLP"}); err != nil {
			t.Fatal(err)
		}

		// Do: a measure and two SoA decisions.
		if _, err := f.svc.Frameworks.CreateMeasure(ctx, mgr, service.MeasureInput{Name: "多要素認証", DepartmentID: f.it.ID,
			Status: hikeshi.StatusImplemented}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Frameworks.SetSoA(ctx, mgr, "A.5.1", service.SoAInput{Applicable: true, Justification: "方針が必要",
			Status: hikeshi.StatusImplemented}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Frameworks.SetSoA(ctx, mgr, "A.7.5", service.SoAInput{Applicable: false, Justification: "建物を所有しない",
			Status: hikeshi.StatusNotApplicable}); err != nil {
			t.Fatal(err)
		}

		// Check and act: a metric off target, an audit with a major nonconformity and its action.
		m, err := f.svc.Checks.CreateMetric(ctx, mgr, service.MetricInput{Name: "訓練受講率", Unit: "%", Target: "95",
			Comparison: hikeshi.AtLeast, Frequency: hikeshi.Monthly, DepartmentID: f.it.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Checks.RecordValue(ctx, mgr, m.ID, service.ValueInput{Period: "2026-04-30", Value: "80"}); err != nil {
			t.Fatal(err)
		}
		prog, err := f.svc.Checks.CreateProgramme(ctx, mgr, service.ProgrammeInput{Year: 2026, Title: "2026年度", PeriodStart: "2026-04-01",
			PeriodEnd: "2027-03-31"})
		if err != nil {
			t.Fatal(err)
		}
		audit, err := f.svc.Checks.CreateAudit(ctx, mgr, prog.ID, service.AuditInput{Title: "営業部監査", Scope: "営業", DepartmentIDs: []string{f.sales.ID},
			Criteria: "ISO/IEC 27001:2022", PlannedStart: "2026-05-20", PlannedEnd: "2026-05-22", AuditorIDs: []string{f.other.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Checks.SetAuditStatus(ctx, mgr, audit.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		fd, err := f.svc.Checks.CreateFinding(ctx, actor(f.other), audit.ID, service.FindingInput{Type: hikeshi.FindingMajor,
			Description: "アクセス権の見直し記録がない", DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		act, err := f.svc.Checks.CreateAction(ctx, mgr, service.ActionInput{SourceKind: hikeshi.SourceFinding, SourceID: fd.ID,
			Title: "四半期ごとの権限見直し", Action: "手順を定める", DepartmentID: f.sales.ID, DueDate: "2026-05-05"})
		if err != nil {
			t.Fatal(err)
		}

		// Act: a management review planned for May 20, and an earlier one held.
		held, err := f.svc.Management.CreateReview(ctx, mgr, service.MgmtReviewInput{Title: "2025年度 マネジメントレビュー",
			PeriodFrom: "2025-04-01", PeriodTo: "2026-03-31", MeetingDate: "2026-04-20", ChairID: mgrIT.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Management.Hold(ctx, mgr, held.ID); err != nil {
			t.Fatal(err)
		}
		planned, err := f.svc.Management.CreateReview(ctx, mgr, service.MgmtReviewInput{Title: "臨時マネジメントレビュー",
			PeriodFrom: "2026-04-01", PeriodTo: "2026-05-19", MeetingDate: "2026-05-20", ChairID: mgrIT.ID})
		if err != nil {
			t.Fatal(err)
		}
		// An archived document counts no more, nor does its review.
		old, err := f.svc.Documents.Create(ctx, member, service.DocumentInput{Kind: hikeshi.DocProcedure, Title: "旧手順書", Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Documents.SetArchived(ctx, admin, old.ID, true); err != nil {
			t.Fatal(err)
		}

		// A week later: the treatment (due in 2 days) and the action (due on the 5th) are overdue.
		f.clock.Advance(7 * 24 * time.Hour)
		for _, u := range []hikeshi.User{f.admin, f.csirt, f.member, f.other, f.auditor, mgrIT} {
			o, err := f.svc.ISMS.Overview(ctx, actor(u))
			if err != nil {
				t.Fatalf("%s: %v", u.Role, err)
			}
			if o.Risks != 2 || o.RisksHigh != 1 || o.RisksUntreated != 1 || o.TreatmentsOverdue != 1 {
				t.Errorf("%s: risks %d high %d untreated %d treatments overdue %d", u.Role, o.Risks, o.RisksHigh, o.RisksUntreated, o.TreatmentsOverdue)
			}
			if o.DocumentsApproved != 1 || o.DocumentsDraft != 1 || o.DocumentReviewsDue != 1 || o.DocumentReviewsOverdue != 0 {
				t.Errorf("%s: documents %d approved %d drafts, reviews due %d overdue %d", u.Role, o.DocumentsApproved, o.DocumentsDraft,
					o.DocumentReviewsDue, o.DocumentReviewsOverdue)
			}
			if o.MeasuresImplemented != 1 || o.SoADecided != 2 || o.SoAApplicable != 1 || o.SoAImplemented != 1 {
				t.Errorf("%s: measures %d, SoA decided %d applicable %d implemented %d", u.Role, o.MeasuresImplemented, o.SoADecided,
					o.SoAApplicable, o.SoAImplemented)
			}
			if o.Metrics != 1 || o.MetricsMissed != 1 || o.AuditsInProgress != 1 || o.Nonconformities != 1 {
				t.Errorf("%s: metrics %d missed %d, audits in progress %d, nonconformities %d", u.Role, o.Metrics, o.MetricsMissed,
					o.AuditsInProgress, o.Nonconformities)
			}
			if o.ActionsOpen != 1 || o.ActionsOverdue != 1 {
				t.Errorf("%s: actions open %d overdue %d", u.Role, o.ActionsOpen, o.ActionsOverdue)
			}
			if want := time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC); !o.LastManagementReview.Equal(want) || o.ManagementReviewsPlanned != 1 {
				t.Errorf("%s: last management review %v, planned %d", u.Role, o.LastManagementReview, o.ManagementReviewsPlanned)
			}
			// Due, soonest first: the treatment (May 3), the action (May 5),
			// the document review (May 11), the management review (May 20),
			// the audit's end (May 22), the
			// very high risk's review (30 days after its assessment); the
			// low risk's review is further away and not listed.
			want := []struct {
				kind    hikeshi.DueKind
				id      string
				overdue bool
			}{{hikeshi.DueRiskTreatment, high.ID, true}, {hikeshi.DueAction, act.ID, true}, {hikeshi.DueDocumentReview, d.ID, false},
				{hikeshi.DueManagementReview, planned.ID, false}, {hikeshi.DueAudit, audit.ID, false}, {hikeshi.DueRiskReview, high.ID, false}}
			if len(o.Due) != len(want) {
				t.Fatalf("%s: due %+v", u.Role, o.Due)
			}
			for i, w := range want {
				if got := o.Due[i]; got.Kind != w.kind || got.ID != w.id || got.Overdue != w.overdue {
					t.Errorf("%s: due[%d] = %+v, want %v %s overdue=%v", u.Role, i, got, w.kind, w.id, w.overdue)
				}
			}
			for _, it := range o.Due {
				if it.ID == low.ID {
					t.Errorf("a review a year away is listed: %+v", it)
				}
			}
		}
		if _, err := f.svc.ISMS.Overview(ctx, hikeshi.Actor{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("nobody signed in: %v", err)
		}
	})
}
