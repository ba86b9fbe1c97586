package service_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// evidenceFixture adds a manager and three incidents: a GREEN one, a RED one
// nobody but the CSIRT sees, and a RED one the manager was added to.
type evidenceFixture struct {
	*fixture
	manager                hikeshi.User
	green, red, redManaged hikeshi.Incident
}

func newEvidenceFixture(t *testing.T, db *store.DB) *evidenceFixture {
	t.Helper()
	ctx := context.Background()
	f := &evidenceFixture{fixture: newFixture(t, db)}
	var err error
	f.manager, err = f.svc.Users.Create(ctx, hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org", Name: "Manager",
		Role: hikeshi.RoleManager, DepartmentID: f.it.ID, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		inc *hikeshi.Incident
		tlp hikeshi.TLP
	}{{&f.green, hikeshi.TLPGreen}, {&f.red, hikeshi.TLPRed}, {&f.redManaged, hikeshi.TLPRed}} {
		time.Sleep(2 * time.Millisecond) // ids order by millisecond
		if *p.inc, err = f.svc.Incidents.Create(ctx, actor(f.csirt), newIncidentInput("インシデント", p.tlp)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Incidents.AddMember(ctx, actor(f.csirt), f.redManaged.ID, f.manager.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func refNumbers(refs []hikeshi.IncidentRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Number)
	}
	return out
}

func TestObservablesAcrossIncidentsForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newEvidenceFixture(t, db)
		csirt := actor(f.csirt)

		// A paste with bad lines is refused whole, naming each bad line.
		bad := service.ObservablesInput{Values: []string{"192.0.2.1", "999.1.1.1", "", "javascript:alert(1)", "evil.example"}, Type: hikeshi.ObservableIP}
		_, err := f.svc.Evidence.AddObservables(ctx, csirt, f.green.ID, bad)
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 3 || ve.Fields[0].Field != "values[1]" || ve.Fields[0].Code != "invalid_ip" ||
			ve.Fields[1].Field != "values[3]" || ve.Fields[2].Field != "values[4]" || !strings.HasPrefix(ve.Fields[1].Message, "line 4:") {
			t.Fatalf("bad paste: %v", err)
		}
		if obs, err := f.svc.Evidence.Observables(ctx, csirt, f.green.ID); err != nil || len(obs) != 0 {
			t.Fatalf("a refused paste stored %d observables, %v", len(obs), err)
		}
		if _, err := f.svc.Evidence.AddObservables(ctx, csirt, f.green.ID, service.ObservablesInput{Values: []string{"x"}, Type: "culprit"}); !errors.As(err, &ve) || ve.Fields[0].Field != "type" {
			t.Errorf("unknown type: %v", err)
		}
		if _, err := f.svc.Evidence.AddObservables(ctx, csirt, f.green.ID, service.ObservablesInput{Values: []string{" ", ""}}); !errors.As(err, &ve) || ve.Fields[0].Code != "required" {
			t.Errorf("empty paste: %v", err)
		}

		// The same indicators, typed differently, on three incidents: one observable each.
		for i, inc := range []hikeshi.Incident{f.green, f.red, f.redManaged} {
			vals := []string{"192.0.2.1", "EVIL.example.", "https://Evil.Example/login", "192.0.2.1"}
			switch i {
			case 1:
				vals = append(vals, "only-in-red.example")
			case 2: // defanged, as pasted from a report: the same observables
				vals = []string{"192[.]0[.]2[.]1", "evil[.]example", "hxxps[://]evil[.]example/login", "192.0.2.1"}
			}
			added, err := f.svc.Evidence.AddObservables(ctx, csirt, inc.ID, service.ObservablesInput{Values: vals, Note: "<script>x</script>"})
			if err != nil || len(added.Added) != len(vals)-1 || added.Skipped != 1 {
				t.Fatalf("add to %s: %+v %v", inc.Number, added, err)
			}
		}
		again, err := f.svc.Evidence.AddObservables(ctx, csirt, f.green.ID, service.ObservablesInput{Values: []string{"192.0.2.1"}})
		if err != nil || len(again.Added) != 0 || again.Skipped != 1 {
			t.Errorf("adding a known observable again: %+v %v", again, err)
		}
		first, _ := f.svc.Evidence.Observables(ctx, csirt, f.green.ID)
		second, _ := f.svc.Evidence.Observables(ctx, csirt, f.red.ID)
		third, _ := f.svc.Evidence.Observables(ctx, csirt, f.redManaged.ID)
		if len(first) != 3 || len(third) != 3 || first[1].Observable.Value != "evil.example" {
			t.Fatalf("observables %+v / %+v", first, third)
		}
		for k := range first {
			if first[k].Observable.ID != second[k].Observable.ID || first[k].Observable.ID != third[k].Observable.ID {
				t.Errorf("observable %d not de-duplicated across incidents: %+v / %+v / %+v", k, first[k].Observable, second[k].Observable, third[k].Observable)
			}
		}

		// "Also seen in" for each role, from the GREEN incident.
		for _, tc := range []struct {
			name string
			who  hikeshi.User
			want []string
		}{
			{"csirt", f.csirt, []string{f.redManaged.Number, f.red.Number}},
			{"admin", f.admin, nil},
			{"manager member of one RED", f.manager, []string{f.redManaged.Number}},
			{"auditor", f.auditor, nil},
		} {
			obs, err := f.svc.Evidence.Observables(ctx, actor(tc.who), f.green.ID)
			if err != nil || len(obs) != 3 {
				t.Fatalf("%s: %d observables, %v", tc.name, len(obs), err)
			}
			if got := refNumbers(obs[0].AlsoSeenIn); !slices.Equal(got, tc.want) {
				t.Errorf("%s sees also-seen-in %v, want %v", tc.name, got, tc.want)
			}
		}
		// A member of no incident sees none of them; a RED incident is not found for a manager who was not added.
		if _, err := f.svc.Evidence.Observables(ctx, actor(f.member), f.green.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member: %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Evidence.Observables(ctx, actor(f.manager), f.red.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("manager on RED: %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Evidence.Section(ctx, actor(f.manager), f.red.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("manager section on RED: %v, want ErrNotFound", err)
		}
		for _, who := range []hikeshi.User{f.manager, f.auditor} {
			if _, err := f.svc.Evidence.AddObservables(ctx, actor(who), f.green.ID, service.ObservablesInput{Values: []string{"192.0.2.9"}}); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s adds: %v, want ErrForbidden", who.Email, err)
			}
		}
		if _, err := f.svc.Evidence.AddObservables(ctx, actor(f.manager), f.red.ID, service.ObservablesInput{Values: []string{"192.0.2.9"}}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("manager adds to RED: %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Evidence.AddObservables(ctx, actor(f.admin), f.green.ID, service.ObservablesInput{Values: []string{"192.0.2.9"}}); err != nil {
			t.Errorf("admin adds: %v", err)
		}

		// Search: the visible incidents only; an observable only in invisible incidents is not revealed.
		for _, tc := range []struct {
			name string
			who  hikeshi.User
			q    string
			want []string
		}{
			{"csirt", f.csirt, " Evil.Example ", []string{f.redManaged.Number, f.red.Number, f.green.Number}},
			{"manager", f.manager, "evil.example", []string{f.redManaged.Number, f.green.Number}},
			{"auditor", f.auditor, "EVIL.EXAMPLE.", []string{f.green.Number}},
			{"admin, RED only", f.admin, "only-in-red.example", nil},
			{"csirt, RED only", f.csirt, "only-in-red.example", []string{f.red.Number}},
			{"nothing", f.csirt, "nothing.example", nil},
		} {
			hits, err := f.svc.Evidence.SearchObservables(ctx, actor(tc.who), tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, refNumbers(h.Incidents)...)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("search %s %q = %v, want %v", tc.name, tc.q, got, tc.want)
			}
		}
		if _, err := f.svc.Evidence.SearchObservables(ctx, actor(f.member), "evil.example"); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("member search: %v, want ErrForbidden", err)
		}

		// Removing takes the link off one incident only.
		if err := f.svc.Evidence.RemoveObservable(ctx, actor(f.manager), f.green.ID, first[0].ID); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("manager removes: %v", err)
		}
		if err := f.svc.Evidence.RemoveObservable(ctx, csirt, f.red.ID, first[0].ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("removing another incident's link: %v, want ErrNotFound", err)
		}
		if err := f.svc.Evidence.RemoveObservable(ctx, csirt, f.green.ID, first[0].ID); err != nil {
			t.Fatal(err)
		}
		if obs, _ := f.svc.Evidence.Observables(ctx, csirt, f.red.ID); len(obs) != 4 {
			t.Errorf("the RED incident lost its observable: %d", len(obs))
		}

		// The audit log keeps ids and types, never the values.
		recs, err := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "incident.observable", Limit: 100})
		if err != nil || len(recs) < 4 {
			t.Fatalf("audit: %d %v", len(recs), err)
		}
		for _, r := range recs {
			if strings.Contains(r.After+r.Before, "evil") || strings.Contains(r.After+r.Before, "192.0.2") {
				t.Errorf("audit entry %s carries an observable's value: %s %s", r.Action, r.Before, r.After)
			}
		}
		f.auditCount(t)
	})
}

func TestAffectedAssets(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newEvidenceFixture(t, db)
		csirt := actor(f.csirt)
		in := service.AssetInput{Name: " web01 <b> ", Kind: hikeshi.AssetServer, Identifier: "192.0.2.10", DepartmentID: f.it.ID, Criticality: 1, Note: "停止"}
		a, err := f.svc.Evidence.AddAsset(ctx, csirt, f.green.ID, in)
		if err != nil || a.Name != "web01 <b>" || a.AddedBy != f.csirt.ID || !a.CreatedAt.Equal(f.clock.Now()) {
			t.Fatalf("add: %+v %v", a, err)
		}
		var ve *hikeshi.ValidationError
		_, err = f.svc.Evidence.AddAsset(ctx, csirt, f.green.ID, service.AssetInput{Name: "", Kind: "culprit", Criticality: 9,
			DepartmentID: hikeshi.NewID(), Note: strings.Repeat("x", hikeshi.MaxAssetNoteLen+1)})
		if !errors.As(err, &ve) {
			t.Fatalf("bad asset: %v", err)
		}
		got := map[string]string{}
		for _, fe := range ve.Fields {
			got[fe.Field] = fe.Code
		}
		for field, code := range map[string]string{"name": "required", "kind": "unknown", "criticality": "out_of_range", "department_id": "unknown", "note": "too_long"} {
			if got[field] != code {
				t.Errorf("field %s: code %q, want %q (all: %v)", field, got[field], code, got)
			}
		}
		for _, who := range []hikeshi.User{f.manager, f.auditor} {
			if _, err := f.svc.Evidence.AddAsset(ctx, actor(who), f.green.ID, in); !errors.Is(err, hikeshi.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", who.Email, err)
			}
		}
		if _, err := f.svc.Evidence.AddAsset(ctx, actor(f.member), f.green.ID, in); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("member: %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Evidence.Assets(ctx, actor(f.manager), f.red.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("manager lists RED: %v", err)
		}
		f.clock.Advance(time.Hour)
		in.Criticality, in.DepartmentID = 0, ""
		up, err := f.svc.Evidence.UpdateAsset(ctx, actor(f.admin), f.green.ID, a.ID, in)
		if err != nil || up.Criticality != 0 || up.DepartmentID != "" || !up.UpdatedAt.Equal(f.clock.Now()) {
			t.Errorf("update: %+v %v", up, err)
		}
		if _, err := f.svc.Evidence.UpdateAsset(ctx, csirt, f.red.ID, a.ID, in); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("update through another incident: %v", err)
		}
		list, err := f.svc.Evidence.Assets(ctx, actor(f.auditor), f.green.ID)
		if err != nil || len(list) != 1 || list[0] != up {
			t.Errorf("list: %+v %v", list, err)
		}
		if err := f.svc.Evidence.RemoveAsset(ctx, csirt, f.green.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		d, err := f.svc.Incidents.Detail(ctx, csirt, f.green.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, e := range d.Events {
			if e.Kind == hikeshi.EventNote {
				notes = append(notes, e.Text)
			}
		}
		if !slices.Equal(notes, []string{"[asset+] web01 <b> (server)", "[asset~] web01 <b> (server)", "[asset-] web01 <b> (server)"}) {
			t.Errorf("timeline notes %q", notes)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "incident.asset", Limit: 10})
		if len(recs) != 3 {
			t.Errorf("%d asset audit entries, want 3", len(recs))
		}
		for _, r := range recs {
			if strings.Contains(r.Before+r.After, "web01") {
				t.Errorf("audit carries the asset's name: %s", r.After)
			}
		}
	})
}

func TestEvidenceFiles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newEvidenceFixture(t, db)
		csirt := actor(f.csirt)
		data := make([]byte, 5<<20+7)
		rand.Read(data)
		sum := sha256.Sum256(data)
		e, err := f.svc.Evidence.UploadEvidence(ctx, csirt, f.redManaged.ID, bytes.NewReader(data),
			service.EvidenceInput{Filename: `C:\temp\<script>.html`, Description: " ダンプ "})
		if err != nil {
			t.Fatal(err)
		}
		if e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(data)) || e.Filename != "_script_.html" || e.Description != "ダンプ" {
			t.Errorf("uploaded %+v", e)
		}
		// The same bytes again: one row, a conflict that names the file.
		_, err = f.svc.Evidence.UploadEvidence(ctx, csirt, f.redManaged.ID, bytes.NewReader(data), service.EvidenceInput{Filename: "again.bin"})
		var ve *hikeshi.ValidationError
		if !errors.Is(err, hikeshi.ErrConflict) || !errors.As(err, &ve) || ve.Fields[0].Field != "file" {
			t.Errorf("duplicate: %v", err)
		}
		// The same file on another incident is fine (and the same blob).
		if e2, err := f.svc.Evidence.UploadEvidence(ctx, csirt, f.green.ID, bytes.NewReader(data), service.EvidenceInput{Filename: "x"}); err != nil || e2.SHA256 != e.SHA256 {
			t.Errorf("on another incident: %+v %v", e2, err)
		}
		// Oversized: refused naming the limit, nothing recorded.
		_, err = f.svc.Evidence.UploadEvidence(ctx, csirt, f.green.ID, io.LimitReader(zeros{}, hikeshi.MaxEvidenceSize+1), service.EvidenceInput{Filename: "big"})
		if !errors.As(err, &ve) || ve.Fields[0].Field != "file" || ve.Fields[0].Code != "too_large" || !strings.Contains(ve.Fields[0].Message, "100 MiB") {
			t.Errorf("oversized: %v", err)
		}
		if _, err := f.svc.Evidence.UploadEvidence(ctx, csirt, f.green.ID, strings.NewReader("x"), service.EvidenceInput{Description: strings.Repeat("長", hikeshi.MaxEvidenceDescriptionLen+1)}); !errors.As(err, &ve) || ve.Fields[0].Field != "description" {
			t.Errorf("long description: %v", err)
		}
		// Who may upload: never a byte stored for the others.
		for _, tc := range []struct {
			who  hikeshi.User
			inc  hikeshi.Incident
			want error
		}{
			{f.manager, f.redManaged, hikeshi.ErrForbidden},
			{f.manager, f.red, hikeshi.ErrNotFound},
			{f.auditor, f.green, hikeshi.ErrForbidden},
			{f.member, f.green, hikeshi.ErrNotFound},
		} {
			if _, err := f.svc.Evidence.UploadEvidence(ctx, actor(tc.who), tc.inc.ID, strings.NewReader("never stored"), service.EvidenceInput{}); !errors.Is(err, tc.want) {
				t.Errorf("%s uploads to %s: %v, want %v", tc.who.Email, tc.inc.Number, err, tc.want)
			}
		}
		never := sha256.Sum256([]byte("never stored"))
		if _, err := db.FindBlob(ctx, hex.EncodeToString(never[:])); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("a refused upload was stored: %v", err)
		}

		// Download: whoever sees the incident; checksum equal; audited with the hash.
		for _, tc := range []struct {
			who  hikeshi.User
			want error
		}{{f.csirt, nil}, {f.manager, nil}, {f.admin, hikeshi.ErrNotFound}, {f.auditor, hikeshi.ErrNotFound}, {f.member, hikeshi.ErrNotFound}} {
			rc, got, err := f.svc.Evidence.OpenEvidence(ctx, actor(tc.who), f.redManaged.ID, e.ID)
			if !errors.Is(err, tc.want) {
				t.Errorf("%s downloads: %v, want %v", tc.who.Email, err, tc.want)
			}
			if err != nil {
				continue
			}
			h := sha256.New()
			n, err := io.Copy(h, rc)
			rc.Close()
			if err != nil || n != e.Size || hex.EncodeToString(h.Sum(nil)) != e.SHA256 || got != e {
				t.Errorf("%s read %d bytes, %v", tc.who.Email, n, err)
			}
		}
		if _, _, err := f.svc.Evidence.OpenEvidence(ctx, csirt, f.green.ID, e.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("evidence through another incident: %v", err)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "incident.evidence", Limit: 20})
		var downloads, uploads int
		for _, r := range recs {
			if !strings.Contains(r.After, e.SHA256) || strings.Contains(r.After, "script") || strings.Contains(r.After, "ダンプ") {
				t.Errorf("audit %s: %s", r.Action, r.After)
			}
			switch r.Action {
			case "incident.evidence.download":
				downloads++
			case "incident.evidence.add":
				uploads++
			}
		}
		if downloads != 2 || uploads != 2 {
			t.Errorf("%d downloads and %d uploads audited, want 2 and 2", downloads, uploads)
		}
		sec, err := f.svc.Evidence.Section(ctx, actor(f.manager), f.redManaged.ID)
		if err != nil || len(sec.Files) != 1 || sec.CanHandle {
			t.Errorf("section %+v %v", sec, err)
		}
		f.auditCount(t)
	})
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestSweepBlobs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newEvidenceFixture(t, db)
		orphan, err := f.svc.Reports.StoreAttachment(ctx, strings.NewReader("a refused form's file"), 0)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := f.svc.Evidence.UploadEvidence(ctx, actor(f.csirt), f.green.ID, strings.NewReader("evidence"), service.EvidenceInput{Filename: "e.txt"})
		if err != nil {
			t.Fatal(err)
		}
		attached, err := f.svc.Reports.StoreAttachment(ctx, strings.NewReader("attached"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "見てください", Anonymous: true,
			Attachments: []service.AttachmentInput{{SHA256: attached.SHA256, Filename: "a.txt"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Evidence.SweepBlobs(ctx, actor(f.csirt)); !errors.Is(err, hikeshi.ErrForbidden) {
			t.Errorf("csirt sweeps: %v", err)
		}
		sys := hikeshi.SystemActor("jobs")
		// Blobs are stamped with the real time: inside the grace period nothing goes.
		f.clock.Set(time.Now().Add(hikeshi.BlobGracePeriod - time.Minute))
		if n, err := f.svc.Evidence.SweepBlobs(ctx, sys); err != nil || n != 0 {
			t.Errorf("inside the grace period: %d %v", n, err)
		}
		f.clock.Set(time.Now().Add(hikeshi.BlobGracePeriod + time.Minute))
		if n, err := f.svc.Evidence.SweepBlobs(ctx, sys); err != nil || n != 1 {
			t.Errorf("after the grace period: %d %v, want the orphan", n, err)
		}
		if _, err := db.FindBlob(ctx, orphan.SHA256); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("orphan: %v", err)
		}
		for _, sha := range []string{kept.SHA256, attached.SHA256} {
			if _, err := db.FindBlob(ctx, sha); err != nil {
				t.Errorf("referenced blob %s swept: %v", sha, err)
			}
		}
		if n, err := f.svc.Evidence.SweepBlobs(ctx, sys); err != nil || n != 0 {
			t.Errorf("second sweep: %d %v", n, err)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "blob.sweep", Limit: 10})
		if len(recs) != 1 || !strings.Contains(recs[0].After, `"deleted":1`) {
			t.Errorf("sweep audit %+v", recs)
		}
	})
}

// TestFollowUpInformation adds a reporter's files through the follow-up
// code, with the intake form's limits, keeping an anonymous report anonymous.
func TestFollowUpInformation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sub, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "怪しいメール", Anonymous: true})
		if err != nil {
			t.Fatal(err)
		}
		var files []service.AttachmentInput
		for i := range hikeshi.MaxReportAttachments + 1 {
			b, err := f.svc.Reports.StoreAttachment(ctx, strings.NewReader(strings.Repeat("x", i+1)), 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, service.AttachmentInput{SHA256: b.SHA256, Filename: `..\<b>` + strings.Repeat("n", i) + "\u202e.txt"})
		}
		var ve *hikeshi.ValidationError
		for _, tc := range []struct {
			name  string
			body  string
			files []service.AttachmentInput
			field string
			code  string
		}{
			{"too many", "見て", files, "attachments", "too_many"},
			{"not stored first", "見て", []service.AttachmentInput{{SHA256: strings.Repeat("0", 64), Filename: "x"}}, "attachments", "unknown"},
			{"no text", " ", files[:1], "body", "required"},
		} {
			if _, err := f.svc.Reports.AddFollowUpInformation(ctx, sub.FollowUpCode, tc.body, "web", tc.files); !errors.As(err, &ve) ||
				ve.Fields[0].Field != tc.field || ve.Fields[0].Code != tc.code {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if _, err := f.svc.Reports.AddFollowUpInformation(ctx, "AAAA-BBBB-CCCC-DDDD", "x", "web", files[:1]); !errors.Is(err, service.ErrUnknownCode) {
			t.Errorf("wrong code: %v", err)
		}
		_, msgs, _ := f.svc.Reports.Get(ctx, actor(f.admin), sub.Report.ID)
		if len(msgs) != 0 {
			t.Fatalf("refused follow-ups left %d messages", len(msgs))
		}
		f.clock.Advance(time.Hour)
		m, err := f.svc.Reports.AddFollowUpInformation(ctx, sub.FollowUpCode, "ログです", "web", files[:2])
		if err != nil {
			t.Fatal(err)
		}
		atts, err := f.svc.Reports.Attachments(ctx, actor(f.admin), sub.Report.ID)
		if err != nil || len(atts) != 2 || atts[0].Filename != "_b_.txt" || !atts[0].CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("attachments %+v %v", atts, err)
		}
		recs, _ := f.svc.Audit.List(ctx, actor(f.admin), hikeshi.AuditFilter{Action: "report.attach"})
		if len(recs) != 1 || recs[0].ActorID != "" || strings.Contains(recs[0].After, "txt") || !strings.Contains(recs[0].After, atts[1].SHA256) {
			t.Errorf("audit %+v", recs)
		}
		f.auditCount(t)
	})
}
