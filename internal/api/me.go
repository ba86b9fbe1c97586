package api

import (
	"net/http"
	"slices"

	"github.com/hikeshi/hikeshi"
)

func (h *Handler) getMe(c *call) error {
	u, err := h.svc.Users.Get(c.ctx(), c.actor, c.actor.UserID)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, toUser(u))
}

// listTokens pages through the caller's tokens in memory: a person has few.
func (h *Handler) listTokens(c *call) error {
	p, err := c.page("tokens", validID)
	if err != nil {
		return err
	}
	all, err := h.svc.Auth.ListTokens(c.ctx(), c.actor, c.actor.UserID)
	if err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b hikeshi.APIToken) int { return -compareStrings(a.ID, b.ID) }) // newest first
	items, next, err := fetchPage(p, func(after string, n int) ([]hikeshi.APIToken, error) {
		rest := all
		if after != "" {
			i := slices.IndexFunc(all, func(t hikeshi.APIToken) bool { return t.ID < after })
			if i < 0 {
				i = len(all)
			}
			rest = all[i:]
		}
		return rest[:min(n, len(rest))], nil
	}, func(t hikeshi.APIToken) string { return t.ID })
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(items))
	for i, t := range items {
		out[i] = toToken(t)
	}
	return writePage(c, "tokens", out, next)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (h *Handler) createToken(c *call) error {
	var in tokenCreateJSON
	if err := c.decode(&in); err != nil {
		return err
	}
	tok, secret, err := h.svc.Auth.CreateToken(c.ctx(), c.actor, c.actor.UserID, in.Name)
	if err != nil {
		return err
	}
	return c.created(Prefix+"/me/tokens/"+tok.ID, tokenCreatedJSON{tokenJSON: toToken(tok), Token: secret})
}

func (h *Handler) getToken(c *call) error {
	all, err := h.svc.Auth.ListTokens(c.ctx(), c.actor, c.actor.UserID)
	if err != nil {
		return err
	}
	id := c.r.PathValue("id")
	i := slices.IndexFunc(all, func(t hikeshi.APIToken) bool { return t.ID == id })
	if i < 0 {
		return hikeshi.ErrNotFound
	}
	return c.json(http.StatusOK, toToken(all[i]))
}

func (h *Handler) revokeToken(c *call) error {
	if err := h.svc.Auth.RevokeToken(c.ctx(), c.actor, c.actor.UserID, c.r.PathValue("id")); err != nil {
		return err
	}
	return c.noContent()
}
