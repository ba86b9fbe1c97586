package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/mailgate"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

const mailTestdata = "../mailgate/testdata"

func env(from string) mailgate.Envelope {
	return mailgate.Envelope{From: from, To: []string{"csirt@example.org"}, RemoteIP: "127.0.0.1"}
}

// ingest takes raw in as a mail.
func ingest(t *testing.T, f *fixture, e mailgate.Envelope, raw []byte) service.MailOutcome {
	t.Helper()
	out, err := f.svc.MailIntake.Ingest(context.Background(), e, bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return out
}

func readEML(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mailTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// blobSHA reads a stored blob back and hashes it.
func blobSHA(t *testing.T, db *store.DB, h string) string {
	t.Helper()
	rc, _, err := db.OpenBlob(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	s := sha256.New()
	if _, err := io.Copy(s, rc); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(s.Sum(nil))
}

// TestMailIntakeCorpus takes every .eml of the parser's golden corpus in:
// each becomes one readable report (none is dropped, none fails), with its
// files and its raw message attached by SHA-256, and the audit chain holds.
func TestMailIntakeCorpus(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		files, _ := filepath.Glob(filepath.Join(mailTestdata, "*.eml"))
		if len(files) < 20 {
			t.Fatalf("corpus: %d files", len(files))
		}
		var plain hikeshi.Report
		for _, name := range files { // in name order: plain-ascii before reply-tag
			raw, _ := os.ReadFile(name)
			out := ingest(t, f, env("sender@example.net"), raw)
			r, _, err := f.svc.Reports.Get(ctx, actor(f.csirt), out.Report.ID)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if filepath.Base(name) == "reply-tag.eml" {
				// Alice's answer to plain-ascii.eml (References) joins its report.
				if !out.Reply || out.Report.Description != plain.Description {
					t.Errorf("%s did not thread onto plain-ascii.eml's report: %+v", name, out.Report)
				}
				continue
			}
			if filepath.Base(name) == "plain-ascii.eml" {
				plain = out.Report
			}
			if out.Reply || out.Duplicate || !strings.HasPrefix(r.Number, "RPT-") {
				t.Errorf("%s: %+v", name, out)
			}
			var v hikeshi.ValidationError
			hikeshi.ValidateText(&v, "description", r.Description, hikeshi.MaxReportTextLen, true)
			if v.Err() != nil {
				t.Errorf("%s: the description is not valid text: %v", name, v.Err())
			}
			if len(out.Parsed.Notes) > 0 && !strings.Contains(r.Description, "[mail intake]") {
				t.Errorf("%s: the notes are not visible in the description:\n%s", name, r.Description)
			}
			atts, err := f.svc.Reports.Attachments(ctx, actor(f.csirt), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mailgate.Parse(ctx, bytes.NewReader(raw), mailgate.HashSink{}, mailgate.Options{})
			if len(atts) != len(want.Attachments)+1 {
				t.Fatalf("%s: %d attachments, want %d files and the raw message", name, len(atts), len(want.Attachments))
			}
			for i, a := range want.Attachments {
				if atts[i].SHA256 != a.SHA256 || atts[i].Size != a.Size || blobSHA(t, db, a.SHA256) != a.SHA256 {
					t.Errorf("%s: attachment %d is %+v, want %+v", name, i, atts[i], a)
				}
			}
			last := atts[len(atts)-1]
			if last.SHA256 != sha(raw) || !strings.HasSuffix(last.Filename, ".eml") {
				t.Errorf("%s: the raw message is not attached: %+v", name, last)
			}
			ch, err := db.FindReportChannel(ctx, r.ID)
			if err != nil || ch != hikeshi.ChannelMail {
				t.Errorf("%s: channel %q %v", name, ch, err)
			}
		}
		// A few contents, as a reader of the report sees them.
		for file, want := range map[string]string{
			"iso2022jp.eml":         "【至急】不審なメールの添付ファイルを開いてしまいました\n\nお疲れさまです。",
			"cp932-8bit.eml":        "①　㈱〇〇商事を名乗る請求書のメール",
			"html-only.eml":         "We found a phishing page",
			"forwarded-rfc822.eml":  "Subject: 口座の確認のお願い",
			"broken-base64.eml":     "part 2: broken base64",
			"wrong-charset.eml":     "unknown charset x-foo",
			"nested-100.eml":        "nested more than 16 levels deep",
			"empty.eml":             "(the mail has no readable text)",
			"mixed-attachments.eml": "Please find the evidence attached.",
		} {
			out := ingest(t, f, env("again@example.net"), append(readEML(t, file), []byte("\r\n")...))
			if !strings.Contains(out.Report.Description, want) {
				t.Errorf("%s: description %q lacks %q", file, out.Report.Description, want)
			}
		}
		if n := f.auditCount(t); n == 0 {
			t.Error("no audit entries")
		}
	})
}

func TestMailIntakeSourceAndVisibility(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mail := "From: Member <MEMBER@example.org>\r\nSubject: lost laptop\r\nMessage-ID: <m1@example.org>\r\n\r\nI lost my laptop.\r\n"
		out := ingest(t, f, env("member@example.org"), []byte(mail))
		if out.Report.Source != hikeshi.SourceEmployee || out.Report.ReporterUserID != f.member.ID {
			t.Fatalf("mail from a user's address: %+v", out.Report)
		}
		list, err := f.svc.Reports.List(ctx, actor(f.member), hikeshi.ReportFilter{})
		if err != nil || len(list) != 1 || list[0].ID != out.Report.ID {
			t.Errorf("the member does not see their mailed report: %v %v", list, err)
		}
		if list, _ := f.svc.Reports.List(ctx, actor(f.other), hikeshi.ReportFilter{}); len(list) != 0 {
			t.Errorf("another member sees %d reports", len(list))
		}
		ext := ingest(t, f, env("x@example.net"), []byte("From: x@example.net\r\nSubject: s\r\n\r\nb\r\n"))
		if ext.Report.Source != hikeshi.SourceExternal || ext.Report.ContactEmail != "x@example.net" || ext.Report.ReporterUserID != "" {
			t.Errorf("mail from outside: %+v", ext.Report)
		}
		// Reading the recorded mail follows the report's rules, for every role.
		for _, u := range []hikeshi.User{f.admin, f.csirt, f.auditor, f.member, f.other} {
			_, err := f.svc.MailIntake.MailMessages(ctx, actor(u), out.Report.ID)
			seeing := u.ID != f.other.ID
			if (err == nil) != seeing || (err != nil && !errors.Is(err, hikeshi.ErrNotFound)) {
				t.Errorf("%s reading the mail of a member's report: %v", u.Role, err)
			}
		}
	})
}

func TestMailIntakeThreading(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		first := ingest(t, f, env("alice@example.net"), readEML(t, "plain-ascii.eml"))
		num := first.Report.Number

		// A reply by In-Reply-To from the same sender: a reporter message.
		reply := "From: alice@example.net\r\nSubject: Re: Suspicious login alert\r\nMessage-ID: <r1@example.net>\r\n" +
			"In-Reply-To: <plain-1@example.net>\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\nMore details.\r\n" +
			"--z\r\nContent-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nlog line\r\n--z--\r\n"
		out := ingest(t, f, env("alice@example.net"), []byte(reply))
		if !out.Reply || out.Report.ID != first.Report.ID || out.Message.Author != hikeshi.AuthorReporter {
			t.Fatalf("reply: %+v", out)
		}
		_, msgs, _ := f.svc.Reports.Get(ctx, actor(f.csirt), first.Report.ID)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "More details.") {
			t.Errorf("thread: %+v", msgs)
		}
		atts, _ := f.svc.Reports.Attachments(ctx, actor(f.csirt), first.Report.ID)
		if len(atts) != 3 || atts[1].Filename != "log.txt" || atts[1].SHA256 != sha([]byte("log line")) {
			t.Errorf("attachments after the reply: %+v", atts)
		}

		// The tag in the subject, from the same sender (any case): a message.
		tagged := "From: Alice <Alice@Example.net>\r\nSubject: Re: [" + num + "] again\r\nMessage-ID: <r2@example.net>\r\n\r\nAnd again.\r\n"
		if out := ingest(t, f, env("alice@example.net"), []byte(tagged)); !out.Reply || out.Report.ID != first.Report.ID {
			t.Errorf("tagged reply: %+v", out.Report)
		}

		// A stranger naming the tag or the Message-ID gets a new report and
		// learns nothing; the new report says which report was named.
		for i, m := range []string{
			"From: mallory@example.com\r\nSubject: Re: [" + num + "] let me in\r\n\r\nHi.\r\n",
			"From: mallory@example.com\r\nIn-Reply-To: <plain-1@example.net>\r\nSubject: hi\r\n\r\nHi.\r\n",
		} {
			out := ingest(t, f, env("mallory@example.com"), []byte(m))
			if out.Reply || out.Report.ID == first.Report.ID {
				t.Fatalf("stranger %d joined the report", i)
			}
			if i == 0 && !strings.Contains(out.Report.Description, "names report "+num) {
				t.Errorf("stranger %d: %q", i, out.Report.Description)
			}
			if i == 1 && (strings.Contains(out.Report.Description, num) || !strings.Contains(out.Report.Description, "answers a mail of another report")) {
				t.Errorf("a stranger's reply by Message-ID must not learn the report's number: %q", out.Report.Description)
			}
		}
		_, msgs, _ = f.svc.Reports.Get(ctx, actor(f.csirt), first.Report.ID)
		if len(msgs) != 2 {
			t.Errorf("the report has %d messages, want 2", len(msgs))
		}

		// A report filed on the web by a member threads a tagged mail from
		// the member's address; an anonymous report threads nothing.
		sub, err := f.svc.Reports.Submit(ctx, actor(f.member), service.ReportInput{Description: "web report"})
		if err != nil {
			t.Fatal(err)
		}
		m := "From: member@example.org\r\nSubject: [" + sub.Report.Number + "] more\r\n\r\nmore from the member\r\n"
		if out := ingest(t, f, env("member@example.org"), []byte(m)); !out.Reply || out.Report.ID != sub.Report.ID || out.Message.AuthorUserID != f.member.ID {
			t.Errorf("member's tagged mail: %+v", out)
		}
		anon, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "anon", Anonymous: true})
		if err != nil {
			t.Fatal(err)
		}
		m = "From: member@example.org\r\nSubject: [" + anon.Report.Number + "] is this mine\r\n\r\n?\r\n"
		if out := ingest(t, f, env("member@example.org"), []byte(m)); out.Reply {
			t.Error("a mail joined an anonymous report")
		}

		// The same mail again (a client retrying after a lost answer) adds nothing.
		again := ingest(t, f, env("alice@example.net"), []byte(tagged))
		if !again.Duplicate {
			t.Error("a retried mail was taken in twice")
		}
		f.auditCount(t)
	})
}

func TestMailIntakeAcknowledgement(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tr, err := i18n.New()
		if err != nil {
			t.Fatal(err)
		}
		capt := &mailout.Capture{}
		h := &service.MailHandler{Intake: f.svc.MailIntake, Ack: capt, AckDomain: "hikeshi.example.org", Translator: tr}
		deliver := func(from string, raw []byte) {
			t.Helper()
			sp, err := os.CreateTemp(t.TempDir(), "m")
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Close()
			sp.Write(raw)
			sp.Seek(0, io.SeekStart)
			if err := h.Deliver(ctx, env(from), sp, int64(len(raw))); err != nil {
				t.Fatal(err)
			}
			h.Wait()
		}
		deliver("taro@example.co.jp", readEML(t, "iso2022jp.eml"))
		sent := capt.Messages()
		if len(sent) != 1 || sent[0].To[0] != "taro@example.co.jp" || sent[0].Locale != hikeshi.LocaleJA ||
			!strings.Contains(sent[0].Subject, "受け付けました") {
			t.Fatalf("acknowledgement of a Japanese mail: %+v", sent)
		}
		// The code in the acknowledgement opens the report's follow-up page.
		var code string
		for _, line := range strings.Split(sent[0].Text, "\n") {
			if l := strings.TrimSpace(line); len(l) == 19 && strings.Count(l, "-") == 3 {
				code = l
			}
		}
		r, _, err := f.svc.Reports.FollowUp(ctx, code)
		if err != nil || !strings.Contains(sent[0].Subject, r.Number) {
			t.Fatalf("the acknowledged code %q: %v", code, err)
		}
		if sent[0].Headers["In-Reply-To"] != "<iso2022jp@example.co.jp>" {
			t.Errorf("not threaded onto the sender's mail: %v", sent[0].Headers)
		}
		// English for an English mail.
		deliver("alice@example.net", readEML(t, "plain-ascii.eml"))
		if sent = capt.Messages(); len(sent) != 2 || sent[1].Locale != hikeshi.LocaleEN || !strings.Contains(sent[1].Text, "follow-up code") {
			t.Fatalf("acknowledgement of an English mail: %+v", sent)
		}
		newest, err := f.svc.Reports.List(ctx, actor(f.csirt), hikeshi.ReportFilter{Page: hikeshi.Page{Limit: 1}})
		if err != nil || len(newest) != 1 {
			t.Fatal(err)
		}
		english := newest[0]
		// An answer to the acknowledgement threads by its Message-ID.
		ackID := sent[1].MessageID
		deliver("alice@example.net", []byte("From: alice@example.net\r\nIn-Reply-To: <"+ackID+">\r\nSubject: Re: ok\r\n\r\nthanks\r\n"))
		mails, err := f.svc.MailIntake.MailMessages(ctx, actor(f.csirt), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 2 || mails[1].Kind != hikeshi.MailAck || mails[1].MessageID == "" {
			t.Errorf("the Japanese report's mail: %+v", mails)
		}
		_, thread, err := f.svc.Reports.Get(ctx, actor(f.csirt), english.ID)
		if err != nil || len(thread) != 1 || !strings.Contains(thread[0].Body, "thanks") {
			t.Errorf("the answer to the acknowledgement did not thread: %+v %v", thread, err)
		}
		if sent = capt.Messages(); len(sent) != 2 {
			t.Errorf("a reply was acknowledged: %d", len(sent))
		}
		// Never to machines, lists, bounces.
		for name, from := range map[string]string{"auto-submitted.eml": "mailer-daemon@example.com", "plain-ascii.eml": ""} {
			raw := bytes.Replace(readEML(t, name), []byte("Message-ID: <"), []byte("Message-ID: <x"), 1)
			deliver(from, raw)
		}
		deliver("list@example.com", []byte("From: list@example.com\r\nPrecedence: bulk\r\nSubject: news\r\n\r\nnews\r\n"))
		if sent = capt.Messages(); len(sent) != 2 {
			t.Errorf("machine or bounce mail was acknowledged: %+v", sent[2:])
		}
		// A relay that refuses the acknowledgement does not lose the report.
		capt.FailWith(func(mailout.Message) error { return errors.New("relay down") })
		deliver("carol@example.net", []byte("From: carol@example.net\r\nSubject: unlucky\r\n\r\nstill here\r\n"))
		l, err := f.svc.Reports.List(ctx, actor(f.csirt), hikeshi.ReportFilter{Page: hikeshi.Page{Limit: 1}})
		if err != nil || len(l) != 1 || l[0].ContactEmail != "carol@example.net" {
			t.Errorf("the report of an unacknowledged mail: %+v %v", l, err)
		}
	})
}
