package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// triageFixture adds a manager and two reports to the organisation: one the
// department member filed under their name, one anonymous.
type triageFixture struct {
	*fixture
	manager     hikeshi.User
	mine, anon  service.Submission
	csirt, adm  hikeshi.Actor
	triageInput service.ClassificationInput
}

func newTriageFixture(t *testing.T, db *store.DB) *triageFixture {
	t.Helper()
	ctx := context.Background()
	f := &triageFixture{fixture: newFixture(t, db)}
	var err error
	f.manager, err = f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M",
		Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.csirt, f.adm = actor(f.fixture.csirt), actor(f.admin)
	if f.mine, err = f.svc.Reports.Submit(ctx, actor(f.member), service.ReportInput{Description: "怪しいメールを開いてしまいました\n添付は開いていません",
		Contact: "内線 1234"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // ids order by millisecond
	f.clock.Advance(time.Minute)
	if f.anon, err = f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "共有フォルダが誰にでも見える", Anonymous: true}); err != nil {
		t.Fatal(err)
	}
	f.triageInput = service.ClassificationInput{Category: "phishing", Impact: 2, Urgency: 1, TLP: hikeshi.TLPAmber,
		OwnerID: f.fixture.csirt.ID, Policy: hikeshi.PolicyFullResponse, PolicyNote: "<script>alert(1)</script>"}
	return f
}

// TestTriageAuthorizationForEveryRole: the CSIRT and admins triage; managers
// and auditors read reports but may not triage (forbidden); a member may not
// triage their own report (forbidden) and does not learn of others' (not found).
func TestTriageAuthorizationForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newTriageFixture(t, db)
		for _, tc := range []struct {
			name             string
			a                hikeshi.Actor
			triage           bool
			readMatrix       bool
			othersReport     error // Get on the anonymous report when refused
			ownReportRefusal error // Get on the member's report when refused
		}{
			{"admin", f.adm, true, true, nil, nil},
			{"csirt", f.csirt, true, true, nil, nil},
			{"manager", actor(f.manager), false, true, hikeshi.ErrForbidden, hikeshi.ErrForbidden},
			{"auditor", actor(f.auditor), false, true, hikeshi.ErrForbidden, hikeshi.ErrForbidden},
			{"member", actor(f.member), false, false, hikeshi.ErrNotFound, hikeshi.ErrForbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := func(what string, err, refusal error) {
					t.Helper()
					switch {
					case tc.triage && err != nil:
						t.Errorf("%s: %v", what, err)
					case !tc.triage && !errors.Is(err, refusal):
						t.Errorf("%s: %v, want %v", what, err, refusal)
					}
				}
				_, err := f.svc.Triage.Queue(ctx, tc.a, hikeshi.Page{})
				want("queue", err, hikeshi.ErrForbidden)
				_, err = f.svc.Triage.Get(ctx, tc.a, f.anon.Report.ID)
				want("get", err, tc.othersReport)
				_, err = f.svc.Triage.Get(ctx, tc.a, f.mine.Report.ID)
				want("get own", err, tc.ownReportRefusal)
				_, err = f.svc.Triage.Classify(ctx, tc.a, f.anon.Report.ID, f.triageInput)
				want("classify", err, tc.othersReport)
				_, err = f.svc.Triage.Decide(ctx, tc.a, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNotIncident, Reason: "x"})
				want("decide", err, tc.ownReportRefusal)
				_, err = f.svc.Triage.UpdateMatrix(ctx, tc.a, hikeshi.DefaultPriorityMatrix.Rows())
				want("update matrix", err, hikeshi.ErrForbidden)
				_, err = f.svc.Triage.UpdateTaxonomy(ctx, tc.a, hikeshi.RSITKeys())
				want("update taxonomy", err, hikeshi.ErrForbidden)
				_, err = f.svc.Triage.Owners(ctx, tc.a)
				want("owners", err, hikeshi.ErrForbidden)
				if _, err := f.svc.Triage.Matrix(ctx, tc.a); (err == nil) != tc.readMatrix {
					t.Errorf("read matrix: %v", err)
				}
				if _, err := f.svc.Triage.Taxonomy(ctx, tc.a); (err == nil) != tc.readMatrix {
					t.Errorf("read taxonomy: %v", err)
				}
			})
		}
		if _, err := f.svc.Triage.Queue(ctx, hikeshi.Actor{}, hikeshi.Page{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous queue: %v", err)
		}
	})
}

// TestTriageDecisions walks a report through every decision, revisiting
// them, and checks the history keeps each one with its time and author.
func TestTriageDecisions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newTriageFixture(t, db)
		before := f.auditCount(t)

		// The queue is oldest first and shows both reports as untriaged.
		q, err := f.svc.Triage.Queue(ctx, f.csirt, hikeshi.Page{})
		if err != nil || len(q) != 2 || q[0].Report.ID != f.mine.Report.ID || q[1].Report.ID != f.anon.Report.ID || q[0].Triage.Classified() {
			t.Fatalf("queue %+v %v", q, err)
		}

		// An organisation matrix decides the priority.
		custom := [][]int{{4, 4, 4, 4}, {3, 3, 3, 3}, {2, 2, 2, 2}, {1, 1, 1, 1}}
		if _, err := f.svc.Triage.UpdateMatrix(ctx, f.csirt, custom); err != nil {
			t.Fatal(err)
		}
		classifiedAt := f.clock.Now()
		tr, err := f.svc.Triage.Classify(ctx, f.csirt, f.mine.Report.ID, f.triageInput)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Priority != 3 || tr.PolicyNote != "<script>alert(1)</script>" || !tr.ClassifiedAt.Equal(classifiedAt) || tr.ClassifiedBy != f.fixture.csirt.ID {
			t.Errorf("classified %+v", tr)
		}
		rep, _, _ := f.svc.Reports.Get(ctx, f.csirt, f.mine.Report.ID)
		if rep.Status != hikeshi.ReportInTriage {
			t.Errorf("classified report is %s, want in_triage", rep.Status)
		}
		// Saving the same classification again adds nothing.
		if _, err := f.svc.Triage.Classify(ctx, f.csirt, f.mine.Report.ID, f.triageInput); err != nil {
			t.Fatal(err)
		}

		// new_incident opens the incident in the same transaction.
		time.Sleep(2 * time.Millisecond)
		f.clock.Advance(time.Hour)
		decidedAt := f.clock.Now()
		res, err := f.svc.Triage.Decide(ctx, f.csirt, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNewIncident, Title: "フィッシング <b>"})
		if err != nil {
			t.Fatal(err)
		}
		inc := res.Incident
		if inc.Title != "フィッシング <b>" || inc.Summary != f.mine.Report.Description || inc.Category != "phishing" || inc.Impact != 2 ||
			inc.Urgency != 1 || inc.Priority != 3 || inc.TLP != hikeshi.TLPAmber || inc.OwnerID != f.fixture.csirt.ID {
			t.Errorf("incident %+v", inc)
		}
		v, err := f.svc.Triage.Get(ctx, f.csirt, f.mine.Report.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Report.Status != hikeshi.ReportClosed || v.Incident.ID != inc.ID || v.Triage.Decision != hikeshi.TriageNewIncident ||
			!v.Triage.DecidedAt.Equal(decidedAt) {
			t.Errorf("after new_incident: status %s incident %s triage %+v", v.Report.Status, v.Incident.ID, v.Triage)
		}

		// Double submission: refused with a conflict naming the incident; one incident only.
		_, err = f.svc.Triage.Decide(ctx, f.csirt, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNewIncident, Title: "again"})
		var has *service.HasIncidentError
		if !errors.As(err, &has) || !errors.Is(err, hikeshi.ErrConflict) || has.Number != inc.Number || !strings.Contains(err.Error(), inc.Number) {
			t.Errorf("second new_incident: %v", err)
		}
		if all, _ := f.svc.Incidents.List(ctx, f.csirt, hikeshi.IncidentFilter{}); len(all) != 1 {
			t.Errorf("%d incidents after a double submission, want 1", len(all))
		}

		// attach (revisited): the report moves to another incident, named by number.
		other, err := f.svc.Incidents.Create(ctx, f.csirt, service.IncidentInput{Title: "既存", Category: "phishing", Impact: 3, Urgency: 3})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Triage.Decide(ctx, f.adm, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageAttach,
			Incident: strings.ToLower(other.Number)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Triage.Decide(ctx, f.adm, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageAttach,
			Incident: other.ID}); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("attaching to the same incident twice: %v", err)
		}
		links, err := f.svc.Triage.IncidentLinks(ctx, f.csirt, other.ID)
		if err != nil || len(links.Reports) != 1 || links.Reports[0].ID != f.mine.Report.ID {
			t.Errorf("reports of the attached incident: %+v %v", links.Reports, err)
		}
		if l, _ := f.svc.Triage.IncidentLinks(ctx, f.csirt, inc.ID); len(l.Reports) != 0 {
			t.Errorf("the first incident still lists the report: %+v", l.Reports)
		}

		// not_incident needs a reason; its message reaches the reporter's thread.
		_, err = f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNotIncident, Reason: "  "})
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "reason" {
			t.Errorf("not_incident without reason: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		f.clock.Advance(time.Hour)
		res, err = f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNotIncident,
			Reason: "設定どおりの公開でした", Message: "ご報告ありがとうございます。<b>問題ありません</b>"})
		if err != nil {
			t.Fatal(err)
		}
		_, msgs, err := f.svc.Reports.FollowUp(ctx, f.anon.FollowUpCode)
		if err != nil || len(msgs) != 1 || msgs[0].Body != "ご報告ありがとうございます。<b>問題ありません</b>" || msgs[0].Author != hikeshi.AuthorCSIRT ||
			res.Record.MessageID != msgs[0].ID {
			t.Errorf("the reporter's thread: %+v %v", msgs, err)
		}

		// duplicate: of another report by number; not of itself, not in a cycle.
		for _, tc := range []struct {
			ref, code string
		}{{f.anon.Report.Number, "same"}, {"", "required"}} {
			_, err := f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageDuplicate, DuplicateOf: tc.ref})
			if !errors.As(err, &ve) || ve.Fields[0].Code != tc.code {
				t.Errorf("duplicate of %q: %v", tc.ref, err)
			}
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageDuplicate,
			DuplicateOf: "RPT-1999-0001"}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("duplicate of an unknown report: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageDuplicate,
			DuplicateOf: f.anon.Report.Number}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageDuplicate,
			DuplicateOf: f.mine.Report.ID}); !errors.As(err, &ve) || ve.Fields[0].Code != "cycle" {
			t.Errorf("duplicate cycle: %v", err)
		}
		v, err = f.svc.Triage.Get(ctx, f.csirt, f.mine.Report.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.DuplicateOf.ID != f.anon.Report.ID || v.HasIncident || v.Triage.Decision != hikeshi.TriageDuplicate {
			t.Errorf("after duplicate: %+v has incident %v", v.Triage, v.HasIncident)
		}

		// The history keeps every entry with its time and author.
		type entry struct {
			action hikeshi.TriageAction
			author string
			at     time.Time
		}
		want := []entry{
			{hikeshi.TriageClassified, f.fixture.csirt.ID, classifiedAt},
			{hikeshi.TriageNewIncident, f.fixture.csirt.ID, decidedAt},
			{hikeshi.TriageAttach, f.admin.ID, decidedAt.Add(time.Hour)},
			{hikeshi.TriageDuplicate, f.fixture.csirt.ID, decidedAt.Add(3 * time.Hour)},
		}
		if len(v.History) != len(want) {
			t.Fatalf("history %+v", v.History)
		}
		for i, w := range want {
			h := v.History[i]
			if h.Action != w.action || h.AuthorID != w.author || !h.At.Equal(w.at) {
				t.Errorf("history[%d] = %s by %s at %s, want %+v", i, h.Action, h.AuthorID, h.At, w)
			}
		}
		if v.History[1].IncidentID != inc.ID || v.History[2].IncidentID != other.ID || v.History[1].Category != "phishing" {
			t.Errorf("history incidents %+v", v.History[1:3])
		}

		// The audit log records each step, without the notes, reason, title or message.
		recs, err := f.svc.Audit.List(ctx, f.adm, hikeshi.AuditFilter{Action: "triage.", Limit: 100})
		if err != nil || len(recs) != 5 {
			t.Errorf("%d triage audit entries, %v", len(recs), err)
		}
		for _, r := range recs {
			for _, secret := range []string{"script", "フィッシング", "設定どおり", "ありがとう"} {
				if strings.Contains(r.Before+r.After, secret) {
					t.Errorf("audit %s holds %q", r.Action, secret)
				}
			}
		}
		if f.auditCount(t) <= before {
			t.Error("no audit entries")
		}
	})
}

// TestTriageHostileInput: every bad field is refused by name and nothing is saved.
func TestTriageHostileInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newTriageFixture(t, db)
		id := f.anon.Report.ID
		before := f.auditCount(t)
		for _, tc := range []struct {
			name  string
			edit  func(in *service.ClassificationInput)
			field string
			code  string
		}{
			{"unknown category", func(in *service.ClassificationInput) { in.Category = "culprit" }, "category", "unknown"},
			{"no category", func(in *service.ClassificationInput) { in.Category = "" }, "category", "required"},
			{"impact 0", func(in *service.ClassificationInput) { in.Impact = 0 }, "impact", "out_of_range"},
			{"impact 5", func(in *service.ClassificationInput) { in.Impact = 5 }, "impact", "out_of_range"},
			{"urgency 5", func(in *service.ClassificationInput) { in.Urgency = 5 }, "urgency", "out_of_range"},
			{"TLP WHITE", func(in *service.ClassificationInput) { in.TLP = "WHITE" }, "tlp", "unknown"},
			{"policy", func(in *service.ClassificationInput) { in.Policy = "blame" }, "policy", "unknown"},
			{"owner not a handler", func(in *service.ClassificationInput) { in.OwnerID = f.member.ID }, "owner_id", "not_handler"},
			{"owner unknown", func(in *service.ClassificationInput) { in.OwnerID = hikeshi.NewID() }, "owner_id", "unknown"},
			{"control characters", func(in *service.ClassificationInput) { in.PolicyNote = "a\x00b" }, "policy_note", "invalid_text"},
			{"note too long", func(in *service.ClassificationInput) { in.PolicyNote = strings.Repeat("長", 2001) }, "policy_note", "too_long"},
		} {
			in := f.triageInput
			tc.edit(&in)
			_, err := f.svc.Triage.Classify(ctx, f.csirt, id, in)
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != tc.field || ve.Fields[0].Code != tc.code {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, id, service.DecisionInput{Decision: "culprit"}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown decision: %v", err)
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, id, service.DecisionInput{Decision: hikeshi.TriageNewIncident, Title: "x"}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("new_incident without a classification: %v", err)
		}
		in := f.triageInput
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, id, service.DecisionInput{Decision: hikeshi.TriageNewIncident, Classification: &in,
			Title: "two\nlines"}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("a two-line title: %v", err)
		}
		if _, err := f.svc.Triage.Get(ctx, f.csirt, hikeshi.NewID()); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown report: %v", err)
		}
		if f.auditCount(t) != before {
			t.Error("refused input wrote audit entries")
		}
		v, _ := f.svc.Triage.Get(ctx, f.csirt, id)
		if v.Triage.Classified() || len(v.History) != 0 || v.Report.Status != hikeshi.ReportNew {
			t.Errorf("refused input left traces: %+v", v)
		}

		// Attaching to a RED incident the admin is no member of: not found, like an unknown one.
		red, err := f.svc.Incidents.Create(ctx, f.csirt, service.IncidentInput{Title: "極秘", Category: "data-leak", Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed})
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{red.ID, red.Number, "INC-1999-0001", hikeshi.NewID()} {
			_, err := f.svc.Triage.Decide(ctx, f.adm, id, service.DecisionInput{Decision: hikeshi.TriageAttach, Incident: ref})
			var nf *service.RefNotFoundError
			if !errors.As(err, &nf) || nf.Field != "incident" || !errors.Is(err, hikeshi.ErrNotFound) {
				t.Errorf("admin attaching to %s: %v", ref, err)
			}
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, id, service.DecisionInput{Decision: hikeshi.TriageAttach, Incident: red.Number}); err != nil {
			t.Errorf("the CSIRT attaching to a RED incident: %v", err)
		}

		// Matrix and taxonomy input.
		for _, rows := range [][][]int{nil, {{1, 1, 1, 1}}, {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 5}}, {{0, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}}} {
			if _, err := f.svc.Triage.UpdateMatrix(ctx, f.csirt, rows); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("matrix %v: %v", rows, err)
			}
		}
		if m, _ := f.svc.Triage.Matrix(ctx, f.csirt); m != hikeshi.DefaultPriorityMatrix {
			t.Errorf("refused matrices changed it: %v", m)
		}
		for _, keys := range [][]string{nil, {"phishing", "<script>"}} {
			if _, err := f.svc.Triage.UpdateTaxonomy(ctx, f.csirt, keys); !errors.Is(err, hikeshi.ErrInvalid) {
				t.Errorf("taxonomy %v: %v", keys, err)
			}
		}
	})
}

// TestTriageTaxonomyInUse: a disabled category is not accepted for new
// classifications; a report that carries it keeps it.
func TestTriageTaxonomyInUse(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newTriageFixture(t, db)
		if _, err := f.svc.Triage.Classify(ctx, f.csirt, f.mine.Report.ID, f.triageInput); err != nil {
			t.Fatal(err)
		}
		var keep []string
		for _, k := range hikeshi.RSITKeys() {
			if k != "phishing" && k != "availability" {
				keep = append(keep, k)
			}
		}
		tax, err := f.svc.Triage.UpdateTaxonomy(ctx, f.csirt, keep)
		if err != nil {
			t.Fatal(err)
		}
		if tax.Enabled("phishing") || tax.Enabled("dos") || !tax.Enabled("fraud") || tax.Enabled("nonsense") {
			t.Errorf("taxonomy %v", tax.Disabled)
		}
		for _, c := range tax.Classes() {
			if c.Key == "availability" {
				t.Error("a disabled class is offered")
			}
			for _, ty := range c.Types {
				if ty.Key == "phishing" {
					t.Error("a disabled type is offered")
				}
			}
		}
		in := f.triageInput
		_, err = f.svc.Triage.Classify(ctx, f.csirt, f.anon.Report.ID, in)
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Code != "disabled" {
			t.Errorf("disabled category: %v", err)
		}
		in.Category = "dos"
		if _, err = f.svc.Triage.Classify(ctx, f.csirt, f.anon.Report.ID, in); !errors.As(err, &ve) || ve.Fields[0].Code != "disabled" {
			t.Errorf("type of a disabled class: %v", err)
		}
		in = f.triageInput
		in.Impact = 4
		if _, err := f.svc.Triage.Classify(ctx, f.csirt, f.mine.Report.ID, in); err != nil {
			t.Errorf("a report keeps its disabled category: %v", err)
		}
		got, err := f.svc.Triage.Taxonomy(ctx, actor(f.auditor))
		if err != nil || !got.Disabled["phishing"] || len(got.Disabled) != 2 {
			t.Errorf("read back %v %v", got.Disabled, err)
		}
	})
}

// TestTriageDoubleSubmitConcurrently sends the same new_incident decision
// twice at once: exactly one incident is opened.
func TestTriageDoubleSubmitConcurrently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newTriageFixture(t, db)
		in := f.triageInput
		if _, err := f.svc.Triage.Classify(ctx, f.csirt, f.anon.Report.ID, in); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNewIncident, Title: "同時"})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, hikeshi.ErrConflict):
				t.Errorf("concurrent decision: %v", err)
			}
		}
		all, err := f.svc.Incidents.List(ctx, f.csirt, hikeshi.IncidentFilter{})
		if ok != 1 || err != nil || len(all) != 1 {
			t.Errorf("%d decisions succeeded, %d incidents (%v); want 1 and 1", ok, len(all), err)
		}
	})
}

// TestIncidentLinksAndMerge relates incidents and merges one into another,
// with visibility: what an actor may not see is not found, or left out.
func TestIncidentLinksAndMerge(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newTriageFixture(t, db)
		mk := func(title string, tlp hikeshi.TLP) hikeshi.Incident {
			t.Helper()
			time.Sleep(2 * time.Millisecond)
			i, err := f.svc.Incidents.Create(ctx, f.csirt, service.IncidentInput{Title: title, Category: "phishing", Impact: 2, Urgency: 2, TLP: tlp})
			if err != nil {
				t.Fatal(err)
			}
			return i
		}
		a, b, red := mk("A", hikeshi.TLPGreen), mk("B", hikeshi.TLPAmber), mk("RED", hikeshi.TLPRed)
		if _, err := f.svc.Triage.Classify(ctx, f.csirt, f.anon.Report.ID, f.triageInput); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, f.anon.Report.ID, service.DecisionInput{Decision: hikeshi.TriageAttach, Incident: b.Number}); err != nil {
			t.Fatal(err)
		}

		// Links: symmetric, once, never to oneself, never to what one cannot see.
		if _, err := f.svc.Triage.LinkIncidents(ctx, f.adm, a.ID, b.Number, "同じ送信元 <i>"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Triage.LinkIncidents(ctx, f.csirt, b.ID, a.ID, ""); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("the same link again: %v", err)
		}
		if _, err := f.svc.Triage.LinkIncidents(ctx, f.csirt, a.ID, a.Number, ""); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("link to itself: %v", err)
		}
		if _, err := f.svc.Triage.LinkIncidents(ctx, f.adm, a.ID, red.ID, ""); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("admin linking to a RED incident: %v", err)
		}
		if _, err := f.svc.Triage.LinkIncidents(ctx, actor(f.manager), a.ID, b.ID, ""); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("manager linking: %v", err)
		}
		if _, err := f.svc.Triage.LinkIncidents(ctx, f.csirt, red.ID, a.ID, "RED"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			a       hikeshi.Actor
			related int
		}{{"csirt", f.csirt, 2}, {"manager", actor(f.manager), 1}} {
			l, err := f.svc.Triage.IncidentLinks(ctx, tc.a, a.ID)
			if err != nil || len(l.Related) != tc.related {
				t.Errorf("%s sees %d related incidents (%v), want %d", tc.name, len(l.Related), err, tc.related)
			}
		}
		if l, _ := f.svc.Triage.IncidentLinks(ctx, f.csirt, b.ID); len(l.Related) != 1 || l.Related[0].Incident.ID != a.ID || l.Related[0].Link.Note != "同じ送信元 <i>" {
			t.Errorf("the other side: %+v", l.Related)
		}
		if _, err := f.svc.Triage.IncidentLinks(ctx, actor(f.member), a.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member reads links of an incident they are not on: %v", err)
		}
		// A member added to the incident sees it but not the reports, which they may not read.
		if err := f.svc.Incidents.AddMember(ctx, f.csirt, b.ID, f.other.ID); err != nil {
			t.Fatal(err)
		}
		if l, err := f.svc.Triage.IncidentLinks(ctx, actor(f.other), b.ID); err != nil || len(l.Reports) != 0 {
			t.Errorf("member on the incident: reports %+v %v", l.Reports, err)
		}

		// Merge B into A: B's report moves, B is closed, both timelines say so.
		if _, err := f.svc.Triage.Merge(ctx, f.adm, a.ID, red.Number, ""); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("admin merging a RED incident: %v", err)
		}
		if _, err := f.svc.Triage.Merge(ctx, actor(f.auditor), a.ID, b.ID, ""); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor merging: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Triage.Merge(ctx, f.csirt, a.ID, b.Number, "重複していた"); err != nil {
			t.Fatal(err)
		}
		gotB, _ := f.svc.Incidents.Get(ctx, f.csirt, b.ID)
		if gotB.Phase != hikeshi.PhaseClosed || !gotB.ClosedAt.Equal(f.clock.Now()) {
			t.Errorf("merged incident %+v", gotB)
		}
		la, _ := f.svc.Triage.IncidentLinks(ctx, f.csirt, a.ID)
		if len(la.Reports) != 1 || la.Reports[0].ID != f.anon.Report.ID || len(la.MergedFrom) != 1 || la.MergedFrom[0].ID != b.ID {
			t.Errorf("A after the merge: %+v", la)
		}
		lb, _ := f.svc.Triage.IncidentLinks(ctx, f.csirt, b.ID)
		if lb.MergedInto == nil || lb.MergedInto.ID != a.ID || len(lb.Reports) != 0 {
			t.Errorf("B after the merge: %+v", lb)
		}
		for _, id := range []string{a.ID, b.ID} {
			d, _ := f.svc.Incidents.Detail(ctx, f.csirt, id)
			found := false
			for _, e := range d.Events {
				if e.Kind == hikeshi.EventNote && strings.Contains(e.Text, b.Number+" → "+a.Number) && strings.Contains(e.Text, "重複していた") {
					found = true
				}
			}
			if !found {
				t.Errorf("no merge note on %s: %+v", id, d.Events)
			}
		}
		if _, err := f.svc.Triage.Merge(ctx, f.csirt, red.ID, b.ID, ""); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("merging a merged incident again: %v", err)
		}
		if _, err := f.svc.Triage.Merge(ctx, f.csirt, b.ID, red.ID, ""); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("merging into a merged incident: %v", err)
		}
		if _, err := f.svc.Triage.Merge(ctx, f.csirt, a.ID, a.ID, ""); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("merging into itself: %v", err)
		}
		if _, err := f.svc.Triage.Decide(ctx, f.csirt, f.mine.Report.ID, service.DecisionInput{Decision: hikeshi.TriageAttach, Incident: b.ID}); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("attaching to a merged incident: %v", err)
		}
		recs, err := f.svc.Audit.List(ctx, f.adm, hikeshi.AuditFilter{Action: "incident.merge", Limit: 10})
		if err != nil || len(recs) != 1 || recs[0].EntityID != b.ID || strings.Contains(recs[0].After, "重複") {
			t.Errorf("merge audit %+v %v", recs, err)
		}
	})
}

// TestIncidentTimesComeFromReports: an incident opened from a report, or one
// a report is later attached to, reached the CSIRT when the earliest report
// arrived, and was noticed when its reporter says; the service-level clocks
// count from there (issue 3 part 6: set by the workflow, not typed in).
func TestIncidentTimesComeFromReports(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		t0 := f.clock.Now()
		noticed := t0.Add(-3 * time.Hour)
		sub, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{Via: "web"}, service.ReportInput{Description: "怪しいログイン通知", NoticedAt: noticed})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Hour)
		inc, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("不正ログイン", hikeshi.TLPAmber))
		if err != nil {
			t.Fatal(err)
		}
		if !inc.ReportedAt.Equal(inc.CreatedAt) || !inc.NoticedAt.IsZero() {
			t.Errorf("an incident opened by hand: reported %v, noticed %v", inc.ReportedAt, inc.NoticedAt)
		}
		_, err = f.svc.Triage.Decide(ctx, csirt, sub.Report.ID, service.DecisionInput{Decision: hikeshi.TriageAttach, Incident: inc.Number})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Incidents.Get(ctx, csirt, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ReportedAt.Equal(sub.Report.ReportedAt) || !got.NoticedAt.Equal(noticed) || !got.CreatedAt.Equal(inc.CreatedAt) {
			t.Errorf("after attaching the earlier report: reported %v (want %v), noticed %v (want %v)", got.ReportedAt, sub.Report.ReportedAt, got.NoticedAt, noticed)
		}
		clocks, err := f.svc.Clocks.ForIncident(ctx, csirt, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clocks.Clocks {
			if !c.Clock.StartedAt.Equal(sub.Report.ReportedAt) {
				t.Errorf("clock %s starts %v, want the report's arrival %v", c.Clock.Kind, c.Clock.StartedAt, sub.Report.ReportedAt)
			}
		}
	})
}

// TestReporterSeesTheIncidentBeingHandled: a report that became an incident
// reads "being handled" to its reporter until the incident closes, though the
// decision closed the report itself.
func TestReporterSeesTheIncidentBeingHandled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt := actor(f.csirt)
		sub, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{Via: "web"}, service.ReportInput{Description: "画面に身代金の要求が出ています", Anonymous: true})
		if err != nil {
			t.Fatal(err)
		}
		progress := func(want hikeshi.ReporterProgress) {
			t.Helper()
			if got, err := f.svc.Reports.FollowUpProgress(ctx, sub.FollowUpCode); err != nil || got != want {
				t.Errorf("progress %s, %v; want %s", got, err, want)
			}
		}
		progress(hikeshi.ProgressReceived)
		res, err := f.svc.Triage.Decide(ctx, csirt, sub.Report.ID, service.DecisionInput{Decision: hikeshi.TriageNewIncident, Title: "ランサムウェア",
			Classification: &service.ClassificationInput{Category: "infected-system", Impact: 1, Urgency: 1, TLP: hikeshi.TLPRed}})
		if err != nil {
			t.Fatal(err)
		}
		progress(hikeshi.ProgressInHand)
		if _, err := f.svc.Reports.FollowUpProgress(ctx, "0000-0000-0000-0000"); !errors.Is(err, service.ErrUnknownCode) {
			t.Errorf("an unknown code: %v", err)
		}
		if res.Incident.TriagedAt.IsZero() {
			t.Errorf("an incident opened by a triage decision is not marked triaged")
		}
	})
}
