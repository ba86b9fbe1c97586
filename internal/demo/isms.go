package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadISMS gives the demo organisation the start of an ISMS, so that the
// PDCA page has something to show: the basic policy (written by the
// administrator, approved by the manager) and the access-control rules in
// review, the scope, three assets and three risks with their treatments,
// four measures mapped onto Annex A, six decisions of the Statement of
// Applicability, and a metric whose last value misses its target. Audits
// and management reviews are left for the user to hold.
func loadISMS(ctx context.Context, svc *service.Services, users map[hikeshi.Role]hikeshi.User, depts []string) error {
	admin, manager := hikeshi.ActorFor(users[hikeshi.RoleAdmin], "demo"), hikeshi.ActorFor(users[hikeshi.RoleManager], "demo")
	mgmt, it, factory := depts[0], depts[1], depts[4]

	policy, err := svc.Documents.Create(ctx, admin, service.DocumentInput{Kind: hikeshi.DocBasicPolicy, Title: "情報セキュリティ基本方針",
		DepartmentID: mgmt, Note: "初版", Body: "# 情報セキュリティ基本方針\n\n" +
			"当社は、お客様・取引先・従業員からお預かりした情報を守ることを経営の責務と考え、次のとおり取り組みます。\n\n" +
			"1. 情報セキュリティに関する法令、規範及び契約上の義務を守ります。\n" +
			"2. 情報資産のリスクを評価し、適切な管理策を講じます。\n" +
			"3. インシデントの教訓を管理策の見直しに速やかに反映し、継続的に改善します。\n" +
			"4. 全従業員に教育を行い、一人ひとりが役割を果たします。\n"})
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if _, err := svc.Documents.Submit(ctx, admin, policy.ID); err != nil {
		return fmt.Errorf("submit policy: %w", err)
	}
	if _, err := svc.Documents.Approve(ctx, manager, policy.ID, nil); err != nil {
		return fmt.Errorf("approve policy: %w", err)
	}
	rules, err := svc.Documents.Create(ctx, admin, service.DocumentInput{Kind: hikeshi.DocRules, Title: "アクセス管理規程",
		DepartmentID: it, Body: "# アクセス管理規程\n\n## 第1条（目的）\n\n情報システムへのアクセス権の付与、見直し及び削除の手順を定める。\n\n" +
			"## 第2条（削除）\n\n退職者のアクセス権は、最終出社日に削除する。\n"})
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	if _, err := svc.Documents.Submit(ctx, admin, rules.ID); err != nil {
		return fmt.Errorf("submit rules: %w", err)
	}
	if _, err := svc.Documents.SaveScope(ctx, manager, service.ScopeInput{
		Statement:     "本社及び工場における、受注から出荷までの業務と、それを支える情報システム。",
		DepartmentIDs: depts,
	}); err != nil {
		return fmt.Errorf("scope: %w", err)
	}

	type asset struct {
		in service.InformationAssetInput
		id string
	}
	assets := []*asset{
		{in: service.InformationAssetInput{Name: "顧客管理システム", Type: hikeshi.AssetTypeSoftware, OwnerDepartmentID: it,
			Classification: hikeshi.ClassConfidential, Confidentiality: 3, Integrity: 2, Availability: 2, Description: "顧客の連絡先と取引履歴"}},
		{in: service.InformationAssetInput{Name: "製品の設計図面", Type: hikeshi.AssetTypeInformation, OwnerDepartmentID: factory,
			Classification: hikeshi.ClassSecret, Confidentiality: 3, Integrity: 3, Availability: 2}},
		{in: service.InformationAssetInput{Name: "生産管理サーバー", Type: hikeshi.AssetTypeHardware, OwnerDepartmentID: it,
			Classification: hikeshi.ClassInternal, Confidentiality: 2, Integrity: 3, Availability: 3}},
	}
	for _, a := range assets {
		got, err := svc.Risks.CreateAsset(ctx, admin, a.in)
		if err != nil {
			return fmt.Errorf("asset %s: %w", a.in.Name, err)
		}
		a.id = got.ID
	}
	now := time.Now().UTC()
	risks := []struct {
		in service.RiskInput
		t  service.TreatmentInput
	}{
		{service.RiskInput{Title: "顧客情報の誤送信", Scenario: "営業担当が顧客情報を含むファイルを誤った宛先にメールで送る。",
			AssetIDs: []string{assets[0].id}, OwnerDepartmentID: it, Assessment: service.RiskAssessment{Likelihood: 3, Impact: 3,
				ResidualLikelihood: 2, ResidualImpact: 3}},
			service.TreatmentInput{Treatment: hikeshi.TreatMitigate, DueAt: now.AddDate(0, 2, 0), Note: "送信前の宛先確認と添付ファイルの自動暗号化を導入する。"}},
		{service.RiskInput{Title: "ランサムウェアによる生産停止", Scenario: "フィッシングメールから侵入したランサムウェアが生産管理サーバーを暗号化し、出荷が止まる。",
			AssetIDs: []string{assets[2].id}, OwnerDepartmentID: it, Assessment: service.RiskAssessment{Likelihood: 3, Impact: 4}},
			service.TreatmentInput{Treatment: hikeshi.TreatMitigate, DueAt: now.AddDate(0, 0, 20), Note: "オフラインバックアップと復旧訓練。"}},
		{service.RiskInput{Title: "設計図面の持ち出し", Scenario: "退職予定者が設計図面を私物の記録媒体に複製して持ち出す。",
			AssetIDs: []string{assets[1].id}, OwnerDepartmentID: factory, Assessment: service.RiskAssessment{Likelihood: 2, Impact: 4}},
			service.TreatmentInput{}},
	}
	for _, r := range risks {
		got, err := svc.Risks.CreateRisk(ctx, admin, r.in)
		if err != nil {
			return fmt.Errorf("risk %s: %w", r.in.Title, err)
		}
		if r.t.Treatment != "" {
			if _, err := svc.Risks.SetTreatment(ctx, admin, got.ID, r.t); err != nil {
				return fmt.Errorf("treatment of %s: %w", r.in.Title, err)
			}
		}
	}

	iso := func(refs ...string) []hikeshi.RequirementRef {
		out := make([]hikeshi.RequirementRef, len(refs))
		for i, r := range refs {
			out[i] = hikeshi.RequirementRef{FrameworkKey: hikeshi.ISO27001Key, Ref: r}
		}
		return out
	}
	for _, m := range []service.MeasureInput{
		{Name: "多要素認証", Description: "社外から利用するすべてのシステムで多要素認証を必須にする。", DepartmentID: it,
			Status: hikeshi.StatusImplemented, Requirements: iso("A.5.17", "A.8.5")},
		{Name: "バックアップと復旧訓練", Description: "日次のオフラインバックアップと半期ごとの復旧訓練。", DepartmentID: it,
			Status: hikeshi.StatusPartial, Requirements: iso("A.8.13")},
		{Name: "情報セキュリティ教育", Description: "年 1 回の全従業員研修と、四半期ごとの標的型メール訓練。", DepartmentID: mgmt,
			Status: hikeshi.StatusImplemented, Requirements: iso("A.6.3")},
		{Name: "ログの監視", Description: "認証ログと境界の通信ログを集約し、異常を CSIRT に通知する。", DepartmentID: it,
			Status: hikeshi.StatusPlanned, Requirements: iso("A.8.15", "A.8.16")},
	} {
		if _, err := svc.Frameworks.CreateMeasure(ctx, manager, m); err != nil {
			return fmt.Errorf("measure %s: %w", m.Name, err)
		}
	}
	for _, s := range []struct {
		ref string
		in  service.SoAInput
	}{
		{"A.5.1", service.SoAInput{Applicable: true, Justification: "基本方針を定め、取締役会で承認している。", Status: hikeshi.StatusImplemented}},
		{"A.5.17", service.SoAInput{Applicable: true, Justification: "パスワードの漏えいによる不正アクセスを防ぐ。", Status: hikeshi.StatusImplemented}},
		{"A.6.3", service.SoAInput{Applicable: true, Justification: "人による誤りがインシデントの主な原因である。", Status: hikeshi.StatusImplemented}},
		{"A.8.13", service.SoAInput{Applicable: true, Justification: "ランサムウェアからの復旧に必要。", Status: hikeshi.StatusPartial}},
		{"A.8.16", service.SoAInput{Applicable: true, Justification: "侵入の早期発見に必要。", Status: hikeshi.StatusPlanned}},
		{"A.7.4", service.SoAInput{Applicable: false, Justification: "管理されたビルの貸室で、物理的な監視はビル管理会社が行う。", Status: hikeshi.StatusNotApplicable}},
	} {
		if _, err := svc.Frameworks.SetSoA(ctx, manager, s.ref, s.in); err != nil {
			return fmt.Errorf("SoA %s: %w", s.ref, err)
		}
	}

	m, err := svc.Checks.CreateMetric(ctx, manager, service.MetricInput{Name: "標的型メール訓練の報告率", Unit: "%", Target: "80",
		Comparison: hikeshi.AtLeast, Frequency: hikeshi.Quarterly, DepartmentID: mgmt})
	if err != nil {
		return fmt.Errorf("metric: %w", err)
	}
	for i, v := range []string{"62", "74"} {
		period := now.AddDate(0, -3*(1-i), 0).Format(hikeshi.DateLayout)
		if _, err := svc.Checks.RecordValue(ctx, manager, m.ID, service.ValueInput{Period: period, Value: v}); err != nil {
			return fmt.Errorf("metric value: %w", err)
		}
	}
	return nil
}
