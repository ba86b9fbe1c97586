package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/api"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/server"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
)

var benchIntakeCmd = &command{
	name:     "bench intake",
	synopsis: "[--json] [--db URL] [--alerts N] [--batch B] [--single N] [--clients C]",
	summary:  "time alert intake over HTTP against plain batched inserts",
	help: `Starts Hikeshi's HTTP handler in this process on a temporary database
(SQLite in a temporary directory, or the empty PostgreSQL database of --db
postgres://…), creates an alert sender and sends generic alerts over real HTTP
from C concurrent clients (default 8; each keeps one HTTP/1.1 connection
alive and sends its next request when the last is answered) to a listener on
127.0.0.1: first N alerts in requests of B alerts (the batched run), then N
single-alert requests (--single, default N). The alerts are realistic and
mostly distinct, with about one in ten a repeat. It prints alerts per second,
the latency of the requests (p50, p99), the peak resident memory, and — in
the same run — the baseline: the stored alert rows inserted again, with one
prepared INSERT per row and 1,000 rows per transaction, into a copy of the
alerts table (same columns, constraints and indexes) on the same database,
and the ratio of the batched rate to the baseline. With --json it prints one
JSON object.`,
	run: runBenchIntake,
}

// benchIntakeReport is the JSON of "bench intake --json".
type benchIntakeReport struct {
	Engine              string  `json:"engine"`
	Alerts              int     `json:"alerts"` // per run
	Batch               int     `json:"batch"`
	Clients             int     `json:"clients"`
	GOMAXPROCS          int     `json:"gomaxprocs"`
	AlertsPerSec        float64 `json:"alerts_per_sec"` // batched run
	BatchP50ms          float64 `json:"batch_p50_ms"`
	BatchP99ms          float64 `json:"batch_p99_ms"`
	SingleAlerts        int     `json:"single_alerts"`
	SingleAlertsPerSec  float64 `json:"single_alerts_per_sec"`
	P50ms               float64 `json:"p50_ms"` // single-alert requests
	P99ms               float64 `json:"p99_ms"`
	Retries             int64   `json:"retries"` // 429 answers, each sent again after Retry-After
	PeakRSSMB           float64 `json:"peak_rss_mb"`
	BaselineRows        int     `json:"baseline_rows"`
	BaselineRowsPerSec  float64 `json:"baseline_rows_per_sec"`
	Ratio               float64 `json:"ratio"` // alerts_per_sec / baseline_rows_per_sec
	StoredAlerts        int     `json:"stored_alerts"`
	Duplicates          int     `json:"duplicates"`
	Events              int     `json:"events"`
	SingleAcceptedTotal int     `json:"single_accepted"`
}

func runBenchIntake(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	dbURL := fs.String("db", "", "an empty PostgreSQL database (postgres://…); default: SQLite in a temporary directory")
	n := fs.Int("alerts", 100_000, "alerts in the batched run, 1 to 10000000")
	batch := fs.Int("batch", 100, "alerts per request in the batched run, 1 to 10000")
	single := fs.Int("single", -1, "single-alert requests (default: as many as --alerts)")
	clients := fs.Int("clients", 8, "concurrent HTTP clients, 1 to 256")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the HTTP runs to this file (for go tool pprof)")
	traceFile := fs.String("trace", "", "write an execution trace of the HTTP runs to this file (for go tool trace)")
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
	if *single < 0 {
		*single = *n
	}
	switch {
	case len(pos) > 0:
		return usage(c, fs, "bench intake takes no arguments, but got %q", config.Printable(pos[0], 60))
	case *n < 1 || *n > 10_000_000:
		return usage(c, fs, "--alerts must be 1–10000000, not %d", *n)
	case *batch < 1 || *batch > hikeshi.MaxAlertsPerPayload:
		return usage(c, fs, "--batch must be 1–%d, not %d", hikeshi.MaxAlertsPerPayload, *batch)
	case *single > 10_000_000:
		return usage(c, fs, "--single must be 0–10000000, not %d", *single)
	case *clients < 1 || *clients > 256:
		return usage(c, fs, "--clients must be 1–256, not %d", *clients)
	case *dbURL != "" && !store.IsPostgresURL(*dbURL):
		return usage(c, fs, "--db must be a postgres:// URL (SQLite is used in a temporary directory by default)")
	}
	for _, r := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{*cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {*traceFile, trace.Start, trace.Stop}} {
		stop, err := record(r.path, r.start, r.stop)
		if err != nil {
			return err
		}
		defer stop()
	}
	rep, err := benchIntake(e.ctx, *dbURL, *n, *batch, *single, *clients)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(e.stdout, "alert intake on %s, %d clients, GOMAXPROCS %d\n", rep.Engine, rep.Clients, rep.GOMAXPROCS)
	fmt.Fprintf(e.stdout, "  batched (%d per request): %9.0f alerts/s   p50 %6.2f ms   p99 %6.2f ms   (%d alerts)\n",
		rep.Batch, rep.AlertsPerSec, rep.BatchP50ms, rep.BatchP99ms, rep.Alerts)
	fmt.Fprintf(e.stdout, "  single-alert requests:    %9.0f alerts/s   p50 %6.2f ms   p99 %6.2f ms   (%d alerts)\n",
		rep.SingleAlertsPerSec, rep.P50ms, rep.P99ms, rep.SingleAlerts)
	fmt.Fprintf(e.stdout, "  baseline (prepared INSERT, 1,000 rows per transaction): %9.0f rows/s (%d rows)\n", rep.BaselineRowsPerSec, rep.BaselineRows)
	fmt.Fprintf(e.stdout, "  ratio batched / baseline: %.2f\n", rep.Ratio)
	fmt.Fprintf(e.stdout, "  peak RSS %.1f MB; stored %d alerts in %d events (%d repeats counted); %d retries after 429\n",
		rep.PeakRSSMB, rep.StoredAlerts, rep.Events, rep.Duplicates, rep.Retries)
	return nil
}

// record starts a recorder (the CPU profiler, the execution tracer) writing
// to the file path and returns what stops it; an empty path records nothing.
func record(path string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { stop(); f.Close() }, nil
}

func benchIntake(ctx context.Context, dbURL string, n, batch, single, clients int) (*benchIntakeReport, error) {
	db, done, err := openBenchDB(ctx, dbURL, "hikeshi-bench-intake-")
	if err != nil {
		return nil, err
	}
	defer done()
	svc := service.New(db, service.Options{})
	defer svc.AlertIntake.Close()
	log := slog.New(slog.DiscardHandler)
	srv, err := server.New(server.Options{Log: log, DB: db, Metrics: httpx.NewMetrics(db.Pools()), SQLite: db.Engine() == store.SQLite,
		Routes: []server.Routes{api.New(api.Options{Services: svc, Log: log})}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()

	token := "hka_bench_" + hikeshi.NewID()
	now := time.Now().UTC()
	sender := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: "bench " + now.Format(time.RFC3339Nano), Format: hikeshi.FormatGeneric,
		TokenHash: service.HashSecret(token), TokenHint: token[len(token)-4:], Window: time.Hour, CreatedAt: now, UpdatedAt: now}
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIntakeSender(ctx, sender) }); err != nil {
		return nil, err
	}

	rep := &benchIntakeReport{Engine: string(db.Engine()), Alerts: n, Batch: batch, Clients: clients, GOMAXPROCS: runtime.GOMAXPROCS(0),
		SingleAlerts: single}
	addr, path := ln.Addr().String(), api.Prefix+"/alerts"

	// The bodies are made before the clock starts: the clients only send.
	gen := newAlertGen(uint64(now.UnixNano()))
	var bodies [][]byte
	for sent := 0; sent < n; sent += batch {
		bodies = append(bodies, gen.body(min(batch, n-sent)))
	}
	res, err := benchSend(ctx, addr, path, token, bodies, clients)
	if err != nil {
		return nil, fmt.Errorf("batched run: %w", err)
	}
	rep.AlertsPerSec = round1(float64(n) / res.elapsed.Seconds())
	rep.BatchP50ms, rep.BatchP99ms = res.pct(0.50), res.pct(0.99)
	rep.Retries += res.retries
	rep.Duplicates += res.duplicates

	if single > 0 {
		bodies = bodies[:0]
		for range single {
			bodies = append(bodies, gen.body(1))
		}
		res, err := benchSend(ctx, addr, path, token, bodies, clients)
		if err != nil {
			return nil, fmt.Errorf("single-alert run: %w", err)
		}
		rep.SingleAlertsPerSec = round1(float64(single) / res.elapsed.Seconds())
		rep.P50ms, rep.P99ms = res.pct(0.50), res.pct(0.99)
		rep.Retries += res.retries
		rep.Duplicates += res.duplicates
		rep.SingleAcceptedTotal = res.accepted
	}
	rep.PeakRSSMB = peakRSSMB()
	hs.Close()

	rows, elapsed, err := db.IntakeBaseline(ctx, sender.ID, 1000)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	rep.BaselineRows = rows
	rep.StoredAlerts = rows
	if elapsed > 0 {
		rep.BaselineRowsPerSec = round1(float64(rows) / elapsed.Seconds())
		rep.Ratio = math.Round(rep.AlertsPerSec/rep.BaselineRowsPerSec*1000) / 1000
	}
	for after := ""; ; {
		evs, err := db.FindAlertEvents(ctx, hikeshi.AlertEventFilter{Page: hikeshi.Page{After: after, Limit: hikeshi.MaxPageLimit}})
		if err != nil || len(evs) == 0 {
			break
		}
		rep.Events += len(evs)
		after = evs[len(evs)-1].ID
	}
	return rep, nil
}

// benchRun is the outcome of one run.
type benchRun struct {
	elapsed    time.Duration
	lat        []time.Duration
	retries    int64
	duplicates int
	accepted   int
}

// pct returns the q-quantile latency in milliseconds.
func (r benchRun) pct(q float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	i := min(len(r.lat)-1, int(math.Ceil(q*float64(len(r.lat))))-1)
	return math.Round(float64(r.lat[max(i, 0)].Microseconds())/10) / 100
}

// benchSend posts every body from clients goroutines, each with its own
// kept-alive connection; a 429 is sent again after its Retry-After. Any
// other failure stops the run.
func benchSend(ctx context.Context, addr, path, token string, bodies [][]byte, clients int) (benchRun, error) {
	var next atomic.Int64
	var retries atomic.Int64
	var mu sync.Mutex
	var run benchRun
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			lat := make([]time.Duration, 0, len(bodies)/clients+1)
			dups, acc := 0, 0
			defer func() {
				mu.Lock()
				run.lat = append(run.lat, lat...)
				run.duplicates += dups
				run.accepted += acc
				mu.Unlock()
			}()
			conn := newBenchConn(addr, path, token, time.Minute)
			defer conn.Close()
			var out struct {
				Accepted   int `json:"accepted"`
				Duplicates int `json:"duplicates"`
			}
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				for {
					t0 := time.Now()
					resp, b, err := conn.post(ctx, bodies[i])
					if err != nil {
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
						return
					}
					if resp.StatusCode == http.StatusTooManyRequests {
						retries.Add(1)
						wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
						time.Sleep(time.Duration(max(wait, 1)) * time.Second / 10)
						continue
					}
					lat = append(lat, time.Since(t0))
					if resp.StatusCode != http.StatusAccepted {
						mu.Lock()
						firstErr = cmpErr(firstErr, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b)))
						mu.Unlock()
						return
					}
					if err := json.Unmarshal(b, &out); err == nil {
						dups += out.Duplicates
						acc += out.Accepted
					}
					break
				}
			}
		})
	}
	wg.Wait()
	run.elapsed = time.Since(start)
	run.retries = retries.Load()
	return run, firstErr
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// peakRSSMB reads the process's peak resident set (VmHWM) in megabytes.
func peakRSSMB() float64 { return round1(procStatusMB("VmHWM:")) }

// alertGen makes realistic generic alerts: a few hundred rules over a few
// thousand hosts, with observables and labels; about one alert in ten
// repeats one sent before.
type alertGen struct {
	r    *rand.Rand
	run  uint64 // in every alert's labels: runs on one database do not repeat each other
	seq  int
	sent []int
}

func newAlertGen(seed uint64) *alertGen {
	return &alertGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

var benchRules = []struct{ rule, title, severity string }{
	{"ET SCAN Nmap SYN scan", "Port scan from %s", "low"},
	{"SSH brute force", "Repeated SSH login failures from %s", "medium"},
	{"ET MALWARE Cobalt Strike beacon", "Beacon traffic to %s", "critical"},
	{"Disk usage above 90%%", "Disk almost full on %s", "medium"},
	{"Suspicious PowerShell", "Encoded PowerShell command run by %s", "high"},
	{"Web shell upload", "Possible web shell written via %s", "critical"},
	{"TLS certificate expiring", "Certificate expires soon on %s", "info"},
	{"Login from new country", "Sign-in from a new country for %s", "medium"},
}

func (g *alertGen) body(n int) []byte {
	var b bytes.Buffer
	if n > 1 {
		b.WriteByte('[')
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		k := g.seq
		if len(g.sent) > 100 && g.r.IntN(10) == 0 {
			k = g.sent[g.r.IntN(len(g.sent))] // a repeat
		} else {
			g.seq++
			g.sent = append(g.sent, k)
		}
		// Alerts come in runs of five on one rule and host (one event),
		// each from another address.
		grp := k / 5
		rule := benchRules[grp%len(benchRules)]
		rnum := grp % 300
		host := fmt.Sprintf("srv-%04d.example.internal", (grp*7919)%4000)
		ip := fmt.Sprintf("%d.%d.%d.%d", 10+k%200, (k/200)%256, (k/51200)%256, 1+k%250)
		fmt.Fprintf(&b, `{"title":%q,"rule":"%s #%d","severity":%q,"host":%q,"description":"Detected by sensor %d at %s; see the raw event for details.",`+
			`"observables":[{"type":"ip","value":%q}],"labels":{"sensor":"sensor-%d","site":"tokyo-%d","env":"prod","run":"%x"},"occurred_at":%q}`,
			fmt.Sprintf(rule.title, ip), strings.ReplaceAll(rule.rule, "%%", "%"), rnum, rule.severity, host, k%16, host, ip, k%16, k%3, g.run,
			time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC).Add(time.Duration(k)*time.Millisecond).Format(time.RFC3339Nano))
	}
	if n > 1 {
		b.WriteByte(']')
	}
	return b.Bytes()
}
