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

// TestRiskAPI walks the asset inventory and the risk register through the
// API on both engines with every role, and hostile input: CIA and scores
// off the scale, 2×2 and 6×6 matrices, a label missing in one language,
// HTML kept as text, a member accepting, deleting a used asset.
func TestRiskAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sys := hikeshi.SystemActor("test")
		it, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "IT", Kind: hikeshi.KindIT})
		if err != nil {
			t.Fatal(err)
		}
		sales, err := e.svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "Sales", Kind: hikeshi.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		_, csirtToken := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, sales.ID)
		manager, managerToken := e.userWithToken("manager@example.org", hikeshi.RoleManager, sales.ID)
		_, auditorToken := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, it.ID)
		_, memberToken := e.userWithToken("member@example.org", hikeshi.RoleMember, it.ID)
		_, salesToken := e.userWithToken("sales@example.org", hikeshi.RoleMember, sales.ID)
		admin := e.adminToken

		// Assets.
		assetBody := map[string]any{"name": "<img src=x onerror=alert(1)> 顧客DB", "type": "information", "classification": "confidential",
			"confidentiality": 3, "integrity": 2, "availability": 2}
		var asset informationAssetJSON
		e.do(req{method: "POST", path: "/api/v1/isms/assets", token: memberToken, body: assetBody}).want(http.StatusCreated).into(&asset)
		if asset.OwnerDepartmentID != it.ID || asset.Name != "<img src=x onerror=alert(1)> 顧客DB" || asset.Value != 3 {
			t.Errorf("asset %+v", asset)
		}
		e.do(req{method: "POST", path: "/api/v1/isms/assets", token: auditorToken, body: assetBody}).problem(kindForbidden)
		p := e.do(req{method: "POST", path: "/api/v1/isms/assets", token: memberToken, body: map[string]any{"name": "x", "type": "castle",
			"classification": "top", "confidentiality": 0, "integrity": 4, "availability": 1}}).problem(kindValidation)
		wantField(t, p, "type", "unknown")
		wantField(t, p, "classification", "unknown")
		wantField(t, p, "confidentiality", "out_of_range")
		wantField(t, p, "integrity", "out_of_range")
		e.do(req{method: "POST", path: "/api/v1/isms/assets", token: memberToken, body: `{"name":"x","confidentiality":"high"}`}).want(http.StatusBadRequest)
		for _, tok := range []string{admin, csirtToken, managerToken, auditorToken, memberToken, salesToken} {
			var page listJSON[informationAssetJSON]
			e.get("/api/v1/isms/assets", tok).want(http.StatusOK).into(&page)
			if len(page.Items) != 1 {
				t.Errorf("list %d", len(page.Items))
			}
			e.get("/api/v1/isms/assets/"+asset.ID, tok).want(http.StatusOK)
		}
		e.do(req{method: "PATCH", path: "/api/v1/isms/assets/" + asset.ID, token: salesToken, body: map[string]any{"integrity": 3}}).problem(kindForbidden)
		e.do(req{method: "PATCH", path: "/api/v1/isms/assets/" + asset.ID, token: memberToken, body: map[string]any{"integrity": nil}}).problem(kindValidation)
		e.do(req{method: "PATCH", path: "/api/v1/isms/assets/" + asset.ID, token: memberToken, body: map[string]any{"integrity": 3}}).want(http.StatusOK).into(&asset)
		if asset.Integrity != 3 {
			t.Errorf("patched %+v", asset)
		}
		e.get("/api/v1/isms/assets?archived=maybe", memberToken).problem(kindBadRequest)

		// The matrix.
		var m riskMatrixJSON
		e.get("/api/v1/isms/risk-matrix", auditorToken).want(http.StatusOK).into(&m)
		if m.Version != 1 || m.Size != "4×4" || m.ReviewDays.VeryHigh != 30 || m.CreatedAt != nil {
			t.Errorf("default matrix %+v", m)
		}
		labels := func(n int) []map[string]string {
			var out []map[string]string
			for i := range n {
				out = append(out, map[string]string{"en": "L" + string(rune('1'+i)), "ja": "段階" + string(rune('1'+i))})
			}
			return out
		}
		cells := func(n, k int) [][]string {
			var out [][]string
			for range n {
				row := []string{}
				for range k {
					row = append(row, "medium")
				}
				out = append(out, row)
			}
			return out
		}
		days := map[string]int{"low": 365, "medium": 180, "high": 90, "very_high": 30}
		put := func(tok string, l, i int, edit func(map[string]any)) *resp {
			body := map[string]any{"likelihood": labels(l), "impact": labels(i), "cells": cells(l, i), "review_days": days}
			if edit != nil {
				edit(body)
			}
			return e.do(req{method: "PUT", path: "/api/v1/isms/risk-matrix", token: tok, body: body})
		}
		put(managerToken, 3, 3, nil).problem(kindForbidden)
		put(memberToken, 3, 3, nil).problem(kindForbidden)
		wantField(t, put(admin, 2, 2, nil).problem(kindValidation), "likelihood", "out_of_range")
		wantField(t, put(admin, 6, 6, nil).problem(kindValidation), "impact", "out_of_range")
		wantField(t, put(admin, 3, 3, func(b map[string]any) {
			l := labels(3)
			l[2]["ja"] = ""
			b["likelihood"] = l
		}).problem(kindValidation), "likelihood[2].ja", "required")
		wantField(t, put(admin, 3, 3, func(b map[string]any) { b["cells"] = [][]string{{"low"}} }).problem(kindValidation), "cells", "mismatch")

		// Risks.
		riskBody := map[string]any{"title": "<b>漏えい</b>", "scenario": "<script>alert(1)</script>", "asset_ids": []string{asset.ID},
			"likelihood": 4, "impact": 3}
		var r riskJSON
		e.do(req{method: "POST", path: "/api/v1/isms/risks", token: memberToken, body: riskBody}).want(http.StatusCreated).into(&r)
		if r.Inherent.Level != "very_high" || r.Inherent.MatrixVersion != 1 || r.Scenario != "<script>alert(1)</script>" || r.Treatment != nil {
			t.Errorf("risk %+v", r)
		}
		for _, bad := range []map[string]any{{"likelihood": 0, "impact": 1}, {"likelihood": 6, "impact": 1}, {"likelihood": 1, "impact": 5}} {
			b := map[string]any{"title": "t", "scenario": "s"}
			for k, v := range bad {
				b[k] = v
			}
			e.do(req{method: "POST", path: "/api/v1/isms/risks", token: memberToken, body: b}).problem(kindValidation)
		}
		e.do(req{method: "POST", path: "/api/v1/isms/risks", token: auditorToken, body: riskBody}).problem(kindForbidden)
		// Deleting the used asset is refused naming the risk.
		p = e.do(req{method: "DELETE", path: "/api/v1/isms/assets/" + asset.ID, token: memberToken}).problem(kindConflict)
		if !strings.Contains(mustJSON(t, p), "漏えい") {
			t.Errorf("the refusal does not name the risk: %+v", p)
		}
		base := "/api/v1/isms/risks/" + r.ID
		// Acceptance: members, the CSIRT and auditors may not; a manager may.
		e.do(req{method: "PUT", path: base + "/treatment", token: memberToken, body: map[string]any{"treatment": "accept"}}).problem(kindForbidden)
		for _, tok := range []string{memberToken, csirtToken, auditorToken} {
			e.do(req{method: "POST", path: base + "/accept", token: tok}).problem(kindForbidden)
		}
		e.do(req{method: "POST", path: base + "/accept", token: managerToken}).problem(kindConflict)
		e.do(req{method: "PUT", path: base + "/treatment", token: memberToken, body: map[string]any{"treatment": "pray"}}).problem(kindValidation)
		e.do(req{method: "PUT", path: base + "/treatment", token: memberToken, body: map[string]any{"treatment": "mitigate",
			"due_at": "2026-07-01T09:00:00Z", "note": "MFA"}}).want(http.StatusOK).into(&r)
		if r.Treatment == nil || *r.Treatment != "mitigate" || r.TreatmentDueAt == nil {
			t.Errorf("treatment %+v", r)
		}
		e.do(req{method: "POST", path: base + "/assessments", token: salesToken, body: map[string]any{"likelihood": 1, "impact": 1}}).problem(kindForbidden)
		e.do(req{method: "POST", path: base + "/assessments", token: memberToken, body: map[string]any{"likelihood": 4, "impact": 3,
			"residual_likelihood": 2, "residual_impact": 2}}).want(http.StatusOK).into(&r)
		e.do(req{method: "POST", path: base + "/accept", token: managerToken, body: map[string]any{"note": "受容"}}).want(http.StatusOK).into(&r)
		if r.AcceptedBy == nil || *r.AcceptedBy != manager.ID || r.AcceptedAt == nil {
			t.Errorf("accepted %+v", r)
		}
		// A new matrix: the risk keeps v1; a re-assessment is on v2.
		put(admin, 3, 5, nil).want(http.StatusOK).into(&m)
		if m.Version != 2 || m.Size != "3×5" {
			t.Errorf("new matrix %+v", m)
		}
		e.get(base, auditorToken).want(http.StatusOK).into(&r)
		if r.Inherent.MatrixVersion != 1 || r.Inherent.Level != "very_high" {
			t.Errorf("re-scored by a matrix change: %+v", r.Inherent)
		}
		e.get("/api/v1/isms/risk-matrix/versions/1", memberToken).want(http.StatusOK).into(&m)
		if m.Version != 1 || m.Size != "4×4" {
			t.Errorf("v1 %+v", m)
		}
		e.get("/api/v1/isms/risk-matrix/versions/9", memberToken).problem(kindNotFound)
		e.get("/api/v1/isms/risk-matrix/versions/x", memberToken).problem(kindNotFound)
		e.do(req{method: "POST", path: base + "/assessments", token: memberToken, body: map[string]any{"likelihood": 4, "impact": 5}}).problem(kindValidation)
		e.do(req{method: "POST", path: base + "/assessments", token: memberToken, body: map[string]any{"likelihood": 3, "impact": 5}}).want(http.StatusOK).into(&r)
		if r.Inherent.MatrixVersion != 2 || r.AcceptedBy != nil {
			t.Errorf("re-assessed %+v", r)
		}
		var hist []riskEventJSON
		e.get(base+"/history", auditorToken).want(http.StatusOK).into(&hist)
		if len(hist) != 5 || hist[0].Kind != "created" || hist[3].Kind != "accepted" || hist[4].Inherent.MatrixVersion != 2 {
			t.Errorf("history %+v", hist)
		}
		e.do(req{method: "PATCH", path: base, token: memberToken, body: map[string]any{"title": "新しい題", "owner_user_id": nil, "asset_ids": []string{}}}).want(http.StatusOK).into(&r)
		if r.Title != "新しい題" || len(r.AssetIDs) != 0 {
			t.Errorf("patched %+v", r)
		}
		e.do(req{method: "PATCH", path: base, token: auditorToken, body: map[string]any{"title": "x"}}).problem(kindForbidden)
		var risks listJSON[riskJSON]
		e.get("/api/v1/isms/risks?department_id="+it.ID, salesToken).want(http.StatusOK).into(&risks)
		if len(risks.Items) != 1 {
			t.Errorf("risks of IT: %d", len(risks.Items))
		}
		e.get("/api/v1/isms/risks?asset_id=nope", salesToken).problem(kindBadRequest)
		// Now unused, the asset is deleted.
		e.do(req{method: "DELETE", path: "/api/v1/isms/assets/" + asset.ID, token: memberToken}).want(http.StatusNoContent)
		var rem []riskReminderJSON
		e.get("/api/v1/isms/risk-reminders", memberToken).want(http.StatusOK).into(&rem)
		if len(rem) != 0 {
			t.Errorf("reminders %v", rem)
		}
		e.do(req{method: "POST", path: "/api/v1/isms/risk-reminders/" + hikeshi.NewID() + "/dismiss", token: memberToken}).problem(kindNotFound)
	})
}
