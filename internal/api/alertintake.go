package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/httpx"
	"github.com/hikeshi/hikeshi/internal/service"
)

// intakeTag marks the routes that alert senders call with their own tokens;
// admit authenticates them with admitIntake instead of a user's token.
const intakeTag = "alert intake"

// Machines send in bursts: a sender's token may make this many requests per
// second (after a burst of twice as many). The intake's bounded queue, not
// this limit, is what protects the server; it answers 429 at once when full.
const (
	IntakeSenderRate  = 20_000
	IntakeSenderBurst = 40_000
)

// intakeMedia are the media types the intake endpoints read. Senders label
// the same JSON in many ways; a missing Content-Type is read as JSON too.
var intakeMedia = []string{"application/json", "application/x-ndjson", "application/ndjson", "application/jsonl",
	"application/x-jsonlines", "text/plain"}

// alertIntakeRoutes are the operations that receive alerts (IH-3).
func (h *Handler) alertIntakeRoutes() []route {
	common := "Authenticate with the alert sender's own token (Authorization: Bearer …), issued by the CSIRT for this format; " +
		"a token of another format is refused with 403, an unknown or disabled one with 401. An admin's or a CSIRT member's personal API token is accepted too. " +
		"The answer comes only after the alerts are committed. A repeat of the same alert (fingerprint) within the sender's window raises " +
		"the count of the alert already stored instead of adding one; alerts with the same format, rule and host go into one open event. " +
		"A payload with any invalid record is refused whole with 422 naming the record (alerts[i] or line n); nothing of it is stored. " +
		"Bodies up to 8 MiB (413 beyond). When intake is saturated the answer is 429 with Retry-After: send again after it."
	mk := func(path, op string, f hikeshi.AlertFormat, media, summary, doc string) route {
		return route{method: post, path: path, op: op, tag: intakeTag, summary: summary, doc: doc + "\n\n" + common,
			rawBody: media, status: http.StatusAccepted, resp: alertIntakeResultJSON{}, handle: h.receiveAlerts(f)}
	}
	return []route{
		mk("/alerts", "receiveAlerts", hikeshi.FormatGeneric, "application/json", "Receive alerts in Hikeshi's generic JSON",
			"One alert object, an array of them, or {\"alerts\": [...]}. An alert has title (required), rule, severity "+
				"(critical, high, medium, low, info or 1–5), description, host, observables [{type, value}], labels {name: text}, "+
				"occurred_at (RFC 3339), fingerprint and status (firing or resolved)."),
		mk("/alerts/alertmanager", "receiveAlertmanagerAlerts", hikeshi.FormatAlertmanager, "application/json",
			"Receive a Prometheus Alertmanager webhook notification",
			"Alertmanager's webhook payload (version 4) as its webhook receiver posts it; each alert's fingerprint de-duplicates repeat "+
				"notifications, and status resolved marks the stored alert resolved."),
		mk("/alerts/suricata", "receiveSuricataAlerts", hikeshi.FormatSuricata, "application/x-ndjson", "Receive Suricata EVE JSON records",
			"EVE JSON, one record per line (NDJSON) or an array; records whose event_type is not alert are skipped and counted as ignored."),
		mk("/alerts/wazuh", "receiveWazuhAlerts", hikeshi.FormatWazuh, "application/json", "Receive Wazuh alerts",
			"One Wazuh alert as its integrations post it, an array, or alerts.json lines."),
		mk("/alerts/ecs", "receiveECSAlerts", hikeshi.FormatECS, "application/json", "Receive Elastic Common Schema alert documents",
			"One ECS document, an array or NDJSON; documents whose event.kind is not alert (or signal) are skipped and counted as ignored."),
	}
}

// alertIntakeResultJSON is the answer of the intake endpoints.
type alertIntakeResultJSON struct {
	Accepted   int                    `json:"accepted" doc:"New alerts, each in an event of the queue."`
	Duplicates int                    `json:"duplicates" doc:"Repeats within the sender's window that raised the count of an alert already stored."`
	Suppressed int                    `json:"suppressed" doc:"New alerts held back by a suppression rule: stored and counted, in no event."`
	Ignored    int                    `json:"ignored" doc:"Records of the payload that are not alerts (e.g. Suricata flow records)."`
	Events     []alertIntakeEventJSON `json:"events" doc:"The events the alerts went into."`
}

type alertIntakeEventJSON struct {
	ID     string `json:"id" format:"uuid"`
	Number string `json:"number" doc:"e.g. EVT-2026-000123."`
	New    bool   `json:"new" doc:"Opened by this request's batch."`
}

// intakeSourceKey carries the authenticated source of an intake request.
type intakeSourceKey struct{}

// admitIntake authenticates an intake request: by an alert sender's token,
// or else by a person's API token. Senders have their own, machine-sized
// rate limit; failed attempts count against the client's address.
func (h *Handler) admitIntake(c *call) error {
	scheme, token, ok := strings.Cut(strings.TrimSpace(c.r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		token = ""
	}
	var src service.IntakeSource
	key := ""
	var authErr error = errNoToken
	if token != "" {
		sender, err := h.svc.AlertIntake.Authenticate(c.ctx(), token)
		switch {
		case err == nil:
			src = service.IntakeSource{Sender: sender, Actor: service.SenderActor(sender)}
			authErr, key = nil, "sender:"+sender.ID
		case errors.Is(err, hikeshi.ErrUnauthenticated):
			u, tok, uerr := h.svc.Auth.AuthenticateToken(c.ctx(), token)
			switch {
			case uerr == nil:
				c.actor = hikeshi.ActorFor(u, "api")
				src = service.IntakeSource{Actor: c.actor}
				authErr, key = nil, "token:"+tok.ID
			case isUnauthenticated(uerr):
				authErr = uerr
			default:
				return uerr
			}
		default:
			return err
		}
	}
	limiter := h.limiter
	switch {
	case key == "":
		key = "ip:" + httpx.ClientIP(c.r)
	case src.Sender.ID != "":
		limiter = h.senderLimiter
	}
	if ok, wait := limiter.Allow(key); !ok {
		return retryLater(wait)
	}
	if authErr != nil {
		e := newError(kindUnauthenticated, "The alert sender's token is missing, unknown or disabled. Send Authorization: Bearer <token> with the token the CSIRT issued for this sender.")
		e.header = http.Header{"Www-Authenticate": {`Bearer realm="hikeshi"`}}
		if authErr != errNoToken {
			e.header.Set("WWW-Authenticate", `Bearer realm="hikeshi", error="invalid_token"`)
		}
		return e
	}
	c.r = c.r.WithContext(context.WithValue(c.r.Context(), intakeSourceKey{}, src))
	return h.checkQuery(c)
}

// retryLater is a 429 problem with Retry-After.
func retryLater(wait time.Duration) *apiError {
	e := newError(kindRateLimited, "Alert intake is saturated; send the same request again after Retry-After seconds. Nothing of this request was stored.")
	e.header = http.Header{"Retry-After": {fmt.Sprint(int(math.Ceil(max(wait.Seconds(), 1))))}}
	return e
}

// intakeBodies recycles request buffers: at thousands of requests a second
// the buffers are most of the garbage otherwise.
var intakeBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readIntakeBody reads an intake request's body, at most
// hikeshi.MaxAlertRequestBytes, into a pooled buffer.
func readIntakeBody(c *call) (*bytes.Buffer, error) {
	if ct := c.r.Header.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		ok := false
		for _, m := range intakeMedia {
			ok = ok || (err == nil && mt == m)
		}
		if cs, has := params["charset"]; has && !strings.EqualFold(cs, "utf-8") {
			ok = false
		}
		if !ok {
			return nil, newError(kindUnsupportedMediaType, fmt.Sprintf("Send alerts as %s (UTF-8); got %s.", strings.Join(intakeMedia[:2], " or "), ct))
		}
	}
	buf := intakeBodies.Get().(*bytes.Buffer)
	buf.Reset()
	if n := c.r.ContentLength; n > 0 && n <= hikeshi.MaxAlertRequestBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(c.w, c.r.Body, hikeshi.MaxAlertRequestBytes))
	if err != nil {
		intakeBodies.Put(buf)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError(kindTooLarge, fmt.Sprintf("The request body is larger than %d bytes (8 MiB); split the alerts over several requests. Nothing was stored.", hikeshi.MaxAlertRequestBytes))
		}
		return nil, newError(kindBadRequest, "The request body could not be read.")
	}
	return buf, nil
}

// receiveAlerts serves one format's endpoint.
func (h *Handler) receiveAlerts(f hikeshi.AlertFormat) func(c *call) error {
	return func(c *call) error {
		src, _ := c.ctx().Value(intakeSourceKey{}).(service.IntakeSource)
		buf, err := readIntakeBody(c)
		if err != nil {
			return err
		}
		body := buf.Bytes()
		if len(bytes.TrimSpace(body)) == 0 {
			intakeBodies.Put(buf)
			return hikeshi.Invalid("body", "required", "The request body is empty; send at least one alert.")
		}
		if !utf8.Valid(body) {
			i := 0
			for i < len(body) {
				r, n := utf8.DecodeRune(body[i:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				i += n
			}
			intakeBodies.Put(buf)
			return hikeshi.Invalid("body", "invalid_utf8", fmt.Sprintf("The request body is not valid UTF-8 (at byte offset %d).", i))
		}
		res, err := h.svc.AlertIntake.Receive(c.ctx(), src, f, body)
		if buf.Cap() <= 1<<20 {
			intakeBodies.Put(buf) // the decoders copy what they keep
		}
		if errors.Is(err, hikeshi.ErrRateLimited) {
			return retryLater(time.Second)
		}
		if err != nil {
			return err
		}
		out := alertIntakeResultJSON{Accepted: res.Accepted, Duplicates: res.Duplicates, Suppressed: res.Suppressed,
			Ignored: res.Ignored, Events: make([]alertIntakeEventJSON, 0, len(res.Events))}
		for _, e := range res.Events {
			out.Events = append(out.Events, alertIntakeEventJSON{ID: e.ID, Number: e.Number, New: e.New})
		}
		return c.json(http.StatusAccepted, out)
	}
}
