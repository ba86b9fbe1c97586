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
	"sync"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// countRows counts a table's rows (on the store's own reader pool).
func countRows(t testing.TB, db *store.DB, table string) int {
	t.Helper()
	s, err := db.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s[table]; !ok {
		t.Fatalf("no table %s", table)
	}
	var n int
	if err := db.Pools()[firstPool(db)].QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func firstPool(db *store.DB) string {
	if _, ok := db.Pools()["readers"]; ok {
		return "readers"
	}
	return "main"
}

func TestBlobs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		data := make([]byte, 5<<20+123) // not a multiple of the chunk size
		rand.Read(data)
		sum := sha256.Sum256(data)
		want := hex.EncodeToString(sum[:])

		t.Run("round trip", func(t *testing.T) {
			b, err := db.PutBlob(ctx, bytes.NewReader(data), 10<<20)
			if err != nil {
				t.Fatal(err)
			}
			if b.SHA256 != want || b.Size != int64(len(data)) || b.MediaType != "application/octet-stream" || b.CreatedAt.IsZero() {
				t.Errorf("PutBlob = %+v; want sha %s size %d", b, want, len(data))
			}
			rc, got, err := db.OpenBlob(ctx, want)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			h := sha256.New()
			n, err := io.Copy(h, rc)
			if err != nil || n != int64(len(data)) || hex.EncodeToString(h.Sum(nil)) != want {
				t.Errorf("read back %d bytes, %v, sha %x; want %d bytes, sha %s", n, err, h.Sum(nil), len(data), want)
			}
			if got.SHA256 != want || got.Size != b.Size || !got.CreatedAt.Equal(b.CreatedAt) {
				t.Errorf("OpenBlob metadata %+v, want %+v", got, b)
			}
			if n := countRows(t, db, "blob_chunks"); n != 21 {
				t.Errorf("%d chunks, want 21 of 256 KiB", n)
			}
		})

		t.Run("dedupe", func(t *testing.T) {
			b, err := db.PutBlob(ctx, bytes.NewReader(data), 10<<20)
			if err != nil || b.SHA256 != want {
				t.Fatalf("second PutBlob: %+v %v", b, err)
			}
			if n := countRows(t, db, "blobs"); n != 1 {
				t.Errorf("%d blobs after storing the same content twice, want 1", n)
			}
			if n := countRows(t, db, "blob_chunks"); n != 21 {
				t.Errorf("%d chunks after storing the same content twice, want 21", n)
			}
		})

		t.Run("sniffed type and empty blob", func(t *testing.T) {
			b, err := db.PutBlob(ctx, strings.NewReader("<!DOCTYPE html><html><script>alert(1)</script>"), 1<<10)
			if err != nil || !strings.HasPrefix(b.MediaType, "text/html") {
				t.Errorf("html: %+v %v", b, err)
			}
			e, err := db.PutBlob(ctx, strings.NewReader(""), 1<<10)
			if err != nil || e.Size != 0 {
				t.Fatalf("empty: %+v %v", e, err)
			}
			rc, _, err := db.OpenBlob(ctx, e.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := io.ReadAll(rc); err != nil || len(got) != 0 {
				t.Errorf("empty blob read back %q %v", got, err)
			}
		})

		t.Run("size limit stores nothing", func(t *testing.T) {
			before := countRows(t, db, "blobs")
			big := make([]byte, 3<<20)
			rand.Read(big)
			_, err := db.PutBlob(ctx, bytes.NewReader(big), 2<<20)
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Code != "too_large" || !strings.Contains(ve.Fields[0].Message, "2 MiB") {
				t.Fatalf("oversize: %v; want a too_large ValidationError naming 2 MiB", err)
			}
			if n := countRows(t, db, "blobs"); n != before {
				t.Errorf("%d blobs after a refused upload, want %d", n, before)
			}
			// Exactly the limit is allowed.
			if _, err := db.PutBlob(ctx, bytes.NewReader(big[:2<<20]), 2<<20); err != nil {
				t.Errorf("exactly at the limit: %v", err)
			}
		})

		t.Run("unknown sha", func(t *testing.T) {
			for _, sha := range []string{strings.Repeat("0", 64), "../../etc/passwd", ""} {
				if _, _, err := db.OpenBlob(ctx, sha); !errors.Is(err, hikeshi.ErrNotFound) {
					t.Errorf("OpenBlob(%q) = %v, want ErrNotFound", sha, err)
				}
			}
		})

		t.Run("concurrent uploads of the same content", func(t *testing.T) {
			same := make([]byte, 1<<20+7)
			rand.Read(same)
			var wg sync.WaitGroup
			res := make([]hikeshi.Blob, 4)
			errs := make([]error, 4)
			for i := range res {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i], errs[i] = db.PutBlob(ctx, bytes.NewReader(same), 2<<20)
				}()
			}
			wg.Wait()
			for i := range res {
				if errs[i] != nil || res[i].SHA256 != res[0].SHA256 || res[i].Size != int64(len(same)) {
					t.Errorf("upload %d: %+v %v", i, res[i], errs[i])
				}
			}
			rc, _, err := db.OpenBlob(ctx, res[0].SHA256)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, same) {
				t.Errorf("the blob read back differs (%d bytes, %v)", len(got), err)
			}
		})
	})
}

// BenchmarkBlobs reports PutBlob and OpenBlob throughput on SQLite.
func BenchmarkBlobs(b *testing.B) {
	ctx := context.Background()
	db := storetest.NewSQLite(b)
	data := make([]byte, 8<<20)
	b.Run("PutBlob", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			rand.Read(data[:64]) // new content each time: no dedupe
			if _, err := db.PutBlob(ctx, bytes.NewReader(data), int64(len(data))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(db.WALSize())/(1<<20), "WAL-MiB")
	})
	blob, err := db.PutBlob(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("OpenBlob", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			rc, _, err := db.OpenBlob(ctx, blob.SHA256)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
	})
}
