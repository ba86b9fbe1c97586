package store_test

import (
	"context"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

func init() { areaFillers = append(areaFillers, fillDocuments) }

// fillDocuments writes a policy with a superseded, an approved and a draft
// version (the approver is the manager, never the author), the ISMS scope and
// one department's responsibilities.
func fillDocuments(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin, manager := hikeshi.ActorFor(f.users[0], "test"), hikeshi.ActorFor(f.users[2], "test")
	d, err := f.svc.Documents.Create(ctx, admin, service.DocumentInput{Kind: hikeshi.DocBasicPolicy, Title: "情報セキュリティ基本方針",
		DepartmentID: f.depts[0].ID, Body: "# 基本方針\n\n<script>x</script> \"quoted\"\n", Note: "初版"})
	must(err)
	for _, body := range []string{"", "# 基本方針\n\n改訂\n"} {
		if body != "" {
			_, err = f.svc.Documents.SaveDraft(ctx, admin, d.ID, service.DraftInput{Body: body, Note: "改訂"})
			must(err)
		}
		_, err = f.svc.Documents.Submit(ctx, admin, d.ID)
		must(err)
		_, err = f.svc.Documents.Approve(ctx, manager, d.ID, nil)
		must(err)
	}
	_, err = f.svc.Documents.SaveDraft(ctx, admin, d.ID, service.DraftInput{Body: "# 草案\n"})
	must(err)
	// An archived document (decision 0027): the flag survives the backup.
	old, err := f.svc.Documents.Create(ctx, admin, service.DocumentInput{Kind: hikeshi.DocProcedure, Title: "旧手順書",
		DepartmentID: f.depts[0].ID, Body: "廃止"})
	must(err)
	_, err = f.svc.Documents.SetArchived(ctx, admin, old.ID, true)
	must(err)
	_, err = f.svc.Documents.SaveScope(ctx, manager, service.ScopeInput{Statement: "本社の**情報システム**",
		DepartmentIDs: []string{f.depts[0].ID}, Exclusions: []hikeshi.ScopeExclusion{{What: "海外子会社", Why: "別のISMS \"quoted\""}}})
	must(err)
	_, err = f.svc.Documents.SaveResponsibility(ctx, admin, f.depts[0].ID, service.ResponsibilityInput{Text: "ISMSの運用 <b>x</b>",
		Parts: map[hikeshi.ISMSActivity]hikeshi.RACI{hikeshi.ActMeasures: hikeshi.RACIAccountable, hikeshi.ActMonitoring: hikeshi.RACIResponsible}})
	must(err)
}
