package service_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/mailgate"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// swaksPath finds Debian's swaks; without it the test skips, or fails under
// HIKESHI_REQUIRE_INTAKE_TOOLS=1 (as CI runs it).
func swaksPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("HIKESHI_REQUIRE_INTAKE_TOOLS") == "1" {
			t.Fatalf("swaks is required (HIKESHI_REQUIRE_INTAKE_TOOLS=1) but not found: %v", err)
		}
		t.Skipf("swaks not installed: %v", err)
	}
	return p
}

// TestMailIntakeSwaks sends real mail with swaks to the mailgate on
// loopback and checks the reports, messages and attachments it made, on
// both engines: a plain message, a Japanese ISO-2022-JP one, one with an
// attachment, and a reply by In-Reply-To.
func TestMailIntakeSwaks(t *testing.T) {
	swaks := swaksPath(t)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := &service.MailHandler{Intake: f.svc.MailIntake}
		srv, err := mailgate.New(mailgate.Config{Recipients: []string{"csirt@example.org"}, Handler: h, Timeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		_, port, _ := net.SplitHostPort(ln.Addr().String())

		run := func(args ...string) string {
			t.Helper()
			base := []string{"--server", "127.0.0.1", "--port", port, "--to", "csirt@example.org", "--helo", "client.example", "--timeout", "30"}
			out, err := exec.Command(swaks, append(base, args...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("swaks %v: %v\n%s", args, err, out)
			}
			return string(out)
		}
		newest := func() hikeshi.Report {
			t.Helper()
			l, err := f.svc.Reports.List(ctx, actor(f.csirt), hikeshi.ReportFilter{Page: hikeshi.Page{Limit: 1}})
			if err != nil || len(l) == 0 {
				t.Fatalf("no report: %v", err)
			}
			return l[0]
		}

		// 1. Plain.
		run("--from", "alice@example.net", "--header", "Subject: Strange pop-up", "--header", "Message-Id: <swaks-1@example.net>",
			"--body", "A pop-up asked for my password.")
		plain := newest()
		if plain.ContactEmail != "alice@example.net" || !strings.Contains(plain.Description, "Strange pop-up\n\nA pop-up asked for my password.") {
			t.Fatalf("plain mail: %+v", plain)
		}

		// 2. Japanese, ISO-2022-JP, as the raw DATA of a Japanese client.
		jp := filepath.Join(mailTestdata, "iso2022jp.eml")
		run("--from", "taro@example.co.jp", "--data", "@"+jp)
		ja := newest()
		if ja.ID == plain.ID || !strings.Contains(ja.Description, "不審なメールの添付ファイルを開いてしまいました") || ja.Contact != "山田 太郎" {
			t.Fatalf("ISO-2022-JP mail: %+v", ja)
		}

		// 3. With an attachment (swaks --attach).
		file := filepath.Join(t.TempDir(), "証拠.log")
		content := []byte("2026-11-26T01:02:03Z outbound connection to 203.0.113.7:4444\n")
		if err := os.WriteFile(file, content, 0o600); err != nil {
			t.Fatal(err)
		}
		run("--from", "bob@example.net", "--header", "Subject: evidence", "--body", "log attached", "--attach", "@"+file)
		withFile := newest()
		atts, err := f.svc.Reports.Attachments(ctx, actor(f.csirt), withFile.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) != 2 || atts[0].SHA256 != sha(content) || atts[0].Filename != "証拠.log" || !strings.HasSuffix(atts[1].Filename, ".eml") {
			t.Fatalf("attachments: %+v", atts)
		}
		if blobSHA(t, db, atts[0].SHA256) != sha(content) {
			t.Error("the stored attachment does not read back")
		}

		// 4. A reply with In-Reply-To to the first mail.
		run("--from", "alice@example.net", "--header", "Subject: Re: Strange pop-up", "--header", "In-Reply-To: <swaks-1@example.net>",
			"--body", "It came back after a restart.")
		if n := newest(); n.ID != withFile.ID {
			t.Fatalf("the reply made a new report %s", n.Number)
		}
		_, msgs, err := f.svc.Reports.Get(ctx, actor(f.csirt), plain.ID)
		if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Body, "It came back after a restart.") || msgs[0].Author != hikeshi.AuthorReporter {
			t.Fatalf("the reply on the report: %+v %v", msgs, err)
		}

		// An unknown recipient is refused by swaks's transaction.
		out, err := exec.Command(swaks, "--server", "127.0.0.1", "--port", port, "--to", "nobody@example.org", "--from", "a@example.net",
			"--timeout", "30").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "550 5.1.1") {
			t.Errorf("unknown recipient: %v\n%s", err, out)
		}
		f.auditCount(t)
	})
}
