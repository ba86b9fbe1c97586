package demo

import (
	"context"
	"fmt"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// loadIncidents walks the demo's first report through triage and gives the
// CSIRT three incidents at different points of the loop: the phishing report
// just opened as an incident with its playbook's tasks, a lost laptop with
// personal data in recovery (so the APPI clocks run), and a closed web
// defacement whose review left two lessons. Everything goes through the
// services, as a user would do it, so every step is in the audit log.
func loadIncidents(ctx context.Context, svc *service.Services, csirt hikeshi.User, depts []string) error {
	a := hikeshi.ActorFor(csirt, "demo")
	byKind := map[hikeshi.DepartmentKind]string{}
	for i, d := range departments {
		if _, ok := byKind[d.Kind]; !ok {
			byKind[d.Kind] = depts[i]
		}
	}
	if err := phishingIncident(ctx, svc, a, csirt, byKind); err != nil {
		return fmt.Errorf("phishing incident: %w", err)
	}
	if err := lostLaptop(ctx, svc, a, csirt, byKind); err != nil {
		return fmt.Errorf("lost laptop incident: %w", err)
	}
	if err := defacement(ctx, svc, a, csirt, byKind); err != nil {
		return fmt.Errorf("defacement incident: %w", err)
	}
	return nil
}

// phishingIncident triages the anonymous phishing report into an incident.
func phishingIncident(ctx context.Context, svc *service.Services, a hikeshi.Actor, csirt hikeshi.User, byKind map[hikeshi.DepartmentKind]string) error {
	queue, err := svc.Triage.Queue(ctx, a, hikeshi.Page{})
	if err != nil {
		return err
	}
	var reportID string
	for _, it := range queue {
		if it.Report.Anonymous {
			reportID = it.Report.ID
		}
	}
	if reportID == "" {
		return fmt.Errorf("the anonymous report is not in the triage queue")
	}
	res, err := svc.Triage.Decide(ctx, a, reportID, service.DecisionInput{
		Decision: hikeshi.TriageNewIncident,
		Title:    "請求書を装ったマクロ付きメール (invoice phishing with a macro)",
		Classification: &service.ClassificationInput{Category: "phishing", Impact: 2, Urgency: 2, TLP: hikeshi.TLPAmber,
			OwnerID: csirt.ID, Policy: hikeshi.PolicyFullResponse},
	})
	if err != nil {
		return err
	}
	inc := res.Incident
	if _, err := svc.Tasks.ApplyPlaybook(ctx, a, inc.ID, "phishing", hikeshi.LocaleJA, byKind); err != nil {
		return err
	}
	if _, err := svc.Evidence.AddObservables(ctx, a, inc.ID, service.ObservablesInput{
		Values: []string{"invoice-update[.]example", "hxxps://invoice-update[.]example/dl/請求書.xlsm",
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		Note: "報告のメールから / from the reported mail",
	}); err != nil {
		return err
	}
	for _, st := range []struct {
		kind hikeshi.OODAKind
		text string
	}{
		{hikeshi.OODAObserve, "報告者の端末で Excel マクロが実行された。同じ件名のメールが 12 名に届いている。"},
		{hikeshi.OODAOrient, "既知の情報窃取型マルウェアの配布手口と一致。認証情報が送られた可能性がある。"},
		{hikeshi.OODADecide, "端末をネットワークから隔離し、受信者全員のメールを削除、該当ドメインを遮断する。"},
		{hikeshi.OODAAct, "情報システム部に隔離と遮断を依頼（タスク参照）。"},
	} {
		if _, err := svc.Incidents.AddOODAStep(ctx, a, inc.ID, st.kind, st.text); err != nil {
			return err
		}
	}
	_, err = svc.Incidents.Transition(ctx, a, inc.ID, hikeshi.PhaseInitialResponse, "初動対応を開始 / initial response started")
	return err
}

// lostLaptop is a RED incident with personal data, in recovery.
func lostLaptop(ctx context.Context, svc *service.Services, a hikeshi.Actor, csirt hikeshi.User, byKind map[hikeshi.DepartmentKind]string) error {
	inc, err := svc.Incidents.Create(ctx, a, service.IncidentInput{
		Title:    "顧客名簿を含むノート PC の紛失 (lost laptop with a customer list)",
		Summary:  "営業担当者が電車内でノート PC を紛失。ディスクは暗号化済みだが、画面ロックの設定に不備があった可能性。",
		Category: "information-disclosure", Impact: 2, Urgency: 1, TLP: hikeshi.TLPRed, OwnerID: csirt.ID,
	})
	if err != nil {
		return err
	}
	if _, err := svc.Clocks.SetFacts(ctx, a, inc.ID, service.FactsInput{PersonalData: true}); err != nil {
		return err
	}
	if _, err := svc.Evidence.AddAsset(ctx, a, inc.ID, service.AssetInput{Name: "営業用ノート PC", Kind: hikeshi.AssetMobileDevice,
		Identifier: "PC-SALES-0042", DepartmentID: byKind[hikeshi.KindBusinessUnit], Criticality: 2}); err != nil {
		return err
	}
	if _, err := svc.Tasks.ApplyPlaybook(ctx, a, inc.ID, "lost-device", hikeshi.LocaleJA, byKind); err != nil {
		return err
	}
	if _, err := svc.Incidents.AddOODAStep(ctx, a, inc.ID, hikeshi.OODAAct, "遠隔ワイプを実行し、アカウントのセッションを失効させた。"); err != nil {
		return err
	}
	for _, p := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery} {
		if _, err := svc.Incidents.Transition(ctx, a, inc.ID, p, ""); err != nil {
			return err
		}
	}
	return nil
}

// defacement is a closed incident whose review left two lessons.
func defacement(ctx context.Context, svc *service.Services, a hikeshi.Actor, csirt hikeshi.User, byKind map[hikeshi.DepartmentKind]string) error {
	inc, err := svc.Incidents.Create(ctx, a, service.IncidentInput{
		Title:    "キャンペーンサイトの改ざん (campaign site defaced)",
		Summary:  "古い CMS プラグインの脆弱性を突かれ、トップページが書き換えられた。",
		Category: "system-compromise", Impact: 3, Urgency: 2, TLP: hikeshi.TLPGreen, OwnerID: csirt.ID,
	})
	if err != nil {
		return err
	}
	if _, err := svc.Tasks.ApplyPlaybook(ctx, a, inc.ID, "web-defacement", hikeshi.LocaleEN, byKind); err != nil {
		return err
	}
	tasks, err := svc.Tasks.ForIncident(ctx, a, inc.ID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if _, err := svc.Tasks.SetStatus(ctx, a, t.Task.ID, hikeshi.TaskDone, "done / 完了"); err != nil {
			return err
		}
	}
	if _, err := svc.Incidents.AddOODAStep(ctx, a, inc.ID, hikeshi.OODAAct, "サイトを公開停止し、バックアップから復元した。"); err != nil {
		return err
	}
	for _, p := range []hikeshi.Phase{hikeshi.PhaseInitialResponse, hikeshi.PhaseRecovery, hikeshi.PhaseRecurrencePrevention} {
		if _, err := svc.Incidents.Transition(ctx, a, inc.ID, p, ""); err != nil {
			return err
		}
	}
	review := service.ReviewInput{
		RootCause: "サポートの切れた CMS プラグインが更新されないまま公開されていた。キャンペーンサイトが資産台帳に載っておらず、脆弱性情報の確認対象から漏れていた。",
		WentWell:  "外部からの通報から 40 分で公開を停止できた。バックアップが日次で取れていた。",
		ToChange:  "公開サイトを資産台帳に登録し、プラグインを含めて脆弱性確認の対象にする。",
		Factors:   []hikeshi.Factor{hikeshi.FactorProcess, hikeshi.FactorSupplier},
	}
	if _, err := svc.Reviews.Save(ctx, a, inc.ID, review); err != nil {
		return err
	}
	for _, l := range []service.LessonInput{
		{Text: "期間限定のサイトも資産台帳に載せないと、脆弱性管理から漏れる。", ProposedChange: "サイト公開の申請手順に資産登録を必須項目として加える。",
			Kind: hikeshi.MeasureProcess, DepartmentID: byKind[hikeshi.KindIT]},
		{Text: "委託先が構築したサイトの保守責任が契約で曖昧だった。", ProposedChange: "委託契約のひな形に脆弱性対応の責任と期限を明記する。",
			Kind: hikeshi.MeasurePolicy, DepartmentID: byKind[hikeshi.KindManagement]},
	} {
		if _, err := svc.Reviews.AddLesson(ctx, a, inc.ID, l); err != nil {
			return err
		}
	}
	if _, err := svc.Reviews.Complete(ctx, a, inc.ID, nil); err != nil {
		return err
	}
	_, err = svc.Incidents.Transition(ctx, a, inc.ID, hikeshi.PhaseClosed, "再発防止策を ISMS の改善へ / lessons handed to the ISMS")
	return err
}
