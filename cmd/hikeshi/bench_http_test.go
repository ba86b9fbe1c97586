package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The bench's sender speaks HTTP/1.1 as net/http's server understands it:
// headers, bodies, chunked answers, connections the server closes.
func TestBenchConn(t *testing.T) {
	var n, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/api/v1/alerts" || r.Header.Get("Authorization") != "Bearer tok" ||
			r.Header.Get("Content-Type") != "application/json" || r.ContentLength != int64(len(body)) {
			http.Error(w, "bad request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		i := n.Add(1)
		if i%3 == 0 {
			w.Header().Set("Connection", "close")
		}
		w.WriteHeader(http.StatusAccepted)
		if i%2 == 0 {
			// Flushed before the end: a chunked answer.
			io.WriteString(w, "echo ")
			w.(http.Flusher).Flush()
		}
		w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.IdleTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()

	c := newBenchConn(addr, "/api/v1/alerts", "tok", 5*time.Second)
	defer c.Close()
	for i := 1; i <= 7; i++ {
		want := `{"n":` + strconv.Itoa(i) + `}`
		resp, body, err := c.post(ctx, []byte(want))
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		if i%2 == 0 {
			want = "echo " + want
		}
		if resp.StatusCode != http.StatusAccepted || string(body) != want {
			t.Fatalf("post %d: %d %q, want 202 %q", i, resp.StatusCode, body, want)
		}
	}
	// Seven requests, the server closing after the third and the sixth.
	if got := conns.Load(); got != 3 {
		t.Errorf("%d connections for 7 requests, want 3", got)
	}
	// The server drops the idle connection; the next post dials again.
	time.Sleep(500 * time.Millisecond)
	if resp, _, err := c.post(ctx, []byte(`{}`)); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after the server's idle timeout: %v, %v", resp, err)
	}

	// A server that never answers: the deadline ends the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			go io.Copy(io.Discard, c)
		}
	}()
	mute := newBenchConn(ln.Addr().String(), "/", "tok", 300*time.Millisecond)
	defer mute.Close()
	if _, _, err := mute.post(ctx, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("a silent server: %v, want a timeout", err)
	}
	// A cancelled context sends nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := c.post(cctx, []byte(`{}`)); err == nil {
		t.Error("a cancelled context still sent")
	}
}
