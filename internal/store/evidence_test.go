package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestObservablesAcrossIncidents stores one observable for two incidents and
// checks that "also seen in" filters restricted incidents in the query.
func TestObservablesAcrossIncidents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		viewer := mkUser(t, db, "viewer@example.org")
		var green, red, redMember hikeshi.Incident
		var obs hikeshi.Observable
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for i, p := range []*hikeshi.Incident{&green, &red, &redMember} {
				time.Sleep(2 * time.Millisecond)
				tlp := hikeshi.TLPGreen
				if i > 0 {
					tlp = hikeshi.TLPRed
				}
				*p = newIncident(i+1, t0, tlp)
				if err := tx.CreateIncident(ctx, *p); err != nil {
					return err
				}
			}
			if err := tx.AddIncidentMember(ctx, hikeshi.IncidentMember{IncidentID: redMember.ID, UserID: viewer.ID, AddedAt: t0}); err != nil {
				return err
			}
			var err error
			obs, err = tx.EnsureObservable(ctx, hikeshi.Observable{ID: hikeshi.NewID(), Type: hikeshi.ObservableIP, Value: "192.0.2.1", CreatedAt: t0})
			if err != nil {
				return err
			}
			again, err := tx.EnsureObservable(ctx, hikeshi.Observable{ID: hikeshi.NewID(), Type: hikeshi.ObservableIP, Value: "192.0.2.1", CreatedAt: t0.Add(time.Hour)})
			if err != nil {
				return err
			}
			if again != obs {
				t.Errorf("second EnsureObservable = %+v, want the first %+v", again, obs)
			}
			for _, inc := range []hikeshi.Incident{green, red, redMember} {
				if err := tx.CreateIncidentObservable(ctx, hikeshi.IncidentObservable{ID: hikeshi.NewID(), IncidentID: inc.ID,
					Observable: obs, Note: "見た <b>", AddedBy: viewer.ID, AddedAt: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A second link of one observable to one incident is a conflict.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			return tx.CreateIncidentObservable(ctx, hikeshi.IncidentObservable{ID: hikeshi.NewID(), IncidentID: green.ID, Observable: obs, AddedAt: t0})
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate link: %v, want ErrConflict", err)
		}
		links, err := db.FindIncidentObservables(ctx, green.ID, hikeshi.Page{})
		if err != nil || len(links) != 1 {
			t.Fatalf("links %+v %v", links, err)
		}
		want := hikeshi.IncidentObservable{ID: links[0].ID, IncidentID: green.ID, Observable: obs, Note: "見た <b>", AddedBy: viewer.ID, AddedAt: t0}
		if diff := cmp.Diff(want, links[0]); diff != "" {
			t.Errorf("link (-want +got):\n%s", diff)
		}
		if one, err := db.FindIncidentObservable(ctx, links[0].ID); err != nil || one != links[0] {
			t.Errorf("FindIncidentObservable = %+v %v", one, err)
		}
		ids := func(f hikeshi.ObservableIncidentFilter) []string {
			t.Helper()
			f.ObservableID = obs.ID
			refs, err := db.FindObservableIncidents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range refs {
				out = append(out, r.Number)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    hikeshi.ObservableIncidentFilter
			want []string
		}{
			{"sees all", hikeshi.ObservableIncidentFilter{SeeRestricted: true}, []string{redMember.Number, red.Number, green.Number}},
			{"viewer", hikeshi.ObservableIncidentFilter{ViewerID: viewer.ID}, []string{redMember.Number, green.Number}},
			{"stranger", hikeshi.ObservableIncidentFilter{ViewerID: hikeshi.NewID()}, []string{green.Number}},
			{"member only", hikeshi.ObservableIncidentFilter{ViewerID: viewer.ID, MemberOnly: true}, []string{redMember.Number}},
			{"except", hikeshi.ObservableIncidentFilter{SeeRestricted: true, ExceptIncidentID: redMember.ID}, []string{red.Number, green.Number}},
			{"paged", hikeshi.ObservableIncidentFilter{SeeRestricted: true, Page: hikeshi.Page{After: redMember.ID, Limit: 1}}, []string{red.Number}},
		} {
			if diff := cmp.Diff(tc.want, ids(tc.f)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
		found, err := db.FindObservablesByValue(ctx, []string{"192.0.2.1", "nothing"})
		if err != nil || len(found) != 1 || found[0] != obs {
			t.Errorf("by value: %+v %v", found, err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteIncidentObservable(ctx, links[0].ID) }); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteIncidentObservable(ctx, links[0].ID) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if _, err := db.FindObservable(ctx, hikeshi.ObservableIP, "192.0.2.1"); err != nil {
			t.Errorf("the observable went with its link: %v", err)
		}
	})
}

func TestAffectedAssetsRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		inc := newIncident(1, t0, hikeshi.TLPAmber)
		dept := hikeshi.Department{ID: hikeshi.NewID(), Name: "情報システム部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		a := hikeshi.AffectedAsset{ID: hikeshi.NewID(), IncidentID: inc.ID, Name: "web01", Kind: hikeshi.AssetServer, Identifier: "192.0.2.10",
			DepartmentID: dept.ID, Criticality: 2, Note: "<script>x</script>", CreatedAt: t0, UpdatedAt: t0}
		b := hikeshi.AffectedAsset{ID: hikeshi.NewID(), IncidentID: inc.ID, Name: "顧客データ", Kind: hikeshi.AssetData, CreatedAt: t0, UpdatedAt: t0}
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateIncident(ctx, inc); err != nil {
				return err
			}
			if err := tx.CreateDepartment(ctx, dept); err != nil {
				return err
			}
			if err := tx.CreateAffectedAsset(ctx, a); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
			b.ID = hikeshi.NewID()
			return tx.CreateAffectedAsset(ctx, b)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAffectedAssets(ctx, inc.ID, hikeshi.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]hikeshi.AffectedAsset{a, b}, got); diff != "" {
			t.Errorf("assets (-want +got):\n%s", diff)
		}
		a.Criticality, a.DepartmentID, a.Name, a.UpdatedAt = 0, "", "web01 (停止済み)", t0.Add(time.Hour)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.UpdateAffectedAsset(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		if one, err := db.FindAffectedAsset(ctx, a.ID); err != nil || one != a {
			t.Errorf("after update %+v %v, want %+v", one, err, a)
		}
		bad := b
		bad.ID, bad.Kind = hikeshi.NewID(), "culprit"
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateAffectedAsset(ctx, bad) }); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown kind: %v, want ErrInvalid", err)
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.DeleteAffectedAsset(ctx, b.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindAffectedAsset(ctx, b.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("deleted asset: %v", err)
		}
	})
}

// TestEvidenceStreamsAndSweep stores a multi-MiB evidence file, reads it back
// with the same SHA-256, and checks that the sweep deletes only old blobs
// nothing refers to.
func TestEvidenceStreamsAndSweep(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		inc := newIncident(1, t0, hikeshi.TLPAmber)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIncident(ctx, inc) }); err != nil {
			t.Fatal(err)
		}
		data := make([]byte, 3<<20+12345)
		rand.Read(data)
		sum := sha256.Sum256(data)
		b, err := db.PutBlob(ctx, bytes.NewReader(data), hikeshi.MaxEvidenceSize)
		if err != nil || b.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("PutBlob = %+v %v", b, err)
		}
		e := hikeshi.IncidentEvidence{ID: hikeshi.NewID(), IncidentID: inc.ID, SHA256: b.SHA256, Filename: "disk.img", Size: b.Size,
			MediaType: b.MediaType, Description: "メモリダンプ", AddedAt: t0}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIncidentEvidence(ctx, e) }); err != nil {
			t.Fatal(err)
		}
		dup := e
		dup.ID = hikeshi.NewID()
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIncidentEvidence(ctx, dup) }); !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("same file twice: %v, want ErrConflict", err)
		}
		ghost := e
		ghost.ID, ghost.SHA256 = hikeshi.NewID(), strings.Repeat("0", 64)
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIncidentEvidence(ctx, ghost) }); !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown blob: %v, want ErrInvalid", err)
		}
		got, err := db.FindIncidentEvidence(ctx, inc.ID, hikeshi.Page{})
		if err != nil || len(got) != 1 || got[0] != e {
			t.Fatalf("evidence %+v %v", got, err)
		}
		if one, err := db.FindIncidentEvidenceByID(ctx, e.ID); err != nil || one != e {
			t.Errorf("by id %+v %v", one, err)
		}
		rc, _, err := db.OpenBlob(ctx, e.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil || n != int64(len(data)) || hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
			t.Errorf("read back %d bytes, %v; checksum differs", n, err)
		}

		// An orphan (a refused report form's file) and the evidence blob.
		orphan, err := db.PutBlob(ctx, strings.NewReader("orphan"), 100)
		if err != nil {
			t.Fatal(err)
		}
		sweep := func(olderThan time.Time) int {
			t.Helper()
			var n int
			if err := db.InTx(ctx, func(tx hikeshi.Tx) error {
				var err error
				n, err = tx.DeleteUnreferencedBlobs(ctx, olderThan, 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := sweep(orphan.CreatedAt); n != 0 {
			t.Errorf("swept %d blobs inside the grace period", n)
		}
		if n := sweep(time.Now().Add(time.Hour)); n != 1 {
			t.Errorf("swept %d blobs, want the orphan only", n)
		}
		if _, err := db.FindBlob(ctx, orphan.SHA256); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("orphan still there: %v", err)
		}
		if _, err := db.FindBlob(ctx, e.SHA256); err != nil {
			t.Errorf("evidence blob swept: %v", err)
		}
	})
}
