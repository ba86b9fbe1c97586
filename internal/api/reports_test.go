package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestReportsAPI lists, reads and answers reports on both engines.
func TestReportsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		dept, err := e.svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "Sales", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		csirt, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, dept.ID)
		member, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, dept.ID)
		_, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, dept.ID)
		_, otherToken := e.userWithToken("other@example.org", hikeshi.RoleMember, dept.ID)

		var subs []service.Submission
		for i := range 5 {
			in := service.ReportInput{Description: "報告 <b>" + string(rune('A'+i)) + "</b>", Anonymous: i%2 == 1}
			actor := hikeshi.Actor{}
			if i == 0 {
				actor = hikeshi.ActorFor(member, "web")
			}
			if i == 1 {
				b, err := e.svc.Reports.StoreAttachment(ctx, strings.NewReader("<html>evidence</html>"), 0)
				if err != nil {
					t.Fatal(err)
				}
				in.Attachments = []service.AttachmentInput{{SHA256: b.SHA256, Filename: "../mail\u202e.html"}}
			}
			s, err := e.svc.Reports.Submit(ctx, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, s)
		}

		t.Run("list in pages, newest first", func(t *testing.T) {
			e := e.with(t)
			var ids []string
			path := "/api/v1/reports?limit=2"
			for range 5 {
				var l listJSON[reportJSON]
				e.get(path, csirtToken).want(http.StatusOK).into(&l)
				for _, r := range l.Items {
					ids = append(ids, r.ID)
				}
				if l.NextCursor == nil {
					break
				}
				path = "/api/v1/reports?limit=2&cursor=" + *l.NextCursor
			}
			if len(ids) != 5 {
				t.Fatalf("listed %d reports, want 5", len(ids))
			}
			seen := map[string]bool{}
			for i, id := range ids {
				if seen[id] || (i > 0 && id > ids[i-1]) {
					t.Fatalf("not newest first without repeats: %v", ids)
				}
				seen[id] = true
			}
		})

		t.Run("anonymous reports carry nothing identifying", func(t *testing.T) {
			e := e.with(t)
			r := e.get("/api/v1/reports/"+subs[1].Report.ID, csirtToken).want(http.StatusOK)
			var got reportDetailJSON
			r.into(&got)
			if !got.Anonymous || got.ReporterID != nil || got.Contact != nil || got.ContactEmail != nil {
				t.Errorf("anonymous report %+v", got)
			}
			if len(got.Attachments) != 1 || got.Attachments[0].Filename != "mail.html" || got.Attachments[0].Size != 21 ||
				!hikeshi.ValidSHA256(got.Attachments[0].SHA256) || !strings.HasPrefix(got.Attachments[0].MediaType, "text/html") {
				t.Errorf("attachments %+v", got.Attachments)
			} else {
				path := "/api/v1/reports/" + subs[1].Report.ID + "/attachments/" + got.Attachments[0].SHA256
				d := e.get(path, csirtToken).want(http.StatusOK)
				if string(d.body) != "<html>evidence</html>" || d.header.Get("Content-Type") != "application/octet-stream" ||
					d.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment;") {
					t.Errorf("download: %q %v", d.body, d.header)
				}
				e.get(path, memberToken).problem(kindNotFound)
				e.get("/api/v1/reports/"+subs[0].Report.ID+"/attachments/"+got.Attachments[0].SHA256, csirtToken).problem(kindNotFound)
			}
			if strings.Contains(string(r.body), "hash") || strings.Contains(string(r.body), subs[1].FollowUpCode) {
				t.Errorf("the response leaks the follow-up code or a hash: %s", r.body)
			}
		})

		t.Run("members see only their own", func(t *testing.T) {
			e := e.with(t)
			var l listJSON[reportJSON]
			e.get("/api/v1/reports", memberToken).want(http.StatusOK).into(&l)
			if len(l.Items) != 1 || l.Items[0].ID != subs[0].Report.ID || l.Items[0].ReporterID == nil || *l.Items[0].ReporterID != member.ID {
				t.Errorf("member's list %+v", l.Items)
			}
			e.get("/api/v1/reports", otherToken).want(http.StatusOK).into(&l)
			if len(l.Items) != 0 {
				t.Errorf("another member sees %d reports", len(l.Items))
			}
			e.get("/api/v1/reports/"+subs[0].Report.ID, otherToken).problem(kindNotFound)
			e.get("/api/v1/reports/"+subs[1].Report.ID, memberToken).problem(kindNotFound)
		})

		t.Run("the CSIRT answers; managers may not", func(t *testing.T) {
			e := e.with(t)
			id := subs[2].Report.ID
			var m reportMessageJSON
			e.do(req{method: "POST", path: "/api/v1/reports/" + id + "/messages", token: csirtToken,
				body: map[string]string{"body": "ありがとうございます。確認しています。"}}).want(http.StatusCreated).into(&m)
			if m.Author != "csirt" || m.AuthorID == nil || *m.AuthorID != csirt.ID {
				t.Errorf("message %+v", m)
			}
			e.do(req{method: "POST", path: "/api/v1/reports/" + id + "/messages", token: managerToken,
				body: map[string]string{"body": "x"}}).problem(kindForbidden)
			p := e.do(req{method: "POST", path: "/api/v1/reports/" + id + "/messages", token: csirtToken,
				body: map[string]string{"body": strings.Repeat("x", hikeshi.MaxReportTextLen+1)}}).problem(kindValidation)
			wantField(t, p, "body", "too_long")
			var got reportDetailJSON
			e.get("/api/v1/reports/"+id, csirtToken).want(http.StatusOK).into(&got)
			if got.Status != "in_triage" || len(got.Messages) != 1 {
				t.Errorf("after the answer: %+v", got)
			}
			var l listJSON[reportJSON]
			e.get("/api/v1/reports?status=in_triage", csirtToken).want(http.StatusOK).into(&l)
			if len(l.Items) != 1 || l.Items[0].ID != id {
				t.Errorf("in triage: %+v", l.Items)
			}
			e.get("/api/v1/reports?status=bogus", csirtToken).problem(kindBadRequest)
			e.get("/api/v1/reports/not-a-report", csirtToken).problem(kindNotFound)
		})
	})
}
