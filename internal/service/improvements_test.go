package service_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// improvementSetup is an incident in recurrence prevention with a lesson, a
// measure mapped onto A.5.17 (suggested for phishing) and a risk.
type improvementSetup struct {
	inc     hikeshi.Incident
	lesson  hikeshi.Lesson
	measure hikeshi.Measure
	risk    hikeshi.Risk
	manager hikeshi.User
}

func newImprovementSetup(t *testing.T, f *fixture, tlp hikeshi.TLP, lessonDept string) improvementSetup {
	t.Helper()
	ctx := context.Background()
	var s improvementSetup
	var err error
	csirt := actor(f.csirt)
	s.manager = f.manager(t)
	if s.inc, err = f.svc.Incidents.Create(ctx, csirt, newIncidentInput("フィッシング <b>x</b>", tlp)); err != nil {
		t.Fatal(err)
	}
	toPhase(t, f, s.inc.ID, hikeshi.PhaseRecurrencePrevention)
	if s.lesson, err = f.svc.Reviews.AddLesson(ctx, csirt, s.inc.ID, service.LessonInput{Text: "認証情報の入力画面を\n見分けにくい",
		ProposedChange: "多要素認証を全員に", Kind: hikeshi.MeasureTechnical, DepartmentID: lessonDept}); err != nil {
		t.Fatal(err)
	}
	sys := hikeshi.SystemActor("test")
	if s.measure, err = f.svc.Frameworks.CreateMeasure(ctx, sys, service.MeasureInput{Name: "認証情報の管理", Status: hikeshi.StatusImplemented,
		Requirements: []hikeshi.RequirementRef{{FrameworkKey: hikeshi.ISO27001Key, Ref: "A.5.17"}}}); err != nil {
		t.Fatal(err)
	}
	if s.risk, err = f.svc.Risks.CreateRisk(ctx, actor(f.admin), service.RiskInput{Title: "認証情報の窃取", Scenario: "フィッシング",
		OwnerDepartmentID: f.it.ID, Assessment: service.RiskAssessment{Likelihood: 3, Impact: 3}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func accept(t *testing.T, f *fixture, a hikeshi.Actor, id string) (hikeshi.Lesson, error) {
	t.Helper()
	st := hikeshi.LessonAccepted
	return f.svc.Reviews.UpdateLesson(context.Background(), a, id, service.LessonPatch{Status: &st})
}

// closeAction walks an improvement action to closed as effective.
func closeAction(t *testing.T, f *fixture, mgr hikeshi.Actor, id string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.Checks.SetActionStatus(ctx, mgr, id, hikeshi.ActionImplemented); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Checks.RecordEffectiveness(ctx, mgr, id, hikeshi.ResultEffective, "再発なし"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Checks.SetActionStatus(ctx, mgr, id, hikeshi.ActionClosed); err != nil {
		t.Fatal(err)
	}
}

// TestImprovementRealTime: with no pattern chosen (real time) an accepted
// lesson opens its improvement action at once for the lesson's department;
// closing the action shows on the measure's history, flags the risk until
// it is assessed again, and records the lead time from the incident's close.
func TestImprovementRealTime(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s := newImprovementSetup(t, f, hikeshi.TLPAmber, f.sales.ID)
		csirt, mgr := actor(f.csirt), actor(s.manager)
		im := f.svc.Improvements

		// Suggestions: the phishing category suggests A.5.17's measure.
		li, err := im.ForLesson(ctx, actor(f.auditor), s.lesson.ID)
		if err != nil || li.CanEdit || !slices.ContainsFunc(li.SuggestedMeasures, func(m hikeshi.Measure) bool { return m.ID == s.measure.ID }) ||
			!slices.Contains(li.Controls, "A.5.17") || li.Improvement != nil {
			t.Fatalf("for lesson %+v %v", li, err)
		}
		// Roles: auditors and managers do not choose; members do not even see the incident; CSIRT does.
		if _, err := im.SetLinks(ctx, actor(f.other), s.lesson.ID, hikeshi.LessonLinks{}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member sets links: %v", err)
		}
		if _, err := im.ForLesson(ctx, actor(f.other), s.lesson.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member opens the lesson: %v", err)
		}
		for _, a := range []hikeshi.Actor{actor(f.auditor), mgr} {
			if _, err := im.SetLinks(ctx, a, s.lesson.ID, hikeshi.LessonLinks{MeasureIDs: []string{s.measure.ID}}); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s sets links: %v", a.Role, err)
			}
		}
		before := f.auditCount(t)
		links, err := im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{MeasureIDs: []string{s.measure.ID, " " + s.measure.ID}, RiskIDs: []string{s.risk.ID}})
		if err != nil || !slices.Equal(links.MeasureIDs, []string{s.measure.ID}) || !slices.Equal(links.RiskIDs, []string{s.risk.ID}) {
			t.Fatalf("links %+v %v", links, err)
		}
		if f.auditCount(t) != before+1 {
			t.Error("setting links was not audited once")
		}

		f.clock.Advance(time.Hour)
		l, err := accept(t, f, csirt, s.lesson.ID)
		if err != nil || l.ImprovementActionID == "" {
			t.Fatalf("accept %+v %v", l, err)
		}
		a, err := f.svc.Checks.Action(ctx, mgr, l.ImprovementActionID)
		if err != nil || a.Action.SourceKind != hikeshi.SourceLesson || a.Action.SourceID != l.ID || a.Action.DepartmentID != f.sales.ID ||
			a.Action.Title != "認証情報の入力画面を" || a.Action.Action != "多要素認証を全員に" || a.Action.DueDate != "2026-05-31" {
			t.Fatalf("action %+v %v", a.Action, err)
		}
		// Once opened, the lesson's decision is locked.
		st, reason := hikeshi.LessonDeclined, "x"
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: &st, Reason: &reason})
		wantFieldCode(t, err, "status", "linked")

		// Close the incident, then the action, five days later.
		if _, err := f.svc.Reviews.Complete(ctx, csirt, s.inc.ID, &service.ReviewInput{RootCause: "見分けにくい", ToChange: "MFA"}); err != nil {
			t.Fatal(err)
		}
		toPhase(t, f, s.inc.ID, hikeshi.PhaseClosed)
		closedAt := f.clock.Now()
		if flagged, _, err := im.RiskFlag(ctx, mgr, s.risk.ID); err != nil || flagged {
			t.Errorf("flag before the action closed: %v %v", flagged, err)
		}
		f.clock.Advance(5 * 24 * time.Hour)
		closeAction(t, f, mgr, l.ImprovementActionID)

		hist, err := im.List(ctx, actor(f.auditor), hikeshi.ImprovementFilter{MeasureID: s.measure.ID})
		if err != nil || len(hist) != 1 || hist[0].Incident.ID != s.inc.ID || !hist[0].HasLeadTime || hist[0].LeadTime != 5*24*time.Hour ||
			hist[0].Improvement.ReleasedBy != hikeshi.ReleasedByLesson {
			t.Fatalf("measure history %+v %v", hist, err)
		}
		lts, err := im.LeadTimes(ctx, mgr, closedAt, f.clock.Now().Add(time.Second))
		if err != nil || len(lts) != 1 || lts[0].LeadTime != 5*24*time.Hour || lts[0].DepartmentID != f.sales.ID || lts[0].Category != "phishing" {
			t.Fatalf("lead times %+v %v", lts, err)
		}
		if lts, _ := im.LeadTimes(ctx, mgr, closedAt, closedAt.Add(time.Hour)); len(lts) != 0 {
			t.Errorf("lead times outside the window: %+v", lts)
		}
		if flagged, since, err := im.RiskFlag(ctx, mgr, s.risk.ID); err != nil || !flagged || !since.Equal(f.clock.Now()) {
			t.Errorf("flag after the action closed: %v %v %v", flagged, since, err)
		}
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Risks.AssessRisk(ctx, actor(f.admin), s.risk.ID, service.RiskAssessment{Likelihood: 2, Impact: 3}); err != nil {
			t.Fatal(err)
		}
		if flagged, _, _ := im.RiskFlag(ctx, mgr, s.risk.ID); flagged {
			t.Error("the next assessment did not clear the flag")
		}
		// A closed improvement's links no longer change.
		_, err = im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{})
		if !errors.Is(err, hikeshi.ErrConflict) {
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || !ve.Conflict {
				t.Errorf("links after close: %v", err)
			}
		}
		f.auditCount(t)
	})
}

// TestImprovementWaitsForAuditOrReview: under an audit-triggered pattern the
// accepted lesson waits; reconsidering withdraws it; the next management
// review held opens it for the department the pattern names.
func TestImprovementWaitsForAuditOrReview(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s := newImprovementSetup(t, f, hikeshi.TLPRed, "")
		service.SetImprovementRouting(f.svc, hikeshi.TriggerAuditResults, f.it.ID)
		csirt, mgr := actor(f.csirt), actor(s.manager)
		l, err := accept(t, f, csirt, s.lesson.ID)
		if err != nil || l.ImprovementActionID != "" {
			t.Fatalf("accept %+v %v", l, err)
		}
		waiting, err := f.svc.Improvements.List(ctx, csirt, hikeshi.ImprovementFilter{State: hikeshi.ImprovementWaiting})
		if err != nil || len(waiting) != 1 || waiting[0].Lesson.ID != l.ID || waiting[0].Hidden {
			t.Fatalf("waiting %+v %v", waiting, err)
		}
		// The incident is TLP:RED: others see that an improvement waits, not its words.
		for _, a := range []hikeshi.Actor{mgr, actor(f.auditor), actor(f.admin)} {
			v, err := f.svc.Improvements.List(ctx, a, hikeshi.ImprovementFilter{})
			if err != nil || len(v) != 1 || !v[0].Hidden || v[0].Lesson.Text != "" || v[0].Incident.Title != "" || v[0].Improvement.Category != "" {
				t.Errorf("%s sees %+v %v", a.Role, v, err)
			}
			if _, err := f.svc.Improvements.ForLesson(ctx, a, l.ID); !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("%s opens the lesson: %v", a.Role, err)
			}
		}
		// Reconsider → withdrawn; accept again → waits again.
		st := hikeshi.LessonProposed
		if _, err := f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: &st}); err != nil {
			t.Fatal(err)
		}
		if v, _ := f.svc.Improvements.List(ctx, csirt, hikeshi.ImprovementFilter{}); len(v) != 0 {
			t.Fatalf("reconsidered lesson still waits: %+v", v)
		}
		if _, err := accept(t, f, csirt, l.ID); err != nil {
			t.Fatal(err)
		}
		mr, err := f.svc.Management.CreateReview(ctx, mgr, service.MgmtReviewInput{Title: "第1回", PeriodFrom: "2026-04-01", PeriodTo: "2026-06-30",
			MeetingDate: "2026-07-10", ChairID: s.manager.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Management.Hold(ctx, mgr, mr.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Reviews.GetLesson(ctx, csirt, l.ID)
		if err != nil || got.ImprovementActionID == "" {
			t.Fatalf("after the review %+v %v", got, err)
		}
		a, err := f.svc.Checks.Action(ctx, mgr, got.ImprovementActionID)
		if err != nil || a.Action.DepartmentID != f.it.ID || strings.Contains(a.Action.Title+a.Action.Action+a.Action.RootCause, "認証") ||
			!strings.Contains(a.Action.Title, s.inc.Number) {
			t.Fatalf("action of a restricted incident %+v %v", a.Action, err)
		}
		v, _ := f.svc.Improvements.List(ctx, csirt, hikeshi.ImprovementFilter{})
		if len(v) != 1 || v[0].Improvement.State != hikeshi.ImprovementOpen || v[0].Improvement.ReleasedBy != hikeshi.ReleasedByManagementReview {
			t.Fatalf("after the review %+v", v)
		}
		f.auditCount(t)
	})
}

// TestImprovementWaitsForInternalAudit: reporting an internal audit opens
// what waits; with no department anywhere the improvement keeps waiting
// rather than refusing the audit.
func TestImprovementWaitsForInternalAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s := newImprovementSetup(t, f, hikeshi.TLPGreen, "")
		csirt, mgr := actor(f.csirt), actor(s.manager)
		// Real time, but no department anywhere (no pattern, none on the
		// lesson, no incident owner, an admin without one decides): accepting
		// is refused by field.
		if s.inc.OwnerID != "" || f.admin.DepartmentID != "" {
			t.Fatal("the incident has an owner or the admin a department")
		}
		_, err := accept(t, f, actor(f.admin), s.lesson.ID)
		wantFieldCode(t, err, "department_id", "required")
		service.SetImprovementRouting(f.svc, hikeshi.TriggerAuditResults, "")
		var other hikeshi.Lesson
		other, err = f.svc.Reviews.AddLesson(ctx, csirt, s.inc.ID, service.LessonInput{Text: "b", ProposedChange: "c", Kind: hikeshi.MeasureProcess,
			DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{s.lesson.ID, other.ID} {
			if _, err := accept(t, f, csirt, id); err != nil {
				t.Fatal(err)
			}
		}
		prog, err := f.svc.Checks.CreateProgramme(ctx, mgr, service.ProgrammeInput{Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31", Objectives: "x"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := f.svc.Checks.CreateAudit(ctx, mgr, prog.ID, service.AuditInput{Title: "監査", Scope: "IT", DepartmentIDs: []string{f.it.ID},
			Criteria: "27001", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-05", AuditorIDs: []string{f.member.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Checks.SetAuditStatus(ctx, mgr, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Checks.SetAuditStatus(ctx, mgr, au.ID, hikeshi.AuditReported, "報告"); err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.Improvements.List(ctx, csirt, hikeshi.ImprovementFilter{})
		if err != nil || len(v) != 2 {
			t.Fatalf("%+v %v", v, err)
		}
		for _, x := range v {
			switch x.Lesson.ID {
			case other.ID:
				if x.Improvement.State != hikeshi.ImprovementOpen || x.Improvement.DepartmentID != f.sales.ID || x.Improvement.ReleasedBy != hikeshi.ReleasedByInternalAudit {
					t.Errorf("opened %+v", x.Improvement)
				}
			case s.lesson.ID:
				if x.Improvement.State != hikeshi.ImprovementWaiting || x.Improvement.DepartmentID != "" || x.Lesson.ImprovementActionID != "" {
					t.Errorf("no department, yet %+v", x.Improvement)
				}
			}
		}
		f.auditCount(t)
	})
}

// TestImprovementLinksHostileInput: unknown, archived, over-long and too many
// ids are refused by field; HTML ids are just unknown ids.
func TestImprovementLinksHostileInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s := newImprovementSetup(t, f, hikeshi.TLPGreen, f.it.ID)
		csirt := actor(f.csirt)
		im := f.svc.Improvements
		_, err := im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{MeasureIDs: []string{"<script>alert(1)</script>"}})
		wantFieldCode(t, err, "measure_ids", "unknown")
		_, err = im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{RiskIDs: []string{hikeshi.NewID()}})
		wantFieldCode(t, err, "risk_ids", "unknown")
		_, err = im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{RiskIDs: []string{strings.Repeat("x", 10000)}})
		wantFieldCode(t, err, "risk_ids", "unknown")
		many := make([]string, hikeshi.MaxLessonLinks+1)
		for i := range many {
			many[i] = hikeshi.NewID()
		}
		_, err = im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{MeasureIDs: many})
		wantFieldCode(t, err, "measure_ids", "too_long")
		if _, err := f.svc.Frameworks.SetMeasureArchived(ctx, hikeshi.SystemActor("test"), s.measure.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = im.SetLinks(ctx, csirt, s.lesson.ID, hikeshi.LessonLinks{MeasureIDs: []string{s.measure.ID}})
		wantFieldCode(t, err, "measure_ids", "unknown")
		if _, err := im.SetLinks(ctx, csirt, hikeshi.NewID(), hikeshi.LessonLinks{}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown lesson: %v", err)
		}
		if _, err := im.List(ctx, csirt, hikeshi.ImprovementFilter{State: "<b>"}); err == nil {
			t.Error("unknown state accepted")
		}
		if _, err := im.List(ctx, hikeshi.Actor{}, hikeshi.ImprovementFilter{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous list: %v", err)
		}
	})
}

// TestImprovementFollowsThePattern is the end-to-end routing through the
// patterns service: under the traditional pattern an accepted lesson waits
// and the next reported internal audit opens it for the department
// responsible for review and improvement of measures; under the
// field-driven one it opens at once for that department.
func TestImprovementFollowsThePattern(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s := newImprovementSetup(t, f, hikeshi.TLPGreen, f.sales.ID)
		sys := hikeshi.SystemActor("test")
		csirt, mgr := actor(f.csirt), actor(s.manager)
		mgmt, err := f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "経営企画部", Kind: hikeshi.KindManagement})
		if err != nil {
			t.Fatal(err)
		}
		team, err := f.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "CSIRT", Kind: hikeshi.KindCSIRT})
		if err != nil {
			t.Fatal(err)
		}
		units := map[hikeshi.DepartmentKind]string{hikeshi.KindManagement: mgmt.ID, hikeshi.KindIT: f.it.ID, hikeshi.KindCSIRT: team.ID}
		apply := func(k hikeshi.PatternKey) hikeshi.Pattern {
			t.Helper()
			if _, err := f.svc.Patterns.Apply(ctx, sys, service.PatternInput{Template: k, Units: units}); err != nil {
				t.Fatal(err)
			}
			p, _ := hikeshi.PatternByKey(k)
			return p
		}
		trad := apply(hikeshi.PatternTraditional)
		l, err := accept(t, f, csirt, s.lesson.ID)
		if err != nil || l.ImprovementActionID != "" {
			t.Fatalf("traditional: %+v %v", l, err)
		}
		prog, err := f.svc.Checks.CreateProgramme(ctx, mgr, service.ProgrammeInput{Year: 2026, Title: "計画", PeriodStart: "2026-04-01", PeriodEnd: "2027-03-31", Objectives: "x"})
		if err != nil {
			t.Fatal(err)
		}
		au, err := f.svc.Checks.CreateAudit(ctx, mgr, prog.ID, service.AuditInput{Title: "監査", Scope: "IT", DepartmentIDs: []string{f.it.ID},
			Criteria: "27001", PlannedStart: "2026-06-01", PlannedEnd: "2026-06-05", AuditorIDs: []string{f.member.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Checks.SetAuditStatus(ctx, mgr, au.ID, hikeshi.AuditInProgress, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Checks.SetAuditStatus(ctx, mgr, au.ID, hikeshi.AuditReported, "報告"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Reviews.GetLesson(ctx, csirt, l.ID)
		a, err := f.svc.Checks.Action(ctx, mgr, got.ImprovementActionID)
		if err != nil || a.Action.DepartmentID != units[trad.Matrix[hikeshi.ActivityImprovement].Lead] {
			t.Fatalf("after the audit: %+v %v", a.Action, err)
		}

		fd := apply(hikeshi.PatternFieldDriven)
		l2, err := f.svc.Reviews.AddLesson(ctx, csirt, s.inc.ID, service.LessonInput{Text: "b", ProposedChange: "c", Kind: hikeshi.MeasureProcess})
		if err != nil {
			t.Fatal(err)
		}
		if l2, err = accept(t, f, csirt, l2.ID); err != nil || l2.ImprovementActionID == "" {
			t.Fatalf("field-driven: %+v %v", l2, err)
		}
		if a, err := f.svc.Checks.Action(ctx, mgr, l2.ImprovementActionID); err != nil || a.Action.DepartmentID != units[fd.Matrix[hikeshi.ActivityImprovement].Lead] {
			t.Fatalf("field-driven action: %+v %v", a.Action, err)
		}

		// Back to traditional: a new lesson waits. Switching to field-driven
		// releases it at once, to the unit responsible under the new pattern.
		apply(hikeshi.PatternTraditional)
		l3, err := f.svc.Reviews.AddLesson(ctx, csirt, s.inc.ID, service.LessonInput{Text: "d", ProposedChange: "e", Kind: hikeshi.MeasureProcess})
		if err != nil {
			t.Fatal(err)
		}
		if l3, err = accept(t, f, csirt, l3.ID); err != nil || l3.ImprovementActionID != "" {
			t.Fatalf("traditional again: %+v %v", l3, err)
		}
		// The preview lists what the switch releases (and an audit-triggered
		// target releases nothing).
		pre, err := f.svc.Patterns.Preview(ctx, actor(f.admin), service.PatternInput{Template: hikeshi.PatternFieldDriven, Units: units})
		if err != nil || len(pre.Releases) != 1 || pre.ReleasesMore {
			t.Fatalf("preview releases %+v %v", pre.Releases, err)
		}
		if r := pre.Releases[0]; r.Improvement.LessonID != l3.ID || r.Hidden || r.IncidentNumber != s.inc.Number || r.Lesson != "d" ||
			r.To != units[fd.Matrix[hikeshi.ActivityImprovement].Lead] {
			t.Fatalf("release %+v", r)
		}
		if pre, err := f.svc.Patterns.Preview(ctx, actor(f.admin), service.PatternInput{Template: hikeshi.PatternIntegrated, Units: map[hikeshi.DepartmentKind]string{
			hikeshi.KindManagement: mgmt.ID, hikeshi.KindIT: mgmt.ID, hikeshi.KindCSIRT: mgmt.ID}}); err != nil || len(pre.Releases) != 0 {
			t.Fatalf("integrated preview releases %+v %v", pre.Releases, err)
		}
		apply(hikeshi.PatternFieldDriven)
		got, _ = f.svc.Reviews.GetLesson(ctx, csirt, l3.ID)
		if got.ImprovementActionID == "" {
			t.Fatal("switching to field-driven left the waiting lesson waiting")
		}
		if a, err := f.svc.Checks.Action(ctx, mgr, got.ImprovementActionID); err != nil || a.Action.DepartmentID != units[fd.Matrix[hikeshi.ActivityImprovement].Lead] {
			t.Fatalf("released action: %+v %v", a.Action, err)
		}
		// Switching between real-time patterns releases nothing twice.
		apply(hikeshi.PatternIndependent)
		if again, _ := f.svc.Reviews.GetLesson(ctx, csirt, l3.ID); again.ImprovementActionID != got.ImprovementActionID {
			t.Errorf("the action changed on a second switch: %q → %q", got.ImprovementActionID, again.ImprovementActionID)
		}
	})
}

// TestPatternPreviewReleasesHidden: the preview of a switch to a real-time
// pattern lists a waiting improvement of a TLP:RED incident without its
// number or lesson for an admin who may not see the incident.
func TestPatternPreviewReleasesHidden(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		s := newImprovementSetup(t, f, hikeshi.TLPRed, f.sales.ID)
		mgmt, cs := patternOrg(t, f)
		admin := actor(f.admin)
		u := units(mgmt.ID, f.it.ID, cs.ID)
		if _, err := f.svc.Patterns.Apply(ctx, admin, service.PatternInput{Template: hikeshi.PatternTraditional, Units: u}); err != nil {
			t.Fatal(err)
		}
		if _, err := accept(t, f, actor(f.csirt), s.lesson.ID); err != nil {
			t.Fatal(err)
		}
		_, getErr := f.svc.Incidents.Get(ctx, admin, s.inc.ID)
		pre, err := f.svc.Patterns.Preview(ctx, admin, service.PatternInput{Template: hikeshi.PatternIndependent, Units: u})
		if err != nil || len(pre.Releases) != 1 {
			t.Fatalf("releases %+v %v", pre.Releases, err)
		}
		r := pre.Releases[0]
		if r.Hidden != (getErr != nil) {
			t.Fatalf("hidden %v, while the admin reading the incident gives %v", r.Hidden, getErr)
		}
		if r.Hidden && (r.IncidentNumber != "" || r.Lesson != "") {
			t.Fatalf("a hidden release carries words: %+v", r)
		}
		if r.To != f.it.ID {
			t.Fatalf("released to %q", r.To)
		}
	})
}
