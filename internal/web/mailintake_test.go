package web_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/mailgate"
)

// TestMailedReportsInTheUI takes Japanese and hostile mail in and reads the
// reports on the report page as the CSIRT: the text decoded, script shown as
// text, the note of what could not be read, the attachments and the raw
// message downloadable, HTML never served as a page.
func TestMailedReportsInTheUI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	csirt := e.login("csirt", "ja")
	for file, want := range map[string][]string{
		"iso2022jp.eml":         {"【至急】不審なメールの添付ファイルを開いてしまいました", "パソコンはネットワークから外してあります。", "山田 太郎"},
		"shiftjis-base64.eml":   {"ウイルス警告が表示されました", "表示された電話番号には電話していません。"},
		"eucjp-q.eml":           {"パスワード変更の依頼"},
		"html-only.eml":         {"We found a phishing page", "body.html"},
		"wrong-charset.eml":     {"[mail intake]", "part 3: unknown charset x-foo; read as utf-8"},
		"mixed-attachments.eml": {"報告書.pdf", "ログ一覧.csv", "画面写真.png"},
	} {
		raw, err := os.ReadFile(filepath.Join("..", "mailgate", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.svc.MailIntake.Ingest(ctx, mailgate.Envelope{From: "someone@example.net"}, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		res := csirt.get("/reports/" + out.Report.ID)
		wantStatus(t, res, http.StatusOK)
		body := html.UnescapeString(res.body)
		if !strings.Contains(body, `<span class="badge">メールで受付</span>`) {
			t.Errorf("%s: the report page does not say the report came by mail", file)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the report page lacks %q", file, w)
			}
		}
		if strings.Contains(res.body, "<script>alert") || strings.Contains(res.body, `onerror="alert(1)"`) {
			t.Errorf("%s: markup from the mail reached the page unescaped", file)
		}
		atts, err := e.svc.Reports.Attachments(ctx, hikeshi.ActorFor(e.user("csirt"), "test"), out.Report.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range atts {
			dl := csirt.get("/reports/" + out.Report.ID + "/attachments/" + a.SHA256)
			wantStatus(t, dl, http.StatusOK)
			if ct := dl.header.Get("Content-Type"); strings.Contains(ct, "html") {
				t.Errorf("%s: %s served as %s", file, a.Filename, ct)
			}
			if int64(len(dl.body)) != a.Size {
				t.Errorf("%s: %s downloaded %d bytes of %d", file, a.Filename, len(dl.body), a.Size)
			}
		}
		if last := atts[len(atts)-1]; !strings.HasSuffix(last.Filename, ".eml") || last.Size != int64(len(raw)) {
			t.Errorf("%s: the raw message is not downloadable: %+v", file, last)
		}
	}
}
