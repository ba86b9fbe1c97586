package hikeshi

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Blob is a file stored once by the SHA-256 of its content (evidence,
// report attachments). The same bytes uploaded twice are one Blob.
type Blob struct {
	SHA256    string // lower-case hex; the key
	Size      int64
	MediaType string // sniffed from the first bytes, never taken from the client
	CreatedAt time.Time
}

// BlobChunkSize is how many bytes one stored chunk of a blob holds.
const BlobChunkSize = 256 << 10

// BlobStore keeps blobs content-addressed. PutBlob streams r, refusing more
// than maxSize bytes with a ValidationError (code too_large) and storing
// nothing; storing content that already exists returns the existing Blob.
// OpenBlob streams a blob back; an unknown hash is ErrNotFound.
type BlobStore interface {
	PutBlob(ctx context.Context, r io.Reader, maxSize int64) (Blob, error)
	OpenBlob(ctx context.Context, sha256 string) (io.ReadCloser, Blob, error)
}

// Limits of a report's attachments (IH-1), explicit so the reporter can be
// told which one a submission went over.
const (
	MaxReportAttachments      = 5        // files per report
	MaxAttachmentSize         = 10 << 20 // bytes per file
	MaxReportAttachmentsTotal = 25 << 20 // bytes per report, all files together
)

// ValidSHA256 reports whether s is a lower-case hex SHA-256.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

// MaxFilenameBytes bounds a sanitised file name.
const MaxFilenameBytes = 200

// SanitizeFilename turns a client-supplied file name into one safe to store
// and to offer back in a Content-Disposition header: the last path element
// only (both / and \ separate), no control or bidirectional-override
// characters, no leading dots, at most MaxFilenameBytes bytes of valid UTF-8.
// An empty result becomes "file".
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, "\\", "/")
	name = name[strings.LastIndexByte(name, '/')+1:]
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), unicode.In(r, unicode.Cf):
			// control, bidi override and other invisible format characters
		case r == '/' || r == '"' || r == ':' || r == '*' || r == '?' || r == '<' || r == '>' || r == '|':
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	for { // ". . name" → "name": no leading dot may survive the trimming
		t := strings.TrimLeft(strings.TrimSpace(s), ".")
		if t == s {
			break
		}
		s = t
	}
	for len(s) > MaxFilenameBytes {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "file"
	}
	return s
}

// DownloadType is the Content-Type a stored file is served with: its sniffed
// type when no browser would execute or render it as a page, else
// application/octet-stream. Uploaded HTML, SVG or script is never served as such.
func DownloadType(sniffed string) string {
	switch sniffed {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf", "application/zip",
		"application/x-gzip", "text/plain; charset=utf-8", "audio/mpeg", "video/mp4", "video/webm":
		return sniffed
	}
	return "application/octet-stream"
}
