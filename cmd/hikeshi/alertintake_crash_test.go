package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
)

// crashChildEnv names the data directory when this test binary runs as the
// server of TestAlertIntakeSurvivesSIGKILL.
const crashChildEnv = "HIKESHI_INTAKE_CRASH_CHILD"

// TestAlertIntakeCrashChild is "hikeshi serve" in a separate process for the
// crash test; it does nothing in a normal run.
func TestAlertIntakeCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the crash test's server")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, noEnv, strings.NewReader(""), os.Stdout, os.Stderr)
	if code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// crashServer is the server process of the crash test.
type crashServer struct {
	cmd *exec.Cmd
	url string
}

func startCrashServer(t *testing.T, dir string) *crashServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAlertIntakeCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	var logs syncBuffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case url := <-found:
		return &crashServer{cmd: cmd, url: url}
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not listen within 60 s:\n%s", logs.String())
		return nil
	}
}

// TestAlertIntakeSurvivesSIGKILL sends bursts from several goroutines,
// kills the server with SIGKILL in the middle, restarts it and checks that
// every alert that was acknowledged (202) is in the database.
func TestAlertIntakeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const token = "hka_crash_test_token_0001"
	now := time.Now().UTC()
	sender := hikeshi.AlertSender{ID: hikeshi.NewID(), Name: "crash", Format: hikeshi.FormatGeneric, TokenHash: service.HashSecret(token),
		TokenHint: "0001", Window: time.Hour, CreatedAt: now, UpdatedAt: now}
	if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateIntakeSender(ctx, sender) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	srv := startCrashServer(t, dir)
	var mu sync.Mutex
	acked := map[string]int{} // fingerprint → times acknowledged
	var requests atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for g := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				var items []string
				for j := range 20 {
					items = append(items, fmt.Sprintf(`{"title":"crash test %d/%d/%d","rule":"crash","host":"h-%d-%d-%d","severity":"low"}`, g, i, j, g, i, j))
				}
				body := []byte("[" + strings.Join(items, ",") + "]")
				req, _ := http.NewRequest("POST", srv.url+"/api/v1/alerts", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusTooManyRequests {
					continue
				}
				if resp.StatusCode != http.StatusAccepted {
					t.Errorf("HTTP %d", resp.StatusCode)
					return
				}
				as, err := hikeshi.DecodeAlerts(hikeshi.FormatGeneric, body)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, a := range as {
					acked[a.Fingerprint]++
				}
				mu.Unlock()
				requests.Add(1)
			}
		})
	}
	// Kill it mid-burst: once a good number of requests were acknowledged.
	deadline := time.Now().Add(60 * time.Second)
	for requests.Load() < 150 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	wg.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no alert was acknowledged before the kill")
	}

	// Restart: the server comes up on the same database and takes alerts.
	srv = startCrashServer(t, dir)
	req, _ := http.NewRequest("POST", srv.url+"/api/v1/alerts", strings.NewReader(`{"title":"after the restart","rule":"crash","host":"after"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after the restart: %v %v", resp, err)
	}
	resp.Body.Close()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()

	db, err = store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	missing := 0
	for fp, times := range acked {
		rows, err := db.FindIntakeAlerts(ctx, fp)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Count < int64(times) {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged alert %s: rows %d", fp, len(rows))
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged alerts are missing after SIGKILL", missing, n)
	}
	t.Logf("%d alerts in %d requests acknowledged before SIGKILL; all present after the restart", n, requests.Load())
}
