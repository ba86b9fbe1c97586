// Package web is Hikeshi's server-rendered HTML user interface.
//
// Pages are html/template files parsed once at start-up from an embedded file
// system; each page has one typed view model and is rendered into a buffer
// before anything is written, so a template error becomes a clean 500 page
// and never half a page. htmx (vendored under static/) may enhance pages,
// but every primary action is a plain form that works without JavaScript.
//
// The UI holds no business rules: every change goes through a service method
// with the signed-in user as the actor, and authorization is the service's.
// The UI only hides what a user cannot do.
package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/i18n"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Options configure the web UI.
type Options struct {
	Services *service.Services
	Log      *slog.Logger
	Clock    hikeshi.Clock
	BaseURL  string // public address, e.g. https://hikeshi.example.org
	Secure   bool   // cookies get the Secure attribute (served over TLS)
	// Location is the time zone in which times are shown; nil means the
	// server's local zone.
	Location *time.Location
	// LoginLimiter limits sign-in attempts per client address; nil gives a
	// burst of 10 and then one attempt every 6 seconds.
	LoginLimiter *httpx.Limiter
	// ReportLimiter limits report forms sent per client address; nil gives a
	// burst of 10 and then one every 30 seconds.
	ReportLimiter *httpx.Limiter
	// FollowUpLimiter limits follow-up code look-ups per client address; nil
	// gives a burst of 20 and then one every 10 seconds.
	FollowUpLimiter *httpx.Limiter
}

// Handler serves the HTML UI.
type Handler struct {
	o      Options
	svc    *service.Services
	log    *slog.Logger
	clock  hikeshi.Clock
	loc    *time.Location
	tr     *i18n.Translator
	pages  *pages
	assets *assets
	login  *httpx.Limiter

	reportLimit   *httpx.Limiter
	followUpLimit *httpx.Limiter

	cop *http.CrossOriginProtection
}

// New parses the templates and message catalogues and returns the UI.
func New(o Options) (*Handler, error) {
	if o.Services == nil {
		return nil, fmt.Errorf("web: Options.Services is required")
	}
	h := &Handler{o: o, svc: o.Services, log: o.Log, clock: o.Clock, loc: o.Location, login: o.LoginLimiter}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.clock == nil {
		h.clock = hikeshi.SystemClock{}
	}
	if h.loc == nil {
		h.loc = time.Local
	}
	if h.login == nil {
		h.login = httpx.NewLimiter(1.0/6, 10)
	}
	h.reportLimit, h.followUpLimit = o.ReportLimiter, o.FollowUpLimiter
	if h.reportLimit == nil {
		h.reportLimit = httpx.NewLimiter(1.0/30, 10)
	}
	if h.followUpLimit == nil {
		h.followUpLimit = httpx.NewLimiter(1.0/10, 20)
	}
	st, err := embedded()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h.tr, h.assets, h.pages = st.tr, st.assets, st.pages
	h.cop = http.NewCrossOriginProtection()
	if o.BaseURL != "" {
		// Behind a proxy that rewrites Host, the public origin still counts as ours.
		if u, err := url.Parse(o.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
			if err := h.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
				return nil, fmt.Errorf("web: base URL %q as trusted origin: %w", o.BaseURL, err)
			}
		}
	}
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	return h, nil
}

// embeddedParts are what every Handler of the process shares: the catalogue,
// the static files and the parsed pages all come from files embedded in the
// binary and are never changed after parsing, so they are parsed once (the
// tests build hundreds of Handlers; the pages alone took a quarter of their
// CPU).
type embeddedParts struct {
	tr     *i18n.Translator
	assets *assets
	pages  *pages
}

var embedded = sync.OnceValues(func() (embeddedParts, error) {
	var p embeddedParts
	var err error
	if p.tr, err = i18n.New(); err != nil {
		return p, err
	}
	if p.assets, err = loadAssets(); err != nil {
		return p, err
	}
	p.pages, err = parsePages(p.assets)
	return p, err
})
