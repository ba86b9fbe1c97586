package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// cheapArgon keeps password hashing fast in tests; hashes carry their own
// parameters, so logins after a restore check them the same way.
var cheapArgon = service.ArgonParams{Memory: 1024, Time: 1, Threads: 1}

// filled records what fillThroughServices created, to check after a restore.
type filled struct {
	passwords map[string]string // e-mail → password, for accounts that can sign in
	tokens    map[string]bool   // API token secret → whether it must authenticate
	audits    int64             // audit entries written
}

// fixture is what fillThroughServices has built when it calls the areas'
// fillers: each area of incident handling fills its own tables from a file of
// its own (backup_fixture_<area>_test.go) by appending to areaFillers.
type fixture struct {
	db        *store.DB
	svc       *service.Services
	users     []hikeshi.User // users[i] has role hikeshi.Roles[i%len(Roles)]; users[1] is CSIRT
	depts     []hikeshi.Department
	csirt     hikeshi.Actor
	incidents []hikeshi.Incident // a RED one (reopened = false) and a GREEN one (reopened)
	reports   []hikeshi.Report   // anonymous, signed-in, external
}

// areaFillers fill the tables of the areas of incident handling, in the
// order of their files' names.
var areaFillers []func(t testing.TB, ctx context.Context, f *fixture)

// fillThroughServices builds an organisation the way users do: through the
// services, so every change has its audit entry.
func fillThroughServices(t testing.TB, db *store.DB, extraAudits int) filled {
	t.Helper()
	ctx := context.Background()
	svc := service.New(db, service.Options{Argon: cheapArgon})
	sys := hikeshi.SystemActor("test")
	f := filled{passwords: map[string]string{}, tokens: map[string]bool{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var depts []hikeshi.Department
	for i, k := range hikeshi.DepartmentKinds {
		d, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: fmt.Sprintf("部門 %d <&> \"%s\"", i, k), Kind: k})
		must(err)
		depts = append(depts, d)
	}
	spare, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "to be renamed", Kind: hikeshi.KindIT})
	must(err)
	newName := "renamed 改名"
	_, err = svc.Departments.Update(ctx, sys, spare.ID, service.DepartmentPatch{Name: &newName})
	must(err)
	gone, err := svc.Departments.Create(ctx, sys, service.DepartmentInput{Name: "short-lived", Kind: hikeshi.KindCSIRT})
	must(err)
	must(svc.Departments.Delete(ctx, sys, gone.ID))

	var users []hikeshi.User
	for i := range 12 {
		role := hikeshi.Roles[i%len(hikeshi.Roles)]
		in := service.UserInput{Email: fmt.Sprintf("user%02d@example.org", i), Name: fmt.Sprintf("利用者 %d", i), Role: role,
			Locale: []hikeshi.Locale{"", hikeshi.LocaleJA, hikeshi.LocaleEN}[i%3]}
		if role != hikeshi.RoleAdmin || i%2 == 1 {
			in.DepartmentID = depts[i%len(depts)].ID
		}
		if i%4 != 3 {
			in.Password = fmt.Sprintf("correct horse battery staple %d", i)
		}
		u, err := svc.Users.Create(ctx, sys, in)
		must(err)
		users = append(users, u)
		if in.Password != "" {
			f.passwords[u.Email] = in.Password
		}
	}
	name := "Renamed Person \u2603 \\ \"quoted\""
	_, err = svc.Users.Update(ctx, sys, users[1].ID, service.UserPatch{Name: &name})
	must(err)
	_, err = svc.Users.SetDisabled(ctx, sys, users[2].ID, true)
	must(err)
	delete(f.passwords, users[2].Email)
	// Five failed sign-ins lock users[5]; one failure leaves users[6] with a count.
	for range 5 {
		svc.Auth.Login(ctx, users[5].Email, "wrong password!", service.ClientInfo{})
	}
	delete(f.passwords, users[5].Email)
	svc.Auth.Login(ctx, users[6].Email, "wrong password!", service.ClientInfo{})
	svc.Auth.Login(ctx, "nobody@example.org", "wrong password!", service.ClientInfo{})
	// A session, which is not backed up.
	_, _, _, err = svc.Auth.Login(ctx, users[0].Email, f.passwords[users[0].Email], service.ClientInfo{UserAgent: "test"})
	must(err)
	for i, u := range []hikeshi.User{users[0], users[1], users[4]} {
		tok, secret, err := svc.Auth.CreateToken(ctx, sys, u.ID, fmt.Sprintf("token %d", i))
		must(err)
		f.tokens[secret] = i != 1
		if i == 1 {
			must(svc.Auth.RevokeToken(ctx, sys, u.ID, tok.ID))
		}
		if i == 2 {
			_, _, err := svc.Auth.AuthenticateToken(ctx, secret) // sets last_used_at
			must(err)
		}
	}
	fx := &fixture{db: db, svc: svc, users: users, depts: depts}
	// Reports from people: anonymous, signed-in and external, with a thread.
	for i, in := range []service.ReportInput{
		{Description: "怪しいメール <script>alert(1)</script>", Anonymous: true},
		{Description: "USB メモリを紛失しました\n駅で気づきました", Contact: "内線 1234", NoticedAt: hikeshi.SystemClock{}.Now().Add(-time.Hour)},
		{Source: hikeshi.SourceExternal, Description: "XSS on your site", ContactEmail: "researcher@example.net", Organisation: "Example Lab"},
	} {
		actor := hikeshi.Actor{}
		if i == 1 {
			actor = hikeshi.ActorFor(users[3], "web")
		}
		sub, err := svc.Reports.Submit(ctx, actor, in)
		must(err)
		fx.reports = append(fx.reports, sub.Report)
		_, err = svc.Reports.AddMessage(ctx, hikeshi.ActorFor(users[1], "web"), sub.Report.ID, "ありがとうございます。確認します。")
		must(err)
		_, err = svc.Reports.AddFollowUpMessage(ctx, sub.FollowUpCode, "追加の情報です", "web")
		must(err)
		if i == 2 {
			// An attachment of two chunks, so the chunks' order is covered.
			data := bytes.Repeat([]byte("evidence \x00\xff "), hikeshi.BlobChunkSize/12)
			b, err := db.PutBlob(ctx, bytes.NewReader(data), 1<<20)
			must(err)
			must(db.InTx(ctx, func(tx hikeshi.Tx) error {
				return tx.CreateReportAttachment(ctx, hikeshi.ReportAttachment{ID: hikeshi.NewID(), ReportID: sub.Report.ID,
					SHA256: b.SHA256, Filename: "証拠 1.bin", Size: b.Size, MediaType: b.MediaType, CreatedAt: b.CreatedAt})
			}))
		}
	}
	// Incidents: a RED one with a member, moved through phases with an OODA
	// loop and a note, and a plain one; and one reopened after closing.
	csirt := hikeshi.ActorFor(users[1], "web") // users[1] is csirt (Roles order)
	fx.csirt = csirt
	for i, tlp := range []hikeshi.TLP{hikeshi.TLPRed, hikeshi.TLPGreen} {
		inc, err := svc.Incidents.Create(ctx, csirt, service.IncidentInput{Title: fmt.Sprintf("インシデント %d <b>", i),
			Summary: "要約\n二行目", Category: "phishing", Impact: 2, Urgency: 1, TLP: tlp, OwnerID: users[1].ID})
		must(err)
		fx.incidents = append(fx.incidents, inc)
		must(svc.Incidents.AddMember(ctx, csirt, inc.ID, users[3+i].ID))
		for _, k := range hikeshi.OODAKinds {
			_, err := svc.Incidents.AddOODAStep(ctx, csirt, inc.ID, k, "手順 "+string(k))
			must(err)
		}
		_, err = svc.Incidents.AddNote(ctx, csirt, inc.ID, "メモ")
		must(err)
		for _, p := range hikeshi.Phases[1:] {
			if p == hikeshi.PhaseClosed {
				completeReviewBeforeClosing(t, ctx, svc, csirt, inc.ID, users, depts) // backup_fixture_review_test.go
			}
			_, err := svc.Incidents.Transition(ctx, csirt, inc.ID, p, "次へ")
			must(err)
		}
		if i == 1 {
			_, err := svc.Incidents.Reopen(ctx, csirt, inc.ID, "再発")
			must(err)
		}
	}
	for _, fill := range areaFillers {
		fill(t, ctx, fx)
	}
	// Jobs in several states: pending with and without a unique key, and done.
	must(db.InTx(ctx, func(tx hikeshi.Tx) error {
		now := hikeshi.SystemClock{}.Now()
		for i, key := range []string{"clock:1:remind", "", "clock:2:remind"} {
			j, err := hikeshi.NewJob("clock.remind", map[string]any{"i": i, "note": "リマインド"}, now, now)
			if err != nil {
				return err
			}
			j.UniqueKey = key
			if _, err := tx.EnqueueJob(ctx, j); err != nil {
				return err
			}
		}
		return nil
	}))
	claimed, err := db.ClaimJobs(ctx, "fixture", hikeshi.SystemClock{}.Now(), time.Hour, 2)
	must(err)
	must(db.CompleteJob(ctx, claimed[0].ID, "fixture", hikeshi.SystemClock{}.Now()))
	must(db.InTx(ctx, func(tx hikeshi.Tx) error {
		for k, v := range map[string]string{"org.name": "火消し株式会社", "quote\"key": "line1\nline2", "empty": ""} {
			if err := tx.PutSetting(ctx, k, v, hikeshi.SystemClock{}.Now()); err != nil {
				return err
			}
		}
		return nil
	}))
	for i := 0; i < extraAudits; i += 500 {
		must(db.InTx(ctx, func(tx hikeshi.Tx) error {
			for j := i; j < min(i+500, extraAudits); j++ {
				if _, err := tx.AppendAudit(ctx, hikeshi.SystemClock{}.Now(), hikeshi.AuditEvent{Actor: sys, Action: "test.bulk", Entity: "test",
					EntityID: fmt.Sprint(j), After: map[string]any{"n": j, "text": "<b>&amp;</b> 日本語 \u2028"}}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	n, err := svc.Audit.Verify(ctx)
	must(err)
	f.audits = n
	return f
}

// archive is a decoded backup: rows per table as canonical JSON objects
// (keys sorted), sorted, so archives of either engine compare equal.
type archive struct {
	header  map[string]any
	tables  map[string][]string
	trailer map[string]any
}

func decodeArchive(t testing.TB, b []byte) archive {
	t.Helper()
	lines := archiveLines(t, b)
	a := archive{tables: map[string][]string{}}
	if err := json.Unmarshal(lines[0], &a.header); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[len(lines)-1], &a.trailer); err != nil {
		t.Fatal(err)
	}
	var table string
	var cols []string
	for _, l := range lines[1 : len(lines)-1] {
		if l[0] == '{' {
			var s struct {
				Table   string
				Columns []string
			}
			if err := json.Unmarshal(l, &s); err != nil {
				t.Fatal(err)
			}
			table, cols = s.Table, s.Columns
			a.tables[table] = []string{}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(l))
		dec.UseNumber()
		var vals []any
		if err := dec.Decode(&vals); err != nil {
			t.Fatal(err)
		}
		obj := map[string]any{}
		for i, c := range cols {
			obj[c] = vals[i]
		}
		enc, _ := json.Marshal(obj)
		a.tables[table] = append(a.tables[table], string(enc))
	}
	for _, rows := range a.tables {
		sort.Strings(rows)
	}
	return a
}

// archiveLines returns the decompressed lines of an archive, without newlines.
func archiveLines(t testing.TB, b []byte) [][]byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	for i := range lines {
		lines[i] = bytes.Clone(lines[i])
	}
	return lines
}

// fixChecksum sets the sha256 of the trailer, the last line, to that of the
// lines before it; it fails when the trailer is not a JSON object.
func fixChecksum(lines [][]byte) error {
	sum := sha256.New()
	for _, l := range lines[:len(lines)-1] {
		sum.Write(l)
		sum.Write([]byte("\n"))
	}
	var tr map[string]any
	d := json.NewDecoder(bytes.NewReader(lines[len(lines)-1]))
	d.UseNumber()
	if err := d.Decode(&tr); err != nil {
		return err
	}
	if tr == nil {
		return errors.New("the trailer is null")
	}
	tr["sha256"] = hex.EncodeToString(sum.Sum(nil))
	lines[len(lines)-1], _ = json.Marshal(tr)
	return nil
}

// packLines gzips lines back into an archive; with fixSum it recomputes the
// trailer's checksum, so a test reaches the check behind it.
func packLines(t testing.TB, lines [][]byte, fixSum bool) []byte {
	t.Helper()
	if fixSum {
		if err := fixChecksum(lines); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range lines {
		zw.Write(l)
		zw.Write([]byte("\n"))
	}
	zw.Close()
	return buf.Bytes()
}

func backup(t testing.TB, db *store.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := db.Backup(context.Background(), &buf); err != nil {
		t.Fatalf("backup: %v", err)
	}
	return buf.Bytes()
}

// assertEmpty fails unless every backed-up table is empty and the audit
// chain head is at its start.
func assertEmpty(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	counts, err := db.CountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if c.Rows != 0 {
			t.Fatalf("the target is no longer empty: %+v", counts)
		}
	}
	seq, h, err := db.WalkAudit(ctx, func(hikeshi.AuditRecord) error { return nil })
	if err != nil || seq != 0 || h != hikeshi.GenesisHash {
		t.Fatalf("the target's audit chain head moved: %d %s %v", seq, h, err)
	}
}

func TestBackupCoversEveryTable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.CheckBackupCoverage(ctx); err != nil {
			t.Fatalf("the backup's table list disagrees with the schema: %v", err)
		}
		// The check notices a table a later migration adds but backups forget.
		if err := db.ExecForTest(ctx, "CREATE TABLE incidents_forgotten (id TEXT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		err := db.CheckBackupCoverage(ctx)
		if err == nil || !strings.Contains(err.Error(), "table incidents_forgotten is neither backed up nor excluded") {
			t.Errorf("a forgotten table: got %v", err)
		}
		if db.Engine() == store.Postgres {
			if err := db.ExecForTest(ctx, "ALTER TABLE settings ADD COLUMN checked_at TIMESTAMPTZ"); err != nil {
				t.Fatal(err)
			}
			err := db.CheckBackupCoverage(ctx)
			if err == nil || !strings.Contains(err.Error(), "settings.checked_at is a time on PostgreSQL") {
				t.Errorf("a forgotten time column: got %v", err)
			}
		}
	})
}

type opener struct {
	name string
	open func(testing.TB) *store.DB
}

var engines = []opener{{"sqlite", storetest.NewSQLite}, {"postgres", storetest.NewPostgres}}

// TestBackupRestoreAcrossEngines is the path users take to move between
// engines: fill through the services, back up, restore elsewhere, and find
// every row, the audit chain and every password intact.
func TestBackupRestoreAcrossEngines(t *testing.T) {
	for _, from := range engines {
		for _, to := range engines {
			t.Run(from.name+"_to_"+to.name, func(t *testing.T) {
				ctx := context.Background()
				src := from.open(t)
				dst := to.open(t)
				f := fillThroughServices(t, src, 1500)
				b := backup(t, src)

				s, err := dst.RestoreWithSummary(ctx, bytes.NewReader(b))
				if err != nil {
					t.Fatalf("restore: %v", err)
				}
				if s.AuditHeadSeq != f.audits || s.Engine != src.Engine() || s.SchemaVersion != schemaVersion(t, store.SQLite) {
					t.Errorf("summary %+v; want the head at %d and engine %s", s, f.audits, src.Engine())
				}

				want, got := decodeArchive(t, b), decodeArchive(t, backup(t, dst))
				if diff := cmp.Diff(want.tables, got.tables); diff != "" {
					t.Errorf("restored rows differ (-source +restored):\n%s", diff)
				}
				if diff := cmp.Diff(want.trailer["audit_head"], got.trailer["audit_head"]); diff != "" {
					t.Errorf("audit head differs (-source +restored):\n%s", diff)
				}
				for name, rows := range want.tables {
					if len(rows) == 0 {
						t.Errorf("the fixture left table %s empty; fill it so the round trip covers it", name)
					}
				}

				svc := service.New(dst, service.Options{Argon: cheapArgon})
				n, err := svc.Audit.Verify(ctx)
				if err != nil || n != f.audits {
					t.Fatalf("verify the restored chain: %d entries, %v; want %d", n, err, f.audits)
				}
				for email, pw := range f.passwords {
					if _, _, _, err := svc.Auth.Login(ctx, email, pw, service.ClientInfo{}); err != nil {
						t.Errorf("login of %s after restore: %v", email, err)
					}
				}
				for secret, ok := range f.tokens {
					_, _, err := svc.Auth.AuthenticateToken(ctx, secret)
					if ok != (err == nil) {
						t.Errorf("token %.10s… after restore: %v, want valid=%v", secret, err, ok)
					}
				}
				// The restored chain goes on: new entries link to the restored head.
				if _, err := svc.Departments.Create(ctx, hikeshi.SystemActor("test"), service.DepartmentInput{Name: "after restore", Kind: hikeshi.KindIT}); err != nil {
					t.Fatal(err)
				}
				if n, err := svc.Audit.Verify(ctx); err != nil || n <= f.audits {
					t.Errorf("verify after new writes: %d entries, %v", n, err)
				}
			})
		}
	}
}

// TestBackupWhileWriting takes backups while writers keep appending; each
// must be one consistent snapshot whose chain verifies after a restore.
func TestBackupWhileWriting(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fillThroughServices(t, db, 200)
		var stop atomic.Bool
		var wrote atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					err := db.InTx(ctx, func(tx hikeshi.Tx) error {
						now := hikeshi.SystemClock{}.Now()
						if err := tx.PutSetting(ctx, fmt.Sprintf("writer.%d", w), fmt.Sprint(i), now); err != nil {
							return err
						}
						_, err := tx.AppendAudit(ctx, now, hikeshi.AuditEvent{Actor: hikeshi.SystemActor("test"), Action: "test.concurrent",
							Entity: "setting", EntityID: fmt.Sprint(w), After: map[string]int{"i": i}})
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					wrote.Add(1)
				}
			}()
		}
		var backups [][]byte
		for len(backups) < 3 {
			before := wrote.Load()
			b := backup(t, db)
			backups = append(backups, b)
			for wrote.Load() < before+50 && len(errs) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		stop.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("writer: %v", err)
		}
		if wrote.Load() < 100 {
			t.Fatalf("only %d concurrent writes happened; the test did not overlap writers and backups", wrote.Load())
		}
		var open func(testing.TB) *store.DB = storetest.NewSQLite
		if db.Engine() == store.Postgres {
			open = storetest.NewPostgres
		}
		var last int64
		for i, b := range backups {
			dst := open(t)
			s, err := dst.RestoreWithSummary(ctx, bytes.NewReader(b))
			if err != nil {
				t.Fatalf("restore backup %d: %v", i, err)
			}
			var audit int64
			for _, tr := range s.Tables {
				if tr.Table == "audit_log" {
					audit = tr.Rows
				}
			}
			if audit != s.AuditHeadSeq {
				t.Errorf("backup %d holds %d audit entries but its head is at %d: not one snapshot", i, audit, s.AuditHeadSeq)
			}
			if s.AuditHeadSeq <= last {
				t.Errorf("backup %d has head %d, not after the previous backup's %d", i, s.AuditHeadSeq, last)
			}
			last = s.AuditHeadSeq
			n, err := service.New(dst, service.Options{}).Audit.Verify(ctx)
			if err != nil || n != s.AuditHeadSeq {
				t.Errorf("backup %d: the restored chain verifies %d entries with %v; want %d and no error", i, n, err, s.AuditHeadSeq)
			}
		}
	})
}

// validArchive returns a small archive of a database filled directly.
func validArchive(t testing.TB) []byte {
	t.Helper()
	ctx := context.Background()
	src := storetest.NewSQLite(t)
	at := time.Date(2026, 4, 1, 9, 30, 0, 123456000, time.UTC)
	err := src.InTx(ctx, func(tx hikeshi.Tx) error {
		d := hikeshi.Department{ID: hikeshi.NewID(), Name: "IT", Kind: hikeshi.KindIT, CreatedAt: at, UpdatedAt: at}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		u := hikeshi.User{ID: hikeshi.NewID(), Email: "a@example.org", Name: "A", Role: hikeshi.RoleMember, DepartmentID: d.ID,
			PasswordHash: "x", CreatedAt: at, UpdatedAt: at}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.CreateAPIToken(ctx, hikeshi.APIToken{ID: hikeshi.NewID(), UserID: u.ID, Name: "t", Prefix: "hks_ab", TokenHash: "h", CreatedAt: at}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "k", "v", at); err != nil {
			return err
		}
		for i := range 3 {
			if _, err := tx.AppendAudit(ctx, at, hikeshi.AuditEvent{Actor: hikeshi.SystemActor("test"), Action: "test", Entity: "x", EntityID: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return backup(t, src)
}

// edit returns a copy of the archive's lines changed by fn, packed again.
func edit(t testing.TB, b []byte, fixSum bool, fn func(lines [][]byte) [][]byte) []byte {
	t.Helper()
	return packLines(t, fn(archiveLines(t, b)), fixSum)
}

// find returns the index of the first line containing s.
func find(t testing.TB, lines [][]byte, s string) int {
	t.Helper()
	for i, l := range lines {
		if bytes.Contains(l, []byte(s)) {
			return i
		}
	}
	t.Fatalf("no line contains %q", s)
	return -1
}

func TestRestoreRefusesHostileArchives(t *testing.T) {
	good := validArchive(t)
	gz := func(s string) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(s))
		zw.Close()
		return buf.Bytes()
	}
	setHeader := func(key string, v any) []byte {
		return edit(t, good, true, func(lines [][]byte) [][]byte {
			var h map[string]any
			json.Unmarshal(lines[0], &h)
			h[key] = v
			lines[0], _ = json.Marshal(h)
			return lines
		})
	}
	replace := func(fixSum bool, old, new string) []byte {
		return edit(t, good, fixSum, func(lines [][]byte) [][]byte {
			i := find(t, lines, old)
			lines[i] = bytes.Replace(lines[i], []byte(old), []byte(new), 1)
			return lines
		})
	}
	huge := edit(t, good, true, func(lines [][]byte) [][]byte {
		i := find(t, lines, `"k","v"`)
		lines[i] = []byte(`["k","` + strings.Repeat("x", store.MaxBackupLine) + `","2026-04-01T09:30:00.123456Z"]`)
		return lines
	})
	cases := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"empty file", nil, "the backup file is empty"},
		{"not gzip", []byte("PRAGMA this is a text file, not a backup\n"), "not gzip-compressed"},
		{"a few bytes", []byte{0x1f}, "not gzip-compressed"},
		{"gzip of garbage", gz("hello world\x00\x01\x02"), "it does not begin with a backup header"},
		{"gzip of a huge line", gz(strings.Repeat("z", store.MaxBackupLine+10)), "it does not begin with a backup header"},
		{"header cut short", gz(`{"format":"hikeshi-backup","vers`), "the backup is truncated"},
		{"gzip of nothing", gz(""), "its compressed content is empty"},
		{"gzip of JSON", gz(`{"some":"json"}` + "\n"), "its first line is not a backup header"},
		{"wrong format name", setHeader("format", "pg_dump"), `names the format "pg_dump"`},
		{"future format version", setHeader("version", 2), "format version 2, newer than this hikeshi reads (1)"},
		{"future schema version", setHeader("schema_version", 99), "schema version 99, newer than this hikeshi knows ("},
		{"no schema version", setHeader("schema_version", 0), "invalid schema version 0"},
		{"unknown engine", setHeader("engine", "mysql"), `unknown engine "mysql"`},
		{"bad created_at", setHeader("created_at", "yesterday"), "created_at"},
		{"changed value, same checksum", replace(false, `"k","v"`, `"k","w"`), "SHA-256 checksum does not match"},
		{"truncated before the trailer", edit(t, good, false, func(l [][]byte) [][]byte { return l[:len(l)-1] }), "the backup is truncated"},
		{"cut inside the trailer", func() []byte {
			lines := archiveLines(t, good)
			var raw []byte
			for _, l := range lines {
				raw = append(append(raw, l...), '\n')
			}
			return gz(string(raw[:len(raw)-20]))
		}(), "the backup is truncated"},
		{"duplicate table", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `{"table":"settings"`)
			return append(l[:i+2], append([][]byte{l[i], l[i+1]}, l[i+2:]...)...)
		}), "holds table settings a second time"},
		{"unknown table", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `{"table":"departments"`)
			return append(l[:i], append([][]byte{[]byte(`{"table":"secrets","columns":["id"]}`)}, l[i:]...)...)
		}), `table "secrets", which this hikeshi does not know`},
		{"missing table", edit(t, good, true, func(l [][]byte) [][]byte {
			return append(l[:find(t, l, `{"table":"audit_log"`)], l[len(l)-1])
		}), "no section for table audit_log"},
		{"unknown column", replace(true, `"locale"`, `"nickname"`), `column "nickname" that this database does not have`},
		{"missing column", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `{"table":"settings"`)
			l[i] = []byte(`{"table":"settings","columns":["key","value"]}`)
			l[i+1] = []byte(`["k","v"]`)
			return l
		}), "table settings lacks the column updated_at"},
		{"duplicate column", replace(true, `"columns":["key","value"`, `"columns":["key","key"`), `names column "key" twice`},
		{"row with too few values", replace(true, `"k","v",`, `"k",`), "has 2 values but its section has 3 columns"},
		{"row with too many values", replace(true, `"k","v",`, `"k","v","extra",`), "has 4 values but its section has 3 columns"},
		{"row that is not JSON", replace(true, `"k","v",`, `"k" "v",`), "is not a valid JSON array"},
		{"data after a row", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `"k","v"`)
			l[i] = append(l[i], []byte(` [1]`)...)
			return l
		}), "has data after its JSON array"},
		{"bad time", replace(true, `"2026-04-01T09:30:00.123456Z"]`, `"2026-04-01 09:30"]`), `"2026-04-01 09:30", which is not a time`},
		{"number in a time column", replace(true, `"k","v","2026-04-01T09:30:00.123456Z"`, `"k","v",17`), "the number \"17\" where a time belongs"},
		{"nested array value", replace(true, `"k","v",`, `"k",["v"],`), "an array, which no column holds"},
		{"object value", replace(true, `"k","v",`, `"k",{"x":1},`), `not a {"b64":…} byte string`},
		{"huge integer", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `"test","x","0"`)
			l[i] = append([]byte(`[99999999999999999999999`), l[i][2:]...)
			return l
		}), "out of range"},
		{"row before any table", edit(t, good, true, func(l [][]byte) [][]byte {
			return append(l[:1], append([][]byte{[]byte(`["x"]`)}, l[1:]...)...)
		}), "holds a row before any table section"},
		{"empty line", edit(t, good, true, func(l [][]byte) [][]byte {
			return append(l[:2], append([][]byte{{}}, l[2:]...)...)
		}), "line 3 of the backup is empty"},
		{"trailer miscounts", edit(t, good, true, func(l [][]byte) [][]byte {
			l[len(l)-1] = bytes.Replace(l[len(l)-1], []byte(`"settings":1`), []byte(`"settings":2`), 1)
			return l
		}), "its trailer counts 2 rows for table settings but it holds 1"},
		{"data after the trailer", edit(t, good, false, func(l [][]byte) [][]byte { return append(l, []byte(`["more"]`)) }), "data after its trailer"},
		{"unknown field in a section", replace(true, `{"table":"settings",`, `{"table":"settings","x":1,`), "not a valid table section or trailer"},
		{"huge line", huge, "line 3 of the backup is longer than 16 MiB"},
		// Rows that load and then violate a constraint: the rows loaded
		// before must be rolled back too.
		{"foreign key to nowhere", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `"a@example.org"`)
			var row []any
			json.Unmarshal(l[i], &row)
			row[4] = "no-such-department"
			l[i], _ = json.Marshal(row)
			return l
		}), "cannot insert rows 1 to 1 of table users"},
		{"duplicate primary key", edit(t, good, true, func(l [][]byte) [][]byte {
			i := find(t, l, `"test","x","1"`)
			l[i+1] = bytes.Replace(l[i+1], []byte("[3,"), []byte("[2,"), 1)
			return l
		}), "cannot insert rows 1 to 3 of table audit_log"},
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, c := range cases {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				err := db.Restore(ctx, bytes.NewReader(c.archive))
				if err == nil {
					t.Fatalf("restore succeeded; want an error containing %q", c.want)
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %q\nwant it to contain %q", err, c.want)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("the error is not one line: %q", err)
				}
				if len(err.Error()) > 400 {
					t.Errorf("the error is %d bytes long: %.200q…", len(err.Error()), err)
				}
				assertEmpty(t, db)
			})
		}
		// After every refusal, the good archive still restores.
		if err := db.Restore(ctx, bytes.NewReader(good)); err != nil {
			t.Fatalf("restore the good archive after the refusals: %v", err)
		}
		if diff := cmp.Diff(decodeArchive(t, good).tables, decodeArchive(t, backup(t, db)).tables); diff != "" {
			t.Errorf("restored rows differ (-archive +restored):\n%s", diff)
		}
	})
}

// TestRestoreRefusesDamagedArchives flips bytes of a valid archive and cuts
// it at many offsets; every damage must be refused and change nothing.
func TestRestoreRefusesDamagedArchives(t *testing.T) {
	db := storetest.NewSQLite(t)
	src := storetest.NewSQLite(t)
	fillThroughServices(t, src, 1000)
	good := backup(t, src)
	check := func(t *testing.T, db *store.DB, cuts []int) {
		ctx := context.Background()
		for _, n := range cuts {
			err := db.Restore(ctx, bytes.NewReader(good[:n]))
			if err == nil {
				t.Fatalf("restore of the first %d of %d bytes succeeded", n, len(good))
			}
			if msg := err.Error(); !strings.Contains(msg, "truncated") && !strings.Contains(msg, "not gzip-compressed") &&
				!strings.Contains(msg, "is empty") && !strings.Contains(msg, "corrupted") {
				t.Errorf("cut at %d: unexpected error %q", n, msg)
			}
		}
		assertEmpty(t, db)
		if err := db.Restore(ctx, bytes.NewReader(good)); err != nil {
			t.Fatalf("the whole archive after the cuts: %v", err)
		}
	}
	// Cuts every 2 % of the archive, every fourth byte of the 40 before
	// gzip's trailer (the end of the last deflate block, with the archive's
	// own trailer line), and every byte of gzip's 8-byte trailer (CRC-32 and
	// length). Each cut that gets past the header loads rows before it
	// fails, so the cuts are what this test costs (under -race, about half
	// a second for each on SQLite).
	var cuts []int
	for n := 0; n < len(good); n += max(1, len(good)/50) {
		cuts = append(cuts, n)
	}
	for n := max(0, len(good)-48); n < len(good); n++ {
		if n >= len(good)-8 || n%4 == 0 {
			cuts = append(cuts, n)
		}
	}
	t.Run("flipped_bytes", func(t *testing.T) {
		// Every flipped byte after gzip's unprotected header fields (MTIME,
		// XFL, OS) is refused, unless it only hit deflate's padding bits and
		// the content is unchanged.
		small := validArchive(t)
		var flips []int
		for i := 10; i < len(small); i++ {
			flips = append(flips, i)
		}
		want := archiveLines(t, small)
		for _, i := range flips {
			bad := bytes.Clone(small)
			bad[i] ^= 0x55
			_, err := store.VerifyBackup(bytes.NewReader(bad))
			if err == nil {
				zr, _ := gzip.NewReader(bytes.NewReader(bad))
				raw, _ := io.ReadAll(zr)
				if !bytes.Equal(bytes.Join(want, []byte("\n")), bytes.TrimSuffix(raw, []byte("\n"))) {
					t.Fatalf("flipping byte %d changed the content but verified", i)
				}
				continue
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("flip at %d: the error is not one line: %q", i, err)
			}
			if i%(len(small)/40) == 0 || i > len(small)-10 {
				if err := db.Restore(context.Background(), bytes.NewReader(bad)); err == nil {
					t.Fatalf("restore with byte %d flipped succeeded", i)
				}
			}
		}
		// A few flips across the large archive, through Restore.
		for i := 10; i < len(good); i += len(good) / 25 {
			bad := bytes.Clone(good)
			bad[i] ^= 0x55
			if err := db.Restore(context.Background(), bytes.NewReader(bad)); err == nil {
				t.Fatalf("restore with byte %d of the large archive flipped succeeded", i)
			}
		}
		assertEmpty(t, db)
	})
	t.Run("sqlite", func(t *testing.T) { check(t, db, cuts) })
	t.Run("postgres", func(t *testing.T) {
		pg := storetest.NewPostgres(t)
		// Fewer cuts: each one that gets past the header opens a transaction.
		var some []int
		for i, n := range cuts {
			if i%4 == 0 || n > len(good)-48 {
				some = append(some, n)
			}
		}
		check(t, pg, some)
	})
}

func TestRestoreRefusesANonEmptyDatabase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		good := validArchive(t)
		if err := db.Restore(ctx, bytes.NewReader(good)); err != nil {
			t.Fatal(err)
		}
		before := backup(t, db)
		err := db.Restore(ctx, bytes.NewReader(good))
		want := "the database is not empty: table settings has 1 row; restore needs an empty database"
		if err == nil || err.Error() != want {
			t.Fatalf("second restore: got %v, want %q", err, want)
		}
		if diff := cmp.Diff(decodeArchive(t, before).tables, decodeArchive(t, backup(t, db)).tables); diff != "" {
			t.Errorf("a refused restore changed the database:\n%s", diff)
		}
		// Only the audit chain head left over still counts as data.
		for _, q := range []string{"DELETE FROM api_tokens", "DELETE FROM users", "DELETE FROM departments", "DELETE FROM settings", "DELETE FROM audit_log"} {
			if err := db.ExecForTest(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		err = db.Restore(ctx, bytes.NewReader(good))
		if err == nil || !strings.Contains(err.Error(), "its audit chain head is at entry 3") {
			t.Errorf("restore over a leftover chain head: got %v", err)
		}
	})
}

// TestRestoreKeepsABrokenChainBroken: a backup must not launder a tampered
// audit log into one that verifies.
func TestRestoreKeepsABrokenChainBroken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, src *store.DB) {
		ctx := context.Background()
		fillThroughServices(t, src, 20)
		svc := service.New(src, service.Options{})
		n, _ := svc.Audit.Verify(ctx)
		for _, tamper := range []struct{ name, query string }{
			{"last entry deleted", fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", n)},
			{"entry modified", "UPDATE audit_log SET action = 'user.nothing' WHERE seq = 5"},
		} {
			t.Run(strings.ReplaceAll(tamper.name, " ", "_"), func(t *testing.T) {
				if err := src.ExecForTest(ctx, tamper.query); err != nil {
					t.Fatal(err)
				}
				_, srcErr := svc.Audit.Verify(ctx)
				if srcErr == nil {
					t.Fatal("the tampered source verifies")
				}
				dst := storetest.NewSQLite(t)
				if err := dst.Restore(ctx, bytes.NewReader(backup(t, src))); err != nil {
					t.Fatal(err)
				}
				_, dstErr := service.New(dst, service.Options{}).Audit.Verify(ctx)
				if dstErr == nil || dstErr.Error() != srcErr.Error() {
					t.Errorf("restored chain: %v; want the source's break: %v", dstErr, srcErr)
				}
			})
		}
	})
}

func TestVerifyBackup(t *testing.T) {
	good := validArchive(t)
	s, err := store.VerifyBackup(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.TableRows{{"settings", 1}, {"departments", 1}, {"users", 1}, {"api_tokens", 1}, {"audit_log", 3}}
	// Tables the archive holds no rows of do not matter here (they grow with every feature).
	nonEmpty := slices.DeleteFunc(slices.Clone(s.Tables), func(tr store.TableRows) bool { return tr.Rows == 0 })
	if diff := cmp.Diff(want, nonEmpty); diff != "" || s.Rows != 7 || s.AuditHeadSeq != 3 || s.Engine != store.SQLite || s.Version != 1 {
		t.Errorf("summary %+v; tables (-want +got):\n%s", s, diff)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-12] ^= 1 // inside gzip's CRC-32
	if _, err := store.VerifyBackup(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Errorf("a corrupted archive: got %v", err)
	}
}

// TestBackupRefusesWhatRestoreWouldRefuse: a backup that succeeds must be
// restorable, so values restore would reject fail the backup instead.
func TestBackupRefusesWhatRestoreWouldRefuse(t *testing.T) {
	db := storetest.NewSQLite(t)
	ctx := context.Background()
	at := hikeshi.SystemClock{}.Now()
	put := func(value string) error {
		if err := db.ExecForTest(ctx, "DELETE FROM settings"); err != nil {
			t.Fatal(err)
		}
		return db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.PutSetting(ctx, "k", value, at) })
	}
	if err := put(strings.Repeat("x", store.MaxBackupLine)); err != nil {
		t.Fatal(err)
	}
	err := db.Backup(ctx, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "table settings, row 1 is longer than 16 MiB") {
		t.Errorf("an oversized row: got %v", err)
	}
	if err := put("bad \xff utf-8"); err != nil {
		t.Fatal(err)
	}
	err = db.Backup(ctx, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "column value holds text that is not valid UTF-8") {
		t.Errorf("invalid UTF-8: got %v", err)
	}
	if err := put("fine"); err != nil {
		t.Fatal(err)
	}
	if err := db.ExecForTest(ctx, "UPDATE settings SET updated_at = 'not a time'"); err != nil {
		t.Fatal(err)
	}
	err = db.Backup(ctx, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `column updated_at holds "not a time", which is not a time`) {
		t.Errorf("a bad time: got %v", err)
	}
}

func TestBackupIsDeterministic(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		fillThroughServices(t, db, 10)
		a, b := archiveLines(t, backup(t, db)), archiveLines(t, backup(t, db))
		// Only the header's created_at may differ.
		if diff := cmp.Diff(a[1:len(a)-1], b[1:len(b)-1]); diff != "" {
			t.Errorf("two backups of the same data differ:\n%s", diff)
		}
	})
}

// benchData fills db with about rows rows, mostly audit entries.
func benchData(b *testing.B, db *store.DB, rows int) {
	b.Helper()
	ctx := context.Background()
	sys := hikeshi.SystemActor("bench")
	for i := 0; i < rows; i += 1000 {
		err := db.InTx(ctx, func(tx hikeshi.Tx) error {
			for j := i; j < min(i+1000, rows); j++ {
				if _, err := tx.AppendAudit(ctx, hikeshi.SystemClock{}.Now(), hikeshi.AuditEvent{Actor: sys, Action: "bench.write", Entity: "bench",
					EntityID: hikeshi.NewID(), After: map[string]any{"n": j, "note": "an ordinary audit entry of moderate size, 日本語"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

const benchRows = 20000

func BenchmarkBackup(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := e.open(b)
			benchData(b, db, benchRows)
			var size int64
			b.ResetTimer()
			for b.Loop() {
				var buf countingWriter
				if err := db.Backup(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
				size = int64(buf)
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(size), "archive-bytes")
		})
	}
}

func BenchmarkRestore(b *testing.B) {
	src := storetest.NewSQLite(b)
	benchData(b, src, benchRows)
	var buf bytes.Buffer
	if err := src.Backup(context.Background(), &buf); err != nil {
		b.Fatal(err)
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				dst := e.open(b)
				b.StartTimer()
				start := time.Now()
				if err := dst.Restore(context.Background(), bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/elapsed.Seconds(), "rows/s")
		})
	}
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

// schemaVersion is the number of migrations this binary knows.
func schemaVersion(t testing.TB, e store.Engine) int {
	t.Helper()
	ms, err := store.Migrations(e)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}
