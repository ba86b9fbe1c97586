package service_test

import (
	"context"
	"encoding/json"
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

const advBase = "https://hikeshi.example.org"

func advisoryInput(title string, tlp hikeshi.TLP) service.AdvisoryInput {
	return service.AdvisoryInput{AdvisoryContent: hikeshi.AdvisoryContent{Lang: hikeshi.LocaleJA,
		TitleJA: title, BodyJA: "本文 " + title, TitleEN: "EN " + title, BodyEN: "Text " + title,
		Category: hikeshi.AdvisorySecurity, TLP: tlp, CVEs: []string{"CVE-2026-4242"},
		CVSS: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		Products: []hikeshi.AdvisoryProduct{{Vendor: "Example", Product: "Portal", Versions: "< 3.2", Status: hikeshi.ProductKnownAffected,
			Remediation: hikeshi.RemediationVendorFix, RemediationDetails: "Update to 3.2"},
			{Vendor: "Example", Product: "Portal", Versions: "3.2", Status: hikeshi.ProductFixed}},
		References: []hikeshi.AdvisoryReference{{URL: "https://example.com/advisory", Summary: "Vendor"}}}}
}

// publishAdvisory writes, submits (csirt), approves (admin) and publishes (csirt) an advisory.
func publishAdvisory(t *testing.T, f *fixture, in service.AdvisoryInput) hikeshi.Advisory {
	t.Helper()
	ctx := context.Background()
	csirt, admin := actor(f.csirt), actor(f.admin)
	f.clock.Advance(time.Second)
	time.Sleep(2 * time.Millisecond)
	a, err := f.svc.Advisories.Create(ctx, csirt, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Advisories.Submit(ctx, csirt, a.ID, advBase); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Advisories.Approve(ctx, admin, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Advisories.Publish(ctx, csirt, a.ID, service.PublishInput{BaseURL: advBase}); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAdvisoryVisibilityForEveryRole: CSIRT and admins see everything with
// drafts; every other role sees published CLEAR, GREEN and AMBER advisories,
// only as published; nobody signed out sees anything.
func TestAdvisoryVisibilityForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "M",
			Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, tlp := range hikeshi.TLPs {
			a := publishAdvisory(t, f, advisoryInput("公開 "+string(tlp), tlp))
			names[a.ID] = string(tlp)
		}
		draft, err := f.svc.Advisories.Create(ctx, actor(f.csirt), advisoryInput("草案", hikeshi.TLPClear))
		if err != nil {
			t.Fatal(err)
		}
		names[draft.ID] = "draft"
		// A published CLEAR advisory with a pending (unpublished) change.
		var clearID string
		for id, n := range names {
			if n == "CLEAR" {
				clearID = id
			}
		}
		changed := advisoryInput("公開 CLEAR 改訂中の秘密", hikeshi.TLPRed)
		if _, err := f.svc.Advisories.Update(ctx, actor(f.csirt), clearID, changed); err != nil {
			t.Fatal(err)
		}
		everything := []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED", "draft"}
		open := []string{"CLEAR", "GREEN", "AMBER"}
		users := map[hikeshi.Role]hikeshi.User{hikeshi.RoleAdmin: f.admin, hikeshi.RoleCSIRT: f.csirt, hikeshi.RoleManager: manager,
			hikeshi.RoleAuditor: f.auditor, hikeshi.RoleMember: f.member}
		for _, role := range hikeshi.Roles {
			u, ok := users[role]
			if !ok {
				t.Fatalf("no user for role %s", role)
			}
			want := open
			if role == hikeshi.RoleAdmin || role == hikeshi.RoleCSIRT {
				want = everything
			}
			as, err := f.svc.Advisories.List(ctx, actor(u), hikeshi.AdvisoryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				if names[a.ID] == "" {
					continue // written by an earlier role of this loop
				}
				got = append(got, names[a.ID])
				if a.ID == clearID && !slices.Contains(want, "draft") && (a.TitleJA != "公開 CLEAR" || a.TLP != hikeshi.TLPClear) {
					t.Errorf("%s sees the unpublished change: %q %s", role, a.TitleJA, a.TLP)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s lists %v, want %v", role, got, want)
			}
			for id, n := range names {
				v, err := f.svc.Advisories.Get(ctx, actor(u), id)
				if slices.Contains(want, n) != (err == nil) {
					t.Errorf("%s get %s: %v", role, n, err)
				}
				if err != nil && !errors.Is(err, hikeshi.ErrNotFound) {
					t.Errorf("%s get %s: %v, want ErrNotFound", role, n, err)
				}
				if err == nil && id == clearID && v.Working != slices.Contains(want, "draft") {
					t.Errorf("%s: working copy shown = %v", role, v.Working)
				}
				_, err = f.svc.Advisories.CSAF(ctx, actor(u), id, 0)
				if (n != "draft" && slices.Contains(want, n)) != (err == nil) {
					t.Errorf("%s csaf %s: %v", role, n, err)
				}
			}
			// Only CSIRT and admins write.
			_, err = f.svc.Advisories.Create(ctx, actor(u), advisoryInput("x", hikeshi.TLPClear))
			if (role == hikeshi.RoleAdmin || role == hikeshi.RoleCSIRT) != (err == nil) {
				t.Errorf("%s create: %v", role, err)
			}
			if _, err := f.svc.Advisories.Update(ctx, actor(u), draft.ID, advisoryInput("y", hikeshi.TLPClear)); role != hikeshi.RoleAdmin && role != hikeshi.RoleCSIRT && err == nil {
				t.Errorf("%s updated a draft", role)
			}
		}
		// The published list shows the CSIRT what was published, not the pending change.
		pub, err := f.svc.Advisories.List(ctx, actor(f.csirt), hikeshi.AdvisoryFilter{PublishedOnly: true})
		if err != nil || len(pub) != 5 {
			t.Fatalf("published list: %d %v", len(pub), err)
		}
		for _, a := range pub {
			if a.ID == clearID && (a.TitleJA != "公開 CLEAR" || a.TLP != hikeshi.TLPClear) {
				t.Errorf("published list shows the pending change: %q", a.TitleJA)
			}
		}
		if _, err := f.svc.Advisories.List(ctx, hikeshi.Actor{}, hikeshi.AdvisoryFilter{}); !errors.Is(err, hikeshi.ErrUnauthenticated) {
			t.Errorf("anonymous list: %v", err)
		}
		// The public provider has exactly the published CLEAR advisory — as published, not the pending RED change.
		docs, err := f.svc.Advisories.PublicDocuments(ctx)
		if err != nil || len(docs) != 1 {
			t.Fatalf("public docs: %+v %v", docs, err)
		}
		d, err := f.svc.Advisories.PublicDocument(ctx, docs[0].Year, docs[0].Filename)
		if err != nil || !strings.Contains(d.JSON, `"label": "WHITE"`) || strings.Contains(d.JSON, "秘密") {
			t.Errorf("public doc: %v\n%s", err, d.JSON)
		}
	})
}

// TestAdvisoryWorkflow: revisions 1, 2 with their history in the CSAF
// document; no self-approval; editing an approved or published advisory
// needs a new review; the mail job is enqueued with the revision; the audit
// entries carry no words of the advisory.
func TestAdvisoryWorkflow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt, admin := actor(f.csirt), actor(f.admin)
		in := advisoryInput("認証回避の脆弱性", hikeshi.TLPClear)
		in.Recipients = []string{" List@Example.org "}
		a, err := f.svc.Advisories.Create(ctx, csirt, in)
		if err != nil {
			t.Fatal(err)
		}
		if a.TrackingID != hikeshi.AdvisoryTrackingID(2026, 1) || a.Status != hikeshi.AdvisoryDraft || a.Recipients[0] != "list@example.org" {
			t.Fatalf("created %+v", a)
		}
		conflict := func(err error, code string) {
			t.Helper()
			var v *hikeshi.ValidationError
			if !errors.As(err, &v) || v.Fields[0].Code != code || !errors.Is(err, hikeshi.ErrConflict) {
				t.Errorf("%v, want conflict %s", err, code)
			}
		}
		_, err = f.svc.Advisories.Approve(ctx, admin, a.ID)
		conflict(err, "not_in_review")
		_, err = f.svc.Advisories.Publish(ctx, csirt, a.ID, service.PublishInput{BaseURL: advBase})
		conflict(err, "not_approved")
		if _, err := f.svc.Advisories.Submit(ctx, csirt, a.ID, advBase); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Advisories.Update(ctx, csirt, a.ID, in)
		conflict(err, "in_review")
		_, err = f.svc.Advisories.Approve(ctx, csirt, a.ID)
		conflict(err, "self_approval")
		if _, err := f.svc.Advisories.Approve(ctx, actor(f.auditor), a.ID); !errors.Is(err, hikeshi.ErrNotFound) && !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("auditor approves: %v", err)
		}
		if _, err := f.svc.Advisories.Approve(ctx, admin, a.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		r1, err := f.svc.Advisories.Publish(ctx, csirt, a.ID, service.PublishInput{BaseURL: advBase, Summary: "初版"})
		if err != nil {
			t.Fatal(err)
		}
		if r1.Number != 1 || r1.ApprovedBy != f.admin.ID || r1.PublishedBy != f.csirt.ID {
			t.Errorf("revision 1: %+v", r1)
		}
		// Revision 2 after a change; the admin edits, so the admin may not approve it: the CSIRT member does.
		f.clock.Advance(24 * time.Hour)
		in.BodyJA += "\n回避策を追加しました。"
		if _, err := f.svc.Advisories.Update(ctx, admin, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Advisories.Submit(ctx, csirt, a.ID, advBase); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Advisories.Approve(ctx, admin, a.ID)
		conflict(err, "self_approval")
		_, err = f.svc.Advisories.Approve(ctx, csirt, a.ID)
		conflict(err, "self_approval") // submitted it
		// A second CSIRT member approves.
		other, err := f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "csirt2@example.org", Name: "C2", Role: hikeshi.RoleCSIRT,
			DepartmentID: f.it.ID, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Advisories.Approve(ctx, actor(other), a.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Advisories.Publish(ctx, csirt, a.ID, service.PublishInput{BaseURL: advBase, Summary: "回避策を追加"}); err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.Advisories.CSAF(ctx, actor(f.member), a.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var doc hikeshi.CSAFDocument
		if err := json.Unmarshal([]byte(r.CSAF), &doc); err != nil {
			t.Fatal(err)
		}
		tr := doc.Document.Tracking
		if tr.Version != "2" || len(tr.RevisionHistory) != 2 || tr.RevisionHistory[0].Summary != "初版" || tr.RevisionHistory[1].Summary != "回避策を追加" ||
			tr.InitialReleaseDate != hikeshi.CSAFTime(r1.PublishedAt) || tr.Status != "final" || tr.ID != a.TrackingID {
			t.Errorf("tracking %+v", tr)
		}
		if ps := hikeshi.ValidateCSAF(doc); len(ps) > 0 {
			t.Errorf("published document fails: %v", ps)
		}
		if old, err := f.svc.Advisories.CSAF(ctx, actor(f.member), a.ID, 1); err != nil || !strings.Contains(old.CSAF, `"version": "1"`) {
			t.Errorf("revision 1 document: %v", err)
		}
		// One mail job per publication.
		jobs, err := db.FindJobs(ctx, hikeshi.JobFilter{Kind: service.KindAdvisoryMail})
		if err != nil || len(jobs) != 2 {
			t.Fatalf("mail jobs: %v %v", jobs, err)
		}
		m, err := f.svc.Advisories.MailFor(ctx, hikeshi.SystemActor("jobs"), service.AdvisoryMailPayload{AdvisoryID: a.ID, Revision: 2})
		if err != nil || m.Revision.Number != 2 || m.Recipients[0] != "list@example.org" {
			t.Errorf("mail: %+v %v", m, err)
		}
		if _, err := f.svc.Advisories.MailFor(ctx, csirt, service.AdvisoryMailPayload{AdvisoryID: a.ID, Revision: 2}); err == nil {
			t.Error("a person read the mail job's data")
		}
		// Audit entries hold no words.
		recs, err := db.FindAuditRecords(ctx, hikeshi.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, rec := range recs {
			if strings.HasPrefix(rec.Action, "advisory.") {
				n++
				b, _ := json.Marshal(rec)
				if strings.Contains(string(b), "認証回避") || strings.Contains(string(b), "list@example.org") {
					t.Errorf("audit %s carries the advisory's words: %s", rec.Action, b)
				}
			}
		}
		if n != 8 { // create, submit, approve, publish, update, submit, approve, publish
			t.Errorf("%d advisory audit entries", n)
		}
		f.auditCount(t)
	})
}

// TestAdvisoryValidationAndCSAFRefusal: field errors for bad input; a draft
// whose CSAF document would fail is refused at submission naming the rule;
// an incident link respects the incident's visibility.
func TestAdvisoryValidationAndCSAFRefusal(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		csirt, admin := actor(f.csirt), actor(f.admin)
		bad := advisoryInput("<script>alert(1)</script>", hikeshi.TLP("PURPLE"))
		bad.CVEs = []string{"CVE-1-2"}
		bad.CVSS = "CVSS:3.1/AV:N/AC:Q"
		bad.References = []hikeshi.AdvisoryReference{{URL: "ftp://example.org/x", Summary: "s"}}
		bad.Recipients = []string{"not an address"}
		_, err := f.svc.Advisories.Create(ctx, csirt, bad)
		var v *hikeshi.ValidationError
		if !errors.As(err, &v) {
			t.Fatalf("bad input: %v", err)
		}
		fields := map[string]bool{}
		for _, fe := range v.Fields {
			fields[fe.Field] = true
		}
		for _, want := range []string{"tlp", "cves[0]", "cvss", "references[0].url", "recipients[0]"} {
			if !fields[want] {
				t.Errorf("no error on %s: %v", want, v.Fields)
			}
		}
		// An incident response without an external reference fails CSAF 6.1.27.2 at submission.
		ir := advisoryInput("インシデント対応", hikeshi.TLPGreen)
		ir.Category, ir.References = hikeshi.AdvisoryIncidentResponse, nil
		a, err := f.svc.Advisories.Create(ctx, csirt, ir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Advisories.Submit(ctx, csirt, a.ID, advBase)
		if !errors.As(err, &v) || v.Fields[0].Field != "csaf" || !strings.HasPrefix(v.Fields[0].Message, "CSAF 6.1.27.2:") {
			t.Fatalf("submit: %v", err)
		}
		if got, _ := db.FindAdvisoryByID(ctx, a.ID); got.Status != hikeshi.AdvisoryDraft {
			t.Errorf("status after refusal %s", got.Status)
		}
		// Incident links: a RED incident the admin may not see is "no such incident" for the admin.
		red, err := f.svc.Incidents.Create(ctx, csirt, newIncidentInput("red", hikeshi.TLPRed))
		if err != nil {
			t.Fatal(err)
		}
		ir.IncidentID = red.ID
		ir.References = []hikeshi.AdvisoryReference{{URL: "https://example.org/ir", Summary: "Statement"}}
		if _, err := f.svc.Advisories.Create(ctx, admin, ir); !errors.As(err, &v) || v.Fields[0].Field != "incident_id" {
			t.Errorf("admin links a RED incident: %v", err)
		}
		linked, err := f.svc.Advisories.Create(ctx, csirt, ir)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := f.svc.Advisories.Get(ctx, csirt, linked.ID); err != nil || v.Incident == nil {
			t.Errorf("csirt sees the link: %v", err)
		}
		if v, err := f.svc.Advisories.Get(ctx, admin, linked.ID); err != nil || v.Incident != nil || v.IncidentID != "" {
			t.Errorf("admin sees the RED incident through the advisory: %+v %v", v.Incident, err)
		}
		sec := advisoryInput("x", hikeshi.TLPClear)
		sec.IncidentID = red.ID
		if _, err := f.svc.Advisories.Create(ctx, csirt, sec); !errors.As(err, &v) || v.Fields[0].Field != "incident_id" {
			t.Errorf("security advisory with an incident: %v", err)
		}
	})
}

// TestAdvisorySettings: admins set the CSAF publisher and the default mail
// list; the publisher goes into documents published afterwards; a publication
// without its own list mails the default one; others may not change it.
func TestAdvisorySettings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		def, err := f.svc.Advisories.Settings(ctx, actor(f.csirt), advBase)
		if err != nil || def.Publisher.Name != "hikeshi.example.org CSIRT" || def.Publisher.Namespace != advBase || def.Publisher.Category != "coordinator" {
			t.Fatalf("defaults %+v %v", def, err)
		}
		if _, err := f.svc.Advisories.Settings(ctx, actor(f.member), advBase); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member reads settings: %v", err)
		}
		in := service.AdvisorySettings{Publisher: hikeshi.CSAFPublisher{Name: "Example CSIRT <b>", Namespace: "https://csirt.example.org",
			Category: "vendor", ContactDetails: "csirt@example.org"}, Recipients: []string{"All@Example.org"}}
		if _, err := f.svc.Advisories.UpdateSettings(ctx, actor(f.csirt), in); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("csirt changes settings: %v", err)
		}
		bad := in
		bad.Publisher.Namespace, bad.Publisher.Category, bad.Recipients = "javascript:x", "translator", []string{"nope"}
		var v *hikeshi.ValidationError
		if _, err := f.svc.Advisories.UpdateSettings(ctx, actor(f.admin), bad); !errors.As(err, &v) || len(v.Fields) != 3 {
			t.Errorf("bad settings: %v", err)
		}
		if _, err := f.svc.Advisories.UpdateSettings(ctx, actor(f.admin), in); err != nil {
			t.Fatal(err)
		}
		a := publishAdvisory(t, f, advisoryInput("設定の確認", hikeshi.TLPGreen))
		r, err := f.svc.Advisories.CSAF(ctx, actor(f.member), a.ID, 0)
		if err != nil || !strings.Contains(r.CSAF, `"namespace": "https://csirt.example.org"`) || !strings.Contains(r.CSAF, `"category": "vendor"`) {
			t.Errorf("publisher not used: %v\n%s", err, r.CSAF)
		}
		m, err := f.svc.Advisories.MailFor(ctx, hikeshi.SystemActor("jobs"), service.AdvisoryMailPayload{AdvisoryID: a.ID, Revision: 1})
		if err != nil || len(m.Recipients) != 1 || m.Recipients[0] != "all@example.org" {
			t.Errorf("default list: %+v %v", m.Recipients, err)
		}
	})
}
