package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestVulnerabilitiesStore checks on both engines that vulnerabilities keep
// every field (lists, references, scores, days), that the list filters by
// status and severity newest first through the cursor, that upcoming
// publications come soonest first, and that remediation tasks and
// exceptions round-trip and are found by their reminder and expiry queries.
func TestVulnerabilitiesStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		user := mkUser(t, db, "vuln@example.org")
		var dept hikeshi.Department
		var vs []hikeshi.Vulnerability
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			dept = hikeshi.Department{ID: hikeshi.NewID(), Name: "IT", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			for i, st := range []hikeshi.VulnStatus{hikeshi.VulnOpen, hikeshi.VulnClosed, hikeshi.VulnOpen, hikeshi.VulnAccepted} {
				time.Sleep(2 * time.Millisecond)
				v := hikeshi.Vulnerability{ID: hikeshi.NewID(), CVE: "CVE-2026-0001", TitleJA: "脆弱性 <b>", DescriptionJA: "説明\n\"x\"",
					TitleEN: "Vuln", DescriptionEN: "Text", Vendor: "V", Versions: "<= 1", Fix: "2", CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
					CVSS31Base: 98, CVSS31Score: 95, CVSS40: "CVSS:4.0/x", CVSS40Score: 93, Severity: []hikeshi.VulnSeverity{hikeshi.VulnCritical, hikeshi.VulnLow}[i%2],
					Status: st, AssetIDs: []string{"a1", "a2"}, IncidentIDs: []string{"i1"}, AdvisoryIDs: nil,
					References: []hikeshi.AdvisoryReference{{URL: "https://example.com", Summary: "s"}}, CreatedBy: user.ID, CreatedAt: t0, UpdatedAt: t0}
				if i == 2 {
					v.Disclosure, v.AcknowledgedAt, v.AcknowledgedBy = hikeshi.DisclosureAcknowledged, t0, user.ID
					v.PublicationDate = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
				}
				if i == 3 {
					v.Disclosure, v.PublicationDate = hikeshi.DisclosurePublished, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
				}
				if err := tx.CreateVulnerability(ctx, v); err != nil {
					return err
				}
				vs = append(vs, v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindVulnerabilityByID(ctx, vs[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := vs[2]
		if !got.CreatedAt.Equal(want.CreatedAt) || !got.PublicationDate.Equal(want.PublicationDate) || !got.AcknowledgedAt.Equal(want.AcknowledgedAt) {
			t.Errorf("times %v %v %v", got.CreatedAt, got.PublicationDate, got.AcknowledgedAt)
		}
		got.CreatedAt, got.UpdatedAt, got.PublicationDate, got.AcknowledgedAt = want.CreatedAt, want.UpdatedAt, want.PublicationDate, want.AcknowledgedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		if _, err := db.FindVulnerabilityByID(ctx, "nope"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
		open, _ := db.FindVulnerabilities(ctx, hikeshi.VulnerabilityFilter{Status: hikeshi.VulnOpen})
		crit, _ := db.FindVulnerabilities(ctx, hikeshi.VulnerabilityFilter{Severity: hikeshi.VulnCritical, Status: hikeshi.VulnOpen})
		page, _ := db.FindVulnerabilities(ctx, hikeshi.VulnerabilityFilter{Page: hikeshi.Page{Limit: 2, After: vs[3].ID}})
		if len(open) != 2 || open[0].ID != vs[2].ID || len(crit) != 2 || len(page) != 2 || page[0].ID != vs[2].ID || page[1].ID != vs[1].ID {
			t.Errorf("lists %d %d %d", len(open), len(crit), len(page))
		}
		up, err := db.FindUpcomingVulnerabilityPublications(ctx, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), 10)
		if err != nil || len(up) != 1 || up[0].ID != vs[2].ID {
			t.Errorf("upcoming %d %v", len(up), err)
		}
		due := t0.Add(24 * time.Hour)
		r := hikeshi.VulnerabilityRemediation{ID: hikeshi.NewID(), VulnerabilityID: vs[0].ID, DepartmentID: dept.ID, AssetID: "a1",
			Status: hikeshi.RemediationOpen, DueAt: due, CreatedBy: user.ID, CreatedAt: t0, UpdatedAt: t0}
		e := hikeshi.VulnerabilityException{ID: hikeshi.NewID(), VulnerabilityID: vs[0].ID, Reason: "r", ExpiresAt: due,
			Status: hikeshi.ExceptionApproved, RequestedBy: user.ID, CreatedAt: t0, UpdatedAt: t0}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateVulnerabilityRemediation(ctx, r); err != nil {
				return err
			}
			return tx.CreateVulnerabilityException(ctx, e)
		}); err != nil {
			t.Fatal(err)
		}
		later := due.Add(time.Hour)
		od, _ := db.FindOverdueRemediations(ctx, later, later.Add(-7*24*time.Hour), hikeshi.Page{})
		early, _ := db.FindOverdueRemediations(ctx, t0, t0, hikeshi.Page{})
		mine, _ := db.FindDepartmentRemediations(ctx, hikeshi.RemediationFilter{DepartmentID: dept.ID, OpenOnly: true})
		if len(od) != 1 || len(early) != 0 || len(mine) != 1 || mine[0].AssetID != "a1" || !mine[0].DueAt.Equal(due) {
			t.Errorf("tasks %d %d %d", len(od), len(early), len(mine))
		}
		r.Status, r.Note, r.CompletedBy, r.CompletedAt, r.RemindedAt = hikeshi.RemediationDone, "done", user.ID, later, later
		e.Status, e.DecidedBy, e.DecidedAt = hikeshi.ExceptionExpired, user.ID, later
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.UpdateVulnerabilityRemediation(ctx, r); err != nil {
				return err
			}
			return tx.UpdateVulnerabilityException(ctx, e)
		}); err != nil {
			t.Fatal(err)
		}
		gr, _ := db.FindVulnerabilityRemediationByID(ctx, r.ID)
		ge, _ := db.FindVulnerabilityExceptionByID(ctx, e.ID)
		if gr.Status != hikeshi.RemediationDone || gr.Note != "done" || gr.CompletedBy != user.ID || !gr.CompletedAt.Equal(later) ||
			ge.Status != hikeshi.ExceptionExpired || ge.DecidedBy != user.ID {
			t.Errorf("updates %+v %+v", gr, ge)
		}
		if ex, _ := db.FindExpiredVulnerabilityExceptions(ctx, later, 10); len(ex) != 0 {
			t.Errorf("an expired exception is found again")
		}
	})
}
