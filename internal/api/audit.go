package api

import (
	"strconv"
	"time"

	"github.com/hikeshi/hikeshi"
)

func (h *Handler) listAudit(c *call) error {
	p, err := c.page("audit", validSeq)
	if err != nil {
		return err
	}
	f := hikeshi.AuditFilter{ActorID: c.param("actor_id"), Action: c.param("action"), Entity: c.param("entity"), EntityID: c.param("entity_id")}
	if f.Since, err = parseTime(c.param("since"), "since"); err != nil {
		return err
	}
	if f.Until, err = parseTime(c.param("until"), "until"); err != nil {
		return err
	}
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.AuditRecord, error) {
		f.BeforeSeq, f.Limit = 0, n
		if after != "" {
			f.BeforeSeq, _ = strconv.ParseInt(after, 10, 64) // validSeq checked it
		}
		return h.svc.Audit.List(c.ctx(), c.actor, f)
	}, func(r hikeshi.AuditRecord) string { return strconv.FormatInt(r.Seq, 10) })
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(items))
	for i, r := range items {
		out[i] = toAudit(r)
	}
	return writePage(c, "audit", out, next)
}

// parseTime parses an optional RFC 3339 query parameter.
func parseTime(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fieldError(name, "invalid_time", name+" must be an RFC 3339 time such as 2026-04-01T09:00:00Z.")
	}
	return t.UTC(), nil
}
