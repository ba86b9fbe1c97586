package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillReview) }

// completeReviewBeforeClosing writes and completes an incident's
// post-incident review with two lessons (one accepted, one declined), as
// closing needs (decision 0019). fillThroughServices calls it before it closes
// each incident.
func completeReviewBeforeClosing(t testing.TB, ctx context.Context, svc *service.Services, csirt hikeshi.Actor, incidentID string,
	users []hikeshi.User, depts []hikeshi.Department) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.Reviews.Save(ctx, csirt, incidentID, service.ReviewInput{RootCause: "添付ファイルの検査が\n<無効> だった",
		WentWell: "報告が早かった", Factors: []hikeshi.Factor{hikeshi.FactorTechnology, hikeshi.FactorProcess},
		Participants: []string{users[1].ID, users[3].ID}})
	must(err)
	accepted, err := svc.Reviews.AddLesson(ctx, csirt, incidentID, service.LessonInput{Text: "検査設定を見直す", ProposedChange: "メールゲートウェイの設定変更",
		Kind: hikeshi.MeasureTechnical, DepartmentID: depts[0].ID})
	must(err)
	declined, err := svc.Reviews.AddLesson(ctx, csirt, incidentID, service.LessonInput{Text: "訓練 \"quoted\"", ProposedChange: "年次訓練",
		Kind: hikeshi.MeasureTraining})
	must(err)
	st, reason := hikeshi.LessonAccepted, "採用"
	_, err = svc.Reviews.UpdateLesson(ctx, csirt, accepted.ID, service.LessonPatch{Status: &st, Reason: &reason})
	must(err)
	st, reason = hikeshi.LessonDeclined, "既存の訓練で扱う"
	_, err = svc.Reviews.UpdateLesson(ctx, csirt, declined.ID, service.LessonPatch{Status: &st, Reason: &reason})
	must(err)
	toChange := "設定を変更する"
	_, err = svc.Reviews.Complete(ctx, csirt, incidentID, &service.ReviewInput{RootCause: "添付ファイルの検査が\n<無効> だった",
		WentWell: "報告が早かった", ToChange: toChange, Factors: []hikeshi.Factor{hikeshi.FactorTechnology, hikeshi.FactorProcess},
		Participants: []string{users[1].ID, users[3].ID}})
	must(err)
}

// fillReview takes the review of the reopened incident back to draft and adds
// a proposed lesson, so drafts (no completion time) are backed up too.
func fillReview(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	reopened := f.incidents[1]
	if _, err := f.svc.Reviews.Reopen(ctx, f.csirt, reopened.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reviews.AddLesson(ctx, f.csirt, reopened.ID, service.LessonInput{Text: "再発した理由", ProposedChange: "手順書の改訂",
		Kind: hikeshi.MeasureProcess}); err != nil {
		t.Fatal(err)
	}
}
