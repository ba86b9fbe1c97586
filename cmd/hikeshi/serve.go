package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/api"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/demo"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/jobs"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/server"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/web"
)

var serveCmd = &command{
	name:     "serve",
	synopsis: "[--demo] [options]",
	summary:  "run the web UI, the JSON API and the background jobs",
	help: `Runs the web UI, the JSON API (/api/v1), the operations endpoints (/healthz,
/readyz, /metrics) and the background jobs, after bringing the database schema
up to date. With --demo it first loads a demo organisation into an empty
database and prints the demo accounts' passwords once on standard output.
SIGINT or SIGTERM shut it down gracefully.`,
	run: runServe,
}

func runServe(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	withDemo := fs.Bool("demo", false, "load a demo organisation into an empty database and print its accounts")
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(c, fs, "serve takes no arguments, but got %q", config.Printable(pos[0], 60))
	}
	log := newLogger(cfg, e.stderr)
	ctx := e.ctx
	start := time.Now()

	// Listen first: a port in use is the most common start-up failure, and
	// finding it before touching the database leaves nothing behind.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v; choose another --addr or stop the program that uses it", cfg.Addr, unwrapOp(err))
	}
	defer ln.Close() // after Run, a no-op: Shutdown closed it
	baseURL := cfg.BaseURL
	if cfg.BaseURLDerived {
		baseURL = config.DeriveBaseURL(ln.Addr().String())
	}

	db, err := e.openStoreLogged(cfg, false, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("closing the database failed", "err", err)
			return
		}
		log.Info("database closed")
	}()
	version, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("cannot read the database schema version: %w", err)
	}
	log.Info("database ready", "db", db.Describe(), "schema_version", version)

	svc := service.New(db, service.Options{})
	// Runs before the database closes: the alert intake's writer commits
	// what is queued (after Run has let every request finish) and stops.
	defer svc.AlertIntake.Close()
	if *withDemo {
		if err := loadDemo(ctx, e, log, svc, baseURL); err != nil {
			return err
		}
	}
	if cfg.SMTPAddr != "" {
		stopMail, err := startMailIntake(ctx, cfg, log, svc, baseURL)
		if err != nil {
			return err
		}
		defer stopMail()
	}

	clock := hikeshi.SystemClock{}
	ui, err := web.New(web.Options{Services: svc, Log: log, Clock: clock, BaseURL: baseURL,
		Secure: strings.HasPrefix(baseURL, "https://")})
	if err != nil {
		return fmt.Errorf("cannot start the web UI: %w", err)
	}
	apiHandler := api.New(api.Options{Services: svc, Log: log, Clock: clock, BaseURL: baseURL})
	var mail mailout.Sender // nil: reminders stay in-app
	if cfg.MailRelay != "" {
		smtp, err := mailout.NewSMTP(mailout.SMTPConfig{Relay: cfg.MailRelay, TLS: mailout.TLSMode(cfg.MailTLS),
			Username: cfg.MailUser, Password: string(cfg.MailPassword), From: cfg.MailFrom, Hello: cfg.MailHello,
			Timeout: cfg.MailTimeout})
		if err != nil {
			return fmt.Errorf("cannot set up outbound mail: %w", err)
		}
		mail = smtp
		log.Info("outbound mail on", "relay", cfg.MailRelay, "tls", cfg.MailTLS)
	}
	handlers, periodic := jobs.Set(jobs.Deps{Services: svc, Mail: mail, BaseURL: baseURL, Log: log.With("component", "jobs")})
	runner := &jobs.Runner{
		Store:    db,
		Clock:    clock,
		Log:      log.With("component", "jobs"),
		Handlers: handlers,
		Periodic: periodic,
	}
	srv, err := server.New(server.Options{
		Log:      log,
		DB:       db,
		Sessions: svc.Auth,
		Metrics:  httpx.NewMetrics(db.Pools()),
		SQLite:   db.Engine() == store.SQLite,
		Routes:   []server.Routes{ui, apiHandler},
		Jobs:     runner,
		Announce: e.stderr,
	})
	if err != nil {
		return err
	}
	log.Info("starting", "base_url", baseURL, "startup", time.Since(start).Round(time.Millisecond).String())
	return srv.Run(ctx, ln)
}

// loadDemo fills an empty database with the demo organisation and prints its
// accounts once on standard output. The passwords are never logged.
func loadDemo(ctx context.Context, e *env, log *slog.Logger, svc *service.Services, baseURL string) error {
	accounts, err := demo.Load(ctx, svc)
	if err != nil {
		return fmt.Errorf("cannot load the demo organisation: %w", err)
	}
	if accounts == nil {
		log.Info("demo: the database already has users, so no demo data was loaded")
		return nil
	}
	demo.Print(e.stdout, baseURL, accounts)
	log.Info("demo organisation loaded", "accounts", len(accounts))
	return nil
}

// unwrapOp drops the "listen tcp …:" prefix of a *net.OpError, which repeats
// the address already named.
func unwrapOp(err error) error {
	if op, ok := err.(*net.OpError); ok && op.Err != nil {
		return op.Err
	}
	return err
}
