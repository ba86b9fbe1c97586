package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// noEnv is a getenv that sees no variables, so tests do not depend on the
// HIKESHI_* variables of the machine that runs them.
func noEnv(string) string { return "" }

// result is what one run of the binary produced.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the program in-process with args, stdin and no environment.
func cli(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// must runs the program and fails the test unless it exits 0.
func must(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := cli(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("hikeshi %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a "hikeshi serve" running in-process.
type testServer struct {
	url            string
	stdout, stderr *syncBuffer
	stop           context.CancelFunc
	done           chan int
}

var listeningRE = regexp.MustCompile(`Hikeshi is listening on (http://\S+)`)

// startServe runs "hikeshi serve args…" in a goroutine and waits until it
// announces its address on standard error. The server is stopped when the
// test ends, if the test has not stopped it.
func startServe(t *testing.T, args ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{stdout: &syncBuffer{}, stderr: &syncBuffer{}, stop: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"serve"}, args...), noEnv, strings.NewReader(""), s.stdout, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop within 40 s")
		}
	})
	deadline := time.After(60 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(s.stderr.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve exited with %d before listening\nstdout: %s\nstderr: %s", code, s.stdout, s.stderr)
		case <-deadline:
			t.Fatalf("serve did not announce its address within 60 s\nstderr: %s", s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// shutdown cancels the server's context and returns its exit status.
func (s *testServer) shutdown(t *testing.T) int {
	t.Helper()
	s.stop()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		return code
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop within 40 s of its context being cancelled")
		return -1
	}
}

// get fetches path from the server and returns the status and body.
func (s *testServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, string(b)
}
