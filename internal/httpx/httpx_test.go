package httpx

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(0.5, 3) // 3 at once, then one every 2 s
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 2*time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with 2s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key was limited by the first")
	}
	now = now.Add(2 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("refilled token refused")
	}
	// Idle buckets are dropped so memory stays bounded.
	now = now.Add(time.Hour)
	l.Allow("c")
	if _, kept := l.buckets["b"]; kept {
		t.Error("an idle, full bucket was kept")
	}
}

func TestRequestIDs(t *testing.T) {
	var seen string
	h := RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }))
	tests := []struct {
		header string
		keep   bool
	}{
		{"abc-123_X", true},
		{"", false},
		{"has space", false},
		{"evil\r\nX-Injected: 1", false},
		{strings.Repeat("a", 65), false},
		{"ユニコード", false},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			req.Header["X-Request-Id"] = []string{tc.header}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if (seen == tc.header) != tc.keep || seen == "" || rec.Header().Get("X-Request-ID") != seen {
			t.Errorf("header %q: request id %q (response %q), keep=%v", tc.header, seen, rec.Header().Get("X-Request-ID"), tc.keep)
		}
	}
}

func TestRecoverLogsOnceAndHidesThePanic(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := RequestIDs(Recover(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("secret detail") })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret detail") || !strings.Contains(rec.Body.String(), rec.Header().Get("X-Request-ID")) {
		t.Errorf("response %d %q", rec.Code, rec.Body.String())
	}
	if n := strings.Count(logs.String(), "msg=panic"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestClientIPIgnoresForwardingHeaders(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "192.0.2.7:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := ClientIP(req); got != "192.0.2.7" {
		t.Errorf("ClientIP = %q", got)
	}
}

func TestMetricsLabelByPattern(t *testing.T) {
	m := NewMetrics(nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	h := m.Instrument(mux)
	for _, p := range []string{"/items/1", "/items/2", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`hikeshi_http_requests_total{method="GET",route="GET /items/{id}",status="200"} 2`,
		`hikeshi_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/items/1") {
		t.Error("raw paths leak into labels")
	}
}
