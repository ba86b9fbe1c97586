package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
)

// upload is a file a multipart form carries.
type upload struct {
	name string
	data []byte
}

// postMultipart sends a report form with files the way a browser does: the
// text fields first, the file input last.
func (c *client) postMultipart(path string, fields [][2]string, files []upload) response {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		// Written by hand so hostile names reach the server unaltered; a name
		// with control characters goes in RFC 2231 form (a header cannot hold them).
		disp := fmt.Sprintf(`form-data; name="attachments"; filename="%s"`, strings.ReplaceAll(f.name, `"`, `\"`))
		if strings.ContainsFunc(f.name, func(r rune) bool { return r < 0x20 }) {
			disp = `form-data; name="attachments"; filename*=utf-8''` + url.PathEscape(f.name)
		}
		h.Set("Content-Disposition", disp)
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func reportAttachments(t *testing.T, e *env, id string) []hikeshi.ReportAttachment {
	t.Helper()
	atts, err := e.svc.Reports.Attachments(context.Background(), hikeshi.SystemActor("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return atts
}

func TestReportAttachments(t *testing.T) {
	e := newEnv(t, generousReports)
	c := e.client("en")

	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	png := append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(3000)...)
	bin := randomBytes(300 << 10) // more than one chunk
	hostile := "../../etc/\x00passwd\u202Egpj.html"

	tok := formToken(t, c, "/report")
	fields := [][2]string{{"token", tok}, {"description", "怪しい添付ファイル付きメール"}, {"anonymous", "1"}}
	files := []upload{{hostile, html}, {"screen shot.png", png}, {`C:\Users\me\log.bin`, bin}, {"", nil}} // the last: an empty file input
	res := c.postMultipart("/report", fields, files)
	wantStatus(t, res, http.StatusOK)
	checkPage(t, res, "en")
	code := followUpCode(t, res)

	t.Run("double submit is one report with its files once", func(t *testing.T) {
		again := c.postMultipart("/report", fields, files)
		wantStatus(t, again, http.StatusOK)
		if followUpCode(t, again) != code {
			t.Errorf("a double submit showed another code")
		}
		if n := len(mustReports(t, e)); n != 1 {
			t.Fatalf("%d reports after a double submit, want 1", n)
		}
	})
	rep := mustReports(t, e)[0]
	// Attachments are listed by id; put them in the order they were sent.
	var atts []hikeshi.ReportAttachment
	for _, want := range [][]byte{html, png, bin} {
		for _, a := range reportAttachments(t, e, rep.ID) {
			if a.SHA256 == sha(want) {
				atts = append(atts, a)
			}
		}
	}
	if n := len(reportAttachments(t, e, rep.ID)); n != 3 || len(atts) != 3 {
		t.Fatalf("%d attachments (%d as sent), want 3", n, len(atts))
	}

	t.Run("names sanitised, hashes and sizes kept", func(t *testing.T) {
		want := []struct {
			name string
			data []byte
		}{{"passwdgpj.html", html}, {"screen shot.png", png}, {"log.bin", bin}}
		for i, w := range want {
			a := atts[i]
			if a.Filename != w.name || a.SHA256 != sha(w.data) || a.Size != int64(len(w.data)) {
				t.Errorf("attachment %d: %q %s %d; want %q %s %d", i, a.Filename, a.SHA256, a.Size, w.name, sha(w.data), len(w.data))
			}
		}
	})

	t.Run("audit records hashes and sizes, not names or contents", func(t *testing.T) {
		recs, err := e.svc.Audit.List(context.Background(), hikeshi.SystemActor("test"), hikeshi.AuditFilter{Action: "report.create", EntityID: rep.ID})
		if err != nil || len(recs) != 1 {
			t.Fatalf("report.create entries: %d, %v", len(recs), err)
		}
		after := recs[0].After
		for _, a := range atts {
			if !strings.Contains(after, a.SHA256) || !strings.Contains(after, fmt.Sprintf(`"size":%d`, a.Size)) {
				t.Errorf("the audit entry lacks %s of %d bytes: %s", a.SHA256, a.Size, after)
			}
		}
		if strings.Contains(after, "passwd") || strings.Contains(after, "screen shot") || strings.Contains(after, "script") {
			t.Errorf("the audit entry holds a name or content: %s", after)
		}
	})

	t.Run("the CSIRT downloads them, never inline", func(t *testing.T) {
		clearLocale(t, e, "csirt")
		csirt := e.login("csirt", "en")
		page := csirt.get("/reports/" + rep.ID)
		wantStatus(t, page, http.StatusOK)
		checkPage(t, page, "en")
		wantContains(t, page, "Attachments", "passwdgpj.html", "/reports/"+rep.ID+"/attachments/"+atts[0].SHA256)
		for i, want := range [][]byte{html, png, bin} {
			res := csirt.get("/reports/" + rep.ID + "/attachments/" + atts[i].SHA256)
			wantStatus(t, res, http.StatusOK)
			if res.body != string(want) {
				t.Errorf("attachment %d: the download differs from the upload", i)
			}
			if cd := res.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, atts[i].Filename) {
				t.Errorf("attachment %d: Content-Disposition %q", i, cd)
			}
			if res.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("attachment %d: no nosniff", i)
			}
		}
		if ct := csirt.get("/reports/" + rep.ID + "/attachments/" + atts[0].SHA256).header.Get("Content-Type"); strings.Contains(ct, "html") {
			t.Errorf("an uploaded HTML file is served as %q", ct)
		}
		if ct := csirt.get("/reports/" + rep.ID + "/attachments/" + atts[1].SHA256).header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("a PNG is served as %q", ct)
		}
		wantStatus(t, csirt.get("/reports/"+rep.ID+"/attachments/"+strings.Repeat("0", 64)), http.StatusNotFound)
		wantStatus(t, csirt.get("/reports/"+rep.ID+"/attachments/..%2f..%2fetc"), http.StatusNotFound)
	})

	t.Run("download follows the report's rules", func(t *testing.T) {
		// Not signed in: the sign-in page. A member: the anonymous report is not theirs.
		if res := e.client("en").get("/reports/" + rep.ID + "/attachments/" + atts[1].SHA256); res.status == http.StatusOK {
			t.Errorf("an anonymous visitor downloaded an attachment")
		}
		member := e.login("member", "en")
		wantStatus(t, member.get("/reports/"+rep.ID+"/attachments/"+atts[1].SHA256), http.StatusNotFound)

		// The member's own report with a file; another member gets 404 for it
		// and for the same content attached elsewhere.
		mtok := formToken(t, member, "/report")
		res := member.postMultipart("/report", [][2]string{{"token", mtok}, {"description", "my laptop"}}, []upload{{"photo.png", png}})
		wantStatus(t, res, http.StatusOK)
		mine := mustReports(t, e)[0]
		if mine.ReporterUserID == "" {
			t.Fatalf("the member's report is not under their name: %+v", mine)
		}
		dl := "/reports/" + mine.ID + "/attachments/" + sha(png)
		wantStatus(t, member.get(dl), http.StatusOK)
		wantStatus(t, e.login("factory", "en").get(dl), http.StatusNotFound)
		wantStatus(t, e.login("csirt", "en").get(dl), http.StatusOK)
		// A sha attached to another report is not reachable through this one.
		wantStatus(t, member.get("/reports/"+mine.ID+"/attachments/"+sha(bin)), http.StatusNotFound)
	})
}

func TestReportAttachmentLimits(t *testing.T) {
	e := newEnv(t, generousReports)
	c := e.client("en")
	text := "USB メモリを拾いました <b>bold</b>"
	for _, tc := range []struct {
		name  string
		files []upload
		want  string
	}{
		{"one file too large", []upload{{"a.bin", randomBytes(1 << 10)}, {"big.bin", randomBytes(hikeshi.MaxAttachmentSize + 1)}},
			"larger than 10 MiB, the limit for one file"},
		{"too many files", []upload{{"1", []byte("1")}, {"2", []byte("2")}, {"3", []byte("3")}, {"4", []byte("4")}, {"5", []byte("5")}, {"6", []byte("6")}},
			"At most 5 files"},
		{"too large together", []upload{{"a", randomBytes(9 << 20)}, {"b", randomBytes(9 << 20)}, {"c", randomBytes(9 << 20)}},
			"larger than 25 MiB, the limit for one report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := formToken(t, c, "/report")
			res := c.postMultipart("/report", [][2]string{{"token", tok}, {"description", text}, {"contact", "desk 12"}}, tc.files)
			wantStatus(t, res, http.StatusRequestEntityTooLarge)
			checkPage(t, res, "en")
			wantContains(t, res, tc.want, "USB メモリを拾いました &lt;b&gt;bold&lt;/b&gt;", `value="desk 12"`, "please choose them again", `value="`+tok+`"`)
		})
	}
	t.Run("japanese", func(t *testing.T) {
		j := e.client("ja")
		tok := formToken(t, j, "/report")
		res := j.postMultipart("/report", [][2]string{{"token", tok}, {"description", text}}, []upload{{"big", randomBytes(hikeshi.MaxAttachmentSize + 1)}})
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		checkPage(t, res, "ja")
		wantContains(t, res, "1 ファイルの上限 10 MiB", "もう一度ファイルを選んでください")
	})
	if n := len(mustReports(t, e)); n != 0 {
		t.Errorf("%d reports stored after refused forms, want none", n)
	}
	// A form with a text error keeps the text and asks for the files again.
	tok := formToken(t, c, "/report")
	res := c.postMultipart("/report", [][2]string{{"token", tok}, {"description", ""}, {"contact", "desk 12"}}, []upload{{"a.txt", []byte("hello")}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res, "please choose them again", `value="desk 12"`)
	// The form offers the file input with its limits.
	wantContains(t, c.get("/report"), `enctype="multipart/form-data"`, `type="file"`, "up to 5 files, 10 MiB each and 25 MiB in total")
}
