package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestDocumentsArchiveDeleteAndReviewAPI archives, restores and deletes
// documents per role, refuses deleting an approved one (409 naming why),
// and filters the list by archived and review state, on both engines.
func TestDocumentsArchiveDeleteAndReviewAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		sales, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "営業部", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, sales.ID)
		_, salesMgrToken := e.userWithToken("smgr@example.org", hikeshi.RoleManager, sales.ID)
		_, itMgrToken := e.userWithToken("imgr@example.org", hikeshi.RoleManager, it.ID)
		_, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, it.ID)

		create := func(title string) documentDetailJSON {
			var d documentDetailJSON
			e.do(req{method: "POST", path: "/api/v1/isms/documents", token: memberToken, body: map[string]any{
				"kind": "rules", "title": title, "body": "x"}}).want(http.StatusCreated).into(&d)
			return d
		}
		draft, policy := create("下書き <script>"), create("規程")
		pbase := "/api/v1/isms/documents/" + policy.ID
		e.do(req{method: "POST", path: pbase + "/submit", token: memberToken}).want(http.StatusOK)
		soon := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
		e.do(req{method: "POST", path: pbase + "/approve", token: itMgrToken, body: map[string]any{"next_review": soon}}).want(http.StatusOK)

		// Who may archive: the owner department and admins.
		for _, tok := range []string{csirtToken, itMgrToken, auditorToken} {
			e.do(req{method: "POST", path: pbase + "/archive", token: tok}).problem(kindForbidden)
			e.do(req{method: "DELETE", path: "/api/v1/isms/documents/" + draft.ID, token: tok}).problem(kindForbidden)
		}
		e.do(req{method: "POST", path: pbase + "/archive"}).problem(kindUnauthenticated)
		for _, tok := range []string{memberToken, salesMgrToken, e.adminToken} {
			var d documentJSON
			e.do(req{method: "POST", path: pbase + "/archive", token: tok}).want(http.StatusOK).into(&d)
			if !d.Archived || d.NextReview == nil || *d.NextReview != soon || d.Review == nil || *d.Review != "due" {
				t.Errorf("archived %+v", d)
			}
			// Read-only while archived.
			p := e.do(req{method: "PUT", path: pbase + "/draft", token: memberToken, body: map[string]any{"body": "y"}}).problem(kindConflict)
			wantField(t, p, "version", "archived")
			var page listJSON[documentJSON]
			e.get("/api/v1/isms/documents", auditorToken).want(http.StatusOK).into(&page)
			if len(page.Items) != 1 || page.Items[0].ID != draft.ID {
				t.Errorf("default list %+v", page.Items)
			}
			e.get("/api/v1/isms/documents?archived=true", auditorToken).want(http.StatusOK).into(&page)
			if len(page.Items) != 2 {
				t.Errorf("list with archived %+v", page.Items)
			}
			var det documentDetailJSON
			e.get(pbase, csirtToken).want(http.StatusOK).into(&det)
			if !det.Archived || len(det.Versions) != 1 {
				t.Errorf("reading an archived document %+v", det)
			}
			e.do(req{method: "POST", path: pbase + "/restore", token: tok}).want(http.StatusOK).into(&d)
			if d.Archived {
				t.Errorf("restored %+v", d)
			}
		}
		// Review filters.
		var page listJSON[documentJSON]
		e.get("/api/v1/isms/documents?review=due", memberToken).want(http.StatusOK).into(&page)
		if len(page.Items) != 1 || page.Items[0].ID != policy.ID || *page.Items[0].Review != "due" {
			t.Errorf("due %+v", page.Items)
		}
		e.get("/api/v1/isms/documents?review=overdue", memberToken).want(http.StatusOK).into(&page)
		if len(page.Items) != 0 {
			t.Errorf("overdue %+v", page.Items)
		}
		for _, q := range []string{"review=soon", "review=%3Cscript%3E", "archived=yes", "archived=1"} {
			e.get("/api/v1/isms/documents?"+q, memberToken).want(http.StatusBadRequest)
		}
		// Delete: never an approved document; a draft-only one goes.
		p := e.do(req{method: "DELETE", path: pbase, token: e.adminToken}).problem(kindConflict)
		wantField(t, p, "document", "approved")
		if !strings.Contains(p.Errors[0].Message, "archive it instead") {
			t.Errorf("refusal %+v", p)
		}
		e.do(req{method: "DELETE", path: "/api/v1/isms/documents/" + draft.ID, token: memberToken}).want(http.StatusNoContent)
		e.get("/api/v1/isms/documents/"+draft.ID, memberToken).problem(kindNotFound)
		e.do(req{method: "DELETE", path: "/api/v1/isms/documents/" + draft.ID, token: memberToken}).problem(kindNotFound)
		e.do(req{method: "DELETE", path: "/api/v1/isms/documents/%27%20OR%201=1", token: e.adminToken}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/isms/documents/nope/archive", token: e.adminToken}).problem(kindNotFound)
	})
}
