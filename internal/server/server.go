// Package server runs Hikeshi's HTTP server: it joins the web UI and the JSON
// API on one ServeMux, adds the operations endpoints (/healthz, /readyz,
// /metrics) and the middleware chain, runs the periodic maintenance, and shuts
// everything down gracefully. It knows the database only through the small
// Database interface, so it does not depend on the store.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/prometheus/client_golang/prometheus"
)

// Database is what the server needs of the database.
type Database interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Checkpoint folds SQLite's write-ahead log into the database file.
	Checkpoint(ctx context.Context) error
	// WALSize is the size of SQLite's write-ahead log in bytes.
	WALSize() int64
}

// SessionCleaner deletes expired sessions (service.Auth).
type SessionCleaner interface {
	CleanExpiredSessions(ctx context.Context) (int, error)
}

// Background is work that runs beside the HTTP server until shutdown: the
// job runner (jobs.Runner). Run must return once ctx is done and its work has
// stopped.
type Background interface {
	Run(ctx context.Context) error
}

// Routes is a transport that adds its method patterns to the mux (web, api).
type Routes interface {
	Register(mux *http.ServeMux)
}

// Defaults for Options left zero.
const (
	DefaultMaintenanceEvery = 5 * time.Minute
	DefaultShutdownTimeout  = 30 * time.Second
	// ReadyTimeout bounds the database ping of /readyz.
	ReadyTimeout = 2 * time.Second
)

// Options configure the server.
type Options struct {
	Log      *slog.Logger
	DB       Database
	Sessions SessionCleaner
	// Metrics is the registry served on /metrics; it should already carry the
	// database pool statistics.
	Metrics *httpx.Metrics
	// SQLite adds the write-ahead-log size gauge and the periodic checkpoint.
	SQLite bool
	// Routes are registered on the one top-level mux, in order.
	Routes []Routes
	// Jobs, when set, runs beside the server and is stopped on shutdown
	// before Run returns, so the caller can close the database after it.
	Jobs Background
	// Announce receives the human line "Hikeshi is listening on …" once the
	// server accepts connections (standard error); nil for none.
	Announce io.Writer
	// MaintenanceEvery is the period of session clean-up and checkpoints.
	MaintenanceEvery time.Duration
	// ShutdownTimeout bounds how long in-flight requests may run on shutdown.
	ShutdownTimeout time.Duration
}

// Server is Hikeshi's HTTP server.
type Server struct {
	o       Options
	handler http.Handler
}

// New builds the mux and the middleware chain.
func New(o Options) (*Server, error) {
	if o.Log == nil || o.DB == nil || o.Metrics == nil {
		return nil, errors.New("server: Log, DB and Metrics are required")
	}
	if o.MaintenanceEvery <= 0 {
		o.MaintenanceEvery = DefaultMaintenanceEvery
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.SQLite {
		db := o.DB
		o.Metrics.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hikeshi_sqlite_wal_bytes",
			Help: "Size of the SQLite write-ahead log file in bytes.",
		}, func() float64 { return float64(db.WALSize()) }))
	}
	s := &Server{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", o.Metrics.Handler())
	for _, r := range o.Routes {
		r.Register(mux)
	}
	// Outermost first. Every layer passes the same *http.Request on, so the
	// pattern the mux records in r.Pattern is visible to the access log and
	// the metrics when they read it after the handler returns.
	var h http.Handler = mux
	h = httpx.SecurityHeaders(h)
	h = o.Metrics.Instrument(h)
	h = httpx.Recover(o.Log, h)
	h = httpx.AccessLog(o.Log, h)
	h = httpx.RequestIDs(h)
	s.handler = h
	return s, nil
}

// Handler returns the complete HTTP handler, for tests.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.o.DB.Ping(ctx); err != nil {
		s.o.Log.WarnContext(r.Context(), "readiness check failed: the database does not answer",
			"request_id", httpx.RequestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "database unavailable\n")
		return
	}
	io.WriteString(w, "ready\n")
}

// httpServer returns the http.Server with timeouts that bound slow clients.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // evidence uploads
		WriteTimeout:      2 * time.Minute, // evidence downloads, exports
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.o.Log.Handler(), slog.LevelWarn),
	}
}

// Run serves on ln until ctx is cancelled, then shuts down gracefully: it
// stops accepting connections, lets requests in flight finish (up to
// ShutdownTimeout), and stops the maintenance loop and the job runner. It
// does not close the database; the caller does that after Run returns. It
// returns nil after a clean shutdown.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	log := s.o.Log
	srv := s.httpServer()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	loopCtx, stopLoop := context.WithCancel(context.WithoutCancel(ctx))
	var loop sync.WaitGroup
	loop.Go(func() { s.maintain(loopCtx) })
	defer func() {
		stopLoop()
		loop.Wait()
		log.Info("maintenance loop stopped")
	}()
	if s.o.Jobs != nil {
		// Deferred after the maintenance loop's stop, so it runs first: the
		// runner is told to stop as soon as shutdown begins (its handlers
		// are cancelled and their attempts recorded for a retry), and Run
		// waits for it, up to ShutdownTimeout, before the caller closes the
		// database.
		jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
		jobsDone := make(chan struct{})
		go func() {
			defer close(jobsDone)
			if err := s.o.Jobs.Run(jobsCtx); err != nil {
				log.Error("the job runner stopped with an error", "err", err)
			}
		}()
		context.AfterFunc(ctx, stopJobs)
		defer func() {
			stopJobs()
			select {
			case <-jobsDone:
				log.Info("job runner stopped")
			case <-time.After(s.o.ShutdownTimeout):
				log.Warn("the job runner did not stop in time; its running jobs will be retried after their lease", "timeout", s.o.ShutdownTimeout.String())
			}
		}()
	}

	addr := ln.Addr().String()
	log.Info("listening", "addr", addr)
	if s.o.Announce != nil {
		fmt.Fprintf(s.o.Announce, "Hikeshi is listening on http://%s\n", addr)
	}

	select {
	case err := <-served:
		return fmt.Errorf("the HTTP server on %s stopped: %w", addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down: no new connections; waiting for requests in flight", "timeout", s.o.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("requests still running after %s were cut off: %w", s.o.ShutdownTimeout, err)
		log.Warn("HTTP server forced to stop", "err", err)
	} else {
		log.Info("HTTP server stopped; all requests finished")
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// maintain runs the periodic jobs until ctx ends.
func (s *Server) maintain(ctx context.Context) {
	t := time.NewTicker(s.o.MaintenanceEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.maintainOnce(ctx)
		}
	}
}

// maintainOnce deletes expired sessions and, on SQLite, checkpoints the
// write-ahead log so that it cannot grow without bound.
func (s *Server) maintainOnce(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	log := s.o.Log
	if s.o.Sessions != nil {
		n, err := s.o.Sessions.CleanExpiredSessions(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("maintenance: cannot delete expired sessions", "err", err)
		case n > 0:
			log.Info("maintenance: expired sessions deleted", "count", n)
		}
	}
	if s.o.SQLite {
		before := s.o.DB.WALSize()
		if err := s.o.DB.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			log.Warn("maintenance: SQLite checkpoint failed", "err", err, "wal_bytes", before)
			return
		}
		log.Debug("maintenance: SQLite checkpoint", "wal_bytes_before", before, "wal_bytes_after", s.o.DB.WALSize())
	}
}
