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

// TestAwarenessAPI writes, publishes and sends material through the API,
// makes a draft from a closed incident, records reading and confirming, and
// refuses hostile input and roles that may not write or see, on both engines.
func TestAwarenessAPI(t *testing.T) {
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
		csirtU, csirt := e.userWithToken("csirt@example.org", hikeshi.RoleCSIRT, it.ID)
		member, memberTok := e.userWithToken("member@example.org", hikeshi.RoleMember, sales.ID)
		_, mgr := e.userWithToken("mgr@example.org", hikeshi.RoleManager, sales.ID)
		_, other := e.userWithToken("other@example.org", hikeshi.RoleMember, it.ID)
		_, auditor := e.userWithToken("auditor@example.org", hikeshi.RoleAuditor, it.ID)

		body := map[string]any{"title_ja": "偽の請求書 <script>", "body_ja": "添付を開く前に確認。", "title_en": "Fake invoices", "body_en": "Check first.",
			"category": "phishing"}
		for _, tok := range []string{memberTok, mgr, auditor} {
			e.do(req{method: "POST", path: "/api/v1/awareness/materials", token: tok, body: body}).problem(kindForbidden)
			e.get("/api/v1/awareness/materials", tok).problem(kindForbidden)
		}
		p := e.do(req{method: "POST", path: "/api/v1/awareness/materials", token: csirt, body: map[string]any{"title_ja": "a\nb",
			"body_ja": strings.Repeat("x", hikeshi.MaxAwarenessBodyLen+1), "category": "'; DROP TABLE incidents; --"}}).problem(kindValidation)
		wantField(t, p, "title_ja", "invalid_text")
		wantField(t, p, "body_ja", "too_long")
		wantField(t, p, "title_en", "required")
		wantField(t, p, "category", "unknown")
		e.do(req{method: "POST", path: "/api/v1/awareness/materials", token: csirt, body: map[string]any{"title_ja": 5}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/awareness/materials", token: csirt, body: "{"}).want(http.StatusBadRequest)

		var m awarenessMaterialJSON
		e.do(req{method: "POST", path: "/api/v1/awareness/materials", token: csirt, body: body}).want(http.StatusCreated).into(&m)
		if m.Status != "draft" || m.TitleJA != "偽の請求書 <script>" {
			t.Fatalf("created %+v", m)
		}
		base := "/api/v1/awareness/materials/" + m.ID
		e.get(base, memberTok).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/awareness/campaigns", token: csirt, body: map[string]any{"material_id": m.ID, "all": true}}).problem(kindConflict)
		body["body_en"] = "Check the sender first."
		e.do(req{method: "PUT", path: base, token: csirt, body: body}).want(http.StatusOK)
		e.do(req{method: "POST", path: base + "/publish", token: auditor}).problem(kindForbidden)
		e.do(req{method: "POST", path: base + "/publish", token: csirt}).want(http.StatusOK)
		e.do(req{method: "PUT", path: base, token: csirt, body: body}).problem(kindConflict)

		p = e.do(req{method: "POST", path: "/api/v1/awareness/campaigns", token: csirt, body: map[string]any{"material_id": m.ID,
			"department_ids": []string{"not-a-dept"}}}).problem(kindValidation)
		wantField(t, p, "department_ids[0]", "unknown")
		e.do(req{method: "POST", path: "/api/v1/awareness/campaigns", token: csirt, body: map[string]any{"material_id": m.ID,
			"starts_at": "tomorrow"}}).want(http.StatusBadRequest)
		e.do(req{method: "POST", path: "/api/v1/awareness/campaigns", token: memberTok, body: map[string]any{"material_id": m.ID, "all": true}}).problem(kindForbidden)
		var c awarenessCampaignJSON
		e.do(req{method: "POST", path: "/api/v1/awareness/campaigns", token: csirt, body: map[string]any{"material_id": m.ID,
			"department_ids": []string{sales.ID}}}).want(http.StatusCreated).into(&c)
		if c.Recipients != 2 {
			t.Errorf("recipients %d", c.Recipients)
		}
		cb := "/api/v1/awareness/campaigns/" + c.ID
		e.get(cb, other).problem(kindNotFound)
		e.do(req{method: "POST", path: cb + "/confirm", token: other}).problem(kindNotFound)
		var list listJSON[awarenessCampaignJSON]
		e.get("/api/v1/awareness/campaigns", memberTok).want(http.StatusOK).into(&list)
		if len(list.Items) != 1 {
			t.Errorf("member's campaigns %d", len(list.Items))
		}
		e.get("/api/v1/awareness/campaigns?scope=everything", memberTok).problem(kindBadRequest)
		var mine awarenessRecipientJSON
		e.do(req{method: "POST", path: cb + "/confirm", token: memberTok}).want(http.StatusOK).into(&mine)
		if mine.ConfirmedAt == nil || mine.ReadAt == nil || mine.UserID != member.ID {
			t.Errorf("confirm %+v", mine)
		}
		var v awarenessCampaignJSON
		e.get(cb, memberTok).want(http.StatusOK).into(&v)
		if v.Mine == nil || v.Mine.ConfirmedAt == nil || len(v.People) != 0 || len(v.Figures) != 0 || v.Material.TitleEN != "Fake invoices" {
			t.Errorf("member's view %+v", v)
		}
		e.get(cb, mgr).want(http.StatusOK).into(&v)
		if len(v.People) != 2 || len(v.Figures) != 1 || v.Figures[0].Confirmed != 1 {
			t.Errorf("manager's view %+v", v)
		}
		var eff awarenessEffectJSON
		e.get(cb+"/effect?months=3", csirt).want(http.StatusOK).into(&eff)
		if len(eff.Before) != 3 || len(eff.After) != 1 || !eff.Small || eff.Verdict != "" {
			t.Errorf("effect %+v", eff)
		}
		e.get(cb+"/effect?months=99", csirt).problem(kindBadRequest)
		e.get(cb+"/effect", memberTok).problem(kindForbidden)

		// One step from a closed incident.
		ca := hikeshi.ActorFor(csirtU, "test")
		inc, err := e.svc.Incidents.Create(ctx, ca, service.IncidentInput{Title: "t", Summary: "csirt@example.org が 192.0.2.1 を遮断した。",
			Category: "phishing", Impact: 2, Urgency: 2, TLP: hikeshi.TLPGreen})
		if err != nil {
			t.Fatal(err)
		}
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/awareness-material", token: csirt}).problem(kindConflict)
		for _, ph := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery, hikeshi.PhaseRecurrencePrevention} {
			if _, err := e.svc.Incidents.Transition(ctx, ca, inc.ID, ph, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Reviews.Complete(ctx, ca, inc.ID, &service.ReviewInput{RootCause: "r", WentWell: "w", ToChange: "c",
			Factors: []hikeshi.Factor{hikeshi.FactorProcess}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Incidents.Transition(ctx, ca, inc.ID, hikeshi.PhaseClosed, ""); err != nil {
			t.Fatal(err)
		}
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/awareness-material", token: memberTok}).problem(kindNotFound)
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/awareness-material", token: auditor}).problem(kindForbidden)
		var d awarenessMaterialJSON
		e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/awareness-material", token: csirt}).want(http.StatusCreated).into(&d)
		if d.IncidentID != inc.ID || strings.Contains(d.BodyJA, "192.0.2.1") || strings.Contains(d.BodyEN, "csirt@example.org") ||
			!strings.Contains(d.BodyJA, "〔IPアドレス〕") {
			t.Errorf("draft %+v", d)
		}
		e.get("/api/v1/awareness/materials/"+d.ID, csirt).want(http.StatusOK).into(&d)
		if d.IncidentNumber != inc.Number {
			t.Errorf("source %q", d.IncidentNumber)
		}
	})
}
