package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/smtp"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/mailgate"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"golang.org/x/text/encoding/japanese"
)

var benchMailCmd = &command{
	name:     "bench mail",
	synopsis: "[--json] [--db URL] [--messages N] [--clients C] [--big-mb M]",
	summary:  "time the mail intake over SMTP",
	help: `Starts the mail intake (the SMTP listener and the mail parser) in this
process on a temporary database (SQLite in a temporary directory, or the empty
PostgreSQL database of --db postgres://…) and sends N messages over real SMTP
to 127.0.0.1 from C concurrent clients, each on one connection (a mix of plain
English mail, Japanese ISO-2022-JP mail and mail with a small attachment);
then one message with an M MB attachment, streamed by the client so that only
the intake's memory counts. It prints messages per second, and the increase
of the peak resident memory (VmHWM) that the large message caused, with the
peak itself. With --json it prints one JSON object.`,
	run: runBenchMail,
}

// benchMailReport is the JSON of "bench mail --json".
type benchMailReport struct {
	Engine          string  `json:"engine"`
	Messages        int     `json:"messages"`
	Clients         int     `json:"clients"`
	GOMAXPROCS      int     `json:"gomaxprocs"`
	Seconds         float64 `json:"seconds"`
	MessagesPerSec  float64 `json:"messages_per_sec"`
	BigAttachmentMB int     `json:"big_attachment_mb"`
	BigSeconds      float64 `json:"big_seconds"`
	RSSIncreaseMB   float64 `json:"rss_increase_mb"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	Reports         int     `json:"reports"`
}

func runBenchMail(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a summary")
	dbURL := fs.String("db", "", "an empty PostgreSQL database (postgres://…); default: SQLite in a temporary directory")
	n := fs.Int("messages", 500, "messages in the timed run, 1 to 100000")
	clients := fs.Int("clients", 4, "concurrent SMTP clients, 1 to 64")
	bigMB := fs.Int("big-mb", 25, "size of the large attachment in MB, 0 (none) to 150")
	pos, err := config.Parse(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(e.stdout, c, fs)
			return errHelpShown
		}
		var ue *config.UsageError
		if errors.As(err, &ue) {
			return &usageError{cmd: c, fs: fs, msg: ue.Msg}
		}
		return &usageError{cmd: c, fs: fs, msg: err.Error()}
	}
	switch {
	case len(pos) > 0:
		return usage(c, fs, "bench mail takes no arguments, but got %q", config.Printable(pos[0], 60))
	case *n < 1 || *n > 100_000:
		return usage(c, fs, "--messages must be 1–100000, not %d", *n)
	case *clients < 1 || *clients > 64:
		return usage(c, fs, "--clients must be 1–64, not %d", *clients)
	case *bigMB < 0 || *bigMB > 150:
		return usage(c, fs, "--big-mb must be 0–150, not %d", *bigMB)
	case *dbURL != "" && !store.IsPostgresURL(*dbURL):
		return usage(c, fs, "--db must be a postgres:// URL (SQLite is used in a temporary directory by default)")
	}
	rep, err := benchMail(e.ctx, *dbURL, *n, *clients, *bigMB)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(e.stdout, "mail intake on %s, %d clients, GOMAXPROCS %d\n", rep.Engine, rep.Clients, rep.GOMAXPROCS)
	fmt.Fprintf(e.stdout, "  %d messages in %.2f s: %.1f messages/s\n", rep.Messages, rep.Seconds, rep.MessagesPerSec)
	if rep.BigAttachmentMB > 0 {
		fmt.Fprintf(e.stdout, "  one message with a %d MB attachment in %.2f s: peak RSS +%.1f MB (peak %.1f MB)\n",
			rep.BigAttachmentMB, rep.BigSeconds, rep.RSSIncreaseMB, rep.PeakRSSMB)
	}
	return nil
}

func benchMail(ctx context.Context, dbURL string, n, clients, bigMB int) (*benchMailReport, error) {
	db, done, err := openBenchDB(ctx, dbURL, "hikeshi-bench-mail-")
	if err != nil {
		return nil, err
	}
	defer done()
	svc := service.New(db, service.Options{})
	h := &service.MailHandler{Intake: svc.MailIntake}
	srv, err := mailgate.New(mailgate.Config{Recipients: []string{"csirt@example.org"}, Handler: h,
		Log: slog.New(slog.DiscardHandler), RatePerMinute: 10_000, MaxConnections: clients + 4})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()

	// The messages are made before the clock starts: the clients only send.
	msgs := make([]string, n)
	for i := range msgs {
		msgs[i] = mailBenchMessage(i)
	}
	rep := &benchMailReport{Engine: string(db.Engine()), Messages: n, Clients: clients, GOMAXPROCS: runtime.GOMAXPROCS(0), BigAttachmentMB: bigMB}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for i := range next {
				if err := mailBenchSend(c, fmt.Sprintf("sender%d@example.net", i%50), strings.NewReader(msgs[i])); err != nil {
					errs <- fmt.Errorf("message %d: %w", i, err)
					return
				}
			}
			c.Quit()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	rep.Seconds = math.Round(elapsed.Seconds()*1000) / 1000
	rep.MessagesPerSec = math.Round(float64(n)/elapsed.Seconds()*10) / 10

	if bigMB > 0 {
		debug.FreeOSMemory() // measure from what the process really holds
		before := mailResetPeakRSS()
		c, err := smtp.Dial(addr)
		if err != nil {
			return nil, err
		}
		t := time.Now()
		err = mailBenchSend(c, "big@example.net", mailBigMessage(int64(bigMB)<<20))
		rep.BigSeconds = math.Round(time.Since(t).Seconds()*1000) / 1000
		c.Close()
		if err != nil {
			return nil, fmt.Errorf("the large message: %w", err)
		}
		peak := procStatusMB("VmHWM:")
		rep.PeakRSSMB = math.Round(peak*10) / 10
		rep.RSSIncreaseMB = math.Round(max(0, peak-before)*10) / 10
		// The attachment must have arrived whole.
		l, err := svc.Reports.List(ctx, hikeshi.SystemActor("bench"), hikeshi.ReportFilter{Page: hikeshi.Page{Limit: 1}})
		if err != nil || len(l) == 0 {
			return nil, fmt.Errorf("the large message made no report: %v", err)
		}
		atts, err := svc.Reports.Attachments(ctx, hikeshi.SystemActor("bench"), l[0].ID)
		if err != nil || len(atts) == 0 || atts[0].Size != int64(bigMB)<<20 {
			return nil, fmt.Errorf("the large attachment was not stored whole: %+v %v", atts, err)
		}
	}
	count := 0
	p := hikeshi.Page{Limit: hikeshi.MaxPageLimit}
	for {
		l, err := svc.Reports.List(ctx, hikeshi.SystemActor("bench"), hikeshi.ReportFilter{Page: p})
		if err != nil {
			return nil, err
		}
		count += len(l)
		if len(l) < p.Limit {
			break
		}
		p.After = l[len(l)-1].ID
	}
	rep.Reports = count
	return rep, nil
}

// mailBenchSend sends one message on an open connection.
func mailBenchSend(c *smtp.Client, from string, body io.Reader) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt("csirt@example.org"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, body); err != nil {
		return err
	}
	return w.Close()
}

// mailBenchMessage is the i-th message of the timed run: plain English,
// Japanese ISO-2022-JP, or with a small attachment, in turn.
func mailBenchMessage(i int) string {
	id := fmt.Sprintf("<bench-%d-%s@example.net>", i, hikeshi.NewID())
	head := fmt.Sprintf("From: sender%d@example.net\r\nTo: csirt@example.org\r\nMessage-ID: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		i%50, id, time.Now().Format(time.RFC1123Z))
	switch i % 3 {
	case 0:
		return head + fmt.Sprintf("Subject: Suspicious login %d\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", i) +
			"I received a login alert for an account I did not use.\r\nThe alert came at 09:12 from an unknown address.\r\n"
	case 1:
		subj, _ := japanese.ISO2022JP.NewEncoder().String(fmt.Sprintf("不審なメールの報告 %d", i))
		body, _ := japanese.ISO2022JP.NewEncoder().String("お疲れさまです。不審なメールの添付ファイルを開いてしまいました。\nパソコンはネットワークから外してあります。\n")
		return head + "Subject: =?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(subj)) + "?=\r\n" +
			"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	}
	att := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(fmt.Sprintf("2026-11-26T00:00:%02dZ conn 203.0.113.%d\n", i%60, i%250), 40)))
	return head + fmt.Sprintf("Subject: evidence %d\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n", i) +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLog attached.\r\n--b\r\nContent-Type: text/plain; name=\"conn.log\"\r\n" +
		"Content-Disposition: attachment; filename=\"conn.log\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + mailWrap76(att) + "--b--\r\n"
}

func mailWrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// mailBigMessage streams a message with a size-byte attachment of random bytes
// (incompressible, as evidence often is), base64 in 76-character lines,
// without holding it in memory.
func mailBigMessage(size int64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		fmt.Fprintf(bw, "From: big@example.net\r\nTo: csirt@example.org\r\nSubject: disk image excerpt\r\nMessage-ID: <big-%s@example.net>\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\n"+
			"The excerpt is attached.\r\n--big\r\nContent-Type: application/octet-stream; name=\"excerpt.bin\"\r\n"+
			"Content-Disposition: attachment; filename=\"excerpt.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", hikeshi.NewID())
		enc := base64.NewEncoder(base64.StdEncoding, &mailLineWriter{w: bw})
		rng := rand.New(rand.NewPCG(1, 2))
		buf := make([]byte, 57*1024)
		for left := size; left > 0; {
			k := min(int64(len(buf)), left)
			for i := range buf[:k] {
				buf[i] = byte(rng.Uint32())
			}
			enc.Write(buf[:k])
			left -= k
		}
		enc.Close()
		fmt.Fprint(bw, "\r\n--big--\r\n")
		bw.Flush()
		pw.Close()
	}()
	return pr
}

// mailLineWriter breaks base64 into 76-character lines.
type mailLineWriter struct {
	w   io.Writer
	col int
}

func (l *mailLineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.col += k
		p = p[k:]
		if l.col == 76 {
			if _, err := io.WriteString(l.w, "\r\n"); err != nil {
				return 0, err
			}
			l.col = 0
		}
	}
	return n, nil
}

// mailResetPeakRSS resets the process's peak resident set (VmHWM) to its
// current resident set, where Linux allows it, and returns the resident set
// in MB: the base the peak of the next step is measured from.
func mailResetPeakRSS() float64 {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	rss := procStatusMB("VmRSS:")
	if hwm := procStatusMB("VmHWM:"); hwm > rss && hwm-rss > 1 {
		// The reset is not allowed here: measure from the old peak.
		return hwm
	}
	return rss
}
