// Package api is Hikeshi's JSON API under /api/v1.
//
// Every route is one row of the table in routes.go; Register mounts the rows
// on the server's mux and the OpenAPI 3.1 document at /api/v1/openapi.json is
// generated from the same rows, so the two cannot drift.
//
// Clients authenticate with "Authorization: Bearer <token>" only. Session
// cookies are never read here, so a browser's ambient credentials give a
// cross-site page no access, and the API needs no CSRF tokens. Errors are
// RFC 9457 problem details (application/problem+json) with a stable type URI;
// lists are cursor-paginated.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Options configure the API.
type Options struct {
	Services *service.Services
	Log      *slog.Logger
	Clock    hikeshi.Clock
	BaseURL  string // public address, for the OpenAPI document's server
	// Limiter bounds requests per token (per client address before
	// authentication). Nil gives a burst of 100 and then 20 per second.
	Limiter *httpx.Limiter
	// SenderLimiter bounds requests per alert sender's token on the intake
	// endpoints. Nil gives IntakeSenderRate per second.
	SenderLimiter *httpx.Limiter
}

// Handler serves /api/v1.
type Handler struct {
	svc     *service.Services
	log     *slog.Logger
	baseURL string
	limiter *httpx.Limiter
	routes  []route

	senderLimiter *httpx.Limiter // alert senders' tokens, on the intake endpoints

	docOnce sync.Once
	doc     []byte
}

// New returns the API.
func New(o Options) *Handler {
	h := &Handler{svc: o.Services, log: o.Log, baseURL: strings.TrimRight(o.BaseURL, "/"), limiter: o.Limiter}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.limiter == nil {
		h.limiter = httpx.NewLimiter(20, 100)
	}
	h.senderLimiter = o.SenderLimiter
	if h.senderLimiter == nil {
		h.senderLimiter = httpx.NewLimiter(IntakeSenderRate, IntakeSenderBurst)
	}
	h.routes = h.table()
	return h
}

// Register adds the API's routes to mux: one method pattern per route, and
// a catch-all for the rest of /api/v1/ that answers 404 or 405 as problems.
func (h *Handler) Register(mux *http.ServeMux) { h.register(mux.Handle) }

// register mounts every route through handle; tests pass a recorder.
func (h *Handler) register(handle func(pattern string, handler http.Handler)) {
	for i := range h.routes {
		rt := &h.routes[i]
		handle(rt.pattern(), h.serve(rt))
	}
	handle(Prefix+"/", h.fallback())
}

// call is one request being served: the route, the writer and the actor.
type call struct {
	h     *Handler
	rt    *route
	w     http.ResponseWriter
	r     *http.Request
	actor hikeshi.Actor
	query url.Values
}

func (c *call) ctx() context.Context { return c.r.Context() }

// param returns a query parameter the route declares. Reading an undeclared
// one is a programming error (the OpenAPI document would not list it), so it
// panics and every test that reaches it fails.
func (c *call) param(name string) string {
	if !c.rt.declares(name) {
		panic(fmt.Sprintf("api: %s reads undeclared query parameter %q", c.rt.pattern(), name))
	}
	return c.query.Get(name)
}

// page parses ?limit= and ?cursor= for collection, whose keys valid accepts.
func (c *call) page(collection string, valid func(string) bool) (pageReq, error) {
	n, err := parseLimit(c.param("limit"))
	if err != nil {
		return pageReq{}, err
	}
	p := pageReq{limit: n}
	if cur := c.param("cursor"); cur != "" {
		if p.after, err = decodeCursor(collection, cur, valid); err != nil {
			return pageReq{}, err
		}
	}
	return p, nil
}

// decode reads the request body into v, which must be the route's body type.
func (c *call) decode(v any) error {
	if c.rt.optionalBody && c.r.ContentLength == 0 {
		return nil // no body at all, so no Content-Type is needed either
	}
	media := []string{"application/json"}
	if c.rt.method == http.MethodPatch {
		media = append(media, "application/merge-patch+json")
	}
	body, err := readBody(c.w, c.r, media)
	if err != nil {
		return err
	}
	if c.rt.optionalBody && len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	return decodeJSON(body, v)
}

// json answers with v as JSON.
func (c *call) json(status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	c.w.Write(append(b, '\n'))
	return nil
}

// created answers 201 with the new resource and its Location.
func (c *call) created(location string, v any) error {
	c.w.Header().Set("Location", location)
	return c.json(http.StatusCreated, v)
}

// noContent answers 204.
func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// serve wraps a route's handler: panic recovery, authentication, rate
// limiting, query checking and error rendering.
func (h *Handler) serve(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				writeProblem(h.log, w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		w.Header().Set("Cache-Control", "no-store")
		c := &call{h: h, rt: rt, w: w, r: r}
		if err := h.admit(c); err != nil {
			writeProblem(h.log, w, r, err)
			return
		}
		if err := rt.handle(c); err != nil {
			writeProblem(h.log, w, r, err)
		}
	})
}

// admit authenticates the caller, applies the rate limit and checks the
// query string against the route's declared parameters.
func (h *Handler) admit(c *call) error {
	if c.rt.tag == intakeTag {
		return h.admitIntake(c) // alert senders' own tokens (alertintake.go)
	}
	key := "ip:" + httpx.ClientIP(c.r)
	var authErr error
	if !c.rt.public {
		u, tok, err := h.authenticate(c.r)
		switch {
		case err == nil:
			c.actor = hikeshi.ActorFor(u, "api")
			key = "token:" + tok.ID
		case err == errNoToken || isUnauthenticated(err):
			authErr = err
		default:
			return err
		}
	}
	// Failed authentications count against the client's address, so guessing
	// tokens is limited too.
	if ok, wait := h.limiter.Allow(key); !ok {
		e := newError(kindRateLimited, "")
		e.header = http.Header{"Retry-After": {fmt.Sprint(int(math.Ceil(max(wait.Seconds(), 1))))}}
		return e
	}
	if authErr != nil {
		e := newError(kindUnauthenticated, "The API token is missing, unknown, revoked, or its account is disabled. Send Authorization: Bearer <token>; session cookies are not accepted by the API.")
		e.header = http.Header{"Www-Authenticate": {`Bearer realm="hikeshi"`}}
		if authErr != errNoToken {
			e.header.Set("WWW-Authenticate", `Bearer realm="hikeshi", error="invalid_token"`)
		}
		return e
	}
	return h.checkQuery(c)
}

// errNoToken means no bearer token was sent.
var errNoToken = newError(kindUnauthenticated, "no token")

func isUnauthenticated(err error) bool {
	p, _, _ := classify(err)
	return p.Status == http.StatusUnauthorized
}

// authenticate reads "Authorization: Bearer <token>" (the scheme is
// case-insensitive, RFC 9110) and checks the token.
func (h *Handler) authenticate(r *http.Request) (hikeshi.User, hikeshi.APIToken, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return hikeshi.User{}, hikeshi.APIToken{}, errNoToken
	}
	return h.svc.Auth.AuthenticateToken(r.Context(), token)
}

// checkQuery refuses query parameters the route does not declare (a typo such
// as ?departmentid= would otherwise silently list everything) and repeated ones.
func (h *Handler) checkQuery(c *call) error {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		return newError(kindBadRequest, "The query string is not well-formed.")
	}
	for name, vs := range q {
		if !c.rt.declares(name) {
			return fieldError(name, "unknown_parameter", fmt.Sprintf("%s is not a query parameter of this operation; the OpenAPI document lists them.", name))
		}
		if len(vs) > 1 {
			return fieldError(name, "repeated", fmt.Sprintf("%s is given more than once.", name))
		}
	}
	c.query = q
	return nil
}

// fallback answers requests under /api/v1/ that match no route: 405 with
// Allow when the path exists with other methods, else 404.
func (h *Handler) fallback() http.Handler {
	paths := http.NewServeMux()
	allow := map[string][]string{}
	for _, rt := range h.routes {
		p := Prefix + rt.path
		if _, ok := allow[p]; !ok {
			paths.Handle(p, http.NotFoundHandler())
		}
		allow[p] = append(allow[p], rt.method)
		if rt.method == http.MethodGet {
			allow[p] = append(allow[p], http.MethodHead)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		_, pattern := paths.Handler(r)
		methods, ok := allow[pattern]
		switch {
		case !ok:
			writeProblem(h.log, w, r, newError(kindNotFound, ""))
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", strings.Join(append(methods, http.MethodOptions), ", "))
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeProblem(h.log, w, r, newError(kindMethodNotAllowed,
				fmt.Sprintf("%s is not supported here; use %s.", r.Method, strings.Join(methods, ", "))))
		}
	})
}
