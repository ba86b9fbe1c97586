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

// toPhase walks an incident forward to phase.
func toPhase(t *testing.T, f *fixture, id string, phase hikeshi.Phase) {
	t.Helper()
	ctx := context.Background()
	inc, err := f.svc.Incidents.Get(ctx, actor(f.csirt), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range hikeshi.Phases {
		if slices.Index(hikeshi.Phases, p) <= slices.Index(hikeshi.Phases, inc.Phase) {
			continue
		}
		if _, err := f.svc.Incidents.Transition(ctx, actor(f.csirt), id, p, ""); err != nil {
			t.Fatalf("move to %s: %v", p, err)
		}
		if p == phase {
			return
		}
	}
}

func wantFieldCode(t *testing.T, err error, field, code string) {
	t.Helper()
	var ve *hikeshi.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: got %v, want a validation error %s", field, err, code)
		return
	}
	for _, fe := range ve.Fields {
		if fe.Field == field && fe.Code == code {
			return
		}
	}
	t.Errorf("got %v, want %s %s", err, field, code)
}

// TestReviewVisibilityForEveryRole: the review and lessons of a TLP:RED
// incident are for the CSIRT and members only; CSIRT and admins write; the
// others who see the incident read; the global lessons list leaves out what
// the viewer cannot see, page after page.
func TestReviewVisibilityForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M",
			Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		csirt := actor(f.csirt)
		green, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("green", hikeshi.TLPGreen))
		if err != nil {
			t.Fatal(err)
		}
		red, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("red", hikeshi.TLPRed))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Incidents.AddMember(ctx, csirt, green.ID, f.member.ID); err != nil {
			t.Fatal(err)
		}
		toPhase(t, f, green.ID, hikeshi.PhaseRecurrencePrevention)
		toPhase(t, f, red.ID, hikeshi.PhaseRecurrencePrevention)
		lesson := func(id, text string) hikeshi.Lesson {
			t.Helper()
			time.Sleep(2 * time.Millisecond) // ids order by millisecond
			l, err := f.svc.Reviews.AddLesson(ctx, csirt, id, service.LessonInput{Text: text, ProposedChange: "変える", Kind: hikeshi.MeasureProcess})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		g1, r1, g2 := lesson(green.ID, "green 1"), lesson(red.ID, "red 1"), lesson(green.ID, "green 2")
		accept := hikeshi.LessonAccepted
		for _, tc := range []struct {
			name              string
			actor             hikeshi.Actor
			readGreen, write  bool
			readRed, listable bool
			list              []string // newest first
		}{
			{"csirt", csirt, true, true, true, true, []string{"green 2", "red 1", "green 1"}},
			{"admin", actor(f.admin), true, true, false, true, []string{"green 2", "green 1"}},
			{"manager", actor(manager), true, false, false, true, []string{"green 2", "green 1"}},
			{"auditor", actor(f.auditor), true, false, false, true, []string{"green 2", "green 1"}},
			{"member added to green", actor(f.member), true, false, false, false, nil},
			{"member not added", actor(f.other), false, false, false, false, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d, err := f.svc.Reviews.Get(ctx, tc.actor, green.ID)
				if tc.readGreen != (err == nil) {
					t.Errorf("get green: %v", err)
				}
				if err == nil && (len(d.Lessons) != 2 || d.Lessons[0].ID != g1.ID || d.CanWrite != tc.write || d.CanDecide != tc.write || !d.Offered) {
					t.Errorf("green detail %+v", d)
				}
				if !tc.readGreen && !errors.Is(err, hikeshi.ErrNotFound) {
					t.Errorf("get green: %v, want not found", err)
				}
				_, err = f.svc.Reviews.Get(ctx, tc.actor, red.ID)
				if tc.readRed != (err == nil) || (!tc.readRed && !errors.Is(err, hikeshi.ErrNotFound)) {
					t.Errorf("get red: %v", err)
				}
				// Writing: allowed to handlers; forbidden to readers; not found to those who cannot see.
				_, err = f.svc.Reviews.Save(ctx, tc.actor, green.ID, service.ReviewInput{RootCause: "設定 " + tc.name})
				switch {
				case tc.write && err != nil:
					t.Errorf("save: %v", err)
				case !tc.write && tc.readGreen && !errors.Is(err, hikeshi.ErrForbidden):
					t.Errorf("save: %v, want forbidden", err)
				case !tc.readGreen && !errors.Is(err, hikeshi.ErrNotFound):
					t.Errorf("save: %v, want not found", err)
				}
				// A lesson of an invisible incident is not found, for reading and for deciding.
				if _, err := f.svc.Reviews.GetLesson(ctx, tc.actor, r1.ID); tc.readRed != (err == nil) {
					t.Errorf("get red lesson: %v", err)
				}
				if !tc.readRed {
					_, err = f.svc.Reviews.UpdateLesson(ctx, tc.actor, r1.ID, service.LessonPatch{Status: &accept})
					if !errors.Is(err, hikeshi.ErrNotFound) {
						t.Errorf("accept a lesson of an invisible incident: %v", err)
					}
					_, err = f.svc.Reviews.AddLesson(ctx, tc.actor, red.ID, service.LessonInput{Text: "x", ProposedChange: "y", Kind: hikeshi.MeasurePolicy})
					if !errors.Is(err, hikeshi.ErrNotFound) {
						t.Errorf("add a lesson to an invisible incident: %v", err)
					}
					_, err = f.svc.Reviews.Complete(ctx, tc.actor, red.ID, nil)
					if !errors.Is(err, hikeshi.ErrNotFound) {
						t.Errorf("complete the review of an invisible incident: %v", err)
					}
				}
				// The global list, in pages of one.
				var got []string
				p := hikeshi.Page{Limit: 1}
				for {
					page, err := f.svc.Reviews.ListLessons(ctx, tc.actor, hikeshi.LessonFilter{Status: hikeshi.LessonProposed, Page: p})
					if !tc.listable {
						if !errors.Is(err, hikeshi.ErrForbidden) {
							t.Errorf("list: %v, want forbidden", err)
						}
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					got = append(got, page[0].Lesson.Text)
					if page[0].Incident.ID != page[0].Lesson.IncidentID {
						t.Errorf("entry incident %+v", page[0])
					}
					p.After = page[0].Lesson.ID
				}
				if tc.listable && !slices.Equal(got, tc.list) {
					t.Errorf("list %v, want %v", got, tc.list)
				}
			})
		}
		// A manager added to the RED incident reads it and lists its lessons.
		if err := f.svc.Incidents.AddMember(ctx, csirt, red.ID, manager.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reviews.Get(ctx, actor(manager), red.ID); err != nil {
			t.Errorf("manager member reads the RED review: %v", err)
		}
		l, err := f.svc.Reviews.ListLessons(ctx, actor(manager), hikeshi.LessonFilter{})
		if err != nil || len(l) != 3 || l[1].Lesson.ID != r1.ID {
			t.Errorf("manager member's list: %d %v", len(l), err)
		}
		if _, err := f.svc.Reviews.ListLessons(ctx, actor(manager), hikeshi.LessonFilter{Status: "maybe"}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown status filter: %v", err)
		}
		if _, err := f.svc.Reviews.ListLessons(ctx, hikeshi.Actor{}, hikeshi.LessonFilter{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous list: %v", err)
		}
		_ = g2
	})
}

// TestReviewWorkflowAndClosing: a review is written from recovery on;
// closing is refused without a completed review and allowed after; a closed
// incident's review is read-only; every change is audited without its words.
func TestReviewWorkflowAndClosing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		// A P4 incident needs a review too.
		inc, err := f.svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: "迷惑メール", Category: "spam", Impact: 4, Urgency: 4})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Priority != 4 {
			t.Fatalf("priority %d", inc.Priority)
		}
		in := service.ReviewInput{RootCause: "秘密の根本原因", WentWell: "早い報告", Factors: []hikeshi.Factor{hikeshi.FactorSupplier, hikeshi.FactorProcess, hikeshi.FactorProcess},
			Participants: []string{f.member.ID, f.csirt.ID, f.member.ID}}
		_, err = f.svc.Reviews.Save(ctx, csirt, inc.ID, in)
		wantFieldCode(t, err, "review", "not_offered")
		if d, err := f.svc.Reviews.Get(ctx, csirt, inc.ID); err != nil || d.Offered || d.CanWrite || d.Exists() {
			t.Errorf("discovery detail %+v %v", d, err)
		}
		toPhase(t, f, inc.ID, hikeshi.PhaseRecovery)
		r, err := f.svc.Reviews.Save(ctx, csirt, inc.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != hikeshi.ReviewDraft || !slices.Equal(r.Factors, []hikeshi.Factor{hikeshi.FactorProcess, hikeshi.FactorSupplier}) ||
			len(r.Participants) != 2 || !r.CompletedAt.IsZero() {
			t.Errorf("draft %+v", r)
		}
		got, err := f.svc.Reviews.Get(ctx, actor(f.auditor), inc.ID)
		if err != nil || got.Review.RootCause != "秘密の根本原因" || len(got.Review.Participants) != 2 || got.CanWrite || got.CanReopen {
			t.Errorf("auditor reads %+v %v", got, err)
		}
		toPhase(t, f, inc.ID, hikeshi.PhaseRecurrencePrevention)
		// Closing without a completed review is refused with the reason.
		_, err = f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseClosed, "")
		var te *hikeshi.TransitionError
		if !errors.As(err, &te) || te.Code != "review_required" || te.Reason == "" || !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("close without review: %v", err)
		}
		// Completing needs the root cause and what to change.
		_, err = f.svc.Reviews.Complete(ctx, csirt, inc.ID, &service.ReviewInput{RootCause: "  "})
		wantFieldCode(t, err, "root_cause", "required")
		wantFieldCode(t, err, "to_change", "required")
		if d, _ := f.svc.Reviews.Get(ctx, csirt, inc.ID); d.Review.RootCause != "秘密の根本原因" {
			t.Errorf("a refused completion saved the input: %+v", d.Review)
		}
		if _, err := f.svc.Reviews.Complete(ctx, actor(f.auditor), inc.ID, nil); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor completes: %v", err)
		}
		f.clock.Advance(time.Hour)
		in.ToChange = "受信設定を変える"
		done, err := f.svc.Reviews.Complete(ctx, csirt, inc.ID, &in)
		if err != nil || done.Status != hikeshi.ReviewCompleted || !done.CompletedAt.Equal(f.clock.Now()) || done.CompletedBy != f.csirt.ID {
			t.Fatalf("complete: %+v %v", done, err)
		}
		_, err = f.svc.Reviews.Save(ctx, csirt, inc.ID, in)
		wantFieldCode(t, err, "review", "completed")
		_, err = f.svc.Reviews.Complete(ctx, csirt, inc.ID, nil)
		wantFieldCode(t, err, "review", "completed")
		// Reopening the review (audited) brings the refusal back.
		if _, err := f.svc.Reviews.Reopen(ctx, actor(f.auditor), inc.ID); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor reopens: %v", err)
		}
		re, err := f.svc.Reviews.Reopen(ctx, actor(f.admin), inc.ID)
		if err != nil || re.Status != hikeshi.ReviewDraft || !re.CompletedAt.IsZero() || re.CompletedBy != "" {
			t.Errorf("reopen %+v %v", re, err)
		}
		_, err = f.svc.Reviews.Reopen(ctx, csirt, inc.ID)
		wantFieldCode(t, err, "review", "not_completed")
		if _, err := f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseClosed, ""); !errors.As(err, &te) {
			t.Errorf("close after the review was reopened: %v", err)
		}
		l, err := f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: "教訓", ProposedChange: "変更", Kind: hikeshi.MeasurePolicy,
			DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reviews.Complete(ctx, csirt, inc.ID, nil); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.svc.Reviews.Get(ctx, csirt, inc.ID); !d.CanReopen || d.CanWrite {
			t.Errorf("completed detail: reopen %v write %v", d.CanReopen, d.CanWrite)
		}
		closed, err := f.svc.Incidents.Transition(ctx, csirt, inc.ID, hikeshi.PhaseClosed, "")
		if err != nil || closed.Phase != hikeshi.PhaseClosed {
			t.Fatalf("close with a completed review: %v", err)
		}
		// Closed: the review is read-only, lessons can still be decided.
		_, err = f.svc.Reviews.Reopen(ctx, csirt, inc.ID)
		wantFieldCode(t, err, "review", "incident_closed")
		_, err = f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: "x", ProposedChange: "y", Kind: hikeshi.MeasurePolicy})
		wantFieldCode(t, err, "review", "incident_closed")
		text := "変更"
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Text: &text})
		wantFieldCode(t, err, "review", "incident_closed")
		accept := hikeshi.LessonAccepted
		if a, err := f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: &accept}); err != nil || a.Status != accept {
			t.Errorf("accept after closing: %+v %v", a, err)
		}
		if d, _ := f.svc.Reviews.Get(ctx, csirt, inc.ID); d.CanWrite || d.CanReopen || !d.CanDecide || !d.Offered {
			t.Errorf("closed detail %+v", d)
		}
		// Reopening the incident makes the review reopenable again.
		if _, err := f.svc.Incidents.Reopen(ctx, csirt, inc.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reviews.Reopen(ctx, csirt, inc.ID); err != nil {
			t.Errorf("reopen the review of a reopened incident: %v", err)
		}
		// Every change is audited, never with the review's words.
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{EntityID: done.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, rec := range recs {
			counts[rec.Action]++
			if strings.Contains(rec.Before+rec.After, "秘密") || strings.Contains(rec.Before+rec.After, "受信設定") {
				t.Errorf("audit entry carries the review's words: %+v", rec)
			}
		}
		if counts["review.create"] != 1 || counts["review.save"] != 2 || counts["review.complete"] != 2 || counts["review.reopen"] != 2 {
			t.Errorf("audit %v", counts)
		}
		f.auditCount(t)
	})
}

// TestLessonStatusTransitions: proposed → accepted / declined (with a
// reason) → reconsidered; words change only while proposed; a lesson from
// which an improvement action was opened is locked.
func TestLessonStatusTransitions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("x", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		toPhase(t, f, inc.ID, hikeshi.PhaseRecurrencePrevention)
		l, err := f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: " 教訓 ", ProposedChange: "変更", Kind: hikeshi.MeasureTechnical})
		if err != nil || l.Status != hikeshi.LessonProposed || l.Text != "教訓" || l.ReviewID == "" || l.AuthorID != f.csirt.ID {
			t.Fatalf("add %+v %v", l, err)
		}
		if d, _ := f.svc.Reviews.Get(ctx, csirt, inc.ID); d.Review.ID != l.ReviewID || d.Review.Status != hikeshi.ReviewDraft {
			t.Errorf("the first lesson did not open a draft review: %+v", d.Review)
		}
		st := func(s hikeshi.LessonStatus) *hikeshi.LessonStatus { return &s }
		str := func(s string) *string { return &s }
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: st(hikeshi.LessonDeclined)})
		wantFieldCode(t, err, "reason", "required")
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: st(hikeshi.LessonProposed)})
		wantFieldCode(t, err, "status", "same_status")
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: st("maybe")})
		wantFieldCode(t, err, "status", "unknown_status")
		if _, err := f.svc.Reviews.UpdateLesson(ctx, actor(f.auditor), l.ID, service.LessonPatch{Status: st(hikeshi.LessonAccepted)}); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor accepts: %v", err)
		}
		f.clock.Advance(time.Minute)
		d, err := f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: st(hikeshi.LessonDeclined), Reason: str("既に対策済み")})
		if err != nil || d.Status != hikeshi.LessonDeclined || d.DecisionReason != "既に対策済み" || d.DecidedBy != f.csirt.ID || !d.DecidedAt.Equal(f.clock.Now()) {
			t.Fatalf("decline %+v %v", d, err)
		}
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Text: str("書き換え")})
		wantFieldCode(t, err, "status", "decided")
		back, err := f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: st(hikeshi.LessonProposed)})
		if err != nil || back.DecidedBy != "" || !back.DecidedAt.IsZero() || back.DecisionReason != "" {
			t.Errorf("reconsider %+v %v", back, err)
		}
		kind := hikeshi.MeasureTraining
		ed, err := f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Text: str("書き換え"), Kind: &kind, DepartmentID: str(f.it.ID)})
		if err != nil || ed.Text != "書き換え" || ed.Kind != kind || ed.DepartmentID != f.it.ID {
			t.Errorf("edit %+v %v", ed, err)
		}
		acc, err := f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{ProposedChange: str("訓練に追加"), Status: st(hikeshi.LessonAccepted)})
		if err != nil || acc.Status != hikeshi.LessonAccepted || acc.ProposedChange != "訓練に追加" {
			t.Errorf("accept %+v %v", acc, err)
		}
		// The ISMS side (a later issue) opens an improvement action from it: then it is locked.
		acc.ImprovementActionID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateLesson(ctx, acc) }); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: st(hikeshi.LessonDeclined), Reason: str("やめる")})
		wantFieldCode(t, err, "status", "linked")
		if got, err := f.svc.Reviews.GetLesson(ctx, actor(f.auditor), l.ID); err != nil || got.ImprovementActionID != acc.ImprovementActionID {
			t.Errorf("get %+v %v", got, err)
		}
		if _, err := f.svc.Reviews.UpdateLesson(ctx, csirt, hikeshi.NewID(), service.LessonPatch{Status: st(hikeshi.LessonAccepted)}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown lesson: %v", err)
		}
		f.auditCount(t)
	})
}

// TestReviewHostileInput: HTML is kept as text (the UI escapes it), and
// over-long text, control characters, unknown factors, kinds, departments
// and participants are refused by field.
func TestReviewHostileInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("x", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		toPhase(t, f, inc.ID, hikeshi.PhaseRecovery)
		html := `<script>alert(1)</script><img src=x onerror=alert(2)>`
		r, err := f.svc.Reviews.Save(ctx, csirt, inc.ID, service.ReviewInput{RootCause: html, WentWell: html, ToChange: html})
		if err != nil || r.RootCause != html {
			t.Errorf("html kept as text: %+v %v", r, err)
		}
		long := strings.Repeat("長", hikeshi.MaxReviewTextLen+1)
		_, err = f.svc.Reviews.Save(ctx, csirt, inc.ID, service.ReviewInput{RootCause: long, WentWell: "a\x00b", ToChange: long,
			Factors: []hikeshi.Factor{"culprit"}, Participants: []string{"not-a-user"}})
		wantFieldCode(t, err, "root_cause", "too_long")
		wantFieldCode(t, err, "went_well", "invalid_text")
		wantFieldCode(t, err, "to_change", "too_long")
		wantFieldCode(t, err, "factors", "unknown")
		wantFieldCode(t, err, "participants", "unknown")
		many := make([]string, hikeshi.MaxReviewParticipants+1)
		for i := range many {
			many[i] = hikeshi.NewID()
		}
		_, err = f.svc.Reviews.Save(ctx, csirt, inc.ID, service.ReviewInput{Participants: many})
		wantFieldCode(t, err, "participants", "too_long")
		_, err = f.svc.Reviews.Save(ctx, csirt, inc.ID, service.ReviewInput{Participants: []string{strings.Repeat("x", 10000)}})
		wantFieldCode(t, err, "participants", "unknown")
		_, err = f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: strings.Repeat("x", hikeshi.MaxLessonTextLen+1),
			ProposedChange: "", Kind: "blame", DepartmentID: hikeshi.NewID()})
		wantFieldCode(t, err, "text", "too_long")
		wantFieldCode(t, err, "proposed_change", "required")
		wantFieldCode(t, err, "kind", "unknown")
		wantFieldCode(t, err, "department_id", "unknown")
		_, err = f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: "x", ProposedChange: "y", Kind: hikeshi.MeasurePolicy,
			DepartmentID: "'; DROP TABLE lessons; --"})
		wantFieldCode(t, err, "department_id", "unknown")
		l, err := f.svc.Reviews.AddLesson(ctx, csirt, inc.ID, service.LessonInput{Text: html, ProposedChange: html, Kind: hikeshi.MeasurePolicy})
		if err != nil || l.Text != html {
			t.Errorf("lesson html: %+v %v", l, err)
		}
		reason := strings.Repeat("r", hikeshi.MaxLessonReasonLen+1)
		declined := hikeshi.LessonDeclined
		_, err = f.svc.Reviews.UpdateLesson(ctx, csirt, l.ID, service.LessonPatch{Status: &declined, Reason: &reason})
		wantFieldCode(t, err, "reason", "too_long")
		f.auditCount(t)
	})
}
