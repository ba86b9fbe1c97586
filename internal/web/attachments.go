package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Attachments of reports (IH-1). The public forms send multipart/form-data;
// each file part streams straight into the blob store (never parsed into
// memory), and the text fields, which the form puts before its file input,
// are kept so nothing typed is lost when a limit refuses the files.

// hardMultipartLimit bounds a multipart report form: every attachment at
// its limit plus the text and the multipart framing. Beyond it the rest of
// the body is not read.
const hardMultipartLimit = hikeshi.MaxReportAttachmentsTotal + hardFormLimit + 1<<20

// attachmentsField is the form's file input.
const attachmentsField = "attachments"

// reportUpload is what a multipart report form carried besides its text.
type reportUpload struct {
	files  []service.AttachmentInput
	chosen bool   // the reporter chose at least one file
	limit  string // the first limit the files went over: too_large, too_large_total or too_many
}

// isMultipart reports whether a request body is multipart/form-data.
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// readReportMultipart reads a multipart report form into r.PostForm and,
// when store is true, its files into the blob store. tooLarge is as for
// readReportForm; the files' limits are reported in the upload.
func (h *Handler) readReportMultipart(w http.ResponseWriter, r *http.Request, store bool) (tooLarge bool, up reportUpload, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, hardMultipartLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return false, up, userError(http.StatusBadRequest, "error.bad_form", err)
	}
	vals := url.Values{}
	r.PostForm, r.Form = vals, vals
	var text, total int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mb *http.MaxBytesError
		if errors.As(err, &mb) && up.chosen {
			// The files went over everything a report may carry; the text,
			// which comes first, has been read.
			up.limit = firstLimit(up.limit, "too_large_total")
			break
		}
		if err != nil {
			return false, up, formReadError(err)
		}
		name := part.FormName()
		if name == attachmentsField {
			filename := partFilename(part)
			if filename == "" {
				continue // an empty file input
			}
			up.chosen = true
			if up.limit != "" || !store {
				continue
			}
			if len(up.files) == hikeshi.MaxReportAttachments {
				up.limit = "too_many"
				continue
			}
			limit := min(hikeshi.MaxAttachmentSize, hikeshi.MaxReportAttachmentsTotal-total)
			b, err := h.svc.Reports.StoreAttachment(r.Context(), part, limit)
			var ve *hikeshi.ValidationError
			switch {
			case errors.As(err, &ve) && limit < hikeshi.MaxAttachmentSize:
				up.limit = "too_large_total"
			case errors.As(err, &ve):
				up.limit = "too_large"
			case errors.As(err, &mb):
				up.limit = "too_large_total"
			case err != nil:
				return false, up, err
			default:
				total += b.Size
				up.files = append(up.files, service.AttachmentInput{SHA256: b.SHA256, Filename: filename})
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, hardFormLimit-text+1))
		if err != nil {
			return false, up, formReadError(err)
		}
		if text += int64(len(b)) + int64(len(name)); text > hardFormLimit {
			return false, up, userError(http.StatusRequestEntityTooLarge, "report.err_body_hard", nil, "1 MiB")
		}
		if !utf8.ValidString(name) || !utf8.Valid(b) {
			return false, up, userError(http.StatusBadRequest, "error.invalid_utf8", nil)
		}
		vals.Add(name, string(b))
	}
	return text > hikeshi.MaxReportFormBytes, up, nil
}

// firstLimit keeps the first limit found.
func firstLimit(first, next string) string {
	if first != "" {
		return first
	}
	return next
}

func formReadError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return userError(http.StatusRequestEntityTooLarge, "report.err_body_hard", err, "1 MiB")
	}
	return userError(http.StatusBadRequest, "error.bad_form", err)
}

// partFilename is the file name a part carries, as sent (the multipart
// package's FileName would already drop directories on this platform only);
// hikeshi.SanitizeFilename makes it safe later.
func partFilename(p *multipart.Part) string {
	if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil {
		return params["filename"]
	}
	return p.FileName()
}

// attachmentLimitMessage tells the reporter which limit the files went over.
func attachmentLimitMessage(p *page, code string) string {
	switch code {
	case "too_many":
		return p.T("report.err_attach_too_many", hikeshi.MaxReportAttachments)
	case "too_large_total":
		return p.T("report.err_attach_total", fileSize(hikeshi.MaxReportAttachmentsTotal))
	}
	return p.T("report.err_attach_size", fileSize(hikeshi.MaxAttachmentSize))
}

// fileSize writes a byte count for people: 10 MiB, 1.5 MiB, 12 KiB, 300 B.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".0") + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1<<9)>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// FileSize is fileSize for templates.
func (p *page) FileSize(n int64) string { return fileSize(n) }

// reportAttachment serves one attachment of a report as a download, by the
// rules that let the actor read the report (anything else is 404). It is
// never rendered inline: Content-Disposition attachment, nosniff, a sandbox
// CSP, and a type from the allow-list.
func (h *Handler) reportAttachment(w http.ResponseWriter, r *http.Request) error {
	rc, a, err := h.svc.Reports.OpenAttachment(r.Context(), h.stateOf(r).actor(), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	defer rc.Close()
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})
	if disp == "" {
		disp = "attachment"
	}
	hd := w.Header()
	hd.Set("Content-Type", hikeshi.DownloadType(a.MediaType))
	hd.Set("Content-Disposition", disp)
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		// The status line is sent; all that is left is to stop. The edge
		// must not write an error page into a half-sent file.
		h.log.WarnContext(r.Context(), "attachment download cut short", "report", a.ReportID, "sha256", a.SHA256, "err", err.Error())
	}
	return nil
}
