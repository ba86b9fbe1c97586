package main

import (
	"context"
	"net/smtp"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
)

var smtpAddrRE = regexp.MustCompile(`mail intake listening.*smtp_addr"?[=:]"?(127\.0\.0\.1:\d+)`)

// TestServeMailIntake runs "hikeshi serve --smtp-addr", sends it a mail and
// finds the report in the database after a graceful stop.
func TestServeMailIntake(t *testing.T) {
	dir := newDataDir(t)
	s := startServe(t, "--data-dir", dir, "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0", "--smtp-recipients", "csirt@example.org")
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := smtpAddrRE.FindStringSubmatch(s.stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("the mail intake did not announce its address:\n%s", s.stderr)
	}
	msg := "From: Reporter <reporter@example.net>\r\nTo: csirt@example.org\r\nSubject: =?UTF-8?B?5LiN5a+p44Gq44Oh44O844Or?=\r\n\r\nA strange mail arrived.\r\n"
	if err := smtp.SendMail(addr, nil, "reporter@example.net", []string{"csirt@example.org"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := smtp.SendMail(addr, nil, "reporter@example.net", []string{"other@example.org"}, []byte(msg)); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("an address the intake does not take: %v", err)
	}
	if code := s.shutdown(t); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "mail intake stopped") {
		t.Errorf("the mail intake did not stop gracefully:\n%s", s.stderr)
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reps, err := db.FindReports(context.Background(), hikeshi.ReportFilter{})
	if err != nil || len(reps) != 1 || !strings.HasPrefix(reps[0].Description, "不審なメール\n\nA strange mail arrived.") || reps[0].ContactEmail != "reporter@example.net" {
		t.Fatalf("reports: %+v %v", reps, err)
	}
}

func TestServeMailIntakeBadCertificate(t *testing.T) {
	dir := newDataDir(t)
	r := cli(t, "", "serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0",
		"--smtp-tls-cert", dir+"/missing.pem", "--smtp-tls-key", dir+"/missing.key")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot load the mail intake's certificate") {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}
