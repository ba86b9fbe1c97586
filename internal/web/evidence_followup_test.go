package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
)

// TestFollowUpAttachments lets a reporter add information with files on
// /report/status, with the intake form's limits and sanitisation, and keeps
// an anonymous report anonymous.
func TestFollowUpAttachments(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, generousReports)
			ctx := context.Background()
			sub, err := e.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "怪しいメール", Anonymous: true})
			if err != nil {
				t.Fatal(err)
			}
			c := e.client(lang)
			tr := func(en, ja string) string {
				if lang == "ja" {
					return ja
				}
				return en
			}
			text := "ログを添付します <b>bold</b>"
			fields := [][2]string{{"code", sub.FollowUpCode}, {"action", "add"}, {"body", text}}

			page := c.post("/report/status", map[string][]string{"code": {sub.FollowUpCode}})
			wantStatus(t, page, http.StatusOK)
			checkPage(t, page, lang)
			wantContains(t, page, `enctype="multipart/form-data"`, `name="attachments"`, "10 MiB", "25 MiB")

			// Over the size of one file: refused naming the limit, the text kept, nothing added.
			big := c.postMultipart("/report/status", fields, []upload{{"big.bin", make([]byte, hikeshi.MaxAttachmentSize+1)}})
			wantStatus(t, big, http.StatusRequestEntityTooLarge)
			checkPage(t, big, lang)
			wantContains(t, big, "10 MiB", "ログを添付します &lt;b&gt;bold&lt;/b&gt;", tr("choose the files again", "もう一度選んで"))
			// Too many files.
			var six []upload
			for i := range 6 {
				six = append(six, upload{strings.Repeat("f", i+1) + ".txt", []byte{byte('a' + i)}})
			}
			many := c.postMultipart("/report/status", fields, six)
			wantStatus(t, many, http.StatusRequestEntityTooLarge)
			wantContains(t, many, tr("At most 5 files", "5 個まで"), "ログを添付します")
			// A wrong code with files: the one answer for every unknown code, nothing attached anywhere.
			wrong := c.postMultipart("/report/status", [][2]string{{"code", "AAAA-BBBB-CCCC-DDDD"}, {"action", "add"}, {"body", "x"}},
				[]upload{{"x.txt", []byte("x")}})
			wantStatus(t, wrong, http.StatusNotFound)
			// Text required even with files.
			empty := c.postMultipart("/report/status", [][2]string{{"code", sub.FollowUpCode}, {"action", "add"}, {"body", " "}},
				[]upload{{"x.txt", []byte("x")}})
			wantStatus(t, empty, http.StatusUnprocessableEntity)
			if atts, _ := e.svc.Reports.Attachments(ctx, hikeshi.SystemActor("test"), sub.Report.ID); len(atts) != 0 {
				t.Fatalf("refused follow-ups attached %d files", len(atts))
			}

			// Accepted: hostile names sanitised, HTML content kept as a file.
			html := []byte("<html><script>alert(1)</script></html>")
			ok := c.postMultipart("/report/status", fields, []upload{{"../<script>\u202e.html", html}, {"log.txt", []byte("ログ")}})
			wantStatus(t, ok, http.StatusOK)
			checkPage(t, ok, lang)
			wantContains(t, ok, tr("your information was added", "情報を追加しました"), "ログを添付します &lt;b&gt;bold&lt;/b&gt;")
			atts, err := e.svc.Reports.Attachments(ctx, hikeshi.SystemActor("test"), sub.Report.ID)
			if err != nil || len(atts) != 2 {
				t.Fatalf("attachments %+v %v", atts, err)
			}
			names := map[string]bool{}
			for _, a := range atts {
				names[a.Filename] = true
			}
			if !names["_script_.html"] || !names["log.txt"] {
				t.Errorf("names %v", names)
			}
			// Anonymous stays anonymous: the audit entry is the anonymous reporter's, with hashes only.
			recs, err := e.svc.Audit.List(ctx, hikeshi.SystemActor("test"), hikeshi.AuditFilter{Action: "report.attach", EntityID: sub.Report.ID})
			if err != nil || len(recs) != 1 {
				t.Fatalf("report.attach entries %d %v", len(recs), err)
			}
			if recs[0].ActorID != "" || !strings.Contains(recs[0].ActorLabel, "anonymous") || strings.Contains(recs[0].After, "script") ||
				!strings.Contains(recs[0].After, atts[0].SHA256) {
				t.Errorf("audit %+v", recs[0])
			}
			rep, msgs, err := e.svc.Reports.Get(ctx, hikeshi.SystemActor("test"), sub.Report.ID)
			if err != nil || rep.ReporterUserID != "" || rep.Contact != "" || msgs[len(msgs)-1].AuthorUserID != "" {
				t.Errorf("the report gained an identity: %+v %v", rep, err)
			}
		})
	}
}
