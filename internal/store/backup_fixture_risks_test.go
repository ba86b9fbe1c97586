package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillRisks) }

// fillRisks builds an asset inventory (one asset archived) and a risk
// register across two matrix versions: a risk scored on the default matrix
// (v1) with a residual score, a treatment past due, a manager's acceptance
// and reminders (one dismissed), and a risk scored on a 3×3 matrix (v2).
func fillRisks(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin := hikeshi.ActorFor(f.users[0], "test")
	manager := hikeshi.ActorFor(f.users[7], "test")
	sys := hikeshi.SystemActor("test")
	dept := f.depts[1].ID
	crm, err := f.svc.Risks.CreateAsset(ctx, admin, service.InformationAssetInput{Name: "顧客データベース <CRM>", Type: hikeshi.AssetTypeInformation,
		OwnerDepartmentID: dept, Classification: hikeshi.ClassConfidential, Confidentiality: 3, Integrity: 2, Availability: 2,
		Description: "顧客の連絡先\n\"quoted\""})
	must(err)
	old, err := f.svc.Risks.CreateAsset(ctx, admin, service.InformationAssetInput{Name: "旧ファイルサーバ", Type: hikeshi.AssetTypeHardware,
		OwnerDepartmentID: dept, Classification: hikeshi.ClassInternal, Confidentiality: 1, Integrity: 1, Availability: 1})
	must(err)
	r1, err := f.svc.Risks.CreateRisk(ctx, admin, service.RiskInput{Title: "顧客情報の漏えい", Scenario: "フィッシングで認証情報が盗まれる",
		AssetIDs: []string{crm.ID, old.ID}, OwnerDepartmentID: dept, OwnerUserID: f.users[1].ID,
		Assessment: service.RiskAssessment{Likelihood: 3, Impact: 4, ResidualLikelihood: 2, ResidualImpact: 3, Note: "初回評価"}})
	must(err)
	archived := true
	_, err = f.svc.Risks.UpdateAsset(ctx, admin, old.ID, service.InformationAssetPatch{Archived: &archived})
	must(err)
	_, err = f.svc.Risks.SetTreatment(ctx, admin, r1.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate,
		DueAt: time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second), Note: "多要素認証を導入する"})
	must(err)
	_, err = f.svc.Risks.AcceptRisk(ctx, manager, r1.ID, "残留リスクを受容")
	must(err)
	_, err = f.svc.Risks.SetRiskMatrix(ctx, admin, hikeshi.RiskMatrix{
		Likelihood: []hikeshi.ScaleLabel{{EN: "Low", JA: "低"}, {EN: "Medium", JA: "中"}, {EN: "High", JA: "高"}},
		Impact:     []hikeshi.ScaleLabel{{EN: "Small", JA: "小"}, {EN: "Medium", JA: "中"}, {EN: "Large", JA: "大"}},
		Cells: [][]hikeshi.RiskLevel{{hikeshi.RiskLow, hikeshi.RiskLow, hikeshi.RiskMedium}, {hikeshi.RiskLow, hikeshi.RiskMedium, hikeshi.RiskHigh},
			{hikeshi.RiskMedium, hikeshi.RiskHigh, hikeshi.RiskVeryHigh}},
		ReviewDays: map[hikeshi.RiskLevel]int{hikeshi.RiskLow: 365, hikeshi.RiskMedium: 180, hikeshi.RiskHigh: 90, hikeshi.RiskVeryHigh: 30}})
	must(err)
	_, err = f.svc.Risks.CreateRisk(ctx, admin, service.RiskInput{Title: "サービス停止", Scenario: "停電", AssetIDs: []string{crm.ID},
		OwnerDepartmentID: dept, Assessment: service.RiskAssessment{Likelihood: 1, Impact: 3}})
	must(err)
	if _, err := f.svc.Risks.Remind(ctx, sys); err != nil {
		t.Fatal(err)
	}
	rs, err := f.svc.Risks.Reminders(ctx, manager)
	must(err)
	if len(rs) == 0 {
		t.Fatal("the manager has no risk reminder")
	}
	must(f.svc.Risks.DismissReminder(ctx, manager, rs[0].Reminder.ID))
}
