package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func mustForbid(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, hikeshi.ErrForbidden) {
		t.Errorf("%s: got %v, want forbidden", what, err)
	}
}

// riskManager adds a manager in the sales department to the fixture.
func riskManager(t *testing.T, f *fixture) hikeshi.User {
	t.Helper()
	m, err := f.svc.Users.Create(context.Background(), hikeshi.SystemActor("test"), service.UserInput{Email: "manager@example.org",
		Name: "M", Role: hikeshi.RoleManager, DepartmentID: f.sales.ID})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func assetIn(name, dept string) service.InformationAssetInput {
	return service.InformationAssetInput{Name: name, Type: hikeshi.AssetTypeInformation, OwnerDepartmentID: dept,
		Classification: hikeshi.ClassInternal, Confidentiality: 2, Integrity: 2, Availability: 1}
}

// TestAssetInventoryForEveryRole: everyone reads the whole inventory; the
// owner department's people and admins change an asset; others and auditors
// may not; deleting an asset a risk uses is refused naming the risk, and
// archiving is the way.
func TestAssetInventoryForEveryRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager := riskManager(t, f)
		admin, csirt, member, other, auditor, mgr := actor(f.admin), actor(f.csirt), actor(f.member), actor(f.other), actor(f.auditor), actor(manager)

		// Creating: members for their own department (the default), admins for any.
		sales, err := f.svc.Risks.CreateAsset(ctx, member, assetIn("<script>alert(1)</script> 顧客名簿", ""))
		if err != nil {
			t.Fatal(err)
		}
		if sales.OwnerDepartmentID != f.sales.ID || sales.Name != "<script>alert(1)</script> 顧客名簿" {
			t.Errorf("asset = %+v", sales)
		}
		_, err = f.svc.Risks.CreateAsset(ctx, member, assetIn("x", f.it.ID))
		wantFieldCode(t, err, "owner_department_id", "not_allowed")
		_, err = f.svc.Risks.CreateAsset(ctx, auditor, assetIn("x", ""))
		mustForbid(t, "auditor creates", err)
		itAsset, err := f.svc.Risks.CreateAsset(ctx, admin, assetIn("基幹システム", f.it.ID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Risks.CreateAsset(ctx, admin, assetIn("no department", "")); err == nil {
			t.Error("an admin created an asset without a department")
		}

		// Reading: every role sees both assets.
		for name, a := range map[string]hikeshi.Actor{"admin": admin, "csirt": csirt, "member": member, "other": other, "auditor": auditor, "manager": mgr} {
			list, err := f.svc.Risks.ListAssets(ctx, a, hikeshi.InformationAssetFilter{})
			if err != nil || len(list) != 2 {
				t.Errorf("%s lists %d assets: %v", name, len(list), err)
			}
			d, err := f.svc.Risks.Asset(ctx, a, sales.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEdit := name == "admin" || name == "member" || name == "manager"
			if d.CanEdit != wantEdit {
				t.Errorf("%s: CanEdit = %v, want %v", name, d.CanEdit, wantEdit)
			}
		}

		// Changing: the sales asset by the sales member and manager and admins only.
		c := 3
		for name, a := range map[string]hikeshi.Actor{"member": member, "manager": mgr, "admin": admin} {
			if _, err := f.svc.Risks.UpdateAsset(ctx, a, sales.ID, service.InformationAssetPatch{Confidentiality: &c}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		for name, a := range map[string]hikeshi.Actor{"csirt": csirt, "other": other, "auditor": auditor} {
			_, err := f.svc.Risks.UpdateAsset(ctx, a, sales.ID, service.InformationAssetPatch{Confidentiality: &c})
			mustForbid(t, name+" updates", err)
			mustForbid(t, name+" deletes", f.svc.Risks.DeleteAsset(ctx, a, sales.ID))
		}
		itID := f.it.ID
		_, err = f.svc.Risks.UpdateAsset(ctx, member, sales.ID, service.InformationAssetPatch{OwnerDepartmentID: &itID})
		wantFieldCode(t, err, "owner_department_id", "not_allowed")

		// Hostile values.
		zero, four, two := 0, 4, "a\nb"
		bad := hikeshi.InformationAssetType("castle")
		cls := hikeshi.AssetClassification("top")
		_, err = f.svc.Risks.UpdateAsset(ctx, member, sales.ID, service.InformationAssetPatch{Confidentiality: &zero, Integrity: &four,
			Name: &two, Type: &bad, Classification: &cls})
		for _, fc := range [][2]string{{"confidentiality", "out_of_range"}, {"integrity", "out_of_range"}, {"name", "invalid_text"},
			{"type", "unknown"}, {"classification", "unknown"}} {
			wantFieldCode(t, err, fc[0], fc[1])
		}

		// A risk uses the asset: deleting it is refused naming the risk; archiving works.
		r, err := f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "名簿の持ち出し", Scenario: "s", AssetIDs: []string{sales.ID},
			Assessment: service.RiskAssessment{Likelihood: 2, Impact: 3}})
		if err != nil {
			t.Fatal(err)
		}
		err = f.svc.Risks.DeleteAsset(ctx, member, sales.ID)
		if !errors.Is(err, hikeshi.ErrConflict) || !strings.Contains(err.Error(), r.Title) {
			t.Errorf("delete a used asset: %v", err)
		}
		archived := true
		if _, err := f.svc.Risks.UpdateAsset(ctx, member, sales.ID, service.InformationAssetPatch{Archived: &archived}); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.svc.Risks.ListAssets(ctx, member, hikeshi.InformationAssetFilter{}); len(list) != 1 {
			t.Errorf("archived asset still listed: %v", list)
		}
		// An archived asset is not taken into a new risk; the risk that had it keeps it.
		_, err = f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "t", Scenario: "s", AssetIDs: []string{sales.ID},
			Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		wantFieldCode(t, err, "asset_ids", "archived")
		title := "名簿の持ち出し（改）"
		if _, err := f.svc.Risks.UpdateRisk(ctx, member, r.ID, service.RiskPatch{Title: &title}); err != nil {
			t.Errorf("a risk keeping its archived asset: %v", err)
		}
		// An unused asset is deleted.
		if err := f.svc.Risks.DeleteAsset(ctx, admin, itAsset.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Risks.Asset(ctx, admin, itAsset.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted asset: %v", err)
		}
		f.auditCount(t)
	})
}

func matrix3(t *testing.T) hikeshi.RiskMatrix {
	t.Helper()
	L, M, H := hikeshi.RiskLow, hikeshi.RiskMedium, hikeshi.RiskHigh
	return hikeshi.RiskMatrix{
		Likelihood: []hikeshi.ScaleLabel{{EN: "Low", JA: "低"}, {EN: "Mid", JA: "中"}, {EN: "High", JA: "高"}},
		Impact:     []hikeshi.ScaleLabel{{EN: "Small", JA: "小"}, {EN: "Mid", JA: "中"}, {EN: "Large", JA: "大"}},
		Cells:      [][]hikeshi.RiskLevel{{L, L, M}, {L, M, H}, {M, H, H}},
		ReviewDays: map[hikeshi.RiskLevel]int{hikeshi.RiskLow: 365, hikeshi.RiskMedium: 180, hikeshi.RiskHigh: 60, hikeshi.RiskVeryHigh: 30},
	}
}

// TestRiskMatrixVersions: admins alone change the matrix; bad matrices are
// refused naming the field; a change never re-scores a risk, which keeps its
// version until it is re-assessed on the current one.
func TestRiskMatrixVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager := riskManager(t, f)
		admin, member := actor(f.admin), actor(f.member)
		m0, err := f.svc.Risks.RiskMatrix(ctx, member)
		if err != nil || m0.Version != 1 || m0.Size() != "4×4" {
			t.Fatalf("default matrix %+v, %v", m0, err)
		}
		r, err := f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "停電", Scenario: "s",
			Assessment: service.RiskAssessment{Likelihood: 4, Impact: 4, ResidualLikelihood: 2, ResidualImpact: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Inherent != (hikeshi.RiskScore{Likelihood: 4, Impact: 4, MatrixVersion: 1, Level: hikeshi.RiskVeryHigh}) ||
			r.Residual.Level != hikeshi.RiskMedium || !r.NextReviewAt.Equal(f.clock.Now().AddDate(0, 0, 180)) {
			t.Errorf("risk scored %+v / %+v, next review %v", r.Inherent, r.Residual, r.NextReviewAt)
		}
		// Hostile scores: 0 and 5 are off the 4×4 matrix.
		_, err = f.svc.Risks.AssessRisk(ctx, member, r.ID, service.RiskAssessment{Likelihood: 0, Impact: 5})
		wantFieldCode(t, err, "likelihood", "out_of_range")
		wantFieldCode(t, err, "impact", "out_of_range")
		_, err = f.svc.Risks.AssessRisk(ctx, member, r.ID, service.RiskAssessment{Likelihood: 1, Impact: 1, ResidualLikelihood: 6})
		wantFieldCode(t, err, "residual_likelihood", "out_of_range")

		for name, a := range map[string]hikeshi.Actor{"member": member, "manager": actor(manager), "csirt": actor(f.csirt), "auditor": actor(f.auditor)} {
			_, err := f.svc.Risks.SetRiskMatrix(ctx, a, matrix3(t))
			mustForbid(t, name+" sets the matrix", err)
		}
		two := matrix3(t)
		two.Likelihood, two.Cells = two.Likelihood[:2], two.Cells[:2]
		_, err = f.svc.Risks.SetRiskMatrix(ctx, admin, two)
		wantFieldCode(t, err, "likelihood", "out_of_range")
		six := matrix3(t)
		for range 3 {
			six.Impact = append(six.Impact, hikeshi.ScaleLabel{EN: "x", JA: "x"})
		}
		_, err = f.svc.Risks.SetRiskMatrix(ctx, admin, six)
		wantFieldCode(t, err, "impact", "out_of_range")
		noJA := matrix3(t)
		noJA.Likelihood = append([]hikeshi.ScaleLabel(nil), noJA.Likelihood...)
		noJA.Likelihood[1].JA = " "
		_, err = f.svc.Risks.SetRiskMatrix(ctx, admin, noJA)
		wantFieldCode(t, err, "likelihood[1].ja", "required")
		badCell := matrix3(t)
		badCell.Cells = [][]hikeshi.RiskLevel{{"low", "low", "low"}, {"low", "extreme", "low"}, {"low", "low"}}
		_, err = f.svc.Risks.SetRiskMatrix(ctx, admin, badCell)
		wantFieldCode(t, err, "cells[1][1]", "unknown")
		wantFieldCode(t, err, "cells[2]", "mismatch")
		badDays := matrix3(t)
		badDays.ReviewDays = map[hikeshi.RiskLevel]int{hikeshi.RiskLow: 0}
		_, err = f.svc.Risks.SetRiskMatrix(ctx, admin, badDays)
		wantFieldCode(t, err, "review_days.low", "out_of_range")
		wantFieldCode(t, err, "review_days.high", "out_of_range")

		m2, err := f.svc.Risks.SetRiskMatrix(ctx, admin, matrix3(t))
		if err != nil || m2.Version != 2 {
			t.Fatalf("set matrix = %+v, %v", m2, err)
		}
		d, err := f.svc.Risks.Risk(ctx, member, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Risk.Inherent.MatrixVersion != 1 || d.Risk.Inherent.Level != hikeshi.RiskVeryHigh || !d.Stale(d.Risk.Inherent) ||
			d.Matrices[1].Size() != "4×4" || d.Matrix.Version != 2 {
			t.Errorf("after the change: %+v stale=%v matrices=%v", d.Risk.Inherent, d.Stale(d.Risk.Inherent), d.Matrices)
		}
		// 4 is off the new 3×3 matrix; a re-assessment scores on v2.
		_, err = f.svc.Risks.AssessRisk(ctx, member, r.ID, service.RiskAssessment{Likelihood: 4, Impact: 1})
		wantFieldCode(t, err, "likelihood", "out_of_range")
		r2, err := f.svc.Risks.AssessRisk(ctx, member, r.ID, service.RiskAssessment{Likelihood: 3, Impact: 2, Note: "見直し"})
		if err != nil {
			t.Fatal(err)
		}
		if r2.Inherent != (hikeshi.RiskScore{Likelihood: 3, Impact: 2, MatrixVersion: 2, Level: hikeshi.RiskHigh}) || r2.Residual.Scored() ||
			!r2.NextReviewAt.Equal(f.clock.Now().AddDate(0, 0, 60)) {
			t.Errorf("re-assessed %+v, next %v", r2, r2.NextReviewAt)
		}
		d, _ = f.svc.Risks.Risk(ctx, member, r.ID)
		if len(d.Events) != 2 || d.Events[0].Inherent.MatrixVersion != 1 || d.Events[1].Inherent.MatrixVersion != 2 || d.Events[1].Note != "見直し" {
			t.Errorf("history %+v", d.Events)
		}
		if d.Matrices[1].Version != 1 || d.Matrices[2].Version != 2 {
			t.Errorf("history matrices %v", d.Matrices)
		}
	})
}

// TestRiskTreatmentAndAcceptance: the owner department treats its risks;
// only managers and admins accept (the treatment accept, or the residual
// risk), recorded with who and when; members and auditors may not.
func TestRiskTreatmentAndAcceptance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		manager := riskManager(t, f)
		admin, csirt, member, other, auditor, mgr := actor(f.admin), actor(f.csirt), actor(f.member), actor(f.other), actor(f.auditor), actor(manager)
		r, err := f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "<b>漏えい</b>", Scenario: "<script>x</script>",
			OwnerUserID: f.member.ID, Assessment: service.RiskAssessment{Likelihood: 2, Impact: 2}})
		if err != nil {
			t.Fatal(err)
		}
		// Creating for another department, or as an auditor: refused.
		_, err = f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "t", Scenario: "s", OwnerDepartmentID: f.it.ID,
			Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		wantFieldCode(t, err, "owner_department_id", "not_allowed")
		_, err = f.svc.Risks.CreateRisk(ctx, auditor, service.RiskInput{Title: "t", Scenario: "s", Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		mustForbid(t, "auditor creates a risk", err)
		_, err = f.svc.Risks.CreateRisk(ctx, member, service.RiskInput{Title: "", Scenario: "", OwnerUserID: "nobody",
			AssetIDs: []string{"missing"}, Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		for _, fc := range [][2]string{{"title", "required"}, {"scenario", "required"}, {"owner_user_id", "unknown"}, {"asset_ids", "unknown"}} {
			wantFieldCode(t, err, fc[0], fc[1])
		}

		due := f.clock.Now().Add(7 * 24 * time.Hour)
		for name, a := range map[string]hikeshi.Actor{"csirt": csirt, "other": other, "auditor": auditor} {
			_, err := f.svc.Risks.SetTreatment(ctx, a, r.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate})
			mustForbid(t, name+" treats", err)
			_, err = f.svc.Risks.AssessRisk(ctx, a, r.ID, service.RiskAssessment{Likelihood: 1, Impact: 1})
			mustForbid(t, name+" assesses", err)
		}
		_, err = f.svc.Risks.SetTreatment(ctx, member, r.ID, service.TreatmentInput{Treatment: "ignore"})
		wantFieldCode(t, err, "treatment", "unknown")
		// Accepting as a member: forbidden, both ways.
		_, err = f.svc.Risks.SetTreatment(ctx, member, r.ID, service.TreatmentInput{Treatment: hikeshi.TreatAccept})
		mustForbid(t, "member chooses accept", err)
		for name, a := range map[string]hikeshi.Actor{"member": member, "csirt": csirt, "auditor": auditor} {
			_, err := f.svc.Risks.AcceptRisk(ctx, a, r.ID, "")
			mustForbid(t, name+" accepts", err)
		}
		// Nothing to accept yet (no residual, no accept treatment).
		_, err = f.svc.Risks.AcceptRisk(ctx, mgr, r.ID, "")
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("accepting with nothing to accept: %v", err)
		}
		r, err = f.svc.Risks.SetTreatment(ctx, member, r.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate, DueAt: due, Note: "MFA"})
		if err != nil || r.Treatment != hikeshi.TreatMitigate || !r.TreatmentDueAt.Equal(due) || r.Accepted() {
			t.Fatalf("mitigate: %+v, %v", r, err)
		}
		r, err = f.svc.Risks.AssessRisk(ctx, member, r.ID, service.RiskAssessment{Likelihood: 2, Impact: 2, ResidualLikelihood: 1, ResidualImpact: 1})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		r, err = f.svc.Risks.AcceptRisk(ctx, mgr, r.ID, "残留リスクを受容")
		if err != nil || r.AcceptedBy != manager.ID || !r.AcceptedAt.Equal(f.clock.Now()) {
			t.Fatalf("manager accepts residual: %+v, %v", r, err)
		}
		// A re-assessment takes the acceptance back.
		r, _ = f.svc.Risks.AssessRisk(ctx, member, r.ID, service.RiskAssessment{Likelihood: 3, Impact: 3})
		if r.Accepted() {
			t.Error("acceptance survived a re-assessment")
		}
		// A manager of another department (sales manager on an IT risk) and an admin may choose accept.
		itRisk, err := f.svc.Risks.CreateRisk(ctx, actor(f.other), service.RiskInput{Title: "IT", Scenario: "s", Assessment: service.RiskAssessment{Likelihood: 1, Impact: 1}})
		if err != nil {
			t.Fatal(err)
		}
		itRisk, err = f.svc.Risks.SetTreatment(ctx, mgr, itRisk.ID, service.TreatmentInput{Treatment: hikeshi.TreatAccept, Note: "低リスク"})
		if err != nil || itRisk.AcceptedBy != manager.ID {
			t.Fatalf("manager chooses accept: %+v, %v", itRisk, err)
		}
		_, err = f.svc.Risks.SetTreatment(ctx, mgr, itRisk.ID, service.TreatmentInput{Treatment: hikeshi.TreatMitigate})
		mustForbid(t, "a manager of another department changes the treatment", err)
		itRisk, err = f.svc.Risks.SetTreatment(ctx, actor(f.other), itRisk.ID, service.TreatmentInput{Treatment: hikeshi.TreatTransfer})
		if err != nil || itRisk.Accepted() {
			t.Errorf("a change of treatment keeps the acceptance: %+v, %v", itRisk, err)
		}
		if _, err := f.svc.Risks.SetTreatment(ctx, admin, itRisk.ID, service.TreatmentInput{Treatment: hikeshi.TreatAccept}); err != nil {
			t.Errorf("admin chooses accept: %v", err)
		}
		d, err := f.svc.Risks.Risk(ctx, auditor, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.CanEdit || d.CanAccept || d.Risk.Title != "<b>漏えい</b>" {
			t.Errorf("auditor's view %+v", d)
		}
		kinds := []hikeshi.RiskEventKind{}
		for _, e := range d.Events {
			kinds = append(kinds, e.Kind)
		}
		want := []hikeshi.RiskEventKind{hikeshi.RiskEventCreated, hikeshi.RiskEventTreatment, hikeshi.RiskEventAssessed, hikeshi.RiskEventAccepted, hikeshi.RiskEventAssessed}
		if len(kinds) != len(want) {
			t.Fatalf("history %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Errorf("history %v, want %v", kinds, want)
				break
			}
		}
		if d.Events[3].ActorID != manager.ID || d.Events[3].Note != "残留リスクを受容" {
			t.Errorf("acceptance row %+v", d.Events[3])
		}
		if d2, _ := f.svc.Risks.Risk(ctx, mgr, r.ID); !d2.CanAccept || !d2.CanEdit {
			t.Errorf("sales manager on a sales risk: CanEdit %v CanAccept %v", d2.CanEdit, d2.CanAccept)
		}
		// Only the system reminds.
		_, err = f.svc.Risks.Remind(ctx, admin)
		mustForbid(t, "admin runs the reminder", err)
		f.auditCount(t)
	})
}
