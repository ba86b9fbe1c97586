package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 4, 1, 9, 30, 0, 123456000, time.UTC)

func TestDepartmentsAndUsers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := hikeshi.Department{ID: hikeshi.NewID(), Name: "情報システム部", Kind: hikeshi.KindIT, CreatedAt: t0, UpdatedAt: t0}
		u := hikeshi.User{ID: hikeshi.NewID(), Email: "a@example.org", Name: "青木", Role: hikeshi.RoleMember, DepartmentID: d.ID,
			Locale: hikeshi.LocaleJA, PasswordHash: "x", LockedUntil: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0}
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
			return tx.CreateUser(ctx, u)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindUserByEmail(ctx, "a@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("user round trip (-want +got):\n%s", diff)
		}
		gd, err := db.FindDepartmentByName(ctx, "情報システム部")
		if err != nil || gd != d {
			t.Errorf("department round trip: %+v, %v", gd, err)
		}
		// Duplicate e-mail is a conflict; unknown department is invalid.
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			u2 := u
			u2.ID = hikeshi.NewID()
			return tx.CreateUser(ctx, u2)
		})
		if !errors.Is(err, hikeshi.ErrConflict) {
			t.Errorf("duplicate email: got %v, want ErrConflict", err)
		}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			u3 := u
			u3.ID, u3.Email, u3.DepartmentID = hikeshi.NewID(), "b@example.org", "nope"
			return tx.CreateUser(ctx, u3)
		})
		if !errors.Is(err, hikeshi.ErrInvalid) {
			t.Errorf("unknown department: got %v, want ErrInvalid", err)
		}
		if _, err := db.FindUserByID(ctx, "missing"); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("missing user: got %v, want ErrNotFound", err)
		}
	})
}

func TestAuditChainConcurrentWritersDoNotFork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					err := db.InTx(ctx, func(tx hikeshi.Tx) error {
						_, err := tx.AppendAudit(ctx, t0, hikeshi.AuditEvent{Actor: hikeshi.SystemActor("test"), Action: "test.write", Entity: "test", After: map[string]int{"i": i}})
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var v hikeshi.ChainVerifier
		headSeq, headHash, err := db.WalkAudit(ctx, v.Next)
		if err != nil {
			t.Fatalf("chain does not verify: %v", err)
		}
		if v.Checked() != writers*each || headSeq != writers*each {
			t.Errorf("checked %d entries, head at %d; want %d", v.Checked(), headSeq, writers*each)
		}
		recs, _ := db.FindAuditRecords(ctx, hikeshi.AuditFilter{Limit: 1})
		if len(recs) != 1 || recs[0].Hash != headHash {
			t.Errorf("head hash %s does not match the newest entry %+v", headHash, recs)
		}
	})
}

func TestMigrationsSameSchemaOnBothEngines(t *testing.T) {
	var schemas [2]map[string][]string
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s, err := db.Schema(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if db.Engine() == store.SQLite {
			schemas[0] = s
		} else {
			schemas[1] = s
		}
	})
	if schemas[0] == nil || schemas[1] == nil {
		return // one engine skipped; the skip was reported
	}
	if diff := cmp.Diff(schemas[0], schemas[1]); diff != "" {
		t.Errorf("schemas differ between engines (-sqlite +postgres):\n%s", diff)
	}
}

func TestRefusesForeignFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("my important notes, not a database"), 0o600)
	_, err := store.Open(ctx, store.Options{DataDir: dir, DB: notDB})
	if err == nil || !strings.Contains(err.Error(), "not a SQLite database") {
		t.Fatalf("opening a text file: got %v", err)
	}
	if b, _ := os.ReadFile(notDB); string(b) != "my important notes, not a database" {
		t.Error("the foreign file was changed")
	}
	// A SQLite database of another application.
	other := filepath.Join(dir, "other.db")
	odb, err := store.Open(ctx, store.Options{DataDir: dir, DB: other})
	if err != nil {
		t.Fatal(err)
	}
	odb.Close()
	if err := store.ForgetOwnership(other); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, store.Options{DataDir: dir, DB: other})
	if err == nil || !strings.Contains(err.Error(), "another application") {
		t.Fatalf("opening another application's database: got %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.ExecForTest(ctx, "INSERT INTO hikeshi_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', ?)", t0); err != nil {
			t.Fatal(err)
		}
		err := db.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "newer than this hikeshi binary knows") {
			t.Fatalf("got %v, want a refusal naming the newer schema", err)
		}
	})
}

func TestBadDatabaseURLs(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ db, want string }{
		{"postgres://u:secret@127.0.0.1:1/x?connect_timeout=2", "cannot reach PostgreSQL at 127.0.0.1:1"},
		{"postgres://u:secret@[::1/x", "malformed"},
		{"mysql://u@h/x", "neither a postgres:// URL nor a file path"},
	} {
		_, err := store.Open(ctx, store.Options{DB: tc.db, DataDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.db, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error leaks the password: %v", tc.db, err)
		}
	}
}
