package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/hikeshi/hikeshi"
)

// sniffLen is how many leading bytes decide a blob's media type
// (http.DetectContentType reads at most 512).
const sniffLen = 512

var _ hikeshi.BlobStore = (*DB)(nil)

// PutBlob stores the content of r as a blob keyed by its SHA-256, in chunks
// of hikeshi.BlobChunkSize. See docs/decisions/0014-evidence-blobs.md.
//
// r is first copied to a temporary file while it is hashed, so the upload
// never sits whole in memory and the writer (SQLite's one connection) is not
// held while a slow client sends; then the blob row and its chunks are written
// from the file in one short transaction. The blob row is inserted with ON
// CONFLICT DO NOTHING first: when the content already exists (or a concurrent
// upload of the same content committed first) nothing more is written and the
// existing blob is returned. More than maxSize bytes is a ValidationError with
// code too_large, and nothing is stored.
func (db *DB) PutBlob(ctx context.Context, r io.Reader, maxSize int64) (hikeshi.Blob, error) {
	if maxSize <= 0 {
		return hikeshi.Blob{}, fmt.Errorf("put blob: the size limit must be positive, not %d", maxSize)
	}
	f, err := os.CreateTemp("", "hikeshi-blob-*")
	if err != nil {
		return hikeshi.Blob{}, fmt.Errorf("put blob: cannot create a temporary file: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	h := sha256.New()
	head := &prefixWriter{max: sniffLen}
	n, err := io.Copy(io.MultiWriter(f, h, head), io.LimitReader(r, maxSize+1))
	if err != nil {
		return hikeshi.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	if n > maxSize {
		return hikeshi.Blob{}, hikeshi.Invalid("file", "too_large", fmt.Sprintf("the file is larger than the limit of %s", formatSize(maxSize)))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return hikeshi.Blob{}, fmt.Errorf("put blob: %w", err)
	}
	b := hikeshi.Blob{
		SHA256:    hex.EncodeToString(h.Sum(nil)),
		Size:      n,
		MediaType: http.DetectContentType(head.b),
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	created := false
	err = db.InTx(ctx, func(htx hikeshi.Tx) error {
		t := htx.(*tx)
		res, err := t.exec(ctx, "INSERT INTO blobs (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
			b.SHA256, b.Size, b.MediaType, t.d.t(b.CreatedAt))
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return err // already stored: dedupe
		}
		created = true
		buf := make([]byte, hikeshi.BlobChunkSize)
		for idx := 0; ; idx++ {
			k, err := io.ReadFull(f, buf)
			if k > 0 {
				if _, err := t.exec(ctx, "INSERT INTO blob_chunks (sha256, idx, data) VALUES (?, ?, ?)", b.SHA256, idx, buf[:k]); err != nil {
					return fmt.Errorf("chunk %d: %w", idx, err)
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
	if err != nil {
		return hikeshi.Blob{}, fmt.Errorf("put blob %s: %w", b.SHA256, err)
	}
	if !created {
		return db.FindBlob(ctx, b.SHA256)
	}
	return b, nil
}

// FindBlob returns a blob's metadata.
func (q queries) FindBlob(ctx context.Context, sha string) (hikeshi.Blob, error) {
	var b hikeshi.Blob
	err := q.row(ctx, "SELECT sha256, size, media_type, created_at FROM blobs WHERE sha256 = ?", sha).
		Scan(&b.SHA256, &b.Size, &b.MediaType, timeCol{&b.CreatedAt})
	if err != nil {
		return hikeshi.Blob{}, fmt.Errorf("blob %.12s: %w", sha, notFound(err))
	}
	return b, nil
}

// OpenBlob streams a blob back one chunk at a time: one query per chunk, so
// at most one chunk is in memory. An unknown hash is hikeshi.ErrNotFound.
func (db *DB) OpenBlob(ctx context.Context, sha string) (io.ReadCloser, hikeshi.Blob, error) {
	if !hikeshi.ValidSHA256(sha) {
		return nil, hikeshi.Blob{}, fmt.Errorf("blob %.12q: %w", sha, hikeshi.ErrNotFound)
	}
	b, err := db.FindBlob(ctx, sha)
	if err != nil {
		return nil, hikeshi.Blob{}, err
	}
	return &blobReader{ctx: ctx, q: db.queries, b: b}, b, nil
}

// blobReader reads a blob's chunks in order.
type blobReader struct {
	ctx  context.Context
	q    queries
	b    hikeshi.Blob
	next int    // index of the next chunk to fetch
	read int64  // bytes fetched so far
	buf  []byte // the unread rest of the current chunk
}

func (r *blobReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.read >= r.b.Size {
			return 0, io.EOF
		}
		var data []byte
		err := r.q.row(r.ctx, "SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = ?", r.b.SHA256, r.next).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("blob %s is missing chunk %d: %w", r.b.SHA256, r.next, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return 0, fmt.Errorf("blob %s, chunk %d: %w", r.b.SHA256, r.next, mapError(err))
		}
		r.next++
		r.read += int64(len(data))
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *blobReader) Close() error { r.buf = nil; r.read = r.b.Size; return nil }

// prefixWriter keeps the first max bytes written to it.
type prefixWriter struct {
	b   []byte
	max int
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// formatSize writes a byte count for a message: "10 MiB", "512 KiB", "100 bytes".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

const reportAttachmentCols = "id, report_id, sha256, filename, size, media_type, created_at"

// FindReportAttachments lists a report's attachments oldest first.
func (q queries) FindReportAttachments(ctx context.Context, reportID string) ([]hikeshi.ReportAttachment, error) {
	rows, err := q.query(ctx, "SELECT "+reportAttachmentCols+" FROM report_attachments WHERE report_id = ? ORDER BY id", reportID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (hikeshi.ReportAttachment, error) {
		var a hikeshi.ReportAttachment
		err := s.Scan(&a.ID, &a.ReportID, &a.SHA256, &a.Filename, &a.Size, &a.MediaType, timeCol{&a.CreatedAt})
		return a, err
	})
}

// CreateReportAttachment records an attachment; an unknown blob or report is ErrInvalid.
func (t *tx) CreateReportAttachment(ctx context.Context, a hikeshi.ReportAttachment) error {
	_, err := t.exec(ctx, "INSERT INTO report_attachments ("+reportAttachmentCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.ReportID, a.SHA256, a.Filename, a.Size, a.MediaType, t.d.t(a.CreatedAt))
	return err
}
