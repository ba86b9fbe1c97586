package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/mailgate"
	"github.com/hikeshi/hikeshi/internal/mailout"
	"github.com/hikeshi/hikeshi/internal/service"
)

// startMailIntake listens on cfg.SMTPAddr and runs the mailgate (IH-2)
// until ctx ends or stop is called; stop waits for the open sessions (at
// most 10 s) and for acknowledgements being sent.
func startMailIntake(ctx context.Context, cfg config.Config, log *slog.Logger, svc *service.Services, baseURL string) (stop func(), err error) {
	log = log.With("component", "mail intake")
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.SMTPAddr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for the mail intake: %v; choose another --smtp-addr or stop the program that uses it", cfg.SMTPAddr, unwrapOp(err))
	}
	h := &service.MailHandler{Intake: svc.MailIntake, Log: log}
	if cfg.SMTPAck {
		if cfg.MailRelay == "" {
			log.Warn("--smtp-ack needs --mail-relay to send acknowledgements; none will be sent")
		} else {
			sender, err := mailout.NewSMTP(mailout.SMTPConfig{Relay: cfg.MailRelay, TLS: mailout.TLSMode(cfg.MailTLS),
				Username: cfg.MailUser, Password: string(cfg.MailPassword), From: cfg.MailFrom, Hello: cfg.MailHello,
				Timeout: cfg.MailTimeout})
			if err != nil {
				ln.Close()
				return nil, fmt.Errorf("cannot set up the mail intake's acknowledgements: %w", err)
			}
			tr, err := i18n.New()
			if err != nil {
				ln.Close()
				return nil, err
			}
			h.Ack, h.Translator, h.AckDomain = sender, tr, domainOf(cfg.MailFrom)
		}
	}
	mc := mailgate.Config{Domain: hostOf(baseURL), Recipients: cfg.SMTPRecipients, MaxMessageBytes: cfg.SMTPMaxSize,
		Handler: h, Log: log}
	if cfg.SMTPTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SMTPTLSCert, cfg.SMTPTLSKey)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("cannot load the mail intake's certificate: %v; check --smtp-tls-cert and --smtp-tls-key", err)
		}
		mc.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv, err := mailgate.New(mc)
	if err != nil {
		ln.Close()
		return nil, err
	}
	var shutdown func()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil {
			log.Error("the mail intake stopped", "err", err)
		}
	}()
	log.Info("mail intake listening", "smtp_addr", ln.Addr().String(), "recipients", len(cfg.SMTPRecipients),
		"starttls", mc.TLS != nil, "acknowledgements", h.Ack != nil)
	stopped := make(chan struct{})
	var once sync.Once
	stop = func() { once.Do(func() { close(stopped); shutdown() }) }
	shutdown = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		<-done
		h.Wait()
		log.Info("mail intake stopped")
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-stopped:
		}
	}()
	return stop, nil
}

// hostOf is the host of a URL, for the SMTP greeting.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return "hikeshi"
	}
	return u.Hostname()
}

// domainOf is the domain of an address such as "Hikeshi <h@example.org>".
func domainOf(from string) string {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return ""
	}
	return a.Address[strings.LastIndexByte(a.Address, '@')+1:]
}
