package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
)

var (
	assetPath = regexp.MustCompile(`^/isms/assets/([0-9a-f-]{36})\?m=saved$`)
	riskPath  = regexp.MustCompile(`^/isms/risks/([0-9a-f-]{36})\?m=saved$`)
)

// matrixForm is a complete matrix form of l × i steps with all cells medium.
func matrixForm(l, i int) url.Values {
	f := url.Values{"likelihood_count": {itoa(l)}, "impact_count": {itoa(i)}}
	for n := range 5 {
		f.Set("l"+itoa(n)+"_en", "L"+itoa(n+1))
		f.Set("l"+itoa(n)+"_ja", "発生"+itoa(n+1))
		f.Set("i"+itoa(n)+"_en", "I"+itoa(n+1))
		f.Set("i"+itoa(n)+"_ja", "影響"+itoa(n+1))
		for k := range 5 {
			f.Set("cell_"+itoa(n)+"_"+itoa(k), "medium")
		}
	}
	for _, lv := range []string{"low", "medium", "high", "very_high"} {
		f.Set("days_"+lv, "90")
	}
	return f
}

func itoa(n int) string { return string(rune('0' + n)) }

// TestRiskPagesInBothLanguages walks the asset inventory, the risk register
// and the matrix in English and Japanese with every demo role: HTML shown as
// text, bad values shown again with messages, members refused acceptance, a
// manager's acceptance recorded, a used asset refused deletion naming the
// risk, a matrix change leaving old scores on their version.
func TestRiskPagesInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			for _, who := range []string{"member", "manager", "admin", "auditor"} {
				clearLocale(t, e, who)
			}
			member, manager, admin, auditor := e.login("member", lang), e.login("manager", lang), e.login("admin", lang), e.login("auditor", lang)
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}

			// An asset, HTML in its name shown as text.
			res := member.post("/isms/assets", url.Values{"name": {"<script>alert(1)</script> 顧客DB"}, "type": {"information"},
				"classification": {"confidential"}, "confidentiality": {"3"}, "integrity": {"2"}, "availability": {"2"},
				"owner_department_id": {e.user("member").DepartmentID}})
			wantStatus(t, res, http.StatusSeeOther)
			m := assetPath.FindStringSubmatch(res.header.Get("Location"))
			if m == nil {
				t.Fatalf("redirect %q", res.header.Get("Location"))
			}
			assetID := m[1]
			page := member.get("/isms/assets/" + assetID)
			wantStatus(t, page, http.StatusOK)
			wantContains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt; 顧客DB", tr("Confidential", "機密"), tr("Change the asset", "資産を変更"))
			if strings.Contains(page.body, "<script>alert(1)") {
				t.Error("the asset name is not escaped")
			}
			// Bad values: shown again with what was typed.
			res = member.post("/isms/assets", url.Values{"name": {"typed name"}, "type": {"castle"}, "classification": {"internal"},
				"confidentiality": {"0"}, "integrity": {"4"}, "availability": {"x"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `value="typed name"`, tr("outside the allowed range", "許容範囲外"))
			// Every role reads; only editors see the forms.
			for who, c := range map[string]*client{"member": member, "manager": manager, "admin": admin, "auditor": auditor, "csirt": e.login("csirt", lang)} {
				for _, p := range []string{"/isms/assets", "/isms/assets/" + assetID, "/isms/risks", "/isms/risk-matrix"} {
					res := c.get(p)
					if res.status != http.StatusOK {
						t.Errorf("%s GET %s: %d", who, p, res.status)
					}
				}
			}
			page = auditor.get("/isms/assets/" + assetID)
			if strings.Contains(page.body, `action="/isms/assets/`+assetID+`"`) {
				t.Error("the auditor is offered the asset form")
			}
			wantStatus(t, auditor.post("/isms/assets", url.Values{"name": {"x"}}), http.StatusForbidden)
			wantStatus(t, auditor.post("/isms/assets/"+assetID+"/archive", nil), http.StatusForbidden)

			// A risk on the asset.
			res = member.post("/isms/risks", url.Values{"title": {"<b>持ち出し</b>"}, "scenario": {"<img src=x onerror=alert(1)>"},
				"asset_ids": {assetID}, "likelihood": {"6"}, "impact": {"1"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `value="&lt;b&gt;持ち出し&lt;/b&gt;"`, tr("outside the allowed range", "許容範囲外"))
			res = member.post("/isms/risks", url.Values{"title": {"<b>持ち出し</b>"}, "scenario": {"<img src=x onerror=alert(1)>"},
				"asset_ids": {assetID}, "likelihood": {"4"}, "impact": {"4"}})
			wantStatus(t, res, http.StatusSeeOther)
			m = riskPath.FindStringSubmatch(res.header.Get("Location"))
			if m == nil {
				t.Fatalf("redirect %q", res.header.Get("Location"))
			}
			riskID := m[1]
			page = member.get("/isms/risks/" + riskID)
			wantContains(t, page, "&lt;img src=x onerror=alert(1)&gt;", tr("Very high", "非常に高い"), tr("Re-assess", "再評価"))
			if strings.Contains(page.body, `<option value="accept"`) {
				t.Error("a member is offered the treatment accept")
			}
			// Acceptance as a member: forbidden both ways.
			wantStatus(t, member.post("/isms/risks/"+riskID+"/treatment", url.Values{"treatment": {"accept"}}), http.StatusForbidden)
			wantStatus(t, member.post("/isms/risks/"+riskID+"/accept", nil), http.StatusForbidden)
			wantStatus(t, auditor.post("/isms/risks/"+riskID+"/accept", nil), http.StatusForbidden)
			// Bad due date; then a treatment and a residual score; the manager accepts.
			res = member.post("/isms/risks/"+riskID+"/treatment", url.Values{"treatment": {"mitigate"}, "due_at": {"tomorrow"}, "note": {"kept note"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, "kept note", tr("YYYY-MM-DD", "YYYY-MM-DD の形式"))
			wantStatus(t, member.post("/isms/risks/"+riskID+"/treatment", url.Values{"treatment": {"mitigate"}, "due_at": {"2030-01-31"}, "note": {"MFA"}}), http.StatusSeeOther)
			res = manager.post("/isms/risks/"+riskID+"/accept", nil)
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, tr("Score the residual risk", "残留リスクを評価"))
			wantStatus(t, member.post("/isms/risks/"+riskID+"/assess", url.Values{"likelihood": {"4"}, "impact": {"4"},
				"residual_likelihood": {"2"}, "residual_impact": {"2"}, "note": {"MFA後"}}), http.StatusSeeOther)
			wantStatus(t, manager.post("/isms/risks/"+riskID+"/accept", url.Values{"note": {"受容します"}}), http.StatusSeeOther)
			page = member.get("/isms/risks/" + riskID)
			managerName := e.user("manager").Name
			wantContains(t, page, tr("Accepted by "+managerName, managerName+" が"), "受容します", "2030-01-31", tr("Mitigate", "低減"))

			// The used asset cannot be deleted; the refusal names the risk.
			res = member.post("/isms/assets/"+assetID+"/delete", nil)
			wantStatus(t, res, http.StatusConflict)
			wantContains(t, res, "&lt;b&gt;持ち出し&lt;/b&gt;", tr("Archive it instead", "アーカイブしてください"))
			wantStatus(t, member.post("/isms/assets/"+assetID+"/archive", nil), http.StatusSeeOther)
			if list := member.get("/isms/assets"); strings.Contains(list.body, "/isms/assets/"+assetID+`"`) {
				t.Error("an archived asset is listed by default")
			}

			// The matrix: admins only; 2×2, 6×6 and a missing Japanese label refused.
			if strings.Contains(manager.get("/isms/risk-matrix").body, `name="likelihood_count"`) {
				t.Error("a manager is offered the matrix form")
			}
			wantStatus(t, manager.post("/isms/risk-matrix", matrixForm(3, 3)), http.StatusForbidden)
			res = admin.post("/isms/risk-matrix", matrixForm(2, 2))
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, tr("outside the allowed range", "許容範囲外"))
			wantStatus(t, admin.post("/isms/risk-matrix", matrixForm(6, 6)), http.StatusUnprocessableEntity)
			f := matrixForm(3, 3)
			f.Set("l1_ja", "")
			f.Set("i0_en", "<i>kept</i>")
			res = admin.post("/isms/risk-matrix", f)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res, `value="&lt;i&gt;kept&lt;/i&gt;"`, tr("This field is required", "入力してください"))
			res = admin.post("/isms/risk-matrix", matrixForm(3, 3))
			wantStatus(t, res, http.StatusSeeOther)
			page = admin.get("/isms/risk-matrix")
			wantContains(t, page, tr("Version 2 · 3×3", "第 2 版・3×3"), "発生3")
			// The risk keeps its v1 scores and says so.
			page = member.get("/isms/risks/" + riskID)
			wantContains(t, page, tr("scored on matrix v1 (4×4)", "マトリクス v1（4×4）で評価済み"))
			// A re-assessment on v2: 4 is off the 3×3 matrix.
			wantStatus(t, member.post("/isms/risks/"+riskID+"/assess", url.Values{"likelihood": {"4"}, "impact": {"1"}}), http.StatusUnprocessableEntity)
			wantStatus(t, member.post("/isms/risks/"+riskID+"/assess", url.Values{"likelihood": {"3"}, "impact": {"3"}}), http.StatusSeeOther)
			page = member.get("/isms/risks/" + riskID)
			if strings.Contains(page.body, tr("scored on matrix v1 (4×4)", "マトリクス v1（4×4）で評価済み")) {
				t.Error("the re-assessed risk still says it is on v1")
			}
			wantContains(t, page, tr("matrix v1", "マトリクス v1"), tr("matrix v2", "マトリクス v2"))

			// A reminder: the treatment is past due after the clock moves on.
			e.clock.Advance(5 * 365 * 24 * time.Hour)
			if _, err := e.svc.Risks.Remind(context.Background(), hikeshi.SystemActor("test")); err != nil {
				t.Fatal(err)
			}
			member = e.login("member", lang) // the session ended with the years
			page = member.get("/isms/risks")
			wantContains(t, page, tr("Your reminders", "あなたへのリマインダー"), tr("treatment past due", "対応期限超過"))
			rm := regexp.MustCompile(`/isms/risk-reminders/([0-9a-f-]{36})/dismiss`).FindStringSubmatch(page.body)
			if rm == nil {
				t.Fatal("no dismiss form")
			}
			wantStatus(t, e.login("auditor", lang).post(rm[0], nil), http.StatusNotFound) // not theirs
			wantStatus(t, member.post(rm[0], nil), http.StatusSeeOther)
			if strings.Contains(member.get("/isms/risks").body, rm[0]) {
				t.Error("a dismissed reminder is still shown")
			}
		})
	}
}
