package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hikeshi/hikeshi/internal/mailgate"
)

func init() { areaFillers = append(areaFillers, fillMailIntake) }

// fillMailIntake fills mail_messages (and sets reports.channel) through the
// mail intake: a Japanese mail with an attachment becomes a report, and a
// reply to it becomes a reporter message.
func fillMailIntake(t testing.TB, ctx context.Context, f *fixture) {
	t.Helper()
	first := "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.net>\r\nSubject: =?UTF-8?B?5LiN5a+p44Gq44Oh44O844Or?=\r\n" +
		"Message-ID: <fixture-1@example.net>\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n添付を開いてしまいました。\r\n--q\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename*=UTF-8''%E8%A8%BC%E6%8B%A0.bin\r\n\r\nbinary evidence\r\n--q--\r\n"
	env := mailgate.Envelope{From: "yamada@example.net", To: []string{"csirt@example.org"}}
	out, err := f.svc.MailIntake.Ingest(ctx, env, bytes.NewReader([]byte(first)))
	if err != nil {
		t.Fatal(err)
	}
	reply := "From: yamada@example.net\r\nIn-Reply-To: <fixture-1@example.net>\r\nSubject: Re\r\n\r\n追記です。\r\n"
	if r, err := f.svc.MailIntake.Ingest(ctx, env, bytes.NewReader([]byte(reply))); err != nil || r.Report.ID != out.Report.ID {
		t.Fatalf("reply: %v", err)
	}
}
