package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// routes is a transport registering test handlers.
type routes map[string]http.HandlerFunc

func (r routes) Register(mux *http.ServeMux) {
	for p, h := range r {
		mux.HandleFunc(p, h)
	}
}

// cleaner counts calls of CleanExpiredSessions.
type cleaner struct{ n atomic.Int64 }

func (c *cleaner) CleanExpiredSessions(context.Context) (int, error) {
	c.n.Add(1)
	return 0, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newServer(t *testing.T, o Options) (*Server, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if o.DB == nil {
		db := storetest.NewSQLite(t)
		o.DB = db
		o.SQLite = true
		o.Metrics = httpx.NewMetrics(db.Pools())
	}
	if o.Metrics == nil {
		o.Metrics = httpx.NewMetrics(nil)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestOperationsEndpoints(t *testing.T) {
	db := storetest.NewSQLite(t)
	s, logs := newServer(t, Options{DB: db, SQLite: true, Metrics: httpx.NewMetrics(db.Pools()),
		Routes: []Routes{routes{
			"GET /boom":        func(http.ResponseWriter, *http.Request) { panic("boom") },
			"GET /items/{id}":  func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.PathValue("id")) },
			"POST /items/{id}": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		}}})
	h := s.Handler()

	if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("/healthz = %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/readyz"); rec.Code != http.StatusOK {
		t.Errorf("/readyz = %d %q", rec.Code, rec.Body)
	}
	rec := get(t, h, "/boom")
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("/boom = %d, want 500", rec.Code)
	}
	id := rec.Header().Get("X-Request-ID")
	if id == "" || !strings.Contains(rec.Body.String(), id) {
		t.Errorf("the 500 page %q does not show the request id %q", rec.Body, id)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no security headers on the 500 response")
	}
	get(t, h, "/items/42")
	if rec := get(t, h, "/nothing-here"); rec.Code != http.StatusNotFound || rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("/nothing-here = %d, CSP %q", rec.Code, rec.Header().Get("Content-Security-Policy"))
	}

	metrics := get(t, h, "/metrics").Body.String()
	for _, want := range []string{
		`hikeshi_http_requests_total{method="GET",route="GET /items/{id}",status="200"} 1`,
		`hikeshi_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`hikeshi_http_requests_total{method="GET",route="GET /readyz",status="200"} 1`,
		`go_sql_max_open_connections{db_name="writer"} 1`,
		"hikeshi_sqlite_wal_bytes ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	l := logs.String()
	// Recover sits outside Instrument, so a panic is in the access log (with
	// its route and status 500) but not in the request metrics.
	for _, want := range []string{`route="GET /items/{id}"`, `path=/items/42`, `msg=panic`, "request_id=" + id,
		`route="GET /boom" status=500`} {
		if !strings.Contains(l, want) {
			t.Errorf("the logs lack %q:\n%s", want, l)
		}
	}

	db.Close()
	rec = get(t, h, "/readyz")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database closed = %d, want 503", rec.Code)
	}
	if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz with the database closed = %d, want 200", rec.Code)
	}
}

func TestNoWALGaugeOnPostgres(t *testing.T) {
	db := storetest.NewSQLite(t) // stands in for PostgreSQL: only the flag matters
	s, _ := newServer(t, Options{DB: db, SQLite: false, Metrics: httpx.NewMetrics(db.Pools())})
	if strings.Contains(get(t, s.Handler(), "/metrics").Body.String(), "hikeshi_sqlite_wal_bytes") {
		t.Error("the WAL gauge is registered without SQLite")
	}
}

// TestGracefulShutdown checks that a request in flight when the context is
// cancelled still completes, that the listener closes, and that Run returns nil.
func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	clean := &cleaner{}
	announce := &lockedBuffer{}
	s, logs := newServer(t, Options{Sessions: clean, MaintenanceEvery: 5 * time.Millisecond, Announce: announce,
		Routes: []Routes{routes{"GET /slow": func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			io.WriteString(w, "done")
		}}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx, ln) }()

	url := "http://" + ln.Addr().String()
	type reply struct {
		body string
		err  error
	}
	got := make(chan reply, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			got <- reply{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- reply{string(b), err}
	}()
	<-started
	for clean.n.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections 5 s after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-ran:
		t.Fatalf("Run returned %v while a request was in flight", err)
	default:
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "done" {
		t.Errorf("the request in flight got %q, %v", r.body, r.err)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil after a graceful shutdown", err)
	}
	after := clean.n.Load()
	time.Sleep(30 * time.Millisecond)
	if clean.n.Load() != after {
		t.Error("the maintenance loop still runs after Run returned")
	}
	if !strings.Contains(announce.String(), "Hikeshi is listening on "+url) {
		t.Errorf("announcement = %q", announce.String())
	}
	l := logs.String()
	for _, want := range []string{"msg=listening", "shutting down", "HTTP server stopped", "maintenance loop stopped", "maintenance: SQLite checkpoint"} {
		if !strings.Contains(l, want) {
			t.Errorf("the logs lack %q:\n%s", want, l)
		}
	}
}

// TestShutdownTimeout checks that a request outliving ShutdownTimeout is cut
// off and Run reports it.
func TestShutdownTimeout(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s, _ := newServer(t, Options{ShutdownTimeout: 50 * time.Millisecond,
		Routes: []Routes{routes{"GET /stuck": func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
		}}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx, ln) }()
	go http.Get("http://" + ln.Addr().String() + "/stuck")
	<-started
	cancel()
	select {
	case err := <-ran:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run = %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its shutdown timeout")
	}
}

func TestServeFailure(t *testing.T) {
	s, _ := newServer(t, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve fails at once
	if err := s.Run(context.Background(), ln); err == nil {
		t.Error("Run on a closed listener returned nil")
	}
}

func TestNewRequiresDependencies(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a logger, database and metrics succeeded")
	}
}

// background is a job runner stand-in: it runs until its context ends, then
// takes linger to stop.
type background struct {
	started, stopped chan struct{}
	linger           time.Duration
}

func (b *background) Run(ctx context.Context) error {
	close(b.started)
	<-ctx.Done()
	time.Sleep(b.linger)
	close(b.stopped)
	return nil
}

// TestShutdownStopsJobs checks that Run starts the job runner and, on
// shutdown, returns only after the runner has stopped, so the caller closes
// the database after the last job; a runner that will not stop is given up on
// after ShutdownTimeout.
func TestShutdownStopsJobs(t *testing.T) {
	for _, c := range []struct {
		name   string
		linger time.Duration
		want   string
	}{
		{"stops", 20 * time.Millisecond, "job runner stopped"},
		{"stuck", time.Second, "the job runner did not stop in time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bg := &background{started: make(chan struct{}), stopped: make(chan struct{}), linger: c.linger}
			s, logs := newServer(t, Options{Jobs: bg, ShutdownTimeout: 200 * time.Millisecond})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			ran := make(chan error, 1)
			go func() { ran <- s.Run(ctx, ln) }()
			<-bg.started
			cancel()
			if err := <-ran; err != nil {
				t.Fatalf("Run = %v", err)
			}
			select {
			case <-bg.stopped:
				if c.name == "stuck" {
					t.Error("the stuck runner stopped before Run returned")
				}
			default:
				if c.name == "stops" {
					t.Error("Run returned before the job runner stopped")
				}
			}
			if !strings.Contains(logs.String(), c.want) {
				t.Errorf("the logs lack %q:\n%s", c.want, logs)
			}
			<-bg.stopped
		})
	}
}
