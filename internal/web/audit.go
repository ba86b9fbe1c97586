package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hikeshi/hikeshi"
)

// auditFilterForm is the audit page's filter as typed.
type auditFilterForm struct {
	Actor, Action, Entity, EntityID, Since, Until string
}

// auditEntry is one audit record as shown.
type auditEntry struct {
	hikeshi.AuditRecord
	BeforeJSON, AfterJSON string // indented for reading; "" when none
}

// auditView is the audit log page.
type auditView struct {
	page
	Filter    auditFilterForm
	Entries   []auditEntry
	OlderURL  string
	NewestURL string // set when not on the newest page
}

const auditPageSize = 50

func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) error {
	st := h.stateOf(r)
	if !st.actor().CanReadAudit() {
		return userError(http.StatusForbidden, "error.audit_only", hikeshi.ErrForbidden)
	}
	q := r.URL.Query()
	v := &auditView{Filter: auditFilterForm{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Entity: strings.TrimSpace(q.Get("entity")), EntityID: strings.TrimSpace(q.Get("entity_id")),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until"))}}
	v.Active = "audit"
	h.fill(r, &v.page)
	f := hikeshi.AuditFilter{Action: v.Filter.Action, Entity: v.Filter.Entity, EntityID: v.Filter.EntityID, Limit: auditPageSize}
	errs := map[string]string{}
	var err error
	if f.Since, err = h.parseDay(v.Filter.Since); err != nil {
		errs["since"] = v.T("field.date")
	}
	if f.Until, err = h.parseDay(v.Filter.Until); err != nil {
		errs["until"] = v.T("field.date")
	} else if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the "until" day is included
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return userError(http.StatusBadRequest, "error.bad_request", err)
		}
		f.BeforeSeq = n
	}
	noActor := false
	if a := v.Filter.Actor; a != "" {
		if strings.Contains(a, "@") {
			u, err := h.svc.Users.FindByEmail(r.Context(), st.actor(), a)
			switch {
			case errors.Is(err, hikeshi.ErrNotFound):
				noActor = true // nobody by that address: no entries
			case err != nil:
				return err
			default:
				f.ActorID = u.ID
			}
		} else {
			f.ActorID = a
		}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		v.Errors = errs
		v.Alert = v.T("form.fix_errors")
		status = http.StatusUnprocessableEntity
	} else if !noActor {
		recs, err := h.svc.Audit.List(r.Context(), st.actor(), f)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			v.Entries = append(v.Entries, auditEntry{AuditRecord: rec, BeforeJSON: indentJSON(rec.Before), AfterJSON: indentJSON(rec.After)})
		}
		if len(recs) == auditPageSize {
			older := v.Filter.values()
			older.Set("before", strconv.FormatInt(recs[len(recs)-1].Seq, 10))
			v.OlderURL = "/admin/audit?" + older.Encode()
		}
	}
	if f.BeforeSeq > 0 {
		v.NewestURL = "/admin/audit"
		if enc := v.Filter.values().Encode(); enc != "" {
			v.NewestURL += "?" + enc
		}
	}
	return h.render(w, r, status, "audit", v)
}

// values returns the filter's non-empty fields as a query.
func (f auditFilterForm) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "entity": f.Entity,
		"entity_id": f.EntityID, "since": f.Since, "until": f.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// parseDay parses a YYYY-MM-DD date as midnight in the UI's time zone.
func (h *Handler) parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation("2006-01-02", s, h.loc)
}

// indentJSON makes a stored JSON snapshot readable; text that is not JSON
// is shown as it is.
func indentJSON(s string) string {
	if s == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}
